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
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, cast

from critmin.errors import InputError, NotFoundError
from critmin.schema import INSTRUMENTS, MAX_AMOUNT, STATUSES, TABLES, Intervention
from critmin.store import first_row

# instruments whose commitment may carry no money figure (the floor level, a pact's text)
NO_AMOUNT_INSTRUMENTS = frozenset({"price_floor", "partnership_agreement", "offtake"})
LOI = "letter_of_interest"
SUMMARY_KEYS = ("actor", "agency", "instrument", "mineral", "host", "month", "status")
DEFAULT_STATUSES = ("announced", "conditional", "committed", "disbursed")
# a claim "matches" when the ledger total is within this fraction of the quoted figure
RECONCILE_TOLERANCE = 0.10


def ledger(path: Path | str | None = None) -> list[dict[str, Any]]:
    """Every ledger row ever written, oldest first (the full history)."""
    from critmin.store import read_table

    return sorted(
        read_table("interventions", path).to_dicts(), key=lambda r: (r["recorded_at"], r["id"])
    )


def latest(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows no other row supersedes: the current state of each chain."""
    items = [dict(r) for r in rows]
    replaced = {r["supersedes"] for r in items if r["supersedes"]}
    return [r for r in items if r["id"] not in replaced]


def history(row_id: str, path: Path | str | None = None) -> list[dict[str, Any]]:
    """The whole correction chain that ``row_id`` belongs to, oldest first."""
    rows = {r["id"]: r for r in ledger(path)}
    if row_id not in rows:
        raise NotFoundError(f"no ledger row {row_id!r}")
    by_parent = {r["supersedes"]: r["id"] for r in rows.values() if r["supersedes"]}
    first = row_id
    while rows[first]["supersedes"] in rows:
        first = rows[first]["supersedes"]
    chain = [first]
    while chain[-1] in by_parent:
        chain.append(by_parent[chain[-1]])
    return [rows[i] for i in chain]


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
                field = {"minerals": "mineral_ids", "countries": "iso3", "sources": "source_id"}
                raise InputError(f"not found in {table}", field=field.get(table, col), value=v)

    known("minerals", "mineral_id", row.mineral_ids)
    known("countries", "iso3", [c for c in (row.actor_iso3, row.host_iso3) if c])
    known("sources", "source_id", [row.source_id])
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
    if data.get("instrument") not in INSTRUMENTS:
        raise InputError(
            f"choose one of {', '.join(INSTRUMENTS)}",
            field="instrument",
            value=data.get("instrument"),
        )
    if data.get("status") not in STATUSES:
        raise InputError(
            f"choose one of {', '.join(STATUSES)}", field="status", value=data.get("status")
        )
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
            taken = first_row(
                con, "SELECT id FROM interventions WHERE supersedes = ?", [row.supersedes]
            )
            if taken:
                raise InputError(
                    f"already superseded by {taken[0]}; supersede that row instead",
                    field="supersedes",
                    value=row.supersedes,
                )
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


def _keys(row: Mapping[str, Any], by: str) -> list[tuple[str, float]]:
    """Summary keys of a row with the fraction of its amount each key gets."""
    if by == "mineral":
        minerals = row["mineral_ids"] or ["unspecified"]
        # a multi-mineral commitment is split equally so the total stays the sum of rows
        return [(m, 1.0 / len(minerals)) for m in minerals]
    value = {
        "actor": row["actor_iso3"],
        "agency": row["agency"],
        "instrument": row["instrument"],
        "host": row["host_iso3"] or "unspecified",
        "month": row["date"].strftime("%Y-%m"),
        "status": row["status"],
    }[by]
    return [(str(value), 1.0)]


def is_loi(row: Mapping[str, Any]) -> bool:
    return bool(row["instrument"] == LOI or row["status"] == LOI)


def summary(
    by: str = "actor",
    since: str | dt.date | None = None,
    status: Iterable[str] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    path: Path | str | None = None,
) -> dict[str, Any]:
    """Totals of the latest row of each chain, grouped ``by`` one of SUMMARY_KEYS.

    total_usd = sum of amount_usd over counted rows (rows without an amount count in
    ``count`` only). Counted: latest rows with a status in ``status`` (default announced,
    conditional, committed, disbursed) dated on or after ``since``. Letters of interest
    count only when ``status`` names letter_of_interest; they are always reported in
    ``letters_of_interest`` apart. Multi-mineral rows are split equally by mineral.
    """
    if by not in SUMMARY_KEYS:
        raise InputError(f"choose one of {', '.join(SUMMARY_KEYS)}", field="by", value=by)
    wanted = tuple(status) if status else DEFAULT_STATUSES
    for s in wanted:
        if s not in STATUSES:
            raise InputError(f"choose from {', '.join(STATUSES)}", field="status", value=s)
    start = _date(since, "since")
    current = latest(rows if rows is not None else ledger(path))
    if start:
        current = [r for r in current if r["date"] >= start]
    include_loi = LOI in wanted
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    loi_usd, loi_n, no_amount = 0.0, 0, 0
    for r in current:
        if is_loi(r):
            loi_usd += r["amount_usd"] or 0.0
            loi_n += 1
            if not include_loi:
                continue
        elif r["status"] not in wanted:
            continue
        if r["amount_usd"] is None:
            no_amount += 1
        for key, frac in _keys(r, by):
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
    }


def _date(value: str | dt.date | None, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None


def reconcile(path: Path | str | None = None) -> list[dict[str, Any]]:
    """Each headline claim against the ledger rows tagged with it.

    ledger_usd = sum of amount_usd of the latest, non-cancelled rows whose ``claim_ids``
    name the claim. status: "matches" when within RECONCILE_TOLERANCE (10 %) of the quoted
    figure, "partial" when some rows exist but the total differs, "missing" when no row does;
    a claim with no USD figure (the NdPr floor level) matches when a row exists.
    """
    from critmin.store import read_table

    claims = read_table("claims", path).to_dicts()
    current = [r for r in latest(ledger(path)) if r["status"] != "cancelled"]
    out = []
    for c in claims:
        tagged = [r for r in current if c["claim_id"] in (r["claim_ids"] or [])]
        total = sum(r["amount_usd"] or 0.0 for r in tagged)
        expected = c["expected_usd"]
        if not tagged:
            state = "missing"
        elif expected is None or expected == 0:
            state = "matches"
        else:
            state = (
                "matches" if abs(total - expected) <= RECONCILE_TOLERANCE * expected else "partial"
            )
        out.append(
            {
                "claim": c["claim_id"],
                "text": c["claim"],
                "expected_usd": expected,
                "ledger_usd": total,
                "rows": sorted(r["id"] for r in tagged),
                "status": state,
                "source_id": c["source_id"],
            }
        )
    return out


def filter_rows(
    rows: Iterable[Mapping[str, Any]],
    actor: str | None = None,
    agency: str | None = None,
    instrument: str | None = None,
    mineral: str | None = None,
    host: str | None = None,
    status: str | None = None,
    since: str | dt.date | None = None,
) -> list[dict[str, Any]]:
    """Rows matching every given filter (exact codes; agency case-insensitive)."""
    start = _date(since, "since")
    out = []
    for r in rows:
        if actor and r["actor_iso3"] != actor.upper():
            continue
        if agency and str(r["agency"]).lower() != agency.lower():
            continue
        if instrument and r["instrument"] != instrument:
            continue
        if mineral and mineral not in (r["mineral_ids"] or []):
            continue
        if host and r["host_iso3"] != host.upper():
            continue
        if status and r["status"] != status:
            continue
        if start and r["date"] < start:
            continue
        out.append(dict(r))
    return out


def import_rows(file: Path | str, path: Path | str | None = None) -> dict[str, int]:
    """Append the rows of a ledger CSV (the `ledger export` format), all or nothing.

    A row whose id the ledger holds with identical content is skipped; with different
    content it is refused (a correction must supersede, not overwrite).
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
