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
    real_insert = st._insert

    def failing_insert(con, table, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real_insert(con, table, rows)

    monkeypatch.setattr(st, "_insert", failing_insert)
    with pytest.raises(OSError):
        ensure_store(store)
    monkeypatch.setattr(st, "_insert", real_insert)
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
