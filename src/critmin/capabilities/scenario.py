"""Export-disruption scenarios and the market model's backtest.

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (default: :data:`critmin.defaults.SEED`; the backtest keeps its published seed).
Formulas and sources: docs/method.md.
"""

from __future__ import annotations

from pathlib import Path

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import SEED
from critmin.results import Result
from critmin.sim.backtest import DEFAULT_DRAWS as _BACKTEST_DRAWS
from critmin.sim.backtest import DEFAULT_SEED as _BACKTEST_SEED
from critmin.sim.disruption import DEFAULT_DRAWS as _SCENARIO_DRAWS

# the defaults, written in the engines, for the front ends' options and request models
BACKTEST_DRAWS: int = _BACKTEST_DRAWS
BACKTEST_SEED: int = _BACKTEST_SEED  # the backtest's published seed
SCENARIO_DRAWS: int = _SCENARIO_DRAWS


class Scenario(Result):
    """A disruption scenario's outcome per mineral; table: ``minerals``."""


class ScenarioBacktest(Result):
    """The market model against observed price multipliers; table:
    ``leave_one_episode_out.cases`` (case, observed, predicted, p5, p95...)."""


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
    s = arg.seed(seed)
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
    s = arg.seed(seed)
    ans = run_backtest(n, s)
    return ScenarioBacktest.of(
        "scenario_backtest",
        {"draws": n, "seed": s},
        ans,
        table=("leave_one_episode_out", "cases"),
    )
