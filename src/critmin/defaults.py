"""Defaults written once: every front end (Python API, CLI, HTTP API, brief, sweep) reads them
here, so the same question asked without a seed or a budget gives the same number everywhere.

- ``SEED``: the master seed of every Monte Carlo engine (floor, floor band, scenario,
  stockpile, pipeline, sweep, brief) when none is given. Any fixed integer would do; this
  one is the date of the first scenario's calibration (2025-04-04). Results depend on the
  seed only through sampling noise; pass another to see that noise.
- ``BUDGET_USD``: the stockpile budget when none is given, US$12 billion: Project Vault's
  US$10 billion EXIM loan plus about US$2 billion of private capital (the figures and their
  sources are in docs/stockpile.md and the ledger).
- ``FLOOR_PATHS``, ``DRAWS``: Monte Carlo sizes (below).
"""

from __future__ import annotations

SEED = 20250404
BUDGET_USD = 12e9

# Monte Carlo sizes when none is given (engines without a constant of their own, and the
# Python API's signatures): the floor's paths, and the draws of the project pipeline.
FLOOR_PATHS = 100_000
DRAWS = 10_000
