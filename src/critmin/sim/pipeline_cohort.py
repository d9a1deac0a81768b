"""Backtest of the pipeline stage model on a past project cohort (issue 23, DESIGN.md Q8).

The question the pipeline Monte Carlo answers, "how many of these projects produce within ten
years?", can be asked of a cohort whose ten years are over. The bundled cohort
(``sim/data/cohort_ree_2012.csv``, docs/pipeline-cohort.md) is the rare-earth projects outside
China listed as advanced in 2012; each row states the phase it was in then, the sponsor's plan
of that time where one was published, and when (if ever) it started commercial production,
each with its source.

Method: every row becomes a :class:`critmin.sim.pipeline.Project` in its 2012 phase and is run
through :func:`critmin.sim.pipeline.simulate` with the stage model as bundled (its as-of date
moved to the cohort date; no parameter is refitted to the cohort). A row without a published
plan is read as planned for the cohort date, so only the model's slips delay it (the most
optimistic reading; the result counts such rows). Then, per draw i,
  share_i = (1 / N) sum_p [p alive_i and start_{p,i} <= cohort date + years]
and the prediction is the mean and the 5th-95th percentiles of share_i; observed share =
(1 / N) sum_p [first_production_p <= cohort date + years] (a ``YYYY`` date read as the middle of
that year). Error = predicted mean - observed, in percentage points. Also the Brier score
(1 / N) sum_p (P_p - o_p)^2 of the per-project probabilities. Rows whose 2012 phase is unknown
cannot be simulated; they are listed with their outcome and left out of both shares.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from critmin.columns import MAX_NOTE, MAX_SLUG, MAX_URL
from critmin.defaults import DRAWS
from critmin.errors import InputError, first_problem, from_validation
from critmin.sim.pipeline import simulate
from critmin.sim.pipeline_model import (
    DATA,
    PHASES,
    OptNonNeg,
    Plan,
    Project,
    StageModel,
    Text,
    _blank,
    _period,
    check_header,
    load_stage_model,
)

COHORT = DATA / "cohort_ree_2012.csv"
COHORT_DATE = "2012-01"
YEARS = 10
# the bundled cohorts: name -> (file, cohort date); docs/pipeline-cohort.md describes each
COHORTS: dict[str, tuple[Path, str]] = {
    "ree-2012": (COHORT, COHORT_DATE),
    "u-2008": (DATA / "cohort_u_2008.csv", "2008-01"),
}
# grid of the study-phase exponent k searched by calibrate(): 0.25 to 40, geometric
K_GRID = tuple(float(k) for k in np.geomspace(0.25, 40.0, 49))
Phase = Literal["exploration", "feasibility", "financing", "construction", "ramp_up", "producing"]
Opt = BeforeValidator(_blank)


class CohortRow(BaseModel):
    """One project of a past cohort: its phase and plan then, its outcome since, both sourced."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    project_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=MAX_SLUG)]
    name: Text
    sponsor: Text
    host_iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    stage: Literal["mine", "refine"]
    cohort_phase: Annotated[Phase | None, Opt] = None
    planned_start: Annotated[Plan | None, Opt] = None
    planned_capacity_t: OptNonNeg = None
    first_production: Annotated[Plan | None, Opt] = None
    status: Literal["producing", "care_and_maintenance", "development", "dormant", "abandoned"]
    list_source_id: Annotated[str, Field(min_length=1, max_length=MAX_SLUG)]
    outcome_source_url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=MAX_URL)]
    outcome_source_title: Text
    outcome_publisher: Text
    outcome_published: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    note: Annotated[Annotated[str, Field(max_length=MAX_NOTE)] | None, Opt] = None

    def project(self, as_of: str) -> Project:
        """The row as a register project in its cohort-date phase (a missing plan reads as
        ``as_of``)."""
        return Project(
            project_id=self.project_id,
            name=self.name,
            sponsor=self.sponsor,
            mineral_id="rare_earths",
            host_iso3=self.host_iso3,
            stage=self.stage,
            current_phase=self.cohort_phase or "exploration",
            product="rare-earth oxide",
            planned_capacity_t=self.planned_capacity_t,
            planned_start=self.planned_start or as_of,
            source_url=self.outcome_source_url,
            source_title=self.outcome_source_title,
            publisher=self.outcome_publisher,
            published=self.outcome_published,
        )


COLUMNS = tuple(CohortRow.model_fields)


def _source_ids() -> set[str]:
    from critmin.data.bundled import reference_dir

    out: set[str] = set()
    for f in sorted((reference_dir() / "sources").glob("*.csv")):
        with f.open(encoding="utf-8") as fh:
            out |= {r["source_id"] for r in csv.DictReader(fh)}
    return out


