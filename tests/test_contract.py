"""The data contract as data: every column has a unit and a description, docs/data-contract.md
is generated from the code (and fails here when stale), and the two bundled files outside
the store (project register, stockpile inventory) are checked cell by cell."""

from __future__ import annotations

import csv
import io
import shutil
import typing
from pathlib import Path
from typing import Any

import pytest

from critmin import column_docs
from critmin.contract import column_rows, data_contract_markdown
from critmin.file_tables import FILE_TABLES, check, read
from critmin.schema import TABLES, VERIFICATION, Flag

DOC = Path(__file__).parents[1] / "docs" / "data-contract.md"


def test_data_contract_page_is_generated_and_current() -> None:
    want = data_contract_markdown()
    assert DOC.read_text(encoding="utf-8") == want, (
        "docs/data-contract.md is stale: run "
        "`uv run critmin data contract --markdown > docs/data-contract.md`"
    )


def test_every_column_has_a_unit_and_a_description() -> None:
    rows = column_rows()
    tables = {**{n: t.columns for n, t in TABLES.items()}}
    tables |= {n: t.columns for n, t in FILE_TABLES.items()}
    assert {(r["table"], r["column"]) for r in rows} == {
        (t, c) for t, cols in tables.items() for c in cols
    }
    for r in rows:
        assert r["unit"] and r["description"], (r["table"], r["column"])
        assert "\n" not in r["description"] and len(r["description"]) <= 160
    # no entry names a table or column that does not exist, and every shared entry is used
    for table, cols in column_docs.COLUMNS.items():
        assert table in tables, table
        assert set(cols) <= set(tables[table]), (table, set(cols) - set(tables[table]))
    used = {c for cols in tables.values() for c in cols}
    assert set(column_docs.COMMON) <= used


def test_fixed_value_meanings_match_the_schema() -> None:
    assert list(column_docs.FLAG_MEANINGS) == list(typing.get_args(Flag))
    assert list(column_docs.VERIFICATION_MEANINGS) == list(VERIFICATION)
    nir = TABLES["us_supply"].model.model_json_schema()["properties"]["nir_flag"]["anyOf"][0]
    assert list(column_docs.NIR_FLAG_MEANINGS) == nir["enum"]


def test_the_page_shows_what_had_drifted() -> None:
    page = data_contract_markdown()
    # price periods: year, month and quarter (the old page said year or month only)
    assert "YYYY-Qn" in page and "Q[1-4]" in page
    # flags: all six values, from the schema's Literal
    assert "| `qualitative` |" in page and "| `>` |" in page
    # every edition the bundled prices carry, read from the data
    assert "usgs-mcs-2016" in page and "zacks-2025" in page
    for table in ("import_shares", "applications", "leading_producers"):
        assert f"`{table}`" in page.split("## Editions")[1].split("##")[0]


def test_bundled_file_tables_are_clean() -> None:
    for table in FILE_TABLES.values():
        rows, failures = read(table)
        assert failures == [] and rows, table.name
    from critmin.data.bundled import read_reference

    parsed = read_reference()
    keys = {
        "minerals": {r["mineral_id"] for r in parsed.rows["minerals"]},
        "countries": {r["iso3"] for r in parsed.rows["countries"]},
        "interventions": {r["id"] for r in parsed.rows["interventions"]},
    }
    assert check(keys) == []


