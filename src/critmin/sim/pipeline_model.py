"""The project pipeline's definitions: the register's row model, the stage model's
sourced parameters, and their loading from CSV and YAML (the model: :mod:`critmin.sim.pipeline`)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from critmin.columns import MAX_LIST, MAX_NOTE, MAX_SLUG, MAX_TEXT, MAX_URL, no_controls
from critmin.errors import InputError, from_validation
from critmin.schema import INSTRUMENTS
from critmin.sim.dist_form import dist_form

DATA = Path(__file__).parent / "data"
PHASES = ("exploration", "feasibility", "financing", "construction", "ramp_up", "producing")
PrePhase = Literal["exploration", "feasibility", "financing", "construction"]
PRE_PRODUCTION: tuple[PrePhase, ...] = ("exploration", "feasibility", "financing", "construction")
MAX_DRAWS = 200_000
GAP_KEYS = ("project", "mineral")
Floats = NDArray[np.float64]


def _blank(v: Any) -> Any:
    v = no_controls(v)  # the text rule of the table contract (schema.py)
    return (v.strip() or None) if isinstance(v, str) else v


def _ids(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(v)
    return tuple(p.strip() for p in (v or "").split("|") if p.strip())


# text limits written once, in schema.py
Text = Annotated[str, BeforeValidator(_blank), Field(min_length=1, max_length=MAX_TEXT)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=MAX_SLUG)]
# tonnes a year or USD: at most 10^12 (a trillion), which keeps sums over a register finite
OptNonNeg = Annotated[Annotated[float, Field(ge=0, le=1e12)] | None, BeforeValidator(_blank)]
Plan = Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")]


class Project(BaseModel):
    """One row of the register: a named project with public support, as its sponsor plans it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    project_id: Slug
    name: Text
    sponsor: Text
    mineral_id: Slug
    host_iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    stage: Literal["mine", "refine", "magnet", "recycling"]
    current_phase: Literal[
        "exploration", "feasibility", "financing", "construction", "ramp_up", "producing"
    ]
    product: Text
    planned_capacity_t: OptNonNeg = None
    planned_start: Annotated[Plan | None, BeforeValidator(_blank)] = None
    capex_usd: OptNonNeg = None
    capex_year: Annotated[
        Annotated[int, Field(ge=1900, le=2100)] | None, BeforeValidator(_blank)
    ] = None
    ledger_ids: Annotated[tuple[Slug, ...], BeforeValidator(_ids), Field(max_length=MAX_LIST)] = ()
    source_url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=MAX_URL)]
    source_title: Text
    publisher: Text
    published: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    note: Annotated[Annotated[str, Field(max_length=MAX_NOTE)] | None, BeforeValidator(_blank)] = (
        None
    )


COLUMNS = tuple(Project.model_fields)


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _cited(self) -> _Sourced:
        if not (self.source or self.assumption):
            raise ValueError("every parameter needs its source: or assumption:")
        return self


class Prob(_Sourced):
    """A probability (or share) with its basis."""

    value: float = Field(ge=0, le=1)


Years = Annotated[float, Field(ge=-100, le=100)]


class Dist(_Sourced):
    """fixed (value), lognormal (shift + median * exp(sigma Z)) or triangular (low, mode,
    high); with probability ``p_zero`` a draw is exactly 0."""

    kind: Literal["fixed", "lognormal", "triangular"]  # written ``dist:`` (or ``kind:``)
    # years or a ratio: bounds far beyond any plan, which keep every draw and sum finite
    value: Years = 0.0
    median: float = Field(default=1.0, gt=0, le=100)
    sigma: float = Field(default=0.0, ge=0, le=5)
    shift: Years = 0.0
    low: Years = 0.0
    mode: Years = 0.0
    high: Years = 0.0
    p_zero: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _form(cls, data: Any) -> Any:
        return dist_form(data, key="kind")  # the one parser of distributions (sim.dist_form)

    @model_validator(mode="after")
    def _params(self) -> Dist:
        need = {"fixed": "value", "lognormal": "median sigma", "triangular": "low mode high"}
        for name in need[self.kind].split():
            if name not in self.model_fields_set:
                raise ValueError(f"a {self.kind} distribution needs {name}")
        if self.kind == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError("a triangular distribution needs low <= mode <= high")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``n`` draws; always consumes 2n uniforms, whatever the kind and parameters."""
        from scipy.special import ndtri

        u0, v = rng.random(n), rng.random(n)
        if self.kind == "fixed":
            x = np.full(n, self.value)
        elif self.kind == "lognormal":
            x = self.shift + self.median * np.exp(self.sigma * np.asarray(ndtri(v), dtype=float))
        else:
            a, c, b = self.low, self.mode, self.high
            w = b - a if b > a else 1.0
            lo, hi = a + np.sqrt(v * w * (c - a)), b - np.sqrt((1 - v) * w * (b - c))
            x = np.where(v < (c - a) / w, lo, hi)
        return np.where(u0 < self.p_zero, 0.0, x).astype(np.float64)

    def mean(self) -> float:
        """Expected value, in closed form."""
        m = {
            "fixed": self.value,
            "lognormal": self.shift + self.median * float(np.exp(self.sigma**2 / 2)),
            "triangular": (self.low + self.mode + self.high) / 3,
        }[self.kind]
        return (1 - self.p_zero) * m


class PhaseModel(BaseModel):
    """One pre-production phase: chance to get through it, slip beyond plan, capex overrun."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    p_success: Prob
    delay_years: Dist
    capex_overrun: Dist | None = None


