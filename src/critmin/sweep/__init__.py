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

Modules: ``definition`` (the pydantic models, axes, the grid, the cells' seeds), ``engines``
(each engine's input, built in the parent, and its cell runner), ``storage`` (the DuckDB tables,
writing cells, resume, Parquet) and ``executors`` (local processes, Dask, :func:`run_sweep` and
its progress callbacks). Every name other code uses is re-exported here. The functions sent to
workers (``run_cell``, ``worker_version``, ``_worker_init``) are pickled by reference as
``critmin.sweep.<name>``: keep them re-exported under these names.
"""

from __future__ import annotations

from critmin.sweep.definition import (
    CELL_CAP,
    EXAMPLES,
    FILE_SELECTORS,
    MAX_DRAWS,
    SELECTORS,
    Axis,
    Range,
    SweepDefinition,
    cell_params,
    cell_seed,
    example_names,
    load_sweep,
    parse_sweep,
)
from critmin.sweep.engines import (
    FLOOR_METRICS,
    PROJECT_METRICS,
    SCENARIO_STATS,
    CellOutcome,
    CellTask,
    Metrics,
    run_cell,
)
from critmin.sweep.executors import (
    PRELOAD,
    SweepIncomplete,
    SweepInterrupted,
    SweepReport,
    check_executor,
    open_executor,
    plan,
    run_sweep,
    worker_version,
)
from critmin.sweep.executors import _worker_init as _worker_init
from critmin.sweep.storage import (
    CELLS_DDL,
    FLUSH_ROWS,
    FLUSH_SECONDS,
    SWEEPS_DDL,
    done_cells,
    list_sweeps,
    sweep_results,
    write_parquet,
)
from critmin.sweep.storage import _Writer as _Writer

__all__ = [
    "CELLS_DDL",
    "CELL_CAP",
    "EXAMPLES",
    "FILE_SELECTORS",
    "FLOOR_METRICS",
    "FLUSH_ROWS",
    "FLUSH_SECONDS",
    "MAX_DRAWS",
    "PRELOAD",
    "PROJECT_METRICS",
    "SCENARIO_STATS",
    "SELECTORS",
    "SWEEPS_DDL",
    "Axis",
    "CellOutcome",
    "CellTask",
    "Metrics",
    "Range",
    "SweepDefinition",
    "SweepIncomplete",
    "SweepInterrupted",
    "SweepReport",
    "cell_params",
    "cell_seed",
    "check_executor",
    "done_cells",
    "example_names",
    "list_sweeps",
    "load_sweep",
    "open_executor",
    "parse_sweep",
    "plan",
    "run_cell",
    "run_sweep",
    "sweep_results",
    "worker_version",
    "write_parquet",
]
