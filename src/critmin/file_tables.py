"""The two bundled tables that live as files beside their engines, not in the store.

- ``projects``: the project register of the pipeline model (``sim/data/projects.csv``;
  row model :class:`critmin.sim.pipeline.Project`, which ``critmin pipeline`` loads);
- ``nds_inventory``: what the US National Defense Stockpile is published to hold
  (``sim/data/nds_inventory.csv``; row model :class:`NdsHolding`, read by the scenario
  engine, critmin.sim.disruption).

Like the store tables (schema.TABLES) each has a row model, a key and the columns that must
resolve in another table; their units and descriptions are in critmin.column_docs, their
bytes enter the bundled data's fingerprint (critmin.data.bundled.data_version), and
``critmin data validate`` checks them (:func:`check`): a bad cell is one line naming the
file, the row (the file's line), the column and the value.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from critmin.columns import OptNote, Slug, Text, Tonnes, Url
from critmin.schema import Failure, Row

SIM_DATA = Path(__file__).parent / "sim" / "data"


class NdsHolding(Row):
    """What the National Defense Stockpile holds of one mineral, as last published."""

    mineral_id: Slug
    quantity_t: Tonnes  # empty: no figure is published (never a guess, never 0 for unknown)
    as_of: dt.date
    source_url: Url
    source_title: Text
    publisher: Text
    note: OptNote


@dataclass(frozen=True)
class FileTable:
    name: str
    file: str  # relative to the package folder
    model_name: str  # "module:Class", imported on first use (the register's lives in sim)
    key: tuple[str, ...]
    # column -> store table whose key it must match (list columns check every element)
    refs: dict[str, str] = field(default_factory=dict)
    # list columns whose items belong to one row only (a ledger row funds one project)
    unique_items: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return Path(__file__).parent / self.file

    @property
    def model(self) -> Any:
        module, name = self.model_name.split(":")
        return getattr(importlib.import_module(module), name)

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)


FILE_TABLES: dict[str, FileTable] = {
    t.name: t
    for t in [
        FileTable(
            "projects",
            "sim/data/projects.csv",
            "critmin.sim.pipeline:Project",
            ("project_id",),
            {"mineral_id": "minerals", "host_iso3": "countries", "ledger_ids": "interventions"},
            unique_items=("ledger_ids",),
        ),
        FileTable(
            "nds_inventory",
            "sim/data/nds_inventory.csv",
            "critmin.file_tables:NdsHolding",
            ("mineral_id",),
            {"mineral_id": "minerals"},
        ),
    ]
}


def read(table: FileTable, path: Path | None = None) -> tuple[list[dict[str, Any]], list[Failure]]:
    """Typed rows of one file table (the bundled file unless ``path``), and every failure:
    header, cell types and ranges, and duplicate keys, each naming file, line and column."""
    import csv

    from pydantic import ValidationError

    from critmin.data.bundled import csv_errors, csv_text
    from critmin.errors import all_problems
    from critmin.files import MAX_TABLE_BYTES, read_input_text

    path = path or table.path
    name = str(path)
    text = read_input_text(path, table.name, MAX_TABLE_BYTES, encoding="utf-8-sig")
    reader = csv.DictReader(csv_text(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in table.columns if c not in header]
    extra = [c for c in header if c not in table.columns]
    if missing or extra:
        msg = "missing column" if missing else "unknown column"
        col = (missing or extra)[0]
        return [], [Failure(table.name, "1", col, ",".join(header), msg, name)]
    rows: list[dict[str, Any]] = []
    failures: list[Failure] = []
    seen: dict[tuple[Any, ...], int] = {}
    last = 1
    for rec in csv_errors(reader, name):
        line, last = last + 1, reader.line_num  # a record's first line
        if None in rec or any(v is None for v in rec.values()):
            failures.append(
                Failure(table.name, str(line), "row", None, f"expected {len(header)} cells", name)
            )
            continue
        try:
            row = table.model.model_validate(rec).model_dump()
        except ValidationError as exc:
            for p in all_problems(exc, rec):
                col = str(p.field)
                failures.append(Failure(table.name, str(line), col, rec.get(col), p.message, name))
            continue
        key = tuple(row[k] for k in table.key)
        if key in seen:
            failures.append(
                Failure(
                    table.name,
                    str(line),
                    table.key[-1],
                    key[-1],
                    f"duplicate key (first on line {seen[key]})",
                    name,
                )
            )
            continue
        seen[key] = line
        rows.append(row | {"__line__": line})
    return rows, failures


def check(keys: Mapping[str, set[Any]], paths: Mapping[str, Path] | None = None) -> list[Failure]:
    """Every failure of the file tables: their own cells (:func:`read`), then each reference
    to a store table, against ``keys`` (table name -> the values of its key)."""
    out: list[Failure] = []
    for table in FILE_TABLES.values():
        path = (paths or {}).get(table.name) or table.path
        rows, failures = read(table, path)
        out += failures
        owner: dict[tuple[str, Any], Any] = {}
        for row in rows:
            for col in table.unique_items:
                for v in row[col]:
                    first = owner.setdefault((col, v), row[table.key[-1]])
                    if first != row[table.key[-1]]:
                        msg = f"already in the row of {first}"
                        line = str(row["__line__"])
                        out.append(Failure(table.name, line, col, v, msg, str(path)))
            for col, target in table.refs.items():
                value = row[col]
                for v in value if isinstance(value, list | tuple) else [value]:
                    if v is not None and v not in keys.get(target, set()):
                        out.append(
                            Failure(
                                table.name,
                                str(row["__line__"]),
                                col,
                                v,
                                f"not found in {target}",
                                str(path),
                            )
                        )
    return out
