"""The embedded DuckDB store: create, load the bundled data, transactions, export, restore.

Connections are short-lived (one per call). DuckDB admits one writing process per file, so a
second process meets a lock: we retry for ``CRITMIN_LOCK_TIMEOUT_S`` seconds, then raise
StoreBusyError with one line naming the file and the holder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from critmin import __version__
from critmin.errors import InputError, StoreBusyError, StoreError
from critmin.schema import TABLES, ddl, polars_schema, to_cell

if TYPE_CHECKING:
    import duckdb
    import polars as pl

META_DDL = 'CREATE TABLE IF NOT EXISTS "meta" ("key" VARCHAR PRIMARY KEY, "value" VARCHAR)'


def schema_version() -> str:
    """Fingerprint of the DDL: a change of any column forces a rebuild on next open."""
    text = "\n".join(ddl(t) for t in TABLES.values())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def db_path(path: Path | str | None = None) -> Path:
    if path is not None:
        return Path(path)
    from critmin.settings import get_settings

    return get_settings().db


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    from critmin.settings import get_settings

    deadline = time.monotonic() + get_settings().lock_timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            msg = str(exc)
            if "lock" in msg.lower():
                if time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    continue
                holder = re.search(r"PID (\d+)", msg)
                who = f" by process {holder.group(1)}" if holder else ""
                raise StoreBusyError(
                    f"store busy: {path} is held{who}; retry when it finishes "
                    "or point CRITMIN_DB to another file"
                ) from None
            if "not a valid" in msg.lower() or "corrupt" in msg.lower():
                raise StoreError(
                    f"{path} is not a readable DuckDB store ({msg.splitlines()[0]}); "
                    "run `critmin db check` or move the file away"
                ) from None
            raise StoreError(f"cannot open {path}: {msg.splitlines()[0]}") from None


@contextmanager
def raw_connection(
    path: Path | str | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection without the initialisation check (for `db check`, migrations, tests)."""
    p = db_path(path)
    if not read_only:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of {p}: {exc.strerror}") from None
    import duckdb

    con = _open(p, read_only)
    try:
        yield con
    except (
        duckdb.IOException,
        duckdb.InternalException,
        duckdb.SerializationException,
        duckdb.FatalException,
    ) as exc:
        # a damaged file (truncated, overwritten) opens but fails on read; a full disk or a
        # read-only file fails on write: either way, one line the user can act on
        first = str(exc).splitlines()[0]
        raise StoreError(
            f"cannot use the store {p}: {first}; run `critmin db check`, or restore a backup "
            "with `critmin db restore`"
        ) from None
    finally:
        con.close()


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None (fetches all: DuckDB wants results consumed)."""
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    exists = first_row(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    )
    if not exists or not exists[0]:
        return {}
    return {k: v for k, v in con.execute('SELECT "key", "value" FROM meta').fetchall()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> int:
    import polars as pl

    if not rows:
        return 0
    spec = TABLES[table]
    frame = pl.DataFrame(rows, schema=polars_schema(spec), orient="row")
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    con.register("_incoming", frame.to_arrow())
    try:
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _incoming')
    finally:
        con.unregister("_incoming")
    return len(rows)


def _load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the reference tables with the bundled CSVs, in one transaction.

    The ledger (append-only) only gains the seed rows it does not hold yet, so a reload never
    drops a row a user added.
    """
    from critmin.data.bundled import data_version, one_line, read_reference

    parsed = read_reference()
    if parsed.failures:
        raise InputError(one_line(parsed.failures[0]))
    saved: list[tuple[Any, ...]] = []
    saved_cols: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        meta = _meta(con)
        rebuild = meta.get("schema_version") != schema_version()
        if rebuild:
            # keep every ledger row across a schema change, by the columns both versions share
            has = con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'interventions'"
            ).fetchall()
            saved_cols = [c for (c,) in has if c in TABLES["interventions"].columns]
            if saved_cols:
                cols = ", ".join(f'"{c}"' for c in saved_cols)
                saved = con.execute(f"SELECT {cols} FROM interventions").fetchall()
            for name in TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute(META_DDL)
        for spec in TABLES.values():
            con.execute(ddl(spec))
        if saved:
            cols = ", ".join(f'"{c}"' for c in saved_cols)
            marks = ", ".join("?" for _ in saved_cols)
            con.executemany(f"INSERT INTO interventions ({cols}) VALUES ({marks})", saved)
        for spec in TABLES.values():
            rows = parsed.rows[spec.name]
            if spec.append_only:
                held = {
                    r[0]
                    for r in con.execute(f'SELECT "{spec.key[0]}" FROM "{spec.name}"').fetchall()
                }
                rows = [r for r in rows if r[spec.key[0]] not in held]
            else:
                con.execute(f'DELETE FROM "{spec.name}"')
            _insert(con, spec.name, rows)
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        for key, value in {
            "schema_version": schema_version(),
            "data_version": data_version(),
            "critmin_version": __version__,
            "loaded_at": stamp,
        }.items():
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# Per-process memo of stores already checked and of tables already read, keyed on the DB
# file's stat: any write (by this or another process) changes it and invalidates the entry.
_VERIFIED: dict[str, tuple[Any, ...]] = {}
_TABLES: dict[tuple[str, str], tuple[tuple[Any, ...], pl.DataFrame]] = {}


def _stamp(p: Path) -> tuple[Any, ...]:
    out: list[Any] = []
    for f in (p, p.with_name(p.name + ".wal")):
        try:
            st = f.stat()
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def ensure_store(path: Path | str | None = None) -> Path:
    """Create the store and load the bundled data when it is missing or out of date."""
    from critmin.data.bundled import data_version

    p = db_path(path)
    want = (schema_version(), data_version())
    key = str(p.resolve()) if p.exists() else str(p)
    if p.exists() and _VERIFIED.get(key) == (*want, _stamp(p)):
        return p
    result = _ensure(p, want)
    _VERIFIED[str(p.resolve())] = (*want, _stamp(p))
    return result


