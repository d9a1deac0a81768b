"""Parameter and scenario sweeps (DESIGN.md section 8): a grid of Monte Carlo runs, any executor.

A :class:`SweepDefinition` (pydantic, YAML) names an engine (``floor``, ``scenario``,
``pipeline``), a ``base`` definition and ``axes``; the grid is the cartesian product of the
axes in the order written, the last axis varying fastest, and cell ``i`` is the i-th point of
it. An axis is a list of values, a range ``{start, stop, num}`` (``num`` points from start to
stop inclusive, ``scale: log`` for geometric spacing) or, for the ``scenario`` axis,
``bundled`` (every bundled scenario). Axis names are dotted paths into the engine's
definition (``contract.floor``, ``model.sigma``, ``elasticity``,
``phases.construction.p_success.value``) or the base selectors (floor: ``preset``,
``definition``, ``model_kind``; scenario: ``scenario``; pipeline: ``projects``,
``stage_model``). At most ``CELL_CAP`` cells.

Seeds. Cell i runs with seed_i = the first 64-bit word of
``numpy.random.SeedSequence(sweep_seed, spawn_key=(i,)).generate_state(1, numpy.uint64)``,
shifted right one bit (so it fits a signed 64-bit column); with ``seeding: common`` every cell
uses the sweep seed itself (common random numbers: smooth curves across the grid). A cell's
result depends on its definition, its seed and its draw count only, never on the executor, the
worker count or the order in which cells finish.

Storage. Only the calling (parent) process touches the DuckDB store: it reads what the
engines need (scenario inputs, the ledger rows linked to the pipeline's projects) before
handing a cell to a worker, and workers get everything in the task and return plain numbers.
Finished cells are written as they arrive to ``sweep_cells``, in a transaction every two
seconds (and at once on Ctrl-C or a failure), each on a short-lived connection, so the file is
not held while the workers run; ``sweeps`` holds the definition, the critmin and data
versions. ``sweep_id`` is the hash of the canonical definition (axes in order; name, title and
description excluded), the critmin version and what the base resolves to (files, store
figures), so running the same file again resumes: only the missing cells run.
A finished sweep is also written to Parquet, the definition and versions in its metadata.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from critmin.errors import CritminError, InputError

CELL_CAP = 100_000
MAX_DRAWS = 10_000_000
EXAMPLES = Path(__file__).parent / "sweeps" / "examples"
SELECTORS = {
    "floor": ("preset", "definition", "model_kind"),
    "scenario": ("scenario",),
    "pipeline": ("projects", "stage_model"),
}
FILE_SELECTORS = ("definition", "projects", "stage_model", "scenario")
PRELOAD = ["critmin.sim.floor", "critmin.sim.disruption", "critmin.sim.pipeline"]
FLUSH_SECONDS = 2.0
FLUSH_ROWS = 500
Metrics = dict[str, float | None]

SWEEPS_DDL = """CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, engine VARCHAR NOT NULL,
    cells INTEGER NOT NULL, definition JSON NOT NULL, critmin_version VARCHAR NOT NULL,
    data_version VARCHAR, created_at TIMESTAMP NOT NULL, completed_at TIMESTAMP)"""
CELLS_DDL = """CREATE TABLE IF NOT EXISTS sweep_cells (
    sweep_id VARCHAR NOT NULL, cell INTEGER NOT NULL, params JSON NOT NULL,
    seed BIGINT NOT NULL, result JSON NOT NULL, runtime_s DOUBLE, worker VARCHAR,
    finished_at TIMESTAMP NOT NULL, PRIMARY KEY (sweep_id, cell))"""


class SweepIncomplete(CritminError):
    """A cell or a worker failed: the finished cells are saved; running again resumes."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C: the finished cells are saved; running again resumes."""


