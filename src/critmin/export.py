"""Tables as files: CSV and XLSX from rows of JSON values, with the sources the rows cite.

One cell rule serves the HTTP API's ``?format=csv|xlsx`` and the brief's "data (CSV)" links,
so a downloaded file reads the same wherever it comes from:

- ``null`` is an empty cell (missing, never zero);
- a number is written as JSON writes it (shortest round-trip form: ``0.1``, ``1e+20``);
  in XLSX it is a number cell;
- ``true``/``false`` are written as JSON writes them; in XLSX a boolean cell;
- a list of scalars is its items joined by ``"; "`` (``cobalt; nickel``); any other list or
  object is its compact JSON text;
- a date is written in ISO 8601 (``2025-07-10``);
- text is written as it is. In XLSX every text cell is written as a string, never read as a
  formula, a number or a link.

CSV follows RFC 4180: UTF-8, a header row, CRLF line ends, fields quoted when they hold a
comma, a quote or a line break (the stdlib ``csv`` module). Columns are the rows' keys in the
order they first appear. The sources sheet of an XLSX file has the columns
:data:`SOURCE_COLUMNS` for each source id the table cites (:func:`cited_ids`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SOURCE_COLUMNS = ("source_id", "publisher", "title", "url", "published")
LIST_SEP = "; "
MAX_SHEET_NAME = 31  # Excel's limit
_SHEET_BAD = set("[]:*?/\\")


def columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of ``rows``, in the order each first appears."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def cell_text(v: Any) -> str:
    """One value as a CSV cell (module docstring). Values that are not JSON yet: a date as
    ISO 8601, a numpy number as the number, NaN and infinity as an empty cell (missing)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return json.dumps(v)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        x = float(v)
        return json.dumps(x) if math.isfinite(x) else ""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple) and all(_scalar(x) for x in v):
        return LIST_SEP.join(cell_text(x) for x in v)
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=str)


def to_csv(rows: Sequence[Mapping[str, Any]], cols: Sequence[str] | None = None) -> str:
    """``rows`` as RFC 4180 CSV text with a header row; ``cols`` default :func:`columns`.
    No rows and no ``cols``: an empty text (there is no header to write)."""
    cols = list(cols) if cols is not None else columns(rows)
    if not cols:
        return ""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in cols])
    return buf.getvalue()


def cited_ids(
    rows: Iterable[Mapping[str, Any]], extra: Iterable[Any] = (), key: str | None = None
) -> list[str]:
    """Source ids ``rows`` cite, first-seen order: each row's ``source_id`` and ``sources``
    (or ``key``: a str or a list of str), then ``extra`` (ids, or objects with a
    ``source_id``)."""
    keys = (key,) if key else ("source_id", "sources")
    out: dict[str, None] = {}

    def add(v: Any) -> None:
        if isinstance(v, str) and v:
            out.setdefault(v, None)
        elif isinstance(v, Mapping):
            add(v.get("source_id"))
        elif isinstance(v, list | tuple):
            for x in v:
                add(x)

    for row in rows:
        for k in keys:
            add(row.get(k))
    add(list(extra))
    return list(out)


def source_rows(ids: Sequence[str], table: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The :data:`SOURCE_COLUMNS` of each of ``ids`` from the sources ``table``, in the order
    of ``ids``; an id the table lacks keeps its row with the other columns empty."""
    wanted = set(ids)
    found = {r["source_id"]: r for r in table if r.get("source_id") in wanted}
    return [
        {c: (i if c == "source_id" else found.get(i, {}).get(c)) for c in SOURCE_COLUMNS}
        for i in ids
    ]


def sheet_name(text: str) -> str:
    """``text`` as an Excel sheet name: no ``[]:*?/\\``, at most 31 characters, not empty."""
    name = "".join("_" if ch in _SHEET_BAD else ch for ch in text).strip("'")
    return name[:MAX_SHEET_NAME] or "table"


Sheet = tuple[str, Sequence[Mapping[str, Any]], Sequence[str] | None]


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook of ``sheets`` (name, rows, columns or None for :func:`columns`), the
    header row bold and frozen; cells typed by the module docstring's rule."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = book.add_format({"bold": True})
    used: set[str] = set()
    for title, rows, cols in sheets:
        name = base = sheet_name(title)
        n = 1
        while name.lower() in used:  # Excel compares sheet names without case
            n += 1
            name = base[: MAX_SHEET_NAME - len(str(n)) - 1] + f"-{n}"
        used.add(name.lower())
        sheet = book.add_worksheet(name)
        names = list(cols) if cols is not None else columns(rows)
        for j, c in enumerate(names):
            sheet.write_string(0, j, c, bold)
        for i, row in enumerate(rows, 1):
            for j, c in enumerate(names):
                v = row.get(c)
                if v is None:
                    continue
                if isinstance(v, bool):
                    sheet.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    sheet.write_number(i, j, v)
                else:
                    sheet.write_string(i, j, cell_text(v))
        if names:
            sheet.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()
