"""Plotly figure specifications (plain dicts: data + layout) built from API results.

The one set of chart builders: the briefing inlines these figures, and the dashboard draws
the same figures from ``/api/v1/charts/...`` (critmin.api.routes.charts), so the two cannot
drift. No numbers are computed here beyond what a chart needs to draw (sorting, labels);
every value comes from the Python API the CLI also calls.

Conventions every builder keeps (tests/brief/test_charts.py checks them):

- every cartesian chart has ``xaxis.title.text`` and ``yaxis.title.text`` with the unit
  (plotly.js ignores a plain-string axis title);
- legends, axis labels and bar labels use country and mineral names; codes appear only in
  hover text; ``XOT`` (other countries) is never drawn as a country;
- a value that is missing is written "no data" on the chart, never drawn as a zero bar;
- a figure may carry ``sources`` (source ids), which the page prints as links under it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from critmin.brief import names

Figure = dict[str, Any]

CHINA = "#c0392b"
OTHER = "#7f8c8d"
ACCENT = "#2c7fb8"
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 12}
# controls by status: hues far apart (no two greys), colour-blind safe where possible
STATUS_COLORS = {
    "active": "#c0392b",
    "suspended": "#e69f00",
    "unconfirmed": "#8e44ad",
    "announced": "#0072b2",
    "not_yet": "#56b4e9",
    "lifted": "#9e9e9e",
}


def axis(title: str, **extra: Any) -> dict[str, Any]:
    """An axis with its title as plotly.js wants it (``title: {text: ...}``)."""
    return {"title": {"text": title}, "automargin": True, **extra}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    base = {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    base.update(extra)
    return base


def _top_legend() -> dict[str, Any]:
    """A legend above the plot area (between title and bars), never over the bars."""
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"}


GEO = {
    "showframe": False,
    # Atlantic-centred: every continent, West Africa and the Atlantic included
    "projection": {"type": "natural earth", "rotation": {"lon": 0}},
    "center": {"lon": 0, "lat": 10},
    "lonaxis": {"range": [-180, 180]},
    "lataxis": {"range": [-58, 85]},
    "showcountries": True,
    "countrycolor": "#bbb",
    "showcoastlines": False,
    "showland": True,
    "landcolor": "#f4f4f4",
}


def share_map(results: list[dict[str, Any]], stage: str) -> Figure:
    """World choropleth of country shares, one trace per mineral, switched by buttons."""
    data, buttons = [], []
    for i, res in enumerate(results):
        rows = [s for s in res["shares"] if names.is_country(s["iso3"])]
        data.append(
            {
                "type": "choropleth",
                "locationmode": "ISO-3",
                "locations": [s["iso3"] for s in rows],
                "z": [round(100 * s["share"], 2) for s in rows],
                "text": [
                    f"{names.country(s['iso3'])} ({s['iso3']}): {s['value']:,.0f} t" for s in rows
                ],
                "hovertemplate": "%{text}<br>%{z:.1f} % of world<extra></extra>",
                "colorscale": "Reds",
                "zmin": 0,
                "zmax": 100,
                "colorbar": {"title": {"text": "% of world"}, "len": 0.7},
                "visible": i == 0,
                "name": names.mineral(res["mineral"]),
            }
        )
        buttons.append(
            {
                "label": f"{names.mineral(res['mineral'])} {res['year']}",
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(results))]},
                    {"title.text": _map_title(res, stage)},
                ],
            }
        )
    layout = _layout(
        _map_title(results[0], stage) if results else f"{stage} shares",
        geo=GEO,
        # a menu only when there is a choice
        updatemenus=[
            {"buttons": buttons, "direction": "down", "x": 0.0, "y": 1.08, "xanchor": "left"}
        ]
        if len(results) > 1
        else [],
        height=430,
        margin={"l": 10, "r": 10, "t": 80 if len(results) > 1 else 50, "b": 10},
    )
    sources = sorted({src for res in results for src in res.get("sources", [])})
    return {"data": data, "layout": layout, "sources": sources}


def _map_title(res: dict[str, Any], stage: str) -> str:
    what = "mine production" if stage == "mine" else "refined production"
    return f"{names.mineral(res['mineral'])}: share of world {what} (%), {res['year']}"


def hhi_ranking(mine: list[dict[str, Any]], refine: list[dict[str, Any]]) -> Figure:
    """Horizontal bars of HHI per mineral, mine and refine side by side, highest on top.

    Rows are ordered by the larger of the two stages' HHI (explicit category order, so a
    mineral with only a refine figure is not appended at the end); a mineral with no HHI at
    either stage is a labelled "no data" row, not an empty one."""
    by_m = {r["mineral"]: r for r in mine}
    by_r = {r["mineral"]: r for r in refine}
    minerals = set(by_m) | set(by_r)

    def best(m: str) -> float:
        vals = [r["hhi"] for r in (by_m.get(m), by_r.get(m)) if r and r["hhi"] is not None]
        return max(vals) if vals else -1.0

    order = sorted(minerals, key=lambda m: (best(m), names.mineral(m)))  # bottom to top
    labels = {m: names.mineral(m) for m in order}

    def trace(by: dict[str, dict[str, Any]], name: str, color: str) -> dict[str, Any]:
        ms = [m for m in order if m in by and by[m]["hhi"] is not None]
        return {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": [labels[m] for m in ms],
            "x": [round(by[m]["hhi"]) for m in ms],
            "customdata": [f"{by[m]['year']}, leader {names.country(by[m]['leader'])}" for m in ms],
            "marker": {"color": color},
            "hovertemplate": "%{y}: HHI %{x:,}<br>%{customdata}<extra>" + name + "</extra>",
        }

    empty = [m for m in order if best(m) < 0]
    notes = [
        {
            "x": 0,
            "y": labels[m],
            "xanchor": "left",
            "text": "no data",
            "showarrow": False,
            "font": {"size": 11, "color": "#777"},
        }
        for m in empty
    ]
    layout = _layout(
        "Concentration by mineral (HHI, 0-10 000; above 1 800 = highly concentrated)",
        barmode="group",
        height=max(420, 26 * len(order) + 140),
        xaxis=axis("HHI (0-10 000, dimensionless)", range=[0, 10_000], gridcolor="#eee"),
        yaxis=axis(
            "mineral",
            type="category",
            categoryorder="array",
            categoryarray=[labels[m] for m in order],
        ),
        shapes=[
            {
                "type": "line",
                "x0": 1800,
                "x1": 1800,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#555"},
            }
        ],
        annotations=notes,
        margin={"l": 150, "r": 20, "t": 80, "b": 50},
        legend=_top_legend(),
    )
    sources = sorted({s for r in mine + refine for s in r.get("sources", [])})
    return {
        "data": [trace(by_m, "mine", ACCENT), trace(by_r, "refine", CHINA)],
        "layout": layout,
        "sources": sources,
    }


def thin_labels(
    points: list[tuple[float, float, str]], px_x: float, px_y: float, font: float = 11
) -> list[bool]:
    """Which point labels to draw so no two drawn labels overlap: greedy, in the order given
    (the caller puts the most important first). A label is a box ``len * 0.56 * font`` px wide
    and ``1.3 * font`` px tall centred above its point; ``px_x`` and ``px_y`` are pixels per
    data unit on each axis for the chart size the labels are thinned for."""
    boxes: list[tuple[float, float, float, float]] = []
    keep = []
    for x, y, text in points:
        w = len(text) * 0.56 * font
        h = 1.3 * font
        cx, cy = x * px_x, y * px_y + 0.5 * h + 6
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        free = all(
            box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in boxes
        )
        if free:
            boxes.append(box)
        keep.append(free)
    return keep


def dual_dominance(rows: list[dict[str, Any]]) -> Figure:
    """China's mine share vs refine share per mineral.

    Every mineral is a marker with its name in the hover text; names are written next to the
    markers only where they do not overlap (:func:`thin_labels`: minerals with the larger
    refine share first), for a wide chart (about 900 x 340 px of plot) and, in the narrow
    variant critminFit draws below 600 px, for about 300 x 340 px."""
    both = [
        r for r in rows if r["mine_china_share"] is not None and r["refine_china_share"] is not None
    ]
    both.sort(key=lambda r: (-r["refine_china_share"], -r["mine_china_share"], r["mineral"]))
    xs = [round(100 * r["mine_china_share"], 1) for r in both]
    ys = [round(100 * r["refine_china_share"], 1) for r in both]
    label = [names.mineral(r["mineral"]) for r in both]

    def texts(px_x: float, px_y: float) -> list[str]:
        keep = thin_labels(list(zip(xs, ys, label, strict=True)), px_x, px_y)
        return [t if k else "" for t, k in zip(label, keep, strict=True)]

    # labels run left of a marker near the right edge and right of one near the left edge
    position = ["top left" if x > 80 else "top right" if x < 20 else "top center" for x in xs]
    china = {
        "type": "scatter",
        "mode": "markers+text",
        "name": "China",
        "x": xs,
        "y": ys,
        "text": texts(9.0, 3.4),
        "customdata": label,
        "textposition": position,
        "textfont": {"size": 11},
        "marker": {"color": CHINA, "size": 11},
        "hovertemplate": "%{customdata}: China mines %{x} %, refines %{y} %<extra></extra>",
    }
    shown = sum(bool(t) for t in china["text"])
    layout = _layout(
        "Dual dominance: China's share of mining (x) and refining (y), latest year",
        xaxis=axis("China, % of world mine production", range=[-2, 102], gridcolor="#eee"),
        yaxis=axis("China, % of world refined production", range=[-2, 102], gridcolor="#eee"),
        shapes=[
            {
                "type": "line",
                "x0": 0,
                "y0": 0,
                "x1": 100,
                "y1": 100,
                "line": {"dash": "dot", "color": "#aaa"},
            }
        ],
        height=460,
        showlegend=False,
    )
    note = {
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1,
        "yshift": 6,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "align": "left",
        "font": {"size": 11, "color": "#555"},
        "text": "Unlabelled markers: hover or tap for the mineral's name.",
    }
    if shown < len(both):
        layout["annotations"] = [note]
        layout["margin"] = {"l": 60, "r": 20, "t": 75, "b": 50}
    narrow = texts(3.0, 3.4)
    layout["meta"] = {"narrow": {"data": [{"text": narrow}]}}
    if sum(bool(t) for t in narrow) < len(both):
        layout["meta"]["narrow"]["layout"] = {"annotations": [note], "margin": {"t": 75}}
    return {"data": [china], "layout": layout}


def control_bars(results: list[dict[str, Any]]) -> Figure:
    """Stacked shares of a host country's output by owner nationality, per mineral."""
    nats: list[str] = []
    for res in results:
        for r in res["by_owner_iso3"]:
            if r["iso3"] not in nats:
                nats.append(r["iso3"])
    palette = {"CHN": CHINA}
    fallback = ["#2c7fb8", "#41ab5d", "#fdae61", "#9e9ac8", "#74add1", "#fee090", "#8c6d31"]
    data = []
    ylabels = [f"{names.mineral(r['mineral'])} {r['year']}" for r in results]
    for k, n in enumerate([*nats, "unattributed"]):
        xs = []
        for res in results:
            val = (
                res["unattributed_share"]
                if n == "unattributed"
                else next((r["share"] for r in res["by_owner_iso3"] if r["iso3"] == n), 0.0)
            )
            xs.append(round(100 * val, 1))
        label = "unattributed" if n == "unattributed" else names.country(n)
        code = "" if n == "unattributed" else f" ({n})"
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": ylabels,
                "x": xs,
                "marker": {
                    "color": "#e0e0e0"
                    if n == "unattributed"
                    else palette.get(n, fallback[k % len(fallback)])
                },
                "hovertemplate": label + code + ": %{x} %<extra></extra>",
            }
        )
    host = names.country(results[0]["host_iso3"]) if results else ""
    layout = _layout(
        f"Who controls {host}'s mine output: ownership-weighted shares by owner nationality",
        barmode="stack",
        height=300 + 30 * len(results),
        xaxis=axis("% of host-country production", range=[0, 100]),
        yaxis=axis("mineral, year"),
        legend={"orientation": "h", "y": -0.35, "yanchor": "top"},
        margin={"l": 110, "r": 20, "t": 50, "b": 110},
    )
    sources = sorted({s for r in results for s in r.get("sources", [])})
    return {"data": data, "layout": layout, "sources": sources}


