"""`critmin ledger`: the append-only intervention ledger."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import (
    AGENCY_CALLBACK,
    INSTRUMENT_CALLBACK,
    STATUS_CALLBACK,
    VERIFICATION_CALLBACK,
    country_option,
    mineral_option,
)
from critmin.cli.pipeline import gap_cmd

app = typer.Typer(
    help="State interventions: add, list, history, summary, reconcile.", no_args_is_help=True
)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
# `ledger list` shows these at any width; --wide adds the rest of COLUMNS
NARROW = ["id", "date", "actor_iso3", "amount_usd", "status", "instrument"]
COLUMNS = [
    "id",
    "date",
    "actor_iso3",
    "agency",
    "instrument",
    "amount_usd",
    "recipient",
    "status",
    "verification",
]
UNVERIFIED = typer.Option(
    False,
    "--include-unverified",
    help="Also count rows whose source is unverified (aggregator, estimate, third-party copy).",
)


@app.command("add")
def add_cmd(
    file: str = typer.Option(
        ..., "--file", help="YAML file with one row, or - for standard input."
    ),
    as_json: bool = JSON,
) -> None:
    """Append one commitment (validated; nothing is written if any field is wrong)."""

    from critmin.capabilities.ledger import ledger_add
    from critmin.errors import InputError
    from critmin.files import MAX_YAML_BYTES, read_input_text
    from critmin.yaml_input import parse_yaml

    if file == "-":
        text = _read_stdin(MAX_YAML_BYTES)
    else:
        text = read_input_text(file, "--file", MAX_YAML_BYTES)
    record = parse_yaml(text, None if file == "-" else file, field="--file")
    if not isinstance(record, dict):
        raise InputError("expected one mapping of field: value", field="--file", value=file)
    row = ledger_add(record=record).to_dict()
    if as_json:
        print_json(row)
    else:
        typer.echo(f"added {row['id']}")


def _read_stdin(max_bytes: int) -> str:
    """Standard input as UTF-8 text of at most ``max_bytes``; else one line naming --file."""
    from critmin.errors import InputError

    raw = getattr(sys.stdin, "buffer", None)
    data: str | bytes = (
        raw.read(max_bytes + 1) if raw is not None else sys.stdin.read(max_bytes + 1)
    )
    if len(data) > max_bytes:
        raise InputError(f"too large (at most {max_bytes:,} bytes)", field="--file", value="-")
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", field="--file", value="-") from None
    return data


@app.command("list")
def list_cmd(
    actor: str | None = country_option("--actor", help="Acting state"),
    agency: str | None = typer.Option(
        None,
        "--agency",
        help="Agency id, name or alias (an agency includes its offices).",
        callback=AGENCY_CALLBACK,
    ),
    instrument: str | None = typer.Option(
        None, "--instrument", help="e.g. loan, price-floor.", callback=INSTRUMENT_CALLBACK
    ),
    mineral: str | None = mineral_option(),
    host: str | None = country_option("--host", help="Host country"),
    status: str | None = typer.Option(
        None, "--status", help="committed, announced, ...; any case.", callback=STATUS_CALLBACK
    ),
    verification: str | None = typer.Option(
        None,
        "--verification",
        help="primary, press or unverified.",
        callback=VERIFICATION_CALLBACK,
    ),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD."),
    history_: bool = typer.Option(False, "--history", help="Include superseded rows."),
    wide: bool = typer.Option(
        False, "--wide", help="Every column (agency, recipient, verification), wrapped to fit."
    ),
    as_json: bool = JSON,
) -> None:
    """Ledger rows (the latest of each chain unless --history). Filters ignore case; an
    unknown value fails with the closest valid ones."""
    from critmin.capabilities.ledger import ledger_list

    rows = ledger_list(
        actor=actor,
        agency=agency,
        instrument=instrument,
        mineral=mineral,
        host=host,
        status=status,
        since=since,
        verification=verification,
        history=history_,
    ).to_dict()
    if as_json:
        print_json(rows)
        return
    if wide:
        print_table(rows, COLUMNS, title=f"{len(rows)} ledger rows", fit=False)
    else:
        print_table(rows, NARROW, title=f"{len(rows)} ledger rows (--wide: every column)")


@app.command("history")
def history_cmd(
    row_id: str = typer.Argument(..., help="A ledger row id."), as_json: bool = JSON
) -> None:
    """The correction chain a row belongs to, oldest first."""
    from critmin.capabilities.ledger import ledger_history

    rows = ledger_history(row_id=row_id).to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(rows, [*COLUMNS, "supersedes", "recorded_at"], title=f"history of {row_id}")


@app.command("summary")
def summary_cmd(
    by: str = typer.Option(
        "actor",
        "--by",
        help="actor|agency|office|instrument|mineral|host|month|status|verification "
        "(agency rolls offices up to their parent; office keeps them apart)",
    ),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD."),
    status: list[str] = typer.Option(
        [], "--status", help="Repeat to count several statuses.", callback=STATUS_CALLBACK
    ),
    include_unverified: bool = UNVERIFIED,
    as_json: bool = JSON,
) -> None:
    """Totals in USD of the latest rows whose source is primary or press, grouped; letters
    of interest and publisher aggregates reported apart; says what it leaves out."""
    from critmin.capabilities.ledger import ledger_summary

    res = ledger_summary(
        by=by, since=since, status=status or None, include_unverified=include_unverified
    ).to_dict()
    if as_json:
        print_json(res)
        return
    by = str(res["by"])  # the key column is headed by what it groups on (actor, mineral...)
    rows = [{by: r["key"], "amount_usd": r["amount_usd"], "count": r["count"]} for r in res["rows"]]
    print_table(rows, [by, "amount_usd", "count"], title=f"ledger by {by}")
    loi, agg = res["letters_of_interest"], res["aggregates"]
    typer.echo(
        f"total {res['total_usd']:,.0f} USD; letters of interest {loi['amount_usd']:,.0f} USD "
        f"in {loi['count']} rows ({'included' if loi['included'] else 'not included'}); "
        f"publisher aggregates {agg['amount_usd']:,.0f} USD in {agg['count']} rows (not added)"
    )
    typer.echo(_left_out_line(res["unverified"]))


def _left_out_line(u: dict[str, Any]) -> str:
    """One sentence saying what a summary left out (its ``unverified`` part, by actor)."""
    if u["included"] or not u["count"]:
        return "no unverified rows left out" if not u["included"] else "unverified rows included"
    parts = ", ".join(
        f"{a['actor']} {a['count']} ({a['amount_usd'] / 1e9:,.3f} bn USD)" for a in u["by_actor"]
    )
    return (
        f"left out: {u['count']} unverified rows, {u['amount_usd']:,.0f} USD ({parts}); "
        "--include-unverified adds them"
    )


app.command("gap")(gap_cmd)


@app.command("reconcile")
def reconcile_cmd(include_unverified: bool = UNVERIFIED, as_json: bool = JSON) -> None:
    """Each headline figure users quote against the ledger rows that account for it: matches,
    partial (naming what the ledger lacks) or no amount to compare."""
    from critmin.capabilities.ledger import ledger_reconcile

    rows = ledger_reconcile(include_unverified=include_unverified).to_dict()
    if as_json:
        print_json(rows)
        return
    shown = [{**r, "missing": "; ".join(r["missing"])} for r in rows]
    print_table(
        shown,
        ["claim", "expected_usd", "ledger_usd", "unverified_usd", "status", "missing"],
        title="reconciliation",
    )
    n = sum(r["status"] == "matches" for r in rows)
    with_amount = sum(r["status"] != "no amount to compare" for r in rows)
    typer.echo(f"{n} of {with_amount} claims with an amount match")


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="A CSV written by `ledger export`."), as_json: bool = JSON
) -> None:
    """Append the rows of a ledger CSV (all or nothing; identical rows are skipped)."""
    from critmin.capabilities.ledger import ledger_import

    res = ledger_import(file=file).to_dict()
    if as_json:
        print_json(res)
    else:
        typer.echo(f"added {res['added']} rows, {res['unchanged']} already held")


@app.command("export")
def export_cmd(
    out: Path = typer.Option(..., "--out", help="CSV file to write (a new file)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing regular file."),
    as_json: bool = JSON,
) -> None:
    """Write the whole ledger history to a CSV."""
    from critmin.capabilities.ledger import ledger_export

    res = ledger_export(out=out, force=force).to_dict()
    if as_json:
        print_json(res)
    else:
        typer.echo(f"wrote {res['rows']} rows to {out}")
