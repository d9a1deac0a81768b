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

from critmin import ledger, ledger_writes
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
        "verification": "press",
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
    monkeypatch.setattr(critmin.store, "insert_rows", full)
    spec = tmp_path / "row.yaml"
    spec.write_text(
        "date: 2026-02-01\nactor_iso3: USA\nagency: DOE\ninstrument: loan\namount: 5\n"
        f"currency: USD\nrecipient: X\nstatus: committed\nsource_id: {SRC}\nverification: press\n"
    )
    r = cli("ledger", "add", "--file", str(spec))
    assert r.code == 2, r.err
    assert "no space left on device" in r.err and r.err.count("\n") == 1
    assert "rollback" not in r.err
    assert _ids(store) == before


# -- D2: a restore never changes a stored ledger row ----------------------------------------------


def test_restore_refuses_backup_with_edited_ledger_row(
    store: Path, tmp_path: Path, cli: Any
) -> None:
    ledger.add(_row(id="edit-me", amount=5e6, recipient="Honest Co"), store)
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    with duckdb.connect(str(bk)) as con:
        con.execute(
            "UPDATE interventions SET amount = 9e9, amount_usd = 9e9, recipient = 'Mallory' "
            "WHERE id = 'edit-me'"
        )
    before = read_table("interventions", store)
    r = cli("db", "restore", str(bk))
    assert r.code == 2 and r.err.count("\n") == 1, r.err
    assert "edit-me" in r.err
    after = read_table("interventions", store)
    assert after.equals(before)
    assert cli("db", "check").code == 0


def test_restore_refuses_export_with_edited_ledger_row(
    store: Path, tmp_path: Path, cli: Any
) -> None:
    ledger.add(_row(id="edit-me", amount=5e6, recipient="Honest Co"), store)
    out = tmp_path / "exp"
    assert cli("db", "export", "--format", "csv", "--out", str(out)).code == 0
    f = out / "interventions.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("Honest Co", "Mallory"), encoding="utf-8")
    r = cli("db", "restore", str(out))
    assert r.code == 2 and "edit-me" in r.err and "recipient" in r.err, r.err
    assert read_table("interventions", store).filter(recipient="Honest Co").height == 1


def test_csv_export_restore_keeps_newlines_in_text(store: Path, tmp_path: Path, cli: Any) -> None:
    ledger.add(_row(id="nl", recipient="Line one\nLine two", note="a\n\nb"), store)
    out = tmp_path / "exp"
    assert cli("db", "export", "--format", "csv", "--out", str(out)).code == 0
    r = cli("db", "restore", str(out))
    assert r.code == 0, r.err
    row = read_table("interventions", store).filter(id="nl").to_dicts()[0]
    assert (row["recipient"], row["note"]) == ("Line one\nLine two", "a\n\nb")


# -- D3: text with line separators round-trips through both CSV exports ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ALPHABET = "ab Z,;\"'\n\t\u2028\u2029\u00e9\U0001f600\U00010348|="
TEXTS = st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=1, max_size=6)


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=TEXTS)
def test_text_round_trips_through_ledger_and_db_csv(
    texts: list[str], store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from critmin.backup import export_db, restore_db

    work = tmp_path_factory.mktemp("rt")
    src = work / "src.duckdb"
    shutil.copy(store, src)
    want = {}
    for i, t in enumerate(texts):
        text = f"x{t}y"  # a cell is never empty, and edges are not trimmed
        want[f"rt-{i}"] = text
        ledger.add(_row(id=f"rt-{i}", recipient=text, note=text, stage=text), src)
    csv_file = work / "ledger.csv"
    ledger.export_rows(csv_file, src)
    fresh = work / "fresh.duckdb"
    shutil.copy(store, fresh)
    assert ledger.import_rows(csv_file, fresh)["added"] == len(texts)
    export_db(work / "exp", "csv", src)
    again = work / "again.duckdb"
    shutil.copy(store, again)
    restore_db(work / "exp", again)
    for target in (fresh, again):
        rows = {r["id"]: r for r in read_table("interventions", target).to_dicts()}
        for rid, text in want.items():
            assert (rows[rid]["recipient"], rows[rid]["note"], rows[rid]["stage"]) == (
                text,
                text,
                text,
            )


def test_export_quotes_characters_of_older_stores(store: Path, tmp_path: Path) -> None:
    """Stores written before the entry policy may hold \\r, \\x1c, U+0085: an export keeps
    them inside quoted cells that the csv module reads back exactly."""
    import csv
    import io

    from critmin.backup import export_db

    odd = "a\rb\x1cc\x85d\r\ne\u2028f"
    ledger.add(_row(id="odd"), store)
    with raw_connection(store) as con:
        con.execute("UPDATE interventions SET recipient = ? WHERE id = 'odd'", [odd])
    ledger.export_rows(tmp_path / "l.csv", store)
    export_db(tmp_path / "exp", "csv", store)
    for f in (tmp_path / "l.csv", tmp_path / "exp" / "interventions.csv"):
        rows = list(csv.reader(io.StringIO(f.read_bytes().decode("utf-8"), newline="")))
        col = rows[0].index("recipient")
        assert odd in [r[col] for r in rows[1:]]


# -- D6: outputs are atomic; a full disk leaves nothing behind ------------------------------------


def _leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if name in p.name)


