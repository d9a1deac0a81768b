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

Each critmin command is timed twice: ``cold`` with the render cache off
(``CRITMIN_NO_CACHE=1``: typer, rich, polars and duckdb are imported and the store is read,
as on a cache miss) and ``warm`` with it on, answered from the cache the warm-up filled
(critmin.cli.render_cache; a private cache folder in a temporary directory). A version
without the cache times the same in both rows. The commands read a private store in the same
temporary directory (built by the warm-up), unless ``--db`` names one: another process that
writes the default store (a rebuild from another checkout's data) would otherwise turn warm
runs into misses and add rebuilds to cold ones.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BASELINES: dict[str, list[str]] = {
    "python -c pass (baseline)": ["-c", "pass"],
    "python -c 'import typer'": ["-c", "import typer"],
    "python -c 'import polars, duckdb'": ["-c", "import polars, duckdb"],
}
COMMANDS: list[list[str]] = [
    ["--help"],
    ["--version"],
    ["minerals"],
    ["sources"],
    ["concentration", "cobalt"],
    ["controls"],
    ["prices", "cobalt"],
]


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
    ap.add_argument("--db", help="the store to read (default: a private one, built here)")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "80"
    env.pop("CRITMIN_NO_CACHE", None)
    scratch = tempfile.mkdtemp(prefix="critmin-bench-")
    env["CRITMIN_CACHE_DIR"] = os.path.join(scratch, "cache")
    env["CRITMIN_DB"] = args.db or os.path.join(scratch, "critmin.duckdb")
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.src, env.get("PYTHONPATH")]))
    cold_env = {**env, "CRITMIN_NO_CACHE": "1"}
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        name: ([sys.executable, *argv], env) for name, argv in BASELINES.items()
    }
    for argv in COMMANDS:
        cmd = [sys.executable, "-m", "critmin", *argv]
        cases[f"critmin {' '.join(argv)} (cold)"] = (cmd, cold_env)
        cases[f"critmin {' '.join(argv)} (warm)"] = (cmd, env)
    for name, (cmd, case_env) in list(cases.items()):  # warm-up: bytecode, store, cache
        for _ in range(2):  # the first run may build the store (no entry is kept then)
            done = subprocess.run(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=case_env
            )
        if done.returncode != 0:
            print(f"skipped (exit {done.returncode} in this version): {name}")
            del cases[name]
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved: a burst of load hits every case alike
        for name, (cmd, case_env) in cases.items():
            w, c = wall_and_cpu(cmd, case_env)
            walls[name].append(w)
            cpus[name].append(c)
    base_w = statistics.median(walls["python -c pass (baseline)"])
    base_c = statistics.median(cpus["python -c pass (baseline)"])
    print(f"{'case':40s} {'wall ms':>9s} {'x pass':>7s} {'cpu ms':>9s} {'x pass':>7s}")
    for name in cases:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:40s} {w * 1000:9.1f} {w / base_w:7.1f} {c * 1000:9.1f} {c / base_c:7.1f}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
