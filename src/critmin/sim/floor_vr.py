"""The floor as written, priced by Monte Carlo with variance reduction (issue 23, part 3).

Contract (USD): settlement periods i = 1..n of length dt = 1/periods years, each with f
equally spaced fixings t_{i,j} = (i - 1) dt + j dt / f. Reference price A_i = mean_j S(t_{i,j})
(f = 1: the period-end price). Per path:
  floor_i  = q_i (F - A_i)^+, scaled pro rata within a contract year so the year pays at most
             the annual cap (if any);
  upside_i = u_i q_i (A_i - K)^+, u_i = upside share from contract year ``upside_from_year``;
  net = sum_i (floor_i - upside_i), PV = sum_i e^{-r t_i} (floor_i - upside_i).
q_i in contract units (kg), F, K, A in USD per unit; r continuously compounded a year.

Price paths are exact at the fixings (critmin.sim.floor). Estimators (``method``):
- ``plain``: independent paths; s.e. = sd / sqrt(paths).
- ``antithetic``: paths in pairs (Z, -Z); the pair average is the unit; s.e. over pairs.
- ``cv`` / ``antithetic-cv``: control variates with known means, per contract year:
  sum q_i (F - e^{G_i})^+, sum u_i q_i (e^{G_i} - K)^+ (G_i the mean of ln S over the period's
  fixings, Gaussian, so both have lognormal closed forms) and sum q_i A_i (E[S_t] known);
  with Merton jumps (GBM) the period-end put and call (Merton series) replace the geometric
  ones. beta by least squares; estimate = mean Y - beta (mean X - mu).
- ``rqmc`` / ``rqmc-cv``: R independent scramblings of a Sobol sequence (scipy.stats.qmc.Sobol,
  scramble=True, Owen-type scrambling), normals by the inverse normal CDF, the Brownian path
  built by a Brownian bridge (the first coordinates carry the coarse path). Each scrambling
  gives an unbiased estimate; s.e. = sd of the R estimates / sqrt(R) (randomised QMC: the
  spread is honest). With controls, beta is pooled over all points. Jumps draw pseudo-random
  numbers, independent per scrambling.
With f = 1, no cap and no jumps (or GBM jumps) the closed form prices the whole contract; it is
reported beside the estimate (``closed_form_*``).
Sources: Glasserman, Monte Carlo Methods in Financial Engineering (2003), sections 4.1-4.2
(antithetics, control variates), 5.2 and 5.5 (Sobol, Brownian bridge, randomised QMC);
Kemna and Vorst (1990) for the geometric-average control.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from critmin.defaults import SEED
from critmin.errors import InputError
from critmin.sim import rng
from critmin.sim.floor_closed import lognormal_expected_shortfall, merton_gbm_expected_shortfall
from critmin.sim.floor_contract import (
    PERIODS,
    UNITS_PER_TONNE,
    FloorContract,
    PriceModel,
    WrittenTerms,
)

Array = NDArray[np.float64]
METHODS = ("plain", "antithetic", "cv", "antithetic-cv", "rqmc", "rqmc-cv")
MAX_VR_PATHS = 4_194_304
BATCH = 8192
TARGETS = ("net", "net_pv", "floor", "floor_pv", "upside", "upside_pv", "paying")


@dataclass(frozen=True)
class Grid:
    """Fixing grid and per-period weights of a contract as written."""

    n: int  # settlement periods
    f: int  # fixings per period
    h: float  # fixing step (years)
    times: Array  # fixing times, n f
    settle: Array  # settlement times, n
    units: Array  # q_i, contract units per period
    disc: Array  # e^{-r t_i}
    year: NDArray[np.int64]
    share: Array  # u_i
    floor: float
    strike: float
    cap: float | None


def grid(contract: FloorContract, terms: WrittenTerms) -> Grid:
    """Fixing times and weights: q_i = t/yr x units per tonne / periods (critmin.sim.floor)."""
    periods = PERIODS[contract.settlement]
    n = round(contract.term_years * periods)
    f = terms.fixings_per_period
    year = np.arange(n) // periods
    vol = contract.volume_tpy
    tpy = np.asarray(vol if len(vol) > 1 else vol * (int(year[-1]) + 1), float)
    units = tpy[year] * UNITS_PER_TONNE[contract.unit] / periods
    settle = (np.arange(n) + 1.0) / periods
    share = np.where(year + 1 >= terms.upside_from_year, terms.upside_share, 0.0)
    return Grid(
        n=n,
        f=f,
        h=1.0 / periods / f,
        times=(np.arange(n * f) + 1.0) / (periods * f),
        settle=settle,
        units=units,
        disc=np.exp(-contract.discount_rate * settle),
        year=year,
        share=share,
        floor=contract.floor,
        strike=terms.upside_strike or contract.floor,
        cap=contract.annual_cap_usd,
    )


def _log_moments(model: PriceModel, t: Array) -> tuple[Array, Array]:
    """Mean vector and covariance matrix of ln S at times t (no jumps).

    GBM: m = ln S0 + (mu - sigma^2/2) t, C_kl = sigma^2 min(t_k, t_l).
    OU: m = e^{-kappa t} ln S0 + (1 - e^{-kappa t}) theta,
        C_kl = e^{-kappa |t_k - t_l|} sigma^2 (1 - e^{-2 kappa min}) / (2 kappa).
    """
    lo = np.minimum.outer(t, t)
    if model.kind == "gbm" or model.kappa == 0:
        drift = model.mu - model.sigma**2 / 2 if model.kind == "gbm" else 0.0
        base = math.log(model.spot)
        return base + drift * t, model.sigma**2 * lo
    assert model.theta_level is not None
    k = model.kappa
    decay = np.exp(-k * t)
    m = decay * math.log(model.spot) + (1 - decay) * math.log(model.theta_level)
    c = np.exp(-k * np.abs(np.subtract.outer(t, t))) * model.sigma**2 * -np.expm1(-2 * k * lo)
    return m, c / (2 * k)


def _control_means(g: Grid, model: PriceModel) -> tuple[Array, list[tuple[str, int]]]:
    """Known means of the controls (USD) and their (kind, year) labels; see module docstring."""
    jumps = model.jumps is not None and model.jumps.intensity > 0
    years = int(g.year[-1]) + 1
    put = np.zeros(g.n)
    call = np.zeros(g.n)
    if jumps:
        assert model.jumps is not None
        for i, t in enumerate(g.settle):
            put[i] = merton_gbm_expected_shortfall(
                g.floor, model.spot, model.mu, model.sigma, t, model.jumps
            )
            kput = merton_gbm_expected_shortfall(
                g.strike, model.spot, model.mu, model.sigma, t, model.jumps
            )
            call[i] = model.spot * math.exp(model.mu * t) - g.strike + kput
        es = model.spot * np.exp(model.mu * g.times)
    else:
        m, c = _log_moments(model, g.times)
        es = np.exp(m + np.diag(c) / 2)
        idx = np.arange(g.n * g.f).reshape(g.n, g.f)
        mg = m[idx].mean(axis=1)
        vg = np.array([c[np.ix_(r, r)].mean() for r in idx])
        put = lognormal_expected_shortfall(g.floor, mg, vg)
        call = np.exp(mg + vg / 2) - g.strike + lognormal_expected_shortfall(g.strike, mg, vg)
    mean_a = es.reshape(g.n, g.f).mean(axis=1)
    mus: list[float] = []
    labels: list[tuple[str, int]] = []
    for y in range(years):
        at = g.year == y
        mus.append(float((g.units[at] * put[at]).sum()))
        labels.append(("put", y))
        if (g.share[at] > 0).any():
            mus.append(float((g.share[at] * g.units[at] * call[at]).sum()))
            labels.append(("call", y))
        mus.append(float((g.units[at] * mean_a[at]).sum()))
        labels.append(("mean", y))
    return np.asarray(mus), labels


def closed_form(
    contract: FloorContract, model: PriceModel, terms: WrittenTerms
) -> dict[str, float] | None:
    """Expected net cost when a closed form prices the whole contract, else None.

    Needs f = 1, no cap, and no jumps or GBM jumps: E[net] = sum_i q_i (E[(F - S_i)^+]
    - u_i E[(S_i - K)^+]), the call by parity E[S] - K + E[(K - S)^+]; PV with e^{-r t_i}.
    """
    if terms.fixings_per_period != 1 or contract.annual_cap_usd is not None:
        return None
    if model.jumps is not None and model.jumps.intensity > 0 and model.kind == "ou":
        return None
    g = grid(contract, terms)
    mus, labels = _control_means(g, model)
    # per-year put and call means are the closed form per year; combine with the weights
    put = sum(mu for mu, (k, _) in zip(mus, labels, strict=True) if k == "put")
    call = sum(mu for mu, (k, _) in zip(mus, labels, strict=True) if k == "call")
    # PV: recompute per period (the controls are nominal-weighted)
    gd = Grid(**{**g.__dict__, "units": g.units * g.disc})
    mus_d, _ = _control_means(gd, model)
    put_d = sum(mu for mu, (k, _) in zip(mus_d, labels, strict=True) if k == "put")
    call_d = sum(mu for mu, (k, _) in zip(mus_d, labels, strict=True) if k == "call")
    return {"net": put - call, "net_pv": put_d - call_d, "floor": put, "floor_pv": put_d}


def _bridge(n: int) -> list[tuple[int, int, int, float, float, float]]:
    """Brownian bridge order on steps 1..n (index k = time k h): (k, left, right, wl, wr, sd)
    in units of h; W_k = wl W_left + wr W_right + sd sqrt(h) z; left = -1 is W(0) = 0."""
    out = [(n - 1, -1, -1, 0.0, 0.0, math.sqrt(n))]
    todo = [(-1, n - 1)]
    while todo:
        nxt = []
        for left, right in todo:
            if right - left < 2:
                continue
            k = (left + right + 1) // 2
            a, b = k - left, right - k
            out.append((k, left, right, b / (a + b), a / (a + b), math.sqrt(a * b / (a + b))))
            nxt += [(left, k), (k, right)]
        todo = nxt
    return out


def _normals_bridge(u: Array, h: float) -> Array:
    """Increments dW / sqrt(h) (iid N(0,1) in law) from uniforms u (m x N) by a Brownian bridge."""
    z = ndtri(np.clip(u, 1e-15, 1 - 1e-15))
    m, n = z.shape
    w = np.empty((m, n))
    for col, (k, left, right, wl, wr, sd) in enumerate(_bridge(n)):
        w[:, k] = sd * z[:, col]
        if left >= 0:
            w[:, k] += wl * w[:, left]
        if right >= 0 and right != k:
            w[:, k] += wr * w[:, right]
    return np.diff(w, axis=1, prepend=0.0)


def _paths(model: PriceModel, g: Grid, z: Array, gen: np.random.Generator) -> Array:
    """ln S at the fixings from standard normals z (m x n f); jumps drawn from ``gen``."""
    m, steps = z.shape
    jumps = model.jumps if model.jumps is not None and model.jumps.intensity > 0 else None
    jl = np.zeros((m, steps))
    if jumps is not None:
        hits = gen.poisson(jumps.intensity * g.h, (m, steps)).astype(float)
        jl = hits * jumps.mean + np.sqrt(hits) * jumps.sd * gen.standard_normal((m, steps))
    if model.kind == "gbm":
        k = 0.0 if jumps is None else math.exp(jumps.mean + jumps.sd**2 / 2) - 1
        lam = 0.0 if jumps is None else jumps.intensity
        d = (model.mu - model.sigma**2 / 2 - lam * k) * g.h
        inc = d + model.sigma * math.sqrt(g.h) * z + jl
        return np.asarray(math.log(model.spot) + np.cumsum(inc, axis=1))
    assert model.theta_level is not None
    theta = math.log(model.theta_level)
    a = math.exp(-model.kappa * g.h)
    var = -math.expm1(-2 * model.kappa * g.h) / (2 * model.kappa) if model.kappa else g.h
    s = model.sigma * math.sqrt(var)
    y = np.empty((m, steps))
    prev = np.full(m, math.log(model.spot) - theta)
    for k in range(steps):
        prev = a * prev + s * z[:, k] + jl[:, k]
        y[:, k] = prev
    return y + theta


def _payoffs(
    g: Grid, logs: Array, labels: list[tuple[str, int]], jumps: bool
) -> tuple[Array, Array]:
    """Targets (m x 7, see TARGETS) and controls (m x k) of each path."""
    m = logs.shape[0]
    s = np.exp(logs).reshape(m, g.n, g.f)
    a = s.mean(axis=2)
    floor = g.units * np.maximum(g.floor - a, 0.0)
    if g.cap is not None:
        yearly = np.zeros((m, int(g.year[-1]) + 1))
        np.add.at(yearly.T, g.year, floor.T)
        scale = g.cap / np.maximum(yearly, g.cap)  # 1 below the cap
        floor = floor * scale[:, g.year]
    up = g.share * g.units * np.maximum(a - g.strike, 0.0)
    y = np.column_stack(
        [
            floor.sum(1) - up.sum(1),
            floor @ g.disc - up @ g.disc,
            floor.sum(1),
            floor @ g.disc,
            up.sum(1),
            up @ g.disc,
            np.count_nonzero(floor > 0, axis=1).astype(float),
        ]
    )
    ref = s[:, :, -1] if jumps else np.exp(logs.reshape(m, g.n, g.f).mean(axis=2))
    put = g.units * np.maximum(g.floor - ref, 0.0)
    call = g.share * g.units * np.maximum(ref - g.strike, 0.0)
    mean = g.units * a
    cols = {"put": put, "call": call, "mean": mean}
    x = np.column_stack([cols[kind][:, g.year == yr].sum(1) for kind, yr in labels])
    return y, x


@dataclass
class Estimate:
    """Variance-reduced estimate of a contract as written (USD; ``paying`` in periods)."""

    method: str
    paths: int
    replicates: int
    mean: dict[str, float]
    stderr: dict[str, float]
    p5_usd: float
    p50_usd: float
    p95_usd: float
    pv_p5_usd: float
    pv_p95_usd: float
    periods: int
    closed_form: dict[str, float] | None
    controls: int
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__}


def _beta(y: Array, x: Array) -> Array:
    """Least-squares slopes of y (m x t) on x (m x k), both centred."""
    xc, yc = x - x.mean(0), y - y.mean(0)
    beta, *_ = np.linalg.lstsq(xc, yc, rcond=None)
    return np.asarray(beta)


def estimate_floor(
    contract: FloorContract,
    model: PriceModel,
    terms: WrittenTerms | None = None,
    *,
    method: str = "rqmc-cv",
    paths: int = 65_536,
    replicates: int = 16,
    seed: int = SEED,
) -> Estimate:
    """Expected cost of a floor as written with a standard error for every mean (module doc).

    ``paths`` is the total number of price paths (for rqmc: replicates x 2^k points, rounded up
    to a power of two per replicate). Result depends only on the arguments.
    """
    terms = terms or WrittenTerms()
    if method not in METHODS:
        raise InputError(
            f"method must be one of {', '.join(METHODS)}", field="method", value=method
        )
    if isinstance(paths, bool) or not isinstance(paths, int) or not 64 <= paths <= MAX_VR_PATHS:
        raise InputError(
            f"paths must be an integer in [64, {MAX_VR_PATHS:,}]", field="paths", value=paths
        )
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 2 <= replicates <= 256
    ):
        raise InputError(
            "replicates must be an integer in [2, 256]", field="replicates", value=replicates
        )
    seed = rng.check_seed(seed)
    if model.sigma <= 0:
        raise InputError(
            "volatility must be positive for a simulation", field="sigma", value=model.sigma
        )
    jumps = model.jumps is not None and model.jumps.intensity > 0
    use_cv = method.endswith("cv")
    if use_cv and jumps and model.kind == "ou":
        raise InputError(
            "no control variates for the ou model with jumps", field="method", value=method
        )
    g = grid(contract, terms)
    steps = g.n * g.f
    mu, labels = _control_means(g, model)
    t0 = time.perf_counter()
    ys: list[Array] = []
    xs: list[Array] = []
    group: list[Array] = []
    raw: list[Array] = []  # per-path net costs (nominal, PV) for the quantiles
    if method.startswith("rqmc"):
        from scipy.stats import qmc

        per = 1 << max(1, math.ceil(math.log2(max(paths // replicates, 2))))
        for r in range(replicates):
            ss = rng.block_seed(seed, r)
            sob = qmc.Sobol(d=steps, scramble=True, seed=np.random.Generator(np.random.SFC64(ss)))
            gen = rng.block_generator(seed, 10_000 + r)
            for start in range(0, per, BATCH):
                u = sob.random(min(BATCH, per - start))
                y, x = _payoffs(g, _paths(model, g, _normals_bridge(u, g.h), gen), labels, jumps)
                ys.append(y)
                xs.append(x)
                group.append(np.full(len(y), r))
        total = per * replicates
    else:
        anti = method.startswith("antithetic")
        total = paths + (paths % 2 if anti else 0)
        for b, start in enumerate(range(0, total, BATCH)):
            m = min(BATCH, total - start)
            gen = rng.block_generator(seed, b)
            if anti:
                z = gen.standard_normal((m // 2, steps))
                jgen = rng.block_generator(seed, 1_000_000 + b)
                y1, x1 = _payoffs(g, _paths(model, g, z, jgen), labels, jumps)
                jgen = rng.block_generator(seed, 1_000_000 + b)  # the same jumps for the pair
                y2, x2 = _payoffs(g, _paths(model, g, -z, jgen), labels, jumps)
                ys.append((y1 + y2) / 2)
                xs.append((x1 + x2) / 2)
                raw += [y1[:, :2], y2[:, :2]]
            else:
                z = gen.standard_normal((m, steps))
                y, x = _payoffs(g, _paths(model, g, z, gen), labels, jumps)
                ys.append(y)
                xs.append(x)
    y, x = np.vstack(ys), np.vstack(xs)
    per_path = np.vstack(raw) if raw else y[:, :2]
    adj = y
    if use_cv:
        beta = (
            _beta(y, x)
            if not method.startswith("rqmc")
            else _beta_within(y, x, np.concatenate(group))
        )
        adj = y - (x - mu) @ beta
    if method.startswith("rqmc"):
        grp = np.concatenate(group)
        reps = np.array([adj[grp == r].mean(0) for r in range(replicates)])
        est, se = reps.mean(0), reps.std(0, ddof=1) / math.sqrt(replicates)
    else:
        k = x.shape[1] if use_cv else 0
        est = adj.mean(0)
        se = adj.std(0, ddof=1 + k) / math.sqrt(len(adj))
    runtime = time.perf_counter() - t0
    qn = np.quantile(per_path[:, 0], (0.05, 0.5, 0.95))
    qd = np.quantile(per_path[:, 1], (0.05, 0.95))
    return Estimate(
        method=method,
        paths=total,
        replicates=replicates if method.startswith("rqmc") else 1,
        mean=dict(zip(TARGETS, est.tolist(), strict=True)),
        stderr=dict(zip(TARGETS, se.tolist(), strict=True)),
        p5_usd=float(qn[0]),
        p50_usd=float(qn[1]),
        p95_usd=float(qn[2]),
        pv_p5_usd=float(qd[0]),
        pv_p95_usd=float(qd[1]),
        periods=g.n,
        closed_form=closed_form(contract, model, terms),
        controls=x.shape[1] if use_cv else 0,
        runtime_s=runtime,
    )


def _beta_within(y: Array, x: Array, grp: Array) -> Array:
    """Pooled least-squares slopes with each replicate centred on its own means."""
    yc, xc = y.copy(), x.copy()
    for r in np.unique(grp):
        at = grp == r
        yc[at] -= y[at].mean(0)
        xc[at] -= x[at].mean(0)
    beta, *_ = np.linalg.lstsq(xc, yc, rcond=None)
    return np.asarray(beta)
