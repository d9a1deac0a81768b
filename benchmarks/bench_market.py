"""Structural market model (critmin.sim.market) throughput: one scenario and the full backtest.

Run: uv run python benchmarks/bench_market.py [--draws 2000] [--repeat 3]

Cases, each the best of --repeat rounds, alternating with its baseline in the same process so
that load from other jobs on a shared machine does not favour either side:
- one scenario: simulate_case on the antimony 2024 episode (China's customs export flows,
  36 monthly market clearings per draw, two prices); baseline: numpy drawing the same number
  of uniforms and normals the case draws (the floor: the model cannot beat drawing its inputs);
- one scenario, each path: the 2010 replay (observed flows, 18 months), bismuth 2025 (licence
  approvals, 24 months) and germanium 2023 -> 2025 (per-mineral flows with buying ahead);
- full backtest: run_backtest (grid fit at 300 draws x 66 grid points x 20 cases, in-sample
  and leave-one-episode-out predictions at --draws); baseline: the same one-scenario call, so
  the ratio says how many single-scenario runs the backtest costs.
Reported: draws per second and the ratios (the figures to compare between machines).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from typing import Any


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import numpy as np

    from critmin.sim import backtest as bt
    from critmin.sim import episodes as ep
    from critmin.sim import market as mk

    by_id = {c.case_id: c for c in ep.cases()}
    case = by_id["e2024a-antimony"]
    fit = bt.load_summary()["fit"]  # the bundled in-sample fit
    params = mk.Params(eps_sr=fit["eps_sr"], a_ss=fit["a_ss"], sigma=mk.background_sigma())
    n = args.draws
    paths = {}
    for cid in ("e2010-lanthanum", "e2025a-bismuth", "e2024b-germanium"):
        t = _best(
            lambda c=by_id[cid]: mk.simulate_case(c, params, n, np.random.default_rng(1)),
            args.repeat,
        )
        paths[cid] = {"s": t, "draws_per_s": n / t}

    def one() -> None:
        mk.simulate_case(case, params, n, np.random.default_rng(1))

    def floor() -> None:
        rng = np.random.default_rng(1)
        rng.uniform(size=(16, n))
        rng.standard_normal((2, n))

    t_one = _best(one, args.repeat)
    t_floor = _best(floor, args.repeat)

    def full() -> None:
        bt._GRID_CACHE.clear()  # the backtest from scratch, grid included
        bt.run_backtest(draws=n)

    t_full = _best(full, max(1, args.repeat - 2))
    t_one_again = _best(one, args.repeat)
    cases = len(ep.cases())
    episodes = len({c.episode.episode_id for c in ep.cases()})
    grid_draws = len(bt.EPS_GRID) * len(bt.APPROVAL_GRID) * cases * bt.FIT_DRAWS
    full_draws = grid_draws + 2 * cases * n  # an upper bound on the grid (reused points)
    out = {
        "draws": n,
        "one_scenario_s": t_one,
        "one_scenario_draws_per_s": n / t_one,
        "input_floor_s": t_floor,
        "one_scenario_over_floor": t_one / t_floor,
        "full_backtest_s": t_full,
        "full_backtest_draws_per_s": full_draws / t_full,
        "full_backtest_over_one_scenario": t_full / min(t_one, t_one_again),
        "cases": cases,
        "episodes": episodes,
        "fit": fit,
        "one_scenario_by_path": paths,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