def controls_timeline(rows: list[dict[str, Any]], today: dt.date) -> Figure:
    """Gantt-style bars, one row per control: from its effective (else announced) date to
    the lift date or ``today``. Every control with a recorded start date is drawn, whatever
    its start year or status; each row's label is unique (imposer, minerals, measure and the
    start year; a control id is added when those still repeat)."""
    data: list[dict[str, Any]] = []
    dated = sorted(
        (r for r in rows if (r["effective"] or r["announced"])),
        key=lambda r: (r["effective"] or r["announced"], r["control_id"]),
    )
    labels = _unique_labels(dated)
    for status, color in STATUS_COLORS.items():
        sel = [r for r in dated if r["status"] == status]
        if not sel:
            continue
        starts = [(r["effective"] or r["announced"]) for r in sel]
        ends = [max(r["lifted"] or today, s) for r, s in zip(sel, starts, strict=True)]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": names.words(status),
                "y": [labels[r["control_id"]] for r in sel],
                "base": [s.isoformat() for s in starts],
                "x": [
                    max((e - s).days, 30) * 86_400_000 for s, e in zip(starts, ends, strict=True)
                ],
                "marker": {"color": color},
                "customdata": [
                    f"{r['control_id']} ({r['imposing_iso3']}); {names.words(r['measure'])}"
                    for r in sel
                ],
                "hovertemplate": "%{y}<br>%{customdata}<extra>" + status + "</extra>",
            }
        )
    undated = len(rows) - len(dated)
    title = (
        f"Export controls, start to lift date or {today.isoformat()}: every one with a start "
        f"date ({len(dated)} of {len(rows)}, any year or status)"
    )
    if undated:
        title += f"; {undated} undated are listed, not drawn"
    order = [labels[r["control_id"]] for r in dated]
    first = min((r["effective"] or r["announced"] for r in dated), default=today)
    last = max(
        [today, *(max(r["effective"] or r["announced"], r["lifted"] or today) for r in dated)]
    )
    xrange = [dt.date(first.year, 1, 1).isoformat(), dt.date(last.year + 1, 1, 1).isoformat()]
    layout = _layout(
        title,
        barmode="overlay",
        height=max(420, 20 * len(dated) + 150),
        xaxis=axis(
            "start date to lift date (or today)", type="date", gridcolor="#eee", range=xrange
        ),
        yaxis=axis(
            "control (imposing country: minerals [measure], start year)",
            type="category",
            categoryorder="array",
            categoryarray=order,
            autorange="reversed",
            tickfont={"size": 10},
        ),
        margin={"l": 20, "r": 20, "t": 80, "b": 50},
        legend=_top_legend(),
        shapes=[
            {
                "type": "line",
                "yref": "paper",
                "x0": today.isoformat(),
                "x1": today.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#555", "width": 1},
            }
        ],
    )
    # narrow screens (critminFit, below 600 px): each control's label on its own line above
    # its bar, the bars the full width; one row per control, none stacked
    layout["meta"] = {
        "narrow": labels_above(order, top_first=True, ytitle="control (label above its bar)")
    }
    sources = sorted({s for r in rows for s in r.get("sources", [])})
    return {"data": data, "layout": layout, "sources": sources}


