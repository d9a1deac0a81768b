"""The brief a policy analyst can cite (issue 24, items 1-2): every chart with axis titles
and units, names instead of codes, shares in %, every sentence, chart and table row linked to
its source entry, and the defects the issue lists (empty histogram, unsorted HHI bars, zero
bars for unstated amounts, the p95 label, the pipeline scope, the one-leader table, the
pre-2023 controls missing from the timeline) fixed. The dashboard draws the same figures
(critmin.api.routes.charts), so the chart checks hold for it too."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from browserkit import launch, needs_chromium
from critmin.brief.builder import BriefResult, build_brief
from critmin.brief.config import BriefConfig

ARTIFACTS = Path(os.environ.get("CRITMIN_ARTIFACTS", "artifacts"))
SEED = 11


@pytest.fixture(scope="module")
def brief(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> BriefResult:
    mp = pytest.MonkeyPatch()
    store = tmp_path_factory.mktemp("citable") / "critmin.duckdb"
    shutil.copy(built_store, store)
    mp.setenv("CRITMIN_DB", str(store))
    cfg = BriefConfig(
        seed=SEED, floor_paths=2_000, scenario_draws=500, stockpile_draws=500, pipeline_draws=500
    )
    res = build_brief(store.parent / "brief.html", cfg)
    yield res
    mp.undo()


@pytest.fixture(scope="module")
def html(brief: BriefResult) -> str:
    return brief.out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def figures(html: str) -> dict[str, Any]:
    m = re.search(r"var figures = (\{.*?\});\n", html, re.S)
    assert m, "figures JSON not found"
    figs: dict[str, Any] = json.loads(m.group(1))
    return figs


def _by_title(figures: dict[str, Any], start: str) -> dict[str, Any]:
    hits = [f for f in figures.values() if f["layout"]["title"]["text"].startswith(start)]
    assert len(hits) == 1, [f["layout"]["title"]["text"] for f in figures.values()]
    return hits[0]


class _Text(HTMLParser):
    """Visible text of the page by region: prose (findings, notes), tables (cells), and the
    hrefs of links and ids of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.prose: list[str] = []
        self.cells: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag in ("script", "style"):
            self.skip += 1
        if tag not in ("meta", "br", "link", "input", "img", "hr"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def _inside(self, tag: str, cls: str | None = None, ident: str | None = None) -> bool:
        for t, a in self.stack:
            if t != tag:
                continue
            if cls and cls not in str(a.get("class") or "").split():
                continue
            if ident and a.get("id") != ident:
                continue
            return True
        return False

    def handle_data(self, data: str) -> None:
        if self.skip or not data.strip():
            return
        if self._inside("section", ident="sources") or self._inside("q"):
            return  # source titles and claims are quoted as published
        if self._inside("td", "verbatim"):
            return  # a recipient's name as recorded ("Lynas USA LLC")
        if self._inside("td") or self._inside("th") or self._inside("caption"):
            self.cells.append(data)
        elif self._inside("div", "finding") or self._inside("p", "note"):
            self.prose.append(data)


@pytest.fixture(scope="module")
def text(html: str) -> _Text:
    t = _Text()
    t.feed(html)
    return t


# -- charts --------------------------------------------------------------------------------


def test_every_cartesian_chart_has_axis_titles_as_objects(figures: dict[str, Any]) -> None:
    assert len(figures) >= 12
    for fid, fig in figures.items():
        if all(tr["type"] == "choropleth" for tr in fig["data"]):
            continue  # a map has no axes; its colour bar carries the unit
        lay = fig["layout"]
        for ax in ("xaxis", "yaxis"):
            title = lay[ax]["title"]
            assert isinstance(title, dict), (fid, ax, title)  # a plain string is ignored
            assert title["text"].strip(), (fid, ax)


def test_every_chart_draws_something(figures: dict[str, Any]) -> None:
    for fid, fig in figures.items():
        marks = sum(len(tr.get("x") or tr.get("z") or tr.get("y") or []) for tr in fig["data"])
        assert marks > 0, fid


def test_cheque_sizes_count_every_commitment_with_an_amount(
    figures: dict[str, Any], brief: BriefResult
) -> None:
    fig = _by_title(figures, "Cheque sizes")
    counts = fig["data"][0]["y"]
    assert sum(counts) == brief.facts["cheque_count"] > 0
    assert fig["layout"]["xaxis"]["type"] == "category"  # no log axis left empty


def test_hhi_bars_are_sorted_and_missing_minerals_say_no_data(figures: dict[str, Any]) -> None:
    fig = _by_title(figures, "Concentration by mineral")
    order = fig["layout"]["yaxis"]["categoryarray"]  # bottom to top
    best: dict[str, float] = {}
    for tr in fig["data"]:
        for y, x in zip(tr["y"], tr["x"], strict=True):
            best[y] = max(best.get(y, -1.0), x)
    values = [best.get(m, -1.0) for m in order]
    assert values == sorted(values)  # highest on top (graphite above bismuth)
    assert order.index("Graphite") > order.index("Bismuth")
    nodata = {a["y"] for a in fig["layout"]["annotations"] if a["text"] == "no data"}
    assert "Germanium" in nodata and "Germanium" not in best
    # the legend sits above the plot area, not over the bars
    assert fig["layout"]["legend"]["yanchor"] == "bottom" and fig["layout"]["legend"]["y"] >= 1


def test_unstated_amounts_are_named_not_drawn_as_zero(figures: dict[str, Any]) -> None:
    fig = _by_title(figures, "Commitments by lever")
    bars = fig["data"][0]
    assert all(x > 0 for x in bars["x"])
    note = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "price floor" in note and "offtake" in note
    assert "price floor" not in bars["y"] and "offtake" not in bars["y"]


def test_timeline_draws_every_dated_control_incl_before_2023(
    figures: dict[str, Any], cli: Any, brief: BriefResult
) -> None:
    fig = _by_title(figures, "Export controls")
    drawn = [c.split(" (")[0] for tr in fig["data"] for c in tr["customdata"]]
    for cid in ("idn-2020-nickel-ore-ban", "chn-2021-ferrochrome-export-tariff"):
        assert cid in drawn, cid
    rows = cli("controls", "--json").json()
    dated = {r["control_id"] for r in rows if r["effective"] or r["announced"]}
    assert set(drawn) == dated
    labels = [y for tr in fig["data"] for y in tr["y"]]
    assert len(labels) == len(set(labels))  # no two controls stacked on one row
    colours = [tr["marker"]["color"] for tr in fig["data"]]
    assert len(colours) == len(set(colours))
    assert not any(re.search(r"\b[A-Z]{3}\b:", y) for y in labels)  # names, not codes


def test_map_shows_every_continent(figures: dict[str, Any]) -> None:
    maps = [f for f in figures.values() if f["data"][0]["type"] == "choropleth"]
    assert maps
    for fig in maps:
        geo = fig["layout"]["geo"]
        assert geo["lonaxis"]["range"] == [-180, 180]
        assert geo["projection"]["rotation"]["lon"] == 0  # Atlantic-centred
        assert "XOT" not in fig["data"][0]["locations"]


# -- numbers ---------------------------------------------------------------------------------


def test_one_leader_table_lists_only_equal_leaders(brief: BriefResult, cli: Any) -> None:
    listed = brief.facts["one_leader_both_stages"]
    dom = cli("dominance", "--json").json()
    expected = [
        (r["mineral"], r["mine_leader"])
        for r in dom
        if r["mine_leader"] and r["mine_leader"] == r["refine_leader"]
    ]
    assert [tuple(x) for x in listed] == expected
    assert {m for m, _ in listed} >= {"rare_earths", "graphite"}
    assert not {m for m, _ in listed} & {"bauxite", "cobalt", "copper", "lithium"}


def test_pipeline_money_states_both_scopes_like_the_cli(
    brief: BriefResult, html: str, cli: Any
) -> None:
    from critmin.brief.section import usd

    f = brief.facts
    r = cli("pipeline", "run", "--draws", "500", "--seed", str(SEED), "--json").json()
    t = r["totals"]
    assert f["pipeline_projects_registered"] == t["projects"]
    assert f["pipeline_projects_simulated"] == t["simulated"]
    assert f["pipeline_public_usd_all"] == t["public_usd"]
    assert f["pipeline_public_usd"] == t["public_usd_simulated"]
    assert usd(t["public_usd"]) in html and usd(t["public_usd_simulated"]) in html
    out = cli("pipeline", "run", "--draws", "500", "--seed", str(SEED)).out
    line = " ".join(out.split())
    musd = lambda x: f"{x / 1e6:,.0f} MUSD"  # noqa: E731
    assert f"all {t['projects']} registered projects {musd(t['public_usd'])}" in line
    assert f"the {t['simulated']} simulated (with a planned start)" in line
    assert musd(t["public_usd_simulated"]) in line


def test_scenario_p95_tonnes_are_labelled_p95(brief: BriefResult, html: str, cli: Any) -> None:
    sc = cli(
        "scenario", "run", "chn-2025-ree-april", "--draws", "500", "--seed", str(SEED), "--json"
    ).json()
    ree = next(m for m in sc["minerals"] if m["mineral"] == "rare_earths")
    mean_t, p95_t = ree["shortfall_t"]["mean"], ree["shortfall_t"]["p95"]
    assert p95_t > mean_t
    p95_share = f"{100 * ree['shortfall_share']['p95']:.0f} %"
    assert f"1-in-20 outcome: {p95_share}, {p95_t:,.0f} t" in html
    assert f"(p95 {p95_share}, {mean_t:,.0f} t)" not in html  # the old mislabel


# -- words, not codes ------------------------------------------------------------------------


def test_no_bare_country_code_in_prose_or_tables(text: _Text) -> None:
    from critmin.store import read_table

    codes = set(read_table("countries")["iso3"].to_list())
    # a company's name as the ledger records it ("USA Rare Earth", "Lynas USA LLC") is not a
    # code: longest first, so a name inside another is taken with it
    companies = sorted(
        {str(r) for r in read_table("interventions")["recipient"].to_list() if r}
        | {"USA Rare Earth"},
        key=len,
        reverse=True,
    )

    def without_companies(chunk: str) -> str:
        for name in companies:
            chunk = chunk.replace(name, "")
        return chunk

    seen = [
        (tok, chunk[:80])
        for chunk in text.prose + text.cells
        for tok in re.findall(r"\b[A-Z]{3}\b", without_companies(chunk))
        if tok in codes
    ]
    assert seen == []
    ids = [c for c in text.prose + text.cells if re.search(r"\b[a-z]+_[a-z_]+\b", c)]
    assert ids == []  # no internal id such as rare_earths or aiddata_china_transition_minerals


def test_shares_in_tables_print_in_percent(html: str) -> None:
    m = re.search(r"Minerals where one country leads both.*?</table>", html, re.S)
    assert m
    cells = re.findall(r'<td class="num">([^<]*)</td>', m.group(0))
    assert cells and all(c.endswith("%") for c in cells)


def test_names_for_codes() -> None:
    from critmin import names

    assert names.country("CHE") == "Switzerland"  # not read as Chile
    assert names.country("COD") == "DR Congo"
    assert names.mineral("rare_earths") == "Rare earths"
    assert not names.is_country("XOT") and names.is_country("CHN")


# -- citations -------------------------------------------------------------------------------


def test_every_citation_link_resolves_to_an_entry(text: _Text) -> None:
    local = [h[1:] for h in text.hrefs if h.startswith("#")]
    assert sum(h.startswith("src-") for h in local) > 100
    assert [h for h in local if h not in text.ids] == []


def test_every_finding_paragraph_with_a_number_links_a_source(html: str) -> None:
    for block in re.findall(r'<div class="finding">(.*?)</div>', html, re.S):
        for p in re.findall(r"<p>(.*?)</p>", block, re.S):
            words = re.sub(r"<[^>]+>", "", p)
            if re.search(r"\d", words):
                assert 'href="#' in p, words[:120]


def test_every_row_of_a_sourced_table_links_its_source(html: str) -> None:
    tables = re.findall(r"<table id=\"tab-[^\"]+\">.*?</table>", html, re.S)
    sourced = [t for t in tables if "<th>source</th>" in t]
    assert len(sourced) >= 6
    for t in sourced:
        for row in re.findall(r"<tr>(.*?)</tr>", t.split("<tbody>")[1], re.S):
            assert 'href="#src-' in row, row[:200]


def test_source_urls_are_links(html: str) -> None:
    entries = re.findall(r'<li id="src-[^"]+">(.*?)</li>', html, re.S)
    assert entries
    with_url = [e for e in entries if "http" in e]
    assert with_url and all(re.search(r'<a class="url" href="https?://', e) for e in with_url)


def test_sources_command_prints_one_source_in_full(cli: Any) -> None:
    import critmin as cm

    r = cli("sources", "exim-cirr-2023-03", "--json")
    assert r.code == 0
    row = r.json()
    assert row == json.loads(json.dumps(cm.source("exim-cirr-2023-03"), default=str))
    assert set(row) == {
        "source_id",
        "publisher",
        "title",
        "url",
        "published",
        "accessed",
        "licence",
        "note",
    }
    text = cli("sources", "exim-cirr-2023-03").out
    assert "Export-Import Bank of the United States" in text and row["url"] in text
    bad = cli("sources", "no-such-source")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "no-such-source" in bad.err


# -- in a browser ----------------------------------------------------------------------------


@needs_chromium
def test_brief_in_chromium_at_1400_and_390_px(brief: BriefResult) -> None:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = launch(p)
        for width in (1400, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(brief.out.as_uri())
            page.wait_for_function(
                "[...document.querySelectorAll('.chart')]"
                ".every(d => d.classList.contains('js-plotly-plot'))",
                timeout=60_000,
            )
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            drawn = page.evaluate(
                """[...document.querySelectorAll('.chart')].map(d => ({
                    id: d.id,
                    geo: !!d.querySelector('.geo'),
                    xtitle: (d.querySelector('.g-xtitle') || {}).textContent || '',
                    ytitle: (d.querySelector('.g-ytitle') || {}).textContent || '',
                    marks: d.querySelectorAll(
                        '.point, .choroplethlocation, .js-line, .bars path'
                    ).length}))"""
            )
            page.emulate_media(media="print")
            avoid = page.evaluate(
                "[...document.querySelectorAll('figure.chart-box')]"
                ".map(f => getComputedStyle(f).breakInside)"
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.emulate_media(media="screen")
            page.screenshot(path=str(ARTIFACTS / f"brief-{width}.png"), full_page=True)
            results[width] = (overflow, drawn, avoid)
            page.close()
        browser.close()
    for width, (overflow, drawn, avoid) in results.items():
        assert overflow <= 0, (width, overflow)
        for d in drawn:
            assert d["marks"] > 0, (width, d)
            if not d["geo"]:
                assert d["xtitle"].strip() and d["ytitle"].strip(), (width, d)
        assert avoid and set(avoid) == {"avoid"}, (width, avoid)
