"""Country profiles and mineral sheets (critmin.profiles, issue 24): the CLI, the HTTP API and
the Python function give one object; reference values from the raw USGS release; closed-form
cross-checks against the commands each block is built from; unknown ids fail in one line.

Raw figures: ``shared/data/raw/usgs_mcs2026/MCS2026_Commodities_Data.csv`` (U.S. Geological
Survey, Mineral Commodity Summaries 2026 data release, doi:10.5066/P1WKQ63T), section "World
Mine Production and Reserves" of cobalt.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

import pytest

from critmin.api.routes import jsonable
from critmin.profiles import CountryProfile, MineralSheet, country_profile, mineral_sheet

RAW = Path(os.environ.get("CRITMIN_RAW", Path(__file__).parents[2] / "shared" / "data" / "raw"))
MCS2026 = RAW / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv"


@pytest.fixture
def client(store: Path) -> Any:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    return TestClient(create_app())


def _no_silent_blocks(page: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        block = page[key]
        assert block["title"] and block["columns"], key
        if not block["rows"]:
            assert block["note"].startswith("no data: "), (key, block["note"])
        else:
            assert block["sources"], key  # a block with numbers names where they come from
            assert set(block["columns"]) <= set(block["rows"][0]), key


@pytest.mark.parametrize("country", ["COD", "IDN", "CHN"])
def test_country_profile_is_one_object_in_cli_api_and_python(
    store: Path, cli: Any, client: Any, country: str
) -> None:
    py = jsonable(country_profile(country).to_dict())
    res = cli("country", country, "--json")
    assert res.code == 0, res.err
    assert res.json() == py
    got = client.get(f"/api/v1/countries/{country}")
    assert got.status_code == 200, got.text
    assert got.json() == py
    _no_silent_blocks(py, CountryProfile.BLOCKS)


@pytest.mark.parametrize("mineral", ["cobalt", "gallium", "rare_earths"])
def test_mineral_sheet_is_one_object_in_cli_api_and_python(
    store: Path, cli: Any, client: Any, mineral: str
) -> None:
    py = jsonable(mineral_sheet(mineral).to_dict())
    res = cli("mineral", mineral, "--json")
    assert res.code == 0, res.err
    assert res.json() == py
    got = client.get(f"/api/v1/minerals/{mineral}/sheet")
    assert got.status_code == 200, got.text
    assert got.json() == py
    _no_silent_blocks(py, MineralSheet.BLOCKS)


def _raw_cobalt_mine(year: int) -> tuple[dict[str, float], float]:
    """Country rows ("Other countries" included) and the world total of cobalt mine
    production in ``year``, t, as the MCS 2026 release prints them."""
    countries: dict[str, float] = {}
    world = None
    with MCS2026.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        for r in csv.DictReader(f):
            if (
                r["Commodity"] == "Cobalt"
                and r["Section"] == "World Mine Production and Reserves"
                and r["Statistics"] == "Production"
                and r["Statistics_detail"].startswith("Mine production")
                and r["Year"] == str(year)
            ):
                value = float(r["Value"].replace(",", ""))
                if r["Country"].startswith("World total"):
                    world = value
                else:
                    countries[r["Country"]] = value
    assert world is not None and countries
    return countries, world


@pytest.mark.skipif(not MCS2026.exists(), reason="raw MCS 2026 release not present")
def test_dr_congo_cobalt_share_from_the_raw_release(store: Path) -> None:
    """DR Congo ("Congo (Kinshasa)") cobalt mine production: 226,000 t of a 302,000 t world
    in 2024 (74.8 %); the share's denominator is the larger of the world total and the sum of
    country rows (critmin.metrics.world_total)."""
    sheet = mineral_sheet("cobalt")
    profile = country_profile("COD")
    for year in (2024, 2025):
        countries, world = _raw_cobalt_mine(year)
        denominator = max(world, sum(countries.values()))
        expected = 100 * countries["Congo (Kinshasa)"] / denominator
        row = next(r for r in sheet.hhi.rows if r["stage"] == "mine" and r["year"] == year)
        assert row["leader"] == "COD" and row["leader_pct"] == pytest.approx(expected)
        assert row["edition"] == "usgs-mcs-2026"
        prod = {
            r["iso3"]: r
            for r in sheet.production.rows
            if r["stage"] == "mine" and r["year"] == year
        }
        assert prod["COD"]["value_t"] == countries["Congo (Kinshasa)"]
        assert prod["WLD"]["value_t"] == world
        assert {r["edition"] for r in prod.values()} == {"usgs-mcs-2026"}
        if year == 2024:
            assert (countries["Congo (Kinshasa)"], world) == (226_000, 302_000)
            assert expected == pytest.approx(74.834, abs=1e-3)
    latest = next(r for r in profile.production.rows if r["mineral"] == "cobalt")
    countries, world = _raw_cobalt_mine(latest["year"])
    assert latest["share_pct"] == pytest.approx(
        100 * countries["Congo (Kinshasa)"] / max(world, sum(countries.values()))
    )
    assert latest["rank"] == 1 and latest["stage"] == "mine"


def test_profile_blocks_agree_with_their_commands(store: Path, cli: Any) -> None:
    """Each block against the command it is built from: ranks from `concentration`, owner
    shares that add up to the host's output, ledger totals as `ledger summary --by host`."""
    import critmin as cm
    from critmin.ledger import summary

    p = country_profile("Indonesia")
    assert p.iso3 == "IDN" and p.iso2 == "ID" and p.name == "Indonesia"
    for r in p.production.rows:
        c = cm.concentration(mineral=r["mineral"], stage=r["stage"], year=r["year"])
        singles = {s["iso3"]: s["share"] for s in c["shares"] if s["iso3"] not in ("XOT", "WLD")}
        assert r["share_pct"] == pytest.approx(100 * singles["IDN"])
        assert r["rank"] == 1 + sum(1 for v in singles.values() if v > singles["IDN"])
    nickel = {r["stage"]: r for r in p.production.rows if r["mineral"] == "nickel"}
    assert nickel["mine"]["rank"] == 1  # Indonesia leads nickel mining (USGS MCS 2026)
    by_mineral: dict[str, float] = {}
    for r in p.ownership.rows:
        by_mineral[r["mineral"]] = by_mineral.get(r["mineral"], 0.0) + r["share_pct"]
    assert by_mineral and all(v == pytest.approx(100.0) for v in by_mineral.values())
    cod = country_profile("cd")  # ISO2, any case
    got = cod.commitments_received
    assert got.totals is not None
    counted = sum(r["amount_usd"] or 0.0 for r in got.rows if r["counted"])
    assert got.totals["total_usd"] == pytest.approx(counted)
    host = {r["key"]: r["amount_usd"] for r in summary("host")["rows"]}
    assert got.totals["total_usd"] == pytest.approx(host["COD"])
    assert got.totals["left_out"] in got.note  # says what the total leaves out
    # every control faced is another state's, aimed at all buyers or at the country
    for r in cod.controls_faced.rows:
        assert r["imposing_iso3"] != "COD"
        assert {"COD", "all", "military_end_users", "technology"} & set(r["target"])
    assert {r["control_id"] for r in cod.controls_imposed.rows} >= {"cod-2025-cobalt-export-quota"}


