"""`critmin sweep FILE`: a grid of floor, scenario or pipeline runs on local processes or Dask.

Heavy libraries (numpy, duckdb, dask) are imported inside the command, so `critmin --help`
stays fast. Ctrl-C or a lost worker keeps the finished cells; the same command resumes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from critmin.cli.output import print_json, print_table

if TYPE_CHECKING:
    from critmin.sweep import CellOutcome, SweepDefinition


def _dry_run(d: SweepDefinition, as_json: bool) -> None:
    from critmin.sweep import done_cells, plan

    sweep_id, _ = plan(d)
    done = done_cells(sweep_id)
    axes = {name: len(values) for name, values in d.axis_values()}
    info: dict[str, Any] = {
        "sweep_id": sweep_id,
        "name": d.name,
        "engine": d.engine,
        "cells": d.n_cells,
        "done": done,
        "draws": d.draws,
        "axes": axes,
    }
    if as_json:
        print_json(info)
        return
    grid = " x ".join(f"{k} ({n})" for k, n in axes.items()) or "no axes"
    typer.echo(
        f"sweep {d.name} ({sweep_id}), engine {d.engine}: {d.n_cells:,} cells = {grid}; "
        f"{d.draws:,} draws a cell; {done:,} already in the store"
    )


def sweep_cmd(
    file: str = typer.Argument(..., help="Sweep definition (YAML), or a bundled example name."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Local worker processes (default: one per core; 1 runs in this process), or the "
        "size of the --dask local cluster (default 2).",
    ),
    dask: str | None = typer.Option(
        None,
        "--dask",
        help="Run on Dask distributed: 'local' (a cluster on 127.0.0.1) or a scheduler "
        "address tcp://HOST:8786. Needs the extra: pip install 'critmin[dask]'.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Parquet file for the results (default: NAME.parquet)."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace an existing --out file (a file of this same sweep is replaced freely).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check the grid and show its size and id; run nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Run every cell of a parameter or scenario grid; resume where a previous run stopped."""
    from critmin.errors import InputError
    from critmin.sweep import (
        SweepIncomplete,
        SweepInterrupted,
        check_executor,
        load_sweep,
        run_sweep,
    )

    try:
        check_executor(workers, dask)
    except InputError as exc:  # name the option the user typed
        reason = str(exc).split(": ", 1)[-1].split(" (got ")[0]
        raise InputError(reason, field=f"--{exc.field}", value=exc.value) from None
    d = load_sweep(file)
    if dry_run:
        _dry_run(d, as_json)
        return
    target = out if out is not None else Path(f"{d.name}.parquet")
    bar: Any = None
    task: Any = None

    def on_start(sweep_id: str, done: int, total: int) -> None:
        nonlocal bar, task
        if not sys.stderr.isatty() or done == total:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = Progress(
            TextColumn(f"sweep {d.name} [dim]{sweep_id}[/dim]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("cells"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("cells", total=total, completed=done)

    def on_cell(_o: CellOutcome, done: int, _total: int) -> None:
        if bar is not None:
            bar.update(task, completed=done)

    try:
        report = run_sweep(
            d,
            workers=workers,
            dask=dask,
            out=target,
            on_cell=on_cell,
            on_start=on_start,
            force=force,
        )
    except (SweepInterrupted, SweepIncomplete) as exc:
        if bar is not None:
            bar.stop()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(130 if isinstance(exc, SweepInterrupted) else 1) from None
    finally:
        if bar is not None:
            bar.stop()
    res = report.to_dict()
    if as_json:
        print_json(res)
        return
    rows = [
        {
            "": "cells",
            "value": f"{report.cells:,} ({report.resumed:,} resumed, {report.ran:,} run)",
        },
        {"": "executor", "value": report.executor},
        {"": "wall time", "value": f"{report.wall_s:,.1f} s"},
        {"": "results", "value": f"{report.out}; store table sweep_cells"},
    ]
    print_table(rows, ["", "value"], title=f"sweep {d.name} ({report.sweep_id}), {d.engine}")


def register(app: typer.Typer) -> None:
    """Add the `sweep` command to the root app."""
    app.command("sweep")(sweep_cmd)
