"""The CLI for people (issue 25): did-you-mean for every named value, one date flag, tables
that keep names whole at 80 columns, uncut help, prices/reserves/imports, one seed and one
budget default shared by every front end."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

API = "/api/v1"


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """An 80-column terminal (rich reads COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def client(store: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with TestClient(create_app()) as c:
        yield c


def _one_line_error(r: Any, option: str, *suggested: str) -> None:
    assert r.code == 2 and r.out == "", (r.code, r.out)
    assert r.err.count("\n") == 1 and r.err.startswith("error: "), r.err
    assert f"'{option}'" in r.err and "did you mean" in r.err, r.err
    for s in suggested:
        assert s in r.err, (s, r.err)


# -- did you mean ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "option", "suggested"),
    [
        (("concentration", "cobalts"), "MINERAL", ["cobalt"]),
        (("production", "lithum"), "MINERAL", ["lithium"]),
        (("us-supply", "galium"), "MINERAL", ["gallium"]),
        (("prices", "tungstn"), "MINERAL", ["tungsten"]),
        (("reserves", "nickle"), "MINERAL", ["nickel"]),
        (("data", "revisions", "cobalts"), "MINERAL", ["cobalt"]),
        (("concentration", "cobalt", "--stage", "mien"), "--stage", ["mine"]),
        (("concentration", "cobalt", "--stage", "refinery"), "--stage", ["refine"]),
        (("control", "cobalt", "--host", "Zimbabwee"), "--host", ["ZWE"]),
        (("control", "cobalt", "--by", "projectss"), "--by", ["projects"]),
        (("controls", "--country", "Chinaa"), "--country", ["CHN"]),
        (("controls", "--mineral", "galium"), "--mineral", ["gallium"]),
        (("ledger", "list", "--actor", "Japann"), "--actor", ["JPN"]),
        (("ledger", "list", "--mineral", "cobalts"), "--mineral", ["cobalt"]),
        (("stockpile", "plan", "--minerals", "cobalt,lithum"), "--minerals", ["lithium"]),
        (("ledger", "gap", "--by", "minerl"), "--by", ["mineral"]),
    ],
)
def test_misspelt_value_is_exit_2_naming_option_and_closest(
    store: Path, cli: Any, argv: tuple[str, ...], option: str, suggested: list[str]
) -> None:
    _one_line_error(cli(*argv), option, *suggested)


def test_fixed_values_and_countries_ignore_case_and_take_names_or_codes(
    store: Path, cli: Any
) -> None:
    want = cli("concentration", "cobalt", "--stage", "mine", "--json").json()
    assert cli("concentration", "COBALT", "--stage", "Mine", "--json").json() == want
    assert cli("concentration", "Co", "--stage", "MINE", "--json").json() == want
    # DR Congo by ISO2, ISO3, name and alias: one answer, the ISO3 in it
    host = cli("control", "cobalt", "--host", "COD", "--json").json()
    assert host["host_iso3"] == "COD"
    for spelling in ("CD", "cd", "drc", "Democratic Republic of the Congo"):
        assert cli("control", "cobalt", "--host", spelling, "--json").json() == host
    ledger = cli("ledger", "list", "--actor", "USA", "--json").json()
    assert ledger and cli("ledger", "list", "--actor", "us", "--json").json() == ledger
    assert cli("ledger", "gap", "--by", "Mineral", "--json").json()["by"] == "mineral"


# -- one date flag -----------------------------------------------------------------------------


def test_as_of_is_the_date_flag_old_names_are_hidden_aliases(store: Path, cli: Any) -> None:
    day = "2025-06-01"
    want = cli("controls", "--as-of", day, "--json").json()
    assert want and {r["status_on"] for r in want} == {day}
    assert cli("controls", "--on", day, "--json").json() == want
    assert cli("controls", "--active-on", day, "--json").json() == want
    assert cli("controls", "--as-of", day, "--on", day, "--json").json() == want
    r = cli("controls", "--as-of", day, "--on", "2024-01-01")
    assert r.code == 2 and "--as-of" in r.err and "--on" in r.err
    exposure = cli("exposure", "--as-of", day, "--json").json()
    assert cli("exposure", "--on", day, "--json").json() == exposure
    cid = want[0]["control_id"]
    show = cli("controls", "show", cid, "--as-of", day, "--json").json()
    assert (
        show["status_on"] == day
        and cli("controls", "show", cid, "--on", day, "--json").json() == show
    )
    for argv in (("controls",), ("exposure",), ("controls", "show"), ("control",)):
        text = cli(*argv, "--help").out
        assert "--as-of" in text and "--on " not in text and "--active-on" not in text, argv


# -- 80 columns --------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", text))


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("minerals",), "mineral_id"),
        (("controls",), "control_id"),
        (("scenario", "list"), "name"),
        (("concentration", "--all"), "mineral"),
        (("dominance",), "mineral"),
        (("ledger", "list"), "id"),
        (("sources",), "source_id"),
    ],
)
def test_80_columns_keep_every_name_whole(
    store: Path, cli: Any, narrow: None, argv: tuple[str, ...], field: str
) -> None:
    rows = cli(*argv, "--json").json()
    text = cli(*argv).out
    assert rows and max(map(len, text.splitlines())) <= 80
    missing = {str(r[field]) for r in rows} - _words(text)
    assert not missing, sorted(missing)[:5]
    assert "…" not in text  # nothing cut to an ellipsis


