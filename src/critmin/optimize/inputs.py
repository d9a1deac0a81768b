"""What the stockpile planner reads: per-mineral figures from the store and its economic
assumptions, each with its source or marked ASSUMPTION with a range.

Per mineral (critmin store, latest edition per year, critmin.queries.us_supply):
- C: US apparent consumption, t/yr (USGS Mineral Commodity Summaries salient statistics);
- NIR: US net import reliance, fraction of C ("E", net exporter, counts 0);
  net imports = NIR x C, t/yr;
- P0: price, USD/t, the salient-statistics price of the latest year with one, else the latest
  annual price of the prices table (converted by critmin.sim.disruption.usd_per_tonne);
- s: the leading producing country's share of world output at the more concentrated of the
  mine and refine stages (critmin.supply.concentration_all; a member without figures of its
  own takes its group's).
Exposure a = NIR x s: the share of US use that the leading supplier's exports stand for (the
disruption model's exposed share, critmin.sim.disruption).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from critmin.defaults import CAP_DAYS as CAP_DAYS
from critmin.defaults import FINANCING_RATE as FINANCING_RATE
from critmin.defaults import LOSS_RATE as LOSS_RATE
from critmin.defaults import PROBABILITY as PROBABILITY
from critmin.defaults import STORAGE_RATE as STORAGE_RATE
from critmin.errors import InputError
from critmin.memo import per_store

if TYPE_CHECKING:
    from critmin.store import StoreArg

# -- economic assumptions (docs/stockpile.md) --------------------------------------------------

# the planner's economic defaults are written once, in critmin.defaults (with their sources);
# their ranges are here
STORAGE_RANGE = (0.005, 0.02)
LOSS_RANGE = (0.0, 0.02)
PROBABILITY_RANGE = (0.02, 0.15)
# Disruption parameters (ASSUMPTION unless noted; triangular low, mode, high):
WITHHELD = (0.5, 0.75, 1.0)  # share of the leading supplier's exports withheld
DURATION_MONTHS = (3.0, 6.0, 18.0)  # short-run window before ramp-up and substitution
LEAKAGE = (0.0, 0.25, 0.5)  # share of the cut that still leaves (2010 REE quota: 0.48)
# short-run demand elasticity: the disruption model's range, calibrated on the 2010 rare-earth
# replay (critmin.sim scenario chn-2010-ree-quota-replay, ASSUMPTION there too)
ELASTICITY = (0.05, 0.1, 0.2)
# price cap 30x: the largest 2008-2011 rare-earth oxide multiple (Lynas price table, cerium
# oxide), the bundled scenarios' cap
PRICE_CAP = 30.0
MAX_CAP_DAYS = 3650.0
# store prices whose unit is not what it says; left out until the data are fixed


@dataclass(frozen=True)
class Economics:
    """The planner's economic parameters; all rates are fractions of the stock's value a year."""

    probability: float = PROBABILITY
    financing_rate: float = FINANCING_RATE
    storage_rate: float = STORAGE_RATE
    loss_rate: float = LOSS_RATE
    cap_days: float = CAP_DAYS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.probability) and 0.0 <= self.probability <= 1.0):
            raise InputError(
                "probability must lie in [0, 1]", field="probability", value=self.probability
            )
        for name in ("financing_rate", "storage_rate", "loss_rate"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise InputError(
                    "holding cost must be a rate in [0, 1] a year", field=name, value=v
                )
        if not (math.isfinite(self.cap_days) and 0.0 < self.cap_days <= MAX_CAP_DAYS):
            raise InputError(
                f"cap must be a positive number of days, at most {MAX_CAP_DAYS:,.0f}",
                field="cap_days",
                value=self.cap_days,
            )

    @property
    def holding_rate(self) -> float:
        """h = financing + storage + loss, per year (fraction of the stock's value)."""
        return self.financing_rate + self.storage_rate + self.loss_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "probability": self.probability,
            "probability_basis": "ASSUMPTION, range "
            f"{PROBABILITY_RANGE[0]:g}-{PROBABILITY_RANGE[1]:g} a year",
            "financing_rate": self.financing_rate,
            "financing_basis": "EXIM minimum CIRR, 15-year direct loans (exim-cirr-2023-03)",
            "storage_rate": self.storage_rate,
            "storage_basis": f"ASSUMPTION, range {STORAGE_RANGE[0]:g}-{STORAGE_RANGE[1]:g}",
            "loss_rate": self.loss_rate,
            "loss_basis": f"ASSUMPTION, range {LOSS_RANGE[0]:g}-{LOSS_RANGE[1]:g}",
            "holding_rate": self.holding_rate,
            "cap_days": self.cap_days,
            "withheld_share": WITHHELD,
            "duration_months": DURATION_MONTHS,
            "leakage": LEAKAGE,
            "elasticity": ELASTICITY,
            "price_cap": PRICE_CAP,
        }


