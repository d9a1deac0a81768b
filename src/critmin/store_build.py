"""Filling a store from the bundled data: every table loaded in one transaction, and a ledger
written by an older version kept and upgraded (new columns filled, never rows lost)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from critmin import __version__
from critmin.errors import InputError
from critmin.schema import TABLES, ddl

if TYPE_CHECKING:
    import duckdb

from critmin import store as st
from critmin.store import META_DDL, schema_version, transaction


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
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
    with transaction(con):
        meta = st.read_meta(con)
        rebuild = meta.get("schema_version") != schema_version()
        if rebuild:
            # keep every ledger row across a schema change, by the columns both versions share
            has = con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'interventions'"
            ).fetchall()
            saved_cols = [c for (c,) in has if c in TABLES["interventions"].columns]
            if saved_cols:
                saved = _saved_ledger(con, saved_cols)
            for name in TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute(META_DDL)
        for spec in TABLES.values():
            con.execute(ddl(spec))
        if saved:
            saved, saved_cols = _upgrade_ledger(saved, saved_cols, parsed.rows)
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
            st.insert_rows(con, spec.name, rows)
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        for key, value in {
            "schema_version": schema_version(),
            "data_version": data_version(),
            "critmin_version": __version__,
            "loaded_at": stamp,
        }.items():
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _upgrade_ledger(
    saved: list[tuple[Any, ...]], cols: list[str], bundled: dict[str, list[dict[str, Any]]]
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Ledger rows of a store written before the ``verification`` column and the agencies
    table, made to fit them. A row the bundled data ships (same id) is taken from the bundled
    data, which now carries its agency id and verification level (the upgrade of the seed, not
    a rewrite of a user's row); a row a user added keeps its values, gains verification
    ``unverified`` (nothing says otherwise) and its agency text becomes the agency id whose
    name or alias it is, when one is (``critmin data validate`` names any that is not)."""
    if "verification" in cols:
        return saved, cols
    shipped = {str(r["id"]) for r in bundled.get("interventions", [])}
    spellings: dict[str, str] = {}
    for a in bundled.get("agencies", []):
        for name in [a["agency_id"], a["name"], *(a.get("aliases") or [])]:
            spellings.setdefault(str(name).casefold(), str(a["agency_id"]))
    out_cols = [*cols, "verification"] if "verification" not in cols else cols
    at = cols.index("id")
    out = []
    for row in saved:
        if str(row[at]) in shipped:
            continue  # the bundled row replaces it on the reload below
        rec = dict(zip(cols, row, strict=True))
        rec.setdefault("verification", "unverified")
        if rec.get("agency"):
            rec["agency"] = spellings.get(str(rec["agency"]).casefold(), rec["agency"])
        out.append(tuple(rec[c] for c in out_cols))
    return out, out_cols


def _saved_ledger(con: duckdb.DuckDBPyConnection, cols: list[str]) -> list[tuple[Any, ...]]:
    """Every ledger row of a store being rebuilt, ready for a table whose ``id`` is a key.

    Stores written before the key may hold a row twice (parallel imports): identical copies
    are kept once; copies of an id that differ (none should exist) are all kept, the later
    ones under ``<id>.dup-<n>``, so the upgrade loses nothing.
    """
    names = ", ".join(f'"{c}"' for c in cols)
    order = ", ".join(f'"{c}"' for c in cols if c in ("recorded_at", "id"))
    rows = con.execute(
        f"SELECT DISTINCT {names} FROM interventions" + (f" ORDER BY {order}" if order else "")
    ).fetchall()
    if "id" not in cols:
        return rows
    at = cols.index("id")
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        n = seen.get(row[at], 0)
        seen[row[at]] = n + 1
        if n:
            row = (*row[:at], f"{row[at]}.dup-{n}", *row[at + 1 :])
        out.append(row)
    return out


# Per-process memo of stores already checked and of tables already read, keyed on the DB
# file's stat: any write (by this or another process) changes it and invalidates the entry.