def test_80_column_table_names_the_columns_it_leaves_out(
    store: Path, cli: Any, narrow: None
) -> None:
    text = cli("scenario", "list").out
    assert "columns left out at 80 characters" in text and "--json" in text


@pytest.mark.parametrize(
    ("argv", "field", "hint"),
    [
        (("ledger", "summary", "--by", "actors"), "--by", "did you mean actor?"),
        (("pipeline", "run", "--draws", "0"), "--draws", "(got 0)"),
        (("pipeline", "run", "--draws=0"), "--draws", "(got 0)"),
        (("scenario", "run", "chn-2025-ree-aprl"), None, "did you mean chn-2025-ree-april?"),
    ],
)
def test_an_error_names_the_option_as_typed(
    store: Path, cli: Any, argv: tuple[str, ...], field: str | None, hint: str
) -> None:
    r = cli(*argv)
    assert r.code == 2 and hint in r.err and len(r.err.strip().splitlines()) == 1, r.err
    if field is not None:
        assert f"field '{field}'" in r.err


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("amount_usd", "amount (USD)"),
        ("share_pct", "share (%)"),
        ("damage_avoided_usd_per_yr", "damage avoided (USD/yr)"),
        ("net_imports_t", "net imports (t)"),
        ("capacity_tpy", "capacity (t/yr)"),
        ("china_share", "China share"),
        ("iso3", "ISO3"),
        ("recorded_at", "recorded at"),
    ],
)
def test_table_headers_are_words_with_units(name: str, label: str) -> None:
    from critmin.cli.output import column_label

    assert column_label(name) == label


def test_ledger_summary_heads_its_key_by_what_it_groups_and_json_keeps_names(
    store: Path, cli: Any
) -> None:
    text = cli("ledger", "summary", "--by", "instrument").out
    header = next(line for line in text.splitlines() if "amount" in line)
    assert header.split() == ["instrument", "amount", "(USD)", "count"]
    rows = cli("ledger", "summary", "--by", "instrument", "--json").json()["rows"]
    assert set(rows[0]) >= {"key", "amount_usd", "count"}
    # the first row's amount as printed equals the JSON's
    first = next(line for line in text.splitlines() if line.split()[:1] == [rows[0]["key"]])
    assert f"{round(rows[0]['amount_usd']):,}" in first


