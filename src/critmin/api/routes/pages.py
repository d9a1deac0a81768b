"""Country profiles and mineral sheets: the object `critmin country|mineral ID --json` prints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from critmin.api.models import ErrorBody
from critmin.api.routes import call
from critmin.capabilities.profiles import CountryProfileModel, MineralSheetModel

router = APIRouter(
    prefix="/api/v1",
    tags=["pages"],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _profile(country: str, as_of: dt.date | None) -> dict[str, Any]:
    from critmin.capabilities.profiles import country_profile

    answer: dict[str, Any] = country_profile(country=country, on=as_of).to_dict()
    return answer


def _sheet(mineral: str) -> dict[str, Any]:
    from critmin.capabilities.profiles import mineral_sheet

    answer: dict[str, Any] = mineral_sheet(mineral=mineral).to_dict()
    return answer


@router.get("/countries/{country}", response_model=CountryProfileModel, summary="Country profile")
def country(
    country: Annotated[
        str,
        Path(
            description="Country: ISO3, ISO2 or English name, any case.",
            pattern=r"^[^/\x00-\x1f\x7f]{2,80}$",
            examples=["COD"],
        ),
    ],
    as_of: Annotated[
        dt.date | None,
        Query(description="Status of export controls and ownership on this day (default today)."),
    ] = None,
) -> Any:
    """Production shares by mineral and stage, owners of its mines by nationality, export
    controls it imposes and faces, commitments it receives and makes, each block with its
    sources (`critmin country ID --json`). An unknown country is a 422 naming the closest."""
    return call(_profile, country, as_of)


@router.get("/minerals/{mineral}/sheet", response_model=MineralSheetModel, summary="Mineral sheet")
def mineral_sheet(
    mineral: Annotated[
        str,
        Path(
            description="Mineral id, name or symbol (any case).",
            pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$",
            examples=["cobalt"],
        ),
    ],
) -> Any:
    """Production by country and year with editions, HHI trend, prices, reserves, US import
    reliance and sources, export controls, ledger rows, scenario forecasts and the market
    model's backtest error, each block with its sources (`critmin mineral ID --json`)."""
    return call(_sheet, mineral)
