"""What a scenario's engine reads from the store: each mineral's US consumption, imports, net
import reliance, China's share, price and stockpile inventory, resolved with their sources."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from critmin import metrics
from critmin.errors import InputError, NotFoundError
from critmin.sim.scenario_definition import (
    NDS_CSV,
    Figure,
    MineralInputs,
    Param,
    Scenario,
)
from critmin.units import canonical, per_tonne

if TYPE_CHECKING:
    from critmin.store import StoreArg

# -- inputs the engine reads ---------------------------------------------------------------------


@dataclass
class ResolvedInputs:
    """The figures of one mineral (or the group reporting for it), each with its provenance."""

    mineral: str
    members: list[str]
    reported_as: str | None = None
    consumption_t: float | None = None
    exposed_share: float | None = None
    price_usd_per_t: float | None = None
    stockpile_t: float | None = None
    withheld_share: Param | None = None
    sectors: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        out = []
        if self.consumption_t is None:
            out.append("apparent_consumption_t")
        if self.exposed_share is None:
            out.append("exposed_share (net import reliance x restricting country's share)")
        return out


def _nds_rows() -> dict[str, dict[str, str]]:
    with NDS_CSV.open(newline="", encoding="utf-8") as fh:
        return {r["mineral_id"]: r for r in csv.DictReader(fh)}


# in a price quote "mt" is the metric ton and an ounce the troy ounce (critmin.units: the rest)
_PRICE_UNITS = {"mt": "t", "oz": "troy oz", "ounce": "troy oz"}


def usd_per_tonne(price: float, unit: str | None, currency: str = "USD") -> float | None:
    """Convert a price to USD per metric tonne ("USD/kg", "$/lb", "cents/lb", "kg" ...).

    Factors (:mod:`critmin.units`, exact): 1 t = 1 000 kg = 2 204.622 62 lb (1 lb =
    0.453 592 37 kg) = 32 150.746 6 troy oz (1 troy oz = 31.103 476 8 g). None if the unit or
    currency is not understood (the caller reports the price as missing, never guesses).
    """
    if unit is None or currency.upper() != "USD":
        return None
    u = unit.strip().lower().replace("dollars", "usd").replace("$", "usd")
    u = u.replace(" per ", "/").replace(" ", "")
    scale = 1.0
    if "/" in u:
        cur, u = u.split("/", 1)
        if cur in ("cents", "cent", "c", "usc"):
            scale = 0.01
        elif cur not in ("usd", "us", ""):
            return None
    name = _PRICE_UNITS.get(u) or _PRICE_UNITS.get(u.removesuffix("s")) or canonical(u)
    return None if name is None else price * scale * per_tonne(name)


def _fig(f: Figure, unit: str) -> dict[str, Any]:
    return {
        "value": f.value,
        "unit": unit,
        "from": "scenario",
        "source": f.source,
        "year": f.year,
        "note": f.note,
    }


def _pick(
    store: tuple[float, dict[str, Any]] | None,
    fig: Figure | None,
    unit: str,
    name: str,
    inp: ResolvedInputs,
) -> float | None:
    """Store value unless the scenario overrides it; the scenario's figure as the fallback."""
    if fig is not None and (fig.override or store is None):
        inp.provenance[name] = _fig(fig, unit)
        return fig.value
    if store is not None:
        inp.provenance[name] = {"unit": unit, "from": "store", **store[1], "value": store[0]}
        return store[0]
    return None


