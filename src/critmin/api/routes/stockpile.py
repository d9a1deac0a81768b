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

router = APIRouter(
    prefix="/api/v1/stockpile",
    tags=["stockpile"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _econ(req: StockpileEconomics) -> Any:
    from critmin.optimize.inputs import Economics

    return Economics(
        req.probability, req.financing_rate, req.storage_rate, req.loss_rate, req.cap_days
    )


def _plan(req: StockpileRequest) -> dict[str, Any]:
    from critmin.optimize.stockpile import plan

    return plan(req.budget_usd, _econ(req), req.minerals, req.draws, req.seed, req.lp_check)


def _frontier(req: StockpileFrontierRequest) -> dict[str, Any]:
    from critmin.optimize.stockpile import frontier

    return frontier(req.max_budget_usd, req.step_usd, _econ(req), req.minerals, req.draws, req.seed)


def _days(req: StockpileDaysRequest) -> dict[str, Any]:
    from critmin.optimize.days_cover import days_table
    from critmin.optimize.stockpile import model

    return days_table(model(req.budget_usd, _econ(req), req.minerals, req.draws, req.seed))


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
