"""The store and data capabilities (critmin.capabilities.store, .data): each answers what its
`critmin db ...` / `critmin data ...` command prints with --json, the Markdown pages are the
docs' pages, writes are all or nothing, a bad value names its keyword, and the sweep cells
go in and out of the store unchanged."""

from __future__ import annotations

import datetime as dt
import doctest
import json
from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.capabilities import data as cap_data
from critmin.capabilities import store as cap_store
from critmin.errors import InputError
from critmin.results import Result

DOCS = Path(__file__).resolve().parents[1] / "docs"

# (function, keyword arguments, the same question on the command line)
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("store_info", {}, ["db", "info"]),
    ("store_check", {}, ["db", "check"]),
    ("data_validate", {"strict": True}, ["data", "validate", "--strict"]),
    ("data_coverage", {}, ["data", "coverage"]),
    ("data_leaders", {}, ["data", "leaders"]),
    ("data_t4", {}, ["data", "t4"]),
    ("data_contract", {"table": "prices"}, ["data", "contract", "prices"]),
    ("data_revisions", {"mineral": "Co", "stage": "Mine"}, ["data", "revisions", "cobalt"]),
]


@pytest.mark.parametrize(("name", "kwargs", "argv"), CASES, ids=[c[0] for c in CASES])
def test_result_is_the_cli_json(
    store: Path, cli: Any, name: str, kwargs: dict[str, Any], argv: list[str]
) -> None:
    res = getattr(cm, name)(**kwargs)
    assert isinstance(res, Result) and res.question == name
    out = cli(*argv, "--json")
    assert out.code == 0, out.err
    assert res.to_dict() == out.json()


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("data_coverage", "coverage.md"),
        ("data_leaders", "usgs-leaders.md"),
        ("data_t4", "controls-t4.md"),
        ("data_contract", "data-contract.md"),
    ],
)
def test_markdown_is_the_docs_page(store: Path, name: str, page: str) -> None:
    # docs/controls-t4.md has a written introduction above the generated table
    assert (DOCS / page).read_text(encoding="utf-8").endswith(getattr(cm, name)().markdown())


def test_published_figures(store: Path) -> None:
    # USGS MCS 2025: world cobalt mine production 2024 (est.) 290 000 t; MCS 2026 revised it
    # to 302 000 t: change = 302/290 - 1 = 4.14 %
    res = cm.data_revisions(mineral="cobalt")
    y = next(y for y in res["years"] if y["year"] == 2024)
    assert {f["edition"]: f["value"] for f in y["figures"]} == {
        "usgs-mcs-2026": 302_000.0,
        "usgs-mcs-2025": 290_000.0,
    }
    assert y["change_pct"] == pytest.approx((302_000 / 290_000 - 1) * 100)
    # USGS MCS 2026 Table 7: DR Congo leads cobalt with 74 %
    row = next(r for r in cm.data_leaders().rows() if r["mineral"] == "cobalt")
    assert (row["usgs_leader"], row["usgs_pct"], row["status"]) == ("COD", 74.0, "agrees")


def test_store_info_counts_every_table(store: Path) -> None:
    info = cm.store_info()
    assert info["db_path"] == str(store)
    counts = {r["table"]: r["rows"] for r in info.rows()}
    assert counts["sources"] == cm.read_table("sources").height > 0
    assert info.to_polars().height == len(counts)


def test_export_import_and_restore_round_trip(store: Path, tmp_path: Path) -> None:
    before = {r["table"]: r["rows"] for r in cm.store_info().rows()}
    exported = cm.store_export(out=tmp_path / "exp", format="csv")
    assert len(exported["files"]) == len(before)
    res = cm.data_import(table="minerals", file=tmp_path / "exp" / "minerals.csv")
    assert res["rows"] == before["minerals"]
    restored = cm.store_restore(source=tmp_path / "exp")["restored"]
    assert restored == before
    backup = cm.store_backup(out=tmp_path / "copy.duckdb")
    assert backup["tables"] == before
    assert cm.store_restore(source=tmp_path / "copy.duckdb")["restored"] == before


