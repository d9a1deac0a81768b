"""The intervention ledger: rows, totals, the reconciliation of headline figures, a row's
correction chain.

The ledger is append-only: a correction is a new row that ``supersedes`` the old one, and
every question below reads the latest row of each chain unless it says otherwise. Amounts
are US dollars (``amount_usd``: the amount in its currency x the exchange rate of its date,
from the store's fx table). Every row names its source (``source_id``: a government notice,
company filing or press report; ``verification`` says which kind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.ledger_rows import SUMMARY_KEYS as SUMMARY_KEYS  # ledger_summary's `by`
from critmin.results import Result

# the summaries ledger_overview gives (by instrument, actor, agency, mineral)
SUMMARY_VIEWS = ("instrument", "actor", "agency", "mineral")


class LedgerRows(Result):
    """Ledger rows (list, history); table: the answer, one row per ledger row."""


class LedgerSummary(Result):
    """Totals in USD grouped by a key; table: ``rows`` (key, amount_usd, count)."""


class FundingGap(Result):
    """Need (project capex) against public money committed; table: ``rows`` (one per
    project, or per mineral)."""


class Reconciliation(Result):
    """Each headline claim against the ledger; table: the answer, one row per claim."""


class LedgerWrite(Result):
    """What a write did: the row appended (add), the rows added and already held (import),
    or the file written and its row count (export)."""


class LedgerOverview(Result):
    """The ledger at a glance (the brief's section 3); table: ``counted``, the current rows
    that enter the totals, largest first."""


def ledger_list(
    *,
    actor: str | None = None,
    agency: str | None = None,
    instrument: str | None = None,
    mineral: str | None = None,
    host: str | None = None,
    status: str | None = None,
    since: str | dt.date | None = None,
    verification: str | None = None,
    history: bool = False,
    path: StorePath = None,
) -> LedgerRows:
    """Ledger rows matching every filter given: the latest row of each correction chain, or
    every row with ``history``. Filters ignore case; countries by ISO3, ISO2 or name;
    ``agency`` includes its offices (``"DoD"`` takes in OSC, DLA and DPA). The same rows as
    ``critmin ledger list --json`` and ``GET /api/v1/ledger``.

    >>> import critmin as cm
    >>> rows = cm.ledger_list(actor="US", instrument="price floor").rows()
    >>> any(r["recipient"] == "MP Materials Corp." for r in rows)
    True
    """
    from critmin.ledger import filter_rows, latest, ledger

    if not isinstance(history, bool):
        from critmin.errors import InputError

        raise InputError("expected True or False", field="history", value=history)
    start = arg.day(since, "since")
    req = {
        "actor": actor,
        "agency": agency,
        "instrument": instrument,
        "mineral": mineral,
        "host": host,
        "status": status,
        "since": start,
        "verification": verification,
        "history": history,
    }
    every = ledger(path)
    rows = filter_rows(
        every if history else latest(every),
        actor,
        agency,
        instrument,
        mineral,
        host,
        status,
        start,
        verification,
        path,
    )
    return LedgerRows.of("ledger_list", req, rows)


def ledger_summary(
    *,
    by: str = "actor",
    since: str | dt.date | None = None,
    status: Iterable[str] | str | None = None,
    include_unverified: bool = False,
    path: StorePath = None,
) -> LedgerSummary:
    """Totals in USD of the latest rows, grouped ``by`` actor, agency, office, instrument,
    mineral, host, month, status or verification.

    total_usd = sum of amount_usd over counted rows: status in ``status`` (default
    announced, conditional, committed, disbursed), dated on or after ``since``, source
    primary or press (all with ``include_unverified``). Letters of interest and publisher
    aggregates are reported apart, never added; multi-mineral rows split equally.

    >>> import critmin as cm
    >>> res = cm.ledger_summary(by="actor")
    >>> round(sum(r["amount_usd"] for r in res.rows())) == round(res["total_usd"])
    True
    """
    from critmin.ledger import summary
    from critmin.schema import STATUSES

    key = arg.choice(by, SUMMARY_KEYS, "by")
    wanted = [status] if isinstance(status, str) else status
    statuses = [arg.choice(s, STATUSES, "status") for s in wanted or []] or None
    d = arg.day(since, "since")
    req = {"by": key, "since": d, "status": statuses, "include_unverified": include_unverified}
    ans = summary(key, d, statuses, path=path, include_unverified=bool(include_unverified))
    return LedgerSummary.of("ledger_summary", req, ans, table=("rows",))


def ledger_reconcile(*, include_unverified: bool = False, path: StorePath = None) -> Reconciliation:
    """Each headline figure users quote (a press release, a programme's stated size)
    against the ledger rows tagged with it: ``ledger_usd`` = sum of the counted rows'
    amount_usd; "matches" when |ledger_usd - expected_usd| <= tolerance x expected_usd,
    "partial" naming what the ledger lacks, or "no amount to compare".

    >>> import critmin as cm
    >>> rows = cm.ledger_reconcile().rows()
    >>> mp = next(r for r in rows if r["claim"] == "mp_materials_dod_package")
    >>> mp["expected_usd"], mp["status"]
    (550000000.0, 'matches')
    """
    from critmin.ledger import reconcile

    req = {"include_unverified": include_unverified}
    ans = reconcile(path=path, include_unverified=bool(include_unverified))
    return Reconciliation.of("ledger_reconcile", req, ans)


def ledger_history(*, row_id: str, path: StorePath = None) -> LedgerRows:
    """The correction chain ``row_id`` belongs to, oldest first (every row, superseded
    ones included; a NotFoundError for an unknown id).

    >>> import critmin as cm
    >>> first = cm.ledger_history(row_id="iv-0001").rows()[0]
    >>> first["recipient"], first["instrument"], first["amount_usd"]
    ('MP Materials Corp.', 'equity', 400000000.0)
    """
    from critmin.ledger import history

    return LedgerRows.of("ledger_history", {"row_id": row_id}, history(row_id, path))


def ledger_gap(
    *, by: str = "project", projects: str | Path | None = None, path: StorePath = None
) -> FundingGap:
    """Funding gap (``critmin ledger gap``): per project (or mineral), the estimated need
    (the register's announced capex, USD) against the public money the ledger commits to it.

    gap_usd = need_usd - committed_usd; coverage = committed_usd / need_usd. Letters of
    interest are reported apart (``loi_usd``), never counted. Sources: each project's capex
    source in the project register; each ledger row's ``source_id``.

    >>> import critmin as cm
    >>> mp = next(r for r in cm.ledger_gap().rows() if r["project"] == "mp-10x-magnets")
    >>> mp["gap_usd"] == mp["need_usd"] - mp["committed_usd"]
    True
    """
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline import GAP_KEYS, gap

    key = arg.choice(by, GAP_KEYS, "by")
    if projects is not None:
        input_file(Path(projects), "projects", MAX_TABLE_BYTES)
    ans = gap(key, path=path, projects_file=projects)
    req = {"by": key, "projects": None if projects is None else str(projects)}
    return FundingGap.of("ledger_gap", req, ans, table=("rows",))


def agency_id(value: str, path: StorePath = None) -> str:
    """The agency id an id, name or alias names, any case ("DoD", "pentagon" -> usa-dow);
    an InputError naming ``agency`` and the closest agency ids otherwise."""
    from critmin.ledger import resolve_agency

    return resolve_agency(value, path)


def ledger_add(*, record: Mapping[str, Any], path: StorePath = None) -> LedgerWrite:
    """Validate one commitment and append it (``critmin ledger add``, ``POST /api/v1/ledger``);
    the answer is the stored row. ``amount_usd`` = amount x the store's FX rate for the
    currency on the row's date; ``id`` is assigned (iv-NNNN) when absent and ``recorded_at``
    always. All or nothing: an unknown field, mineral, country, source or claim id, a
    negative or missing amount, a currency without an FX rate, or a ``supersedes`` naming no
    row is an InputError naming the field, and nothing is written.

    >>> import critmin as cm
    >>> cm.ledger_add(record={"instrument": "lone"})
    Traceback (most recent call last):
    critmin.errors.InputError: field 'instrument': unknown value; did you mean loan? ...
    """
    from critmin.errors import InputError
    from critmin.ledger import add

    if not isinstance(record, Mapping):
        raise InputError("expected one mapping of field: value", field="record", value=record)
    row = add(record, path)
    return LedgerWrite.of("ledger_add", {"record": dict(record)}, row)


def ledger_import(*, file: str | Path, path: StorePath = None) -> LedgerWrite:
    """Append the rows of a ledger CSV in the ``ledger export`` format (``critmin ledger
    import``): ``{"added": n, "unchanged": m}``. All or nothing, in one transaction: a row
    whose id is held with other content, or a correction that would fork or loop a chain,
    is refused naming the row; rows held identically are skipped.

    >>> import pathlib, tempfile
    >>> import critmin as cm
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ledger.csv"
    >>> n = cm.ledger_export(out=out)["rows"]
    >>> cm.ledger_import(file=out).to_dict() == {"added": 0, "unchanged": n}
    True
    """
    from critmin.ledger import import_rows

    res = import_rows(file, path)
    return LedgerWrite.of("ledger_import", {"file": str(file)}, res)


def ledger_export(*, out: str | Path, force: bool = False, path: StorePath = None) -> LedgerWrite:
    """Write the whole ledger history (superseded rows included) to the CSV ``out``, which
    ``ledger_import`` reads back exactly (``critmin ledger export``): ``{"out", "rows"}``.
    ``out`` must be new, or with ``force`` an existing regular file.

    >>> import pathlib, tempfile
    >>> import critmin as cm
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ledger.csv"
    >>> res = cm.ledger_export(out=out)
    >>> res["rows"] == len(cm.ledger_list(history=True).to_dict())
    True
    """
    from critmin.ledger import export_rows

    n = export_rows(out, path, force=bool(force))
    return LedgerWrite.of(
        "ledger_export",
        {"out": str(out), "force": force},
        {
            "out": str(out),
            "rows": n,
        },
    )


def ledger_overview(*, path: StorePath = None) -> LedgerOverview:
    """The ledger at a glance, as the brief states it: row counts, the four summaries
    (:func:`ledger_summary` by instrument, actor, agency and mineral, defaults), the
    reconciliation (:func:`ledger_reconcile`), the counted current rows and the cheque sizes.

    Counted (``counted``): latest rows whose source is primary or press, neither a letter of
    interest nor a publisher aggregate, neither cancelled nor superseded; sorted by
    amount_usd, largest first. ``cheques``: amount_usd (USD) of the counted rows that state
    one, in ledger order. ``sources``: every current row's source_id; ``unverified_sources``
    and ``aggregate_sources``: those of the rows left out of the totals.

    >>> import critmin as cm
    >>> res = cm.ledger_overview()
    >>> res["cheque_count"] == len(res["cheques"]) <= len(res.rows()) <= res["current"]
    True
    """
    from critmin.ledger import (
        AGGREGATE,
        DEAD_STATUSES,
        is_counted,
        is_loi,
        latest,
        ledger,
        reconcile,
        summary,
    )

    rows = ledger(path)
    current = latest(rows)

    def counted(r: Mapping[str, Any]) -> bool:
        return (
            is_counted(r)
            and not is_loi(r)
            and r["status"] not in DEAD_STATUSES
            and r["instrument"] != AGGREGATE
        )

    cheques = [r["amount_usd"] for r in current if r["amount_usd"] and counted(r)]
    ans = {
        "rows": len(rows),
        "current": len(current),
        "sources": sorted({r["source_id"] for r in current}),
        **{f"by_{k}": summary(k, rows=rows, path=path) for k in SUMMARY_VIEWS},
        "unverified_sources": [
            r["source_id"] for r in current if not is_counted(r) and r["instrument"] != AGGREGATE
        ],
        "aggregate_sources": [r["source_id"] for r in current if r["instrument"] == AGGREGATE],
        "reconcile": reconcile(path=path),
        "cheque_count": len(cheques),
        "cheques": cheques,
        "counted": sorted(
            (r for r in current if counted(r)), key=lambda r: -(r["amount_usd"] or 0.0)
        ),
    }
    return LedgerOverview.of("ledger_overview", {}, ans, table=("counted",))