# -- definition --------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """``num`` points from ``start`` to ``stop`` inclusive, evenly (linear) or geometrically."""

    start: Annotated[float, Field(allow_inf_nan=False)]
    stop: Annotated[float, Field(allow_inf_nan=False)]
    num: Annotated[int, Field(ge=1, le=CELL_CAP)]
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _log_positive(self) -> Range:
        if self.scale == "log" and min(self.start, self.stop) <= 0:
            raise ValueError("a log range needs start and stop > 0")
        return self

    def values(self) -> list[float]:
        space = np.geomspace if self.scale == "log" else np.linspace
        pts = space(self.start, self.stop, self.num)
        return [float(f"{v:.12g}") for v in pts]  # 0.30000000000000004 -> 0.3


Axis = list[Any] | Range | Literal["bundled"]


class SweepDefinition(_Strict):
    """A sweep: engine, base definition, axes, seed and draws per cell (module docstring)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    title: str = ""
    description: str = ""
    engine: Literal["floor", "scenario", "pipeline"]
    seed: Annotated[int, Field(ge=0)] = 0
    seeding: Literal["per_cell", "common"] = "per_cell"
    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS)] = 10_000
    base: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, Axis] = Field(default_factory=dict)
    _root: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _scalar_axes(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("axes"), dict):
            axes = {
                k: v if isinstance(v, list | dict | Range) or v == "bundled" else [v]
                for k, v in data["axes"].items()
            }
            data = {**data, "axes": axes}
        return data

    @model_validator(mode="after")
    def _check(self) -> SweepDefinition:
        for name, axis in self.axes.items():
            if not name or any(not part for part in name.split(".")):
                raise ValueError(f"axis name {name!r} is not a dotted path")
            if axis == "bundled" and (self.engine, name) != ("scenario", "scenario"):
                raise ValueError(f"axis {name}: 'bundled' is for the scenario engine's scenario")
            if isinstance(axis, list) and not axis:
                raise ValueError(f"axis {name} has no values")
        if self.engine == "pipeline":
            from critmin.sim.pipeline import MAX_DRAWS as PIPELINE_MAX

            if self.draws > PIPELINE_MAX:
                raise ValueError(f"the pipeline engine takes at most {PIPELINE_MAX:,} draws")
        n = math.prod(len(v) for _, v in self.axis_values())
        if n > CELL_CAP:
            raise ValueError(f"the grid has {n:,} cells, more than {CELL_CAP:,}")
        return self

    def axis_values(self) -> list[tuple[str, list[Any]]]:
        """(axis name, its values) in order."""
        out = []
        for name, axis in self.axes.items():
            if isinstance(axis, Range):
                out.append((name, axis.values()))
            elif axis == "bundled":
                from critmin.sim.disruption import bundled_names

                out.append((name, list[Any](bundled_names())))
            else:
                out.append((name, list(axis)))
        return out

    @property
    def n_cells(self) -> int:
        return math.prod(len(v) for _, v in self.axis_values())

    def canonical(self) -> str:
        """Canonical JSON of what determines the results (axes as an ordered list)."""
        data = self.model_dump(mode="json", exclude={"name", "title", "description"})
        data["axes"] = [[k, v] for k, v in data["axes"].items()]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _first_error(exc: ValidationError, data: Any, union: str | None = None) -> tuple[str, str, Any]:
    """Field path (through the input only, no union tags), message and input of the first error.

    With ``union`` (what the union accepts), errors that only say a branch did not match give
    way to the others, and where all are such, the message is ``union``.
    """
    wrong_branch = {
        "list_type",
        "literal_error",
        "model_type",
        "dict_type",
        "model_attributes_type",
    }
    errors = exc.errors()
    err = errors[0]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if union is not None:
        err = next((e for e in errors if e["type"] not in wrong_branch), errors[0])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] in wrong_branch and len(errors) > 1:
            msg = union
    parts, here = [], data
    for part in err["loc"]:
        in_map = isinstance(here, Mapping) and part in here
        if in_map or (isinstance(here, list) and isinstance(part, int) and part < len(here)):
            parts.append(str(part))
            here = here[part]
    if err["type"] == "missing":
        parts.append(str(err["loc"][-1]))
    value = err.get("input")
    shown = value if isinstance(value, str | int | float | bool) else None
    return ".".join(parts) or "sweep", msg, shown


def parse_sweep(data: object, file: str | None = None) -> SweepDefinition:
    """Validate a mapping as a sweep definition; a problem is one InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError("a sweep definition must be a YAML mapping", file=file)
    try:
        out = SweepDefinition.model_validate(data)
    except ValidationError as exc:
        union = "give a list of values, a range {start, stop, num} or 'bundled'"
        where, msg, value = _first_error(exc, data, union)
        raise InputError(msg, file=file, field=where, value=value) from None
    if file is not None:
        out._root = Path(file).resolve().parent
    return out


