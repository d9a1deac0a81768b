"""A scenario's forecast by the structural market model, with the backtest next to it.

:func:`market_forecast` turns a scenario (critmin.sim.disruption) into one "withhold" measure
per mineral for critmin.sim.market: from the scenario's start, the restricting country
withholds w of its exports for D months, of which lambda leaks out through third countries;
w, lambda and D are drawn uniformly over the support of the scenario's distributions (a
triangular is widened to its support, a lognormal to its 5-95 % range: a simplification).
The restricting country's share of world output at the stage is the one resolve_inputs
read (``restrictor_share``); a mineral without it is reported as not computable. Where the
restricting country is China and a backtest case of the mineral has sourced China's export
share or the rest of the world's secondary supply (``backtest_cases.csv``: gallium), the
forecast draws them from the latest such case (``supply_case`` names it) instead of the
ASSUMPTION export share and no recycling: the same figures the backtest is scored with, of
an earlier year.
Parameters: the in-sample fit of the bundled backtest (eps_sr, a_ss) and the stated ranges
of critmin.sim.market.Params.

Outputs per mineral (dimensionless, over the twelve months from the start against the price
before it): the annual-average and peak multipliers of the rest-of-world price, the
annual-average multiplier of the restricting country's domestic price, the ROW (and US)
shortfall share and the probability that it exceeds 5 %, and the share of draws at the
numerical guard. The backtest scores travel with every answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np

from critmin.sim.backtest import load_summary
from critmin.sim.episodes import Case, Episode, Measure, cases
from critmin.sim.market import FORECAST, Params, simulate_case

FORECAST_DRAWS = 2000
# what the restricting country's multiplier leaves out, said next to every forecast of it
DOMESTIC_PRICE_NOTE = (
    "The restricting country's price counts only the withheld exports sold at home, so it is"
    " never above its level before the measure: output quotas, closures or state buying that"
    " raise it are not modelled (China's domestic rare-earth prices doubled in Q1 2011 under"
    " the export quota, Xinhua 2011-03-30)."
)


def _support(p: Any) -> tuple[float, float]:
    """The range a scenario parameter is drawn over: its support, or for a lognormal its
    5-95 % range, median x exp(-/+ 1.645 sigma)."""
    from critmin.sim.disruption import Lognormal, support

    if isinstance(p, Lognormal):
        return p.median * math.exp(-1.645 * p.sigma), p.median * math.exp(1.645 * p.sigma)
    return support(p)


def _pct(x: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def market_forecast(
    scenario: Any, inputs: list[Any], seed: int, draws: int = FORECAST_DRAWS
) -> dict[str, Any]:
    """The market model's answer for a scenario and its resolved inputs (see module doc)."""
    summ, params = _fitted()
    months = _support(scenario.duration_months)
    leak = _support(scenario.leakage)
    children = np.random.SeedSequence(seed).spawn(max(1, len(inputs)))
    minerals: list[dict[str, Any]] = []
    for inp, child in zip(inputs, children, strict=False):
        share = (inp.provenance.get("restrictor_share") or {}).get("value")
        if share is None:
            minerals.append(
                {
                    "mineral": inp.mineral,
                    "computable": False,
                    "missing": ["restrictor_share (the restricting country's output share)"],
                }
            )
            continue
        withheld = _support(inp.withheld_share or scenario.withheld_share)
        sourced = _sourced_supply(inp.mineral) if scenario.restricting_iso3 == "CHN" else None
        measure = Measure(
            "withhold",
            scenario.name,
            scenario.start,
            withheld=withheld,
            leakage=leak,
            months=(max(months[0], 1e-9), max(months[1], 1e-9)),
        )
        minerals.append(
            _one(
                scenario.name,
                scenario.title,
                measure,
                inp.mineral,
                float(share),
                params,
                draws,
                child,
                sourced,
            )
        )
    return _wrap(summ, draws, minerals)


