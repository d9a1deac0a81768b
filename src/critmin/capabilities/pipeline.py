"""The project pipeline: the Monte Carlo over the project register and its cohort backtest.

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (default: :data:`critmin.defaults.SEED`; the backtest keeps its published seed, 0).
Formulas and sources: docs/pipeline.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import DRAWS, SEED
from critmin.results import Result

if TYPE_CHECKING:
    from pydantic import BaseModel

COHORT_YEARS = 10
COHORT_SEED = 0  # the pipeline backtest's published seed (docs/pipeline.md)


class PipelineRun(Result):
    """The project pipeline Monte Carlo; table: ``projects`` (one row per project)."""


class PipelineBacktest(Result):
    """Predicted vs observed share of a past cohort producing; table: ``backtest.rows``."""


def pipeline_run(
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    horizon: int | None = None,
    common_factor: bool = True,
    projects: str | Path | None = None,
    stage_model: str | Path | None = None,
    path: StorePath = None,
) -> PipelineRun:
    """The project pipeline Monte Carlo over the register (the bundled one, or the CSV
    ``projects``): per project the odds of producing by its planned date, the expected
    delay (years), the cost per delivered tonne (USD/t) and the expected loss of public
    money (USD; mean and p90 by instrument). Stage durations and success odds: the bundled
    stage model (sources in its YAML), overridden by ``stage_model``.

    >>> import critmin as cm
    >>> res = cm.pipeline_run(draws=200)
    >>> res["seed"], len(res.rows()) == res["totals"]["simulated"]
    (20250404, True)
    """
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline import load_stage_model, run

    n = arg.count(draws, "draws", 1, 200_000)
    s = arg.seed(seed)
    y = arg.year(horizon, "horizon")
    if projects is not None:
        input_file(Path(projects), "projects", MAX_TABLE_BYTES)
    ans = run(
        draws=n,
        seed=s,
        projects_file=projects,
        model=load_stage_model(stage_model, field="stage_model"),
        horizon=y,
        common_factor=bool(common_factor),
        path=path,
    )
    req = {
        "draws": n,
        "seed": s,
        "horizon": y,
        "common_factor": common_factor,
        "projects": None if projects is None else str(projects),
        "stage_model": None if stage_model is None else str(stage_model),
    }
    return PipelineRun.of("pipeline_run", req, ans, table=("projects",))


def pipeline_backtest(
    *,
    cohort: str | Path | None = None,
    years: int = COHORT_YEARS,
    draws: int = DRAWS,
    seed: int = COHORT_SEED,
    common_factor: bool = True,
) -> PipelineBacktest:
    """The stage model on a past cohort (the bundled 2012 rare-earth cohort, or the CSV
    ``cohort``): predicted against observed share of projects producing within ``years``,
    the error in percentage points and the Brier score (mean squared error of each
    project's probability), the model before calibration, and each project predicted with
    the study exponent fitted on the others. Outcomes and their sources: the cohort CSV.
    The default seed is this backtest's own (0), as ``critmin pipeline backtest``.

    >>> import critmin as cm
    >>> res = cm.pipeline_backtest(draws=200)
    >>> res["backtest"]["years"], len(res.rows()) == res["backtest"]["projects"]
    (10, True)
    """
    from critmin.files import MAX_TABLE_BYTES, input_file
    from critmin.sim.pipeline_cohort import load_cohort, report

    n = arg.count(draws, "draws", 1, 200_000)
    s = arg.seed(seed)
    span = arg.count(years, "years", 1, 50)
    if cohort is not None:
        input_file(Path(cohort), "cohort", MAX_TABLE_BYTES)
    ans = report(
        load_cohort(cohort), years=span, draws=n, seed=s, common_factor=bool(common_factor)
    )
    req = {
        "cohort": None if cohort is None else str(cohort),
        "years": span,
        "draws": n,
        "seed": s,
        "common_factor": common_factor,
    }
    return PipelineBacktest.of("pipeline_backtest", req, ans, table=("backtest", "rows"))


def cohort_row_model() -> type[BaseModel]:
    """The pydantic model of one cohort row (the cohort CSV's columns), for the HTTP API's
    ``pipeline/backtest`` request."""
    from critmin.sim.pipeline_cohort import CohortRow

    return CohortRow
