"""The store: where it is, opening (and building) it, its state, and the whole-store
operations of ``critmin db`` (info, check, export, backup, restore).

The store is one embedded DuckDB file (``CRITMIN_DB``, or ``path=``), built on first use from
the bundled CSVs (src/critmin/data/reference, sources in its ``sources`` table) and rebuilt,
ledger kept, when the schema or the bundled data change. Every write is one transaction: a
failure leaves the file as it was, and no operation here drops or changes a ledger row.
Each function answers what the command of the same name prints with ``--json``
(``critmin db info --json`` = ``cm.store_info().to_dict()``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.results import Result

if TYPE_CHECKING:
    # where the store is: a path, or a critmin.store.Store (an os.PathLike); None: CRITMIN_DB
    from critmin.store import StoreArg

FORMATS = ("parquet", "csv")


class StoreInfo(Result):
    """The store's path, data and schema versions, load time; table: ``tables`` (table,
    rows)."""


class StoreCheck(Result):
    """What is wrong with a store file (``ok``, ``problems``), its versions and its row
    counts (``tables``, a mapping); :meth:`rows`: one row per table (table, rows)."""

    def rows(self) -> list[dict[str, Any]]:
        return [{"table": k, "rows": v} for k, v in self.answer["tables"].items()]


class StoreWrite(Result):
    """A whole-store export, backup or restore: what was written where. :meth:`rows`: one
    row per file written (export: file), or per table (backup, restore: table, rows)."""

    def rows(self) -> list[dict[str, Any]]:
        if "files" in self.answer:
            return [{"file": f} for f in self.answer["files"]]
        counts = self.answer.get("tables", self.answer.get("restored", {}))
        return [{"table": k, "rows": v} for k, v in counts.items()]


def store_path(path: StoreArg = None) -> Path:
    """The store file ``path`` names, or ``CRITMIN_DB``'s (the user data folder by default);
    neither created nor opened. A name that cannot be a file (``""``, ``..``) or a path that
    is not UTF-8 text is an InputError naming ``path`` or ``CRITMIN_DB``."""
    from critmin.store import db_path

    return db_path(path)


def open_store(path: StoreArg = None) -> Path:
    """The store file, built (or rebuilt, ledger kept) from the bundled data when it is
    missing or out of date with this critmin's schema and data (critmin.store.ensure_store);
    checked once per process while the file does not change."""
    from critmin.store import ensure_store

    return ensure_store(path)


def store_info(*, path: StoreArg = None) -> StoreInfo:
    """Tables of the store with their row counts, the data version (sha256 of the bundled
    CSVs it was built from, first 12 hex digits), the schema version (of the DDL), the
    critmin version and when the bundled data were loaded (UTC). Builds the store on first
    use.

    >>> import critmin as cm
    >>> info = cm.store_info()
    >>> [r["table"] for r in info.rows()][:3]
    ['sources', 'countries', 'minerals']
    """
    from critmin.store import db_info

    return StoreInfo.of("store_info", {"path": _text(path)}, db_info(path), table=("tables",))


def store_check(*, path: StoreArg = None) -> StoreCheck:
    """What is wrong with the store file, without changing it (``critmin db check``): it
    exists and opens as DuckDB, was written by critmin with this schema, holds every table
    as a base table with its columns and no view (reported, never run), and its rows pass
    the non-strict consistency rules. ``ok`` is true when ``problems`` is empty.

    >>> import critmin as cm
    >>> res = cm.store_check()
    >>> res["ok"], res["problems"], res["tables"]["minerals"] == cm.read_table("minerals").height
    (True, [], True)
    """
    from critmin.db_check import check_db

    return StoreCheck.of("store_check", {"path": _text(path)}, check_db(path))


def store_export(
    *, out: str | Path, format: str = "parquet", force: bool = False, path: StoreArg = None
) -> StoreWrite:
    """Write every table to ``out/<table>.parquet`` (or ``.csv`` in the bundled-file
    format): a new folder, written beside and renamed into place; with ``force`` an
    existing export folder whose table files are replaced one by one, each atomically.

    >>> import critmin as cm, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "export"
    >>> res = cm.store_export(out=folder, format="csv")
    >>> pathlib.Path(res["files"][0]).name, (folder / "minerals.csv").is_file()
    ('sources.csv', True)
    """
    from critmin.backup import export_db
    from critmin.errors import InputError

    if format not in FORMATS:
        raise InputError("choose parquet or csv", field="format", value=format)
    written = export_db(out, format, path, force=force)  # type: ignore[arg-type]
    answer = {"out": str(out), "format": format, "files": [str(p) for p in written]}
    req = {"out": str(out), "format": format, "force": force, "path": _text(path)}
    return StoreWrite.of("store_export", req, answer)


def store_backup(*, out: str | Path, force: bool = False, path: StoreArg = None) -> StoreWrite:
    """Copy the whole store to a new DuckDB file ``out`` (a consistent snapshot, read-only
    attach: a writer makes it wait, never copies half a write); ``force`` replaces an
    existing regular file. Answer: ``out``, ``source`` and the row count per table.

    >>> import critmin as cm, pathlib, tempfile
    >>> copy = pathlib.Path(tempfile.mkdtemp()) / "copy.duckdb"
    >>> res = cm.store_backup(out=copy)
    >>> res["tables"]["sources"] == cm.read_table("sources").height, copy.is_file()
    (True, True)
    """
    from critmin.backup import backup_db

    req = {"out": str(out), "force": force, "path": _text(path)}
    return StoreWrite.of("store_backup", req, backup_db(out, path, force=force))


def store_restore(*, source: str | Path, path: StoreArg = None) -> StoreWrite:
    """Replace the store's tables with those of ``source``: a folder of
    :func:`store_export`, or a file of :func:`store_backup` (all or nothing; refused when it
    would drop or change a ledger row the store holds). Answer: ``restored``, rows per
    table. A missing folder is an InputError naming ``path``, a file that is not a critmin
    backup one naming ``file`` (the words of ``critmin db restore``).

    >>> import critmin as cm, pathlib, tempfile
    >>> copy = pathlib.Path(tempfile.mkdtemp()) / "copy.duckdb"
    >>> _ = cm.store_backup(out=copy)
    >>> cm.store_restore(source=copy)["restored"]["sources"] == cm.read_table("sources").height
    True
    """
    from critmin.backup import restore_backup, restore_db

    src = Path(source)
    counts = restore_backup(src, path) if src.is_file() else restore_db(src, path)
    req = {"source": str(source), "path": _text(path)}
    return StoreWrite.of("store_restore", req, {"restored": counts})


def store_rows(table: str, path: StoreArg = None) -> list[dict[str, Any]]:
    """One whole store table as row dicts, in key order (``sources`` for a page's source
    list); an unknown table is an InputError naming ``table``."""
    from critmin.store import read_table

    rows: list[dict[str, Any]] = read_table(table, path).to_dicts()
    return rows


def _text(path: StoreArg) -> str | None:
    return None if path is None else str(path)


# -- sweep cells: the sweep runner (critmin.sweep, parent process only) stores each finished
# cell of a grid in two tables of the store, outside the bundled schema ----------------------

SWEEPS_DDL = """CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, engine VARCHAR NOT NULL,
    cells INTEGER NOT NULL, definition JSON NOT NULL, critmin_version VARCHAR NOT NULL,
    data_version VARCHAR, created_at TIMESTAMP NOT NULL, completed_at TIMESTAMP)"""
CELLS_DDL = """CREATE TABLE IF NOT EXISTS sweep_cells (
    sweep_id VARCHAR NOT NULL, cell INTEGER NOT NULL, params JSON NOT NULL,
    seed BIGINT NOT NULL, result JSON NOT NULL, runtime_s DOUBLE, worker VARCHAR,
    finished_at TIMESTAMP NOT NULL, PRIMARY KEY (sweep_id, cell))"""
CELL_COLUMNS = (
    "sweep_id",
    "cell",
    "params",
    "seed",
    "result",
    "runtime_s",
    "worker",
    "finished_at",
)
_HAS_CELLS = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sweep_cells'"


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sweep_open(
    *, sweep_id: str, name: str, engine: str, cells: int, definition: str, path: StoreArg = None
) -> tuple[set[int], str | None]:
    """Create the sweep tables and the sweep's row (``definition``: its JSON text) if absent,
    in one transaction; the cells the store already holds for it, and the store's data
    version recorded with it."""
    from critmin import __version__
    from critmin.store import first_row, raw_connection, transaction

    with raw_connection(store_path(path)) as con, transaction(con):
        con.execute(SWEEPS_DDL)
        con.execute(CELLS_DDL)
        row = first_row(con, "SELECT value FROM meta WHERE key = 'data_version'")
        data_version = row[0] if row else None
        con.execute(
            "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [sweep_id, name, engine, cells, definition, __version__, data_version, _now()],
        )
        done = con.execute("SELECT cell FROM sweep_cells WHERE sweep_id = ?", [sweep_id])
        held = {int(c) for (c,) in done.fetchall()}
    return held, data_version


def sweep_save(
    *,
    sweep_id: str,
    rows: list[tuple[Any, ...]],
    complete: bool = False,
    path: StoreArg = None,
) -> None:
    """Insert finished cells (tuples in :data:`CELL_COLUMNS` order, params and result as JSON
    text) and, with ``complete``, mark the sweep finished: one transaction, one bulk insert
    through Arrow; a cell already stored is kept."""
    if not rows and not complete:
        return
    import pyarrow as pa

    from critmin.store import raw_connection, transaction

    cols = list(CELL_COLUMNS)
    data = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * len(cols)
    batch = pa.table(data, names=cols)
    with raw_connection(store_path(path)) as con:
        con.register("_cells", batch)
        with transaction(con):
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


def sweep_done(*, sweep_id: str, path: StoreArg = None) -> int:
    """How many cells of a sweep the store holds (0 if none; reads only)."""
    from critmin.store import raw_connection

    with raw_connection(store_path(path), read_only=True) as con:
        if not con.execute(_HAS_CELLS).fetchall()[0][0]:
            return 0
        q = "SELECT count(*) FROM sweep_cells WHERE sweep_id = ?"
        return int(con.execute(q, [sweep_id]).fetchall()[0][0])


def sweep_list(*, path: StoreArg = None) -> list[dict[str, Any]]:
    """Every sweep in the store: id, name, engine, cells done of total, versions, dates."""
    from critmin.store import raw_connection

    with raw_connection(store_path(path), read_only=True) as con:
        if not con.execute(_HAS_CELLS).fetchall()[0][0]:
            return []
        cur = con.execute(
            "SELECT s.sweep_id, name, engine, cells, count(c.cell) AS done, critmin_version, "
            "data_version, created_at, completed_at FROM sweeps s LEFT JOIN sweep_cells c "
            "USING (sweep_id) GROUP BY ALL ORDER BY created_at"
        )
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def sweep_stored(
    *, sweep_id: str, path: StoreArg = None
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """A stored sweep: its row (name, engine, definition as JSON text, critmin_version,
    data_version) and its cells (cell, seed, params, result; JSON text) in cell order. An
    unknown sweep is an InputError naming ``sweep_id``."""
    from critmin.errors import InputError
    from critmin.store import raw_connection

    with raw_connection(store_path(path), read_only=True) as con:
        if not con.execute(_HAS_CELLS).fetchall()[0][0]:  # no sweep ever stored here
            raise InputError("no such sweep in the store", field="sweep_id", value=sweep_id)
        cur = con.execute(
            "SELECT name, engine, definition, critmin_version, data_version FROM sweeps "
            "WHERE sweep_id = ?",
            [sweep_id],
        )
        found = cur.fetchall()
        if not found:
            raise InputError("no such sweep in the store", field="sweep_id", value=sweep_id)
        meta = dict(zip([c[0] for c in cur.description], found[0], strict=True))
        cells = con.execute(
            "SELECT cell, seed, params, result FROM sweep_cells WHERE sweep_id = ? ORDER BY cell",
            [sweep_id],
        ).fetchall()
    return meta, cells
