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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from critmin.columns import MAX_LIST, MAX_NOTE, MAX_SLUG, MAX_TEXT, no_controls
from critmin.defaults import BUDGET_USD, DRAWS, FLOOR_PATHS, SEED
from critmin.optimize.inputs import MAX_CAP_DAYS
from critmin.schema import INSTRUMENTS, MAX_AMOUNT, STATUSES, VERIFICATION
from critmin.sim.disruption import DEFAULT_DRAWS, DEFAULT_SEED
from critmin.sim.floor import FloorContract, PriceModel
from critmin.sim.pipeline_cohort import CohortRow

# -- caps: one request must not starve the server (DESIGN.md section 7) -------------------------

MAX_FLOOR_PATHS = 200_000
MAX_FLOOR_PATH_STEPS = 30_000_000  # paths x settlement dates: about a second on one core
MAX_SCENARIO_DRAWS = 20_000
MAX_STOCKPILE_DRAWS = 20_000
MAX_PIPELINE_DRAWS = 20_000
MAX_BODY_BYTES = 64 * 1024
MAX_SEED = 2**63 - 1

Instrument = Literal[INSTRUMENTS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Verification = Literal[VERIFICATION]  # type: ignore[valid-type]
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USA"])]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=MAX_SLUG)]
# free text of a request: the limits and the control-character rule of the table contract
Text = Annotated[
    Annotated[str, Field(min_length=1, max_length=MAX_TEXT)], BeforeValidator(no_controls)
]
OptText = Annotated[Annotated[str, Field(max_length=MAX_TEXT)], BeforeValidator(no_controls)]
Note = Annotated[Annotated[str, Field(max_length=MAX_NOTE)], BeforeValidator(no_controls)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Out(BaseModel):
    """Base of every response: documented fields, and any further field passed through."""

    model_config = ConfigDict(extra="allow")


class Request(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# -- errors and health ---------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error: one line, the field it concerns (when one does) and the offending value."""

    detail: str = Field(description="What is wrong, in one line.")
    field: str | None = Field(None, description="The request field at fault, dotted.")
    value: Any = Field(None, description="The offending value, when short.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


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


# -- ledger (Q4) ---------------------------------------------------------------------------------


class LedgerRow(Out):
    id: str
    date: dt.date
    actor_iso3: str
    agency: str
    instrument: str
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    recipient: str
    host_iso3: str | None = None
    mineral_ids: list[str]
    status: str
    source_id: str
    recorded_at: str = Field(description="UTC, ISO 8601.")
    supersedes: str | None = None
    verification: str = Field(description="primary, press or unverified.")


class SummaryRow(Out):
    key: str
    amount_usd: float
    count: float


class LettersOfInterest(Out):
    amount_usd: float
    count: int
    included: bool


class ActorLeftOut(Out):
    actor: str
    count: int
    amount_usd: float


class LeftOut(Out):
    included: bool = Field(description="True when the total counts these rows.")
    count: int
    amount_usd: float
    by_actor: list[ActorLeftOut]


class LedgerSummary(Out):
    by: str
    since: dt.date | None = None
    status: list[str]
    rows: list[SummaryRow]
    total_usd: float
    rows_without_amount: int
    letters_of_interest: LettersOfInterest
    aggregates: LettersOfInterest = Field(description="Publisher aggregates, never added.")
    unverified: LeftOut = Field(description="Rows with an unverified source.")


class FundingGap(Out):
    by: str
    rows: list[dict[str, Any]]
    projects: int
    need_usd: float
    committed_usd: float
    letters_of_interest: LettersOfInterest
    cheques: dict[str, Any]


class Reconciliation(Out):
    claim: str
    text: str
    expected_usd: float | None = None
    ledger_usd: float
    unverified_usd: float
    tolerance: float
    rows: list[str]
    unverified_rows: list[str]
    status: Literal["matches", "partial", "no amount to compare"]
    missing: list[str] = Field(description="What the ledger lacks (partial only).")
    source_id: str


class LedgerEntry(Request):
    """One commitment to append (``critmin ledger add``); id and recorded_at are assigned."""

    id: Slug | None = Field(None, description="Assigned (iv-NNNN) when absent.")
    date: dt.date
    actor_iso3: Iso3
    agency: Text
    instrument: Instrument
    amount: Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    fx_date: dt.date | None = None
    recipient: Text
    host_iso3: Iso3 | None = None
    mineral_ids: Annotated[list[Slug], Field(max_length=MAX_LIST)] = []
    asset_id: Slug | None = None
    stage: OptText | None = None
    status: Status
    estimated: bool = False
    source_id: Slug
    note: Note | None = None
    supersedes: Slug | None = None
    claim_ids: Annotated[list[Slug], Field(max_length=MAX_LIST)] = []
    verification: Verification


# -- simulations (Q5-Q8) -------------------------------------------------------------------------


class FloorPreset(Out):
    name: str
    title: str
    description: str
    contract: dict[str, Any]
    models: list[dict[str, Any]]
    default_model: str


class FloorRequest(Request):
    """A price-floor contract and price model to simulate (``critmin floor``).

    Give a ``preset`` (its contract and default model), or a ``contract`` and a
    ``price_model``; with both, the contract or model given replaces the preset's.
    """

    preset: Slug | None = Field(None, examples=["mp-ndpr"])
    model_kind: Literal["gbm", "ou"] | None = Field(
        None, description="Which of the preset's models (default: its default_model)."
    )
    contract: FloorContract | None = None
    price_model: PriceModel | None = None
    paths: Annotated[int, Field(ge=1, le=MAX_FLOOR_PATHS)] = FLOOR_PATHS
    seed: Seed = SEED


class FloorYear(Out):
    year: int
    expected_payout_usd: float
    pv_usd: float
    analytic_usd: float | None = None


class FloorResult(Out):
    expected_cost_usd: float
    pv_cost_usd: float
    stderr_usd: float | None = None
    p50_usd: float
    p95_usd: float
    p99_usd: float
    prob_any_payout: float
    analytic_expected_cost_usd: float | None = None
    analytic_pv_cost_usd: float | None = None
    analytic_note: str | None = None
    paths: int
    seed: int
    yearly: list[FloorYear]
    histogram: dict[str, list[float]]
    contract: dict[str, Any]
    model: dict[str, Any]


class ScenarioInfo(Out):
    name: str
    title: str
    kind: str
    restricting_iso3: str
    minerals: list[str]
    stage: str
    start: dt.date
    target: str


class ScenarioRunRequest(Request):
    draws: Annotated[int, Field(ge=1, le=MAX_SCENARIO_DRAWS)] = DEFAULT_DRAWS
    seed: Seed = DEFAULT_SEED


class ScenarioResult(Out):
    scenario: str
    title: str
    draws: int
    seed: int
    target: str
    restricting_iso3: str
    stage: str
    minerals: list[dict[str, Any]]
    sources: list[dict[str, Any]]


Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class StockpileEconomics(Request):
    """The planner's economic parameters (``critmin stockpile plan --probability ...``)."""

    probability: Rate = 0.05
    financing_rate: Rate = 0.0503
    storage_rate: Rate = 0.01
    loss_rate: Rate = 0.0
    cap_days: Annotated[float, Field(gt=0, le=MAX_CAP_DAYS, allow_inf_nan=False)] = 365.0
    minerals: Annotated[list[Slug], Field(min_length=1, max_length=60)] | None = None
    draws: Annotated[int, Field(ge=1, le=MAX_STOCKPILE_DRAWS)] = DRAWS
    seed: Seed | None = None


class StockpileRequest(StockpileEconomics):
    """The optimal stockpile for a budget (``critmin stockpile plan``)."""

    budget_usd: Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)] = BUDGET_USD
    lp_check: bool = True


class StockpileDaysRequest(StockpileEconomics):
    """Days-of-net-imports rules beside the optimal plan (``critmin stockpile days``)."""

    budget_usd: Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)] = BUDGET_USD


