"""The command line: JSON outputs parse, bad input is one line and exit 2, nothing half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from critmin.schema import TABLES


def test_help_lists_commands(cli: Any) -> None:
    r = cli("--help")
    assert r.code == 0
    for cmd in ("db", "data", "minerals", "sources"):
        assert cmd in r.out


@pytest.mark.parametrize(
    "argv",
    [
        ("db", "info", "--json"),
        ("minerals", "--json"),
        ("sources", "--json"),
        ("data", "validate", "--json"),
    ],
)
def test_json_outputs_parse(store: Path, cli: Any, argv: tuple[str, ...]) -> None:
    r = cli(*argv)
    assert r.code in (0, 2), r.err  # validate exits 2 when a rule fails, still printing JSON
    assert r.json() is not None


def test_db_info_names_path_version_and_every_table(store: Path, cli: Any) -> None:
    info = cli("db", "info", "--json").json()
    assert info["db_path"] == str(store)
    assert len(info["data_version"]) == 12
    assert {t["table"] for t in info["tables"]} == set(TABLES)


def test_unknown_option_is_one_line_exit_2(store: Path, cli: Any) -> None:
    r = cli("minerals", "--bogus")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "--bogus" in r.err


def test_bad_export_format_names_field(store: Path, cli: Any, tmp_path: Path) -> None:
    r = cli("db", "export", "--format", "xml", "--out", str(tmp_path))
    assert r.code == 2
    assert "--format" in r.err and "xml" in r.err


def _bad_production_csv(tmp_path: Path) -> Path:
    cols = TABLES["production"].columns
    good = {
        "mineral_id": "cobalt",
        "stage": "mine",
        "product": "test series",
        "headline": "false",
        "iso3": "COD",
        "year": "2024",
        "value": "1000",
        "unit": "t",
        "basis": "contained",
        "estimated": "true",
        "flag": "",
        "note": "",
        "source_id": "usgs-mcs2025-world",
        "edition": "usgs-mcs-2025",
    }
    bad = {**good, "iso3": "AUS", "value": "12x"}
    path = tmp_path / "bad.csv"
    lines = [",".join(cols), ",".join(good[c] for c in cols), ",".join(bad[c] for c in cols)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_corrupt_csv_row_exit_2_names_file_line_column_db_untouched(
    store: Path, cli: Any, tmp_path: Path
) -> None:
    before = tmp_path / "before"
    assert cli("db", "export", "--format", "csv", "--out", str(before)).code == 0
    bad = _bad_production_csv(tmp_path)
    r = cli("data", "import", "production", str(bad))
    assert r.code == 2
    line = r.err.strip()
    assert "\n" not in line
    assert str(bad) in line and "line 3" in line and "'value'" in line and "12x" in line
    after = tmp_path / "after"
    assert cli("db", "export", "--format", "csv", "--out", str(after)).code == 0
    for name in TABLES:
        assert (before / f"{name}.csv").read_bytes() == (after / f"{name}.csv").read_bytes(), name


def test_validate_catches_planted_bad_row(tmp_path: Path, cli: Any) -> None:
    import shutil

    from critmin.data.bundled import reference_dir

    copy = tmp_path / "reference"
    shutil.copytree(reference_dir(), copy)
    cols = TABLES["production"].columns
    row = {
        "mineral_id": "unobtainium",
        "stage": "mine",
        "product": "planted",
        "headline": "true",
        "iso3": "USA",
        "year": "2024",
        "value": "5",
        "unit": "t",
        "basis": "contained",
        "estimated": "false",
        "flag": "",
        "note": "",
        "source_id": "usgs-mcs2025-world",
        "edition": "usgs-mcs-2025",
    }
    (copy / "production").mkdir(exist_ok=True)
    (copy / "production" / "zz_planted.csv").write_text(
        ",".join(cols) + "\n" + ",".join(row[c] for c in cols) + "\n"
    )
    r = cli("data", "validate", "--path", str(copy), "--json")
    assert r.code == 2, r.err
    failures = r.json()["failures"]
    assert any(
        f["table"] == "production" and f["column"] == "mineral_id" and f["value"] == "unobtainium"
        for f in failures
    )
