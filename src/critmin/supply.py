"""Who controls supply (Q1-Q3): concentration, dominance, ownership control, export controls,
US exposure. Each function reads the store once and applies the pure formulas of
:mod:`critmin.metrics`; the CLI, HTTP API and briefing all call these.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from critmin import metrics
from critmin.editions import edition_year
from critmin.errors import InputError, NotFoundError
from critmin.memo import per_store
from critmin.queries import mineral_row, minerals, production, resolve_mineral


def _no_figure(
    prod: dict[str, Any], stage: str, reason: str, withheld: list[str], no_data: list[str]
) -> dict[str, Any]:
    """A concentration answer that states no figure: every metric null, with the reason."""
    return {
        "mineral": prod["mineral"],
        "stage": stage,
        "year": prod["year"],
        "edition": prod["edition"],
        "unit": prod["unit"],
        "basis": prod["basis"],
        "product": prod["product"],
        "reported_as": prod["reported_as"],
        "basket": prod["product"] if prod["reported_as"] else None,
        "reason": reason,
        "world_reported": prod["world_reported"],
        "countries_sum": None,
        "world_total": None,
        "denominator": None,
        "hhi": None,
        "hhi_band": None,
        "top3_share": None,
        "china_share": None,
        "leader": None,
        "leader_share": None,
        "withheld": withheld,
        "no_data": no_data,
        "shares": [],
        "sources": prod["sources"],
    }


def concentration(
    mineral: str,
    stage: str = "mine",
    year: int | None = None,
    path: Path | str | None = None,
    edition: str | None = None,
) -> dict[str, Any]:
    """Shares, HHI, top-3 and China share of one mineral x stage x year.

    Denominator (``world_total`` tonnes, named in ``denominator``): the larger of the reported
    world total ("world total") and the sum of the country rows, "Other countries" included
    ("sum of countries"); see :func:`critmin.metrics.world_total`. So no share exceeds 1, the
    top-3 share is at most 1 and the HHI at most 10 000. HHI and top-3 count single countries
    only: an "Other countries" line (XOT) keeps its share in ``shares`` but is left out of HHI,
    so the HHI is a lower bound when such a line exists.

    Missing is not zero: a row the source flags W is listed under ``withheld``; a row with no
    value and no W flag under ``no_data``; neither gets a share. China's share is null when
    China's row is withheld or has no value. No figure is stated (``hhi`` and every other
    metric null, ``reason`` in words) when no country row has a value, or when the mineral has
    no figures of its own and only its group's are published (``reported_as``, ``basket``):
    a group or basket total is never passed off as one element's.

    The figures come from the latest edition reporting that year, whole, or ``edition`` when
    pinned (:func:`critmin.queries.production`); ``edition`` names it.
    """
    prod = production(mineral, stage, year, path, edition)
    withheld = [r["iso3"] for r in prod["rows"] if r["value"] is None and r["flag"] == "W"]
    no_data = [r["iso3"] for r in prod["rows"] if r["value"] is None and r["flag"] != "W"]
    if prod["reported_as"]:
        group = str(mineral_row(prod["reported_as"], path)["name"]).lower()
        listed = basket_symbols(prod["product"])
        own = mineral_row(prod["mineral"], path)["symbol"]
        outside = f", which does not hold {own}" if listed and own not in listed else ""
        reason = (
            f"reported as {group} (basket: {prod['product']}{outside}): no "
            f"{prod['mineral']} figures of its own, so no element-level concentration; "
            f"`concentration {prod['reported_as']}` gives the basket's"
        )
        return _no_figure(prod, stage, reason, withheld, no_data)
    values = {r["iso3"]: r["value"] for r in prod["rows"] if r["value"] is not None}
    world, denominator = metrics.world_total(values, prod["world_reported"])
    if not values or denominator is None:
        missing = "no country figures" if not values else "every country figure is zero"
        if withheld:
            missing += "; withheld by the source (W): " + ", ".join(withheld)
        reason = f"no data: {missing} for {prod['mineral']} {stage} {prod['year']}"
        return _no_figure(prod, stage, reason, withheld, no_data)
    sh = metrics.shares(values, world)
    single = {k: v for k, v in sh.items() if k not in metrics.AGGREGATES}
    h = metrics.hhi(single.values())
    lead = metrics.leader(sh)
    china_missing = "CHN" in withheld or "CHN" in no_data
    return {
        "mineral": prod["mineral"],
        "stage": stage,
        "year": prod["year"],
        "edition": prod["edition"],
        "unit": prod["unit"],
        "basis": prod["basis"],
        "product": prod["product"],
        "reported_as": None,
        "basket": None,
        "reason": None,
        "world_reported": prod["world_reported"],
        "countries_sum": float(sum(values.values())),
        "world_total": world,
        "denominator": denominator,
        "hhi": h,
        "hhi_band": metrics.hhi_band(h),
        "top3_share": metrics.top_n_share(sh, 3),
        "china_share": None if china_missing else sh.get("CHN", 0.0),
        "leader": lead[0] if lead else None,
        "leader_share": lead[1] if lead else None,
        "withheld": withheld,
        "no_data": no_data,
        "shares": [
            {"iso3": k, "value": values[k], "share": sh[k]}
            for k in sorted(sh, key=lambda k: (-sh[k], k))
        ],
        "sources": prod["sources"],
    }


@per_store  # hundreds of queries: once per store state (critmin.memo)
def concentration_all(
    stage: str = "mine",
    year: int | None = None,
    path: Path | str | None = None,
    edition: str | None = None,
) -> list[dict[str, Any]]:
    """:func:`concentration` for every mineral with data at the stage (group answers once).

    Members answered by their group (neodymium by rare earths) are not repeated; the group
    row stands for them. A member with figures of its own at the stage (iridium: a world
    total from SFA (Oxford), while its platinum-group row has none) is listed under its own
    id. Stages without country figures are listed with ``hhi`` null and their ``reason``,
    after the rest. Sorted by HHI, highest first. With ``edition`` pinned, the minerals that
    edition reports at the stage (and year); an edition that reports none is a NotFoundError
    naming the editions that do.
    """
    out = []
    table = minerals(path)
    for row in table.to_dicts():
        try:
            res = concentration(row["mineral_id"], stage, year, path, edition)
        except (NotFoundError, InputError):
            continue
        if row["reported_as"] and res["reported_as"]:
            continue  # answered by its group: the group's row stands for it
        out.append(res)
    if edition is not None and not out:
        from critmin import editions
        from critmin.store import read_table

        prod = read_table("production", path)
        known = editions.editions_of(prod.filter(prod["stage"] == stage))
        when = f" for {year}" if year else ""
        raise NotFoundError(
            f"no {stage} production in edition {edition!r}{when}; "
            f"editions with data: {', '.join(known)}"
        )
    return sorted(out, key=lambda r: (r["hhi"] is None, -(r["hhi"] or 0.0), r["mineral"]))


@per_store  # hundreds of queries: once per store state (critmin.memo)
def dominance(year: int | None = None, path: Path | str | None = None) -> list[dict[str, Any]]:
    """Per mineral: the leading country at each stage and China's dual dominance.

    dual dominance of country c = min(mine share_c, refine share_c) (DESIGN.md section 4),
    computed when both stages have data; ``dual_leader`` is the country with the largest. A
    stage without country figures (``hhi`` null) counts as no data.
    """
    mine = {r["mineral"]: r for r in concentration_all("mine", year, path) if r["hhi"] is not None}
    refine = {
        r["mineral"]: r for r in concentration_all("refine", year, path) if r["hhi"] is not None
    }
    out = []
    for mineral_id in sorted(set(mine) | set(refine)):
        m, r = mine.get(mineral_id), refine.get(mineral_id)
        ms = {s["iso3"]: s["share"] for s in m["shares"]} if m else {}
        rs = {s["iso3"]: s["share"] for s in r["shares"]} if r else {}
        entry: dict[str, Any] = {"mineral": mineral_id}
        for stage, res in (("mine", m), ("refine", r)):
            entry[f"{stage}_year"] = res["year"] if res else None
            entry[f"{stage}_edition"] = res["edition"] if res else None  # critmin.editions
            entry[f"{stage}_leader"] = res["leader"] if res else None
            entry[f"{stage}_leader_share"] = res["leader_share"] if res else None
            entry[f"{stage}_china_share"] = res["china_share"] if res else None
        if m and r:
            dd = metrics.dual_dominance(ms, rs)
            best = max(dd.items(), key=lambda kv: (kv[1], kv[0])) if dd else None
            entry["china_dual_dominance"] = dd.get("CHN", 0.0)
            entry["dual_leader"] = best[0] if best and best[1] > 0 else None
            entry["dual_leader_share"] = best[1] if best and best[1] > 0 else None
        else:
            entry["china_dual_dominance"] = None
            entry["dual_leader"] = None
            entry["dual_leader_share"] = None
        out.append(entry)
    return out


def _parse_date(value: str | dt.date | None, field: str) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("expected a date YYYY-MM-DD", field=field, value=value) from None


def control_status(
    control: dict[str, Any], events: list[dict[str, Any]], on: dt.date
) -> dict[str, Any]:
    """Status of one export control on day ``on`` from its event chain: not_yet, announced,
    active, suspended, unconfirmed (a suspension whose end has passed with no later event
    recorded: neither active nor lifted) or lifted, with the date that set it, the status in
    words, and the minerals, targets, quota and rate in force that day. The rule is
    :func:`critmin.control_chain.status_on`'s (docs/method.md, "Export controls")."""
    from critmin.control_chain import status_on

    return status_on(control, events, on)


