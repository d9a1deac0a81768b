"""The stage model's backtest on a past cohort (issue 23 part 4): loader, formulas, front ends."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from critmin.errors import InputError
from critmin.sim import pipeline as pl
from critmin.sim import pipeline_cohort as pc

SOURCE = "usgs-mcs2024-world"  # any id of the sources table


def _row(**kw: Any) -> dict[str, str]:
    base = {
        "project_id": "alpha", "name": "Alpha", "sponsor": "Alpha Ltd", "host_iso3": "AUS",
        "stage": "mine", "phase_2012": "feasibility", "planned_start": "2015",
        "planned_capacity_t": "", "first_production": "", "status": "dormant",
        "list_source_id": SOURCE, "outcome_source_url": "https://example.org/alpha",
        "outcome_source_title": "Alpha update", "outcome_publisher": "Alpha Ltd",
        "outcome_published": "2024", "note": "",
    }  # fmt: skip
    return base | kw


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(pc.COLUMNS))
        w.writeheader()
        w.writerows(rows)
    return path


def _certain() -> pl.StageModel:
    zero = {"kind": "fixed", "value": 0.0, "assumption": "test"}
    sure = {"value": 1.0, "assumption": "test"}
    phase = {"p_success": sure, "delay_years": zero}
    return pl.load_stage_model(
        overrides={
            "phases": {p: phase for p in pl.PRE_PRODUCTION},
            "ramp_up": {"p_success": sure, "duration_years": zero, "plateau": sure},
        }
    )


def test_source_table_has_the_test_source() -> None:
    assert SOURCE in pc._source_ids()


def test_a_certain_model_predicts_every_planned_project_and_scores_the_misses(
    tmp_path: Path,
) -> None:
    rows = [
        _row(project_id="a", planned_start="2014", first_production="2014"),
        _row(project_id="b", planned_start="2016"),  # planned, never produced
        _row(project_id="c", planned_start="2030"),  # planned after the ten years
        _row(project_id="d", phase_2012="", first_production="2013"),  # phase unknown
    ]
    cohort = pc.load_cohort(_write(tmp_path / "c.csv", rows))
    res = pc.backtest(cohort, model=_certain(), draws=200, seed=1)
    assert res["projects"] == 3 and [r["project"] for r in res["not_simulated"]] == ["d"]
    assert res["predicted_share"] == pytest.approx(2 / 3)  # a and b, certainly, on plan
    assert res["observed_share"] == pytest.approx(1 / 3)
    assert res["error_pp"] == pytest.approx(100 / 3)
    assert res["predicted_p5"] == res["predicted_p95"] == pytest.approx(2 / 3)
    # Brier: (1-1)^2 + (1-0)^2 + (0-0)^2 over 3
    assert res["brier"] == pytest.approx(1 / 3)
    assert not res["within_10pp"]


def test_a_row_without_a_plan_is_read_as_planned_for_the_cohort_date(tmp_path: Path) -> None:
    cohort = pc.load_cohort(_write(tmp_path / "c.csv", [_row(planned_start="")]))
    res = pc.backtest(cohort, model=_certain(), draws=10)
    assert res["plan_missing"] == 1 and res["predicted_share"] == 1.0


def test_the_prediction_is_the_mean_of_the_per_project_odds(tmp_path: Path) -> None:
    rows = [_row(project_id=f"p{i}", phase_2012=ph) for i, ph in enumerate(pl.PRE_PRODUCTION)]
    cohort = pc.load_cohort(_write(tmp_path / "c.csv", rows))
    res = pc.backtest(cohort, draws=4000, seed=2)
    assert res["predicted_share"] == pytest.approx(np.mean([r["p_producing"] for r in res["rows"]]))
    assert res["predicted_p5"] <= res["predicted_share"] <= res["predicted_p95"]
    # a project further along is at least as likely to produce (same plan, same host)
    odds = [r["p_producing"] for r in res["rows"]]
    assert odds == sorted(odds)
    assert sum(b["projects"] for b in res["by_phase"]) == 4


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"outcome_source_url": ""}, "outcome_source_url"),
        ({"outcome_source_url": "not a url"}, "outcome_source_url"),
        ({"list_source_id": "no-such-source"}, "list_source_id"),
        ({"first_production": "20x4"}, "first_production"),
        ({"phase_2012": "dreaming"}, "phase_2012"),
        ({"planned_capacity_t": "-5"}, "planned_capacity_t"),
        ({"host_iso3": "au"}, "host_iso3"),
    ],
)
def test_a_bad_cohort_row_names_file_line_and_column(
    tmp_path: Path, change: dict[str, str], column: str
) -> None:
    f = _write(tmp_path / "c.csv", [_row(), _row(project_id="beta", **change)])
    with pytest.raises(InputError) as exc:
        pc.load_cohort(f)
    assert (exc.value.column, exc.value.line) == (column, 3)


def test_cli_backtest_and_its_bad_input(tmp_path: Path, store: Path, cli: Any) -> None:
    good = _write(tmp_path / "c.csv", [_row(), _row(project_id="b", first_production="2014")])
    out = cli("pipeline", "backtest", "--cohort", str(good), "--draws", "300", "--json")
    assert out.code == 0, out.err
    assert out.json() == json.loads(json.dumps(pc.backtest(pc.load_cohort(good), draws=300)))
    bad = _write(tmp_path / "bad.csv", [_row(outcome_source_url="")])
    out = cli("pipeline", "backtest", "--cohort", str(bad))
    assert out.code == 2 and "outcome_source_url" in out.err and len(out.err.splitlines()) == 1
    out = cli("pipeline", "backtest", "--cohort", str(good), "--years", "0")
    assert out.code == 2 and "years" in out.err


def test_api_backtest_matches_python_and_refuses_a_row_without_a_source(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    rows = [_row(), _row(project_id="b", first_production="2014")]
    with TestClient(create_app()) as client:
        r = client.post("/api/v1/pipeline/backtest", json={"cohort": rows, "draws": 300})
        assert r.status_code == 200, r.text
        cohort = [pc.CohortRow.model_validate(x) for x in rows]
        assert r.json()["predicted_share"] == pc.backtest(cohort, draws=300)["predicted_share"]
        bad = [_row(outcome_source_url="")]
        r = client.post("/api/v1/pipeline/backtest", json={"cohort": bad})
        assert r.status_code == 422 and "outcome_source_url" in r.text
        bad = [_row(list_source_id="nope")]
        r = client.post("/api/v1/pipeline/backtest", json={"cohort": bad})
        assert r.status_code == 422 and "list_source_id" in r.text
