"""The import result (:class:`UsgsImport`) and the sink that validates rows into it.

Table names, source ids of the MCS release tables, and the check that refuses a second row
with the same key live here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from critmin.errors import InputError

if TYPE_CHECKING:
    from critmin.data.usgs.mcs2026 import SectionReport
from critmin.schema import TABLES, first_error_field

PRODUCTION = "production"
RESERVES = "reserves"
US_SUPPLY = "us_supply"
PRICES = "prices"
IMPORT_SHARES = "import_shares"
APPLICATIONS = "applications"
LEADING_PRODUCERS = "leading_producers"


@dataclass
class UsgsImport:
    """Typed rows per table (keys exactly the schema columns) and rows deliberately left out.

    ``skipped`` holds ``(file, line, reason)``: commodities outside the critical-minerals map,
    capacity-only rows, aggregates such as "United States and Canada", files not recognised.
    """

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            PRODUCTION: [],
            RESERVES: [],
            US_SUPPLY: [],
            PRICES: [],
            IMPORT_SHARES: [],
            APPLICATIONS: [],
            LEADING_PRODUCERS: [],
        }
    )
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    # file name -> section -> lines read, imported and dropped with their reasons
    report: dict[str, dict[str, SectionReport]] = field(default_factory=dict)


def source_id(edition: int, kind: str) -> str:
    """Source id of one MCS release table: ``usgs-mcs2025-world``, ``usgs-mcs2025-salient``."""
    return f"usgs-mcs{edition}-{kind}"


def edition_slug(edition: int) -> str:
    """The ``edition`` column of every row read from one MCS release: ``usgs-mcs-2026``."""
    return f"usgs-mcs-{edition}"


_SOURCE = re.compile(r"^usgs-mcs(\d{4})-")


# -- collecting rows -------------------------------------------------------------------------


class Sink:
    """Validated rows per table, their provenance, and the skip list."""

    def __init__(self) -> None:
        self.out = UsgsImport()
        self.where: dict[tuple[str, tuple[Any, ...]], tuple[str, int]] = {}

    def skip(self, file: str, line: int, reason: str) -> None:
        self.out.skipped.append((file, line, reason))

    def add(self, table: str, rec: dict[str, Any], file: str, line: int) -> None:
        """Validate ``rec`` against the table's row model; refuse a second row with its key."""
        model = TABLES[table].model
        if "edition" in model.model_fields and "edition" not in rec:
            m = _SOURCE.match(str(rec.get("source_id", "")))
            rec = {**rec, "edition": edition_slug(int(m.group(1))) if m else None}
        try:
            row = model.model_validate(rec).model_dump()
        except ValidationError as exc:
            col, msg = first_error_field(exc)
            raise InputError(msg, file=file, line=line, column=col, value=rec.get(col)) from None
        key = (table, tuple(str(row[k]) for k in TABLES[table].key))
        if key in self.where:
            f0, l0 = self.where[key]
            raise InputError(
                f"duplicate {table} row (same key as {Path(f0).name} line {l0})",
                file=file,
                line=line,
                value="|".join(key[1]),
            )
        self.where[key] = (file, line)
        self.out.rows[table].append(row)
