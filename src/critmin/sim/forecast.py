"""A scenario's forecast by the structural market model, with the backtest next to it.

:func:`market_forecast` turns a scenario (critmin.sim.disruption) into one "withhold" measure
per mineral for critmin.sim.market: from the scenario's start, the restricting country
withholds w of its exports for D months, of which lambda leaks out through third countries;
w, lambda and D are drawn uniformly over the support of the scenario's distributions (a
triangular is widened to its support, a lognormal to its 5-95 % range: a simplification).
The restricting country's share of world output at the stage is the one resolve_inputs
read (``restrictor_share``); a mineral without it is reported as not computable.
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
from critmin.sim.episodes import Case, Episode, Measure
from critmin.sim.market import FORECAST, Params, simulate_case

FORECAST_DRAWS = 2000


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
    summ = load_summary()
    params = dataclasses.replace(
        Params(sigma=0.0), eps_sr=summ["fit"]["eps_sr"], a_ss=summ["fit"]["a_ss"]
    )
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
        measure = Measure(
            "withhold",
            scenario.name,
            scenario.start,
            withheld=withheld,
            leakage=leak,
            months=(max(months[0], 1e-9), max(months[1], 1e-9)),
        )
        start: dt.date = scenario.start
        case = Case(
            case_id=f"{scenario.name}-{inp.mineral}",
            episode=Episode(scenario.name, scenario.title, start, (measure,), "scenario"),
            mineral_id=inp.mineral,
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
            china_share=(float(share), float(share)),
            china_share_basis="restrictor_share from resolve_inputs",
        )
        run = simulate_case(case, params, draws, np.random.default_rng(child))
        minerals.append(
            {
                "mineral": inp.mineral,
                "computable": True,
                "restrictor_share": float(share),
                "row_multiplier": _pct(run.row_mult),
                "row_peak_multiplier": _pct(run.row_peak),
                "restrictor_domestic_multiplier": _pct(run.china_mult),
                "row_shortfall_share": _pct(run.row_shortfall),
                "p_row_shortfall_gt_5pct": float(np.mean(run.row_shortfall > 0.05)),
                "us_shortfall_share": _pct(run.row_shortfall),
                "p_us_shortfall_gt_5pct": float(np.mean(run.row_shortfall > 0.05)),
                "share_of_draws_at_guard": run.at_cap,
            }
        )
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
        },
        "warning": None
        if summ["all_targets_met"]
        else (
            f"backtest targets not met: leave-one-episode-out MALE {loo['male']:.2f} "
            f"against {loo['no_change_male']:.2f} for 'prices do not change', 90% interval "
            f"coverage {loo['coverage_90']:.0%} (critmin scenario backtest)"
        ),
        "minerals": minerals,
    }
