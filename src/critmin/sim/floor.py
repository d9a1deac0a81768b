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

from critmin.sim.floor_calib import (
    annual_prices,
    bias_corrected_ar1,
    fit_log_ar1,
    latest_quarterly_price,
    log_return_sd,
    ou_sigma_for_return_sd,
)
from critmin.sim.floor_closed import (
    Analytic,
    Schedule,
    analytic_cost,
    gbm_expected_shortfall,
    lognormal_expected_shortfall,
    merton_gbm_expected_shortfall,
    ou_expected_shortfall,
    ou_log_moments,
    schedule,
)
from critmin.sim.floor_contract import (
    MAX_LEVEL,
    PERIODS,
    UNITS_PER_TONNE,
    FloorContract,
    FloorDefinition,
    Jumps,
    PriceModel,
    SourceRef,
    list_presets,
    load_definition,
    load_floor_preset,
    load_preset,
    validated,
)
from critmin.sim.floor_mc import FloorResult, simulate_floor

__all__ = [
    "MAX_LEVEL",
    "PERIODS",
    "UNITS_PER_TONNE",
    "Analytic",
    "FloorContract",
    "FloorDefinition",
    "FloorResult",
    "Jumps",
    "PriceModel",
    "Schedule",
    "SourceRef",
    "analytic_cost",
    "annual_prices",
    "bias_corrected_ar1",
    "fit_log_ar1",
    "gbm_expected_shortfall",
    "latest_quarterly_price",
    "list_presets",
    "load_definition",
    "load_floor_preset",
    "load_preset",
    "log_return_sd",
    "lognormal_expected_shortfall",
    "merton_gbm_expected_shortfall",
    "ou_expected_shortfall",
    "ou_log_moments",
    "ou_sigma_for_return_sd",
    "schedule",
    "simulate_floor",
    "validated",
]
