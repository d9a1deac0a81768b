"""Pages: a country profile and a mineral sheet, each several tables (blocks) with their
sources.

``critmin country COD --json`` = ``GET /api/v1/countries/COD`` =
``profiles.country_profile(country="COD").to_dict()``; the same for ``critmin mineral``
and ``GET /api/v1/minerals/{mineral}/sheet``. Each block is ``{title, columns, rows, note,
totals, sources}`` (:class:`critmin.profiles.Block`); :data:`COUNTRY_BLOCKS` and
:data:`SHEET_BLOCKS` name them in page order. :mod:`critmin.profiles` computes them;
``CountryProfileModel`` and ``MineralSheetModel`` are its pydantic models of the two pages,
the HTTP API's response schemas.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.profiles import CountryProfile as CountryProfileModel
from critmin.profiles import MineralSheet as MineralSheetModel
from critmin.results import Result

__all__ = [
    "COUNTRY_BLOCKS",
    "SHEET_BLOCKS",
    "CountryProfile",
    "CountryProfileModel",
    "MineralSheet",
    "MineralSheetModel",
    "country_profile",
    "mineral_sheet",
]

# the blocks of each page, in the order a page prints them (written once, in critmin.profiles)
COUNTRY_BLOCKS: tuple[str, ...] = CountryProfileModel.BLOCKS
SHEET_BLOCKS: tuple[str, ...] = MineralSheetModel.BLOCKS


class Page(Result):
    """A page of blocks; ``block(key)`` is one block, ``rows()`` is empty (choose a block:
    ``res.block("production")["rows"]``)."""

    BLOCKS: ClassVar[tuple[str, ...]] = ()

    def block(self, key: str) -> dict[str, Any]:
        """One block of the page (a copy): title, columns, rows, note, totals, sources."""
        if key not in self.BLOCKS:
            from critmin.errors import InputError

            raise InputError(
                "unknown block; choose one of " + ", ".join(self.BLOCKS), field="block", value=key
            )
        return dict(self[key])


class CountryProfile(Page):
    """A country profile (:func:`country_profile`); blocks :data:`COUNTRY_BLOCKS`."""

    BLOCKS: ClassVar[tuple[str, ...]] = COUNTRY_BLOCKS


class MineralSheet(Page):
    """A mineral sheet (:func:`mineral_sheet`); blocks :data:`SHEET_BLOCKS`."""

    BLOCKS: ClassVar[tuple[str, ...]] = SHEET_BLOCKS


def country_profile(
    *, country: str, on: str | dt.date | None = None, path: StorePath = None
) -> CountryProfile:
    """The profile of one country (ISO3, ISO2, name or alias, any case) on ``on`` (default
    today): its production shares by mineral and stage (share_pct = 100 x tonnes / world
    total, USGS Mineral Commodity Summaries), the owners of its mines by nationality
    (output-weighted stakes from company filings), the export controls it imposes and faces
    (status from each control's dated events), and the commitments it receives and makes
    (the ledger, totals counted as ``critmin ledger summary`` counts them). Each block names
    its sources. :func:`critmin.profiles.country_profile` gives the formulas.

    >>> from critmin.capabilities.profiles import country_profile
    >>> res = country_profile(country="CD", on="2025-01-01")
    >>> res["iso3"], res["as_of"], res.block("production")["rows"][0]["mineral"] != ""
    ('COD', '2025-01-01', True)
    """
    from critmin.profiles import country_profile as engine

    iso3 = arg.country(country, "country", path)
    d = arg.day(on, "on")
    ans = engine(str(iso3) if iso3 else country, d, path).to_dict()
    return CountryProfile.of("country_profile", {"country": iso3, "on": d}, ans)


def mineral_sheet(*, mineral: str, path: StorePath = None) -> MineralSheet:
    """The sheet of one mineral (id, name or symbol, any case): production by country and
    year with the edition of each year, the HHI trend (sum of squared % shares, 0-10 000),
    published prices, reserves, US net import reliance and import sources (USGS Mineral
    Commodity Summaries), export controls, ledger rows, the bundled disruption scenarios'
    forecasts (fixed draws, default seed) and the market model's backtest error. Each block
    names its sources; :func:`critmin.profiles.mineral_sheet` gives the formulas.

    >>> from critmin.capabilities.profiles import mineral_sheet
    >>> res = mineral_sheet(mineral="Co")
    >>> res["mineral"], res["symbol"]
    ('cobalt', 'Co')
    """
    from critmin.profiles import mineral_sheet as engine

    m = arg.mineral(mineral, path)
    return MineralSheet.of("mineral_sheet", {"mineral": m}, engine(m, path).to_dict())
