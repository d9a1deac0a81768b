"""Project-pipeline Monte Carlo (DESIGN.md section 6, Q8): will the money deliver?

A government can write cheques; it cannot write mines. The register (``sim/data/projects.csv``,
every row sourced, public money linked to ledger rows by id) lists critical-mineral projects
outside China with public support. Each passes its remaining pre-production phases, then
ramps up; the stage model (``sim/data/stage_model.yaml``) gives every parameter a ``source:``
or ``assumption:`` and any of them can be overridden from YAML.

Model, per project p and draw i (times in decimal years; a plan ``YYYY`` is read as the
middle of that year, ``YYYY-MM`` as the middle of that month):
- alive_i = prod_j [U_ij < p_j] over the phases j from the current one to construction
- start_i = max(plan_p, as_of) + sum_j D_ij, D_ij the slip of phase j beyond the plan (years)
- u_i(t) = L_i * min(1, (t - start_i) / R_i) for t >= start_i, else 0 (share of nameplate),
  R_i ~ ramp-up duration, L_i = 1 with probability p_ramp, else the plateau share
- delivered_i(y) = capacity_p * integral_y^(y+1) u_i(t) dt   (t/yr of the named product)
- planned(y) = capacity_p * integral_y^(y+1) [t >= plan_p] dt  (nameplate from the plan date)
- capex_i = capex_p * K_i, K_i ~ construction capex overrun, for projects not yet producing
Projects already ramping up start at their plan (the actual start); producing ones deliver
nameplate. Randomness: project k draws from ``critmin.sim.rng.block_generator(seed, k)`` (child
k of ``SeedSequence(seed)``) and every distribution consumes the same count of uniforms
whatever its parameters, so a probability lowered leaves the other draws unchanged (common
random numbers) and results depend on the seed only.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
from critmin.defaults import DRAWS, SEED
from critmin.errors import InputError
from critmin.schema import INSTRUMENTS

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

    kind: Literal["fixed", "lognormal", "triangular"]
    # years or a ratio: bounds far beyond any plan, which keep every draw and sum finite
    value: Years = 0.0
    median: float = Field(default=1.0, gt=0, le=100)
    sigma: float = Field(default=0.0, ge=0, le=5)
    shift: Years = 0.0
    low: Years = 0.0
    mode: Years = 0.0
    high: Years = 0.0
    p_zero: float = Field(default=0.0, ge=0, le=1)

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
    """Deep merge; a mapping that states its ``kind`` or ``value`` replaces the old one whole."""
    out = dict(base)
    for k, v in over.items():
        whole = isinstance(v, Mapping) and ("kind" in v or "value" in v)
        nest = isinstance(v, Mapping) and isinstance(out.get(k), dict) and not whole
        out[k] = _merge(out[k], v) if nest else v
    return out


def _read_yaml(path: Path, field: str = "stage_model") -> dict[str, Any]:
    from critmin.memo import read_yaml  # kept per file state

    data = read_yaml(path, field=field)
    if not isinstance(data, dict):
        raise InputError("expected a mapping of parameters", field=field, value=str(path))
    return data


def _where(exc: ValidationError, data: Any) -> tuple[str, str, Any]:
    """(dotted field, message, offending value) of the first validation error."""
    err = exc.errors()[0]
    loc = [str(p) for p in err.get("loc", ())]
    value: Any = data
    for part in loc:
        value = value.get(part) if isinstance(value, Mapping) else None
    return ".".join(loc) or "row", str(err["msg"]), None if isinstance(value, Mapping) else value


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
        field, msg, value = _where(exc, data)
        raise InputError(msg, field=field, value=value, file=str(file) if file else None) from None


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
            field, msg, value = _where(exc, rec)
            raise bad(msg, field, value) from None
        if p.project_id in {q.project_id for q in out}:
            raise bad("duplicate project", "project_id", p.project_id)
        for i in p.ledger_ids:
            if i in owner:
                raise bad(f"ledger row already linked to {owner[i]}", "ledger_ids", i)
            owner[i] = p.project_id
        out.append(p)
    return out


# -- public money and the funding gap -----------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Public money linked to one project, by the latest row of each linked chain."""

    committed_usd: float
    loi_usd: float
    rows: Mapping[str, tuple[str, ...]]  # committed, letter_of_interest, cancelled, no_amount
    cheques: tuple[float, ...]
    by_instrument: Mapping[str, float] = dataclasses.field(default_factory=dict)  # committed USD


