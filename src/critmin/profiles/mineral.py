"""A mineral sheet (``critmin mineral cobalt``): see :mod:`critmin.profiles`."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from critmin.errors import NotFoundError
from critmin.profiles.blocks import (
    FORECAST_DRAWS,
    STAGES,
    Block,
    SourceRef,
    control_rows,
    ledger_block,
    make_block,
    pct_or_none,
    source_index,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg


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


def mineral_sheet(mineral: str, path: StoreArg = None) -> MineralSheet:
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
    index = source_index(path)
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


def _series(mineral_id: str, index: Mapping[str, SourceRef], path: StoreArg) -> tuple[Block, Block]:
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
                    "top3_pct": pct_or_none(c["top3_share"]),
                    "china_pct": pct_or_none(c["china_share"]),
                    "leader": c["leader"],
                    "leader_pct": pct_or_none(c["leader_share"]),
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
            "the World row is the reported world total; `critmin data revisions` shows earlier "
            "editions",
            group,
            gone,
        )
        if x
    )
    return (
        make_block(
            "Production by country and year (t)",
            ["stage", "iso3", "year", "value_t", "edition"],
            rows,
            index,
            "no production series in the store (missing, not zero)",
            note=note,
        ),
        make_block(
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


def _prices(mineral_id: str, index: Mapping[str, SourceRef], path: StoreArg) -> Block:
    from critmin.lookups import prices

    try:
        res = prices(mineral_id, None, path)
    except NotFoundError as exc:
        return make_block("Prices", ["product", "period", "price"], [], index, str(exc))
    via = f"; figures of {res['reported_as']}" if res["reported_as"] else ""
    return make_block(
        "Prices (as published)",
        ["product", "period", "price", "currency", "unit"],
        res["rows"],
        index,
        "no prices",
        note=f"edition {res['edition']}; price in currency per unit as published{via}",
    )


def _reserves(mineral_id: str, index: Mapping[str, SourceRef], path: StoreArg) -> Block:
    from critmin.lookups import reserves

    try:
        latest = reserves(mineral_id, None, None, path)
    except NotFoundError as exc:
        return make_block("Reserves", ["iso3", "year", "value"], [], index, str(exc))
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
    return make_block(
        "Reserves by country and year",
        ["iso3", "year", "value", "edition"],
        rows,
        index,
        "no reserves",
        note=(
            f"{latest['unit']} of {latest['product']}; the World row is the reported world "
            f"total{via}"
        ),
        extra_sources=[s["source_id"] for s in latest["sources"]],
    )


def _us_blocks(
    mineral_id: str, index: Mapping[str, SourceRef], path: StoreArg
) -> tuple[Block, Block]:
    from critmin.queries import us_supply

    cols = ["year", "net_import_reliance_pct", "nir_flag", "imports", "apparent_consumption"]
    try:
        res = us_supply(mineral_id, path)
    except NotFoundError as exc:
        return (
            make_block("US net import reliance", cols, [], index, str(exc)),
            make_block("US import sources", ["iso3", "share_pct"], [], index, str(exc)),
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
        make_block(
            "US net import reliance by year (% of apparent consumption)",
            [*cols, "edition"],
            rows,
            index,
            "no US salient statistics",
            note="USGS salient statistics, tonnes; E = net exporter; each year from its latest "
            "edition" + via,
        ),
        make_block(
            "Sources of US imports (% of imports)",
            ["iso3", "share_pct", "product", "period"],
            [dict(s) for s in shares],
            index,
            "USGS gives no import shares by source for this mineral",
            note=(
                f"USGS, period {period}, whole percent as published; Other countries = the "
                "rest USGS does not name"
            )
            if shares
            else None,
        ),
    )


def _mineral_controls(
    mineral_id: str, day: dt.date, index: Mapping[str, SourceRef], path: StoreArg
) -> Block:
    from critmin.supply import controls

    rows = control_rows(controls(None, None, mineral_id, path))
    return make_block(
        "Export controls on it",
        ["control_id", "imposing_iso3", "status", "measure"],
        rows,
        index,
        "the register holds no export control covering this mineral or its group",
        note=f"every control that ever covered it or its group; status on {day.isoformat()}"
        if rows
        else None,
    )


def _mineral_ledger(mineral_id: str, index: Mapping[str, SourceRef], path: StoreArg) -> Block:
    from critmin.ledger import latest, ledger

    rows = [r for r in latest(ledger(path)) if mineral_id in (r["mineral_ids"] or [])]
    return ledger_block(
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
    path: StoreArg,
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
                    "shortfall_mean_pct": pct_or_none(m["shortfall_share"]["mean"]) if ok else None,
                    "shortfall_p50_pct": pct_or_none(m["shortfall_share"]["p50"]) if ok else None,
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
        make_block(
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
                "over the episode (disruption engine); price multiplier = rest-of-world price "
                "multiplier over 12 months (structural market model), p50 and 90 % range; "
                + bt_note
            )
            if rows
            else None,
        ),
        make_block(
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
