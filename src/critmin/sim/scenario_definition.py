"""A disruption scenario as written: its uncertain parameters (fixed, uniform, triangular,
lognormal), the per-mineral inputs, and loading a bundled name or a YAML file with one-line
errors (the engine: :mod:`critmin.sim.disruption`)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from critmin.defaults import SEED
from critmin.errors import InputError, NotFoundError, from_validation
from critmin.sim.dist_form import dist_form

SCENARIO_DIR = Path(__file__).parent / "scenarios"
NDS_CSV = Path(__file__).parent / "data" / "nds_inventory.csv"
DAYS_PER_MONTH = 365.25 / 12
DEFAULT_SEED = SEED  # critmin.defaults
DEFAULT_DRAWS = 10_000
# parameters whose sourcing or assumption the scenario must write out in ``basis``
DOCUMENTED = (
    "withheld_share",
    "duration_months",
    "leakage",
    "buffer_months",
    "ramp_up",
    "elasticity",
    "price_cap",
)

Arr = NDArray[np.float64]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# -- uncertain parameters ----------------------------------------------------------------------


# every number a scenario states is at most this in size (tonnes, USD per tonne, months): far
# beyond any real market, and small enough that the engine's products stay finite
BIG = 1e12
Number = Annotated[float, Field(ge=-BIG, le=BIG)]


class Fixed(_Model):
    dist: Literal["fixed"]
    value: Number


class Uniform(_Model):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Triangular(_Model):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("need low <= mode <= high")
        return self


class Lognormal(_Model):
    """ln X ~ N(ln median, sigma^2)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, le=BIG)
    sigma: float = Field(ge=0, le=5)


# the family under ``dist:`` (``kind:`` accepted: critmin.sim.dist_form, the one parser)
Dist = Annotated[
    Fixed | Uniform | Triangular | Lognormal,
    Field(discriminator="dist"),
    BeforeValidator(dist_form),
]
Param = Number | Dist
# what a parameter accepts, for the error when a value fits neither form
PARAM_FORMS = "give a number or a distribution {dist: fixed, uniform, triangular or lognormal, ...}"


def support(p: Param) -> tuple[float, float]:
    """Smallest and largest value a parameter can draw."""
    if isinstance(p, int | float):
        return float(p), float(p)
    if isinstance(p, Fixed):
        return p.value, p.value
    if isinstance(p, Lognormal):
        return (0.0 if p.sigma > 0 else p.median), (math.inf if p.sigma > 0 else p.median)
    return p.low, p.high


def draw(p: Param, rng: np.random.Generator, n: int) -> Arr:
    """n draws of a parameter (a number is a fixed value)."""
    if isinstance(p, int | float):
        return np.full(n, float(p))
    if isinstance(p, Fixed):
        return np.full(n, p.value)
    if isinstance(p, Uniform):
        return rng.uniform(p.low, p.high, n)
    if isinstance(p, Triangular):
        if p.low == p.high:
            return np.full(n, p.low)
        return rng.triangular(p.low, p.mode, p.high, n)
    return p.median * np.exp(p.sigma * rng.standard_normal(n))


# -- the scenario definition -------------------------------------------------------------------


