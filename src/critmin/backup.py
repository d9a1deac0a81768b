"""Whole-store operations: export and restore (CSV or Parquet folders), backup to a DuckDB
file and restore from it, and `db check` (what is wrong with a store file).

Every restore is one transaction and refuses to drop a ledger row the store holds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from critmin.errors import InputError, StoreBusyError, StoreError
from critmin.schema import TABLES, to_cell
from critmin.store import (
    _VERIFIED,
    _insert,
    _meta,
    db_path,
    ensure_store,
    is_lock_conflict,
    query,
    raw_connection,
    read_table,
    schema_version,
)


def export_db(
    out: Path | str, fmt: Literal["parquet", "csv"] = "parquet", path: Path | str | None = None
) -> list[Path]:
    """Write every table to ``out/<table>.<fmt>``; CSV follows the bundled-file contract."""
    import csv

    if fmt not in ("parquet", "csv"):
        raise InputError("choose parquet or csv", field="format", value=fmt)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create folder: {exc.strerror}", field="out", value=str(out)
        ) from None
    written = []
    for name, spec in TABLES.items():
        frame = read_table(name, path)
        target = out / f"{name}.{fmt}"
        try:
            if fmt == "parquet":
                with target.open("wb") as fh:  # polars cannot take a path that is not UTF-8
                    frame.write_parquet(fh)
            else:
                with target.open("w", newline="", encoding="utf-8") as fh:
                    w = csv.writer(fh, lineterminator="\n")
                    w.writerow(spec.columns)
                    for row in frame.iter_rows():
                        w.writerow([to_cell(v) for v in row])
        except OSError as exc:
            raise InputError(
                f"cannot write: {exc.strerror}", field="out", value=str(target)
            ) from None
        written.append(target)
    return written


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


def restore_db(folder: Path | str, path: Path | str | None = None) -> dict[str, int]:
    """Replace every table with an export, in one transaction.

    Refuses an export that lacks a ledger row the store holds: the ledger never loses rows.
    """
    data = read_export(folder)
    p = ensure_store(path)
    with raw_connection(p) as con:
        _refuse_ledger_loss(con, {r["id"] for r in data["interventions"]}, "export")
        con.execute("BEGIN TRANSACTION")
        try:
            counts = {}
            for name in TABLES:
                con.execute(f'DELETE FROM "{name}"')
                counts[name] = _insert(con, name, data[name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return counts


def backup_db(out: Path | str, path: Path | str | None = None) -> dict[str, Any]:
    """Copy the whole store to a new DuckDB file ``out`` (a consistent snapshot).

    The source is attached read-only, so a writer holding the file makes this wait (then
    StoreBusyError), never copies half a write. ``out`` must not exist.
    """
    import duckdb

    p = ensure_store(path)
    out = Path(out)
    if out.exists():
        raise InputError("exists; choose a new file name", field="--out", value=str(out))
    if not out.parent.is_dir():
        raise InputError("folder does not exist", field="--out", value=str(out))
    con = duckdb.connect()
    try:
        _retry_busy(lambda: con.execute(f"ATTACH '{_sql_path(p)}' AS src (READ_ONLY)"), p)
        try:
            con.execute(f"ATTACH '{_sql_path(out)}' AS bk")
        except duckdb.Error as exc:
            raise InputError(
                f"cannot write: {str(exc).splitlines()[0]}", field="--out", value=str(out)
            ) from None
        con.execute("COPY FROM DATABASE src TO bk")
        counts = {
            name: int(con.execute(f'SELECT count(*) FROM bk."{name}"').fetchall()[0][0])
            for name in TABLES
        }
    except BaseException:
        con.close()
        out.unlink(missing_ok=True)
        raise
    con.close()
    return {"out": str(out), "source": str(p), "tables": counts}


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _retry_busy(action: Any, p: Path) -> Any:
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


def restore_backup(file: Path | str, path: Path | str | None = None) -> dict[str, int]:
    """Replace every table with those of a backup file, in one transaction.

    Refuses a file that is not a critmin store of this schema, and a backup lacking a ledger
    row the store holds (the ledger never loses rows).
    """
    import duckdb

    file = Path(file)
    if not file.is_file():
        raise InputError("no such file", field="file", value=str(file))
    problems = check_db(file)["problems"]
    if problems:
        raise InputError(f"not a usable backup: {problems[0]}", field="file", value=str(file))
    p = ensure_store(path)
    with raw_connection(p) as con:
        try:
            con.execute(f"ATTACH '{_sql_path(file)}' AS bk (READ_ONLY)")
        except duckdb.Error as exc:
            raise InputError(
                f"cannot open: {str(exc).splitlines()[0]}", field="file", value=str(file)
            ) from None
        incoming = {r[0] for r in con.execute("SELECT id FROM bk.interventions").fetchall()}
        try:
            _refuse_ledger_loss(con, incoming, "backup")
        except InputError:
            con.execute("DETACH bk")
            raise
        con.execute("BEGIN TRANSACTION")
        try:
            counts = {}
            for name in [*TABLES, "meta"]:
                con.execute(f'DELETE FROM "{name}"')
                con.execute(f'INSERT INTO "{name}" SELECT * FROM bk."{name}"')
                counts[name] = int(con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DETACH bk")
    _VERIFIED.clear()
    return counts


def check_db(path: Path | str | None = None) -> dict[str, Any]:
    """What is wrong with a store file, without changing it.

    Checks: the file exists and opens as DuckDB (a truncated or foreign file does not); it was
    written by critmin (meta table) with this schema; every table is present with its columns;
    the stored rows pass the (non-strict) consistency rules. ``problems`` is empty when all hold.
    """
    import duckdb

    p = db_path(path)
    out: dict[str, Any] = {"db_path": str(p), "ok": False, "problems": [], "tables": {}}
    problems: list[str] = out["problems"]
    if not p.exists():
        problems.append("no store file at this path (it is created on first use)")
        return out
    try:
        con = _retry_busy(lambda: duckdb.connect(str(p), read_only=True), p)
    except StoreError as exc:
        problems.append(f"not a readable DuckDB file ({str(exc).split(': ', 1)[-1]})")
        return out
    try:
        meta = _meta(con)
        if not meta:
            problems.append("not a critmin store: no meta table")
            return out
        if meta.get("schema_version") != schema_version():
            problems.append(
                f"schema {meta.get('schema_version')} differs from this critmin's "
                f"{schema_version()} (it is rebuilt, keeping the ledger, on next write)"
            )
        have = {
            (t, c)
            for t, c in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
            ).fetchall()
        }
        for name, spec in TABLES.items():
            missing = [c for c in spec.columns if (name, c) not in have]
            if missing:
                problems.append(f"table {name} lacks column(s) {', '.join(missing)}")
                continue
            out["tables"][name] = int(
                con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            )
        frames = {}
        if not problems:
            # read every table in the file whole (count(*) may not touch the data blocks), so
            # a damaged block anywhere fails its checksum here
            listed = "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
            for schema, name in con.execute(listed).fetchall():
                frame = query(con, f'SELECT * FROM "{schema}"."{name}"')
                if name in TABLES and schema == "main":
                    frames[name] = frame
    except duckdb.Error as exc:
        problems.append(f"read failed: {str(exc).splitlines()[0]}")
        return out
    finally:
        con.close()
    if not problems:
        from critmin.validate import validate_frames

        problems.extend(str(f) for f in validate_frames(frames)[:20])
    out["ok"] = not problems
    out.update({k: meta.get(k) for k in ("data_version", "schema_version", "loaded_at")})
    return out


def _refuse_ledger_loss(con: Any, incoming: set[str], what: str) -> None:
    """A restore may add ledger rows, never drop one the store holds (append-only ledger)."""
    held = {r[0] for r in con.execute("SELECT id FROM interventions").fetchall()}
    lost = sorted(held - incoming)
    if lost:
        raise InputError(
            f"the {what} lacks {len(lost)} ledger row(s) this store holds; nothing restored",
            field="interventions",
            value=lost[0],
        )
