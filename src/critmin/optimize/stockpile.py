"""Budgeted stockpile optimiser (DESIGN.md section 6, Q7), exact, cross-checked with HiGHS.

Problem. Choose tonnes q_i to minimise the expected weighted unmet demand
    f(q) = sum_i w_i E[(X_i - q_i)^+]
subject to sum_i p_i q_i <= B and 0 <= q_i <= cap_i, where X_i is the shortfall (t) of
mineral i in a disruption, p_i its price (USD/t), w_i the weight of a tonne unmet (by default
its price: f is then the value of unmet demand at pre-disruption prices, USD) and B the budget.
The expectation is the sample average over S joint draws X_{i,s}.

Exact solution ("water-filling"). f is separable, convex and piecewise linear: on the segment
between consecutive sorted draws, the value of one more dollar of mineral i is
    v_i(q) = w_i P(X_i > q) / p_i = w_i #{s: X_{i,s} > q} / (S p_i),
a step function falling from w_i / p_i to 0. At the optimum every mineral is filled up to
the multiplier lambda: v_i(q_i-) >= lambda >= v_i(q_i+) unless a bound (0 or cap_i) binds,
and lambda (B - sum_i p_i q_i) = 0 (KKT). For a given lambda the allocation is closed-form
(count the segments with v >= lambda); bisection on lambda finds the multiplier at which
spending crosses B, and the remaining budget is split over the segments whose value equals
lambda (the plateau), which makes the objective exactly the LP's optimum.

Cross-check. The same sample-average problem as a sparse LP
    min sum_{i,s} (w_i / S) u_{i,s}  s.t.  u_{i,s} + q_i >= X_{i,s}, u >= 0,
                                          sum_i p_i q_i <= B, 0 <= q_i <= cap_i
solved with HiGHS (highspy; scipy's bundled HiGHS where highspy is not installed). Rows with
X_{i,s} = 0 are implied by u, q >= 0 and left out.
"""

from __future__ import annotations

import importlib
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from critmin.errors import InputError

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class Problem:
    """Sample-average stockpile problem: draws (n x S, t), weights, prices (USD/t), caps (t)."""

    minerals: tuple[str, ...]
    draws: Arr
    weights: Arr
    prices: Arr
    caps: Arr
    budget: float

    def __post_init__(self) -> None:
        n = len(self.minerals)
        if self.draws.ndim != 2 or self.draws.shape[0] != n or self.draws.shape[1] < 1:
            raise InputError("draws must be an array of shape (minerals, draws)", field="draws")
        for name in ("weights", "prices", "caps"):
            arr = getattr(self, name)
            if arr.shape != (n,) or not np.all(np.isfinite(arr)):
                raise InputError(f"{name} must be {n} finite numbers", field=name)
        if np.any(self.prices <= 0):
            raise InputError("prices must be positive (USD/t)", field="prices")
        if np.any(self.weights < 0) or np.any(self.caps < 0):
            raise InputError("weights and caps must not be negative", field="weights")
        if not np.all(np.isfinite(self.draws)) or np.any(self.draws < 0):
            raise InputError("shortfall draws must be finite and not negative", field="draws")
        if not math.isfinite(self.budget) or self.budget < 0:
            raise InputError("budget must be a non-negative number (USD)", field="budget")


@dataclass(frozen=True)
class Solution:
    tonnes: Arr
    spent: float
    multiplier: float
    objective: float
    objective_before: float
    budget_binding: bool
    iterations: int
    seconds: float


def expected_unmet(draws: Arr, q: Arr, weights: Arr) -> float:
    """f(q) = sum_i w_i mean_s (X_{i,s} - q_i)^+ (units of w times tonnes)."""
    return float(np.sum(weights * np.mean(np.maximum(draws - q[:, None], 0.0), axis=1)))


def unmet_by_mineral(draws: Arr, q: Arr) -> Arr:
    """E[(X_i - q_i)^+] per mineral, tonnes."""
    return np.asarray(np.mean(np.maximum(draws - q[:, None], 0.0), axis=1), dtype=np.float64)


