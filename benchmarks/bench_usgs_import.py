"""Time of the full MCS 2026 release import, as a ratio to reading the same CSV with polars.

Run: uv run python benchmarks/bench_usgs_import.py [RAW_DIR] [--repeat 5]

Two measures of :func:`critmin.data.usgs.read_usgs` on ``MCS2026_Commodities_Data.csv``
(8,886 lines, Windows-1252): rows (file lines) per second, median of ``--repeat`` runs, and
peak Python memory (tracemalloc), each beside the same measure of ``polars.read_csv`` reading
the file alone (decoded from Windows-1252, every column as text), and as a ratio to it. Nothing
is written: the store and the bundled CSVs are not touched.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, int]:
    """(median seconds, peak traced bytes) of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    from critmin.data.build import default_raw_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw", nargs="?", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import polars as pl

    from critmin.data.usgs import read_usgs

    file = (args.raw or default_raw_dir()) / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv"
    lines = file.read_bytes().count(b"\n") - 1

    def with_polars() -> object:
        text = file.read_bytes().decode("cp1252")
        return pl.read_csv(io.StringIO(text), infer_schema=False)

    read_usgs(file)  # warm: mapping, countries, imports
    base_t, base_m = measure(with_polars, args.repeat)
    imp_t, imp_m = measure(lambda: read_usgs(file), args.repeat)
    print(f"file: {file.name}, {lines} lines, {args.repeat} runs (median)")
    print(f"{'':18} {'seconds':>9} {'rows/s':>10} {'peak MiB':>9}")
    for name, t, m in (("polars.read_csv", base_t, base_m), ("read_usgs", imp_t, imp_m)):
        print(f"{name:18} {t:9.4f} {lines / t:10,.0f} {m / 2**20:9.1f}")
    print(f"ratio import/polars: time x{imp_t / base_t:.1f}, peak memory x{imp_m / base_m:.1f}")


if __name__ == "__main__":
    main()
