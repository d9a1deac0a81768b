"""Who controls supply (Q1-Q3): concentration, dominance, ownership control, export controls,
US exposure, and the store's production, prices, reserves and import sources. Each route
calls the critmin.capabilities.supply function its CLI command calls and returns its Result
as ``--json`` prints it. A mineral named in the path is resolved first: an unknown one is a
404 (an unknown resource), where a misspelt query value is a 422."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BeforeValidator

from critmin.api.models import (
    Concentration,
    Control,
    ControlChain,
    Dominance,
    ErrorBody,
    ExportControl,
    Exposure,
    ProjectControl,
)
from critmin.api.routes import call

router = APIRouter(
    prefix="/api/v1",
    tags=["supply"],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)

MineralName = Annotated[
    str,
    Path(
        description="Mineral id, name or symbol (any case).",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$",
        examples=["cobalt"],
    ),
]
# any case ("Mine"), as the CLI takes it; another value is a 422 naming `stage` and the value
STAGES = ("mine", "refine")
Stage = Annotated[
    Literal["mine", "refine"],
    BeforeValidator(lambda v: v.strip().lower() if str(v).strip().lower() in STAGES else v),
    Query(description="Supply-chain stage: mine or refine, any case."),
]
Year = Annotated[
    int | None, Query(ge=1900, le=2100, description="Data year (default: latest with data).")
]
Edition = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*-(19|20)\d{2}$",
        max_length=40,
        description="Answer from this edition (e.g. usgs-mcs-2025); default: the latest.",
    ),
]
Iso3Query = Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 code.")]


def ask(fn: Callable[..., Any], /, **request: Any) -> Any:
    """``fn(**request)``, a capability's Result, as its JSON answer."""
    return fn(**request).to_dict()


def ask_mineral(fn: Callable[..., Any], mineral: str, /, **request: Any) -> Any:
    """:func:`ask` for a route whose path names a mineral: resolved first (id, name or
    symbol, any case), an unknown one a NotFoundError (404) naming the closest ids."""
    from critmin.capabilities.reference import mineral_id

    return fn(mineral=mineral_id(mineral=mineral), **request).to_dict()


@router.get(
    "/concentration",
    response_model=list[Concentration],
    summary="Concentration of every mineral at a stage",
)
def concentration_all(stage: Stage = "mine", year: Year = None, edition: Edition = None) -> Any:
    """Shares, HHI, top-3 and China share of every mineral with data, highest HHI first
    (`critmin concentration --all`). A group (rare earths) answers once for its members."""
    from critmin.capabilities.supply import concentration_all as fn

    return call(ask, fn, stage=stage, year=year, edition=edition)


@router.get(
    "/concentration/{mineral}",
    response_model=Concentration,
    summary="Concentration of one mineral",
)
def concentration(
    mineral: MineralName, stage: Stage = "mine", year: Year = None, edition: Edition = None
) -> Any:
    """Country shares, HHI (0-10 000), top-3 and China share of one mineral x stage x year
    (`critmin concentration MINERAL`)."""
    from critmin.capabilities.supply import concentration as fn

    return call(ask_mineral, fn, mineral, stage=stage, year=year, edition=edition)


@router.get("/production/{mineral}", summary="Production of one mineral by country")
def production(
    mineral: MineralName, stage: Stage = "mine", year: Year = None, edition: Edition = None
) -> Any:
    """Production by country in tonnes, the reported world total and the sum of countries,
    from the latest edition reporting the year or the pinned one (`critmin production`)."""
    from critmin.capabilities.supply import production as fn

    return call(ask_mineral, fn, mineral, stage=stage, year=year, edition=edition)


@router.get("/us-supply/{mineral}", summary="US salient statistics of one mineral")
def us_supply(mineral: MineralName, edition: Edition = None) -> Any:
    """US production, trade, apparent consumption, net import reliance and price by year,
    each year from the latest edition reporting it or the pinned one (`critmin us-supply`)."""
    from critmin.capabilities.supply import us_supply as fn

    return call(ask_mineral, fn, mineral, edition=edition)


@router.get("/prices/{mineral}", summary="Published prices of one mineral")
def prices(mineral: MineralName, edition: Edition = None) -> Any:
    """Every product, market and period of the latest edition with prices for the mineral,
    or the pinned one, each row with its source (`critmin prices MINERAL`)."""
    from critmin.capabilities.supply import prices as fn

    return call(ask_mineral, fn, mineral, edition=edition)


@router.get("/reserves/{mineral}", summary="Reserves of one mineral by country")
def reserves(mineral: MineralName, year: Year = None, edition: Edition = None) -> Any:
    """Reserves by country for a year (default the latest), the reported world total and
    the sum of countries, from the latest edition reporting the year or the pinned one
    (`critmin reserves MINERAL`)."""
    from critmin.capabilities.supply import reserves as fn

    return call(ask_mineral, fn, mineral, year=year, edition=edition)


