"""Look-ups over the store: the reference tables as users ask for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from critmin.errors import NotFoundError
from critmin.memo import per_store

if TYPE_CHECKING:
    import polars as pl

    from critmin.store import StoreArg


def minerals(path: StoreArg = None) -> pl.DataFrame:
    """The minerals table: the 60 USGS 2025 critical minerals, EU 2023 flags and group rows."""
    from critmin.store import read_table

    return read_table("minerals", path)


def mineral_list(path: StoreArg = None) -> list[dict[str, Any]]:
    """The minerals table as rows, each with its primary applications in words (USGS MCS 2026
    Table 6, ``applications`` table; None where USGS lists none, e.g. group rows)."""
    from critmin.store import read_many_rows  # no polars: `critmin minerals` starts fast

    rows = read_many_rows(("applications", "minerals"), path)
    apps = {r["mineral_id"]: r["applications"] for r in rows["applications"]}
    return [{**r, "applications": apps.get(r["mineral_id"])} for r in rows["minerals"]]


def sources(path: StoreArg = None) -> pl.DataFrame:
    """Every source a shipped number cites (publisher, title, URL, dates, licence)."""
    from critmin.store import read_table

    return read_table("sources", path)


def source(source_id: str, path: StoreArg = None) -> dict[str, Any]:
    """One source in full (source_id, publisher, title, url, published, accessed, licence,
    note); an unknown id is a NotFoundError naming it."""
    import polars as pl

    from critmin.errors import NotFoundError

    rows = sources(path).filter(pl.col("source_id") == source_id).to_dicts()
    if not rows:
        raise NotFoundError(
            f"no source {source_id!r}; `critmin sources` lists the {sources(path).height} ids"
        )
    return rows[0]


# Look-up structures built from a table frame, kept while read_table hands back that same
# frame object (it gives a new one when the store changes): the heavy reads (dominance,
# exposure, concentration of every mineral) ask for hundreds of minerals x stages in a row.
_DERIVED: dict[tuple[str, str], tuple[tuple[pl.DataFrame, ...], Any]] = {}


def _derived(name: str, frames: tuple[pl.DataFrame, ...], build: Any) -> Any:
    key = (name, ",".join(str(id(f)) for f in frames))
    hit = _DERIVED.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], frames, strict=True)):
        return hit[1]
    if len(_DERIVED) > 32:  # frames of stores no longer read
        _DERIVED.clear()
    value = build(*frames)
    _DERIVED[key] = (frames, value)  # holding the frames keeps their ids from being reused
    return value


def _normal(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def _mineral_names(table: pl.DataFrame) -> dict[str, str]:
    """Every accepted spelling (id, normalised name, lower-case symbol) -> mineral id; the first
    mineral in table order wins a spelling two share."""
    out: dict[str, str] = {}
    for row in table.select(["mineral_id", "name", "symbol"]).to_dicts():
        names = [row["mineral_id"], _normal(str(row["name"]))]
        if row["symbol"]:
            names.append(str(row["symbol"]).lower())
        for n in names:
            out.setdefault(n, str(row["mineral_id"]))
    return out


def resolve_mineral(name: str, path: StoreArg = None) -> str:
    """Map what a user typed (id, name or symbol, any case) to a mineral id."""
    names = _derived("mineral_names", (minerals(path),), _mineral_names)
    found = names.get(_normal(name))
    if found is None:
        from critmin.vocab import closest

        near = list(dict.fromkeys(names[n] for n in closest(_normal(name), names)))
        raise NotFoundError(
            f"unknown mineral {name!r}; did you mean {near[0]}? closest valid: "
            f"{', '.join(near)} (`critmin minerals` lists them)"
        )
    return str(found)


def mineral_row(mineral_id: str, path: StoreArg = None) -> dict[str, object]:
    table = minerals(path)
    rows = table.filter(table["mineral_id"] == mineral_id).to_dicts()
    if not rows:
        raise NotFoundError(f"unknown mineral {mineral_id!r}; `critmin minerals` lists them")
    return rows[0]


def _headline_by_mineral_stage(
    prod: pl.DataFrame, src: pl.DataFrame
) -> tuple[dict[tuple[Any, ...], pl.DataFrame], pl.DataFrame]:
    """Headline production rows with their source's date, split by (mineral_id, stage); and
    an empty frame of the same columns."""
    import polars as pl

    rows = prod.filter(pl.col("headline")).join(
        src.select(["source_id", "published"]), on="source_id", how="left"
    )
    return rows.partition_by(["mineral_id", "stage"], as_dict=True), rows.clear()


def _headline_rows(mineral_id: str, stage: str, path: StoreArg) -> pl.DataFrame:
    """Headline production rows of one mineral x stage, each with its source's date."""
    from critmin.store import read_table

    frames = (read_table("production", path), read_table("sources", path))
    parts, empty = _derived("headline", frames, _headline_by_mineral_stage)
    out: pl.DataFrame = parts.get((mineral_id, stage), empty)
    return out