def marginal_values(problem: Problem, q: Arr) -> tuple[Arr, Arr]:
    """Left and right value of one more dollar at q: w_i #{X >= q} / (S p_i), #{X > q} ..."""
    s = problem.draws.shape[1]
    above = np.sum(problem.draws > q[:, None], axis=1)
    at_or_above = np.sum(problem.draws >= q[:, None], axis=1)
    scale = problem.weights / (s * problem.prices)
    return at_or_above * scale, above * scale


def _allocation(b: Arr, lam: float, scale: Arr, caps: Arr) -> Arr:
    """Tonnes taking every segment worth at least ``lam`` per dollar (scale = S p_i / w_i)."""
    s = b.shape[1] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        t = s - lam * scale
    count = np.clip(np.floor(np.nan_to_num(t, nan=-1.0, neginf=-1.0)) + 1, 0, s).astype(np.int64)
    return np.asarray(np.minimum(b[np.arange(b.shape[0]), count], caps), dtype=np.float64)


def waterfill(problem: Problem) -> Solution:
    """Exact optimum by bisection on the multiplier (see the module docstring).

    Returns tonnes, dollars spent, the multiplier lambda (reduction of f per extra dollar;
    0 when the budget does not bind because every cap or the largest shortfall is reached),
    f at the optimum and f(0).
    """
    start = time.perf_counter()
    p, w, caps = problem.prices, problem.weights, problem.caps
    n, s = problem.draws.shape
    b = np.hstack([np.zeros((n, 1)), np.sort(problem.draws, axis=1)])
    with np.errstate(divide="ignore"):
        scale = np.where(w > 0, s * p / np.where(w > 0, w, 1.0), np.inf)
    before = expected_unmet(problem.draws, np.zeros(n), w)
    useful = np.where(w > 0, np.minimum(b[:, -1], caps), 0.0)
    if float(p @ useful) <= problem.budget:
        obj = expected_unmet(problem.draws, useful, w)
        return Solution(
            useful, float(p @ useful), 0.0, obj, before, False, 0, time.perf_counter() - start
        )
    lo, hi = 0.0, 2.0 * float(np.max(np.where(w > 0, w / p, 0.0)))
    iterations = 0
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        iterations += 1
        if float(p @ _allocation(b, mid, scale, caps)) > problem.budget:
            lo = mid
        else:
            hi = mid
    q_hi = _allocation(b, hi, scale, caps)  # segments worth more than lambda*: affordable
    q_lo = _allocation(b, lo, scale, caps)  # ... plus the plateau at lambda*: too dear
    plateau = q_lo - q_hi
    cost = float(p @ plateau)
    rest = problem.budget - float(p @ q_hi)
    frac = min(1.0, max(0.0, rest / cost)) if cost > 0 else 0.0
    q = q_hi + frac * plateau
    # lambda* = the value of the plateau segments: w_i #{X > q_hi} / (S p_i)
    on = plateau > 0
    counts = np.sum(problem.draws[on] > q_hi[on, None], axis=1)
    lam = float(np.max(counts * w[on] / (s * p[on]))) if np.any(on) else 0.5 * (lo + hi)
    obj = expected_unmet(problem.draws, q, w)
    return Solution(
        q, float(p @ q), lam, obj, before, True, iterations, time.perf_counter() - start
    )


@dataclass(frozen=True)
class LPResult:
    objective: float
    tonnes: Arr
    solver: str
    seconds: float
    rows: int
    columns: int