def example_names() -> list[str]:
    """Names of the bundled example sweeps (critmin/sweeps/examples/*.yaml)."""
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def load_sweep(name_or_file: str | Path) -> SweepDefinition:
    """A sweep from a YAML file, or a bundled example by name; relative paths in it are read
    from the file's folder."""
    import yaml

    path = Path(name_or_file)
    if not path.is_file() and (EXAMPLES / f"{name_or_file}.yaml").is_file():
        path = EXAMPLES / f"{name_or_file}.yaml"
    if not path.is_file():
        known = ", ".join(example_names())
        raise InputError(f"no such file (bundled examples: {known})", field="file", value=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError("malformed YAML", file=str(path), line=line) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    return parse_sweep(data, str(path))


def cell_seed(sweep_seed: int, cell: int) -> int:
    """The seed of cell ``cell``: the first 64-bit word of SeedSequence(sweep_seed,
    spawn_key=(cell,)).generate_state(1, uint64), shifted right one bit (0 <= seed < 2^63)."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(cell,)).generate_state(1, np.uint64)
    return int(state[0]) >> 1


def cell_params(axes: Sequence[tuple[str, Sequence[Any]]], cell: int) -> dict[str, Any]:
    """The axis values of cell ``cell`` (mixed radix, the last axis varying fastest)."""
    picks: list[tuple[str, Any]] = []
    for name, values in reversed(axes):
        cell, r = divmod(cell, len(values))
        picks.append((name, values[r]))
    return dict(reversed(picks))


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


def _canon(obj: Any) -> Any:
    """JSON-ready form of payload parts (pydantic models, dataclasses, dates) for hashing."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if is_dataclass(obj) and not isinstance(obj, type):
        return _canon(asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _canon(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_canon(v) for v in obj]
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return obj


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
        from critmin.sim.floor import load_definition, load_preset

        preset, definition, kind = sel["preset"], sel["definition"], sel["model_kind"]
        if preset is not None and definition is not None:
            raise InputError("give preset or definition, not both", field="base.preset")
        if preset is None and definition is None:
            return {"contract": {}, "model": {"kind": kind} if kind else {}}
        spec = load_definition(definition) if definition else load_preset(str(preset))
        kind = kind or spec.default_model
        if kind in {m.kind for m in spec.models}:
            model = spec.model(kind).model_dump()
        else:  # the other kind: keep the preset's spot, sigma and jumps
            b = spec.model()
            model = {"kind": kind, "spot": b.spot, "sigma": b.sigma, "jumps": b.jumps}
            model["jumps"] = None if b.jumps is None else b.jumps.model_dump()
        return {"contract": spec.contract.model_dump(), "model": model}

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
                where, msg, value = _first_error(exc, doc[key])
                raise InputError(msg, field=f"{key}.{where}", value=value) from None
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
            where, msg, value = _first_error(exc, doc)
            raise InputError(msg, field=where, value=value) from None
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
PROJECT_METRICS = ("p_producing_by_plan", "p_never", "expected_delay_years", "public_at_risk_usd")


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
    out: Metrics = {f"totals.{k}": _num(v) for k, v in res["totals"].items()}
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


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_init() -> None:
    """Local worker processes leave Ctrl-C to the parent, which saves and stops them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_version() -> str:
    """critmin's version where this runs, after importing the engines (the parent calls it on
    every Dask worker: a version check, and the imports out of the first cells' way)."""
    import importlib

    from critmin import __version__

    for module in PRELOAD:
        importlib.import_module(module)
    return __version__


# -- storage (parent process only) -------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _json(obj: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, Mapping):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(_canon(obj)), separators=(",", ":"), default=str)


def _open_sweep(db: Path, d: SweepDefinition, sweep_id: str) -> tuple[set[int], str | None]:
    """Create the tables and the sweep's row if absent; the cells already done, data version."""
    from critmin import __version__
    from critmin.store import first_row, raw_connection

    with raw_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(SWEEPS_DDL)
            con.execute(CELLS_DDL)
            row = first_row(con, "SELECT value FROM meta WHERE key = 'data_version'")
            data_version = row[0] if row else None
            con.execute(
                "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [
                    sweep_id,
                    d.name,
                    d.engine,
                    d.n_cells,
                    _definition_json(d),
                    __version__,
                    data_version,
                    _now(),
                ],
            )
            done = con.execute("SELECT cell FROM sweep_cells WHERE sweep_id = ?", [sweep_id])
            cells = {int(c) for (c,) in done.fetchall()}
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return cells, data_version


def _definition_json(d: SweepDefinition) -> str:
    return json.dumps(d.model_dump(mode="json"), separators=(",", ":"))


def _save(db: Path, sweep_id: str, rows: list[tuple[Any, ...]], complete: bool = False) -> None:
    """Insert finished cells (and mark the sweep complete) in one transaction."""
    import pyarrow as pa

    from critmin.store import raw_connection

    if not rows and not complete:
        return
    cols = ["sweep_id", "cell", "params", "seed", "result", "runtime_s", "worker", "finished_at"]
    batch = pa.table([list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 8, names=cols)
    with raw_connection(db) as con:
        con.register("_cells", batch)  # one bulk insert through Arrow (executemany is row by row)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "INSERT OR IGNORE INTO sweep_cells SELECT sweep_id, cell, params::JSON, seed, "
                "result::JSON, runtime_s, worker, finished_at FROM _cells"
            )
            if complete:
                con.execute(
                    "UPDATE sweeps SET completed_at = ? "
                    "WHERE sweep_id = ? AND completed_at IS NULL",
                    [_now(), sweep_id],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


class _Writer:
    """Buffers finished cells; commits every FLUSH_SECONDS or FLUSH_ROWS, and on close."""

    def __init__(self, db: Path, sweep_id: str) -> None:
        self.db, self.sweep_id = db, sweep_id
        self.rows: list[tuple[Any, ...]] = []
        self.last = time.monotonic()
        self.saved = 0

    def add(self, o: CellOutcome, params: Mapping[str, Any], seed: int) -> None:
        self.rows.append(
            (
                self.sweep_id,
                o.cell,
                _json(params),
                seed,
                _json(o.metrics),
                o.runtime_s,
                o.worker,
                _now(),
            )
        )
        if len(self.rows) >= FLUSH_ROWS or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        _save(self.db, self.sweep_id, self.rows)
        self.saved += len(self.rows)
        self.rows, self.last = [], time.monotonic()


def done_cells(sweep_id: str, db: Path | str | None = None) -> int:
    """How many cells of a sweep the store holds (0 if none; reads only)."""
    from critmin.store import db_path, raw_connection

    with raw_connection(db_path(db), read_only=True) as con:
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sweep_cells'"
        ).fetchall()[0][0]
        if not has:
            return 0
        q = "SELECT count(*) FROM sweep_cells WHERE sweep_id = ?"
        return int(con.execute(q, [sweep_id]).fetchall()[0][0])


def list_sweeps(db: Path | str | None = None) -> list[dict[str, Any]]:
    """Every sweep in the store: id, name, engine, cells done of total, versions, dates."""
    from critmin.store import db_path, raw_connection

    with raw_connection(db_path(db), read_only=True) as con:
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sweep_cells'"
        ).fetchall()[0][0]
        if not has:
            return []
        cur = con.execute(
            "SELECT s.sweep_id, name, engine, cells, count(c.cell) AS done, critmin_version, "
            "data_version, created_at, completed_at FROM sweeps s LEFT JOIN sweep_cells c "
            "USING (sweep_id) GROUP BY ALL ORDER BY created_at"
        )
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def sweep_results(sweep_id: str, db: Path | str | None = None) -> Any:
    """A sweep's cells as a polars frame: cell, seed, one column per axis and per metric."""
    import polars as pl

    from critmin.store import db_path, first_row, raw_connection

    with raw_connection(db_path(db), read_only=True) as con:
        row = first_row(con, "SELECT definition FROM sweeps WHERE sweep_id = ?", [sweep_id])
        if row is None:
            raise InputError("no such sweep in the store", field="sweep_id", value=sweep_id)
        cells = con.execute(
            "SELECT cell, seed, params, result FROM sweep_cells WHERE sweep_id = ? ORDER BY cell",
            [sweep_id],
        ).fetchall()
    axes = list(json.loads(row[0])["axes"])
    params = [json.loads(p) for _, _, p, _ in cells]
    results = [json.loads(r) for _, _, _, r in cells]
    cols: dict[str, pl.Series] = {
        "cell": pl.Series([c for c, *_ in cells], dtype=pl.Int64),
        "seed": pl.Series([s for _, s, *_ in cells], dtype=pl.Int64),
    }
    for name in axes:
        vals = [p.get(name) for p in params]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            cols[name] = pl.Series(vals, dtype=pl.Int64)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
            cols[name] = pl.Series(vals, dtype=pl.Float64)
        elif all(isinstance(v, str) for v in vals):
            cols[name] = pl.Series(vals, dtype=pl.String)
        else:
            cols[name] = pl.Series([json.dumps(v) for v in vals], dtype=pl.String)
    keys = list(dict.fromkeys(k for r in results for k in r))
    for k in keys:
        cols[f"result.{k}" if k in cols else k] = pl.Series(
            [r.get(k) for r in results], dtype=pl.Float64
        )
    return pl.DataFrame(cols)


