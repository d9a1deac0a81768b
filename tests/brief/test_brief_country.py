"""The brief's optional country sections (`critmin brief --country ID`): the profile's rows,
named, in %, each with its source, and the same numbers as `critmin country ID --json`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from critmin.brief.builder import BriefResult, build_brief
from critmin.brief.config import BriefConfig
from critmin.brief.profile_sections import country_section


@pytest.fixture(scope="module")
def brief(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BriefResult]:
    with pytest.MonkeyPatch.context() as mp:
        store = tmp_path_factory.mktemp("brief-country") / "critmin.duckdb"
        shutil.copy(built_store, store)
        mp.setenv("CRITMIN_DB", str(store))
        # a name, an ISO2 code and the same country again: two sections, in the order asked
        yield build_brief(
            store.parent / "brief.html", BriefConfig(seed=7, countries=["drc", "ID", "COD"])
        )


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_sections_follow_the_six_fixed_ones(brief: BriefResult) -> None:
    html = brief.out.read_text(encoding="utf-8")
    assert html.count('id="country-cod"') == 1 and html.count('id="country-idn"') == 1
    assert html.index('id="country-cod"') < html.index('id="country-idn"')
    assert "7. Country profile: DR Congo" in html and "8. Country profile: Indonesia" in html


def test_country_section_shows_the_profiles_numbers(
    brief: BriefResult, cli: Any, store: Path
) -> None:
    profile = cli("country", "COD", "--json").json()
    cobalt = next(
        r
        for r in profile["production"]["rows"]
        if r["mineral"] == "cobalt" and r["stage"] == "mine"
    )
    text = _section(brief.out.read_text(encoding="utf-8"), "country-cod")
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    # the production row: named, tonnes, share in % to one decimal, rank
    row = f"Cobalt mine {cobalt['year']} {cobalt['value_t']:,.0f} t {cobalt['share_pct']:.1f} % 1"
    assert row in plain
    # the finding rounds the same share to a whole percent and cites the row's source
    assert f"Cobalt (mine, {cobalt['year']}: {cobalt['share_pct']:.0f} %)" in plain
    counted = sum(
        r["amount_usd"] or 0 for r in profile["commitments_received"]["rows"] if r["counted"]
    )
    assert counted > 0 and f"${counted / 1e9:,.2f} billion" in plain
    # no bare ISO code of a country in what a reader sees (codes stay in links and titles)
    assert not re.search(r"\b(COD|CHN|USA|XOT)\b", plain)


def test_every_table_row_cites_a_source_on_the_page(brief: BriefResult) -> None:
    html = brief.out.read_text(encoding="utf-8")
    text = _section(html, "country-cod")
    rows = re.findall(r"<tr>(.*?)</tr>", text, flags=re.S)
    body = [r for r in rows if "<td" in r]
    assert len(body) >= 10
    for row in body:
        targets = re.findall(r'href="#(src-[^"]+)"', row)
        assert targets, row[:200]
        assert all(f'id="{t}"' in html for t in targets)


def test_section_maker_is_pure_over_the_profile(store: Path) -> None:
    import critmin as cm

    sec = country_section("IDN", 9)(BriefConfig())
    profile = cm.country_profile(country="IDN")
    assert sec.id == "country-idn" and sec.title == "9. Country profile: Indonesia"
    assert [len(t.rows) for t in sec.tables] == [
        len(profile.block(k)["rows"]) for k in profile.BLOCKS
    ]
    shares = {(r["mineral"], r["stage"]): r["share"] for r in sec.tables[0].rows}
    for r in profile.block("production")["rows"]:
        assert shares[(r["mineral"], r["stage"])] == pytest.approx(r["share_pct"] / 100)


@pytest.mark.parametrize("value", ["Atlantis", "XX"])
def test_unknown_country_exits_2_naming_the_option(cli: Any, tmp_path: Path, value: str) -> None:
    out = tmp_path / "b.html"
    r = cli("brief", "--out", str(out), "--country", value)
    assert r.code == 2
    assert "countries.0" in r.err and value in r.err
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert not out.exists()