def test_ledger_list_fits_80_columns_and_wide_shows_every_column(
    store: Path, cli: Any, narrow: None
) -> None:
    rows = cli("ledger", "list", "--json").json()
    narrow_out = cli("ledger", "list").out.splitlines()
    # one line per row, plus title, header, rule and at most a note: never a wrap
    assert len(narrow_out) <= len(rows) + 6
    wide = cli("ledger", "list", "--wide").out
    assert "recipient" in wide and "verification" in wide


def test_data_coverage_at_80_columns_names_every_mineral(
    store: Path, cli: Any, narrow: None
) -> None:
    rows = cli("data", "coverage", "--json").json()
    text = cli("data", "coverage").out
    assert not {str(r["mineral"]) for r in rows} - _words(text)


def test_top_level_help_shows_each_description_whole(cli: Any, narrow: None) -> None:
    from critmin.cli import app

    text = " ".join(cli("--help").out.split())
    for info in app.registered_commands:
        doc = inspect.getdoc(info.callback) or ""
        first = " ".join(doc.split("\n\n")[0].split())
        assert first and first in text, info.name
    assert "..." not in text.split("Commands:")[1]  # click's mark of a cut description
    for group in app.registered_groups:
        assert group.name in text


# -- prices, reserves, imports -----------------------------------------------------------------


def test_reserves_published_figures_and_parity(store: Path, cli: Any, client: Any) -> None:
    from critmin import lookups

    # USGS, Mineral Commodity Summaries 2025, Cobalt: reserves 2024, Congo (Kinshasa)
    # 6,000,000 t and world 11,000,000 t (cobalt content)
    res = lookups.reserves("cobalt", year=2024)
    assert res["edition"] == "usgs-mcs-2025" and res["product"] == "cobalt content"
    assert res["world_reported"] == 11_000_000
    assert res["rows"][0]["iso3"] == "COD" and res["rows"][0]["value"] == 6_000_000
    assert {s["publisher"] for s in res["sources"]} == {"U.S. Geological Survey"}
    assert cli("reserves", "Co", "--year", "2024", "--json").json() == res
    api = client.get(f"{API}/reserves/cobalt", params={"year": 2024})
    assert api.status_code == 200 and api.json() == res
    # pinned edition, and a year outside the series, are errors that name the field
    pinned = lookups.reserves("cobalt", year=2024, edition="usgs-mcs-2025")
    assert pinned["rows"] == res["rows"] and pinned["years"] == [2024]
    r = cli("reserves", "cobalt", "--year", "1990")
    assert r.code == 2 and "'--year'" in r.err and "2024" in r.err


def test_prices_and_imports_parity_with_sources(store: Path, cli: Any, client: Any) -> None:
    from critmin import lookups, queries

    p = lookups.prices("cobalt")
    assert p["rows"] and {r["edition"] for r in p["rows"]} == {p["edition"]}
    assert p["edition"] == p["editions"][0]
    assert {s["source_id"] for s in p["sources"]} == {r["source_id"] for r in p["rows"]}
    assert cli("prices", "cobalt", "--json").json() == p
    assert client.get(f"{API}/prices/cobalt").json() == p
    older = [e for e in p["editions"] if e != p["edition"]]
    if older:
        assert lookups.prices("cobalt", edition=older[0])["edition"] == older[0]

    i = lookups.imports("cobalt")
    # USGS gives whole percents of one period, "Other" as XOT: they add up to 100 +- rounding
    assert i["shares"] and len({s["period"] for s in i["shares"]}) == 1
    assert abs(sum(s["share_pct"] for s in i["shares"]) - 100) <= len(i["shares"]) * 0.5
    assert i["shares"] == queries.us_supply("cobalt")["import_shares"]
    assert cli("imports", "cobalt", "--json").json() == i
    assert client.get(f"{API}/imports/cobalt").json() == i


def test_lookups_unknown_mineral_is_404_or_422_not_500(store: Path, client: Any) -> None:
    for route in ("prices", "reserves", "imports"):
        r = client.get(f"{API}/{route}/cobalts")
        assert r.status_code in (404, 422) and "cobalt" in r.text


