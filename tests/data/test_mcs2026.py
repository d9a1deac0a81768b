"""The MCS 2026 data-release importer: published figures, the v1.3 correction, the import
report, and malformed files (exit 2, one line naming file, line and field; nothing written).

Figures cite ``shared/data/raw/usgs_mcs2026/MCS2026_Commodities_Data.csv`` (USGS Mineral
Commodity Summaries 2026 data release, doi:10.5066/P1WKQ63T) by line number.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from critmin.data import build as build_mod
from critmin.data.usgs import read_usgs
from critmin.data.usgs.report import report_rows
from critmin.errors import InputError

RAW = Path(os.environ.get("CRITMIN_RAW", Path(__file__).parents[3] / "shared" / "data" / "raw"))
FILE = RAW / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv"
pytestmark = pytest.mark.skipif(not FILE.exists(), reason="raw MCS 2026 release not present")


@pytest.fixture(scope="module")
def result() -> Any:
    return read_usgs(FILE.parent)  # the data CSV and trends/ (Fig. 2)


def _one(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def test_antimony_mine_2024_and_2025(result: Any) -> None:
    p = result.rows["production"]
    sb = {"mineral_id": "antimony", "stage": "mine", "edition": "usgs-mcs-2026"}
    assert _one(p, iso3="CHN", year=2024, **sb)["value"] == 40_000  # line 419
    assert _one(p, iso3="WLD", year=2024, **sb)["value"] == 119_000  # line 431
    assert _one(p, iso3="CHN", year=2025, **sb)["value"] == 40_000  # line 437
    assert _one(p, iso3="WLD", year=2025, **sb)["value"] == 110_000  # line 449
    us = _one(p, iso3="USA", year=2025, **sb)  # "W" (withheld)
    assert us["value"] is None and us["flag"] == "W"
    assert _one(p, iso3="CAN", year=2024, **sb)["value"] == 0  # "—" is zero


def test_units_convert_to_tonnes(result: Any) -> None:
    p = result.rows["production"]
    cu = _one(p, mineral_id="copper", stage="mine", iso3="WLD", year=2024)
    assert cu["value"] > 1e7  # thousand metric tons -> t
    ga = _one(p, mineral_id="gallium", stage="refine", iso3="CHN", year=2024)
    assert ga["value"] < 2_000  # kilograms -> t


def test_rare_earth_reserves_carry_the_v13_correction(result: Any) -> None:
    r = result.rows["reserves"]
    ree = {"mineral_id": "rare_earths", "edition": "usgs-mcs-2026", "year": 2025}
    bra = _one(r, iso3="BRA", **ree)  # line 6109 reads 21,000,000; v1.3: 11,000,000
    assert bra["value"] == 11_000_000 and "v1.3" in bra["note"]
    wld = _one(r, iso3="WLD", **ree)  # line 6124 reads >85,000,000; v1.3: >75,000,000
    assert (wld["value"], wld["flag"]) == (75_000_000, ">")
    assert _one(r, iso3="CHN", **ree)["value"] == 44_000_000  # line 6112


def test_scandium_world_total_only(result: Any) -> None:
    # line 6550: SCANDIUM, World total, "global production", 2025, 80 (Estimated.), metric tons
    # of scandium oxide equivalent; no country line follows
    p = result.rows["production"]
    sc = [r for r in p if r["mineral_id"] == "scandium"]
    assert len(sc) == 1
    row = sc[0]
    assert (row["stage"], row["iso3"], row["year"], row["value"]) == ("mine", "WLD", 2025, 80)
    assert row["estimated"] is True and row["product"] == "scandium oxide equivalent"
    skipped = {
        line: why
        for f, line, why in result.skipped
        if f.endswith(FILE.name) and line in (6549, 6551)
    }
    assert "capacity" in skipped[6549]  # global capacity, 90 t
    assert "Economic Demonstrated Resources" in skipped[6551]  # Australia only, 34,000 t
    assert not [r for r in result.rows["reserves"] if r["mineral_id"] == "scandium"]


def test_report_counts_every_line(result: Any) -> None:
    rows = report_rows(result)
    assert sum(r["lines"] for r in rows) == 8886  # every data line of the file
    for r in rows:
        assert r["imported"] + sum(r["reasons"].values()) == r["lines"], r["section"]
    world = next(r for r in rows if r["section"] == "World Mine Production and Reserves")
    assert world["imported"] > 1000
    cap = next(r for r in rows if r["section"] == "World Production Capacity")
    assert cap["imported"] == 0 and "capacity" in next(iter(cap["reasons"]))


def _fixture(tmp_path: Path, edit: Any = None, encoding: str = "cp1252") -> Path:
    """The header and the antimony world lines of the release, optionally edited."""
    lines = FILE.read_bytes().decode("cp1252").splitlines()
    keep = [lines[0], *lines[413:450]]  # file lines 414-450: production 2024-25, a reserve
    if edit:
        keep = edit(keep)
    out = tmp_path / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(("\r\n".join(keep) + "\r\n").encode(encoding))
    return out


def test_fixture_imports(tmp_path: Path) -> None:
    res = read_usgs(_fixture(tmp_path))
    assert len(res.rows["production"]) == 36 and len(res.rows["reserves"]) == 1


@pytest.mark.parametrize(
    ("edit", "encoding", "needle"),
    [
        (None, "utf-8", "line 2: UTF-8 text"),
        (lambda ls: [ls[0].replace(",Value,", ",Amount,"), *ls[1:]], "cp1252", "'VALUE'"),
        (
            lambda ls: [ls[0], ls[1], ls[2].replace('"1,270"', "lots"), *ls[3:]],
            "cp1252",
            "line 3, column 'Value'",
        ),
    ],
    ids=["utf8", "missing-column", "non-numeric"],
)
def test_malformed_release_is_one_line(
    tmp_path: Path, edit: Any, encoding: str, needle: str
) -> None:
    path = _fixture(tmp_path, edit, encoding)
    with pytest.raises(InputError) as exc:
        read_usgs(path)
    text = str(exc.value)
    assert "\n" not in text and str(path) in text and needle in text, text


def test_malformed_release_leaves_bundled_csvs_and_store(
    tmp_path: Path,
    store: Path,
    cli: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from critmin.data.bundled import reference_dir

    ref = tmp_path / "reference"  # a copy: a build that wrongly succeeds must not touch the package
    shutil.copytree(reference_dir(), ref)
    monkeypatch.setattr(build_mod, "reference_dir", lambda: ref)
    raw = tmp_path / "raw"
    path = _fixture(raw, lambda ls: [ls[0], ls[1], ls[2].replace('"1,270"', "lots")])
    before = {p: p.read_bytes() for p in ref.rglob("*.csv")}
    assert build_mod.main([str(raw)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 3" in err and "Value" in err
    assert {p: p.read_bytes() for p in ref.rglob("*.csv")} == before
    stamp = store.read_bytes()
    r = cli("data", "import-usgs", str(path))
    assert r.code == 2 and "line 3" in r.err
    assert store.read_bytes() == stamp


def test_importing_twice_changes_nothing(store: Path, cli: Any) -> None:
    from critmin.store import read_table

    first = cli("data", "import-usgs", str(FILE), "--json")
    assert first.code == 0, first.err
    report = {r["section"]: r for r in first.json()["report"]}
    assert sum(r["lines"] for r in report.values()) == 8886
    assert report["Import Sources"]["imported"] == 0  # dropped, with the reason
    tables = ("production", "reserves", "us_supply", "prices", "import_shares")
    snap = {t: read_table(t).sort(read_table(t).columns) for t in tables}
    again = cli("data", "import-usgs", str(FILE), "--json")
    assert again.code == 0 and again.json()["rows"] == first.json()["rows"]
    for t in tables:
        assert read_table(t).sort(read_table(t).columns).equals(snap[t]), t


def test_salient_statistics(result: Any) -> None:
    s = result.rows["us_supply"]
    ree = {"mineral_id": "rare_earths", "edition": "usgs-mcs-2026"}
    # lines 6043 and 6064: net import reliance, compounds and metals (the concentrates line,
    # "E", is named in the note)
    assert _one(s, year=2024, **ree)["net_import_reliance_pct"] == 53
    y2025 = _one(s, year=2025, **ree)
    assert y2025["net_import_reliance_pct"] == 67 and y2025["estimated"]
    assert y2025["apparent_consumption"] == 27_000  # line 6053
    assert y2025["import_sources"][0] == "CHN"  # Fig. 2 merged in
    assert y2025["production"] is None  # two series (concentrates, compounds): not added up
    sb = _one(s, mineral_id="antimony", year=2024)
    assert (sb["net_import_reliance_pct"], sb["apparent_consumption"]) == (86, 28_600)
    p = result.rows["prices"]
    ndpr = _one(
        p,
        mineral_id="rare_earths",
        period="2025",
        product=("Neodymium-praseodymium (NdPr) oxide, 99% minimum"),
    )
    assert (ndpr["price"], ndpr["unit"]) == (69, "kg")  # line 6059


def test_fig3_import_shares(result: Any) -> None:
    """MCS 2026 Fig. 3 (trends/MCS2026_Fig3_Major_Import_Sources.csv), shares of US imports
    2021-2024: gallium lines 30-34 (Canada 28, Japan 22, China 18, Germany 16, Other 16);
    rare earths, compounds and metals, lines 71-75 (China 71, Malaysia 13, Japan 5, Estonia 5,
    Other 6)."""
    rows = result.rows["import_shares"]
    ga = {r["iso3"]: r["share_pct"] for r in rows if r["mineral_id"] == "gallium"}
    assert ga == {"CAN": 28, "JPN": 22, "CHN": 18, "DEU": 16, "XOT": 16}
    ree = {r["iso3"]: r["share_pct"] for r in rows if r["mineral_id"] == "rare_earths"}
    assert ree == {"CHN": 71, "MYS": 13, "JPN": 5, "EST": 5, "XOT": 6}
    assert {r["period"] for r in rows} == {"2021-2024"}
    assert {r["edition"] for r in rows} == {"usgs-mcs-2026"}
    # 191 data lines: 184 rows, 7 where USGS names no source (NA: hafnium, iridium, ...)
    assert len(rows) == 184
    na = [s for s in result.skipped if "Fig3" in s[0] and "(NA)" in s[2]]
    assert len(na) == 7
    # magnesium has two series (compounds, metal), kept apart by product
    assert {r["product"] for r in rows if r["mineral_id"] == "magnesium"} == {
        "Magnesium, compounds",
        "Magnesium, metal",
    }


def test_us_supply_carries_import_shares(store: Path, cli: Any) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    res = cli("us-supply", "gallium", "--json").json()
    shares = {s["iso3"]: s["share_pct"] for s in res["import_shares"]}
    assert shares == {"CAN": 28, "JPN": 22, "CHN": 18, "DEU": 16, "XOT": 16}
    with TestClient(create_app()) as client:
        got = client.get("/api/v1/us-supply/gallium").json()
    assert got["import_shares"] == res["import_shares"]
    # USGS names no source for hafnium: no data, said so
    assert cli("us-supply", "hafnium", "--json").json()["import_shares"] == []
