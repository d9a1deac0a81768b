"""Numbers in the tables (issue 26, D12): tonnes, prices and rates are bounded at import, so no
figure a user imports can make a metric overflow; the metrics hold at the bound itself."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from critmin.columns import MAX_PRICE, MAX_TONNES
from critmin.schema import TABLES
from critmin.store import read_table


def _production_csv(rows: list[dict[str, Any]]) -> str:
    cols = TABLES["production"].columns
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(
            [
                "" if r[c] is None else str(r[c]).lower() if isinstance(r[c], bool) else r[c]
                for c in cols
            ]
        )
    return buf.getvalue()


def _cobalt_2024(store: Path) -> list[dict[str, Any]]:
    import polars as pl

    frame = read_table("production", store).filter(
        (pl.col("mineral_id") == "cobalt") & (pl.col("stage") == "mine") & (pl.col("year") == 2024)
    )
    rows = frame.to_dicts()
    assert rows
    return rows


@pytest.mark.parametrize("value", ["1e308", "1.0000001e12", "inf", "nan", "-1", "1e400"])
def test_an_out_of_range_tonnage_is_refused(
    cli: Callable[..., Any], store: Path, tmp_path: Path, value: str
) -> None:
    rows = _cobalt_2024(store)[:1]
    rows[0]["value"] = value
    f = tmp_path / "p.csv"
    f.write_text(_production_csv(rows), encoding="utf-8")
    before = read_table("production", store)
    r = cli("data", "import", "production", str(f))
    assert r.code == 2, r.err
    assert len(r.err.strip().splitlines()) == 1 and "'value'" in r.err
    assert read_table("production", store).equals(before)


def test_an_out_of_range_price_is_refused(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    f = tmp_path / "prices.csv"
    cols = TABLES["prices"].columns
    rec = dict(
        mineral_id="cobalt",
        product="cobalt metal",
        period="2024",
        price=f"{MAX_PRICE * 10:g}",
        currency="USD",
        unit="USD/t",
        market="",
        note="",
        source_id="usgs-mcs2025-world",
        edition="usgs-mcs-2025",
    )
    f.write_text(",".join(cols) + "\n" + ",".join(rec[c] for c in cols) + "\n", "utf-8")
    r = cli("data", "import", "prices", str(f))
    assert r.code == 2 and "'price'" in r.err, r.err


def test_the_metrics_hold_at_the_bound(
    cli: Callable[..., Any], store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _cobalt_2024(store)
    for r in rows:
        r["value"] = repr(MAX_TONNES)
    f = tmp_path / "p.csv"
    f.write_text(_production_csv(rows), encoding="utf-8")
    assert cli("data", "import", "production", str(f)).code == 0
    for argv in (
        ("concentration", "cobalt", "--year", "2024", "--json"),
        ("concentration", "--all", "--year", "2024", "--json"),
        ("dominance", "--json"),
    ):
        r = cli(*argv)
        assert r.code == 0, (argv, r.err)
    res = cli("concentration", "cobalt", "--year", "2024", "--json").json()
    # every country at the bound beside a world total at the bound: shares above 1 (a data
    # error `data validate --strict` reports), but every number finite, nothing crashes
    assert math.isfinite(res["hhi"]) and math.isfinite(res["top3_share"])

    from fastapi.testclient import TestClient

    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", "test-token-0123456789")
    with TestClient(create_app()) as c:
        for path in ("/api/v1/concentration?year=2024", "/api/v1/dominance"):
            assert c.get(path).status_code == 200, path
