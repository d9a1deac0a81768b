"""The state-intervention ledger (DESIGN.md section 5, Q4): append-only, sourced, summarised.

Rules
- Append-only: a row is never updated or deleted. A correction is a new row whose
  ``supersedes`` names the row it replaces; history stays queryable.
- Summaries count the latest row of each chain (rows no other row supersedes); a cancelled
  latest row counts nothing.
- Letters of interest are kept apart: a summary adds them to its total only when the caller
  asks for status ``letter_of_interest`` explicitly, and always reports them separately.
- Amounts keep their original currency; ``amount_usd`` = amount x USD per unit on ``fx_date``
  from the bundled FX table (the latest rate on or before the row's date when none is given).
- Chains never fork: a row is corrected at most once, and no chain loops. :func:`chains` is the
  one walker every reader uses (summary, history, reconcile, list, the API, the brief and the
  dashboard); a write that would fork or loop a chain is refused, naming both rows.
- Totals count rows whose source is ``primary`` or ``press``; ``unverified`` rows are left out
  unless the caller asks (``include_unverified``), and every total says what it left out.
- Publisher aggregates (instrument ``aggregate``) are reported apart, never added to totals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, cast

from critmin.errors import InputError, NotFoundError
from critmin.schema import (
    INSTRUMENTS,
    MAX_AMOUNT,
    STATUSES,
    TABLES,
    VERIFICATION,
    Intervention,
)
from critmin.store import first_row

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


def ledger(path: Path | str | None = None) -> list[dict[str, Any]]:
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


def history(row_id: str, path: Path | str | None = None) -> list[dict[str, Any]]:
    """The whole correction chain that ``row_id`` belongs to, oldest first."""
    for chain in chains(ledger(path)):
        if any(r["id"] == row_id for r in chain):
            return chain
    raise NotFoundError(f"no ledger row {row_id!r}")


def _fx_rate(con: Any, currency: str, on: dt.date) -> tuple[float, dt.date]:
    hit = first_row(
        con,
        "SELECT usd_per_unit, date FROM fx_rates WHERE currency = ? AND date <= ? "
        "ORDER BY date DESC LIMIT 1",
        [currency, on],
    )
    if hit is None:
        raise InputError(
            f"no {currency} rate in the FX table on or before {on}; add one with "
            "`critmin data import fx_rates FILE.csv`",
            field="currency",
            value=currency,
        )
    return float(hit[0]), hit[1]


def _check_refs(con: Any, row: Intervention) -> None:
    def known(table: str, col: str, values: Iterable[str]) -> None:
        for v in values:
            if not first_row(con, f'SELECT 1 FROM "{table}" WHERE "{col}" = ?', [v]):
                field = {
                    "minerals": "mineral_ids",
                    "countries": "iso3",
                    "sources": "source_id",
                    "agencies": "agency",
                }
                raise InputError(f"not found in {table}", field=field.get(table, col), value=v)

    known("minerals", "mineral_id", row.mineral_ids)
    known("countries", "iso3", [c for c in (row.actor_iso3, row.host_iso3) if c])
    known("sources", "source_id", [row.source_id])
    known("agencies", "agency_id", [row.agency])
    if row.asset_id:
        known("assets", "asset_id", [row.asset_id])
    known("claims", "claim_id", row.claim_ids)


def add(record: Mapping[str, Any], path: Path | str | None = None) -> dict[str, Any]:
    """Validate one commitment and append it; returns the stored row.

    Refuses (InputError naming the field, nothing written): unknown fields, unknown minerals,
    countries, source or claim ids, a negative amount, a missing amount (except for
    price floors, partnership agreements and offtakes, which may state none), a currency with
    no FX rate, and a ``supersedes`` that names no row or a row already superseded.
    ``id`` is assigned here when absent; ``recorded_at`` is always assigned here (a given one
    is refused: a row cannot be back-dated).
    """
    from pydantic import ValidationError

    from critmin.schema import first_error_field
    from critmin.store import ensure_store, raw_connection, transaction

    data = {k: v for k, v in dict(record).items() if v is not None}
    for key in data:
        if not isinstance(key, str):
            raise InputError("a field name must be text", field=repr(key))
    if "recorded_at" in data:  # the time of writing is critmin's to say, never back-dated
        raise InputError(
            "is set by critmin when the row is written; remove it",
            field="recorded_at",
            value=data["recorded_at"],
        )
    unknown = sorted(set(data) - set(TABLES["interventions"].columns))
    if unknown:
        raise InputError("unknown field", field=unknown[0], value=data[unknown[0]])
    from critmin.vocab import choose

    for name, options in (
        ("instrument", INSTRUMENTS),
        ("status", STATUSES),
        ("verification", VERIFICATION),
    ):
        if not isinstance(data.get(name), str):
            raise InputError(
                f"choose one of {', '.join(options)}", field=name, value=data.get(name)
            )
        data[name] = choose(data[name], options, name)
    if isinstance(data.get("agency"), str):
        data["agency"] = resolve_agency(data["agency"], path)
    amount = data.get("amount")
    if amount in (None, "") and data["instrument"] not in NO_AMOUNT_INSTRUMENTS:
        raise InputError(
            "missing: every commitment of this instrument states its amount", field="amount"
        )
    data.setdefault("recorded_at", dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    data.setdefault("id", "pending")
    data.setdefault("estimated", False)
    for col in TABLES["interventions"].columns:
        data.setdefault(col, None)
    try:
        row = Intervention.model_validate(data)
    except ValidationError as exc:
        field, msg = first_error_field(exc)
        raise InputError(msg, field=field, value=data.get(field)) from None
    if row.amount is not None and row.currency is None:
        raise InputError("an amount needs its currency", field="currency")
    p = ensure_store(path)
    with raw_connection(p) as con, transaction(con):
        # the id check runs inside the write transaction: no check-then-write race
        _check_refs(con, row)
        values = row.model_dump()
        if row.id == "pending":
            values["id"] = _next_id(con)
        elif first_row(con, "SELECT 1 FROM interventions WHERE id = ?", [row.id]):
            raise InputError(
                "a row with this id exists; corrections supersede it", field="id", value=row.id
            )
        if row.supersedes:
            if not first_row(con, "SELECT 1 FROM interventions WHERE id = ?", [row.supersedes]):
                raise InputError("no such row", field="supersedes", value=row.supersedes)
            _refuse_forks(con, [values])
        if row.amount is not None and row.currency == "USD":
            values["amount_usd"] = row.amount
        elif row.amount is not None and row.currency:
            rate, on = _fx_rate(con, row.currency, row.fx_date or row.date)
            values["amount_usd"] = row.amount * rate
            values["fx_date"] = on
            if not values["amount_usd"] <= MAX_AMOUNT:  # the schema's bound, NaN included
                raise InputError(
                    f"{row.currency} {row.amount:g} at {rate:g} USD each is out of range "
                    f"(at most {MAX_AMOUNT:g} USD)",
                    field="amount",
                    value=row.amount,
                )
        _append(con, [values])
    return values


def _refuse_forks(con: Any, new: list[dict[str, Any]]) -> None:
    """Refuse (InputError naming both rows) ``new`` rows that would fork or loop a correction
    chain of the ledger ``con`` holds, or that correct a row recorded after themselves
    (times are whole seconds: a correction may share its row's second). Runs inside the
    write transaction, before anything is written."""
    held = {
        r[0]: {"id": r[0], "supersedes": r[1], "recorded_at": r[2]}
        for r in con.execute("SELECT id, supersedes, recorded_at FROM interventions").fetchall()
    }
    ids = {str(r["id"]) for r in new}
    every = {**held, **{str(r["id"]): r for r in new}}
    for p in chain_problems(every.values()):
        if p["row"] in ids or p["other"] in ids:
            raise InputError(p["problem"] + "; nothing written", field="supersedes", value=p["row"])
    for r in new:
        old = every.get(str(r["supersedes"])) if r["supersedes"] else None
        if old is not None and old["recorded_at"] and r["recorded_at"] < old["recorded_at"]:
            raise InputError(
                f"{r['id']} corrects {old['id']} but is recorded before it "
                f"({r['recorded_at']} < {old['recorded_at']}); nothing written",
                field="recorded_at",
                value=r["recorded_at"],
            )


def _append(con: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ledger rows; a second copy of an id (the table's key) is one InputError."""
    import duckdb

    from critmin.store import _insert

    try:
        _insert(con, "interventions", rows)
    except duckdb.ConstraintException:
        # the transaction is aborted now: name the id from the rows, not from a query
        raise InputError(
            "a row with this id exists; corrections supersede it",
            field="id",
            value=rows[0]["id"] if len(rows) == 1 else None,
        ) from None


def _next_id(con: Any) -> str:
    ids = [r[0] for r in con.execute("SELECT id FROM interventions").fetchall()]
    nums = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"iv-(\d+)", i))]
    return f"iv-{(max(nums) + 1 if nums else 1):04d}"


