"""The parts both pages share: a block of rows with its sources, the source index, and
the control and ledger rows a country profile and a mineral sheet both list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from critmin.errors import InputError

if TYPE_CHECKING:
    from critmin.store import StoreArg

STAGES = ("mine", "refine")
# the disruption scenarios' forecasts on a sheet: a fixed draw count and the default seed, so
# the sheet is the same wherever it is asked (CLI, API, dashboard)
FORECAST_DRAWS = 2000
# the statuses a profile lists (not_yet: a control announced after the date is left out)
LISTED_STATUSES = ("announced", "active", "suspended", "unconfirmed", "lifted")
# targets that reach every country's buyers (a ban on another named country does not)
EVERY_TARGET = frozenset({"all", "military_end_users", "technology"})


class SourceRef(BaseModel):
    """One source a block cites (the sources table's columns, published as written)."""

    source_id: str
    publisher: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None


class Block(BaseModel):
    """One table of a page: ``columns`` name the row keys a table shows, in order (rows may
    hold more); ``note`` says what the block covers or leaves out, and "no data: ..." when it
    has no rows; ``totals`` holds the block's sums where it has any."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = Field(default_factory=list)
    note: str | None = None
    totals: dict[str, Any] | None = None
    sources: list[SourceRef] = Field(default_factory=list)


# -- shared helpers ----------------------------------------------------------------------------


def source_index(path: StoreArg) -> dict[str, SourceRef]:
    from critmin.store import read_table

    out = {}
    for r in read_table("sources", path).to_dicts():
        out[r["source_id"]] = SourceRef(
            source_id=r["source_id"],
            publisher=r["publisher"],
            title=r["title"],
            url=r["url"],
            published=None if r["published"] is None else str(r["published"]),
        )
    return out


def source_refs(ids: Iterable[str | None], index: Mapping[str, SourceRef]) -> list[SourceRef]:
    """The source records of ``ids`` (sorted, each once); an id the table lacks keeps its id."""
    return [index.get(i) or SourceRef(source_id=i) for i in sorted({i for i in ids if i})]


def row_source_ids(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in rows:
        sid = r.get("source_id")
        if sid:
            out.append(str(sid))
        out += [str(s) for s in r.get("sources") or []]
    return out


def make_block(
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    index: Mapping[str, SourceRef],
    no_data: str,
    note: str | None = None,
    totals: dict[str, Any] | None = None,
    extra_sources: Iterable[str] = (),
) -> Block:
    """A block whose sources are those its rows name (plus ``extra_sources``); without rows
    its note starts "no data: " and says why (``no_data``)."""
    if not rows:
        note = f"no data: {no_data}" + (f" ({note})" if note else "")
    return Block(
        title=title,
        columns=columns,
        rows=rows,
        note=note,
        totals=totals,
        sources=source_refs([*row_source_ids(rows), *extra_sources], index),
    )


def pct_or_none(x: float | None) -> float | None:
    return None if x is None else 100.0 * x


def as_of_day(as_of: str | dt.date | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field="as_of", value=as_of) from None


CONTROL_FIELDS = (
    "control_id",
    "imposing_iso3",
    "mineral_ids",
    "measure",
    "target",
    "announced",
    "effective",
    "lifted",
    "status",
    "status_text",
    "status_on",
    "description",
    "sources",
)


def control_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = [{k: r.get(k) for k in CONTROL_FIELDS} for r in rows]
    return sorted(
        out,
        key=lambda r: (
            r["effective"] or r["announced"] or r["lifted"] or dt.date.min,
            r["control_id"],
        ),
    )


def all_controls(day: dt.date, path: StoreArg, mineral: str | None = None) -> list[dict[str, Any]]:
    """Every control with its status on ``day``, of the statuses a page lists."""
    from critmin.supply import controls

    rows: list[dict[str, Any]] = []
    for status in LISTED_STATUSES:
        rows += controls(None, day, mineral, path, status=status)
    return rows


LEDGER_FIELDS = (
    "id",
    "date",
    "actor_iso3",
    "agency",
    "instrument",
    "amount_usd",
    "recipient",
    "host_iso3",
    "mineral_ids",
    "status",
    "verification",
    "source_id",
)


def counted_in_total(row: Mapping[str, Any]) -> bool:
    """Whether `ledger summary` (default statuses, verified sources) adds the row's money."""
    from critmin.ledger import AGGREGATE, DEFAULT_STATUSES, is_counted, is_loi

    return bool(
        row["instrument"] != AGGREGATE
        and not is_loi(row)
        and row["status"] in DEFAULT_STATUSES
        and is_counted(row)
    )


def ledger_block(
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    index: Mapping[str, SourceRef],
    no_data: str,
    path: StoreArg,
    by: str = "instrument",
    key: str | None = None,
) -> Block:
    """Ledger rows with their totals as `critmin ledger summary --by BY` counts them; with
    ``key``, the total is that key's row (a mineral's equal share of multi-mineral rows)."""
    from critmin.ledger import summary

    shown = sorted(
        ({k: r.get(k) for k in LEDGER_FIELDS} | {"counted": counted_in_total(r)} for r in rows),
        key=lambda r: (r["date"], r["id"]),
        reverse=True,
    )
    totals = None
    note = None
    if rows:
        res = summary(by, rows=rows, path=path)
        if key is None:
            total = res["total_usd"]
        else:
            total = next((r["amount_usd"] for r in res["rows"] if r["key"] == key), 0.0)
        loi, agg = res["letters_of_interest"], res["aggregates"]
        totals = {
            "total_usd": total,
            "by": by,
            "by_key": res["rows"],
            "rows_without_amount": res["rows_without_amount"],
            "letters_of_interest": loi,
            "aggregates": agg,
            "unverified": res["unverified"],
            "left_out": left_out_in_words(res, path),
        }
        note = (
            f"total {total:,.0f} USD over the rows marked counted (latest row of each chain; "
            "primary or press source; announced to disbursed"
            + (", multi-mineral rows split equally" if key else "")
            + f"); letters of interest {loi['amount_usd']:,.0f} USD in {loi['count']} rows "
            f"and publisher aggregates {agg['amount_usd']:,.0f} USD in {agg['count']} rows, "
            f"not added; {left_out_in_words(res, path)}"
        )
    return make_block(title, columns, shown, index, no_data, note=note, totals=totals)


def left_out_in_words(res: Mapping[str, Any], path: StoreArg) -> str:
    """What a ledger summary left out (as `critmin ledger summary` says it), with actor
    countries named (a page is read by people; the CLI's summary keeps the codes)."""
    from critmin.store import read_table

    u = res["unverified"]
    if u["included"] or not u["count"]:
        return "no unverified rows left out" if not u["included"] else "unverified rows included"
    names = {r["iso3"]: r["name"] for r in read_table("countries", path).to_dicts()}
    parts = ", ".join(
        f"{names.get(a['actor'], a['actor'])} {a['count']} ({a['amount_usd'] / 1e9:,.3f} bn USD)"
        for a in u["by_actor"]
    )
    return (
        f"left out: {u['count']} unverified rows, {u['amount_usd']:,.0f} USD ({parts}); "
        "`critmin ledger summary --include-unverified` adds them"
    )