def load_cohort(file: Path | str | None = None) -> list[CohortRow]:
    """The cohort (the bundled one unless ``file`` names another CSV). Refused with the file,
    line and column: unknown or missing columns, bad cells, a row without an outcome source,
    a list source that is not in the sources table, duplicate ids."""
    from critmin.data.bundled import csv_errors, csv_text
    from critmin.files import MAX_TABLE_BYTES, read_input_text

    path = Path(file) if file is not None else COHORT
    text = read_input_text(path, "cohort", MAX_TABLE_BYTES, encoding="utf-8-sig")
    reader = csv.DictReader(csv_text(text))
    check_header(reader.fieldnames, COLUMNS, path)
    known = _source_ids()
    out: list[CohortRow] = []
    for rec in csv_errors(reader, str(path)):
        try:
            row = CohortRow.model_validate(rec)
        except ValidationError as exc:
            raise from_validation(
                exc, rec, default="row", file=str(path), line=reader.line_num, as_column=True
            ) from None
        problem = (
            ("duplicate project", "project_id", row.project_id)
            if row.project_id in {r.project_id for r in out}
            else ("not in the sources table", "list_source_id", row.list_source_id)
            if row.list_source_id not in known
            else None
        )
        if problem:
            raise InputError(
                problem[0], file=str(path), line=reader.line_num, column=problem[1],
                value=problem[2],
            )  # fmt: skip
        out.append(row)
    if not out:
        raise InputError("the cohort has no rows", file=str(path))
    return out


def check_rows(rows: Sequence[CohortRow]) -> list[CohortRow]:
    """``rows`` given as data (the HTTP API): ids once each and list sources that exist, or an
    InputError naming the row's field."""
    known, seen = _source_ids(), set()
    for i, r in enumerate(rows):
        if r.project_id in seen:
            raise InputError(
                "duplicate project", field=f"cohort[{i}].project_id", value=r.project_id
            )
        if r.list_source_id not in known:
            raise InputError(
                "not in the sources table", field=f"cohort[{i}].list_source_id",
                value=r.list_source_id,
            )  # fmt: skip
        seen.add(r.project_id)
    return list(rows)


def produced_by(first_production: str | None, cutoff: float) -> bool:
    """Whether a first-production date (``YYYY`` or ``YYYY-MM``, read as the middle of the
    period) falls by ``cutoff`` (decimal years)."""
    return first_production is not None and _period(first_production)[0] <= cutoff


def backtest(
    cohort: Sequence[CohortRow] | None = None,
    model: StageModel | None = None,
    as_of: str = COHORT_DATE,
    years: int = YEARS,
    draws: int = DRAWS,
    seed: int = 0,
    common_factor: bool = True,
) -> dict[str, Any]:
    """Predicted against observed share of the cohort producing within ``years`` of ``as_of``
    (see the module docstring for the formulas)."""
    rows = list(cohort) if cohort is not None else load_cohort()
    if not 1 <= years <= 50:
        raise InputError("years must be from 1 to 50", field="years", value=years)
    base = model if model is not None else load_stage_model()
    try:
        sm = StageModel.model_validate(
            {**base.model_dump(), "as_of": as_of, "horizon": int(as_of[:4]) + years}
        )
    except ValidationError as exc:
        msg = first_problem(exc).message
        raise InputError(msg, field="as_of", value=as_of) from None
    cutoff = sm.start_time() + years
    known = [r for r in rows if r.cohort_phase is not None]
    if not known:
        raise InputError("no row states its phase at the cohort date", field="cohort_phase")
    d = simulate([r.project(as_of) for r in known], sm, draws, seed, common_factor)
    hit = d.alive & (np.nan_to_num(d.start, nan=np.inf) <= cutoff)
    share = hit.mean(axis=0)
    p = hit.mean(axis=1)
    obs = np.array([produced_by(r.first_production, cutoff) for r in known], dtype=float)
    predicted, observed = float(share.mean()), float(obs.mean())
    lo, hi = (float(q) for q in np.quantile(share, [0.05, 0.95]))
    by_phase = []
    for phase in PHASES:
        idx = [i for i, r in enumerate(known) if r.cohort_phase == phase]
        if idx:
            by_phase.append(
                {
                    "phase": phase,
                    "projects": len(idx),
                    "predicted_producing": float(p[idx].sum()),
                    "observed_producing": int(obs[idx].sum()),
                }
            )
    return {
        "as_of": as_of,
        "years": years,
        "cutoff_year": cutoff,
        "draws": int(hit.shape[1]),
        "seed": seed,
        "common_factor": common_factor and sm.price_factor is not None,
        "stage_model_id": sm.fingerprint(),
        "projects": len(known),
        "plan_missing": sum(r.planned_start is None for r in known),
        "predicted_share": predicted,
        "predicted_p5": lo,
        "predicted_p95": hi,
        "observed_share": observed,
        "error_pp": 100.0 * (predicted - observed),
        "within_10pp": abs(predicted - observed) <= 0.10,
        "observed_in_interval": lo <= observed <= hi,
        "brier": float(np.mean((p - obs) ** 2)),
        "brier_base_rate": float(np.mean((observed - obs) ** 2)),
        "by_phase": by_phase,
        "rows": [
            {
                "project": r.project_id,
                "name": r.name,
                "host": r.host_iso3,
                "cohort_phase": r.cohort_phase,
                "planned_start": r.planned_start,
                "p_producing": float(p[i]),
                "first_production": r.first_production,
                "produced": bool(obs[i]),
                "status": r.status,
                "source": r.outcome_source_url,
            }
            for i, r in enumerate(known)
        ],
        "not_simulated": [
            {
                "project": r.project_id,
                "reason": "phase at the cohort date unknown",
                "first_production": r.first_production,
            }
            for r in rows
            if r.cohort_phase is None
        ],
    }