def write_parquet(sweep_id: str, out: Path | str, db: Path | str | None = None) -> Path:
    """Write a sweep's results to Parquet (atomically), the definition and versions attached as
    the schema metadata key ``critmin.sweep`` (JSON)."""
    import pyarrow.parquet as pq

    from critmin.store import db_path, first_row, raw_connection

    frame = sweep_results(sweep_id, db)
    with raw_connection(db_path(db), read_only=True) as con:
        row = first_row(
            con,
            "SELECT name, engine, definition, critmin_version, data_version FROM sweeps "
            "WHERE sweep_id = ?",
            [sweep_id],
        )
    assert row is not None
    meta = {
        "sweep_id": sweep_id,
        "name": row[0],
        "engine": row[1],
        "definition": json.loads(row[2]),
        "critmin_version": row[3],
        "data_version": row[4],
        "seeding": "cell i: SeedSequence(seed, spawn_key=(i,)).generate_state(1, uint64)[0] >> 1",
    }
    table = frame.to_arrow()
    table = table.replace_schema_metadata({b"critmin.sweep": json.dumps(meta).encode()})
    target = Path(out)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise InputError(f"cannot write: {exc.strerror}", field="out", value=str(target)) from None
    return target


# -- executors ---------------------------------------------------------------------------------