def public_money(
    projects: Sequence[Project], rows: Iterable[Mapping[str, Any]]
) -> dict[str, Money]:
    """Per project: committed = sum of amount_usd of the latest row of each linked chain that
    is neither cancelled (nor superseded) nor a letter of interest; letters of interest apart.

    ``rows`` is the whole ledger history (``critmin.ledger.ledger()``): a linked id that has
    been superseded counts through the latest row of its chain, and two links that end in the
    same row count once. An id that names no ledger row is an InputError.
    """
    from critmin.ledger import DEAD_STATUSES, chains, is_loi

    by_id = {r["id"]: r for r in rows}
    # the one chain walker (critmin.ledger.chains): a forked chain is refused, never guessed
    last = {r["id"]: c[-1]["id"] for c in chains(by_id.values()) for r in c}
    out: dict[str, Money] = {}
    for p in projects:
        heads: list[str] = []
        for i in p.ledger_ids:
            if i not in by_id:
                raise InputError(
                    f"no ledger row (project {p.project_id})", field="ledger_ids", value=i
                )
            i = last[i]
            heads += [] if i in heads else [i]
        sorts: dict[str, list[str]] = defaultdict(list)
        cheques: list[float] = []
        by_instrument: dict[str, float] = defaultdict(float)
        loi = 0.0
        for h in heads:
            r, amount = by_id[h], by_id[h].get("amount_usd")
            if r["status"] in DEAD_STATUSES:
                sorts["cancelled"].append(h)
            elif is_loi(r):
                sorts["letter_of_interest"].append(h)
                loi += amount or 0.0
            else:
                sorts["committed"].append(h)
                sorts["no_amount" if amount is None else "with_amount"].append(h)
                cheques += [] if amount is None else [float(amount)]
                by_instrument[r["instrument"]] += float(amount or 0.0)
        keys = ("committed", "letter_of_interest", "cancelled", "no_amount")
        out[p.project_id] = Money(
            sum(cheques),
            loi,
            {k: tuple(sorts[k]) for k in keys},
            tuple(cheques),
            dict(by_instrument),
        )
    return out


def cheque_sizes(amounts: Iterable[float]) -> dict[str, Any]:
    """count, min, p25, median, p75, max of amounts (USD); quantiles interpolate linearly."""
    a = np.asarray(list(amounts), dtype=np.float64)
    names = ("min", "p25", "median", "p75", "max")
    if a.size == 0:
        return {"count": 0} | dict.fromkeys(names)
    values = np.quantile(a, [0.0, 0.25, 0.5, 0.75, 1.0])
    return {"count": int(a.size)} | {k: float(v) for k, v in zip(names, values, strict=True)}


def _ledger_rows(rows: Iterable[Mapping[str, Any]] | None, path: Path | str | None) -> list[Any]:
    if rows is not None:
        return list(rows)
    from critmin.ledger import ledger

    return list(ledger(path))


def _money_record(p: Project, m: Money) -> dict[str, Any]:
    need = p.capex_usd
    return {
        "project": p.project_id,
        "name": p.name,
        "mineral": p.mineral_id,
        "host": p.host_iso3,
        "current_phase": p.current_phase,
        "need_usd": need,
        "capex_year": p.capex_year,
        "committed_usd": m.committed_usd,
        "loi_usd": m.loi_usd,
        "gap_usd": None if need is None else need - m.committed_usd,
        "coverage": m.committed_usd / need if need else None,
        "rows": {k: list(v) for k, v in m.rows.items()},
        "cheques": cheque_sizes(m.cheques),
    }


SUMMED = (
    "need_usd",
    "committed_usd",
    "loi_usd",
    "gap_usd",
    "expected_need_usd",
    "expected_gap_usd",
    "public_at_risk_usd",
)


def _by_mineral(
    records: Sequence[Mapping[str, Any]], money: Mapping[str, Money]
) -> list[dict[str, Any]]:
    """Sum the numeric fields of project records by mineral (a missing need counts 0 in need
    and gap, and is counted in projects_need_unknown); coverage over projects with a need."""
    out: dict[str, dict[str, Any]] = {}
    fields = [f for f in SUMMED if any(f in r for r in records)]
    for r in records:
        g = out.setdefault(
            r["mineral"],
            {
                "mineral": r["mineral"],
                "projects": [],
                "projects_need_unknown": 0,
                "_known": 0.0,
                "_cheques": [],
            },
        )
        g["projects"].append(r["project"])
        g["projects_need_unknown"] += r["need_usd"] is None
        g["_known"] += 0.0 if r["need_usd"] is None else r["committed_usd"]
        g["_cheques"] += money[r["project"]].cheques
        for f in fields:
            g[f] = g.get(f, 0.0) + (r.get(f) or 0.0)
    for g in out.values():
        if g["projects_need_unknown"] == len(g["projects"]):  # no need known: no sums of it
            g.update({f: None for f in fields if "need" in f or "gap" in f})
        known = g.pop("_known")
        g["coverage"] = known / g["need_usd"] if g.get("need_usd") else None
        g["cheques"] = cheque_sizes(g.pop("_cheques"))
    return sorted(out.values(), key=lambda g: (-g["committed_usd"], g["mineral"]))