def agencies(path: Path | str | None = None) -> dict[str, dict[str, Any]]:
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


def resolve_agency(value: str, path: Path | str | None = None) -> str:
    """The agency_id named by an id, name or alias in any case ("DoD", "pentagon",
    "DoD (OSC)"); InputError with the closest agency ids otherwise."""
    from critmin.vocab import choose

    return choose(value, agency_spellings(agencies(path)), "agency")


def _keys(
    row: Mapping[str, Any], by: str, roots: Mapping[str, str] | None = None
) -> list[tuple[str, float]]:
    """Summary keys of a row with the fraction of its amount each key gets."""
    if by == "mineral":
        minerals = row["mineral_ids"] or ["unspecified"]
        # a multi-mineral commitment is split equally so the total stays the sum of rows
        return [(m, 1.0 / len(minerals)) for m in minerals]
    agency = str(row["agency"])
    value = {
        "actor": row["actor_iso3"],
        "agency": (roots or {}).get(agency, agency),
        "office": agency,
        "instrument": row["instrument"],
        "host": row["host_iso3"] or "unspecified",
        "month": row["date"].strftime("%Y-%m"),
        "status": row["status"],
        "verification": row["verification"],
    }[by]
    return [(str(value), 1.0)]


def is_loi(row: Mapping[str, Any]) -> bool:
    return bool(row["instrument"] == LOI or row["status"] == LOI)


