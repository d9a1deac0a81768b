"""The commodity/TYPE map: ``usgs_map.csv`` (data, next to this module), loaded and cached.

Each row says where one USGS (commodity, TYPE) of one edition goes: the mineral id, stage,
product and basis of its production rows, and of its reserve rows; rows with neither are
skipped with the row's note as the reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from critmin.data.usgs.cells import norm


@dataclass(frozen=True)
class MapEntry:
    """One row of usgs_map.csv: a USGS (commodity, TYPE) of one edition and where it goes.

    Production rows are made when ``stage`` is set, reserve rows when ``reserves_mineral_id``
    is set; with neither, the rows are skipped and ``note`` is the reason. ``unit`` and
    ``reserves_unit`` override the unit published in the file where USGS mislabelled it.
    """

    edition: int
    commodity: str
    usgs_type: str
    mineral_id: str
    stage: str
    product: str
    basis: str
    headline: bool
    unit: str
    reserves_mineral_id: str
    reserves_product: str
    reserves_basis: str
    reserves_unit: str
    note: str


MapKey = tuple[int, str, str]


def map_path() -> Path:
    return Path(str(resources.files("critmin.data.usgs") / "usgs_map.csv"))


@cache
def load_map(path: Path | None = None) -> dict[MapKey, MapEntry]:
    """usgs_map.csv keyed by (edition, normalised commodity or file code, normalised TYPE)."""
    out: dict[MapKey, MapEntry] = {}
    with (path or map_path()).open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            entry = MapEntry(
                edition=int(rec["edition"]),
                commodity=rec["usgs_commodity"],
                usgs_type=rec["usgs_type"],
                mineral_id=rec["mineral_id"],
                stage=rec["stage"],
                product=rec["product"],
                basis=rec["basis"],
                headline=rec["headline"] == "true",
                unit=rec["unit"],
                reserves_mineral_id=rec["reserves_mineral_id"],
                reserves_product=rec["reserves_product"],
                reserves_basis=rec["reserves_basis"],
                reserves_unit=rec["reserves_unit"],
                note=rec["note"],
            )
            out[(entry.edition, norm(entry.commodity), norm(entry.usgs_type))] = entry
    return out


@cache
def mapped_commodities(edition: int) -> frozenset[str]:
    """Normalised commodity names (MCS 2025) or file codes of one edition in usgs_map.csv."""
    return frozenset(c for (e, c, _t) in load_map() if e == edition)
