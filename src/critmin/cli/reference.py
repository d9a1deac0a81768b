"""Top-level look-up commands: `critmin minerals`, `critmin sources`."""

from __future__ import annotations

import typer

from critmin.cli.output import print_json, print_table

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


def minerals(as_json: bool = JSON) -> None:
    """The minerals table: the USGS 2025 list, EU 2023 flags, group rows, and each critical
    mineral's primary applications (USGS MCS 2026 Table 6) in JSON."""
    from critmin.capabilities.reference import minerals as ask

    rows = ask().to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        [
            "mineral_id",
            "name",
            "symbol",
            "kind",
            "reported_as",
            "usgs_2025",
            "eu_2023",
            "eu_2023_strategic",
        ],
        title=f"{len(rows)} minerals",
    )


def sources(
    source_id: str | None = typer.Argument(
        None, help="One source id (as cited in the brief and the tables): print it in full."
    ),
    as_json: bool = JSON,
) -> None:
    """Every source the shipped numbers cite; with an id, that one source in full
    (publisher, title, URL, dates, licence, note)."""
    if source_id is not None:
        from critmin.capabilities.reference import source
        from critmin.cli.output import printable

        row = source(source_id=source_id).to_dict()
        if as_json:
            print_json(row)
            return
        width = max(len(k) for k in row)
        for key, value in row.items():
            typer.echo(f"{key:<{width}}  {printable('' if value is None else str(value))}")
        return
    from critmin.capabilities.reference import sources as ask  # no polars: starts fast

    rows = ask().to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows, ["source_id", "publisher", "title", "published"], title=f"{len(rows)} sources"
    )


def register(app: typer.Typer) -> None:
    app.command("minerals")(minerals)
    app.command("sources")(sources)
