"""Price floor (Q5): the built-in presets, and the Monte Carlo cost of a contract."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path

from critmin.api.models import (
    MAX_FLOOR_PATH_STEPS,
    ErrorBody,
    FloorPreset,
    FloorRequest,
    FloorResult,
)
from critmin.api.routes import call

if TYPE_CHECKING:
    from critmin.sim.floor import FloorDefinition

router = APIRouter(
    prefix="/api/v1/floor",
    tags=["price floor"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _preset(name: str) -> FloorDefinition:
    from critmin.errors import NotFoundError
    from critmin.sim.floor import list_presets, load_preset

    if name not in list_presets():
        raise NotFoundError(f"no floor preset {name!r}; presets: {', '.join(list_presets())}")
    return load_preset(name)


def _presets() -> list[dict[str, Any]]:
    from critmin.sim.floor import list_presets

    return [_preset(name).model_dump(mode="json") for name in list_presets()]


@router.get("/presets", response_model=list[FloorPreset], summary="Built-in floor presets")
def presets() -> Any:
    """Every preset: its contract, price models (with their calibration) and sources."""
    return call(_presets)


@router.get(
    "/presets/{name}",
    response_model=FloorPreset,
    summary="One floor preset",
    responses={404: {"model": ErrorBody}},
)
def preset(name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,79}$")]) -> Any:
    """A preset's contract, price models, calibration notes, assumptions and sources."""
    return call(lambda: _preset(name).model_dump(mode="json"))


@router.get(
    "/presets/{name}/band",
    response_model=dict[str, Any],
    summary="Band table of a floor preset as written",
    responses={404: {"model": ErrorBody}},
)
def band(name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,79}$")]) -> Any:
    """The preset's cost against long-run price x volume (nominal and present value, the
    quarters that pay, p5-p95), the liabilities apart and the mean-reversion range: the same
    JSON as `critmin floor --preset NAME --band --json` (critmin.sim.floor_band)."""

    def run() -> dict[str, Any]:
        from critmin.sim.floor_band import floor_band

        return floor_band(_preset(name))

    return call(run)


def _simulate(req: FloorRequest) -> dict[str, Any]:
    from critmin.errors import InputError
    from critmin.sim.floor import PERIODS, simulate_floor

    contract, model = req.contract, req.price_model
    if req.preset is not None:
        spec = _preset(req.preset)
        contract = contract or spec.contract
        model = model or spec.model(req.model_kind)
    elif req.model_kind is not None:
        raise InputError("model_kind picks a preset's model; give a preset", field="model_kind")
    if contract is None or model is None:
        missing = "contract" if contract is None else "price_model"
        raise InputError("give a preset, or a contract and a price_model", field=missing)
    steps = round(contract.term_years * PERIODS[contract.settlement])
    if req.paths * steps > MAX_FLOOR_PATH_STEPS:
        raise InputError(
            f"paths x settlement dates must be at most {MAX_FLOOR_PATH_STEPS:,} per request "
            f"(this contract settles {steps} times: at most {MAX_FLOOR_PATH_STEPS // steps:,} "
            "paths); run larger studies with `critmin floor`",
            field="paths",
            value=req.paths,
        )
    return simulate_floor(contract, model, paths=req.paths, seed=req.seed).to_dict()


@router.post("", response_model=FloorResult, summary="Cost of a price floor")
def simulate(req: FloorRequest) -> Any:
    """Monte Carlo cost of a floor contract beside the closed form where one exists: expected
    nominal and discounted cost, standard error, p50/p95/p99, probability of any payout, the
    cost by contract year and a histogram (`critmin floor --json`; ``runtime_s`` and
    ``path_steps_per_s`` measure this run). Capped at 200 000 paths and 30 million
    path-steps a request."""
    return call(_simulate, req)
