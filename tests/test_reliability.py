"""Faults: backup and restore round trip, corrupt or truncated stores, a writer killed with
SIGKILL mid-write, and no network use by the main commands."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from critmin.backup import restore_backup
from critmin.db_check import check_db
from critmin.schema import TABLES
from critmin.store import read_table


def _snapshot(path: Path) -> dict[str, Any]:
    return {name: read_table(name, path) for name in TABLES}


def test_backup_then_restore_round_trips_exactly(store: Path, tmp_path: Path, cli: Any) -> None:
    before = _snapshot(store)
    bk = tmp_path / "backup.duckdb"
    r = cli("db", "backup", "--out", str(bk), "--json")
    assert r.code == 0, r.err
    assert r.json()["tables"]["interventions"] == before["interventions"].height
    # change the store, then restore the backup over it
    from critmin import ledger

    added = ledger.add(
        {
            "date": "2026-01-01",
            "actor_iso3": "USA",
            "agency": "DOE",
            "instrument": "grant",
            "amount": 1.0,
            "currency": "USD",
            "recipient": "X",
            "status": "committed",
            "source_id": "usgs-critical-minerals-list-2025",
            "verification": "press",
        },
        store,
    )
    r = cli("db", "restore", str(bk))
    assert r.code == 2 and "ledger" in r.err  # the backup lacks a row the store holds
    # a fresh store takes the backup and then equals the original
    fresh = tmp_path / "fresh.duckdb"
    restore_backup(bk, fresh)
    after = _snapshot(fresh)
    for name in TABLES:
        assert_frame_equal(after[name], before[name]), name
    assert added["id"] not in after["interventions"]["id"].to_list()


def test_backup_refuses_existing_out(store: Path, tmp_path: Path, cli: Any) -> None:
    target = tmp_path / "x.duckdb"
    target.write_bytes(b"keep me")
    r = cli("db", "backup", "--out", str(target))
    assert r.code == 2 and "exists" in r.err
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_store_is_detected_with_a_clear_message(
    store: Path, tmp_path: Path, damage: str, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.duckdb"
    data = store.read_bytes()
    bad.write_bytes(
        {"garbage": os.urandom(8192), "truncated": data[: len(data) // 3], "empty": b""}[damage]
    )
    monkeypatch.setenv("CRITMIN_DB", str(bad))
    res = check_db(bad)
    assert not res["ok"] and res["problems"]
    r = cli("db", "check")
    assert r.code == 2 and "Traceback" not in r.err
    r = cli("minerals", "--json")
    assert r.code == 2
    assert r.err.count("\n") == 1 and str(bad) in r.err


def _reads_whole(path: Path) -> bool:
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            names = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            for (name,) in names:
                con.execute(f'SELECT * FROM "{name}"').fetchall()
    except duckdb.Error:
        return False
    return True


def test_a_damaged_block_anywhere_is_found_by_db_check(store: Path, tmp_path: Path) -> None:
    """Bytes overwritten inside the file (a bad sector, a stray write): wherever a full read
    of the file fails its checksums, `db check` must say so; where it does not, it passes.
    It once counted rows only (count(*) does not read data blocks) and said "ok"."""
    data = store.read_bytes()
    rng = random.Random(7)
    bad, damaging = tmp_path / "bad.duckdb", 0
    for offset in range(0, len(data), max(4096, len(data) // 24)):
        at = offset + rng.randrange(0, 4000)
        bad.write_bytes(data[:at] + os.urandom(2000) + data[at + 2000 :])
        res = check_db(bad)
        whole = _reads_whole(bad)
        damaging += not whole
        assert res["ok"] == whole, (at, res["problems"][:1])
    assert damaging >= 5  # the sweep did hit data


def test_damaged_blocks_are_one_line_exit_2_never_busy(
    store: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checksum failure says "... in block at location N": that is damage, not a lock held
    by another process (it was reported as "store busy" after a wait), and a read that meets
    it is exit 2 naming the file (it was exit 1, "internal error")."""
    data = store.read_bytes()
    bad = tmp_path / "bad.duckdb"
    monkeypatch.setenv("CRITMIN_DB", str(bad))
    monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", "5")
    bad.write_bytes(data[:100] + os.urandom(3000) + data[3100:])  # the file header
    t0 = time.monotonic()
    r = cli("minerals")
    assert r.code == 2 and "busy" not in r.err and str(bad) in r.err, r.err
    assert time.monotonic() - t0 < 4  # refused at once, not after the lock timeout
    assert not check_db(bad)["ok"]
    for offset in range(len(data) // 2, len(data), 65536):  # find data the queries read
        bad.write_bytes(data[:offset] + os.urandom(4096) + data[offset + 4096 :])
        r = cli("production", "cobalt", "--json")
        if r.code != 0:
            assert r.code == 2 and r.err.count("\n") == 1 and str(bad) in r.err, r.err
            assert "internal error" not in r.err
            break
    else:
        pytest.skip("no damage met the production query")


def test_check_passes_on_a_good_store(store: Path, cli: Any) -> None:
    r = cli("db", "check", "--json")
    assert r.code == 0, r.out
    assert r.json()["ok"] is True


def test_read_only_store_gives_a_clear_error(
    store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    # root ignores mode bits, so make the file immutable instead (ext4 chattr +i)
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(store)], capture_output=True).returncode:
            pytest.skip("chattr +i is not supported on this file system")
        undo = ["chattr", "-i", str(store)]
    else:
        store.chmod(0o444)
        undo = ["chmod", "644", str(store)]
    before = store.read_bytes()
    try:
        monkeypatch.setattr(
            "sys.stdin",
            io.StringIO(
                "date: 2026-01-01\nactor_iso3: USA\nagency: DOE\ninstrument: grant\namount: 1\n"
                "currency: USD\nrecipient: X\nstatus: committed\n"
                "source_id: usgs-critical-minerals-list-2025\nverification: press\n"
            ),
        )
        r = cli("ledger", "add", "--file", "-")
        assert r.code == 2, r.err
        assert r.err.count("\n") == 1 and str(store) in r.err and "Traceback" not in r.err
        assert store.read_bytes() == before
        assert cli("minerals", "--json").code == 0  # reading still works
    finally:
        subprocess.run(undo, check=True)


