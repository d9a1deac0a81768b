"""Whole-store operations: export and restore (CSV or Parquet folders), backup to a DuckDB
file and restore from it, and `db check` (what is wrong with a store file).

Outputs are written beside their target and renamed into place (a full disk leaves nothing
half-written). A restore builds the new store at a temporary path beside the store file and
renames it over the file, so a damaged store can be restored in place; it refuses to drop a
ledger row the store holds, or to change one (the ledger is append-only). A backup is read
with DuckDB's external access off, base tables only: a view in it is refused, never run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from critmin.errors import InputError, StoreBusyError, StoreError
from critmin.files import fsync_file, output_path, temp_beside, write_error
from critmin.schema import TABLES, ddl, to_cell
from critmin.store import (
    _VERIFIED,
    META_DDL,
    _open,
    db_path,
    ensure_store,
    is_lock_conflict,
    is_no_space,
    no_space_error,
    query,
    read_meta,
    read_table,
    schema_version,
)

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from critmin.store import StoreArg


def export_db(
    out: Path | str,
    fmt: Literal["parquet", "csv"] = "parquet",
    path: StoreArg = None,
    force: bool = False,
) -> list[Path]:
    """Write every table to ``out/<table>.<fmt>``; CSV follows the bundled-file contract.

    ``out`` is a new folder (written as a temporary folder beside it, then renamed), or with
    ``force`` an existing folder whose table files are replaced one by one (each atomically).
    A full disk or any failure leaves no partial file behind.
    """
    if fmt not in ("parquet", "csv"):
        raise InputError("choose parquet or csv", field="format", value=fmt)
    out = Path(out)
    exists = _check_out_folder(out, force)
    if exists:  # every file it replaces must be a regular file: checked before writing any
        for name in TABLES:
            output_path(out / f"{name}.{fmt}", "--out", force=True)
    frames = {name: read_table(name, path) for name in TABLES}
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    except OSError as exc:
        raise write_error(exc, "--out", out) from None
    try:
        for name, frame in frames.items():
            _write_table(tmp / f"{name}.{fmt}", frame, fmt)
        if exists:
            for name in TABLES:
                target = output_path(out / f"{name}.{fmt}", "--out", force=True)
                os.replace(tmp / target.name, target)
            tmp.rmdir()
        else:
            os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_error(exc, "--out", out) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / f"{name}.{fmt}" for name in TABLES]


def _check_out_folder(out: Path, force: bool) -> bool:
    """Whether ``out`` is an existing folder (only with ``force``); else it must be new."""
    try:
        st = out.lstat()
    except FileNotFoundError:
        if not out.parent.is_dir():
            raise InputError("folder does not exist", field="--out", value=str(out)) from None
        return False
    except OSError as exc:
        raise write_error(exc, "--out", out) from None
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(
            "exists and is not a folder; choose a new folder name", field="--out", value=str(out)
        )
    if not force:
        raise InputError(
            "folder exists; pass --force to replace its table files, or choose a new name",
            field="--out",
            value=str(out),
        )
    return True


def _write_table(target: Path, frame: pl.DataFrame, fmt: str) -> None:
    import csv

    spec = TABLES[target.stem]
    if fmt == "parquet":
        with target.open("wb") as fh:  # polars cannot take a path that is not UTF-8
            frame.write_parquet(fh)
            fh.flush()
            os.fsync(fh.fileno())
    else:
        with target.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(spec.columns)
            for row in frame.iter_rows():
                w.writerow([to_cell(v) for v in row])
            fh.flush()
            os.fsync(fh.fileno())


def read_export(folder: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Read a folder written by :func:`export_db` (CSV or Parquet), validated row by row."""
    import polars as pl

    from critmin.data.bundled import one_line, parse_rows, read_csv
    from critmin.files import check_parquet

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder", field="path", value=str(folder))
    out: dict[str, list[dict[str, Any]]] = {}
    for name, spec in TABLES.items():
        pq, cs = folder / f"{name}.parquet", folder / f"{name}.csv"
        if pq.is_file():
            check_parquet(pq, "source")
            try:
                with pq.open("rb") as fh:  # polars cannot take a path that is not UTF-8
                    frame = pl.read_parquet(fh)
            except pl.exceptions.PolarsError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
                raise InputError(f"not a readable Parquet file: {first}", file=str(pq)) from None
            records = ((i + 1, r) for i, r in enumerate(frame.to_dicts()))
            rows, failures = parse_rows(spec, records, str(pq))
        elif cs.is_file():
            rows, failures = read_csv(cs, spec)
        else:
            raise InputError(
                f"missing {name}.parquet or {name}.csv", field="path", value=str(folder)
            )
        if failures:
            raise InputError(one_line(failures[0]))
        out[name] = rows
    return out


