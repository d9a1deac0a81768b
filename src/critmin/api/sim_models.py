"""HTTP API models of the ledger (Q4) and the simulations (Q5-Q8): requests and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field

from critmin.api.model_base import (
    MAX_FLOOR_PATHS,
    MAX_PIPELINE_DRAWS,
    MAX_SCENARIO_DRAWS,
    MAX_STOCKPILE_DRAWS,
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
from critmin.capabilities.floor import override_models
from critmin.capabilities.pipeline import cohort_row_model
from critmin.capabilities.scenario import SCENARIO_DRAWS
from critmin.capabilities.stockpile import MAX_CAP_DAYS
from critmin.columns import MAX_LIST
from critmin.defaults import (
    BUDGET_USD,
    CAP_DAYS,
    DRAWS,
    FINANCING_RATE,
    FLOOR_PATHS,
    FRONTIER_MAX_USD,
    FRONTIER_STEP_USD,
    LOSS_RATE,
    PROBABILITY,
    SEED,
    STORAGE_RATE,
)
from critmin.schema import MAX_AMOUNT

ContractFields, PriceModelFields = override_models()
CohortRow = cohort_row_model()

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
    mineral_ids: Annotated[list[Slug], Field(max_length=MAX_LIST)] = []  # noqa: RUF012 (pydantic copies it)
    asset_id: Slug | None = None
    stage: OptText | None = None
    status: Status
    estimated: bool = False
    source_id: Slug
    note: Note | None = None
    supersedes: Slug | None = None
    claim_ids: Annotated[list[Slug], Field(max_length=MAX_LIST)] = []  # noqa: RUF012 (pydantic copies it)
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
    ``price_model``. With a preset, the fields given in ``contract`` and ``price_model`` are
    laid over the preset's one by one (``{"preset": "mp-ndpr", "price_model": {"sigma":
    0.5}}`` is ``critmin floor --preset mp-ndpr --vol 0.5`` and ``cm.floor(preset="mp-ndpr",
    sigma=0.5)``); ``"jumps": null`` removes the preset's jumps.
    """

    preset: Slug | None = Field(None, examples=["mp-ndpr"])
    model_kind: Literal["gbm", "ou"] | None = Field(
        None,
        description="gbm or ou: which of the preset's models (default: its default_model), "
        "or the kind of the model given (default: price_model.kind, else ou when kappa or "
        "theta_level is given, else gbm).",
    )
    contract: ContractFields | None = None  # type: ignore[valid-type]
    price_model: PriceModelFields | None = None  # type: ignore[valid-type]
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
    draws: Annotated[int, Field(ge=1, le=MAX_SCENARIO_DRAWS)] = SCENARIO_DRAWS
    seed: Seed = SEED


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

    probability: Rate = PROBABILITY
    financing_rate: Rate = FINANCING_RATE
    storage_rate: Rate = STORAGE_RATE
    loss_rate: Rate = LOSS_RATE
    cap_days: Annotated[float, Field(gt=0, le=MAX_CAP_DAYS, allow_inf_nan=False)] = CAP_DAYS
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

    max_budget_usd: Annotated[float, Field(gt=0, le=1e13, allow_inf_nan=False)] = FRONTIER_MAX_USD
    step_usd: Annotated[float, Field(gt=0, le=1e13, allow_inf_nan=False)] = FRONTIER_STEP_USD


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
    cohort: Annotated[list[CohortRow], Field(min_length=1, max_length=60)] | None = None  # type: ignore[valid-type]


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
