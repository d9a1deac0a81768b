"""`critmin country ID` and `critmin mineral ID`: a country profile and a mineral sheet.

Both print the blocks of :mod:`critmin.capabilities.profiles` as tables (shares in %, tonnes,
USD), each with its note and its sources; ``--json`` prints the same object the HTTP API returns.
"""

from __future__ import annotations

from typing import Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import as_of_option, as_of_value, country_callback, mineral_argument

JSON = typer.Option(False, "--json", help="Print machine-readable JSON (the API's object).")
SHOWN_SOURCES = 6


def _cell(key: str, value: Any) -> Any:
    """A value as a table shows it: percentages with their sign, empty lists as '-'."""
    if key.endswith("_pct"):
        return "n/a" if value is None else f"{value:.1f} %"
    if key == "owner_iso3" and value is None:
        return "unattributed"
    if key == "counted":
        return "yes" if value else "no"
    if key.endswith("_x") or key.startswith("price_x"):
        return "n/a" if value is None else f"{value:.2f}x"
    if key == "abs_log_error":
        return "n/a" if value is None else f"{value:.2f}"
    if key == "hhi":
        return "no figure" if value is None else f"{value:,.0f}"
    if key == "amount_usd":  # USD million: the row ids are long, the amount must fit beside
        return "n/a" if value is None else f"{value / 1e6:,.1f} M"
    if key in ("value_t", "value", "world_t", "imports", "apparent_consumption"):
        return "n/a" if value is None else (f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}")
    return value


def _sources_line(block: dict[str, Any]) -> str:
    ids = [s["source_id"] for s in block["sources"]]
    if not ids:
        return "sources: none"
    more = len(ids) - SHOWN_SOURCES
    text = ", ".join(ids[:SHOWN_SOURCES])
    if more > 0:
        text += f" and {more} more (--json lists them)"
    return f"sources: {text} (`critmin sources ID` prints one)"


def _print_block(block: dict[str, Any]) -> None:
    typer.echo("")
    if block["rows"]:
        shown = [{k: _cell(k, v) for k, v in r.items()} for r in block["rows"]]
        print_table(shown, block["columns"], title=block["title"])
    else:
        typer.echo(block["title"])
    if block["note"]:
        typer.echo(block["note"])
    typer.echo(_sources_line(block))


def _pivot(
    block: dict[str, Any], value: str, stage: str | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows iso3 x year (one column per year), largest in the latest year first; WLD last."""
    rows = [r for r in block["rows"] if stage is None or r.get("stage") == stage]
    years = sorted({r["year"] for r in rows})
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        table.setdefault(r["iso3"], {"iso3": r["iso3"]})[str(r["year"])] = _cell("value", r[value])
    last = str(years[-1]) if years else ""
    latest = {r["iso3"]: r[value] or 0 for r in rows if str(r["year"]) == last}
    order = sorted(table, key=lambda k: (k == "WLD", -latest.get(k, 0), k))
    return [table[k] for k in order], ["iso3", *map(str, years)]


def _editions(rows: list[dict[str, Any]]) -> str:
    seen = {(r["year"], r["edition"]) for r in rows}
    return "editions: " + ", ".join(f"{y} {e}" for y, e in sorted(seen))


def country_cmd(
    country: str = typer.Argument(
        ..., help="Country: ISO3, ISO2 or name, any case.", callback=country_callback
    ),
    as_of: str | None = as_of_option("Status of export controls and ownership on this day"),
    as_json: bool = JSON,
) -> None:
    """A country's profile: production shares by mineral and stage, owners of its mines by
    nationality, export controls it imposes and faces, commitments it receives and makes."""
    from critmin.capabilities.profiles import country_profile

    res = country_profile(country=country, on=as_of_value(as_of))
    if as_json:
        print_json(res.to_dict())
        return
    typer.echo(f"{res['name']} ({res['iso3']}), as of {res['as_of']}")
    for key in res.BLOCKS:
        _print_block(res.block(key))


def mineral_cmd(mineral: str = mineral_argument(), as_json: bool = JSON) -> None:
    """A mineral's sheet: production by country and year, HHI trend, prices, reserves, US
    import reliance and sources, export controls, ledger rows, scenario forecasts beside the
    market model's backtest error."""
    from critmin.capabilities.profiles import mineral_sheet

    res = mineral_sheet(mineral=mineral)
    if as_json:
        print_json(res.to_dict())
        return
    sheet = res.to_dict()
    via = f"; figures of the group {sheet['reported_as']}" if sheet["reported_as"] else ""
    symbol = f", {sheet['symbol']}" if sheet["symbol"] else ""
    typer.echo(f"{sheet['name']} ({sheet['mineral']}{symbol}){via}")
    for key in res.BLOCKS:
        block = sheet[key]
        if key in ("production", "reserves") and block["rows"]:
            value = "value_t" if key == "production" else "value"
            stages = sorted({r.get("stage") for r in block["rows"]}, key=str)
            for stage in stages:
                rows, cols = _pivot(block, value, stage)
                part = [r for r in block["rows"] if stage is None or r["stage"] == stage]
                typer.echo("")
                print_table(rows, cols, title=block["title"] + (f": {stage}" if stage else ""))
                typer.echo(_editions(part))
            if block["note"]:
                typer.echo(block["note"])
            typer.echo(_sources_line(block))
            continue
        _print_block(block)


def register(app: typer.Typer) -> None:
    app.command("country")(country_cmd)
    app.command("mineral")(mineral_cmd)