def restore_db(folder: Path | str, path: StoreArg = None) -> dict[str, int]:
    """Replace every table with an export (all or nothing, see :func:`_replace_store`)."""
    import polars as pl

    from critmin.schema import polars_schema

    data = read_export(folder)
    frames = {
        name: pl.DataFrame(rows, schema=polars_schema(TABLES[name]), orient="row")
        for name, rows in data.items()
    }
    return _replace_store(db_path(path), frames, None, "export")


def backup_db(out: Path | str, path: StoreArg = None, force: bool = False) -> dict[str, Any]:
    """Copy the whole store to a DuckDB file ``out`` (a consistent snapshot).

    The source is attached read-only, so a writer holding the file makes this wait (then
    StoreBusyError), never copies half a write. ``out`` must be new, or with ``force`` an
    existing regular file; the copy is written beside it and renamed into place, so a failure
    (a full disk) leaves neither a partial file nor its ``.wal``.
    """
    import duckdb

    p = ensure_store(path)
    out = output_path(out, "--out", force)
    tmp = temp_beside(out, "backup")
    con = duckdb.connect()
    try:
        retry_busy(lambda: con.execute(f"ATTACH '{_sql_path(p)}' AS src (READ_ONLY)"), p)
        con.execute(f"ATTACH '{_sql_path(tmp)}' AS bk")
        con.execute("COPY FROM DATABASE src TO bk")
        counts = {
            name: int(con.execute(f'SELECT count(*) FROM bk."{name}"').fetchall()[0][0])
            for name in TABLES
        }
        con.execute("CHECKPOINT bk")
        con.execute("DETACH bk")
        con.close()
        fsync_file(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        _discard(con, tmp)
        raise write_error(exc, "--out", out) from None
    except duckdb.Error as exc:
        _discard(con, tmp)
        if is_no_space(str(exc)):
            raise write_error(OSError(28, "No space left on device"), "--out", out) from None
        raise InputError(
            f"cannot write: {str(exc).splitlines()[0]}", field="--out", value=str(out)
        ) from None
    except BaseException:
        _discard(con, tmp)
        raise
    return {"out": str(out), "source": str(p), "tables": counts}


def _discard(con: Any, tmp: Path) -> None:
    """Close ``con`` (errors ignored) and remove ``tmp`` and its ``.wal``."""
    with contextlib.suppress(Exception):
        con.close()
    for f in (tmp, tmp.with_name(tmp.name + ".wal")):
        with contextlib.suppress(OSError):
            f.unlink()


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def retry_busy(action: Any, p: Path) -> Any:
    """Run ``action`` (which opens ``p``), retrying while another process holds the lock."""
    import duckdb

    from critmin.settings import get_settings

    deadline = time.monotonic() + get_settings().lock_timeout_s
    while True:
        try:
            return action()
        except duckdb.Error as exc:
            if not is_lock_conflict(str(exc)):
                raise StoreError(f"cannot open {p}: {str(exc).splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                raise StoreBusyError(f"store busy: {p} is held by another process; retry") from None
            time.sleep(0.1)


def _open_backup(file: Path) -> duckdb.DuckDBPyConnection:
    """The backup, read-only, with DuckDB's external access off: nothing stored in the file
    (a view over ``read_text``, ``read_csv`` or a URL) can reach outside it."""
    import duckdb

    try:
        return duckdb.connect(str(file), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        raise InputError(
            f"not a readable DuckDB file ({str(exc).splitlines()[0]})",
            field="file",
            value=str(file),
        ) from None


def base_tables_only(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Problems that make a file no critmin backup: a view anywhere, or a table of
    schema.TABLES (or meta) that is missing, not a BASE TABLE, or lacks a column."""
    problems = []
    kinds = {
        (sch, name): kind
        for sch, name, kind in con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables"
        ).fetchall()
    }
    views = sorted(f"{sch}.{name}" for (sch, name), kind in kinds.items() if kind != "BASE TABLE")
    if views:
        problems.append(f"holds view {views[0]} (a backup holds base tables only)")
    have = {
        (t, c)
        for t, c in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main'"
        ).fetchall()
    }
    for name in [*TABLES, "meta"]:
        if kinds.get(("main", name)) != "BASE TABLE":
            problems.append(f"table {name} is missing or not a base table")
            continue
        cols = TABLES[name].columns if name in TABLES else ["key", "value"]
        missing = [c for c in cols if (name, c) not in have]
        if missing:
            problems.append(f"table {name} lacks column(s) {', '.join(missing)}")
    return problems


def restore_backup(file: Path | str, path: StoreArg = None) -> dict[str, int]:
    """Replace every table with those of a backup file (all or nothing, see
    :func:`_replace_store`).

    The backup is opened with external access off and only its base tables of
    schema.TABLES are read; a view, a missing table or column, another schema version, or
    rows that break the consistency rules refuse the whole file.
    """
    import duckdb

    from critmin.files import input_file
    from critmin.validate import validate_frames

    file = input_file(file, "file", max_bytes=1 << 62)
    con = _open_backup(file)
    try:
        problems = base_tables_only(con)
        meta = read_meta(con) if not problems else {}
        if not problems and meta.get("schema_version") != schema_version():
            problems.append(
                f"schema {meta.get('schema_version')} differs from this critmin's "
                f"{schema_version()}"
            )
        frames = {}
        if not problems:
            for name, spec in TABLES.items():
                cols = ", ".join(f'"{c}"' for c in spec.columns)
                frames[name] = query(con, f'SELECT {cols} FROM main."{name}"')
    except duckdb.Error as exc:
        problems = [f"read failed: {str(exc).splitlines()[0]}"]
    finally:
        con.close()
    if not problems:
        problems = [str(f) for f in validate_frames(frames)[:1]]
    if problems:
        raise InputError(f"not a usable backup: {problems[0]}", field="file", value=str(file))
    return _replace_store(db_path(path), frames, meta, "backup")


def _replace_store(
    p: Path, frames: dict[str, pl.DataFrame], meta: dict[str, str] | None, what: str
) -> dict[str, int]:
    """Build a store from ``frames`` at a temporary path beside ``p`` and rename it over ``p``.

    While it builds, the write lock on ``p`` is held (when ``p`` opens at all), so no other
    process writes in between. When ``p``'s ledger can be read, the incoming ledger must hold
    every stored row unchanged (it may add rows); when ``p`` is damaged past reading, the
    restore goes ahead: that is what a restore is for. ``meta`` (a backup's) is kept; an
    export takes the store's data version, or this critmin's when the store is unreadable.
    """
    import duckdb

    from critmin.data.bundled import data_version

    if p.is_symlink():
        p = p.resolve()  # replace the store the link points to, not the link
    lock: duckdb.DuckDBPyConnection | None = None
    held: list[dict[str, Any]] | None = None
    old_meta: dict[str, str] = {}
    extras: list[tuple[str, str, Any]] = []  # the store's other tables (sweeps): kept as they are
    if p.exists():
        try:
            lock = _open(p, read_only=False)
        except StoreBusyError:
            raise
        except StoreError:
            lock = None  # too damaged to open: it is replaced
        if lock is not None:
            try:
                old_meta = read_meta(lock)
                held = query(lock, "SELECT * FROM interventions").to_dicts()
                extras = _other_tables(lock)
                lock.execute("CHECKPOINT")  # the WAL is folded in, so none is left to replay
            except duckdb.Error:
                held = None
    try:
        if held is not None:
            _refuse_ledger_change(held, frames["interventions"].to_dicts(), what)
        if meta is None:
            meta = {
                "schema_version": schema_version(),
                "data_version": old_meta.get("data_version") or data_version(),
            }
        from critmin import __version__

        meta = {
            **meta,
            "critmin_version": meta.get("critmin_version") or __version__,
            "loaded_at": meta.get("loaded_at")
            or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        }
        if not p.parent.is_dir():
            raise InputError("folder does not exist", field="CRITMIN_DB", value=str(p))
        tmp = temp_beside(p, "restore")
        con = duckdb.connect(str(tmp))
        try:
            con.execute(META_DDL)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [[k, v] for k, v in meta.items()])
            counts = {}
            for name, spec in TABLES.items():
                con.execute(ddl(spec))
                cols = ", ".join(f'"{c}"' for c in spec.columns)
                con.register("_incoming", frames[name].select(spec.columns).to_arrow())
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
                con.unregister("_incoming")
                counts[name] = frames[name].height
            for name, create, table in extras:
                con.execute(create)
                con.register("_incoming", table)
                con.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
                con.unregister("_incoming")
            con.execute("CHECKPOINT")
            con.close()
            fsync_file(tmp)
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(p.stat().st_mode))  # keep the store's mode
            os.replace(tmp, p)  # a new inode: store._stamp (and every cache keyed on it) moves
            with contextlib.suppress(FileNotFoundError):
                p.with_name(p.name + ".wal").unlink()
        except OSError as exc:
            _discard(con, tmp)
            raise (
                no_space_error(p)
                if exc.errno == 28
                else StoreError(f"cannot write the store {p}: {exc.strerror}")
            ) from None
        except duckdb.Error as exc:
            _discard(con, tmp)
            if is_no_space(str(exc)):
                raise no_space_error(p) from None
            raise StoreError(f"cannot write the store {p}: {str(exc).splitlines()[0]}") from None
        except BaseException:
            _discard(con, tmp)
            raise
    finally:
        if lock is not None:
            with contextlib.suppress(duckdb.Error):
                lock.close()
    _VERIFIED.clear()
    return counts


def _other_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, Any]]:
    """(name, CREATE statement, rows as Arrow) of each base table outside schema.TABLES and meta
    (the sweep tables), so that a restore keeps them."""
    listed = con.execute(
        "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()
    out = []
    for name, sql in listed:
        if name in TABLES or name == "meta":
            continue
        out.append((name, sql, con.sql(f'SELECT * FROM "{name}"').to_arrow_table()))
    return out


def _refuse_ledger_change(
    held: list[dict[str, Any]], incoming: list[dict[str, Any]], what: str
) -> None:
    """A restore may add ledger rows; it may neither drop one the store holds nor change one
    (the ledger is append-only: a correction is a new row that supersedes)."""
    came = {r["id"]: r for r in incoming}
    lost = sorted(r["id"] for r in held if r["id"] not in came)
    if lost:
        raise InputError(
            f"the {what} lacks {len(lost)} ledger row(s) this store holds; nothing restored",
            field="interventions",
            value=lost[0],
        )
    for old in sorted(held, key=lambda r: r["id"]):
        new = came[old["id"]]
        changed = [c for c in TABLES["interventions"].columns if old.get(c) != new.get(c)]
        if changed:
            raise InputError(
                f"the {what}'s ledger row differs from the stored one in {changed[0]} "
                "(the ledger is append-only); nothing restored",
                field="interventions",
                value=old["id"],
            )
