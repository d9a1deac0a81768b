"""The consistency rules of DESIGN.md section 3, on small planted tables."""

from __future__ import annotations

from typing import Any

import polars as pl

from critmin.schema import TABLES, polars_schema
from critmin.validate import validate, validate_frames


def _frame(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    spec = TABLES[name]
    full = [{c: r.get(c) for c in spec.columns} for r in rows]
    return pl.DataFrame(full, schema=polars_schema(spec), orient="row")


def _prod(iso3: str, value: float) -> dict[str, Any]:
    return {
        "mineral_id": "cobalt",
        "stage": "mine",
        "product": "cobalt content",
        "headline": True,
        "iso3": iso3,
        "year": 2024,
        "value": value,
        "unit": "t",
        "basis": "contained",
        "estimated": False,
        "source_id": "s",
    }


def _tables(
    countries_total: float, exceptions: list[dict[str, Any]] | None = None
) -> dict[str, pl.DataFrame]:
    return {
        "sources": _frame(
            "sources",
            [
                {
                    "source_id": "s",
                    "publisher": "p",
                    "title": "t",
                    "url": "https://example.org",
                    "published": "2025",
                }
            ],
        ),
        "minerals": _frame(
            "minerals",
            [
                {
                    "mineral_id": "cobalt",
                    "name": "Cobalt",
                    "kind": "element",
                    "usgs_2025": True,
                    "eu_2023": True,
                    "eu_2023_strategic": True,
                    "source_id": "s",
                }
            ],
        ),
        "countries": _frame(
            "countries",
            [
                {"iso3": c, "name": c, "kind": "country", "aliases": [], "source_id": "s"}
                for c in ("WLD", "COD", "IDN")
            ],
        ),
        "production": _frame(
            "production",
            [_prod("WLD", 100.0), _prod("COD", countries_total - 10), _prod("IDN", 10.0)],
        ),
        "world_sum_exceptions": _frame("world_sum_exceptions", exceptions or []),
    }


def _world_sum_failures(tables: dict[str, pl.DataFrame], strict: bool) -> list[Any]:
    return [f for f in validate_frames(tables, strict) if "world total" in f.message]


def test_sum_within_ten_percent_passes() -> None:
    assert _world_sum_failures(_tables(109.0), strict=True) == []


def test_sum_exceeding_world_by_more_than_ten_percent_fails() -> None:
    failures = _world_sum_failures(_tables(111.0), strict=False)
    assert len(failures) == 1 and "exceeds" in failures[0].message


def test_listed_exception_excuses_it() -> None:
    exc = [
        {
            "mineral_id": "cobalt",
            "stage": "mine",
            "year": 2024,
            "reason": "withheld US data",
            "source_id": "s",
        }
    ]
    assert _world_sum_failures(_tables(130.0, exc), strict=True) == []


def test_shortfall_fails_only_in_strict_mode() -> None:
    assert _world_sum_failures(_tables(80.0), strict=False) == []
    assert len(_world_sum_failures(_tables(80.0), strict=True)) == 1


def test_dangling_country_reference_is_reported() -> None:
    t = _tables(100.0)
    t["production"] = pl.concat([t["production"], _frame("production", [{**_prod("XXX", 5.0)}])])
    failures = validate_frames(t)
    assert any(f.column == "iso3" and f.value == "XXX" for f in failures)


def test_bundled_data_pass_strict() -> None:
    failures = validate(strict=True)
    assert failures == [], [str(f) for f in failures[:5]]
