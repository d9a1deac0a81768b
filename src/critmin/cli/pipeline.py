"""`critmin pipeline`: will the money deliver? (project-pipeline Monte Carlo, DESIGN.md Q8).

Also :func:`gap_cmd`, the `critmin ledger gap` command (need vs public money committed), kept
here beside the register it reads; the ledger group attaches it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import choice_callback
from critmin.defaults import SEED

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
    draws: int = typer.Option(10_000, "--draws", help="Monte Carlo draws (1 to 200,000)."),
    seed: int = typer.Option(SEED, "--seed", help="Random seed (same seed, same result)."),
    horizon: int | None = typer.Option(None, "--horizon", help="Last year reported."),
    as_json: bool = JSON,
) -> None:
    """Simulate the register: delivered tonnes vs plan, odds of producing, money at risk."""
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline import load_stage_model, run

    if projects is not None:
        input_file(projects, "--projects", MAX_TABLE_BYTES)
    res = run(
        draws=draws,
        seed=seed,
        projects_file=projects,
        model=load_stage_model(stage_model, field="--stage-model"),
        horizon=horizon,
    )
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
            "at_risk_musd": _musd(r["public_at_risk_usd"]),
            "usd_per_t": _num(r["usd_per_delivered_t"], ",.0f"),
        }
        for r in res["projects"]
    ]
    cols = list(rows[0]) if rows else ["project"]
    print_table(
        rows, cols, title=f"{len(rows)} projects, {res['draws']:,} draws, seed {res['seed']}"
    )
    t = res["totals"]
    typer.echo(
        f"public money committed {_musd(t['public_usd'])} MUSD (letters of interest apart: "
        f"{_musd(t['loi_usd'])} MUSD); at risk of no production by {res['horizon']}: "
        f"{_musd(t['public_at_risk_usd'])} MUSD; expected projects producing by plan: "
        f"{t['expected_projects_producing_by_plan']:.1f} of {t['simulated']}"
    )


@app.command("projects")
def projects_cmd(projects: Path | None = PROJECTS, as_json: bool = JSON) -> None:
    """The project register: plan, capacity, capex, linked ledger rows and source."""
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline import load_projects

    if projects is not None:
        input_file(projects, "--projects", MAX_TABLE_BYTES)

    rows = [p.model_dump(mode="json") for p in load_projects(projects)]
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
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline import gap

    if projects is not None:
        input_file(projects, "--projects", MAX_TABLE_BYTES)
    res = gap(by, projects_file=projects)
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
