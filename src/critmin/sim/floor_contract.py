"""Price-floor definitions: the contract, its price models, sources, and YAML presets.

Pydantic models validate every field (bad input is an InputError naming the field); see
critmin.sim.floor for the formulas. Units: prices in USD per contract unit (kg by default),
volumes in tonnes a year, rates per year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from critmin.errors import InputError, from_validation
from critmin.units import per_tonne

Array = NDArray[np.float64]
PERIODS = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}
# units of the contract's quantity in one metric tonne (critmin.units: 1 lb = 0.45359237 kg)
UNITS_PER_TONNE = {u: per_tonne(u) for u in ("kg", "t", "lb")}
HIST_BINS = 65536  # fine histogram of path costs: quantile error <= max possible cost / 65 536
KEEP_SAMPLES_MAX = 4_000_000  # above this many paths, quantiles come from the histogram
PRESETS = "presets"

Finite = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
# prices, floors and volumes beyond these are input errors, not numbers to simulate
MAX_LEVEL = 1e9  # USD per contract unit (spot, floor, OU level), and tonnes a year
Level = Annotated[float, Field(gt=0, le=MAX_LEVEL, allow_inf_nan=False)]
MAX_PATHS = 10_000_000_000
# |ln g| over the term (g = the deterministic part of the price, e^{c0 + d t}) must stay well
# inside double precision (e^709): beyond this the payoff arithmetic overflows
MAX_LOG_SPAN = 600.0


def _as_tuple(v: Any) -> Any:
    return (v,) if isinstance(v, int | float) else tuple(v) if isinstance(v, list) else v


# -- definitions -------------------------------------------------------------------------------


class _Def(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def digest(self) -> str:
        """First 16 hex digits of the SHA-256 of the canonical JSON: names a definition."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class SourceRef(_Def):
    publisher: str
    title: str
    url: str
    published: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    accessed: dt.date | None = None
    source_id: str | None = None
    used_for: str = ""


class Jumps(_Def):
    """Merton jumps in log price: ``intensity`` per year, log-jump ``mean`` and ``sd``."""

    intensity: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
    mean: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]
    sd: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]


class PriceModel(_Def):
    """Price process of S (USD per contract unit). sigma per sqrt(year), rates per year."""

    kind: Literal["gbm", "ou"]
    spot: Level
    sigma: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]
    mu: Finite = 0.0
    kappa: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.0
    theta_level: Annotated[Level | None, Field(validate_default=True)] = None
    jumps: Jumps | None = None

    @field_validator("mu", "kappa", "theta_level")
    @classmethod
    def _belongs_to_kind(cls, v: Any, info: ValidationInfo) -> Any:
        kind, name = info.data.get("kind"), info.field_name
        if kind == "ou" and name == "theta_level" and v is None:
            raise ValueError("the ou model needs the price level it reverts to")
        if kind == "ou" and name == "mu" and v != 0.0:
            raise ValueError("mu is the GBM drift; the ou model reverts to theta_level instead")
        if kind == "gbm" and name != "mu" and v not in (None, 0.0):
            raise ValueError(f"{name} belongs to the ou model, not gbm")
        return v


class FloorContract(_Def):
    """A price-floor contract: floor F (currency per unit), volumes in tonnes per year."""

    name: str = "floor"
    product: str = "NdPr oxide"
    floor: Level
    currency: Literal["USD"] = "USD"
    unit: Literal["kg", "t", "lb"] = "kg"
    settlement: Literal["monthly", "quarterly", "semiannual", "annual"] = "monthly"
    term_years: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    start: dt.date | None = None
    volume_tpy: Annotated[
        tuple[Annotated[float, Field(ge=0, le=MAX_LEVEL, allow_inf_nan=False)], ...],
        BeforeValidator(_as_tuple),
        Field(min_length=1),
    ]
    discount_rate: Annotated[float, Field(ge=-0.5, le=1, allow_inf_nan=False)] = 0.0
    annual_cap_usd: Positive | None = None

    @field_validator("term_years")
    @classmethod
    def _whole_periods(cls, v: float, info: ValidationInfo) -> float:
        settlement = info.data.get("settlement", "monthly")
        steps = v * PERIODS.get(settlement, 12)
        if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
            raise ValueError(f"must be a whole number of {settlement} periods")
        return v

    @field_validator("volume_tpy")
    @classmethod
    def _one_per_year(cls, v: tuple[float, ...], info: ValidationInfo) -> tuple[float, ...]:
        term = info.data.get("term_years")
        if term is not None and len(v) not in (1, math.ceil(term - 1e-9)):
            raise ValueError(f"give 1 value or one per contract year ({math.ceil(term - 1e-9)})")
        return v


class WrittenTerms(_Def):
    """The contract as written, beyond the floor itself (critmin.sim.floor_vr).

    ``fixings_per_period``: the reference price of a settlement period is the arithmetic mean
    of this many equally spaced prices in it (1 = the period-end price). ``upside_share``: the
    payer receives this share of (A - upside_strike)^+ x volume from contract year
    ``upside_from_year`` on (upside_strike defaults to the floor).
    """

    fixings_per_period: Annotated[int, Field(ge=1, le=31)] = 1
    upside_share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    upside_strike: Level | None = None
    upside_from_year: Annotated[int, Field(ge=1, le=100)] = 1