def test_a_bad_import_writes_nothing(store: Path, tmp_path: Path) -> None:
    before = cm.read_table("minerals")
    good = cm.store_export(out=tmp_path / "exp", format="csv")["out"]
    lines = (Path(good) / "minerals.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "minerals.csv"
    # every row again, the last one with a category no mineral may have
    head = lines[0].split(",")
    last = lines[-1].split(",")
    last[head.index("mineral_id")] = "Not An Id!"
    bad.write_text("\n".join([*lines[:-1], ",".join(last)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        cm.data_import(table="minerals", file=bad)
    assert "mineral_id" in str(err.value) and "\n" not in str(err.value)
    assert cm.read_table("minerals").equals(before)


def test_usgs_release_import(store: Path, cli: Any) -> None:
    folder = Path(__file__).parent / "data" / "fixtures" / "mcs2025"
    res = cm.data_import_usgs(source=folder)
    again = cli("data", "import-usgs", str(folder), "--json").json()
    assert res.to_dict() == again  # importing twice replaces the same keys
    assert res["rows"]["production"] > 0 and res["skipped"] >= 0


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("data_import", {"table": "bogus", "file": "x.csv"}, "table", "production"),
    ("data_import", {"table": "production", "file": "/no/such.csv"}, "file", "no such file"),
    ("data_import_usgs", {"source": "/no/such/release"}, "source", "no such file"),
    ("data_contract", {"table": "prodution"}, "table", "production"),
    ("data_revisions", {"mineral": "cobalts"}, "mineral", "cobalt"),
    ("data_revisions", {"mineral": "cobalt", "stage": "mill"}, "stage", "mine"),
    ("store_export", {"out": "x", "format": "xml"}, "format", "parquet or csv"),
]


@pytest.mark.parametrize(("name", "kwargs", "field", "hint"), BAD, ids=[b[0] for b in BAD])
def test_bad_value_names_the_keyword(
    store: Path, name: str, kwargs: dict[str, Any], field: str, hint: str
) -> None:
    with pytest.raises(InputError) as err:
        getattr(cm, name)(**kwargs)
    assert err.value.field == field, str(err.value)
    assert hint in str(err.value) and "\n" not in str(err.value)


def test_a_t4_file_is_checked(store: Path, tmp_path: Path) -> None:
    t4 = (
        Path(__file__).parent
        / "data"
        / "fixtures"
        / "mcs2026"
        / "MCS2026_T4_Country_Export_Control.csv"
    )
    assert cm.data_t4(file=t4).to_dict() == cm.data_t4().to_dict()
    with pytest.raises(InputError, match=r"/no/such/t4\.csv: cannot read"):
        cm.data_t4(file="/no/such/t4.csv")  # the reader's words, as `critmin data t4` says


def test_cli_words_are_unchanged(store: Path, cli: Any, tmp_path: Path) -> None:
    """The command line keeps its own field names (exit 2, one line)."""
    r = cli("data", "import-usgs", str(tmp_path / "nowhere"))
    assert r.code == 2 and "field 'path': no such file or folder" in r.err
    r = cli("db", "export", "--out", str(tmp_path / "e"), "--format", "xml")
    assert r.code == 2 and "field '--format': choose parquet or csv" in r.err


def test_store_path(store: Path, tmp_path: Path) -> None:
    assert cap_store.store_path() == store
    assert cap_store.store_path(tmp_path / "other.duckdb") == tmp_path / "other.duckdb"
    with pytest.raises(InputError) as err:
        cap_store.store_path("")
    assert err.value.field == "path"
    assert cap_store.open_store() == store
    assert cap_store.store_rows("sources") == cm.read_table("sources").to_dicts()


def _cell(i: int, result: str, sweep_id: str = "s1") -> tuple[Any, ...]:
    """One finished cell in CELL_COLUMNS order."""
    finished = dt.datetime(2026, 1, 1, 12, 0, i)
    return (sweep_id, i, json.dumps({"x": i}), 100 + i, result, 0.5, "w", finished)


def test_sweep_cells_in_and_out(store: Path) -> None:
    def cell(i: int, value: float) -> tuple[Any, ...]:
        return _cell(i, json.dumps({"v": value}))

    definition = json.dumps({"axes": {"x": [0, 1, 2]}})
    kw = {"sweep_id": "s1", "name": "t", "engine": "floor", "cells": 3, "definition": definition}
    done, version = cap_store.sweep_open(**kw)
    assert done == set() and version == cm.store_info()["data_version"]
    cap_store.sweep_save(sweep_id="s1", rows=[cell(0, 1.5), cell(2, 2.5)])
    cap_store.sweep_save(sweep_id="s1", rows=[cell(0, 9.0)])  # a stored cell is kept
    assert cap_store.sweep_open(**kw)[0] == {0, 2}
    assert cap_store.sweep_done(sweep_id="s1") == 2
    meta, cells = cap_store.sweep_stored(sweep_id="s1")
    assert meta["definition"] == definition and meta["engine"] == "floor"
    assert [(c, s, json.loads(r)["v"]) for c, s, _, r in cells] == [(0, 100, 1.5), (2, 102, 2.5)]
    [listed] = cap_store.sweep_list()
    assert (listed["done"], listed["cells"], listed["completed_at"]) == (2, 3, None)
    cap_store.sweep_save(sweep_id="s1", rows=[cell(1, 0.5)], complete=True)
    [listed] = cap_store.sweep_list()
    assert listed["done"] == 3 and listed["completed_at"] is not None


def test_a_failed_sweep_save_writes_nothing(store: Path) -> None:
    import duckdb

    kw = {"sweep_id": "s2", "name": "t", "engine": "floor", "cells": 2, "definition": "{}"}
    cap_store.sweep_open(**kw)
    good, bad = _cell(0, '{"v": 1}', "s2"), _cell(1, "not json", "s2")
    with pytest.raises(duckdb.Error):
        cap_store.sweep_save(sweep_id="s2", rows=[good, bad])
    assert cap_store.sweep_done(sweep_id="s2") == 0


def test_an_unknown_sweep_names_the_id(store: Path) -> None:
    with pytest.raises(InputError) as err:
        cap_store.sweep_stored(sweep_id="nope")  # no sweep table at all yet
    assert err.value.field == "sweep_id"
    assert cap_store.sweep_done(sweep_id="nope") == 0 and cap_store.sweep_list() == []


@pytest.mark.parametrize("module", [cap_store, cap_data], ids=["store", "data"])
def test_docstring_examples(store: Path, module: Any) -> None:
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert res.attempted > 0 and res.failed == 0


def test_a_store_object_goes_where_a_path_goes(store: Path, tmp_path: Path) -> None:
    import dataclasses
    import os

    from critmin.store import Store

    s = Store.at()
    assert s == Store.at(str(store)) == Store(store) and Store.at(s) is s
    assert os.fspath(s) == str(s) == str(store) and hash(s) == hash(Store(store))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.path = tmp_path  # type: ignore[misc]
    with pytest.raises(InputError) as err:
        Store.at("")
    assert err.value.field == "path"
    # an engine or a capability typed for a path takes the Store (an os.PathLike) unchanged
    by_path = cm.concentration(mineral="cobalt", year=2024, path=str(store)).to_dict()
    assert cm.concentration(mineral="cobalt", year=2024, path=s).to_dict() == by_path  # type: ignore[arg-type]
    assert cm.store_info(path=s).to_dict() == cm.store_info().to_dict() == s.info()
    with s.connect() as con:
        n = con.execute("SELECT count(*) FROM minerals").fetchall()[0][0]
    assert n == s.read_table("minerals").height == cm.read_table("minerals").height
    other = Store.at(tmp_path / "other.duckdb")
    assert cm.store_info(path=other)["db_path"] == str(tmp_path / "other.duckdb")


def test_the_stamp_moves_with_every_write(store: Path, tmp_path: Path) -> None:
    from critmin.store import Store

    s = Store.at()
    s.ensure()
    before = s.stamp()
    assert before[0] is not None and s.stamp() == before  # a read changes nothing
    cm.store_export(out=tmp_path / "exp", format="csv", path=s)
    assert s.stamp() == before
    cm.data_import(table="sources", file=tmp_path / "exp" / "sources.csv", path=s)
    assert s.stamp() != before


def test_every_answer_has_a_table_of_rows(store: Path, tmp_path: Path) -> None:
    n = len(cm.store_info().rows())
    check = cm.store_check()
    assert len(check.rows()) == n and check.to_polars().columns == ["table", "rows"]
    export = cm.store_export(out=tmp_path / "exp", format="csv")
    assert [Path(r["file"]).name for r in export.rows()][:1] == ["sources.csv"]
    backup = cm.store_backup(out=tmp_path / "b.duckdb")
    assert backup.rows() == check.rows()
    assert cm.store_restore(source=tmp_path / "b.duckdb").rows() == check.rows()
    imported = cm.data_import(table="minerals", file=tmp_path / "exp" / "minerals.csv")
    assert imported.rows() == [{"table": "minerals", "rows": check["tables"]["minerals"]}]
    assert cm.data_validate().to_polars().height == 0  # no failure: an empty table
