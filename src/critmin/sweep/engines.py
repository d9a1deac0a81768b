"""The engines' side of a sweep: building each cell's input in the parent process (files and
store reads, memoised across cells) and running a cell in a worker (no store, no I/O).

Each engine (``floor``, ``scenario``, ``pipeline``) has a ``_Builder._base_*`` (what the base
selectors resolve to), a ``_Builder._build_*`` (the payload a worker gets) and a ``_*_cell``
(its headline numbers); :func:`run_cell` runs one :class:`CellTask`.
"""

from __future__ import annotations

import copy
import json
import math
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from critmin.errors import InputError, from_validation
from critmin.sweep.definition import FILE_SELECTORS, SELECTORS, SweepDefinition

Metrics = dict[str, float | None]


# -- building a cell's definition (parent process) ------------------------------------------------


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge; a mapping that states ``dist``, ``kind`` or ``value`` replaces the old whole."""
    out = dict(base)
    for k, v in over.items():
        whole = isinstance(v, Mapping) and bool({"dist", "kind", "value"} & set(v))
        nest = isinstance(v, Mapping) and isinstance(out.get(k), Mapping) and not whole
        out[k] = _merge(out[k], v) if nest else copy.deepcopy(v)
    return out


def _set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set one leaf: ``a.b.c`` -> doc[a][b][c] (a list index where the node is a list)."""
    *head, leaf = path.split(".")
    node: Any = doc
    for part in head:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        else:
            raise InputError("cannot set this path", field=f"axes.{path}")
    if isinstance(node, list) and leaf.isdigit() and int(leaf) < len(node):
        node[int(leaf)] = copy.deepcopy(value)
    elif isinstance(node, dict):
        node[leaf] = copy.deepcopy(value)
    else:
        raise InputError("cannot set this path", field=f"axes.{path}")


class _Builder:
    """Turns a cell's parameters into the engine's payload; memoises what it reads."""

    def __init__(self, d: SweepDefinition, db: Path) -> None:
        self.d, self.db = d, db
        self.selectors = SELECTORS[d.engine]
        self._bases: dict[str, dict[str, Any]] = {}
        self._inputs: dict[str, Any] = {}
        self._projects: dict[str, Any] = {}
        self._rows: list[dict[str, Any]] | None = None

    def _file(self, value: Any) -> Any:
        if isinstance(value, str) and self.d._root is not None:
            p = Path(value)
            is_file = value.endswith((".yaml", ".yml", ".csv"))
            if is_file and not p.is_absolute() and (self.d._root / p).is_file():
                return str(self.d._root / p)
        return value

    def payload(self, params: Mapping[str, Any]) -> Any:
        sel = {k: self.d.base.get(k) for k in self.selectors}
        sel |= {k: v for k, v in params.items() if k in self.selectors}
        sel = {k: self._file(v) if k in FILE_SELECTORS else v for k, v in sel.items()}
        key = json.dumps(sel, sort_keys=True, default=str)
        if key not in self._bases:
            resolved = getattr(self, f"_base_{self.d.engine}")(sel)
            over = {k: v for k, v in self.d.base.items() if k not in self.selectors}
            self._bases[key] = _merge(resolved, over)
        doc = copy.deepcopy(self._bases[key])
        for name, value in params.items():
            if name not in self.selectors:
                _set_path(doc, name, value)
        return getattr(self, f"_build_{self.d.engine}")(doc, sel)

    # floor: {"contract": {...}, "model": {...}}
    def _base_floor(self, sel: dict[str, Any]) -> dict[str, Any]:
        from critmin.capabilities.floor import preset_base

        preset, definition, kind = sel["preset"], sel["definition"], sel["model_kind"]
        if preset is not None and definition is not None:
            raise InputError("give preset or definition, not both", field="base.preset")
        if preset is None and definition is None:
            return {"contract": {}, "model": {"kind": kind} if kind else {}}
        _, contract, model = preset_base(None if definition else str(preset), definition, kind)
        return {"contract": contract, "model": model}

    def _build_floor(self, doc: dict[str, Any], sel: dict[str, Any]) -> Any:
        from critmin.sim.floor import FloorContract, PriceModel

        extra = sorted(set(doc) - {"contract", "model"})
        if extra:
            raise InputError("the floor engine takes contract.* and model.*", field=extra[0])
        out: list[BaseModel] = []
        for key, cls in (("contract", FloorContract), ("model", PriceModel)):
            try:
                out.append(cls.model_validate(doc[key]))
            except ValidationError as exc:
                raise from_validation(exc, doc[key], prefix_field=key, model=cls) from None
        return tuple(out)

    # scenario: the scenario's fields
    def _base_scenario(self, sel: dict[str, Any]) -> dict[str, Any]:
        from critmin.sim.disruption import load_scenario

        if sel["scenario"] is None:
            raise InputError("name a scenario (bundled name or YAML file)", field="base.scenario")
        return load_scenario(str(sel["scenario"])).model_dump()

    # the Scenario fields the engine alone reads; every other field may change resolve_inputs
    SIMULATION_ONLY = (
        "withheld_share",
        "duration_months",
        "horizon_months",
        "leakage",
        "buffer_months",
        "ramp_up",
        "elasticity",
        "price_cap",
        "stockpile_release",
    )

    def _build_scenario(self, doc: dict[str, Any], sel: dict[str, Any]) -> Any:
        from critmin.sim.disruption import parse_scenario, resolve_inputs

        sc = parse_scenario(doc, str(sel["scenario"]))
        key = sc.model_dump_json(exclude=set(self.SIMULATION_ONLY))
        if key not in self._inputs:
            self._inputs[key] = resolve_inputs(sc, self.db)
        return (sc, self._inputs[key])

    # pipeline: the stage model's fields
    def _base_pipeline(self, sel: dict[str, Any]) -> dict[str, Any]:
        from critmin.sim.pipeline import load_stage_model

        return load_stage_model(sel["stage_model"]).model_dump()

    def _build_pipeline(self, doc: dict[str, Any], sel: dict[str, Any]) -> Any:
        from critmin.sim.pipeline import StageModel, load_projects, public_money

        try:
            model = StageModel.model_validate(doc)
        except ValidationError as exc:
            raise from_validation(exc, doc, default="sweep", model=StageModel) from None
        pkey = str(sel["projects"])
        if pkey not in self._projects:
            projects = load_projects(sel["projects"])
            rows = self._ledger()
            public_money(projects, rows)  # unknown ledger ids fail here, in the parent
            child = {r["supersedes"]: r["id"] for r in rows if r.get("supersedes")}
            keep = set()
            for p in projects:  # the rows of the chains the projects link to, no others
                for i in p.ledger_ids:
                    keep.add(i)
                    while i in child:
                        i = child[i]
                        keep.add(i)
            self._projects[pkey] = (projects, [r for r in rows if r["id"] in keep])
        projects, rows = self._projects[pkey]
        return (projects, model, rows)

    def _ledger(self) -> list[dict[str, Any]]:
        if self._rows is None:
            from critmin.ledger import ledger

            self._rows = ledger(self.db)
        return self._rows


