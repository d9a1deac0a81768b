"""Importer of the USGS Mineral Commodity Summaries (MCS) data-release tables, as published.

Recognised files (by name, then header), anywhere under the path given to :func:`read_usgs`:

- ``MCS2025_World_Data.csv``: MCS 2025 world mine/refinery production, capacity and reserves,
  one long table for all commodities (doi:10.5066/P13XCP3R);
- ``mcs20xx-<code>_world.csv``: the per-commodity world tables of MCS 2022-2024;
- ``mcs20xx-<code>_salient.csv``: U.S. salient statistics (production, trade, apparent
  consumption, prices, net import reliance);
- ``MCS20xx_Fig2_Net_Import_Reliance.csv``: U.S. net import reliance and major import sources.

Rows come back typed and validated against the table contracts (``critmin.schema``):
``production`` and ``reserves`` in metric tonnes, ``us_supply`` in tonnes, ``prices`` in USD.
Commodity and TYPE strings map to mineral ids through ``usgs_map.csv`` (data, in this
package); country names map to ISO3 through the aliases of the countries table. Footnotes stay
flags, never numbers: ``W`` withheld, ``NA`` not available, ``incl`` included elsewhere, ``>``
and ``<`` bounds, ``qualitative`` reserves ("Large"); estimates set ``estimated``. Nothing is
written here: ``build.py`` writes the bundled CSVs and ``critmin data import-usgs`` the store.
A malformed file raises :class:`~critmin.errors.InputError` naming file, line and column.

Modules:

- ``reader``: :func:`read_usgs`, recognising each file and dispatching it to its reader;
- ``world``: world production and reserves tables (MCS 2025 long format, MCS 2022-2024
  per-commodity files);
- ``salient``: U.S. salient statistics and the Fig. 2 net-import-reliance chart;
- ``salient_columns``: the per-commodity column mapping of the salient files (data);
- ``mapping``: loading ``usgs_map.csv``, the commodity/TYPE -> mineral map;
- ``countries``: country cells -> ISO3 through the countries table;
- ``cells``: labels, numbers, footnote flags, estimate notes and units of single cells;
- ``records``: CSV records and header-column lookup;
- ``sink``: the result :class:`UsgsImport`, table names, source ids and row validation.
"""

from __future__ import annotations

from critmin.data.usgs.cells import Cell, parse_cell
from critmin.data.usgs.countries import Country, CountryIndex
from critmin.data.usgs.reader import read_usgs
from critmin.data.usgs.sink import UsgsImport

__all__ = ["Cell", "Country", "CountryIndex", "UsgsImport", "parse_cell", "read_usgs"]