def test_unwritable_store_folder_gives_a_clear_error(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRITMIN_DB", "/proc/critmin/store.duckdb")
    r = cli("db", "info")
    assert r.code == 2 and r.err.count("\n") == 1 and "/proc/critmin" in r.err


WRITER = """
import sys
from critmin import ledger
i = 0
while True:
    ledger.add({"date": "2026-02-02", "actor_iso3": "USA", "agency": "DOE", "instrument": "loan",
                "amount": 1000.0 + i, "currency": "USD", "recipient": f"kill-test {i}",
                "mineral_ids": ["lithium", "cobalt"], "status": "committed",
                "source_id": "usgs-critical-minerals-list-2025", "note": "x" * 200,
                "verification": "press"})
    i += 1
    print(i, flush=True)
"""


def test_sigkill_during_writes_leaves_whole_rows(store: Path) -> None:
    """Kill a writer at random moments, many times: the store stays readable and every ledger
    row is whole (all or nothing); nothing committed before a kill is lost."""
    rnd = random.Random(1234)
    env = {**os.environ, "CRITMIN_DB": str(store), "CRITMIN_LOCK_TIMEOUT_S": "10"}
    committed = 0
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one row committed by this writer
        time.sleep(rnd.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        printed = proc.stdout.read().split()
        proc.wait()
        rows = [
            r
            for r in read_table("interventions", store).to_dicts()
            if str(r["recipient"]).startswith("kill-test")
        ]
        # each printed number is a committed row: none may be missing
        assert len(rows) >= committed + 1 + len(printed)
        committed = len(rows)
        for r in rows:
            assert r["amount"] is not None and r["amount_usd"] == r["amount"]
            assert r["mineral_ids"] == ["lithium", "cobalt"] and r["note"] == "x" * 200
        assert check_db(store)["ok"], check_db(store)["problems"]


class _NoNetwork:
    """Refuses every socket connection that is not to the loopback interface."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[Any] = []
        real = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> Any:
            host = address[0] if isinstance(address, tuple) else address
            if isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost")):
                return real(sock, address)
            if sock.family == socket.AF_UNIX:
                return real(sock, address)
            self.attempts.append(address)
            raise OSError("network blocked by the test")

        def getaddrinfo(host: Any, *a: Any, **k: Any) -> Any:
            if host not in (None, "localhost", "127.0.0.1", "::1"):
                self.attempts.append(host)
                raise OSError("DNS blocked by the test")
            return real_gai(host, *a, **k)

        real_gai = socket.getaddrinfo
        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_main_commands_make_no_network_call(
    store: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = _NoNetwork(monkeypatch)
    for argv in (
        ("brief", "--out", str(tmp_path / "b.html")),
        ("concentration", "--all", "--stage", "mine", "--json"),
        ("exposure", "--json"),
        ("ledger", "reconcile", "--json"),
        ("floor", "--preset", "mp-ndpr", "--paths", "5000", "--json"),
        ("pipeline", "run", "--draws", "200", "--json"),
        ("data", "validate", "--json"),
    ):
        r = cli(*argv)
        assert r.code == 0, (argv, r.err)
    assert guard.attempts == []
