"""The bundled reference CSVs: find, parse against the table contracts, fingerprint.

Layout: ``reference/<table>/*.csv``; a table may be split over several files named after
their origin (``production/usgs_mcs2025.csv``, ``production/iea_gcmo2025_refining.csv``).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from critmin.errors import InputError, all_problems, shown
from critmin.files import MAX_TABLE_BYTES, read_input_text
from critmin.schema import TABLES, Failure, Table

T = TypeVar("T")

# The csv module stops at a cell over 131,072 characters with csv.Error; let it read any cell
# a size-capped file can hold, so that the table contract (schema.py: every text column has a
# maximum length) refuses an over-long cell naming its column, instead of the reader failing.
CSV_CELL_LIMIT = MAX_TABLE_BYTES


def csv_text(text: str) -> io.StringIO:
    """``text`` as a file for ``csv.reader``: newline="" keeps a line break, a carriage return,
    U+2028 or U+2029 inside a quoted cell as it is (``str.splitlines`` would cut the record
    there), and the csv cell limit is raised to CSV_CELL_LIMIT."""
    if csv.field_size_limit() < CSV_CELL_LIMIT:
        csv.field_size_limit(CSV_CELL_LIMIT)
    return io.StringIO(text, newline="")


def csv_errors(records: Iterable[T], file: str) -> Iterator[T]:
    """``records``, with a csv.Error raised while reading them as one InputError naming the
    file and line."""
    it = iter(records)
    while True:
        try:
            rec = next(it)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(records, "line_num", None)
            raise InputError(f"not a readable CSV ({exc})", file=file, line=line) from None
        yield rec


@functools.cache
def reference_dir() -> Path:
    """Folder of the CSVs shipped inside the package."""
    return Path(str(resources.files("critmin.data") / "reference"))


# files kept beside a table's CSVs that are not rows of it (read by their own code)
NOT_TABLE_ROWS = {"export_controls": ("usgs_t4_reconciliation.csv",)}


def table_files(root: Path, table: Table) -> list[Path]:
    folder = root / table.name
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    files = [f for f in files if f.name not in NOT_TABLE_ROWS.get(table.name, ())]
    single = root / f"{table.name}.csv"  # the layout `critmin db export` writes
    if single.is_file():
        files.append(single)
    return files


_VERSIONS: dict[tuple[Any, ...], str] = {}
# every store read checks the fingerprint; the files are looked at again after this long
RECHECK_S = 1.0
_CHECKED: dict[str, tuple[float, str]] = {}


def data_version(root: Path | None = None) -> str:
    """Fingerprint of the bundled data: sha256 over every CSV's relative path and bytes.

    The bundled data (``root`` not given) includes the two tables kept as files beside their
    engines (critmin.file_tables: the project register and the stockpile inventory), hashed
    under ``file_tables/<name>.csv``. Memoised on the files' (path, size, mtime), which are
    looked at again at most every ``RECHECK_S`` seconds: an edited CSV is seen by a running
    process within a second.
    """
    bundled = root is None
    root = root or reference_dir()
    now = time.monotonic()
    memo = f"{root}\0{bundled}"
    hit = _CHECKED.get(memo)
    if hit is not None and now - hit[0] < RECHECK_S:
        return hit[1]
    files = [(f.relative_to(root).as_posix(), f) for f in sorted(root.rglob("*.csv"))]
    if bundled:
        from critmin.file_tables import FILE_TABLES

        files += [(f"file_tables/{t.name}.csv", t.path) for t in FILE_TABLES.values()]
    stamp = (memo, *((str(f), f.stat().st_size, f.stat().st_mtime_ns) for _, f in files))
    if stamp not in _VERSIONS:
        _VERSIONS[stamp] = _hash_files(files)
    _CHECKED[memo] = (now, _VERSIONS[stamp])
    return _VERSIONS[stamp]


def _hash_files(files: list[tuple[str, Path]]) -> str:
    h = hashlib.sha256()
    for name, path in files:
        h.update(name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Parsed:
    """Typed rows per table, and every failure met while reading them."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def parse_rows(
    table: Table, records: Iterable[tuple[int, dict[str, Any]]], file: str | None
) -> tuple[list[dict[str, Any]], list[Failure]]:
    """Validate ``(line, record)`` pairs against the table's row model."""
    rows: list[dict[str, Any]] = []
    failures: list[Failure] = []
    for line, rec in records:
        try:
            rows.append(table.model.model_validate(rec).model_dump())
        except ValidationError as exc:
            for p in all_problems(exc, rec):
                col = str(p.field)
                val = rec.get(col) if col in rec else None
                failures.append(Failure(table.name, str(line), col, val, p.message, file))
    return rows, failures


def read_csv(
    path: Path, table: Table, field: str = "file"
) -> tuple[list[dict[str, Any]], list[Failure]]:
    """Read one CSV of ``table``; the header must hold exactly the table's columns.

    The file must be a regular file of at most MAX_TABLE_BYTES (critmin.files): anything else
    is an InputError naming ``field``, the option or argument the path was given as.
    """
    name = str(path)
    text = read_input_text(path, field, MAX_TABLE_BYTES, encoding="utf-8-sig")
    reader = csv.reader(csv_text(text))
    header = next(csv_errors(reader, name), None)
    if header is None:
        return [], [Failure(table.name, "1", "header", None, "file is empty", name)]
    header = [h.strip() for h in header]
    expected = table.columns
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        col = (missing or extra)[0]
        msg = "missing column" if missing else "unknown column"
        if col == "edition" and missing:
            msg += (
                " (every row names the publication it comes from: a slug of publisher and "
                "publication year, e.g. usgs-mcs-2026 or iea-gcmo-2025; see docs/data-contract.md)"
            )
        return [], [Failure(table.name, "1", col, ",".join(header), msg, name)]

    def records() -> Iterable[tuple[int, dict[str, Any]]]:
        last = reader.line_num
        for cells in csv_errors(reader, name):
            # the first line of the record: a quoted cell may hold line breaks
            i, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield i, {"__width__": len(cells)}
                continue
            yield i, dict(zip(header, cells, strict=True))

    rows: list[dict[str, Any]] = []
    failures: list[Failure] = []
    for line, rec in records():
        if "__width__" in rec:
            failures.append(
                Failure(
                    table.name,
                    str(line),
                    "row",
                    rec["__width__"],
                    f"expected {len(header)} cells",
                    name,
                )
            )
            continue
        ok, bad = parse_rows(table, [(line, rec)], name)
        rows.extend(ok)
        failures.extend(bad)
    return rows, failures


def read_reference(root: Path | None = None) -> Parsed:
    """Parse every table's CSVs under ``root`` (default: the bundled reference data)."""
    root = root or reference_dir()
    out = Parsed()
    for table in TABLES.values():
        out.rows[table.name] = []
        for path in table_files(root, table):
            rows, failures = read_csv(path, table)
            out.rows[table.name].extend(rows)
            out.failures.extend(failures)
            out.files.append(str(path))
    return out


def one_line(failure: Failure) -> str:
    """The user-facing line for a failure found while reading a file."""
    where = failure.file or failure.table
    return (
        f"{where}: line {failure.row}, column {failure.column!r}: {failure.message}"
        f" (got {shown(failure.value)})"
    )
