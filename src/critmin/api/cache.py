"""Answers of the read endpoints kept as bytes, until the data they come from changes.

A ``GET /api/v1/...`` answer is a function of the question (path and query), the store's
contents and the bundled files (reference CSVs, scenarios, presets, project register), and
of today's date (controls in force "today"). :class:`CacheMiddleware` keeps the finished
response (status 200 only: its headers, content type and encoding included, and the body
bytes) keyed on

- the path and the query parameters as the app decodes them, sorted by name (a name's
  repeated values keep their order); whether the client takes gzip (the body is kept as
  sent, compressed or not);
- the store's state (:func:`critmin.memo.store_state`: the DB file's and its WAL's inode,
  size and mtime_ns, which every write changes, by this process or another one, such as a
  CLI ``critmin ledger add``) and the bundled data version;
- the state of the bundled YAML and CSV files outside the reference data
  (:func:`bundled_state`, looked at again at most every ``RECHECK_S``), and today's date.

An answer is kept only when the store's files were last changed over
``critmin.memo.SETTLE_S`` before the request began and did not change while it ran (file
times are as coarse as a kernel tick: see critmin.memo). An API write (a secured operation
that succeeds) empties the cache at once. The cache is an LRU bounded by entries and bytes;
a body over a quarter of the byte cap is not kept.

A hit is answered on the event loop: no thread, no gate, no response validation (the bytes
are those the route produced). Requests for one key that arrive while it is being computed
wait for that one computation instead of each queueing for the gate.

:func:`warm` asks the dashboard's usual reads once at start-up (``critmin serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from critmin import memo

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
RECHECK_S = 1.0
WAIT_FOR_OTHER_S = 60.0

# the reads the dashboard makes when its tabs open (and the load test's cycle)
WARM_PATHS = (
    "/api/v1/minerals",
    "/api/v1/sources",
    "/api/v1/countries",
    "/api/v1/coverage",
    "/api/v1/concentration?stage=mine",
    "/api/v1/concentration?stage=refine",
    "/api/v1/dominance",
    "/api/v1/controls",
    "/api/v1/exposure",
    "/api/v1/ledger",
    "/api/v1/ledger?history=true",
    "/api/v1/ledger/summary",
    "/api/v1/ledger/reconcile",
    "/api/v1/ledger/gap",
    "/api/v1/floor/presets",
    "/api/v1/scenarios",
    "/api/v1/pipeline/projects",
)

SIM = Path(__file__).resolve().parents[1] / "sim"
_BUNDLED_DIRS = (SIM / "presets", SIM / "scenarios", SIM / "data")
_bundled_checked: tuple[float, Hashable] | None = None


def bundled_state() -> Hashable:
    """(name, inode, size, mtime_ns) of the bundled scenario, preset and register files,
    looked at again at most every RECHECK_S seconds."""
    global _bundled_checked
    now = time.monotonic()
    hit = _bundled_checked
    if hit is not None and now - hit[0] < RECHECK_S:
        return hit[1]
    files = sorted(f for d in _BUNDLED_DIRS if d.is_dir() for f in d.iterdir())
    state = tuple(zip(map(str, files), memo.files_state(*files), strict=True))
    _bundled_checked = (now, state)
    return state


@dataclass(frozen=True)
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Finished responses by key: an LRU bounded by entries and bytes, thread-safe."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._data: OrderedDict[Hashable, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        return self._size

    def get(self, key: Hashable) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, entry: Entry) -> None:
        size = len(entry.body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._size -= len(old.body) if old is not None else 0
            self._data[key] = entry
            self._size += size
            while len(self._data) > self.max_entries or self._size > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._size -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0


def canonical_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """The query as the app reads it (Starlette's parse), sorted by name, stably."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return tuple(sorted(pairs, key=lambda kv: kv[0]))


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return b""


class CacheMiddleware:
    """Serve ``GET /api/v1/...`` from a :class:`ResponseCache` (module docstring).

    ``writes``: path patterns of the write operations; a request to one of them with a method
    other than GET that answers 2xx empties the cache.
    """

    def __init__(
        self, app: ASGIApp, cache: ResponseCache, writes: Iterable[re.Pattern[str]] = ()
    ) -> None:
        self.app = app
        self.cache = cache
        self.writes = tuple(writes)
        self._inflight: dict[Hashable, asyncio.Event] = {}

    def _key(self, scope: Scope) -> tuple[Hashable, Hashable] | None:
        try:
            state = memo.store_state()
            key = (
                scope["path"],
                canonical_query(scope.get("query_string", b"")),
                b"gzip" in _header(scope, b"accept-encoding"),
                state,
                bundled_state(),
                dt.date.today(),
            )
        except Exception:  # a bad CRITMIN_DB, say: the route reports it; nothing is kept
            return None
        return key, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET":
            await self._other(scope, receive, send)
            return
        began = time.time_ns()
        keyed = self._key(scope)
        if keyed is None:
            await self.app(scope, receive, send)
            return
        key, state = keyed
        entry = self.cache.get(key)
        if entry is None and key in self._inflight:  # the same question is being answered
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inflight[key].wait(), WAIT_FOR_OTHER_S)
            entry = self.cache.get(key)
        if entry is not None:
            await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
            await send({"type": "http.response.body", "body": entry.body})
            return
        leader = key not in self._inflight
        if leader:
            self._inflight[key] = asyncio.Event()
        try:
            await self._compute(scope, receive, send, key, state, began)
        finally:
            if leader:
                self._inflight.pop(key).set()

    async def _compute(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: Hashable,
        state: Hashable,
        began: int,
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        whole = False

        async def capture(message: Message) -> None:
            nonlocal status, headers, whole
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                whole = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capture)
        if status != 200 or not whole:
            return
        assert isinstance(state, tuple)
        if memo.state_settled(state, began) and self._key(scope) == (key, state):
            self.cache.put(key, Entry(headers, b"".join(chunks)))

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request other than GET: an API write that succeeds empties the cache."""
        if not any(rx.match(scope["path"]) for rx in self.writes):
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if 200 <= status < 300:
                    self.cache.clear()  # before the client can hear of the write
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if 200 <= status < 300:
                self.cache.clear()


async def warm(app: ASGIApp, paths: Iterable[str] = WARM_PATHS) -> int:
    """Ask ``paths`` once each through ``app`` (all its middleware), gzip and plain, so the
    first dashboard visit is answered from the cache; returns how many answered 200."""
    ok = 0
    for target in paths:
        path, _, query = target.partition("?")
        for encoding in (b"gzip", b"identity"):
            scope: dict[str, Any] = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": query.encode(),
                "root_path": "",
                "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", encoding)],
                "client": ("127.0.0.1", 0),
                "server": ("127.0.0.1", 0),
                "state": {},
            }
            status = 0

            async def receive() -> Message:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(scope, receive, send)
            ok += status == 200
    return ok
