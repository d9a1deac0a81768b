"""Stockpile commands: what a budget buys, valued as expected damage avoided (Q7)."""

from __future__ import annotations

from typing import Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import mineral_callback
from critmin.defaults import (
    BUDGET_USD,
    CAP_DAYS,
    FINANCING_RATE,
    FRONTIER_MAX_USD,
    FRONTIER_STEP_USD,
    LOSS_RATE,
    PROBABILITY,
    STORAGE_RATE,
)
from critmin.defaults import DRAWS as DEFAULT_DRAWS
from critmin.defaults import SEED as DEFAULT_SEED

app = typer.Typer(
    help="Stockpile economics: the optimal plan, the efficient frontier, days-of-imports rules.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

DRAWS = typer.Option(DEFAULT_DRAWS, "--draws", help="Monte Carlo draws per mineral.")
SEED = typer.Option(None, "--seed", help="Seed (default: the fixed default).")
PROB = typer.Option(PROBABILITY, "--probability", help="Annual probability of a disruption [0, 1].")
FIN = typer.Option(FINANCING_RATE, "--financing-rate", help="Financing, a year (EXIM CIRR 15 y).")
STORE = typer.Option(STORAGE_RATE, "--storage-rate", help="Storage, a year (fraction of value).")
LOSS = typer.Option(LOSS_RATE, "--loss-rate", help="Loss or obsolescence, a year.")
CAP = typer.Option(CAP_DAYS, "--cap-days", help="Cap per mineral, days of US consumption.")
MINERALS = typer.Option(
    None,
    "--minerals",
    help="Only these minerals (repeat or comma-separate; id, name or symbol, any case).",
    callback=mineral_callback,
)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _ask(fn: str, minerals: list[str] | None, seed: int | None, **kw: Any) -> dict[str, Any]:
    """The Python API's answer (critmin.capabilities.stockpile) to a stockpile command."""
    from critmin.capabilities import stockpile

    res = getattr(stockpile, fn)(
        minerals=_minerals(minerals), seed=DEFAULT_SEED if seed is None else seed, **kw
    )
    return res.to_dict()  # type: ignore[no-any-return]


def _minerals(items: list[str] | None) -> list[str] | None:
    out = [m.strip() for item in items or [] for m in item.split(",") if m.strip()]
    return out or None


def _b(x: float) -> str:
    return f"${x / 1e9:,.2f}B"


@app.command("plan")
def plan_cmd(
    budget: float = typer.Option(
        BUDGET_USD, "--budget", help="Budget in USD (default: Project Vault)."
    ),
    minerals: list[str] | None = MINERALS,
    draws: int = DRAWS,
    seed: int | None = SEED,
    probability: float = PROB,
    financing_rate: float = FIN,
    storage_rate: float = STORE,
    loss_rate: float = LOSS,
    cap_days: float = CAP,
    lp_check: bool = typer.Option(True, "--lp-check/--no-lp-check", help="Verify with HiGHS."),
    as_json: bool = JSON,
) -> None:
    """Tonnes, dollars and days per mineral that maximise expected damage avoided minus the
    holding cost; the binding minerals and what the last dollar buys."""
    res = _ask(
        "stockpile_plan",
        minerals,
        seed,
        budget=budget,
        draws=draws,
        probability=probability,
        financing_rate=financing_rate,
        storage_rate=storage_rate,
        loss_rate=loss_rate,
        cap_days=cap_days,
        lp_check=lp_check,
    )
    if as_json:
        print_json(res)
        return
    print_table(
        [a for a in res["allocations"] if a["tonnes"] > 0],
        ["mineral", "tonnes", "usd", "days_of_net_imports", "damage_avoided_usd_per_yr"],
        title=f"stockpile plan: spent {_b(res['spent_usd'])} of {_b(res['budget_usd'])}, "
        f"{res['minerals_in_scope']} minerals in scope",
    )
    typer.echo(
        f"expected damage a year {_b(res['expected_damage_usd_per_yr'])}; avoided "
        f"{_b(res['damage_avoided_usd_per_yr'])}; holding cost "
        f"{_b(res['holding_cost_usd_per_yr'])}; net {_b(res['net_value_usd_per_yr'])}"
    )
    typer.echo(
        f"caution: {res['damage_share_at_price_cap']:.0%} of the expected damage comes from "
        "draws whose price sits at the 30x cap (a guard, not a forecast); the short-run "
        "elasticities behind it fail the disruption backtest (`critmin scenario backtest`)"
    )
    if res["budget_binding"]:
        last = res["last_dollar"]
        typer.echo(
            f"budget binds: binding minerals {', '.join(res['binding_minerals'])}; the last "
            f"dollar buys {last['mineral']}, avoiding ${last['benefit_per_usd']:.3f} of "
            f"expected damage a year for ${last['holding_cost_per_usd']:.4f} of holding cost"
        )
    else:
        st = res["stops_paying"]
        typer.echo(
            f"budget does not bind: buying stops at {_b(st['at_usd'])}: "
            + (
                f"the next dollar ({st['mineral']}) avoids ${st['benefit_per_usd']:.4f} a year "
                f"< ${st['holding_cost_per_usd']:.4f} holding cost"
                if "mineral" in st
                else st["reason"]
            )
        )
    if res["lp_check"]:
        chk = res["lp_check"]
        typer.echo(
            f"HiGHS ({chk['solver']}): relative gap {chk['relative_gap']:.1e}, "
            f"{chk['speed_ratio']:,.0f}x slower than water-filling"
        )


@app.command("frontier")
def frontier_cmd(
    max_budget: float = typer.Option(FRONTIER_MAX_USD, "--max-budget", help="Largest budget, USD."),
    step: float = typer.Option(FRONTIER_STEP_USD, "--step", help="Budget step, USD."),
    minerals: list[str] | None = MINERALS,
    draws: int = DRAWS,
    seed: int | None = SEED,
    probability: float = PROB,
    financing_rate: float = FIN,
    storage_rate: float = STORE,
    loss_rate: float = LOSS,
    cap_days: float = CAP,
    as_json: bool = JSON,
) -> None:
    """Expected damage avoided against budget, with the marginal benefit of a dollar."""
    res = _ask(
        "stockpile_frontier",
        minerals,
        seed,
        max_budget=max_budget,
        step=step,
        draws=draws,
        probability=probability,
        financing_rate=financing_rate,
        storage_rate=storage_rate,
        loss_rate=loss_rate,
        cap_days=cap_days,
    )
    if as_json:
        print_json(res)
        return
    print_table(
        res["points"],
        [
            "budget_usd",
            "spent_usd",
            "damage_avoided_usd_per_yr",
            "net_value_usd_per_yr",
            "marginal_benefit_per_usd",
        ],
        title=f"efficient frontier; buying stops paying at {_b(res['stops_paying_at_usd'])}",
    )


@app.command("days")
def days_cmd(
    budget: float = typer.Option(BUDGET_USD, "--budget", help="Budget of the optimal plan, USD."),
    minerals: list[str] | None = MINERALS,
    draws: int = DRAWS,
    seed: int | None = SEED,
    probability: float = PROB,
    financing_rate: float = FIN,
    storage_rate: float = STORE,
    loss_rate: float = LOSS,
    cap_days: float = CAP,
    as_json: bool = JSON,
) -> None:
    """Days of net imports per mineral: IEA 90 days, Korea 100 days, one year and the optimal
    plan side by side, with their costs."""
    res = _ask(
        "stockpile_days",
        minerals,
        seed,
        budget=budget,
        draws=draws,
        probability=probability,
        financing_rate=financing_rate,
        storage_rate=storage_rate,
        loss_rate=loss_rate,
        cap_days=cap_days,
    )
    if as_json:
        print_json(res)
        return
    rules = ["iea_90", "korea_100", "one_year", "optimal"]
    rows = [
        {"mineral": r["mineral"]}
        | {f"{k}_days": r[k]["days"] for k in rules}
        | {"optimal_usd": r["optimal"]["cost_usd"]}
        for r in res["rows"]
    ]
    print_table(rows, ["mineral", *[f"{k}_days" for k in rules], "optimal_usd"], title="days")
    for k in rules:
        t = res["totals"][k]
        typer.echo(f"{k}: cost {_b(t['cost_usd'])}, net value {_b(t['net_value_usd_per_yr'])}/yr")


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="stockpile")
