"""Sweep storage (parent process only; workers never open the store): the DuckDB tables
``sweeps`` and ``sweep_cells``, writing finished cells as they arrive, the cells a resumed sweep
already has, and the results as a polars frame or a Parquet file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from critmin.errors import InputError
from critmin.sweep.definition import SweepDefinition
from critmin.sweep.engines import CellOutcome

FLUSH_SECONDS = 2.0
FLUSH_ROWS = 500

SWEEPS_DDL = """CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, engine VARCHAR NOT NULL,
    cells INTEGER NOT NULL, definition JSON NOT NULL, critmin_version VARCHAR NOT NULL,
    data_version VARCHAR, created_at TIMESTAMP NOT NULL, completed_at TIMESTAMP)"""
CELLS_DDL = """CREATE TABLE IF NOT EXISTS sweep_cells (
    sweep_id VARCHAR NOT NULL, cell INTEGER NOT NULL, params JSON NOT NULL,
    seed BIGINT NOT NULL, result JSON NOT NULL, runtime_s DOUBLE, worker VARCHAR,
    finished_at TIMESTAMP NOT NULL, PRIMARY KEY (sweep_id, cell))"""


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
    from critmin import __version__
    from critmin.store import first_row, raw_connection, rollback

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
            rollback(con)
            raise
    return cells, data_version


def _definition_json(d: SweepDefinition) -> str:
    return json.dumps(d.model_dump(mode="json"), separators=(",", ":"))


def _save(db: Path, sweep_id: str, rows: list[tuple[Any, ...]], complete: bool = False) -> None:
    """Insert finished cells (and mark the sweep complete) in one transaction."""
    import pyarrow as pa

    from critmin.store import raw_connection, rollback

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
            rollback(con)
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
    sweep_id: str, out: Path | str, db: Path | str | None = None, force: bool = False
) -> Path:
    """Write a sweep's results to Parquet (atomically), the definition and versions attached as
    the schema metadata key ``critmin.sweep`` (JSON). ``out``: see :func:`check_out`."""
    import pyarrow.parquet as pq

    from critmin.files import atomic_output
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
