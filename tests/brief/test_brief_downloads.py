"""Each table of the brief can be saved as CSV offline: a ``data:`` link holding the table's
rows (values as computed, each row's source ids) and a second one with those sources.

The brief is built once with :func:`critmin.brief.builder.table_csv` watched, so the test
holds the very Table objects the page printed and compares the decoded files with them.
"""

from __future__ import annotations

import base64
import csv
import html as html_lib
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from critmin.brief import builder
from critmin.brief.config import BriefConfig
from critmin.brief.section import Table

PREFIX = "data:text/csv;charset=utf-8;base64,"
LINK = re.compile(r'<a href="(data:[^"]*)" download="([^"]+)" type="text/csv">([^<]+)</a>')


@pytest.fixture(scope="module")
def built(
    built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Table]]:
    mp = pytest.MonkeyPatch()
    store = tmp_path_factory.mktemp("brief-downloads") / "critmin.duckdb"
    shutil.copy(built_store, store)
    mp.setenv("CRITMIN_DB", str(store))
    tables: dict[str, Table] = {}
    real = builder.table_csv

    def watch(table: Table, sources: dict[str, dict[str, Any]]) -> dict[str, str]:
        tables[table.id] = table
        return real(table, sources)

    mp.setattr(builder, "table_csv", watch)
    cfg = BriefConfig(
        seed=5, floor_paths=2_000, scenario_draws=500, stockpile_draws=500, pipeline_draws=500
    )
    res = builder.build_brief(store.parent / "brief.html", cfg)
    mp.undo()
    return res.out.read_text(encoding="utf-8"), tables


def decode_uri(uri: str) -> list[list[str]]:
    assert uri.startswith(PREFIX), uri[:60]
    text = base64.b64decode(uri.removeprefix(PREFIX), validate=True).decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def links_after(html: str, table_id: str) -> dict[str, tuple[str, str]]:
    """The data links of the paragraph right after the table: text -> (href, file name)."""
    m = re.search(
        rf'<table id="{re.escape(table_id)}">.*?</table></div>\s*<p class="data-links">(.*?)</p>',
        html,
        re.S,
    )
    assert m, f"no data links after {table_id}"
    return {text: (href, name) for href, name, text in LINK.findall(m.group(1))}


def same(cell: str, v: Any) -> bool:
    if v is None:
        return cell == ""
    if isinstance(v, bool):
        return cell == ("true" if v else "false")
    if isinstance(v, int | float):
        return float(cell) == float(v)
    if isinstance(v, list):
        return cell.split("; ") == [str(x) for x in v] if v else cell == ""
    return cell == str(v)


def test_every_table_has_a_data_link(built: tuple[str, dict[str, Table]]) -> None:
    html, tables = built
    ids = re.findall(r'<table id="(tab-[^"]+)">', html)
    assert len(ids) >= 10 and set(ids) == set(tables)
    for tid in ids:
        links = links_after(html, tid)
        assert links["data (CSV)"][1] == f"critmin-brief-{tid}.csv"
        if tables[tid].source:
            assert links["sources (CSV)"][1] == f"critmin-brief-{tid}-sources.csv"


def test_decoded_csv_is_the_table_rows_with_their_sources(
    built: tuple[str, dict[str, Table]],
) -> None:
    html, tables = built
    entries = dict(re.findall(r'<li id="src-([^"]+)"><b>([^<]*)</b>', html))
    for tid, table in tables.items():
        links = links_after(html, tid)
        records = decode_uri(links["data (CSV)"][0])
        keys = [k for k, _ in table.columns]
        header, body = records[0], records[1:]
        assert header == keys + (["source_id"] if table.source else []), tid
        assert len(body) == len(table.rows) > 0, tid
        shown = re.search(rf'<table id="{tid}">.*?<tbody>(.*?)</tbody>', html, re.S)
        assert shown and shown.group(1).count("<tr>") == len(body), tid
        cited: list[str] = []
        for row, cells in zip(table.rows, body, strict=True):
            for key, cell in zip(keys, cells, strict=False):
                assert same(cell, row.get(key)), (tid, key, cell, row.get(key))
            if table.source:
                ids = builder._row_sources(row, table.source)
                assert cells[-1].split("; ") == ids and ids, (tid, row)
                cited += [i for i in ids if i not in cited]
        if not table.source:
            continue
        src = decode_uri(links["sources (CSV)"][0])
        assert src[0] == ["source_id", "publisher", "title", "url", "published"]
        assert [r[0] for r in src[1:]] == cited, tid
        for r in src[1:]:  # the same entry as the page's source list
            assert r[1] and r[1] == html_lib.unescape(entries[r[0]]), r


def test_data_links_stay_small(built: tuple[str, dict[str, Table]]) -> None:
    """The links add a few per cent to a page that is mostly plotly.js, not a second copy."""
    html, _ = built
    added = sum(len(m) for m in re.findall(r'href="(data:text/csv[^"]*)"', html))
    assert 0 < added < 0.08 * len(html)
