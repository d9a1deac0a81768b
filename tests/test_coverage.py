"""Coverage: missing stays missing, groups are named, and docs/coverage.md is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import critmin as cm
from critmin.queries import coverage_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"


def test_docs_coverage_table_is_current(store: Path) -> None:
    table = coverage_markdown(cm.coverage())
    text = DOC.read_text(encoding="utf-8")
    assert text.endswith(table), (
        "regenerate docs/coverage.md with `critmin data coverage --markdown`"
    )


def test_every_usgs_2025_mineral_has_an_entry(store: Path) -> None:
    rows = {r["mineral"]: r for r in cm.coverage()}
    flagged = [m for m, r in rows.items() if r["usgs_2025"]]
    assert len(flagged) == 60


def test_group_members_and_gaps(store: Path, cli: Any) -> None:
    rows = {r["mineral"]: r for r in cli("data", "coverage", "--json").json()}
    nd = rows["neodymium"]
    assert nd["reported_as"] == "rare_earths" and nd["production_from_group"] is True
    assert nd["mine_years"] and "mine" not in nd["missing"]
    # no sourced production table for these: reported as missing, not zero
    for m in ("cesium", "rubidium", "hafnium"):
        assert "mine" in rows[m]["missing"], m
    # germanium: World Mining Data 2015-2019; MCS 2022 published 2020-2021; MCS 2023-2026
    # withhold every value (NA), which stays out of the years
    assert rows["germanium"]["refine_years"] == [2015, 2016, 2017, 2018, 2019, 2020, 2021]
    refine = [m for m, r in rows.items() if r["refine_years"] and not r["production_from_group"]]
    assert len(refine) >= 15, refine
