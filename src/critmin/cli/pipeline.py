"""`critmin pipeline`: will the money deliver? (project-pipeline Monte Carlo, DESIGN.md Q8).

Also :func:`gap_cmd`, the `critmin ledger gap` command (need vs public money committed), kept
here beside the register it reads; the ledger group attaches it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import choice_callback
from critmin.defaults import DRAWS, SEED

app = typer.Typer(
    help="Project pipeline: odds, delays and delivered tonnes of publicly backed projects.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
PROJECTS = typer.Option(
    None, "--projects", help="Project register CSV (default: the bundled register)."
)


def register(root: typer.Typer) -> None:
    """Add the `pipeline` command group to the root app."""
    root.add_typer(app, name="pipeline")


def _musd(value: float | None) -> str:
    return "" if value is None else f"{value / 1e6:,.0f}"


def _num(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


@app.command("run")
def run_cmd(
    projects: Path | None = PROJECTS,
    stage_model: Path | None = typer.Option(
        None, "--stage-model", help="YAML with stage-model parameters to override."
    ),
    draws: int = typer.Option(DRAWS, "--draws", help="Monte Carlo draws (1 to 200,000)."),
    seed: int = typer.Option(SEED, "--seed", help="Random seed (same seed, same result)."),
    horizon: int | None = typer.Option(None, "--horizon", help="Last year reported."),
    independent: bool = typer.Option(
        False,
        "--independent",
        help="Draw projects independently (no common price factor per mineral).",
    ),
    as_json: bool = JSON,
) -> None:
    """Simulate the register: delivered tonnes vs plan, odds of producing, money at risk."""
    from critmin.capabilities.pipeline import pipeline_run

    res = pipeline_run(
        draws=draws,
        seed=seed,
        projects=projects,
        stage_model=stage_model,
        horizon=horizon,
        common_factor=not independent,
    ).to_dict()
    if as_json:
        print_json(res)
        return
    rows = [
        {
            "project": r["project"],
            "plan": r["planned_start"],
            "by_plan": f"{r['p_producing_by_plan']:.0%}",
            "never": f"{r['p_never']:.0%}",
            "delay_y": _num(r["expected_delay_years"], ".1f"),
            "public_musd": _musd(r["public_usd"]),
            "exp_loss_musd": _musd(r["expected_loss_usd"]),
            "usd_per_t": _num(r["usd_per_delivered_t"], ",.0f"),
        }
        for r in res["projects"]
    ]
    cols = list(rows[0]) if rows else ["project"]
    print_table(
        rows, cols, title=f"{len(rows)} projects, {res['draws']:,} draws, seed {res['seed']}"
    )
    t, loss = res["totals"], res["totals"]["loss"]
    factor = "common price factor per mineral" if t["common_factor"] else "projects independent"
    # the same two scopes the brief states: every registered project, and the simulated ones
    typer.echo(
        f"public money committed to all {t['projects']} registered projects "
        f"{_musd(t['public_usd'])} MUSD (letters of interest apart: {_musd(t['loi_usd'])} "
        f"MUSD); to the {t['simulated']} simulated (with a planned start) "
        f"{_musd(t['public_usd_simulated'])} MUSD, face value behind projects not producing by "
        f"{res['horizon']}: {_musd(t['public_at_risk_usd'])} MUSD; expected loss "
        f"{_musd(loss['expected_usd'])} MUSD, p90 {_musd(loss['p90_usd'])} MUSD ({factor}); "
        f"expected projects producing by plan: "
        f"{t['expected_projects_producing_by_plan']:.1f} of {t['simulated']}"
    )
    typer.echo(
        "expected loss by instrument: "
        + "; ".join(
            f"{b['instrument']} {_musd(b['expected_loss_usd'])} of {_musd(b['committed_usd'])}"
            for b in loss["by_instrument"]
            if b["committed_usd"]
        )
        + " MUSD"
    )


@app.command("backtest")
def backtest_cmd(
    cohort: Path | None = typer.Option(
        None, "--cohort", help="Cohort CSV (default: the bundled 2012 rare-earth cohort)."
    ),
    years: int = typer.Option(10, "--years", help="Years after the cohort date (1 to 50)."),
    draws: int = typer.Option(DRAWS, "--draws", help="Monte Carlo draws (1 to 200,000)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same result)."),
    independent: bool = typer.Option(
        False, "--independent", help="Draw projects independently (no common price factor)."
    ),
    as_json: bool = JSON,
) -> None:
    """Backtest the stage model on a past cohort: predicted vs observed share producing."""
    from critmin.capabilities.pipeline import pipeline_backtest

    out = pipeline_backtest(
        cohort=cohort, years=years, draws=draws, seed=seed, common_factor=not independent
    ).to_dict()
    if as_json:
        print_json(out)
        return
    res, plain, loo = out["backtest"], out["uncalibrated"], out["leave_one_project_out"]
    rows = [
        {
            "project": r["project"],
            "host": r["host"],
            "phase": r["cohort_phase"],
            "plan": r["planned_start"] or "",
            "p_producing": f"{r['p_producing']:.0%}",
            "first_production": r["first_production"] or "",
            "status": r["status"],
        }
        for r in res["rows"]
    ]
    print_table(rows, list(rows[0]), title=f"cohort of {res['as_of']}, {res['years']} years")
    typer.echo(
        f"producing within {res['years']} years, {res['projects']} projects: observed "
        f"{res['observed_share']:.1%}; stage model (study exponent "
        f"{_num(out['study_exponent'], '.1f') or 'none'}) "
        f"{res['predicted_share']:.1%} (p5-p95 {res['predicted_p5']:.1%}-"
        f"{res['predicted_p95']:.1%}, error {res['error_pp']:+.1f} points, Brier "
        f"{res['brier']:.3f}); each project fitted without itself {loo['predicted_share']:.1%} "
        f"(error {loo['error_pp']:+.1f} points); before calibration (k = 1) "
        f"{plain['predicted_share']:.1%} (error {plain['error_pp']:+.1f} points)"
    )
    typer.echo(
        f"{res['plan_missing']} without a published plan read as planned for {res['as_of']}"
        + (
            "; not simulated (phase unknown): "
            + ", ".join(r["project"] for r in res["not_simulated"])
            if res["not_simulated"]
            else ""
        )
    )


@app.command("projects")
def projects_cmd(projects: Path | None = PROJECTS, as_json: bool = JSON) -> None:
    """The project register: plan, capacity, capex, linked ledger rows and source."""
    from critmin.capabilities.pipeline import pipeline_projects

    rows = pipeline_projects(projects=projects).to_dict()
    if as_json:
        print_json(rows)
        return
    cols = ["project_id", "mineral_id", "host_iso3", "current_phase", "product"]
    cols += ["planned_capacity_t", "planned_start", "capex_usd", "ledger_ids"]
    print_table(rows, cols, title=f"{len(rows)} projects")


def gap_cmd(
    by: str = typer.Option(
        "project", "--by", help="project|mineral", callback=choice_callback(("project", "mineral"))
    ),
    projects: Path | None = PROJECTS,
    as_json: bool = JSON,
) -> None:
    """Funding gap: estimated need (register capex) vs public money committed, cheque sizes."""
    from critmin.capabilities.ledger import ledger_gap

    res = ledger_gap(by=by, projects=projects).to_dict()
    if as_json:
        print_json(res)
        return
    key = "project" if by == "project" else "mineral"
    rows = [
        {
            key: r[key],
            "need_musd": _musd(r["need_usd"]),
            "committed_musd": _musd(r["committed_usd"]),
            "gap_musd": _musd(r["gap_usd"]),
            "loi_musd": _musd(r["loi_usd"]),
            "cheques": r["cheques"]["count"],
        }
        for r in res["rows"]
    ]
    print_table(rows, list(rows[0]) if rows else [key], title=f"funding gap by {by}")
    c, loi = res["cheques"], res["letters_of_interest"]
    typer.echo(
        f"committed {_musd(res['committed_usd'])} of {_musd(res['need_usd'])} MUSD need; "
        f"letters of interest {_musd(loi['amount_usd'])} MUSD in {loi['count']} rows, not "
        f"counted; cheques: {c['count']} from {_musd(c['min'])} to {_musd(c['max'])} MUSD, "
        f"median {_musd(c['median'])}"
    )
