"""Damage of a shortfall to US users, from the constant-elasticity demand curve.

Demand curve (the disruption model's, critmin.sim.disruption module docstring):
    Q(P) = Q0 (P / P0)^(-e),   e > 0 the absolute short-run price elasticity,
so a shortfall of y (share of demand, 0 <= y < 1) clears at the price multiplier
    m(y) = P1 / P0 = (1 - y)^(-1/e),  capped at M (the scenario's price cap, a backstop price:
    above M P0 users switch to substitutes or stop, and the price rises no further).

Loss to users (consumer surplus, USD): the area to the left of the demand curve between the
old and the new price (Varian, "Intermediate Microeconomics", 9th ed., 2014, ch. 14.7-14.8:
the change in consumer's surplus of a price rise is the area under the demand curve between
the two prices). It counts both the higher price paid on the tonnes still bought and the
value lost on the tonnes no longer bought:
    L = integral_{P0}^{P1} Q0 (P/P0)^(-e) dP
      = Q0 P0 (m^(1-e) - 1) / (1 - e)      for e != 1,
      = Q0 P0 ln m                          for e == 1.
Units: Q0 in tonnes over the disruption (US consumption in the period), P0 in USD/t, L in USD.

For small y the loss per tonne of shortfall tends to P0 / e (dL/dy at y = 0 is Q0 P0 / e):
with e = 0.1 a tonne short costs ten times its pre-crisis price, which is why valuing unmet
tonnes at the pre-crisis price (the old objective) understates the damage.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Arr = NDArray[np.float64]


def price_multiplier(share: Arr, elasticity: Arr, cap: float) -> Arr:
    """m = min(cap, (1 - y)^(-1/e)); y >= 1 gives the cap."""
    y = np.clip(np.asarray(share, dtype=np.float64), 0.0, 1.0)
    e = np.asarray(elasticity, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):
        ln_m = -np.log(np.maximum(1.0 - y, 1e-300)) / e
    return np.asarray(np.exp(np.minimum(ln_m, np.log(cap))), dtype=np.float64)


def loss_factor(share: Arr, elasticity: Arr, cap: float) -> Arr:
    """L / (Q0 P0): the consumer loss per dollar of pre-crisis spending in the period.

    (m^(1-e) - 1) / (1 - e), and ln m where e == 1 (its limit). Dimensionless, >= 0.
    """
    e = np.asarray(elasticity, dtype=np.float64)
    ln_m = np.log(price_multiplier(share, e, cap))
    k = 1.0 - e
    near = np.abs(k) < 1e-9
    safe_k = np.where(near, 1.0, k)
    # expm1 keeps the small-k and small-m cases accurate
    return np.asarray(np.where(near, ln_m, np.expm1(safe_k * ln_m) / safe_k), dtype=np.float64)


def consumer_loss(q0_t: Arr, p0_usd_t: Arr, share: Arr, elasticity: Arr, cap: float) -> Arr:
    """L = Q0 P0 (m^(1-e) - 1) / (1 - e), USD (module docstring)."""
    return np.asarray(
        np.asarray(q0_t) * np.asarray(p0_usd_t) * loss_factor(share, elasticity, cap),
        dtype=np.float64,
    )
