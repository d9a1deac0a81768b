"""Ownership control of mine output (Q2): stakes in force on a day, output-weighted control by
owner nationality, and the project-count view."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from critmin import metrics
from critmin.controls_register import (
    _parse_date,
)
from critmin.errors import InputError, NotFoundError
from critmin.queries import production, resolve_mineral

if TYPE_CHECKING:
    from critmin.store import StoreArg


def stake_in_force(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """A stake is in force on ``on`` when valid_from <= on < valid_to; an empty bound is open
    on that side (an unknown start, or a stake still held as far as the sources show)."""
    return (valid_from is None or valid_from <= on) and (valid_to is None or on < valid_to)


def stakes_on(owners: list[dict[str, Any]], on: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The asset_owners rows in force on ``on``, by asset_id (see :func:`stake_in_force`)."""
    held: dict[str, list[dict[str, Any]]] = {}
    for o in owners:
        if stake_in_force(o["valid_from"], o["valid_to"], on):
            held.setdefault(o["asset_id"], []).append(o)
    return held


def _date_notes(
    output: dict[str, float], held: dict[str, list[dict[str, Any]]], owners: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Stakes used, with open dates named; assets whose owners on the date are not known."""
    used, open_start, no_owner = [], [], []
    for asset_id in sorted(output):
        rows = held.get(asset_id, [])
        if not rows:
            dated = [o for o in owners if o["asset_id"] == asset_id]
            no_owner.append(
                f"{asset_id}: no stake in force on the date"
                + (" (the register has stakes for other dates)" if dated else "")
            )
        for o in rows:
            used.append({k: o[k] for k in STAKE_FIELDS})
            if o["valid_from"] is None:
                open_start.append(f"{asset_id}: {o['owner']} {o['stake_pct']:g}%")
    return used, open_start, no_owner


STAKE_FIELDS = (
    "asset_id",
    "owner",
    "owner_iso3",
    "stake_pct",
    "state_linked",
    "valid_from",
    "valid_to",
    "source_id",
)


def control(
    mineral: str,
    host: str | None = None,
    year: int | None = None,
    as_of: str | dt.date | None = None,
    path: StoreArg = None,
) -> dict[str, Any]:
    """Ownership-weighted control of a mineral's mine output by owner nationality (Q2).

    control_n = sum over registered assets of output_a x stake_{a,n} / denominator, where the
    denominator is the host country's production (``host``) or world production (the larger
    of the reported world total and the sum of countries, :func:`critmin.metrics.world_total`),
    from the production table for the same year. Stakes are the asset_owners rows in force on
    ``as_of`` (valid_from <= as_of < valid_to, empty bounds open; default: the end of the
    output year), applied to the output of ``year``. Unattributed = output outside the
    register + unowned parts of registered assets + assets with no stake in force on the
    date; never dropped. ``open_start`` names the stakes used whose start date is not known
    (their source note says why); ``no_owner_on_date`` the registered assets left
    unattributed because no stake is in force that day. See
    :func:`critmin.metrics.control_shares`.
    """
    from critmin.store import read_table

    mineral_id = resolve_mineral(mineral, path)
    assets = read_table("assets", path)
    out_t = read_table("asset_output", path)
    owners = read_table("asset_owners", path).to_dicts()
    if host is not None:
        host = host.upper()
        if len(host) != 3 or not host.isalpha():
            raise InputError("expected an ISO 3166-1 alpha-3 code", field="host", value=host)
    mine_assets = {
        r["asset_id"]: r["iso3"]
        for r in assets.to_dicts()
        if r["stage"] == "mine" and (host is None or r["iso3"] == host)
    }
    rows = [
        r
        for r in out_t.to_dicts()
        if r["mineral_id"] == mineral_id and r["asset_id"] in mine_assets
    ]
    if not rows:
        where = f" in {host}" if host else ""
        raise NotFoundError(f"no registered {mineral_id} mine output{where}")
    years = sorted({r["year"] for r in rows})
    year = year or years[-1]
    if year not in years:
        raise InputError(
            "no asset output that year; years with data: " + ", ".join(map(str, years)),
            field="year",
            value=year,
        )
    prod = production(mineral_id, "mine", year, path)
    if host is None:
        values = {r["iso3"]: r["value"] for r in prod["rows"] if r["value"] is not None}
        denominator, named = metrics.world_total(values, prod["world_reported"])
        basis = named or "no data"
    else:
        hit = [r["value"] for r in prod["rows"] if r["iso3"] == host and r["value"] is not None]
        if not hit:
            raise NotFoundError(f"no {mineral_id} mine production for {host} in {year}")
        denominator, basis = float(hit[0]), "host"
    on = _parse_date(as_of, "as_of") if as_of else dt.date(year, 12, 31)
    used = [r for r in rows if r["year"] == year]
    output = {r["asset_id"]: r["value"] for r in used}
    held = {a: v for a, v in stakes_on(owners, on).items() if a in output}
    stakes = {a: [(o["owner_iso3"], o["stake_pct"] / 100.0) for o in v] for a, v in held.items()}
    by_n, unattributed, coverage = metrics.control_shares(output, stakes, denominator)
    used_stakes, open_start, no_owner = _date_notes(output, held, owners)
    cited = set(prod["sources"]) | {r["source_id"] for r in used}
    cited |= {o["source_id"] for o in used_stakes}
    return {
        "mineral": mineral_id,
        "host_iso3": host,
        "year": year,
        "as_of": on,
        "denominator_t": denominator,
        "denominator_basis": basis,
        "denominator_edition": prod["edition"],
        "by_owner_iso3": [{"iso3": k, "share": v} for k, v in by_n.items()],
        "unattributed_share": unattributed,
        "register_coverage": coverage,
        "assets": sorted(output),
        "estimated_output": any(r["estimated"] for r in used),
        "stakes": used_stakes,
        "open_start": open_start,
        "no_owner_on_date": no_owner,
        "sources": sorted(cited),
    }


def project_share(projects: dict[str, set[str]], nationality: str) -> tuple[int, float | None]:
    """Project-count view of control: n = number of projects with at least one owner of
    ``nationality`` (any stake above zero), share = n / number of projects (None when there
    are none). Every registered project counts once whatever its size or output, so this
    answers "in how many projects" rather than "how much output" (:func:`control`).
    ``projects`` maps a project id to the owner nationalities (ISO3) holding it; a project
    with no known owner counts in the denominator, never as held.
    """
    n = sum(1 for held in projects.values() if nationality in held)
    return n, (n / len(projects) if projects else None)


def project_control(
    host: str,
    mineral: str | None = None,
    as_of: str | dt.date | None = None,
    year: int | None = None,
    nationality: str = "CHN",
    path: StoreArg = None,
) -> dict[str, Any]:
    """Share of a host country's registered mining projects with a stake held by owners of
    ``nationality`` (default China) on ``as_of`` (default today), by count
    (:func:`project_share`): projects = assets of stage mine in ``host`` (any status), with
    ``mineral`` among their minerals when given. Coverage states how far the register
    reaches: the number of projects, those with owners known on the date, and for a mineral
    the registered output of ``year`` (default the latest with asset output) over the host's
    production from the production table (same source as :func:`control`).
    """
    from critmin.store import read_table

    host = host.upper()
    if len(host) != 3 or not host.isalpha():
        raise InputError("expected an ISO 3166-1 alpha-3 code", field="host", value=host)
    nationality = nationality.upper()
    if len(nationality) != 3 or not nationality.isalpha():
        raise InputError(
            "expected an ISO 3166-1 alpha-3 code", field="nationality", value=nationality
        )
    mineral_id = resolve_mineral(mineral, path) if mineral else None
    on = _parse_date(as_of, "as_of") if as_of else dt.date.today()
    assets = [
        r
        for r in read_table("assets", path).to_dicts()
        if r["stage"] == "mine"
        and r["iso3"] == host
        and (mineral_id is None or mineral_id in r["mineral_ids"])
    ]
    if not assets:
        what = f"{mineral_id} " if mineral_id else ""
        raise NotFoundError(f"no registered {what}mine projects in {host}")
    owners = read_table("asset_owners", path).to_dicts()
    held = stakes_on(owners, on)
    projects = {
        a["asset_id"]: {o["owner_iso3"] for o in held.get(a["asset_id"], []) if o["stake_pct"] > 0}
        for a in assets
    }
    n, share = project_share(projects, nationality)
    known = {k: v for k, v in projects.items() if v}
    _, share_known = project_share(known, nationality)
    res: dict[str, Any] = {
        "host_iso3": host,
        "mineral": mineral_id,
        "nationality": nationality,
        "as_of": on,
        "projects": len(projects),
        "projects_with_owners": len(known),
        "projects_with_stake": n,
        "share": share,
        "share_of_projects_with_owners": share_known,
        "year": None,
        "register_output_t": None,
        "host_production_t": None,
        "output_coverage": None,
        "by_project": [
            {"asset_id": k, "owner_iso3": sorted(v), "held": nationality in v}
            for k, v in sorted(projects.items())
        ],
        "sources": sorted({o["source_id"] for a in known for o in held[a]}),
    }
    if mineral_id is not None:
        out = [
            r
            for r in read_table("asset_output", path).to_dicts()
            if r["mineral_id"] == mineral_id and r["asset_id"] in projects
        ]
        years = sorted({r["year"] for r in out})
        if year is not None and year not in years:
            raise InputError(
                "no asset output that year; years with data: " + ", ".join(map(str, years)),
                field="year",
                value=year,
            )
        if years:
            y = year or years[-1]
            prod = production(mineral_id, "mine", y, path)
            hit = [r["value"] for r in prod["rows"] if r["iso3"] == host and r["value"] is not None]
            registered = sum(r["value"] for r in out if r["year"] == y)
            res.update(
                year=y,
                register_output_t=registered,
                host_production_t=float(hit[0]) if hit else None,
                output_coverage=registered / float(hit[0]) if hit and hit[0] else None,
            )
            res["sources"] = sorted(set(res["sources"]) | set(prod["sources"]))
    return res
