"""What a price floor could cost the treasury (DESIGN.md section 6, Q5).

A floor contract pays ``(F - S_t)^+ x q_t`` at each settlement date t_i = i dt (i = 1..n,
dt = 1/periods a year) for T years: F the floor and S_t the market price (USD per unit, unit =
kg by default), q_t the volume settled then (units; tonnes a year x units per tonne / periods).
The cost is in USD: nominal C = sum_i q_i (F - S_i)^+, discounted PV = sum_i q_i e^{-r t_i}
(F - S_i)^+ with r continuously compounded. An optional annual cap limits a contract year's
payout: if the year's payments exceed the cap, each is scaled down pro rata, so the year pays
exactly the cap (the closed form then does not apply).

Price models (log price simulated exactly at the settlement dates, no Euler bias):
- GBM: ln S_{t+dt} = ln S_t + (mu - sigma^2/2 - lambda k) dt + sigma sqrt(dt) Z.
- exponential Ornstein-Uhlenbeck: Y = ln S - theta, Y_{t+dt} = a Y_t + s Z with a = e^{-kappa dt},
  s = sigma sqrt((1 - e^{-2 kappa dt}) / (2 kappa)); theta = ln(theta_level), the log of the
  price level the market reverts to.
- either with Merton jumps: per step N ~ Poisson(lambda dt) jumps, their sum in log price
  ~ N(N m_J, N s_J^2). For GBM the drift is compensated, k = e^{m_J + s_J^2/2} - 1, so
  E[S_t] = S0 e^{mu t} with or without jumps, and the simulation is exact at settlement dates.
  For OU a jump lands at the end of its step and then decays with the mean reversion (the
  decay inside the step, of order kappa dt, is ignored); jumps shift the long-run mean of
  ln S by lambda m_J / kappa.

Closed forms (no jumps, no cap) stand beside every Monte Carlo answer; tests hold the Monte
Carlo within 3 standard errors of them. The Monte Carlo streams blocks of paths (critmin.sim.rng)
through a per-step pipeline whose working set is a few MB, so memory stays bounded for any path
count, and the answer depends only on the seed and the path count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from scipy.special import ndtr

from critmin.errors import InputError
from critmin.sim import rng

Array = NDArray[np.float64]
PERIODS = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}
UNITS_PER_TONNE = {"kg": 1000.0, "t": 1.0, "lb": 1000.0 / 0.45359237}
HIST_BINS = 65536  # fine histogram of path costs: quantile error <= max possible cost / 65 536
KEEP_SAMPLES_MAX = 4_000_000  # above this many paths, quantiles come from the histogram
PRESETS = "presets"

Finite = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
# prices, floors and volumes beyond these are input errors, not numbers to simulate
MAX_LEVEL = 1e9  # USD per contract unit (spot, floor, OU level), and tonnes a year
Level = Annotated[float, Field(gt=0, le=MAX_LEVEL, allow_inf_nan=False)]
MAX_PATHS = 10_000_000_000
# |ln g| over the term (g = the deterministic part of the price, e^{c0 + d t}) must stay well
# inside double precision (e^709): beyond this the payoff arithmetic overflows
MAX_LOG_SPAN = 600.0


def _as_tuple(v: Any) -> Any:
    return (v,) if isinstance(v, int | float) else tuple(v) if isinstance(v, list) else v


# -- definitions -------------------------------------------------------------------------------


class _Def(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def digest(self) -> str:
        """First 16 hex digits of the SHA-256 of the canonical JSON: names a definition."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class SourceRef(_Def):
    publisher: str
    title: str
    url: str
    published: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    accessed: dt.date | None = None
    source_id: str | None = None
    used_for: str = ""


class Jumps(_Def):
    """Merton jumps in log price: ``intensity`` per year, log-jump ``mean`` and ``sd``."""

    intensity: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
    mean: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]
    sd: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]


class PriceModel(_Def):
    """Price process of S (USD per contract unit). sigma per sqrt(year), rates per year."""

    kind: Literal["gbm", "ou"]
    spot: Level
    sigma: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]
    mu: Finite = 0.0
    kappa: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.0
    theta_level: Annotated[Level | None, Field(validate_default=True)] = None
    jumps: Jumps | None = None

    @field_validator("mu", "kappa", "theta_level")
    @classmethod
    def _belongs_to_kind(cls, v: Any, info: ValidationInfo) -> Any:
        kind, name = info.data.get("kind"), info.field_name
        if kind == "ou" and name == "theta_level" and v is None:
            raise ValueError("the ou model needs the price level it reverts to")
        if kind == "ou" and name == "mu" and v != 0.0:
            raise ValueError("mu is the GBM drift; the ou model reverts to theta_level instead")
        if kind == "gbm" and name != "mu" and v not in (None, 0.0):
            raise ValueError(f"{name} belongs to the ou model, not gbm")
        return v