def labels_above(
    order: list[str], top_first: bool, ytitle: str, row_px: int = 50, extra_px: int = 170
) -> dict[str, Any]:
    """The narrow variant (critminFit, below 600 px) of a horizontal bar chart whose row
    labels would take most of a phone's width: each label written on its own line above its
    bar (wrapped if long), the tick labels hidden, the bars the full width, ``row_px`` a row.

    ``order`` is the category order as the y axis lists it; ``top_first`` says whether the
    axis is reversed (first category on top) or not (first at the bottom)."""
    n = len(order)
    # room above the top bar for its label, clear of a legend or note over the plot
    yrange = [n - 0.5, -1.3] if top_first else [-0.5, n - 0.5 + 0.8]
    return {
        "layout": {
            "height": row_px * n + extra_px,
            "yaxis": {
                "showticklabels": False,
                "title": {"text": ytitle},
                "autorange": False,
                "range": yrange,
            },
            "margin": {"l": 30, "r": 10},
            "bargap": 0.6,
            "annotations": [
                {
                    "xref": "paper",
                    "x": 0,
                    "xanchor": "left",
                    "yref": "y",
                    "y": lab,
                    "yanchor": "bottom",
                    "yshift": 11,
                    "text": lab,
                    "showarrow": False,
                    "align": "left",
                    "font": {"size": 10, "color": "#333"},
                }
                for lab in order
            ],
        }
    }