def _ensure(p: Path, want: tuple[str, str]) -> Path:
    if p.exists():
        with raw_connection(p, read_only=True) as con:
            meta = _meta(con)
        if (meta.get("schema_version"), meta.get("data_version")) == want:
            return p
    with raw_connection(p) as con:
        meta = _meta(con)
        if (meta.get("schema_version"), meta.get("data_version")) != want:
            _load_reference(con)
    return p


@contextmanager
def connect(
    path: Path | str | None = None, read_only: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to an initialised store."""
    p = ensure_store(path)
    with raw_connection(p, read_only=read_only) as con:
        yield con


def read_table(name: str, path: Path | str | None = None) -> pl.DataFrame:
    """One whole table as a polars frame, in key order."""
    if name not in TABLES:
        raise InputError(
            f"unknown table; choose one of {', '.join(TABLES)}", field="table", value=name
        )
    spec = TABLES[name]
    order = ", ".join(f'"{c}"' for c in spec.key)
    p = ensure_store(path)
    key = (str(p.resolve()), name)
    stamp = _stamp(p)
    hit = _TABLES.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with raw_connection(p, read_only=True) as con:
        frame = query(con, f'SELECT * FROM "{name}" ORDER BY {order}')
    _TABLES[key] = (stamp, frame)
    return frame


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pl.DataFrame:
    """Run SQL and return a polars frame (through Arrow, no copy of the data types)."""
    import polars as pl

    rel = con.sql(sql, params=params) if params else con.sql(sql)
    frame = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def db_info(path: Path | str | None = None) -> dict[str, Any]:
    """Tables with row counts, data and schema versions, and the DB path."""
    p = ensure_store(path)
    with raw_connection(p, read_only=True) as con:
        meta = _meta(con)
        counts = {
            name: int(con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
            for name in TABLES
        }
    return {
        "db_path": str(p),
        "data_version": meta.get("data_version"),
        "schema_version": meta.get("schema_version"),
        "critmin_version": __version__,
        "loaded_at": meta.get("loaded_at"),
        "tables": [{"table": k, "rows": v} for k, v in counts.items()],
    }


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
                frame.write_parquet(target)
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

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder", field="path", value=str(folder))
    out: dict[str, list[dict[str, Any]]] = {}
    for name, spec in TABLES.items():
        pq, cs = folder / f"{name}.parquet", folder / f"{name}.csv"
        if pq.is_file():
            frame = pl.read_parquet(pq)
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
        held = {r[0] for r in con.execute("SELECT id FROM interventions").fetchall()}
        incoming = {r["id"] for r in data["interventions"]}
        lost = sorted(held - incoming)
        if lost:
            raise InputError(
                f"the export lacks {len(lost)} ledger row(s) this store holds; nothing restored",
                field="interventions",
                value=lost[0],
            )
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


def upsert_rows(
    rows: dict[str, list[dict[str, Any]]], path: Path | str | None = None
) -> dict[str, int]:
    """Insert rows, replacing those with the same key, in one transaction (used by importers)."""
    p = ensure_store(path)
    with raw_connection(p) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            counts = {}
            for name, batch in rows.items():
                spec = TABLES[name]
                if spec.append_only:
                    raise InputError(
                        "the ledger is append-only; use `critmin ledger add`",
                        field="table",
                        value=name,
                    )
                if not batch:
                    counts[name] = 0
                    continue
                keys = ", ".join(f'"{c}"' for c in spec.key)
                marks = ", ".join("?" for _ in spec.key)
                con.executemany(
                    f'DELETE FROM "{name}" WHERE ({keys}) = ({marks})',
                    [[r[c] for c in spec.key] for r in batch],
                )
                counts[name] = _insert(con, name, batch)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return counts


def import_csv(table: str, file: Path | str, path: Path | str | None = None) -> int:
    """Import one CSV in the contract format (docs/data-contract.md) into ``table``.

    All or nothing: the first bad cell stops the import with its file, line and column, and
    the store is left as it was. Rows whose key exists are replaced.
    """
    from critmin.data.bundled import one_line, read_csv

    if table not in TABLES:
        raise InputError(
            f"unknown table; choose one of {', '.join(TABLES)}", field="table", value=table
        )
    file = Path(file)
    if not file.is_file():
        raise InputError("no such file", field="file", value=str(file))
    rows, failures = read_csv(file, TABLES[table])
    if failures:
        raise InputError(one_line(failures[0]))
    return upsert_rows({table: rows}, path)[table]


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
            if "lock" not in str(exc).lower():
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
        held = {r[0] for r in con.execute("SELECT id FROM interventions").fetchall()}
        incoming = {r[0] for r in con.execute("SELECT id FROM bk.interventions").fetchall()}
        lost = sorted(held - incoming)
        if lost:
            con.execute("DETACH bk")
            raise InputError(
                f"the backup lacks {len(lost)} ledger row(s) this store holds; nothing restored",
                field="interventions",
                value=lost[0],
            )
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
    except duckdb.Error as exc:
        problems.append(f"read failed: {str(exc).splitlines()[0]}")
        return out
    finally:
        con.close()
    if not problems:
        from critmin.validate import validate_frames

        frames = {}
        with raw_connection(p, read_only=True) as con2:
            for name in TABLES:
                frames[name] = query(con2, f'SELECT * FROM "{name}"')
        problems.extend(str(f) for f in validate_frames(frames)[:20])
    out["ok"] = not problems
    out.update({k: meta.get(k) for k in ("data_version", "schema_version", "loaded_at")})
    return out
