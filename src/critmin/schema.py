"""Table contracts, written once: used when loading the bundled CSVs, importing, and validating.

Each table of the store (DESIGN.md section 3, docs/data-contract.md) is a pydantic row model
plus its key and the columns that must resolve in another table. The DuckDB DDL and the polars
schema are derived from the row model, so a column is declared in exactly one place. The
column types and their limits (text lengths, numeric bounds, the control-character rule) are
in columns.py; the unit and description of every column in column_docs.py; the two bundled
tables kept as files outside the store (project register, stockpile inventory) in
file_tables.py. docs/data-contract.md is generated from all of them (critmin.contract).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from critmin.columns import MAX_AMOUNT as MAX_AMOUNT
from critmin.errors import shown
from critmin.row_models import (
    CONTROL_EVENTS,
    EDITION_PATTERN,
    INSTRUMENTS,
    MEASURES,
    STATUSES,
    TARGET_WORDS,
    VERIFICATION,
    Agency,
    Application,
    Asset,
    AssetOutput,
    AssetOwner,
    Basis,
    Claim,
    ControlEvent,
    Country,
    Edition,
    EndUse,
    ExportControl,
    Flag,
    FxRate,
    ImportShare,
    Intervention,
    LeadingProducer,
    Mineral,
    Price,
    Production,
    Reserve,
    Row,
    Source,
    Stage,
    Target,
    TargetList,
    USSupply,
    WorldSumException,
)

# the row models live in row_models; callers import them from here with the registry
__all__ = [
    "CONTROL_EVENTS",
    "EDITION_PATTERN",
    "INSTRUMENTS",
    "MEASURES",
    "STATUSES",
    "TARGET_WORDS",
    "VERIFICATION",
    "Agency",
    "Application",
    "Asset",
    "AssetOutput",
    "AssetOwner",
    "Basis",
    "Claim",
    "ControlEvent",
    "Country",
    "Edition",
    "EndUse",
    "ExportControl",
    "Flag",
    "FxRate",
    "ImportShare",
    "Intervention",
    "LeadingProducer",
    "Mineral",
    "Price",
    "Production",
    "Reserve",
    "Row",
    "Source",
    "Stage",
    "Target",
    "TargetList",
    "USSupply",
    "WorldSumException",
]

# -- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    model: type[Row]
    key: tuple[str, ...]
    # column -> table whose key it must match (list columns check every element)
    refs: dict[str, str] = field(default_factory=dict)
    # reference data is replaced on reload; the ledger is append-only and only gains rows
    append_only: bool = False

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)


def _src(**extra: str) -> dict[str, str]:
    return {"source_id": "sources", **extra}


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("sources", Source, ("source_id",)),
        Table("countries", Country, ("iso3",), _src()),
        Table("minerals", Mineral, ("mineral_id",), _src(reported_as="minerals")),
        Table(
            "production",
            Production,
            ("mineral_id", "stage", "product", "iso3", "year", "edition", "source_id"),
            _src(mineral_id="minerals", iso3="countries"),
        ),
        Table(
            "reserves",
            Reserve,
            ("mineral_id", "product", "iso3", "year", "edition", "source_id"),
            _src(mineral_id="minerals", iso3="countries"),
        ),
        Table(
            "us_supply",
            USSupply,
            ("mineral_id", "year", "edition", "source_id"),
            _src(mineral_id="minerals", import_sources="countries"),
        ),
        Table(
            "import_shares",
            ImportShare,
            ("mineral_id", "period", "iso3", "product", "edition", "source_id"),
            _src(mineral_id="minerals", iso3="countries"),
        ),
        Table(
            "applications",
            Application,
            ("mineral_id", "edition", "source_id"),
            _src(mineral_id="minerals"),
        ),
        Table(
            "leading_producers",
            LeadingProducer,
            ("mineral_id", "year", "label", "edition", "source_id"),
            _src(mineral_id="minerals", iso3="countries"),
        ),
        Table(
            "end_uses",
            EndUse,
            ("mineral_id", "sector", "region", "year", "source_id"),
            _src(mineral_id="minerals", region="countries"),
        ),
        Table(
            "prices",
            Price,
            ("mineral_id", "product", "period", "market", "edition", "source_id"),
            _src(mineral_id="minerals"),
        ),
        Table(
            "export_controls",
            ExportControl,
            ("control_id",),
            _src(imposing_iso3="countries", mineral_ids="minerals"),
        ),
        Table(
            "control_events",
            ControlEvent,
            ("control_id", "date", "event"),
            _src(
                control_id="export_controls",
                minerals_added="minerals",
                minerals_removed="minerals",
            ),
        ),
        Table(
            "assets",
            Asset,
            ("asset_id",),
            _src(iso3="countries", mineral_ids="minerals"),
        ),
        Table(
            "asset_output",
            AssetOutput,
            ("asset_id", "mineral_id", "year", "source_id"),
            _src(asset_id="assets", mineral_id="minerals"),
        ),
        Table(
            "asset_owners",
            AssetOwner,
            ("asset_id", "owner", "valid_from"),
            _src(asset_id="assets", owner_iso3="countries"),
        ),
        Table(
            "agencies",
            Agency,
            ("agency_id",),
            _src(parent="agencies", actor_iso3="countries"),
        ),
        Table("fx_rates", FxRate, ("currency", "date"), _src()),
        Table(
            "interventions",
            Intervention,
            ("id",),
            _src(
                actor_iso3="countries",
                agency="agencies",
                host_iso3="countries",
                mineral_ids="minerals",
                asset_id="assets",
                supersedes="interventions",
                claim_ids="claims",
            ),
            append_only=True,
        ),
        Table("claims", Claim, ("claim_id",), _src()),
        Table(
            "world_sum_exceptions",
            WorldSumException,
            ("mineral_id", "stage", "year"),
            _src(mineral_id="minerals"),
        ),
    ]
}


# -- derived types ---------------------------------------------------------------------------


def _base_type(annotation: Any) -> tuple[str, bool]:
    """(scalar kind, is_list) of a row-model annotation."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0])
    if origin is list:
        inner, _ = _base_type(typing.get_args(annotation)[0])
        return inner, True
    if origin is Literal:
        return "str", False
    if annotation is bool:
        return "bool", False
    if annotation is int:
        return "int", False
    if annotation is float:
        return "float", False
    if annotation is dt.datetime:
        return "datetime", False
    if annotation is dt.date:
        return "date", False
    return "str", False