def gap(
    by: str = "project",
    path: Path | str | None = None,
    projects_file: Path | str | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Funding gap: estimated need (the register's capex) vs public money committed.

    Per project: need_usd = capex_usd (announced; unknown = null); committed_usd and loi_usd
    as :func:`public_money`; gap_usd = need_usd - committed_usd; coverage = committed / need.
    Per mineral: sums over its projects; need and gap count projects with a known need only
    (``projects_need_unknown`` says how many lack one; their committed money stays in
    committed_usd). Cheques: :func:`cheque_sizes` of amount_usd over the committed rows.
    """
    if by not in GAP_KEYS:
        raise InputError(f"choose one of {', '.join(GAP_KEYS)}", field="by", value=by)
    projects = load_projects(projects_file)
    money = public_money(projects, _ledger_rows(rows, path))
    records = [_money_record(p, money[p.project_id]) for p in projects]
    every = list(money.values())
    return {
        "by": by,
        "rows": records if by == "project" else _by_mineral(records, money),
        "projects": len(projects),
        "need_usd": sum(p.capex_usd or 0.0 for p in projects),
        "committed_usd": sum(m.committed_usd for m in every),
        "letters_of_interest": {
            "amount_usd": sum(m.loi_usd for m in every),
            "included": False,
            "count": sum(len(m.rows["letter_of_interest"]) for m in every),
        },
        "cheques": cheque_sizes(c for m in every for c in m.cheques),
    }


# -- simulation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draws:
    """Per project (rows, in the order given) and draw (columns)."""

    alive: NDArray[np.bool_]
    start: Floats  # first production, decimal year (nan if never)
    ramp: Floats  # years from start to nameplate
    level: Floats  # share of nameplate finally reached
    capex_ratio: Floats  # as-built / estimated capex


def check_draws(draws: object) -> int:
    """The draw count as an int in 1..MAX_DRAWS, or InputError naming the field."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer):
        raise InputError("draws must be an integer", field="draws", value=draws)
    if not 1 <= int(draws) <= MAX_DRAWS:
        raise InputError(f"draws must be from 1 to {MAX_DRAWS:,}", field="draws", value=draws)
    return int(draws)


_NO_SCALE = Dist(kind="fixed", value=1.0, assumption="no adjustment")


def _scale(adj: Adjustment | None) -> Dist:
    return adj.delay_scale if adj is not None and adj.delay_scale is not None else _NO_SCALE


def factor_draws(
    minerals: Iterable[str], model: StageModel, n: int, seed: int
) -> tuple[Floats, dict[str, Floats]] | None:
    """(rho, {mineral: Z}) of the common price factor, or None when the model has none.

    rho (one per draw) from ``price_factor.correlation``; Z ~ N(0, 1) per mineral and draw. Both
    come from named streams (``critmin.sim.rng.named_generator``), so switching the factor on
    or off leaves every project's own draws unchanged.
    """
    from critmin.sim.rng import named_generator

    if model.price_factor is None:
        return None
    rho = model.price_factor.correlation.sample(named_generator(seed, "price-factor", "rho"), n)
    z = {m: named_generator(seed, "price-factor", m).standard_normal(n) for m in sorted(minerals)}
    return np.clip(rho, 0.0, 0.95), z


def _correlate(u: Floats, rho: Floats, z: Floats) -> Floats:
    """u' = Phi(sqrt(rho) Z + sqrt(1 - rho) Phi^-1(u)): uniform again, and correlated through Z
    across the projects that share Z (a one-factor Gaussian copula; rho = 0 gives u back)."""
    from scipy.special import ndtr, ndtri

    x = np.sqrt(rho) * z + np.sqrt(1.0 - rho) * np.asarray(ndtri(u), dtype=float)
    return np.asarray(ndtr(x), dtype=np.float64)


def simulate(
    projects: Sequence[Project],
    model: StageModel,
    draws: int,
    seed: int,
    common_factor: bool = True,
) -> Draws:
    """Draw first-production dates, ramp-ups and capex overruns (see the module docstring).

    Phase j of project p passes when U_j < p_j, p_j from :meth:`StageModel.p_success` (stage,
    then host country, then base). With the model's common price factor on, whether p reaches
    production at all is one draw, V' < prod_j p_j, with V' correlated across the projects of
    one mineral (:func:`_correlate`): failures cluster as they do when a price falls, and each
    project's probability of producing is unchanged. The total slip is scaled by the host
    country's and the stage's ``delay_scale`` draws. Every project must state its planned
    start. Pure: no I/O; a seed gives the same draws.
    """
    from critmin.sim.rng import block_generator, check_seed, named_generator

    n, seed = check_draws(draws), check_seed(seed)
    factor = factor_draws({p.mineral_id for p in projects}, model, n, seed)
    if factor is not None and not common_factor:  # the same draws with rho = 0: independent
        factor = (np.zeros(n), factor[1])
    t0, shape = model.start_time(), (len(projects), n)
    alive, start = np.ones(shape, dtype=bool), np.full(shape, np.nan)
    ramp, level, ratio = np.zeros(shape), np.ones(shape), np.ones(shape)
    for k, p in enumerate(projects):
        if p.planned_start is None:
            raise InputError(f"{p.project_id} has no planned start", field="planned_start")
        rng, here, delay = block_generator(seed, k), PHASES.index(p.current_phase), np.zeros(n)
        p_all = 1.0
        for j, name in enumerate(PRE_PRODUCTION):
            ph = model.phases[name]
            u, d = rng.random(n), ph.delay_years.sample(rng, n)
            over = ph.capex_overrun.sample(rng, n) if ph.capex_overrun else np.ones(n)
            if j >= here:
                ps = model.p_success(name, p)
                alive[k] &= u < ps
                p_all *= ps
                delay += d
                ratio[k] *= over
        if factor is not None and here < len(PRE_PRODUCTION):
            # one latent variable per project decides whether it reaches production at all
            # (P = the product of its phase probabilities), correlated across the mineral's
            # projects (rho = 0 when the factor is off: the same draws, uncorrelated, so two
            # runs differ by the correlation alone); the phase draws still set the slips
            v = named_generator(seed, "pass", p.project_id).random(n)
            alive[k] = _correlate(v, factor[0], factor[1][p.mineral_id]) < p_all
        u, r = rng.random(n), model.ramp_up.duration_years.sample(rng, n)
        # drawn after the phases, so a model without adjustments keeps its earlier draws
        scale = _scale(model.countries.get(p.host_iso3)).sample(rng, n)
        scale = scale * _scale(model.stages.get(p.stage)).sample(rng, n)
        if p.current_phase != "producing":
            ramp[k] = r
            level[k] = np.where(u < model.ramp_up.p_success.value, 1.0, model.ramp_up.plateau.value)
        plan = _period(p.planned_start)[0]
        pre = here < PHASES.index("ramp_up")
        begin = max(plan, t0) + delay * scale if pre else np.full(n, plan)
        start[k] = np.where(alive[k], begin, np.nan)
    return Draws(alive, start, ramp, level, ratio)


def _cum(t: float, start: Floats, ramp: Floats) -> Floats:
    """integral from start to t of min(1, (s - start) / ramp) ds (0 before start; ramp 0 = step)."""
    x = np.clip(np.nan_to_num(t - start, nan=0.0), 0.0, None)
    safe = np.where(ramp > 0, ramp, 1.0)
    return np.where(x <= ramp, x * x / (2 * safe), x - ramp / 2).astype(np.float64)


def delivered(
    start: Floats, ramp: Floats, level: Floats, capacity: float, years: Sequence[int]
) -> Floats:
    """Tonnes delivered in each calendar year (columns), one row per draw."""
    edges = [_cum(float(y), start, ramp) for y in [*years, years[-1] + 1]]
    per_year = np.stack([b - a for a, b in itertools.pairwise(edges)], axis=-1)
    return (capacity * level[:, None] * per_year).astype(np.float64)


def planned(planned_start: str, capacity: float, years: Sequence[int]) -> Floats:
    """The announced plan: nameplate from the middle of the planned period, per calendar year."""
    t = _period(planned_start)[0]
    return np.array([capacity * min(1.0, max(0.0, y + 1 - t)) for y in years])


def loss_draws(
    projects: Sequence[Project],
    money: Mapping[str, Money],
    failed: NDArray[np.bool_],
    model: StageModel,
    seed: int,
) -> tuple[Floats, dict[str, Floats]]:
    """Public money lost, USD, per project (rows) and draw (columns), and per instrument.

    loss_{k,i} = failed_{k,i} * sum_m amount_{k,m} * LGD_{k,m,i}: a project that does not
    produce by the horizon loses each instrument's committed amount times that instrument's
    loss given failure (``loss_given_failure`` in the stage model: a grant is spent, a loan
    recovers part, an offtake or a floor pays only on delivery, so it loses nothing). LGD is
    drawn per project, instrument and draw from a named stream. Letters of interest are not
    committed and lose nothing. An instrument without a loss given failure is an InputError.
    """
    from critmin.sim.rng import named_generator

    n = failed.shape[1]
    out: Floats = np.zeros(failed.shape)
    by: dict[str, Floats] = {}
    for k, p in enumerate(projects):
        for name, amount in sorted(money[p.project_id].by_instrument.items()):
            if name not in model.loss_given_failure:
                raise InputError(
                    "no loss given failure for this instrument",
                    field="loss_given_failure",
                    value=name,
                )
            lgd = model.loss_given_failure[name].sample(
                named_generator(seed, "loss", p.project_id, name), n
            )
            lost = np.where(failed[k], amount * lgd, 0.0)
            out[k] += lost
            by[name] = by.get(name, np.zeros(n)) + lost
    return out, by


def run(
    draws: int = DRAWS,
    seed: int = SEED,
    *,
    projects: Sequence[Project] | None = None,
    model: StageModel | None = None,
    projects_file: Path | str | None = None,
    stage_model_file: Path | str | None = None,
    horizon: int | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    path: Path | str | None = None,
    common_factor: bool = True,
) -> dict[str, Any]:
    """The pipeline Monte Carlo over the register: fan chart, odds, cost per tonne, money at risk.

    by_year (mineral x product x year): planned_t and the mean, p10, p50, p90 of the tonnes
    delivered by its projects together. Per project: p_producing_by_plan = P(first production
    by the end of the planned period); p_producing_by[year] = P(by the end of that year);
    expected_delay_years = E[start - plan | it produces]; usd_per_delivered_t = public_usd /
    E[tonnes delivered up to the horizon] (null without capacity or any delivery);
    public_at_risk_usd = public_usd x P(no production by the end of the horizon) (face value);
    expected_loss_usd = E[:func:`loss_draws`], what is lost by instrument. totals.loss gives the
    mean, p50 and p90 of the register's loss over draws (with the common price factor on,
    failures cluster and the p90 rises) and the loss by instrument. by_mineral adds expected
    need (capex x E[overrun]) and expected gap to :func:`gap`'s sums. ``common_factor=False``
    draws every project independently (the factor's named streams are simply not used).
    """
    ps = list(projects) if projects is not None else load_projects(projects_file)
    sm = model if model is not None else load_stage_model(stage_model_file)
    if horizon is not None:
        try:
            sm = StageModel.model_validate({**sm.model_dump(), "horizon": horizon})
        except ValidationError as exc:
            raise InputError(str(exc.errors()[0]["msg"]), field="horizon", value=horizon) from None
    money = public_money(ps, _ledger_rows(rows, path))
    sim = [p for p in ps if p.planned_start]
    d = simulate(sim, sm, draws, seed, common_factor)
    failed = ~(np.where(d.alive, d.start, np.inf) <= sm.horizon + 1)
    loss, loss_by = loss_draws(sim, money, failed, sm, seed)
    years = list(range(int(sm.as_of[:4]), sm.horizon + 1))
    fans: dict[tuple[str, str], dict[str, Any]] = {}
    records = {p.project_id: _money_record(p, money[p.project_id]) for p in ps}
    for k, p in enumerate(sim):
        rec, plan = records[p.project_id], str(p.planned_start)
        ok, first = d.alive[k], np.where(d.alive[k], d.start[k], np.inf)
        cap, expected_t = p.planned_capacity_t, None
        if cap is not None:
            tonnes = delivered(d.start[k], d.ramp[k], d.level[k], cap, years)
            expected_t = float(tonnes.sum(axis=1).mean())
            fan = fans.setdefault(
                (p.mineral_id, p.product), {"projects": [], "draws": 0.0, "plan": 0.0}
            )
            fan["projects"].append(p.project_id)
            fan["draws"] = fan["draws"] + tonnes
            fan["plan"] = fan["plan"] + planned(plan, cap, years)
        public = rec["committed_usd"]
        per_t = (
            public / expected_t
            if expected_t
            else (0.0 if expected_t is not None and not public else None)
        )
        rec.update(
            {
                "product": p.product,
                "planned_start": plan,
                "planned_capacity_t": cap,
                "p_producing_by_plan": float((first <= _period(plan)[1] + 1e-9).mean()),
                "p_producing_by": {str(y): float((first <= y + 1).mean()) for y in years},
                "p_never": 1.0 - float(ok.mean()),
                "expected_delay_years": float(np.mean(d.start[k][ok] - _period(plan)[0]))
                if ok.any()
                else None,
                "planned_t": float(planned(plan, cap, years).sum()) if cap is not None else None,
                "expected_delivered_t": expected_t,
                "expected_need_usd": None
                if p.capex_usd is None
                else p.capex_usd * float(d.capex_ratio[k].mean()),
                "public_usd": public,
                "usd_per_delivered_t": per_t,
                "public_at_risk_usd": public * float(failed[k].mean()),
                "expected_loss_usd": float(loss[k].mean()),
            }
        )
        if rec["expected_need_usd"] is not None:
            rec["expected_gap_usd"] = rec["expected_need_usd"] - public
    for p in ps:  # not simulated: the expected need is the announced one
        if not p.planned_start:
            rec = records[p.project_id]
            rec.update(expected_need_usd=rec["need_usd"], expected_gap_usd=rec["gap_usd"])
    by_year = []
    for (mineral, product), fan in sorted(fans.items()):
        q = np.quantile(fan["draws"], [0.1, 0.5, 0.9], axis=0)
        for i, y in enumerate(years):
            by_year.append(
                {
                    "mineral": mineral,
                    "product": product,
                    "year": y,
                    "planned_t": float(fan["plan"][i]),
                    "mean_t": float(fan["draws"][:, i].mean()),
                    "p10_t": float(q[0, i]),
                    "p50_t": float(q[1, i]),
                    "p90_t": float(q[2, i]),
                    "projects": fan["projects"],
                }
            )
    simmed = [records[p.project_id] for p in sim]
    at_risk, public_sim = (sum(r[f] for r in simmed) for f in ("public_at_risk_usd", "public_usd"))
    return {
        "draws": int(d.alive.shape[1]),
        "seed": seed,
        "as_of": sm.as_of,
        "horizon": sm.horizon,
        "stage_model_id": sm.fingerprint(),
        "by_year": by_year,
        "projects": simmed,
        "by_mineral": _by_mineral(list(records.values()), money),
        "not_simulated": [
            {
                "project": p.project_id,
                "reason": "no planned start in the register",
                "public_usd": money[p.project_id].committed_usd,
            }
            for p in ps
            if not p.planned_start
        ],
        "totals": {
            "projects": len(ps),
            "simulated": len(sim),
            "public_usd": sum(m.committed_usd for m in money.values()),
            "loi_usd": sum(m.loi_usd for m in money.values()),
            "public_usd_simulated": public_sim,
            "public_at_risk_usd": at_risk,
            "share_at_risk": at_risk / public_sim if public_sim else None,
            "expected_projects_producing_by_plan": sum(r["p_producing_by_plan"] for r in simmed),
            "common_factor": common_factor and sm.price_factor is not None,
            "loss": _loss_summary(loss.sum(axis=0), loss_by, money, sim),
        },
    }


def _loss_summary(
    total: Floats, by: Mapping[str, Floats], money: Mapping[str, Money], sim: Sequence[Project]
) -> dict[str, Any]:
    """Mean and quantiles of the loss over draws (USD), and per instrument its committed amount
    and mean loss."""
    q = np.quantile(total, [0.5, 0.9, 0.95]) if total.size else np.zeros(3)
    committed: dict[str, float] = defaultdict(float)
    for p in sim:
        for name, amount in money[p.project_id].by_instrument.items():
            committed[name] += amount
    return {
        "expected_usd": float(total.mean()) if total.size else 0.0,
        "p50_usd": float(q[0]),
        "p90_usd": float(q[1]),
        "p95_usd": float(q[2]),
        "by_instrument": [
            {
                "instrument": name,
                "committed_usd": committed[name],
                "expected_loss_usd": float(by[name].mean()) if name in by else 0.0,
            }
            for name in sorted(committed, key=lambda m: -committed[m])
        ],
    }