def _rewrite(path: Path, out: Path, line: int, column: str, value: str) -> None:
    """Copy CSV ``path`` to ``out`` with one cell (file line ``line``) set to ``value``."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 2][column] = value
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    out.write_text(buf.getvalue(), encoding="utf-8")


KEYS: dict[str, set[Any]] = {
    "minerals": {"cobalt", "lithium", "rare_earths", "gallium", "germanium", "nickel"},
    "countries": {"USA", "CAN", "AUS"},
    "interventions": set(),
}


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("projects", "planned_capacity_t", "-5", "greater than or equal to 0"),
        ("projects", "capex_year", "20x6", "integer"),
        ("projects", "current_phase", "dreaming", "exploration"),
        ("projects", "planned_start", "2027-13", "pattern"),
        ("projects", "source_url", "ftp://example.org/x", "pattern"),
        ("nds_inventory", "quantity_t", "lots", "number"),
        ("nds_inventory", "as_of", "2023-02-30", "date"),
        ("nds_inventory", "mineral_id", "Gallium!", "pattern"),
    ],
)
def test_a_bad_cell_is_one_line_naming_file_row_column_and_value(
    tmp_path: Path, table: str, column: str, value: str, message: str
) -> None:
    bad = tmp_path / f"{table}.csv"
    _rewrite(FILE_TABLES[table].path, bad, 3, column, value)
    _, failures = read(FILE_TABLES[table], bad)
    assert len(failures) == 1
    line = str(failures[0])
    assert "\n" not in line
    assert line.startswith(f"{bad}: row 3, column {column!r}: ")
    assert message in line and value in line


def test_references_keys_and_shared_ledger_rows_are_refused(tmp_path: Path) -> None:
    src = FILE_TABLES["projects"].path
    bad = tmp_path / "projects.csv"
    _rewrite(src, bad, 2, "mineral_id", "unobtainium")
    rows = list(csv.DictReader(io.StringIO(bad.read_text(encoding="utf-8"), newline="")))
    keys = {**KEYS, "interventions": {i for r in rows for i in r["ledger_ids"].split("|") if i}}
    keys["countries"] = {r["host_iso3"] for r in rows}
    keys["minerals"] = {r["mineral_id"] for r in rows} - {"unobtainium"}
    failures = [str(f) for f in check(keys, {"projects": bad}) if f.table == "projects"]
    assert failures == [
        f"{bad}: row 2, column 'mineral_id': not found in minerals (got 'unobtainium')"
    ]
    # the same project twice, and a ledger row linked to two projects
    first = rows[0]
    dup = tmp_path / "dup.csv"
    text = bad.read_text(encoding="utf-8")
    dup.write_text(text + ",".join(f'"{first[c]}"' for c in first) + "\n", encoding="utf-8")
    _, failures = read(FILE_TABLES["projects"], dup)
    assert [f.column for f in failures] == ["project_id"]
    assert f"row {len(rows) + 2}" in str(failures[0]) and "duplicate key" in str(failures[0])
    shared = tmp_path / "shared.csv"
    _rewrite(src, shared, 3, "ledger_ids", first["ledger_ids"].split("|")[0])
    out = [str(f) for f in check(keys, {"projects": shared}) if f.table == "projects"]
    assert any("row 3, column 'ledger_ids': already in the row of" in f for f in out), out


def test_unknown_column_names_the_file_and_column(tmp_path: Path) -> None:
    src = FILE_TABLES["nds_inventory"].path
    bad = tmp_path / "nds_inventory.csv"
    text = src.read_text(encoding="utf-8")
    bad.write_text(text.replace("quantity_t", "quantity_kg", 1), encoding="utf-8")
    _, failures = read(FILE_TABLES["nds_inventory"], bad)
    assert [(f.row, f.column, f.message) for f in failures] == [
        ("1", "quantity_t", "missing column")
    ]


def test_data_validate_checks_the_files(tmp_path: Path, cli: Any) -> None:
    """`critmin data validate --strict --path DIR` reads DIR/projects.csv in place of the
    bundled register, and names the file, row, column and value of a bad cell."""
    from critmin.data.bundled import reference_dir

    folder = tmp_path / "ref"
    shutil.copytree(reference_dir(), folder)
    _rewrite(FILE_TABLES["projects"].path, folder / "projects.csv", 4, "host_iso3", "XXX")
    r = cli("data", "validate", "--strict", "--path", str(folder), "--json")
    assert r.code == 2
    (failure,) = r.json()["failures"]
    assert failure == {
        "table": "projects",
        "file": str(folder / "projects.csv"),
        "row": "4",
        "column": "host_iso3",
        "value": "XXX",
        "message": "not found in countries",
    }


def test_cli_prints_the_page_and_one_table(cli: Any) -> None:
    r = cli("data", "contract", "--markdown")
    assert r.code == 0 and r.out == data_contract_markdown()
    r = cli("data", "contract", "NDS_Inventory", "--json")
    assert r.code == 0
    assert [c["column"] for c in r.json()] == FILE_TABLES["nds_inventory"].columns
    assert r.json()[1] == {
        "table": "nds_inventory",
        "column": "quantity_t",
        "type": "number",
        "unit": "t",
        "empty": "yes",
        "values": "0 to 10^12",
        "description": column_docs.COLUMNS["nds_inventory"]["quantity_t"][1],
    }
    r = cli("data", "contract", "projets")
    assert r.code == 2 and r.err.count("\n") == 1
    assert "did you mean projects?" in r.err and "'projets'" in r.err
