"""Shortfall draws per mineral: the leading supplier withholds exports to the US.

Per mineral i and draw s (parameters in critmin.optimize.inputs, triangular draws):
    y = a x w x (1 - l)            shortfall share of US use during the disruption
    Q0 = C x D / 12                US use over the disruption, t (D months)
    X = y x Q0                     shortfall, t (before any release)
    L = Q0 P0 (m^(1-e) - 1)/(1-e)  consumer loss, USD (critmin.optimize.damage)
    d = L / X                      damage per tonne of shortfall, USD/t
with a = NIR x s the exposed share, w the withheld share, l leakage, e the elasticity.

Release rule: in a disruption the stockpile is released tonne for tonne against the
shortfall from its first day until the shortfall ends or the stock runs out; it is rebought
afterwards. A release of r = min(q, X) tonnes is valued at the draw's average damage per
tonne, r x d: this keeps the expected benefit concave and piecewise linear in q (exact
water-filling), and, because L is convex in the shortfall below the price cap, it
understates what the first tonnes released avoid (a conservative linearisation).

Randomness: ``SeedSequence(seed).spawn(len(minerals))``, one child per mineral in the order
given (sorted ids), four draws each in a fixed order; same seed, same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from critmin.optimize import inputs as I
from critmin.optimize.damage import consumer_loss, price_multiplier

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class Draws:
    minerals: tuple[str, ...]
    shortfall_t: Arr  # (n, S)
    damage_usd: Arr  # (n, S), L without any release
    per_tonne: Arr  # (n, S), d = L / X (0 where X = 0)
    at_cap: NDArray[np.bool_]  # (n, S), the draw's price sits at PRICE_CAP


def _tri(rng: np.random.Generator, lmh: tuple[float, float, float], n: int) -> Arr:
    low, mode, high = lmh
    if low == high:
        return np.full(n, low)
    return rng.triangular(low, mode, high, n)


def draw_shortfalls(figs: list[I.MineralFigures], draws: int, seed: int) -> Draws:
    """S joint parameter draws per mineral -> shortfall (t) and damage (USD), formulas above."""
    children = np.random.SeedSequence(seed).spawn(len(figs))
    xs, ls, ds, caps = [], [], [], []
    for f, child in zip(figs, children, strict=True):
        rng = np.random.default_rng(child)
        w = _tri(rng, I.WITHHELD, draws)
        months = _tri(rng, I.DURATION_MONTHS, draws)
        leak = _tri(rng, I.LEAKAGE, draws)
        e = _tri(rng, I.ELASTICITY, draws)
        y = f.exposure * w * (1.0 - leak)
        q0 = f.consumption_t * months / 12.0
        x = y * q0
        loss = consumer_loss(q0, np.full(draws, f.price_usd_per_t), y, e, I.PRICE_CAP)
        d = np.divide(loss, x, out=np.zeros(draws), where=x > 0)
        # the cap is a numerical guard; how often it decides the price is reported, not hidden
        caps.append((price_multiplier(y, e, I.PRICE_CAP) >= I.PRICE_CAP * (1 - 1e-9)) & (x > 0))
        xs.append(x)
        ls.append(loss)
        ds.append(d)
    n = len(figs)
    shape = (n, draws)
    return Draws(
        tuple(f.mineral for f in figs),
        np.vstack(xs) if n else np.zeros(shape),
        np.vstack(ls) if n else np.zeros(shape),
        np.vstack(ds) if n else np.zeros(shape),
        np.vstack(caps) if n else np.zeros(shape, dtype=bool),
    )