def test_controls_status_follows_as_of(store: Path, cli: Any) -> None:
    """The DR Congo cobalt export suspension (22 February 2025) is active in March 2025; a
    day before it was announced it is not listed."""
    march = country_profile("COD", "2025-03-15")
    status = {r["control_id"]: r["status"] for r in march.controls_imposed.rows}
    assert status["cod-2025-cobalt-suspension"] == "active"
    before = country_profile("COD", "2025-01-01")
    assert "cod-2025-cobalt-suspension" not in {
        r["control_id"] for r in before.controls_imposed.rows
    }
    res = cli("country", "COD", "--as-of", "2025-03-15", "--json")
    assert res.code == 0 and res.json()["as_of"] == "2025-03-15"


def test_backtest_error_is_the_log_ratio(store: Path) -> None:
    """Gallium's backtest rows are the bundled summary's gallium cases; error =
    |ln(leave-one-out / observed)|; the overall score is the summary's."""
    from critmin.sim.backtest import load_summary

    summ = load_summary()
    sheet = mineral_sheet("Ga")
    cases = {c["case"]: c for c in summ["cases"] if c["case"].endswith("-gallium")}
    assert {r["case"] for r in sheet.backtest.rows} == set(cases) and cases
    for r in sheet.backtest.rows:
        c = cases[r["case"]]
        assert r["abs_log_error"] == pytest.approx(abs(math.log(c["loo"] / c["observed"])))
    assert sheet.backtest.totals is not None
    assert sheet.backtest.totals["loo_male"] == summ["leave_one_episode_out"]["male"]
    assert [r["scenario"] for r in sheet.forecasts.rows] == ["chn-2023-gallium-germanium"]
    # gallium has no mine series: the production block says so, the refine series is there
    assert "no mine production" in (sheet.production.note or "")
    assert {r["stage"] for r in sheet.production.rows} == {"refine"}
    cobalt = mineral_sheet("cobalt")
    assert cobalt.backtest.rows == [] and (cobalt.backtest.note or "").startswith("no data")


