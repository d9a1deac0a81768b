"""Export controls as chains of dated events (issue 19): order rules and status on a date.

A control (table ``export_controls``) says what is restricted, by whom and against whom; its
dates live in table ``control_events``, one row per event (announced, effective, amended,
suspended, suspension_extended, resumed, lifted, quota_set, rate_set), each with its source.
Everything here is pure: rows in, answers out. :mod:`critmin.supply` reads the store and
calls these; the CLI, HTTP API, dashboard and brief show what they return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

STATUSES = ("not_yet", "announced", "active", "suspended", "unconfirmed", "lifted")

# Order of events that share a date: a control is announced, then takes effect, is amended or
# given its quota/rate, then suspended, extended, resumed, and last lifted.
EVENT_ORDER = {
    e: i
    for i, e in enumerate(
        (
            "announced",
            "effective",
            "amended",
            "quota_set",
            "rate_set",
            "suspended",
            "suspension_extended",
            "resumed",
            "lifted",
        )
    )
}


def ordered(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Events by date, then by :data:`EVENT_ORDER` within a date."""
    return sorted(events, key=lambda e: (e["date"], EVENT_ORDER.get(e["event"], 99)))


def _label(e: Mapping[str, Any]) -> str:
    return f"{e['event']} {e['date']}"