def _with_exponent(model: StageModel, k: float, basis: str) -> StageModel:
    data = model.model_dump()
    data["study_exponent"] = {"value": k, "source": basis}
    return StageModel.model_validate(data)


def _odds(
    rows: Sequence[CohortRow], model: StageModel, as_of: str, years: int, draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per project (rows with a known phase): P(producing within ``years``) and the outcome."""
    res = backtest(rows, model, as_of, years, draws, seed, common_factor=False)
    p = np.array([r["p_producing"] for r in res["rows"]])
    return p, np.array([float(r["produced"]) for r in res["rows"]])


def calibrate(
    cohorts: Sequence[tuple[Sequence[CohortRow], str]],
    model: StageModel | None = None,
    years: int = YEARS,
    draws: int = 4_000,
    seed: int = 0,
    grid: Sequence[float] = K_GRID,
) -> dict[str, Any]:
    """The study-phase exponent k (p_j -> p_j^k, :class:`critmin.sim.pipeline.Exponent`) that
    maximises the Bernoulli log-likelihood of the cohorts' outcomes with one pseudo-project,
      L(k) = sum_p [o_p ln P_p(k) + (1 - o_p) ln(1 - P_p(k))]
             + 1/2 ln Pbar(k) + 1/2 ln(1 - Pbar(k)),
    P_p(k) the simulated probability that project p produces within ``years`` of its cohort's
    date (clipped to [1e-6, 1 - 1e-6]) and Pbar(k) their mean over the projects still in studies.
    The pseudo-project (half a success, half a failure: the Jeffreys / Krichevsky-Trofimov
    estimate) keeps k finite when no project in studies produced, where the plain maximum sits
    at the edge of the grid. Searched over ``grid`` with the same random numbers at every k.
    Nothing else in the stage model is refitted."""
    from critmin.sim.pipeline_model import STUDY_PHASES

    base = model if model is not None else load_stage_model()
    # per cohort, the places among its simulated rows (those with a known phase) still in studies
    in_studies = [
        [
            i
            for i, ph in enumerate(r.cohort_phase for r in rows if r.cohort_phase)
            if ph in STUDY_PHASES
        ]
        for rows, _ in cohorts
    ]
    best: tuple[float, float] | None = None
    curve = []
    for k in grid:
        m = _with_exponent(base, k, "calibration grid")
        ll, study = 0.0, []
        for (rows, as_of), idx in zip(cohorts, in_studies, strict=True):
            p, o = _odds(rows, m, as_of, years, draws, seed)
            p = np.clip(p, 1e-6, 1 - 1e-6)
            ll += float(np.sum(o * np.log(p) + (1 - o) * np.log(1 - p)))
            study += [float(p[i]) for i in idx]
        if study:
            bar = float(np.mean(study))
            ll += 0.5 * np.log(bar) + 0.5 * np.log(1 - bar)
        curve.append((k, ll))
        if best is None or ll > best[1]:
            best = (k, ll)
    assert best is not None
    return {
        "k": best[0],
        "loglik": best[1],
        "at_grid_edge": best[0] in (min(grid), max(grid)),
        "projects": sum(sum(r.cohort_phase is not None for r in rows) for rows, _ in cohorts),
        "curve": [{"k": k, "loglik": ll} for k, ll in curve],
    }


def leave_one_project_out(
    rows: Sequence[CohortRow],
    as_of: str,
    model: StageModel | None = None,
    years: int = YEARS,
    draws: int = 2_000,
    seed: int = 0,
) -> dict[str, Any]:
    """Each project predicted by the model with k fitted on the OTHER projects of its cohort:
    predicted share = mean of those probabilities, against the observed share. Out of sample
    by project, not by time: the projects share one boom and bust."""
    base = model if model is not None else load_stage_model()
    known = [r for r in rows if r.cohort_phase is not None]
    p, o, ks = [], [], []
    for i, r in enumerate(known):
        fit = calibrate([(known[:i] + known[i + 1 :], as_of)], base, years, draws, seed)
        m = _with_exponent(base, fit["k"], "leave one project out")
        odds, outcome = _odds([r], m, as_of, years, draws, seed)
        p.append(float(odds[0]))
        o.append(float(outcome[0]))
        ks.append(fit["k"])
    obs = np.array(o)
    predicted, observed = float(np.mean(p)), float(np.mean(obs))
    return {
        "projects": len(known),
        "predicted_share": predicted,
        "observed_share": observed,
        "error_pp": 100.0 * (predicted - observed),
        "within_10pp": abs(predicted - observed) <= 0.10,
        "brier": float(np.mean((np.array(p) - obs) ** 2)),
        "k_range": [min(ks), max(ks)],
    }


def load_cohorts() -> dict[str, tuple[list[CohortRow], str]]:
    """The bundled cohorts that are present: name -> (rows, cohort date)."""
    return {n: (load_cohort(f), d) for n, (f, d) in COHORTS.items() if f.exists()}


def cross_validate(
    cohorts: dict[str, tuple[list[CohortRow], str]] | None = None,
    model: StageModel | None = None,
    years: int = YEARS,
    draws: int = DRAWS,
    seed: int = 0,
    by_project: bool = True,
) -> list[dict[str, Any]]:
    """Per cohort: the bundled model's backtest; each project predicted with k fitted on the
    other projects of its cohort (:func:`leave_one_project_out`); and, where there are other
    cohorts, the backtest of the model with k fitted on them only (leave one cohort out)."""
    found = cohorts if cohorts is not None else load_cohorts()
    base = model if model is not None else load_stage_model()
    out = []
    for name, (rows, as_of) in found.items():
        raw = backtest(rows, base, as_of, years, draws, seed)
        row: dict[str, Any] = {
            "cohort": name,
            "as_of": as_of,
            "projects": raw["projects"],
            "observed_share": raw["observed_share"],
            "bundled": _brief(raw),
        }
        if by_project:
            row["leave_one_project_out"] = leave_one_project_out(
                rows, as_of, base, years, seed=seed
            )
        others = [v for n, v in found.items() if n != name]
        if others:
            fit = calibrate(others, base, years, seed=seed)
            m = _with_exponent(
                base, fit["k"], f"fitted on {', '.join(n for n in found if n != name)}"
            )
            row["k_fitted_on_others"] = fit["k"]
            row["out_of_sample"] = _brief(backtest(rows, m, as_of, years, draws, seed))
        out.append(row)
    return out


def _brief(res: dict[str, Any]) -> dict[str, Any]:
    keys = ("predicted_share", "predicted_p5", "predicted_p95", "error_pp", "within_10pp", "brier")
    return {k: res[k] for k in keys}


def report(
    rows: Sequence[CohortRow] | None = None,
    as_of: str = COHORT_DATE,
    years: int = YEARS,
    draws: int = DRAWS,
    seed: int = 0,
    common_factor: bool = True,
    by_project: bool = True,
) -> dict[str, Any]:
    """What ``critmin pipeline backtest`` shows: the bundled stage model on the cohort (default:
    the bundled 2012 rare-earth one), the same without its study exponent (k = 1, the stage
    model before calibration), and (``by_project``) each project predicted with k fitted on the
    others: that refits k once per project, the slow part (null when not asked for)."""
    rows = list(rows) if rows is not None else load_cohort()
    model = load_stage_model()
    plain = StageModel.model_validate({**model.model_dump(), "study_exponent": None})
    return {
        "backtest": backtest(rows, model, as_of, years, draws, seed, common_factor),
        "study_exponent": model.study_exponent.value if model.study_exponent else None,
        "uncalibrated": _brief(backtest(rows, plain, as_of, years, draws, seed, common_factor)),
        "leave_one_project_out": leave_one_project_out(rows, as_of, model, years, seed=seed)
        if by_project
        else None,
    }
