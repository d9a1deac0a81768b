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
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from critmin.columns import MAX_AMOUNT as MAX_AMOUNT
from critmin.columns import (
    MAX_FX,
    MAX_LIST,
    MAX_TONNES,
    Bool,
    Iso3,
    Iso3List,
    Money,
    Note,
    OptDate,
    OptIso3,
    OptNote,
    OptPriceValue,
    OptSlug,
    OptText,
    OptYear,
    PartialDate,
    PriceValue,
    Slug,
    SlugList,
    Text,
    TextList,
    Tonnes,
    Url,
    Year,
    _split_list,
    empty_to_none,
)
from critmin.errors import shown

Stage = Literal["mine", "refine"]
# the publication a figure comes from, a slug of publisher + edition year: ``usgs-mcs-2026``,
# ``iea-gcmo-2025``. Editions revise earlier years: queries answer from the latest edition
# (critmin.editions) unless one is pinned.
EDITION_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*-(19|20)\d{2}$"
Edition = Annotated[str, Field(pattern=EDITION_PATTERN, max_length=40)]
Basis = Literal["contained", "gross"]
# W withheld, NA not available, incl included elsewhere; > and < bound a published value.
Flag = Literal["W", "NA", "incl", ">", "<", "qualitative"]

INSTRUMENTS = (
    "equity",
    "loan",
    "loan_guarantee",
    "letter_of_interest",
    "grant",
    "price_floor",
    "offtake",
    "stockpile",
    "infrastructure",
    "partnership_agreement",
    "acquisition",
    "tax_credit",
    "subsidy",
    # a publisher's aggregate of many commitments (AidData totals by country-year): kept apart
    # from single commitments in every summary
    "aggregate",
)
STATUSES = (
    "announced",
    "letter_of_interest",
    "conditional",
    "committed",
    "disbursed",
    "cancelled",
    "superseded",
)
# how far a ledger row's source can be trusted (docs/method.md, "Verification"):
# primary = the government body or company itself; press = a named outlet reporting it;
# unverified = an aggregator, blog, AI-generated site, third-party copy, staging URL or estimate
VERIFICATION = ("primary", "press", "unverified")


class Row(BaseModel):
    # no table holds an infinite or NaN number (a YAML 1e400 parses as inf)
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Source(Row):
    source_id: Slug
    publisher: Text
    title: Text
    url: Url
    published: PartialDate
    accessed: OptDate
    licence: OptText
    note: OptNote


class Mineral(Row):
    mineral_id: Slug
    name: Text
    symbol: OptText
    kind: Literal["element", "material", "group"]
    group: OptText
    reported_as: OptSlug
    usgs_2025: Bool
    eu_2023: Bool
    eu_2023_strategic: Bool
    unit_basis: OptText
    note: OptNote
    # group whose reserves stand for this mineral's (USGS gives platinum-group reserves only as a
    # group), where reported_as is empty because the mineral's production is published on its own;
    # validate checks it names a group row
    reserves_as: OptSlug
    # why a production series is missing (no public table found), shown by `data coverage`
    coverage_note: OptNote
    source_id: Slug


class Country(Row):
    iso3: Iso3
    iso2: Annotated[
        Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None, BeforeValidator(empty_to_none)
    ]  # ISO 3166-1 alpha-2; none for the project codes WLD, XOT, EUU
    name: Text
    kind: Literal["country", "territory", "aggregate"]
    aliases: TextList
    source_id: Slug


class _Quantity(Row):
    @model_validator(mode="after")
    def _missing_needs_flag(self) -> _Quantity:
        if getattr(self, "value", None) is None and getattr(self, "flag", None) is None:
            raise ValueError("value is empty but no flag says why (W, NA, incl)")
        return self


class Production(_Quantity):
    mineral_id: Slug
    stage: Stage
    product: Text
    headline: Bool
    iso3: Iso3
    year: Year
    value: Tonnes
    unit: Literal["t"]
    basis: Basis
    estimated: Bool
    flag: Annotated[Flag | None, BeforeValidator(empty_to_none)]
    note: OptNote
    source_id: Slug
    edition: Edition


class Reserve(_Quantity):
    mineral_id: Slug
    product: Text
    iso3: Iso3
    year: Year
    value: Tonnes
    unit: Literal["t"]
    basis: Basis
    flag: Annotated[Flag | None, BeforeValidator(empty_to_none)]
    note: OptNote
    source_id: Slug
    edition: Edition


class USSupply(Row):
    mineral_id: Slug
    year: Year
    production: Tonnes
    imports: Tonnes
    exports: Tonnes
    apparent_consumption: Tonnes
    net_import_reliance_pct: Annotated[
        Annotated[float, Field(ge=-100, le=100)] | None, BeforeValidator(empty_to_none)
    ]
    nir_flag: Annotated[Literal["E", ">", "<", "W", "NA"] | None, BeforeValidator(empty_to_none)]
    import_sources: Iso3List
    price: OptPriceValue
    price_unit: OptText
    basis: Annotated[Basis | None, BeforeValidator(empty_to_none)]
    estimated: Bool
    note: OptNote
    source_id: Slug
    edition: Edition