@dataclass(frozen=True)
class MineralFigures:
    mineral: str
    consumption_t: float
    nir: float
    price_usd_per_t: float
    leader: str
    leader_share: float
    stage: str
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def net_imports_t(self) -> float:
        return self.nir * self.consumption_t

    @property
    def exposure(self) -> float:
        return self.nir * self.leader_share


def _price(rows: list[dict[str, Any]], prices: list[dict[str, Any]], key: str) -> Any:
    from critmin.sim.disruption import usd_per_tonne

    for r in sorted(rows, key=lambda r: -r["year"]):
        if r["price"] is not None and (p := usd_per_tonne(r["price"], r["price_unit"])):
            return p, {"year": r["year"], "source": r["source_id"]}
    annual = [
        r
        for r in prices
        if r["mineral_id"] == key
        and len(r["period"]) == 4
        and usd_per_tonne(r["price"], r["unit"], r["currency"])
    ]
    if annual:
        r = max(annual, key=lambda r: (r["period"], "average" in (r["market"] or "")))
        return usd_per_tonne(r["price"], r["unit"], r["currency"]), {
            "year": int(r["period"]),
            "source": r["source_id"],
        }
    return None, {}


@per_store  # a few seconds of store queries: once per store state (critmin.memo)
def gather(path: StoreArg = None) -> tuple[list[MineralFigures], list[dict[str, Any]]]:
    """Every mineral with a price and US supply data: its figures, or why it is left out."""
    from critmin.errors import NotFoundError
    from critmin.queries import minerals, us_supply
    from critmin.store import read_table
    from critmin.supply import concentration_all
    from critmin.us_exposure import latest_nir

    table = minerals(path).to_dicts()
    group = {r["mineral_id"]: r["reported_as"] for r in table}
    prices = read_table("prices", path).to_dicts()
    priced = {r["mineral_id"] for r in prices}
    leaders: dict[str, tuple[float, str, str]] = {}
    for stage in ("mine", "refine"):
        for c in concentration_all(stage, None, path):
            if c.get("leader_share") is None:
                continue
            best = leaders.get(c["mineral"])
            if best is None or c["leader_share"] > best[0]:
                leaders[c["mineral"]] = (float(c["leader_share"]), c["leader"], stage)
    have, left = [], []
    for r in sorted(table, key=lambda r: r["mineral_id"]):
        m = r["mineral_id"]
        if r["kind"] == "group" and m not in priced:
            continue
        try:
            sup = us_supply(m, path)
        except NotFoundError:
            continue
        rows = sup["rows"]
        if sup["reported_as"]:
            continue  # answered once, by its group
        price, p_meta = _price(rows, prices, m)
        if price is None:
            units = sorted({str(r["price_unit"]) for r in rows if r["price"] is not None})
            if units or m in priced:
                # e.g. manganese ore in USD per metric ton unit (10 kg) of contained Mn: a
                # tonne of ore needs its grade, which the store does not hold
                seen = f" ({', '.join(units)})" if units else ""
                left.append({"mineral": m, "reason": f"price unit not convertible to USD/t{seen}"})
            continue
        cons = [x for x in rows if x["apparent_consumption"] is not None]
        nir_row = latest_nir(rows)
        lead = leaders.get(m) or leaders.get(group.get(m) or "")
        reason = []
        if not cons or (cons and max(cons, key=lambda x: x["year"])["apparent_consumption"] <= 0):
            reason.append("US apparent consumption")
        if nir_row is None:
            reason.append("net import reliance")
        if lead is None:
            reason.append("world production shares")
        if reason:
            left.append({"mineral": m, "reason": "missing " + ", ".join(reason)})
            continue
        c_row = max(cons, key=lambda x: x["year"])
        assert nir_row is not None and lead is not None
        nir = 0.0 if nir_row["nir_flag"] == "E" else (nir_row["net_import_reliance_pct"] or 0) / 100
        have.append(
            MineralFigures(
                m,
                float(c_row["apparent_consumption"]),
                min(1.0, max(0.0, nir)),
                float(price),
                lead[1],
                lead[0],
                lead[2],
                {
                    "consumption": {"year": c_row["year"], "source": c_row["source_id"]},
                    "nir": {
                        "year": nir_row["year"],
                        "source": nir_row["source_id"],
                        "flag": nir_row["nir_flag"],
                    },
                    "price": p_meta,
                },
            )
        )
    return have, left
