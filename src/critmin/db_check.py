"""`critmin db check`: what is wrong with a store file, without changing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from critmin.errors import StoreError
from critmin.schema import TABLES
from critmin.store import (
    db_path,
    query,
    read_meta,
    schema_version,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg

    pass


from critmin.backup import base_tables_only, retry_busy


def check_db(path: StoreArg = None) -> dict[str, Any]:
    """What is wrong with a store file, without changing it.

    Checks: the file exists and opens as DuckDB (a truncated or foreign file does not); it was
    written by critmin (meta table) with this schema; every table is present as a base table
    with its columns, and no view (a view would run on read; it is reported, never run: the
    file is opened with external access off); the stored rows pass the (non-strict)
    consistency rules. ``problems`` is empty when all hold.
    """
    import duckdb

    p = db_path(path)
    out: dict[str, Any] = {"db_path": str(p), "ok": False, "problems": [], "tables": {}}
    problems: list[str] = out["problems"]
    if not p.exists():
        problems.append("no store file at this path (it is created on first use)")
        return out
    try:
        con = retry_busy(
            lambda: duckdb.connect(
                str(p), read_only=True, config={"enable_external_access": False}
            ),
            p,
        )
    except StoreError as exc:
        problems.append(f"not a readable DuckDB file ({str(exc).split(': ', 1)[-1]})")
        return out
    meta: dict[str, str] = {}
    try:
        meta = read_meta(con)
        if not meta:
            problems.append("not a critmin store: no meta table")
            return out
        if meta.get("schema_version") != schema_version():
            problems.append(
                f"schema {meta.get('schema_version')} differs from this critmin's "
                f"{schema_version()} (it is rebuilt, keeping the ledger, on next write)"
            )
        problems.extend(base_tables_only(con))
        frames = {}
        if not problems:
            for name in TABLES:
                out["tables"][name] = int(
                    con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
                )
            # read every base table in the file whole (count(*) may not touch the data
            # blocks), so a damaged block anywhere fails its checksum here
            listed = (
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2"
            )
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
