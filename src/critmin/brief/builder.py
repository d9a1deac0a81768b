"""`critmin brief`: one self-contained HTML file, every number from the Python API.

No request leaves the file: plotly.js and the world map are inlined. Sources are listed with
their URLs as links (followed only when the reader clicks one); every sentence, chart and table
row links to the entries it rests on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, cast

from critmin import __version__
from critmin.brief.config import BriefConfig
from critmin.brief.section import CITE_CLOSE, CITE_OPEN, Table
from critmin.brief.sections import SECTIONS, Section, esc
from critmin.errors import CritminError, InputError


@dataclass
class BriefResult:
    out: Path
    bytes: int
    seconds: float
    sections: list[str]
    facts: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def _fmt(v: Any, kind: str | None = None) -> str:
    """A table cell as the brief prints it; ``kind`` (a Table's ``formats``) says what the
    number is: shares print in %, money as USD, codes as names."""
    from critmin import names
    from critmin.brief.section import pct, usd

    if v is None:
        return ""
    if kind == "pct" and isinstance(v, int | float) and not isinstance(v, bool):
        return pct(v, 1)
    if kind == "usd" and isinstance(v, int | float) and not isinstance(v, bool):
        return usd(v)
    if kind == "t" and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v:,.0f} t"
    if kind == "x" and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v:.2f}x"
    if kind and kind.startswith(".") and isinstance(v, int | float) and not isinstance(v, bool):
        return format(v, kind)
    if kind == "country":
        return ", ".join(names.country(c) for c in v) if isinstance(v, list) else names.country(v)
    if kind == "mineral":
        return ", ".join(names.mineral(m) for m in v) if isinstance(v, list) else names.mineral(v)
    if kind == "agency":
        return names.agency(v)
    if kind == "words":
        return names.words(", ".join(v) if isinstance(v, list) else str(v))
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if 0 < abs(v) <= 1.0:
            return f"{v:.3f}"
        return f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def _row_sources(row: dict[str, Any], key: str | None) -> list[str]:
    if not key:
        return []
    v = row.get(key)
    if not v:
        return []
    return [v] if isinstance(v, str) else list(dict.fromkeys(str(i) for i in v if i))


def table_csv(table: Table, sources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """A brief table's "data (CSV)" and "sources (CSV)" links, each a ``data:`` URI (base64
    UTF-8 CSV, critmin.export's cell rule) with its file name.

    Data: the table's columns by key, values as computed (a share as a fraction, an amount in
    USD: not the printed text), and when the table has sources a ``source_id`` column with
    each row's source ids (``"; "`` between two). Sources: source_id, publisher, title, url,
    published of every id the rows cite, in the order first cited."""
    import base64

    from critmin import export

    keys = [key for key, _ in table.columns]
    rows: list[dict[str, Any]] = [{k: row.get(k) for k in keys} for row in table.rows]
    ids: list[str] = []
    if table.source:
        col = "source_id" if "source_id" not in keys else "row_sources"
        for out, row in zip(rows, table.rows, strict=True):
            out[col] = _row_sources(row, table.source)
        keys.append(col)
        ids = export.cited_ids(rows, key=col)

    def uri(text: str) -> str:
        return "data:text/csv;charset=utf-8;base64," + base64.b64encode(
            text.encode("utf-8")
        ).decode("ascii")

    stem = f"critmin-brief-{table.id}"
    cited = export.source_rows(ids, (sources[i] for i in ids if i in sources))
    return {
        "data": uri(export.to_csv(rows, keys)),
        "data_name": f"{stem}.csv",
        "sources": uri(export.to_csv(cited, export.SOURCE_COLUMNS)) if ids else "",
        "sources_name": f"{stem}-sources.csv",
    }


_CITE = re.compile(re.escape(CITE_OPEN) + r"([^\x03]*)" + re.escape(CITE_CLOSE))


def _link_citations(text: str, number: dict[str, int]) -> str:
    """Replace each citation marker with numbered links to the sources' entries."""

    def sub(m: re.Match[str]) -> str:
        links = [
            f'<a href="#src-{esc(i)}" title="{esc(i)}">{number[i]}</a>'
            for i in m.group(1).split(",")
            if i in number
        ]
        return f' <sup class="cite">[{", ".join(links)}]</sup>' if links else ""

    return _CITE.sub(sub, text)


def _cited_ids(text: str) -> set[str]:
    return {i for m in _CITE.finditer(text) for i in m.group(1).split(",") if i}


def _check_writable(out: Path, force: bool) -> None:
    """A new path, or an existing regular file with ``force`` (never a symlink, device, FIFO
    or folder: :func:`critmin.files.output_path`), in a folder we may write to."""
    from critmin.files import output_path

    output_path(out, "--out", force)
    parent = out.parent if str(out.parent) else Path(".")
    if not os.access(parent, os.W_OK):
        raise InputError("not writable", field="--out", value=str(out))


