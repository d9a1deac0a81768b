"""Reference tables: minerals, sources, countries, agencies, data coverage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from critmin.api.models import Agency, Country, Coverage, ErrorBody, Mineral, Source
from critmin.api.routes import call

router = APIRouter(prefix="/api/v1", tags=["reference"], responses={503: {"model": ErrorBody}})


def _table(name: str) -> list[dict[str, Any]]:
    """A reference table's rows (critmin.capabilities.reference): minerals, sources,
    countries and agencies (these two with ``label``, the name tables print)."""
    from critmin.capabilities import reference

    rows: list[dict[str, Any]] = getattr(reference, name)().to_dict()
    return rows


def _coverage() -> list[dict[str, Any]]:
    """The store's coverage, as ``critmin data coverage --json`` (critmin.capabilities.data)."""
    from critmin.capabilities.data import data_coverage

    rows: list[dict[str, Any]] = data_coverage().to_dict()
    return rows


@router.get("/minerals", response_model=list[Mineral], summary="The minerals table")
def minerals() -> Any:
    """The 60 USGS 2025 critical minerals, EU 2023 flags and group rows (`critmin minerals`)."""
    return call(_table, "minerals")


@router.get("/sources", response_model=list[Source], summary="Every source a number cites")
def sources() -> Any:
    """Publisher, title, URL, dates and licence of every source (`critmin sources`)."""
    return call(_table, "sources")


@router.get(
    "/sources/{source_id}",
    response_model=Source,
    summary="One source in full",
    responses={404: {"model": ErrorBody}},
)
def source(
    source_id: Annotated[
        str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$", description="Source id.")
    ],
) -> Any:
    """Publisher, title, URL, dates, licence and note of one source (`critmin sources ID`)."""
    from critmin.capabilities.reference import source as ask

    return call(lambda: ask(source_id=source_id).to_dict())


@router.get("/countries", response_model=list[Country], summary="Country codes and names")
def countries() -> Any:
    """ISO 3166-1 alpha-3 codes, names and aliases (the ``countries`` table)."""
    return call(_table, "countries")


@router.get("/agencies", response_model=list[Agency], summary="Agency ids and names")
def agencies() -> Any:
    """The public agencies ledger rows name by id (the ``agencies`` table), with the name
    tables print (``label``)."""
    return call(_table, "agencies")


@router.get("/coverage", response_model=list[Coverage], summary="What the store holds")
def coverage() -> Any:
    """Per mineral: production stages and years, reserves, US supply, end uses, prices, and
    what is missing (`critmin data coverage`)."""
    return call(_coverage)
