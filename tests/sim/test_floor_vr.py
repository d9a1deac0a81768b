"""Variance reduction for the floor as written (critmin.sim.floor_vr): means against closed
forms within 3 standard errors, the control variates' known means against plain simulation,
the Brownian bridge's covariance, and bad input naming the field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from critmin.errors import InputError
from critmin.sim.floor import FloorContract, Jumps, PriceModel, analytic_cost
from critmin.sim.floor_contract import WrittenTerms
from critmin.sim.floor_vr import _bridge, _normals_bridge, closed_form, estimate_floor

C = FloorContract(
    floor=110,
    settlement="quarterly",
    term_years=5,
    volume_tpy=[2599, 3000, 4000, 4000, 4000],
    discount_rate=0.043,
)
GBM = PriceModel(kind="gbm", spot=57, sigma=0.395)
OU = PriceModel(kind="ou", spot=57, kappa=0.22, theta_level=69, sigma=0.42)
JUMP = PriceModel(kind="gbm", spot=57, sigma=0.3, jumps=Jumps(intensity=1, mean=-0.05, sd=0.2))
WRITTEN = WrittenTerms(fixings_per_period=3, upside_share=0.3, upside_from_year=3)


@pytest.mark.parametrize("model", [GBM, OU], ids=["gbm", "ou"])
def test_closed_form_equals_the_floor_closed_form(model: PriceModel) -> None:
    cf = closed_form(C, model, WrittenTerms())
    an, _ = analytic_cost(C, model)
    assert cf is not None and an is not None
    assert cf["net"] == pytest.approx(an.nominal, rel=1e-12)
    assert cf["net_pv"] == pytest.approx(an.pv, rel=1e-12)


@pytest.mark.parametrize("method", ["plain", "antithetic", "rqmc"])
@pytest.mark.parametrize("model", [GBM, OU, JUMP], ids=["gbm", "ou", "jumps"])
def test_whole_contract_closed_form_within_3_se(model: PriceModel, method: str) -> None:
    """Floor with an upside share, period-end price: the closed form prices it all."""
    terms = WrittenTerms(upside_share=0.3, upside_from_year=2)
    cf = closed_form(C, model, terms)
    assert cf is not None
    est = estimate_floor(C, model, terms, method=method, paths=8192, seed=3)
    for key in ("net", "net_pv"):
        assert est.stderr[key] > 0
        assert abs(est.mean[key] - cf[key]) < 3 * est.stderr[key], (key, est.mean, cf)


def test_controls_make_the_closed_form_exact_when_it_prices_everything() -> None:
    est = estimate_floor(C, GBM, WrittenTerms(upside_share=0.3), method="cv", paths=4096)
    cf = closed_form(C, GBM, WrittenTerms(upside_share=0.3))
    assert cf is not None
    assert est.mean["net"] == pytest.approx(cf["net"], rel=1e-9)
    assert est.stderr["net"] < 1e-6 * cf["net"]


@pytest.mark.parametrize("model", [GBM, OU, JUMP], ids=["gbm", "ou", "jumps"])
def test_variance_reduced_agrees_with_plain_on_the_written_contract(model: PriceModel) -> None:
    """No closed form (averaged reference price, cap): plain and rqmc-cv agree within 3
    combined standard errors, and the reduced s.e. is at least 10x smaller at equal paths
    (3x with jumps, where only the period-end put and the mean price are controls)."""
    capped = C.model_copy(update={"annual_cap_usd": 2.5e8})
    assert closed_form(capped, model, WRITTEN) is None
    plain = estimate_floor(capped, model, WRITTEN, method="plain", paths=16384, seed=5)
    vr = estimate_floor(capped, model, WRITTEN, method="rqmc-cv", paths=16384, seed=5)
    for key in ("net", "floor", "upside", "net_pv"):
        se = math.hypot(plain.stderr[key], vr.stderr[key])
        assert abs(plain.mean[key] - vr.mean[key]) < 3 * se, key
    assert vr.stderr["net"] * (3 if model.jumps else 10) < plain.stderr["net"]


def test_averaging_lowers_the_cost_of_an_in_the_money_floor_less_than_volatility() -> None:
    """An average of three fixings is less volatile than the period-end price: with the floor
    far above the price the put is nearly linear, so the cost barely moves (within 2 %)."""
    a = estimate_floor(C, GBM, WrittenTerms(), method="rqmc-cv", paths=4096).mean["net"]
    b = estimate_floor(C, GBM, WrittenTerms(fixings_per_period=3), method="rqmc-cv", paths=4096)
    assert b.mean["net"] == pytest.approx(a, rel=0.02)


def test_brownian_bridge_has_brownian_covariance() -> None:
    n, h = 7, 0.25
    order = _bridge(n)
    assert sorted(k for k, *_ in order) == list(range(n))
    gen = np.random.default_rng(0)
    z = _normals_bridge(gen.random((200_000, n)), h)
    cov = np.cov(z, rowvar=False)
    assert np.allclose(cov, np.eye(n), atol=0.015)


def test_quantiles_and_paying_periods_are_consistent() -> None:
    est = estimate_floor(C, OU, WRITTEN, method="rqmc-cv", paths=4096)
    assert est.p5_usd <= est.p50_usd <= est.p95_usd
    assert 0 < est.mean["paying"] <= est.periods == 20
    assert est.mean["net"] == pytest.approx(est.mean["floor"] - est.mean["upside"], rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "magic"}, "method"),
        ({"paths": 0}, "paths"),
        ({"replicates": 1}, "replicates"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as exc:
        estimate_floor(C, GBM, **kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field


def test_zero_volatility_is_refused_naming_sigma() -> None:
    with pytest.raises(InputError) as exc:
        estimate_floor(C, PriceModel(kind="gbm", spot=57, sigma=0.0))
    assert exc.value.field == "sigma"
