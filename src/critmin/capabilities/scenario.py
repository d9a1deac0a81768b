"""Export-disruption scenarios and the market model's backtest.

Each answer is the ``--json`` of the command of the same name; the same seed gives the same
numbers (default: :data:`critmin.defaults.SEED`; the backtest keeps its published seed).
Formulas and sources: docs/method.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.defaults import SEED
from critmin.errors import InputError
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


class ScenarioList(Result):
    """The bundled scenarios, one row each (name, kind, restricting_iso3, minerals...)."""


class ScenarioDefinition(Result):
    """A scenario as written: parameters, inputs, sources and assumptions; table:
    ``sources``."""


class ScenarioForecast(Result):
    """The market model's 12-month forecast of a register control; table: ``minerals``."""


def bundled_names() -> list[str]:
    """Names of the bundled scenarios (critmin/sim/scenarios/*.yaml)."""
    from critmin.sim.disruption import bundled_names as names

    return names()


def bundled_scenario(*, name: str, field: str) -> str:
    """``name`` when it is a bundled scenario, else a NotFoundError naming ``field``, the
    closest name and every bundled one (the HTTP API never reads a file a client names)."""
    from critmin.sim.scenario_definition import unknown_scenario

    if name not in bundled_names():
        raise unknown_scenario(name, field, files=False)
    return name


def scenario_list() -> ScenarioList:
    """The bundled scenarios (``critmin scenario list``): restricting country, minerals,
    stage, start and target of each.

    >>> import critmin as cm
    >>> "chn-2025-ree-april" in [r["name"] for r in cm.scenario_list().rows()]
    True
    """
    from critmin.sim.disruption import list_scenarios

    return ScenarioList.of("scenario_list", {}, list_scenarios())


def scenario_definition(*, name: str | Path) -> ScenarioDefinition:
    """A scenario's full definition (a bundled name or a YAML file; ``critmin scenario
    show``), fields left unset omitted.

    >>> import critmin as cm
    >>> cm.scenario_definition(name="chn-2025-ree-april")["restricting_iso3"]
    'CHN'
    """
    from critmin.sim.disruption import load_scenario

    if not isinstance(name, str | Path):
        raise InputError("expected a scenario name or a YAML file", field="name", value=name)
    data = load_scenario(name).model_dump(mode="json", exclude_none=True)
    return ScenarioDefinition.of(
        "scenario_definition", {"name": str(name)}, data, table=("sources",)
    )


def scenario_check(
    *, definition: Any, file: str = "request body", path: StorePath = None
) -> Result:
    """Validate a scenario definition given as a mapping (the YAML's fields): the fields
    and bounds of the scenario model, and every mineral id known to the store. A problem is
    one InputError naming the field (``minerals.0``, ``inputs.gallium.stockpile_t.value``...)."""
    from critmin.sim.disruption import parse_scenario
    from critmin.vocab import mineral_spellings

    sc = parse_scenario(definition, file)
    known = set(mineral_spellings(path).values())
    for i, m in enumerate(sc.minerals):
        if m not in known:
            raise InputError("unknown mineral id", field=f"minerals.{i}", value=m)
    ans = {"valid": True, "name": sc.name, "minerals": sc.minerals}
    return Result.of("scenario_check", {"file": file}, ans)


def scenario_backtest_summary() -> ScenarioBacktest:
    """The bundled summary of the default backtest run (``GET /api/v1/scenarios/backtest``):
    the scores of :func:`scenario_backtest` with its default draws and seed (the test suite
    checks that a fresh run equals it) and the per-case table (``cases``)."""
    from critmin.sim.backtest import load_summary

    return ScenarioBacktest.of("scenario_backtest_summary", {}, load_summary(), table=("cases",))


def scenario_from_control(
    *,
    control_id: str,
    draws: int = 2000,
    seed: int = _BACKTEST_SEED,
    path: StorePath = None,
) -> ScenarioForecast:
    """The structural market model's 12-month forecast for an export control of the
    register (``critmin scenario from-control``): per mineral, the rest-of-world and the
    restricting country's price multipliers (p5/p50/p95) and P(rest-of-world shortfall >
    5%), with the backtest's scores. The restricting country's share of world output is
    its share in the store (critmin.sim.forecast). The default seed is the backtest's.

    >>> import critmin as cm
    >>> res = cm.scenario_from_control(control_id="chn-2024-033-antimony", draws=200)
    >>> round(res["minerals"][0]["restrictor_share"], 4)  # USGS MCS 2025: 62,300 / 106,119 t
    0.5871
    """
    from critmin.sim.forecast import from_control

    n = arg.count(draws, "draws", 100, 100_000)
    s = arg.seed(seed)
    if not isinstance(control_id, str):
        raise InputError("expected a control id", field="control_id", value=control_id)
    ans = from_control(control_id, n, s, path)
    req = {"control_id": control_id, "draws": n, "seed": s}
    return ScenarioForecast.of("scenario_from_control", req, ans, table=("minerals",))


# -- the sweep's scenario cells: the store read once per inputs, the draws in the workers --

# the Scenario fields the simulation alone reads; every other field may change the inputs
SIMULATION_ONLY = (
    "withheld_share",
    "duration_months",
    "horizon_months",
    "leakage",
    "buffer_months",
    "ramp_up",
    "elasticity",
    "price_cap",
    "stockpile_release",
)


@dataclasses.dataclass(frozen=True)
class ScenarioCase:
    """A parsed scenario with the store figures it needs (:func:`scenario_case`); runs
    without the store (:func:`scenario_outcome`)."""

    scenario: Any
    inputs: Any


def scenario_base(*, name: str | Path) -> dict[str, Any]:
    """A scenario's fields as Python values (the base a sweep's axes are laid over)."""
    from critmin.sim.disruption import load_scenario

    data: dict[str, Any] = load_scenario(name).model_dump()
    return data


def scenario_case(
    *,
    definition: Mapping[str, Any],
    file: str,
    path: StorePath = None,
    cache: dict[str, Any] | None = None,
) -> ScenarioCase:
    """Parse ``definition`` (the scenario's fields) and resolve its inputs from the store;
    ``cache`` keeps the inputs across calls that differ only in :data:`SIMULATION_ONLY`."""
    from critmin.sim.disruption import parse_scenario, resolve_inputs

    sc = parse_scenario(dict(definition), file)
    key = sc.model_dump_json(exclude=set(SIMULATION_ONLY))
    memo = cache if cache is not None else {}
    if key not in memo:
        memo[key] = resolve_inputs(sc, path)
    return ScenarioCase(sc, memo[key])


def scenario_outcome(case: ScenarioCase, *, draws: int, seed: int) -> dict[str, Any]:
    """The disruption engine's summary of a :class:`ScenarioCase` (no store, no market
    model): per mineral the shortfall, price multiplier (old rule) and days of cover."""
    from critmin.sim.disruption import simulate, summarise

    out: dict[str, Any] = summarise(simulate(case.scenario, case.inputs, draws, seed))
    return out
