"""Service time of each read endpoint, one request at a time, in process (no network).

Run: uv run python benchmarks/api_service_times.py [--repeat 5]

The load test (load_api.py) serves every call into critmin one at a time, so its throughput
is about 1 / (mean service time of the endpoints it cycles through); this measures those
service times alone. Also the cost of a memoised ``read_table`` (the per-call overhead every
query pays). Medians, in ms, and each as a ratio to ``/healthz`` measured in the same run.
A private store in a temporary folder; nothing leaves the process.
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
    print(f"{'endpoint':45} {'p50 ms':>9} {'x healthz':>10}")
    total = 0.0
    for path in READS:
        ms = median_ms(functools.partial(client.get, path), args.repeat)
        total += ms
        print(f"{path:45} {ms:9.1f} {ms / base:10.1f}")
    mean = total / len(READS)
    print(f"mean over the {len(READS)} reads: {mean:.1f} ms -> at most {1000 / mean:.0f} req/s")


if __name__ == "__main__":
    main()
