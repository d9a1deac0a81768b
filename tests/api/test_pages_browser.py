"""The country and mineral pages and the search box in a real browser (Debian chromium via
Playwright, as tests/api/test_dashboard.py), against create_app() under uvicorn on a free
127.0.0.1 port. Screenshots go to artifacts/ (CRITMIN_ARTIFACTS overrides)."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from browserkit import launch, needs_chromium, serve_app
from layoutkit import check_root

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(os.environ.get("CRITMIN_ARTIFACTS", "artifacts"))
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving create_app() in a thread, on its own copy of the store."""
    with serve_app(built_store, tmp_path_factory.mktemp("pages")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def wait_js(page: Page, expression: str, timeout_s: float = 60.0) -> None:
    """Poll a JavaScript expression until it is truthy (the page's CSP forbids the eval that
    Playwright's wait_for_function uses)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        page.wait_for_timeout(50)


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path) as resp:
        return json.load(resp)


def _open(browser: Browser, url: str, width: int) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(60_000)
    page.goto(url)
    return page, errors


def _bare_codes(page: Page, body: str) -> list[str]:
    """Visible table cells (sources aside) that show a bare ISO3 code or a snake_case id; the
    small print under a cell (a control's description, quoted from its source) aside."""
    cells = page.eval_on_selector_all(
        f"{body} tbody td:not(.src)",
        "cs => cs.map(c => [...c.childNodes]"
        " .filter(n => !(n.classList && n.classList.contains('small')))"
        " .map(n => n.textContent).join('').trim())",
    )
    assert cells
    return [c for c in cells if re.fullmatch(r"[A-Z]{3}", c) or re.search(r"\b[a-z]+_[a-z_]+\b", c)]


def _fits(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1400, 390])
def test_country_page_renders_and_fits(server: str, browser: Browser, width: int) -> None:
    page, errors = _open(browser, server + "/#country/COD", width)
    try:
        wait_js(page, "document.getElementById('cp-body').dataset.iso3 === 'COD'")
        assert page.inner_text("#cp-title") == "DR Congo"
        api = _get(server, "/api/v1/countries/COD")
        # one table per block with rows, a "no data" line for each block without
        tables = page.locator("#cp-body table").count()
        assert tables == sum(
            1
            for k in (
                "production",
                "ownership",
                "controls_imposed",
                "controls_faced",
                "commitments_received",
                "commitments_made",
            )
            if api[k]["rows"]
        )
        nodata = page.locator("#cp-body .nodata").count()
        assert nodata == 6 - tables
        # the production table shows the API's cobalt share, in %, named, with a source link
        first = page.locator("#cp-production tbody tr").first
        cobalt = next(r for r in api["production"]["rows"] if r["mineral"] == "cobalt")
        assert first.locator("td").nth(0).inner_text() == "Cobalt"
        assert first.locator("td").nth(4).inner_text() == f"{cobalt['share_pct']:.1f} %"
        assert first.locator("td.src a").count() >= 1
        # every row of every table carries a source cell with at least one entry
        counts = page.eval_on_selector_all(
            "#cp-body tbody tr", "rs => rs.map(r => r.querySelector('td.src').textContent.length)"
        )
        assert counts and all(n > 0 for n in counts)
        # names, not codes, in the owner column
        owners = page.eval_on_selector_all(
            "#cp-ownership tbody td:nth-child(3)", "cs => cs.map(c => c.textContent)"
        )
        assert "China" in owners and "CHN" not in owners
        # each table has its CSV and Excel link; the CSV has one line per row of the table
        links = page.eval_on_selector_all(
            "#cp-body .page-block .downloads a", "as => as.map(a => a.getAttribute('href'))"
        )
        assert len(links) == 2 * tables
        csv_link = next(h for h in links if "block=production" in h and "format=csv" in h)
        with urllib.request.urlopen(server + csv_link) as resp:
            assert resp.headers["content-type"] == "text/csv; charset=utf-8"
            lines = resp.read().decode("utf-8").splitlines()
        assert len(lines) == 1 + len(api["production"]["rows"])
        assert _bare_codes(page, "#cp-body") == []
        # the brief's layout checks on the whole page (tests/layoutkit.py)
        found = check_root(page, "#view-country")
        assert found["overflow"] == [] and found["charts"] == [], found
        assert found["codes"] == [], found["codes"]
        assert _fits(page) <= 0, width
        _shot(page, f"country-COD-{width}")
        assert errors == []
    finally:
        page.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_mineral_page_renders_and_fits(server: str, browser: Browser, width: int) -> None:
    page, errors = _open(browser, server + "/#mineral/cobalt", width)
    try:
        wait_js(page, "document.getElementById('ms-body').dataset.mineral === 'cobalt'")
        api = _get(server, "/api/v1/minerals/cobalt/sheet")
        years = sorted({r["year"] for r in api["production"]["rows"] if r["stage"] == "mine"})
        heads = page.eval_on_selector_all(
            "#ms-production-mine thead th", "hs => hs.map(h => h.textContent)"
        )
        assert heads[0] == "country" and len(heads) == len(years) + 2  # + source
        assert heads[1].startswith(str(years[0])) and "USGS MCS" in heads[1]
        row = page.locator("#ms-production-mine tbody tr").first
        assert row.locator("td").first.inner_text() == "DR Congo"
        cod = {
            r["year"]: r["value_t"]
            for r in api["production"]["rows"]
            if r["stage"] == "mine" and r["iso3"] == "COD"
        }
        assert row.locator("td").nth(len(years)).inner_text() == f"{cod[years[-1]]:,.0f}"
        for key in ("hhi", "prices", "reliance", "imports", "controls", "ledger", "forecasts"):
            assert page.locator(f"#ms-{key} tbody tr").count() > 0, key
        assert _bare_codes(page, "#ms-body") == []
        found = check_root(page, "#view-mineral")
        assert found["overflow"] == [] and found["charts"] == [], found
        assert found["codes"] == [], found["codes"]
        # the trend chart: titled axes, one line per producer, named
        wait_js(page, "(document.getElementById('ms-chart').data || []).length > 0")
        chart = page.evaluate(
            "(() => { const d = document.getElementById('ms-chart'); return {"
            " x: d.layout.xaxis.title.text, y: d.layout.yaxis.title.text,"
            " names: d.data.map(t => t.name),"
            " marks: d.querySelectorAll('.js-line, .point').length,"
            " drawnX: (d.querySelector('.g-xtitle') || {}).textContent || ''}; })()"
        )
        assert chart["x"] and chart["y"] == "tonnes" and chart["drawnX"]
        assert chart["names"][0] == "DR Congo" and len(chart["names"]) == 5
        assert chart["marks"] > 0
        # cobalt has no backtest case: the block says so instead of an empty table
        assert page.inner_text("#ms-backtest .nodata").startswith("no data")
        assert _fits(page) <= 0, width
        _shot(page, f"mineral-cobalt-{width}")
        assert errors == []
    finally:
        page.close()


def test_search_jumps_to_pages_and_rows(server: str, browser: Browser) -> None:
    page, errors = _open(browser, server + "/#concentration", 1400)
    try:
        page.fill("#q", "galli")
        page.wait_for_selector("#q-results a")
        assert page.locator("#q-results a").first.inner_text().endswith("Gallium")
        page.keyboard.press("Enter")
        wait_js(page, "document.getElementById('ms-body').dataset.mineral === 'gallium'")
        assert not page.is_visible("#view-concentration")
        # a country by its ISO2 code
        page.fill("#q", "ID")
        page.wait_for_selector("#q-results a[href='#country/IDN']")
        page.click("#q-results a[href='#country/IDN']")
        wait_js(page, "document.getElementById('cp-body').dataset.iso3 === 'IDN'")
        # a control by its id: the imposing country's page, the row marked
        cid = "cod-2025-cobalt-export-quota"
        page.fill("#q", cid)
        page.wait_for_selector("#q-results a")
        page.locator("#q-results a").first.click()
        wait_js(page, f"!!document.querySelector('tr.hit#row-ctl-{cid}')")
        # a ledger row by its id: the host's page, the row marked
        page.fill("#q", "iv-0054")
        page.wait_for_selector("#q-results a")
        page.locator("#q-results a").first.click()
        wait_js(page, "!!document.querySelector('tr.hit#row-led-iv-0054')")
        assert page.inner_text("#cp-title") == "DR Congo"
        _shot(page, "search")
        assert errors == []
    finally:
        page.close()


def test_unknown_country_shows_the_api_error(server: str, browser: Browser) -> None:
    page, errors = _open(browser, server + "/#country/Narnia", 1400)
    try:
        page.wait_for_selector("#cp-error:not([hidden])")
        assert "did you mean" in page.inner_text("#cp-error")
        assert errors and all("422" in e for e in errors), errors
    finally:
        page.close()
