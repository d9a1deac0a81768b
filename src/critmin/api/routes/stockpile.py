"""Stockpile (Q7): what a budget buys, valued as expected damage avoided."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from critmin.api.models import (
    ErrorBody,
    StockpileDaysRequest,
    StockpileEconomics,
    StockpileFrontierRequest,
    StockpilePlan,
    StockpileRequest,
)
from critmin.api.routes import call
from critmin.defaults import SEED

router = APIRouter(
    prefix="/api/v1/stockpile",
    tags=["stockpile"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _ask(fn: str, req: StockpileEconomics, **kw: Any) -> dict[str, Any]:
    """The Python API's answer (critmin.capabilities.stockpile), the request's economics
    passed as they are."""
    from critmin.capabilities import stockpile

    res = getattr(stockpile, fn)(
        minerals=req.minerals,
        draws=req.draws,
        seed=SEED if req.seed is None else req.seed,
        probability=req.probability,
        financing_rate=req.financing_rate,
        storage_rate=req.storage_rate,
        loss_rate=req.loss_rate,
        cap_days=req.cap_days,
        **kw,
    )
    return res.to_dict()  # type: ignore[no-any-return]


def _plan(req: StockpileRequest) -> dict[str, Any]:
    return _ask("stockpile_plan", req, budget=req.budget_usd, lp_check=req.lp_check)


def _frontier(req: StockpileFrontierRequest) -> dict[str, Any]:
    return _ask("stockpile_frontier", req, max_budget=req.max_budget_usd, step=req.step_usd)


def _days(req: StockpileDaysRequest) -> dict[str, Any]:
    return _ask("stockpile_days", req, budget=req.budget_usd)


@router.post("/plan", response_model=StockpilePlan, summary="Plan a stockpile budget")
def plan(req: StockpileRequest) -> Any:
    """Tonnes per mineral that maximise expected damage avoided minus holding cost within
    the budget (exact water-filling, checked against HiGHS), the binding minerals, what the
    last dollar buys or where buying stops paying (`critmin stockpile plan`)."""
    return call(_plan, req)


@router.post("/frontier", summary="The efficient frontier of stockpile budgets")
def frontier(req: StockpileFrontierRequest) -> Any:
    """Expected damage avoided, holding cost and net value against budget, with the marginal
    benefit of a dollar (`critmin stockpile frontier`)."""
    return call(_frontier, req)


@router.post("/days", summary="Days-of-net-imports rules beside the optimal plan")
def days(req: StockpileDaysRequest) -> Any:
    """IEA 90 days, Korea 100 days, one year and the optimal plan per mineral, with costs and
    net value (`critmin stockpile days`)."""
    return call(_days, req)
