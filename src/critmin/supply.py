"""Who controls supply (Q1-Q3): concentration, dominance, ownership control, export controls,
US exposure. Each function reads the store once and applies the pure formulas of
:mod:`critmin.metrics`; the CLI, HTTP API and briefing all call these. The answers live in
supply_shares, ownership, controls_register and us_exposure; this module names them once.
"""

from __future__ import annotations

from critmin.controls_register import control_events, control_status, controls
from critmin.ownership import control, project_control, project_share, stake_in_force, stakes_on
from critmin.supply_shares import basket_symbols, concentration, concentration_all, dominance
from critmin.us_exposure import exposure, latest_nir

# one import for the front ends; each family of answers lives in its own module
__all__ = [
    "basket_symbols",
    "concentration",
    "concentration_all",
    "control",
    "control_events",
    "control_status",
    "controls",
    "dominance",
    "exposure",
    "latest_nir",
    "project_control",
    "project_share",
    "stake_in_force",
    "stakes_on",
]
