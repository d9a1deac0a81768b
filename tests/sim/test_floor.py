"""Price-floor cost (DESIGN.md section 6, Q5): closed forms, Monte Carlo, preset, CLI.

Reference values: Hull, Options, Futures and Other Derivatives (Black-Scholes put, S = K = 100,
r = 5 %, sigma = 20 %, T = 1: 5.5735); QuantLib's blackFormula where QuantLib is installed.
"""

from __future__ import annotations

import math
import tracemalloc
from typing import Any

import numpy as np
import pytest
import yaml

from critmin.errors import InputError
from critmin.sim import rng
from critmin.sim.floor import (
    FloorContract,
    FloorDefinition,
    Jumps,
    PriceModel,
    analytic_cost,
    annual_prices,
    bias_corrected_ar1,
    fit_log_ar1,
    gbm_expected_shortfall,
    latest_quarterly_price,
    load_definition,
    load_preset,
    log_return_sd,
    lognormal_expected_shortfall,
    merton_gbm_expected_shortfall,
    ou_expected_shortfall,
    ou_sigma_for_return_sd,
    schedule,
    simulate_floor,
    validated,
)


def contract(**kw: Any) -> FloorContract:
    base: dict[str, Any] = {
        "floor": 100.0,
        "term_years": 2,
        "volume_tpy": 1000,
        "discount_rate": 0.03,
    }
    return FloorContract(**{**base, **kw})


def gbm(spot: float = 100.0, sigma: float = 0.3, mu: float = 0.0, **kw: Any) -> PriceModel:
    return PriceModel(kind="gbm", spot=spot, sigma=sigma, mu=mu, **kw)


def ou(
    spot: float = 100.0, sigma: float = 0.3, kappa: float = 0.8, level: float = 90.0
) -> PriceModel:
    return PriceModel(kind="ou", spot=spot, sigma=sigma, kappa=kappa, theta_level=level)


def within_3se(res: Any) -> None:
    an = res.analytic
    assert an is not None
    assert abs(res.expected_cost_usd - an.nominal) <= 3 * res.stderr_usd, res.z_score()
    assert abs(res.pv_cost_usd - an.pv) <= 3 * res.pv_stderr_usd


# -- closed forms ------------------------------------------------------------------------------


def test_gbm_closed_form_reference_value() -> None:
    # Hull's textbook put: discounted E[(K - S_T)^+] under r = mu = 5 %
    put = float(gbm_expected_shortfall(100.0, 100.0, 0.05, 0.2, 1.0)) * math.exp(-0.05)
    assert put == pytest.approx(5.5735, abs=1e-4)


def test_gbm_closed_form_equals_lognormal_form() -> None:
    t = np.array([0.25, 1.0, 7.0])
    m, v = math.log(80) + (0.03 - 0.4**2 / 2) * t, 0.4**2 * t
    assert np.allclose(
        gbm_expected_shortfall(110, 80, 0.03, 0.4, t), lognormal_expected_shortfall(110, m, v)
    )


def test_closed_form_against_quantlib() -> None:
    ql = pytest.importorskip("QuantLib")
    for spot, sigma, t in [(59.0, 0.4, 3.0), (120.0, 0.25, 0.5)]:
        ref = ql.blackFormula(
            ql.Option.Put, 110.0, spot * math.exp(0.02 * t), sigma * math.sqrt(t), 1.0
        )
        assert float(gbm_expected_shortfall(110.0, spot, 0.02, sigma, t)) == pytest.approx(
            ref, rel=1e-10
        )


def test_zero_vol_is_intrinsic_value() -> None:
    assert float(gbm_expected_shortfall(110, 59, 0.0, 0.0, 2.0)) == pytest.approx(51.0)
    assert float(ou_expected_shortfall(110, 59, 0.5, 120.0, 0.0, 1e9)) == pytest.approx(0.0)


def test_ou_small_kappa_tends_to_gbm() -> None:
    # exp-OU with kappa -> 0 is driftless in log price: GBM with mu = sigma^2 / 2
    t = np.array([0.5, 2.0, 10.0])
    g = gbm_expected_shortfall(110, 59, 0.4**2 / 2, 0.4, t)
    for kappa, tol in [(1e-3, 1e-2), (1e-6, 1e-5), (0.0, 1e-12)]:
        assert np.allclose(ou_expected_shortfall(110, 59, kappa, 78.0, 0.4, t), g, rtol=tol)


def test_merton_series_keeps_the_mean_compensated() -> None:
    # far above every price, E[(F - S)^+] = F - E[S] = F - S0 e^{mu t}: jumps leave E[S] alone
    j = Jumps(intensity=2.0, mean=-0.3, sd=0.25)
    es = merton_gbm_expected_shortfall(1e7, 59.0, 0.04, 0.3, 2.0, j)
    assert 1e7 - es == pytest.approx(59.0 * math.exp(0.08), rel=1e-8)


