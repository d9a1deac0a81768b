"""Exact solver of the budgeted stockpile problem, cross-checked with HiGHS.

Problem (units: USD a year; q_i tonnes):
    max F(q) = sum_i [ pi_i / S sum_s d_is min(q_i, X_is) - h_i p_i q_i ]
    s.t. sum_i p_i q_i <= B,  0 <= q_i <= cap_i
with X_is the shortfall (t) of mineral i in draw s, d_is its damage per tonne (USD/t), pi_i
the annual probability of the disruption, p_i the price (USD/t), h_i the holding cost a year
(fraction of value) and B the budget (USD, spent once). The expectation over the disruption
is the sample average over S draws (never a maximum).

Exact solution. F is separable, concave and piecewise linear in each q_i: sorting mineral i's
draws by X descending, on the stretch X_(k+1) < q < X_(k) one more dollar buys
    v_i = pi_i c_k / (S p_i) - h_i,   c_k = sum_{j <= k} d_(j),
a step function falling in q. Greedy fill (a fractional knapsack over the segments): take the
segments in decreasing v while v > 0 and money remains, the last one partly. Each mineral's
segments come in their own order, so the fill is contiguous from zero and the result is the
exact optimum (KKT: every bought segment is worth at least the multiplier lambda, every unbought
one at most). The same sorted list gives F for every budget at once: the efficient frontier,
concave and non-decreasing by construction.

Cross-check: the same problem as an LP, solved by HiGHS in its dual form
    max sum_{is} X_is y_is - B mu - sum_i cap_i nu_i
    s.t. sum_s y_is - p_i mu - nu_i <= h_i p_i,  0 <= y_is <= pi_i d_is / S,  mu, nu >= 0,
whose optimum equals min_q [E0 - F(q)], E0 = sum_i pi_i / S sum_s d_is X_is (strong duality).
"""

from __future__ import annotations

import functools
import importlib
import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from critmin.errors import InputError

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class Problem:
    minerals: tuple[str, ...]
    shortfall_t: Arr  # X, (n, S)
    per_tonne: Arr  # d, (n, S), USD/t
    probability: Arr  # pi, (n,)
    price: Arr  # p, (n,), USD/t
    holding: Arr  # h, (n,), per year
    caps: Arr  # (n,), t
    budget: float

    def __post_init__(self) -> None:
        n = len(self.minerals)
        if self.shortfall_t.shape != self.per_tonne.shape or self.shortfall_t.shape[0] != n:
            raise InputError("draws must have shape (minerals, draws)", field="draws")
        if not math.isfinite(self.budget) or self.budget < 0:
            raise InputError(
                "budget must be a non-negative number of USD", field="budget", value=self.budget
            )
        if np.any(self.probability < 0) or np.any(self.probability > 1):
            raise InputError("probability must lie in [0, 1]", field="probability")
        if np.any(self.holding < 0):
            raise InputError("holding cost must not be negative", field="holding_cost")
        if np.any(self.price <= 0):
            raise InputError("prices must be positive (USD/t)", field="prices")

    @functools.cached_property
    def benefit_per_tonne(self) -> Arr:
        """pi_i d_is / S, USD a year per tonne released in draw s."""
        s = self.shortfall_t.shape[1]
        return np.asarray(self.probability[:, None] * self.per_tonne / s, dtype=np.float64)


def expected_benefit(problem: Problem, q: Arr) -> Arr:
    """Per mineral: pi_i / S sum_s d_is min(q_i, X_is), USD a year."""
    rel = np.minimum(q[:, None], problem.shortfall_t)
    return np.asarray(np.sum(problem.benefit_per_tonne * rel, axis=1), dtype=np.float64)


def net_value(problem: Problem, q: Arr) -> float:
    """F(q): expected damage avoided minus holding cost, USD a year."""
    hold = problem.holding * problem.price * q
    return float(np.sum(expected_benefit(problem, q) - hold))


