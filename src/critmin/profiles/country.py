"""A country profile (``critmin country COD``): see :mod:`critmin.profiles`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from critmin.errors import InputError, NotFoundError
from critmin.profiles.blocks import (
    EVERY_TARGET,
    STAGES,
    Block,
    SourceRef,
    all_controls,
    as_of_day,
    control_rows,
    ledger_block,
    make_block,
    pct_or_none,
    source_index,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg


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


def country_profile(
    country: str, as_of: str | dt.date | None = None, path: StoreArg = None
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
    from critmin.names import country as country_name
    from critmin.store import read_table
    from critmin.vocab import resolve_country

    iso3 = resolve_country(country, "country", path)
    day = as_of_day(as_of)
    row = next(
        (r for r in read_table("countries", path).to_dicts() if r["iso3"] == iso3), {"iso2": None}
    )
    index = source_index(path)
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


def _country_production(iso3: str, index: Mapping[str, SourceRef], path: StoreArg) -> Block:
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
                        "share_pct": pct_or_none(hit["share"]),
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
    return make_block(
        "Production: share of world output by mineral and stage, latest year",
        ["mineral", "stage", "year", "value_t", "share_pct", "rank", "ranked"],
        rows,
        index,
        "no mine or refinery production of this country in the store (missing, not zero)",
        note=(
            "share of world = 100 x tonnes / world (the larger of the reported world total and the "
            "sum of countries), latest year with data, each year from its latest edition; rank "
            "among single countries (Other countries not ranked); W = withheld by the source"
        ),
    )


def _ownership(
    iso3: str, as_of: str | dt.date | None, index: Mapping[str, SourceRef], path: StoreArg
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
                | {"owner_iso3": o["iso3"], "share_pct": pct_or_none(o["share"])}
                | {"sources": res["sources"]}
            )
        rows.append(
            common
            | {"owner_iso3": None, "share_pct": pct_or_none(res["unattributed_share"])}
            | {"sources": res["sources"]}
        )
        coverage.append(f"{m} {100 * res['register_coverage']:.0f} %")
    note = (
        "share of the country's mine production held by owners of each nationality, "
        "output-weighted (sum of registered output x stake / host production); no owner "
        "nationality = unattributed (output outside the register, unowned parts, no stake in force "
        "on the date)"
    )
    if coverage:
        note += "; registered output covers " + ", ".join(coverage) + " of host production"
    if skipped:
        note += "; not computed: " + "; ".join(skipped)
    return make_block(
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


def _country_controls(
    iso3: str, day: dt.date, index: Mapping[str, SourceRef], path: StoreArg
) -> tuple[Block, Block]:
    rows = all_controls(day, path)
    imposed = control_rows(r for r in rows if r["imposing_iso3"] == iso3)
    faced = control_rows(
        r
        for r in rows
        if r["imposing_iso3"] != iso3 and (iso3 in r["target"] or EVERY_TARGET & set(r["target"]))
    )
    when = f"status on {day.isoformat()}, from each control's dated events"
    return (
        make_block(
            "Export controls it imposes",
            ["control_id", "status", "measure", "mineral_ids"],
            imposed,
            index,
            f"the register holds no export control imposed by this country ({when})",
            note=when if imposed else None,
        ),
        make_block(
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


def _commitments(iso3: str, index: Mapping[str, SourceRef], path: StoreArg) -> tuple[Block, Block]:
    from critmin.ledger import latest, ledger

    current = latest(ledger(path))
    cols = ["amount_usd", "counted", "status", "instrument"]  # the last ones give way first
    received = ledger_block(
        "Commitments it receives (host country)",
        ["id", "date", "actor_iso3", *cols],
        [r for r in current if r["host_iso3"] == iso3],
        index,
        "no ledger row names this country as host",
        path,
    )
    made = ledger_block(
        "Commitments it makes (actor)",
        ["id", "date", "host_iso3", *cols],
        [r for r in current if r["actor_iso3"] == iso3],
        index,
        "no ledger row names this country as actor",
        path,
    )
    return received, made
