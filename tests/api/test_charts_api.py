"""The dashboard's charts come from the briefing's builders (/api/v1/charts/...): the same
figure, axis titles with units, names in labels; and sources are reachable one by one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.fixture
def client(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from critmin.api import create_app

    monkeypatch.delenv("CRITMIN_API_TOKEN", raising=False)
    with TestClient(create_app()) as c:
        yield c


def _titles(fig: dict[str, Any]) -> tuple[str, str]:
    lay = fig["layout"]
    return lay["xaxis"]["title"]["text"], lay["yaxis"]["title"]["text"]


def test_hhi_chart_is_the_briefs_figure(client: TestClient) -> None:
    from critmin.api.routes import jsonable
    from critmin.brief import charts
    from critmin.supply import concentration_all

    got = client.get(f"{API}/charts/hhi").json()
    want = jsonable(charts.hhi_ranking(concentration_all("mine"), concentration_all("refine")))
    assert got == want
    x, y = _titles(got)
    assert "HHI" in x and y == "mineral"


def test_share_map_uses_names_and_skips_other_countries(client: TestClient) -> None:
    fig = client.get(f"{API}/charts/share-map/cobalt", params={"stage": "mine"}).json()
    trace = fig["data"][0]
    assert trace["type"] == "choropleth"
    assert "XOT" not in trace["locations"] and "COD" in trace["locations"]
    i = trace["locations"].index("COD")
    assert trace["text"][i].startswith("DR Congo (COD)")  # the code only in the tooltip
    assert fig["layout"]["geo"]["lonaxis"]["range"] == [-180, 180]
    assert fig["sources"]


def test_controls_timeline_filters_like_the_register(client: TestClient) -> None:
    rows = client.get(f"{API}/controls", params={"country": "IDN"}).json()
    fig = client.get(f"{API}/charts/controls-timeline", params={"country": "IDN"}).json()
    drawn = {c.split(" (")[0] for tr in fig["data"] for c in tr["customdata"]}
    assert drawn == {r["control_id"] for r in rows if r["effective"] or r["announced"]}
    assert "idn-2020-nickel-ore-ban" in drawn
    assert all(y.startswith("Indonesia: ") for tr in fig["data"] for y in tr["y"])
    x, y = _titles(fig)
    assert x and y


def test_ledger_chart_names_unstated_amounts(client: TestClient) -> None:
    fig = client.get(f"{API}/charts/ledger-summary", params={"by": "instrument"}).json()
    bars = fig["data"][0]
    assert bars["x"] and all(v > 0 for v in bars["x"])
    summary = client.get(f"{API}/ledger/summary", params={"by": "instrument"}).json()
    stated = [r for r in summary["rows"][:15] if r["amount_usd"]]
    assert sorted(bars["x"]) == pytest.approx(sorted(r["amount_usd"] / 1e9 for r in stated))
    note = fig["layout"]["annotations"][0]["text"]
    assert "price floor" in note
    assert _titles(fig) == ("USD billion (nominal)", "instrument")
    by_actor = client.get(f"{API}/charts/ledger-summary", params={"by": "actor"}).json()
    assert "United States" in by_actor["data"][0]["y"]


def test_one_source_in_full_equals_the_cli(client: TestClient, cli: Any) -> None:
    got = client.get(f"{API}/sources/exim-cirr-2023-03").json()
    assert got == cli("sources", "exim-cirr-2023-03", "--json").json()
    assert got["note"].startswith("Primary.")
    missing = client.get(f"{API}/sources/no-such-source")
    assert missing.status_code == 404 and "no-such-source" in missing.json()["detail"]


def test_countries_carry_the_printed_name(client: TestClient) -> None:
    rows = {r["iso3"]: r for r in client.get(f"{API}/countries").json()}
    assert rows["COD"]["label"] == "DR Congo"
    assert rows["CHE"]["label"] == "Switzerland"


def test_agencies_carry_the_printed_name_for_every_ledger_agency(client: TestClient) -> None:
    """The dashboard's ledger table and the brief print an agency's name, never its id."""
    from critmin import names

    rows = {r["agency_id"]: r for r in client.get(f"{API}/agencies").json()}
    # the agencies table's name without its bracketed note
    assert rows["usa-dow"]["name"].startswith("Department of War (")
    assert rows["usa-dow"]["label"] == "Department of War"
    assert rows["usa-dla"]["label"] == "Defense Logistics Agency"
    used = {r["agency"] for r in client.get(f"{API}/ledger?history=true").json()}
    assert used and used <= set(rows)
    assert all(rows[a]["label"] == names.agency(a) != a for a in used)
    fig = client.get(f"{API}/charts/ledger-summary?by=agency").json()
    assert "Department of War" in fig["data"][0]["y"]
    assert not set(fig["data"][0]["y"]) & used  # labels are names, the ids stay in hover


def test_exposure_rows_carry_their_sources(client: TestClient) -> None:
    rows = client.get(f"{API}/exposure").json()
    known = {r["source_id"] for r in client.get(f"{API}/sources").json()}
    scored = [r for r in rows if r["score"] is not None]
    assert scored and all(r["sources"] for r in scored)
    assert all(set(r["sources"]) <= known for r in rows)
