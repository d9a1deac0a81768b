"""Concurrency: the CLI and the HTTP API add ledger rows to one store at the same time.

A real server (``critmin serve`` under uvicorn, 127.0.0.1, its own process) and CLI processes
(``critmin ledger add --file -``) write together. DuckDB admits one writing process per file:
a writer that cannot get the file within CRITMIN_LOCK_TIMEOUT_S gets a clear "store busy"
(exit 2 in the CLI, 503 with Retry-After in the API) and retries. Short lock timeouts on both
sides make that happen in the run. Properties: every row that was acknowledged (exit 0, 201)
is in the store exactly once and whole; every row is acknowledged after its retries; a busy
answer wrote nothing; no answer is a 500 or an exit 1. Then, deterministically: a process
holds the file, the API answers 503 "store busy" and the CLI exits 2 "store busy", both
writing nothing; once it lets go, the same requests land.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from critmin.store import read_table

TOKEN = "concurrency-token-0123456789"
SRC = "usgs-critical-minerals-list-2025"
LOCK_TIMEOUT_S = "0.3"  # short on purpose: busy answers happen, retries must fix them
N_API, N_CLI = 16, 16
API_THREADS, CLI_PROCS = 4, 2


def _row(who: str, i: int) -> dict[str, Any]:
    return {
        "date": "2026-04-01",
        "actor_iso3": "USA",
        "agency": "DOE",
        "instrument": "grant",
        "amount": 1000.0 + i,
        "currency": "USD",
        "recipient": f"conc-{who}-{i}",
        "mineral_ids": ["lithium", "cobalt"],
        "status": "committed",
        "source_id": SRC,
        "verification": "press",
        "note": "n" * 300,
    }


def _yaml(row: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(row, sort_keys=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def db(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One private store for the module (each test counts rows relative to its start)."""
    import shutil

    path = tmp_path_factory.mktemp("concurrency") / "critmin.duckdb"
    shutil.copy(built_store, path)
    return path


@pytest.fixture
def store(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module's store, selected through CRITMIN_DB for in-process calls."""
    monkeypatch.setenv("CRITMIN_DB", str(db))
    monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", "5")
    return db


@pytest.fixture(scope="module")
def server(db: Path) -> Iterator[str]:
    """``critmin serve`` on 127.0.0.1 and a free port, writes on, a short lock timeout."""
    store = db
    port = _free_port()
    env = {
        **os.environ,
        "CRITMIN_DB": str(store),
        "CRITMIN_API_TOKEN": TOKEN,
        "CRITMIN_LOCK_TIMEOUT_S": LOCK_TIMEOUT_S,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "critmin", "serve", "--port", str(port), "--log-level", "error"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        assert "Traceback" not in err, err


def post(base: str, row: dict[str, Any], token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        f"{base}/api/v1/ledger",
        data=json.dumps(row).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
        if exc.code == 503:
            assert exc.headers.get("Retry-After"), "503 without Retry-After"
        return exc.code, body


CLI_WRITER = """
import io, json, sys, time
from critmin.cli import run
docs = json.loads(sys.argv[1])
for doc in docs:
    for attempt in range(200):
        sys.stdin = io.StringIO(doc)
        err = io.StringIO()
        old, sys.stderr = sys.stderr, err
        try:
            code = run(["ledger", "add", "--file", "-"])
        finally:
            sys.stderr = old
        if code == 0:
            print("ok", attempt, flush=True)
            break
        assert code == 2 and "store busy" in err.getvalue(), (code, err.getvalue())
        assert err.getvalue().count("\\n") == 1, err.getvalue()
        print("busy", flush=True)
        time.sleep(0.02)
    else:
        raise SystemExit("gave up")
"""


def test_cli_and_api_add_at_once_lose_nothing(server: str, store: Path) -> None:
    before = read_table("interventions", store).height
    api_rows = [_row("api", i) for i in range(N_API)]
    cli_rows = [_row("cli", i) for i in range(N_CLI)]
    env = {**os.environ, "CRITMIN_DB": str(store), "CRITMIN_LOCK_TIMEOUT_S": LOCK_TIMEOUT_S}
    per_proc = [cli_rows[k::CLI_PROCS] for k in range(CLI_PROCS)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLI_WRITER, json.dumps([_yaml(r) for r in rows])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rows in per_proc
    ]
    statuses: list[int] = []
    problems: list[str] = []
    lock = threading.Lock()

    def api_writer(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for _ in range(200):
                code, body = post(server, row)
                with lock:
                    statuses.append(code)
                if code == 201:
                    break
                if code != 503 or "busy" not in body["detail"]:
                    with lock:
                        problems.append(f"{code} {body}")
                    return
                time.sleep(0.02)
            else:
                problems.append(f"gave up on {row['recipient']}")

    threads = [
        threading.Thread(target=api_writer, args=(api_rows[k::API_THREADS],))
        for k in range(API_THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    assert not problems, problems

    rows = read_table("interventions", store).to_dicts()
    assert len(rows) == before + N_API + N_CLI, "a row was lost or doubled"
    assert len({r["id"] for r in rows}) == len(rows)
    mine = {r["recipient"]: r for r in rows if str(r["recipient"]).startswith("conc-")}
    for sent in api_rows + cli_rows:
        got = mine[sent["recipient"]]  # present, once (recipients are unique)
        assert got["amount"] == sent["amount"] and got["amount_usd"] == sent["amount"]
        assert got["mineral_ids"] == sent["mineral_ids"] and got["note"] == sent["note"]
    cli_busy = sum(out.count("busy") for out, _ in outs)
    api_busy = statuses.count(503)
    print(f"\n{N_API} API + {N_CLI} CLI rows landed; busy: API {api_busy}, CLI {cli_busy}")


# the server or the test's own read may hold the file for a moment (DuckDB admits one process
# at a time), so the holder retries until it gets the lock instead of failing on the first try
HOLDER = """
import sys, time, duckdb
deadline = time.monotonic() + 60
while True:
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


def test_busy_store_is_a_clear_answer_and_a_retry_lands(
    server: str, store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    before = read_table("interventions", store).height
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        code, body = post(server, _row("busy-api", 0))
        assert code == 503 and "store busy" in body["detail"], body
        monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", LOCK_TIMEOUT_S)
        monkeypatch.setattr("sys.stdin", io.StringIO(_yaml(_row("busy-cli", 0))))
        r = cli("ledger", "add", "--file", "-")
        assert r.code == 2 and r.err.count("\n") == 1 and "store busy" in r.err, r.err
        # a read meanwhile is answered from the server's cache or is a 503: never a 500
        try:
            with urllib.request.urlopen(f"{server}/api/v1/ledger", timeout=30) as resp:
                assert resp.status == 200
        except urllib.error.HTTPError as exc:
            assert exc.code == 503, exc.read()
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert read_table("interventions", store).height == before  # busy answers wrote nothing
    code, body = post(server, _row("busy-api", 0))
    assert code == 201, body
    monkeypatch.setattr("sys.stdin", io.StringIO(_yaml(_row("busy-cli", 0))))
    assert cli("ledger", "add", "--file", "-").code == 0
    rows = read_table("interventions", store).to_dicts()
    assert len(rows) == before + 2
    assert {"conc-busy-api-0", "conc-busy-cli-0"} <= {r["recipient"] for r in rows}


def test_writes_without_the_token_are_refused_by_the_live_server(server: str) -> None:
    for token in (None, "wrong"):
        code, body = post(server, _row("nobody", 0), token=token)
        assert code == 401 and "token" in body["detail"], body
