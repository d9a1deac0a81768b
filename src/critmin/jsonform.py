"""The one JSON form of every answer: what ``--json`` prints, the HTTP API returns and
:meth:`critmin.results.Result.to_dict` gives.

Dates become ISO strings, NaN and infinity become null (JSON has neither), numpy scalars and
arrays become numbers and lists. No heavy import: the command line loads this at start.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any


def default(value: Any) -> Any:
    """``json.dumps`` fallback: dates as ISO text, numpy scalars and arrays as plain values."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def clean(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, infinity) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def dumps(obj: Any, indent: int | None = None) -> str:
    """``obj`` as JSON text, in the form above."""
    return json.dumps(clean(obj), default=default, ensure_ascii=False, indent=indent)


def jsonable(obj: Any) -> Any:
    """``obj`` as its JSON text parsed back: plain dicts, lists, str, int, float, bool, None."""
    return clean(json.loads(dumps(obj)))