class EarningsGuarantee(_Def):
    """A minimum-earnings guarantee beside the floor: the payer tops earnings up to
    ``minimum_usd`` a year (escalating by ``escalator`` a year) for ``years`` years from
    contract year ``from_year``. The plant's earnings are not modelled: the line reports the
    maximum exposure (earnings of zero)."""

    name: str
    minimum_usd: Positive
    escalator: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    from_year: Annotated[int, Field(ge=1, le=100)] = 1
    years: Annotated[int, Field(ge=1, le=100)]
    note: str = ""


class Band(_Def):
    """Scenarios for the band table: long-run price levels (USD per unit) x volume schedules
    (label -> tonnes a year, one value or one per contract year)."""

    long_run_levels: Annotated[tuple[Level, ...], Field(min_length=1, max_length=12)]
    volumes: dict[
        str,
        Annotated[
            tuple[Annotated[float, Field(ge=0, le=MAX_LEVEL)], ...], BeforeValidator(_as_tuple)
        ],
    ]
    default_volume: str
    spot_from: tuple[str, str] | None = None  # (mineral_id, product) of the quarterly price

    def __hash__(self) -> int:  # the volumes mapping is not hashable itself
        return hash(self.model_dump_json())

    @model_validator(mode="after")
    def _default_volume_known(self) -> Band:
        if self.default_volume not in self.volumes:
            raise ValueError(f"default_volume {self.default_volume!r} is not among the volumes")
        return self


class ReportedPayment(_Def):
    """A payment the payer is reported to have made for one settlement quarter, with the
    volumes that could have earned it (tonnes produced and sold in the quarter)."""

    quarter: Annotated[str, Field(pattern=r"^\d{4}-Q[1-4]$")]
    amount_usd: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
    produced_t: Annotated[float, Field(gt=0, le=MAX_LEVEL, allow_inf_nan=False)] | None = None
    sold_t: Annotated[float, Field(gt=0, le=MAX_LEVEL, allow_inf_nan=False)] | None = None
    sources: Annotated[tuple[SourceRef, ...], Field(min_length=1)]
    note: str = ""


class FloorDefinition(_Def):
    """A floor study as stored in YAML: the contract, its price models and their sources."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    title: str
    description: str = ""
    contract: FloorContract
    models: tuple[PriceModel, ...]
    default_model: Literal["gbm", "ou"]
    calibration: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    terms: WrittenTerms = WrittenTerms()
    guarantees: tuple[EarningsGuarantee, ...] = ()
    band: Band | None = None
    reported_payments: tuple[ReportedPayment, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _models_mapping(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("models"), dict):
            # {kind: {params}}
            for k, v in data["models"].items():
                if not isinstance(v, dict):
                    raise ValueError(f"models.{k}: give the model's parameters as a mapping")
            models = [{"kind": k, **v} for k, v in data["models"].items()]
            data = {**data, "models": models}
        return data

    @model_validator(mode="after")
    def _default_present(self) -> FloorDefinition:
        if self.default_model not in {m.kind for m in self.models}:
            raise ValueError(f"default_model {self.default_model!r} is not among the models")
        return self

    def model(self, kind: str | None = None) -> PriceModel:
        """The price model of this kind (default: default_model)."""
        want = kind or self.default_model
        for m in self.models:
            if m.kind == want:
                return m
        raise InputError(f"preset {self.name!r} has no {want!r} model", field="model", value=want)


def validated(cls: type[_Def], data: Any, file: str | None = None) -> Any:
    """``cls.model_validate(data)``, with a validation failure as a one-line InputError."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, data, default=cls.__name__, model=cls, file=file) from None


# -- presets and calibration -------------------------------------------------------------------


def list_presets() -> list[str]:
    """Names of the built-in floor presets (YAML files in critmin/sim/presets/)."""
    folder = resources.files("critmin.sim").joinpath(PRESETS)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_definition(path: str | Path, field: str = "definition") -> FloorDefinition:
    """A floor definition from a YAML file; bad input is an InputError naming the field
    (``field``: what the file was given as, e.g. ``--definition``)."""
    from critmin.memo import read_yaml  # kept per file state

    data = read_yaml(path, field=field)
    return validated(FloorDefinition, data, file=str(path))  # type: ignore[no-any-return]


def load_preset(name: str = "mp-ndpr") -> FloorDefinition:
    """A built-in preset by name (see list_presets())."""
    if name not in list_presets():
        known = ", ".join(list_presets())
        raise InputError(f"unknown preset; choose one of {known}", field="preset", value=name)
    res = resources.files("critmin.sim").joinpath(PRESETS, f"{name}.yaml")
    with resources.as_file(res) as p:
        return load_definition(p)


load_floor_preset = load_preset  # the name under which critmin exposes it
