"""Stockpile (Q7): split a budget across minerals against the disruption scenarios."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from critmin.api.models import ErrorBody, StockpilePlan, StockpileRequest
from critmin.api.routes import call
from critmin.api.routes.scenarios import bundled

router = APIRouter(
    prefix="/api/v1/stockpile",
    tags=["stockpile"],
    responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)


def _plan(req: StockpileRequest) -> dict[str, Any]:
    from critmin.optimize.stockpile import plan

    names = [bundled(s, "scenarios") for s in req.scenarios] if req.scenarios else None
    return plan(
        budget=req.budget_usd,
        scenarios=names,
        minerals=req.minerals,
        draws=req.draws,
        seed=req.seed,
        cap_days=req.cap_days,
        weight=req.weight,
        lp_check=req.lp_check,
    )


@router.post("/plan", response_model=StockpilePlan, summary="Plan a stockpile budget")
def plan(req: StockpileRequest) -> Any:
    """Tonnes per mineral that minimise expected unmet demand within the budget (exact
    water-filling, cross-checked by an LP), days of cover, cost and the marginal value of a
    dollar (`critmin stockpile plan`). Capped at 20 000 draws a request."""
    return call(_plan, req)
