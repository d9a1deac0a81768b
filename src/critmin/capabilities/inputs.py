"""What a caller typed -> the canonical value, for the Python API's keyword arguments.

The same look-ups as the CLI's option callbacks and the HTTP API's filters
(:mod:`critmin.vocab`): a value that matches nothing is an InputError naming the keyword
argument, the value and the closest valid values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from critmin.errors import InputError

if TYPE_CHECKING:
    from critmin.store import StoreArg

StorePath: TypeAlias = "StoreArg"  # a file path or a critmin.store.Store


def mineral(value: str, path: StorePath = None, field: str = "mineral") -> str:
    """The mineral id of ``value`` (id, name or symbol, any case): "Co" -> "cobalt"."""
    from critmin.vocab import choose, mineral_spellings

    if not isinstance(value, str):
        raise InputError("expected a mineral id, name or symbol", field=field, value=value)
    return choose(value, mineral_spellings(path), field)


def minerals(values: Iterable[str] | str | None, path: StorePath = None) -> list[str] | None:
    """Mineral ids of a list (or a comma-separated string); None or empty -> None."""
    if values is None:
        return None
    items = values.split(",") if isinstance(values, str) else list(values)
    out = [mineral(v.strip(), path, "minerals") for v in items if str(v).strip()]
    return out or None


def country(value: str | None, field: str, path: StorePath = None) -> str | None:
    """ISO3 of ``value`` (ISO3, ISO2, name or alias, any case); None stays None."""
    if value is None:
        return None
    from critmin.vocab import resolve_country

    if not isinstance(value, str):
        raise InputError("expected a country ISO3, ISO2 or name", field=field, value=value)
    return resolve_country(value, field, path)


def choice(value: Any, options: Iterable[str], field: str) -> Any:
    """The option ``value`` names (any case or spacing); None stays None."""
    if value is None:
        return None
    from critmin.vocab import choose

    return choose(str(value), tuple(options), field)


def day(value: str | dt.date | None, field: str) -> str | None:
    """A date as YYYY-MM-DD text; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None


def count(value: Any, field: str, low: int = 1, high: int | None = None) -> int:
    """An integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"must be an integer >= {low}", field=field, value=value)
    if high is not None and value > high:
        raise InputError(f"must be an integer <= {high:,}", field=field, value=value)
    return value


def year(value: Any, field: str = "year") -> int | None:
    """A year (an integer) or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("expected a year such as 2024", field=field, value=value)
    return value


def seed(value: Any, field: str = "seed") -> int:
    """A Monte Carlo seed: an integer >= 0 (bool is refused), checked as the engines check it."""
    from critmin.sim.rng import check_seed

    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("must be an integer >= 0", field=field, value=value)
    return int(check_seed(value))