def test_far_below_floor_costs_nothing() -> None:
    res = simulate_floor(contract(floor=20.0), gbm(spot=100, sigma=0.2), paths=5000, seed=3)
    assert res.analytic is not None and res.analytic.nominal < 0.01  # of a $40M notional
    assert res.expected_cost_usd == 0.0 and res.prob_any_payout == 0.0
    assert res.quantiles_usd["p99"] == 0.0


# -- Monte Carlo against the closed forms --------------------------------------------------------

GRID = [(m, s, t) for m in (0.7, 1.0, 1.4) for s in (0.15, 0.5) for t in (1, 5)]


@pytest.mark.parametrize(("moneyness", "sigma", "term"), GRID)
def test_gbm_monte_carlo_within_3_se(moneyness: float, sigma: float, term: int) -> None:
    c = contract(term_years=term)
    res = simulate_floor(c, gbm(100 * moneyness, sigma, mu=0.02), paths=12_000, seed=11)
    within_3se(res)


@pytest.mark.parametrize(("moneyness", "sigma", "term"), GRID)
def test_ou_monte_carlo_within_3_se(moneyness: float, sigma: float, term: int) -> None:
    c = contract(term_years=term, settlement="quarterly")
    res = simulate_floor(c, ou(100 * moneyness, sigma, 0.8, 95.0), paths=12_000, seed=12)
    within_3se(res)


def test_gbm_jumps_against_merton_series() -> None:
    j = Jumps(intensity=1.5, mean=-0.15, sd=0.2)
    c = contract(term_years=2, settlement="quarterly", discount_rate=0.0)
    res = simulate_floor(c, gbm(90, 0.25, 0.01, jumps=j), paths=40_000, seed=5)
    sch = schedule(c)
    ref = sum(
        q * merton_gbm_expected_shortfall(100, 90, 0.01, 0.25, t, j)
        for q, t in zip(sch.units, sch.times, strict=True)
    )
    assert res.analytic is None and res.analytic_note and "jumps" in res.analytic_note
    assert abs(res.expected_cost_usd - ref) <= 3 * res.stderr_usd


def test_ou_with_tiny_kappa_simulates_like_gbm() -> None:
    c = contract(term_years=3)
    a = simulate_floor(c, ou(80, 0.35, 0.0, 123.0), paths=6000, seed=9)
    b = simulate_floor(c, gbm(80, 0.35, mu=0.35**2 / 2), paths=6000, seed=9)
    assert a.samples is not None and b.samples is not None
    assert np.allclose(a.samples, b.samples, rtol=1e-9, atol=1e-3)


def test_higher_floor_and_higher_vol_cost_more() -> None:
    by_floor = [
        simulate_floor(contract(floor=f), gbm(90, 0.3), paths=8000, seed=1) for f in (80, 100, 120)
    ]
    assert [r.expected_cost_usd for r in by_floor] == sorted(r.expected_cost_usd for r in by_floor)
    assert len({r.expected_cost_usd for r in by_floor}) == 3
    by_vol = [
        simulate_floor(contract(), ou(110, s, 0.5, 105.0), paths=8000, seed=1)
        for s in (0.1, 0.3, 0.6)
    ]
    for res in (by_vol,):
        mc = [r.expected_cost_usd for r in res]
        cf = [r.analytic.nominal for r in res if r.analytic]
        assert mc == sorted(mc) and cf == sorted(cf) and len(cf) == 3


# -- streaming: reproducible and bounded ---------------------------------------------------------


def test_same_seed_same_answer_across_chunks_and_workers() -> None:
    c = contract(term_years=3, volume_tpy=[500, 1000, 2000], annual_cap_usd=8e6)
    m = PriceModel(
        kind="ou",
        spot=70,
        sigma=0.4,
        kappa=0.6,
        theta_level=90,
        jumps=Jumps(intensity=1, mean=-0.1, sd=0.2),
    )
    runs = [
        simulate_floor(c, m, paths=9000, seed=4, chunk_blocks=cb, workers=w)
        for cb, w in [(1, 1), (2, 1), (16, 1), (1, 2), (3, 2)]
    ]
    ref, first = runs[0].to_dict(), runs[0].samples
    assert first is not None
    for r in runs[1:]:
        d = r.to_dict()
        for key in ("runtime_s", "path_steps_per_s", "workers"):
            d.pop(key)
            ref.pop(key, None)
        assert d == ref
        assert r.samples is not None and np.array_equal(r.samples, first)
    longer = simulate_floor(c, m, paths=12_000, seed=4)
    assert longer.samples is not None and np.array_equal(longer.samples[:9000], first)
    assert simulate_floor(c, m, paths=9000, seed=5).expected_cost_usd != runs[0].expected_cost_usd


