"""Start-up time of the `critmin` command, as a ratio to a bare interpreter in the same run.

Run: uv run python benchmarks/bench_cli_startup.py [--repeat 9] [--src PATH]

Each case is a fresh process (`python -m critmin ...`), timed wall-clock; the table gives the
median and its ratio to `python -c pass` measured in the same run, interleaved, so a loaded
machine slows both alike. The ratio is the figure to compare between runs and machines, not
the seconds. One untimed warm-up run of each case first fills the bytecode cache (with
PYTHONDONTWRITEBYTECODE set, every import would be compiled again in each run) and builds the
store if it is missing. ``--src`` puts another checkout's ``src`` first on the path, to
compare two versions on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES: dict[str, list[str]] = {
    "python -c pass (baseline)": ["-c", "pass"],
    "python -c 'import typer'": ["-c", "import typer"],
    "python -c 'import polars, duckdb'": ["-c", "import polars, duckdb"],
    "critmin --help": ["-m", "critmin", "--help"],
    "critmin --version": ["-m", "critmin", "--version"],
    "critmin minerals": ["-m", "critmin", "minerals"],
    "critmin sources": ["-m", "critmin", "sources"],
    "critmin concentration cobalt": ["-m", "critmin", "concentration", "cobalt"],
    "critmin controls": ["-m", "critmin", "controls"],
    "critmin prices cobalt": ["-m", "critmin", "prices", "cobalt"],
}


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--src", help="another checkout's src folder, put first on the path")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "80"
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.src, env.get("PYTHONPATH")]))
    cases = {name: [sys.executable, *argv] for name, argv in CASES.items()}
    for name, cmd in list(cases.items()):  # warm-up: bytecode cache, store
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if done.returncode != 0:
            print(f"skipped (exit {done.returncode} in this version): {name}")
            del cases[name]
    times: dict[str, list[float]] = {name: [] for name in cases}

    for _ in range(args.repeat):  # interleaved: a burst of load hits every case alike
        for name, cmd in cases.items():
            times[name].append(wall(cmd, env))
    base = statistics.median(times["python -c pass (baseline)"])
    print(f"{'case':36s} {'median ms':>10s} {'x baseline':>11s}")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"{name:36s} {t * 1000:10.1f} {t / base:11.1f}")


if __name__ == "__main__":
    main()
