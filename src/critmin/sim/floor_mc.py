"""Streamed Monte Carlo of a floor contract (formulas in critmin.sim.floor's docstring).

Blocks of 4 096 paths with their own random streams (critmin.sim.rng) run through a per-step
pipeline whose working set is a few MB; the result depends only on the seed and path count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from critmin.defaults import FLOOR_PATHS, SEED
from critmin.errors import InputError
from critmin.sim import rng
from critmin.sim.floor_closed import Analytic, analytic_cost, schedule
from critmin.sim.floor_contract import (
    HIST_BINS,
    KEEP_SAMPLES_MAX,
    MAX_LOG_SPAN,
    MAX_PATHS,
    PERIODS,
    FloorContract,
    PriceModel,
)

Array = NDArray[np.float64]


# -- streamed Monte Carlo ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    seed: int
    paths: int
    n_steps: int
    x0: float  # initial state: 0 (GBM) or ln S0 - theta (OU)
    a: float  # OU decay per step (1 for GBM)
    s: float  # diffusion scale per step
    h: Array  # payoff_i = g_i (h_i - e^x)^+, g_i = e^{c0 + d t_i}, h_i = F / g_i
    c_nom: float  # within-year accumulators: N = c_nom N + P, D = c_pv D + P
    c_pv: float
    m_nom: Array  # per year: nominal_y = m_nom[y] N, pv_y = m_pv[y] D at year end
    m_pv: Array
    year_end: NDArray[np.bool_]
    year_of_step: NDArray[np.int64]
    counts: NDArray[np.bool_]  # steps with positive volume (count payout months there)
    jump: tuple[float, float, float] | None  # (lambda dt, m_J, s_J)
    cap: float | None
    hist_width: float
    keep: bool


def _plan(contract: FloorContract, model: PriceModel, paths: int, seed: int, keep: bool) -> _Plan:
    sch = schedule(contract)
    dt_ = 1.0 / sch.periods
    jumps = model.jumps if model.jumps is not None and model.jumps.intensity > 0 else None
    lam = k = 0.0
    if model.kind == "gbm":
        k = 0.0 if jumps is None else math.exp(jumps.mean + jumps.sd**2 / 2) - 1
        lam = 0.0 if jumps is None else jumps.intensity
        c0, d = math.log(model.spot), model.mu - model.sigma**2 / 2 - lam * k
        x0, a, s = 0.0, 1.0, model.sigma * math.sqrt(dt_)
    else:
        assert model.theta_level is not None
        c0, d = math.log(model.theta_level), 0.0
        x0, a = math.log(model.spot) - c0, math.exp(-model.kappa * dt_)
        var = -math.expm1(-2 * model.kappa * dt_) / (2 * model.kappa) if model.kappa else dt_
        s = model.sigma * math.sqrt(var)
    span = {"spot": abs(c0), "mu": abs(d) * float(sch.times[-1])}
    if sum(span.values()) > MAX_LOG_SPAN:
        # name what drives it: the drift (mu, sigma^2 / 2, the jump compensator) or the level
        parts = {"mu": abs(model.mu), "sigma": model.sigma**2 / 2, "jumps": abs(lam * k)}
        where = "spot" if span["spot"] > span["mu"] else max(parts, key=lambda n: parts[n])
        if where == "spot" and model.kind == "ou":
            where = "theta_level"
        raise InputError(
            f"the price drift over the term is beyond what double precision holds "
            f"(|ln level| + |mu - sigma^2/2 - jump drift| x years = {sum(span.values()):.3g} "
            f"> {MAX_LOG_SPAN:g}); lower sigma, mu or jumps, or shorten the term",
            field=where,
            value=getattr(model, where),
        )
    r = contract.discount_rate
    g = np.exp(c0 + d * sch.times)
    end = np.r_[sch.year_of_step[1:] != sch.year_of_step[:-1], True]
    q_end = sch.units[end]
    yearly_max = np.bincount(sch.year_of_step, weights=sch.units * contract.floor)
    if contract.annual_cap_usd is not None:
        yearly_max = np.minimum(yearly_max, contract.annual_cap_usd)
    return _Plan(
        seed=seed,
        paths=paths,
        n_steps=len(sch.times),
        x0=x0,
        a=a,
        s=s,
        h=contract.floor / g,
        c_nom=math.exp(-d * dt_),
        c_pv=math.exp((r - d) * dt_),
        m_nom=q_end * g[end],
        m_pv=q_end * g[end] * np.exp(-r * sch.times[end]),
        year_end=end,
        year_of_step=sch.year_of_step,
        counts=sch.units > 0,
        jump=None if jumps is None else (jumps.intensity * dt_, jumps.mean, jumps.sd),
        cap=contract.annual_cap_usd,
        hist_width=max(float(yearly_max.sum()), 1e-300) / HIST_BINS,
        keep=keep,
    )


@dataclass
class _Chunk:
    block_stats: list[tuple[int, float, float, float, float]]  # n, mean, M2 (nominal, pv)
    yearly: Array  # (blocks, 2, years) sums over each block's paths
    any_paid: int
    months: int
    years_paid: int
    hist: NDArray[np.int64]
    hist_pv: NDArray[np.int64]
    nominal: Array | None
    pv: Array | None


def _run_chunk(p: _Plan, b0: int, b1: int) -> _Chunk:
    """Simulate blocks b0..b1-1 step by step; padded paths of the last block start at +inf."""
    nb, bp = b1 - b0, rng.BLOCK_PATHS
    gens = [rng.block_generator(p.seed, b) for b in range(b0, b1)]
    valid = [min(bp, p.paths - b * bp) for b in range(b0, b1)]
    z, e = np.empty((nb, bp)), np.empty((nb, bp))
    x = np.full((nb, bp), p.x0)
    for j, n_ok in enumerate(valid):
        x[j, n_ok:] = np.inf  # exp(inf) = inf: such a path never pays
    acc_n, acc_d = np.zeros((nb, bp)), np.zeros((nb, bp))
    nom, pv = np.zeros((nb, bp)), np.zeros((nb, bp))
    yearly = np.zeros((nb, 2, int(p.year_of_step[-1]) + 1))
    months = years_paid = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(p.n_steps):
            for j, gen in enumerate(gens):
                gen.standard_normal(out=z[j])
            if p.a != 1.0:
                x *= p.a
            z *= p.s
            x += z
            if p.jump is not None:
                lam_dt, jm, js = p.jump
                for j, gen in enumerate(gens):
                    hits = gen.poisson(lam_dt, bp)
                    at = np.flatnonzero(hits)
                    if at.size:
                        n_j = hits[at].astype(np.float64)
                        x[j, at] += n_j * jm + np.sqrt(n_j) * js * gen.standard_normal(at.size)
            np.exp(x, out=e)
            np.subtract(p.h[i], e, out=e)
            np.maximum(e, 0.0, out=e)
            if p.counts[i]:
                months += int(np.count_nonzero(e))
            if p.c_nom != 1.0:
                acc_n *= p.c_nom
            acc_n += e
            if p.c_pv != 1.0:
                acc_d *= p.c_pv
            acc_d += e
            if p.year_end[i]:
                y = int(p.year_of_step[i])
                pay_n, pay_d = acc_n * p.m_nom[y], acc_d * p.m_pv[y]
                if p.cap is not None:
                    scale = np.minimum(1.0, p.cap / pay_n)
                    pay_n *= scale
                    pay_d *= scale
                nom += pay_n
                pv += pay_d
                years_paid += int(np.count_nonzero(pay_n))
                yearly[:, 0, y], yearly[:, 1, y] = pay_n.sum(axis=1), pay_d.sum(axis=1)
                acc_n.fill(0.0)
                acc_d.fill(0.0)
    stats = []
    for j, n_ok in enumerate(valid):
        vn, vd = nom[j, :n_ok], pv[j, :n_ok]
        mn, md = float(vn.mean()), float(vd.mean())
        stats.append((n_ok, mn, float(((vn - mn) ** 2).sum()), md, float(((vd - md) ** 2).sum())))
    total = sum(valid)
    flat_n, flat_d = nom.reshape(-1)[:total], pv.reshape(-1)[:total]

    def hist(v: Array) -> NDArray[np.int64]:
        idx = np.minimum(v / p.hist_width, HIST_BINS - 1).astype(np.int64)  # clip, then cast
        return np.bincount(idx, minlength=HIST_BINS).astype(np.int64)

    return _Chunk(
        block_stats=stats,
        yearly=yearly,
        any_paid=int(np.count_nonzero(flat_n)),
        months=months,
        years_paid=years_paid,
        hist=hist(flat_n),
        hist_pv=hist(flat_d),
        nominal=flat_n.copy() if p.keep else None,
        pv=flat_d.copy() if p.keep else None,
    )


@dataclass
class FloorResult:
    """A floor simulation: Monte Carlo statistics (USD) beside the closed form where it exists.

    ``samples`` / ``pv_samples`` hold the per-path nominal / discounted costs (USD) when kept
    (by default up to 4 000 000 paths); quantiles are then exact (linear interpolation),
    otherwise read from a 65 536-bin histogram over [0, maximum possible cost] with an error of
    at most one bin width (``quantile_method`` says which). Payout months: settlements with a
    payment x months per settlement period (a paying quarter covers three months of sales).
    """

    contract: FloorContract
    model: PriceModel
    paths: int
    seed: int
    steps: int
    periods: int
    expected_cost_usd: float
    pv_cost_usd: float
    stderr_usd: float
    pv_stderr_usd: float
    quantiles_usd: dict[str, float]
    pv_quantiles_usd: dict[str, float]
    quantile_method: str
    prob_any_payout: float
    expected_payout_settlements: float
    expected_payout_years: float
    yearly_expected_usd: list[float]
    yearly_pv_usd: list[float]
    histogram_edges_usd: list[float]
    histogram_counts: list[int]
    analytic: Analytic | None
    analytic_note: str | None
    runtime_s: float
    workers: int
    samples: Array | None = field(default=None, repr=False)
    pv_samples: Array | None = field(default=None, repr=False)

    @property
    def path_steps_per_s(self) -> float:
        return self.paths * self.steps / self.runtime_s if self.runtime_s > 0 else math.inf

    def z_score(self) -> float | None:
        """(Monte Carlo - closed form) / standard error of the nominal expected cost."""
        if self.analytic is None or not self.stderr_usd > 0:
            return None
        return (self.expected_cost_usd - self.analytic.nominal) / self.stderr_usd

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; the first eleven keys are the CLI's documented contract."""
        an = self.analytic
        yearly = [
            {
                "year": y + 1,
                "expected_payout_usd": self.yearly_expected_usd[y],
                "pv_usd": self.yearly_pv_usd[y],
                "analytic_usd": None if an is None else an.yearly_nominal[y],
            }
            for y in range(len(self.yearly_expected_usd))
        ]
        return {
            "expected_cost_usd": self.expected_cost_usd,
            "pv_cost_usd": self.pv_cost_usd,
            "stderr_usd": self.stderr_usd,
            "p50_usd": self.quantiles_usd["p50"],
            "p95_usd": self.quantiles_usd["p95"],
            "p99_usd": self.quantiles_usd["p99"],
            "prob_any_payout": self.prob_any_payout,
            "analytic_expected_cost_usd": None if an is None else an.nominal,
            "paths": self.paths,
            "seed": self.seed,
            "runtime_s": self.runtime_s,
            "pv_stderr_usd": self.pv_stderr_usd,
            "analytic_pv_cost_usd": None if an is None else an.pv,
            "analytic_note": self.analytic_note,
            "mc_minus_analytic_in_stderr": self.z_score(),
            "pv_p50_usd": self.pv_quantiles_usd["p50"],
            "pv_p95_usd": self.pv_quantiles_usd["p95"],
            "pv_p99_usd": self.pv_quantiles_usd["p99"],
            "quantile_method": self.quantile_method,
            "expected_payout_settlements": self.expected_payout_settlements,
            "expected_payout_months": self.expected_payout_settlements * 12 / self.periods,
            "expected_payout_years": self.expected_payout_years,
            "yearly": yearly,
            "histogram": {"edges_usd": self.histogram_edges_usd, "counts": self.histogram_counts},
            "steps": self.steps,
            "path_steps_per_s": self.path_steps_per_s,
            "workers": self.workers,
            "rng": f"{rng.BIT_GENERATOR}, SeedSequence child per block of {rng.BLOCK_PATHS} paths",
            "contract": self.contract.model_dump(mode="json"),
            "model": self.model.model_dump(mode="json"),
        }


