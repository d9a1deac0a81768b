"""Look-ups over the store: the reference tables as users ask for them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from critmin.errors import NotFoundError

if TYPE_CHECKING:
    import polars as pl


def minerals(path: Path | str | None = None) -> pl.DataFrame:
    """The minerals table: the 60 USGS 2025 critical minerals, EU 2023 flags and group rows."""
    from critmin.store import read_table

    return read_table("minerals", path)


def sources(path: Path | str | None = None) -> pl.DataFrame:
    """Every source a shipped number cites (publisher, title, URL, dates, licence)."""
    from critmin.store import read_table

    return read_table("sources", path)


def resolve_mineral(name: str, path: Path | str | None = None) -> str:
    """Map what a user typed (id, name or symbol, any case) to a mineral id."""
    table = minerals(path)
    wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
    for row in table.select(["mineral_id", "name", "symbol"]).to_dicts():
        names = {row["mineral_id"], str(row["name"]).lower().replace(" ", "_").replace("-", "_")}
        if row["symbol"]:
            names.add(str(row["symbol"]).lower())
        if wanted in names:
            return str(row["mineral_id"])
    raise NotFoundError(f"unknown mineral {name!r}; `critmin minerals` lists them")
