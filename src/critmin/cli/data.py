"""`critmin data`: validate the data, import USGS releases."""

from __future__ import annotations

from pathlib import Path

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import country_option, mineral_argument, stage_option

app = typer.Typer(help="Reference data: validate, import.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("validate")
def validate(
    strict: bool = typer.Option(False, "--strict", help="Apply the strict rules too."),
    folder: Path | None = typer.Option(
        None, "--path", help="Validate CSVs in this folder instead of the store."
    ),
    as_json: bool = JSON,
) -> None:
    """Check every rule of DESIGN.md section 3; list each failure; exit 2 if any."""
    from critmin.capabilities.data import data_validate

    res = data_validate(strict=strict, folder=folder or None)
    failures = res.rows()
    if as_json:
        print_json(res.to_dict())
    elif failures:
        print_table(
            failures,
            ["table", "row", "column", "value", "message"],
            title=f"{len(failures)} failure(s)",
            drop_first=("value", "column"),  # the message names them
        )
    else:
        typer.echo(f"ok: every {'strict ' if strict else ''}rule holds")
    if failures:
        raise typer.Exit(2)


@app.command("import")
def import_table(
    table: str = typer.Argument(..., help="Table name, e.g. production, prices, end_uses."),
    file: Path = typer.Argument(..., help="CSV in the format of docs/data-contract.md."),
    as_json: bool = JSON,
) -> None:
    """Import a CSV into a table (all or nothing; rows with the same key are replaced)."""
    from critmin.capabilities.data import data_import

    res = data_import(table=table, file=file)
    if as_json:
        print_json(res.to_dict())
    else:
        typer.echo(f"imported {res['rows']} rows into {table}")


@app.command("contract")
def contract_cmd(
    table: str | None = typer.Argument(None, help="One table (default: every table)."),
    as_json: bool = JSON,
    markdown: bool = typer.Option(
        False, "--markdown", help="Print the whole page docs/data-contract.md is."
    ),
) -> None:
    """Every column of every table: type, unit, whether it may be empty, values, meaning."""
    from critmin.capabilities.data import data_contract

    if markdown:
        typer.echo(data_contract().markdown(), nl=False)
        return
    rows = data_contract(table=table).to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        ["table", "column", "unit", "type", "description"],
        title="the data contract (docs/data-contract.md)",
        keys=("column",),
        drop_first=("type", "unit"),
    )


@app.command("coverage")
def coverage_cmd(
    as_json: bool = JSON,
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table."),
) -> None:
    """Per mineral: stages and years present, reserves, US supply, end uses, prices, gaps."""
    from critmin.capabilities.data import data_coverage

    res = data_coverage()
    rows = res.to_dict()
    if markdown:
        typer.echo(res.markdown(), nl=False)
        return
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        [
            "mineral",
            "reported_as",
            "mine_years",
            "refine_years",
            "reserves",
            "us_supply",
            "end_uses",
            "prices",
            "missing",
            "coverage_note",
        ],
        title="data coverage (missing stays missing)",
    )


@app.command("leaders")
def leaders_cmd(
    as_json: bool = JSON,
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown page."),
) -> None:
    """critmin's leading producer and share per mineral beside USGS's own (MCS 2026 Table 7)."""
    from critmin.capabilities.data import data_leaders

    res = data_leaders()
    rows = res.to_dict()
    if markdown:
        typer.echo(res.markdown(), nl=False)
        return
    if as_json:
        print_json(rows)
        return
    agree = sum(r["status"] == "agrees" for r in rows)
    print_table(
        rows,
        [
            "mineral",
            "stage",
            "usgs_leader",
            "usgs_pct",
            "pct_of_world",
            "leader",
            "leader_pct",
            "status",
            "reason",
        ],
        title=f"critmin vs USGS Table 7 (2025): {agree} of {len(rows)} agree",
    )


@app.command("import-usgs")
def import_usgs(
    path: Path = typer.Argument(..., help="A USGS MCS data-release CSV or a folder of them."),
    as_json: bool = JSON,
) -> None:
    """Import USGS Mineral Commodity Summaries tables (world production, reserves, salient
    statistics) into the store, all or nothing. Flags (W, NA, estimated) stay flags."""
    from critmin.capabilities.data import data_import_usgs
    from critmin.errors import InputError

    if not path.exists():  # named as the command line names it
        raise InputError("no such file or folder", field="path", value=str(path))
    res = data_import_usgs(source=path)
    if as_json:
        print_json(res.to_dict())
    else:
        counts = res["rows"]
        per_table = ", ".join(f"{k} {v}" for k, v in counts.items())
        typer.echo(
            f"imported {sum(counts.values())} rows ({per_table}); "
            f"{res['skipped']} rows skipped (not critical minerals or aggregates)"
        )
        if res.text:
            typer.echo(res.text)


@app.command("revisions")
def revisions_cmd(
    mineral: str = mineral_argument(),
    stage: str = stage_option(),
    country: str = country_option("--country", "WLD", help="Country (default: world, WLD)"),
    as_json: bool = JSON,
) -> None:
    """One production figure across editions: each year as each edition published it."""
    from critmin.capabilities.data import data_revisions

    res = data_revisions(mineral=mineral, stage=stage, country=country).to_dict()
    if as_json:
        print_json(res)
        return
    rows = [
        {
            "year": y["year"],
            "edition": f["edition"],
            "value": f["value"],
            "flag": f["flag"],
            "estimated": f["estimated"],
            "used": f["edition"] == y["latest"],
            "change_pct": y["change_pct"] if f["edition"] == y["latest"] else None,
        }
        for y in res["years"]
        for f in y["figures"]
    ]
    print_table(
        rows,
        ["year", "edition", "value", "flag", "estimated", "used", "change_pct"],
        title=f"{res['mineral']} {res['stage']} production of {res['country']} by edition, t "
        "(used = the edition queries answer from)",
    )


@app.command("t4")
def t4_cmd(
    file: Path | None = typer.Argument(
        None,
        help="A USGS MCS Table 4 file (MCS2026_T4_Country_Export_Control.csv): check that "
        "every item is reconciled with the register.",
    ),
    markdown: bool = typer.Option(
        False, "--markdown", help="Print the Markdown table of docs/controls-t4.md."
    ),
    as_json: bool = JSON,
) -> None:
    """USGS Table 4 (export controls in force) against the register: each item with its
    control and status, or the reason it is not held. With FILE, exit 2 when an item of the
    file is not reconciled or a control id is not in the register."""
    from critmin.capabilities.data import data_t4

    res = data_t4(file=file)
    rows = res.to_dict()
    if markdown:
        typer.echo(res.markdown(), nl=False)
        return
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        ["t4_line", "country", "commodity", "control_id", "status_on_t4_date", "reason"],
        title="USGS MCS 2026 Table 4 reconciled with the register",
    )