class ImportShare(Row):
    """One import source's share of US imports of a mineral over a period (USGS MCS Fig. 3)."""

    mineral_id: Slug
    period: Annotated[str, Field(pattern=r"^\d{4}-\d{4}$")]  # "2021-2024"
    iso3: Iso3  # XOT: "Other"
    share_pct: Annotated[float, Field(ge=0, le=100)]
    net_import_reliance_pct: Annotated[
        Annotated[float, Field(ge=-100, le=100)] | None, BeforeValidator(empty_to_none)
    ]
    product: Text  # the series as USGS labels it ("Copper, refined", "Magnesium, metal")
    note: OptNote
    source_id: Slug
    edition: Edition


class Application(Row):
    """A critical mineral's primary applications in words (USGS MCS 2026 Table 6)."""

    mineral_id: Slug
    applications: Text
    note: OptNote  # "Included in the Rare Earths chapter."
    source_id: Slug
    edition: Edition


class LeadingProducer(Row):
    """USGS's own summary of a critical mineral's world supply (MCS 2026 Table 7): the
    leading producing country, its production, its percent of world production and the world
    total, as published (tonnes; a bound such as "<100,000" keeps its flag in ``note``)."""

    mineral_id: Slug
    year: Year
    label: Text  # the row as USGS names it: "Titanium (metal)", "Rare earths (compounds ...)"
    iso3: OptIso3
    production: Tonnes
    share_pct: Annotated[
        Annotated[float, Field(ge=0, le=100)] | None, BeforeValidator(empty_to_none)
    ]
    world_total: Tonnes
    estimated: Bool
    note: OptNote
    source_id: Slug
    edition: Edition


class EndUse(Row):
    mineral_id: Slug
    sector: Text
    share: Annotated[Annotated[float, Field(ge=0, le=1)] | None, BeforeValidator(empty_to_none)]
    region: Iso3
    year: OptYear
    source_id: Slug


class Price(Row):
    mineral_id: Slug
    product: Text
    period: Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$")]
    price: PriceValue
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    unit: Text
    market: OptText
    note: OptNote
    source_id: Slug
    edition: Edition


MEASURES = (
    "licence_requirement",
    "ban",
    "quota",
    "export_tax",
    "ore_export_ban",
    "suspension",
    "technology_ban",
    "end_use_review",
    "minimum_export_price",
    "domestic_processing_requirement",
)
# the dated events of a control's chain (table control_events; critmin.control_chain orders them)
CONTROL_EVENTS = (
    "announced",
    "effective",
    "amended",
    "suspended",
    "suspension_extended",
    "resumed",
    "lifted",
    "quota_set",
    "rate_set",
)
# who a control applies to, besides ISO3 codes of destination countries
TARGET_WORDS = ("all", "military_end_users", "technology")
_TARGET = r"^([A-Z]{3}|all|military_end_users|technology)$"
Target = Annotated[str, Field(pattern=_TARGET, max_length=40)]
TargetList = Annotated[list[Target], BeforeValidator(_split_list), Field(max_length=MAX_LIST)]


class ExportControl(Row):
    """One export-control measure; its dates are the events of table ``control_events``."""

    control_id: Slug
    imposing_iso3: Iso3
    mineral_ids: SlugList
    measure: Literal[MEASURES]  # type: ignore[valid-type]
    # all destinations, ISO3 codes of destinations, military_end_users, technology (know-how)
    target: Annotated[TargetList, Field(min_length=1)]
    scope: OptText
    description: Note
    source_id: Slug


class ControlEvent(Row):
    """One dated event of an export control (docs/data-contract.md, critmin.control_chain)."""

    control_id: Slug
    date: dt.date
    event: Literal[CONTROL_EVENTS]  # type: ignore[valid-type]
    until: OptDate
    minerals_added: SlugList
    minerals_removed: SlugList
    targets_added: TargetList
    targets_removed: TargetList
    quantity: Annotated[
        Annotated[float, Field(ge=0, le=MAX_TONNES, allow_inf_nan=False)] | None,
        BeforeValidator(empty_to_none),
    ]
    quantity_unit: OptText
    note: OptNote
    source_id: Slug

    @model_validator(mode="after")
    def _event_fields(self) -> ControlEvent:
        ev = self.event
        if ev in ("suspended", "suspension_extended"):
            if self.until is None and "indefinite" not in (self.note or "").lower():
                raise ValueError(f"a {ev} event needs `until` or a note saying 'indefinite'")
        elif self.until is not None:
            raise ValueError(f"`until` belongs to suspended/suspension_extended, not {ev}")
        if self.until is not None and self.until < self.date:
            raise ValueError("`until` is before the event's date")
        changes = (
            self.minerals_added + self.minerals_removed + self.targets_added + self.targets_removed
        )
        if ev == "amended" and not changes and not self.note:
            raise ValueError(
                "an amended event names minerals or targets added or removed, or says in "
                "its note what changed"
            )
        if ev != "amended" and changes:
            raise ValueError(f"minerals/targets added or removed belong to amended, not {ev}")
        if ev in ("quota_set", "rate_set"):
            if self.quantity is None or self.quantity_unit is None:
                raise ValueError(f"a {ev} event needs quantity and quantity_unit")
        elif self.quantity is not None:
            raise ValueError(f"quantity belongs to quota_set/rate_set, not {ev}")
        return self