@dataclass(frozen=True)
class YearSlice:
    """One year of a by-country series, answered from its latest edition."""

    year: int
    years: list[int]
    of_year: pl.DataFrame  # every edition's rows of that year
    rows: pl.DataFrame  # the latest edition's rows, WLD included
    chosen: Any  # the edition(s) chosen (critmin.editions.latest)
    world: pl.DataFrame  # the WLD row, if reported
    countries: pl.DataFrame  # the other rows, largest value first, then by iso3
    values: list[float]  # the countries' non-missing values


def year_slice(frame: pl.DataFrame, year: int | None, what: str) -> YearSlice:
    """``year`` (default: the last with data) of ``frame``, from its latest edition; a year
    without data is an InputError naming the years that have some (``what`` names the data)."""
    from critmin import editions
    from critmin.errors import InputError

    years = sorted(set(frame["year"].to_list()))
    if year is None:
        year = years[-1]
    elif year not in years:
        raise InputError(
            f"no {what} that year; years with data: " + ", ".join(map(str, years)),
            field="year",
            value=year,
        )
    of_year = frame.filter(frame["year"] == year)
    rows, chosen = editions.latest(of_year)
    countries = rows.filter(rows["iso3"] != "WLD").sort(
        ["value", "iso3"], descending=[True, False], nulls_last=True
    )
    values = [v for v in countries["value"].to_list() if v is not None]
    world = rows.filter(rows["iso3"] == "WLD")
    return YearSlice(year, years, of_year, rows, chosen, world, countries, values)


def production(
    mineral: str,
    stage: str = "mine",
    year: int | None = None,
    path: StoreArg = None,
    edition: str | None = None,
) -> dict[str, Any]:
    """Production of a mineral by country for one stage and year, as published.

    Picks the headline series of the mineral x stage; where the mineral has no figures of its
    own and belongs to a group that does (neodymium -> rare earths), answers for the group and
    says so in ``reported_as``. Year defaults to the latest with data. The figures of the year
    come from the latest edition that reports them (:mod:`critmin.editions`), or from
    ``edition`` when pinned (``usgs-mcs-2025``); ``editions`` lists every edition that reports
    that year, latest first.
    ``year_editions`` maps every year of the series to the edition it comes from, so a trend
    over years that spans editions says so.
    Returns ``{"mineral", "stage", "year", "edition", "editions", "year_editions", "unit",
    "basis", "product",
    "reported_as", "world_reported", "world_sum", "rows": [{"iso3", "value", "estimated",
    "flag", "source_id"}], "sources"}`` with values in tonnes; WLD is not among the rows.
    """
    from critmin import editions
    from critmin.errors import InputError

    if stage not in ("mine", "refine"):
        raise InputError("choose mine or refine", field="stage", value=stage)
    mineral_id = resolve_mineral(mineral, path)
    info = mineral_row(mineral_id, path)
    frame = _headline_rows(mineral_id, stage, path)
    reported_as = None
    if frame.is_empty() and info.get("reported_as"):
        reported_as = str(info["reported_as"])
        frame = _headline_rows(reported_as, stage, path)
    if frame.is_empty():
        raise NotFoundError(f"no {stage} production data for {mineral_id} (missing, not zero)")
    frame = editions.pin(frame, edition, f"{stage} production data for {mineral_id}")
    what = f"{stage} data for {mineral_id}" + (f" in {edition}" if edition else "")
    y = year_slice(frame, year, what)
    year, of_year, rows, chosen = y.year, y.of_year, y.rows, y.chosen
    world, countries, values = y.world, y.countries, y.values
    return {
        "mineral": mineral_id,
        "stage": stage,
        "year": year,
        "edition": chosen,
        "editions": editions.editions_of(of_year),
        # the series of this mineral x stage: the edition each year with data comes from
        "year_editions": {
            str(r["year"]): r["edition"]
            for r in editions.latest_by(frame, ["year"])
            .select(["year", "edition"])
            .unique()
            .sort("year")
            .to_dicts()
        },
        "unit": "t",
        "basis": rows["basis"][0],
        "product": rows["product"][0],
        "reported_as": reported_as,
        "world_reported": world["value"][0] if world.height else None,
        "world_sum": float(sum(values)) if values else None,
        "rows": countries.select(["iso3", "value", "estimated", "flag", "source_id"]).to_dicts(),
        "sources": sorted(set(rows["source_id"].to_list())),
    }


