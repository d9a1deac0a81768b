"""The reference tables as users ask for them: minerals, sources, countries, agencies and
what the store covers.

Each function answers what the command of the same name prints with ``--json`` and what the
HTTP API returns (``critmin minerals --json`` = ``GET /api/v1/minerals`` =
``reference.minerals().to_dict()``). Every row is read from the store (the bundled tables
under ``critmin/data/reference``); nothing here computes a figure.
"""

from __future__ import annotations

from critmin.capabilities.inputs import StorePath
from critmin.results import Result


class Table(Result):
    """A reference table: the answer is the list of rows (minerals, sources, countries,
    agencies)."""


class Source(Result):
    """One source in full; no table (the answer is one row)."""


def minerals(*, path: StorePath = None) -> Table:
    """The minerals table: the USGS 2025 critical-minerals list, the EU 2023 critical and
    strategic flags, group rows (rare earths, PGMs) and, per mineral, its primary
    applications in words (USGS Mineral Commodity Summaries 2026, Table 6; None where USGS
    lists none). Read from the ``minerals`` and ``applications`` tables, without polars
    (``critmin minerals`` starts fast).

    >>> from critmin.capabilities.reference import minerals
    >>> row = next(r for r in minerals().rows() if r["mineral_id"] == "cobalt")
    >>> row["symbol"], row["usgs_2025"]
    ('Co', True)
    """
    from critmin.queries import mineral_list

    return Table.of("minerals", {}, mineral_list(path))


def sources(*, path: StorePath = None) -> Table:
    """Every source the shipped numbers cite: source_id, publisher, title, URL, published
    and accessed dates, licence and a note saying which kind of source it is (the
    ``sources`` table, read without polars).

    >>> from critmin.capabilities.reference import sources
    >>> any(r["source_id"] == "usgs-mcs2025-data-release" for r in sources().rows())
    True
    """
    from critmin.store import read_rows

    return Table.of("sources", {}, read_rows("sources", path))


def source(*, source_id: str, path: StorePath = None) -> Source:
    """One source in full (publisher, title, URL, dates, licence, note); an unknown id is a
    NotFoundError naming it (404 in the HTTP API).

    >>> from critmin.capabilities.reference import source
    >>> res = source(source_id="usgs-mcs2025-data-release")
    >>> res["publisher"], res["url"]
    ('U.S. Geological Survey, National Minerals Information Center', 'https://doi.org/10.5066/P13XCP3R')
    """
    from critmin.errors import InputError
    from critmin.queries import source as engine

    if not isinstance(source_id, str):
        raise InputError("expected a source id", field="source_id", value=source_id)
    return Source.of("source", {"source_id": source_id}, engine(source_id, path))


def countries(*, path: StorePath = None) -> Table:
    """ISO 3166-1 alpha-3 codes, ISO2, English names and aliases (the ``countries`` table),
    each row with ``label``: the short name tables and charts print ("DR Congo",
    :func:`critmin.names.country`).

    >>> from critmin.capabilities.reference import countries
    >>> next(r["label"] for r in countries().rows() if r["iso3"] == "COD")
    'DR Congo'
    """
    from critmin.names import country
    from critmin.store import read_table

    rows = read_table("countries", path).to_dicts()
    return Table.of("countries", {}, [{**r, "label": country(r["iso3"])} for r in rows])


def agencies(*, path: StorePath = None) -> Table:
    """The public agencies ledger rows name by id (the ``agencies`` table), each row with
    ``label``: the name tables print (:func:`critmin.names.agency`).

    >>> from critmin.capabilities.reference import agencies
    >>> any(r["agency_id"] == "usa-dow" for r in agencies().rows())
    True
    """
    from critmin.names import agency
    from critmin.store import read_table

    rows = read_table("agencies", path).to_dicts()
    return Table.of("agencies", {}, [{**r, "label": agency(r["agency_id"])} for r in rows])


def mineral_id(*, mineral: str, path: StorePath = None) -> str:
    """The mineral id ``mineral`` names (id, name or symbol, any case). An unknown name is a
    NotFoundError naming the closest ids: the HTTP API answers 404 for a mineral in its path
    (``/api/v1/concentration/unobtainium``), an unknown resource, where a misspelt filter is
    a 422.

    >>> from critmin.capabilities.reference import mineral_id
    >>> mineral_id(mineral="Co")
    'cobalt'
    """
    from critmin.queries import resolve_mineral

    return resolve_mineral(mineral, path)
