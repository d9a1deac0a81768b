"""Group rows USGS does not publish as such, summed from the member rows it does publish.

USGS gives platinum-group metals mine production by country only for platinum and palladium
(the other four PGMs have no country table). The platinum-group row of the minerals table is
what ruthenium (and any PGM without figures of its own) is reported as, so it carries the sum
of those two series, per country, year and edition, labelled as a basket "(Pt, Pd)": a reader
of ruthenium's answer sees that the basket does not hold ruthenium
(:func:`critmin.supply.basket_symbols`), and no element-level figure is derived from it.
"""

from __future__ import annotations

from typing import Any

PGM_GROUP = "platinum_group_metals"
PGM_MEMBERS = ("platinum", "palladium")
PGM_PRODUCT = "platinum + palladium content (Pt, Pd)"


def pgm_group_rows(production: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mine-production rows of the platinum-group basket: platinum + palladium, t contained.

    value = platinum + palladium of the same country, year and source table; missing (with
    the member's flag, e.g. W) when either member is missing; estimated when either is. A
    country listed under one member only gets no row: the sum would silently drop the other.
    """
    by_key: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
    for r in production:
        if r["mineral_id"] in PGM_MEMBERS and r["stage"] == "mine" and r["headline"]:
            key = (r["iso3"], r["year"], r["source_id"], r["edition"])
            by_key.setdefault(key, {})[r["mineral_id"]] = r
    out = []
    for (iso3, year, source_id, edition), members in sorted(by_key.items()):
        if set(members) != set(PGM_MEMBERS):
            continue
        pt, pd = members["platinum"], members["palladium"]
        missing = [m for m in (pt, pd) if m["value"] is None]
        value = None if missing else pt["value"] + pd["value"]
        out.append(
            {
                "mineral_id": PGM_GROUP,
                "stage": "mine",
                "product": PGM_PRODUCT,
                "headline": True,
                "iso3": iso3,
                "year": year,
                "value": value,
                "unit": "t",
                "basis": "contained",
                "estimated": bool(pt["estimated"] or pd["estimated"]),
                "flag": missing[0]["flag"] if missing else None,
                "note": "sum of the USGS platinum and palladium rows of this table (USGS publishes "
                "no platinum-group total; rhodium, ruthenium, iridium and osmium are not in it)",
                "source_id": source_id,
                "edition": edition,
            }
        )
    return out