def _outside_measure(control_id: str, mineral: str) -> str | None:
    """Why the control does not reach the mineral's traded product, if a backtest case of the
    control says so (``Case.controlled``), else None."""
    for c in cases():
        ids = {m.control_id for m in c.episode.measures}
        if c.mineral_id == mineral and control_id in ids and not c.controlled:
            return (
                f"the traded product ({c.product}) is not under {control_id}: {c.controlled_basis}"
            )
    return None


def _sourced_supply(mineral: str) -> Case | None:
    """The mineral's latest backtest case with a sourced export share or ROW secondary supply
    (None if it has none)."""
    own = [
        c
        for c in cases()
        if c.mineral_id == mineral and (c.export_share is not None or c.row_secondary != (0.0, 0.0))
    ]
    return max(own, key=lambda c: c.before_year) if own else None


def _fitted() -> tuple[dict[str, Any], Params]:
    summ = load_summary()
    params = dataclasses.replace(
        Params(sigma=0.0), eps_sr=summ["fit"]["eps_sr"], a_ss=summ["fit"]["a_ss"]
    )
    return summ, params


def _one(
    name: str,
    title: str,
    measure: Measure,
    mineral: str,
    share: float,
    params: Params,
    draws: int,
    seq: np.random.SeedSequence,
    sourced: Case | None = None,
) -> dict[str, Any]:
    """Run one mineral under one measure; the forecast figures of the module docstring."""
    start: dt.date = measure.start
    supply: dict[str, Any] = {}
    if sourced is not None:  # not its stocks or draw rate: those were one episode's holders
        supply = {
            k: getattr(sourced, k)
            for k in ("export_share", "export_share_basis", "row_secondary", "row_secondary_basis")
        }
    case = Case(
        case_id=f"{name}-{mineral}",
        episode=Episode(name, title, start, (measure,), "forecast"),
        mineral_id=mineral,
        product="",
        market="model",
        market_note="",
        unit="",
        before_period=str(start.year - 1),
        price_before=math.nan,
        before_source="",
        before_edition="",
        after_period=FORECAST,
        price_after=math.nan,
        after_source="",
        after_edition="",
        after_basis="forecast",
        china_share=(share, share),
        china_share_basis="restricting country's share of world output (store)",
        **supply,
    )
    run = simulate_case(case, params, draws, np.random.default_rng(seq))
    return {
        "mineral": mineral,
        "computable": True,
        "restrictor_share": share,
        "supply_case": None if sourced is None else sourced.case_id,
        "row_multiplier": _pct(run.row_mult),
        "row_peak_multiplier": _pct(run.row_peak),
        "restrictor_domestic_multiplier": _pct(run.china_mult),
        "row_shortfall_share": _pct(run.row_shortfall),
        "p_row_shortfall_gt_5pct": float(np.mean(run.row_shortfall > 0.05)),
        "us_shortfall_share": _pct(run.row_shortfall),
        "p_us_shortfall_gt_5pct": float(np.mean(run.row_shortfall > 0.05)),
        "share_of_draws_at_guard": run.at_cap,
    }


def _wrap(summ: dict[str, Any], draws: int, minerals: list[dict[str, Any]]) -> dict[str, Any]:
    loo = summ["leave_one_episode_out"]
    return {
        "model": "critmin.sim.market (structural, two prices)",
        "draws": draws,
        "fit": summ["fit"],
        "backtest": {
            "leave_one_episode_out_male": loo["male"],
            "no_change_male": loo["no_change_male"],
            "within_2x": loo["within_2x"],
            "coverage_90": loo["coverage_90"],
            "all_targets_met": summ["all_targets_met"],
            "scores": {"in_sample": summ["in_sample"], "leave_one_episode_out": loo},
            "cases": summ["cases"],
        },
        "warning": None
        if summ["all_targets_met"]
        else (
            f"backtest targets not met: leave-one-episode-out MALE {loo['male']:.2f} "
            f"against {loo['no_change_male']:.2f} for 'prices do not change', 90% interval "
            f"coverage {loo['coverage_90']:.0%} (critmin scenario backtest)"
        ),
        "minerals": minerals,
        "domestic_price_note": DOMESTIC_PRICE_NOTE,
    }


