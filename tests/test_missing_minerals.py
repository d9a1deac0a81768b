"""Minerals of the USGS 2025 list that USGS gives no production table for (issue 18, part 3).

Each figure below is copied from the table named in its comment; the test checks the bundled
store answers it unchanged. WNA = World Nuclear Association, "World Uranium Mining Production",
table "Production from mines (tonnes U)", 2015-2024 edition (source
wna-world-uranium-mining-2025): tonnes of uranium (tU), stored as tonnes, basis contained.
WMD = World Mining Data 2021, 6.4 "Production of Mineral Raw Materials of individual Countries
by Minerals", 2015-2019 (source wmd-2021-production-by-country): sheets "Coking Coal" and
"Germanium" in metric tonnes, "Rhodium" in kilograms (stored divided by 1000).
USGS MCS 2026 gives scandium as a world total only; SFA (Oxford) gives iridium's world primary
supply in thousand troy ounces (stored in tonnes at 31.1034768 g per troy ounce).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin import queries, supply
from critmin.queries import coverage_markdown

# (year, iso3, tU) -- WNA table "Production from mines (tonnes U)"
WNA_URANIUM = [
    (2022, "KAZ", 21_227),  # Kazakhstan 2022
    (2024, "KAZ", 23_270),  # Kazakhstan 2024
    (2024, "CAN", 14_309),  # Canada 2024
    (2023, "NAM", 6_986),  # Namibia 2023
    (2015, "NER", 4_116),  # Niger 2015
    (2020, "USA", 6),  # USA 2020
]


@pytest.mark.parametrize(("year", "iso3", "tonnes"), WNA_URANIUM)
def test_wna_uranium_by_country(store: Path, year: int, iso3: str, tonnes: float) -> None:
    res = queries.production("uranium", "mine", year)
    by = {r["iso3"]: r for r in res["rows"]}
    assert by[iso3]["value"] == pytest.approx(tonnes)
    assert res["sources"] == ["wna-world-uranium-mining-2025"]
    assert res["basis"] == "contained"


# (year, world tU) -- WNA table, row "World total tU"
WNA_WORLD = [(2015, 60_342), (2022, 49_614), (2024, 60_213)]


@pytest.mark.parametrize(("year", "world"), WNA_WORLD)
def test_wna_uranium_world_total_and_sum(store: Path, year: int, world: float) -> None:
    res = queries.production("uranium", "mine", year)
    assert res["world_reported"] == pytest.approx(world)
    # the WNA "Others" row names no country and is not stored: the sum is a little below
    assert 0.99 * world <= res["world_sum"] <= world


def test_wna_estimates_stay_flagged(store: Path) -> None:
    # WNA labels Uzbekistan, China, India, South Africa and Ukraine "(est.)"
    rows = {r["iso3"]: r for r in queries.production("uranium", "mine", 2024)["rows"]}
    assert {i for i, r in rows.items() if r["estimated"]} == {"UZB", "CHN", "IND", "ZAF", "UKR"}
    assert rows["UZB"]["value"] == pytest.approx(4_000)  # "Uzbekistan (est.)" 2024


def test_platinum_and_palladium_reserves_come_from_the_group(store: Path) -> None:
    # USGS MCS 2025 reports platinum-group reserves only for the group (world 81,000 t)
    rows = {r["mineral"]: r for r in cm.coverage()}
    for m in ("platinum", "palladium"):
        assert rows[m]["reserves"] is False and rows[m]["reserves_from_group"] is True, m
        assert "reserves" not in rows[m]["missing"]
        assert rows[m]["reported_as"] is None  # production stays their own series
        assert rows[m]["mine_years"]


def test_missing_production_says_why(store: Path, cli: Any) -> None:
    rows = {r["mineral"]: r for r in cli("data", "coverage", "--json").json()}
    for m in ("cesium", "rubidium", "hafnium"):
        assert "mine" in rows[m]["missing"] and "refine" in rows[m]["missing"], m
        assert rows[m]["coverage_note"], m
    # ruthenium: the platinum-group basket's years, and the note says it is a basket of Pt, Pd
    assert rows["ruthenium"]["production_from_group"] is True
    assert "does not hold ruthenium" in rows["ruthenium"]["coverage_note"]
    for m in ("iridium", "ruthenium"):
        assert rows[m]["reported_as"] == "platinum_group_metals"
    assert "platinum-group" in rows["ruthenium"]["coverage_note"]
    # a mineral with production carries no note (scandium and iridium: world totals only)
    for m in ("uranium", "rhodium", "germanium", "metallurgical_coal", "scandium", "iridium"):
        assert rows[m]["coverage_note"] is None, m
    assert rows["uranium"]["mine_years"] == list(range(2015, 2025))
    md = coverage_markdown(cm.coverage())
    assert "- cesium: No public production series" in md


def test_usgs_2025_minerals_with_production(store: Path, cli: Any) -> None:
    # issue 18: 57 of the 60 minerals of the USGS 2025 list have a sourced production series
    # (ruthenium through the platinum-group basket it is reported as, said in its note)
    rows = [r for r in cli("data", "coverage", "--json").json() if r["usgs_2025"]]
    assert len(rows) == 60
    missing = {r["mineral"] for r in rows if not (r["mine_years"] or r["refine_years"])}
    assert missing == {"cesium", "hafnium", "rubidium"}
    assert all(r["coverage_note"] for r in rows if r["mineral"] in missing)


def test_scandium_world_total_from_mcs2026(store: Path, cli: Any) -> None:
    # USGS MCS 2026 data release, MCS2026_Commodities_Data.csv line 6550: SCANDIUM, World Mine
    # Production and Reserves, World total, "global production", 2025, 80 t (Estimated.),
    # scandium oxide equivalent; line 6549 (capacity 90 t) is not imported
    res = queries.production("scandium", "mine", 2025)
    assert res["world_reported"] == pytest.approx(80)
    assert res["rows"] == [] and res["world_sum"] is None  # no country split published
    assert res["edition"] == "usgs-mcs-2026"
    assert res["sources"] == ["usgs-mcs2026-world"]
    conc = cli("concentration", "scandium", "--json").json()
    assert conc["hhi"] is None and conc["shares"] == []
    assert conc["reason"] == "no data: no country figures for scandium mine 2025"
    cov = {r["mineral"]: r for r in cm.coverage()}["scandium"]
    assert cov["mine_years"] == [2025] and cov["refine_years"] == []


OZ_T = 31.1034768e-6  # tonnes per troy ounce


# (year, koz) -- SFA (Oxford), "Iridium market balance", row "Total iridium supply"
SFA_IRIDIUM = [(2014, 210), (2015, 280), (2016, 275), (2019, 280), (2020, 225)]


@pytest.mark.parametrize(("year", "koz"), SFA_IRIDIUM)
def test_sfa_iridium_world_supply(store: Path, year: int, koz: float) -> None:
    res = queries.production("iridium", "mine", year)
    assert res["world_reported"] == pytest.approx(koz * 1000 * OZ_T, abs=1e-6)
    assert res["rows"] == []  # the regional rows of the table are not public
    assert res["sources"] == ["sfa-oxford-iridium-market-2022"]
    assert res["edition"] == "sfa-2022"
    assert res["reported_as"] is None  # its own series, not the platinum-group basket


def test_sfa_iridium_forecast_not_stored(store: Path, cli: Any) -> None:
    # 2021f (295 koz) is a forecast and stays out; ruthenium stays missing
    cov = {r["mineral"]: r for r in cm.coverage()}
    assert cov["iridium"]["mine_years"] == list(range(2014, 2021))
    assert cov["iridium"]["production_from_group"] is False
    conc = cli("concentration", "iridium", "--json").json()
    assert conc["hhi"] is None
    assert conc["reason"] == "no data: no country figures for iridium mine 2020"


# (mineral, stage, year, iso3, t) -- WMD 6.4, the sheet named in the comment
WMD = [
    ("metallurgical_coal", "mine", 2019, "CHN", 502_544_830),  # Coking Coal, China 2019
    ("metallurgical_coal", "mine", 2019, "AUS", 188_251_000),  # Coking Coal, Australia 2019
    ("metallurgical_coal", "mine", 2015, "MNG", 12_613_000),  # Coking Coal, Mongolia 2015
    ("germanium", "refine", 2019, "CHN", 85),  # Germanium, China 2019
    ("germanium", "refine", 2015, "FIN", 13),  # Germanium, Finland 2015
    ("rhodium", "mine", 2019, "ZAF", 19.545),  # Rhodium, South Africa 2019: 19,545 kg
    ("rhodium", "mine", 2017, "RUS", 2.426),  # Rhodium, Russia 2017: 2,426 kg
]


@pytest.mark.parametrize(("mineral", "stage", "year", "iso3", "tonnes"), WMD)
def test_wmd_by_country(
    store: Path, mineral: str, stage: str, year: int, iso3: str, tonnes: float
) -> None:
    res = queries.production(mineral, stage, year)
    by = {r["iso3"]: r for r in res["rows"]}
    assert by[iso3]["value"] == pytest.approx(tonnes)
    assert res["sources"] == ["wmd-2021-production-by-country"]


# (mineral, stage, year, world t) -- WMD 6.4, row "Total" of the sheet
WMD_WORLD = [
    ("metallurgical_coal", "mine", 2019, 1_025_608_759),  # Coking Coal
    ("germanium", "refine", 2015, 139),  # Germanium
    ("rhodium", "mine", 2016, 23.956),  # Rhodium: 23,956 kg
]


@pytest.mark.parametrize(("mineral", "stage", "year", "world"), WMD_WORLD)
def test_wmd_countries_add_up_to_the_total(
    store: Path, mineral: str, stage: str, year: int, world: float
) -> None:
    res = queries.production(mineral, stage, year)
    assert res["world_reported"] == pytest.approx(world)
    assert res["world_sum"] == pytest.approx(world)  # WMD lists every producer it counts


def test_wmd_estimates_stay_flagged(store: Path) -> None:
    # WMD codes the germanium rows of Russia, Japan, USA and Ukraine "e" (estimated)
    rows = {r["iso3"]: r for r in queries.production("germanium", "refine", 2018)["rows"]}
    assert {i for i, r in rows.items() if r["estimated"]} == {"RUS", "JPN", "USA", "UKR"}


def test_reserves_as_must_name_a_group_row() -> None:
    import polars as pl

    from critmin.validate import check_strict_extras

    mins = pl.DataFrame(
        {
            "mineral_id": ["platinum", "platinum_group_metals"],
            "kind": ["element", "group"],
            "usgs_2025": [True, False],
            "reported_as": [None, None],
            "reserves_as": ["platinum_group_metals", None],
        }
    )
    bad = mins.with_columns(pl.Series("reserves_as", ["no_such_row", None]))
    assert not [f for f in check_strict_extras({"minerals": mins}) if f.column == "reserves_as"]
    assert [f for f in check_strict_extras({"minerals": bad}) if f.column == "reserves_as"]


def test_platinum_group_basket_is_platinum_plus_palladium(store: Path, cli: Any) -> None:
    """USGS MCS 2026 (MCS2026_Commodities_Data.csv), mine production 2025e, t: South Africa
    platinum 120 + palladium 70 = 190; Russia 20 + 84 = 104; world 170 + 190 = 360. The
    basket names its members, so ruthenium's answer states no figure of its own."""
    res = queries.production("platinum_group_metals", "mine", 2025)
    rows = {r["iso3"]: r["value"] for r in res["rows"]}
    assert rows["ZAF"] == pytest.approx(190) and rows["RUS"] == pytest.approx(104)
    assert res["world_reported"] == pytest.approx(360)
    assert res["product"] == "platinum + palladium content (Pt, Pd)"
    ru = cli("concentration", "ruthenium", "--json").json()
    assert ru["hhi"] is None and "which does not hold Ru" in ru["reason"]
    pgm = supply.concentration("platinum_group_metals", "mine", 2025)
    assert pgm["leader"] == "ZAF"
