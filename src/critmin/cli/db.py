"""`critmin db`: information on the store, export and restore."""

from __future__ import annotations

from pathlib import Path

import typer

from critmin.cli.output import print_json, print_table

app = typer.Typer(help="The embedded DuckDB store: info, export, restore.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
FORCE = typer.Option(
    False, "--force", help="Replace what exists at --out (a regular file, or an export folder)."
)


@app.command("info")
def info(as_json: bool = JSON) -> None:
    """Tables with row counts, data version and the DB path (creates the store on first use)."""
    from critmin.capabilities.store import store_info

    result = store_info().to_dict()
    if as_json:
        print_json(result)
        return
    print_table(result["tables"], ["table", "rows"], title=f"critmin store {result['db_path']}")
    typer.echo(
        f"data version {result['data_version']}, schema {result['schema_version']}, "
        f"critmin {result['critmin_version']}, loaded {result['loaded_at']}"
    )


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="Folder to write one file per table into."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    force: bool = FORCE,
    as_json: bool = JSON,
) -> None:
    """Write every table to OUT/<table>.parquet (or .csv in the bundled-file format)."""
    from critmin.capabilities.store import FORMATS, store_export
    from critmin.errors import InputError

    if fmt not in FORMATS:
        raise InputError("choose parquet or csv", field="--format", value=fmt)
    res = store_export(out=out, format=fmt, force=force).to_dict()
    if as_json:
        print_json(res)
    else:
        typer.echo(f"wrote {len(res['files'])} tables to {out}")


@app.command("restore")
def restore(
    source: Path = typer.Argument(
        ..., help="A folder written by `critmin db export`, or a file by `critmin db backup`."
    ),
    as_json: bool = JSON,
) -> None:
    """Replace the store's tables with an export or a backup (all or nothing; never drops
    ledger rows)."""
    from critmin.capabilities.store import store_restore

    res = store_restore(source=source).to_dict()
    counts = res["restored"]
    if as_json:
        print_json(res)
    else:
        typer.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables from {source}")


@app.command("backup")
def backup(
    out: Path = typer.Option(..., "--out", help="New DuckDB file to write the copy to."),
    force: bool = FORCE,
    as_json: bool = JSON,
) -> None:
    """Copy the whole store to a new file (a consistent snapshot; restore with `db restore`)."""
    from critmin.capabilities.store import store_backup

    res = store_backup(out=out, force=force).to_dict()
    if as_json:
        print_json(res)
    else:
        typer.echo(f"backed up {sum(res['tables'].values())} rows to {out}")


@app.command("check")
def check(as_json: bool = JSON) -> None:
    """Say what is wrong with the store file (corrupt, foreign, old schema, broken rules)."""
    from critmin.capabilities.store import store_check

    res = store_check().to_dict()
    if as_json:
        print_json(res)
    elif res["ok"]:
        typer.echo(
            f"ok: {res['db_path']} ({sum(res['tables'].values())} rows, data {res['data_version']})"
        )
    else:
        for problem in res["problems"]:
            typer.echo(f"problem: {problem}", err=True)
    if not res["ok"]:
        raise typer.Exit(2)
