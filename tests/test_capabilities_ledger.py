"""The ledger and pipeline capabilities the front ends call (issue 25): the writes (add,
import, export), the brief's overview of the ledger, the project register and the cohort,
and the CLI helper that names the option a user typed. Each is checked against the engine
call it replaced, the CLI's --json and the HTTP API, with a bad input naming its field."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.errors import InputError

TOKEN = "test-token-0123456789"
# one grant in US dollars (fx rate 1): the ledger row iv-mp-8k's source is reused because the
# row must cite a source the store holds
ROW: dict[str, Any] = {
    "date": "2025-08-01",
    "actor_iso3": "USA",
    "agency": "usa-dow",
    "instrument": "grant",
    "amount": 1_000_000,
    "currency": "USD",
    "recipient": "Test Co",
    "mineral_ids": ["lithium"],
    "status": "committed",
    "verification": "primary",
    "source_id": "iv-mp-8k",
}


def _held(store: Path) -> int:
    return len(cm.ledger_list(history=True, path=store).to_dict())


def test_ledger_add_appends_one_row_in_usd(store: Path) -> None:
    before = _held(store)
    res = cm.ledger_add(record=ROW)
    row = res.to_dict()
    assert res.question == "ledger_add" and row["id"].startswith("iv-")
    assert row["amount_usd"] == 1_000_000.0  # USD x 1.0
    assert row["recorded_at"] is not None and _held(store) == before + 1
    assert cm.ledger_history(row_id=row["id"]).to_dict() == [row]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mineral_ids": ["lithum"]}, "mineral_ids"),
        ({"supersedes": "iv-nope"}, "supersedes"),
        ({"amount": -5}, "amount"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_row_names_its_field_and_writes_nothing(
    store: Path, change: dict[str, Any], field: str
) -> None:
    before = _held(store)
    with pytest.raises(InputError) as err:
        cm.ledger_add(record={**ROW, **change})
    assert err.value.field == field
    assert _held(store) == before


def test_ledger_add_refuses_what_is_not_a_mapping(store: Path) -> None:
    with pytest.raises(InputError) as err:
        cm.ledger_add(record=["date", "2025-08-01"])  # type: ignore[arg-type]
    assert err.value.field == "record"


def test_export_then_import_is_a_round_trip(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    res = cm.ledger_export(out=out).to_dict()
    n = _held(store)
    assert res == {"out": str(out), "rows": n}
    with out.open(encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == n
    assert cm.ledger_import(file=out).to_dict() == {"added": 0, "unchanged": n}
    with pytest.raises(InputError) as err:
        cm.ledger_export(out=out)
    assert err.value.field == "--out"  # the engine's own name for the target
    assert cm.ledger_export(out=out, force=True)["rows"] == n


def test_an_import_that_rewrites_a_row_writes_nothing(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    cm.ledger_export(out=out)
    lines = out.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("MP Materials", "MQ Materials", 1)
    new = (tmp_path / "new.csv").open("w", encoding="utf-8")
    new.write("\n".join(lines) + "\n")
    new.close()
    before = _held(store)
    with pytest.raises(InputError) as err:
        cm.ledger_import(file=tmp_path / "new.csv")
    assert err.value.field == "id" and "append-only" in str(err.value)
    assert _held(store) == before


def test_the_cli_writes_through_the_same_functions(store: Path, cli: Any, tmp_path: Path) -> None:
    f = tmp_path / "row.yaml"
    f.write_text("".join(f"{k}: {v}\n" for k, v in ROW.items()), encoding="utf-8")
    r = cli("ledger", "add", "--file", str(f), "--json")
    assert r.code == 0, r.err
    added = r.json()
    assert cm.ledger_history(row_id=added["id"]).to_dict() == [added]
    out = tmp_path / "all.csv"
    r = cli("ledger", "export", "--out", str(out), "--json")
    assert r.json() == {"out": str(out), "rows": _held(store)}
    r = cli("ledger", "import", str(out), "--json")
    assert r.json() == {"added": 0, "unchanged": _held(store)}


def test_the_api_post_is_ledger_add(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app()) as client:
        r = client.post("/api/v1/ledger", json=ROW, headers=headers)
        assert r.status_code == 201, r.text
        assert cm.ledger_history(row_id=r.json()["id"]).to_dict() == [r.json()]
        before = _held(store)
        bad = client.post(
            "/api/v1/ledger", json={**ROW, "mineral_ids": ["lithum"]}, headers=headers
        )
        assert bad.status_code == 422 and bad.json()["field"] == "mineral_ids"
        assert _held(store) == before


def test_ledger_overview_is_the_summaries_and_the_counted_rows(store: Path) -> None:
    view = cm.ledger_overview()
    for key in ("instrument", "actor", "agency", "mineral"):
        assert view[f"by_{key}"] == cm.ledger_summary(by=key).to_dict()
    assert view["reconcile"] == cm.ledger_reconcile().to_dict()
    current = cm.ledger_list().to_dict()
    every = cm.ledger_list(history=True).to_dict()
    assert view["current"] == len(current) and view["rows"] == len(every)
    assert view["sources"] == sorted({r["source_id"] for r in current})
    counted = view.rows()
    assert {r["id"] for r in counted} <= {r["id"] for r in current}
    for r in counted:
        assert r["verification"] in ("primary", "press")
        assert r["instrument"] not in ("letter_of_interest", "aggregate")
        assert r["status"] not in ("cancelled", "superseded", "letter_of_interest")
    amounts = [r["amount_usd"] or 0.0 for r in counted]
    assert amounts == sorted(amounts, reverse=True)
    assert sorted(view["cheques"]) == sorted(a for a in amounts if a)
    assert view["cheque_count"] == len(view["cheques"])
    # US DoD's MP Materials package (DoD/MP press release, 2025-07-10): $400M of preferred
    # equity, counted; the reconciliation matches the $550M headline
    mp = next(r for r in view["reconcile"] if r["claim"] == "mp_materials_dod_package")
    assert mp["expected_usd"] == 550_000_000 and mp["status"] == "matches"


def test_agency_id_takes_names_and_offers_the_closest() -> None:
    from critmin.capabilities.ledger import agency_id

    assert agency_id("DoD") == "usa-dow"
    with pytest.raises(InputError) as err:
        agency_id("dodd")
    assert err.value.field == "agency" and "usa-dow" in str(err.value)


def test_pipeline_projects_is_the_cli_and_the_api(store: Path, cli: Any) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    rows = cm.pipeline_projects().to_dict()
    assert rows == cli("pipeline", "projects", "--json").json()
    with TestClient(create_app()) as client:
        assert client.get("/api/v1/pipeline/projects").json() == rows
    mp = next(r for r in rows if r["project_id"] == "mp-10x-magnets")
    gap = next(r for r in cm.ledger_gap().rows() if r["project"] == "mp-10x-magnets")
    assert gap["need_usd"] == mp["capex_usd"]  # need = the register's announced capex


def test_pipeline_projects_names_a_bad_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        cm.pipeline_projects(projects=tmp_path)
    assert err.value.field == "projects" and "folder" in str(err.value)


def test_backtest_on_rows_equals_backtest_on_the_file() -> None:
    rows = cm.pipeline_cohort().rows()
    assert len({r["project_id"] for r in rows}) == len(rows) > 0
    on_file = cm.pipeline_backtest(draws=200, leave_one_out=False)
    on_rows = cm.pipeline_backtest(cohort=rows, draws=200, leave_one_out=False)
    assert on_rows.to_dict() == on_file.to_dict()
    assert on_rows.request["cohort"] == f"{len(rows)} rows"
    assert on_file["leave_one_project_out"] is None
    with_loo = cm.pipeline_backtest(draws=200)
    assert with_loo["backtest"] == on_file["backtest"]
    assert with_loo["leave_one_project_out"]["predicted_share"] is not None


def test_the_api_backtest_on_rows_is_the_capability(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    rows = cm.pipeline_cohort().rows()[:5]
    body = {"draws": 100, "cohort": rows}
    with TestClient(create_app()) as client:
        r = client.post("/api/v1/pipeline/backtest", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == cm.pipeline_backtest(cohort=rows, draws=100, leave_one_out=False).to_dict()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda rows: [rows[0], rows[0]], "cohort[1].project_id"),
        (lambda rows: [{**rows[0], "host_iso3": "usa"}], "cohort[0].host_iso3"),
        (lambda rows: [{**rows[0], "colour": "x"}], "cohort[0].colour"),
        (lambda rows: [], "cohort"),
    ],
)
def test_bad_cohort_rows_name_the_row_and_field(mutate: Any, field: str) -> None:
    rows = cm.pipeline_cohort().rows()
    with pytest.raises(InputError) as err:
        cm.pipeline_backtest(cohort=mutate(rows), draws=10)
    assert err.value.field == field


def test_an_error_names_the_option_typed() -> None:
    from critmin.cli.commands import _as_typed

    exc = InputError("malformed", field="projects", value="x", file="f.csv", line=3)
    err = _as_typed(exc, ["pipeline", "projects", "--projects", "f.csv"])
    assert isinstance(err, InputError)
    assert (err.field, err.file, err.line) == ("--projects", "f.csv", 3)
    assert str(err) == "f.csv, line 3, field '--projects': malformed (got 'x')"
    exc = InputError("must be an integer >= 1", field="draws", value=0)
    # a field whose option was not typed keeps its name
    assert _as_typed(exc, ["pipeline", "run", "--projects", "f.csv"]) is exc


def test_the_cli_names_its_options(cli: Any, store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    for argv, option in [
        (["pipeline", "backtest", "--cohort", str(tmp_path)], "--cohort"),
        (["pipeline", "projects", "--projects", str(tmp_path)], "--projects"),
        (["pipeline", "run", "--draws", "10", "--stage-model", str(tmp_path)], "--stage-model"),
    ]:
        r = cli(*argv)
        assert r.code == 2 and f"field '{option}'" in r.err, r.err
    r = cli("ledger", "gap", "--projects", str(bad))
    assert r.code == 2 and "line 1, column 'project_id': missing column" in r.err
