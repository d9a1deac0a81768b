"""Calibration of the floor's price models from the bundled price table.

Volatility from log returns, mean reversion by AR(1) with a small-sample bias correction, the
OU sigma matching an observed return sd, and the latest quarterly price as a start price.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from critmin.errors import InputError


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


def bias_corrected_ar1(
    prices: Sequence[float], dt_years: float = 1.0
) -> tuple[float, float, float, float]:
    """AR(1) of ln P with Kendall's small-sample bias correction of the slope.

    OLS b is biased down in short samples: E[b_hat] - b ~ -(1 + 3 b) / n with an intercept
    (Kendall 1954; Marriott and Pope 1954), n the number of transitions. Corrected slope
    b_c = b_hat + (1 + 3 b_hat) / n, capped below 1; kappa = -ln(b_c) / dt per year.
    Returns (kappa_ols, kappa_corrected, b_ols, b_corrected).
    """
    y = np.log(np.asarray(prices, float))
    if y.size < 4:
        raise InputError("need at least four prices to fit mean reversion", field="prices")
    b, _c = np.polyfit(y[:-1], y[1:], 1)
    n = y.size - 1
    bc = min(float(b) + (1 + 3 * float(b)) / n, 0.999)
    if not 0 < b < 1:
        raise InputError("no mean reversion: AR(1) slope not in (0, 1)", field="prices", value=b)
    return -math.log(b) / dt_years, -math.log(bc) / dt_years, float(b), bc


def latest_quarterly_price(
    mineral_id: str, product: str, db: str | Path | None = None
) -> tuple[str, float, str]:
    """The latest quarterly (period YYYY-Qn) price of a product in the ``prices`` table.

    Returns (period, price in the table's unit, source_id). InputError if none is stored.
    """
    from critmin.store import read_table

    rows = [
        r
        for r in read_table("prices", db).iter_rows(named=True)
        if r["mineral_id"] == mineral_id and r["product"] == product and "-Q" in r["period"]
    ]
    if not rows:
        raise InputError("no quarterly prices in the store", field="product", value=product)
    last = max(rows, key=lambda r: r["period"])
    return str(last["period"]), float(last["price"]), str(last["source_id"])
