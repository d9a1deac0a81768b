"""The embedded DuckDB store: create, load the bundled data, read, upsert (transactions).

Connections are short-lived (one per call). DuckDB admits one writing process per file, so a
second process meets a lock: we retry for ``CRITMIN_LOCK_TIMEOUT_S`` seconds, then raise
StoreBusyError with one line naming the file and the holder.
Whole-store export, backup, restore and checks live in :mod:`critmin.backup`.
:class:`Store` is one resolved store file, accepted wherever a ``path`` argument is.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from critmin import __version__
from critmin.errors import InputError, StoreBusyError, StoreError
from critmin.schema import TABLES, ddl, polars_schema

if TYPE_CHECKING:
    import duckdb
    import polars as pl

META_DDL = 'CREATE TABLE IF NOT EXISTS "meta" ("key" VARCHAR PRIMARY KEY, "value" VARCHAR)'


@functools.cache  # the DDL is fixed for the life of the process
def schema_version() -> str:
    """Fingerprint of the DDL: a change of any column forces a rebuild on next open."""
    text = "\n".join(ddl(t) for t in TABLES.values())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def db_path(path: StoreArg = None) -> Path:
    if path is not None:
        p, field = Path(path), "path"
    else:
        from critmin.settings import get_settings

        p, field = get_settings().db, "CRITMIN_DB"
    if p.name in ("", ".", ".."):
        raise InputError("not a file name for the store", field=field, value=str(p))
    try:
        str(p).encode("utf-8")  # DuckDB takes UTF-8 paths only
    except UnicodeEncodeError:
        raise InputError("the store's path must be UTF-8 text", field=field) from None
    return p


# DuckDB's words when another process holds the file; a bare "lock" would also match the
# "checksum ... in block at location" of a corrupt file, which is no reason to wait
_LOCK_CONFLICT = re.compile(r"could not set lock on file|conflicting lock is held", re.IGNORECASE)
# ...and when a block of the file is damaged (a plain duckdb.Error, not an IOException)
_CORRUPT = re.compile(r"corrupt database file|checksum", re.IGNORECASE)


# ...and when the disk is full (DuckDB words it after the OS: "No space left on device")
_NO_SPACE = re.compile(r"no space left on device|disk is full|ENOSPC", re.IGNORECASE)


def is_no_space(message: str) -> bool:
    """Does this error say that the disk is full?"""
    return _NO_SPACE.search(message) is not None


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any. DuckDB aborts a transaction whose write failed
    (a full disk), and a second ROLLBACK then fails with "no transaction is active": that
    failure must never hide the error that caused it, so it is swallowed here."""
    import duckdb

    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN; COMMIT on a clean exit, ROLLBACK (guarded, see :func:`rollback`) on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def no_space_error(p: Path) -> StoreError:
    return StoreError(f"cannot write the store {p}: no space left on device; nothing was written")


def is_lock_conflict(message: str) -> bool:
    """Does this DuckDB error say that another process holds the store file?"""
    return _LOCK_CONFLICT.search(message) is not None


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
            if is_lock_conflict(msg):
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
    path: StoreArg = None, read_only: bool = False
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
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise no_space_error(p) from None
        raise
    except duckdb.Error as exc:
        if is_no_space(str(exc)):
            raise no_space_error(p) from None
        # a damaged file (truncated, overwritten) opens but fails on read, a block's checksum
        # fails as a plain duckdb.Error; a full disk or a read-only file fails on write: either
        # way, one line the user can act on. Other errors (SQL) are bugs and pass through.
        damaged = (
            duckdb.IOException,
            duckdb.InternalException,
            duckdb.SerializationException,
            duckdb.FatalException,
        )
        if not isinstance(exc, damaged) and not _CORRUPT.search(str(exc)):
            raise
        first = str(exc).splitlines()[0]
        raise StoreError(
            f"cannot use the store {p}: {first}; run `critmin db check`, or restore a backup "
            "with `critmin db restore`"
        ) from None
    finally:
        try:
            con.close()
        except duckdb.Error as exc:  # the last checkpoint on close can meet a full disk
            if is_no_space(str(exc)):
                raise no_space_error(p) from None
            raise


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None (fetches all: DuckDB wants results consumed)."""
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    exists = first_row(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    )
    if not exists or not exists[0]:
        return {}
    return {k: v for k, v in con.execute('SELECT "key", "value" FROM meta').fetchall()}


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> int:
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
        unregister(con)
    return len(rows)


def unregister(con: duckdb.DuckDBPyConnection, name: str = "_incoming") -> None:
    """Drop a registered frame; in an aborted transaction that fails too, and must not hide
    the error that aborted it."""
    import duckdb

    with suppress(duckdb.Error):
        con.unregister(name)


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


def ensure_store(path: StoreArg = None) -> Path:
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
            meta = read_meta(con)
        if (meta.get("schema_version"), meta.get("data_version")) == want:
            return p
    with raw_connection(p) as con:
        meta = read_meta(con)
        if (meta.get("schema_version"), meta.get("data_version")) != want:
            from critmin.store_build import load_reference

            load_reference(con)
    return p


@contextmanager
def connect(path: StoreArg = None, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to an initialised store."""
    p = ensure_store(path)
    with raw_connection(p, read_only=read_only) as con:
        yield con


def read_table(name: str, path: StoreArg = None) -> pl.DataFrame:
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


def read_rows(name: str, path: StoreArg = None) -> list[dict[str, Any]]:
    """One whole table as a list of row dicts, in key order: the rows of :func:`read_table`
    with the same Python values, read without polars or pyarrow so that commands that only
    print a reference table (`critmin minerals`, `critmin sources`) start fast."""
    return read_many_rows((name,), path)[name]


