"""A bounded load test of the HTTP API, on 127.0.0.1 only; it stops by itself.

Run: uv run python benchmarks/load_api.py [--clients 50] [--seconds 60] [--burst 40]
     [--stalled 3000] [--json]

1. Builds a private store in a temporary folder (CRITMIN_DB) and starts ``critmin serve`` on
   127.0.0.1 on a free port, as its own process (one uvicorn worker, as shipped).
2. Baseline: the same clients on ``/healthz`` alone for 10 s (no store, no thread pool).
   Reads: ``--clients`` concurrent clients (asyncio + httpx2, keep-alive) request the read
   endpoints in turn for ``--seconds`` seconds. Reported: requests, requests per second,
   p50 / p95 / p99 / max latency, and errors (any status other than 200, or no answer); the
   read rate and p99 also as ratios to the baseline's, which this noisy shared machine moves
   less, and whether the target holds (p99 under 100 ms, no errors).
3. Simulations: a burst of ``--burst`` concurrent POSTs at the per-request caps (floor
   200 000 paths, scenario / stockpile / pipeline 20 000 draws), plus requests over the caps
   (which must be refused with 422 at once). Meanwhile /healthz is polled; afterwards the server
   must still answer a read. Reported: statuses, latencies, the longest /healthz wait.
4. With ``--stalled N``: N connections that send part of their request headers, then
   nothing (slowloris). Reported: how many the server closed early (over its cap of open
   connections, to make room), how many at its header deadline, how many it left open, and
   /healthz meanwhile.
5. Stops the server and removes the store.

Every URL is built from 127.0.0.1 and the port the script chose; nothing else is contacted
(trust_env=False: no proxy from the environment either).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
TARGET_P99_MS = 100.0  # reads at 50 clients (issue 26)
HEADER_TIMEOUT_S = 10.0  # critmin serve's default (CRITMIN_HEADER_TIMEOUT_S)
READS = [
    "/healthz",
    "/api/v1/minerals",
    "/api/v1/sources",
    "/api/v1/countries",
    "/api/v1/coverage",
    "/api/v1/concentration?stage=mine",
    "/api/v1/concentration/cobalt?stage=refine",
    "/api/v1/dominance",
    "/api/v1/control/cobalt?host=COD",
    "/api/v1/controls?country=CHN",
    "/api/v1/exposure",
    "/api/v1/ledger",
    "/api/v1/ledger/summary?by=agency",
    "/api/v1/ledger/reconcile",
    "/api/v1/floor/presets",
    "/api/v1/scenarios",
    "/api/v1/pipeline/projects",
]
CAPPED: list[tuple[str, dict[str, Any]]] = [  # each at its cap
    ("/api/v1/floor", {"preset": "mp-ndpr", "paths": 200_000, "seed": 1}),
    ("/api/v1/scenarios/chn-2025-ree-april/run", {"draws": 20_000, "seed": 1}),
    ("/api/v1/stockpile/plan", {"budget_usd": 12e9, "draws": 20_000, "seed": 1}),
    ("/api/v1/pipeline/run", {"draws": 20_000, "seed": 1}),
]
OVER_CAP: list[tuple[str, dict[str, Any]]] = [  # must be refused (422) without running
    ("/api/v1/floor", {"preset": "mp-ndpr", "paths": 10**9}),
    ("/api/v1/scenarios/chn-2025-ree-april/run", {"draws": 10**7}),
    ("/api/v1/stockpile/plan", {"budget_usd": 1e9, "draws": 10**7}),
    ("/api/v1/pipeline/run", {"draws": 10**7}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, linear between order statistics."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, int(q * 1000) - 1)]


def summary(lat_s: list[float], statuses: Counter[str], seconds: float) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in lat_s)
    ok = statuses.get("200", 0)
    return {
        "requests": len(ms),
        "rps": round(len(ms) / seconds, 1) if seconds else None,
        "ok": ok,
        "errors": len(ms) - ok,
        "statuses": dict(statuses),
        "p50_ms": round(pct(ms, 0.50), 1),
        "p95_ms": round(pct(ms, 0.95), 1),
        "p99_ms": round(pct(ms, 0.99), 1),
        "max_ms": round(ms[-1], 1) if ms else None,
    }


async def read_phase(
    base: str, clients: int, seconds: float, paths: list[str] = READS
) -> dict[str, Any]:
    import httpx2

    lat: list[float] = []
    per_path: dict[str, list[float]] = {p: [] for p in paths}
    statuses: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(
        base_url=base, timeout=120, limits=limits, trust_env=False
    ) as client:

        async def one(k: int) -> None:
            i = k
            while time.monotonic() < stop:
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    code = str(r.status_code)
                except httpx2.HTTPError as exc:
                    code = type(exc).__name__
                dt = time.perf_counter() - t0
                lat.append(dt)
                per_path[path].append(dt)
                statuses[code] += 1

        t0 = time.monotonic()
        await asyncio.gather(*(one(k) for k in range(clients)))
        took = time.monotonic() - t0
    out = summary(lat, statuses, took)
    out["seconds"] = round(took, 1)
    out["clients"] = clients
    out["per_endpoint_p50_ms"] = {
        p: round(statistics.median(v) * 1000, 1) for p, v in per_path.items() if v
    }
    return out


async def burst_phase(base: str, burst: int) -> dict[str, Any]:
    import httpx2

    lat: list[float] = []
    statuses: Counter[str] = Counter()
    over: Counter[str] = Counter()
    health: list[float] = []
    done = asyncio.Event()
    limits = httpx2.Limits(max_connections=burst + 8, max_keepalive_connections=burst + 8)
    async with httpx2.AsyncClient(
        base_url=base, timeout=300, limits=limits, trust_env=False
    ) as client:

        async def sim(k: int) -> None:
            path, body = CAPPED[k % len(CAPPED)]
            t0 = time.perf_counter()
            try:
                r = await client.post(path, json=body)
                code = str(r.status_code)
            except httpx2.HTTPError as exc:
                code = type(exc).__name__
            lat.append(time.perf_counter() - t0)
            statuses[code] += 1

        async def refused(path: str, body: dict[str, Any]) -> None:
            r = await client.post(path, json=body)
            over[str(r.status_code)] += 1

        async def poll_health() -> None:
            while not done.is_set():
                t0 = time.perf_counter()
                with contextlib.suppress(httpx2.HTTPError):
                    await client.get("/healthz")
                health.append(time.perf_counter() - t0)
                await asyncio.sleep(0.25)

        poller = asyncio.create_task(poll_health())
        t0 = time.monotonic()
        await asyncio.gather(*(sim(k) for k in range(burst)), *(refused(p, b) for p, b in OVER_CAP))
        took = time.monotonic() - t0
        done.set()
        await poller
        after = await client.get("/api/v1/minerals")
    out = summary(lat, statuses, took)
    out["seconds"] = round(took, 1)
    out["over_cap_statuses"] = dict(over)
    out["healthz_max_ms"] = round(max(health) * 1000, 1) if health else None
    out["read_after_burst"] = after.status_code
    return out


async def stalled_phase(base: str, port: int, count: int, wait_s: float) -> dict[str, Any]:
    """``count`` connections that send part of their headers and then nothing (slowloris);
    meanwhile /healthz is asked 20 times. Reported: how many the server closed at once (over
    its connection cap, to make room), by its header deadline, or not within ``wait_s``."""
    import httpx2

    async def stall() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 10)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            await writer.drain()
        except (OSError, TimeoutError):
            return None
        return reader, writer

    t0 = time.monotonic()
    opened = [c for c in await asyncio.gather(*(stall() for _ in range(count))) if c]
    early = time.monotonic() - t0 + HEADER_TIMEOUT_S / 2  # closed before any deadline
    closed_at: list[float] = []

    async def until_closed(reader: asyncio.StreamReader) -> None:
        try:
            await asyncio.wait_for(reader.read(), wait_s)
        except TimeoutError:
            return  # still open
        except OSError:
            pass  # reset by the server: closed too
        closed_at.append(time.monotonic() - t0)

    watchers = [asyncio.create_task(until_closed(r)) for r, _ in opened]
    health: list[float] = []
    statuses: Counter[str] = Counter()
    async with httpx2.AsyncClient(base_url=base, timeout=30, trust_env=False) as client:
        for _ in range(20):
            h0 = time.perf_counter()
            try:
                statuses[str((await client.get("/healthz")).status_code)] += 1
            except httpx2.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            health.append(time.perf_counter() - h0)
            await asyncio.sleep(0.1)
    await asyncio.gather(*watchers)
    for _, writer in opened:
        writer.close()
    return {
        "stalled": count,
        "connected": len(opened),
        "open_s": round(early - HEADER_TIMEOUT_S / 2, 1),
        "closed_early": sum(t < early for t in closed_at),
        "closed_at_deadline": sum(t >= early for t in closed_at),
        "last_closed_s": round(max(closed_at), 1) if closed_at else None,
        "open_after_wait": len(opened) - len(closed_at),
        "healthz_statuses": dict(statuses),
        "healthz_p50_ms": round(statistics.median(health) * 1000, 1),
        "healthz_max_ms": round(max(health) * 1000, 1),
    }


def start_server(db: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "CRITMIN_DB": str(db)}
    env.pop("CRITMIN_API_TOKEN", None)  # reads and simulations only: writes stay refused
    cmd = [sys.executable, "-m", "critmin", "serve", "--host", HOST, "--port", str(port)]
    return subprocess.Popen(
        [*cmd, "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(base: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"critmin serve exited: {proc.communicate()[1]}") from None
            if time.monotonic() > deadline:
                raise SystemExit("critmin serve did not answer") from None
            time.sleep(0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--burst", type=int, default=40)
    ap.add_argument(
        "--stalled",
        type=int,
        default=0,
        help="then open this many connections that never finish their headers (e.g. 3000)",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if not (
        1 <= args.clients <= 500
        and 0 < args.seconds <= 600
        and 0 <= args.burst <= 200
        and 0 <= args.stalled <= 5000
    ):
        raise SystemExit(
            "keep it bounded: clients 1-500, seconds <= 600, burst <= 200, stalled <= 5000"
        )

    from critmin.store import ensure_store

    folder = Path(tempfile.mkdtemp(prefix="critmin-load-"))
    db = ensure_store(folder / "critmin.duckdb")
    port = free_port()
    base = f"http://{HOST}:{port}"
    proc = start_server(db, port)
    try:
        wait_ready(base, proc)
        asyncio.run(read_phase(base, 2, 3))  # warm the server's caches
        # the baseline of the same run: the same clients on /healthz alone (no store, no
        # thread pool), what this machine's server and client can do at best
        floor = asyncio.run(read_phase(base, args.clients, min(10.0, args.seconds), ["/healthz"]))
        reads = asyncio.run(read_phase(base, args.clients, args.seconds))
        burst = asyncio.run(burst_phase(base, args.burst)) if args.burst else None
        stalled = (
            asyncio.run(stalled_phase(base, port, args.stalled, HEADER_TIMEOUT_S + 10))
            if args.stalled
            else None
        )
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "baseline_healthz": floor,
        "reads": reads,
        "reads_rps_over_baseline": round(reads["rps"] / floor["rps"], 3),
        "reads_p99_over_baseline": round(reads["p99_ms"] / floor["p99_ms"], 2),
        "target_met": reads["p99_ms"] < TARGET_P99_MS and reads["errors"] == 0,
        "simulation_burst": burst,
        "stalled_connections": stalled,
        "server_tracebacks": err.count("Traceback"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    f = floor
    print(
        f"baseline: {f['clients']} clients on /healthz x {f['seconds']} s: {f['rps']} req/s, "
        f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, errors {f['errors']}"
    )
    r = reads
    print(
        f"reads: {r['clients']} clients x {r['seconds']} s: {r['requests']} requests, "
        f"{r['rps']} req/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
        f"max {r['max_ms']} ms, errors {r['errors']} {r['statuses']}; "
        f"{result['reads_rps_over_baseline']} x the baseline rate"
    )
    print("  p50 by endpoint (ms): " + json.dumps(r["per_endpoint_p50_ms"]))
    print(
        f"  p99 {result['reads_p99_over_baseline']} x the baseline p99; target (p99 under "
        f"{TARGET_P99_MS} ms, 0 errors) {'met' if result['target_met'] else 'NOT met'}"
    )
    if burst:
        b = burst
        print(
            f"simulation burst: {b['requests']} capped POSTs in {b['seconds']} s: "
            f"statuses {b['statuses']}, p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms, "
            f"max {b['max_ms']} ms; over-cap requests {b['over_cap_statuses']}; "
            f"/healthz worst {b['healthz_max_ms']} ms; read after burst {b['read_after_burst']}"
        )
    if stalled:
        z = stalled
        print(
            f"stalled: {z['connected']} of {z['stalled']} connections sent part of their "
            f"headers and stopped (all open in {z['open_s']} s): {z['closed_early']} closed "
            f"early to make room, {z['closed_at_deadline']} by the header deadline (last at "
            f"{z['last_closed_s']} s), {z['open_after_wait']} "
            f"still open; /healthz meanwhile {z['healthz_statuses']}, p50 "
            f"{z['healthz_p50_ms']} ms, max {z['healthz_max_ms']} ms"
        )
    print(f"server log tracebacks: {result['server_tracebacks']}")


if __name__ == "__main__":
    main()