def test_block_streams_are_seedsequence_children() -> None:
    kids = np.random.SeedSequence(42).spawn(3)
    for i, kid in enumerate(kids):
        a = np.random.Generator(np.random.SFC64(kid)).standard_normal(5)
        assert np.array_equal(a, rng.block_generator(42, i).standard_normal(5))
    assert rng.chunk_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]
    with pytest.raises(InputError):
        rng.check_seed(-1)


def test_memory_stays_bounded_without_samples() -> None:
    c = FloorContract(floor=110, term_years=10, volume_tpy=6000)
    tracemalloc.start()
    res = simulate_floor(c, gbm(59, 0.4), paths=150_000, seed=2, keep_samples=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert res.samples is None and res.quantile_method.startswith("histogram")
    assert peak < 24 * 2**20  # a few MB of working set, independent of the path count


def test_histogram_quantiles_match_exact_ones() -> None:
    c = FloorContract(floor=110, term_years=5, volume_tpy=2000)
    exact = simulate_floor(c, gbm(90, 0.35), paths=20_000, seed=8)
    binned = simulate_floor(c, gbm(90, 0.35), paths=20_000, seed=8, keep_samples=False)
    width = 110 * 2000 * 1000 * 5 / 65536  # max possible cost / bins
    for q in ("p50", "p95", "p99"):
        assert binned.quantiles_usd[q] == pytest.approx(exact.quantiles_usd[q], abs=2 * width)
    assert binned.expected_cost_usd == exact.expected_cost_usd
    assert sum(exact.histogram_counts) == 20_000


def test_annual_cap_limits_each_year() -> None:
    c = contract(term_years=3, floor=110)
    free = simulate_floor(c, gbm(60, 0.3), paths=4000, seed=6)
    loose = simulate_floor(
        c.model_copy(update={"annual_cap_usd": 1e12}), gbm(60, 0.3), paths=4000, seed=6
    )
    assert loose.expected_cost_usd == pytest.approx(free.expected_cost_usd, rel=1e-12)
    cap = 3e7
    tight = simulate_floor(
        c.model_copy(update={"annual_cap_usd": cap}), gbm(60, 0.3), paths=4000, seed=6
    )
    assert tight.analytic is None and "cap" in (tight.analytic_note or "")
    assert tight.samples is not None and tight.samples.max() <= 3 * cap * (1 + 1e-12)
    assert max(tight.yearly_expected_usd) <= cap and tight.pv_cost_usd < tight.expected_cost_usd


def test_yearly_and_count_statistics() -> None:
    c = FloorContract(floor=100, term_years=2, volume_tpy=[1000, 3000], settlement="quarterly")
    res = simulate_floor(c, gbm(100, 0.3), paths=20_000, seed=7)
    an = res.analytic
    assert an is not None and sum(res.yearly_expected_usd) == pytest.approx(res.expected_cost_usd)
    for mc, cf in zip(res.yearly_expected_usd, an.yearly_nominal, strict=True):
        assert mc == pytest.approx(cf, rel=0.03)
    assert 0 < res.expected_payout_settlements <= 8 and 0 < res.expected_payout_years <= 2
    assert res.to_dict()["expected_payout_months"] == pytest.approx(
        3 * res.expected_payout_settlements
    )


# -- definitions and the preset ------------------------------------------------------------------


def test_definition_errors_name_the_field() -> None:
    cases = [
        ({"floor": -1, "term_years": 1, "volume_tpy": 1}, "floor"),
        ({"floor": 1, "term_years": 1.05, "volume_tpy": 1}, "term_years"),
        ({"floor": 1, "term_years": 3, "volume_tpy": [1, 2]}, "volume_tpy"),
        ({"floor": 1, "term_years": 1, "volume_tpy": 1, "currency": "EUR"}, "currency"),
    ]
    for data, fld in cases:
        with pytest.raises(InputError) as err:
            validated(FloorContract, data)
        assert err.value.field == fld
    with pytest.raises(InputError) as err:
        validated(PriceModel, {"kind": "gbm", "spot": 1, "sigma": 0.2, "kappa": 1})
    assert err.value.field == "kappa"
    with pytest.raises(InputError):
        simulate_floor(contract(), gbm(), paths=0)


def test_models_mapping_of_non_mappings_is_refused(tmp_path: Any) -> None:
    """Fuzzer: ``models: {dist: lognormal}`` was TypeError ('str' object is not a mapping)."""
    doc = load_preset("mp-ndpr").model_dump(mode="json")
    doc["models"] = {"dist": "lognormal", "ou": {"spot": 55}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"models\.dist: .* mapping"):
        load_definition(path)


def test_preset_definition_round_trip(tmp_path: Any) -> None:
    d = load_preset("mp-ndpr")
    # 2025-10-01 through 2035-12-31 (MP 10-Q, Q3 2025), 2,599 t a year (2025 output)
    assert d.contract.floor == 110 and d.contract.term_years == 10.25
    assert d.contract.volume_tpy == (2599.0,)
    assert all(s.url.startswith("https://") and s.publisher and s.title for s in d.sources)
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(d.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    again = load_definition(path)
    assert again == d and hash(again) == hash(d) and again.digest() == d.digest()
    assert isinstance(again, FloorDefinition)
    with pytest.raises(InputError):
        load_preset("no-such-preset")


def test_preset_calibration_reproduces_from_the_store(store: Any) -> None:
    d = load_preset("mp-ndpr")
    ndpr = annual_prices("neodymium", "NdPr oxide, 99% min")
    assert [y for y, _ in ndpr] == [2021, 2022, 2023, 2024, 2025]
    prices = [p for _, p in ndpr]
    sd = log_return_sd(prices)
    nd = [p for _, p in annual_prices("neodymium", "neodymium oxide, 99.5% min")]
    kappa_ols, _ = fit_log_ar1(nd)
    kappa = bias_corrected_ar1(nd)[1]  # Kendall-corrected slope (tests/sim/test_floor_band.py)
    assert kappa_ols == pytest.approx(0.5805, abs=5e-4)
    assert len(nd) == 12
    assert d.model("gbm").sigma == pytest.approx(sd, abs=5e-4)
    # the latest quarterly price in the store (2025-Q2) starts both models
    assert d.model("gbm").spot == latest_quarterly_price("neodymium", "NdPr oxide and metal")[1]
    assert d.model("gbm").spot == d.model("ou").spot == 57.0
    assert d.model("ou").theta_level == dict(ndpr)[2025] == 69.0  # the 2025 average
    assert math.exp(np.log(prices).mean()) == pytest.approx(79.9, abs=0.05)  # 2021-25, not used
    assert d.model("ou").kappa == pytest.approx(kappa, abs=5e-4)
    assert d.model("ou").sigma == pytest.approx(ou_sigma_for_return_sd(sd, kappa), abs=1e-3)


def test_preset_monte_carlo_matches_closed_form() -> None:
    d = load_preset("mp-ndpr")
    for kind in ("ou", "gbm"):
        within_3se(simulate_floor(d.contract, d.model(kind), paths=20_000, seed=1))
    an, _ = analytic_cost(d.contract, d.model())
    assert an is not None and 0.8e9 < an.nominal < 1.6e9  # ~$1.2B, period-end price, no share


# -- CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def floor_cli(cli: Any) -> Any:
    from critmin.cli import app
    from critmin.cli.floor import register

    if not any(c.name == "floor" for c in app.registered_commands):
        register(app)
    return cli


def test_cli_json_contract(floor_cli: Any) -> None:
    r = floor_cli(
        "floor",
        "--floor",
        "110",
        "--spot",
        "59",
        "--years",
        "2",
        "--volume",
        "1000",
        "--vol",
        "0.4",
        "--rate",
        "0.04",
        "--paths",
        "5000",
        "--seed",
        "3",
        "--json",
    )
    assert r.code == 0, r.err
    out = r.json()
    keys = [
        "expected_cost_usd",
        "pv_cost_usd",
        "stderr_usd",
        "p50_usd",
        "p95_usd",
        "p99_usd",
        "prob_any_payout",
        "analytic_expected_cost_usd",
        "paths",
        "seed",
        "runtime_s",
    ]
    assert list(out)[: len(keys)] == keys and out["paths"] == 5000 and out["seed"] == 3
    api = simulate_floor(
        contract(floor=110, discount_rate=0.04, volume_tpy=1000), gbm(59, 0.4), paths=5000, seed=3
    )
    assert out["expected_cost_usd"] == api.expected_cost_usd  # one number, one code path
    j = floor_cli(
        "floor", "--preset", "mp-ndpr", "--jumps", "0.5,-0.2,0.15", "--paths", "2000", "--json"
    )
    assert j.code == 0 and j.json()["analytic_expected_cost_usd"] is None


def test_cli_text_and_bad_input(floor_cli: Any) -> None:
    r = floor_cli("floor", "--preset", "mp-ndpr", "--model", "gbm", "--paths", "2000")
    assert r.code == 0 and "closed form" in r.out and "by contract year" in r.out
    for argv in (
        ["--floor", "-1", "--spot", "59", "--years", "1", "--volume", "1", "--vol", "0.3"],
        ["--spot", "59", "--years", "1", "--volume", "1", "--vol", "0.3"],
        ["--preset", "mp-ndpr", "--years", "2.1"],
        ["--preset", "mp-ndpr", "--jumps", "1,2"],
        ["--preset", "nope"],
    ):
        bad = floor_cli("floor", *argv)
        assert bad.code == 2 and bad.err.startswith("error: ") and bad.err.count("\n") == 1