def chain_errors(control_id: str, events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every order rule a control's events break, each as one sentence naming the control
    and the events (empty when the chain is in order).

    Rules (docs/method.md): announced on or before effective; nothing after lifted
    (re-imposition is a new control_id); resumed only while suspended; suspension_extended
    only while suspended; suspended not while already suspended.
    """
    chain = ordered(events)
    out: list[str] = []
    announced = [e for e in chain if e["event"] == "announced"]
    effective = [e for e in chain if e["event"] == "effective"]
    if announced and effective and announced[0]["date"] > effective[0]["date"]:
        out.append(
            f"control {control_id}: {_label(effective[0])} comes before "
            f"{_label(announced[0])} (announced must be on or before effective)"
        )
    suspended = False
    lifted: Mapping[str, Any] | None = None
    for e in chain:
        ev = e["event"]
        if lifted is not None:
            out.append(
                f"control {control_id}: {_label(e)} after {_label(lifted)} (nothing follows "
                "lifted; a re-imposition is a new control_id)"
            )
            continue
        if ev == "lifted":
            if effective and e["date"] < effective[0]["date"]:
                out.append(
                    f"control {control_id}: {_label(e)} before {_label(effective[0])} "
                    "(lifted before effective)"
                )
            lifted = e
        elif ev == "suspended":
            if suspended:
                out.append(
                    f"control {control_id}: {_label(e)} while already suspended "
                    "(use suspension_extended)"
                )
            suspended = True
        elif ev == "suspension_extended" and not suspended:
            out.append(f"control {control_id}: {_label(e)} while not suspended")
        elif ev == "resumed":
            if not suspended:
                out.append(
                    f"control {control_id}: {_label(e)} without a suspension before it "
                    "(resumed only after suspended)"
                )
            suspended = False
    return out


def chains_errors(events: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(control_id, message) of every broken order rule, over all controls' events."""
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    for e in events:
        by_id.setdefault(e["control_id"], []).append(e)
    out = []
    for cid in sorted(by_id):  # a control_id without a control row is the refs rule's
        out += [(cid, m) for m in chain_errors(cid, by_id[cid])]
    return out


def status_on(
    control: Mapping[str, Any], events: Iterable[Mapping[str, Any]], on: dt.date
) -> dict[str, Any]:
    """State of one export control on day ``on``, derived from its event chain.

    Walk the events dated on or before ``on`` in order (:func:`ordered`):
    - no such event: ``not_yet`` (also for a control with no dated event at all);
    - announced: ``announced`` (announced <= on < effective);
    - effective or resumed: ``active``; for a control with no effective event, its first
      quota_set or rate_set also makes it ``active`` from that date (a quota allotted or a
      duty rate set under it shows it operating; the text says so);
    - suspended / suspension_extended: ``suspended`` until the event's ``until`` (the last
      day of the suspension, inclusive; a suspension noted "indefinite" has none);
    - lifted: ``lifted``.
    A suspension whose ``until`` has passed (until < on) with no later event recorded on or
    before ``on`` is ``unconfirmed`` since ``until``: the register does not know whether the
    control came back, was extended or lapsed, so it is neither active nor lifted. Likewise
    a quota (measure ``quota``) whose last recorded allotment's year has ended
    (:func:`quota_year_end`) with no later event is ``unconfirmed`` since that year's end.
    amended, quota_set and rate_set leave the state as it is.

    Minerals and targets on ``on`` start from the control row's lists (as founded) and follow
    its amended events (added, then removed). ``quota`` and ``rate`` are the latest quota_set
    and rate_set on or before ``on`` (quantity, unit, note, date, source_id), else None.

    Returns status, since (the date of the event that set it; for unconfirmed, the suspension's
    end), until (a suspension's end), text (the status in words), minerals, targets, quota,
    rate.
    """
    every = ordered(events)
    chain = [e for e in every if e["date"] <= on]
    minerals = list(control.get("mineral_ids") or [])
    targets = list(control.get("target") or [])
    status, since, until = "not_yet", None, None
    implied: str | None = None  # the quota_set/rate_set that made the control active
    has_effective = any(e["event"] == "effective" for e in every)
    quota: dict[str, Any] | None = None
    rate: dict[str, Any] | None = None
    for e in chain:
        ev = e["event"]
        if ev == "announced" and status == "not_yet":
            status, since = "announced", e["date"]
        elif ev in ("effective", "resumed"):
            status, since, until, implied = "active", e["date"], None, None
        elif ev == "suspended":
            status, since, until = "suspended", e["date"], e.get("until")
        elif ev == "suspension_extended":
            status, until = "suspended", e.get("until")
            since = since if since is not None else e["date"]
        elif ev == "lifted":
            status, since, until = "lifted", e["date"], None
        elif ev == "amended":
            minerals = [m for m in minerals if m not in (e.get("minerals_removed") or [])]
            minerals += [m for m in e.get("minerals_added") or [] if m not in minerals]
            targets = [t for t in targets if t not in (e.get("targets_removed") or [])]
            targets += [t for t in e.get("targets_added") or [] if t not in targets]
        elif ev in ("quota_set", "rate_set"):
            if status in ("not_yet", "announced") and not has_effective:
                # a quota allotted or a rate set under the control shows it operating
                status, since, until, implied = "active", e["date"], None, ev
            figure = {
                "quantity": e.get("quantity"),
                "unit": e.get("quantity_unit"),
                "note": e.get("note"),
                "date": e["date"],
                "source_id": e.get("source_id"),
            }
            if ev == "quota_set":
                quota = figure
            else:
                rate = figure
    lapsed = None  # the last quota_set of a quota whose year has run out
    if status == "suspended" and until is not None and until < on:
        status, since = "unconfirmed", until
    elif status == "active" and control.get("measure") == "quota" and quota and chain:
        end = quota_year_end(quota["date"])
        if chain[-1]["event"] == "quota_set" and end < on:
            status, since, lapsed = "unconfirmed", end, quota["date"]
    text = status_text(status, since, until, bool(every), _next_effective(every, on))
    if lapsed is not None:
        text = (
            f"unconfirmed since {since}: the last quota recorded, set on {lapsed}, covered "
            "one year; no later quota, renewal or lift recorded"
        )
    return {
        "status": status,
        "since": since,
        "until": until if status == "suspended" else None,
        "text": text
        + (
            f" (from its first {implied.replace('_', ' ')}; no effective date recorded)"
            if implied and status == "active"
            else ""
        ),
        "minerals": minerals,
        "targets": targets,
        "quota": quota,
        "rate": rate,
    }


def quota_year_end(set_on: dt.date) -> dt.date:
    """Last day of the quota year a quota_set dated ``set_on`` allots: quotas are annual and
    announced for the next year from October (MOFCOM's first batches, DR Congo's ARECOMS), so
    one set in October-December covers the next calendar year, else its own."""
    return dt.date(set_on.year + (1 if set_on.month >= 10 else 0), 12, 31)


def status_text(
    status: str,
    since: dt.date | None,
    until: dt.date | None,
    dated: bool = True,
    takes_effect: dt.date | None = None,
) -> str:
    """A status in words, as the CLI, HTTP API, dashboard and brief show it."""
    if status == "not_yet":
        if not dated:
            return "not dated: no event of this control is recorded"
        return "not yet: no event recorded on or before that day"
    if status == "announced":
        when = f"takes effect {takes_effect}" if takes_effect else "no effective date recorded"
        return f"announced on {since}, not in effect yet ({when})"
    if status == "active":
        return f"active since {since}"
    if status == "suspended":
        end = f" until {until}" if until else " indefinitely"
        return f"suspended since {since}{end}"
    if status == "unconfirmed":
        return f"unconfirmed since {since}: suspension ended, no renewal or lapse recorded"
    if status == "lifted":
        return f"lifted on {since}"
    return status


def _next_effective(chain: list[Mapping[str, Any]], on: dt.date) -> dt.date | None:
    later = [e["date"] for e in chain if e["event"] == "effective" and e["date"] > on]
    return min(later) if later else None


def first_date(events: Iterable[Mapping[str, Any]], event: str) -> dt.date | None:
    """The earliest date of one kind of event, or None."""
    dates = [e["date"] for e in events if e["event"] == event]
    return min(dates) if dates else None
