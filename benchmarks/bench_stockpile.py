"""Exact stockpile solver against HiGHS on the store's problem, same run, same process.

Run: uv run python benchmarks/bench_stockpile.py [--draws 10000] [--seed 20250404]
     [--budgets 1e9,5e9,12e9,20e9] [--repeat 3]
The problem is the planner's own (critmin.optimize.stockpile.model: every mineral in scope,
default economics). For each budget: the water-filling time (steps sorted and filled from
the raw draws; the best of ``--repeat`` runs), the HiGHS time (dual LP, built and solved;
the best of ``--lp-repeat``), their ratio and the
relative gap of the LP objective (must be <= 1e-6). Shared, noisy machines: compare ratios
measured in one run, never across runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import time

import numpy as np

from critmin.optimize import solver as S
from critmin.optimize.stockpile import model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20250404)
    ap.add_argument("--budgets", default="1e9,5e9,12e9,20e9")
    ap.add_argument("--repeat", type=int, default=9, help="water-filling runs (best taken)")
    ap.add_argument("--lp-repeat", type=int, default=2, help="HiGHS runs (best taken)")
    args = ap.parse_args()
    m = model(0.0, draws=args.draws, seed=args.seed)
    n, s = m.problem.shortfall_t.shape
    print(f"problem: {n} minerals x {s} draws, seed {args.seed}")
    worst_gap, worst_ratio = 0.0, float("inf")
    # warm-up of both solvers, untimed: imports, first-touch page faults and the allocator's
    # growth belong to neither solver (the first timed solve otherwise runs ~2x slower)
    S.waterfill(m.problem)
    S.solve_lp(m.problem)
    for b in (float(x) for x in args.budgets.split(",")):
        p = dataclasses.replace(m.problem, budget=b)
        for _ in range(2):  # warm-up, not timed
            S.waterfill(p)
        gc.collect()
        gc.disable()  # as timeit does: a collection of the set-up's garbage is not the solver's
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sol = S.waterfill(p)
            times.append(time.perf_counter() - t0)
        gc.enable()
        t_wf = min(times)
        lps = [S.solve_lp(p) for _ in range(args.lp_repeat)]
        lp = min(lps, key=lambda r: r.seconds)
        e0 = float(np.sum(p.benefit_per_tonne * p.shortfall_t))
        gap = S.relative_gap(lp.objective, e0 - sol.net_value)
        ratio = lp.seconds / t_wf
        worst_gap, worst_ratio = max(worst_gap, gap), min(worst_ratio, ratio)
        print(
            f"budget ${b / 1e9:,.0f}B: water-filling {t_wf * 1e3:,.1f} ms, "
            f"HiGHS {lp.seconds:,.2f} s,"
            f" ratio {ratio:,.0f}x, relative gap {gap:.1e}, spent ${sol.spent / 1e9:,.2f}B"
        )
    print(f"worst: ratio {worst_ratio:,.0f}x (must be >= 100), gap {worst_gap:.1e} (<= 1e-6)")


if __name__ == "__main__":
    main()