class Asset(Row):
    asset_id: Slug
    name: Text
    iso3: Iso3
    mineral_ids: SlugList
    stage: Stage
    capacity: Tonnes
    capacity_unit: OptText
    status: Literal["operating", "construction", "development", "care_and_maintenance", "closed"]
    operator: OptText
    note: OptNote
    source_id: Slug


class AssetOutput(Row):
    asset_id: Slug
    mineral_id: Slug
    year: Year
    value: Annotated[float, Field(ge=0, le=MAX_TONNES, allow_inf_nan=False)]
    basis: Basis
    estimated: Bool
    source_id: Slug


class AssetOwner(Row):
    asset_id: Slug
    owner: Text
    owner_iso3: Iso3
    stake_pct: Annotated[float, Field(ge=0, le=100)]
    state_linked: Bool
    valid_from: OptDate  # empty = start not known (the source note says why)
    valid_to: OptDate  # empty = still in force as far as the sources show
    source_id: Slug

    @model_validator(mode="after")
    def _dates_in_order(self) -> AssetOwner:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to is not after valid_from")
        return self


class Agency(Row):
    """A state body that makes commitments; offices name their parent (DoW > OSC)."""

    agency_id: Annotated[str, Field(pattern=r"^[a-z]{3}(-[a-z0-9]+)+$", max_length=64)]
    name: Text
    parent: OptSlug
    actor_iso3: Iso3
    aliases: TextList  # spellings seen in sources, `|`-separated
    source_id: Slug


class FxRate(Row):
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    date: dt.date
    usd_per_unit: Annotated[float, Field(gt=0, le=MAX_FX, allow_inf_nan=False)]
    source_id: Slug


class Intervention(Row):
    id: Slug
    date: dt.date
    actor_iso3: Iso3
    agency: Slug  # an agency_id of table ``agencies``
    instrument: Literal[INSTRUMENTS]  # type: ignore[valid-type]
    amount: Money
    currency: Annotated[
        Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None, BeforeValidator(empty_to_none)
    ]
    amount_usd: Money
    fx_date: OptDate
    recipient: Text
    host_iso3: OptIso3
    mineral_ids: SlugList
    asset_id: OptSlug
    stage: OptText
    status: Literal[STATUSES]  # type: ignore[valid-type]
    estimated: Bool
    source_id: Slug
    note: OptNote
    recorded_at: Annotated[dt.datetime, BeforeValidator(empty_to_none)]
    supersedes: OptSlug
    # headline claims (table ``claims``) this row counts towards, for `ledger reconcile`
    claim_ids: SlugList
    verification: Literal[VERIFICATION]  # type: ignore[valid-type]

    @field_validator("recorded_at")
    @classmethod
    def _naive_utc(cls, v: dt.datetime) -> dt.datetime:
        # stored as naive UTC so DuckDB, polars and CSV agree byte for byte
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v

    @model_validator(mode="after")
    def _amount_needs_currency(self) -> Intervention:
        if self.amount is not None and self.currency is None:
            raise ValueError("amount is given without a currency")
        return self


class Claim(Row):
    """A headline figure users quote, to reconcile the ledger against (DESIGN.md section 5)."""

    claim_id: Slug
    claim: Note
    expected_usd: Money
    match_rule: OptNote
    source_id: Slug
    note: OptNote
    # the items the claim's source names (recipients, as `ledger reconcile` looks for them in
    # the tagged rows' recipient), `|`-separated; a "partial" lists those the ledger lacks
    expected_items: TextList
    # the fraction within which the ledger total "matches" (empty: 0.10)
    tolerance: Annotated[Annotated[float, Field(ge=0, le=1)] | None, BeforeValidator(empty_to_none)]


class WorldSumException(Row):
    """A reviewed case where the sum of countries may differ from the reported world total."""

    mineral_id: Slug
    stage: Stage
    year: Year
    reason: Note
    source_id: Slug


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
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "row"
    msg = re.sub(r"\s+", " ", str(err.get("msg", "invalid")))
    return loc, msg


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