# -- one seed, one budget ----------------------------------------------------------------------


def test_one_seed_and_budget_default_everywhere(store: Path, cli: Any, client: Any) -> None:
    from critmin import defaults
    from critmin.api.models import FloorRequest, PipelineRequest
    from critmin.brief.config import BriefConfig
    from critmin.optimize.stockpile import DEFAULT_BUDGET_USD
    from critmin.optimize.stockpile import DEFAULT_SEED as STOCKPILE_SEED
    from critmin.sim.disruption import DEFAULT_SEED as SCENARIO_SEED
    from critmin.sim.floor import simulate_floor
    from critmin.sim.pipeline import run as pipeline_run
    from critmin.sweep.definition import SweepDefinition

    seed, budget = defaults.SEED, defaults.BUDGET_USD
    assert BriefConfig().seed == seed and BriefConfig().stockpile_budget_usd == budget
    assert STOCKPILE_SEED == SCENARIO_SEED == seed and budget == DEFAULT_BUDGET_USD
    assert FloorRequest().seed == PipelineRequest().seed == seed
    assert SweepDefinition.model_fields["seed"].default == seed
    for fn in (simulate_floor, pipeline_run):
        assert inspect.signature(fn).parameters["seed"].default == seed

    # the same question without a seed: the same number from the CLI and the HTTP API
    cli_floor = cli("floor", "--preset", "mp-ndpr", "--paths", "2000", "--json").json()
    api_floor = client.post(f"{API}/floor", json={"preset": "mp-ndpr", "paths": 2000}).json()
    assert cli_floor["seed"] == api_floor["seed"] == seed
    assert cli_floor["expected_cost_usd"] == api_floor["expected_cost_usd"]


def test_rows_read_without_polars_equal_the_polars_read(store: Path) -> None:
    """`critmin minerals` and `sources` read rows straight from DuckDB: the same values, in
    the same order, as the polars frame every engine reads (through the Arrow stream)."""
    from critmin.schema import TABLES
    from critmin.store import read_many_rows, read_table

    rows = read_many_rows(tuple(TABLES), store)
    for name in TABLES:
        assert rows[name] == read_table(name, store).to_dicts(), name


# -- shares print in percent (issue 24: "0.0009677" under a title in %) -----------------------


def _table_cells(text: str) -> list[list[str]]:
    """The rows of a printed table (columns split on two or more spaces) below its rule."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("─")) + 1
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start:] if line.strip()]


def test_dominance_prints_shares_in_percent_equal_to_its_json(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from critmin.cli.output import percent

    monkeypatch.setenv("COLUMNS", "200")
    rows = {r["mineral"]: r for r in cli("dominance", "--json").json()}
    text = cli("dominance").out
    assert not re.search(r"\s0\.\d{3,}\s", text)  # no bare fraction anywhere
    printed = {cells[0]: cells for cells in _table_cells(text)}
    both = [m for m, r in rows.items() if r["mine_leader_share"] and r["refine_leader_share"]]
    assert both
    for m in both:
        r = rows[m]
        assert percent(r["mine_leader_share"]) in printed[m]
        assert percent(r["refine_leader_share"]) in printed[m]


def test_small_shares_and_percent_columns_read_as_percent() -> None:
    from critmin.cli.output import _fmt, percent

    assert percent(0.7483) == "74.8 %"
    assert percent(0.0009677) == "0.1 %"
    assert percent(0.0004) == "<0.1 %"
    assert percent(0.0) == "0.0 %"
    assert _fmt(0.25, "top3_share") == "25.0 %"
    assert _fmt(0.25, "score_low") == "0.25"  # a score is not a share
    assert _fmt(1.7, "share") == "1.7"  # not a fraction: printed as it is
    assert _fmt(95.0, "net_import_reliance_pct") == "95.0 %"
