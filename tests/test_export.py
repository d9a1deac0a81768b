"""critmin.export: the cell rule and the CSV/XLSX writers the API and the brief share."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any
from xml.etree import ElementTree

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from critmin import export

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# text as a CSV file can carry it: any character but NUL and lone surrogates
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)


def test_cell_rule() -> None:
    assert export.cell_text(None) == ""
    assert export.cell_text(True) == "true" and export.cell_text(False) == "false"
    assert export.cell_text(0.1) == "0.1" and export.cell_text(1e20) == "1e+20"
    assert export.cell_text(3) == "3"
    assert export.cell_text(["cobalt", "nickel"]) == "cobalt; nickel"
    assert export.cell_text([]) == ""
    assert export.cell_text({"a": 1}) == '{"a":1}'
    assert export.cell_text([{"iso3": "COD"}]) == '[{"iso3":"COD"}]'
    assert export.cell_text(dt.date(2025, 7, 10)) == "2025-07-10"
    assert export.cell_text(np.float64(0.25)) == "0.25" and export.cell_text(np.int64(7)) == "7"
    assert export.cell_text(float("nan")) == "" and export.cell_text(float("inf")) == ""


@given(st.lists(st.dictionaries(st.sampled_from("abcde"), scalar), min_size=1, max_size=8))
def test_csv_round_trips_every_value(rows: list[dict[str, Any]]) -> None:
    cols = export.columns(rows)
    out = export.to_csv(rows)
    if not cols:
        assert out == ""
        return
    back = list(csv.reader(io.StringIO(out, newline="")))
    assert back[0] == cols and len(back) == len(rows) + 1
    for row, cells in zip(rows, back[1:], strict=True):
        for c, cell in zip(cols, cells, strict=True):
            v = row.get(c)
            if v is None:
                assert cell == ""
            elif isinstance(v, str):
                assert cell == v  # commas, quotes and line breaks survive
            else:
                assert json.loads(cell) == v  # numbers and booleans as JSON writes them


def test_columns_keep_first_seen_order() -> None:
    assert export.columns([{"b": 1, "a": 2}, {"c": 3, "a": 4}]) == ["b", "a", "c"]


def test_cited_ids_and_source_rows() -> None:
    rows = [{"source_id": "s2"}, {"sources": ["s1", "s2"]}, {"source_id": None}]
    ids = export.cited_ids(rows, [{"source_id": "s3"}, "s1"])
    assert ids == ["s2", "s1", "s3"]
    table = [{"source_id": "s1", "publisher": "USGS", "title": "MCS", "url": "u", "x": 1}]
    got = export.source_rows(["s1", "s9"], table)
    assert got[0] == {
        "source_id": "s1",
        "publisher": "USGS",
        "title": "MCS",
        "url": "u",
        "published": None,
    }
    assert got[1] == {
        "source_id": "s9",
        "publisher": None,
        "title": None,
        "url": None,
        "published": None,
    }


def test_sheet_names_are_valid_and_distinct() -> None:
    assert export.sheet_name("a/b[c]:d*e?f\\g") == "a_b_c__d_e_f_g"
    assert len(export.sheet_name("x" * 80)) == 31 and export.sheet_name("") == "table"
    book = zipfile.ZipFile(
        io.BytesIO(export.to_xlsx([("Same", [], ["a"]), ("same", [], ["a"]), ("SAME", [], None)]))
    )
    root = ElementTree.fromstring(book.read("xl/workbook.xml"))
    names = [s.get("name") for s in root.iter(f"{NS}sheet")]
    assert names == ["Same", "same-2", "SAME-3"]


def test_xlsx_cells_are_typed_and_text_is_never_a_formula() -> None:
    rows = [{"n": 1.5, "b": True, "t": '=HYPERLINK("http://x")', "l": ["a", "b"], "z": None}]
    book = zipfile.ZipFile(io.BytesIO(export.to_xlsx([("t", rows, None)])))
    root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {c.get("r"): c for c in root.iter(f"{NS}c")}
    assert cells["A2"].get("t") is None and cells["A2"].find(f"{NS}v").text == "1.5"
    assert cells["B2"].get("t") == "b"
    assert cells["C2"].get("t") == "s" and cells["D2"].get("t") == "s"
    assert "E2" not in cells  # null: no cell
    assert not list(root.iter(f"{NS}f"))
    shared = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    strings = ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in shared]
    assert '=HYPERLINK("http://x")' in strings and "a; b" in strings
