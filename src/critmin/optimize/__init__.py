"""Optimisation (DESIGN.md section 6, Q7): stockpile economics, what a budget buys.

Modules: damage (consumer loss from the demand curve), inputs (store figures and economic
assumptions), shortfall (draws per mineral), solver (exact water-filling and the HiGHS
check), stockpile (plan and frontier), days_cover (the days-of-net-imports rules table).
"""
