"""US exposure per mineral (Q3): net import reliance x controlled share x end-use weight, as a
lower and an upper bound."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from critmin import metrics
from critmin.controls_register import (
    _parse_date,
    control_chains,
    control_status,
)
from critmin.editions import edition_year
from critmin.memo import per_store
from critmin.queries import minerals
from critmin.supply_shares import (
    basket_symbols,
    concentration_all,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg

# Which stage's output a measure withholds. An ore-export ban or a domestic-processing rule
# stops raw ore, not the metal refined at home (Indonesia's nickel); licences, bans, quotas,
# taxes, minimum export prices, end-use reviews and suspensions reach every stage the imposing
# country exports. Technology bans restrict know-how, not supply.
SUPPLY_MEASURES: dict[str, tuple[str, ...]] = {
    "licence_requirement": ("mine", "refine"),
    "ban": ("mine", "refine"),
    "quota": ("mine", "refine"),
    "export_tax": ("mine", "refine"),
    "suspension": ("mine", "refine"),
    "end_use_review": ("mine", "refine"),
    "minimum_export_price": ("mine", "refine"),
    "ore_export_ban": ("mine",),
    "domestic_processing_requirement": ("mine",),
}
# targets under which a measure withholds supply from the US: all destinations or the US by
# name. military_end_users (US supply to civilian users goes on) and technology (know-how,
# not material) do not; nor does a ban on another named country (Japan).
US_TARGETS = frozenset({"all", "USA"})


def _applies_to_us(targets: list[str]) -> bool:
    return bool(US_TARGETS & set(targets))


def latest_nir(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    known = [r for r in rows if r["net_import_reliance_pct"] is not None or r["nir_flag"] == "E"]
    if not known:
        return None
    # the latest year, from the latest edition reporting it (critmin.editions)
    return max(known, key=lambda r: (r["year"], edition_year(r["edition"]), r["source_id"]))


@per_store  # hundreds of queries: once per store state (critmin.memo)
def exposure(
    on: str | dt.date | None = None,
    sector: str | None = None,
    path: StoreArg = None,
) -> list[dict[str, Any]]:
    """US exposure to export controls, per mineral, sorted by score (highest first), as a
    range: the register cannot say whether a suspension that has run out came back.

    score = NIR x C x w (:func:`critmin.metrics.exposure_score`):
    - NIR: latest US net import reliance (USGS salient statistics / MCS net-import-reliance
      chart), as a fraction; "E" (net exporter) counts 0; a bound such as ">50" counts its
      number and is flagged in ``nir_flag``.
    - C: the largest, over the mine and refine stages, of the summed world shares of the
      countries with a control counted on ``on`` (default today) covering the mineral or the
      group it is reported as, and reaching that stage (SUPPLY_MEASURES: an ore-export ban
      counts at the mine stage only; technology bans do not withhold supply). A control
      counts against the US only where its targets that day include ``all`` or ``USA``
      (:data:`US_TARGETS`): a ban aimed at military end users or at technology alone, or at
      another country (Japan), does not withhold US supply. A member without figures of its
      own takes its group's shares at a stage only where the group's series is not a basket
      of other elements (:func:`basket_symbols`).
    - w: 1, or with ``sector`` the share of US end uses in sectors whose name contains it
      (world end uses where USGS publishes only those; ``sectors_region`` says which).
    Bounds: the lower bound (``score_low``, ``controlled_share``) counts controls whose
    status that day is ``active``; the upper bound (``score_high``,
    ``controlled_share_high``) also counts those ``unconfirmed`` (a suspension ended with no
    later event recorded), named in ``unconfirmed_controls``. ``score`` is the lower bound.
    Suspended, announced and lifted controls count in neither.
    Minerals without NIR data are listed with score null (missing, not zero), after the rest.
    """
    day = _parse_date(on, "on")
    table = minerals(path).to_dicts()
    group_of = {r["mineral_id"]: r["reported_as"] for r in table}
    supply = _read("us_supply", path)
    uses = _read("end_uses", path)
    rows, events = control_chains(path)
    counted: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in rows:
        st = control_status(row, events.get(row["control_id"], []), day)
        if (
            st["status"] in ("active", "unconfirmed")
            and row["measure"] in SUPPLY_MEASURES
            and _applies_to_us(st["targets"])
        ):
            counted.append((row, st))
    symbol = {r["mineral_id"]: r["symbol"] for r in table}
    stage_shares: dict[tuple[str, str], dict[str, float]] = {}
    baskets: dict[tuple[str, str], set[str] | None] = {}
    for stage in ("mine", "refine"):
        for c in concentration_all(stage, None, path):
            stage_shares[(c["mineral"], stage)] = {s["iso3"]: s["share"] for s in c["shares"]}
            baskets[(c["mineral"], stage)] = basket_symbols(c["product"])
    out = []
    for row in table:
        mid = row["mineral_id"]
        if row["kind"] == "group" or not row["usgs_2025"]:
            continue
        ids = {mid, group_of.get(mid)} - {None}
        applying = [(c, st) for c, st in counted if ids & set(st["minerals"])]
        active = [c for c, st in applying if st["status"] == "active"]
        unconfirmed = [c for c, st in applying if st["status"] == "unconfirmed"]
        low = _controlled(mid, active, stage_shares, baskets, group_of, symbol)
        high = _controlled(mid, active + unconfirmed, stage_shares, baskets, group_of, symbol)
        nir_row = latest_nir([r for r in supply if r["mineral_id"] == mid])
        nir_from = mid
        if nir_row is None and group_of.get(mid):
            nir_row = latest_nir([r for r in supply if r["mineral_id"] == group_of[mid]])
            nir_from = str(group_of[mid])
        # US end uses where USGS gives them; world end uses otherwise (lithium, tellurium)
        mine_uses = [u for u in uses if u["mineral_id"] in ids]
        region = "USA" if any(u["region"] == "USA" for u in mine_uses) else "WLD"
        sectors = sorted(
            (u for u in mine_uses if u["region"] == region),
            key=lambda u: -(u["share"] or 0.0),
        )
        weight = 1.0
        if sector:
            weight = sum(
                u["share"] or 0.0 for u in sectors if sector.lower() in u["sector"].lower()
            )
        nir = None
        if nir_row is not None:
            nir = (
                0.0
                if nir_row["nir_flag"] == "E"
                else (nir_row["net_import_reliance_pct"] or 0.0) / 100
            )

        s_low = _score(nir, *low, weight)
        out.append(
            {
                "mineral": mid,
                "net_import_reliance": nir,
                "nir_flag": nir_row["nir_flag"] if nir_row else None,
                "nir_year": nir_row["year"] if nir_row else None,
                "nir_reported_as": nir_from if nir_from != mid else None,
                "controlled_share": low[0] if low[1] else None,
                "controlled_stage": low[1],
                "controlled_share_high": high[0] if high[1] else None,
                "controlled_stage_high": high[1],
                "controls": sorted(c["control_id"] for c in active),
                "unconfirmed_controls": sorted(c["control_id"] for c in unconfirmed),
                "weight": weight,
                "score": s_low,
                "score_low": s_low,
                "score_high": _score(nir, *high, weight),
                "sectors": [{"sector": u["sector"], "share": u["share"]} for u in sectors],
                "sectors_region": region if sectors else None,
                # the net import reliance's source and the counted controls' sources
                "sources": sorted(
                    ({nir_row["source_id"]} if nir_row and nir_row.get("source_id") else set())
                    | {c["source_id"] for c in active + unconfirmed if c.get("source_id")}
                ),
            }
        )
    return sorted(out, key=lambda r: (r["score"] is None, -(r["score"] or 0.0), r["mineral"]))


def _score(nir: float | None, share: float, stage: str | None, weight: float) -> float | None:
    """NIR x C x w, or None without NIR or without shares at any stage."""
    if nir is None or stage is None:
        return None
    return metrics.exposure_score(nir, share, weight)


def _read(name: str, path: StoreArg) -> list[dict[str, Any]]:
    from critmin.store import read_table

    return read_table(name, path).to_dicts()


def _controlled(
    mid: str,
    applying: list[dict[str, Any]],
    stage_shares: dict[tuple[str, str], dict[str, float]],
    baskets: dict[tuple[str, str], set[str] | None],
    group_of: dict[str, Any],
    symbol: dict[str, Any],
) -> tuple[float, str | None]:
    """(C, stage) of :func:`exposure`: the largest, over mine and refine, of the summed world
    shares of the countries imposing one of ``applying`` at that stage; stage None when
    neither stage has shares."""
    controlled, at_stage = 0.0, None
    for stage in ("mine", "refine"):
        shares = stage_shares.get((mid, stage))
        group = group_of.get(mid) or ""
        listed = baskets.get((group, stage))
        if not shares and (listed is None or symbol.get(mid) in listed):
            shares = stage_shares.get((group, stage))  # never a basket of other elements
        if not shares:
            continue
        imposing = {c["imposing_iso3"] for c in applying if stage in SUPPLY_MEASURES[c["measure"]]}
        c_share = sum(v for k, v in shares.items() if k in imposing)
        if at_stage is None or c_share > controlled:
            controlled, at_stage = c_share, stage
    return controlled, at_stage
