"""Standard error at equal CPU time: variance-reduced estimators against plain Monte Carlo.

Run: uv run python benchmarks/bench_floor.py --vr   (or this file directly)

The contract as written (preset mp-ndpr): 41 quarters from 2025-10-01, reference price
the mean of three monthly fixings in the quarter, the preset's volume schedule, the payer's
30 % share of the upside above the floor, and in a second line a hypothetical annual cap of
USD 150M, which binds in most years at 2,599 t (no cap was disclosed). The closed forms are
only controls here: the averaged reference price and the cap have none. Models: the
preset's GBM and OU, and GBM with Merton jumps (1 a year, log-jump mean -0.05, sd 0.20: a
stated benchmark scenario).

For each method: run it (best of --repeat), note seconds t and standard error s of the net
nominal cost; the s.e. at the plain run's CPU time is s sqrt(t / t_plain), and the ratio is
s_plain / (s sqrt(t / t_plain)). All cases in one process, runs interleaved.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

METHODS = ("plain", "antithetic", "cv", "rqmc", "rqmc-cv")


def run(paths: int, repeat: int) -> dict[str, Any]:
    from critmin.sim.floor import Jumps, load_preset
    from critmin.sim.floor_vr import estimate_floor

    spec = load_preset("mp-ndpr")
    base = spec.contract
    gbm, ou = spec.model("gbm"), spec.model("ou")
    jump = gbm.model_copy(update={"jumps": Jumps(intensity=1.0, mean=-0.05, sd=0.2)})
    cases = {}
    for cap_label, cap in (("as written", None), ("cap 150M/yr", 1.5e8)):
        c = base.model_copy(update={"annual_cap_usd": cap})
        for name, model in (("gbm", gbm), ("ou", ou), ("gbm+jumps", jump)):
            best: dict[str, tuple[float, Any]] = {m: (math.inf, None) for m in METHODS}
            for r in range(repeat):
                for m in METHODS:
                    t0 = time.process_time()
                    est = estimate_floor(c, model, spec.terms, method=m, paths=paths, seed=r)
                    secs = time.process_time() - t0
                    if secs < best[m][0]:
                        best[m] = (secs, est)
            t_plain, e_plain = best["plain"]
            rows = {}
            for m, (secs, est) in best.items():
                se = est.stderr["net"]
                se_eq = se * math.sqrt(secs / t_plain)
                rows[m] = {
                    "mean_usd": est.mean["net"],
                    "stderr_usd": se,
                    "cpu_s": secs,
                    "paths": est.paths,
                    "se_ratio_equal_cpu": e_plain.stderr["net"] / se_eq if se_eq > 0 else math.inf,
                }
            cases[f"{name}, {cap_label}"] = rows
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--paths", type=int, default=32_768)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cases = run(args.paths, args.repeat)
    if args.json:
        print(json.dumps(cases, indent=2))
        return
    print(f"{args.paths:,} paths a run, CPU time (process_time), best of {args.repeat}")
    head = ("case", "method", "mean $M", "s.e. $M", "CPU s", "s.e. ratio")
    print(f"{head[0]:28s} {head[1]:12s} {head[2]:>10s} {head[3]:>10s} {head[4]:>7s} {head[5]:>11s}")
    for case, rows in cases.items():
        for m, r in rows.items():
            print(
                f"{case:28s} {m:12s} {r['mean_usd'] / 1e6:10.2f} {r['stderr_usd'] / 1e6:10.4f}"
                f" {r['cpu_s']:7.2f} {r['se_ratio_equal_cpu']:10.1f}x"
            )


if __name__ == "__main__":
    main()