class FloorContract(_Def):
    """A price-floor contract: floor F (currency per unit), volumes in tonnes per year."""

    name: str = "floor"
    product: str = "NdPr oxide"
    floor: Level
    currency: Literal["USD"] = "USD"
    unit: Literal["kg", "t", "lb"] = "kg"
    settlement: Literal["monthly", "quarterly", "semiannual", "annual"] = "monthly"
    term_years: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    start: dt.date | None = None
    volume_tpy: Annotated[
        tuple[Annotated[float, Field(ge=0, le=MAX_LEVEL, allow_inf_nan=False)], ...],
        BeforeValidator(_as_tuple),
        Field(min_length=1),
    ]
    discount_rate: Annotated[float, Field(ge=-0.5, le=1, allow_inf_nan=False)] = 0.0
    annual_cap_usd: Positive | None = None

    @field_validator("term_years")
    @classmethod
    def _whole_periods(cls, v: float, info: ValidationInfo) -> float:
        settlement = info.data.get("settlement", "monthly")
        steps = v * PERIODS.get(settlement, 12)
        if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
            raise ValueError(f"must be a whole number of {settlement} periods")
        return v

    @field_validator("volume_tpy")
    @classmethod
    def _one_per_year(cls, v: tuple[float, ...], info: ValidationInfo) -> tuple[float, ...]:
        term = info.data.get("term_years")
        if term is not None and len(v) not in (1, math.ceil(term - 1e-9)):
            raise ValueError(f"give 1 value or one per contract year ({math.ceil(term - 1e-9)})")
        return v


class FloorDefinition(_Def):
    """A floor study as stored in YAML: the contract, its price models and their sources."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    title: str
    description: str = ""
    contract: FloorContract
    models: tuple[PriceModel, ...]
    default_model: Literal["gbm", "ou"]
    calibration: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _models_mapping(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("models"), dict):
            # {kind: {params}}
            for k, v in data["models"].items():
                if not isinstance(v, dict):
                    raise ValueError(f"models.{k}: give the model's parameters as a mapping")
            models = [{"kind": k, **v} for k, v in data["models"].items()]
            data = {**data, "models": models}
        return data

    @model_validator(mode="after")
    def _default_present(self) -> FloorDefinition:
        if self.default_model not in {m.kind for m in self.models}:
            raise ValueError(f"default_model {self.default_model!r} is not among the models")
        return self

    def model(self, kind: str | None = None) -> PriceModel:
        """The price model of this kind (default: default_model)."""
        want = kind or self.default_model
        for m in self.models:
            if m.kind == want:
                return m
        raise InputError(f"preset {self.name!r} has no {want!r} model", field="model", value=want)


def validated(cls: type[_Def], data: Any, file: str | None = None) -> Any:
    """``cls.model_validate(data)``, with a validation failure as a one-line InputError."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or None
        value = err.get("input") if not isinstance(err.get("input"), dict) else None
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(msg, field=where, value=value, file=file) from None


# -- closed forms ------------------------------------------------------------------------------