class RampModel(BaseModel):
    """Ramp-up: chance to reach nameplate, years to get there, share held if it never does."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    p_success: Prob
    duration_years: Dist
    plateau: Prob


def _within(dist: Dist, low: float, high: float, what: str) -> Dist:
    """``dist`` if every draw it can make lies in [low, high], else ValueError."""
    lo, hi = {
        "fixed": (dist.value, dist.value),
        "triangular": (dist.low, dist.high),
        "lognormal": (-np.inf, np.inf),
    }[dist.kind]
    if dist.p_zero > 0:
        lo = min(lo, 0.0)
    if not (low <= lo and hi <= high):
        raise ValueError(
            f"{what} must be a fixed or triangular distribution within [{low}, {high}]"
        )
    return dist


class Adjustment(BaseModel):
    """What a host country or a project stage changes: a factor on the total slip beyond plan
    (drawn per project and draw) and phase success probabilities that replace the base ones."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    delay_scale: Dist | None = None
    p_success: dict[PrePhase, Prob] = {}

    @model_validator(mode="after")
    def _scale(self) -> Adjustment:
        if self.delay_scale is not None:
            _within(self.delay_scale, 0.0, 10.0, "delay_scale")
        return self


class PriceFactor(BaseModel):
    """The common price factor: rho, the share of the variance of a project's latent pass/fail
    variable that all projects of one mineral share (a one-factor Gaussian copula)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    correlation: Dist

    @model_validator(mode="after")
    def _rho(self) -> PriceFactor:
        _within(self.correlation, 0.0, 0.95, "correlation")
        return self


class Exponent(_Sourced):
    """k in p_j -> p_j^k for the study phases (exploration, feasibility): k > 1 makes projects
    still in studies less likely to reach production, k = 1 changes nothing. Fitted on past
    cohorts (critmin.sim.pipeline_cohort.calibrate)."""

    value: float = Field(ge=0.05, le=50)


STUDY_PHASES: tuple[PrePhase, ...] = ("exploration", "feasibility")
Instrument = Literal[INSTRUMENTS]  # type: ignore[valid-type]
# a share of the committed amount, drawn within [0, 1]
LossShare = Annotated[Dist, AfterValidator(lambda d: _within(d, 0.0, 1.0, "a loss given failure"))]


class StageModel(BaseModel):
    """The stage model: phases, ramp-up, the as-of date of the register and the horizon, with
    host-country and stage adjustments, the common price factor and the loss given failure of
    each instrument of public money."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    as_of: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$")]
    horizon: int = Field(ge=1950, le=2100)
    phases: dict[PrePhase, PhaseModel]
    ramp_up: RampModel
    countries: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Adjustment] = {}
    stages: dict[Literal["mine", "refine", "magnet", "recycling"], Adjustment] = {}
    price_factor: PriceFactor | None = None
    loss_given_failure: dict[Instrument, LossShare] = {}
    study_exponent: Exponent | None = None

    @model_validator(mode="after")
    def _complete(self) -> StageModel:
        missing = [p for p in PRE_PRODUCTION if p not in self.phases]
        if missing:
            raise ValueError(f"phase {missing[0]} is missing")
        if self.horizon < int(self.as_of[:4]):
            raise ValueError("horizon is before as_of")
        return self

    def p_success(self, phase: PrePhase, project: Project) -> float:
        """P(pass ``phase``) for ``project``: its stage's value, else its host's, else the base;
        raised to ``study_exponent`` in the study phases."""
        p = self.phases[phase].p_success.value
        for adj in (self.stages.get(project.stage), self.countries.get(project.host_iso3)):
            if adj is not None and phase in adj.p_success:
                p = adj.p_success[phase].value
                break
        if self.study_exponent is not None and phase in STUDY_PHASES:
            p = p**self.study_exponent.value
        return p

    def start_time(self) -> float:
        """as_of in decimal years (start of the month or day)."""
        y, m = int(self.as_of[:4]), int(self.as_of[5:7])
        if len(self.as_of) == 7:
            return y + (m - 1) / 12
        day = dt.date.fromisoformat(self.as_of).timetuple().tm_yday
        return y + (day - 1) / (366 if y % 4 == 0 else 365)

    def fingerprint(self) -> str:
        """Hash of the parameters (sha256 of their canonical JSON), to cite a run."""
        text = json.dumps(self.model_dump(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _period(text: str) -> tuple[float, float]:
    """(middle, end) of a ``YYYY`` or ``YYYY-MM`` period in decimal years."""
    y = int(text[:4])
    if len(text) == 4:
        return y + 0.5, y + 1.0
    m = int(text[5:7])
    return y + (m - 0.5) / 12, y + m / 12


# -- loading ---------------------------------------------------------------------------------


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge; a mapping that states its ``dist`` (or ``kind``) or ``value`` replaces the
    old one whole."""
    out = dict(base)
    for k, v in over.items():
        whole = isinstance(v, Mapping) and bool({"dist", "kind", "value"} & set(v))
        nest = isinstance(v, Mapping) and isinstance(out.get(k), dict) and not whole
        out[k] = _merge(out[k], v) if nest else v
    return out


def _read_yaml(path: Path, field: str = "stage_model") -> dict[str, Any]:
    from critmin.memo import read_yaml  # kept per file state

    data = read_yaml(path, field=field)
    if not isinstance(data, dict):
        raise InputError("expected a mapping of parameters", field=field, value=str(path))
    return data


def load_stage_model(
    file: Path | str | None = None,
    overrides: Mapping[str, Any] | None = None,
    field: str = "stage_model",
) -> StageModel:
    """The bundled stage model, with the parameters of ``file`` (YAML) and ``overrides`` on top
    (``field``: what ``file`` was given as, named when it cannot be read)."""
    data = _read_yaml(DATA / "stage_model.yaml")
    if file is not None:
        data = _merge(data, _read_yaml(Path(file), field))
    data = _merge(data, overrides or {})
    try:
        return StageModel.model_validate(data)
    except ValidationError as exc:
        where = str(file) if file else None
        raise from_validation(exc, data, default=field, model=StageModel, file=where) from None


def check_header(fieldnames: Sequence[str] | None, columns: Sequence[str], path: Path) -> None:
    """The first missing or unknown column of a CSV header, as an InputError (line 1)."""
    header = list(fieldnames or [])
    for col in [*(c for c in columns if c not in header), *(c for c in header if c not in columns)]:
        msg = "missing column" if col in columns else "unknown column"
        raise InputError(msg, file=str(path), line=1, column=col)


def load_projects(file: Path | str | None = None) -> list[Project]:
    """The project register (the bundled one unless ``file`` names another CSV).

    Refused with the file, line and column: unknown or missing columns, bad cells, duplicate
    project ids, and a ledger row linked to two projects (one row counts for one project).
    """
    path = Path(file) if file is not None else DATA / "projects.csv"
    from critmin.data.bundled import csv_errors, csv_text
    from critmin.files import MAX_TABLE_BYTES, read_input_text

    text = read_input_text(path, "projects", MAX_TABLE_BYTES, encoding="utf-8-sig")
    reader = csv.DictReader(csv_text(text))
    check_header(reader.fieldnames, COLUMNS, path)
    out: list[Project] = []
    owner: dict[str, str] = {}
    for rec in csv_errors(reader, str(path)):

        def bad(msg: str, column: str, value: Any) -> InputError:
            return InputError(msg, file=str(path), line=reader.line_num, column=column, value=value)

        try:
            p = Project.model_validate(rec)
        except ValidationError as exc:
            raise from_validation(
                exc, rec, default="row", file=str(path), line=reader.line_num, as_column=True
            ) from None
        if p.project_id in {q.project_id for q in out}:
            raise bad("duplicate project", "project_id", p.project_id)
        for i in p.ledger_ids:
            if i in owner:
                raise bad(f"ledger row already linked to {owner[i]}", "ledger_ids", i)
            owner[i] = p.project_id
        out.append(p)
    return out
