"""Writes to the ledger: one row added (FX to USD, references checked, forks refused), CSV
import and export; each write one transaction (rules: :mod:`critmin.ledger`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from critmin.errors import InputError
from critmin.ledger_filters import (
    resolve_agency,
)
from critmin.ledger_rows import (
    NO_AMOUNT_INSTRUMENTS,
    chain_problems,
    ledger,
)
from critmin.schema import (
    INSTRUMENTS,
    MAX_AMOUNT,
    STATUSES,
    TABLES,
    VERIFICATION,
    Intervention,
)
from critmin.store import first_row

if TYPE_CHECKING:
    from critmin.store import StoreArg


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


def add(record: Mapping[str, Any], path: StoreArg = None) -> dict[str, Any]:
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

    from critmin.store import insert_rows

    try:
        insert_rows(con, "interventions", rows)
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


def import_rows(file: Path | str, path: StoreArg = None) -> dict[str, int]:
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


def export_rows(file: Path | str, path: StoreArg = None, force: bool = False) -> int:
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
