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
    from critmin.capabilities.pipeline import pipeline_projects

    rows: list[dict[str, Any]] = pipeline_projects().to_dict()
    return rows


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
    from critmin.capabilities.pipeline import pipeline_run

    def run() -> Any:
        return pipeline_run(
            draws=req.draws, seed=req.seed, horizon=req.horizon, common_factor=req.common_factor
        ).to_dict()

    return call(run)


@router.post(
    "/backtest", response_model=PipelineBacktestResult, summary="Backtest on a past cohort"
)
def backtest(req: PipelineBacktestRequest) -> Any:
    """Predicted against observed share of a past cohort producing within `years`
    (`critmin pipeline backtest --json`): the bundled 2012 rare-earth cohort, or the rows
    given (at most 60 rows); also the model before calibration and, with `leave_one_out`, each
    project predicted with the study exponent fitted on the others (one refit per project: the
    slow part). Capped at 20 000 draws a request."""
    from critmin.capabilities.pipeline import pipeline_backtest

    def run() -> Any:
        return pipeline_backtest(
            cohort=req.cohort,
            years=req.years,
            draws=req.draws,
            seed=req.seed,
            common_factor=req.common_factor,
            leave_one_out=req.leave_one_out,
        ).to_dict()

    return call(run)
