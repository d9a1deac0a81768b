"""What a user typed -> the canonical value: filters that never fail silently.

Every filter of the CLI and HTTP API (country, mineral, measure, status, instrument, agency)
resolves through here: case and spacing do not matter, a country may be named by ISO3, ISO2,
its name or an alias, and a value that matches nothing is an :class:`InputError` naming the
field, the value and the closest valid values (CLI exit 2, HTTP 422), never an empty answer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from critmin.errors import InputError

if TYPE_CHECKING:
    from critmin.store import StoreArg


def normal(text: str) -> str:
    """Case- and spacing-insensitive form: "Price-Floor " -> "price floor"."""
    return re.sub(r"[\s_\-]+", " ", text.casefold()).strip()


def closest(value: str, options: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` options nearest to ``value`` (difflib ratio >= 0.5), nearest first; when
    none is that near, the first ``n`` options in sorted order, so a hint is always given."""
    pool = sorted(set(options))
    found = difflib.get_close_matches(normal(value), [normal(o) for o in pool], n=n, cutoff=0.5)
    by_normal = {normal(o): o for o in pool}
    return [by_normal[f] for f in found] or pool[:n]


def choose(value: str, options: Mapping[str, str] | Iterable[str], field: str) -> str:
    """The canonical value ``value`` names, from ``options`` (canonical values, or a mapping
    of any accepted spelling -> canonical value). Raises InputError with the closest
    canonical values when nothing matches."""
    spellings = dict(options) if isinstance(options, Mapping) else {o: o for o in options}
    table = {normal(k): v for k, v in spellings.items()}
    table.update({normal(v): v for v in spellings.values()})
    hit = table.get(normal(str(value)))
    if hit is not None:
        return hit
    near = closest(str(value), set(spellings.values()) | set(spellings))
    canonical = list(dict.fromkeys(table[normal(n)] for n in near))
    raise InputError(
        f"unknown value; did you mean {canonical[0]}? closest valid: " + ", ".join(canonical),
        field=field,
        value=value,
    )


def country_names(path: StoreArg = None) -> dict[str, str]:
    """Every accepted spelling of a country (ISO3, ISO2, name, aliases) -> ISO3."""
    from critmin.store import read_table

    out: dict[str, str] = {}
    for row in read_table("countries", path).to_dicts():
        iso3 = str(row["iso3"])
        for name in [iso3, row.get("iso2"), row["name"], *(row.get("aliases") or [])]:
            if name:
                out.setdefault(str(name), iso3)
    return out


def mineral_spellings(path: StoreArg = None) -> dict[str, str]:
    """Every accepted spelling of a mineral (id, name, symbol) -> mineral id; the first
    mineral in table order keeps a spelling two share."""
    from critmin.store import read_rows

    out: dict[str, str] = {}
    for row in read_rows("minerals", path):
        for name in (row["mineral_id"], row["name"], row["symbol"]):
            if name:
                out.setdefault(str(name), str(row["mineral_id"]))
    return out


def resolve_country(value: str, field: str = "country", path: StoreArg = None) -> str:
    """ISO3 of a country given as ISO3, ISO2, name or alias, any case ("cn", "China",
    "chn" -> "CHN"); InputError with the closest codes otherwise."""
    return choose(value, country_names(path), field)
