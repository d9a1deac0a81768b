"""Days-of-net-imports rules beside the optimal plan: what each costs and what it buys.

Rules, each a stock of N days of US net imports, N x (NIR x C) / 365 tonnes (C: apparent
consumption, NIR: net import reliance, critmin.optimize.inputs):
- IEA: 90 days. IEA members must hold oil stocks of at least 90 days of the previous year's
  net imports (IEA, "Oil Stocks of IEA Countries", source iea-oil-stocks);
- Korea: 100 days. Korea's National Program for Metal Stockpiling raises rare-metal stocks
  from 54 to 100 days of supply (IEA Policies database, source iea-korea-metal-stockpiling);
  Korea counts days of domestic demand, applied here to US net imports like the other rules;
- one year: 365 days, the seed's "weeks to months of cover, up to one year for some minerals";
- optimal: the plan of critmin.optimize.stockpile at the given budget.
Each rule's stock is capped like the plan's (``cap_days`` of consumption) and valued with the
plan's objective: expected damage avoided and holding cost, USD a year.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from critmin.optimize import solver as S
from critmin.optimize.stockpile import Model, plan_of

RULES = {"iea_90": 90.0, "korea_100": 100.0, "one_year": 365.0}


def days_table(m: Model, lp_check: bool = False) -> dict[str, Any]:
    """One row per mineral: net imports, and for each rule and the optimal plan the days,
    tonnes, cost (USD) and net value (USD a year); totals per rule."""
    p = m.problem
    best = plan_of(m, lp_check)
    q_opt = {a["mineral"]: a["tonnes"] for a in best["allocations"]}
    ni = np.array([f.net_imports_t for f in m.figures], dtype=np.float64)
    stocks = {k: np.minimum(ni * d / 365.0, p.caps) for k, d in RULES.items()}
    stocks["optimal"] = np.array([q_opt[f.mineral] for f in m.figures], dtype=np.float64)
    totals = {}
    cols: dict[str, dict[str, Any]] = {}
    for name, q in stocks.items():
        ben = S.expected_benefit(p, q)
        hold = p.holding * p.price * q
        cols[name] = {"q": q, "ben": ben, "hold": hold}
        totals[name] = {
            "cost_usd": float(p.price @ q),
            "damage_avoided_usd_per_yr": float(ben.sum()),
            "holding_cost_usd_per_yr": float(hold.sum()),
            "net_value_usd_per_yr": float(ben.sum() - hold.sum()),
        }
    rows = []
    for i, f in enumerate(m.figures):
        daily = ni[i] / 365.0
        row: dict[str, Any] = {
            "mineral": f.mineral,
            "net_imports_t": float(ni[i]),
            "price_usd_per_t": float(p.price[i]),
        }
        for name, c in cols.items():
            qi = float(c["q"][i])
            row[name] = {
                "days": qi / daily if daily > 0 else None,
                "tonnes": qi,
                "cost_usd": qi * float(p.price[i]),
                "net_value_usd_per_yr": float(c["ben"][i] - c["hold"][i]),
            }
        rows.append(row)
    return {
        "budget_usd": p.budget,
        "rules_days": RULES,
        "rows": sorted(rows, key=lambda r: (-r["optimal"]["cost_usd"], r["mineral"])),
        "totals": totals,
        "plan_spent_usd": best["spent_usd"],
        "minerals_in_scope": len(m.figures),
        "draws": best["draws"],
        "seed": best["seed"],
    }
