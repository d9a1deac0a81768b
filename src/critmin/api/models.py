"""Request and response models of the HTTP API (pydantic).

Responses carry exactly what the CLI's ``--json`` prints for the same inputs: the routes pass
the Python API's result through the CLI's JSON encoder, then through these models. The models
name and type the documented fields (they make the OpenAPI schema); ``extra="allow"`` lets any
further field of the result through unchanged, so the API never drops a number the CLI shows.

Requests are strict (``extra="forbid"``): an unknown or badly typed field is a 422 naming it.
Simulation requests are capped (MAX_* below) so that one request cannot hold the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from critmin.api.model_base import (
    MAX_BODY_BYTES,
    MAX_FLOOR_PATH_STEPS,
    MAX_FLOOR_PATHS,
    MAX_PIPELINE_DRAWS,
    MAX_SCENARIO_DRAWS,
    MAX_SEED,
    MAX_STOCKPILE_DRAWS,
    ErrorBody,
    Health,
    Instrument,
    Iso3,
    Note,
    OptText,
    Out,
    Request,
    Seed,
    Slug,
    Status,
    Text,
    Verification,
)
from critmin.api.sim_models import (
    ActorLeftOut,
    Allocation,
    FloorPreset,
    FloorRequest,
    FloorResult,
    FloorYear,
    FundingGap,
    LedgerEntry,
    LedgerRow,
    LedgerSummary,
    LeftOut,
    LettersOfInterest,
    PipelineBacktestRequest,
    PipelineBacktestResult,
    PipelineRequest,
    PipelineResult,
    Rate,
    Reconciliation,
    ScenarioInfo,
    ScenarioResult,
    ScenarioRunRequest,
    StockpileDaysRequest,
    StockpileEconomics,
    StockpileFrontierRequest,
    StockpilePlan,
    StockpileRequest,
    SummaryRow,
)

# the base and the ledger and simulation models live in model_base and sim_models; routes
# import every model from here
__all__ = [
    "MAX_BODY_BYTES",
    "MAX_FLOOR_PATHS",
    "MAX_FLOOR_PATH_STEPS",
    "MAX_PIPELINE_DRAWS",
    "MAX_SCENARIO_DRAWS",
    "MAX_SEED",
    "MAX_STOCKPILE_DRAWS",
    "STATUS_WORDS",
    "ActorLeftOut",
    "Agency",
    "Allocation",
    "Citation",
    "Concentration",
    "Control",
    "ControlChain",
    "ControlEventOut",
    "ControlFigure",
    "Country",
    "Coverage",
    "Dominance",
    "ErrorBody",
    "ExportControl",
    "Exposure",
    "Figure",
    "FloorPreset",
    "FloorRequest",
    "FloorResult",
    "FloorYear",
    "FundingGap",
    "Health",
    "Instrument",
    "Iso3",
    "LedgerEntry",
    "LedgerRow",
    "LedgerSummary",
    "LeftOut",
    "LettersOfInterest",
    "Mineral",
    "Note",
    "OptText",
    "Out",
    "OwnerShare",
    "PipelineBacktestRequest",
    "PipelineBacktestResult",
    "PipelineRequest",
    "PipelineResult",
    "ProjectControl",
    "ProjectHeld",
    "Rate",
    "Reconciliation",
    "Request",
    "ScenarioInfo",
    "ScenarioResult",
    "ScenarioRunRequest",
    "Seed",
    "Share",
    "Slug",
    "Source",
    "Stake",
    "Status",
    "StockpileDaysRequest",
    "StockpileEconomics",
    "StockpileFrontierRequest",
    "StockpilePlan",
    "StockpileRequest",
    "SummaryRow",
    "Text",
    "Verification",
]

# -- reference -----------------------------------------------------------------------------------


class Mineral(Out):
    mineral_id: str
    name: str
    symbol: str | None = None
    kind: str
    group: str | None = None
    reported_as: str | None = Field(None, description="Group whose figures stand for it.")
    usgs_2025: bool
    eu_2023: bool
    source_id: str
    applications: str | None = Field(
        None, description="Primary applications in words (USGS MCS 2026 Table 6)."
    )


class Source(Out):
    source_id: str
    publisher: str
    title: str
    url: str | None = None
    published: str | None = None
    accessed: dt.date | None = None
    licence: str | None = None
    note: str | None = None


class Figure(Out):
    """A plotly figure: ``data`` (traces) and ``layout``, as critmin.brief.charts builds it,
    with the source ids it rests on."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]
    sources: list[str] = Field(default_factory=list)


class Agency(Out):
    agency_id: str
    name: str
    label: str = Field(description="The name tables and charts print, without a bracketed note.")
    parent: str | None = None
    actor_iso3: str


class Country(Out):
    iso3: str
    name: str
    kind: str
    label: str | None = Field(
        None, description="The short name charts and tables print (DR Congo, Russia)."
    )


class Coverage(Out):
    mineral: str
    reported_as: str | None = None
    mine_years: list[int]
    refine_years: list[int]
    missing: list[str]
    coverage_note: str | None = Field(
        None, description="Why no production series is stored (where none is), in words."
    )


# -- supply (Q1-Q3) ------------------------------------------------------------------------------


class Share(Out):
    iso3: str
    value: float = Field(description="Tonnes.")
    share: float = Field(description="Fraction of the world total, 0-1.")