@per_store  # a query per mineral x table: once per store state (critmin.memo)
def coverage(path: StoreArg = None) -> list[dict[str, Any]]:
    """What the store holds per mineral, and what is missing.

    One entry per mineral of the minerals table: production stages with their years
    (directly or through the group it is reported as), and whether reserves, US supply, end
    uses and prices exist. ``missing`` names each absent item: a gap is never filled.
    ``coverage_note`` says in words why a mineral has no production series (no public table
    found, or figures of its group stand for it); it is None where production is present.
    """
    from critmin.store import connect, query

    with connect(path) as con:
        prod = query(
            con,
            "SELECT mineral_id, stage, list(DISTINCT year ORDER BY year) AS years "
            "FROM production WHERE headline AND value IS NOT NULL GROUP BY ALL",
        ).to_dicts()
        have: dict[str, set[str]] = {}
        for table in ("reserves", "us_supply", "end_uses", "prices"):
            col = "value" if table == "reserves" else None
            where = f" WHERE {col} IS NOT NULL" if col else ""
            ids = query(con, f"SELECT DISTINCT mineral_id FROM {table}{where}")
            have[table] = set(ids["mineral_id"].to_list())
        rows = query(con, "SELECT * FROM minerals ORDER BY mineral_id").to_dicts()
    stages: dict[str, dict[str, list[int]]] = {}
    for r in prod:
        stages.setdefault(r["mineral_id"], {})[r["stage"]] = list(r["years"])
    out = []
    for m in rows:
        mid, group = m["mineral_id"], m["reported_as"]
        own = stages.get(mid, {})
        via = stages.get(group, {}) if group else {}
        entry: dict[str, Any] = {
            "mineral": mid,
            "usgs_2025": m["usgs_2025"],
            "reported_as": group,
            "mine_years": own.get("mine") or via.get("mine") or [],
            "refine_years": own.get("refine") or via.get("refine") or [],
            "production_from_group": bool(not own and via),
        }
        for table in ("reserves", "us_supply", "end_uses", "prices"):
            # reserves may be published for a group the mineral is otherwise not reported as
            # (platinum-group reserves stand for platinum and palladium): reserves_as
            via_id = (m.get("reserves_as") or group) if table == "reserves" else group
            entry[table] = mid in have[table]
            entry[f"{table}_from_group"] = bool(
                not entry[table] and via_id and via_id in have[table]
            )
        missing = [s for s in ("mine", "refine") if not entry[f"{s}_years"]]
        missing += [
            t
            for t in ("reserves", "us_supply", "end_uses", "prices")
            if not entry[t] and not entry[f"{t}_from_group"]
        ]
        entry["missing"] = missing
        # why production is missing or borrowed, in words (minerals.coverage_note): shown for
        # a gap and for a member whose years are its group's (ruthenium: the Pt + Pd basket)
        no_production = not entry["mine_years"] and not entry["refine_years"]
        borrowed = bool(entry["production_from_group"])
        entry["coverage_note"] = m.get("coverage_note") if no_production or borrowed else None
        out.append(entry)
    return out


def coverage_markdown(rows: list[dict[str, Any]]) -> str:
    """The coverage table (minerals x stages x years) as Markdown, for docs/coverage.md."""

    def years(ys: list[int]) -> str:
        if not ys:
            return "missing"
        if len(ys) == 1:
            return str(ys[0])
        return (
            f"{ys[0]}-{ys[-1]}" if ys == list(range(ys[0], ys[-1] + 1)) else ", ".join(map(str, ys))
        )

    def have(r: dict[str, Any], t: str) -> str:
        return "yes" if r[t] else ("group" if r[f"{t}_from_group"] else "missing")

    lines = [
        "| mineral | USGS 2025 list | reported as | mine years | refine years | reserves "
        "| US supply | end uses | prices |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mineral']} | {'yes' if r['usgs_2025'] else 'no'} | {r['reported_as'] or ''} "
            f"| {years(r['mine_years'])} | {years(r['refine_years'])} | {have(r, 'reserves')} "
            f"| {have(r, 'us_supply')} | {have(r, 'end_uses')} | {have(r, 'prices')} |"
        )
    notes = [r for r in rows if r.get("coverage_note")]
    if notes:
        lines += ["", "Why production is missing or group-only:", ""]
        lines += [f"- {r['mineral']}: {r['coverage_note']}" for r in notes]
    return "\n".join(lines) + "\n"


