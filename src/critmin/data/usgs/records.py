"""CSV records of the USGS files and lookup of their header columns."""

from __future__ import annotations

import csv
import re
from collections.abc import Generator
from pathlib import Path

from critmin.data.usgs.cells import clean
from critmin.errors import InputError


def read_records(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(first line number, cells) of every CSV record of ``path`` (UTF-8, BOM optional)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            last = 0
            for cells in reader:
                yield last + 1, cells
                last = reader.line_num
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=str(path)) from None


def is_blank(cells: list[str]) -> bool:
    return not any(clean(c) for c in cells)


def header_index(header: list[str]) -> dict[str, int]:
    """Column name (spaces removed, upper case) -> position."""
    return {re.sub(r"\s+", "", h).upper(): i for i, h in enumerate(header) if h.strip()}


def need_column(index: dict[str, int], name: str, file: str) -> int:
    if name not in index:
        raise InputError("missing column", file=file, line=1, column=name)
    return index[name]


def cell_at(cells: list[str], i: int | None) -> str:
    return cells[i] if i is not None and i < len(cells) else ""
