"""Scenario commands: list, show and run export-disruption scenarios (DESIGN.md Q6)."""

from __future__ import annotations

import typer

from critmin.cli.output import print_json, print_table

app = typer.Typer(
    help="Export-disruption scenarios: shortfall, price spike, days of stockpile cover.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("list")
def list_cmd(as_json: bool = JSON) -> None:
    """The bundled scenarios."""
    from critmin.sim.disruption import list_scenarios

    rows = list_scenarios()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        ["name", "kind", "restricting_iso3", "minerals", "stage", "start", "target"],
        title=f"{len(rows)} bundled scenarios",
    )


@app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="Bundled scenario name or a YAML file."),
    as_json: bool = JSON,
) -> None:
    """A scenario's full definition: parameters, inputs, sources and assumptions."""
    from critmin.sim.disruption import load_scenario

    sc = load_scenario(name)
    data = sc.model_dump(mode="json", exclude_none=True)
    if as_json:
        print_json(data)
        return
    import yaml

    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip())


@app.command("run")
def run_cmd(
    name: str = typer.Argument(..., help="Bundled scenario name or a YAML file."),
    draws: int = typer.Option(10_000, "--draws", min=1, max=10_000_000, help="Monte Carlo draws."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the fixed default)."),
    as_json: bool = JSON,
) -> None:
    """Shortfall (t, share of demand), price multiplier and days of cover, per mineral."""
    from critmin.sim.disruption import DEFAULT_SEED, run_scenario

    res = run_scenario(name, draws, DEFAULT_SEED if seed is None else seed)
    if as_json:
        print_json(res)
        return
    rows = []
    for m in res["minerals"]:
        if not m["computable"]:
            rows.append(
                {"mineral": m["mineral"], "note": "not computable: " + "; ".join(m["missing"])}
            )
            continue
        cover = m["days_cover"]
        rows.append(
            {
                "mineral": m["mineral"],
                "shortfall_t p50": m["shortfall_t"]["p50"],
                "shortfall_t p95": m["shortfall_t"]["p95"],
                "share p50": m["shortfall_share"]["p50"],
                "P/P0 p50": m["price_multiplier"]["p50"],
                "P/P0 p95": m["price_multiplier"]["p95"],
                "days cover p50": cover["p50"] if cover else None,
                "note": f"reported as {m['reported_as']}" if m["reported_as"] else "",
            }
        )
    cols = ["mineral", "shortfall_t p50", "shortfall_t p95", "share p50", "P/P0 p50"]
    cols += ["P/P0 p95", "days cover p50", "note"]
    print_table(rows, cols, title=f"{res['title']} ({res['draws']} draws, seed {res['seed']})")


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="scenario")
