"""The intervention ledger (Q4): rows, correction history, summaries, funding gap,
reconciliation with headline figures, and the one write of the API: append a commitment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from critmin.api.models import (
    ErrorBody,
    FundingGap,
    LedgerEntry,
    LedgerRow,
    LedgerSummary,
    Reconciliation,
)
from critmin.api.routes import Writer, call
from critmin.capabilities.ledger import SUMMARY_KEYS

if TYPE_CHECKING:
    from critmin.results import Result

router = APIRouter(
    prefix="/api/v1/ledger",
    tags=["ledger"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)

Since = Annotated[dt.date | None, Query(description="Rows dated on or after this day.")]
# filters take any case and any accepted spelling; critmin.vocab resolves them (422 naming the
# closest valid values when nothing matches), so the query parameters are plain bounded text
Word = Annotated[str | None, Query(max_length=200)]
IncludeUnverified = Annotated[
    bool,
    Query(description="Also count rows whose source is unverified (aggregator, estimate)."),
]


def _rows(history: bool, **filters: Any) -> list[dict[str, Any]]:
    from critmin.capabilities.ledger import ledger_list

    rows: list[dict[str, Any]] = ledger_list(history=history, **filters).to_dict()
    return rows


def _answer(fn: Callable[..., Result], /, **kwargs: Any) -> Any:
    """The answer of the capability ``fn`` asked with ``kwargs``."""
    return fn(**kwargs).to_dict()


@router.get("", response_model=list[LedgerRow], summary="Ledger rows")
def rows(
    actor: Annotated[
        str | None, Query(max_length=200, description="Acting state: ISO3, ISO2 or name.")
    ] = None,
    agency: Annotated[
        str | None, Query(max_length=200, description="Agency id, name or alias.")
    ] = None,
    instrument: Annotated[
        str | None, Query(max_length=200, description="One of the instruments, any case.")
    ] = None,
    mineral: Annotated[
        str | None, Query(max_length=200, description="Mineral id, name or symbol.")
    ] = None,
    host: Annotated[
        str | None, Query(max_length=200, description="Host country: ISO3, ISO2 or name.")
    ] = None,
    status: Word = None,
    since: Since = None,
    verification: Annotated[
        str | None, Query(max_length=200, description="primary, press or unverified.")
    ] = None,
    history: Annotated[bool, Query(description="Include superseded rows.")] = False,
) -> Any:
    """The latest row of each correction chain (every row with ``history``), filtered
    (`critmin ledger list`). An unknown filter value is a 422 naming the closest valid ones."""
    return call(
        _rows,
        history,
        actor=actor,
        agency=agency,
        instrument=instrument,
        mineral=mineral,
        host=host,
        status=status,
        since=since,
        verification=verification,
    )


@router.get("/summary", response_model=LedgerSummary, summary="Totals in USD, grouped")
def summary(
    by: Literal[SUMMARY_KEYS] = "actor",  # type: ignore[valid-type]
    since: Since = None,
    status: Annotated[
        list[Annotated[str, Field(max_length=200)]] | None,
        Query(
            description="Statuses to count (repeat, any case); letters of interest only when "
            "named.",
            max_length=20,
        ),
    ] = None,
    include_unverified: IncludeUnverified = False,
) -> Any:
    """Totals of the latest rows whose source is primary or press; letters of interest and
    publisher aggregates reported apart, unverified rows left out and counted in
    ``unverified`` (`critmin ledger summary`)."""
    from critmin.capabilities.ledger import ledger_summary

    return call(
        _answer,
        ledger_summary,
        by=by,
        since=since,
        status=status or None,
        include_unverified=include_unverified,
    )


@router.get("/gap", response_model=FundingGap, summary="Funding gap: need vs committed")
def gap(by: Literal["project", "mineral"] = "project") -> Any:
    """Estimated need (project capex) against public money committed, with cheque sizes
    (`critmin ledger gap`)."""
    from critmin.capabilities.ledger import ledger_gap

    return call(_answer, ledger_gap, by=by)


@router.get(
    "/reconcile", response_model=list[Reconciliation], summary="Headline figures vs the ledger"
)
def reconcile(include_unverified: IncludeUnverified = False) -> Any:
    """Each figure users quote against the ledger rows that account for it: matches, partial
    (with what the ledger lacks) or no amount to compare (`critmin ledger reconcile`)."""
    from critmin.capabilities.ledger import ledger_reconcile

    return call(_answer, ledger_reconcile, include_unverified=include_unverified)


@router.get(
    "/{row_id}/history",
    response_model=list[LedgerRow],
    summary="A row's correction chain",
    responses={404: {"model": ErrorBody}},
)
def history(
    row_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")],
) -> Any:
    """The whole chain the row belongs to, oldest first (`critmin ledger history ID`)."""
    from critmin.capabilities.ledger import ledger_history

    return call(_answer, ledger_history, row_id=row_id)


@router.post(
    "",
    response_model=LedgerRow,
    status_code=201,
    summary="Append a commitment (needs the token)",
    dependencies=[Writer],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)
def add(entry: LedgerEntry) -> Any:
    """Validate one commitment and append it; nothing is written if any field is wrong.
    A correction is a new row whose ``supersedes`` names the row it replaces
    (`critmin ledger add`). Needs ``Authorization: Bearer <CRITMIN_API_TOKEN>``."""
    from critmin.capabilities.ledger import ledger_add

    return call(_answer, ledger_add, record=entry.model_dump(exclude_none=True))
