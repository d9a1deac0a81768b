"""The ledger's rows and their correction chains: the fixed sets a total counts, reading the
rows, and the one chain walker every reader uses (rules: :mod:`critmin.ledger`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from critmin.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from critmin.store import StoreArg

# instruments whose commitment may carry no money figure (the floor level, a pact's text)
NO_AMOUNT_INSTRUMENTS = frozenset({"price_floor", "partnership_agreement", "offtake"})
LOI = "letter_of_interest"
AGGREGATE = "aggregate"
SUMMARY_KEYS = (
    "actor",
    "agency",
    "office",
    "instrument",
    "mineral",
    "host",
    "month",
    "status",
    "verification",
)
DEFAULT_STATUSES = ("announced", "conditional", "committed", "disbursed")
# the verification levels a total counts unless asked for every row
COUNTED_VERIFICATION = ("primary", "press")
# rows that no longer count: a chain's latest row with one of these statuses counts nothing
DEAD_STATUSES = ("cancelled", "superseded")
# a claim "matches" when the ledger total is within this fraction of the quoted figure
RECONCILE_TOLERANCE = 0.10


def ledger(path: StoreArg = None) -> list[dict[str, Any]]:
    """Every ledger row ever written, oldest first (the full history)."""
    from critmin.store import read_table

    return sorted(
        read_table("interventions", path).to_dicts(), key=lambda r: (r["recorded_at"], r["id"])
    )


def chain_problems(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every fork and loop of the correction chains in ``rows``, as
    ``{"row": id, "other": id, "problem": text}``; empty when the chains are sound.

    A fork: two rows supersede the same row (the later-recorded one is ``row``). A loop: a row
    that is reached again by following ``supersedes`` from itself.
    """
    items = {str(r["id"]): r for r in rows}
    out: list[dict[str, str]] = []
    child: dict[str, str] = {}
    for rid in sorted(items, key=lambda i: (str(items[i].get("recorded_at")), i)):
        parent = items[rid].get("supersedes")
        if not parent:
            continue
        if parent in child:
            out.append(
                {
                    "row": rid,
                    "other": child[parent],
                    "problem": f"{rid} and {child[parent]} both supersede {parent}: "
                    "a chain cannot fork",
                }
            )
        else:
            child[str(parent)] = rid
    reported: set[str] = set()
    for start in sorted(items):
        seen: list[str] = []
        cur: str | None = start
        while cur in items and cur not in seen:
            seen.append(cur)
            nxt = items[cur].get("supersedes")
            cur = str(nxt) if nxt else None
        if cur is not None and cur in seen and cur not in reported:
            loop = seen[seen.index(cur) :]
            reported.update(loop)
            out.append(
                {
                    "row": loop[-1],
                    "other": cur,
                    "problem": f"{loop[-1]} supersedes {cur}, which leads back to it "
                    f"({' -> '.join([*loop, cur])}): a chain cannot loop",
                }
            )
    return out


def chains(rows: Iterable[Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
    """The correction chains of ``rows``, each oldest first (the first row corrects nothing,
    each next row supersedes the one before; the last is the chain's current state).

    The one walker of the ledger: every reader goes through it. Raises InputError naming both
    rows when a chain forks or loops (``critmin data validate`` reports the same). A row that
    supersedes an id ``rows`` does not hold starts its own chain.
    """
    items = {str(r["id"]): dict(r) for r in rows}
    bad = chain_problems(items.values())
    if bad:
        raise InputError(
            bad[0]["problem"] + "; `critmin data validate` lists every such row",
            field="supersedes",
            value=bad[0]["row"],
        )
    child = {str(r["supersedes"]): rid for rid, r in items.items() if r.get("supersedes")}
    out = []
    for r in items.values():
        if r.get("supersedes") and r["supersedes"] in items:
            continue  # not a chain's first row
        chain = [r]
        while chain[-1]["id"] in child:
            chain.append(items[child[chain[-1]["id"]]])
        out.append(chain)
    return sorted(out, key=lambda c: (str(c[0].get("recorded_at")), str(c[0]["id"])))


def latest(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The last row of each correction chain (:func:`chains`): the current state."""
    return [c[-1] for c in chains(rows)]


def history(row_id: str, path: StoreArg = None) -> list[dict[str, Any]]:
    """The whole correction chain that ``row_id`` belongs to, oldest first."""
    for chain in chains(ledger(path)):
        if any(r["id"] == row_id for r in chain):
            return chain
    raise NotFoundError(f"no ledger row {row_id!r}")


def as_date(value: str | dt.date | None, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None
