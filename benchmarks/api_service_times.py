"""Service time of each read endpoint, one request at a time, in process (no network).

Run: uv run python benchmarks/api_service_times.py [--repeat 5]

Two times per endpoint: "kept", answered from the response cache (critmin.api.cache), and
"computed", with the cache emptied before each request (the route runs; the Python-layer
memos of critmin.memo stay warm). Calls into critmin pass one at a time, so a server of
computed answers would manage about 1 / (mean computed time) requests a second. Also the
cost of a memoised ``read_table`` (the per-call overhead every query pays). Medians, in ms,
and each as a ratio to ``/healthz`` measured in the same run. A private store in a temporary
folder; nothing leaves the process.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    os.environ["CRITMIN_DB"] = str(Path(tempfile.mkdtemp(prefix="critmin-svc-")) / "c.duckdb")
    sys.path.insert(0, str(Path(__file__).parent))
    from fastapi.testclient import TestClient
    from load_api import READS

    from critmin.api import create_app
    from critmin.store import read_table

    client = TestClient(create_app())
    for path in READS:  # warm: builds the store, fills the per-process memos
        assert client.get(path).status_code == 200, path
    base = median_ms(lambda: client.get("/healthz"), args.repeat * 4)
    hit = median_ms(lambda: [read_table("production") for _ in range(1000)], args.repeat) / 1000
    print(f"read_table (memoised): {hit:.4f} ms a call")
    cache = client.app.state.response_cache  # type: ignore[attr-defined]

    def computed(path: str) -> object:
        cache.clear()  # the answer computed again (the Python-layer memos stay warm)
        return client.get(path)

    print(f"{'endpoint':45} {'kept ms':>8} {'x healthz':>10} {'computed ms':>12} {'x healthz':>10}")
    totals = [0.0, 0.0]
    for path in READS:
        kept = median_ms(functools.partial(client.get, path), args.repeat)
        comp = median_ms(functools.partial(computed, path), args.repeat)
        totals[0] += kept
        totals[1] += comp
        print(f"{path:45} {kept:8.1f} {kept / base:10.1f} {comp:12.1f} {comp / base:10.1f}")
    for name, total in zip(("kept", "computed"), totals, strict=True):
        mean = total / len(READS)
        print(
            f"{name}: mean over the {len(READS)} reads {mean:.1f} ms, {mean / base:.1f} x healthz"
        )


if __name__ == "__main__":
    main()
