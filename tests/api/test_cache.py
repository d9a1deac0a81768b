"""Read answers kept as bytes (critmin.api.cache): the same answers, and never a stale one.

Every write, through the API or by another process on the same store file (a CLI
``critmin ledger add``), is seen by the very next read of an endpoint whose answer was kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

TOKEN = "test-token-0123456789"
API = "/api/v1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENTRY: dict[str, Any] = {
    "date": "2026-01-15",
    "actor_iso3": "USA",
    "agency": "DOE",
    "instrument": "grant",
    "amount": 12_500_000,
    "currency": "USD",
    "recipient": "Cache Test LLC",
    "host_iso3": "USA",
    "mineral_ids": ["gallium"],
    "status": "committed",
    "source_id": "iv-mp-8k",
}


def settle(path: Path) -> None:
    """Age the store's file times, as if the last write was a while ago, so answers are kept
    (critmin.memo keeps nothing read from files changed in the last SETTLE_S)."""
    old = time.time() - 10
    for f in (path, path.with_name(path.name + ".wal")):
        if f.exists():
            os.utime(f, (old, old))


@pytest.fixture
def client(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", TOKEN)
    with TestClient(create_app()) as c:
        yield c


def kept(client: TestClient, path: str, **params: Any) -> Any:
    """GET twice; the second answer must come from the cache, byte for byte."""
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    # (httpx drops a query written in the URL when given params, even empty ones)
    first = client.get(path, params=params) if params else client.get(path)
    hits = cache.hits
    second = client.get(path, params=params) if params else client.get(path)
    assert cache.hits == hits + 1, path
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["content-type"] == second.headers["content-type"]
    for name in ("content-security-policy", "x-content-type-options", "cache-control"):
        assert second.headers[name] == first.headers[name]
    return second.json()


@pytest.mark.parametrize(
    "path",
    [
        "/minerals",
        "/coverage",
        "/concentration?stage=refine",
        "/dominance",
        "/exposure?sector=magnet",
        "/ledger/summary?by=agency&status=committed&status=announced",
        "/scenarios",
        "/floor/presets",
    ],
)
def test_a_kept_answer_is_the_answer(client: TestClient, store: Path, path: str) -> None:
    from critmin.api import create_app

    settle(store)
    body = kept(client, API + path)
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    assert len(cache) >= 1
    with TestClient(create_app()) as fresh:  # an empty cache: computed again
        assert fresh.get(API + path).json() == body


def test_query_order_shares_an_entry(client: TestClient, store: Path) -> None:
    settle(store)
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    a = client.get(f"{API}/concentration/cobalt?stage=refine&year=2024")
    hits = cache.hits
    b = client.get(f"{API}/concentration/cobalt?year=2024&stage=refine")
    assert cache.hits == hits + 1 and a.content == b.content
    c = client.get(f"{API}/concentration/cobalt?year=2024&stage=mine")
    assert c.json()["stage"] == "mine"


def test_errors_are_not_kept(client: TestClient, store: Path) -> None:
    settle(store)
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    for _ in range(2):
        assert client.get(f"{API}/concentration/unobtainium").status_code == 404
        assert client.get(f"{API}/concentration?yaer=2023").status_code == 422
    assert len(cache) == 0


def test_api_write_is_seen_by_the_next_read(client: TestClient, store: Path) -> None:
    settle(store)
    before = kept(client, f"{API}/ledger")
    summary = kept(client, f"{API}/ledger/summary", by="agency")
    r = client.post(f"{API}/ledger", json={**ENTRY, "agency": "CACHE-API"}, headers=AUTH)
    assert r.status_code == 201, r.text
    after = client.get(f"{API}/ledger").json()
    assert len(after) == len(before) + 1
    assert r.json()["id"] in {row["id"] for row in after}
    assert client.get(f"{API}/ledger/summary", params={"by": "agency"}).json() != summary
    assert "CACHE-API" in json.dumps(client.get(f"{API}/ledger/summary?by=agency").json())


def test_refused_write_keeps_the_cache(client: TestClient, store: Path) -> None:
    settle(store)
    kept(client, f"{API}/ledger")
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    r = client.post(f"{API}/ledger", json={**ENTRY, "amount": -1}, headers=AUTH)
    assert r.status_code == 422
    assert len(cache) == 1


def test_cli_write_from_another_process_is_seen_by_the_next_read(
    client: TestClient, store: Path, tmp_path: Path
) -> None:
    settle(store)
    before = kept(client, f"{API}/ledger")
    summary = kept(client, f"{API}/ledger/summary", by="agency")
    assert "CACHE-CLI" not in json.dumps(summary)
    row = tmp_path / "row.yaml"
    row.write_text(json.dumps({**ENTRY, "agency": "CACHE-CLI"}))  # JSON is YAML
    env = {**os.environ, "CRITMIN_DB": str(store)}
    cmd = [sys.executable, "-m", "critmin", "ledger", "add", "--file", str(row), "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    added = json.loads(done.stdout)["id"]
    after = client.get(f"{API}/ledger").json()  # at once, no wait
    assert len(after) == len(before) + 1
    assert added in {r["id"] for r in after}
    summary = client.get(f"{API}/ledger/summary", params={"by": "agency"}).json()
    assert "CACHE-CLI" in json.dumps(summary)


def test_lru_bounds() -> None:
    from critmin.api.cache import Entry, ResponseCache

    cache = ResponseCache(max_entries=3, max_bytes=400)
    for i in range(5):
        cache.put(i, Entry([], b"x" * 10))
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) is not None
    cache.put("big", Entry([], b"x" * 101))  # over a quarter of the byte cap: not kept
    assert cache.get("big") is None
    cache.clear()
    for i in range(5):
        cache.put(i, Entry([], b"x" * 90))
    assert cache.nbytes <= 400 and len(cache) == 3
    cache.get(2)
    cache.put(9, Entry([], b"x" * 90))
    assert cache.get(2) is not None and cache.get(3) is None  # least recently used goes


def test_warmed_at_start(store: Path) -> None:
    from critmin.api import create_app
    from critmin.api.cache import WARM_PATHS

    settle(store)
    with TestClient(create_app(warm=True)) as c:
        cache = c.app.state.response_cache  # type: ignore[attr-defined]
        deadline = time.monotonic() + 120
        while len(cache) < 2 * len(WARM_PATHS) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(cache) == 2 * len(WARM_PATHS)
        hits = cache.hits
        assert c.get(f"{API}/dominance").status_code == 200
        assert cache.hits == hits + 1


def test_answers_read_right_after_a_write_are_not_kept(client: TestClient, store: Path) -> None:
    """File times are as coarse as a kernel tick: an answer read from files changed in the
    last SETTLE_S could share its key with a write in the same tick, so it is not kept."""
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    # "just written": a file time an hour ahead stays within SETTLE_S of every request below,
    # however slow a loaded machine runs them (the time of `now` could be passed already)
    ahead = time.time() + 3600
    os.utime(store, (ahead, ahead))
    for _ in range(2):
        assert client.get(f"{API}/minerals").status_code == 200
    assert len(cache) == 0 and cache.hits == 0
    settle(store)
    kept(client, f"{API}/minerals")