def read_many_rows(
    names: tuple[str, ...], path: StoreArg = None
) -> dict[str, list[dict[str, Any]]]:
    """:func:`read_rows` of several tables through one connection."""
    for name in names:
        if name not in TABLES:
            raise InputError(
                f"unknown table; choose one of {', '.join(TABLES)}", field="table", value=name
            )
    p = ensure_store(path)
    out: dict[str, list[dict[str, Any]]] = {}
    with raw_connection(p, read_only=True) as con:
        for name in names:
            order = ", ".join(f'"{c}"' for c in TABLES[name].key)
            cur = con.execute(f'SELECT * FROM "{name}" ORDER BY {order}')
            cols = [d[0] for d in cur.description or []]
            out[name] = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    return out


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pl.DataFrame:
    """Run SQL and return a polars frame (through Arrow, no copy of the data types).

    The relation hands its Arrow stream to polars directly (the Arrow PyCapsule interface),
    so reading the store never imports pyarrow: half a second less for every command."""
    import polars as pl

    rel = con.sql(sql, params=params) if params else con.sql(sql)
    return pl.DataFrame(rel)


def db_info(path: StoreArg = None) -> dict[str, Any]:
    """Tables with row counts, data and schema versions, and the DB path."""
    p = ensure_store(path)
    with raw_connection(p, read_only=True) as con:
        meta = read_meta(con)
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


def upsert_rows(rows: dict[str, list[dict[str, Any]]], path: StoreArg = None) -> dict[str, int]:
    """Insert rows, replacing those with the same key, in one transaction (used by importers)."""
    import polars as pl

    for name in rows:
        if TABLES[name].append_only:
            raise InputError(
                "the ledger is append-only; use `critmin ledger add`", field="table", value=name
            )
    # build the frames before taking the write lock: the lock is held for two SQL statements
    # a table, whatever the row count (a DELETE per row made 20k rows take 12 s)
    frames = {
        name: pl.DataFrame(batch, schema=polars_schema(TABLES[name]), orient="row").to_arrow()
        for name, batch in rows.items()
        if batch
    }
    p = ensure_store(path)
    counts = {name: 0 for name in rows}
    with raw_connection(p) as con, transaction(con):
        for name, table in frames.items():
            spec = TABLES[name]
            cols = ", ".join(f'"{c}"' for c in spec.columns)
            same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM i."{c}"' for c in spec.key)
            con.register("_incoming", table)
            try:
                con.execute(
                    f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {same})'
                )
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
            finally:
                unregister(con)
            counts[name] = table.num_rows
        if {"control_events", "export_controls"} & set(frames):
            _check_control_chains(con)  # before COMMIT: a broken chain writes nothing
    return counts


def _check_control_chains(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse (InputError, so the open transaction rolls back) when the export controls'
    event chains, as they would be after this write, break an order rule
    (critmin.control_chain.chain_errors); the message names the control and the events."""
    from critmin.control_chain import chains_errors

    events = query(con, 'SELECT * FROM "control_events"').to_dicts()
    errors = chains_errors(events)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(
            f"event chain out of order, nothing imported: {errors[0][1]}{more}",
            field="control_events",
        )


def import_csv(table: str, file: Path | str, path: StoreArg = None) -> int:
    """Import one CSV in the contract format (docs/data-contract.md) into ``table``.

    All or nothing: the first bad cell stops the import with its file, line and column, and
    the store is left as it was. Rows whose key exists are replaced.
    """
    from critmin.data.bundled import one_line, read_csv

    if table not in TABLES:
        raise InputError(
            f"unknown table; choose one of {', '.join(TABLES)}", field="table", value=table
        )
    rows, failures = read_csv(Path(file), TABLES[table])
    if failures:
        raise InputError(one_line(failures[0]))
    return upsert_rows({table: rows}, path)[table]


# what every function taking a store accepts: a file path, or a Store (os.PathLike)
StoreArg: TypeAlias = "Path | str | Store | None"


@dataclass(frozen=True)
class Store:
    """One store file, resolved once: pass it wherever a ``path`` (or ``db``) argument picks
    the store today (``cm.concentration(mineral="Co", path=store)``). It is an
    ``os.PathLike``, so every function that takes a path takes it unchanged.

    ``Store.at()`` is ``CRITMIN_DB``'s file (the user data folder by default),
    ``Store.at(p)`` the file ``p`` names (a Store stays itself); neither creates the file.
    """

    path: Path

    @classmethod
    def at(cls, path: Path | str | Store | None = None) -> Store:
        """The store ``path`` names (None: ``CRITMIN_DB``'s); an impossible name is an
        InputError naming ``path`` or ``CRITMIN_DB``."""
        return path if isinstance(path, Store) else cls(db_path(path))

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def ensure(self) -> Path:
        """The file, built or rebuilt from the bundled data when missing or out of date."""
        return ensure_store(self.path)

    def connect(self, read_only: bool = True) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A short-lived connection to the (initialised) store: ``with store.connect() as con``."""
        return connect(self.path, read_only=read_only)

    def stamp(self) -> tuple[Any, ...]:
        """(inode, size, mtime ns) of the file and of its write-ahead log (None when absent):
        any write changes it, so a cache keyed on it never outlives the data it read."""
        return _stamp(self.path)

    def read_table(self, name: str) -> pl.DataFrame:
        """One whole table as a polars frame, in key order."""
        return read_table(name, self.path)

    def info(self) -> dict[str, Any]:
        """Tables with row counts, data and schema versions, the path (:func:`db_info`)."""
        return db_info(self.path)