class Concentration(Out):
    mineral: str
    stage: Literal["mine", "refine"]
    year: int
    unit: str
    basis: str | None = None
    product: str | None = None
    reported_as: str | None = Field(
        None, description="Group whose figures are the only ones published; no figure then."
    )
    basket: str | None = Field(None, description="What the group's figures cover.")
    reason: str | None = Field(None, description="Why no figure is stated (hhi null), in words.")
    world_reported: float | None = Field(None, description="Reported world total, tonnes.")
    countries_sum: float | None = Field(None, description="Sum of the country rows, tonnes.")
    world_total: float | None = Field(None, description="Denominator of the shares, tonnes.")
    denominator: Literal["world total", "sum of countries"] | None = Field(
        None, description="The larger of the reported world total and the sum of countries."
    )
    hhi: float | None = Field(None, description="Herfindahl-Hirschman index, 0-10 000.")
    hhi_band: str | None = None
    top3_share: float | None = None
    china_share: float | None = None
    leader: str | None = None
    leader_share: float | None = None
    withheld: list[str] = Field(description="Rows the source withholds (W): not zero.")
    no_data: list[str] = Field(description="Rows with no value and no W flag: not zero.")
    shares: list[Share]
    sources: list[str]


class Dominance(Out):
    mineral: str
    mine_leader: str | None = None
    mine_leader_share: float | None = None
    refine_leader: str | None = None
    refine_leader_share: float | None = None
    china_dual_dominance: float | None = None


class OwnerShare(Out):
    iso3: str
    share: float


class Stake(Out):
    asset_id: str
    owner: str
    owner_iso3: str
    stake_pct: float
    state_linked: bool
    valid_from: dt.date | None = Field(None, description="Empty: start date not known.")
    valid_to: dt.date | None = Field(None, description="Empty: still held as far as known.")
    source_id: str


class Control(Out):
    mineral: str
    host_iso3: str | None = None
    year: int
    as_of: dt.date = Field(description="Stakes in force that day: valid_from <= as_of < valid_to.")
    denominator_t: float
    denominator_basis: str
    denominator_edition: str | None = None
    by_owner_iso3: list[OwnerShare]
    unattributed_share: float
    register_coverage: float
    assets: list[str]
    estimated_output: bool
    stakes: list[Stake] = Field(description="The stakes applied.")
    open_start: list[str] = Field(description="Stakes applied whose start date is not known.")
    no_owner_on_date: list[str] = Field(
        description="Registered assets with output but no stake in force on as_of."
    )
    sources: list[str]


class ProjectHeld(Out):
    asset_id: str
    owner_iso3: list[str]
    held: bool


class ProjectControl(Out):
    host_iso3: str
    mineral: str | None = None
    nationality: str
    as_of: dt.date
    projects: int = Field(description="Registered mine projects in the host (any status).")
    projects_with_owners: int = Field(description="Projects with a stake in force on as_of.")
    projects_with_stake: int = Field(description="Projects with a stake of that nationality.")
    share: float | None = Field(description="projects_with_stake / projects.")
    share_of_projects_with_owners: float | None = None
    year: int | None = None
    register_output_t: float | None = None
    host_production_t: float | None = None
    output_coverage: float | None = Field(
        None, description="Registered output / host production that year (mineral given)."
    )
    by_project: list[ProjectHeld]
    sources: list[str]


class ControlFigure(Out):
    quantity: float | None = None
    unit: str | None = None
    note: str | None = None
    date: dt.date
    source_id: str | None = None


STATUS_WORDS = (
    "not_yet, announced, active, suspended, unconfirmed (a suspension ended with no later "
    "event recorded: neither active nor lifted) or lifted."
)


class ExportControl(Out):
    control_id: str
    imposing_iso3: str
    mineral_ids: list[str] = Field(description="Minerals covered that day (after amendments).")
    measure: str
    target: list[str] = Field(
        description="all, ISO3 codes, military_end_users or technology, that day."
    )
    scope: str | None = None
    description: str
    source_id: str
    announced: dt.date | None = None
    effective: dt.date | None = None
    lifted: dt.date | None = None
    status: str = Field(description=STATUS_WORDS)
    status_text: str = Field(description="The status in words, as the CLI prints it.")
    status_since: dt.date | None = None
    status_until: dt.date | None = None
    status_on: dt.date
    quota: ControlFigure | None = None
    rate: ControlFigure | None = None
    events: int
    sources: list[str]


class Citation(Out):
    source_id: str
    publisher: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None


class ControlEventOut(Out):
    date: dt.date
    event: str
    until: dt.date | None = None
    minerals_added: list[str]
    minerals_removed: list[str]
    targets_added: list[str]
    targets_removed: list[str]
    quantity: float | None = None
    quantity_unit: str | None = None
    note: str | None = None
    source_id: str
    source: Citation


class ControlChain(Out):
    control_id: str
    imposing_iso3: str
    mineral_ids: list[str]
    measure: str
    target: list[str]
    scope: str | None = None
    description: str
    source_id: str
    status: str = Field(description=STATUS_WORDS)
    status_text: str
    status_since: dt.date | None = None
    status_until: dt.date | None = None
    status_on: dt.date
    minerals_on: list[str]
    targets_on: list[str]
    quota: ControlFigure | None = None
    rate: ControlFigure | None = None
    source: Citation
    events: list[ControlEventOut]


class Exposure(Out):
    mineral: str
    net_import_reliance: float | None = None
    controlled_share: float | None = Field(
        None, description="Lower bound: share under active controls."
    )
    controlled_stage: str | None = None
    controlled_share_high: float | None = Field(
        None, description="Upper bound: also controls of unconfirmed status."
    )
    controlled_stage_high: str | None = None
    controls: list[str]
    unconfirmed_controls: list[str] = Field(
        description="Controls counted in the upper bound only (status unconfirmed)."
    )
    weight: float
    score: float | None = Field(None, description="NIR x controlled share x weight (= score_low).")
    score_low: float | None = None
    score_high: float | None = None
    sources: list[str] = Field(
        default_factory=list,
        description="Source ids: the net import reliance's and the counted controls'.",
    )
