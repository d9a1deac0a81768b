"""The brief's layout in Debian's chromium at 1400 px and 390 px, section by section (issue
24, item 6): no sideways scrolling and no clipped chart text, every chart titled on both axes
(maps excepted) with a drawn mark, no bare country code or internal id where a reader looks,
every number element linked to a source entry on the page, and a print stylesheet (A4, no
chart split across pages, link targets printed). Screenshots of each section go to
artifacts/ (CRITMIN_ARTIFACTS overrides); one brief build and one browser for the module.

A *number element* is:
- a table cell (``td``) of sections 1-6 whose text holds a digit (``td.num`` or not): its
  row's source link (``td.src a``), else its table caption's link;
- a finding paragraph (``.finding p``) whose text holds a digit: a link inside it;
- a chart (``figure.chart-box``): a link in its caption.
The link must point at an element on the page: a source entry (``li`` in the source list),
or a table every row of which links a source entry.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from browserkit import launch, needs_chromium
from critmin.brief.builder import BriefResult, build_brief
from critmin.brief.config import BriefConfig
from layoutkit import check_root

ARTIFACTS = Path(os.environ.get("CRITMIN_ARTIFACTS", "artifacts"))
SECTIONS = ("supply", "controls", "ledger", "floor", "disruption", "pipeline", "sources")
WIDTHS = (1400, 390)
# A4 less the @page margins (12 mm each side, 14 mm top and bottom) at 96 px per inch
A4_WIDTH_PX = round((210 - 24) / 25.4 * 96)
A4_HEIGHT_PX = round((297 - 28) / 25.4 * 96)

NUMBERS = r"""(root) => {
  const bad = [];
  const entry = (a) => {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const el = document.getElementById(id);
    if (!el) return `#${id} is not on the page`;
    if (el.tagName === 'LI' && el.closest('#sources')) return null;
    if (el.tagName === 'TABLE') {
      const rows = [...el.tBodies[0].rows];
      const loose = rows.filter((r) => !r.querySelector('td.src a[href^="#src-"]'));
      return rows.length && !loose.length ? null : `#${id}: ${loose.length} rows cite nothing`;
    }
    return `#${id} is a ${el.tagName.toLowerCase()}, not a source entry`;
  };
  const need = (what, el, links) => {
    if (!links.length) { bad.push(`${what} links no source`); return; }
    const errs = links.map(entry).filter((e) => e);
    if (errs.length === links.length) bad.push(`${what}: ${errs[0]}`);
  };
  const local = (scope) => [...scope.querySelectorAll('a[href^="#"]')];
  for (const td of root.querySelectorAll('table td:not(.src)')) {
    if (!/\d/.test(td.textContent) || td.closest('table.meta')) continue;
    const row = td.closest('tr'), table = td.closest('table');
    let links = [...row.querySelectorAll('td.src a[href^="#"]')];
    if (!links.length && table.caption) links = local(table.caption);
    need(`${table.id} cell "${td.textContent.trim().slice(0, 40)}"`, td, links);
  }
  for (const p of root.querySelectorAll('.finding p')) {
    if (/\d/.test(p.textContent)) need(`finding "${p.textContent.slice(0, 60)}"`, p, local(p));
  }
  for (const f of root.querySelectorAll('figure.chart-box')) {
    need(`chart ${f.querySelector('.chart').id}`, f, local(f.querySelector('figcaption') || f));
  }
  return bad;
}"""

# the text boxes of a chart's row labels (tick labels, or the labels written above the bars
# on a phone) and point labels, to check that none overlaps another
LABELS = r"""(id) => {
  const d = document.getElementById(id);
  const pick = [...d.querySelectorAll('.ytick text, .annotation-text, .textpoint text')];
  const boxes = pick.filter((t) => (t.textContent || '').trim()).map((t) => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom};
  });
  const rows = d.data.reduce((n, tr) => n + (tr.y || []).length, 0);
  return {boxes, rows};
}"""

PRINT = r"""() => {
  const out = {pages: [], boxes: [], links: []};
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      if (rule instanceof CSSPageRule) out.pages.push(rule.style.getPropertyValue('size'));
    }
  }
  for (const f of document.querySelectorAll('figure.chart-box')) {
    const d = f.querySelector('.chart'), y = (d.layout || {}).yaxis || {};
    out.boxes.push({id: d.id, avoid: getComputedStyle(f).breakInside,
                    height: f.getBoundingClientRect().height,
                    width: f.querySelector('.main-svg').getBoundingClientRect().width,
                    rows: (y.categoryarray || []).length,
                    labels: [...d.querySelectorAll('.ytick text')]
                      .filter((t) => (t.textContent || '').trim()).length});
  }
  for (const a of document.querySelectorAll('a[href^="http"]')) {
    const after = getComputedStyle(a, '::after').content;
    out.links.push({href: a.href, text: a.textContent.trim(), after});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def brief(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    mp = pytest.MonkeyPatch()
    store = tmp_path_factory.mktemp("layout") / "critmin.duckdb"
    shutil.copy(built_store, store)
    mp.setenv("CRITMIN_DB", str(store))
    cfg = BriefConfig(
        seed=5, floor_paths=2_000, scenario_draws=500, stockpile_draws=500, pipeline_draws=500
    )
    yield build_brief(store.parent / "brief.html", cfg)
    mp.undo()


def _ready(page: Any) -> None:
    page.wait_for_function(
        "[...document.querySelectorAll('.chart')]"
        ".every(d => d.classList.contains('js-plotly-plot'))",
        timeout=60_000,
    )


@pytest.fixture(scope="module")
def seen(brief: BriefResult) -> dict[Any, Any]:
    """Every check at both widths and in print, measured once in one browser."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out: dict[Any, Any] = {}
    with sync_playwright() as p:
        browser = launch(p)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(brief.out.as_uri())
            _ready(page)
            for sid in SECTIONS:
                sel = f"section#{sid}"
                res = check_root(page, sel)
                res["numbers"] = page.evaluate(
                    f"(root) => ({NUMBERS})(root)", page.query_selector(sel)
                )
                out[width, sid] = res
                page.locator(sel).screenshot(path=str(ARTIFACTS / f"brief-{width}-{sid}.png"))
            titles = page.evaluate(
                "Object.fromEntries([...document.querySelectorAll('.chart')]"
                ".map(d => [d.layout.title.text.replace(/<br>/g, ' '), d.id]))"
            )
            for start in ("Export controls", "Dual dominance"):
                cid = next(i for t, i in titles.items() if t.startswith(start))
                out[width, start] = page.evaluate(f"({LABELS})({cid!r})")
            page.close()
        # a window narrowed from 1400 to 390 px: the charts are refitted (timeline labels
        # above their bars, titles wrapped), as when the page is loaded at 390 px
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(brief.out.as_uri())
        _ready(page)
        page.set_viewport_size({"width": 390, "height": 900})
        page.wait_for_function(  # the resize handler waits 150 ms, then redraws each chart
            "(() => { const cs = [...document.querySelectorAll('#controls .chart')];"
            " return cs.every(d => d._fullLayout.width <= 390) &&"
            " cs.some(d => d.querySelectorAll('.annotation-text').length > 30); })()",
            timeout=60_000,
        )
        page.wait_for_timeout(300)  # axis titles are wrapped once the chart is drawn
        out["resized"] = check_root(page, "section#controls")["overflow"]
        page.close()
        # print: an A4 page's width, print media, the page's own print handlers
        page = browser.new_page(viewport={"width": A4_WIDTH_PX, "height": A4_HEIGHT_PX})
        page.goto(brief.out.as_uri())
        _ready(page)
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_timeout(300)
        out["print"] = page.evaluate(PRINT)
        page.pdf(path=str(ARTIFACTS / "brief-a4.pdf"), format="A4")
        page.close()
        browser.close()
    return out


def _none(defects: list[str]) -> None:
    assert defects == [], f"{len(defects)} defects:\n" + "\n".join(defects[:25])


CASES = [(w, s) for w in WIDTHS for s in SECTIONS]
IDS = [f"{w}px-{s}" for w, s in CASES]


@needs_chromium
@pytest.mark.parametrize(("width", "sid"), CASES, ids=IDS)
def test_no_sideways_overflow_nor_clipped_chart_text(seen: Any, width: int, sid: str) -> None:
    _none(seen[width, sid]["overflow"])


@needs_chromium
@pytest.mark.parametrize(("width", "sid"), CASES, ids=IDS)
def test_every_chart_titles_its_axes_and_draws_a_mark(seen: Any, width: int, sid: str) -> None:
    res = seen[width, sid]
    _none(res["charts"])
    if sid not in ("sources",):
        assert res["seen"], sid  # every section of findings has at least one chart
    maps = [c for c in res["seen"] if c["kind"] != "xy"]
    assert all(c["kind"] == "map" for c in maps)  # a map has no axes; its colour bar, a unit


@needs_chromium
@pytest.mark.parametrize(("width", "sid"), CASES, ids=IDS)
def test_no_bare_code_in_what_a_reader_sees(seen: Any, width: int, sid: str) -> None:
    _none(seen[width, sid]["codes"])


@needs_chromium
@pytest.mark.parametrize("sid", SECTIONS[:-1])
def test_every_number_element_links_a_source_entry(seen: Any, sid: str) -> None:
    _none(seen[1400, sid]["numbers"])


def _overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a["r"], b["r"]) - max(a["l"], b["l"])
            dy = min(a["b"], b["b"]) - max(a["t"], b["t"])
            if dx > 1 and dy > 1:
                out.append((a["text"], b["text"]))
    return out


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_timeline_rows_and_scatter_labels_do_not_overlap(seen: Any, width: int) -> None:
    """At 390 px the timeline writes each control's label above its bar (one row each, none
    stacked) and the scatter keeps only the names that fit; at 1400 px the same holds."""
    timeline = seen[width, "Export controls"]
    labels = [b for b in timeline["boxes"] if b["text"] != "no data"]
    assert timeline["rows"] >= 60
    assert len(labels) == len({b["text"] for b in labels}) == timeline["rows"]
    assert _overlaps(labels) == []
    scatter = seen[width, "Dual dominance"]
    names = [b for b in scatter["boxes"] if not b["text"].startswith("Unlabelled")]
    assert len(names) >= 5, names  # most minerals stay named
    assert _overlaps(names) == []


@needs_chromium
def test_a_window_narrowed_to_390_px_refits_its_charts(seen: Any) -> None:
    _none(seen["resized"])


@needs_chromium
def test_the_number_check_can_fail(seen: Any, brief: BriefResult) -> None:
    """The number check counts table cells, findings and charts: sections 1-6 have all three."""
    text = brief.out.read_text(encoding="utf-8")
    assert len(re.findall(r'<td class="num"', text)) > 100
    assert text.count('<figure class="chart-box">') == sum(
        len(seen[1400, s]["seen"]) for s in SECTIONS
    )


@needs_chromium
def test_print_is_a4_charts_fit_a_page_and_links_print_their_target(seen: Any) -> None:
    pr = seen["print"]
    assert "a4" in [p.lower() for p in pr["pages"]]
    for box in pr["boxes"]:
        assert box["avoid"] == "avoid", box
        assert box["height"] <= A4_HEIGHT_PX, box  # taller than a page, it would split
        assert box["width"] <= A4_WIDTH_PX + 1, box
        # squeezed onto a page, a chart still labels every row (timeline, HHI ranking)
        assert box["labels"] >= box["rows"], box
    external = [a for a in pr["links"] if a["text"] != a["href"]]
    for a in external:
        assert a["href"] in a["after"], a
    # a link that shows its URL as its text is not printed twice
    for a in pr["links"]:
        if a["text"] == a["href"]:
            assert a["after"] in ("none", "normal", '""'), a


# -- the builders' narrow variants (no browser) ------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.floats(0, 100), st.floats(0, 100), st.text("abcdefgh ", min_size=1, max_size=14)
        ),
        max_size=25,
    )
)
def test_thinned_labels_never_overlap_and_the_first_is_kept(
    points: list[tuple[float, float, str]],
) -> None:
    from critmin.brief.charts import thin_labels

    keep = thin_labels(points, 3.0, 3.4)
    assert len(keep) == len(points)
    if points:
        assert keep[0]
    boxes = []
    for (x, y, text), k in zip(points, keep, strict=True):
        if k:
            w, h = len(text) * 0.56 * 11, 1.3 * 11
            cx, cy = 3.0 * x, 3.4 * y + 0.5 * h + 6
            boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_thin_labels_keeps_far_points_and_drops_a_twin() -> None:
    from critmin.brief.charts import thin_labels

    # 60 px apart horizontally at 3 px a unit: both fit; the same spot twice: one label
    assert thin_labels([(0, 0, "Cobalt"), (20, 0, "Nickel")], 3.0, 3.4) == [True, True]
    assert thin_labels([(50, 50, "Cobalt"), (51, 50, "Nickel")], 3.0, 3.4) == [True, False]


def test_timeline_narrow_variant_writes_each_label_above_its_bar() -> None:
    import datetime as dt

    from critmin.brief.charts import controls_timeline

    def row(cid: str, iso3: str, start: dt.date, lifted: dt.date | None = None) -> dict[str, Any]:
        return {
            "control_id": cid,
            "imposing_iso3": iso3,
            "mineral_ids": ["cobalt"],
            "measure": "export_ban",
            "effective": start,
            "announced": None,
            "lifted": lifted,
            "status": "lifted" if lifted else "active",
            "sources": ["s1"],
        }

    rows = [
        row("a", "COD", dt.date(2013, 5, 1)),
        row("b", "COD", dt.date(2013, 9, 1), dt.date(2015, 1, 1)),
        row("c", "IDN", dt.date(2020, 1, 1)),
    ]
    fig = controls_timeline(rows, dt.date(2026, 1, 1))
    order = fig["layout"]["yaxis"]["categoryarray"]
    assert order == [
        "DR Congo: cobalt [export ban, 2013-05]",
        "DR Congo: cobalt [export ban, 2013-09]",
        "Indonesia: cobalt [export ban, 2020]",
    ]
    # the x axis spans every control, from the first start year to the year after today
    assert fig["layout"]["xaxis"]["range"] == ["2013-01-01", "2027-01-01"]
    narrow = fig["layout"]["meta"]["narrow"]["layout"]
    assert [a["text"] for a in narrow["annotations"]] == order
    assert [a["y"] for a in narrow["annotations"]] == order
    assert narrow["yaxis"]["showticklabels"] is False
    assert narrow["yaxis"]["title"]["text"]
    assert narrow["height"] == 50 * 3 + 170


def test_a_bar_chart_gets_labels_above_bars_only_when_its_labels_are_long() -> None:
    from critmin.brief.charts import bar

    short = bar([{"k": "loan", "v": 2.0}], "v", "k", "t", "USD")
    assert "meta" not in short["layout"]
    rows = [
        {"k": "Export-Import Bank of the United States", "v": 11.0},
        {"k": "price floor", "v": 0.0},
    ]
    long = bar(rows, "v", "k", "t", "USD", unstated="no amount stated")
    narrow = long["layout"]["meta"]["narrow"]["layout"]
    texts = [a["text"] for a in narrow["annotations"]]
    # the note naming the unstated row is kept; the one drawn row is labelled above its bar
    assert texts[0].startswith("no amount stated (not drawn, not zero): price floor")
    assert texts[1:] == ["Export-Import Bank of the United States"]
