"""Simulations: export-disruption scenarios and their backtest, the stockpile plan and
frontier, the project pipeline and its backtest, and sweeps (grids of runs).

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (defaults: :data:`critmin.defaults.SEED`, except where an engine documents its own).
The formulas and sources are the engines' (docs/method.md, docs/stockpile.md,
docs/pipeline.md, docs/sweeps.md); each function's docstring gives the headline one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import BUDGET_USD, DRAWS, SEED
from critmin.optimize.inputs import CAP_DAYS, FINANCING_RATE, LOSS_RATE, PROBABILITY, STORAGE_RATE
from critmin.results import Result
from critmin.sim.backtest import DEFAULT_DRAWS as BACKTEST_DRAWS
from critmin.sim.backtest import DEFAULT_SEED as BACKTEST_SEED
from critmin.sim.disruption import DEFAULT_DRAWS as SCENARIO_DRAWS

if TYPE_CHECKING:
    import polars as pl

FRONTIER_MAX_USD = 20e9  # the engine's (critmin.optimize.stockpile), written there
FRONTIER_STEP_USD = 1e9
COHORT_YEARS = 10
COHORT_SEED = 0  # the pipeline backtest's published seed (docs/pipeline.md)


class Scenario(Result):
    """A disruption scenario's outcome per mineral; table: ``minerals``."""


class ScenarioBacktest(Result):
    """The market model against observed price multipliers; table:
    ``leave_one_episode_out.cases`` (case, observed, predicted, p5, p95...)."""


class StockpilePlan(Result):
    """The optimal stockpile; table: ``allocations`` (mineral, tonnes, usd, days...)."""


class StockpileFrontier(Result):
    """Damage avoided against budget; table: ``points`` (budget_usd, spent_usd...)."""


class StockpileDays(Result):
    """Days-of-imports rules beside the optimal plan; table: ``rows`` (one per mineral)."""


class PipelineRun(Result):
    """The project pipeline Monte Carlo; table: ``projects`` (one row per project)."""


class PipelineBacktest(Result):
    """Predicted vs observed share of a past cohort producing; table: ``backtest.rows``."""


class SweepRun(Result):
    """A finished sweep; table: its cells, read from the store table ``sweep_cells`` (one
    row per cell: the axis values and the cell's outputs)."""

    def rows(self) -> list[dict[str, Any]]:
        """The sweep's cells from the store, in cell order."""
        return self.to_polars().to_dicts()

    def to_polars(self) -> pl.DataFrame:
        """The sweep's cells (store table ``sweep_cells`` of this sweep id) as a DataFrame."""
        from critmin.sweep.storage import sweep_results

        frame: pl.DataFrame = sweep_results(self.answer["sweep_id"], self.request.get("path"))
        return frame


def _seed(seed: Any) -> int:
    from critmin.sim.rng import check_seed

    if isinstance(seed, bool) or not isinstance(seed, int):
        from critmin.errors import InputError

        raise InputError("must be an integer >= 0", field="seed", value=seed)
    return int(check_seed(seed))


def scenario_run(
    *,
    name: str | Path,
    draws: int = SCENARIO_DRAWS,
    seed: int = SEED,
    path: StorePath = None,
) -> Scenario:
    """An export-disruption scenario (a bundled name or a YAML file): per mineral, the
    shortfall in tonnes and as a share of demand, the price multiplier P/P0 and days of
    stockpile cover, as quantiles over ``draws`` Monte Carlo draws.

    Per month t: lost_t = a x w x (1 - leakage) x o_t, with a = NIR x the restricting
    country's share of world output (the exposure), w the share of exports withheld, o_t
    the part of month t inside the disruption; the rest of supply replaces some of it after
    a lag; shortfall X = sum_t (lost_t - replacement_t) x C / 12 tonnes (C: US apparent
    consumption, t/yr), less commercial stocks; P/P0 = min(cap, (1 - y)^(-1/epsilon)) with
    y the shortfall share left after the stockpile release (critmin.sim.disruption). The
    market model adds the structural forecast (critmin.sim.forecast). The scenario file
    names its sources (chn-2025-ree-april: MOFCOM/GAC Announcement No. 18 of 2025).

    >>> import critmin as cm
    >>> res = cm.scenario_run(name="chn-2025-ree-april", draws=200)
    >>> res["seed"] == cm.defaults.SEED, res["draws"]
    (True, 200)
    """
    from critmin.sim.disruption import run_scenario

    n = arg.count(draws, "draws", 1, 10_000_000)
    s = _seed(seed)
    ans = run_scenario(name, n, s, path=path)
    req = {"name": str(name), "draws": n, "seed": s}
    return Scenario.of("scenario_run", req, ans, table=("minerals",))


def scenario_backtest(
    *, draws: int = BACKTEST_DRAWS, seed: int = BACKTEST_SEED
) -> ScenarioBacktest:
    """The structural market model against observed price multipliers of past export
    restrictions, in-sample and leave-one-episode-out, with the no-change forecast on the
    same cases. MALE = mean |ln(predicted / observed)|; coverage = share of observations
    inside the 90% interval. Cases and their price sources: critmin/sim/data (episodes).
    The default seed is the backtest's own (20260421), as ``critmin scenario backtest``.

    >>> import critmin as cm
    >>> res = cm.scenario_backtest(draws=100)
    >>> res["draws"], len(res.rows()) == res["leave_one_episode_out"]["scores"]["cases"]
    (100, True)
    """
    from critmin.sim.backtest import run_backtest

    n = arg.count(draws, "draws", 100, 100_000)
    s = _seed(seed)
    ans = run_backtest(n, s)
    return ScenarioBacktest.of(
        "scenario_backtest",
        {"draws": n, "seed": s},
        ans,
        table=("leave_one_episode_out", "cases"),
    )


