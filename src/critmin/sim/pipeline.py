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

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    ValidationError,
)

from critmin.defaults import DRAWS, SEED
from critmin.errors import InputError, first_problem
from critmin.sim.pipeline_model import (
    DATA,
    GAP_KEYS,
    MAX_DRAWS,
    PHASES,
    PRE_PRODUCTION,
    STUDY_PHASES,
    Adjustment,
    Dist,
    Floats,
    Project,
    StageModel,
    _period,
    load_projects,
    load_stage_model,
)
from critmin.sim.pipeline_money import (
    Money,
    _by_mineral,
    _ledger_rows,
    _money_record,
    cheque_sizes,
    gap,
    public_money,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg

# the definitions and the money live in pipeline_model and pipeline_money; callers import
# them from here, the module the CLI, the API and the brief name
__all__ = [
    "DATA",
    "GAP_KEYS",
    "MAX_DRAWS",
    "PHASES",
    "PRE_PRODUCTION",
    "STUDY_PHASES",
    "Dist",
    "Draws",
    "Money",
    "Project",
    "StageModel",
    "check_draws",
    "cheque_sizes",
    "delivered",
    "factor_draws",
    "gap",
    "load_projects",
    "load_stage_model",
    "loss_draws",
    "planned",
    "public_money",
    "run",
    "simulate",
]


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
    path: StoreArg = None,
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
            msg = first_problem(exc).message
            raise InputError(msg, field="horizon", value=horizon) from None
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