def _hist_quantiles(counts: NDArray[np.int64], width: float, qs: Sequence[float]) -> list[float]:
    cum = np.cumsum(counts)
    out = []
    for q in qs:
        target = q * cum[-1]
        b = int(np.searchsorted(cum, target, side="left"))
        below = cum[b - 1] if b > 0 else 0
        frac = (target - below) / counts[b] if counts[b] else 0.0
        out.append(float((b + frac) * width))
    return out


def simulate_floor(
    contract: FloorContract,
    model: PriceModel,
    *,
    paths: int = FLOOR_PATHS,
    seed: int = SEED,
    workers: int = 1,
    chunk_blocks: int = 16,
    keep_samples: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FloorResult:
    """Monte Carlo cost of a floor contract (module docstring: formulas, units, conventions).

    Paths run in blocks of 4 096 with their own random streams (critmin.sim.rng); chunks of
    ``chunk_blocks`` blocks run on ``workers`` threads (NumPy releases the GIL) and are merged in
    block order, so the result is bitwise the same for any chunk size or worker count.
    Memory: a few MB per worker, plus 16 bytes a path when samples are kept. ``progress`` is
    called with (paths done, paths total) after each chunk.
    """
    for name, val in (("paths", paths), ("workers", workers), ("chunk_blocks", chunk_blocks)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise InputError(f"{name} must be a positive integer", field=name, value=val)
    if paths > MAX_PATHS:
        raise InputError(f"paths must be at most {MAX_PATHS:,}", field="paths", value=paths)
    seed = rng.check_seed(seed)
    keep = paths <= KEEP_SAMPLES_MAX if keep_samples is None else keep_samples
    plan = _plan(contract, model, paths, seed, keep)
    analytic, note = analytic_cost(contract, model)
    years = int(plan.year_of_step[-1]) + 1
    t0 = time.perf_counter()
    n = 0
    mean_n = m2_n = mean_d = m2_d = 0.0
    yearly = np.zeros((2, years))
    any_paid = months = years_paid = 0
    hist = np.zeros(HIST_BINS, np.int64)
    hist_pv = np.zeros(HIST_BINS, np.int64)
    samples = np.empty(paths) if keep else None
    pv_samples = np.empty(paths) if keep else None

    def merge(c: _Chunk) -> None:
        nonlocal n, mean_n, m2_n, mean_d, m2_d, any_paid, months, years_paid
        if samples is not None and pv_samples is not None:
            assert c.nominal is not None and c.pv is not None
            samples[n : n + c.nominal.size], pv_samples[n : n + c.pv.size] = c.nominal, c.pv
        for j, (nb, mn, qn, md, qd) in enumerate(c.block_stats):  # Chan et al., in block order
            tot = n + nb
            dn, dd = mn - mean_n, md - mean_d
            mean_n, mean_d = mean_n + dn * nb / tot, mean_d + dd * nb / tot
            m2_n, m2_d = m2_n + qn + dn * dn * n * nb / tot, m2_d + qd + dd * dd * n * nb / tot
            yearly[:] += c.yearly[j]
            n = tot
        any_paid += c.any_paid
        months += c.months
        years_paid += c.years_paid
        hist[:] += c.hist
        hist_pv[:] += c.hist_pv
        if progress is not None:
            progress(n, paths)

    chunks = rng.chunk_bounds(rng.n_blocks(paths), chunk_blocks)
    rng.run_in_order(lambda b: _run_chunk(plan, *b), chunks, merge, workers)
    runtime = time.perf_counter() - t0
    qs = (0.5, 0.95, 0.99)
    if samples is not None and pv_samples is not None:
        qn, qd = np.quantile(samples, qs).tolist(), np.quantile(pv_samples, qs).tolist()
        method = "exact"
    else:
        qn = _hist_quantiles(hist, plan.hist_width, qs)
        qd = _hist_quantiles(hist_pv, plan.hist_width, qs)
        method = f"histogram ({HIST_BINS} bins of {plan.hist_width:,.0f} USD)"
    last = int(np.flatnonzero(hist)[-1]) + 1  # display histogram: <= 40 bins up to the max cost
    per = -(-last // 40)
    starts = np.arange(0, last, per)
    coarse = np.add.reduceat(hist[:last], starts)
    return FloorResult(
        contract=contract,
        model=model,
        paths=paths,
        seed=seed,
        steps=plan.n_steps,
        periods=PERIODS[contract.settlement],
        expected_cost_usd=mean_n,
        pv_cost_usd=mean_d,
        stderr_usd=math.sqrt(m2_n / (n - 1) / n) if n > 1 else math.nan,
        pv_stderr_usd=math.sqrt(m2_d / (n - 1) / n) if n > 1 else math.nan,
        quantiles_usd=dict(zip(("p50", "p95", "p99"), qn, strict=True)),
        pv_quantiles_usd=dict(zip(("p50", "p95", "p99"), qd, strict=True)),
        quantile_method=method,
        prob_any_payout=any_paid / n,
        expected_payout_settlements=months / n,
        expected_payout_years=years_paid / n,
        yearly_expected_usd=(yearly[0] / n).tolist(),
        yearly_pv_usd=(yearly[1] / n).tolist(),
        histogram_edges_usd=(np.r_[starts, starts[-1] + per] * plan.hist_width).tolist(),
        histogram_counts=coarse.tolist(),
        analytic=analytic,
        analytic_note=note,
        runtime_s=runtime,
        workers=workers,
        samples=samples,
        pv_samples=pv_samples,
    )