def _chains(path: Path | str | None) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Control rows and each control's events (any order)."""
    from critmin.store import read_table

    table = read_table("export_controls", path).to_dicts()
    events: dict[str, list[Any]] = {}
    for e in read_table("control_events", path).to_dicts():
        events.setdefault(e["control_id"], []).append(e)
    return table, events


# statuses `controls --on D` lists when no --status is given: every control that exists that
# day (announced, in force, suspended, or of unconfirmed status), not those lifted or not yet
LISTED_ON = ("announced", "active", "suspended", "unconfirmed")


def _mineral_spellings(path: Path | str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in minerals(path).to_dicts():
        for name in (r["mineral_id"], r["name"], r["symbol"]):
            if name:
                out.setdefault(str(name), str(r["mineral_id"]))
    return out


def controls(
    country: str | None = None,
    on: str | dt.date | None = None,
    mineral: str | None = None,
    path: Path | str | None = None,
    *,
    measure: str | None = None,
    status: str | None = None,
    active_on: str | dt.date | None = None,
) -> list[dict[str, Any]]:
    """The export-control register, each control with its status on a date (default today).

    Filters, all case-insensitive; a value that matches nothing is an InputError naming the
    field and the closest valid values (critmin.vocab), never an empty answer:
    - ``country``: the imposing state as ISO3, ISO2, name or alias;
    - ``on`` (``active_on`` is its older name): the day; with it, only controls that exist
      that day are listed (announced, active, suspended or unconfirmed; not lifted, not yet);
    - ``mineral``: id, name or symbol; a control covering the mineral's group counts; with
      ``on`` the minerals of that day (after amendments), else any the control ever covered;
    - ``measure``: one of schema.MEASURES; ``status``: one of critmin.control_chain.STATUSES.
    Each row carries status, status_text (in words), status_since, status_until, the
    minerals and targets of that day, the quota and rate in force (``quota``/``rate``:
    quantity, unit, note, date, source_id, or null), the first announced/effective/lifted
    dates and every source of the control and its events.
    """
    from critmin.control_chain import STATUSES, first_date
    from critmin.schema import MEASURES
    from critmin.vocab import choose, resolve_country

    if on is None and active_on is not None:
        day = _parse_date(active_on, "active_on")
        dated = True
    else:
        day = _parse_date(on, "on")
        dated = on is not None
    iso3 = resolve_country(country, "country", path) if country is not None else None
    mineral_id = choose(mineral, _mineral_spellings(path), "mineral") if mineral else None
    kind = choose(measure, MEASURES, "measure") if measure is not None else None
    wanted = choose(status, STATUSES, "status") if status is not None else None
    group = None
    if mineral_id:
        group = minerals(path).filter(minerals(path)["mineral_id"] == mineral_id)
        group = group.to_dicts()[0]["reported_as"]
    table, events = _chains(path)
    out = []
    for row in table:
        if iso3 and row["imposing_iso3"] != iso3:
            continue
        if kind and row["measure"] != kind:
            continue
        chain = events.get(row["control_id"], [])
        st = control_status(row, chain, day)
        if wanted is not None and st["status"] != wanted:
            continue
        if wanted is None and dated and st["status"] not in LISTED_ON:
            continue
        if mineral_id:
            held = set(st["minerals"])
            if not dated:
                held |= set(row["mineral_ids"])
                held |= {m for e in chain for m in (e["minerals_added"] or [])}
            if mineral_id not in held and group not in held:
                continue
        out.append(
            {
                **row,
                "mineral_ids": st["minerals"],
                "target": st["targets"],
                "announced": first_date(chain, "announced"),
                "effective": first_date(chain, "effective"),
                "lifted": first_date(chain, "lifted"),
                "status": st["status"],
                "status_text": st["text"],
                "status_since": st["since"],
                "status_until": st["until"],
                "status_on": day,
                "quota": st["quota"],
                "rate": st["rate"],
                "events": len(chain),
                "sources": sorted({row["source_id"]} | {e["source_id"] for e in chain}),
            }
        )
    return sorted(
        out,
        key=lambda r: (
            r["effective"] or r["announced"] or r["lifted"] or dt.date.min,
            r["control_id"],
        ),
    )


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


def control_events(
    control_id: str, on: str | dt.date | None = None, path: Path | str | None = None
) -> dict[str, Any]:
    """One export control with its dated event chain, each event with its source (publisher,
    title, URL, date), and its status on ``on`` (default today) as :func:`controls` gives it.
    An unknown id is an InputError naming the closest ids."""
    from critmin.control_chain import ordered
    from critmin.store import read_table
    from critmin.vocab import choose

    day = _parse_date(on, "on")
    table, events = _chains(path)
    by_id = {r["control_id"]: r for r in table}
    cid = choose(control_id, list(by_id), "control_id")
    row = by_id[cid]
    chain = events.get(cid, [])
    st = control_status(row, chain, day)
    src = {r["source_id"]: r for r in read_table("sources", path).to_dicts()}

    def cite(sid: str) -> dict[str, Any]:
        s = src.get(sid, {})
        keep = ("publisher", "title", "url", "published")
        return {"source_id": sid, **{k: s.get(k) for k in keep}}

    return {
        **row,
        "status": st["status"],
        "status_text": st["text"],
        "status_since": st["since"],
        "status_until": st["until"],
        "status_on": day,
        "minerals_on": st["minerals"],
        "targets_on": st["targets"],
        "quota": st["quota"],
        "rate": st["rate"],
        "source": cite(row["source_id"]),
        "events": [{**e, "source": cite(e["source_id"])} for e in ordered(chain)],
    }


def control(
    mineral: str,
    host: str | None = None,
    year: int | None = None,
    as_of: str | dt.date | None = None,
    path: Path | str | None = None,
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
    path: Path | str | None = None,
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


def basket_symbols(product: str | None) -> set[str] | None:
    """Element symbols a basket series names in its product label, or None for a series that
    names none (a group total such as USGS rare-earth oxide covers every member).

    "magnet rare earth elements (Nd, Pr, Dy, Tb)" -> {"Nd", "Pr", "Dy", "Tb"}.
    """
    import re

    found = re.search(r"\(([A-Z][a-z]?(?:,\s*[A-Z][a-z]?)+)\)", product or "")
    if found is None:
        return None
    return {part.strip() for part in found.group(1).split(",")}


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


def _latest_nir(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    known = [r for r in rows if r["net_import_reliance_pct"] is not None or r["nir_flag"] == "E"]
    if not known:
        return None
    # the latest year, from the latest edition reporting it (critmin.editions)
    return max(known, key=lambda r: (r["year"], edition_year(r["edition"]), r["source_id"]))


@per_store  # hundreds of queries: once per store state (critmin.memo)
def exposure(
    on: str | dt.date | None = None,
    sector: str | None = None,
    path: Path | str | None = None,
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
    rows, events = _chains(path)
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
        nir_row = _latest_nir([r for r in supply if r["mineral_id"] == mid])
        nir_from = mid
        if nir_row is None and group_of.get(mid):
            nir_row = _latest_nir([r for r in supply if r["mineral_id"] == group_of[mid]])
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


def _read(name: str, path: Path | str | None) -> list[dict[str, Any]]:
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