# -- cells (run in the workers: no store, no I/O) ----------------------------------------------


@dataclass(frozen=True)
class CellTask:
    engine: str
    cell: int
    seed: int
    draws: int
    payload: Any


@dataclass(frozen=True)
class CellOutcome:
    cell: int
    metrics: Metrics
    runtime_s: float
    worker: str


FLOOR_METRICS = (
    "expected_cost_usd",
    "pv_cost_usd",
    "stderr_usd",
    "pv_stderr_usd",
    "p50_usd",
    "p95_usd",
    "p99_usd",
    "pv_p50_usd",
    "pv_p95_usd",
    "pv_p99_usd",
    "prob_any_payout",
    "expected_payout_settlements",
    "expected_payout_years",
    "analytic_expected_cost_usd",
    "analytic_pv_cost_usd",
    "mc_minus_analytic_in_stderr",
)
SCENARIO_STATS = ("shortfall_t", "shortfall_share", "price_multiplier", "days_cover")
PROJECT_METRICS = (
    "p_producing_by_plan",
    "p_never",
    "expected_delay_years",
    "public_at_risk_usd",
    "expected_loss_usd",
)
LOSS_METRICS = ("expected_usd", "p50_usd", "p90_usd", "p95_usd")


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool) or not isinstance(v, int | float | np.number):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _floor_cell(t: CellTask) -> Metrics:
    from critmin.sim.floor import simulate_floor

    contract, model = t.payload
    res = simulate_floor(contract, model, paths=t.draws, seed=t.seed).to_dict()
    return {k: _num(res[k]) for k in FLOOR_METRICS}


def _scenario_cell(t: CellTask) -> Metrics:
    from critmin.sim.disruption import simulate, summarise

    scenario, inputs = t.payload
    out: Metrics = {}
    for m in summarise(simulate(scenario, inputs, t.draws, t.seed))["minerals"]:
        if not m["computable"]:
            continue
        for key in SCENARIO_STATS:
            for stat, v in (m[key] or {}).items():
                out[f"{m['mineral']}.{key}.{stat}"] = _num(v)
        out[f"{m['mineral']}.stockpile_outlasts_share"] = _num(m["stockpile_outlasts_share"])
    return out


def _pipeline_cell(t: CellTask) -> Metrics:
    from critmin.sim.pipeline import run

    projects, model, rows = t.payload
    res = run(t.draws, t.seed, projects=projects, model=model, rows=rows)
    totals = res["totals"]
    out: Metrics = {
        f"totals.{k}": _num(v) for k, v in totals.items() if k not in ("loss", "common_factor")
    }
    out |= {f"totals.loss.{k}": _num(totals["loss"][k]) for k in LOSS_METRICS}
    for p in res["projects"]:
        out |= {f"{p['project']}.{k}": _num(p[k]) for k in PROJECT_METRICS}
    return out


_CELLS: dict[str, Callable[[CellTask], Metrics]] = {
    "floor": _floor_cell,
    "scenario": _scenario_cell,
    "pipeline": _pipeline_cell,
}


def run_cell(task: CellTask) -> CellOutcome:
    """Run one cell (in a worker or in-process): the engine's headline numbers, no I/O."""
    t0 = time.perf_counter()
    metrics = _CELLS[task.engine](task)
    return CellOutcome(task.cell, metrics, time.perf_counter() - t0, _worker_name())


# Pickled by reference for the workers: as critmin.sweep.run_cell, the path it had before
# the package split and a stable one (re-exported there), not as this module's.
run_cell.__module__ = "critmin.sweep"


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
