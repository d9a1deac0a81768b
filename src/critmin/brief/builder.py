"""`critmin brief`: one self-contained HTML file, every number from the Python API.

No request leaves the file: plotly.js and the world map are inlined, sources are printed as
text (not links that load anything).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, cast

from critmin import __version__
from critmin.brief.config import BriefConfig
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


def _fmt(v: Any) -> str:
    if v is None:
        return ""
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
    from critmin.data.bundled import data_version
    from critmin.store import read_table

    cfg = config or BriefConfig()
    out = Path(out)
    _check_writable(out, force)
    check_config(cfg)
    t0 = time.perf_counter()
    sections: list[Section] = []
    for title, make in SECTIONS:
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
    cited = set().union(*(s.sources for s in sections))
    src = read_table("sources").to_dicts()
    listed = [r for r in src if r["source_id"] in cited]
    seen = {r["source_id"] for r in listed}
    for sec in sections:
        for extra in sec.extra_sources:
            if extra["source_id"] not in seen:
                listed.append(extra)
                seen.add(extra["source_id"])
    sources = sorted(listed, key=lambda r: (r["publisher"], r["title"]))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meta = {
        "generated_at": now.isoformat(),
        "generated_on": now.date().isoformat(),
        "critmin_version": __version__,
        "data_version": data_version(),
        "seed": cfg.seed,
        "parameters": json.dumps(cfg.model_dump(), sort_keys=True),
        "sources_cited": len(sources),
    }
    figures: dict[str, Any] = {}
    views = []
    for s in sections:
        ids = []
        for i, fig in enumerate(s.figures):
            fid = f"fig-{s.id}-{i}"
            figures[fid] = fig
            ids.append(fid)
        views.append({**s.__dict__, "figure_ids": ids})
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
        plotly_js=Markup(get_plotlyjs()),
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
