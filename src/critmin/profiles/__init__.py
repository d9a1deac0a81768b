"""Country profiles and mineral sheets (issue 24): one page of sourced numbers each.

Both pages are assembled from the queries the other commands answer with, so every number
equals the one its own command gives:

- :func:`country_profile` (``critmin country COD``, ``GET /api/v1/countries/{id}``):
  production shares by mineral and stage (:func:`critmin.supply.concentration_all`), owners of
  its mines by nationality (:func:`critmin.supply.control`), export controls it imposes and
  faces (:func:`critmin.supply.controls`), commitments it receives and makes
  (:func:`critmin.ledger.summary` over the ledger's latest rows).
- :func:`mineral_sheet` (``critmin mineral cobalt``, ``GET /api/v1/minerals/{id}/sheet``):
  production by country and year with each year's edition (:func:`critmin.queries.production`),
  the HHI trend (:func:`critmin.supply.concentration`), prices, reserves, US net import
  reliance and import sources (:mod:`critmin.lookups`, :func:`critmin.queries.us_supply`),
  controls, ledger rows, and the disruption scenarios' forecasts beside the market model's
  backtest error (:func:`critmin.sim.disruption.run_scenario`,
  :func:`critmin.sim.backtest.load_summary`).

Each block is a :class:`Block`: a title, the columns a table shows, the rows, a note and the
sources (publisher, title, URL, date) of its rows. A block without rows says so in its note
("no data: ..."), never silently empty. Shares are in percent (``*pct_or_none``), tonnes in ``*_t``,
money in USD (``amount_usd``). The CLI ``--json`` and the HTTP API return
:meth:`CountryProfile.to_dict` / :meth:`MineralSheet.to_dict`, the same object.
"""

from critmin.profiles.blocks import Block, SourceRef
from critmin.profiles.country import CountryProfile, country_profile
from critmin.profiles.mineral import MineralSheet, mineral_sheet

__all__ = [
    "Block",
    "CountryProfile",
    "MineralSheet",
    "SourceRef",
    "country_profile",
    "mineral_sheet",
]