@dataclass(frozen=True)
class Segments:
    """Every segment worth buying, in the order the greedy fill buys them."""

    mineral: NDArray[np.intp]
    tonnes: Arr
    cost: Arr  # USD
    benefit_per_usd: Arr  # gross: expected damage avoided a year per dollar
    net_per_usd: Arr  # minus the holding cost rate
    cum_cost: Arr
    cum_net: Arr
    cum_benefit: Arr
    next_best: tuple[int, float, float] | None  # first segment NOT worth buying: i, mb, h


def segments(problem: Problem) -> Segments:
    """The step functions of every mineral, merged in decreasing net value per dollar."""
    x, b = problem.shortfall_t, problem.benefit_per_tonne
    n, s = x.shape
    order = np.argsort(-x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(b, order, axis=1), axis=1)  # USD/yr per t, k = 1..S
    upper = np.minimum(xs, problem.caps[:, None])
    lower = np.minimum(np.hstack([xs[:, 1:], np.zeros((n, 1))]), problem.caps[:, None])
    length = upper - lower
    mb = cum / problem.price[:, None]
    net = mb - problem.holding[:, None]
    mineral = np.repeat(np.arange(n), s)
    keep = (length.ravel() > 0) & (net.ravel() > 0)
    drop = (length.ravel() > 0) & ~keep
    idx = np.nonzero(keep)[0]
    # decreasing net value; within a mineral from q = 0 upward (lower bound ascending)
    srt = idx[np.lexsort((lower.ravel()[idx], mineral[idx], -net.ravel()[idx]))]
    mi = mineral[srt]
    tonnes = length.ravel()[srt]
    cost = tonnes * problem.price[mi]
    nb = net.ravel()[srt]
    gb = mb.ravel()[srt]
    next_best = None
    if np.any(drop):
        j = np.nonzero(drop)[0]
        k = j[np.argmax(net.ravel()[j])]
        i = int(mineral[k])
        next_best = (i, float(mb.ravel()[k]), float(problem.holding[i]))
    return Segments(
        mi,
        tonnes,
        cost,
        gb,
        nb,
        np.cumsum(cost),
        np.cumsum(nb * cost),
        np.cumsum(gb * cost),
        next_best,
    )


@dataclass(frozen=True)
class Solution:
    tonnes: Arr
    spent: float
    net_value: float  # F(q), USD/yr
    benefit: float  # expected damage avoided, USD/yr
    holding_cost: float  # USD/yr
    multiplier: float  # lambda: net value of the last dollar (0 if the budget does not bind)
    budget_binding: bool
    last: dict[str, Any] | None  # the segment the last dollar buys
    stop: dict[str, Any] | None  # where buying stops paying (budget not binding)
    seconds: float


@dataclass(frozen=True)
class Steps:
    """Per mineral, in increasing q: step t ends at the t-th smallest draw ``x[i, t]`` (t) and
    is worth ``cum[i, t]`` (USD a year per tonne: the sum of pi d / S over the draws at or
    above it, decreasing in t). Per dollar: gross = cum / p, net = gross - h."""

    x: Arr  # (n, S) views
    cum: Arr
    cum_desc: Arr  # the same, contiguous, increasing along each row
    price: Arr
    holding: Arr
    caps: Arr

    def gross(self, i: int, k: int) -> float:
        return float(self.cum[i, k] / self.price[i])

    def net(self, i: int, k: int) -> float:
        return self.gross(i, k) - float(self.holding[i])

    def upper(self, i: int, k: int) -> float:
        return float(min(self.x[i, k], self.caps[i]))