# register measure -> model measure (critmin.sim.market); others are not modelled
_KINDS = {"licence_requirement": "licence", "quota": None, "export_tax": None}


def from_control(
    control_id: str,
    draws: int = FORECAST_DRAWS,
    seed: int = 20260421,
    path: Any = None,
) -> dict[str, Any]:
    """Forecast of a register control (critmin.supply.controls) by the market model.

    A licence requirement is a licence regime (approval rate a(t), fitted a_ss); a ban on the
    United States is ``ban_usa``; a ban or suspension on every destination
    withholds all exports (leakage: the licence-leakage ASSUMPTION range) for twelve months.
    Quotas (no quota size in the register), export taxes, technology bans, ore-export bans
    (they move processing rather than withhold supply) and bans on other single destinations
    are not modelled and say so. The restricting country's share of world output is its share
    in the store in the year before the start (else the latest year), refinery stage first,
    then mine.
    """
    from critmin import metrics
    from critmin.errors import InputError, NotFoundError
    from critmin.queries import production
    from critmin.supply import controls
    from critmin.vocab import choose

    every = controls(path=path)
    # an unknown id is exit 2 naming the field, with the closest ids of the register
    control_id = choose(control_id, [r["control_id"] for r in every], "control_id")
    row = next(r for r in every if r["control_id"] == control_id)
    start = row.get("effective") or row.get("announced")
    if start is None:
        raise InputError("the control has no start date", field="control_id", value=control_id)
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    measure_type, raw = row["measure"], (row.get("target") or "all")
    targets = raw.split("|") if isinstance(raw, str) else list(raw)
    target = "|".join(targets)
    summ, params = _fitted()
    if measure_type == "licence_requirement":
        measure = Measure("licence", control_id, start)
        why = None
    elif measure_type == "ban" and target == "USA":
        measure = Measure("ban_usa", control_id, start)
        why = None
    elif measure_type in ("ban", "suspension") and target == "all":
        leak = params.licence_leakage
        measure = Measure(
            "withhold", control_id, start, (1.0, 1.0), (leak.low, leak.high), (12.0, 12.0)
        )
        why = None
    else:
        measure = Measure("withhold", control_id, start)
        why = f"measure {measure_type!r} on {target!r} is not modelled"
    ids = row["mineral_ids"]
    mineral_ids = ids.split("|") if isinstance(ids, str) else list(ids)
    children = np.random.SeedSequence(seed).spawn(max(1, len(mineral_ids)))
    minerals: list[dict[str, Any]] = []
    for mineral, child in zip(mineral_ids, children, strict=True):
        if why:
            minerals.append({"mineral": mineral, "computable": False, "missing": [why]})
            continue
        outside = _outside_measure(control_id, mineral)
        if outside:
            minerals.append({"mineral": mineral, "computable": False, "missing": [outside]})
            continue
        share = None
        for stage, year in (
            ("refine", start.year - 1),
            ("refine", None),
            ("mine", start.year - 1),
            ("mine", None),
        ):
            try:
                prod = production(mineral, stage, year, path)
            except (NotFoundError, InputError):
                continue
            vals = {r["iso3"]: r["value"] for r in prod["rows"] if r["value"] is not None}
            world, _ = metrics.world_total(vals, prod["world_reported"])
            own = vals.get(row["imposing_iso3"])
            if world > 0 and own is not None:
                share = min(1.0, own / world)
                break
        if share is None:
            minerals.append(
                {
                    "mineral": mineral,
                    "computable": False,
                    "missing": ["restricting country's share of world output (store)"],
                }
            )
            continue
        title = row.get("description") or control_id
        sourced = _sourced_supply(mineral) if row["imposing_iso3"] == "CHN" else None
        minerals.append(
            _one(control_id, title, measure, mineral, share, params, draws, child, sourced)
        )
    out = _wrap(summ, draws, minerals)
    out["control"] = {
        k: row.get(k) for k in ("control_id", "imposing_iso3", "measure", "target", "source_id")
    }
    out["start"] = start
    return out
