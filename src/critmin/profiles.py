"""Country profiles and mineral sheets (issue 24): one page of sourced numbers each.

Both pages are assembled from the queries the other commands answer with, so every number
equals the one its own command gives:

- :func:`country_profile` (``critmin country COD``, ``GET /api/v1/countries/{id}``):
  production shares by mineral and stage (:func:`critmin.supply.concentration_all`), owners of
  its mines by nationality (:func:`critmin.supply.control`), export controls it imposes and
  faces (:func:`critmin.supply.controls`), commitments it receives and makes
  (:func:`critmin.ledger.summary` over the ledger's latest rows).
- :func:`mineral_sheet` (``critmin mineral cobalt``, ``GET /api/v1/minerals/{id}/sheet``):
  production by country and year with each year's edition (:func:`critmin.queries.production`),
  the HHI trend (:func:`critmin.supply.concentration`), prices, reserves, US net import
  reliance and import sources (:mod:`critmin.lookups`, :func:`critmin.queries.us_supply`),
  controls, ledger rows, and the disruption scenarios' forecasts beside the market model's
  backtest error (:func:`critmin.sim.disruption.run_scenario`,
  :func:`critmin.sim.backtest.load_summary`).

Each block is a :class:`Block`: a title, the columns a table shows, the rows, a note and the
sources (publisher, title, URL, date) of its rows. A block without rows says so in its note
("no data: ..."), never silently empty. Shares are in percent (``*_pct``), tonnes in ``*_t``,
money in USD (``amount_usd``). The CLI ``--json`` and the HTTP API return
:meth:`CountryProfile.to_dict` / :meth:`MineralSheet.to_dict`, the same object.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from critmin.errors import InputError, NotFoundError

STAGES = ("mine", "refine")
# the disruption scenarios' forecasts on a sheet: a fixed draw count and the default seed, so
# the sheet is the same wherever it is asked (CLI, API, dashboard)
FORECAST_DRAWS = 2000
# the statuses a profile lists (not_yet: a control announced after the date is left out)
LISTED_STATUSES = ("announced", "active", "suspended", "unconfirmed", "lifted")
# targets that reach every country's buyers (a ban on another named country does not)
EVERY_TARGET = frozenset({"all", "military_end_users", "technology"})


class SourceRef(BaseModel):
    """One source a block cites (the sources table's columns, published as written)."""

    source_id: str
    publisher: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None


class Block(BaseModel):
    """One table of a page: ``columns`` name the row keys a table shows, in order (rows may
    hold more); ``note`` says what the block covers or leaves out, and "no data: ..." when it
    has no rows; ``totals`` holds the block's sums where it has any."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = Field(default_factory=list)
    note: str | None = None
    totals: dict[str, Any] | None = None
    sources: list[SourceRef] = Field(default_factory=list)


class CountryProfile(BaseModel):
    """What a country produces, who owns its mines, what it restricts and faces, and the
    commitments it receives and makes (:func:`country_profile`)."""

    BLOCKS: ClassVar[tuple[str, ...]] = (
        "production",
        "ownership",
        "controls_imposed",
        "controls_faced",
        "commitments_received",
        "commitments_made",
    )
    iso3: str
    iso2: str | None
    name: str
    as_of: dt.date
    production: Block
    ownership: Block
    controls_imposed: Block
    controls_faced: Block
    commitments_received: Block
    commitments_made: Block

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


class MineralSheet(BaseModel):
    """A USGS-style sheet of one mineral (:func:`mineral_sheet`)."""

    BLOCKS: ClassVar[tuple[str, ...]] = (
        "production",
        "hhi",
        "prices",
        "reserves",
        "us_reliance",
        "import_sources",
        "controls",
        "ledger",
        "forecasts",
        "backtest",
    )
    mineral: str
    name: str
    symbol: str | None
    reported_as: str | None
    as_of: dt.date
    production: Block
    hhi: Block
    prices: Block
    reserves: Block
    us_reliance: Block
    import_sources: Block
    controls: Block
    ledger: Block
    forecasts: Block
    backtest: Block

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


# -- shared helpers ----------------------------------------------------------------------------


def _source_index(path: Path | str | None) -> dict[str, SourceRef]:
    from critmin.store import read_table

    out = {}
    for r in read_table("sources", path).to_dicts():
        out[r["source_id"]] = SourceRef(
            source_id=r["source_id"],
            publisher=r["publisher"],
            title=r["title"],
            url=r["url"],
            published=None if r["published"] is None else str(r["published"]),
        )
    return out


def _refs(ids: Iterable[str | None], index: Mapping[str, SourceRef]) -> list[SourceRef]:
    """The source records of ``ids`` (sorted, each once); an id the table lacks keeps its id."""
    return [index.get(i) or SourceRef(source_id=i) for i in sorted({i for i in ids if i})]


def _row_ids(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in rows:
        sid = r.get("source_id")
        if sid:
            out.append(str(sid))
        out += [str(s) for s in r.get("sources") or []]
    return out


def _block(
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    index: Mapping[str, SourceRef],
    no_data: str,
    note: str | None = None,
    totals: dict[str, Any] | None = None,
    extra_sources: Iterable[str] = (),
) -> Block:
    """A block whose sources are those its rows name (plus ``extra_sources``); without rows
    its note starts "no data: " and says why (``no_data``)."""
    if not rows:
        note = f"no data: {no_data}" + (f" ({note})" if note else "")
    return Block(
        title=title,
        columns=columns,
        rows=rows,
        note=note,
        totals=totals,
        sources=_refs([*_row_ids(rows), *extra_sources], index),
    )


def _pct(x: float | None) -> float | None:
    return None if x is None else 100.0 * x


def _day(as_of: str | dt.date | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field="as_of", value=as_of) from None


# -- country profile ---------------------------------------------------------------------------


def country_profile(
    country: str, as_of: str | dt.date | None = None, path: Path | str | None = None
) -> CountryProfile:
    """The profile of one country, named by ISO3, ISO2, its name or an alias (any case; an
    unknown name is an InputError naming the closest codes).

    Blocks:
    - ``production``: for every mineral x stage with a stated concentration, the country's
      tonnes and share of world production in the latest year with data, share_pct =
      100 x value / world, world = the larger of the reported world total and the sum of
      countries (:func:`critmin.supply.concentration`, USGS Mineral Commodity Summaries);
      ``rank`` = 1 + the number of single countries with a larger share ("Other countries"
      is not ranked), of ``ranked`` countries with a share. Withheld figures (W) are listed
      with no share; zero output is not listed.
    - ``ownership``: for each mineral with registered mine output in the country, the share
      of the country's production held by owners of each nationality, output-weighted:
      sum over its registered assets of output x stake / host production
      (:func:`critmin.supply.control`; stakes in force on ``as_of`` when given, else at the
      end of the output year); the rest is unattributed, never dropped.
    - ``controls_imposed`` / ``controls_faced``: export controls it imposes, and those other
      states impose whose targets that day include it, all destinations, military end users
      or technology (a control aimed only at another named country is not faced); status on
      ``as_of`` (default today) from each control's dated events; controls not yet announced
      that day are left out, lifted ones are kept.
    - ``commitments_received`` / ``commitments_made``: the ledger's latest rows with the
      country as host (host_iso3) or as actor (actor_iso3); ``totals`` count them as
      `critmin ledger summary` does (primary or press sources, statuses announced to
      disbursed, letters of interest and publisher aggregates apart) and say what is left out.
    """
    from critmin.brief.names import country as country_name
    from critmin.store import read_table
    from critmin.vocab import resolve_country

    iso3 = resolve_country(country, "country", path)
    day = _day(as_of)
    row = next(
        (r for r in read_table("countries", path).to_dicts() if r["iso3"] == iso3), {"iso2": None}
    )
    index = _source_index(path)
    received, made = _commitments(iso3, index, path)
    imposed, faced = _country_controls(iso3, day, index, path)
    return CountryProfile(
        iso3=iso3,
        iso2=row.get("iso2"),
        name=country_name(iso3),
        as_of=day,
        production=_country_production(iso3, index, path),
        ownership=_ownership(iso3, as_of, index, path),
        controls_imposed=imposed,
        controls_faced=faced,
        commitments_received=received,
        commitments_made=made,
    )


def _country_production(
    iso3: str, index: Mapping[str, SourceRef], path: Path | str | None
) -> Block:
    from critmin.metrics import AGGREGATES
    from critmin.supply import concentration_all

    rows: list[dict[str, Any]] = []
    for stage in STAGES:
        for c in concentration_all(stage, None, path):
            if c["hhi"] is None:
                continue  # no figure stated (a group's basket, or nothing but withheld rows)
            singles = [s for s in c["shares"] if s["iso3"] not in AGGREGATES and s["value"]]
            base = {
                "mineral": c["mineral"],
                "stage": stage,
                "year": c["year"],
                "edition": c["edition"],
                "world_t": c["world_total"],
                "sources": c["sources"],
            }
            hit = next((s for s in singles if s["iso3"] == iso3), None)
            if hit is not None:
                rows.append(
                    base
                    | {
                        "value_t": hit["value"],
                        "share_pct": _pct(hit["share"]),
                        "rank": 1 + sum(1 for s in singles if s["share"] > hit["share"]),
                        "ranked": len(singles),
                        "flag": None,
                    }
                )
            elif iso3 in c["withheld"]:
                rows.append(
                    base
                    | {"value_t": None, "share_pct": None, "rank": None, "ranked": len(singles)}
                    | {"flag": "W"}
                )
    rows.sort(key=lambda r: (r["mineral"], STAGES.index(r["stage"])))
    return _block(
        "Production: share of world output by mineral and stage, latest year",
        ["mineral", "stage", "year", "value_t", "share_pct", "rank", "ranked"],
        rows,
        index,
        "no mine or refinery production of this country in the store (missing, not zero)",
        note=(
            "share_pct = 100 x tonnes / world (the larger of the reported world total and the "
            "sum of countries), latest year with data, each year from its latest edition; rank "
            "among single countries (Other countries not ranked); W = withheld by the source"
        ),
    )


def _ownership(
    iso3: str, as_of: str | dt.date | None, index: Mapping[str, SourceRef], path: Path | str | None
) -> Block:
    from critmin.store import read_table
    from critmin.supply import control

    mines = {
        r["asset_id"]
        for r in read_table("assets", path).to_dicts()
        if r["stage"] == "mine" and r["iso3"] == iso3
    }
    out_rows = read_table("asset_output", path).to_dicts()
    minerals = sorted({r["mineral_id"] for r in out_rows if r["asset_id"] in mines})
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    coverage: list[str] = []
    for m in minerals:
        try:
            res = control(m, iso3, None, as_of, path)
        except (NotFoundError, InputError) as exc:
            skipped.append(f"{m}: {exc}")
            continue
        common = {"mineral": m, "year": res["year"], "stakes_on": res["as_of"]}
        for o in res["by_owner_iso3"]:
            rows.append(
                common
                | {"owner_iso3": o["iso3"], "share_pct": _pct(o["share"])}
                | {"sources": res["sources"]}
            )
        rows.append(
            common
            | {"owner_iso3": None, "share_pct": _pct(res["unattributed_share"])}
            | {"sources": res["sources"]}
        )
        coverage.append(f"{m} {100 * res['register_coverage']:.0f} %")
    note = (
        "share of the country's mine production held by owners of each nationality, "
        "output-weighted (sum of registered output x stake / host production); owner_iso3 "
        "empty = unattributed (output outside the register, unowned parts, no stake in force "
        "on the date)"
    )
    if coverage:
        note += "; registered output covers " + ", ".join(coverage) + " of host production"
    if skipped:
        note += "; not computed: " + "; ".join(skipped)
    return _block(
        "Owners of its mines by nationality (ownership control, output-weighted)",
        ["mineral", "year", "owner_iso3", "share_pct", "stakes_on"],
        rows,
        index,
        (
            "the asset register holds no mine output in this country, so its owners are unknown"
            if not minerals
            else "no ownership share could be computed"
        ),
        note=note if rows else ("; ".join(skipped) or None),
    )


CONTROL_FIELDS = (
    "control_id",
    "imposing_iso3",
    "mineral_ids",
    "measure",
    "target",
    "announced",
    "effective",
    "lifted",
    "status",
    "status_text",
    "status_on",
    "description",
    "sources",
)


def _control_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = [{k: r.get(k) for k in CONTROL_FIELDS} for r in rows]
    return sorted(
        out,
        key=lambda r: (
            r["effective"] or r["announced"] or r["lifted"] or dt.date.min,
            r["control_id"],
        ),
    )


def _all_controls(
    day: dt.date, path: Path | str | None, mineral: str | None = None
) -> list[dict[str, Any]]:
    """Every control with its status on ``day``, of the statuses a page lists."""
    from critmin.supply import controls

    rows: list[dict[str, Any]] = []
    for status in LISTED_STATUSES:
        rows += controls(None, day, mineral, path, status=status)
    return rows


def _country_controls(
    iso3: str, day: dt.date, index: Mapping[str, SourceRef], path: Path | str | None
) -> tuple[Block, Block]:
    rows = _all_controls(day, path)
    imposed = _control_rows(r for r in rows if r["imposing_iso3"] == iso3)
    faced = _control_rows(
        r
        for r in rows
        if r["imposing_iso3"] != iso3 and (iso3 in r["target"] or EVERY_TARGET & set(r["target"]))
    )
    when = f"status on {day.isoformat()}, from each control's dated events"
    return (
        _block(
            "Export controls it imposes",
            ["control_id", "status", "measure", "mineral_ids"],
            imposed,
            index,
            f"the register holds no export control imposed by this country ({when})",
            note=when if imposed else None,
        ),
        _block(
            "Export controls it faces",
            ["control_id", "imposing_iso3", "status", "mineral_ids"],
            faced,
            index,
            f"no control in the register targets this country or all destinations ({when})",
            note=(
                when + "; faced = imposed by another state on all destinations, on military "
                "end users or technology, or on this country by name"
            )
            if faced
            else None,
        ),
    )


LEDGER_FIELDS = (
    "id",
    "date",
    "actor_iso3",
    "agency",
    "instrument",
    "amount_usd",
    "recipient",
    "host_iso3",
    "mineral_ids",
    "status",
    "verification",
    "source_id",
)


def _counted(row: Mapping[str, Any]) -> bool:
    """Whether `ledger summary` (default statuses, verified sources) adds the row's money."""
    from critmin.ledger import AGGREGATE, DEFAULT_STATUSES, is_counted, is_loi

    return bool(
        row["instrument"] != AGGREGATE
        and not is_loi(row)
        and row["status"] in DEFAULT_STATUSES
        and is_counted(row)
    )


def _ledger_block(
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    index: Mapping[str, SourceRef],
    no_data: str,
    path: Path | str | None,
    by: str = "instrument",
    key: str | None = None,
) -> Block:
    """Ledger rows with their totals as `critmin ledger summary --by BY` counts them; with
    ``key``, the total is that key's row (a mineral's equal share of multi-mineral rows)."""
    from critmin.ledger import left_out_line, summary

    shown = sorted(
        ({k: r.get(k) for k in LEDGER_FIELDS} | {"counted": _counted(r)} for r in rows),
        key=lambda r: (r["date"], r["id"]),
        reverse=True,
    )
    totals = None
    note = None
    if rows:
        res = summary(by, rows=rows, path=path)
        if key is None:
            total = res["total_usd"]
        else:
            total = next((r["amount_usd"] for r in res["rows"] if r["key"] == key), 0.0)
        loi, agg = res["letters_of_interest"], res["aggregates"]
        totals = {
            "total_usd": total,
            "by": by,
            "by_key": res["rows"],
            "rows_without_amount": res["rows_without_amount"],
            "letters_of_interest": loi,
            "aggregates": agg,
            "unverified": res["unverified"],
            "left_out": left_out_line(res),
        }
        note = (
            f"total {total:,.0f} USD over the rows marked counted (latest row of each chain; "
            "primary or press source; announced to disbursed"
            + (", multi-mineral rows split equally" if key else "")
            + f"); letters of interest {loi['amount_usd']:,.0f} USD in {loi['count']} rows "
            f"and publisher aggregates {agg['amount_usd']:,.0f} USD in {agg['count']} rows, "
            f"not added; {left_out_line(res)}"
        )
    return _block(title, columns, shown, index, no_data, note=note, totals=totals)


def _commitments(
    iso3: str, index: Mapping[str, SourceRef], path: Path | str | None
) -> tuple[Block, Block]:
    from critmin.ledger import latest, ledger

    current = latest(ledger(path))
    cols = ["amount_usd", "counted", "status", "instrument"]  # the last ones give way first
    received = _ledger_block(
        "Commitments it receives (host country)",
        ["id", "date", "actor_iso3", *cols],
        [r for r in current if r["host_iso3"] == iso3],
        index,
        "no ledger row names this country as host",
        path,
    )
    made = _ledger_block(
        "Commitments it makes (actor)",
        ["id", "date", "host_iso3", *cols],
        [r for r in current if r["actor_iso3"] == iso3],
        index,
        "no ledger row names this country as actor",
        path,
    )
    return received, made


# -- mineral sheet -----------------------------------------------------------------------------


def mineral_sheet(mineral: str, path: Path | str | None = None) -> MineralSheet:
    """The sheet of one mineral, named by id, name or symbol (any case; an unknown name is an
    InputError naming the closest ids).

    Blocks:
    - ``production``: tonnes by country, stage and year, each year from the latest edition
      that reports it (named on every row, :func:`critmin.queries.production`); WLD rows are
      the reported world totals.
    - ``hhi``: per stage and year, HHI = sum_i (100 x share_i)^2 on 0-10 000 over single
      countries, the top-3 and China shares in % (:func:`critmin.supply.concentration`).
    - ``prices``: published prices of the latest edition with prices
      (:func:`critmin.lookups.prices`).
    - ``reserves``: reserves by country for every year with data
      (:func:`critmin.lookups.reserves`).
    - ``us_reliance``: US net import reliance (% of apparent consumption), trade and
      consumption by year (:func:`critmin.queries.us_supply`); ``import_sources``: USGS
      shares of US imports by source country over its latest period.
    - ``controls``: export controls that ever covered the mineral or its group, status today.
    - ``ledger``: the ledger's latest rows naming the mineral; the total is the mineral's key
      of `critmin ledger summary --by mineral` (a multi-mineral row split equally).
    - ``forecasts``: each bundled disruption scenario covering the mineral, run with
      :data:`FORECAST_DRAWS` draws and the default seed: the engine's mean and p50 shortfall
      share of US supply and the structural market model's rest-of-world price multiplier
      over 12 months (p50, 90 % range).
    - ``backtest``: the market model's backtest cases for the mineral (or its group's
      members) from the bundled summary: observed and leave-one-episode-out predicted price
      multipliers, error = |ln(predicted / observed)|; ``totals`` the model's overall scores.
    """
    from critmin.queries import mineral_row, resolve_mineral
    from critmin.vocab import choose, mineral_spellings

    try:
        mineral_id = resolve_mineral(mineral, path)
    except NotFoundError:
        mineral_id = choose(mineral, mineral_spellings(path), "mineral")  # names the closest
    info = mineral_row(mineral_id, path)
    index = _source_index(path)
    production, hhi = _series(mineral_id, index, path)
    us, imports = _us_blocks(mineral_id, index, path)
    forecasts, backtest = _forecasts(mineral_id, info, index, path)
    today = dt.date.today()
    return MineralSheet(
        mineral=mineral_id,
        name=str(info["name"]),
        symbol=info.get("symbol"),
        reported_as=info.get("reported_as"),
        as_of=today,
        production=production,
        hhi=hhi,
        prices=_prices(mineral_id, index, path),
        reserves=_reserves(mineral_id, index, path),
        us_reliance=us,
        import_sources=imports,
        controls=_mineral_controls(mineral_id, today, index, path),
        ledger=_mineral_ledger(mineral_id, index, path),
        forecasts=forecasts,
        backtest=backtest,
    )


def _series(
    mineral_id: str, index: Mapping[str, SourceRef], path: Path | str | None
) -> tuple[Block, Block]:
    from critmin.queries import production
    from critmin.supply import concentration

    rows: list[dict[str, Any]] = []
    trend: list[dict[str, Any]] = []
    missing: list[str] = []
    reported_as = None
    for stage in STAGES:
        try:
            first = production(mineral_id, stage, None, path)
        except NotFoundError:
            missing.append(stage)
            continue
        reported_as = reported_as or first["reported_as"]
        for year in sorted(int(y) for y in first["year_editions"]):
            p = first if year == first["year"] else production(mineral_id, stage, year, path)
            src = p["sources"][0] if len(p["sources"]) == 1 else None
            common = {"stage": stage, "year": year, "edition": p["edition"]}
            for r in p["rows"]:
                rows.append(
                    common
                    | {"iso3": r["iso3"], "value_t": r["value"], "flag": r["flag"]}
                    | {"estimated": r["estimated"], "source_id": r["source_id"]}
                )
            if p["world_reported"] is not None:
                rows.append(
                    common
                    | {"iso3": "WLD", "value_t": p["world_reported"], "flag": None}
                    | {"estimated": None, "source_id": src}
                )
            c = concentration(mineral_id, stage, year, path)
            trend.append(
                common
                | {
                    "hhi": c["hhi"],
                    "hhi_band": c["hhi_band"],
                    "top3_pct": _pct(c["top3_share"]),
                    "china_pct": _pct(c["china_share"]),
                    "leader": c["leader"],
                    "leader_pct": _pct(c["leader_share"]),
                    "world_t": c["world_total"],
                    "reason": c["reason"],
                    "sources": c["sources"],
                }
            )
    group = f"figures of the group {reported_as}" if reported_as else None
    gone = f"no {' or '.join(missing)} production in the store" if missing else None
    note = "; ".join(
        x
        for x in (
            "tonnes; each year from the latest edition reporting it (edition on every row); "
            "WLD = reported world total; `critmin data revisions` shows earlier editions",
            group,
            gone,
        )
        if x
    )
    return (
        _block(
            "Production by country and year (t)",
            ["stage", "iso3", "year", "value_t", "edition"],
            rows,
            index,
            "no production series in the store (missing, not zero)",
            note=note,
        ),
        _block(
            "Concentration (HHI, 0-10 000) by year",
            ["stage", "year", "hhi", "top3_pct", "china_pct", "leader"],
            trend,
            index,
            "no production series to measure",
            note="HHI over single countries (Other countries left out, so a lower bound where "
            "they exist); above 1 800 highly concentrated (US DOJ/FTC 2023)"
            + (f"; {group}: no element-level figure" if group else ""),
        ),
    )


def _prices(mineral_id: str, index: Mapping[str, SourceRef], path: Path | str | None) -> Block:
    from critmin.lookups import prices

    try:
        res = prices(mineral_id, None, path)
    except NotFoundError as exc:
        return _block("Prices", ["product", "period", "price"], [], index, str(exc))
    via = f"; figures of {res['reported_as']}" if res["reported_as"] else ""
    return _block(
        "Prices (as published)",
        ["product", "period", "price", "currency", "unit"],
        res["rows"],
        index,
        "no prices",
        note=f"edition {res['edition']}; price in currency per unit as published{via}",
    )


def _reserves(mineral_id: str, index: Mapping[str, SourceRef], path: Path | str | None) -> Block:
    from critmin.lookups import reserves

    try:
        latest = reserves(mineral_id, None, None, path)
    except NotFoundError as exc:
        return _block("Reserves", ["iso3", "year", "value"], [], index, str(exc))
    rows: list[dict[str, Any]] = []
    for year in latest["years"]:
        res = latest if year == latest["year"] else reserves(mineral_id, year, None, path)
        common = {"year": year, "product": res["product"], "unit": res["unit"]}
        for r in res["rows"]:
            rows.append(
                common
                | {k: r[k] for k in ("iso3", "value", "flag", "edition")}
                | {"source_id": r["source_id"]}
            )
        if res["world_reported"] is not None:
            world = {"iso3": "WLD", "value": res["world_reported"], "flag": None}
            rows.append(common | world | {"edition": res["edition"], "source_id": None})
    via = f"; figures of {latest['reported_as']}" if latest["reported_as"] else ""
    return _block(
        "Reserves by country and year",
        ["iso3", "year", "value", "edition"],
        rows,
        index,
        "no reserves",
        note=f"{latest['unit']} of {latest['product']}; WLD = reported world total{via}",
        extra_sources=[s["source_id"] for s in latest["sources"]],
    )


def _us_blocks(
    mineral_id: str, index: Mapping[str, SourceRef], path: Path | str | None
) -> tuple[Block, Block]:
    from critmin.queries import us_supply

    cols = ["year", "net_import_reliance_pct", "nir_flag", "imports", "apparent_consumption"]
    try:
        res = us_supply(mineral_id, path)
    except NotFoundError as exc:
        return (
            _block("US net import reliance", cols, [], index, str(exc)),
            _block("US import sources", ["iso3", "share_pct"], [], index, str(exc)),
        )
    keep = (
        "year",
        "net_import_reliance_pct",
        "nir_flag",
        "imports",
        "exports",
        "apparent_consumption",
        "estimated",
        "import_sources",
        "edition",
        "source_id",
    )
    rows = [{k: r[k] for k in keep} for r in res["rows"]]
    via = f"; figures of {res['reported_as']}" if res["reported_as"] else ""
    shares = res["import_shares"]
    period = shares[0]["period"] if shares else None
    return (
        _block(
            "US net import reliance by year (% of apparent consumption)",
            [*cols, "edition"],
            rows,
            index,
            "no US salient statistics",
            note="USGS salient statistics, tonnes; E = net exporter; each year from its latest "
            "edition" + via,
        ),
        _block(
            "Sources of US imports (% of imports)",
            ["iso3", "share_pct", "product", "period"],
            [dict(s) for s in shares],
            index,
            "USGS gives no import shares by source for this mineral",
            note=f"USGS, period {period}, whole percent as published; XOT = other countries"
            if shares
            else None,
        ),
    )


def _mineral_controls(
    mineral_id: str, day: dt.date, index: Mapping[str, SourceRef], path: Path | str | None
) -> Block:
    from critmin.supply import controls

    rows = _control_rows(controls(None, None, mineral_id, path))
    return _block(
        "Export controls on it",
        ["control_id", "imposing_iso3", "status", "measure"],
        rows,
        index,
        "the register holds no export control covering this mineral or its group",
        note=f"every control that ever covered it or its group; status on {day.isoformat()}"
        if rows
        else None,
    )


def _mineral_ledger(
    mineral_id: str, index: Mapping[str, SourceRef], path: Path | str | None
) -> Block:
    from critmin.ledger import latest, ledger

    rows = [r for r in latest(ledger(path)) if mineral_id in (r["mineral_ids"] or [])]
    return _ledger_block(
        "Ledger: commitments naming it",
        ["id", "date", "actor_iso3", "amount_usd", "counted", "status", "instrument"],
        rows,
        index,
        "no ledger row names this mineral",
        path,
        by="mineral",
        key=mineral_id,
    )


def _forecasts(
    mineral_id: str,
    info: Mapping[str, Any],
    index: Mapping[str, SourceRef],
    path: Path | str | None,
) -> tuple[Block, Block]:
    from critmin.queries import minerals
    from critmin.sim.backtest import load_summary
    from critmin.sim.disruption import DEFAULT_SEED, list_scenarios, run_scenario

    group_of = {
        r["mineral_id"]: r["reported_as"]
        for r in minerals(path).select("mineral_id", "reported_as").to_dicts()
    }

    def ours(m: str) -> bool:  # the mineral, its group, or a member of it
        return m == mineral_id or group_of.get(m) == mineral_id or group_of.get(mineral_id) == m

    rows: list[dict[str, Any]] = []
    extra: dict[str, SourceRef] = {}
    for sc in list_scenarios():
        if not any(ours(m) for m in sc["minerals"]):
            continue
        res = run_scenario(sc["name"], FORECAST_DRAWS, DEFAULT_SEED)
        mm = {m["mineral"]: m for m in (res.get("market_model") or {}).get("minerals", [])}
        ids = []
        for i, s in enumerate(res["sources"]):
            sid = s.get("source_id") or s.get("id") or f"{res['scenario']}-{i}"
            ids.append(sid)
            if sid not in index:
                extra[sid] = SourceRef(
                    source_id=sid,
                    publisher=s.get("publisher"),
                    title=s.get("title"),
                    url=s.get("url"),
                    published=None if s.get("published") is None else str(s["published"]),
                )
        for m in res["minerals"]:
            if not ours(m["mineral"]):
                continue
            market = mm.get(m["mineral"]) or {}
            ok = bool(m["computable"])
            row_x = market.get("row_multiplier") if market.get("computable") else None
            rows.append(
                {
                    "scenario": res["scenario"],
                    "title": res["title"],
                    "mineral": m["mineral"],
                    "draws": res["draws"],
                    "seed": res["seed"],
                    "computable": ok,
                    "shortfall_mean_pct": _pct(m["shortfall_share"]["mean"]) if ok else None,
                    "shortfall_p50_pct": _pct(m["shortfall_share"]["p50"]) if ok else None,
                    "price_x_p50": row_x["p50"] if row_x else None,
                    "price_x_p5": row_x["p5"] if row_x else None,
                    "price_x_p95": row_x["p95"] if row_x else None,
                    "note": "; ".join(m.get("notes") or m.get("missing") or []) or None,
                    "sources": ids,
                }
            )
    summ = load_summary()
    loo = summ["leave_one_episode_out"]  # scores over every case
    cases = []
    for c in summ["cases"]:
        m = c["case"].rsplit("-", 1)[-1]
        if not ours(m):
            continue
        err = abs(math.log(c["loo"] / c["observed"])) if c["loo"] > 0 < c["observed"] else None
        cases.append(
            {
                "case": c["case"],
                "mineral": m,
                "market": c["market"],
                "window": c["window"],
                "observed_x": c["observed"],
                "in_sample_x": c["in_sample"],
                "loo_x": c["loo"],
                "loo_p5_x": c["loo_p5"],
                "loo_p95_x": c["loo_p95"],
                "loo_covered": c["loo_covered"],
                "abs_log_error": err,
                "sources": c["sources"],
            }
        )
    scores = {
        "loo_male": loo["male"],
        "no_change_male": loo["no_change_male"],
        "within_2x": loo["within_2x"],
        "coverage_90": loo["coverage_90"],
        "cases": loo["cases"],
        "all_targets_met": summ["all_targets_met"],
        "draws": summ["draws"],
        "seed": summ["seed"],
    }
    mine_male = (
        sum(c["abs_log_error"] for c in cases) / len(cases)
        if cases and all(c["abs_log_error"] is not None for c in cases)
        else None
    )
    scores["mineral_male"] = mine_male
    bt_note = (
        f"leave one episode out, the model's mean absolute log error is {loo['male']:.2f} "
        f"against {loo['no_change_male']:.2f} for 'prices do not change' over "
        f"{loo['cases']} cases"
        + (
            ""
            if summ["all_targets_met"]
            else "; it misses its targets: do not read its forecasts as reliable"
        )
    )
    full_index = {**index, **extra}
    return (
        _block(
            "Disruption scenarios covering it: forecasts",
            [
                "scenario",
                "mineral",
                "shortfall_p50_pct",
                "price_x_p50",
                "price_x_p5",
                "price_x_p95",
            ],
            rows,
            full_index,
            "no bundled disruption scenario covers this mineral",
            note=(
                f"{FORECAST_DRAWS} draws, default seed; shortfall = share of US supply lost "
                "over the episode (disruption engine); price_x = rest-of-world price "
                "multiplier over 12 months (structural market model), p50 and 90 % range; "
                + bt_note
            )
            if rows
            else None,
        ),
        _block(
            "Market model backtest: observed and predicted price multipliers",
            ["case", "observed_x", "loo_x", "abs_log_error"],
            cases,
            index,
            "no backtest case for this mineral; " + bt_note,
            note=(
                f"error = |ln(leave-one-out predicted / observed)|; mean over these cases "
                f"{mine_male:.2f}; " + bt_note
            )
            if cases and mine_male is not None
            else None,
            totals=scores,
        ),
    )
