"""The store: creation from the bundled data, round trips, transactions, locks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from critmin.backup import export_db, restore_db
from critmin.data.bundled import read_reference
from critmin.schema import TABLES
from critmin.store import db_info, ensure_store, raw_connection, read_table


def _snapshot(path: Path) -> dict[str, pl.DataFrame]:
    return {name: read_table(name, path) for name in TABLES}


def test_store_holds_every_bundled_row(store: Path) -> None:
    parsed = read_reference()
    assert not parsed.failures, parsed.failures[:3]
    counts = {t["table"]: t["rows"] for t in db_info(store)["tables"]}
    assert set(counts) == set(TABLES)
    for name, rows in parsed.rows.items():
        assert counts[name] == len(rows), name


def test_ensure_store_is_idempotent(store: Path) -> None:
    before = _snapshot(store)
    ensure_store(store)
    ensure_store(store)
    for name, frame in _snapshot(store).items():
        assert_frame_equal(frame, before[name])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_then_restore_gives_identical_tables(store: Path, tmp_path: Path, fmt: str) -> None:
    before = _snapshot(store)
    out = tmp_path / "export"
    export_db(out, fmt, store)  # type: ignore[arg-type]
    fresh = tmp_path / "fresh.duckdb"
    ensure_store(fresh)
    restore_db(out, fresh)
    after = _snapshot(fresh)
    for name in TABLES:
        assert_frame_equal(after[name], before[name], check_dtypes=True)


def test_reload_keeps_ledger_rows_a_user_added(store: Path) -> None:
    with raw_connection(store) as con:
        con.execute(
            "INSERT INTO interventions (id, date, actor_iso3, agency, instrument, recipient, "
            "mineral_ids, status, estimated, source_id, recorded_at) VALUES "
            "('user-1', DATE '2026-01-02', 'USA', 'DoD', 'grant', 'Test Co', [], 'announced', "
            "false, 'user', TIMESTAMP '2026-01-02 00:00:00')"
        )
        # pretend the package data changed: the next open reloads the reference tables
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'data_version'")
    ensure_store(store)
    ids = read_table("interventions", store)["id"].to_list()
    assert "user-1" in ids


def test_failed_load_leaves_previous_state(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import critmin.store as st

    before = _snapshot(store)
    with raw_connection(store) as con:
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'data_version'")
    calls = {"n": 0}
    real_insert = st.insert_rows

    def failing_insert(con, table, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real_insert(con, table, rows)

    monkeypatch.setattr(st, "insert_rows", failing_insert)
    with pytest.raises(OSError):
        ensure_store(store)
    monkeypatch.setattr(st, "insert_rows", real_insert)
    with raw_connection(store, read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key='data_version'").fetchall() == [
            ("old",)
        ]
    for name, frame in before.items():
        with raw_connection(store, read_only=True) as con:
            got = st.query(con, f'SELECT * FROM "{name}" ORDER BY ALL')
        assert_frame_equal(got, frame.sort(frame.columns), check_row_order=False), name


def test_second_process_gets_one_line_busy_error(store: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(store)!r})
                print("held", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        env = {**os.environ, "CRITMIN_DB": str(store), "CRITMIN_LOCK_TIMEOUT_S": "0.3"}
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "critmin", "db", "info", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert "store busy" in lines[0] and str(store) in lines[0]
        assert f"process {holder.pid}" in lines[0]
        assert "Traceback" not in proc.stderr
        assert time.monotonic() - t0 < 30
    finally:
        holder.kill()
        holder.wait()


def test_settings_memo_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_settings is memoised on the variables: a change must still be seen at once."""
    from critmin.errors import InputError
    from critmin.settings import get_settings

    monkeypatch.setenv("CRITMIN_DB", str(tmp_path / "a.duckdb"))
    assert get_settings().db == tmp_path / "a.duckdb"
    monkeypatch.setenv("CRITMIN_DB", str(tmp_path / "b.duckdb"))
    assert get_settings().db == tmp_path / "b.duckdb"
    monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", "abc")
    with pytest.raises(InputError, match="CRITMIN_LOCK_TIMEOUT_S"):
        get_settings()
    monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.25")
    assert get_settings().lock_timeout_s == 0.25
    monkeypatch.delenv("CRITMIN_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert get_settings().db == tmp_path / "xdg" / "critmin" / "critmin.duckdb"


def test_data_version_sees_an_edited_added_or_removed_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint is memoised on the files' stats; every kind of change must show."""
    import shutil

    from critmin.data import bundled
    from critmin.data.bundled import _hash_files, data_version, reference_dir

    root = tmp_path / "reference"
    shutil.copytree(reference_dir(), root)
    monkeypatch.setattr(bundled, "RECHECK_S", 0.0)

    def full_hash() -> str:  # the definition, without any memo
        return _hash_files(
            [(f.relative_to(root).as_posix(), f) for f in sorted(root.rglob("*.csv"))]
        )

    seen = {data_version(root)}
    assert data_version(root) == full_hash() == data_version(reference_dir())  # a copy
    csv = sorted((root / "minerals").glob("*.csv"))[0]
    csv.write_text(csv.read_text() + "\n", encoding="utf-8")
    os.utime(csv, ns=(time.time_ns(), time.time_ns() + 10**9))  # a coarse clock still moves
    seen.add(data_version(root))
    assert data_version(root) == full_hash()
    (root / "minerals" / "extra.csv").write_text("mineral_id\n", encoding="utf-8")
    seen.add(data_version(root))
    assert data_version(root) == full_hash()
    (root / "minerals" / "extra.csv").unlink()
    csv.rename(root / "minerals" / "zz_renamed.csv")
    seen.add(data_version(root))
    assert data_version(root) == full_hash()
    assert len(seen) == 4


def test_data_version_covers_the_file_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled fingerprint covers the project register and the stockpile inventory
    (critmin.file_tables): an edit of either is a new data version, so the store reloads."""
    import dataclasses
    import shutil

    from critmin import file_tables
    from critmin.data import bundled
    from critmin.data.bundled import _hash_files, data_version, reference_dir

    monkeypatch.setattr(bundled, "RECHECK_S", 0.0)
    ref = [
        (f.relative_to(reference_dir()).as_posix(), f)
        for f in sorted(reference_dir().rglob("*.csv"))
    ]
    tables = file_tables.FILE_TABLES
    extra = [(f"file_tables/{t.name}.csv", t.path) for t in tables.values()]
    assert data_version() == _hash_files(ref + extra) != _hash_files(ref)
    seen = {data_version()}
    for name in tables:
        copy = tmp_path / f"{name}.csv"
        shutil.copy(tables[name].path, copy)
        moved = {**file_tables.FILE_TABLES, name: dataclasses.replace(tables[name], file=str(copy))}
        monkeypatch.setattr(file_tables, "FILE_TABLES", moved)
        assert data_version() in seen  # same bytes, same version
        copy.write_text(copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        seen.add(data_version())
    assert len(seen) == 3
