"""Simulations (DESIGN.md section 6): price-floor cost (Q5) and friends.

Seeded, chunk-invariant random streams live in ``critmin.sim.rng``. Names below are imported on
first use, so ``import critmin.sim.rng`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    name: "critmin.sim.floor"
    for name in (
        "FloorContract",
        "FloorDefinition",
        "FloorResult",
        "Jumps",
        "PriceModel",
        "analytic_cost",
        "gbm_expected_shortfall",
        "list_presets",
        "load_definition",
        "load_floor_preset",
        "load_preset",
        "ou_expected_shortfall",
        "simulate_floor",
    )
}

_API["estimate_floor"] = "critmin.sim.floor_vr"

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'critmin.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
