"""Concentration of supply (Q1): shares, HHI, top-3 and China shares of one mineral or all,
and which country leads each stage (dominance)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from critmin import metrics
from critmin.errors import InputError, NotFoundError
from critmin.memo import per_store
from critmin.queries import mineral_row, minerals, production

if TYPE_CHECKING:
    from critmin.store import StoreArg


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
    path: StoreArg = None,
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
    path: StoreArg = None,
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
def dominance(year: int | None = None, path: StoreArg = None) -> list[dict[str, Any]]:
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
