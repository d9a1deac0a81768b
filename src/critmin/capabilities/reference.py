"""The reference tables as users ask for them: minerals, sources, countries, agencies, what
the store covers, and one production figure across editions.

Each function answers what the command of the same name prints with ``--json`` and what the
HTTP API returns (``critmin minerals --json`` = ``GET /api/v1/minerals`` =
``reference.minerals().to_dict()``). Every row is read from the store (the bundled tables
under ``critmin/data/reference``); nothing here computes a figure except
:func:`revisions`' change between two editions.
"""

from __future__ import annotations

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.results import Result


class Table(Result):
    """A reference table: the answer is the list of rows (minerals, sources, countries,
    agencies)."""


class Source(Result):
    """One source in full; no table (the answer is one row)."""


class Coverage(Result):
    """What the store holds per mineral and what is missing; table: the answer."""

    def markdown(self) -> str:
        """The coverage as the Markdown table of docs/coverage.md
        (``critmin data coverage --markdown``)."""
        from critmin.queries import coverage_markdown

        return coverage_markdown(self.rows())


class Revisions(Result):
    """One production figure across editions; table: ``years`` (year, latest edition,
    figures of each edition, change_pct)."""


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


def coverage(*, path: StorePath = None) -> Coverage:
    """Per mineral: the production stages and years the store holds (directly or through the
    group it is reported as), whether reserves, US supply, end uses and prices exist, and
    ``missing``: each absent item by name (a gap is never filled). ``coverage_note`` says in
    words why a mineral has no production series.

    >>> from critmin.capabilities.reference import coverage
    >>> row = next(r for r in coverage().rows() if r["mineral"] == "cobalt")
    >>> 2024 in row["mine_years"], row["missing"]
    (True, [])
    """
    from critmin.queries import coverage as engine

    return Coverage.of("coverage", {}, engine(path))


def revisions(
    *, mineral: str, stage: str = "mine", country: str = "WLD", path: StorePath = None
) -> Revisions:
    """One production figure across editions: the headline production of ``country`` (ISO3,
    ISO2 or name; default WLD, the reported world total) of ``mineral`` at ``stage`` for each
    year, in tonnes, as each edition of the USGS Mineral Commodity Summaries published it,
    the latest edition first. change_pct = 100 x (latest / previous edition - 1), None when
    either figure is missing.

    >>> from critmin.capabilities.reference import revisions
    >>> res = revisions(mineral="cobalt")
    >>> res["country"], res.rows()[0]["figures"][0]["edition"].startswith("usgs-mcs-")
    ('WLD', True)
    """
    from critmin.capabilities.supply import STAGES
    from critmin.queries import revisions as engine

    m = arg.mineral(mineral, path)
    st = arg.choice(stage, STAGES, "stage")
    if not isinstance(country, str):
        from critmin.errors import InputError

        raise InputError("expected a country ISO3, ISO2 or name", field="country", value=country)
    iso3 = "WLD" if country.strip().upper() == "WLD" else arg.country(country, "country", path)
    req = {"mineral": m, "stage": st, "country": iso3}
    ans = engine(m, st, str(iso3), path)
    return Revisions.of("revisions", req, ans, table=("years",))


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
