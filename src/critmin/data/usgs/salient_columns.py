"""Column mapping of the U.S. salient-statistics files (data): which published columns make
each mineral's ``us_supply`` row and which are prices, per commodity file code.

This module is only data and the small types that hold it (:class:`Series`,
:class:`PriceColumn`, :class:`SalientFile`); :mod:`critmin.data.usgs.salient` reads it.
"""

from __future__ import annotations

from critmin.data.usgs import salient_2025_a_m, salient_2025_m_z
from critmin.data.usgs.salient_types import PriceColumn, SalientFile, Series

__all__ = ["SALIENT", "SALIENT_2025", "PriceColumn", "SalientFile", "Series"]

# the per-commodity column mapping of the MCS 2025 salient files, in two halves by file code
SALIENT_2025: dict[str, SalientFile] = {**salient_2025_a_m.COLUMNS, **salient_2025_m_z.COLUMNS}
# MCS 2024 salient files are read for the rare-earth oxide prices of 2019 only; their headers
# are those of MCS 2025 for this commodity. Other MCS 2024/2022 salient layouts are not mapped.
SALIENT: dict[int, dict[str, SalientFile]] = {
    2025: SALIENT_2025,
    2024: {"raree": SALIENT_2025["rareee"]},
}
