"""Optimisation (DESIGN.md section 6, Q7): the budgeted stockpile optimiser."""

from critmin.optimize.stockpile import (
    Problem,
    Solution,
    check_kkt,
    expected_unmet,
    plan,
    solve_lp,
    waterfill,
)

__all__ = ["Problem", "Solution", "check_kkt", "expected_unmet", "plan", "solve_lp", "waterfill"]
