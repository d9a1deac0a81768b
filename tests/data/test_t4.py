"""USGS MCS 2026 Table 4 (export controls in force, data through 2025-11-21) against the
register: every item reconciled, and docs/controls-t4.md current.

The fixture is USGS's own file, ``MCS2026_T4_Country_Export_Control.csv`` of the Mineral
Commodity Summaries 2026 trend tables (public domain; sha256 fff41db9...8046), copied from
shared/data/raw/usgs_mcs2026/trends/ (PROVENANCE.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from critmin.data.usgs.t4 import (
    read_reconciliation,
    read_t4,
    reconcile,
    reconciliation_path,
    split_items,
    t4_markdown,
    t4_rows,
)
from critmin.errors import InputError

T4 = Path(__file__).parent / "fixtures" / "mcs2026" / "MCS2026_T4_Country_Export_Control.csv"
DOC = Path(__file__).resolve().parents[2] / "docs" / "controls-t4.md"
needs_reconciliation = pytest.mark.skipif(
    not reconciliation_path().exists(),
    reason="reference/export_controls/usgs_t4_reconciliation.csv not present yet",
)


def test_split_items_keeps_each_item_as_written() -> None:
    assert split_items("Bauxite (2023), copper concentrates (2023), and nickel ore (2020).") == [
        "Bauxite (2023)",
        "copper concentrates (2023)",
        "nickel ore (2020)",
    ]
    # parentheses that are not a year stay inside the item
    assert split_items("Copper (refined and alloys) and aluminum ingots (2025).") == [
        "Copper (refined and alloys) and aluminum ingots (2025)"
    ]
    assert split_items(
        "Ferrous ingot and ferrous metal waste and scrap (2023) and catalysts and waste "
        "containing precious metals (2025)."
    ) == [
        "Ferrous ingot and ferrous metal waste and scrap (2023)",
        "catalysts and waste containing precious metals (2025)",
    ]


def test_read_t4_lines_and_items() -> None:
    items = read_t4(T4)
    # 19 lines under the header (file lines 2-20), 35 items; China's line 15 lists 14
    assert sorted({i.t4_line for i in items}) == list(range(2, 21))
    assert len(items) == 35
    china = [i for i in items if i.t4_line == 15]
    assert china[0].country == "China" and len(china) == 14
    assert china[0].commodity == "Antimony (2024)" and china[0].year == 2024
    assert [i.commodity for i in items if i.t4_line == 4] == [
        "Bauxite (2023)",
        "copper concentrates (2023)",
        "nickel ore (2020)",
    ]
    assert {i.country for i in items} >= {"Laos", "Tanzania", "Vietnam", "Venezuela", "Morocco"}


def test_windows_1252_file_is_read(tmp_path: Path) -> None:
    text = T4.read_text(encoding="utf-8-sig").replace("Congo (Kinshasa)", "Côte d\u2019Ivoire")
    f = tmp_path / "MCS2026_T4_Country_Export_Control.csv"
    f.write_bytes(text.encode("cp1252"))
    items = read_t4(f)
    assert any(i.country == "Côte d\u2019Ivoire" for i in items) and len(items) == 35


def test_a_line_without_a_year_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "t4.csv"
    f.write_text("Country,Control_Type,Commodity_Year\nX,Export ban,Sand.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2.*Commodity_Year"):
        read_t4(f)


def test_reconcile_names_a_missing_item_and_an_unknown_control() -> None:
    items = [i for i in read_t4(T4) if i.t4_line == 4]
    rows = [
        {"t4_line": 4, "commodity": "bauxite (2023)", "control_id": "a", "reason": None},
        {"t4_line": 4, "commodity": "nickel ore (2020)", "control_id": "zz", "reason": None},
        {"t4_line": 4, "commodity": "copper (2020)", "control_id": None, "reason": None},
    ]
    problems = reconcile(items, rows, {"a"})
    assert any("copper concentrates (2023)" in p for p in problems)  # wrong year: not covered
    assert any("'zz' is not in the register" in p for p in problems)
    assert any("neither a control_id nor a reason" in p for p in problems)
    assert len(problems) == 3


@needs_reconciliation
def test_every_t4_item_is_reconciled(store: Path) -> None:
    import critmin as cm

    ids = set(cm.read_table("export_controls")["control_id"].to_list())
    rows = read_reconciliation()
    assert reconcile(read_t4(T4), rows, ids) == []
    assert {r["t4_line"] for r in rows} == set(range(2, 21))


@needs_reconciliation
def test_cli_t4_checks_the_file(store: Path, cli: Any) -> None:
    r = cli("data", "t4", str(T4), "--json")
    assert r.code == 0, r.err
    assert len(r.json()) == len(read_reconciliation())


@needs_reconciliation
def test_docs_controls_t4_is_current(store: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.endswith(t4_markdown(t4_rows())), (
        "regenerate docs/controls-t4.md with `critmin data t4 --markdown`"
    )
