"""A 256-cell price-floor sweep on each executor: speed-up and overhead per cell.

Run: uv run python benchmarks/bench_sweep.py [--draws 20000] [--rounds 3] [--json]
(the Dask case needs the extra: uv pip install 'dask[distributed]').

The sweep: the MP Materials preset (OU model) settled monthly for 10 years (120 steps),
16 floor levels x 16 volatilities = 256 cells of --draws paths each, seed 1. Cases:
- in-process: --workers 1, the cells one after another in the calling process;
- 2 processes: --workers 2, local worker processes (concurrent.futures, forkserver);
- Dask local: --dask local, a LocalCluster of 2 worker processes, one thread each.
Each case runs in its own subprocess on its own copy of a store built once, so no case
resumes another's cells and every case pays its own start-up (worker processes, cluster).
The cases alternate over --rounds rounds and the best round counts, so a burst of load from
other jobs on a shared machine does not favour one case.

Figures: wall = run_sweep from call to return (Parquet not written); cell time = the sum of
the cells' own run times (measured in the workers); speed-up = in-process wall / case wall;
overhead per cell = (wall x slots - cell time) / cells, the slot-seconds a cell costs beyond
its own computation (start-up, scheduling, pickling, the parent's writes), spread over the
256 cells. Start-up = time from the call until the first cell began (checks, store, worker
processes or cluster); steady = from the first cell's arrival to the last's, where the
speed-up and the overhead per cell leave the start-up out. Every case must produce the same
numbers: the script checks the result frames.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CASES = {
    "in-process": {"workers": 1},
    "2 processes": {"workers": 2},
    "dask local (2 workers)": {"dask": "local", "workers": 2},
}


def definition(draws: int) -> dict[str, Any]:
    return {
        "name": "bench-floor-256",
        "engine": "floor",
        "seed": 1,
        "draws": draws,
        "base": {"preset": "mp-ndpr", "model_kind": "ou", "contract": {"settlement": "monthly"}},
        "axes": {
            "contract.floor": {"start": 70, "stop": 145, "num": 16},
            "model.sigma": {"start": 0.2, "stop": 0.8, "num": 16},
        },
    }


def run_case(name: str, db: str, draws: int, out: str) -> dict[str, Any]:
    """One case in this process: run the sweep, save the result frame, return its figures."""
    import critmin.sim.floor  # noqa: F401  (the parent imports it in any case; not timed)
    from critmin.sweep import CellOutcome, parse_sweep, run_sweep, sweep_results

    d = parse_sweep(definition(draws))
    done: list[tuple[float, float]] = []  # (time a cell arrived, its own run time)

    def arrived(o: CellOutcome, _n: int, _total: int) -> None:
        done.append((time.perf_counter(), o.runtime_s))

    t0 = time.perf_counter()
    rep = run_sweep(d, db=db, on_cell=arrived, **CASES[name])  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    sweep_results(rep.sweep_id, db).write_parquet(out)
    first, last = done[0][0], done[-1][0]
    # steady state: from the first cell's arrival to the last's, once every slot is busy
    return {
        "wall_s": wall,
        "cell_s": rep.cell_s,
        "slots": rep.slots,
        "cells": rep.ran,
        "executor": rep.executor,
        "startup_s": first - t0 - done[0][1],
        "steady_s": last - first,
        "steady_cell_s": sum(r for _, r in done[1:]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=20_000, help="paths per cell")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.db, args.draws, args.out)))
        return

    import importlib.util

    import polars as pl

    from critmin.store import ensure_store

    cases = list(CASES)
    if importlib.util.find_spec("distributed") is None:
        cases.remove("dask local (2 workers)")
        print("dask[distributed] not installed: the Dask case is skipped", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    built = ensure_store(tmp / "built.duckdb")
    best: dict[str, dict[str, Any]] = {}
    frames: dict[str, Any] = {}
    try:
        for r in range(args.rounds):
            for i, name in enumerate(cases):
                db, out = tmp / f"{r}-{i}.duckdb", tmp / f"{r}-{i}.parquet"
                shutil.copy(built, db)
                cmd = [sys.executable, __file__, "--case", name, "--db", str(db)]
                cmd += ["--draws", str(args.draws), "--out", str(out)]
                done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    sys.exit(f"{name}: {done.stderr.strip().splitlines()[-1]}")
                res = json.loads(done.stdout.strip().splitlines()[-1])
                if res["wall_s"] < best.get(name, {"wall_s": math.inf})["wall_s"]:
                    best[name] = res
                frames[name] = pl.read_parquet(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ref = frames[cases[0]]
    identical = all(f.equals(ref) for f in frames.values())
    base = best[cases[0]]["wall_s"]
    rows = []
    for name in cases:
        b = best[name]
        rows.append(
            {
                "case": name,
                "wall_s": b["wall_s"],
                "cell_s": b["cell_s"],
                "speedup": base / b["wall_s"],
                "overhead_per_cell_ms": 1e3 * (b["wall_s"] * b["slots"] - b["cell_s"]) / b["cells"],
                "mean_cell_ms": 1e3 * b["cell_s"] / b["cells"],
                "startup_s": b["startup_s"],
                "steady_speedup": best[cases[0]]["steady_s"] / b["steady_s"],
                "steady_overhead_per_cell_ms": 1e3
                * (b["steady_s"] * b["slots"] - b["steady_cell_s"])
                / (b["cells"] - 1),
            }
        )
    report = {
        "cells": 256,
        "draws": args.draws,
        "steps": 120,
        "rounds": args.rounds,
        "identical_results": identical,
        "cases": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"256-cell floor sweep, {args.draws:,} paths x 120 steps a cell, best of {args.rounds}"
        )
        head = ["case", "wall s", "speed-up", "cell ms", "overhead ms/cell"]
        head += ["start-up s", "steady speed-up", "steady ms/cell"]
        print(f"{head[0]:<24}" + "".join(f"{h:>17}" for h in head[1:]))
        for row in rows:
            keys = ["wall_s", "speedup", "mean_cell_ms", "overhead_per_cell_ms", "startup_s"]
            keys += ["steady_speedup", "steady_overhead_per_cell_ms"]
            print(f"{row['case']:<24}" + "".join(f"{row[k]:>17.2f}" for k in keys))
        print(f"identical results on every executor: {identical}")
    if not identical:
        sys.exit("results differ between executors")


if __name__ == "__main__":
    main()
