"""Stockpile economics (DESIGN.md section 6, Q7): what a budget buys, valued as damage avoided.

Objective (USD a year; docs/stockpile.md):
    max sum_i [ pi E_s[ d_is min(q_i, X_is) ] - (r + s + o) p_i q_i ]   s.t. sum_i p_i q_i <= B,
                                                                          0 <= q_i <= cap_i
- X_is, d_is: shortfall (t) and damage per tonne (USD/t) of mineral i in draw s
  (critmin.optimize.shortfall; damage from the demand curve, critmin.optimize.damage);
- pi: annual probability of the disruption (critmin.optimize.inputs, ASSUMPTION with a range);
- r: financing at EXIM's rate, s: storage, o: loss or obsolescence, fractions of value a year;
- p_i: price (USD/t); B: budget (USD, spent once); cap_i: ``cap_days`` of US consumption.
Solved exactly by critmin.optimize.solver (greedy water-filling over concave piecewise-linear
steps) and checked against HiGHS. Minerals: every one with a price, US supply figures and
world production shares in the store (critmin.optimize.inputs.gather).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from critmin.defaults import BUDGET_USD, DRAWS, FRONTIER_MAX_USD, FRONTIER_STEP_USD, SEED
from critmin.errors import InputError
from critmin.optimize import inputs as I
from critmin.optimize import solver as S
from critmin.optimize.shortfall import Draws, draw_shortfalls

if TYPE_CHECKING:
    from critmin.store import StoreArg

DEFAULT_BUDGET_USD = BUDGET_USD  # Project Vault (critmin.defaults)
DEFAULT_DRAWS = DRAWS  # critmin.defaults
DEFAULT_SEED = SEED
MAX_BUDGET_USD = 1e13


@dataclass(frozen=True)
class Model:
    figures: list[I.MineralFigures]
    left_out: list[dict[str, Any]]
    draws: Draws
    problem: S.Problem
    economics: I.Economics
    seed: int


def _check_budget(budget: float, field: str = "budget") -> float:
    try:
        b = float(budget)
    except (TypeError, ValueError):
        raise InputError("budget must be a number of USD", field=field, value=str(budget)) from None
    if not (b == b and 0.0 <= b <= MAX_BUDGET_USD):
        raise InputError(
            f"budget must be a number of USD in [0, {MAX_BUDGET_USD:g}]", field=field, value=b
        )
    return b


def model(
    budget: float = DEFAULT_BUDGET_USD,
    economics: I.Economics | None = None,
    minerals: list[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    path: StoreArg = None,
) -> Model:
    """Gather the figures, draw the shortfalls and set up the problem (no solving)."""
    from critmin.queries import resolve_mineral
    from critmin.sim.rng import check_seed

    budget = _check_budget(budget)
    econ = economics or I.Economics()
    if not isinstance(draws, int) or not 1 <= draws <= 1_000_000:
        raise InputError("draws must be an integer in [1, 1000000]", field="draws", value=draws)
    seed = DEFAULT_SEED if seed is None else check_seed(seed)
    figs, left = I.gather(path)
    if minerals:
        wanted = []
        for m in minerals:
            try:
                wanted.append(resolve_mineral(m.strip(), path))
            except Exception:
                raise InputError("unknown mineral", field="minerals", value=m) from None
        scope = {f.mineral for f in figs}
        out = [m for m in wanted if m not in scope]
        if out:
            raise InputError(
                "not in the planner's scope (no price, US supply or production shares); in "
                "scope: " + ", ".join(sorted(scope)),
                field="minerals",
                value=out[0],
            )
        figs = [f for f in figs if f.mineral in set(wanted)]
    dr = draw_shortfalls(figs, draws, seed)
    n = len(figs)
    price = np.array([f.price_usd_per_t for f in figs], dtype=np.float64)
    cons = np.array([f.consumption_t for f in figs], dtype=np.float64)
    problem = S.Problem(
        dr.minerals,
        dr.shortfall_t,
        dr.per_tonne,
        np.full(n, econ.probability),
        price,
        np.full(n, econ.holding_rate),
        cons * econ.cap_days / 365.0,
        budget,
    )
    return Model(figs, left, dr, problem, econ, seed)


def _marginal(problem: S.Problem, q: np.ndarray) -> np.ndarray:
    """Gross expected damage avoided a year by one more dollar of each mineral at q."""
    above = problem.shortfall_t > q[:, None]
    return np.asarray(
        np.sum(problem.benefit_per_tonne * above, axis=1) / problem.price, dtype=np.float64
    )


def plan(
    budget: float = DEFAULT_BUDGET_USD,
    economics: I.Economics | None = None,
    minerals: list[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    lp_check: bool = True,
    path: StoreArg = None,
) -> dict[str, Any]:
    """The optimal stockpile for ``budget`` (USD): tonnes, dollars and days per mineral, the
    expected damage avoided and the holding cost (USD a year), the binding minerals and what
    the last dollar buys, or where buying stops paying and why."""
    m = model(budget, economics, minerals, draws, seed, path)
    return plan_of(m, lp_check)


def plan_of(m: Model, lp_check: bool = True) -> dict[str, Any]:
    p = m.problem
    sol = S.waterfill(p)
    q = sol.tonnes
    ben = S.expected_benefit(p, q)
    marg = _marginal(p, q)
    e0 = np.mean(m.draws.damage_usd, axis=1) * p.probability
    allocations: list[dict[str, Any]] = []
    for i, f in enumerate(m.figures):
        daily_ni = f.net_imports_t / 365.0
        allocations.append(
            {
                "mineral": f.mineral,
                "tonnes": float(q[i]),
                "usd": float(q[i] * p.price[i]),
                "days_of_net_imports": float(q[i] / daily_ni) if daily_ni > 0 else None,
                "days_of_use": float(q[i] / (f.consumption_t / 365.0)),
                "cap_t": float(p.caps[i]),
                "at_cap": bool(q[i] >= p.caps[i] * (1 - 1e-12) and q[i] > 0),
                "price_usd_per_t": float(p.price[i]),
                "expected_damage_usd_per_yr": float(e0[i]),
                "damage_avoided_usd_per_yr": float(ben[i]),
                "holding_cost_usd_per_yr": float(p.holding[i] * p.price[i] * q[i]),
                "marginal_benefit_per_usd": float(marg[i]),
                # share of the draws with a shortfall whose price sits at the cap
                "draws_at_price_cap": float(
                    np.sum(m.draws.at_cap[i]) / max(1, np.sum(m.draws.shortfall_t[i] > 0))
                ),
                "exposure": f.exposure,
                "leader": f.leader,
                "leader_share": f.leader_share,
                "stage": f.stage,
                "net_import_reliance": f.nir,
                "consumption_t": f.consumption_t,
                "inputs": f.provenance,
            }
        )
    # with the budget binding, every mineral bought and not at its cap is filled to the water
    # level lambda: another dollar would go to it
    binding = [
        a["mineral"]
        for a in allocations
        if sol.budget_binding and a["tonnes"] > 0 and not a["at_cap"]
    ]
    stops = None
    if not sol.budget_binding:
        stops = {"at_usd": sol.spent, **(sol.stop or {})}
        if sol.stop is None:
            stops["reason"] = "every mineral is at its cap or its largest shortfall"
        else:
            stops["reason"] = (
                "the next dollar avoids less expected damage a year than it costs to hold"
            )
    check = None
    if lp_check:
        lp = S.solve_lp(p)
        e0_total = float(np.sum(p.benefit_per_tonne * p.shortfall_t))
        check = {
            "net_value_usd_per_yr": lp.net_value,
            "relative_gap": S.relative_gap(lp.objective, e0_total - sol.net_value),
            # the LP's net value is E0 minus its objective and carries E0's rounding: the scale
            # floor is a billionth of E0 (an empty plan has net value 0 exactly)
            "relative_gap_net_value": S.relative_gap(
                lp.net_value, sol.net_value, max(1.0, 1e-9 * e0_total)
            ),
            "solver": lp.solver,
            "seconds": lp.seconds,
            "speed_ratio": lp.seconds / max(sol.seconds, 1e-9),
        }
    return {
        "budget_usd": p.budget,
        "spent_usd": sol.spent,
        "budget_binding": sol.budget_binding,
        "expected_damage_usd_per_yr": float(np.sum(e0)),
        # share of the expected damage from draws whose price sits at the cap: how much of
        # the plan's value the cap, not the demand curve, decides
        "damage_share_at_price_cap": _capped_damage_share(m),
        "damage_avoided_usd_per_yr": sol.benefit,
        "holding_cost_usd_per_yr": sol.holding_cost,
        "net_value_usd_per_yr": sol.net_value,
        "multiplier": sol.multiplier,
        "binding_minerals": binding,
        "last_dollar": sol.last,
        "stops_paying": stops,
        "stops_paying_at_usd": _stops_at(p),
        "allocations": sorted(allocations, key=lambda a: (-a["usd"], a["mineral"])),
        "minerals_in_scope": len(m.figures),
        "not_in_scope": m.left_out,
        "economics": m.economics.to_dict(),
        "draws": m.problem.shortfall_t.shape[1],
        "seed": m.seed,
        "optimiser_seconds": sol.seconds,
        "lp_check": check,
    }


def _capped_damage_share(m: Model) -> float:
    """Share of the expected damage (all minerals, all draws) from draws at the price cap."""
    total = float(np.sum(m.draws.damage_usd))
    return float(np.sum(m.draws.damage_usd[m.draws.at_cap]) / total) if total > 0 else 0.0


def _stops_at(p: S.Problem) -> float:
    """The spend at which another dollar stops paying: every step of positive net value."""
    st = S.steps(p)
    return float(p.price @ S._tonnes(st, S._counts(st, 0.0, strict=True)))


def frontier(
    max_budget: float = FRONTIER_MAX_USD,
    step: float = FRONTIER_STEP_USD,
    economics: I.Economics | None = None,
    minerals: list[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    path: StoreArg = None,
) -> dict[str, Any]:
    """Expected damage avoided, holding cost and net value against budget, 0 .. max_budget,
    with the marginal benefit of a dollar at each budget (all USD a year per USD)."""
    top = _check_budget(max_budget, "max_budget")
    st = _check_budget(step, "step")
    if st <= 0 or top / st > 1000:
        raise InputError("step must be positive, at most 1000 points", field="step", value=step)
    m = model(0.0, economics, minerals, draws, seed, path)
    return frontier_of(m, top, st)


def frontier_of(m: Model, top: float, step: float) -> dict[str, Any]:
    seg = S.segments(m.problem)
    budgets = np.arange(0.0, top + step / 2, step)
    net, ben, spent, marg = S.frontier_at(seg, budgets)
    j = np.searchsorted(seg.cum_cost, budgets, side="right")
    gross = np.zeros(budgets.size)  # nothing worth buying (net exporters only): all zero
    if seg.cost.size:
        has = j < seg.cost.size
        gross = np.where(has, seg.benefit_per_usd[np.minimum(j, seg.cost.size - 1)], 0.0)
    points = [
        {
            "budget_usd": float(b),
            "spent_usd": float(sp),
            "damage_avoided_usd_per_yr": float(g),
            "holding_cost_usd_per_yr": float(g - n_),
            "net_value_usd_per_yr": float(n_),
            "marginal_benefit_per_usd": float(mb),
            "marginal_net_per_usd": float(mn),
        }
        for b, sp, g, n_, mb, mn in zip(budgets, spent, ben, net, gross, marg, strict=True)
    ]
    return {
        "points": points,
        "stops_paying_at_usd": float(seg.cum_cost[-1]) if seg.cost.size else 0.0,
        "minerals_in_scope": len(m.figures),
        "economics": m.economics.to_dict(),
        "draws": m.problem.shortfall_t.shape[1],
        "seed": m.seed,
    }
