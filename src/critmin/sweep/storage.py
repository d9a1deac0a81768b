"""Sweep storage (parent process only; workers never open the store): the DuckDB tables
``sweeps`` and ``sweep_cells``, writing finished cells as they arrive, the cells a resumed sweep
already has, and the results as a polars frame or a Parquet file. The SQL (the tables, one
transaction per batch of cells) is :mod:`critmin.capabilities.store`'s; this module buffers
the cells, shapes the results and writes the Parquet file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from critmin.capabilities.store import CELLS_DDL as CELLS_DDL
from critmin.capabilities.store import SWEEPS_DDL as SWEEPS_DDL
from critmin.errors import InputError
from critmin.sweep.definition import SweepDefinition
from critmin.sweep.engines import CellOutcome

if TYPE_CHECKING:
    from critmin.capabilities.inputs import StorePath

FLUSH_SECONDS = 2.0
FLUSH_ROWS = 500


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
    from critmin.capabilities.store import sweep_open

    return sweep_open(
        sweep_id=sweep_id,
        name=d.name,
        engine=d.engine,
        cells=d.n_cells,
        definition=_definition_json(d),
        path=db,
    )


def _definition_json(d: SweepDefinition) -> str:
    return json.dumps(d.model_dump(mode="json"), separators=(",", ":"))


def _save(db: Path, sweep_id: str, rows: list[tuple[Any, ...]], complete: bool = False) -> None:
    """Insert finished cells (and mark the sweep complete) in one transaction."""
    from critmin.capabilities.store import sweep_save

    sweep_save(sweep_id=sweep_id, rows=rows, complete=complete, path=db)


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


def done_cells(sweep_id: str, db: StorePath = None) -> int:
    """How many cells of a sweep the store holds (0 if none; reads only)."""
    from critmin.capabilities.store import sweep_done

    return sweep_done(sweep_id=sweep_id, path=db)


def list_sweeps(db: StorePath = None) -> list[dict[str, Any]]:
    """Every sweep in the store: id, name, engine, cells done of total, versions, dates."""
    from critmin.capabilities.store import sweep_list

    return sweep_list(path=db)


def sweep_results(sweep_id: str, db: StorePath = None) -> Any:
    """A sweep's cells as a polars frame: cell, seed, one column per axis and per metric."""
    import polars as pl

    from critmin.capabilities.store import sweep_stored

    row, cells = sweep_stored(sweep_id=sweep_id, path=db)
    axes = list(json.loads(row["definition"])["axes"])
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


def check_out(out: Path | str, sweep_id: str, force: bool = False) -> Path:
    """``out`` if the results may be written there: a new path, or an existing regular file
    with ``force`` or when it holds this very sweep's results (written by critmin, same
    sweep id: rerunning the same command resumes and rewrites it). Symlinks, devices, FIFOs
    and folders are refused whatever ``force`` says (:func:`critmin.files.output_path`)."""
    from critmin.files import output_path

    p = Path(out)
    if not p.parent.exists() and not p.parent.is_symlink():
        return p  # a new path: write_parquet creates its folder
    if force or not p.exists() or p.is_symlink() or not p.is_file():
        return output_path(p, "--out", force)
    return output_path(p, "--out", force=_holds_sweep(p, sweep_id))


def _holds_sweep(p: Path, sweep_id: str) -> bool:
    import pyarrow.parquet as pq

    try:
        with p.open("rb") as fh:
            meta = pq.read_schema(fh).metadata or {}
        return bool(json.loads(meta[b"critmin.sweep"])["sweep_id"] == sweep_id)
    except Exception:  # not Parquet, not ours: only --force replaces it
        return False


def write_parquet(
    sweep_id: str, out: Path | str, db: StorePath = None, force: bool = False
) -> Path:
    """Write a sweep's results to Parquet (atomically), the definition and versions attached as
    the schema metadata key ``critmin.sweep`` (JSON). ``out``: see :func:`check_out`."""
    import pyarrow.parquet as pq

    from critmin.capabilities.store import sweep_stored
    from critmin.files import atomic_output

    frame = sweep_results(sweep_id, db)
    row, _ = sweep_stored(sweep_id=sweep_id, path=db)
    meta = {
        "sweep_id": sweep_id,
        "name": row["name"],
        "engine": row["engine"],
        "definition": json.loads(row["definition"]),
        "critmin_version": row["critmin_version"],
        "data_version": row["data_version"],
        "seeding": "cell i: SeedSequence(seed, spawn_key=(i,)).generate_state(1, uint64)[0] >> 1",
    }
    table = frame.to_arrow()
    table = table.replace_schema_metadata({b"critmin.sweep": json.dumps(meta).encode()})
    target = Path(out)
    if not target.parent.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the folder: {exc.strerror}", field="--out", value=str(target)
            ) from None
    check_out(target, sweep_id, force)
    with atomic_output(target, "--out", force=True) as fh:  # checked just above
        pq.write_table(table, fh)
    return target