def _sort_order(x: Arr) -> NDArray[np.int64]:
    """Per row, the indices that sort x ascending (x >= 0), as flat indices into x.ravel().

    Fast path: a non-negative double's bit pattern orders like its value, so the rows are
    sorted as int64 keys whose lowest k bits (k = bits of the row length) are replaced by the
    draw's index (a plain sort, several times faster than argsort). Two draws equal in all
    but those k bits may come out of order; any row where that happens is sorted again with
    argsort, so the order is always exact.
    """
    n, s = x.shape
    k = max(1, (s - 1).bit_length())
    low = (1 << k) - 1
    bits = np.ascontiguousarray(x).view(np.int64)
    keys = np.sort((bits & ~low) | np.arange(s, dtype=np.int64), axis=1)
    flat = (keys & low) + (np.arange(n, dtype=np.int64) * s)[:, None]
    xs = x.ravel()[flat]
    for i in np.nonzero(np.any(xs[:, 1:] < xs[:, :-1], axis=1))[0]:
        flat[i] = np.argsort(x[i], kind="stable") + i * s
    return np.asarray(flat, dtype=np.int64)


def steps(problem: Problem) -> Steps:
    """Sort each mineral's draws once; tail sums of pi d / S from the largest draw down."""
    x, b = problem.shortfall_t, problem.benefit_per_tonne
    flat = _sort_order(x)[:, ::-1]  # descending; read back to front as views
    cum = np.cumsum(b.ravel()[flat], axis=1)
    xs = x.ravel()[flat]
    return Steps(xs[:, ::-1], cum[:, ::-1], cum, problem.price, problem.holding, problem.caps)


def _counts(st: Steps, lam: float, strict: bool) -> NDArray[np.intp]:
    """Per mineral, the number of leading steps worth >= lam (> lam if strict) net per
    dollar, i.e. cum >= (lam + h) p: a binary search in each row (``cum_desc`` increases)."""
    n, s = st.cum_desc.shape
    thr = (lam + st.holding) * st.price
    side: Literal["left", "right"] = "right" if strict else "left"
    out = np.empty(n, dtype=np.intp)
    for i in range(n):
        out[i] = s - int(np.searchsorted(st.cum_desc[i], float(thr[i]), side=side))
    return out


def _tonnes(st: Steps, count: NDArray[np.intp]) -> Arr:
    n = count.size
    q = np.where(count > 0, st.x[np.arange(n), np.maximum(count - 1, 0)], 0.0)
    return np.asarray(np.minimum(q, st.caps), dtype=np.float64)


def waterfill(problem: Problem) -> Solution:
    """Exact optimum: bisection on the multiplier lambda, finished by the greedy fill.

    For a given lambda each mineral takes every step worth at least lambda per dollar (a
    binary search in its sorted steps); the spend falls as lambda rises. A few dozen
    bisection steps narrow lambda* to an interval [lo, hi] holding few steps; those steps are
    then bought in decreasing value, the last one partly, exactly as the greedy fill of the
    module docstring. With the budget not binding at lambda = 0, every step of positive net
    value is bought.
    """
    start = time.perf_counter()
    st = steps(problem)
    n, s = st.cum.shape
    p = problem.price
    last = stop = None
    count = _counts(st, 0.0, strict=True)
    q = _tonnes(st, count)
    lam = 0.0
    binding = float(p @ q) > problem.budget
    if binding:
        lo, hi = 0.0, float(np.max(st.cum[:, 0] / p - problem.holding)) * 2.0 + 1e-300
        c_lo, c_hi = count, np.zeros(n, dtype=np.intp)
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi or int(np.sum(c_lo - c_hi)) <= 64:
                break
            c = _counts(st, mid, strict=False)
            if float(p @ _tonnes(st, c)) > problem.budget:
                lo, c_lo = mid, c
            else:
                hi, c_hi = mid, c
        # the steps between: bought in decreasing value from the affordable fill at hi
        q = _tonnes(st, c_hi)
        rest = problem.budget - float(p @ q)
        cand = [(i, k) for i in range(n) for k in range(int(c_hi[i]), int(c_lo[i]))]
        cand.sort(key=lambda ik: (-st.net(*ik), ik))
        i, k = cand[0] if cand else (0, 0)
        for i, k in cand:
            length = max(0.0, st.upper(i, k) - q[i])
            cost = p[i] * length
            if cost >= rest:
                q[i] += rest / p[i] if length > 0 else 0.0
                break
            q[i] += length
            rest -= cost
        lam = st.net(i, k)
        last = {
            "mineral": problem.minerals[i],
            "benefit_per_usd": st.gross(i, k),
            "holding_cost_per_usd": float(problem.holding[i]),
            "net_per_usd": lam,
        }
    else:
        best = None
        for i in range(n):  # the first step not bought, of positive length
            k = int(count[i])
            while k < s and st.upper(i, k) <= q[i]:
                k += 1
            if k < s and (best is None or st.net(i, k) > st.net(*best)):
                best = (i, k)
        if best is not None:
            i, k = best
            stop = {
                "mineral": problem.minerals[i],
                "benefit_per_usd": st.gross(i, k),
                "holding_cost_per_usd": float(problem.holding[i]),
            }
    spent = float(p @ q)
    ben = float(np.sum(expected_benefit(problem, q)))
    hold = float(np.sum(problem.holding * p * q))
    return Solution(
        q, spent, ben - hold, ben, hold, lam, binding, last, stop, time.perf_counter() - start
    )