class ScenarioSource(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str | None = None
    published: str | None = None
    supports: str = Field(min_length=1, description="what figure of the scenario it backs")


class Figure(_Model):
    """A number the scenario states, with its source id and how it was derived."""

    value: float = Field(ge=0, le=BIG)
    source: str
    year: int | None = None
    note: str | None = None
    override: bool = Field(False, description="use it even where the store has a figure")


class MineralInputs(_Model):
    apparent_consumption_t: Figure | None = None
    net_import_reliance: Figure | None = None
    restrictor_share: Figure | None = None
    exposed_share: Figure | None = None
    price_usd_per_t: Figure | None = None
    stockpile_t: Figure | None = None
    withheld_share: Param | None = None


class RampUp(_Model):
    annual_growth: Param = 0.0
    lag_months: Param = 0.0


class StockpileRelease(_Model):
    rule: Literal["none", "cover_shortfall"] = "none"
    max_share_of_shortfall: float = Field(1.0, ge=0, le=1)


class Observation(_Model):
    """An observed outcome the scenario is checked against (calibration)."""

    mineral: str
    measure: Literal["price_multiplier"]
    low: float = Field(gt=0)
    high: float = Field(gt=0)
    source: str
    note: str


class Scenario(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    title: str = Field(min_length=1)
    kind: Literal["event", "historical_replay"] = "event"
    restricting_iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    minerals: list[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]] = Field(min_length=1)
    stage: Literal["mine", "refine"]
    start: dt.date
    control_ids: list[str] = Field(default_factory=list)
    withheld_share: Param
    duration_months: Param
    horizon_months: float = Field(12.0, gt=0, le=120)
    leakage: Param = 0.0
    buffer_months: Param = Field(
        0.0, description="months of exposed supply held by users and traders at the start"
    )
    ramp_up: RampUp = RampUp()
    elasticity: Param
    price_cap: float = Field(30.0, ge=1, le=1e6)
    stockpile_release: StockpileRelease = StockpileRelease()
    target: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USA"
    base_year: int | None = Field(None, ge=1900, le=2100)
    inputs: dict[str, MineralInputs] = Field(default_factory=dict)
    basis: dict[str, str] = Field(default_factory=dict)
    observed: list[Observation] = Field(default_factory=list)
    sources: list[ScenarioSource] = Field(min_length=1)
    assumptions: str = Field(min_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        shares = [("withheld_share", self.withheld_share), ("leakage", self.leakage)]
        shares += [
            (f"inputs.{m}.withheld_share", i.withheld_share)
            for m, i in self.inputs.items()
            if i.withheld_share is not None
        ]
        for name, p in shares:
            lo, hi = support(p)
            if lo < 0 or hi > 1:
                got = f"{lo:g}" if lo == hi else f"{lo:g} to {hi:g}"
                raise ValueError(f"{name} must lie in [0, 1] (got {got})")
        for name, p in [
            ("duration_months", self.duration_months),
            ("buffer_months", self.buffer_months),
            ("ramp_up.annual_growth", self.ramp_up.annual_growth),
            ("ramp_up.lag_months", self.ramp_up.lag_months),
        ]:
            if (low := support(p)[0]) < 0:
                raise ValueError(f"{name} must not be negative (got {low:g})")
        for name, p, most in [
            ("duration_months", self.duration_months, 1200.0),
            ("buffer_months", self.buffer_months, 1200.0),
            ("ramp_up.lag_months", self.ramp_up.lag_months, 1200.0),
            ("ramp_up.annual_growth", self.ramp_up.annual_growth, 100.0),
            ("elasticity", self.elasticity, 100.0),
        ]:
            # a lognormal has no upper end: its median is held to the bound instead
            top = p.median if isinstance(p, Lognormal) else support(p)[1]
            if top > most:
                raise ValueError(f"{name} must not exceed {most:g} (got {top:g})")
        if (low := support(self.elasticity)[0]) <= 0:
            raise ValueError(
                f"elasticity must be positive (absolute short-run elasticity; got {low:g})"
            )
        ids = {s.id for s in self.sources}
        for m, inp in self.inputs.items():
            for fname in MineralInputs.model_fields:
                fig = getattr(inp, fname)
                if isinstance(fig, Figure) and fig.source not in ids:
                    raise ValueError(f"inputs.{m}.{fname}.source {fig.source!r} is not in sources")
        for ob in self.observed:
            if ob.source not in ids:
                raise ValueError(f"observed source {ob.source!r} is not in sources")
        missing = [p for p in DOCUMENTED if not self.basis.get(p)]
        if missing:
            raise ValueError("basis must state the source or assumption of " + ", ".join(missing))
        return self


# -- loading ------------------------------------------------------------------------------------


def bundled_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def unknown_scenario(name: str, field: str | None = None, files: bool = True) -> NotFoundError:
    """The error for a scenario name that is no bundled one: the closest name, then every
    bundled name (``files``: the CLI and Python API also take a YAML file)."""
    from critmin.vocab import closest

    names = bundled_names()
    where = f" ({field})" if field else ""
    tail = " (or give a file)" if files else ""
    return NotFoundError(
        f"no scenario {name!r}{where}; did you mean {closest(name, names)[0]}? bundled: "
        f"{', '.join(names)}{tail}"
    )


def parse_scenario(data: object, file: str | None = None) -> Scenario:
    """Validate a mapping as a scenario; the first problem is one InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError("a scenario must be a YAML mapping", file=file, value=type(data).__name__)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise from_validation(
            exc, data, default="scenario", model=Scenario, union=PARAM_FORMS, file=file
        ) from None


def load_scenario(name_or_file: str | Path) -> Scenario:
    """A bundled scenario by name, or a scenario YAML file."""
    from critmin.memo import read_yaml  # kept per file state

    text = str(name_or_file)
    path = Path(text)
    if not (path.suffix in (".yaml", ".yml") or _exists(path)):
        path = SCENARIO_DIR / f"{text}.yaml"
        if not _is_file(path):
            raise unknown_scenario(text)
    if not _exists(path):
        raise InputError("no such file", field="scenario", value=text)
    return parse_scenario(read_yaml(path, field="scenario"), str(path))


def _exists(path: Path) -> bool:
    """Whether anything is at ``path`` (read_yaml refuses what is not a regular file)."""
    try:
        return path.exists()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the OS refuses (too long, say) instead of raising."""
    try:
        return path.is_file()
    except OSError:
        return False
