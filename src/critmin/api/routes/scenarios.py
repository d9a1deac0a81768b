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
    from critmin.errors import NotFoundError
    from critmin.sim.disruption import bundled_names

    if name not in bundled_names():
        raise NotFoundError(
            f"no scenario {name!r} ({field}); bundled: {', '.join(bundled_names())}"
        )
    return name


@router.get("", response_model=list[ScenarioInfo], summary="The bundled scenarios")
def scenarios() -> Any:
    """One line per bundled scenario: restricting country, minerals, stage, start, target
    (`critmin scenario list`)."""
    from critmin.sim.disruption import list_scenarios

    return call(list_scenarios)


def _show(name: str) -> dict[str, Any]:
    from critmin.sim.disruption import load_scenario

    data: dict[str, Any] = load_scenario(bundled(name, "name")).model_dump(
        mode="json", exclude_none=True
    )
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
    from critmin.sim.disruption import run_scenario

    return run_scenario(bundled(name, "name"), draws, seed)


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