def test_backup_on_full_disk_leaves_no_file_and_no_wal(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import critmin.backup

    monkeypatch.setattr(critmin.backup, "fsync_file", _enospc)
    out = tmp_path / "bk.duckdb"
    r = cli("db", "backup", "--out", str(out))
    assert r.code == 2 and "no space left on device" in r.err and r.err.count("\n") == 1
    assert _leftovers(tmp_path, "bk.duckdb") == []


def test_export_on_full_disk_leaves_no_partial_folder(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import critmin.backup

    real = critmin.backup._write_table
    calls = []

    def third_fails(target: Path, frame: Any, fmt: str) -> None:
        calls.append(target)
        if len(calls) == 3:
            target.write_bytes(b"half")
            _enospc()
        real(target, frame, fmt)

    monkeypatch.setattr(critmin.backup, "_write_table", third_fails)
    r = cli("db", "export", "--format", "csv", "--out", str(tmp_path / "exp"))
    assert r.code == 2 and "no space left on device" in r.err, r.err
    assert _leftovers(tmp_path, "exp") == []


def test_ledger_export_on_full_disk_keeps_the_old_file(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "l.csv"
    out.write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _enospc)
    r = cli("ledger", "export", "--out", str(out), "--force")
    assert r.code == 2 and "no space left on device" in r.err
    assert out.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path, "l.csv") == ["l.csv"]


# -- D7: --out goes to a new path or, with --force, over a regular file ---------------------------


def _specials(tmp_path: Path) -> dict[str, Path]:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"symlink": link, "fifo": fifo, "device": Path("/dev/null"), "folder": folder}


