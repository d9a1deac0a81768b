"""`critmin prices|reserves|imports MINERAL`: what the store holds, with editions and sources."""

from __future__ import annotations

from typing import Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import mineral_argument

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
EDITION = typer.Option(
    None, "--edition", help="Answer from this edition (e.g. usgs-mcs-2025); default: the latest."
)


def _footer(res: dict[str, Any]) -> None:
    if res.get("reported_as"):
        typer.echo(f"note: {res['mineral']} is reported as {res['reported_as']!r}")
    others = [e for e in res.get("editions", []) if e != res.get("edition")]
    if others:
        typer.echo(f"also reported by: {', '.join(others)} (--edition)")
    for s in res["sources"]:
        typer.echo(f"source {s['source_id']}: {s['publisher']}, {s['title']} ({s['url']})")


def prices_cmd(
    mineral: str = mineral_argument(), edition: str | None = EDITION, as_json: bool = JSON
) -> None:
    """Published prices of a mineral: each product, market and period, as published."""
    from critmin.capabilities.supply import prices

    res = prices(mineral=mineral, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    rows = [{**r, "unit": f"{r['currency']}/{r['unit']}"} for r in res["rows"]]
    print_table(
        rows,
        ["period", "price", "unit", "product", "market"],
        title=f"{res['mineral']} prices, edition {res['edition']}",
        keys=("period",),
    )
    _footer(res)


def reserves_cmd(
    mineral: str = mineral_argument(),
    year: int | None = typer.Option(None, "--year", help="Data year (default: latest)."),
    edition: str | None = EDITION,
    as_json: bool = JSON,
) -> None:
    """Reserves by country, with the reported world total and the sum of countries."""
    from critmin.capabilities.supply import reserves

    res = reserves(mineral=mineral, year=year, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    print_table(
        res["rows"],
        ["iso3", "value", "flag", "note"],
        title=f"{res['mineral']} reserves {res['year']}, {res['unit']} ({res['product']}), "
        f"edition {res['edition']}",
    )
    typer.echo(f"world reported: {res['world_reported']}, sum of countries: {res['world_sum']}")
    _footer(res)


def imports_cmd(
    mineral: str = mineral_argument(), edition: str | None = EDITION, as_json: bool = JSON
) -> None:
    """Where US imports come from: shares by source country and the sources named each year."""
    from critmin.capabilities.supply import imports

    res = imports(mineral=mineral, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    if res["shares"]:
        first = res["shares"][0]
        print_table(
            res["shares"],
            ["iso3", "share_pct", "product"],
            title=f"{res['mineral']}: shares of US imports by source, {first['period']}, % "
            f"({first['edition']})",
        )
    else:
        typer.echo("import shares by source: no data (USGS gives none for this mineral)")
    print_table(
        res["by_year"],
        ["year", "import_sources", "net_import_reliance_pct", "edition"],
        title="major import sources named each year",
    )
    _footer(res)


def register(app: typer.Typer) -> None:
    app.command("prices")(prices_cmd)
    app.command("reserves")(reserves_cmd)
    app.command("imports")(imports_cmd)
