"""critmin: critical-minerals supply security, as sourced numbers.

The Python API. ``import critmin as cm`` is cheap: the functions below are imported on first
use, so the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "connect": "critmin.store",
    "db_info": "critmin.store",
    "export_db": "critmin.backup",
    "ensure_store": "critmin.store",
    "read_table": "critmin.store",
    "minerals": "critmin.queries",
    "source": "critmin.queries",
    "sources": "critmin.queries",
    "production": "critmin.queries",
    "us_supply": "critmin.queries",
    "revisions": "critmin.queries",
    "coverage": "critmin.queries",
    "resolve_mineral": "critmin.queries",
    "prices": "critmin.lookups",
    "reserves": "critmin.lookups",
    "imports": "critmin.lookups",
    "concentration": "critmin.supply",
    "concentration_all": "critmin.supply",
    "dominance": "critmin.supply",
    "control": "critmin.supply",
    "controls": "critmin.supply",
    "control_events": "critmin.supply",
    "exposure": "critmin.supply",
    "country_profile": "critmin.profiles",
    "mineral_sheet": "critmin.profiles",
    "simulate_floor": "critmin.sim.floor",
    "load_floor_preset": "critmin.sim.floor",
    "validate": "critmin.validate",
    "validate_store": "critmin.validate",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'critmin' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
