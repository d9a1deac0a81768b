"""Project pipeline (Q8): will the money deliver? The bundled register and its Monte Carlo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from critmin.api.models import (
    ErrorBody,
    PipelineBacktestRequest,
    PipelineBacktestResult,
    PipelineRequest,
    PipelineResult,
)
from critmin.api.routes import call

router = APIRouter(
    prefix="/api/v1/pipeline",
    tags=["pipeline"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _projects() -> list[dict[str, Any]]:
    from critmin.sim.pipeline import load_projects

    return [p.model_dump(mode="json") for p in load_projects(None)]


@router.get("/projects", response_model=list[dict[str, Any]], summary="The project register")
def projects() -> Any:
    """Plan, capacity, capex, linked ledger rows and source of each publicly backed project
    (`critmin pipeline projects`)."""
    return call(_projects)


@router.post("/run", response_model=PipelineResult, summary="Simulate the project pipeline")
def run(req: PipelineRequest) -> Any:
    """Delivered tonnes vs plan (fan by year), odds of producing by the planned date, expected
    delay, cost per delivered tonne and the expected loss of public money by instrument (mean
    and p90), over the bundled register
    (`critmin pipeline run --json`). Capped at 20 000 draws a request."""
    from critmin.sim.pipeline import run as fn

    return call(
        fn,
        draws=req.draws,
        seed=req.seed,
        projects_file=None,
        stage_model_file=None,
        horizon=req.horizon,
        common_factor=req.common_factor,
    )


@router.post(
    "/backtest", response_model=PipelineBacktestResult, summary="Backtest on a past cohort"
)
def backtest(req: PipelineBacktestRequest) -> Any:
    """Predicted against observed share of a past cohort producing within `years`
    (`critmin pipeline backtest --json`): the bundled 2012 rare-earth cohort, or the rows
    given (at most 60 rows); also the model before calibration and, with `leave_one_out`, each
    project predicted with the study exponent fitted on the others (one refit per project: the
    slow part). Capped at 20 000 draws a request."""
    from critmin.sim.pipeline_cohort import check_rows
    from critmin.sim.pipeline_cohort import report as fn

    def run() -> Any:
        rows = check_rows(req.cohort) if req.cohort is not None else None
        return fn(
            rows,
            years=req.years,
            draws=req.draws,
            seed=req.seed,
            common_factor=req.common_factor,
            by_project=req.leave_one_out,
        )

    return call(run)
