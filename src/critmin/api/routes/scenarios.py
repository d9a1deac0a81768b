"""Export-disruption scenarios (Q6): the bundled scenarios, and a Monte Carlo run of one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from critmin.api.models import ErrorBody, ScenarioInfo, ScenarioResult, ScenarioRunRequest
from critmin.api.routes import call

router = APIRouter(
    prefix="/api/v1/scenarios",
    tags=["scenarios"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def bundled(name: str, field: str) -> str:
    """``name`` when it is a bundled scenario; the HTTP API never reads a file a client names."""
    from critmin.capabilities.scenario import bundled_scenario

    return bundled_scenario(name=name, field=field)


@router.get("", response_model=list[ScenarioInfo], summary="The bundled scenarios")
def scenarios() -> Any:
    """One line per bundled scenario: restricting country, minerals, stage, start, target
    (`critmin scenario list`)."""
    return call(lambda: _answer("scenario_list"))


def _answer(fn: str, **kw: Any) -> Any:
    """The Python API's answer (critmin.capabilities.scenario) as ``--json`` prints it."""
    from critmin.capabilities import scenario

    return getattr(scenario, fn)(**kw).to_dict()


def _check(body: dict[str, Any]) -> dict[str, Any]:
    return _answer("scenario_check", definition=body, file="request body")  # type: ignore[no-any-return]


@router.post(
    "/check",
    response_model=dict[str, Any],
    summary="Validate a scenario definition",
)
def check(body: dict[str, Any]) -> Any:
    """Validate a scenario definition sent as JSON (the YAML fields); a bad field gives 422
    naming it (a withheld share above 1, a negative inventory, an unknown mineral id...)."""
    return call(_check, body)


@router.get("/backtest", response_model=dict[str, Any], summary="Backtest of the market model")
def backtest() -> Any:
    """The structural market model against observed price multipliers, in-sample and
    leave-one-episode-out, with the no-change forecast: the bundled summary of the default
    run (scores and per-case table, as every forecast carries it). `critmin scenario backtest
    --json` recomputes it in full (a minute on two cores); the test suite checks that a fresh
    run equals the bundled summary."""
    return call(lambda: _answer("scenario_backtest_summary"))


def _show(name: str) -> dict[str, Any]:
    data: dict[str, Any] = _answer("scenario_definition", name=bundled(name, "name"))
    return data


@router.get(
    "/{name}",
    response_model=dict[str, Any],
    summary="A scenario's definition",
    responses={404: {"model": ErrorBody}},
)
def show(name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$")]) -> Any:
    """Parameters, inputs, sources and assumptions of a bundled scenario
    (`critmin scenario show NAME`)."""
    return call(_show, name)


def _run(name: str, draws: int, seed: int) -> dict[str, Any]:
    return _answer("scenario_run", name=bundled(name, "name"), draws=draws, seed=seed)  # type: ignore[no-any-return]


@router.post(
    "/{name}/run",
    response_model=ScenarioResult,
    summary="Run a scenario",
    responses={404: {"model": ErrorBody}},
)
def run(
    name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$")],
    req: ScenarioRunRequest | None = None,
) -> Any:
    """Per mineral: shortfall (t and share of demand), price multiplier, days of stockpile
    cover and exposed sectors, as mean / p50 / p95 over the draws (`critmin scenario run`).
    Capped at 20 000 draws a request."""
    req = req or ScenarioRunRequest()
    return call(_run, name, req.draws, req.seed)
