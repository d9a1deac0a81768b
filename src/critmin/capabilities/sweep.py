"""Sweeps: grids of floor, scenario or pipeline runs stored cell by cell (docs/sweeps.md)."""

from __future__ import annotations

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