def frontier_at(seg: Segments, budgets: Arr) -> tuple[Arr, Arr, Arr, Arr]:
    """F(B), gross benefit, spend and net marginal value per dollar at each budget."""
    if seg.cost.size == 0:
        z = np.zeros(budgets.size)
        return z, z, z, z
    xs = np.concatenate([[0.0], seg.cum_cost])
    net = np.interp(budgets, xs, np.concatenate([[0.0], seg.cum_net]))
    ben = np.interp(budgets, xs, np.concatenate([[0.0], seg.cum_benefit]))
    spent = np.minimum(budgets, xs[-1])
    j = np.searchsorted(seg.cum_cost, budgets, side="right")
    marg = np.where(j < seg.cost.size, seg.net_per_usd[np.minimum(j, seg.cost.size - 1)], 0.0)
    return net, ben, spent, marg


# -- HiGHS cross-check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LPResult:
    net_value: float  # F at the LP optimum, USD/yr
    objective: float  # E0 - F (the LP's own objective)
    solver: str
    seconds: float


def _quiet_highs(highspy: Any) -> Any:
    """A Highs instance whose start-up banner goes to the null device, not stdout."""
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


def solve_lp(problem: Problem) -> LPResult:
    """The dual LP of the module docstring, built sparse and solved by HiGHS (highspy)."""
    start = time.perf_counter()
    highspy: Any = importlib.import_module("highspy")
    x, c = problem.shortfall_t, problem.benefit_per_tonne
    n = x.shape[0]
    mi, si = np.nonzero(x > 0)
    k = mi.size
    vals = x[mi, si]
    e0 = float(np.sum(c * x))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    rows_n = np.arange(n, dtype=np.int32)
    start_ = np.concatenate([np.arange(k + 1), [k + n], k + n + 1 + np.arange(n)])
    index = np.concatenate([mi.astype(np.int32), rows_n, rows_n])
    value = np.concatenate([np.ones(k), -problem.price, -np.ones(n)])
    lp.num_col_, lp.num_row_ = k + 1 + n, n
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([vals, [-problem.budget], -problem.caps])
    lp.col_lower_ = np.zeros(k + 1 + n)
    lp.col_upper_ = np.concatenate([c[mi, si], np.full(n + 1, inf)])
    lp.row_lower_ = np.full(n, -inf)
    lp.row_upper_ = problem.holding * problem.price
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start_.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    h = _quiet_highs(highspy)
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not reach an optimum: {h.modelStatusToString(status)}")
    obj = float(h.getInfo().objective_function_value)
    return LPResult(e0 - obj, obj, "highspy (dual LP)", time.perf_counter() - start)


def relative_gap(a: float, b: float, floor: float = 1e-12) -> float:
    """|a - b| / max(|a|, |b|, floor)."""
    return abs(a - b) / max(abs(a), abs(b), floor)
