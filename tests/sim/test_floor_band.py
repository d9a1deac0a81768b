"""The floor as written: preset inputs from sources and the store, the band table, and its
parity across the Python API, CLI, HTTP API and brief (critmin.sim.floor_band)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from critmin.errors import InputError
from critmin.sim.floor import (
    annual_prices,
    bias_corrected_ar1,
    latest_quarterly_price,
    load_preset,
    ou_sigma_for_return_sd,
)
from critmin.sim.floor_band import floor_band, guarantee_exposure


def test_kendall_correction_of_the_ar1_slope(store: Any) -> None:
    """Nd oxide 2014-2025 (12 points, 11 transitions): OLS b = 0.560, corrected
    b + (1 + 3b)/11 = 0.803; half-life 1.2 years before, 3.2 years after (issue 23)."""
    nd = [p for _, p in annual_prices("neodymium", "neodymium oxide, 99.5% min")]
    k_ols, k_c, b, bc = bias_corrected_ar1(nd)
    assert b == pytest.approx(0.5596, abs=1e-4)
    assert bc == pytest.approx(b + (1 + 3 * b) / 11, rel=1e-12)
    assert math.log(2) / k_ols == pytest.approx(1.19, abs=0.01)
    assert math.log(2) / k_c == pytest.approx(3.16, abs=0.01)
    ou = load_preset("mp-ndpr").model("ou")
    assert ou.kappa == pytest.approx(k_c, abs=5e-4)
    assert ou.sigma == pytest.approx(ou_sigma_for_return_sd(0.395, k_c), abs=1e-3)


def test_preset_volume_is_reported_output_and_start_price_the_latest_quarter(store: Any) -> None:
    """MP Materials: 2,599 t NdPr oxide produced in 2025 (press release 2026-02-26); the latest
    quarterly NdPr price in the bundled table is 2025-Q2, 57 USD/kg."""
    d = load_preset("mp-ndpr")
    assert d.contract.volume_tpy == (2599.0,)
    assert d.band is not None and d.band.default_volume == "reported"
    assert d.band.volumes["reported"] == (2599.0,)
    assert max(d.band.volumes["capacity"]) == 6000.0
    assert latest_quarterly_price("neodymium", "NdPr oxide and metal") == (
        "2025-Q2",
        57.0,
        "px-zacks-mp-ndpr-2025",
    )
    assert d.model("ou").spot == 57.0
    # PPA 2025-10-01 through 2035-12-31 (MP 10-Q, Q3 2025): 41 quarters
    assert d.contract.term_years * 4 == 41


def test_guarantee_exposure_is_the_escalated_sum() -> None:
    """$140M a year, +2 % a year, 10 years: 140 x (1.02^10 - 1) / 0.02 = $1.533B nominal."""
    d = load_preset("mp-ndpr")
    g = guarantee_exposure(d, 0.0)[0]
    assert g["nominal_usd"] == pytest.approx(140e6 * (1.02**10 - 1) / 0.02, rel=1e-12)
    assert g["pv_usd"] == pytest.approx(g["nominal_usd"], rel=1e-12)
    assert guarantee_exposure(d, 0.043)[0]["pv_usd"] < g["nominal_usd"]


@pytest.fixture(scope="module")
def band() -> dict[str, Any]:
    return floor_band(load_preset("mp-ndpr"), paths=2048, replicates=4)


def test_band_is_monotone_in_level_and_volume(band: dict[str, Any]) -> None:
    rows = band["rows"]
    assert len(rows) == 4 * 3
    by = {(r["long_run_usd_per_kg"], r["volume"]): r for r in rows}
    for vol in ("reported", "guided", "capacity"):
        costs = [by[(lvl, vol)]["floor_nominal_usd"] for lvl in (59, 69, 78, 110)]
        assert costs == sorted(costs, reverse=True)  # a higher long-run price costs less
    for lvl in (59, 69, 78, 110):
        # the same paths (same seed) for every volume: the flat schedules scale exactly
        r, g = by[(lvl, "reported")], by[(lvl, "guided")]
        assert g["floor_nominal_usd"] == pytest.approx(r["floor_nominal_usd"] * 4000 / 2599)
        assert by[(lvl, "capacity")]["floor_nominal_usd"] > g["floor_nominal_usd"]
    for r in rows:
        assert 0 < r["floor_pv_usd"] < r["floor_nominal_usd"]
        assert 0 < r["paying_periods"] <= r["periods"] == 41
        assert r["net_p5_usd"] < r["net_p95_usd"]
        assert r["floor_nominal_se_usd"] < 1e-3 * r["floor_nominal_usd"]


def test_liabilities_apart_add_up(band: dict[str, Any]) -> None:
    li = band["liabilities"]
    net = li["floor_payments"]["nominal_usd"] - li["upside_share_received"]["nominal_usd"]
    assert li["net"]["nominal_usd"] == pytest.approx(net, rel=1e-9)
    assert li["upside_share_received"]["nominal_usd"] > 0
    k = band["kappa_range"]
    assert k["half_life_ols_years"] < k["half_life_corrected_years"]


def test_band_parity_python_cli_api_brief(
    store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app
    from critmin.brief.config import BriefConfig
    from critmin.brief.simulation_sections import floor_section
    from critmin.cli import app
    from critmin.cli.floor import register

    if not any(c.name == "floor" for c in app.registered_commands):
        register(app)
    py = floor_band(load_preset("mp-ndpr"))
    r = cli("floor", "--preset", "mp-ndpr", "--band", "--json")
    assert r.code == 0, r.err
    assert r.json()["rows"] == py["rows"] and r.json()["liabilities"] == py["liabilities"]
    monkeypatch.setenv("CRITMIN_API_TOKEN", "floor-test-token-0123456789")
    with TestClient(create_app()) as client:
        resp = client.get("/api/v1/floor/presets/mp-ndpr/band")
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"] == py["rows"]
    assert resp.json()["liabilities"] == py["liabilities"]
    # no seed anywhere: the brief's default seed is the CLI's and the API's (critmin.defaults)
    sec = floor_section(BriefConfig(floor_paths=2000))
    assert sec.facts["floor_band"]["rows"] == py["rows"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("--volume", "-5"), "--volume"),
        (("--floor", "-1"), "--floor"),
        (("--band", "--vol", "0"), "--vol"),
    ],
)
def test_cli_bad_input_exit_2_naming_the_field(cli: Any, argv: tuple[str, ...], field: str) -> None:
    from critmin.cli import app
    from critmin.cli.floor import register

    if not any(c.name == "floor" for c in app.registered_commands):
        register(app)
    r = cli("floor", "--preset", "mp-ndpr", "--paths", "500", *argv)
    assert r.code == 2
    assert field in r.err and "Traceback" not in r.err


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contract": {"floor": 110, "term_years": 1, "volume_tpy": [-5]}}, "volume_tpy"),
        ({"contract": {"floor": -1, "term_years": 1, "volume_tpy": [5]}}, "floor"),
    ],
)
def test_api_bad_input_422_naming_the_field(
    store: Path, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any], field: str
) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", "floor-test-token-0123456789")
    body = {**body, "price_model": {"kind": "gbm", "spot": 60, "sigma": 0.3}, "paths": 100}
    with TestClient(create_app()) as client:
        resp = client.post("/api/v1/floor", json=body)
    assert resp.status_code == 422
    assert field in resp.text


def test_band_refuses_zero_volatility_naming_sigma() -> None:
    spec = load_preset("mp-ndpr")
    flat = spec.model("ou").model_copy(update={"sigma": 0.0})
    with pytest.raises(InputError) as exc:
        floor_band(spec, model=flat, paths=256, replicates=2)
    assert exc.value.field == "sigma"


def test_a_default_model_missing_from_the_models_names_default_model() -> None:
    """Found by the YAML fuzz campaign: a check across fields must still name a field."""
    from critmin.sim.floor_contract import FloorDefinition, load_preset, validated

    data = load_preset().model_dump()
    data["models"] = [m for m in data["models"] if m["kind"] != "ou"]
    data["default_model"] = "ou"
    with pytest.raises(InputError) as exc:
        validated(FloorDefinition, data)
    assert exc.value.field == "default_model"


def test_reported_payment_against_the_model_in_closed_form() -> None:
    """With a near-zero volatility the price path is its mean, so the model's payment per kg in
    quarter q is F minus the mean of the quarter's three monthly OU means, exactly; differencing
    two runs isolates quarter q. The implied reference price is F - P / volume."""
    from critmin.sim.floor_band import quarter_index, reported_payments
    from critmin.sim.floor_vr import _log_moments, grid

    spec = load_preset("mp-ndpr")
    (q4,) = spec.reported_payments
    start = spec.contract.start
    assert start is not None
    assert quarter_index(start, "2025-Q4") == 0 and quarter_index(start, "2035-Q4") == 40
    flat = spec.model("ou").model_copy(update={"sigma": 1e-9, "jumps": None})
    q1 = q4.model_copy(update={"quarter": "2026-Q1"})
    spec2 = spec.model_copy(update={"reported_payments": (q4, q1)})
    got = reported_payments(spec2, flat, paths=256, replicates=4, seed=0, method="rqmc-cv")
    g = grid(spec.contract, spec.terms)
    mean_price = np.exp(_log_moments(flat, g.times)[0])
    for i, row in enumerate(got):
        want = spec.contract.floor - mean_price[3 * i : 3 * i + 3].mean()
        assert row["model_usd_per_kg"] == pytest.approx(want, rel=1e-6)
    produced = got[0]["by_volume"]["produced"]
    assert produced["implied_reference_usd_per_kg"] == pytest.approx(110 - 51e6 / 718_000)
    assert produced["model_payment_usd"] == pytest.approx(got[0]["model_usd_per_kg"] * 718_000)


def test_a_reported_payment_outside_the_term_or_without_a_source_is_refused() -> None:
    from critmin.sim.floor_band import reported_payments
    from critmin.sim.floor_contract import FloorDefinition, validated

    spec = load_preset("mp-ndpr")
    late = spec.reported_payments[0].model_copy(update={"quarter": "2036-Q1"})
    with pytest.raises(InputError) as exc:
        reported_payments(spec.model_copy(update={"reported_payments": (late,)}), spec.model())
    assert exc.value.field == "quarter"
    data = spec.model_dump(mode="json")
    data["reported_payments"][0]["sources"] = []
    with pytest.raises(InputError) as exc:
        validated(FloorDefinition, data)
    assert exc.value.field == "reported_payments.0.sources"


def test_liabilities_keep_their_numbers_at_80_columns(
    store: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli("floor", "--preset", "mp-ndpr", "--band", "--paths", "512")
    assert out.code == 0, out.err
    table = out.out.split("liabilities apart")[1]
    assert "nominal" in table and "PV" in table
    assert re.search(r"EBITDA: max, years 4-13\s+\$1\.53B\s+\$1\.06B", table)
