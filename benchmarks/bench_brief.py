"""`critmin brief`: time to write the briefing, as a ratio to building the store, and per section.

Run: uv run python benchmarks/bench_brief.py [--repeat 3]

Each repeat, in fresh processes and interleaved so that both see the same machine load:

1. build a new store from the bundled data (``critmin db info`` on an empty ``CRITMIN_DB``);
2. write the briefing from that store (``critmin brief --out ... --force --json``), which is
   the README's first command once the store exists.

It prints the median wall time of each, the ratio brief / store build (the figure to compare
between runs and machines: these machines are shared and noisy), the seconds the brief spent
in each section (one in-process run, timed at the builder's progress steps) and the size of
the file. Issue 24 asks for a brief written in under 15 s on the 2-core machine; the script
says whether the median met that, without failing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 15.0


def run(args: list[str], db: Path) -> tuple[float, str]:
    """Wall seconds and stdout of ``python -m critmin ARGS`` against the store ``db``."""
    env = {**os.environ, "CRITMIN_DB": str(db), "CRITMIN_NO_CACHE": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "critmin", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, done.stdout


def sections(db: Path, out: Path) -> list[tuple[str, float]]:
    """Seconds per section of one in-process build (the time between progress steps)."""
    os.environ["CRITMIN_DB"] = str(db)
    from critmin.brief.builder import build_brief

    marks: list[tuple[str, float]] = []
    build_brief(out, progress=lambda name: marks.append((name, time.perf_counter())), force=True)
    end = time.perf_counter()
    return [
        (n, (marks[i + 1][1] if i + 1 < len(marks) else end) - t) for i, (n, t) in enumerate(marks)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    builds: list[float] = []
    briefs: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            db = Path(tmp) / f"store-{i}.duckdb"
            out = Path(tmp) / "brief.html"
            t_build, _ = run(["db", "info"], db)
            t_brief, stdout = run(["brief", "--out", str(out), "--force", "--json"], db)
            builds.append(t_build)
            briefs.append(t_brief)
            size = int(json.loads(stdout)["bytes"])
            print(f"run {i + 1}: store build {t_build:.1f} s, brief {t_brief:.1f} s", flush=True)
        per_section = sections(Path(tmp) / f"store-{args.repeat - 1}.duckdb", Path(tmp) / "b.html")
    build, brief = statistics.median(builds), statistics.median(briefs)
    print()
    print(f"{'case':<40}{'median s':>10}{'x store build':>15}")
    print(f"{'store build (db info, new store)':<40}{build:>10.1f}{1.0:>15.2f}")
    print(f"{'brief (written from the store)':<40}{brief:>10.1f}{brief / build:>15.2f}")
    met = "met" if brief < TARGET_S else "NOT met"
    print(f"brief file: {size / 1e6:.2f} MB; target < {TARGET_S:g} s: {met}")
    print()
    print(f"{'section (one in-process run)':<40}{'s':>10}")
    for name, seconds in per_section:
        print(f"{name:<40}{seconds:>10.2f}")


if __name__ == "__main__":
    main()
