"""The reference and page capabilities (critmin.capabilities.reference, .profiles) answer as
the engines they replaced in the front ends, the CLI's ``--json`` and the HTTP API do, and a
bad value names its keyword argument.

Values checked against the bundled data: DR Congo's label and ISO2 (ISO 3166-1: COD, CD),
the USGS MCS 2025 data release's DOI, cobalt's symbol (Co).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from critmin.capabilities import profiles, reference
from critmin.capabilities import supply as cap
from critmin.errors import InputError, NotFoundError
from critmin.jsonform import jsonable

API = "/api/v1"


@pytest.fixture
def client(store: Path) -> TestClient:
    from critmin.api.app import create_app

    return TestClient(create_app())


def test_minerals_and_sources_equal_the_engine_and_the_cli(store: Path, cli: Any) -> None:
    from critmin.queries import mineral_list, sources

    minerals = reference.minerals()
    assert minerals.to_dict() == jsonable(mineral_list())
    assert minerals.to_dict() == cli("minerals", "--json").json()
    cobalt = next(r for r in minerals.rows() if r["mineral_id"] == "cobalt")
    assert cobalt["symbol"] == "Co" and cobalt["usgs_2025"] is True
    # read without polars, the same rows as the polars read the API used before
    assert reference.sources().to_dict() == jsonable(sources().to_dicts())
    assert reference.sources().to_dict() == cli("sources", "--json").json()
    assert reference.minerals().to_polars().height == len(minerals.rows())


def test_one_source_in_full(store: Path, cli: Any) -> None:
    from critmin.queries import source

    res = reference.source(source_id="usgs-mcs2025-data-release")
    assert res["url"] == "https://doi.org/10.5066/P13XCP3R"
    assert res.to_dict() == jsonable(source("usgs-mcs2025-data-release"))
    assert res.to_dict() == cli("sources", "usgs-mcs2025-data-release", "--json").json()
    with pytest.raises(NotFoundError, match="no source 'nope'"):
        reference.source(source_id="nope")
    with pytest.raises(InputError) as err:
        reference.source(source_id=7)  # type: ignore[arg-type]
    assert err.value.field == "source_id"


def test_countries_and_agencies_carry_the_printed_name(store: Path) -> None:
    from critmin.names import agency
    from critmin.store import read_table

    countries = {r["iso3"]: r for r in reference.countries().rows()}
    assert countries["COD"]["label"] == "DR Congo" and countries["COD"]["iso2"] == "CD"
    assert len(countries) == read_table("countries").height
    rows = reference.agencies().rows()
    assert len(rows) == read_table("agencies").height
    assert all(r["label"] == agency(r["agency_id"]) for r in rows)


def test_coverage_equals_the_engine_and_the_api(store: Path, client: TestClient) -> None:
    from critmin.capabilities.data import data_coverage
    from critmin.queries import coverage

    res = data_coverage()
    assert res.to_dict() == jsonable(coverage())
    assert res.to_dict() == client.get(f"{API}/coverage").json()
    cobalt = next(r for r in res.rows() if r["mineral"] == "cobalt")
    assert 2024 in cobalt["mine_years"] and cobalt["missing"] == []


def test_mineral_id_is_a_404_for_the_api(store: Path, client: TestClient) -> None:
    assert reference.mineral_id(mineral="Co") == "cobalt"
    with pytest.raises(NotFoundError, match="did you mean cobalt"):
        reference.mineral_id(mineral="cobalts")
    for path in ("concentration", "production", "prices", "reserves", "imports", "us-supply"):
        r = client.get(f"{API}/{path}/cobalts")
        assert r.status_code == 404 and "did you mean cobalt" in r.json()["detail"], path
    # a misspelt query value is bad input: a 422 naming it
    r = client.get(f"{API}/control/cobalt", params={"host": "XXX"})
    assert r.status_code == 422 and r.json()["field"] == "host"


def test_country_profile_equals_the_engine_cli_and_api(
    store: Path, cli: Any, client: TestClient
) -> None:
    from critmin.profiles import CountryProfile, country_profile

    assert profiles.COUNTRY_BLOCKS == CountryProfile.BLOCKS
    res = profiles.country_profile(country="CD", on="2025-01-01")
    assert res.to_dict() == jsonable(country_profile("COD", "2025-01-01").to_dict())
    assert res.request == {"country": "COD", "on": "2025-01-01"}
    assert res.to_dict() == cli("country", "COD", "--as-of", "2025-01-01", "--json").json()
    assert res.to_dict() == client.get(f"{API}/countries/cd", params={"as_of": "2025-01-01"}).json()
    block = res.block("production")
    assert block == res["production"] and {"title", "rows", "sources"} <= set(block)
    with pytest.raises(InputError) as err:
        res.block("prices")  # a sheet's block, not a profile's
    assert err.value.field == "block"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"country": "Atlantis"}, "country"), ({"country": "COD", "on": "2025-02-30"}, "on")],
)
def test_country_profile_bad_value_names_the_keyword(
    store: Path, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as err:
        profiles.country_profile(**kwargs)
    assert err.value.field == field


def test_mineral_sheet_equals_the_engine_and_the_cli(store: Path, cli: Any) -> None:
    from critmin.profiles import MineralSheet, mineral_sheet

    assert profiles.SHEET_BLOCKS == MineralSheet.BLOCKS
    res = profiles.mineral_sheet(mineral="Co")
    assert res.to_dict() == jsonable(mineral_sheet("cobalt").to_dict())
    assert res.to_dict() == cli("mineral", "cobalt", "--json").json()
    assert res["symbol"] == "Co"
    with pytest.raises(InputError) as err:
        profiles.mineral_sheet(mineral="cobolt")
    assert err.value.field == "mineral" and "cobalt" in str(err.value)


def test_dated_controls_are_the_engine_rows(store: Path) -> None:
    """The brief's timeline and the chart endpoint read dates: dated_rows() gives back the
    engine's rows exactly, dates as datetime.date."""
    from critmin.supply import controls

    assert cap.controls().dated_rows() == controls()
    assert cap.controls(country="CN", on="2024-06-01").dated_rows() == controls("CHN", "2024-06-01")


def test_summary_keys_are_the_ledgers() -> None:
    from critmin.capabilities.ledger import SUMMARY_KEYS as keys
    from critmin.ledger import SUMMARY_KEYS

    assert keys == SUMMARY_KEYS and "agency" in keys
