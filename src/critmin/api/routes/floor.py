"""Price floor (Q5): the built-in presets, and the Monte Carlo cost of a contract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from critmin.api.models import (
    MAX_FLOOR_PATH_STEPS,
    ErrorBody,
    FloorPreset,
    FloorRequest,
    FloorResult,
)
from critmin.api.routes import call

router = APIRouter(
    prefix="/api/v1/floor",
    tags=["price floor"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _presets() -> list[dict[str, Any]]:
    from critmin.capabilities.floor import floor_presets

    return floor_presets().to_dict()  # type: ignore[no-any-return]


def _preset(name: str) -> dict[str, Any]:
    from critmin.capabilities.floor import floor_preset

    return floor_preset(name=name).to_dict()  # type: ignore[no-any-return]


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
    return call(_preset, name)


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

    return call(_band, name)


def _band(name: str) -> dict[str, Any]:
    from critmin.capabilities.floor import floor_band

    _preset(name)  # an unknown name is a 404
    return floor_band(preset=name).to_dict()  # type: ignore[no-any-return]


# a field the floor capability names -> where it sits in the request body
_MODEL_FIELDS = {"kind", "spot", "sigma", "mu", "kappa", "theta_level", "jumps"}
_TOP = {"preset", "paths", "seed", "model_kind"}


def _where(field: str | None) -> str | None:
    """The request-body path of a field the capability names (``sigma`` ->
    ``price_model.sigma``, ``floor`` -> ``contract.floor``)."""
    if field is None:
        return None
    head = field.split(".")[0]
    if head == "model":
        return "model_kind"
    if head in _TOP or head in {"contract", "price_model"}:
        return field
    return f"price_model.{field}" if head in _MODEL_FIELDS else f"contract.{field}"


def _simulate(req: FloorRequest) -> dict[str, Any]:
    from critmin.capabilities.floor import floor_setup, run_floor
    from critmin.errors import InputError

    try:
        setup = floor_setup(
            preset=req.preset,
            model=req.model_kind,
            contract=None if req.contract is None else req.contract.model_dump(exclude_unset=True),
            price_model=None
            if req.price_model is None
            else req.price_model.model_dump(exclude_unset=True),
            paths=req.paths,
            seed=req.seed,
        )
        return run_floor(setup, max_path_steps=MAX_FLOOR_PATH_STEPS).to_dict()  # type: ignore[no-any-return]
    except InputError as exc:
        where = _where(exc.field)
        if where == exc.field and where != "paths":
            raise
        msg = exc.message
        if where == "paths":
            msg += "; run larger studies with `critmin floor`"
        raise InputError(msg, field=where, value=exc.value) from None


@router.post("", response_model=FloorResult, summary="Cost of a price floor")
def simulate(req: FloorRequest) -> Any:
    """Monte Carlo cost of a floor contract beside the closed form where one exists: expected
    nominal and discounted cost, standard error, p50/p95/p99, probability of any payout, the
    cost by contract year and a histogram (`critmin floor --json`; ``runtime_s`` and
    ``path_steps_per_s`` measure this run). Capped at 200 000 paths and 30 million
    path-steps a request."""
    return call(_simulate, req)
