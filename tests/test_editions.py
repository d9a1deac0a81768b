"""Editions: queries answer from the latest edition reporting a year, --edition pins one, and
the CLI, Python API and HTTP API give the same number.

USGS MCS 2026 = MCS2026_Commodities_Data.csv (doi:10.5066/P1WKQ63T): antimony mine production
2024, China 40,000 t (line 419), world 119,000 t (line 431); 2025 China 40,000 t (line 437),
world 110,000 t (line 449). USGS MCS 2025 = MCS2025_World_Data.csv (doi:10.5066/P13XCP3R):
2024 China 60,000 t, world 100,000 t.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from critmin import editions, queries, supply
from critmin.errors import InputError, NotFoundError


def test_antimony_2024_answers_from_mcs2026_by_default(store: Path, cli: Any) -> None:
    r = cli("production", "antimony", "--stage", "mine", "--year", "2024", "--json")
    assert r.code == 0, r.err
    res = r.json()
    assert res["edition"] == "usgs-mcs-2026"
    assert res["editions"] == ["usgs-mcs-2026", "usgs-mcs-2025"]
    assert res["world_reported"] == 119_000
    assert next(x for x in res["rows"] if x["iso3"] == "CHN")["value"] == 40_000
    share = supply.concentration("antimony", "mine", 2024)
    assert share["edition"] == "usgs-mcs-2026"
    assert share["china_share"] == pytest.approx(40_000 / 119_000)
    # 2025: the country rows add to 110,720 t, above the rounded 110,000 t world total, so
    # the shares are of the sum (docs/method.md, the denominator rule)
    y2025 = supply.concentration("antimony", "mine", 2025)
    assert y2025["countries_sum"] == 110_720 and y2025["denominator"] == "sum of countries"
    assert y2025["china_share"] == pytest.approx(40_000 / 110_720)


def test_pinned_edition(store: Path, cli: Any) -> None:
    argv = ("production", "antimony", "--year", "2024", "--edition", "usgs-mcs-2025", "--json")
    res = cli(*argv).json()
    assert res["edition"] == "usgs-mcs-2025" and res["world_reported"] == 100_000
    assert next(x for x in res["rows"] if x["iso3"] == "CHN")["value"] == 60_000
    con = cli("concentration", "antimony", "--year", "2024", "--edition", "usgs-mcs-2025", "--json")
    # MCS 2025's 2024 rows add to 103,960 t over its rounded 100,000 t world total
    assert con.json()["china_share"] == pytest.approx(60_000 / 103_960)
    # an edition that does not report the year: a one-line error naming the years it has
    bad = cli("production", "antimony", "--year", "2025", "--edition", "usgs-mcs-2025")
    assert bad.code == 2 and "years with data" in bad.err


def test_unknown_edition_is_a_clear_error(store: Path) -> None:
    with pytest.raises(NotFoundError, match="editions with data: usgs-mcs-2026"):
        queries.production("antimony", "mine", 2024, edition="usgs-mcs-1999")
    with pytest.raises(InputError, match="edition"):
        queries.production("antimony", "mine", 2024, edition="latest")


def test_http_api_gives_the_same_numbers(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with TestClient(create_app()) as client:
        got = client.get("/api/v1/production/antimony", params={"year": 2024}).json()
        assert got["edition"] == "usgs-mcs-2026" and got["world_reported"] == 119_000
        old = client.get(
            "/api/v1/concentration/antimony",
            params={"year": 2024, "edition": "usgs-mcs-2025"},
        ).json()
    assert old["edition"] == "usgs-mcs-2025"
    assert (
        old["china_share"]
        == supply.concentration("antimony", "mine", 2024, edition="usgs-mcs-2025")["china_share"]
    )


def test_revisions_show_one_figure_across_editions(store: Path, cli: Any) -> None:
    res = cli("data", "revisions", "antimony", "--country", "CHN", "--json").json()
    y2024 = next(y for y in res["years"] if y["year"] == 2024)
    assert y2024["latest"] == "usgs-mcs-2026"
    assert [(f["edition"], f["value"]) for f in y2024["figures"]] == [
        ("usgs-mcs-2026", 40_000),
        ("usgs-mcs-2025", 60_000),
    ]
    assert y2024["change_pct"] == pytest.approx(-100 / 3)
    text = cli("data", "revisions", "antimony", "--country", "CHN")
    assert text.code == 0 and "usgs-mcs-2025" in text.out


def test_latest_by_keeps_one_edition_per_group() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {
            "year": [2024, 2024, 2024, 2023],
            "iso3": ["CHN", "CHN", "RUS", "CHN"],
            "edition": ["usgs-mcs-2025", "usgs-mcs-2026", "usgs-mcs-2025", "usgs-mcs-2025"],
            "value": [60.0, 40.0, 30.0, 62.3],
        }
    )
    out = editions.latest_by(frame, ["year"]).sort(["year", "iso3"])
    assert out["edition"].to_list() == ["usgs-mcs-2025", "usgs-mcs-2026"]
    assert editions.edition_year("iea-gcmo-2025") == 2025
    assert editions.mixed({2023: "usgs-mcs-2025", 2024: "usgs-mcs-2026"})


def test_validate_flags_edition_ties_and_mislabelled_editions() -> None:
    import polars as pl

    from critmin.editions import check_editions

    prod = pl.DataFrame(
        {
            "mineral_id": ["lithium", "lithium"],
            "stage": ["refine", "refine"],
            "headline": [True, True],
            "year": [2024, 2024],
            "source_id": ["a", "b"],
            "edition": ["iea-gcmo-2025", "usgs-mcs-2025"],
        }
    )
    src = pl.DataFrame({"source_id": ["a", "b"], "published": ["2025-05-21", "2024-01-31"]})
    failures = check_editions({"production": prod, "sources": src})
    messages = [f.message for f in failures]
    assert any("cannot choose" in m for m in messages)
    assert any("edition year differs" in f.message and f.row == "b" for f in failures)


def test_a_production_csv_without_edition_is_named(tmp_path: Path) -> None:
    from critmin.data.bundled import read_csv
    from critmin.schema import TABLES

    f = tmp_path / "p.csv"
    cols = [c for c in TABLES["production"].columns if c != "edition"]
    f.write_text(",".join(cols) + "\n", encoding="utf-8")
    _rows, failures = read_csv(f, TABLES["production"])
    assert failures and failures[0].column == "edition"
    assert "usgs-mcs-2026" in failures[0].message


def test_a_series_says_which_edition_each_year_came_from(store: Path) -> None:
    res = queries.production("antimony", "mine", 2024)
    assert res["year_editions"]["2024"] == "usgs-mcs-2026"
    assert res["year_editions"]["2023"] == "usgs-mcs-2025"  # MCS 2026 starts at 2024
    assert editions.mixed({int(y): e for y, e in res["year_editions"].items()})
    dom = next(r for r in supply.dominance() if r["mineral"] == "antimony")
    assert dom["mine_edition"] == "usgs-mcs-2026"


def test_us_supply_by_edition(store: Path, cli: Any) -> None:
    """Rare-earth net import reliance: MCS 2026 gives 53 % (2024, line 6043) and 67 % (2025
    est., line 6064); MCS 2025 (mcs2025-raree_salient.csv) gave 80 % for 2024."""
    res = cli("us-supply", "rare_earths", "--json").json()
    by_year = {r["year"]: r for r in res["rows"]}
    assert by_year[2024]["net_import_reliance_pct"] == 53
    assert by_year[2024]["edition"] == "usgs-mcs-2026"
    assert by_year[2025]["net_import_reliance_pct"] == 67
    assert res["year_editions"]["2020"] == "usgs-mcs-2025"  # MCS 2026 starts at 2021
    old = queries.us_supply("rare_earths", edition="usgs-mcs-2025")
    assert {r["year"]: r["net_import_reliance_pct"] for r in old["rows"]}[2024] == 80
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with TestClient(create_app()) as client:
        got = client.get("/api/v1/us-supply/rare_earths", params={"edition": "usgs-mcs-2025"})
    assert got.status_code == 200
    assert {r["year"]: r["net_import_reliance_pct"] for r in got.json()["rows"]}[2024] == 80


def test_concentration_all_pins_an_edition(store: Path, cli: Any) -> None:
    rows = cli(
        "concentration", "--all", "--year", "2024", "--edition", "usgs-mcs-2025", "--json"
    ).json()
    assert rows and {r["edition"] for r in rows} == {"usgs-mcs-2025"}
    sb = next(r for r in rows if r["mineral"] == "antimony")
    assert sb["china_share"] == pytest.approx(60_000 / 103_960)  # MCS 2025's 2024 rows
    bad = cli("concentration", "--all", "--edition", "usgs-mcs-2021")
    assert bad.code == 2 and "editions with data: usgs-mcs-2026" in bad.err
