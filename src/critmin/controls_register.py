"""The export-control register (Q3): each control's status on a day from its dated events, the
controls in force, and one control's event chain."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from critmin.errors import InputError
from critmin.queries import minerals

if TYPE_CHECKING:
    from critmin.store import StoreArg


def _parse_date(value: str | dt.date | None, field: str) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None


def control_status(
    control: dict[str, Any], events: list[dict[str, Any]], on: dt.date
) -> dict[str, Any]:
    """Status of one export control on day ``on`` from its event chain: not_yet, announced,
    active, suspended, unconfirmed (a suspension whose end has passed with no later event
    recorded: neither active nor lifted) or lifted, with the date that set it, the status in
    words, and the minerals, targets, quota and rate in force that day. The rule is
    :func:`critmin.control_chain.status_on`'s (docs/method.md, "Export controls")."""
    from critmin.control_chain import status_on

    return status_on(control, events, on)


def control_chains(path: StoreArg) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Control rows and each control's events (any order)."""
    from critmin.store import read_table

    table = read_table("export_controls", path).to_dicts()
    events: dict[str, list[Any]] = {}
    for e in read_table("control_events", path).to_dicts():
        events.setdefault(e["control_id"], []).append(e)
    return table, events


# statuses `controls --on D` lists when no --status is given: every control that exists that
# day (announced, in force, suspended, or of unconfirmed status), not those lifted or not yet
LISTED_ON = ("announced", "active", "suspended", "unconfirmed")


def _mineral_spellings(path: StoreArg) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in minerals(path).to_dicts():
        for name in (r["mineral_id"], r["name"], r["symbol"]):
            if name:
                out.setdefault(str(name), str(r["mineral_id"]))
    return out


def controls(
    country: str | None = None,
    on: str | dt.date | None = None,
    mineral: str | None = None,
    path: StoreArg = None,
    *,
    measure: str | None = None,
    status: str | None = None,
    active_on: str | dt.date | None = None,
) -> list[dict[str, Any]]:
    """The export-control register, each control with its status on a date (default today).

    Filters, all case-insensitive; a value that matches nothing is an InputError naming the
    field and the closest valid values (critmin.vocab), never an empty answer:
    - ``country``: the imposing state as ISO3, ISO2, name or alias;
    - ``on`` (``active_on`` is its older name): the day; with it, only controls that exist
      that day are listed (announced, active, suspended or unconfirmed; not lifted, not yet);
    - ``mineral``: id, name or symbol; a control covering the mineral's group counts; with
      ``on`` the minerals of that day (after amendments), else any the control ever covered;
    - ``measure``: one of schema.MEASURES; ``status``: one of critmin.control_chain.STATUSES.
    Each row carries status, status_text (in words), status_since, status_until, the
    minerals and targets of that day, the quota and rate in force (``quota``/``rate``:
    quantity, unit, note, date, source_id, or null), the first announced/effective/lifted
    dates and every source of the control and its events.
    """
    from critmin.control_chain import STATUSES, first_date
    from critmin.schema import MEASURES
    from critmin.vocab import choose, resolve_country

    if on is None and active_on is not None:
        day = _parse_date(active_on, "active_on")
        dated = True
    else:
        day = _parse_date(on, "on")
        dated = on is not None
    iso3 = resolve_country(country, "country", path) if country is not None else None
    mineral_id = choose(mineral, _mineral_spellings(path), "mineral") if mineral else None
    kind = choose(measure, MEASURES, "measure") if measure is not None else None
    wanted = choose(status, STATUSES, "status") if status is not None else None
    group = None
    if mineral_id:
        group = minerals(path).filter(minerals(path)["mineral_id"] == mineral_id)
        group = group.to_dicts()[0]["reported_as"]
    table, events = control_chains(path)
    out = []
    for row in table:
        if iso3 and row["imposing_iso3"] != iso3:
            continue
        if kind and row["measure"] != kind:
            continue
        chain = events.get(row["control_id"], [])
        st = control_status(row, chain, day)
        if wanted is not None and st["status"] != wanted:
            continue
        if wanted is None and dated and st["status"] not in LISTED_ON:
            continue
        if mineral_id:
            held = set(st["minerals"])
            if not dated:
                held |= set(row["mineral_ids"])
                held |= {m for e in chain for m in (e["minerals_added"] or [])}
            if mineral_id not in held and group not in held:
                continue
        out.append(
            {
                **row,
                "mineral_ids": st["minerals"],
                "target": st["targets"],
                "announced": first_date(chain, "announced"),
                "effective": first_date(chain, "effective"),
                "lifted": first_date(chain, "lifted"),
                "status": st["status"],
                "status_text": st["text"],
                "status_since": st["since"],
                "status_until": st["until"],
                "status_on": day,
                "quota": st["quota"],
                "rate": st["rate"],
                "events": len(chain),
                "sources": sorted({row["source_id"]} | {e["source_id"] for e in chain}),
            }
        )
    return sorted(
        out,
        key=lambda r: (
            r["effective"] or r["announced"] or r["lifted"] or dt.date.min,
            r["control_id"],
        ),
    )


def control_events(
    control_id: str, on: str | dt.date | None = None, path: StoreArg = None
) -> dict[str, Any]:
    """One export control with its dated event chain, each event with its source (publisher,
    title, URL, date), and its status on ``on`` (default today) as :func:`controls` gives it.
    An unknown id is an InputError naming the closest ids."""
    from critmin.control_chain import ordered
    from critmin.store import read_table
    from critmin.vocab import choose

    day = _parse_date(on, "on")
    table, events = control_chains(path)
    by_id = {r["control_id"]: r for r in table}
    cid = choose(control_id, list(by_id), "control_id")
    row = by_id[cid]
    chain = events.get(cid, [])
    st = control_status(row, chain, day)
    src = {r["source_id"]: r for r in read_table("sources", path).to_dicts()}

    def cite(sid: str) -> dict[str, Any]:
        s = src.get(sid, {})
        keep = ("publisher", "title", "url", "published")
        return {"source_id": sid, **{k: s.get(k) for k in keep}}

    return {
        **row,
        "status": st["status"],
        "status_text": st["text"],
        "status_since": st["since"],
        "status_until": st["until"],
        "status_on": day,
        "minerals_on": st["minerals"],
        "targets_on": st["targets"],
        "quota": st["quota"],
        "rate": st["rate"],
        "source": cite(row["source_id"]),
        "events": [{**e, "source": cite(e["source_id"])} for e in ordered(chain)],
    }