def _stockpile_inputs(
    lead: dict[str, Any],
    minerals: Iterable[str] | str | None,
    draws: int,
    seed: int,
    economics: dict[str, float],
    path: StorePath,
) -> tuple[list[str] | None, int, int, Any, dict[str, Any]]:
    """The resolved minerals, draw count, seed and Economics of a stockpile question, and the
    request as the Result records it (``lead``: the function's own arguments first)."""
    from critmin.optimize.inputs import Economics

    mins = arg.minerals(minerals, path)
    n = arg.count(draws, "draws", 1)
    s = _seed(seed)
    e = economics
    econ = Economics(
        e["probability"], e["financing_rate"], e["storage_rate"], e["loss_rate"], e["cap_days"]
    )
    return mins, n, s, econ, {**lead, "minerals": mins, "draws": n, "seed": s, **economics}


def stockpile_plan(
    *,
    budget: float = BUDGET_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    lp_check: bool = True,
    path: StorePath = None,
) -> StockpilePlan:
    """Tonnes per mineral that maximise expected damage avoided minus holding cost within
    ``budget`` (USD), by exact water-filling (checked against HiGHS with ``lp_check``).

    net value = p x E[damage avoided] - (financing + storage + loss) x value held, a year
    (USD); p = ``probability`` of a disruption a year; rates a year (financing: the EXIM
    CIRR, 15 years). Default budget: Project Vault, US$12 billion (critmin.defaults).

    >>> import critmin as cm
    >>> res = cm.stockpile_plan(draws=500, lp_check=False)
    >>> res["budget_usd"], res["spent_usd"] <= res["budget_usd"]
    (12000000000.0, True)
    """
    from critmin.optimize.stockpile import plan

    mins, n, s, econ, req = _stockpile_inputs(
        {"budget": budget},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    req["lp_check"] = lp_check
    ans = plan(budget, econ, mins, n, s, bool(lp_check), path)
    return StockpilePlan.of("stockpile_plan", req, ans, table=("allocations",))


def stockpile_frontier(
    *,
    max_budget: float = FRONTIER_MAX_USD,
    step: float = FRONTIER_STEP_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    path: StorePath = None,
) -> StockpileFrontier:
    """The efficient frontier: for budgets 0, ``step``, ... ``max_budget`` (USD), the
    optimal plan's expected damage avoided, holding cost and net value (USD a year), and
    the marginal benefit of a dollar (the water-filling slope).

    >>> import critmin as cm
    >>> res = cm.stockpile_frontier(max_budget=4e9, step=2e9, draws=500)
    >>> [p["budget_usd"] for p in res.rows()]
    [0.0, 2000000000.0, 4000000000.0]
    """
    from critmin.optimize.stockpile import frontier

    mins, n, s, econ, req = _stockpile_inputs(
        {"max_budget": max_budget, "step": step},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    ans = frontier(max_budget, step, econ, mins, n, s, path)
    return StockpileFrontier.of("stockpile_frontier", req, ans, table=("points",))


def stockpile_days(
    *,
    budget: float = BUDGET_USD,
    minerals: Iterable[str] | str | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    probability: float = PROBABILITY,
    financing_rate: float = FINANCING_RATE,
    storage_rate: float = STORAGE_RATE,
    loss_rate: float = LOSS_RATE,
    cap_days: float = CAP_DAYS,
    path: StorePath = None,
) -> StockpileDays:
    """Days of US net imports per mineral under the IEA's 90 days, Korea's 100 days, one
    year and the optimal plan of ``budget``, each with its tonnes, cost (USD) and net value
    (USD a year): stock = min(net imports x days / 365, cap), tonnes.

    >>> import critmin as cm
    >>> res = cm.stockpile_days(draws=500)
    >>> al = next(r for r in res.rows() if r["mineral"] == "aluminum")
    >>> round(al["iea_90"]["tonnes"]) == round(al["net_imports_t"] * 90 / 365)
    True
    """
    from critmin.optimize.days_cover import days_table
    from critmin.optimize.stockpile import model

    mins, n, s, econ, req = _stockpile_inputs(
        {"budget": budget},
        minerals,
        draws,
        seed,
        dict(
            probability=probability,
            financing_rate=financing_rate,
            storage_rate=storage_rate,
            loss_rate=loss_rate,
            cap_days=cap_days,
        ),
        path,
    )
    ans = days_table(model(budget, econ, mins, n, s, path))
    return StockpileDays.of("stockpile_days", req, ans, table=("rows",))


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
    s = _seed(seed)
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
    s = _seed(seed)
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


def sweep_run(
    *,
    definition: str | Path,
    workers: int | None = 1,
    dask: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    path: StorePath = None,
) -> SweepRun:
    """Run (or resume) every cell of a sweep definition (a YAML file or a bundled example
    name): a grid of floor, scenario or pipeline runs, each cell seeded from the sweep's
    seed and its index, stored in the store table ``sweep_cells`` (and ``out``, a Parquet
    file, when given). ``workers=1`` runs in this process. The report's ``wall_s`` and
    ``cell_s`` time this run. See docs/sweeps.md.
    """
    from critmin.sweep import load_sweep, run_sweep

    d = load_sweep(str(definition))
    report = run_sweep(d, workers=workers, dask=dask, out=out, db=path, force=force)
    req = {
        "definition": str(definition),
        "workers": workers,
        "dask": dask,
        "out": None if out is None else str(out),
        "path": None if path is None else str(path),
    }
    return SweepRun.of("sweep_run", req, report.to_dict())
