"""Words for codes: country and mineral names the brief and the dashboard print.

Codes (ISO3, mineral ids) stay in data, hover text and tooltips; prose, legends, axis labels
and table cells use these names. ``XOT`` (USGS "Other countries") and ``WLD`` are aggregates:
:func:`is_country` says so, and rankings leave them out.

Source of the names: the countries and minerals tables of the store (ISO 3166 via pycountry;
USGS 2025 critical-minerals list), with a few short forms where the ISO name is the long
formal one.
"""

from __future__ import annotations

from functools import cache

# ISO 3166 formal names that read badly in a sentence or a legend
SHORT = {
    "COD": "DR Congo",
    "COG": "Republic of the Congo",
    "RUS": "Russia",
    "PSE": "Palestine",
    "FSM": "Micronesia",
}
AGGREGATES = frozenset({"XOT", "WLD"})


@cache
def _countries() -> dict[str, str]:
    from critmin.store import read_table

    rows = read_table("countries").select("iso3", "name").to_dicts()
    return {r["iso3"]: SHORT.get(r["iso3"], r["name"]) for r in rows}


@cache
def _minerals() -> dict[str, str]:
    from critmin.store import read_table

    rows = read_table("minerals").select("mineral_id", "name").to_dicts()
    return {r["mineral_id"]: r["name"] for r in rows}


@cache
def _agencies() -> dict[str, str]:
    import re

    from critmin.store import read_table

    rows = read_table("agencies").select("agency_id", "name").to_dicts()
    # "Department of War (Department of Defense until September 2025)" -> "Department of War"
    return {r["agency_id"]: re.sub(r"\s*\([^)]*\)$", "", r["name"]) for r in rows}


def agency(agency_id: str | None) -> str:
    """``'usa-dla'`` -> ``'Defense Logistics Agency'`` (the agencies table's name without a
    trailing note in brackets); an unknown id is returned in words."""
    if not agency_id:
        return ""
    return _agencies().get(agency_id, words(agency_id))


def country(iso3: str | None) -> str:
    """``'COD'`` -> ``'DR Congo'``; an unknown code is returned as it is (never invented)."""
    if not iso3:
        return ""
    return _countries().get(iso3, iso3)


def mineral(mineral_id: str | None) -> str:
    """``'rare_earths'`` -> ``'Rare earths'`` (the minerals table's name, else the id in words)."""
    if not mineral_id:
        return ""
    return _minerals().get(mineral_id, mineral_id.replace("_", " ").capitalize())


def mineral_lower(mineral_id: str | None) -> str:
    """A mineral name inside a sentence: ``'rare earths'``, ``'cobalt'``."""
    text = mineral(mineral_id)
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def is_country(iso3: str | None) -> bool:
    """False for the USGS aggregates 'Other countries' (XOT) and 'World' (WLD)."""
    return bool(iso3) and iso3 not in AGGREGATES


def in_words(text: str) -> str:
    """Country codes inside a generated sentence (an API reason such as "withheld by the
    source (W): USA") replaced by names; other capitals are left alone."""
    import re

    known = _countries()
    return re.sub(
        r"\b[A-Z]{3}\b",
        lambda m: known.get(m.group(), m.group()) if is_country(m.group()) else m.group(),
        text,
    )


def words(text: str) -> str:
    """An internal id in words: ``'letters_of_interest'`` -> ``'letters of interest'``."""
    return text.replace("_", " ")