OUT_COMMANDS = {
    "ledger export": ["ledger", "export"],
    "db backup": ["db", "backup"],
    "db export": ["db", "export"],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_out_refuses_symlinks_fifos_devices(
    store: Path, tmp_path: Path, cli: Any, command: str
) -> None:
    for kind, target in _specials(tmp_path).items():
        if command == "db export" and kind == "folder":
            continue  # an export's --out is a folder (see the --force test)
        for extra in ([], ["--force"]):
            r = cli(*OUT_COMMANDS[command], "--out", str(target), *extra)
            assert r.code == 2 and r.err.count("\n") == 1, (kind, r.err)
            assert "--out" in r.err, (kind, r.err)
    assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep"
    assert (tmp_path / "fifo").is_fifo() and (tmp_path / "link").is_symlink()
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_out_needs_force_to_replace(store: Path, tmp_path: Path, cli: Any, command: str) -> None:
    target = tmp_path / "out"
    assert cli(*OUT_COMMANDS[command], "--out", str(target)).code == 0
    r = cli(*OUT_COMMANDS[command], "--out", str(target))
    assert r.code == 2 and "--force" in r.err and r.err.count("\n") == 1, r.err
    r = cli(*OUT_COMMANDS[command], "--out", str(target), "--force")
    assert r.code == 0, r.err


def test_brief_out_refuses_specials_and_needs_force(store: Path, tmp_path: Path, cli: Any) -> None:
    for kind, target in _specials(tmp_path).items():
        r = cli("brief", "--out", str(target), "--force")
        assert r.code == 2 and "--out" in r.err and r.err.count("\n") == 1, (kind, r.err)
    existing = tmp_path / "brief.html"
    existing.write_text("mine", encoding="utf-8")
    r = cli("brief", "--out", str(existing))
    assert r.code == 2 and "pass --force to replace it" in r.err
    assert existing.read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep"
    assert Path("/dev/null").is_char_device()


def test_sweep_out_refuses_specials_and_foreign_files(
    store: Path, tmp_path: Path, cli: Any
) -> None:
    import json

    spec = tmp_path / "s.yaml"
    spec.write_text(
        json.dumps(
            {
                "name": "t",
                "engine": "floor",
                "base": {
                    "preset": "mp-ndpr",
                    "contract": {"term_years": 2, "volume_tpy": [4000, 5000]},
                },
                "axes": {"contract.floor": [100, 110]},
                "draws": 200,
                "seed": 1,
            }
        ),
        encoding="utf-8",
    )
    for kind, target in _specials(tmp_path).items():
        r = cli("sweep", str(spec), "--workers", "1", "--out", str(target), "--force")
        assert r.code == 2 and "--out" in r.err and r.err.count("\n") == 1, (kind, r.err)
    foreign = tmp_path / "victim.txt"
    r = cli("sweep", str(spec), "--workers", "1", "--out", str(foreign))
    assert r.code == 2 and "--force" in r.err, r.err
    assert foreign.read_text(encoding="utf-8") == "keep"


# -- D8: a backup's views are refused, never run ---------------------------------------------------


def test_restore_refuses_backup_with_a_view_over_files(
    store: Path, tmp_path: Path, cli: Any
) -> None:
    from critmin.db_check import check_db

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    with duckdb.connect(str(bk)) as con:
        con.execute("CREATE TABLE src_copy AS SELECT * FROM sources")
        con.execute("DROP TABLE sources")
        con.execute(
            "CREATE VIEW sources AS SELECT s.* REPLACE (h.content AS note) "
            f"FROM src_copy s, read_text('{secret}') h"
        )
    assert not check_db(bk)["ok"]
    r = cli("db", "restore", str(bk))
    assert r.code == 2 and "view" in r.err and r.err.count("\n") == 1, r.err
    notes = read_table("sources", store)["note"].to_list()
    assert not any("TOPSECRET" in (n or "") for n in notes)


def test_restore_refuses_backup_with_an_extra_view(store: Path, tmp_path: Path, cli: Any) -> None:
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    with duckdb.connect(str(bk)) as con:
        con.execute("CREATE VIEW leak AS SELECT * FROM read_text('/etc/hostname')")
    r = cli("db", "restore", str(bk))
    assert r.code == 2 and "view" in r.err, r.err


# -- D14: restore onto a damaged store file --------------------------------------------------------


@pytest.mark.parametrize("damage", ["block", "truncate"])
def test_restore_onto_a_damaged_store(store: Path, tmp_path: Path, cli: Any, damage: str) -> None:
    from critmin.store import _VERIFIED, _stamp

    ledger.add(_row(id="keep-me"), store)
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    before = read_table("interventions", store)
    stamp = _stamp(store)
    data = bytearray(store.read_bytes())
    if damage == "block":
        mid = len(data) // 2
        data[mid : mid + 256 * 1024] = os.urandom(min(256 * 1024, len(data) - mid))
    else:
        data = data[: len(data) // 2]
    store.write_bytes(bytes(data))
    _VERIFIED.clear()
    r = cli("db", "restore", str(bk))
    assert r.code == 0, r.err
    assert cli("db", "check").code == 0
    assert read_table("interventions", store).equals(before)
    assert _stamp(store) != stamp
    assert _leftovers(tmp_path, "critmin.duckdb") == ["critmin.duckdb"]


def test_restore_keeps_the_stores_other_tables(store: Path, tmp_path: Path, cli: Any) -> None:
    """A restore replaces the data tables; the sweep results beside them stay."""
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    with raw_connection(store) as con:
        con.execute("CREATE TABLE sweep_like (k VARCHAR PRIMARY KEY, v DOUBLE)")
        con.execute("INSERT INTO sweep_like VALUES ('a', 1.5), ('b', NULL)")
    assert cli("db", "restore", str(bk)).code == 0
    with raw_connection(store) as con:
        assert con.execute("SELECT * FROM sweep_like ORDER BY k").fetchall() == [
            ("a", 1.5),
            ("b", None),
        ]
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO sweep_like VALUES ('a', 2)")


# -- D13: data import is linear: bulk delete of replaced keys, bulk insert -------------------------


def _production_csv(f: Path, n: int, minerals: list[str]) -> None:
    import csv

    from critmin.schema import TABLES

    cols = TABLES["production"].columns
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for i in range(n):
            row = dict.fromkeys(cols, "")
            row.update(
                mineral_id=minerals[i % len(minerals)],
                stage="mine",
                product=f"bench {i // (len(minerals) * 201)}",
                headline="false",
                iso3="USA",
                year=1900 + (i // len(minerals)) % 201,
                value=i,
                unit="t",
                basis="gross",
                estimated="false",
                source_id=SRC,
                edition="usgs-mcs-2025",
            )
            w.writerow([row[c] for c in cols])


class _CountingConnection:
    """A DuckDB connection that counts the statements sent through it."""

    def __init__(self, con: Any, seen: list[str]) -> None:
        self._con, self._seen = con, seen

    def execute(self, sql: str, *args: Any) -> Any:
        self._seen.append(sql)
        return self._con.execute(sql, *args)

    def executemany(self, sql: str, rows: Any) -> Any:
        self._seen.extend([sql] * len(rows))  # one statement per row, as DuckDB runs it
        return self._con.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_data_import_statements_do_not_grow_with_rows_and_keys_are_replaced(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write lock is held for a fixed number of statements whatever the row count (the
    old path sent a DELETE per row: 12.5 s for 20k rows). Timings: benchmarks/bench_import.py."""
    import contextlib

    import critmin.store as store_mod

    minerals = read_table("minerals", store)["mineral_id"].to_list()
    seen: list[str] = []
    real = store_mod.raw_connection

    @contextlib.contextmanager
    def counting(*args: Any, **kwargs: Any) -> Any:
        with real(*args, **kwargs) as con:
            yield _CountingConnection(con, seen)

    monkeypatch.setattr(store_mod, "raw_connection", counting)
    statements = {}
    before = read_table("production", store).height
    for n in (10, 20_000):
        f = tmp_path / f"prod{n}.csv"
        _production_csv(f, n, minerals)
        seen.clear()
        assert cli("data", "import", "production", str(f)).code == 0
        # the statements inside the write transaction (ensure_store's checks are memoised)
        statements[n] = len(seen) - seen.index("BEGIN TRANSACTION")
    assert statements[10] == statements[20_000] < 50, statements
    # again: every key replaced, none added (the 10 rows are the first 10 of the 20k)
    assert cli("data", "import", "production", str(tmp_path / "prod20000.csv")).code == 0
    assert read_table("production", store).height == before + 20_000


def test_a_second_copy_of_an_id_is_one_input_error(store: Path) -> None:
    """The key is the last guard (the checks run first, inside the same transaction)."""
    from critmin.errors import InputError
    from critmin.store import transaction

    row = ledger.add(_row(id="once"), store)
    with pytest.raises(InputError, match="once"), raw_connection(store) as con, transaction(con):
        ledger_writes._append(con, [row])
    assert _ids(store).count("once") == 1


def test_restore_through_a_symlinked_store_keeps_the_link(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bk = tmp_path / "bk.duckdb"
    assert cli("db", "backup", "--out", str(bk)).code == 0
    store.chmod(0o640)
    link = tmp_path / "link.duckdb"
    link.symlink_to(store)
    monkeypatch.setenv("CRITMIN_DB", str(link))
    assert cli("db", "restore", str(bk)).code == 0
    assert link.is_symlink() and link.resolve() == store.resolve()
    assert (store.stat().st_mode & 0o777) == 0o640
    assert cli("db", "check").code == 0


def test_export_force_into_a_folder_with_a_symlinked_table_file_changes_nothing(
    store: Path, tmp_path: Path, cli: Any
) -> None:
    out = tmp_path / "exp"
    assert cli("db", "export", "--format", "csv", "--out", str(out)).code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    (out / "interventions.csv").unlink()
    (out / "interventions.csv").symlink_to(victim)
    first = (out / "sources.csv").stat().st_ino
    r = cli("db", "export", "--format", "csv", "--out", str(out), "--force")
    assert r.code == 2 and "symlink" in r.err, r.err
    assert (out / "sources.csv").stat().st_ino == first  # no table file was replaced
    assert victim.read_text(encoding="utf-8") == "keep"
