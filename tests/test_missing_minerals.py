"""Minerals of the USGS 2025 list that USGS gives no production table for (issue 18, part 3).

Each figure below is copied from the table named in its comment; the test checks the bundled
store answers it unchanged. WNA = World Nuclear Association, "World Uranium Mining Production",
table "Production from mines (tonnes U)", 2015-2024 edition (source
wna-world-uranium-mining-2025): tonnes of uranium (tU), stored as tonnes, basis contained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import critmin as cm
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
    res = cm.production("uranium", "mine", year)
    by = {r["iso3"]: r for r in res["rows"]}
    assert by[iso3]["value"] == pytest.approx(tonnes)
    assert res["sources"] == ["wna-world-uranium-mining-2025"]
    assert res["basis"] == "contained"


# (year, world tU) -- WNA table, row "World total tU"
WNA_WORLD = [(2015, 60_342), (2022, 49_614), (2024, 60_213)]


@pytest.mark.parametrize(("year", "world"), WNA_WORLD)
def test_wna_uranium_world_total_and_sum(store: Path, year: int, world: float) -> None:
    res = cm.production("uranium", "mine", year)
    assert res["world_reported"] == pytest.approx(world)
    # the WNA "Others" row names no country and is not stored: the sum is a little below
    assert 0.99 * world <= res["world_sum"] <= world


def test_wna_estimates_stay_flagged(store: Path) -> None:
    # WNA labels Uzbekistan, China, India, South Africa and Ukraine "(est.)"
    rows = {r["iso3"]: r for r in cm.production("uranium", "mine", 2024)["rows"]}
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
    for m in ("cesium", "rubidium", "hafnium", "scandium", "germanium", "metallurgical_coal"):
        assert "mine" in rows[m]["missing"] and "refine" in rows[m]["missing"], m
        assert rows[m]["coverage_note"], m
    for m in ("iridium", "rhodium", "ruthenium"):
        assert rows[m]["reported_as"] == "platinum_group_metals"
        assert "platinum-group" in rows[m]["coverage_note"], m
    # a mineral with production carries no note
    assert rows["uranium"]["coverage_note"] is None
    assert rows["uranium"]["mine_years"] == list(range(2015, 2025))
    md = coverage_markdown(cm.coverage())
    assert "- cesium: No public production series" in md