def lognormal_expected_shortfall(floor: float, m: Any, v: Any) -> Array:
    """E[(F - S)^+] when ln S ~ N(m, v): F N(z) - e^{m + v/2} N(z - sqrt v), z = (ln F - m)/sqrt v.

    Units: F and S in the same price unit; the result in that unit. v = 0 gives (F - e^m)^+.
    Source: the lognormal put payoff expectation (Black-Scholes algebra), DESIGN.md section 6.
    """
    m, v = np.broadcast_arrays(np.asarray(m, float), np.asarray(v, float))
    sd = np.sqrt(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (math.log(floor) - m) / sd
        out = floor * ndtr(z) - np.exp(m + v / 2) * ndtr(z - sd)
    det = np.maximum(floor - np.exp(m), 0.0)
    return np.asarray(np.where(sd > 0, np.maximum(out, 0.0), det), dtype=np.float64)


def gbm_expected_shortfall(floor: float, spot: float, mu: float, sigma: float, t: Any) -> Array:
    """E[(F - S_t)^+] under GBM: F N(-d2) - S0 e^{mu t} N(-d1).

    d1 = (ln(S0/F) + (mu + sigma^2/2) t) / (sigma sqrt t), d2 = d1 - sigma sqrt t. S0 and F in
    USD per unit, mu and sigma per year, t in years. Source: DESIGN.md section 6.
    """
    t = np.asarray(t, float)
    vol = sigma * np.sqrt(t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d1 = (math.log(spot / floor) + (mu + sigma**2 / 2) * t) / vol
        out = floor * ndtr(-(d1 - vol)) - spot * np.exp(mu * t) * ndtr(-d1)
    det = np.maximum(floor - spot * np.exp(mu * t), 0.0)
    return np.asarray(np.where(vol > 0, np.maximum(out, 0.0), det), dtype=np.float64)


def ou_log_moments(spot: float, kappa: float, theta_level: float, sigma: float, t: Any) -> Any:
    """Mean and variance of ln S_t under exp-OU started at S0 (t in years).

    m = e^{-kappa t} ln S0 + (1 - e^{-kappa t}) theta, theta = ln(theta_level);
    v = sigma^2 (1 - e^{-2 kappa t}) / (2 kappa), which tends to sigma^2 t as kappa -> 0.
    Source: DESIGN.md section 6 (the OU transition density).
    """
    t = np.asarray(t, float)
    decay = np.exp(-kappa * t)
    m = decay * math.log(spot) + (1 - decay) * math.log(theta_level)
    v = sigma**2 * (-np.expm1(-2 * kappa * t) / (2 * kappa) if kappa > 0 else t)
    return m, v


def ou_expected_shortfall(
    floor: float, spot: float, kappa: float, theta_level: float, sigma: float, t: Any
) -> Array:
    """E[(F - S_t)^+] under exp-OU: F N(z) - e^{m + v/2} N(z - sqrt v), z = (ln F - m)/sqrt v."""
    return lognormal_expected_shortfall(floor, *ou_log_moments(spot, kappa, theta_level, sigma, t))


def merton_gbm_expected_shortfall(
    floor: float, spot: float, mu: float, sigma: float, t: float, jumps: Jumps
) -> float:
    """E[(F - S_t)^+] under GBM with compensated Merton jumps (Merton 1976 series).

    sum_n P(N_t = n) E[(F - S)^+ | n], ln S | n ~ N(ln S0 + (mu - sigma^2/2 - lambda k) t
    + n m_J, sigma^2 t + n s_J^2), k = e^{m_J + s_J^2/2} - 1, N_t ~ Poisson(lambda t). Summed
    until the Poisson tail is below 1e-15. Used to check the jump simulation.
    """
    lam_t = jumps.intensity * t
    k = math.exp(jumps.mean + jumps.sd**2 / 2) - 1
    base = math.log(spot) + (mu - sigma**2 / 2 - jumps.intensity * k) * t
    total, mass, n = 0.0, 0.0, 0
    while mass < 1 - 1e-15 and n < 10_000:
        p = math.exp(-lam_t + n * math.log(lam_t) - math.lgamma(n + 1)) if lam_t > 0 else n == 0
        m, v = base + n * jumps.mean, sigma**2 * t + n * jumps.sd**2
        total += float(p) * float(lognormal_expected_shortfall(floor, m, v))
        mass, n = mass + float(p), n + 1
    return total


@dataclass(frozen=True)
class Schedule:
    """Settlement dates t_i = i dt (years), contract year of each, units settled per date."""

    periods: int
    times: Array
    year_of_step: NDArray[np.int64]
    units: Array  # per settlement date, in contract units (kg by default)

    @property
    def n_years(self) -> int:
        return int(self.year_of_step[-1]) + 1


def schedule(contract: FloorContract) -> Schedule:
    """Settlement schedule: q_i = tonnes a year x units per tonne / periods a year."""
    periods = PERIODS[contract.settlement]
    n = round(contract.term_years * periods)
    year = np.arange(n) // periods
    tpy = np.asarray(contract.volume_tpy * (1 if len(contract.volume_tpy) > 1 else year[-1] + 1))
    units = tpy[year] * UNITS_PER_TONNE[contract.unit] / periods
    return Schedule(periods, (np.arange(n) + 1.0) / periods, year, units.astype(np.float64))


@dataclass(frozen=True)
class Analytic:
    nominal: float
    pv: float
    yearly_nominal: list[float]
    yearly_pv: list[float]


def analytic_cost(contract: FloorContract, model: PriceModel) -> tuple[Analytic | None, str | None]:
    """Closed-form expected cost: sum_i q_i E[(F - S_{t_i})^+] and sum_i q_i e^{-r t_i} E[...].

    Returns (Analytic, None), or (None, reason) with jumps or an annual cap, where the
    expectation has no closed form here (DESIGN.md section 6 gives none).
    """
    if model.jumps is not None and model.jumps.intensity > 0:
        return None, "no closed form with jumps (DESIGN section 6 covers models without jumps)"
    if contract.annual_cap_usd is not None:
        return None, "no closed form with an annual payout cap (the cap is path-dependent)"
    sch = schedule(contract)
    if model.kind == "gbm":
        es = gbm_expected_shortfall(contract.floor, model.spot, model.mu, model.sigma, sch.times)
    else:
        assert model.theta_level is not None
        es = ou_expected_shortfall(
            contract.floor, model.spot, model.kappa, model.theta_level, model.sigma, sch.times
        )
    nom = sch.units * es
    pv = nom * np.exp(-contract.discount_rate * sch.times)
    y_nom = np.bincount(sch.year_of_step, weights=nom).tolist()
    y_pv = np.bincount(sch.year_of_step, weights=pv).tolist()
    return Analytic(float(nom.sum()), float(pv.sum()), y_nom, y_pv), None


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
    paths: int = 100_000,
    seed: int = 0,
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


# -- presets and calibration -------------------------------------------------------------------


def list_presets() -> list[str]:
    """Names of the built-in floor presets (YAML files in critmin/sim/presets/)."""
    folder = resources.files("critmin.sim").joinpath(PRESETS)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_definition(path: str | Path, field: str = "definition") -> FloorDefinition:
    """A floor definition from a YAML file; bad input is an InputError naming the field
    (``field``: what the file was given as, e.g. ``--definition``)."""
    from critmin.memo import read_yaml  # kept per file state

    data = read_yaml(path, field=field)
    return validated(FloorDefinition, data, file=str(path))  # type: ignore[no-any-return]


def load_preset(name: str = "mp-ndpr") -> FloorDefinition:
    """A built-in preset by name (see list_presets())."""
    if name not in list_presets():
        known = ", ".join(list_presets())
        raise InputError(f"unknown preset; choose one of {known}", field="preset", value=name)
    res = resources.files("critmin.sim").joinpath(PRESETS, f"{name}.yaml")
    with resources.as_file(res) as p:
        return load_definition(p)


load_floor_preset = load_preset  # the name under which critmin exposes it


def log_return_sd(prices: Sequence[float]) -> float:
    """Sample standard deviation (ddof 1) of ln(P_t / P_{t-1}); per period of the series."""
    r = np.diff(np.log(np.asarray(prices, float)))
    if r.size < 2:
        raise InputError("need at least three prices to estimate a volatility", field="prices")
    return float(r.std(ddof=1))


def fit_log_ar1(prices: Sequence[float], dt_years: float = 1.0) -> tuple[float, float]:
    """Mean-reversion speed kappa (per year) and level e^theta of an exp-OU, by OLS AR(1).

    ln P_{t+1} = c + b ln P_t + e, b = e^{-kappa dt}, theta = c / (1 - b) (exact discretisation).
    Few points bias b down (kappa up); state the sample with the estimate.
    """
    y = np.log(np.asarray(prices, float))
    if y.size < 4:
        raise InputError("need at least four prices to fit mean reversion", field="prices")
    b, c = np.polyfit(y[:-1], y[1:], 1)
    if not 0 < b < 1:
        raise InputError("no mean reversion: AR(1) slope not in (0, 1)", field="prices", value=b)
    return float(-math.log(b) / dt_years), float(math.exp(c / (1 - b)))


def ou_sigma_for_return_sd(sd: float, kappa: float, dt_years: float = 1.0) -> float:
    """OU sigma whose stationary dt-return sd is ``sd``: sd^2 = sigma^2 (1 - e^{-kappa dt}) / kappa.

    Lets an OU match the observed year-on-year log-return sd of a price series.
    """
    if kappa == 0:
        return sd / math.sqrt(dt_years)
    return sd * math.sqrt(kappa / -math.expm1(-kappa * dt_years))


def annual_prices(
    mineral_id: str, product: str, db: str | Path | None = None
) -> list[tuple[int, float]]:
    """Annual (period YYYY) prices of one product from the store's ``prices`` table, by year.

    Several sources may give the same year (e.g. two USGS editions): equal values count once,
    different values are an InputError rather than a silent choice.
    """
    from critmin.store import read_table

    by_year: dict[int, set[float]] = {}
    for r in read_table("prices", db).iter_rows(named=True):
        if r["mineral_id"] == mineral_id and r["product"] == product and len(r["period"]) == 4:
            by_year.setdefault(int(r["period"]), set()).add(float(r["price"]))
    if not by_year:
        raise InputError("no annual prices in the store", field="product", value=product)
    for year, values in by_year.items():
        if len(values) > 1:
            raise InputError(f"sources disagree on {year}", field="price", value=sorted(values))
    return [(year, next(iter(v))) for year, v in sorted(by_year.items())]
