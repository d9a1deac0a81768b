"""Defaults written once: every front end (Python API, CLI, HTTP API, brief, sweep) reads them
here, so the same question asked without a seed or a budget gives the same number everywhere.

- ``SEED``: the master seed of every Monte Carlo engine (floor, floor band, scenario,
  stockpile, pipeline, sweep, brief) when none is given. Any fixed integer would do; this
  one is the date of the first scenario's calibration (2025-04-04). Results depend on the
  seed only through sampling noise; pass another to see that noise.
- ``BUDGET_USD``: the stockpile budget when none is given, US$12 billion: Project Vault's
  US$10 billion EXIM loan plus about US$2 billion of private capital (the figures and their
  sources are in docs/stockpile.md and the ledger).
- ``FLOOR_PATHS``, ``DRAWS``: Monte Carlo sizes (below).
- The stockpile planner's economics (``PROBABILITY``, ``FINANCING_RATE``, ``STORAGE_RATE``,
  ``LOSS_RATE``, ``CAP_DAYS``) and its frontier's budgets, with their sources below;
  :mod:`critmin.optimize.inputs` holds their ranges and the disruption parameters.
"""

from __future__ import annotations

SEED = 20250404
BUDGET_USD = 12e9

# Monte Carlo sizes when none is given (engines without a constant of their own, and the
# Python API's signatures): the floor's paths, and the draws of the project pipeline.
FLOOR_PATHS = 100_000
DRAWS = 10_000

# -- the stockpile planner's economics (docs/stockpile.md) -------------------------------------

# EXIM's minimum CIRR for direct loans, repayment term > 14 to <= 15 years, "all other
# contracts", effective 2023-03-15 to 2023-04-14: 5.03 % (source exim-cirr-2023-03). Project
# Vault's EXIM loan is a 15-year direct loan (source gtr-2026-project-vault); its own rate is
# not published, so EXIM's published minimum rate for that term stands for it.
FINANCING_RATE = 0.0503
# ASSUMPTION: storage and insurance, 1 % of the value a year (range 0.5-2 %); no published
# per-mineral warehouse cost was found.
STORAGE_RATE = 0.01
# ASSUMPTION: metals and concentrates kept dry do not decay: loss/obsolescence 0 (range 0-2 %
# a year, where specifications move, e.g. battery-grade chemicals).
LOSS_RATE = 0.0
# ASSUMPTION: the annual probability that the leading supplier of a mineral withholds exports
# to the US: 5 % (range 2-15 %). No published base rate per mineral was found.
PROBABILITY = 0.05
CAP_DAYS = 365.0  # no mineral is stocked beyond a year of US consumption ("up to one year")
# the efficient frontier's budgets when none are given: 0 to US$20 billion in US$1 billion steps
FRONTIER_MAX_USD = 20e9
FRONTIER_STEP_USD = 1e9