def resolve_inputs(scenario: Scenario, path: StoreArg = None) -> list[ResolvedInputs]:
    """Gather each mineral's figures: the store first, then what the scenario states.

    Reads ``us_supply`` (target USA only: apparent consumption t/yr, net import reliance,
    price), ``production`` (the restricting country's share of world output at the stage,
    through :func:`critmin.queries.production`), ``prices``, ``end_uses`` and the bundled NDS
    inventory. Members without figures of their own are answered by their group
    (``reported_as``) and members sharing a group are merged into one entry. A scenario figure
    marked ``override`` wins over the store. Nothing is guessed: an absent figure stays None
    and the mineral is reported as not computable.
    """
    from critmin.queries import minerals, production
    from critmin.store import read_table
    from critmin.us_exposure import latest_nir

    table = {r["mineral_id"]: r for r in minerals(path).to_dicts()}
    usa = scenario.target == "USA"
    supply = read_table("us_supply", path).to_dicts() if usa else []
    prices = read_table("prices", path).to_dicts()
    uses = read_table("end_uses", path).to_dicts()
    nds = _nds_rows() if usa else {}
    groups: dict[str, ResolvedInputs] = {}
    for i, m in enumerate(scenario.minerals):
        if m not in table:
            raise InputError("unknown mineral id", field=f"minerals.{i}", value=m)
        group = table[m]["reported_as"]
        own = any(r["mineral_id"] == m for r in supply) or m in scenario.inputs
        key = group if (group and not own) else m
        entry = groups.setdefault(key, ResolvedInputs(key, [], key if key != m else None))
        entry.members.append(m)
    for key, inp in groups.items():
        given = scenario.inputs.get(key) or next(
            (scenario.inputs[m] for m in inp.members if m in scenario.inputs), MineralInputs()
        )
        inp.withheld_share = given.withheld_share
        if inp.reported_as:
            inp.notes.append(
                f"{', '.join(inp.members)}: no figures of their own; "
                f"answered with the figures of the group {key!r}"
            )
        rows = [r for r in supply if r["mineral_id"] == key]
        year = scenario.base_year
        cons = [
            r
            for r in rows
            if r["apparent_consumption"] is not None and (year is None or r["year"] == year)
        ]
        row = max(cons, key=lambda r: (r["year"], r["source_id"])) if cons else None
        meta = {"year": row["year"], "source": row["source_id"]} if row else {}
        inp.consumption_t = _pick(
            (row["apparent_consumption"], meta) if row else None,
            given.apparent_consumption_t,
            "t/yr",
            "apparent_consumption_t",
            inp,
        )
        nir_row = latest_nir([r for r in rows if year is None or r["year"] == year])
        nir_store = None
        if nir_row is not None:
            v = (
                0.0
                if nir_row["nir_flag"] == "E"
                else (nir_row["net_import_reliance_pct"] or 0) / 100
            )
            nir_store = (
                v,
                {
                    "year": nir_row["year"],
                    "source": nir_row["source_id"],
                    "flag": nir_row["nir_flag"],
                },
            )
            if nir_row["nir_flag"] == ">":
                inp.notes.append("net import reliance is published as a lower bound ('>')")
        nir = _pick(nir_store, given.net_import_reliance, "fraction", "net_import_reliance", inp)
        share_store = None
        try:
            prod = production(key, scenario.stage, year, path)
            vals = {r["iso3"]: r["value"] for r in prod["rows"] if r["value"] is not None}
            # the denominator of critmin.concentration: max(world total, sum of countries)
            world, _ = metrics.world_total(vals, prod["world_reported"])
            hit = [r for r in prod["rows"] if r["iso3"] == scenario.restricting_iso3]
            if world > 0 and not (hit and hit[0]["value"] is None):
                share_store = (
                    min(1.0, (hit[0]["value"] if hit else 0.0) / world),
                    {"year": prod["year"], "source": prod["sources"][0], "stage": scenario.stage},
                )
        except (NotFoundError, InputError):
            pass
        share = _pick(share_store, given.restrictor_share, "fraction", "restrictor_share", inp)
        if given.exposed_share is not None:
            inp.exposed_share = given.exposed_share.value
            inp.provenance["exposed_share"] = _fig(given.exposed_share, "fraction")
        elif nir is not None and share is not None:
            inp.exposed_share = nir * share
            inp.provenance["exposed_share"] = {
                "value": nir * share,
                "unit": "fraction",
                "from": "net_import_reliance x restrictor_share",
            }
        price_store = None
        for r in sorted(rows, key=lambda r: -r["year"]):
            if year is not None and r["year"] != year:
                continue
            if r["price"] is not None and (p := usd_per_tonne(r["price"], r["price_unit"])):
                price_store = (
                    p,
                    {
                        "year": r["year"],
                        "source": r["source_id"],
                        "published": f"{r['price']} {r['price_unit']}",
                    },
                )
                break
        if price_store is None:
            annual = [
                r
                for r in prices
                if r["mineral_id"] == key
                and len(r["period"]) == 4
                and (year is None or r["period"] == str(year))
                and usd_per_tonne(r["price"], r["unit"], r["currency"])
            ]
            if annual:
                r = max(annual, key=lambda r: (r["period"], "average" in (r["market"] or "")))
                price_store = (
                    usd_per_tonne(r["price"], r["unit"], r["currency"]) or 0.0,
                    {"year": int(r["period"]), "source": r["source_id"], "product": r["product"]},
                )
        inp.price_usd_per_t = _pick(
            price_store, given.price_usd_per_t, "USD/t", "price_usd_per_t", inp
        )
        held = next((nds[m] for m in [key, *inp.members] if m in nds), None)
        nds_store = None
        if held is not None and held["quantity_t"].strip():
            nds_store = (
                float(held["quantity_t"]),
                {"as_of": held["as_of"], "source": held["source_url"], "file": "nds_inventory.csv"},
            )
        elif held is not None:
            inp.notes.append(f"National Defense Stockpile: {held['note']}")
        inp.stockpile_t = _pick(nds_store, given.stockpile_t, "t", "stockpile_t", inp)
        if inp.stockpile_t is None:
            inp.notes.append("no published stockpile figure: days of cover not computed")
        own_uses = [u for u in uses if u["mineral_id"] == key] or [
            u for u in uses if u["mineral_id"] in inp.members
        ]
        region = "USA" if any(u["region"] == "USA" for u in own_uses) else "WLD"
        inp.sectors = [
            {"sector": u["sector"], "share": u["share"], "region": region, "source": u["source_id"]}
            for u in sorted(own_uses, key=lambda u: -(u["share"] or 0))
            if u["region"] == region
        ]
    return list(groups.values())