def _control_label(r: dict[str, Any]) -> str:
    minerals = ", ".join(names.mineral_lower(m) for m in r["mineral_ids"][:3])
    more = " ..." if len(r["mineral_ids"]) > 3 else ""
    start = r["effective"] or r["announced"]
    return (
        f"{names.country(r['imposing_iso3'])}: {minerals}{more} "
        f"[{names.words(r['measure'])}, {start.year}]"
    )


def _unique_labels(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Row label per control id; a label that repeats gets the start month, then the id."""
    first = {r["control_id"]: _control_label(r) for r in rows}
    counts: dict[str, int] = {}
    for lab in first.values():
        counts[lab] = counts.get(lab, 0) + 1
    out: dict[str, str] = {}
    for r in rows:
        lab = first[r["control_id"]]
        if counts[lab] > 1:
            start = r["effective"] or r["announced"]
            lab = lab[:-1] + f"-{start.month:02d}]"
        out[r["control_id"]] = lab
    seen: dict[str, int] = {}
    for lab in out.values():
        seen[lab] = seen.get(lab, 0) + 1
    nth: dict[str, int] = {}
    final = {}
    for cid, lab in out.items():  # same imposer, minerals, measure and month: numbered
        if seen[lab] > 1:
            nth[lab] = nth.get(lab, 0) + 1
            lab = f"{lab} ({nth[lab]} of {seen[lab]})"
        final[cid] = lab
    return final


def bar(
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    title: str,
    xtitle: str,
    scale: float = 1.0,
    color: str = ACCENT,
    fmt: str = ",.0f",
    ytitle: str = "",
    label: Any = None,
    unstated: str | None = None,
) -> Figure:
    """A plain horizontal bar chart of ``rows`` (first row on top).

    A missing value (None) is never drawn as a zero-length bar: the row is named in a note
    under the chart instead. With ``unstated`` (the note's wording, e.g. "no amount
    stated"), a zero is treated the same way: the ledger sums rows that state no amount to
    0, which is not zero money. ``label`` maps a row's ``y`` value to the words shown
    (default: the id in words).
    """
    to_label = label or (lambda v: names.words(str(v)))

    def absent(r: dict[str, Any]) -> bool:
        return r[x] is None or (unstated is not None and r[x] == 0)

    drawn = [r for r in rows if not absent(r)]
    missing = [to_label(r[y]) for r in rows if absent(r)]
    drawn = list(reversed(drawn))
    notes = []
    if missing:
        notes.append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "yshift": 6,
                "xanchor": "left",
                "yanchor": "bottom",
                "align": "left",
                "showarrow": False,
                "font": {"size": 11, "color": "#555"},
                "text": f"{unstated or 'no data'} (not drawn, not zero): " + ", ".join(missing),
            }
        )
    labels = [to_label(r[y]) for r in drawn]
    layout = _layout(
        title,
        height=max(300, 22 * len(drawn) + 130 + (30 if missing else 0)),
        xaxis=axis(xtitle, gridcolor="#eee"),
        yaxis=axis(ytitle or names.words(y)),
        margin={"l": 20, "r": 20, "t": 75 if missing else 50, "b": 50},
        annotations=notes,
    )
    if max(map(len, labels), default=0) > 16:  # long labels: above their bars on a phone
        narrow = labels_above(
            labels,
            top_first=False,
            ytitle=f"{ytitle or names.words(y)} (label above its bar)",
            row_px=44,
            extra_px=140 + (30 if missing else 0),
        )
        narrow["layout"]["annotations"] = notes + narrow["layout"]["annotations"]
        layout["meta"] = {"narrow": narrow}
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": [r[x] * scale for r in drawn],
                "customdata": [str(r[y]) for r in drawn],
                "marker": {"color": color},
                "hovertemplate": "%{y}: %{x:" + fmt + "}<extra>%{customdata}</extra>",
            }
        ],
        "layout": layout,
    }


CHEQUE_BINS = [0.0, 1e6, 1e7, 1e8, 1e9, 1e10, math.inf]


def cheque_sizes(amounts_usd: list[float], title: str) -> Figure:
    """Commitments counted by size band (USD, powers of ten).

    Bands are counted here rather than by plotly's histogram, which bins in linear space
    and leaves a log axis empty (the defect this replaces)."""
    labels = ["< $1M", "$1-10M", "$10-100M", "$100M-1B", "$1-10B", ">= $10B"]
    counts = [0] * len(labels)
    for a in amounts_usd:
        if a > 0:
            for i, (lo, hi) in enumerate(itertools.pairwise(CHEQUE_BINS)):
                if lo <= a < hi:
                    counts[i] += 1
                    break
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": counts,
                "marker": {"color": ACCENT},
                "hovertemplate": "%{x}: %{y} commitments<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            height=320,
            xaxis=axis("size of commitment (USD, nominal)", type="category"),
            yaxis=axis("number of commitments", gridcolor="#eee", rangemode="tozero"),
        ),
    }


def fan_chart(by_year: list[dict[str, Any]], title: str) -> Figure:
    """Delivered tonnes p10-p90 band, median and mean vs the announced plan, one product per
    dropdown entry."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in by_year:
        groups.setdefault((r["mineral"], r["product"]), []).append(r)
    keys = sorted(groups, key=lambda k: -max(r["planned_t"] for r in groups[k]))
    data: list[dict[str, Any]] = []
    buttons = []
    per = 4
    for i, key in enumerate(keys):
        rows = groups[key]
        years = [r["year"] for r in rows]
        vis = i == 0
        data += [
            {
                "type": "scatter",
                "x": years,
                "y": [r["p90_t"] for r in rows],
                "mode": "lines",
                "line": {"width": 0},
                "showlegend": False,
                "visible": vis,
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": years,
                "y": [r["p10_t"] for r in rows],
                "mode": "lines",
                "fill": "tonexty",
                "fillcolor": "rgba(44,127,184,0.25)",
                "line": {"width": 0},
                "name": "p10-p90",
                "visible": vis,
            },
            {
                "type": "scatter",
                "x": years,
                "y": [r["p50_t"] for r in rows],
                "mode": "lines",
                "line": {"color": ACCENT},
                "name": "median delivered",
                "visible": vis,
            },
            {
                "type": "scatter",
                "x": years,
                "y": [r["planned_t"] for r in rows],
                "mode": "lines",
                "line": {"color": "#333", "dash": "dash"},
                "name": "announced plan",
                "visible": vis,
            },
        ]
        buttons.append(
            {
                "label": f"{names.mineral(key[0])}: {key[1]}",
                "method": "update",
                "args": [{"visible": [j // per == i for j in range(per * len(keys))]}],
            }
        )
    layout = _layout(
        title,
        height=440,
        xaxis=axis("year", dtick=1),
        yaxis=axis("delivered capacity, tonnes per year", gridcolor="#eee", rangemode="tozero"),
        updatemenus=[
            {"buttons": buttons, "direction": "down", "x": 0.0, "y": 1.13, "xanchor": "left"}
        ],
        margin={"l": 70, "r": 20, "t": 90, "b": 50},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top"},
    )
    return {"data": data, "layout": layout}


def cost_histogram(
    edges: list[float], counts: list[int], title: str, marks: dict[str, float]
) -> Figure:
    """Distribution of a simulated total cost (USD billion), with vertical marks."""
    mids = [(a + b) / 2 / 1e9 for a, b in itertools.pairwise(edges)]
    width = (edges[1] - edges[0]) / 1e9 if len(edges) > 1 else 1.0
    total = sum(counts) or 1
    shapes, notes = [], []
    for i, (label, x) in enumerate(marks.items()):
        shapes.append(
            {
                "type": "line",
                "x0": x / 1e9,
                "x1": x / 1e9,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#333"},
            }
        )
        notes.append(
            {
                "x": x / 1e9,
                "yref": "paper",
                "y": 1 - 0.08 * i,
                "text": label,
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11},
            }
        )
    return {
        "data": [
            {
                "type": "bar",
                "x": mids,
                "y": [100 * c / total for c in counts],
                "width": width,
                "marker": {"color": ACCENT},
                "hovertemplate": "%{x:.2f} bn USD: %{y:.2f} % of paths<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            height=360,
            bargap=0,
            xaxis=axis("ten-year cost, USD billion (nominal)", gridcolor="#eee"),
            yaxis=axis("% of simulated paths"),
            shapes=shapes,
            annotations=notes,
        ),
    }
