"""The dashboard in a real browser: Debian's chromium driven by Playwright, against
`critmin serve`'s app under uvicorn on a free 127.0.0.1 port.

Each view must load with no console error and no request leaving the server (plotly.js, the
world topojson and Swagger UI are all served locally). Screenshots go to artifacts/
(CRITMIN_ARTIFACTS overrides) for a person to look at.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from browserkit import launch, needs_chromium, serve_app
from layoutkit import check_root

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ARTIFACTS = Path(os.environ.get("CRITMIN_ARTIFACTS", "artifacts"))
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving create_app() in a thread, on its own copy of the store."""
    with serve_app(built_store, tmp_path_factory.mktemp("dashboard")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """One chromium context for the module: plotly.js is fetched once, then cached."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        context = b.new_context(viewport={"width": 1400, "height": 1000})
        yield context
        context.close()
        b.close()


@dataclass
class Visit:
    page: Page
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    used: bool = False

    def check(self, name: str) -> None:
        """Screenshot, then: no console error, no request off this server."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
        outside = [u for u in self.requests if not u.startswith((self.base + "/", "data:"))]
        assert outside == [], outside
        assert self.errors == [], self.errors


def _open(context: BrowserContext, url: str, base: str) -> Visit:
    page = context.new_page()
    v = Visit(page, base)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("pageerror", lambda e: v.errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(20_000)
    page.goto(url)
    return v


@pytest.fixture(scope="module")
def dashboard(server: str, browser: BrowserContext) -> Iterator[Visit]:
    """The dashboard, loaded once (plotly.js takes a second or two to parse); each view
    test moves to its view through the navigation, as a user does."""
    v = _open(browser, server + "/", server)
    yield v
    v.page.close()


@pytest.fixture
def visit(server: str, browser: BrowserContext, dashboard: Visit) -> Iterator[Any]:
    pages: list[Page] = []

    def open_(path: str) -> Visit:
        if path.startswith("/#"):  # a dashboard view: follow its link in the navigation
            if dashboard.used:
                dashboard.requests.clear()
                dashboard.errors.clear()
                dashboard.page.click(f"nav a[href='{path[1:]}']")
            dashboard.used = True
            view = path[2:]
            wait_js(dashboard.page, f"!document.getElementById('view-{view}').hidden")
            return dashboard
        v = _open(browser, server + path, server)
        pages.append(v.page)
        return v

    yield open_
    for p in pages:
        p.close()


def wait_js(page: Page, expression: str, timeout_s: float = 20.0) -> None:
    """Poll a JavaScript expression until it is truthy.

    Playwright's wait_for_function evaluates its predicate with eval inside the page, which
    the dashboard's Content-Security-Policy forbids (as it should); page.evaluate goes
    through the DevTools protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        page.wait_for_timeout(50)


def _plot_ready(page: Page, selector: str) -> None:
    wait_js(
        page,
        f"(() => {{ const d = document.querySelector({selector!r});"
        " return d && d.classList.contains('js-plotly-plot') && (d.data || []).length > 0; })()",
    )


def test_concentration_map_draws_and_follows_the_picker(visit: Any) -> None:
    v = visit("/#concentration")
    page = v.page
    _plot_ready(page, "#conc-map")
    page.wait_for_selector("#conc-table tbody tr")
    page.wait_for_selector("#conc-all tbody tr")
    # the map drew the country mesh from the local topojson, and shaded producers
    wait_js(page, "document.querySelectorAll('#conc-map .choroplethlocation').length > 5")
    outline = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#conc-map .geo .layer path')]"
        ".map(p => (p.getAttribute('d') || '').length))"
    )
    assert outline > 10_000
    before = page.evaluate("document.getElementById('conc-map').data[0].locations")
    title = page.evaluate("document.getElementById('conc-map').layout.title.text")
    assert "Rare earths" in title and "CHN" in before
    v.check("concentration")

    page.select_option("#conc-mineral", "cobalt")
    wait_js(page, "document.getElementById('conc-map').layout.title.text.startsWith('Cobalt')")
    after = page.evaluate("document.getElementById('conc-map').data[0].locations")
    assert after != before and after[0] == "COD"
    assert "Congo" in page.inner_text("#conc-table tbody tr:first-child")
    # a year from the picker, then the refine stage
    page.select_option("#conc-year", "2022")
    wait_js(page, "document.getElementById('conc-map').layout.title.text.endsWith('2022')")
    page.select_option("#conc-stage", "refine")
    wait_js(page, "document.getElementById('conc-map').layout.title.text.includes('refined')")
    wait_js(page, "document.getElementById('conc-all').dataset.stage === 'refine'")
    assert "refined" in page.inner_text("#conc-all-title")
    v.check("concentration-cobalt-refine")


def test_export_control_timeline(visit: Any) -> None:
    v = visit("/#controls")
    page = v.page
    _plot_ready(page, "#ctl-timeline")
    page.wait_for_selector("#ctl-table tbody tr")
    total = page.locator("#ctl-table tbody tr").count()
    v.check("controls")
    page.select_option("#ctl-country", "CHN")
    wait_js(page, f"document.querySelectorAll('#ctl-table tbody tr').length < {total}")
    countries = page.eval_on_selector_all(
        "#ctl-table tbody tr td:nth-child(2)", "cells => cells.map(c => c.textContent)"
    )
    assert countries and set(countries) == {"China"}
    # a day after the 2025 suspensions ended: the same statuses, in the same words, as the API
    page.fill("#ctl-date", "2026-12-03")
    page.dispatch_event("#ctl-date", "change")
    wait_js(page, "document.getElementById('ctl-summary').textContent.includes('2026-12-03')")
    shown = page.eval_on_selector_all(
        "#ctl-table tbody tr",
        "rows => rows.map(r => [r.querySelector('.strong').title,"
        " r.querySelector('.status-text').textContent])",
    )
    import json
    import urllib.request

    url = v.base + "/api/v1/controls?country=CHN&on=2026-12-03"
    with urllib.request.urlopen(url) as resp:  # the same server the page asks
        api = json.load(resp)
    assert shown == [[r["control_id"], r["status_text"]] for r in api]
    assert any(text.startswith("unconfirmed since 2026-11-10") for _, text in shown)
    assert v.errors == []


def test_ledger_explorer_filters(visit: Any) -> None:
    v = visit("/#ledger")
    page = v.page
    page.wait_for_selector("#led-table tbody tr")
    _plot_ready(page, "#led-chart")
    page.wait_for_selector("#led-reconcile tbody tr")
    v.check("ledger")
    page.select_option("#led-form select[name=instrument]", "loan")
    wait_js(
        page,
        "[...document.querySelectorAll('#led-table tbody tr td:nth-child(5)')]"
        ".every(c => c.textContent === 'loan')",
    )
    assert page.locator("#led-table tbody tr").count() > 0
    page.locator("#led-table tbody tr").first.click()
    page.wait_for_selector("#led-history li")
    assert v.errors == []


def test_floor_calculator_returns_a_result(visit: Any) -> None:
    v = visit("/#floor")
    page = v.page
    page.wait_for_selector("#floor-cards .card-value")
    _plot_ready(page, "#floor-yearly")
    _plot_ready(page, "#floor-hist")
    first = page.inner_text("#floor-cards .card-value")
    assert first.startswith("$")
    v.check("floor")
    # a lower floor must cost less: move the slider as a user would (keyboard)
    slider = page.locator("#floor-floor")
    slider.focus()
    for _ in range(30):
        page.keyboard.press("ArrowLeft")
    wait_js(page, f"document.querySelector('#floor-cards .card-value').textContent !== {first!r}")
    assert page.inner_text("#floor-floor-out").startswith("80")
    page.select_option("#floor-kind", "gbm")
    wait_js(page, "document.querySelector('#floor-mu').offsetParent !== null")
    wait_js(page, "document.getElementById('floor-status').textContent.includes('paths')")
    # an input the API refuses: its one-line reason is shown, naming the field
    page.fill("#floor-seed", "-1")
    page.dispatch_event("#floor-seed", "change")
    page.wait_for_selector("#floor-error:not([hidden])")
    assert "seed" in page.inner_text("#floor-error")
    # a valid seed again: the error goes, the result is back
    page.fill("#floor-seed", "1")
    page.dispatch_event("#floor-seed", "change")
    page.wait_for_selector("#floor-error", state="hidden")
    wait_js(page, "document.getElementById('floor-status').textContent.includes('seed 1')")
    # the refused request is logged by the browser as a failed load, and nothing else is
    assert v.errors and all("422" in e for e in v.errors), v.errors


def test_scenario_and_stockpile_runner(visit: Any) -> None:
    v = visit("/#scenarios")
    page = v.page
    page.wait_for_selector("#sc-table tbody tr")
    _plot_ready(page, "#sc-chart")
    # the market model's forecast sits next to its backtest (bundled summary, 20 cases)
    page.wait_for_selector("#sc-bt tbody tr")
    from critmin.sim.backtest import load_summary

    summ = load_summary()
    assert page.eval_on_selector_all("#sc-bt tbody tr", "rs => rs.length") == len(summ["cases"])
    loo_row = page.inner_text("#sc-bt-scores tbody tr:nth-child(2)")
    assert f"{summ['leave_one_episode_out']['male']:.2f}" in loo_row
    assert "OLD RULE" in page.inner_text("#sc-rule")
    page.wait_for_selector("#sp-table tbody tr")
    _plot_ready(page, "#sp-chart")
    v.check("scenarios")
    page.fill("#sp-budget", "0.05")
    page.click("#sp-run")
    wait_js(page, "document.querySelector('#sp-cards .card-sub').textContent.includes('$50.0 M')")
    _plot_ready(page, "#sp-frontier")
    # the dashboard's plan and frontier are the API's (which equal the CLI's: tests/api)
    body = {"cap_days": 365, "probability": 0.05, "draws": 5000}
    fetch = (
        "fetch('/api/v1/stockpile/{}', {{method: 'POST', headers: {{'Content-Type': "
        "'application/json'}}, body: JSON.stringify({})}}).then((r) => r.json())"
    )
    api_front = page.evaluate(
        fetch.format("frontier", json.dumps(body | {"max_budget_usd": 20e9, "step_usd": 1e9}))
    )
    shown = page.evaluate("document.getElementById('sp-frontier').data[0].y")
    assert shown == [p["net_value_usd_per_yr"] / 1e9 for p in api_front["points"]]
    api_plan = page.evaluate(fetch.format("plan", json.dumps(body | {"budget_usd": 0.05e9})))
    bars = page.evaluate("document.getElementById('sp-chart').data[0].y")
    assert bars == [a["usd"] / 1e6 for a in api_plan["allocations"] if a["tonnes"] > 0]
    # the browser itself refuses a draw count over the API's cap
    page.fill("#sc-draws", "999999")
    assert page.evaluate("document.getElementById('sc-draws').validity.valid") is False
    assert v.errors == []


def test_docs_page_is_served_locally(visit: Any) -> None:
    v = visit("/docs")
    v.page.wait_for_selector(".opblock-summary-path")
    assert v.page.locator(".opblock").count() > 15
    v.check("docs")


VIEWS = ("concentration", "controls", "ledger", "floor", "scenarios")


@pytest.mark.parametrize("width", [1400, 390])
def test_every_view_fits_and_every_chart_has_titled_axes(
    server: str, browser: BrowserContext, width: int
) -> None:
    """No sideways scrolling; every chart drew a mark and, unless it is a map, titles both
    axes (plotly.js draws an axis title only from ``title: {text}``); no bare country code
    in a table cell the dashboard fills from a code. Then the brief's layout checks
    (tests/layoutkit.py) on each whole view: no element off the viewport outside a table that
    scrolls sideways, no chart text clipped, no code or internal id in visible text."""
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    defects: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server + "/")
        for view in VIEWS:
            page.click(f"nav a[href='#{view}']")
            wait_js(page, f"!document.getElementById('view-{view}').hidden")
            charts = page.evaluate(
                f"[...document.querySelectorAll('#view-{view} .chart')].map(d => d.id)"
            )
            for cid in charts:
                _plot_ready(page, f"#{cid}")
                # a map draws once its topojson has loaded, after the plot itself
                wait_js(
                    page,
                    f"document.getElementById({cid!r}).querySelectorAll("
                    "'.point, .choroplethlocation, .js-line, .bars path').length > 0",
                )
            drawn = page.evaluate(
                f"""[...document.querySelectorAll('#view-{view} .js-plotly-plot')].map(d => ({{
                    id: d.id,
                    geo: !!d.layout.geo,
                    x: ((d.layout.xaxis || {{}}).title || {{}}).text || '',
                    y: ((d.layout.yaxis || {{}}).title || {{}}).text || '',
                    drawnX: (d.querySelector('.g-xtitle') || {{}}).textContent || '',
                    marks: d.querySelectorAll(
                        '.point, .choroplethlocation, .js-line, .bars path'
                    ).length}}))"""
            )
            assert drawn, view
            for d in drawn:
                assert d["marks"] > 0, (width, view, d)
                if not d["geo"]:
                    assert d["x"] and d["y"] and d["drawnX"], (width, view, d)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (width, view, overflow)
            page.wait_for_timeout(300)  # a chart's axis titles are refitted once drawn
            found = check_root(page, f"#view-{view}")
            for kind in ("overflow", "charts", "codes"):
                defects.extend(f"{width}px {view} {kind}: {d}" for d in found[kind])
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"dashboard-{view}-{width}.png"), full_page=True)
        page.click("nav a[href='#controls']")
        page.wait_for_selector("#ctl-table tbody tr")
        imposers = page.eval_on_selector_all(
            "#ctl-table tbody tr td:nth-child(2)", "cells => cells.map(c => c.textContent)"
        )
        assert imposers and not [c for c in imposers if len(c) == 3 and c.isupper()]
        sources = page.eval_on_selector_all(
            "#ctl-table tbody tr td.src", "cells => cells.map(c => c.querySelectorAll('a').length)"
        )
        assert sources and all(n > 0 for n in sources)
    finally:
        page.close()
    assert errors == []
    assert defects == [], f"{len(defects)} defects:\n" + "\n".join(defects[:30])


A4_WIDTH_PX = round((210 - 24) / 25.4 * 96)  # A4 less the @page margins, at 96 px an inch
A4_HEIGHT_PX = round((297 - 28) / 25.4 * 96)


def test_every_view_prints_on_a4_without_splitting_a_chart(
    server: str, browser: BrowserContext
) -> None:
    """Printed, each view's charts are redrawn at most an A4 page wide and tall, and a chart,
    which may not break inside, therefore never splits across pages; links print their
    targets."""
    page = browser.new_page()
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": A4_HEIGHT_PX})
    bad: list[str] = []
    try:
        page.goto(server + "/")
        page_rules = page.evaluate(
            "[...document.styleSheets].flatMap(s => [...s.cssRules])"
            ".filter(r => r instanceof CSSPageRule).map(r => r.style.getPropertyValue('size'))"
        )
        assert "a4" in [p.lower() for p in page_rules]
        for view in VIEWS:
            page.click(f"nav a[href='#{view}']")
            wait_js(page, f"!document.getElementById('view-{view}').hidden")
            for cid in page.evaluate(
                f"[...document.querySelectorAll('#view-{view} .chart')].map(d => d.id)"
            ):
                _plot_ready(page, f"#{cid}")
            page.emulate_media(media="print")
            page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
            page.wait_for_timeout(300)
            boxes = page.evaluate(
                f"""[...document.querySelectorAll('#view-{view} .chart')].map(d => ({{
                    id: d.id, avoid: getComputedStyle(d).breakInside,
                    w: d.querySelector('.main-svg').getBoundingClientRect().width,
                    h: d.getBoundingClientRect().height}}))"""
            )
            for b in boxes:
                if b["avoid"] != "avoid" or b["w"] > A4_WIDTH_PX + 1 or b["h"] > A4_HEIGHT_PX:
                    bad.append(f"{view}: {b}")
            links = page.evaluate(
                "[...document.querySelectorAll('a[href^=\"http\"]')]"
                ".map(a => [a.href, getComputedStyle(a, '::after').content])"
            )
            bad += [f"{view}: {href} prints {after}" for href, after in links if href not in after]
            page.evaluate("window.dispatchEvent(new Event('afterprint'))")
            page.emulate_media(media="screen")
    finally:
        page.close()
    assert bad == [], "\n".join(bad[:20])


# view -> the tables the dashboard fills from one GET: each offers CSV and Excel of that GET
DOWNLOADS = {
    "concentration": ("conc-table", "conc-all"),
    "controls": ("ctl-table",),
    "ledger": ("led-table", "led-reconcile"),
    "scenarios": ("sc-bt",),
}


def _download_links(page: Page, table: str) -> list[list[str]]:
    box = f"document.querySelector('#{table}').closest('.table-wrap').nextElementSibling"
    wait_js(page, f"!!{box} && {box}.classList.contains('downloads')")
    links: list[list[str]] = page.evaluate(
        f"[...{box}.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')])"
    )
    return links


def test_tables_offer_csv_and_excel_of_their_rows(visit: Any) -> None:
    """Under each table: a CSV and an Excel link to the request that filled it; the CSV has
    one record per row shown, the Excel link answers an xlsx file."""
    import csv
    import io

    fetch = (
        "fetch({!r}).then(r => r.text().then(t => [r.status, r.headers.get('content-type'), t]))"
    )
    for view, tables in DOWNLOADS.items():
        v = visit(f"/#{view}")
        page = v.page
        for table in tables:
            page.wait_for_selector(f"#{table} tbody tr")
            links = _download_links(page, table)
            assert [text for text, _ in links] == ["CSV", "Excel"], (table, links)
            (_, csv_href), (_, xlsx_href) = links
            assert csv_href.startswith("/api/v1/") and csv_href.endswith("format=csv")
            assert xlsx_href == csv_href.removesuffix("csv") + "xlsx"
            status, ctype, text = page.evaluate(fetch.format(csv_href))
            assert (status, ctype) == (200, "text/csv; charset=utf-8"), (table, text[:200])
            records = list(csv.reader(io.StringIO(text, newline="")))[1:]
            shown = page.locator(f"#{table} tbody tr").count()
            assert len(records) == shown, (table, csv_href)
            status, ctype, _ = page.evaluate(fetch.format(xlsx_href))
            assert status == 200 and ctype.startswith("application/vnd.openxmlformats")
        assert v.errors == []
    # a filter changes the rows and the links with them
    page = visit("/#ledger").page
    page.select_option("#led-form select[name=instrument]", "loan")
    wait_js(
        page,
        "document.querySelector('#led-table').closest('.table-wrap')"
        ".nextElementSibling.querySelector('a').href.includes('instrument=loan')",
    )
    csv_href = _download_links(page, "led-table")[0][1]
    _, _, text = page.evaluate(fetch.format(csv_href))
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert records and {r["instrument"] for r in records} == {"loan"}
    assert len(records) == page.locator("#led-table tbody tr").count()
