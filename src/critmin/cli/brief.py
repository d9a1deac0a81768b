"""`critmin brief`: write the self-contained HTML briefing."""

from __future__ import annotations

from pathlib import Path

import typer

from critmin.cli.output import print_json


def brief_cmd(
    out: Path = typer.Option(
        Path("brief.html"), "--out", help="HTML file to write (a new file, unless --force)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing regular file."),
    seed: int | None = typer.Option(None, "--seed", help="Master seed of the simulations."),
    config: Path | None = typer.Option(None, "--config", help="YAML file of brief options."),
    country: list[str] = typer.Option(
        [],
        "--country",
        help="Add a country profile section (ISO3, ISO2 or name); repeatable.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write one offline HTML briefing: maps, rankings, ledger, floor, scenarios, sources."""
    import sys

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from critmin.brief.builder import build_brief
    from critmin.brief.config import load_config

    cfg = load_config(config)
    if seed is not None:
        if seed < 0:  # model_copy does not validate: check what BriefConfig.seed requires
            from critmin.errors import InputError

            raise InputError("must be an integer >= 0", field="--seed", value=seed)
        cfg = cfg.model_copy(update={"seed": seed})
    if country:
        cfg = cfg.model_copy(update={"countries": [*cfg.countries, *country]})
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        transient=True,
        disable=as_json or not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("building the briefing", total=None)

        def step(name: str) -> None:
            bar.update(task, description=f"brief: {name}")

        res = build_brief(out, cfg, progress=step, force=force)
    if as_json:
        print_json(
            {
                "out": str(res.out),
                "bytes": res.bytes,
                "seconds": round(res.seconds, 2),
                "sections": res.sections,
                "seed": cfg.seed,
                "facts": res.facts,
            }
        )
    else:
        size = f"{res.bytes / 1e6:.1f} MB, {len(res.sections)} sections"
        typer.echo(f"wrote {res.out} ({size}) in {res.seconds:.1f} s")
