"""Concentration never states an impossible number (issue 18 part 4), on the bundled data.

Shares are taken of the larger of the reported world total and the sum of countries; missing
is not zero; a stage without country figures, or a mineral published only inside a group or
basket, states no figure and says why.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin import memo, supply

STAGES = ("mine", "refine")


def _years(stage: str) -> list[int]:
    years: set[int] = set()
    for row in cm.coverage():
        years.update(row[f"{stage}_years"])
    return sorted(years)


def test_gallium_refining_2025_by_hand(store: Path, cli: Any) -> None:
    """USGS MCS 2026 data release (MCS2026_Commodities_Data.csv), gallium primary low-purity
    production 2025: China 900 t, Russia 6 t, Japan 3 t, United States and other countries
    "—" (zero), "World total (rounded)" 900 t. The rounded world is below the 909 t of
    country rows, so the shares are of the sum of countries: China 900/909 = 99.0 %, not
    100 %; HHI below 10 000."""
    res = cli("concentration", "gallium", "--stage", "refine", "--year", "2025", "--json").json()
    countries = {"CHN": 900.0, "RUS": 6.0, "JPN": 3.0}
    denominator = sum(countries.values())  # 909 t > 900 t reported
    assert res["world_reported"] == 900 and res["countries_sum"] == denominator
    assert res["denominator"] == "sum of countries" and res["world_total"] == denominator
    assert res["china_share"] == pytest.approx(900 / 909)
    hhi = sum((100 * v / denominator) ** 2 for v in countries.values())
    assert res["hhi"] == pytest.approx(hhi) and hhi == pytest.approx(9803.5, abs=0.1)
    assert res["hhi"] < 10_000 and res["top3_share"] == pytest.approx(1.0)
    assert {s["iso3"]: s["share"] for s in res["shares"]} == pytest.approx(
        {**{k: v / denominator for k, v in countries.items()}, "USA": 0.0, "XOT": 0.0}
    )
    assert res["withheld"] == [] and res["no_data"] == []
    # the exposure score counts the same China share
    ga = next(r for r in supply.exposure(on="2025-06-01") if r["mineral"] == "gallium")
    assert ga["controlled_share"] == pytest.approx(900 / 909)


def test_gallium_2024_blank_rows_are_no_data_not_withheld(store: Path) -> None:
    """USGS MCS 2025 (usgs-mcs2025-world): the US and "Other countries" gallium cells for 2024
    are blank in the source (flag NA), not W: no data, no share, not withheld."""
    res = supply.concentration("gallium", "refine", 2024, edition="usgs-mcs-2025")
    assert res["withheld"] == [] and sorted(res["no_data"]) == ["USA", "XOT"]
    assert {s["iso3"] for s in res["shares"]} == {"CHN", "JPN", "KOR", "RUS"}
    # China 750 t, Japan 3, Korea 3, Russia 6: 762 t of rows over a rounded world of 760 t
    assert res["world_reported"] == 760 and res["countries_sum"] == 762
    assert res["denominator"] == "sum of countries" and res["world_total"] == 762
    assert res["china_share"] == pytest.approx(750 / 762)


def test_germanium_refining_states_no_figure(store: Path, cli: Any) -> None:
    """USGS withholds or leaves blank every refined-germanium cell (MCS 2025, 2023-2024)."""
    res = cli("concentration", "germanium", "--stage", "refine", "--json").json()
    assert res["hhi"] is None and res["hhi_band"] is None and res["world_total"] is None
    assert res["denominator"] is None and res["top3_share"] is None
    assert res["china_share"] is None and res["shares"] == []
    assert res["reason"].startswith("no data: no country figures")
    assert res["withheld"] == [] and "CHN" in res["no_data"]
    text = cli("concentration", "germanium", "--stage", "refine")
    assert text.code == 0 and "no data" in text.out
    assert "HHI 0" not in text.out and "world 0" not in text.out


def test_withheld_means_flag_w_only(store: Path) -> None:
    """MCS 2023 (usgs-mcs2023-world), germanium 2021: the US cell is W ("withheld to avoid
    disclosing company proprietary data"); China's and Russia's are NA (no data)."""
    res = supply.concentration("germanium", "refine", 2021)
    assert res["withheld"] == ["USA"]
    assert sorted(res["no_data"]) == ["CHN", "RUS", "XOT"]
    assert res["hhi"] is None and "withheld by the source (W): USA" in res["reason"]


@pytest.mark.parametrize("mineral", ["lanthanum", "cerium", "neodymium"])
@pytest.mark.parametrize("stage", STAGES)
def test_members_of_a_basket_get_no_element_figure(store: Path, mineral: str, stage: str) -> None:
    res = supply.concentration(mineral, stage)
    assert res["reported_as"] == "rare_earths" and res["hhi"] is None and res["shares"] == []
    assert res["reason"].startswith(f"reported as rare earths (basket: {res['basket']}")
    if stage == "refine":
        assert res["basket"] == "magnet rare earth elements (Nd, Pr, Dy, Tb)"
        outside = mineral != "neodymium"
        assert ("which does not hold" in res["reason"]) is outside, res["reason"]
    group = supply.concentration("rare_earths", stage)
    assert group["hhi"] is not None and group["reported_as"] is None


def test_exposure_never_takes_a_basket_of_other_elements(store: Path) -> None:
    """On 2025-10-20 China's extraterritorial rare-earth licence (chn-2025-061, effective
    2025-10-09, suspended from 2025-11-07) covers the whole group. Lanthanum and cerium are not
    in the IEA magnet basket (Nd, Pr, Dy, Tb): their controlled share is China's share of the
    rare-earth mine total, which holds every member, not its 91 % of the basket's refining;
    dysprosium, in the basket, takes the refinery stage."""
    rows = {r["mineral"]: r for r in supply.exposure(on="2025-10-20")}
    at_mine = {s["iso3"]: s["share"] for s in supply.concentration("rare_earths", "mine")["shares"]}
    # China's licence, plus the raw-ore bans in force (Malaysia's raw rare-earth moratorium,
    # and any other the register holds): each imposing country's mine share counts once
    ctrl = {c["control_id"]: c["imposing_iso3"] for c in supply.controls(on="2025-10-20")}
    basket = supply.concentration("rare_earths", "refine")["china_share"]
    for m in ("lanthanum", "cerium"):
        assert "chn-2025-061-extraterritorial-ree" in rows[m]["controls"]
        imposing = {ctrl[c] for c in rows[m]["controls"]}
        assert {"CHN", "MYS"} <= imposing
        mine = sum(at_mine.get(iso3, 0.0) for iso3 in imposing)
        assert basket > mine
        assert rows[m]["controlled_stage"] == "mine", rows[m]
        assert rows[m]["controlled_share"] == pytest.approx(mine)
    assert rows["dysprosium"]["controlled_stage"] == "refine"
    assert rows["dysprosium"]["controlled_share"] == pytest.approx(basket)


def test_nickel_refining_rows_add_to_the_world(store: Path) -> None:
    """IEA (iea-cmd2025-supply), refined nickel 2024, after the rest-of-world fix: the rows
    add to the world total 3 483 697 t, rest of world 518 320 t (14.9 %)."""
    res = supply.concentration("nickel", "refine", 2024)
    assert res["countries_sum"] == pytest.approx(3_483_697) == res["world_reported"]
    assert res["denominator"] == "world total"
    assert math.fsum(s["share"] for s in res["shares"]) == pytest.approx(1.0)
    xot = next(s for s in res["shares"] if s["iso3"] == "XOT")
    assert xot["share"] == pytest.approx(518_320 / 3_483_697)
    # IEA 'Top 3 share' 2024 as published in the dataset (note of the WLD row)
    assert res["top3_share"] == pytest.approx(0.7779887286408663, rel=1e-9)


@pytest.mark.parametrize("stage", STAGES)
def test_no_impossible_number_in_any_year(store: Path, cli: Any, stage: str) -> None:
    """`concentration --all` for every year of the bundled data: no share above 1, no HHI
    above 10 000, top-3 at most 1, no HHI of 0 for a stage without figures."""
    years = _years(stage)
    assert len(years) >= 4
    for year in [None, *years]:
        argv = ["concentration", "--all", "--stage", stage, "--json"]
        argv += [] if year is None else ["--year", str(year)]
        rows = cli(*argv).json()
        assert rows, (stage, year)
        for r in rows:
            where = (r["mineral"], stage, r["year"])
            assert all(0.0 <= s["share"] <= 1.0 for s in r["shares"]), where
            if r["hhi"] is None:
                assert r["reason"] and r["shares"] == [] and r["world_total"] is None, where
                continue
            assert 0.0 < r["hhi"] <= 10_000.0, where
            assert 0.0 <= r["top3_share"] <= 1.0, where
            assert math.fsum(s["share"] for s in r["shares"]) <= 1.0 + 1e-9, where
            assert r["world_total"] >= r["countries_sum"] * (1 - 1e-12), where
            assert r["china_share"] is None or 0.0 <= r["china_share"] <= 1.0, where


def test_cached_and_uncached_answers_agree(store: Path) -> None:
    memo.clear()
    first = supply.concentration_all("refine")
    cached = supply.concentration_all("refine")
    assert first == cached
    for row in first:
        assert supply.concentration(row["mineral"], "refine") == row


def test_scenario_restrictor_share_is_the_concentration_share(store: Path, cli: Any) -> None:
    """The same question (China's share of primary gallium, 2025) gets the same number from
    `critmin scenario run` as from `critmin concentration`: 900/909, not 900/900."""
    run = cli(
        "scenario", "run", "chn-2023-gallium-germanium", "--draws", "200", "--seed", "1", "--json"
    ).json()
    ga = next(m for m in run["minerals"] if m["mineral"] == "gallium")
    conc = cli("concentration", "gallium", "--stage", "refine", "--json").json()
    assert ga["inputs"]["restrictor_share"]["value"] == conc["china_share"]
    assert conc["china_share"] == pytest.approx(900 / 909)
