"""The ledger's agencies (with their parents) and the filters of `ledger list` and `ledger
summary`: any case, names or codes, an unknown value refused with the closest ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from critmin.errors import NotFoundError
from critmin.ledger_rows import as_date
from critmin.schema import (
    INSTRUMENTS,
    STATUSES,
    VERIFICATION,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg


def agencies(path: StoreArg = None) -> dict[str, dict[str, Any]]:
    """The agencies table, by agency_id."""
    from critmin.store import read_table

    return {str(r["agency_id"]): r for r in read_table("agencies", path).to_dicts()}


def agency_chain(table: Mapping[str, Mapping[str, Any]], aid: str) -> list[str]:
    """``aid`` and its parents up to the top (usa-dow-osc -> [usa-dow-osc, usa-dow]). A parent
    chain that loops or names an unknown id stops there."""
    chain = [aid]
    while (parent := table[chain[-1]]["parent"]) and parent in table and parent not in chain:
        chain.append(parent)
    return chain


def agency_roots(table: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """agency_id -> the top of its parent chain (an office rolls up to its department:
    usa-dow-osc -> usa-dow)."""
    return {aid: agency_chain(table, aid)[-1] for aid in table}


def agency_spellings(table: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Every accepted spelling of an agency (id, name, aliases) -> agency_id."""
    out: dict[str, str] = {}
    for aid, row in table.items():
        for name in [aid, row["name"], *(row.get("aliases") or [])]:
            if name:
                out.setdefault(str(name), aid)
    return out


def resolve_agency(value: str, path: StoreArg = None) -> str:
    """The agency_id named by an id, name or alias in any case ("DoD", "pentagon",
    "DoD (OSC)"); InputError with the closest agency ids otherwise."""
    from critmin.vocab import choose

    return choose(value, agency_spellings(agencies(path)), "agency")


def resolve_filters(
    actor: str | None = None,
    agency: str | None = None,
    instrument: str | None = None,
    mineral: str | None = None,
    host: str | None = None,
    status: str | None = None,
    verification: str | None = None,
    path: StoreArg = None,
) -> dict[str, str | None]:
    """Canonical values of the ledger filters: any case; countries by ISO3, ISO2, name or
    alias; agencies by id, name or alias; minerals by id, name or symbol; "price-floor" for
    price_floor. An unknown value is an InputError naming the field and the closest valid
    values (CLI exit 2, HTTP 422)."""
    from critmin.vocab import choose, resolve_country

    out: dict[str, str | None] = {
        "actor": resolve_country(actor, "actor", path) if actor else None,
        "host": resolve_country(host, "host", path) if host else None,
        "agency": resolve_agency(agency, path) if agency else None,
        "instrument": choose(instrument, INSTRUMENTS, "instrument") if instrument else None,
        "status": choose(status, STATUSES, "status") if status else None,
        "verification": (
            choose(verification, VERIFICATION, "verification") if verification else None
        ),
        "mineral": _resolve_mineral(mineral, path) if mineral else None,
    }
    return out


def _resolve_mineral(value: str, path: StoreArg) -> str:
    """critmin.queries.resolve_mineral, with the closest mineral ids when nothing matches."""
    from critmin.queries import minerals, resolve_mineral
    from critmin.vocab import choose

    try:
        return resolve_mineral(value, path)
    except NotFoundError:
        names = {str(m["mineral_id"]): str(m["mineral_id"]) for m in minerals(path).to_dicts()}
        return choose(value, names, "mineral")  # raises, naming the closest ids


def filter_rows(
    rows: Iterable[Mapping[str, Any]],
    actor: str | None = None,
    agency: str | None = None,
    instrument: str | None = None,
    mineral: str | None = None,
    host: str | None = None,
    status: str | None = None,
    since: str | dt.date | None = None,
    verification: str | None = None,
    path: StoreArg = None,
) -> list[dict[str, Any]]:
    """Rows matching every given filter, each resolved by :func:`resolve_filters` first (so an
    unknown value fails naming the closest valid ones, never returns nothing). An agency
    matches its own rows and its offices' (``--agency DoD`` includes OSC, DLA, DPA)."""
    f = resolve_filters(actor, agency, instrument, mineral, host, status, verification, path)
    start = as_date(since, "since")
    roots: dict[str, set[str]] = {}
    if f["agency"]:
        table = agencies(path)
        roots = {aid: set(agency_chain(table, aid)) for aid in table}
    out = []
    for r in rows:
        if f["actor"] and r["actor_iso3"] != f["actor"]:
            continue
        if f["agency"] and f["agency"] not in roots.get(str(r["agency"]), {str(r["agency"])}):
            continue
        if f["instrument"] and r["instrument"] != f["instrument"]:
            continue
        if f["mineral"] and f["mineral"] not in (r["mineral_ids"] or []):
            continue
        if f["host"] and r["host_iso3"] != f["host"]:
            continue
        if f["status"] and r["status"] != f["status"]:
            continue
        if f["verification"] and r["verification"] != f["verification"]:
            continue
        if start and r["date"] < start:
            continue
        out.append(dict(r))
    return out