def revisions(
    mineral: str,
    stage: str = "mine",
    country: str = "WLD",
    path: StoreArg = None,
) -> dict[str, Any]:
    """One figure across editions: the headline production of ``country`` (ISO3; default the
    reported world total, WLD) for each year, as each edition published it.

    Returns ``{"mineral", "stage", "country", "reported_as", "years": [{"year", "latest",
    "figures": [{"edition", "value", "flag", "estimated", "product", "source_id"}],
    "change_pct"}]}``: figures latest edition first; ``latest`` is the edition queries answer
    from by default; ``change_pct`` compares the latest figure with the one of the edition
    before it (None when either is missing). A missing figure stays missing.
    """
    from critmin import editions
    from critmin.errors import InputError

    if stage not in ("mine", "refine"):
        raise InputError("choose mine or refine", field="stage", value=stage)
    iso3 = country.strip().upper()
    mineral_id = resolve_mineral(mineral, path)
    info = mineral_row(mineral_id, path)
    frame = _headline_rows(mineral_id, stage, path)
    reported_as = None
    if frame.is_empty() and info.get("reported_as"):
        reported_as = str(info["reported_as"])
        frame = _headline_rows(reported_as, stage, path)
    mine = frame.filter(frame["iso3"] == iso3)
    if mine.is_empty():
        raise NotFoundError(f"no {stage} production figure of {iso3} for {mineral_id}")
    years = []
    for year in sorted(set(mine["year"].to_list())):
        of_year = mine.filter(mine["year"] == year)
        order = editions.editions_of(of_year)
        figures = [
            {k: r[k] for k in ("edition", "value", "flag", "estimated", "product", "source_id")}
            for e in order
            for r in of_year.filter(of_year["edition"] == e).to_dicts()
        ]
        change = None
        if len(figures) > 1 and figures[0]["value"] and figures[1]["value"]:
            change = 100.0 * (figures[0]["value"] / figures[1]["value"] - 1.0)
        years.append({"year": year, "latest": order[0], "figures": figures, "change_pct": change})
    return {
        "mineral": mineral_id,
        "stage": stage,
        "country": iso3,
        "reported_as": reported_as,
        "years": years,
    }


def us_supply(mineral: str, path: StoreArg = None, edition: str | None = None) -> dict[str, Any]:
    """US salient statistics of a mineral, one row per year, each year from the latest edition
    that reports it (or from ``edition`` when pinned), each row naming its edition.

    Returns ``{"mineral", "reported_as", "edition" (pinned or None), "year_editions",
    "rows": [{"year", "production", "imports", "exports", "apparent_consumption",
    "net_import_reliance_pct", "nir_flag", "import_sources", "price", "price_unit",
    "estimated", "edition", "source_id", "note"}], "import_shares": [{"iso3", "share_pct",
    "period", "product", "edition", "source_id"}]}``; quantities in tonnes, missing stays None.
    ``import_shares`` are the shares of US imports by source over the latest period USGS
    gives them (MCS 2026 Fig. 3: 2021-2024, whole percent as published, "Other" as XOT),
    from the same edition rule; empty where USGS gives none.
    """
    from critmin import editions
    from critmin.store import read_table

    mineral_id = resolve_mineral(mineral, path)
    info = mineral_row(mineral_id, path)
    table = read_table("us_supply", path)
    frame = table.filter(table["mineral_id"] == mineral_id)
    reported_as = None
    if frame.is_empty() and info.get("reported_as"):
        reported_as = str(info["reported_as"])
        frame = table.filter(table["mineral_id"] == reported_as)
    if frame.is_empty():
        raise NotFoundError(f"no US supply data for {mineral_id} (missing, not zero)")
    frame = editions.pin(frame, edition, f"US supply data for {mineral_id}")
    src = read_table("sources", path).select(["source_id", "published"])
    chosen = editions.latest_by(frame.join(src, on="source_id", how="left"), ["year"])
    cols = [
        "year",
        "production",
        "imports",
        "exports",
        "apparent_consumption",
        "net_import_reliance_pct",
        "nir_flag",
        "import_sources",
        "price",
        "price_unit",
        "estimated",
        "edition",
        "source_id",
        "note",
    ]
    rows = chosen.sort(["year", "source_id"]).select(cols).to_dicts()
    return {
        "mineral": mineral_id,
        "reported_as": reported_as,
        "edition": edition,
        "year_editions": {str(r["year"]): r["edition"] for r in rows},
        "rows": rows,
        "import_shares": _import_shares(reported_as or mineral_id, path, edition),
    }


def _import_shares(mineral_id: str, path: StoreArg, edition: str | None) -> list[dict[str, Any]]:
    """Import-source shares of the latest period, from the latest (or pinned) edition."""
    from critmin import editions
    from critmin.store import read_table

    table = read_table("import_shares", path)
    frame = table.filter(table["mineral_id"] == mineral_id)
    if edition is not None:
        frame = frame.filter(frame["edition"] == edition)
    if frame.is_empty():
        return []
    latest = editions.editions_of(frame)[0]
    frame = frame.filter(frame["edition"] == latest)
    frame = frame.filter(frame["period"] == frame["period"].max())
    cols = ["iso3", "share_pct", "period", "product", "edition", "source_id"]
    return (
        frame.sort(["product", "share_pct", "iso3"], descending=[False, True, False])
        .select(cols)
        .to_dicts()
    )
