"""Stockpile commands: split a budget across minerals against disruption scenarios (Q7)."""

from __future__ import annotations

import typer

from critmin.cli.output import print_json, print_table

app = typer.Typer(
    help="Budgeted stockpile optimiser (exact, cross-checked with HiGHS).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@app.command("plan")
def plan_cmd(
    budget: float = typer.Option(12e9, "--budget", help="Budget in USD (default: Project Vault)."),
    scenario: list[str] | None = typer.Option(
        None, "--scenario", help="Scenario name or file; repeat for several (default: all events)."
    ),
    minerals: list[str] | None = typer.Option(
        None, "--minerals", help="Only these minerals (repeat or comma-separate)."
    ),
    draws: int = typer.Option(10_000, "--draws", min=1, max=1_000_000, help="Monte Carlo draws."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the fixed default)."),
    cap_days: float = typer.Option(365.0, "--cap-days", help="Cap per mineral, days of use."),
    weight: str = typer.Option("value", "--weight", help="value (USD) or tonnes."),
    lp_check: bool = typer.Option(True, "--lp-check/--no-lp-check", help="Verify with HiGHS."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Tonnes, dollars and days of cover per mineral that minimise expected unmet demand."""
    from critmin.optimize.stockpile import plan

    wanted = [m for item in minerals or [] for m in item.split(",") if m.strip()]
    res = plan(budget, scenario or None, wanted or None, draws, seed, cap_days, weight, lp_check)
    if as_json:
        print_json(res)
        return
    print_table(
        res["allocations"],
        ["mineral", "tonnes", "usd", "days_cover", "cap_t", "expected_unmet_t_after"],
        title=f"stockpile plan: spent ${res['spent_usd']:,.0f} of ${res['budget_usd']:,.0f}"
        f" ({'budget binds' if res['budget_binding'] else 'budget does not bind'})",
    )
    typer.echo(
        f"expected unmet demand ({res['objective_unit']}): "
        f"{res['expected_unmet_before']:,.0f} -> {res['expected_unmet_after']:,.0f}; "
        f"multiplier {res['multiplier']:.4g}"
    )
    if res["lp_check"]:
        chk = res["lp_check"]
        typer.echo(f"HiGHS LP ({chk['solver']}): relative gap {chk['relative_gap']:.1e}")


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="stockpile")