@dataclass
class _Pool:
    executor: Executor | None  # None: run the cells in this process, one after another
    description: str
    slots: int


@contextmanager
def open_executor(workers: int | None = None, dask: str | None = None) -> Iterator[_Pool]:
    """Local processes (concurrent.futures), or Dask distributed through its Executor.

    ``dask``: None (local processes; ``workers`` 1 runs in this process), ``"local"`` (a
    LocalCluster of ``workers`` processes, default 2, one thread each, on 127.0.0.1 without a
    dashboard) or a scheduler address ``tcp://host:8786``.
    """
    check_executor(workers, dask)
    if dask is None:
        n = workers or os.cpu_count() or 1
        if n == 1:
            yield _Pool(None, "this process", 1)
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["critmin.sweep", *PRELOAD])
        pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init)
        try:
            yield _Pool(pool, f"{n} local processes", n)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask_pool(workers, dask)


def check_executor(workers: int | None, dask: str | None) -> None:
    """InputError (field ``workers`` or ``dask``) for options no executor can take."""
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError("must be an integer >= 1", field="workers", value=workers)
    if dask is None:
        return
    if dask != "local" and not dask.startswith(("tcp://", "tls://")):
        raise InputError(
            "give local or a scheduler address tcp://HOST:PORT", field="dask", value=dask
        )
    if dask != "local" and workers is not None:
        raise InputError("an existing cluster has its own workers", field="workers", value=workers)
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        msg = "Dask is not installed: pip install 'critmin[dask]' (dask[distributed])"
        raise InputError(msg, field="dask", value=dask)


