"""Chart figures (plotly data + layout) from the same builders the briefing uses.

The dashboard draws these figures as served, so a chart looks and reads the same in the
dashboard and in `critmin brief` (critmin.brief.charts: axis titles with units, names in
legends and labels, codes in hover text). Each figure also lists the ``sources`` it rests on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from critmin.api.models import ErrorBody, Figure
from critmin.api.routes import call
from critmin.api.routes.supply import MineralName, Stage, Year
from critmin.capabilities.ledger import SUMMARY_KEYS

router = APIRouter(
    prefix="/api/v1/charts",
    tags=["charts"],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _share_map(mineral: str, stage: str, year: int | None) -> dict[str, Any]:
    from critmin.api.routes.supply import ask_mineral
    from critmin.brief import charts
    from critmin.capabilities.supply import concentration

    res = ask_mineral(concentration, mineral, stage=stage, year=year)
    return charts.share_map([res], stage)


def _hhi() -> dict[str, Any]:
    from critmin.brief import charts
    from critmin.capabilities.supply import concentration_all

    mine, refine = (concentration_all(stage=s).to_dict() for s in ("mine", "refine"))
    return charts.hhi_ranking(mine, refine)


def _timeline(country: str | None, mineral: str | None, on: dt.date | None) -> dict[str, Any]:
    from critmin.brief import charts
    from critmin.capabilities.supply import controls

    # the same rows as /api/v1/controls with the same filters; bars run to ``on`` or today
    rows = controls(country=country, on=on, mineral=mineral).dated_rows()
    return charts.controls_timeline(rows, on or dt.date.today())


def _ledger(
    by: str, since: dt.date | None, status: list[str] | None, include_unverified: bool
) -> dict[str, Any]:
    from critmin import names
    from critmin.brief import charts
    from critmin.capabilities.ledger import ledger_summary

    res = ledger_summary(
        by=by, since=since, status=status, include_unverified=include_unverified
    ).to_dict()
    label = (
        names.country
        if by in ("actor", "host")
        else names.mineral
        if by == "mineral"
        else names.agency
        if by == "agency"
        else (lambda v: names.words(str(v)))
    )
    return charts.bar(
        res["rows"][:15],
        "amount_usd",
        "key",
        f"Committed money by {names.words(by)}, USD billion (top 15)",
        "USD billion (nominal)",
        scale=1e-9,
        fmt=",.2f",
        ytitle=names.words(by),
        label=label,
        unstated="no amount stated",
    )


@router.get("/share-map/{mineral}", response_model=Figure, summary="World map of country shares")
def share_map(mineral: MineralName, stage: Stage = "mine", year: Year = None) -> Any:
    """The briefing's world map of one mineral's country shares (% of world)."""
    return call(_share_map, mineral, stage, year)


@router.get("/hhi", response_model=Figure, summary="HHI of every mineral, both stages")
def hhi() -> Any:
    """The briefing's HHI ranking: mine and refine bars, highest first, "no data" labelled."""
    return call(_hhi)


@router.get("/controls-timeline", response_model=Figure, summary="Export-control timeline")
def controls_timeline(
    country: Annotated[str | None, Query(max_length=100, description="Imposing country.")] = None,
    mineral: Annotated[str | None, Query(max_length=64, description="Mineral.")] = None,
    on: Annotated[dt.date | None, Query(description="Status on this day (default today).")] = None,
) -> Any:
    """The briefing's timeline: every dated control, start to lift date or ``on``."""
    return call(_timeline, country, mineral, on)


@router.get("/ledger-summary", response_model=Figure, summary="Ledger totals as bars")
def ledger_summary(
    by: Literal[SUMMARY_KEYS] = "actor",  # type: ignore[valid-type]
    since: Annotated[dt.date | None, Query(description="Rows dated on or after.")] = None,
    status: Annotated[
        list[Annotated[str, Field(max_length=200)]] | None,
        Query(description="Statuses to count (repeat).", max_length=20),
    ] = None,
    include_unverified: bool = False,
) -> Any:
    """Totals by one key (`critmin ledger summary --by`, the same filters as
    ``/api/v1/ledger/summary``); rows that state no amount are named over the chart, not
    drawn as zero."""
    return call(_ledger, by, since, status or None, include_unverified)
