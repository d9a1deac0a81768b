"""The consistency rules of DESIGN.md section 3, on small planted tables."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from critmin.data.bundled import reference_dir
from critmin.schema import TABLES, polars_schema
from critmin.validate import rounding_slack, validate, validate_frames


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


def test_sum_within_two_percent_and_rounding_passes() -> None:
    # world 100 t, read as rounded to 10 t: limit 100 x 1.02 + 5 = 107 t
    assert _world_sum_failures(_tables(106.9), strict=True) == []


def test_sum_exceeding_world_by_more_than_the_limit_fails() -> None:
    failures = _world_sum_failures(_tables(107.5), strict=False)
    assert len(failures) == 1 and "exceeds" in failures[0].message


@pytest.mark.parametrize(
    ("world", "slack"),
    [(900, 5), (1990, 5), (190, 5), (100_000, 5_000), (1_000_000, 50_000), (3_483_697, 0.5)],
)
def test_rounding_slack_is_half_the_last_step(world: float, slack: float) -> None:
    assert rounding_slack(world) == slack


def _nickel_line(folder: Path) -> tuple[Path, str]:
    path = folder / "production" / "iea_gcmo2025_refining.csv"
    text = path.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("nickel,refine,") and ",XOT," in ln)
    return path, line


def test_iea_nickel_double_count_is_caught_and_fixed(tmp_path: Path) -> None:
    """The IEA nickel refining block (iea-cmd2025-supply, 2024): the dataset's 'Rest of world'
    line, 631 420 t, is the world total (3 483 697 t) minus the listed countries other than
    Canada, so Canada's 113 100 t is counted twice: the rows add to 3 596 797 t, 3.2 % over the
    world total. The check catches it; the bundled rest-of-world line, derived as the world
    total minus the six listed countries (518 320 t), passes."""
    folder = tmp_path / "reference"
    shutil.copytree(reference_dir(), folder)
    path, line = _nickel_line(folder)
    assert ",518320.0," in line
    listed = 1_493_200 + 1_091_077 + 62_000 + 80_000 + 126_000 + 113_100  # IDN CHN FIN AUS RUS CAN
    assert 3_483_697 - listed == 518_320
    assert [f for f in validate(strict=True, folder=folder) if "world total" in f.message] == []
    as_published = [*line.split(",")[:6], "631420.0", "t", "contained", "false", "", "x"]
    as_published += ["iea-cmd2025-supply", "iea-gcmo-2025"]
    path.write_text(
        path.read_text(encoding="utf-8").replace(line, ",".join(as_published)), encoding="utf-8"
    )
    failures = [f for f in validate(strict=False, folder=folder) if "world total" in f.message]
    assert len(failures) == 1
    assert "mineral_id=nickel,stage=refine" in failures[0].row
    assert failures[0].value == 3_596_797 and "exceeds" in failures[0].message


def test_every_reviewed_exception_has_a_reason() -> None:
    text = (reference_dir() / "world_sum_exceptions" / "reviewed.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(len(r["reason"].strip()) > 40 for r in rows)


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