def test_ledger_block_total_is_the_mineral_key_of_the_summary(store: Path) -> None:
    from critmin.ledger import summary

    sheet = mineral_sheet("cobalt")
    by_mineral = {r["key"]: r["amount_usd"] for r in summary("mineral")["rows"]}
    assert sheet.ledger.totals is not None
    assert sheet.ledger.totals["total_usd"] == pytest.approx(by_mineral["cobalt"])


@pytest.mark.parametrize(
    ("argv", "field", "near"),
    [
        (["country", "Narnia"], "COUNTRY", "did you mean"),
        (["country", "Kongo"], "COUNTRY", "COG"),
        (["mineral", "cobolt"], "MINERAL", "cobalt"),
    ],
)
def test_unknown_ids_exit_2_with_suggestions(
    store: Path, cli: Any, argv: list[str], field: str, near: str
) -> None:
    res = cli(*argv)
    assert res.code == 2 and res.out == ""
    line = res.err.strip()
    assert "\n" not in line and field in line and near in line and argv[1] in line


def test_unknown_ids_are_422_naming_field_and_value(store: Path, client: Any) -> None:
    got = client.get("/api/v1/countries/Narnia")
    assert got.status_code == 422
    assert got.json()["field"] == "country" and got.json()["value"] == "Narnia"
    assert "did you mean" in got.json()["detail"]
    got = client.get("/api/v1/minerals/cobolt/sheet")
    assert got.status_code == 422
    assert (got.json()["field"], got.json()["value"]) == ("mineral", "cobolt")
    got = client.get("/api/v1/countries/COD?as_of=2025-02-30")
    assert got.status_code == 422 and got.json()["field"] == "as_of"
    res = client.get("/api/v1/countries/COD?asof=2025-01-01")
    assert res.status_code == 422 and res.json()["field"] == "asof"


def test_cli_pages_fit_80_columns(store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for argv in (["country", "COD"], ["mineral", "cobalt"]):
        res = cli(*argv)
        assert res.code == 0, res.err
        table_lines = [ln for ln in res.out.splitlines() if "─" in ln or "  " in ln]
        assert table_lines and max(len(ln) for ln in table_lines) <= 80
    out = cli("country", "COD").out
    assert "DR Congo (COD)" in out and "73.1 %" in out and "sources:" in out
    assert "no data: no ledger row names this country as actor" in out
