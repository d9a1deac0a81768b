"""The stage model's backtest on a past cohort (issue 23 part 4): loader, formulas, front ends."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_pipeline import _certain_model

from critmin.errors import InputError
from critmin.sim import pipeline as pl
from critmin.sim import pipeline_cohort as pc

SOURCE = "usgs-mcs2024-world"  # any id of the sources table


def _row(**kw: Any) -> dict[str, str]:
    base = {
        "project_id": "alpha", "name": "Alpha", "sponsor": "Alpha Ltd", "host_iso3": "AUS",
        "stage": "mine", "cohort_phase": "feasibility", "planned_start": "2015",
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


def test_source_table_has_the_test_source() -> None:
    assert SOURCE in pc._source_ids()


def test_a_certain_model_predicts_every_planned_project_and_scores_the_misses(
    tmp_path: Path,
) -> None:
    rows = [
        _row(project_id="a", planned_start="2014", first_production="2014"),
        _row(project_id="b", planned_start="2016"),  # planned, never produced
        _row(project_id="c", planned_start="2030"),  # planned after the ten years
        _row(project_id="d", cohort_phase="", first_production="2013"),  # phase unknown
    ]
    cohort = pc.load_cohort(_write(tmp_path / "c.csv", rows))
    res = pc.backtest(cohort, model=_certain_model(), draws=200, seed=1)
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
    res = pc.backtest(cohort, model=_certain_model(), draws=10)
    assert res["plan_missing"] == 1 and res["predicted_share"] == 1.0


def test_the_prediction_is_the_mean_of_the_per_project_odds(tmp_path: Path) -> None:
    rows = [_row(project_id=f"p{i}", cohort_phase=ph) for i, ph in enumerate(pl.PRE_PRODUCTION)]
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
        ({"cohort_phase": "dreaming"}, "cohort_phase"),
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
    want = pc.report(pc.load_cohort(good), draws=300)
    assert out.json() == json.loads(json.dumps(want))
    assert want["backtest"] == pc.backtest(pc.load_cohort(good), draws=300)
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
        want = pc.backtest(cohort, draws=300)["predicted_share"]
        assert r.json()["backtest"]["predicted_share"] == want
        assert r.json()["leave_one_project_out"] is None  # the slow part only when asked
        body = {"cohort": rows, "draws": 300, "leave_one_out": True}
        r = client.post("/api/v1/pipeline/backtest", json=body)
        loo = pc.report(cohort, draws=300)["leave_one_project_out"]
        assert r.json()["leave_one_project_out"] == json.loads(json.dumps(loo))
        bad = [_row(outcome_source_url="")]
        r = client.post("/api/v1/pipeline/backtest", json={"cohort": bad})
        assert r.status_code == 422 and "outcome_source_url" in r.text
        bad = [_row(list_source_id="nope")]
        r = client.post("/api/v1/pipeline/backtest", json={"cohort": bad})
        assert r.status_code == 422 and "list_source_id" in r.text


def _half_model() -> pl.StageModel:
    """Certain and on time, except feasibility, passed with probability 0.5."""
    data = _certain_model().model_dump()
    data["phases"]["feasibility"]["p_success"] = {"value": 0.5, "assumption": "test"}
    return pl.StageModel.model_validate(data)


def _cohort(n: int, produced: int) -> list[pc.CohortRow]:
    rows = [
        _row(
            project_id=f"p{i}",
            planned_start="2014",
            first_production="2014" if i < produced else "",
        )
        for i in range(n)
    ]
    return [pc.CohortRow.model_validate(r) for r in rows]


def test_calibrate_recovers_the_exponent_in_closed_form() -> None:
    # 5 of 20 produced: the MLE of P = 0.5^k is 1/4, so k = 2 exactly
    fit = pc.calibrate([(_cohort(20, 5), "2012-01")], _half_model(), grid=(1.0, 1.5, 2.0, 2.5, 3.0))
    assert fit["k"] == 2.0 and fit["projects"] == 20
    # the log-likelihood at k = 2: 5 ln(1/4) + 15 ln(3/4) and the pseudo-project's
    # 1/2 ln(1/4) + 1/2 ln(3/4), up to sampling of P
    assert fit["loglik"] == pytest.approx(5.5 * np.log(0.25) + 15.5 * np.log(0.75), abs=0.2)
    # an exponent of 1 leaves the model as it was
    m = pc._with_exponent(_half_model(), 1.0, "test")
    p = _project_odds(m)
    assert p == pytest.approx(0.5, abs=0.02)


def _project_odds(model: pl.StageModel) -> float:
    res = pc.backtest(_cohort(1, 0), model, draws=4000)
    return float(res["rows"][0]["p_producing"])


def test_cross_validation_fits_each_cohort_on_the_others_only() -> None:
    cohorts = {"a": (_cohort(20, 5), "2012-01"), "b": (_cohort(20, 10), "2008-01")}
    runs = pc.cross_validate(cohorts, _half_model(), draws=4000, by_project=False)
    out = {r["cohort"]: r for r in runs}
    # a is predicted with k fitted on b (10.5 of 21 with the pseudo-project: k = 1) and b with
    # k fitted on a (5.5 of 21: k = ln(5.5 / 21) / ln(1/2) = 1.93), up to the grid's 11 % steps
    assert out["a"]["k_fitted_on_others"] == pytest.approx(1.0, rel=0.06)
    assert out["b"]["k_fitted_on_others"] == pytest.approx(1.93, rel=0.06)
    assert out["a"]["out_of_sample"]["predicted_share"] == pytest.approx(0.5, abs=0.03)
    assert out["a"]["observed_share"] == 0.25
    assert out["b"]["out_of_sample"]["error_pp"] == pytest.approx(-25, abs=3)


def test_leave_one_project_out_never_sees_the_project_it_predicts() -> None:
    # 1 of 6 produced: the producer is predicted from 0 of 5 (k high, P low) and each
    # non-producer from 1 of 5; so the producer gets the lowest probability of all
    cohort = _cohort(6, 1)
    loo = pc.leave_one_project_out(cohort, "2012-01", _half_model(), draws=1000)
    assert loo["projects"] == 6 and loo["observed_share"] == pytest.approx(1 / 6)
    k_low, k_high = loo["k_range"]
    # fitted on 1 of 5 (+ pseudo): P = 1.5 / 6, k = 2; on 0 of 5: P = 0.5 / 6, k = 3.58
    # (within one step of the grid, 11 %)
    assert k_low == pytest.approx(2.0, rel=0.11) and k_high == pytest.approx(3.58, rel=0.11)
    assert loo["predicted_share"] == pytest.approx((5 * 0.25 + 0.5 / 6) / 6, abs=0.03)


def test_the_bundled_study_exponent_is_the_fit_on_the_bundled_cohort() -> None:
    """The YAML's number is not typed by hand: refitting gives it back exactly."""
    model = pl.load_stage_model()
    assert model.study_exponent is not None
    fit = pc.calibrate([(pc.load_cohort(), pc.COHORT_DATE)], model)
    assert fit["k"] == model.study_exponent.value and not fit["at_grid_edge"]


def test_bundled_backtest_figures() -> None:
    """The 2012 rare-earth cohort (docs/pipeline-cohort.md): 2 of 12 produced by 2022
    (Mountain Pass 2012-08, Mount Weld 2013-02)."""
    out = pc.report(draws=10_000)
    res = out["backtest"]
    assert res["projects"] == 12 and res["observed_share"] == pytest.approx(2 / 12)
    # calibrated: within 10 points in sample and with each project left out of its own fit
    assert abs(res["error_pp"]) <= 10 and res["observed_in_interval"]
    assert out["leave_one_project_out"]["within_10pp"]
    # before calibration the stage model was 50 points too high
    assert out["uncalibrated"]["error_pp"] == pytest.approx(50.2, abs=2)
