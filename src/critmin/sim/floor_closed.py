"""Closed forms of the floor's expected payments and the settlement schedule.

E[(F - S_t)^+] under GBM, exp-OU and Merton-jump GBM; the schedule q_i of units settled at
t_i = i dt; the closed-form expected cost sum_i q_i E[(F - S_{t_i})^+] (critmin.sim.floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from critmin.sim.floor_contract import PERIODS, UNITS_PER_TONNE, FloorContract, Jumps, PriceModel

Array = NDArray[np.float64]


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