@router.get("/imports/{mineral}", summary="Where US imports of one mineral come from")
def imports(mineral: MineralName, edition: Edition = None) -> Any:
    """USGS shares of US imports by source country over its latest period and the import
    sources named each year, with their sources (`critmin imports MINERAL`)."""
    from critmin.capabilities.supply import imports as fn

    return call(ask_mineral, fn, mineral, edition=edition)


@router.get("/dominance", response_model=list[Dominance], summary="Who leads each stage")
def dominance(year: Year = None) -> Any:
    """Per mineral: the leading country at the mine and refinery stage, China's shares and
    its dual dominance min(mine share, refine share) (`critmin dominance`)."""
    from critmin.capabilities.supply import dominance as fn

    return call(ask, fn, year=year)


@router.get("/control/{mineral}", response_model=Control, summary="Ownership control")
def control(
    mineral: MineralName,
    host: Iso3Query = None,
    year: Year = None,
    as_of: Annotated[
        dt.date | None, Query(description="Ownership date: stakes in force that day.")
    ] = None,
) -> Any:
    """Ownership-weighted control of a mineral's mine output by owner nationality, of a host
    country's production or the world's (`critmin control MINERAL`)."""
    from critmin.capabilities.supply import control as fn

    return call(ask_mineral, fn, mineral, host=host, year=year, on=as_of)


@router.get(
    "/control/{mineral}/projects",
    response_model=ProjectControl,
    summary="Ownership control by project count",
)
def control_projects(
    mineral: MineralName,
    host: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="Host country ISO3.")],
    as_of: Annotated[dt.date | None, Query(description="Ownership date (default today).")] = None,
    year: Year = None,
    nationality: Annotated[
        str, Query(pattern=r"^[A-Za-z]{3}$", description="Owner nationality ISO3.")
    ] = "CHN",
) -> Any:
    """Share of the host's registered mining projects of the mineral with a stake held by
    owners of that nationality, with the register's coverage
    (`critmin control MINERAL --host H --by projects`)."""
    from critmin.capabilities.supply import control as fn

    request = {"host": host, "year": year, "on": as_of, "nationality": nationality}
    return call(ask_mineral, fn, mineral, by="projects", **request)


@router.get("/controls", response_model=list[ExportControl], summary="Export controls")
def controls(
    country: Annotated[
        str | None,
        Query(max_length=100, description="Imposing country: ISO3, ISO2 or name, any case."),
    ] = None,
    on: Annotated[
        dt.date | None,
        Query(description="Status on this day; lists the controls that exist that day."),
    ] = None,
    active_on: Annotated[dt.date | None, Query(description="Older name of `on`.")] = None,
    mineral: Annotated[
        str | None, Query(max_length=64, description="Mineral id, name or symbol.")
    ] = None,
    measure: Annotated[
        str | None, Query(max_length=64, description="Measure, e.g. quota, ore_export_ban.")
    ] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=32,
            description="not_yet, announced, active, suspended, unconfirmed or lifted.",
        ),
    ] = None,
) -> Any:
    """The export-control register with each control's status in words, derived from its
    dated event chain (`critmin controls`). Filters are case-insensitive; an unknown value is
    a 422 naming the closest valid values, as the CLI's exit 2."""
    from critmin.capabilities.supply import controls as fn

    day = on if on is not None else active_on  # active_on: the older name of ``on``
    request = {"country": country, "mineral": mineral, "measure": measure, "status": status}
    return call(ask, fn, on=day, **request)


@router.get(
    "/controls/{control_id}",
    response_model=ControlChain,
    summary="One export control and its event chain",
)
def control_chain(
    control_id: Annotated[
        str,
        Path(
            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$",
            description="Control id, e.g. chn-2024-046-us-dual-use-ban.",
        ),
    ],
    on: Annotated[dt.date | None, Query(description="Status on this day (default today).")] = None,
) -> Any:
    """One export control: its dated events, each with its source, and its status on a day
    (`critmin controls show CONTROL_ID`)."""
    from critmin.capabilities.supply import control_events as fn

    return call(ask, fn, control_id=control_id, on=on)


@router.get("/exposure", response_model=list[Exposure], summary="US exposure to export controls")
def exposure(
    on: Annotated[
        dt.date | None, Query(description="Date for controls in force (default today).")
    ] = None,
    sector: Annotated[
        str | None, Query(max_length=100, description="Weight by end uses in this sector.")
    ] = None,
) -> Any:
    """Per mineral: net import reliance x controlled share of world supply x end-use weight
    (`critmin exposure`)."""
    from critmin.capabilities.supply import exposure as fn

    return call(ask, fn, on=on, sector=sector)
