"""Text in the tables (issue 26, D4, D11, D15): lengths and control characters are refused the
same way by the CLI, the HTTP API and every import; stored text never drives the terminal;
recorded_at cannot be back-dated."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from critmin.columns import MAX_NOTE, MAX_TEXT
from critmin.store import raw_connection, read_table

SRC = "usgs-critical-minerals-list-2025"
ROW = {
    "date": "2026-01-15",
    "actor_iso3": "USA",
    "agency": "DoD",
    "instrument": "equity",
    "amount": 1000000,
    "currency": "USD",
    "recipient": "Test Co",
    "host_iso3": "USA",
    "mineral_ids": ["gallium"],
    "status": "committed",
    "source_id": SRC,
    "verification": "press",
}


def _add(cli: Callable[..., Any], tmp_path: Path, extra: dict[str, str]) -> Any:
    import json

    # JSON is YAML (double-quoted strings): every character arrives as written
    f = tmp_path / "row.yaml"
    f.write_text(json.dumps({**ROW, **extra}), encoding="utf-8")
    return cli("ledger", "add", "--file", str(f), "--json")


def _one_line(r: Any, field: str) -> str:
    assert r.code == 2, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and f"'{field}'" in lines[0], r.err
    assert len(lines[0]) < 400, lines[0]
    return lines[0]


@pytest.mark.parametrize("ch", ["\r", "\x1b", "\x1c", "\x85", "\x00", "\x7f", "\x0b"])
# agency is an agency id now (resolved against the agencies table); stage is free text
@pytest.mark.parametrize("field", ["note", "recipient", "stage"])
def test_control_characters_are_refused_naming_the_field(
    cli: Callable[..., Any], store: Path, tmp_path: Path, ch: str, field: str
) -> None:
    before = read_table("interventions", store)
    r = _add(cli, tmp_path, {field: f"x{ch}y"})
    line = _one_line(r, field)
    assert f"U+{ord(ch):04X}" in line
    assert read_table("interventions", store).equals(before)


def test_a_trailing_control_character_is_refused_not_stripped(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    _one_line(_add(cli, tmp_path, {"note": "x\x1c"}), "note")


def test_line_feed_tab_and_line_separators_are_kept(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    note = "a\nb\tc\u2028d\u2029e"
    r = _add(cli, tmp_path, {"note": note})
    assert r.code == 0, r.err
    assert r.json()["note"] == note


@pytest.mark.parametrize(
    ("field", "limit"), [("note", MAX_NOTE), ("recipient", MAX_TEXT), ("stage", MAX_TEXT)]
)
def test_text_longer_than_its_limit_is_refused(
    cli: Callable[..., Any], store: Path, tmp_path: Path, field: str, limit: int
) -> None:
    assert _add(cli, tmp_path, {field: "x" * limit}).code == 0
    line = _one_line(_add(cli, tmp_path, {field: "y" * (limit + 1)}), field)
    assert f"at most {limit} characters" in line


def test_the_api_applies_the_same_text_rules(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    token = "test-token-0123456789"
    monkeypatch.setenv("CRITMIN_API_TOKEN", token)
    body = {
        "date": "2026-01-15",
        "actor_iso3": "USA",
        "agency": "DoD",
        "instrument": "equity",
        "amount": 1e6,
        "currency": "USD",
        "recipient": "Test Co",
        "mineral_ids": ["gallium"],
        "status": "committed",
        "source_id": SRC,
        "verification": "press",
    }
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app()) as c:
        for field, value in [
            ("note", "x\x1b[31m"),
            ("recipient", "a\rb"),
            ("note", "n" * (MAX_NOTE + 1)),
            ("agency", "a" * (MAX_TEXT + 1)),
        ]:
            r = c.post("/api/v1/ledger", json={**body, field: value}, headers=auth)
            assert r.status_code == 422, r.text
            assert r.json()["field"] == field, r.text
        r = c.post("/api/v1/ledger", json={**body, "recorded_at": "2020-01-01"}, headers=auth)
        assert r.status_code == 422
        ok = c.post("/api/v1/ledger", json={**body, "note": "n" * MAX_NOTE}, headers=auth)
        assert ok.status_code in (200, 201), ok.text


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def test_an_over_long_cell_in_data_import_is_one_line_naming_the_column(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    from critmin.schema import TABLES

    cols = TABLES["production"].columns
    good = dict(
        mineral_id="cobalt",
        stage="mine",
        product="cobalt",
        headline="true",
        iso3="COD",
        year="2024",
        value="1000",
        unit="t",
        basis="contained",
        estimated="false",
        flag="",
        note="",
        source_id="usgs-mcs2025-world",
        edition="usgs-mcs-2025",
    )
    f = tmp_path / "p.csv"
    f.write_text(_csv(cols, [[{**good, "note": "x" * 200_000}[c] for c in cols]]), "utf-8")
    before = read_table("production", store)
    line = _one_line(cli("data", "import", "production", str(f)), "note")
    assert "200,000 characters" in line
    assert read_table("production", store).equals(before)


def test_an_over_long_cell_in_projects_is_one_line(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    from critmin.sim.pipeline import DATA

    rows = list(csv.reader(io.StringIO((DATA / "projects.csv").read_text("utf-8"), newline="")))
    i = rows[0].index("note")
    rows[1][i] = "z" * 200_000
    f = tmp_path / "projects.csv"
    f.write_text(_csv(rows[0], rows[1:]), "utf-8")
    _one_line(cli("pipeline", "projects", "--projects", str(f)), "note")


def test_a_ledger_export_with_the_longest_allowed_note_imports_again(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    r = _add(cli, tmp_path, {"note": "é\n" * (MAX_NOTE // 2), "recipient": "[bold]x"})
    assert r.code == 0, r.err
    out = tmp_path / "ledger.csv"
    assert cli("ledger", "export", "--out", str(out)).code == 0
    r = cli("ledger", "import", str(out), "--json")
    assert r.code == 0, r.err
    assert r.json()["added"] == 0


def test_an_over_long_cell_in_ledger_import_is_one_line(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ledger.csv"
    assert cli("ledger", "export", "--out", str(out)).code == 0
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"), newline="")))
    rows[1][rows[0].index("note")] = "q" * 150_000
    rows[1][rows[0].index("id")] = "long-note-1"
    out.write_text(_csv(rows[0], rows[1:2]), "utf-8")
    _one_line(cli("ledger", "import", str(out)), "note")


def test_ledger_list_prints_stored_text_literally(
    cli: Callable[..., Any], store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert _add(cli, tmp_path, {"recipient": "[bold]x[/bold]", "id": "lit-1"}).code == 0
    # a row stored before the control-character rule: shown escaped, never sent raw
    with raw_connection(store) as con:
        con.execute("UPDATE interventions SET agency = 'A\x1b[2Jgency' WHERE id = 'lit-1'")
    r = cli("ledger", "list", "--history", "--wide")
    assert r.code == 0, r.err
    assert "[bold]x[/bold]" in r.out
    assert "\x1b" not in r.out and "\\x1b[2J" in r.out


def test_recorded_at_cannot_be_given(cli: Callable[..., Any], store: Path, tmp_path: Path) -> None:
    before = read_table("interventions", store)
    line = _one_line(_add(cli, tmp_path, {"recorded_at": "2001-01-01T00:00:00"}), "recorded_at")
    assert "set by critmin" in line
    assert read_table("interventions", store).equals(before)


def test_an_over_long_cell_in_a_restore_is_one_line_and_keeps_the_store(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    r = cli("db", "export", "--out", str(out), "--format", "csv")
    assert r.code == 0, r.err
    f = out / "interventions.csv"
    rows = list(csv.reader(io.StringIO(f.read_text("utf-8"), newline="")))
    rows[1][rows[0].index("note")] = "w" * 300_000
    f.write_text(_csv(rows[0], rows[1:]), "utf-8")
    before = read_table("interventions", store)
    line = _one_line(cli("db", "restore", str(out)), "note")
    assert "300,000 characters" in line
    assert read_table("interventions", store).equals(before)


def test_a_bad_cell_after_a_multi_line_note_names_its_own_line(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ledger.csv"
    assert cli("ledger", "export", "--out", str(out)).code == 0
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"), newline="")))
    head, first, second = rows[0], rows[1], list(rows[2])
    first[head.index("note")] = "one\ntwo\nthree"
    second[head.index("note")] = "bad\x1bnote"
    second[head.index("id")] = "bad-1"
    out.write_text(_csv(head, [first, second]), "utf-8")
    line = _one_line(cli("ledger", "import", str(out)), "note")
    assert "line 5," in line  # header 1, first row 2-4, second row 5


def test_the_control_pattern_is_unicode_category_cc_but_lf_and_tab() -> None:
    import sys
    import unicodedata

    from critmin.columns import CONTROLS

    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        expected = unicodedata.category(ch) == "Cc" and ch not in "\n\t"
        assert bool(CONTROLS.fullmatch(ch)) == expected, hex(cp)


def test_data_validate_reports_an_over_long_cell_without_repeating_it(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    import shutil

    from critmin.data.bundled import reference_dir

    folder = tmp_path / "ref"
    shutil.copytree(reference_dir(), folder)
    f = folder / "sources" / "usgs.csv"
    rows = list(csv.reader(io.StringIO(f.read_text("utf-8-sig"), newline="")))
    rows[1][rows[0].index("note")] = "v" * 500_000
    f.write_text(_csv(rows[0], rows[1:]), "utf-8")
    r = cli("data", "validate", "--path", str(folder), "--json")
    assert r.code == 2, r.err
    (failure,) = [x for x in r.json()["failures"] if x["column"] == "note"]
    assert failure["value"].endswith("(500,000 characters)") and len(failure["value"]) < 300
