"""Start-up time of `critmin --help`, against a bare interpreter measured in the same run.

Run: uv run python benchmarks/cli_startup.py [--repeat 15]
Prints the median wall time of each command and the ratio to the baseline. The machines are
shared and noisy, so the ratio is the figure to compare between runs, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "critmin --help": [sys.executable, "-m", "critmin", "--help"],
        "import polars, duckdb (what --help avoids)": [
            sys.executable,
            "-c",
            "import polars, duckdb, pydantic",
        ],
    }
    base = None
    for name, cmd in cases.items():
        t = median_wall(cmd, args.repeat)
        base = base or t
        print(f"{name:45s} {t * 1000:8.1f} ms   x{t / base:5.2f}")


if __name__ == "__main__":
    main()
