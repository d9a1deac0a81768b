"""The strategic stockpile: the optimal plan, the efficient frontier and days-of-imports rules.

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (default: :data:`critmin.defaults.SEED`). Formulas and sources: docs/stockpile.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import (
    BUDGET_USD,
    CAP_DAYS,
    DRAWS,
    FINANCING_RATE,
    FRONTIER_MAX_USD,
    FRONTIER_STEP_USD,
    LOSS_RATE,
    PROBABILITY,
    SEED,
    STORAGE_RATE,
)

# the engine's bound on cap_days (the HTTP API's request models read it here)
from critmin.optimize.inputs import MAX_CAP_DAYS as MAX_CAP_DAYS
from critmin.results import Result


class StockpilePlan(Result):
    """The optimal stockpile; table: ``allocations`` (mineral, tonnes, usd, days...)."""


class StockpileFrontier(Result):
    """Damage avoided against budget; table: ``points`` (budget_usd, spent_usd...)."""


class StockpileDays(Result):
    """Days-of-imports rules beside the optimal plan; table: ``rows`` (one per mineral)."""


def _stockpile_inputs(
    lead: dict[str, Any],
    minerals: Iterable[str] | str | None,
    draws: int,
    seed: int,
    economics: dict[str, float],
    path: StorePath,
) -> tuple[list[str] | None, int, int, Any, dict[str, Any]]:
    """The resolved minerals, draw count, seed and Economics of a stockpile question, and the
    request as the Result records it (``lead``: the function's own arguments first)."""
    from critmin.optimize.inputs import Economics

    mins = arg.minerals(minerals, path)
    n = arg.count(draws, "draws", 1)
    s = arg.seed(seed)
    e = economics
    econ = Economics(
        e["probability"], e["financing_rate"], e["storage_rate"], e["loss_rate"], e["cap_days"]
    )
    return mins, n, s, econ, {**lead, "minerals": mins, "draws": n, "seed": s, **economics}


def stockpile_plan(
    *,
    budget: float = BUDGET_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    lp_check: bool = True,
    path: StorePath = None,
) -> StockpilePlan:
    """Tonnes per mineral that maximise expected damage avoided minus holding cost within
    ``budget`` (USD), by exact water-filling (checked against HiGHS with ``lp_check``).

    net value = p x E[damage avoided] - (financing + storage + loss) x value held, a year
    (USD); p = ``probability`` of a disruption a year; rates a year (financing: the EXIM
    CIRR, 15 years). Default budget: Project Vault, US$12 billion (critmin.defaults).

    >>> import critmin as cm
    >>> res = cm.stockpile_plan(draws=500, lp_check=False)
    >>> res["budget_usd"], res["spent_usd"] <= res["budget_usd"]
    (12000000000.0, True)
    """
    from critmin.optimize.stockpile import plan

    mins, n, s, econ, req = _stockpile_inputs(
        {"budget": budget},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    req["lp_check"] = lp_check
    ans = plan(budget, econ, mins, n, s, bool(lp_check), path)
    return StockpilePlan.of("stockpile_plan", req, ans, table=("allocations",))


def stockpile_frontier(
    *,
    max_budget: float = FRONTIER_MAX_USD,
    step: float = FRONTIER_STEP_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    path: StorePath = None,
) -> StockpileFrontier:
    """The efficient frontier: for budgets 0, ``step``, ... ``max_budget`` (USD), the
    optimal plan's expected damage avoided, holding cost and net value (USD a year), and
    the marginal benefit of a dollar (the water-filling slope).

    >>> import critmin as cm
    >>> res = cm.stockpile_frontier(max_budget=4e9, step=2e9, draws=500)
    >>> [p["budget_usd"] for p in res.rows()]
    [0.0, 2000000000.0, 4000000000.0]
    """
    from critmin.optimize.stockpile import frontier

    mins, n, s, econ, req = _stockpile_inputs(
        {"max_budget": max_budget, "step": step},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    ans = frontier(max_budget, step, econ, mins, n, s, path)
    return StockpileFrontier.of("stockpile_frontier", req, ans, table=("points",))


def stockpile_days(
    *,
    budget: float = BUDGET_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    path: StorePath = None,
) -> StockpileDays:
    """Days of US net imports per mineral under the IEA's 90 days, Korea's 100 days, one
    year and the optimal plan of ``budget``, each with its tonnes, cost (USD) and net value
    (USD a year): stock = min(net imports x days / 365, cap), tonnes.

    >>> import critmin as cm
    >>> res = cm.stockpile_days(draws=500)
    >>> al = next(r for r in res.rows() if r["mineral"] == "aluminum")
    >>> round(al["iea_90"]["tonnes"]) == round(al["net_imports_t"] * 90 / 365)
    True
    """
    from critmin.optimize.days_cover import days_table
    from critmin.optimize.stockpile import model

    mins, n, s, econ, req = _stockpile_inputs(
        {"budget": budget},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    ans = days_table(model(budget, econ, mins, n, s, path))
    return StockpileDays.of("stockpile_days", req, ans, table=("rows",))
