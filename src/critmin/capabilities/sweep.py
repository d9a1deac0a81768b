"""Sweeps: grids of floor, scenario or pipeline runs stored cell by cell (docs/sweeps.md).

The sweep runner (critmin.sweep) reads each cell's inputs in the parent process and runs
the cells in workers; it reaches the engines through the capabilities: the floor's
(:func:`critmin.capabilities.floor.floor_setup`, ``run_floor``), the scenario's
(``scenario_case``, ``scenario_outcome``) and, below, the pipeline's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.capabilities.inputs import StorePath
from critmin.results import Result

if TYPE_CHECKING:
    import polars as pl


class SweepRun(Result):
    """A finished sweep; table: its cells, read from the store table ``sweep_cells`` (one
    row per cell: the axis values and the cell's outputs)."""

    def rows(self) -> list[dict[str, Any]]:
        """The sweep's cells from the store, in cell order."""
        return self.to_polars().to_dicts()

    def to_polars(self) -> pl.DataFrame:
        """The sweep's cells (store table ``sweep_cells`` of this sweep id) as a DataFrame."""
        from critmin.sweep.storage import sweep_results

        frame: pl.DataFrame = sweep_results(self.answer["sweep_id"], self.request.get("path"))
        return frame


def sweep_run(
    *,
    definition: str | Path,
    workers: int | None = 1,
    dask: str | None = None,
    out: str | Path | None = None,
    force: bool = False,
    path: StorePath = None,
) -> SweepRun:
    """Run (or resume) every cell of a sweep definition (a YAML file or a bundled example
    name): a grid of floor, scenario or pipeline runs, each cell seeded from the sweep's
    seed and its index, stored in the store table ``sweep_cells`` (and ``out``, a Parquet
    file, when given). ``workers=1`` runs in this process. The report's ``wall_s`` and
    ``cell_s`` time this run. See docs/sweeps.md.
    """
    from critmin.sweep import load_sweep, run_sweep

    d = load_sweep(str(definition))
    report = run_sweep(d, workers=workers, dask=dask, out=out, db=path, force=force)
    req = {
        "definition": str(definition),
        "workers": workers,
        "dask": dask,
        "out": None if out is None else str(out),
        "path": None if path is None else str(path),
    }
    return SweepRun.of("sweep_run", req, report.to_dict())


# -- the pipeline's sweep cells: inputs read once in the parent, the draws in the workers --


def pipeline_base(*, stage_model: str | Path | None) -> dict[str, Any]:
    """The stage model's fields as Python values (the bundled one, with ``stage_model``'s
    parameters on top): the base a sweep's axes are laid over."""
    from critmin.sim.pipeline import load_stage_model

    data: dict[str, Any] = load_stage_model(stage_model).model_dump()
    return data


def pipeline_stage_model(fields: Mapping[str, Any]) -> Any:
    """The stage model of ``fields``; an InputError naming the field when they do not make
    one (the one validation-error formatter, :func:`critmin.errors.from_validation`)."""
    from pydantic import ValidationError

    from critmin.errors import from_validation
    from critmin.sim.pipeline import StageModel

    try:
        return StageModel.model_validate(fields)
    except ValidationError as exc:
        raise from_validation(exc, fields, default="sweep", model=StageModel) from None


def pipeline_register(
    *, projects: str | Path | None, path: StorePath = None
) -> tuple[list[Any], list[dict[str, Any]]]:
    """The project register (the bundled one, or the CSV ``projects``) and the ledger rows
    its money comes from: every row of each correction chain a project links to (the row,
    then each row that supersedes it), none other. A linked id the ledger lacks is an
    InputError here, before any draw."""
    from critmin.ledger import ledger
    from critmin.ledger_rows import chains
    from critmin.sim.pipeline import load_projects, public_money

    register = load_projects(projects)
    rows = ledger(path)
    public_money(register, rows)  # unknown ledger ids fail here, in the parent
    linked = {i for p in register for i in p.ledger_ids}
    keep: set[str] = set()
    for chain in chains(rows):  # the ledger's one chain walker
        ids = [r["id"] for r in chain]
        first = next((k for k, i in enumerate(ids) if i in linked), None)
        if first is not None:
            keep.update(ids[first:])
    return register, [r for r in rows if r["id"] in keep]


def pipeline_outcome(
    projects: Sequence[Any], model: Any, rows: Sequence[Mapping[str, Any]], *, draws: int, seed: int
) -> dict[str, Any]:
    """The pipeline Monte Carlo (critmin.sim.pipeline.run; formulas in
    :func:`critmin.capabilities.pipeline.pipeline_run`) on inputs already read: no store."""
    from critmin.sim.pipeline import run

    out: dict[str, Any] = run(draws, seed, projects=list(projects), model=model, rows=rows)
    return out


def pipeline_max_draws() -> int:
    """The most draws the pipeline engine takes in one run."""
    from critmin.sim.pipeline import MAX_DRAWS

    return int(MAX_DRAWS)
