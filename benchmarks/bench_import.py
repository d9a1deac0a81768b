"""`data import` of production rows: rows/s of the bulk path, and against the old path.

Run: uv run python benchmarks/bench_import.py [--rows 120000] [--old-rows 5000]
Writes a CSV of ``--rows`` valid, distinct production rows (minerals and countries from the
bundled data, synthetic products and years), imports it into a fresh store (all new keys),
then imports it again (every key replaced: the worst case for the delete). Then, on
``--old-rows`` rows, times the old write path (one DELETE per row, as before issue 26)
against the new one in the same run and prints the ratio. Parsing and validation (outside the
write lock) are timed apart from the write transaction. The machines are shared and noisy:
compare ratios between runs.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path
from typing import Any

from critmin.data.bundled import read_csv
from critmin.schema import TABLES
from critmin.store import (
    ensure_store,
    import_csv,
    insert_rows,
    raw_connection,
    read_table,
    upsert_rows,
)

COLS = TABLES["production"].columns


def write_rows(path: Path, n: int, store: Path) -> None:
    minerals = read_table("minerals", store)["mineral_id"].to_list()
    countries = [c for c in read_table("countries", store)["iso3"].to_list() if c != "WLD"]
    source = read_table("sources", store)["source_id"][0]
    m, c, y = len(minerals), len(countries), 201
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLS)
        for i in range(n):
            row = {
                "mineral_id": minerals[i % m],
                "stage": "mine" if i % 2 else "refine",
                "product": f"bench product {i // (m * c * y)}",
                "headline": "false",
                "iso3": countries[(i // m) % c],
                "year": 1900 + (i // (m * c)) % y,
                "value": 1000 + i % 997,
                "unit": "t",
                "basis": "gross",
                "estimated": "false",
                "flag": "",
                "note": "",
                "source_id": source,
            }
            w.writerow([row[k] for k in COLS])


def old_upsert(rows: list[dict[str, Any]], store: Path) -> None:
    """The write path before issue 26: one DELETE per row inside the transaction."""
    spec = TABLES["production"]
    keys = ", ".join(f'"{c}"' for c in spec.key)
    marks = ", ".join("?" for _ in spec.key)
    with raw_connection(store) as con:
        con.execute("BEGIN TRANSACTION")
        con.executemany(
            f"DELETE FROM production WHERE ({keys}) = ({marks})",
            [[r[c] for c in spec.key] for r in rows],
        )
        insert_rows(con, "production", rows)
        con.execute("COMMIT")


def fresh_store(folder: Path, name: str, template: Path) -> Path:
    p = folder / name
    p.write_bytes(template.read_bytes())
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=120_000)
    ap.add_argument("--old-rows", type=int, default=5_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = ensure_store(folder / "template.duckdb")
        big = folder / "big.csv"
        write_rows(big, args.rows, template)
        store = fresh_store(folder, "big.duckdb", template)
        t0 = time.perf_counter()
        rows, failures = read_csv(big, TABLES["production"])
        t_parse = time.perf_counter() - t0
        assert not failures, failures[0]
        t0 = time.perf_counter()
        upsert_rows({"production": rows}, store)
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        n = import_csv("production", big, store)
        t_again = time.perf_counter() - t0
        held = read_table("production", store).height
        print(
            f"{args.rows:,} rows: parse+validate {t_parse:.2f} s "
            f"({args.rows / t_parse:,.0f} rows/s), write (new keys) {t_write:.2f} s "
            f"({args.rows / t_write:,.0f} rows/s)"
        )
        print(
            f"import again (every key replaced), whole command path: {t_again:.2f} s "
            f"({n / t_again:,.0f} rows/s); production table holds {held:,} rows"
        )
        small = folder / "small.csv"
        write_rows(small, args.old_rows, template)
        rows, _ = read_csv(small, TABLES["production"])
        timings = {}
        for label, fn in (("old", old_upsert), ("new", None)):
            s = fresh_store(folder, f"{label}.duckdb", template)
            t0 = time.perf_counter()
            if fn is None:
                upsert_rows({"production": rows}, s)
                upsert_rows({"production": rows}, s)
            else:
                fn(rows, s)
                fn(rows, s)
            timings[label] = time.perf_counter() - t0
        print(
            f"{args.old_rows:,} rows written twice (new, then replaced): old path "
            f"{timings['old']:.2f} s, new path {timings['new']:.2f} s, "
            f"ratio {timings['old'] / timings['new']:.0f}x"
        )


if __name__ == "__main__":
    main()