_DUCK = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}


def column_kinds(table: Table) -> dict[str, tuple[str, bool]]:
    return {name: _base_type(f.annotation) for name, f in table.model.model_fields.items()}


def ddl(table: Table) -> str:
    """CREATE TABLE statement of one table, derived from its row model."""
    cols = []
    for name, (kind, is_list) in column_kinds(table).items():
        sql = _DUCK[kind] + ("[]" if is_list else "")
        if table.append_only and table.key == (name,):
            sql += " PRIMARY KEY"  # an append-only row is never stored twice
        cols.append(f'"{name}" {sql}')
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" ({", ".join(cols)})'


def polars_schema(table: Table) -> dict[str, Any]:
    import polars as pl

    scalar: dict[str, Any] = {
        "str": pl.Utf8,
        "int": pl.Int64,
        "float": pl.Float64,
        "bool": pl.Boolean,
        "date": pl.Date,
        "datetime": pl.Datetime("us"),
    }
    out: dict[str, Any] = {}
    for name, (kind, is_list) in column_kinds(table).items():
        out[name] = pl.List(scalar[kind]) if is_list else scalar[kind]
    return out


def to_cell(value: Any) -> str:
    """Render one typed value back into its CSV cell (the inverse of the cell parsers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(to_cell(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))
    return str(value)


def first_error_field(exc: Any) -> tuple[str, str]:
    """(field, message) of the first error of a pydantic ValidationError, for one-line reports."""
    from critmin.errors import first_problem

    p = first_problem(exc, default="row")
    return p.field or "row", p.message


@dataclass(frozen=True)
class Failure:
    """One broken rule: where (table, file, row or line, column), the value and why."""

    table: str
    row: str
    column: str
    value: Any
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = self.file or self.table
        return (
            f"{where}: row {self.row}, column {self.column!r}: {self.message} "
            f"(got {shown(self.value)})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else _cut(str(self.value)),
            "message": self.message,
        }


def _cut(text: str, size: int = 200) -> str:
    """``text``, or its start and its length when longer than ``size`` (a failure report
    names an over-long cell; it does not repeat it)."""
    return text if len(text) <= size else f"{text[:size]}... ({len(text):,} characters)"
