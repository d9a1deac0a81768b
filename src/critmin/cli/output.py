"""Output helpers shared by the commands: JSON to stdout, tables through rich."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _clean(value: Any) -> Any:
    # JSON has no NaN or Infinity: a missing number is null
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def print_json(obj: Any) -> None:
    print(json.dumps(_clean(obj), default=_default, ensure_ascii=False, indent=2))


def frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def printable(text: str) -> str:
    """``text`` with every control character (Unicode Cc) other than line feed and tab shown
    as an escape (``\\x1b``), so stored text can never drive the terminal (ANSI escapes, a
    carriage return that overwrites the line)."""
    from critmin.columns import CONTROLS  # the same set the table contract refuses

    return CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def print_table(rows: list[dict[str, Any]], columns: list[str], title: str | None = None) -> None:
    """A rich table of ``rows``; every cell and the title are plain text (rich markup such as
    ``[bold]`` in stored text prints as written) with control characters escaped."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(v: Any) -> Text:
        return Text("" if v is None else printable(_fmt(v)))

    table = Table(title=None if title is None else cell(title), show_lines=False)
    for c in columns:
        table.add_column(cell(c))
    for r in rows:
        table.add_row(*(cell(r.get(c)) for c in columns))
    Console().print(table)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, list):
        return "|".join(map(str, v))
    return str(v)