def is_counted(row: Mapping[str, Any], include_unverified: bool = False) -> bool:
    """Whether a row's source is strong enough for a total (primary or press), or any row
    when ``include_unverified``."""
    return include_unverified or row["verification"] in COUNTED_VERIFICATION


def _left_out(rows: Iterable[Mapping[str, Any]], included: bool) -> dict[str, Any]:
    """Count and USD of the unverified rows a total leaves out, overall and by actor."""
    by_actor: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        by_actor[str(r["actor_iso3"])][0] += r["amount_usd"] or 0.0
        by_actor[str(r["actor_iso3"])][1] += 1
    items = sorted(by_actor.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return {
        "included": included,
        "count": int(sum(v[1] for _, v in items)),
        "amount_usd": sum(v[0] for _, v in items),
        "by_actor": [{"actor": k, "count": int(v[1]), "amount_usd": v[0]} for k, v in items],
    }


def summary(
    by: str = "actor",
    since: str | dt.date | None = None,
    status: Iterable[str] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    path: Path | str | None = None,
    include_unverified: bool = False,
) -> dict[str, Any]:
    """Totals of the latest row of each chain, grouped ``by`` one of SUMMARY_KEYS.

    total_usd = sum of amount_usd over counted rows (rows without an amount count in
    ``count`` only). Counted: latest rows (:func:`chains`) with a status in ``status``
    (default announced, conditional, committed, disbursed) dated on or after ``since`` whose
    source is primary or press (every row with ``include_unverified``). The unverified rows
    left out are reported in ``unverified`` (count and USD, by actor). Letters of interest
    count only when ``status`` names letter_of_interest; they are always reported in
    ``letters_of_interest`` apart. Publisher aggregates (instrument ``aggregate``) never enter
    a total, whatever their source; ``aggregates`` reports them (and ``unverified`` does not
    count them: they are not left out by the verification rule). ``by="agency"`` rolls
    offices up to their parent agency (the Pentagon's OSC, DLA and DPA office count as
    usa-dow); ``by="office"`` keeps them apart. Multi-mineral rows are split equally by mineral.
    """
    from critmin.vocab import choose

    by = choose(by, SUMMARY_KEYS, "by")
    wanted = tuple(choose(s, STATUSES, "status") for s in status) if status else DEFAULT_STATUSES
    start = _date(since, "since")
    current = latest(rows if rows is not None else ledger(path))
    if start:
        current = [r for r in current if r["date"] >= start]
    roots = agency_roots(agencies(path)) if by == "agency" else {}
    include_loi = LOI in wanted
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    loi_usd, loi_n, no_amount = 0.0, 0, 0
    agg_usd, agg_n = 0.0, 0
    left: list[Mapping[str, Any]] = []
    for r in current:
        loi = is_loi(r)
        if not loi and r["status"] not in wanted:
            continue
        if r["instrument"] == AGGREGATE:  # never in a total, whatever its source
            agg_usd += r["amount_usd"] or 0.0
            agg_n += 1
            continue
        if not is_counted(r, include_unverified):
            left.append(r)
            continue
        if loi:
            loi_usd += r["amount_usd"] or 0.0
            loi_n += 1
            if not include_loi:
                continue
        if r["amount_usd"] is None:
            no_amount += 1
        for key, frac in _keys(r, by, roots):
            totals[key][0] += (r["amount_usd"] or 0.0) * frac
            totals[key][1] += frac
    out_rows = [
        {"key": k, "amount_usd": v[0], "count": round(v[1], 6)}
        for k, v in sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    return {
        "by": by,
        "since": start,
        "status": list(wanted),
        "rows": out_rows,
        "total_usd": sum(r["amount_usd"] for r in out_rows),
        "rows_without_amount": no_amount,
        "letters_of_interest": {"amount_usd": loi_usd, "count": loi_n, "included": include_loi},
        "aggregates": {"amount_usd": agg_usd, "count": agg_n, "included": False},
        "unverified": _left_out(left, include_unverified),
    }


def left_out_line(res: Mapping[str, Any]) -> str:
    """One sentence saying what a summary left out (unverified rows, by actor)."""
    u = res["unverified"]
    if u["included"] or not u["count"]:
        return "no unverified rows left out" if not u["included"] else "unverified rows included"
    parts = ", ".join(
        f"{a['actor']} {a['count']} ({a['amount_usd'] / 1e9:,.3f} bn USD)" for a in u["by_actor"]
    )
    return (
        f"left out: {u['count']} unverified rows, {u['amount_usd']:,.0f} USD ({parts}); "
        "--include-unverified adds them"
    )


def _date(value: str | dt.date | None, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None


def _item_found(item: str, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Ids of ``rows`` that account for a named item: the item's normal form is part of the
    row's recipient, or is one of its mineral ids ("cobalt")."""
    from critmin.vocab import normal

    want = normal(item)
    return [
        str(r["id"])
        for r in rows
        if want in normal(str(r["recipient"]))
        or want in {normal(m) for m in (r["mineral_ids"] or [])}
    ]


def reconcile(
    path: Path | str | None = None, include_unverified: bool = False
) -> list[dict[str, Any]]:
    """Each headline claim against the ledger rows tagged with it.

    ledger_usd = sum of amount_usd of the latest rows (:func:`chains`), neither cancelled nor
    superseded, whose ``claim_ids`` name the claim and whose source is primary or press (every
    row with ``include_unverified``; ``unverified_usd`` is the rest). status:
    - "no amount to compare": the claim states no USD figure (never "matches");
    - "matches": |ledger_usd - expected_usd| <= tolerance x expected_usd (the claim's
      ``tolerance``, default RECONCILE_TOLERANCE = 0.10);
    - "partial": otherwise; ``missing`` names what the ledger lacks: each of the claim's
      ``expected_items`` no counted row accounts for (with the unverified rows that would, or
      else the cancelled or superseded rows that did: "cobalt (cancelled: iv-...)"), and the
      USD not identified by any named item.
    """
    from critmin.store import read_table

    claims = read_table("claims", path).to_dicts()
    newest = latest(ledger(path))
    current = [r for r in newest if r["status"] not in DEAD_STATUSES]
    ended = [r for r in newest if r["status"] in DEAD_STATUSES]
    out = []
    for c in claims:
        tagged = [r for r in current if c["claim_id"] in (r["claim_ids"] or [])]
        gone = [r for r in ended if c["claim_id"] in (r["claim_ids"] or [])]
        counted = [r for r in tagged if is_counted(r, include_unverified)]
        weak = [r for r in tagged if not is_counted(r, include_unverified)]
        total = sum(r["amount_usd"] or 0.0 for r in counted)
        expected = c["expected_usd"]
        tol = c["tolerance"] if c["tolerance"] is not None else RECONCILE_TOLERANCE
        missing: list[str] = []
        if not expected:
            state = "no amount to compare"
        elif abs(total - expected) <= tol * expected:
            state = "matches"
        else:
            state = "partial"
            for item in c["expected_items"] or []:
                if _item_found(item, counted):
                    continue
                held = _item_found(item, weak)
                dead = set(_item_found(item, gone))
                if held:
                    missing.append(f"{item} (only in unverified rows {', '.join(held)})")
                elif dead:
                    what = ", ".join(f"{r['status']}: {r['id']}" for r in gone if r["id"] in dead)
                    missing.append(f"{item} ({what})")
                else:
                    missing.append(item)
            gap = expected - total
            weak_usd = sum(r["amount_usd"] or 0.0 for r in weak)
            also = (
                f" (unverified rows {', '.join(sorted(r['id'] for r in weak))} hold "
                f"{weak_usd:,.0f} USD)"
                if weak
                else ""
            )
            if gap > 0:
                missing.append(f"{gap:,.0f} USD not accounted for by counted rows{also}")
            else:
                missing.append(f"the counted rows exceed the figure by {-gap:,.0f} USD")
        out.append(
            {
                "claim": c["claim_id"],
                "text": c["claim"],
                "expected_usd": expected,
                "ledger_usd": total,
                "unverified_usd": sum(r["amount_usd"] or 0.0 for r in weak),
                "tolerance": tol,
                "rows": sorted(r["id"] for r in counted),
                "unverified_rows": sorted(r["id"] for r in weak),
                "status": state,
                "missing": missing,
                "source_id": c["source_id"],
            }
        )
    return out


def resolve_filters(
    actor: str | None = None,
    agency: str | None = None,
    instrument: str | None = None,
    mineral: str | None = None,
    host: str | None = None,
    status: str | None = None,
    verification: str | None = None,
    path: Path | str | None = None,
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


def _resolve_mineral(value: str, path: Path | str | None) -> str:
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
    path: Path | str | None = None,
) -> list[dict[str, Any]]:
    """Rows matching every given filter, each resolved by :func:`resolve_filters` first (so an
    unknown value fails naming the closest valid ones, never returns nothing). An agency
    matches its own rows and its offices' (``--agency DoD`` includes OSC, DLA, DPA)."""
    f = resolve_filters(actor, agency, instrument, mineral, host, status, verification, path)
    start = _date(since, "since")
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


def import_rows(file: Path | str, path: Path | str | None = None) -> dict[str, int]:
    """Append the rows of a ledger CSV (the `ledger export` format), all or nothing.

    A row whose id the ledger holds with identical content is skipped; with different
    content it is refused (a correction must supersede, not overwrite). A file that would fork
    or loop a correction chain (a second correction of a row the ledger or the file already
    corrects) is refused naming both rows, and nothing is written.
    """
    from critmin.data.bundled import one_line, read_csv
    from critmin.store import ensure_store, query, raw_connection, transaction

    rows, failures = read_csv(Path(file), TABLES["interventions"])
    if failures:
        raise InputError(one_line(failures[0]))
    seen: set[str] = set()
    for r in rows:
        if r["id"] in seen:
            raise InputError("appears twice in the file", field="id", value=r["id"])
        seen.add(r["id"])
    p = ensure_store(path)
    with raw_connection(p) as con, transaction(con):
        # what the ledger holds is read inside the write transaction: a parallel import that
        # committed first is seen here, so its rows are skipped, never stored twice
        held = {r["id"]: r for r in query(con, "SELECT * FROM interventions").to_dicts()}
        new, same = split_new(rows, held)
        for r in new:
            _check_refs(con, Intervention.model_validate(r))
            if r["supersedes"] and r["supersedes"] not in held and r["supersedes"] not in seen:
                raise InputError(
                    f"{r['id']} corrects a row the ledger does not hold; nothing written",
                    field="supersedes",
                    value=r["supersedes"],
                )
        _refuse_forks(con, new)
        _append(con, new)
    return {"added": len(new), "unchanged": same}


def split_new(
    rows: Iterable[Mapping[str, Any]], held: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """The rows whose id the ledger does not hold, and how many it holds identically.

    A row whose id is held with other content is refused, naming the id: the ledger is
    append-only, so a correction must supersede a row, never overwrite it.
    """
    new, same = [], 0
    for r in rows:
        old = held.get(r["id"])
        if old is None:
            new.append(dict(r))
        elif any(old.get(k) != v for k, v in r.items()):
            changed = next(k for k, v in r.items() if old.get(k) != v)
            raise InputError(
                f"differs from the stored row in {changed}; the ledger is append-only, "
                "supersede the row instead",
                field="id",
                value=r["id"],
            )
        else:
            same += 1
    return new, same


def export_rows(file: Path | str, path: Path | str | None = None, force: bool = False) -> int:
    """Write the whole ledger history to a CSV that `import_rows` reads back exactly.

    ``file`` must be new, or with ``force`` an existing regular file (never a symlink, FIFO
    or device); it is written beside and renamed into place (:func:`critmin.files.atomic_output`).
    """
    import csv

    from critmin.files import atomic_output, output_path
    from critmin.schema import to_cell

    output_path(file, "--out", force)  # refuse before reading the store
    rows = ledger(path)
    cols = TABLES["interventions"].columns
    with atomic_output(file, "--out", force, mode="w", newline="", encoding="utf-8") as fh:
        w = csv.writer(cast("IO[str]", fh), lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([to_cell(r[c]) for c in cols])
    return len(rows)
