"""Editions: which publication a figure comes from, and which one a query answers from.

Every production, reserves, US-supply and price row names its ``edition`` (``usgs-mcs-2026``,
``iea-gcmo-2025``): a slug of publisher and publication year. Later editions revise earlier
years (MCS 2026 revises 2024 values first published in MCS 2025), so the store keeps every
edition and this module is the one place that picks among them:

- by default, the **latest edition** that reports the figure: for a mineral x stage x year,
  the rows of the edition with the latest publication year (ties: the later ``published``
  date of its source, then the edition slug). A whole year comes from one edition, so the
  shares of one year never mix editions;
- with ``edition=...`` pinned, that edition's rows only.

A series over several years can still draw its years from different editions (MCS 2026 for
2024-2025, MCS 2025 for 2023): :func:`series_editions` says which edition each year came
from, and outputs carry it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from critmin.errors import InputError, NotFoundError

if TYPE_CHECKING:
    import polars as pl

    from critmin.schema import Failure

_YEAR = re.compile(r"-((?:19|20)\d{2})$")


def edition_year(edition: str) -> int:
    """Publication year of an edition slug: ``usgs-mcs-2026`` -> 2026."""
    m = _YEAR.search(edition)
    if not m:
        raise InputError(
            "not an edition (publisher slug and year, e.g. usgs-mcs-2026)",
            field="edition",
            value=edition,
        )
    return int(m.group(1))


def _order(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted latest edition first (publication year, source date, slug)."""
    import polars as pl

    cols = [pl.col("edition").str.extract(r"-((?:19|20)\d{2})$").cast(pl.Int64).alias("_ey")]
    sort = ["_ey", "edition"]
    if "published" in frame.columns:
        sort = ["_ey", "published", "edition"]
    return frame.with_columns(cols).sort(sort, descending=True, nulls_last=True).drop("_ey")


def editions_of(frame: pl.DataFrame) -> list[str]:
    """Editions present in ``frame``, latest first."""
    if frame.is_empty():
        return []
    seen: dict[str, None] = {}
    for e in _order(frame.select([c for c in ("edition", "published") if c in frame.columns]))[
        "edition"
    ].to_list():
        seen.setdefault(str(e), None)
    return list(seen)


def pin(frame: pl.DataFrame, edition: str | None, what: str) -> pl.DataFrame:
    """Rows of ``edition`` (all rows when None); NotFoundError naming the editions that do
    report ``what`` when the pinned one does not."""
    if edition is None:
        return frame
    edition_year(edition)
    out = frame.filter(frame["edition"] == edition)
    if out.is_empty():
        have = ", ".join(editions_of(frame)) or "none"
        raise NotFoundError(f"edition {edition} has no {what}; editions with data: {have}")
    return out


def latest(frame: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """The rows of one year's figures from the latest edition that reports them, and that
    edition (None for an empty frame). ``frame`` holds one mineral x stage (x product) x year."""
    if frame.is_empty():
        return frame, None
    edition = editions_of(frame)[0]
    return frame.filter(frame["edition"] == edition), edition


def latest_by(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per group of ``keys`` (e.g. mineral_id, stage, year), the rows of its latest edition."""
    import polars as pl

    if frame.is_empty():
        return frame
    ordered = _order(frame)
    best = ordered.group_by(keys, maintain_order=True).agg(pl.col("edition").first())
    return frame.join(best, on=[*keys, "edition"], how="semi")


def series_editions(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Year -> edition of a series of rows already reduced to one edition per year."""
    return {int(r["year"]): str(r["edition"]) for r in rows}


def mixed(by_year: dict[int, str]) -> bool:
    """True when the years of a series come from more than one edition."""
    return len(set(by_year.values())) > 1


# -- data validate rules ---------------------------------------------------------------------

EDITION_TABLES = ("production", "reserves", "us_supply", "prices")


def check_editions(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """Rules that keep the latest-edition choice well defined (``critmin data validate``):

    - a row's edition year is the publication year of its source (``sources.published``): a
      mislabelled edition would make queries answer from the wrong one;
    - no headline production series has, for one year, two editions of the same publication
      year: the latest-edition rule could not choose, and the series would mix publishers.
    """
    import polars as pl

    from critmin.schema import Failure

    out: list[Failure] = []
    src = frames.get("sources")
    published: dict[str, str] = {}
    if src is not None:
        published = {r["source_id"]: str(r["published"]) for r in src.to_dicts()}
    for table in EDITION_TABLES:
        frame = frames.get(table)
        if frame is None or frame.is_empty() or "edition" not in frame.columns:
            continue
        pairs = frame.select(["source_id", "edition"]).unique().to_dicts()
        for r in sorted(pairs, key=lambda r: (r["source_id"], r["edition"])):
            pub = published.get(r["source_id"]) or ""
            m = _YEAR.search(r["edition"] or "")
            if pub[:4].isdigit() and m and pub[:4] != m.group(1):
                out.append(
                    Failure(
                        table,
                        r["source_id"],
                        "edition",
                        r["edition"],
                        f"edition year differs from the year its source was published ({pub})",
                    )
                )
    prod = frames.get("production")
    if prod is not None and not prod.is_empty() and "edition" in prod.columns:
        years = (
            prod.filter(pl.col("headline"))
            .select(["mineral_id", "stage", "year", "edition"])
            .drop_nulls()
            .unique()
            .with_columns(
                pl.col("edition").str.extract(r"-((?:19|20)\d{2})$").cast(pl.Int64).alias("ey")
            )
        )
        ties = (
            years.group_by(["mineral_id", "stage", "year", "ey"])
            .agg(pl.col("edition").sort().alias("editions"), pl.len().alias("n"))
            .filter(pl.col("n") > 1)
            .sort(["mineral_id", "stage", "year"])
        )
        for r in ties.to_dicts():
            out.append(
                Failure(
                    "production",
                    f"{r['mineral_id']}|{r['stage']}|{r['year']}",
                    "edition",
                    ",".join(r["editions"]),
                    "two editions of the same year report this headline series: the "
                    "latest-edition rule cannot choose, the series would mix editions",
                )
            )
    return out