def _dask_pool(workers: int | None, dask: str) -> Iterator[_Pool]:
    import importlib
    import logging

    distributed: Any = importlib.import_module("distributed")  # Any: the extra is optional

    cluster = None
    try:
        if dask == "local":
            cluster = distributed.LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard; its HTTP server on loopback, any port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(dask, timeout="10s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SweepIncomplete(f"cannot reach the Dask scheduler at {dask}: {first}") from None
    try:
        _check_versions(client, dask)
        slots = sum(client.nthreads().values()) or 1
        ex = client.get_executor(pure=False)
        where = "a local Dask cluster" if dask == "local" else f"Dask at {dask}"
        try:
            yield _Pool(ex, f"{where} ({slots} worker threads)", slots)
        finally:
            ex.shutdown(wait=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_versions(client: Any, where: str) -> None:
    from critmin import __version__

    try:
        seen: dict[str, str] = client.run(worker_version)
    except Exception as exc:
        raise SweepIncomplete(
            f"the Dask workers at {where} cannot run critmin ({type(exc).__name__}: {exc}); "
            f"install critmin {__version__} on every worker"
        ) from None
    for addr, version in sorted(seen.items()):
        if version != __version__:
            raise SweepIncomplete(
                f"Dask worker {addr} runs critmin {version}, this process {__version__}; "
                "install the same version everywhere"
            )


# -- running a sweep ---------------------------------------------------------------------------


@dataclass
class SweepReport:
    sweep_id: str
    name: str
    engine: str
    cells: int
    resumed: int
    ran: int
    executor: str
    slots: int
    wall_s: float
    cell_s: float
    out: str | None
    axes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        # slot-seconds a cell cost beyond its own run time (start-up, scheduling, writes)
        d["overhead_per_cell_s"] = (
            (self.wall_s * self.slots - self.cell_s) / self.ran if self.ran else None
        )
        d["table"] = "sweep_cells"
        return d


def plan(d: SweepDefinition, db: Path | str | None = None) -> tuple[str, _Builder]:
    """Check the grid in the parent (every listed axis value, and both ends of every range, on
    the first values of the other axes) and compute the sweep id."""
    from critmin import __version__
    from critmin.store import ensure_store

    p = ensure_store(db)
    builder = _Builder(d, p)
    axes = d.axis_values()
    first = {name: values[0] for name, values in axes}
    corners: list[dict[str, Any]] = [first]
    for name, values in axes:
        ends = [values[0], values[-1]] if isinstance(d.axes[name], Range) else values
        corners += [first | {name: v} for v in ends]
    h = hashlib.sha256(f"{d.canonical()}\n{__version__}".encode())
    for params in corners:
        try:
            payload = builder.payload(params)
        except InputError as exc:
            at = ", ".join(f"{k}={v!r}" for k, v in params.items())
            raise InputError(f"{exc!s} [cell with {at}]") from None
        h.update(_json(payload).encode())
    return h.hexdigest()[:16], builder


def run_sweep(
    d: SweepDefinition,
    *,
    workers: int | None = None,
    dask: str | None = None,
    out: Path | str | None = None,
    db: Path | str | None = None,
    on_cell: Callable[[CellOutcome, int, int], None] | None = None,
    on_start: Callable[[str, int, int], None] | None = None,
) -> SweepReport:
    """Run (or resume) a sweep; write each finished cell to the store, then the Parquet file.

    ``on_start(sweep_id, done, total)`` is called once the grid is checked;
    ``on_cell(outcome, done, total)`` after each cell (the CLI's progress bar). A failed cell
    or a lost worker raises :class:`SweepIncomplete`, Ctrl-C :class:`SweepInterrupted`, both
    after saving what finished.
    """
    from critmin.store import db_path

    t0 = time.perf_counter()
    check_executor(workers, dask)
    sweep_id, builder = plan(d, db)
    p = db_path(db)
    done, _ = _open_sweep(p, d, sweep_id)
    axes, total = d.axis_values(), d.n_cells
    todo = [i for i in range(total) if i not in done]
    if on_start is not None:
        on_start(sweep_id, len(done), total)
    writer = _Writer(p, sweep_id)
    seeds = {i: d.seed if d.seeding == "common" else cell_seed(d.seed, i) for i in todo}
    params = {i: cell_params(axes, i) for i in todo}
    count, cell_s, description, slots = len(done), 0.0, "nothing to run", 0

    def task(i: int) -> CellTask:
        return CellTask(d.engine, i, seeds[i], d.draws, builder.payload(params[i]))

    def finish(o: CellOutcome) -> None:
        nonlocal count, cell_s
        writer.add(o, params[o.cell], seeds[o.cell])
        count, cell_s = count + 1, cell_s + o.runtime_s
        if on_cell is not None:
            on_cell(o, count, total)

    def stopped(why: str) -> str:
        writer.flush()
        return (
            f"{why}; {len(done) + writer.saved:,} of {total:,} cells saved (sweep {sweep_id}); "
            "run the same sweep again to finish the rest"
        )

    try:
        if todo:
            with open_executor(workers, dask) as pool:
                description, slots = pool.description, pool.slots
                if pool.executor is None:
                    for i in todo:
                        finish(run_cell(task(i)))
                else:
                    _drive(pool.executor, todo, task, finish, 4 * pool.slots)
        writer.flush()
    except KeyboardInterrupt:
        raise SweepInterrupted(stopped("interrupted")) from None
    except _CellFailed as exc:
        if isinstance(exc.error, InputError):
            writer.flush()
            raise exc.error from None
        kind = type(exc.error).__name__
        raise SweepIncomplete(stopped(f"cell {exc.cell} failed ({kind}: {exc.error})")) from None
    except BaseException:
        writer.flush()
        raise
    _save(p, sweep_id, [], complete=True)
    target = None
    if out is not None:
        target = str(write_parquet(sweep_id, out, p))
    return SweepReport(
        sweep_id=sweep_id,
        name=d.name,
        engine=d.engine,
        cells=total,
        resumed=len(done),
        ran=len(todo),
        executor=description,
        slots=slots,
        wall_s=time.perf_counter() - t0,
        cell_s=cell_s,
        out=target,
        axes=[name for name, _ in axes],
    )


class _CellFailed(Exception):
    def __init__(self, cell: int, error: BaseException) -> None:
        super().__init__(cell, error)
        self.cell, self.error = cell, error


def _drive(
    ex: Executor,
    todo: Sequence[int],
    task: Callable[[int], CellTask],
    finish: Callable[[CellOutcome], None],
    window: int,
) -> None:
    """Keep at most ``window`` cells in flight; hand each result to ``finish`` as it arrives."""
    queue = iter(todo)
    pending: dict[Future[CellOutcome], int] = {}

    def refill() -> None:
        for i in itertools.islice(queue, max(0, window - len(pending))):
            pending[ex.submit(run_cell, task(i))] = i

    try:
        refill()
        while pending:
            ready, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in ready:
                i = pending.pop(f)
                error = f.exception()
                if error is not None:
                    raise _CellFailed(i, error)
                finish(f.result())
            refill()
    finally:
        for f in pending:
            f.cancel()