def _csc(
    starts: list[NDArray[Any]], index: list[NDArray[Any]], value: list[NDArray[Any]]
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    return np.concatenate(starts), np.concatenate(index), np.concatenate(value)


def _quiet_highs(highspy: Any) -> Any:
    """A silent Highs instance: its start-up banner (printed by the C++ constructor before any
    option can be set) goes to the null device, never into JSON on stdout or the user's
    terminal."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)
    return h


def solve_lp(problem: Problem, form: str = "dual", solver: str = "choose") -> LPResult:
    """The sample-average LP of the module docstring, built sparse, solved by HiGHS.

    ``form="primal"``: the LP as written, one row u_{i,s} + q_i >= X_{i,s} per positive draw.
    ``form="dual"`` (default): its LP dual, n rows and one bounded column per positive draw,
        max sum_{i,s} X_{i,s} y_{i,s} - B mu - sum_i cap_i nu_i
        s.t. sum_s y_{i,s} - p_i mu - nu_i <= 0,  0 <= y_{i,s} <= w_i / S,  mu, nu >= 0;
    strong duality gives the same optimum and q_i = the dual value of row i. The dual form is
    an order of magnitude faster on 60 x 100 000 draws (benchmarks/bench_stockpile.py).
    HiGHS presolve is switched off: on these shapes it costs more than the solve. ``solver``
    is HiGHS's option ("choose", "simplex", "ipm"). Without highspy, scipy's bundled HiGHS
    solves the primal form.
    """
    if form not in ("primal", "dual"):
        raise InputError("choose primal or dual", field="form", value=form)
    start = time.perf_counter()
    x = problem.draws
    n, s = x.shape
    mi, si = np.nonzero(x > 0)  # positive draws, grouped by mineral (C order)
    k = mi.size
    vals = x[mi, si]
    try:  # an optional dependency, imported by name so type checks pass without it
        highspy: Any = importlib.import_module("highspy")
    except ImportError:
        return _solve_scipy(problem, mi, vals, start)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    rows_k = np.arange(k, dtype=np.int32)
    if form == "primal":
        # columns q_0..q_{n-1} (rows of its draws + the budget row k), then u_k (row k)
        counts = np.bincount(mi, minlength=n)
        row_start = np.concatenate([[0], np.cumsum(counts)])
        starts: list[NDArray[Any]] = []
        index: list[NDArray[Any]] = []
        value: list[NDArray[Any]] = []
        pos = 0
        for i in range(n):
            c = int(counts[i])
            starts.append(np.array([pos]))
            index += [rows_k[row_start[i] : row_start[i] + c], np.array([k], dtype=np.int32)]
            value += [np.ones(c), np.array([problem.prices[i]])]
            pos += c + 1
        starts.append(pos + np.arange(k + 1))
        index.append(rows_k)
        value.append(np.ones(k))
        lp.num_col_, lp.num_row_ = n + k, k + 1
        lp.col_cost_ = np.concatenate([np.zeros(n), (problem.weights / s)[mi]])
        lp.col_lower_ = np.zeros(n + k)
        lp.col_upper_ = np.concatenate([problem.caps, np.full(k, inf)])
        lp.row_lower_ = np.concatenate([vals, [-inf]])
        lp.row_upper_ = np.concatenate([np.full(k, inf), [problem.budget]])
    else:
        # columns y_k (row mi[k]), mu (every row, -p_i), nu_i (row i, -1)
        rows_n = np.arange(n, dtype=np.int32)
        starts = [np.arange(k + 1), np.array([k + n]), k + n + 1 + np.arange(n)]
        index = [mi.astype(np.int32), rows_n, rows_n]
        value = [np.ones(k), -problem.prices, -np.ones(n)]
        lp.num_col_, lp.num_row_ = k + 1 + n, n
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.concatenate([vals, [-problem.budget], -problem.caps])
        lp.col_lower_ = np.zeros(k + 1 + n)
        lp.col_upper_ = np.concatenate([(problem.weights / s)[mi], np.full(n + 1, inf)])
        lp.row_lower_ = np.full(n, -inf)
        lp.row_upper_ = np.zeros(n)
    a_start, a_index, a_value = _csc(starts, index, value)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a_start.astype(np.int32)
    lp.a_matrix_.index_ = a_index.astype(np.int32)
    lp.a_matrix_.value_ = a_value
    h = _quiet_highs(highspy)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", solver)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not reach an optimum: {h.modelStatusToString(status)}")
    obj = float(h.getInfo().objective_function_value)
    sol = h.getSolution()
    if form == "primal":
        tonnes = np.asarray(sol.col_value[:n], dtype=np.float64)
    else:
        tonnes = np.asarray(sol.row_dual, dtype=np.float64)
    return LPResult(
        obj,
        tonnes,
        f"highspy {form} {solver}",
        time.perf_counter() - start,
        lp.num_row_,
        lp.num_col_,
    )


def _solve_scipy(problem: Problem, mi: NDArray[np.intp], vals: Arr, start: float) -> LPResult:
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, hstack, identity, vstack

    n, s = problem.draws.shape
    k = mi.size
    cover = hstack([coo_matrix((np.ones(k), (np.arange(k), mi)), shape=(k, n)), identity(k)])
    budget = coo_matrix(np.concatenate([problem.prices, np.zeros(k)])[None, :])
    a_ub = vstack([-cover, budget]).tocsr()
    b_ub = np.concatenate([-vals, [problem.budget]])
    c = np.concatenate([np.zeros(n), (problem.weights / s)[mi]])
    bounds = [(0.0, float(cap)) for cap in problem.caps] + [(0.0, None)] * k
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"HiGHS (scipy) did not reach an optimum: {res.message}")
    return LPResult(
        float(res.fun),
        np.asarray(res.x[:n]),
        "scipy highs",
        time.perf_counter() - start,
        k + 1,
        n + k,
    )


def relative_gap(a: float, b: float) -> float:
    """|a - b| / max(|a|, |b|, 1e-12)."""
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def check_kkt(problem: Problem, sol: Solution, rtol: float = 1e-9) -> dict[str, Any]:
    """Check the optimality conditions of a solution; returns the worst violations.

    Stationarity on each mineral: v_i(q_i+) <= lambda unless q_i = cap_i, and
    v_i(q_i-) >= lambda unless q_i = 0; primal feasibility; complementary slackness
    lambda (B - spend) = 0. Violations are relative to max(lambda, max_i w_i / p_i).
    """
    q, lam = sol.tonnes, sol.multiplier
    left, right = marginal_values(problem, q)
    ref = max(lam, float(np.max(problem.weights / problem.prices)))
    tol_q = 1e-9 * np.maximum(1.0, problem.caps)
    below_cap = q < problem.caps - tol_q
    above_zero = q > tol_q
    upper = float(np.max(np.where(below_cap, right - lam, 0.0), initial=0.0)) / ref
    lower = float(np.max(np.where(above_zero, lam - left, 0.0), initial=0.0)) / ref
    spend = float(problem.prices @ q)
    feasible = spend <= problem.budget * (1 + rtol) + 1e-6 and bool(
        np.all(q >= -tol_q) and np.all(q <= problem.caps + tol_q)
    )
    slack = lam * (problem.budget - spend) / max(problem.budget * ref, 1e-300)
    return {
        "stationarity_upper": upper,
        "stationarity_lower": lower,
        "complementary_slackness": abs(slack),
        "feasible": feasible,
        "ok": feasible and upper <= rtol and lower <= rtol and abs(slack) <= rtol,
    }


# -- the plan: scenarios -> shortfall draws -> allocation ----------------------------------------

DEFAULT_BUDGET_USD = 12e9  # Project Vault: US$10 billion EXIM loan + about US$2 billion private
DEFAULT_CAP_DAYS = 365.0  # "weeks to months, up to a year for some minerals"
MAX_CAP_DAYS = 36_500.0  # a century of use: beyond it a cap only overflows
WEIGHTS = ("value", "tonnes")


def plan(
    budget: float = DEFAULT_BUDGET_USD,
    scenarios: list[str] | None = None,
    minerals: list[str] | None = None,
    draws: int = 10_000,
    seed: int | None = None,
    cap_days: float = DEFAULT_CAP_DAYS,
    weight: str = "value",
    lp_check: bool = True,
    path: Any = None,
) -> dict[str, Any]:
    """Split a stockpile budget across minerals against the bundled (or named) scenarios.

    Each scenario is simulated with its own child of ``SeedSequence(seed)`` (in the order
    given); the selected scenarios are taken to happen together, so a mineral's shortfall in
    draw s is the sum over scenarios of its draw s (before any stockpile release). Default
    scenarios: every bundled ``event`` (historical replays excluded). Caps: ``cap_days`` of US
    apparent consumption. Weight "value": w_i = p_i (minimise the value of unmet demand at
    pre-disruption prices, USD); "tonnes": w_i = 1. Days of cover = q_i / (C_i / 365).
    """
    from critmin.sim import disruption as d

    if weight not in WEIGHTS:
        raise InputError("choose value or tonnes", field="weight", value=weight)
    if not (0 < cap_days <= MAX_CAP_DAYS):
        raise InputError(
            f"cap must be a positive number of days, at most {MAX_CAP_DAYS:,.0f} (100 years)",
            field="cap_days",
            value=cap_days,
        )
    if draws < 1:
        raise InputError("need at least one draw", field="draws", value=draws)
    from critmin.sim.rng import check_seed

    seed = d.DEFAULT_SEED if seed is None else check_seed(seed)
    names = scenarios or [s["name"] for s in d.list_scenarios() if s["kind"] == "event"]
    children = np.random.SeedSequence(seed).spawn(len(names))
    pooled: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, Any]] = []
    for name, child in zip(names, children, strict=True):
        sc = d.load_scenario(name)
        run = d.simulate(sc, d.resolve_inputs(sc, path), draws, int(child.generate_state(1)[0]))
        for r in run.runs:
            entry = pooled.setdefault(
                r.inputs.mineral,
                {"inputs": r.inputs, "x": np.zeros(draws), "scenarios": []},
            )
            entry["x"] = entry["x"] + r.shortfall_t
            entry["scenarios"].append(sc.name)
        skipped += [
            {"mineral": i.mineral, "scenario": sc.name, "reason": "missing " + ", ".join(i.missing)}
            for i in run.skipped
        ]
    if minerals:
        wanted = {m.strip().lower() for m in minerals}
        known = {k for k, e in pooled.items() if wanted & {k, *e["inputs"].members}}
        unknown = wanted - {x for k in known for x in (k, *pooled[k]["inputs"].members)}
        if unknown:
            raise InputError(
                "not in the scenarios' computable minerals: " + ", ".join(sorted(pooled)),
                field="minerals",
                value=sorted(unknown)[0],
            )
        pooled = {k: v for k, v in pooled.items() if k in known}
    keys = []
    for key in sorted(pooled):
        inp = pooled[key]["inputs"]
        if inp.price_usd_per_t is None or inp.price_usd_per_t <= 0:
            skipped.append({"mineral": key, "reason": "no price per tonne"})
            continue
        keys.append(key)
    if not keys:
        raise InputError("no mineral with shortfall draws and a price", field="minerals")
    infos = [pooled[k]["inputs"] for k in keys]
    cons = np.array([i.consumption_t for i in infos], dtype=np.float64)
    prices = np.array([i.price_usd_per_t for i in infos], dtype=np.float64)
    problem = Problem(
        tuple(keys),
        np.vstack([pooled[k]["x"] for k in keys]),
        prices.copy() if weight == "value" else np.ones(len(keys)),
        prices,
        cons * cap_days / 365.0,
        float(budget),
    )
    sol = waterfill(problem)
    before_t = unmet_by_mineral(problem.draws, np.zeros(len(keys)))
    after_t = unmet_by_mineral(problem.draws, sol.tonnes)
    allocations = [
        {
            "mineral": k,
            "members": info.members,
            "reported_as": info.reported_as,
            "tonnes": float(q),
            "usd": float(q * p),
            "days_cover": float(q / (c / 365.0)) if c > 0 else None,
            "cap_t": float(cap),
            "price_usd_per_t": float(p),
            "expected_unmet_t_before": float(b0),
            "expected_unmet_t_after": float(a0),
            "scenarios": pooled[k]["scenarios"],
        }
        for k, info, q, p, c, cap, b0, a0 in zip(
            keys, infos, sol.tonnes, prices, cons, problem.caps, before_t, after_t, strict=True
        )
    ]
    check = None
    if lp_check:
        lp = solve_lp(problem)
        check = {
            "objective": lp.objective,
            "relative_gap": relative_gap(lp.objective, sol.objective),
            "solver": lp.solver,
            "seconds": lp.seconds,
        }
    return {
        "budget_usd": float(budget),
        "spent_usd": sol.spent,
        "budget_binding": sol.budget_binding,
        "multiplier": sol.multiplier,
        "objective_unit": "USD of unmet demand at pre-disruption prices"
        if weight == "value"
        else "tonnes of unmet demand",
        "expected_unmet_before": sol.objective_before,
        "expected_unmet_after": sol.objective,
        "allocations": sorted(allocations, key=lambda a: (-a["usd"], a["mineral"])),
        "not_planned": skipped,
        "scenarios": names,
        "draws": draws,
        "seed": seed,
        "cap_days": cap_days,
        "weight": weight,
        "optimiser_seconds": sol.seconds,
        "lp_check": check,
    }
