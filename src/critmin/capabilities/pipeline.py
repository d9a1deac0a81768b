"""The project pipeline: the Monte Carlo over the project register and its cohort backtest.

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (default: :data:`critmin.defaults.SEED`; the backtest keeps its published seed, 0).
Formulas and sources: docs/pipeline.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import DRAWS, SEED
from critmin.results import Result

COHORT_YEARS = 10
COHORT_SEED = 0  # the pipeline backtest's published seed (docs/pipeline.md)


class PipelineRun(Result):
    """The project pipeline Monte Carlo; table: ``projects`` (one row per project)."""


class PipelineBacktest(Result):
    """Predicted vs observed share of a past cohort producing; table: ``backtest.rows``."""


class ProjectRows(Result):
    """Rows of a project table (the register, or a past cohort); table: the answer."""


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
    cohort: str | Path | Sequence[Any] | None = None,
    years: int = COHORT_YEARS,
    draws: int = DRAWS,
    seed: int = COHORT_SEED,
    common_factor: bool = True,
    leave_one_out: bool = True,
) -> PipelineBacktest:
    """The stage model on a past cohort (the bundled 2012 rare-earth cohort, the CSV
    ``cohort``, or its rows given as a list of mappings with the CSV's columns): predicted
    against observed share of projects producing within ``years``, the error in percentage
    points and the Brier score (mean squared error of each project's probability), the
    model before calibration, and (``leave_one_out``) each project predicted with the study
    exponent fitted on the others (one refit per project: the slow part; null without it).
    Outcomes and their sources: the cohort CSV. The default seed is this backtest's own (0),
    as ``critmin pipeline backtest``.

    >>> import critmin as cm
    >>> res = cm.pipeline_backtest(draws=200)
    >>> res["backtest"]["years"], len(res.rows()) == res["backtest"]["projects"]
    (10, True)
    """
    from critmin.sim.pipeline_cohort import report

    n = arg.count(draws, "draws", 1, 200_000)
    s = arg.seed(seed)
    span = arg.count(years, "years", 1, 50)
    rows = _cohort(cohort)
    ans = report(
        rows,
        years=span,
        draws=n,
        seed=s,
        common_factor=bool(common_factor),
        by_project=bool(leave_one_out),
    )
    req = {
        "cohort": _named(cohort, rows),
        "years": span,
        "draws": n,
        "seed": s,
        "common_factor": common_factor,
        "leave_one_out": leave_one_out,
    }
    return PipelineBacktest.of("pipeline_backtest", req, ans, table=("backtest", "rows"))


def _named(cohort: str | Path | Sequence[Any] | None, rows: Sequence[Any]) -> str | None:
    """The cohort as the request states it: None (bundled), the file, or "N rows"."""
    if cohort is None or isinstance(cohort, str | Path):
        return None if cohort is None else str(cohort)
    return f"{len(rows)} rows"


def _cohort(cohort: str | Path | Sequence[Any] | None) -> Any:
    """The cohort rows: the bundled file's (None), a CSV's, or rows given as data (checked:
    every cell, ids once each, list sources that exist; errors name ``cohort[i].field``)."""
    from critmin.sim.pipeline_cohort import CohortRow, check_rows, load_cohort

    if cohort is None or isinstance(cohort, str | Path):
        if cohort is not None:
            from critmin.files import MAX_TABLE_BYTES, input_file

            input_file(Path(cohort), "cohort", MAX_TABLE_BYTES)
        return load_cohort(cohort)
    from pydantic import ValidationError

    from critmin.errors import InputError

    rows = []
    for i, r in enumerate(cohort):
        if isinstance(r, CohortRow):
            rows.append(r)
            continue
        if not isinstance(r, Mapping):
            raise InputError("expected a mapping of column: value", field=f"cohort[{i}]")
        try:
            rows.append(CohortRow.model_validate(dict(r)))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            field = f"cohort[{i}].{where}"
            raise InputError(err["msg"], field=field, value=err.get("input")) from None
    if not rows:
        raise InputError("give at least one row", field="cohort")
    return check_rows(rows)


def pipeline_projects(*, projects: str | Path | None = None) -> ProjectRows:
    """The project register (``critmin pipeline projects``): each publicly backed project's
    mineral, host, phase, planned capacity (t/yr) and start, capex (USD), linked ledger rows
    and its source (publisher, title, URL, date). The bundled register, or the CSV
    ``projects`` (refused with the file, line and column when a cell is wrong).

    >>> import critmin as cm
    >>> mp = next(r for r in cm.pipeline_projects().rows() if r["project_id"] == "mp-10x-magnets")
    >>> mp["host_iso3"], "iv-0001" in mp["ledger_ids"]
    ('USA', True)
    """
    from critmin.sim.pipeline import load_projects

    if projects is not None:
        from critmin.files import MAX_TABLE_BYTES, input_file

        input_file(Path(projects), "projects", MAX_TABLE_BYTES)
    rows = [p.model_dump(mode="json") for p in load_projects(projects)]
    req = {"projects": None if projects is None else str(projects)}
    return ProjectRows.of("pipeline_projects", req, rows)


def pipeline_cohort(*, cohort: str | Path | None = None) -> ProjectRows:
    """A past cohort's rows (the bundled 2012 rare-earth cohort, or the CSV ``cohort``): each
    project's phase and plan at the cohort date, its outcome since, the list that named it
    (``list_source_id``) and the outcome's source (publisher, title, URL, date).

    >>> import critmin as cm
    >>> mp = next(r for r in cm.pipeline_cohort().rows() if r["project_id"] == "mountain-pass")
    >>> mp["cohort_phase"], mp["first_production"]
    ('construction', '2012-08')
    """
    rows = [r.model_dump(mode="json") for r in _cohort(cohort)]
    req = {"cohort": None if cohort is None else str(cohort)}
    return ProjectRows.of("pipeline_cohort", req, rows)