class StockpileFrontierRequest(StockpileEconomics):
    """The efficient frontier (``critmin stockpile frontier``)."""

    max_budget_usd: Annotated[float, Field(gt=0, le=1e13, allow_inf_nan=False)] = 20e9
    step_usd: Annotated[float, Field(gt=0, le=1e13, allow_inf_nan=False)] = 1e9


class Allocation(Out):
    mineral: str
    tonnes: float
    usd: float
    days_of_net_imports: float | None = None


class StockpilePlan(Out):
    budget_usd: float
    spent_usd: float
    budget_binding: bool
    damage_avoided_usd_per_yr: float
    holding_cost_usd_per_yr: float
    net_value_usd_per_yr: float
    binding_minerals: list[str]
    last_dollar: dict[str, Any] | None
    stops_paying: dict[str, Any] | None
    allocations: list[Allocation]
    not_in_scope: list[dict[str, Any]]
    minerals_in_scope: int
    draws: int
    seed: int


class PipelineRequest(Request):
    """The project-pipeline Monte Carlo over the bundled register (``critmin pipeline run``)."""

    draws: Annotated[int, Field(ge=1, le=MAX_PIPELINE_DRAWS)] = DRAWS
    seed: Seed = SEED
    horizon: Annotated[int, Field(ge=2000, le=2100)] | None = None
    common_factor: bool = Field(
        True, description="Correlate project failures through a common price factor per mineral."
    )


class PipelineBacktestRequest(Request):
    """The stage model's backtest on a past cohort (``critmin pipeline backtest``): the bundled
    2012 rare-earth cohort unless ``cohort`` gives the rows (the CSV's columns)."""

    years: Annotated[int, Field(ge=1, le=50)] = 10
    draws: Annotated[int, Field(ge=1, le=MAX_PIPELINE_DRAWS)] = DRAWS
    seed: Seed = 0
    common_factor: bool = True
    leave_one_out: bool = Field(
        False, description="Also predict each project with k fitted on the others (slow)."
    )
    cohort: Annotated[list[CohortRow], Field(min_length=1, max_length=60)] | None = None


class PipelineBacktestResult(Out):
    backtest: dict[str, Any]
    study_exponent: float | None
    uncalibrated: dict[str, Any]
    leave_one_project_out: dict[str, Any] | None


class PipelineResult(Out):
    draws: int
    seed: int
    horizon: int
    by_year: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    totals: dict[str, Any]
