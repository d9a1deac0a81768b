"""MCS 2026 trend tables: Table 6 (applications), Table 7 (leading producers), and the check
of critmin's concentration against USGS's own Table 7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from critmin.crosscheck import usgs_leaders, usgs_leaders_markdown
from critmin.data.bundled import reference_dir
from critmin.store import read_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "usgs-leaders.md"


def _bundled(table: str) -> dict[str, dict[str, Any]]:
    return {r["mineral_id"]: r for r in read_table(table).to_dicts()}


def test_table6_applications(store: Path) -> None:
    """MCS2026_T6_Critical_Minerals_End_Use.csv: 60 critical minerals, text as published."""
    apps = _bundled("applications")
    assert len(apps) == 60
    assert apps["gallium"]["applications"] == "Integrated circuits and optical devices."
    assert apps["neodymium"]["note"] == "Included in the Rare Earths chapter."
    assert apps["phosphate"]["applications"] == "Fertilizers."  # "Phosphate Rock"
    assert apps["ytterbium"]["edition"] == "usgs-mcs-2026"  # label "Ytterbium " trimmed


def test_table7_leading_producers(store: Path) -> None:
    """MCS2026_T7_Critical_Minerals_Salient.csv (2025 estimated, metric tons): cobalt, Congo
    (Kinshasa) 230,000 t, 74 %, world 310,000 t; boron: Turkey, W; rare earths row labelled
    with a glued footnote ("... metals)9")."""
    lead = _bundled("leading_producers")
    assert len(lead) == 39
    co = lead["cobalt"]
    assert (co["iso3"], co["production"], co["share_pct"], co["world_total"]) == (
        "COD",
        230_000,
        74,
        310_000,
    )
    assert co["year"] == 2025 and co["estimated"]
    assert lead["boron"]["share_pct"] is None and "W" in lead["boron"]["note"]
    assert lead["rare_earths"]["iso3"] == "CHN" and lead["rare_earths"]["share_pct"] == 69


def test_critmin_agrees_with_usgs_table7(store: Path) -> None:
    """Same leader for every mineral with a figure, and the leader's production over the
    reported world total within Table 7's rounding, except one reviewed case: manganese,
    where South Africa's 7.6 Mt over the 20 Mt world total is 38.0 % and Table 7 prints 37 %."""
    rows = {r["mineral"]: r for r in usgs_leaders()}
    figured = [r for r in rows.values() if r["status"] != "no figure"]
    assert all(r["leader"] == r["usgs_leader"] for r in figured)
    differs = {m for m, r in rows.items() if r["status"] == "differs"}
    assert differs == {"manganese"}
    assert rows["manganese"]["pct_of_world"] == pytest.approx(38.0)
    assert sum(r["status"] == "agrees" for r in rows.values()) == 34
    nothing = {m for m, r in rows.items() if r["status"] == "no figure"}
    assert nothing == {"boron", "germanium", "scandium", "yttrium"}
    # critmin's own share may be below USGS's where the rows exceed the rounded world total
    # (bismuth: 14,000 t of 16,280 t of rows = 86.0 %, Table 7 88 %), never above it
    bi = rows["bismuth"]
    assert bi["denominator"] == "sum of countries" and bi["leader_pct"] == pytest.approx(
        86.0, abs=0.05
    )
    for r in figured:
        assert r["leader_pct"] <= r["pct_of_world"] + 1e-9


def test_leaders_doc_is_current(store: Path) -> None:
    assert DOC.read_text(encoding="utf-8") == usgs_leaders_markdown(usgs_leaders()), (
        "regenerate docs/usgs-leaders.md with `critmin data leaders --markdown`"
    )


def test_trend_files_are_bundled() -> None:
    for rel in ("applications/usgs_mcs2026.csv", "leading_producers/usgs_mcs2026.csv"):
        assert (reference_dir() / rel).is_file()
