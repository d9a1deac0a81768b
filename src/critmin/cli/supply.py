"""Supply commands: production, concentration, dominance, control, controls, exposure."""

from __future__ import annotations

from typing import Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.cli.params import (
    CONTROL_STATUS_CALLBACK,
    MEASURE_CALLBACK,
    as_of_option,
    as_of_value,
    choice_callback,
    country_option,
    hidden_alias,
    mineral_argument,
    mineral_option,
    stage_option,
)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
STAGE = stage_option()
YEAR = typer.Option(None, "--year", help="Data year (default: latest with data).")
EDITION = typer.Option(
    None,
    "--edition",
    help="Answer from this edition (e.g. usgs-mcs-2025); default: the latest reporting the year.",
)


def _group_note(result: dict[str, object]) -> None:
    if result.get("reported_as"):
        typer.echo(
            f"note: {result['mineral']} has no figures of its own; "
            f"these are the figures of the group {result['reported_as']!r}"
        )


def production_cmd(
    mineral: str = mineral_argument(),
    stage: str = STAGE,
    year: int | None = YEAR,
    edition: str | None = EDITION,
    as_json: bool = JSON,
) -> None:
    """Production by country (tonnes), with the reported world total and the sum of countries."""
    from critmin.capabilities.supply import production

    res = production(mineral=mineral, stage=stage, year=year, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    _group_note(res)
    print_table(
        res["rows"],
        ["iso3", "value", "estimated", "flag", "source_id"],
        title=f"{res['mineral']} {res['stage']} production {res['year']}, t ({res['product']}), "
        f"edition {res['edition']}",
    )
    typer.echo(f"world reported: {res['world_reported']}, sum of countries: {res['world_sum']}")
    spans = sorted(set(res["year_editions"].values()))
    if len(spans) > 1:
        typer.echo(
            "series editions: " + ", ".join(f"{y} {e}" for y, e in res["year_editions"].items())
        )
    others = [e for e in res["editions"] if e != res["edition"]]
    if others:
        typer.echo(f"also reported by: {', '.join(others)} (`critmin data revisions`)")


def us_supply_cmd(
    mineral: str = mineral_argument(),
    edition: str | None = EDITION,
    as_json: bool = JSON,
) -> None:
    """US production, trade, apparent consumption, net import reliance and price by year,
    each year from the latest edition reporting it (or the pinned one)."""
    from critmin.capabilities.supply import us_supply

    res = us_supply(mineral=mineral, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    _group_note(res)
    print_table(
        res["rows"],
        [
            "year",
            "production",
            "imports",
            "exports",
            "apparent_consumption",
            "net_import_reliance_pct",
            "nir_flag",
            "price",
            "price_unit",
            "edition",
        ],
        title=f"{res['mineral']}: US salient statistics, t (edition of each year in its row)",
    )
    if res["import_shares"]:
        first = res["import_shares"][0]
        print_table(
            res["import_shares"],
            ["product", "iso3", "share_pct"],
            title=f"shares of US imports by source, {first['period']}, % ({first['edition']})",
        )
    else:
        typer.echo("import shares by source: no data (USGS gives none for this mineral)")


def concentration_cmd(
    mineral: str | None = mineral_argument(None),
    all_: bool = typer.Option(False, "--all", help="Every mineral with data."),
    stage: str = STAGE,
    year: int | None = YEAR,
    edition: str | None = EDITION,
    as_json: bool = JSON,
) -> None:
    """Shares, HHI (0-10 000), top-3 share and China share of one mineral or all."""
    from critmin.capabilities.supply import concentration, concentration_all
    from critmin.errors import InputError

    if all_ == (mineral is not None):
        raise InputError(
            "give a MINERAL or --all, not both or neither", field="mineral", value=mineral
        )
    if all_:
        rows = concentration_all(stage=stage, year=year, edition=edition).to_dict()
        if as_json:
            print_json(rows)
            return
        print_table(
            rows,
            [
                "mineral",
                "year",
                "hhi",
                "hhi_band",
                "top3_share",
                "china_share",
                "leader",
                "denominator",
                "reason",
            ],
            title=f"{stage} concentration, by HHI (no HHI: see reason)",
        )
        return
    assert mineral is not None
    res = concentration(mineral=mineral, stage=stage, year=year, edition=edition).to_dict()
    if as_json:
        print_json(res)
        return
    _missing_note(res)
    if res["hhi"] is None:
        typer.echo(f"{res['mineral']} {stage} {res['year']}: {res['reason']}")
        return
    from critmin.names import country

    rows = [  # shares in %, as the title says (JSON keeps the fraction)
        {
            "country": country(s["iso3"]),
            "iso3": s["iso3"],
            "tonnes": s["value"],
            "share": "n/a" if s["share"] is None else f"{100 * s['share']:.2f} %",
        }
        for s in res["shares"]
    ]
    print_table(
        rows,
        ["country", "iso3", "tonnes", "share"],
        title=f"{res['mineral']} {stage} {res['year']} ({res['edition']}): "
        f"HHI {res['hhi']:.0f} ({res['hhi_band']}), "
        f"top-3 {res['top3_share']:.1%}, shares of {res['world_total']:,.0f} t "
        f"({res['denominator']})",
    )


def _missing_note(res: dict[str, object]) -> None:
    """Rows without a figure, in words: withheld (W) or no data; neither counts as zero."""
    for key, words in (("withheld", "withheld by the source (W)"), ("no_data", "no data")):
        if res.get(key):
            typer.echo(f"{words}, not zero: {', '.join(map(str, res[key]))}")  # type: ignore[call-overload]


def dominance_cmd(year: int | None = YEAR, as_json: bool = JSON) -> None:
    """Per mineral: leading country at each stage, China's shares and dual dominance."""
    from critmin.capabilities.supply import dominance

    rows = dominance(year=year).to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        [
            "mineral",
            "mine_leader",
            "mine_leader_share",
            "refine_leader",
            "refine_leader_share",
            "china_dual_dominance",
        ],
        title="who leads each stage",
    )


def control_cmd(
    mineral: str = mineral_argument(),
    host: str | None = country_option("--host", help="Host country (default: world)"),
    year: int | None = YEAR,
    as_of: str | None = as_of_option("Ownership date: stakes in force that day"),
    by: str = typer.Option(
        "output",
        "--by",
        callback=choice_callback(("output", "projects")),
        help="output: share of production by owner nationality; projects: share of the host's "
        "registered mining projects with a stake of --nationality (needs --host).",
    ),
    nationality: str = country_option(
        "--nationality", "CHN", help="Owner nationality for --by projects"
    ),
    as_json: bool = JSON,
) -> None:
    """Ownership control of mine output by owner nationality, or by project count."""
    from critmin.capabilities.supply import control
    from critmin.errors import InputError

    if by == "projects" and host is None:  # the capability's check, in the option's name
        raise InputError("--by projects needs --host", field="host", value=host)
    ask: dict[str, Any] = {"mineral": mineral, "host": host, "year": year, "on": as_of_value(as_of)}
    if by == "projects":
        proj = control(**ask, by="projects", nationality=nationality).to_dict()
        if as_json:
            print_json(proj)
            return
        print_table(
            proj["by_project"],
            ["asset_id", "owner_iso3", "held"],
            title=f"{proj['host_iso3']} {proj['mineral'] or 'all'} mining projects on "
            f"{proj['as_of']}: {proj['projects_with_stake']} of {proj['projects']} with a "
            f"{proj['nationality']} stake",
        )
        typer.echo(
            f"share of projects: {_pct(proj['share'])} (of projects with known owners: "
            f"{_pct(proj['share_of_projects_with_owners'])}); register: {proj['projects']} "
            f"projects, {proj['projects_with_owners']} with owners on the date"
            + (
                f"; registered {proj['year']} output {_pct(proj['output_coverage'])} of host "
                "production"
                if proj["output_coverage"] is not None
                else ""
            )
        )
        return
    res = control(**ask).to_dict()
    if as_json:
        print_json(res)
        return
    print_table(
        [*res["by_owner_iso3"], {"iso3": "unattributed", "share": res["unattributed_share"]}],
        ["iso3", "share"],
        title=f"{res['mineral']} {res['year']} control of {res['host_iso3'] or 'world'} output, "
        f"stakes on {res['as_of']}",
    )
    if res["open_start"]:
        typer.echo("stakes with an unknown start date: " + "; ".join(res["open_start"]))
    if res["no_owner_on_date"]:
        typer.echo("unattributed on the date: " + "; ".join(res["no_owner_on_date"]))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


controls_app = typer.Typer(
    help="The export-control register: each control's status on a date, from its dated "
    "event chain. `critmin controls show CONTROL_ID` prints one chain with its sources.",
    invoke_without_command=True,
)


@controls_app.callback()
def controls_cmd(
    ctx: typer.Context,
    country: str | None = country_option("--country", help="Imposing country"),
    as_of: str | None = as_of_option(
        "Status on this day; lists the controls that exist that day "
        "(announced, active, suspended or unconfirmed)"
    ),
    on: str | None = hidden_alias("--on"),
    active_on: str | None = hidden_alias("--active-on"),
    mineral: str | None = mineral_option(),
    measure: str | None = typer.Option(
        None,
        "--measure",
        help="licence_requirement, ban, quota, export_tax, ore_export_ban...",
        callback=MEASURE_CALLBACK,
    ),
    status: str | None = typer.Option(
        None,
        "--status",
        help="not_yet, announced, active, suspended, unconfirmed or lifted (on --as-of or today).",
        callback=CONTROL_STATUS_CALLBACK,
    ),
    as_json: bool = JSON,
) -> None:
    """The export-control register, with each control's status in words."""
    if ctx.invoked_subcommand is not None:
        return
    from critmin.capabilities.supply import controls

    day = as_of_value(as_of, on=on, active_on=active_on)
    rows = controls(
        country=country, on=day, mineral=mineral, measure=measure, status=status
    ).to_dict()
    if as_json:
        print_json(rows)
        return
    day = rows[0]["status_on"] if rows else (day or "today")
    print_table(
        rows,
        ["control_id", "imposing_iso3", "mineral_ids", "measure", "target", "status_text"],
        title=f"{len(rows)} export controls, status on {day}",
        drop_first=("target", "measure", "mineral_ids"),
    )


@controls_app.command("show")
def controls_show_cmd(
    control_id: str = typer.Argument(..., help="Control id, e.g. chn-2024-046-us-dual-use-ban."),
    as_of: str | None = as_of_option("Status on this day (default today)"),
    on: str | None = hidden_alias("--on"),
    as_json: bool = JSON,
) -> None:
    """One export control: its dated event chain, each event with its source."""
    from critmin.capabilities.supply import control_events

    res = control_events(control_id=control_id, on=as_of_value(as_of, on=on)).to_dict()
    if as_json:
        print_json(res)
        return
    typer.echo(
        f"{res['control_id']} ({res['imposing_iso3']}, {res['measure']}; targets "
        f"{', '.join(res['targets_on'])}; minerals {', '.join(res['minerals_on'])})"
    )
    typer.echo(f"status on {res['status_on']}: {res['status_text']}")
    src = res["source"]
    typer.echo(f"founding source: {src['publisher']}, {src['title']} ({src['url']})")
    rows = [
        {
            "date": e["date"],
            "event": e["event"],
            "until": e["until"],
            "detail": _event_detail(e),
            "source": f"{e['source']['publisher']}: {e['source']['title']}",
        }
        for e in res["events"]
    ]
    print_table(
        rows,
        ["date", "event", "until", "detail", "source"],
        title=f"{len(rows)} events",
    )


def _event_detail(e: dict[str, object]) -> str:
    """What an event changed, in words (amendments, quota or rate, note)."""
    parts = []
    for key, words in (
        ("minerals_added", "minerals added"),
        ("minerals_removed", "minerals removed"),
        ("targets_added", "targets added"),
        ("targets_removed", "targets removed"),
    ):
        if e.get(key):
            parts.append(f"{words}: {', '.join(map(str, e[key]))}")  # type: ignore[call-overload]
    if e.get("quantity") is not None:
        parts.append(f"{e['quantity']:g} {e['quantity_unit']}")
    if e.get("note"):
        parts.append(str(e["note"]))
    return "; ".join(parts)


def exposure_cmd(
    as_of: str | None = as_of_option("Date for controls in force (default today)"),
    on: str | None = hidden_alias("--on"),
    sector: str | None = typer.Option(None, "--sector", help="Weight by end uses in this sector."),
    as_json: bool = JSON,
) -> None:
    """US exposure per mineral: net import reliance x controlled share x end-use weight."""
    from critmin.capabilities.supply import exposure

    rows = exposure(on=as_of_value(as_of, on=on), sector=sector).to_dict()
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        [
            "mineral",
            "net_import_reliance",
            "controlled_share",
            "controlled_share_high",
            "score_low",
            "score_high",
            "unconfirmed_controls",
        ],
        title="US exposure to export controls (score = NIR x controlled share x weight; "
        "low: active controls only, high: also those unconfirmed)",
    )


def register(app: typer.Typer) -> None:
    app.command("production")(production_cmd)
    app.command("us-supply")(us_supply_cmd)
    app.command("concentration")(concentration_cmd)
    app.command("dominance")(dominance_cmd)
    app.command("control")(control_cmd)
    app.add_typer(controls_app, name="controls")
    app.command("exposure")(exposure_cmd)
