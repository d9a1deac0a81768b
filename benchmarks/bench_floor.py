"""Price-floor Monte Carlo throughput against its floors and a reference library.

Run: uv run python benchmarks/bench_floor.py [--paths 1000000] [--steps 120] [--ql-paths 20000]
     uv run python benchmarks/bench_floor.py --vr [--paths 16384]   (variance reduction: standard
     error at equal CPU time against plain Monte Carlo; see bench_floor_vr.py)

One run, each case in its own subprocess so its peak memory (ru_maxrss) is its own:
- bare normals: numpy's Generator(SFC64) filling the same number of standard normals, one
  thread, then two threads (the floor: no simulation beats drawing its own random numbers);
- critmin: critmin.sim.floor.simulate_floor, streamed, 1 and 2 workers;
- plain numpy: the textbook full-matrix implementation (all paths x steps at once);
- QuantLib: its Python Monte Carlo path generator (BlackScholesMertonProcess, exact log-Euler
  steps for constant parameters, pseudo-random Gaussian sequences) on fewer paths, the payoff
  of each path taken with numpy.
Every case prices the same contract: floor 110 USD/kg, monthly for steps/12 years, 1 000 t/yr,
GBM S0 = 59, mu = 0, sigma = 0.4, r = 4 %. Throughput is in path-steps per second. Each ratio
is measured inside one process with the two sides alternating (best of --repeat rounds), so a
burst of load from other jobs on a shared machine does not favour either side; the ratios are
the figures to compare between machines.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

FLOOR, SPOT, SIGMA, RATE, TONNES = 110.0, 59.0, 0.4, 0.04, 1000.0
BLOCK = 4096


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bare_normals(paths: int, steps: int, threads: int) -> Callable[[], None]:
    """Draw paths x steps standard normals (SFC64, blocks of 4 096 x steps), nothing else."""
    import numpy as np

    blocks = -(-paths // BLOCK)

    def draw(first: int, stop: int) -> None:
        buf = np.empty((steps, BLOCK))
        gen = np.random.Generator(np.random.SFC64(first))
        for _ in range(first, stop):
            gen.standard_normal(out=buf)

    def run() -> None:
        if threads == 1:
            draw(0, blocks)
            return
        from concurrent.futures import ThreadPoolExecutor

        cut = [blocks * i // threads for i in range(threads + 1)]
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(draw, cut[:-1], cut[1:]))

    return run


def critmin_run(paths: int, steps: int, workers: int) -> Callable[[], Any]:
    from critmin.sim.floor import FloorContract, PriceModel, simulate_floor

    c = FloorContract(floor=FLOOR, term_years=steps / 12, volume_tpy=TONNES, discount_rate=RATE)
    m = PriceModel(kind="gbm", spot=SPOT, sigma=SIGMA)
    return lambda: simulate_floor(c, m, paths=paths, seed=1, workers=workers)


def interleaved(runs: dict[str, Callable[[], Any]], repeat: int) -> dict[str, tuple[float, Any]]:
    """Best time of each run over ``repeat`` rounds, the runs alternating within each round.

    On a shared machine, alternating keeps a burst of load from favouring one side of a ratio.
    """
    best: dict[str, tuple[float, Any]] = {k: (math.inf, None) for k in runs}
    for _ in range(repeat):
        for key, fn in runs.items():
            secs, out = _best(fn, 1)
            if secs < best[key][0]:
                best[key] = (secs, out)
    return best


def case_bare(paths: int, steps: int, repeat: int, threads: int) -> dict[str, Any]:
    secs, _ = _best(bare_normals(paths, steps, threads), repeat)
    return {"seconds": secs, "path_steps": -(-paths // BLOCK) * BLOCK * steps}


def case_critmin(paths: int, steps: int, repeat: int, workers: int) -> dict[str, Any]:
    runs = {f"bare-{t}": bare_normals(paths, steps, t) for t in sorted({1, workers})}
    runs["critmin"] = critmin_run(paths, steps, workers)
    best = interleaved(runs, repeat)
    secs, res = best["critmin"]
    assert res.analytic is not None
    drawn = -(-paths // BLOCK) * BLOCK * steps
    return {
        "seconds": secs,
        "path_steps": paths * steps,
        "expected_cost_usd": res.expected_cost_usd,
        "analytic_usd": res.analytic.nominal,
        "z": res.z_score(),
        "paired": {k: drawn / v[0] for k, v in best.items() if k.startswith("bare")},
    }


def _weights(steps: int) -> Any:
    """Per-step kg settled, undiscounted and discounted: columns (nominal, PV)."""
    import numpy as np

    t = (np.arange(steps) + 1) / 12
    kg = np.full(steps, TONNES * 1000 / 12)
    return np.column_stack([kg, kg * np.exp(-RATE * t)])


def case_numpy(paths: int, steps: int, repeat: int) -> dict[str, Any]:
    import numpy as np

    q = _weights(steps)
    dt = 1 / 12

    def run() -> float:
        gen = np.random.Generator(np.random.SFC64(1))
        z = gen.standard_normal((paths, steps))
        logs = np.log(SPOT) + np.cumsum((-(SIGMA**2) / 2) * dt + SIGMA * math.sqrt(dt) * z, axis=1)
        payoff = np.maximum(FLOOR - np.exp(logs), 0.0)
        cost = payoff @ q  # (paths, 2): nominal and PV per path
        return float(cost[:, 0].mean())

    secs, mean = _best(run, repeat)
    return {"seconds": secs, "path_steps": paths * steps, "expected_cost_usd": mean}


def case_quantlib(paths: int, steps: int, repeat: int, big_paths: int) -> dict[str, Any]:
    import numpy as np

    try:
        import QuantLib as ql  # type: ignore[import-untyped]
    except ImportError:
        return {"skipped": "QuantLib not installed (uv pip install quantlib)"}
    q = _weights(steps)
    today = ql.Date(1, 1, 2026)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(SPOT)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), SIGMA, dc)),
    )

    def run() -> float:
        uniform = ql.UniformRandomSequenceGenerator(steps, ql.UniformRandomGenerator(1))
        gen = ql.GaussianPathGenerator(
            process, steps / 12, steps, ql.GaussianRandomSequenceGenerator(uniform), False
        )
        cost = np.empty((paths, 2))
        for i in range(paths):
            path = np.fromiter(gen.next().value(), float, steps + 1)[1:]
            cost[i] = np.maximum(FLOOR - path, 0.0) @ q
        return float(cost[:, 0].mean())

    best = interleaved({"quantlib": run, "critmin": critmin_run(big_paths, steps, 1)}, repeat)
    secs, mean = best["quantlib"]
    return {
        "seconds": secs,
        "path_steps": paths * steps,
        "expected_cost_usd": mean,
        "paired": {"critmin-1": big_paths * steps / best["critmin"][0]},
    }


def run_case(name: str, args: argparse.Namespace) -> dict[str, Any]:
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "bare-1": lambda: case_bare(args.paths, args.steps, args.repeat, 1),
        "bare-2": lambda: case_bare(args.paths, args.steps, args.repeat, 2),
        "critmin-1": lambda: case_critmin(args.paths, args.steps, args.repeat, 1),
        "critmin-2": lambda: case_critmin(args.paths, args.steps, args.repeat, 2),
        "numpy": lambda: case_numpy(args.numpy_paths, args.steps, 1),
        "quantlib": lambda: case_quantlib(args.ql_paths, args.steps, 2, args.paths),
    }
    out = cases[name]()
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if "seconds" in out:
        out["path_steps_per_s"] = out["path_steps"] / out["seconds"]
    return out


NAMES = {
    "bare-1": "bare normals, 1 thread (floor)",
    "bare-2": "bare normals, 2 threads",
    "critmin-1": "critmin streamed, 1 worker",
    "critmin-2": "critmin streamed, 2 workers",
    "numpy": "plain numpy full matrix",
    "quantlib": "QuantLib path generator (Python)",
}


def main() -> None:
    if "--vr" in sys.argv:
        import os

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        sys.argv.remove("--vr")
        from bench_floor_vr import main as vr_main

        vr_main()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--numpy-paths", type=int, default=1_000_000)
    ap.add_argument("--ql-paths", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", choices=list(NAMES), help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args)))
        return
    base = [sys.executable, __file__, *sys.argv[1:]]
    results: dict[str, dict[str, Any]] = {}
    for name in NAMES:
        proc = subprocess.run([*base, "--case", name], capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    rate = {k: float(v.get("path_steps_per_s", math.nan)) for k, v in results.items()}
    c1, c2 = results["critmin-1"], results["critmin-2"]
    ql_pair = results["quantlib"].get("paired", {}).get("critmin-1", math.nan)
    ratios = {  # each ratio from one process, its runs interleaved (see interleaved())
        "critmin-1/bare-1": rate["critmin-1"] / c1["paired"]["bare-1"],
        "critmin-2/bare-2": rate["critmin-2"] / c2["paired"]["bare-2"],
        "critmin-2/bare-1": rate["critmin-2"] / c2["paired"]["bare-1"],
        "critmin-1/numpy": rate["critmin-1"] / rate["numpy"],
        "critmin-1/quantlib": ql_pair / rate["quantlib"],
    }
    if args.json:
        print(json.dumps({"results": results, "ratios": ratios}, indent=2))
        return
    head = f"{args.paths:,} paths x {args.steps} steps (plain numpy {args.numpy_paths:,}, "
    print(head + f"QuantLib {args.ql_paths:,}); best of {args.repeat} for bare and critmin")
    for name, label in NAMES.items():
        r = results[name]
        if "skipped" in r:
            print(f"  {label:36s} skipped: {r['skipped']}")
            continue
        print(
            f"  {label:36s} {r['path_steps_per_s'] / 1e6:9.1f} M path-steps/s"
            f"  {r['seconds']:8.2f} s  peak RSS {r['peak_rss_mib']:7.0f} MiB"
        )
    c = results["critmin-1"]
    mc, cf = c["expected_cost_usd"], c["analytic_usd"]
    print(f"  critmin vs closed form: {mc:,.0f} vs {cf:,.0f} USD ({c['z']:+.2f} s.e.)")
    paired = {
        "critmin-1/bare-1": c1["paired"]["bare-1"],
        "critmin-2/bare-2": c2["paired"]["bare-2"],
        "critmin-2/bare-1": c2["paired"]["bare-1"],
        "critmin-1/quantlib": ql_pair,
    }
    print("throughput ratios (each pair timed alternately in one process):")
    for k, v in ratios.items():
        a, b = k.split("/")
        num = ql_pair if b == "quantlib" else rate[a]
        den = paired.get(k, rate[b]) if b != "quantlib" else rate[b]
        print(f"  {k:20s} {v:8.2f}   ({num / 1e6:,.1f} vs {den / 1e6:,.2f} M path-steps/s)")


if __name__ == "__main__":
    main()
