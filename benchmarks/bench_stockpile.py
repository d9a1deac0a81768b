"""Exact stockpile optimiser against the HiGHS LP, 60 minerals x 100 000 draws, same run.

Run: uv run python benchmarks/bench_stockpile.py [--minerals 60] [--draws 100000]
     [--form dual|primal|both] [--solver ipm|simplex|choose] [--seed 1]
Draws are synthetic and seeded (SeedSequence): lognormal shortfalls with 40% of draws at
zero, prices and weights uniform, caps at a random high percentile, budget 30% of the caps'
cost, so the budget binds. Prints both wall times, their ratio and the relative objective gap
(must be <= 1e-6). The machines are shared and noisy: compare ratios between runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from critmin.optimize.stockpile import Problem, check_kkt, relative_gap, solve_lp, waterfill


def synthetic(n: int, s: int, seed: int) -> Problem:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    x = rng.lognormal(0.0, 1.0, (n, s)) * rng.uniform(1, 100, (n, 1))
    x *= rng.uniform(size=(n, s)) < 0.6
    p = rng.uniform(1, 10, n)
    w = p * rng.uniform(0.5, 2.0, n)
    caps = np.array(
        [np.percentile(row, q) for row, q in zip(x, rng.uniform(80, 99, n), strict=True)]
    )
    return Problem(tuple(f"m{i}" for i in range(n)), x, w, p, caps, 0.3 * float(p @ caps))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minerals", type=int, default=60)
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--form", choices=["dual", "primal", "both"], default="dual")
    ap.add_argument("--solver", choices=["ipm", "simplex", "choose"], default="ipm")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    pr = synthetic(args.minerals, args.draws, args.seed)
    t0 = time.perf_counter()
    sol = waterfill(pr)
    t_wf = time.perf_counter() - t0
    kkt = check_kkt(pr, sol)
    print(f"problem: {args.minerals} minerals x {args.draws} draws, seed {args.seed}")
    print(f"water-filling: {t_wf:.3f} s, {sol.iterations} bisection steps, KKT ok={kkt['ok']}")
    forms = ["dual", "primal"] if args.form == "both" else [args.form]
    for form in forms:
        lp = solve_lp(pr, form=form, solver=args.solver)
        gap = relative_gap(lp.objective, sol.objective)
        print(
            f"HiGHS LP ({lp.solver}, {lp.rows} rows x {lp.columns} columns): "
            f"{lp.seconds:.1f} s; ratio LP / water-filling = {lp.seconds / t_wf:,.0f}; "
            f"relative objective gap {gap:.1e}"
        )


if __name__ == "__main__":
    main()