def script_json(value: Any) -> str:
    """JSON safe inside an inline ``<script>``: ``<``, ``>`` and ``&`` as ``\\u`` escapes, so
    no string can close the element (``</script>``) or open an HTML comment (``<!--``) that
    makes the parser run past the real ``</script>`` (a ledger recipient is free text)."""
    text = json.dumps(value, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fit_js() -> str:
    """The chart-fitting script the brief inlines and the dashboard serves (assets/fit.js)."""
    return (resources.files("critmin.brief") / "assets" / "fit.js").read_text(encoding="utf-8")


def build_brief(
    out: Path | str = "brief.html",
    config: BriefConfig | None = None,
    progress: Any = None,
    force: bool = False,
) -> BriefResult:
    """Build the briefing and write it atomically to ``out``; returns what was written.

    ``out`` must be a new path, or with ``force`` an existing regular file.

    ``progress`` (optional) is called as ``progress(step_name)`` before each section.
    """
    import jinja2
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    from critmin.brief.config import check_config
    from critmin.capabilities.data import bundled_data_version
    from critmin.capabilities.store import store_rows

    cfg = config or BriefConfig()
    out = Path(out)
    _check_writable(out, force)
    check_config(cfg)
    t0 = time.perf_counter()
    sections: list[Section] = []
    from critmin.brief.profile_sections import country_section
    from critmin.vocab import resolve_country

    # the six fixed sections, then one per country asked for (--country), numbered on
    makers: list[tuple[str, Callable[[BriefConfig], Section]]] = list(SECTIONS)
    for iso3 in dict.fromkeys(resolve_country(c, "countries") for c in cfg.countries):
        makers.append((f"Country profile {iso3}", country_section(iso3, len(makers) + 1)))
    for title, make in makers:
        if progress:
            progress(title)
        try:
            sections.append(make(cfg))
        except CritminError as exc:
            sid = title.lower().replace(" ", "-")
            failed = Section(sid, title)
            failed.notes.append(esc(f"This section could not be computed: {exc}"))
            sections.append(failed)
    if progress:
        progress("Sources and method")
    for sec in sections:  # what a sentence, a chart or a table row cites is listed
        for p in sec.finding + sec.notes:
            sec.sources.update(_cited_ids(p))
        for fig in sec.figures:
            sec.sources.update(fig.get("sources", []))
        for t in sec.tables:
            sec.sources.update(t.cite)
            for row in t.rows:
                sec.sources.update(_row_sources(row, t.source))
    cited = set().union(*(s.sources for s in sections))
    src = store_rows("sources")
    listed = [r for r in src if r["source_id"] in cited]
    seen = {r["source_id"] for r in listed}
    for sec in sections:
        for extra in sec.extra_sources:
            if extra["source_id"] not in seen:
                listed.append(extra)
                seen.add(extra["source_id"])
    sources = sorted(listed, key=lambda r: (r["publisher"] or "", r["title"] or ""))
    number = {r["source_id"]: i for i, r in enumerate(sources, 1)}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meta = {
        "generated_at": now.isoformat(),
        "generated_on": now.date().isoformat(),
        "critmin_version": __version__,
        "data_version": bundled_data_version(),
        "seed": cfg.seed,
        "parameters": json.dumps(cfg.model_dump(), sort_keys=True),
        "sources_cited": len(sources),
    }
    figures: dict[str, Any] = {}
    views = []
    by_id = {r["source_id"]: r for r in sources}
    for s in sections:
        charts_view = []
        for i, fig in enumerate(s.figures):
            fid = f"fig-{s.id}-{i}"
            figures[fid] = {"data": fig["data"], "layout": fig["layout"]}
            charts_view.append(
                {
                    "id": fid,
                    "sources": list(fig.get("sources", [])),
                    "source_table": fig.get("source_table", ""),
                }
            )
        for k, t in enumerate(s.tables):
            t.id = t.id or f"tab-{s.id}-{k}"
        views.append(
            {
                **s.__dict__,
                "downloads": {t.id: table_csv(t, by_id) for t in s.tables},
                "finding": [_link_citations(p, number) for p in s.finding],
                "notes": [_link_citations(p, number) for p in s.notes],
                "charts": charts_view,
            }
        )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(
        (resources.files("critmin.brief") / "template.html.j2").read_text(encoding="utf-8")
    )
    topo = (resources.files("critmin.brief") / "assets" / "world_110m.json").read_text(
        encoding="utf-8"
    )
    page = template.render(
        sections=views,
        sources=sources,
        meta=meta,
        fmt=_fmt,
        row_sources=_row_sources,
        number=number,
        plotly_js=Markup(get_plotlyjs()),
        fit_js=Markup(fit_js()),
        world_topojson=Markup(topo),
        figures_json=Markup(script_json(figures)),
    )
    from critmin.files import atomic_output

    with atomic_output(out, "--out", force, mode="w", encoding="utf-8") as fh:
        cast("IO[str]", fh).write(page)
    facts: dict[str, Any] = {}
    for s in sections:
        facts.update(s.facts)
    return BriefResult(
        out, len(page.encode()), time.perf_counter() - t0, [s.title for s in sections], facts, meta
    )
