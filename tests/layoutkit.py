"""Layout checks the brief and the dashboard share, run inside the page (Playwright).

Each check is one JavaScript function over a root element (a brief section, a dashboard
view) that returns a list of defects, so a failing test names every defect at once:

- ``OVERFLOW``: ``document.scrollingElement.scrollWidth <= innerWidth``, no element whose box
  leaves the viewport (except inside a table wrapper that scrolls sideways by design,
  ``overflow-x: auto|scroll``), and no text of a chart (title, axis title, tick label,
  legend, annotation) outside its chart's box, where it would be clipped;
- ``CHARTS``: every chart has ``layout.xaxis.title.text`` and ``layout.yaxis.title.text``
  unless it is a map (``layout.geo``) or a pie, which have no axes, and at least one visible
  trace with data;
- ``CODES``: visible text (prose, table cells, captions, chart text: legends, tick labels,
  annotations, titles) with no ISO3 country code and no internal id. Codes may stay in
  tooltips (``title`` attributes, plotly hover text) and ``<code>`` elements; text quoted
  from a source (``<q>``), the source list's publishers, titles and URLs, a row's source
  cell (``td.src``: publisher and date) and a name as the source records it (``.verbatim``:
  a ledger recipient, "Lynas USA LLC") are printed as published.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# a company's own name that starts with a code ("USA Rare Earth", in prose); a ledger
# recipient is a name as the source records it, in a ``.verbatim`` cell
NOT_CODES = ("USA Rare Earth",)

OVERFLOW = r"""(root) => {
  const W = window.innerWidth, bad = [];
  const se = document.scrollingElement.scrollWidth;
  if (se > W) bad.push(`page scrolls sideways: scrollWidth ${se} > ${W}`);
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && p.clientWidth < W) return true;
    }
    return false;
  };
  const name = (el) => {
    const cls = el.className && (el.className.baseVal ?? el.className);
    const txt = (el.textContent || '').trim().slice(0, 50);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls ? '.' + cls : ''} "${txt}"`;
  };
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.hoverlayer, .modebar, .updatemenu-dropdown-bg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.left < -1 || r.right > W + 1) && !scrolls(el)) {
      bad.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${W}`);
    }
  }
  for (const chart of root.querySelectorAll('.js-plotly-plot')) {
    const box = chart.getBoundingClientRect();
    for (const t of chart.querySelectorAll('text')) {
      if (t.closest('.hoverlayer') || !(t.textContent || '').trim()) continue;
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 2 || r.right > box.right + 2) {
        const at = `${Math.round(r.left)}..${Math.round(r.right)}`;
        const room = `${Math.round(box.left)}..${Math.round(box.right)}`;
        bad.push(`#${chart.id}: ${name(t)} clipped: ${at} outside ${room}`);
      }
    }
  }
  return [...new Set(bad)];
}"""

CHARTS = r"""(root) => {
  const bad = [], seen = [];
  for (const d of root.querySelectorAll('.chart')) {
    if (!d.classList.contains('js-plotly-plot')) { bad.push(`#${d.id}: not drawn`); continue; }
    const lay = d.layout || {}, data = d.data || [];
    const pie = data.length && data.every((t) => t.type === 'pie');
    const kind = lay.geo ? 'map' : pie ? 'pie' : 'xy';
    if (kind === 'xy') {
      for (const ax of ['xaxis', 'yaxis']) {
        const t = ((lay[ax] || {}).title || {}).text;
        if (typeof t !== 'string' || !t.trim()) bad.push(`#${d.id}: no ${ax} title`);
      }
    }
    const n = (v) => (v && v.length) || 0;
    const marks = data.filter((t) => t.visible !== false)
      .map((t) => Math.max(n(t.x), n(t.y), n(t.z), n(t.values), n(t.locations)))
      .reduce((a, b) => a + b, 0);
    if (!marks) bad.push(`#${d.id}: no visible trace with data`);
    const drawn = d.querySelectorAll(
      '.point, .choroplethlocation, .js-line, .bars path, .slice, .js-fill').length;
    if (!drawn) bad.push(`#${d.id}: nothing drawn`);
    seen.push({id: d.id, kind, marks, title: ((lay.title || {}).text || '')});
  }
  return {bad, seen};
}"""

TEXTS = r"""(root) => {
  const out = [];
  const skip = 'script, style, code, q, .hoverlayer, .modebar, [hidden], ' +
               '.sources li > b, .sources li > i, .sources .url, td.src, .verbatim';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.textContent.trim();
    if (!t) continue;
    const p = n.parentElement;
    if (!p || p.closest(skip)) continue;
    // not displayed (a select's options are listed when it opens)
    if (!p.closest('svg, select') && p.getClientRects().length === 0) continue;
    out.push(t);
  }
  return out;
}"""


@cache
def codes() -> tuple[frozenset[str], frozenset[str]]:
    """ISO3 codes (the countries table) and internal ids (mineral ids with an underscore,
    scenario, preset and control ids) that must not be shown to a reader in place of a name."""
    from critmin.store import read_table

    iso3 = frozenset(read_table("countries")["iso3"].to_list()) | {"XOT", "WLD"}
    ids = {m for m in read_table("minerals")["mineral_id"].to_list() if "_" in m}
    ids |= set(read_table("export_controls")["control_id"].to_list())
    ids |= set(read_table("agencies")["agency_id"].to_list())
    return iso3, frozenset(ids)


def bare_codes(texts: list[str]) -> list[str]:
    """The texts that show a country code or an internal id, each with what it shows."""
    iso3, ids = codes()
    found = []
    for text in texts:
        clean = text
        for name in NOT_CODES:
            clean = clean.replace(name, "")
        hits = [t for t in re.findall(r"\b[A-Z]{3}\b", clean) if t in iso3]
        hits += [t for t in re.findall(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", clean) if t in ids]
        hits += re.findall(r"\b[a-z]+_[a-z0-9_]+\b", clean)  # any snake_case id
        if hits:
            found.append(f"{sorted(set(hits))} in {text[:90]!r}")
    return found


def check_root(page: Any, selector: str) -> dict[str, Any]:
    """All three checks for one root element: {'overflow': [...], 'charts': [...],
    'codes': [...], 'seen': [...]}."""
    root = page.query_selector(selector)
    assert root is not None, selector
    charts = page.evaluate(f"(root) => ({CHARTS})(root)", root)
    return {
        "overflow": page.evaluate(f"(root) => ({OVERFLOW})(root)", root),
        "charts": charts["bad"],
        "seen": charts["seen"],
        "codes": bare_codes(page.evaluate(f"(root) => ({TEXTS})(root)", root)),
    }
