"""Parameters of a briefing: what the reader sees, and the seeds that make it reproducible."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from critmin.defaults import BUDGET_USD, FLOOR_PATHS, SEED

if TYPE_CHECKING:
    from critmin.capabilities.inputs import StorePath


class BriefConfig(BaseModel):
    """Everything `critmin brief` can be told; YAML-loadable (``--config FILE``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    seed: int = Field(SEED, ge=0, description="master seed of every simulation in the brief")
    map_minerals: list[str] = Field(
        default_factory=lambda: [
            "rare_earths",
            "cobalt",
            "lithium",
            "graphite",
            "gallium",
            "nickel",
        ],
        description="minerals drawn on the world maps",
    )
    year: int | None = Field(
        None, ge=1900, le=2100, description="data year of the maps (default: latest)"
    )
    control_host: str = Field(
        "COD", pattern=r"^[A-Z]{3}$", description="host country of the ownership-control chart"
    )
    control_minerals: list[str] = Field(default_factory=lambda: ["cobalt", "copper"])
    floor_preset: str = "mp-ndpr"
    floor_paths: int = Field(FLOOR_PATHS, ge=1_000, le=5_000_000)
    scenario: str = "chn-2025-ree-april"
    scenario_draws: int = Field(5_000, ge=100, le=200_000)
    stockpile_budget_usd: float = Field(BUDGET_USD, gt=0)
    stockpile_draws: int = Field(5_000, ge=100, le=200_000)
    pipeline_draws: int = Field(2_000, ge=100, le=100_000)
    countries: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="optional country profiles, one section each (ISO3, ISO2 or name)",
    )


def load_config(path: Path | None) -> BriefConfig:
    """Defaults, overridden by a YAML file; a bad field is a one-line error naming it."""
    if path is None:
        return BriefConfig()
    from pydantic import ValidationError

    from critmin.errors import InputError
    from critmin.schema import first_error_field
    from critmin.yaml_input import read_yaml

    raw = read_yaml(path, field="--config") or {}
    if not isinstance(raw, dict):
        raise InputError("expected a mapping of option: value", field="--config", value=str(path))
    try:
        return BriefConfig.model_validate(raw)
    except ValidationError as exc:
        field, msg = first_error_field(exc)
        raise InputError(msg, field=field, value=raw.get(field)) from None


def check_config(cfg: BriefConfig, db: StorePath = None) -> None:
    """Every name in ``cfg`` resolves: minerals, the control host, the floor preset and the
    scenario. A name that does not is one InputError naming the option; the briefing is not
    written with a section that "could not be computed" because of a typing error (sections
    that lack data for a mineral that does exist still say so in the briefing)."""
    from critmin.capabilities import inputs as arg
    from critmin.capabilities.floor import preset_names
    from critmin.capabilities.scenario import bundled_names
    from critmin.errors import CritminError, InputError

    for option in ("map_minerals", "control_minerals"):
        for i, name in enumerate(getattr(cfg, option)):
            try:
                arg.mineral(name, db, f"{option}.{i}")
            except CritminError:
                raise InputError(
                    "unknown mineral; `critmin minerals` lists them",
                    field=f"{option}.{i}",
                    value=name,
                ) from None
    for i, name in enumerate(cfg.countries):
        arg.country(name, f"countries.{i}", db)
    try:
        known_host = arg.country(cfg.control_host, "control_host", db) == cfg.control_host
    except CritminError:
        known_host = False
    if not known_host:
        raise InputError("unknown country code", field="control_host", value=cfg.control_host)
    if cfg.floor_preset not in preset_names():
        raise InputError(
            f"unknown preset; choose one of {', '.join(preset_names())}",
            field="floor_preset",
            value=cfg.floor_preset,
        )
    if cfg.scenario not in bundled_names() and not Path(cfg.scenario).is_file():
        raise InputError(
            f"unknown scenario; choose one of {', '.join(bundled_names())} or give a file",
            field="scenario",
            value=cfg.scenario,
        )
