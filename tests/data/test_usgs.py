"""USGS MCS importer: values, flags, countries, units and malformed input.

Fixtures under tests/data/fixtures/ are lines copied unchanged from the USGS MCS data releases
in shared/data/raw (MCS2025_World_Data.csv, doi:10.5066/P13XCP3R; mcs2024-*_world.csv,
doi:10.5066/P144BA54): expected values below are those printed in the source files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from critmin.data import build as build_mod
from critmin.data.usgs import CountryIndex, parse_cell, read_usgs
from critmin.errors import InputError
from critmin.schema import TABLES

FIXTURES = Path(__file__).parent / "fixtures"
RAW = Path(os.environ.get("CRITMIN_RAW", Path(__file__).parents[3] / "shared" / "data" / "raw"))


@pytest.fixture(scope="module")
def imported() -> Any:
    return read_usgs(FIXTURES / "mcs2025")


@pytest.fixture(scope="module")
def imported_2024() -> Any:
    return read_usgs(FIXTURES / "mcs2024")


def prod(result: Any, mineral: str, iso3: str, year: int, **match: Any) -> dict[str, Any]:
    rows = [
        r
        for r in result.rows["production"]
        if (r["mineral_id"], r["iso3"], r["year"]) == (mineral, iso3, year)
        and all(r[k] == v for k, v in match.items())
    ]
    assert len(rows) == 1, rows
    return rows[0]


def supply(result: Any, mineral: str, year: int) -> dict[str, Any]:
    (row,) = [
        r for r in result.rows["us_supply"] if (r["mineral_id"], r["year"]) == (mineral, year)
    ]
    return row


# -- world production (MCS 2025) -------------------------------------------------------------


def test_world_2025_headline_values_in_tonnes(imported: Any) -> None:
    # MCS2025_World_Data.csv lines 278, 268, 897, 885, 639
    assert prod(imported, "cobalt", "WLD", 2024)["value"] == 290_000
    drc = prod(imported, "cobalt", "COD", 2024)
    assert drc["value"] == 220_000 and drc["estimated"] is True and drc["headline"] is True
    assert prod(imported, "cobalt", "COD", 2023)["value"] == 175_000
    assert prod(imported, "rare_earths", "WLD", 2024)["value"] == 390_000
    assert prod(imported, "rare_earths", "CHN", 2024)["value"] == 270_000
    assert prod(imported, "lithium", "WLD", 2024)["value"] == 240_000
    # thousand metric tons -> t; commodity "Barite  " with trailing spaces is still mapped
    china = prod(imported, "barite", "CHN", 2024)
    assert china["value"] == 2_100_000 and china["basis"] == "gross"
    assert prod(imported, "potash", "CAN", 2024)["value"] == 15_000_000


def test_world_and_other_countries_rows_are_kept(imported: Any) -> None:
    assert prod(imported, "cobalt", "XOT", 2024)["value"] == 6_200
    assert prod(imported, "cobalt", "WLD", 2023)["value"] == 238_000


def test_footnotes_stay_flags_never_numbers(imported: Any) -> None:
    us_li = prod(imported, "lithium", "USA", 2023)
    assert us_li["value"] is None and us_li["flag"] == "W" and "W for 23-24" in us_li["note"]
    us_ba = prod(imported, "barite", "USA", 2024)
    assert us_ba["value"] is None and us_ba["flag"] == "W"
    us_fl = prod(imported, "fluorspar", "USA", 2024)  # PROD_NOTES "NA"
    assert us_fl["value"] is None and us_fl["flag"] == "NA"
    other = prod(imported, "lithium", "XOT", 2024)  # blank cell, no footnote
    assert other["value"] is None and other["flag"] == "NA" and "blank" in other["note"]


def test_namibia_stays_nam_and_estimates_follow_notes(imported: Any) -> None:
    nam = prod(imported, "lithium", "NAM", 2023)  # note "estimated 2023"
    assert nam["value"] == 2_700 and nam["estimated"] is True
    assert prod(imported, "lithium", "ARG", 2023)["estimated"] is False
    assert prod(imported, "lithium", "ARG", 2024)["estimated"] is True  # PROD_EST_ 2024
    assert prod(imported, "barite", "CHN", 2023)["estimated"] is True  # TYPE "..., estimated"


def test_reserves_bounds_and_qualitative(imported: Any) -> None:
    res = {(r["mineral_id"], r["product"], r["iso3"]): r for r in imported.rows["reserves"]}
    world_sb = res[("antimony", "antimony content", "WLD")]  # ">2000000"
    assert world_sb["value"] == 2_000_000 and world_sb["flag"] == ">"
    israel = res[("potash", "K2O equivalent", "ISR")]  # RESERVE_NOTES "Large"
    assert israel["value"] is None and israel["flag"] == "qualitative"
    assert israel["note"] == "Large"
    assert res[("lithium", "lithium content", "XOT")]["value"] == 2_800_000
    assert res[("cobalt", "cobalt content", "COD")]["value"] == 6_000_000
    assert all(r["year"] == 2024 and r["unit"] == "t" for r in imported.rows["reserves"])


def test_non_critical_and_capacity_rows_are_skipped_with_a_reason(imported: Any) -> None:
    reasons = {(Path(f).name, line): why for f, line, why in imported.skipped}
    assert "not a critical mineral" in reasons[("MCS2025_World_Data.csv", 2)]  # Abrasives
    assert "Cement" in reasons[("MCS2025_World_Data.csv", 17)]
    assert not any(r["mineral_id"] == "cement" for r in imported.rows["production"])


# -- MCS 2024 per-commodity files --------------------------------------------------------------


def test_footnote_digits_and_estimate_markers_on_countries(imported_2024: Any) -> None:
    # mcs2024-lithi_world.csv: "Other countries6"; mcs2024-galli_world.csv: "Japane",
    # "Korea, Republic ofe", "Other countries4" (kilograms -> t)
    assert prod(imported_2024, "lithium", "XOT", 2022)["value"] == 0
    assert prod(imported_2024, "lithium", "WLD", 2023)["value"] == 180_000
    japan = prod(imported_2024, "gallium", "JPN", 2022)
    assert japan["value"] == pytest.approx(3.0) and japan["estimated"] is True
    assert prod(imported_2024, "gallium", "KOR", 2023)["value"] == pytest.approx(2.0)
    assert prod(imported_2024, "gallium", "CHN", 2022)["value"] == pytest.approx(600.0)
    assert prod(imported_2024, "gallium", "XOT", 2023)["source_id"] == "usgs-mcs2024-world"
    us = prod(imported_2024, "lithium", "USA", 2022)
    assert us["flag"] == "W" and us["value"] is None
    reserves = [r for r in imported_2024.rows["reserves"] if r["iso3"] == "XOT"]
    assert reserves[0]["value"] == 2_800_000 and reserves[0]["year"] == 2023


def test_country_index_spellings() -> None:
    idx = CountryIndex.load()
    assert idx.resolve("Other countries6").iso3 == "XOT"  # type: ignore[union-attr]
    assert idx.resolve("World total (rounded) 10").iso3 == "WLD"  # type: ignore[union-attr]
    assert idx.resolve("Namibia").iso3 == "NAM"  # type: ignore[union-attr]
    assert idx.resolve("Congo (Kinshasa)").iso3 == "COD"  # type: ignore[union-attr]
    assert idx.resolve("Burma").iso3 == "MMR"  # type: ignore[union-attr]
    russia = idx.resolve("Russiae")
    assert russia is not None and russia.iso3 == "RUS" and russia.estimated
    spain = idx.resolve("Spain (includes pegmatites)")
    assert spain is not None and spain.iso3 == "ESP" and spain.qualifier == "includes pegmatites"
    assert idx.resolve("Chile, ulexite").iso3 == "CHL"  # type: ignore[union-attr]
    assert idx.resolve("Canada ").iso3 == "CAN"  # type: ignore[union-attr]
    assert idx.resolve("Atlantis") is None


@pytest.mark.parametrize(
    ("raw", "value", "flag"),
    [
        ("1,234", 1234.0, None),
        ("W", None, "W"),
        (" NA", None, "NA"),
        (">17,000,000", 17_000_000.0, ">"),
        ("<100", 100.0, "<"),
        ("e20,000", 20_000.0, None),
        ("Included with ilmenite", None, "incl"),
        ("Large", None, "qualitative"),
    ],
)
def test_parse_cell(raw: str, value: float | None, flag: str | None) -> None:
    cell = parse_cell(raw, "f.csv", 2, "PROD_2023")
    assert (cell.value, cell.flag) == (value, flag)


# -- malformed input -----------------------------------------------------------------------


def test_malformed_value_names_file_line_column() -> None:
    bad = FIXTURES / "malformed" / "MCS2025_World_Data.csv"
    with pytest.raises(InputError) as err:
        read_usgs(bad)
    exc = err.value
    assert (exc.file, exc.line, exc.column, exc.value) == (str(bad), 3, "PROD_2023", "12x")
    assert "line 3" in str(exc) and "'PROD_2023'" in str(exc) and "12x" in str(exc)


def test_unknown_country_names_column_country(tmp_path: Path) -> None:
    src = FIXTURES / "mcs2025" / "MCS2025_World_Data.csv"
    text = src.read_text(encoding="utf-8-sig")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if ",Namibia," in t)
    bad = tmp_path / "MCS2025_World_Data.csv"
    bad.write_text(text.replace(",Namibia,", ",Atlantis,"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_usgs(bad)
    assert (err.value.line, err.value.column, err.value.value) == (line, "COUNTRY", "Atlantis")


def test_aggregate_of_two_countries_is_skipped(tmp_path: Path) -> None:
    src = FIXTURES / "mcs2025" / "MCS2025_World_Data.csv"
    text = src.read_text(encoding="utf-8-sig").replace(",Cuba,", ",United States and Canada,")
    path = tmp_path / "MCS2025_World_Data.csv"
    path.write_text(text, encoding="utf-8")
    result = read_usgs(path)
    assert any("aggregate" in why for _f, _l, why in result.skipped)
    assert not [
        r for r in result.rows["production"] if r["mineral_id"] == "cobalt" and r["iso3"] == "CUB"
    ]


# -- salient statistics, Fig. 2 and prices -------------------------------------------------------


def test_us_supply_from_salient_and_fig2(imported: Any) -> None:
    co = supply(imported, "cobalt", 2024)  # mcs2025-cobal_salient.csv, Fig. 2 line 32
    assert (co["production"], co["imports"], co["exports"]) == (300, 11_000, 4_500)
    assert co["apparent_consumption"] == 8_500 and co["net_import_reliance_pct"] == 76
    assert (co["price"], co["price_unit"]) == (17, "USD/lb")
    assert co["import_sources"] == ["NOR", "FIN", "JPN", "CAN"] and co["estimated"] is True
    assert supply(imported, "cobalt", 2020)["import_sources"] == []
    li = supply(imported, "lithium", 2024)
    assert li["production"] is None and "withheld" in li["note"]
    assert (li["net_import_reliance_pct"], li["nir_flag"]) == (50, ">")
    assert li["import_sources"] == ["CHL", "ARG"]
    cs = supply(imported, "cesium", 2024)  # Fig. 2 only
    assert cs["net_import_reliance_pct"] == 100 and cs["import_sources"] == ["DEU", "CHN"]
    pb = supply(imported, "lead", 2024)  # header shift documented in the column map
    assert (pb["production"], pb["imports"], pb["exports"]) == (300_000, 420_000, 24_000)
    assert pb["price"] == pytest.approx(1.10) and pb["price_unit"] == "USD/lb"
    ree = supply(imported, "rare_earths", 2024)
    assert ree["production"] == 45_000 and ree["nir_flag"] is None
    assert supply(imported, "rare_earths", 2020)["net_import_reliance_pct"] == 100
    assert any("ASBESTOS" in why for _f, _l, why in imported.skipped)


def test_prices_per_column_in_usd(imported: Any, imported_2024: Any) -> None:
    def price(result: Any, mineral: str, period: str) -> list[tuple[Any, ...]]:
        return [
            (p["price"], p["unit"], p["currency"])
            for p in result.rows["prices"]
            if (p["mineral_id"], p["period"]) == (mineral, period)
        ]

    assert price(imported, "neodymium", "2024") == [(56, "kg", "USD")]
    assert price(imported, "terbium", "2022") == [(2051, "kg", "USD")]
    assert price(imported, "lead", "2020") == [(pytest.approx(0.913), "lb", "USD")]
    assert sorted(price(imported, "cobalt", "2024")) == [(12, "lb", "USD"), (17, "lb", "USD")]
    assert price(imported_2024, "neodymium", "2019") == [(45, "kg", "USD")]


def test_rows_are_exactly_the_schema_columns(imported: Any) -> None:
    for table, rows in imported.rows.items():
        # Fig. 3, Tables 6 and 7 come only from the MCS 2026 release (test_mcs2026.py,
        # test_trends.py)
        assert rows or table in {"import_shares", "applications", "leading_producers"}, table
        for row in rows:
            assert list(row) == TABLES[table].columns
            TABLES[table].model.model_validate(row)


# -- build -------------------------------------------------------------------------------------


def test_build_is_deterministic_and_sourced(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "mcs2025", raw / "mcs2025")
    shutil.copytree(FIXTURES / "mcs2024", raw / "mcs2024")
    first = build_mod.build(raw, tmp_path / "a")
    build_mod.build(raw, tmp_path / "b")
    assert first["production/usgs_mcs2025.csv"] > 0
    assert first["sources/usgs.csv"] == len(build_mod.SOURCES)
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    sources = (tmp_path / "a" / "sources" / "usgs.csv").read_text()
    assert "https://doi.org/10.5066/P13XCP3R" in sources and "public domain (USGS)" in sources
    prices = (tmp_path / "a" / "prices" / "usgs_mcs2025.csv").read_text()
    assert 'neodymium,"neodymium oxide, 99.5% min",2019,45,USD,kg' in prices


def test_build_malformed_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(build_mod, "reference_dir", lambda: out)
    assert build_mod.main([str(FIXTURES / "malformed")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "line 3" in err and "PROD_2023" in err
    assert not out.exists()


# -- the full raw release, where present ---------------------------------------------------------


@pytest.mark.skipif(not (RAW / "usgs_mcs2025_world").is_dir(), reason="raw USGS files absent")
def test_full_raw_release() -> None:
    result = read_usgs(RAW)
    e25 = {"edition": "usgs-mcs-2025"}
    assert prod(result, "cobalt", "WLD", 2024, **e25)["value"] == 290_000
    assert prod(result, "rare_earths", "CHN", 2024, **e25)["value"] == 270_000
    assert prod(result, "lithium", "WLD", 2024, **e25)["value"] == 240_000
    ti = prod(result, "titanium", "CHN", 2024, product="ilmenite, TiO2 content", **e25)
    assert ti["value"] == 3_300_000  # UNIT_MEAS says metric tons; values are kt TiO2
    assert prod(result, "platinum", "ZAF", 2024, **e25)["value"] == pytest.approx(120.0)  # kg
    ge = prod(result, "germanium", "CHN", 2024)
    assert ge["value"] is None and ge["flag"] == "NA"
    assert (
        prod(result, "copper", "CHL", 2022, source_id="usgs-mcs2024-world", stage="mine")["value"]
        == 5_330_000
    )
    reasons = " ".join(why for _f, _l, why in result.skipped)
    assert "helium" in reasons and "capacity only" in reasons
