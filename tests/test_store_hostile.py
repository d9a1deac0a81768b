"""Issue 26, "lose nothing under hostile input": parallel writers, a full disk, edited or
crafted backups, damaged stores, special characters in text, and unsafe output paths."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from critmin import ledger
from critmin.store import raw_connection, read_table

SRC = "usgs-critical-minerals-list-2025"


def _row(**kw: Any) -> dict[str, Any]:
    base = {
        "date": "2026-01-15",
        "actor_iso3": "USA",
        "agency": "DoD",
        "instrument": "equity",
        "amount": 100e6,
        "currency": "USD",
        "recipient": "Test Mining Co",
        "host_iso3": "USA",
        "mineral_ids": "gallium",
        "status": "committed",
        "source_id": SRC,
    }
    base.update(kw)
    return base


def _ids(path: Path) -> list[str]:
    with raw_connection(path, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM interventions").fetchall()]


# -- D1: parallel imports store each row once --------------------------------------------------


def test_parallel_ledger_imports_store_each_row_once(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.duckdb"
    shutil.copy(store, target)
    for i in range(5):
        ledger.add(_row(id=f"par-{i}", amount=1e6 * (i + 1)), store)
    csv_file = tmp_path / "ledger.csv"
    ledger.export_rows(csv_file, store)
    env = {**os.environ, "CRITMIN_DB": str(target), "CRITMIN_LOCK_TIMEOUT_S": "120"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "critmin", "ledger", "import", str(csv_file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    ids = _ids(target)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {f"par-{i}" for i in range(5)} <= set(ids)


def test_old_store_with_duplicate_ledger_rows_upgrades_without_loss(
    store: Path, tmp_path: Path
) -> None:
    from critmin.store import ensure_store

    ledger.add(_row(id="dup-a"), store)
    ledger.add(_row(id="dup-b"), store)
    before = read_table("interventions", store).height
    # a store written before interventions.id was a key, holding a row twice (parallel
    # imports) and, worse, one id with two contents
    with raw_connection(store) as con:
        con.execute("CREATE TABLE iv_old AS SELECT * FROM interventions")
        con.execute("DROP TABLE interventions")
        con.execute("ALTER TABLE iv_old RENAME TO interventions")
        con.execute("INSERT INTO interventions SELECT * FROM interventions WHERE id = 'dup-a'")
        con.execute(
            "INSERT INTO interventions SELECT * REPLACE ('Other Co' AS recipient) "
            "FROM interventions WHERE id = 'dup-b'"
        )
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'schema_version'")
    ensure_store(store)
    rows = read_table("interventions", store).to_dicts()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == before + 1
    assert {r["recipient"] for r in rows if r["id"].startswith("dup-b")} == {
        "Test Mining Co",
        "Other Co",
    }
    with pytest.raises(duckdb.ConstraintException), raw_connection(store) as con:
        con.execute("INSERT INTO interventions SELECT * FROM interventions WHERE id = 'dup-a'")


# -- D6: a full disk is named, exit 2, nothing half-written --------------------------------------


def _enospc(*_a: Any, **_k: Any) -> Any:
    raise OSError(28, "No space left on device")


def test_full_disk_during_ledger_add_is_named(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import critmin.store

    def full(con: Any, table: str, rows: list[dict[str, Any]]) -> int:
        # what DuckDB does on ENOSPC: the write fails and the transaction is aborted, so
        # a second ROLLBACK says "cannot rollback - no transaction is active"
        con.execute("ROLLBACK")
        raise duckdb.IOException('Could not write file "x.wal": No space left on device')

    before = _ids(store)
    monkeypatch.setattr(critmin.store, "_insert", full)
    spec = tmp_path / "row.yaml"
    spec.write_text(
        "date: 2026-02-01\nactor_iso3: USA\nagency: DOE\ninstrument: loan\namount: 5\n"
        f"currency: USD\nrecipient: X\nstatus: committed\nsource_id: {SRC}\n"
    )
    r = cli("ledger", "add", "--file", str(spec))
    assert r.code == 2, r.err
    assert "no space left on device" in r.err and r.err.count("\n") == 1
    assert "rollback" not in r.err
    assert _ids(store) == before
