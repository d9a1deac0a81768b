"""Published figures reproduced through the public API, each with its source.

USGS MCS 2025 = U.S. Geological Survey, Mineral Commodity Summaries 2025 data release,
doi:10.5066/P13XCP3R (world production 2023 and 2024e, metric tons unless stated).
USGS MCS 2026 = Mineral Commodity Summaries 2026 data release, doi:10.5066/P1WKQ63T (2025e).
IEA GCMO 2025 = IEA Global Critical Minerals Outlook 2025, Critical Minerals Dataset (2024).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin import queries, supply
from critmin.validate import world_sum_limit

# (mineral, stage, year, world total t, leading country, its t) -- USGS MCS 2025 world table
MCS2025 = [
    ("rare_earths", "mine", 2024, 390_000, "CHN", 270_000),
    ("cobalt", "mine", 2024, 290_000, "COD", 220_000),
    ("copper", "mine", 2024, 23_000_000, "CHL", 5_300_000),
    ("copper", "refine", 2024, 27_000_000, "CHN", 12_000_000),
    ("lithium", "mine", 2024, 240_000, "AUS", 88_000),
    ("tungsten", "mine", 2024, 81_000, "CHN", 67_000),
    ("gallium", "refine", 2024, 760, "CHN", 750),  # reported in kilograms: 760 000 kg
    ("graphite", "mine", 2024, 1_600_000, "CHN", 1_270_000),
    ("nickel", "mine", 2024, 3_700_000, "IDN", 2_200_000),
    ("antimony", "mine", 2024, 100_000, "CHN", 60_000),
    ("manganese", "mine", 2024, 20_000_000, "ZAF", 7_400_000),
    ("platinum", "mine", 2024, 170, "ZAF", 120),  # kilograms in the release
    ("palladium", "mine", 2024, 190, "RUS", 75),
    ("cobalt", "mine", 2023, 238_000, "COD", 175_000),
    ("rare_earths", "mine", 2023, 376_000, "CHN", 255_000),
    ("lithium", "mine", 2023, 204_000, "AUS", 91_700),
]


@pytest.mark.parametrize(("mineral", "stage", "year", "world", "lead", "lead_t"), MCS2025)
def test_usgs_mcs2025_world_and_leader(
    store: Path, mineral: str, stage: str, year: int, world: float, lead: str, lead_t: float
) -> None:
    res = queries.production(mineral, stage, year, edition="usgs-mcs-2025")
    assert res["edition"] == "usgs-mcs-2025"
    assert res["world_reported"] == pytest.approx(world)
    top = res["rows"][0]
    assert (top["iso3"], top["value"]) == (lead, pytest.approx(lead_t))
    assert res["unit"] == "t"


# USGS MCS 2026, 2025 estimates
MCS2026 = [
    ("rare_earths", "mine", 390_000, "CHN", 270_000),
    ("cobalt", "mine", 310_000, "COD", 230_000),
    ("tungsten", "mine", 85_000, "CHN", 67_000),
    ("nickel", "mine", 3_900_000, "IDN", 2_600_000),
]


@pytest.mark.parametrize(("mineral", "stage", "world", "lead", "lead_t"), MCS2026)
def test_usgs_mcs2026_figures_for_2025(
    store: Path, mineral: str, stage: str, world: float, lead: str, lead_t: float
) -> None:
    res = queries.production(mineral, stage, 2025)
    assert res["world_reported"] == pytest.approx(world)
    assert (res["rows"][0]["iso3"], res["rows"][0]["value"]) == (lead, pytest.approx(lead_t))


def test_neodymium_answers_with_the_rare_earth_group(store: Path) -> None:
    res = queries.production("neodymium", "mine", 2024, edition="usgs-mcs-2025")
    assert res["reported_as"] == "rare_earths"
    assert res["world_reported"] == pytest.approx(390_000)


# Concentration figures (DESIGN Q1): share = country / denominator, the larger of the reported
# world total and the sum of countries. Where the rounded world total is below its rows (rare
# earths, gallium, graphite, antimony, refined copper in 2024) the share is of the sum: never
# above the share of the world total, and below it by no more than the world-vs-sum limit of
# `data validate` allows (antimony: China 60 000 t of 103 960 t of rows = 57.7 %, against
# 60 % of the rounded 100 000 t). MCS 2025 is pinned: MCS 2026 revises 2024 (test_editions.py).
CONCENTRATION = [
    # (mineral, stage, year, country, share) -- from the USGS MCS 2025 table values above
    ("rare_earths", "mine", 2024, "CHN", 270_000 / 390_000),  # "China ~69 %"
    ("cobalt", "mine", 2024, "COD", 220_000 / 290_000),  # "DRC ~76 %"
    ("gallium", "refine", 2024, "CHN", 750 / 760),  # "China ~99 % of primary gallium"
    ("tungsten", "mine", 2024, "CHN", 67_000 / 81_000),  # "China ~83 %"
    ("graphite", "mine", 2024, "CHN", 1_270_000 / 1_600_000),  # "China ~79 %"
    ("nickel", "mine", 2024, "IDN", 2_200_000 / 3_700_000),  # "Indonesia ~59 %"
    ("platinum", "mine", 2024, "ZAF", 120 / 170),  # "South Africa ~71 %"
    ("antimony", "mine", 2024, "CHN", 0.60),
    ("copper", "refine", 2024, "CHN", 12_000 / 27_000),  # "China ~44 % of refined copper"
    ("manganese", "mine", 2024, "ZAF", 7_400 / 20_000),
]


@pytest.mark.parametrize(("mineral", "stage", "year", "iso3", "share"), CONCENTRATION)
def test_published_shares(
    store: Path, mineral: str, stage: str, year: int, iso3: str, share: float
) -> None:
    res = supply.concentration(mineral, stage, year, edition="usgs-mcs-2025")
    prod = queries.production(mineral, stage, year, edition="usgs-mcs-2025")
    total = sum(r["value"] for r in prod["rows"] if r["value"] is not None)
    world = max(prod["world_reported"], total)
    assert res["denominator"] == (
        "world total" if world == prod["world_reported"] else "sum of countries"
    )
    value = next(r["value"] for r in prod["rows"] if r["iso3"] == iso3)
    got = {s["iso3"]: s["share"] for s in res["shares"]}
    assert got[iso3] == pytest.approx(value / world, rel=1e-9)
    assert share * prod["world_reported"] / world_sum_limit(prod["world_reported"]) <= got[iso3]
    assert got[iso3] <= share * (1 + 1e-12)
    assert res["leader"] == iso3


def test_rare_earth_mine_hhi_is_highly_concentrated(store: Path) -> None:
    res = supply.concentration("rare_earths", "mine", 2024, edition="usgs-mcs-2025")
    # the countries add to 393 950 t, above the rounded world total of 390 000 t: shares are
    # of the sum; China alone contributes (100 x 270/393.95)^2 = 4 697
    assert res["denominator"] == "sum of countries" and res["world_total"] == 393_950
    assert res["hhi"] > (100 * 270_000 / 393_950) ** 2
    assert res["hhi_band"] == "high"
    assert res["china_share"] == pytest.approx(270_000 / 393_950)
