"""Start-up time of the `critmin` command, as a ratio to a bare interpreter in the same run.

Run: uv run python benchmarks/bench_cli_startup.py [--repeat 9] [--src PATH]

Each case is a fresh process (`python -m critmin ...`), timed wall-clock; the table gives the
median wall time and CPU time (user + system) and their ratios to `python -c pass` measured
in the same run, interleaved. On a shared, loaded machine the wall time mostly measures the
load; the CPU time is the steadier figure. Ratios, not seconds, compare runs and machines.
One untimed warm-up run of each case first fills the bytecode cache (with
PYTHONDONTWRITEBYTECODE set, every import would be compiled again in each run) and builds the
store if it is missing. ``--src`` puts another checkout's ``src`` first on the path, to
compare two versions on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def wall_and_cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system) of one run of ``cmd``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


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
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved: a burst of load hits every case alike
        for name, cmd in cases.items():
            w, c = wall_and_cpu(cmd, env)
            walls[name].append(w)
            cpus[name].append(c)
    base_w = statistics.median(walls["python -c pass (baseline)"])
    base_c = statistics.median(cpus["python -c pass (baseline)"])
    print(f"{'case':36s} {'wall ms':>9s} {'x pass':>7s} {'cpu ms':>9s} {'x pass':>7s}")
    for name in cases:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:36s} {w * 1000:9.1f} {w / base_w:7.1f} {c * 1000:9.1f} {c / base_c:7.1f}")


if __name__ == "__main__":
    main()
