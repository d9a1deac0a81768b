"""critmin: critical-minerals supply security, as sourced numbers.

The Python API. ``import critmin as cm`` is cheap: the functions below are imported on first
use, so the command line starts fast. Each capability is a function of keyword arguments
returning a :class:`critmin.results.Result` (``.to_dict()``, ``.to_polars()``,
``.to_pandas()``), the same answer as the command's ``--json``::

    cm.concentration(mineral="cobalt").to_polars()
    cm.floor(preset="mp-ndpr", sigma=0.5)["expected_cost_usd"]

docs/python-api.md lists them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it. The capabilities (critmin.capabilities.*) take
# keyword arguments and return a critmin.results.Result (docs/python-api.md); the reference
# tables (minerals, sources, read_table) are polars DataFrames.
_SUPPLY = "critmin.capabilities.supply"
_LEDGER = "critmin.capabilities.ledger"
_SCENARIO = "critmin.capabilities.scenario"
_STOCKPILE = "critmin.capabilities.stockpile"
_PIPELINE = "critmin.capabilities.pipeline"
_FLOOR = "critmin.capabilities.floor"
_STORE = "critmin.capabilities.store"
_DATA = "critmin.capabilities.data"
_API = {
    "connect": "critmin.store",
    "db_info": "critmin.store",
    "export_db": "critmin.backup",
    "ensure_store": "critmin.store",
    "read_table": "critmin.store",
    "minerals": "critmin.queries",
    "source": "critmin.queries",
    "sources": "critmin.queries",
    "revisions": "critmin.queries",
    "coverage": "critmin.queries",
    "resolve_mineral": "critmin.queries",
    "countries": "critmin.capabilities.reference",
    "agencies": "critmin.capabilities.reference",
    "production": _SUPPLY,
    "us_supply": _SUPPLY,
    "prices": _SUPPLY,
    "reserves": _SUPPLY,
    "imports": _SUPPLY,
    "concentration": _SUPPLY,
    "concentration_all": _SUPPLY,
    "dominance": _SUPPLY,
    "control": _SUPPLY,
    "controls": _SUPPLY,
    "control_events": _SUPPLY,
    "exposure": _SUPPLY,
    "ledger_list": _LEDGER,
    "ledger_summary": _LEDGER,
    "ledger_reconcile": _LEDGER,
    "ledger_history": _LEDGER,
    "ledger_gap": _LEDGER,
    "ledger_overview": _LEDGER,
    "ledger_add": _LEDGER,
    "ledger_import": _LEDGER,
    "ledger_export": _LEDGER,
    "floor": _FLOOR,
    "floor_band": _FLOOR,
    "floor_presets": _FLOOR,
    "floor_preset": _FLOOR,
    "floor_closed_form": _FLOOR,
    "scenario_run": _SCENARIO,
    "scenario_backtest": _SCENARIO,
    "scenario_list": _SCENARIO,
    "scenario_definition": _SCENARIO,
    "scenario_from_control": _SCENARIO,
    "stockpile_plan": _STOCKPILE,
    "stockpile_frontier": _STOCKPILE,
    "stockpile_days": _STOCKPILE,
    "pipeline_run": _PIPELINE,
    "pipeline_backtest": _PIPELINE,
    "pipeline_projects": _PIPELINE,
    "pipeline_cohort": _PIPELINE,
    "sweep_run": "critmin.capabilities.sweep",
    "Store": "critmin.store",
    "store_info": _STORE,
    "store_check": _STORE,
    "store_export": _STORE,
    "store_backup": _STORE,
    "store_restore": _STORE,
    "data_import": _DATA,
    "data_import_usgs": _DATA,
    "data_validate": _DATA,
    "data_coverage": _DATA,
    "data_leaders": _DATA,
    "data_t4": _DATA,
    "data_contract": _DATA,
    "data_revisions": _DATA,
    "country_profile": "critmin.capabilities.profiles",
    "mineral_sheet": "critmin.capabilities.profiles",
    "Result": "critmin.results",
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
