"""Prices, reserves and US import sources of a mineral, as the store holds them.

Each answer names the edition its figures come from, every edition that reports them, and
the sources (publisher, title, URL, date) of the rows it returns. A missing figure stays
missing (None), never zero. The CLI (`critmin prices|reserves|imports`), the HTTP API
(``/api/v1/prices|reserves|imports/{mineral}``) and ``import critmin`` all call these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from critmin.errors import NotFoundError
from critmin.queries import mineral_row, resolve_mineral, year_slice

if TYPE_CHECKING:
    import polars as pl

    from critmin.store import StoreArg


def _sources(ids: list[str], path: StoreArg) -> list[dict[str, Any]]:
    """The source records of ``ids``: source_id, publisher, title, url, published."""
    from critmin.store import read_table

    table = read_table("sources", path)
    cols = ["source_id", "publisher", "title", "url", "published"]
    return table.filter(table["source_id"].is_in(sorted(set(ids)))).select(cols).to_dicts()


def _of_mineral(
    table: str, mineral_id: str, alias: str | None, path: StoreArg
) -> tuple[pl.DataFrame, str | None]:
    """Rows of ``table`` for the mineral, else for ``alias`` (the group or the mineral its
    figures are reported under), and which alias was used."""
    from critmin.store import read_table

    frame = read_table(table, path)
    rows = frame.filter(frame["mineral_id"] == mineral_id)
    if rows.is_empty() and alias:
        return frame.filter(frame["mineral_id"] == alias), alias
    return rows, None


def prices(mineral: str, edition: str | None = None, path: StoreArg = None) -> dict[str, Any]:
    """Published prices of a mineral: every product, market and period of one edition.

    The edition is the latest that reports prices for the mineral (by the editions' order of
    :mod:`critmin.editions`), or ``edition`` when pinned; ``editions`` lists every edition
    with prices for it, latest first. Prices are as published, in ``currency`` per ``unit``
    (USGS Mineral Commodity Summaries give annual averages, e.g. USD per lb; a period is a
    year or a month). Group minerals answer with the group's prices (``reported_as``).

    Returns ``{"mineral", "reported_as", "edition", "editions", "rows": [{"product",
    "market", "period", "price", "currency", "unit", "note", "source_id", "edition"}],
    "sources": [{"source_id", "publisher", "title", "url", "published"}]}``.
    """
    from critmin import editions as ed

    mineral_id = resolve_mineral(mineral, path)
    info = mineral_row(mineral_id, path)
    frame, reported_as = _of_mineral("prices", mineral_id, info.get("reported_as"), path)  # type: ignore[arg-type]
    if frame.is_empty():
        raise NotFoundError(f"no prices for {mineral_id} in the store (missing, not zero)")
    all_editions = ed.editions_of(frame)
    frame = ed.pin(frame, edition, f"prices for {mineral_id}")
    frame, chosen = ed.latest(frame)
    cols = ["product", "market", "period", "price", "currency", "unit", "note"]
    rows = (
        frame.sort(["product", "market", "period"], nulls_last=True)
        .select([*cols, "source_id", "edition"])
        .to_dicts()
    )
    return {
        "mineral": mineral_id,
        "reported_as": reported_as,
        "edition": chosen,
        "editions": all_editions,
        "rows": rows,
        "sources": _sources([r["source_id"] for r in rows], path),
    }


def reserves(
    mineral: str,
    year: int | None = None,
    edition: str | None = None,
    path: StoreArg = None,
) -> dict[str, Any]:
    """Reserves of a mineral by country for one year, as published (USGS MCS world tables).

    ``year`` defaults to the latest year with reserves; the figures of that year come from
    the latest edition that reports it, or from ``edition`` when pinned. Values are in
    ``unit`` (tonnes of ``product``, e.g. cobalt content) as published; WLD, the reported
    world total, is given apart as ``world_reported`` and ``world_sum`` adds the countries.
    A mineral whose reserves are reported under another row (palladium and platinum under
    platinum_group_metals, a group member under its group) answers with that row
    (``reported_as``).

    Returns ``{"mineral", "reported_as", "year", "years", "edition", "editions", "product",
    "unit", "basis", "world_reported", "world_sum", "rows": [{"iso3", "value", "flag",
    "note", "source_id", "edition"}], "sources": [...]}``, rows largest first.
    """
    from critmin import editions as ed

    mineral_id = resolve_mineral(mineral, path)
    info = mineral_row(mineral_id, path)
    alias = info.get("reserves_as") or info.get("reported_as")
    frame, reported_as = _of_mineral("reserves", mineral_id, alias, path)  # type: ignore[arg-type]
    if frame.is_empty():
        raise NotFoundError(f"no reserves for {mineral_id} in the store (missing, not zero)")
    frame = ed.pin(frame, edition, f"reserves for {mineral_id}")
    y = year_slice(frame, year, f"reserves for {mineral_id}")
    year, years, of_year, rows, chosen = y.year, y.years, y.of_year, y.rows, y.chosen
    world, countries, values = y.world, y.countries, y.values
    cols = ["iso3", "value", "flag", "note", "source_id", "edition"]
    return {
        "mineral": mineral_id,
        "reported_as": reported_as,
        "year": year,
        "years": years,
        "edition": chosen,
        "editions": ed.editions_of(of_year),
        "product": rows["product"][0],
        "unit": rows["unit"][0],
        "basis": rows["basis"][0],
        "world_reported": world["value"][0] if world.height else None,
        "world_sum": float(sum(values)) if values else None,
        "rows": countries.select(cols).to_dicts(),
        "sources": _sources(rows["source_id"].to_list(), path),
    }


def imports(mineral: str, edition: str | None = None, path: StoreArg = None) -> dict[str, Any]:
    """Where US imports of a mineral come from: USGS's shares by source country over its
    latest period (MCS Fig. 3 / "Import sources", whole percent as published, "Other" as
    XOT) and, each year, the import-sources text of the salient statistics; the same
    figures :func:`critmin.queries.us_supply` gives, with their sources.

    Returns ``{"mineral", "reported_as", "edition", "period", "shares": [{"iso3",
    "share_pct", "period", "product", "edition", "source_id"}], "by_year": [{"year",
    "import_sources", "net_import_reliance_pct", "edition", "source_id"}], "sources"}``.
    """
    from critmin.queries import us_supply

    res = us_supply(mineral, path, edition=edition)
    by_year = [
        {k: r[k] for k in ("year", "import_sources", "net_import_reliance_pct")}
        | {"edition": r["edition"], "source_id": r["source_id"]}
        for r in res["rows"]
    ]
    shares = res["import_shares"]
    ids = [r["source_id"] for r in shares] + [r["source_id"] for r in by_year]
    return {
        "mineral": res["mineral"],
        "reported_as": res["reported_as"],
        "edition": edition,
        "period": shares[0]["period"] if shares else None,
        "shares": shares,
        "by_year": by_year,
        "sources": _sources(ids, path),
    }
