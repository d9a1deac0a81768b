"""Parameters of a briefing: what the reader sees, and the seeds that make it reproducible."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class BriefConfig(BaseModel):
    """Everything `critmin brief` can be told; YAML-loadable (``--config FILE``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    seed: int = Field(20251, ge=0, description="master seed of every simulation in the brief")
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
    year: int | None = Field(None, description="data year of the maps (default: latest)")
    control_host: str = Field("COD", description="host country of the ownership-control chart")
    control_minerals: list[str] = Field(default_factory=lambda: ["cobalt", "copper"])
    floor_preset: str = "mp-ndpr"
    floor_paths: int = Field(100_000, ge=1_000, le=5_000_000)
    scenario: str = "chn-2025-ree-april"
    scenario_draws: int = Field(5_000, ge=100, le=200_000)
    stockpile_budget_usd: float = Field(12e9, gt=0)
    stockpile_draws: int = Field(5_000, ge=100, le=200_000)
    pipeline_draws: int = Field(2_000, ge=100, le=100_000)


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
