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

import itertools
import math
from typing import Any

from critmin import names
from critmin.brief.chart_style import (
    ACCENT,
    CHINA,
    FONT,
    OTHER,
    STATUS_COLORS,
    Figure,
    axis,
    base_layout,
    labels_above,
    thin_labels,
)
from critmin.brief.supply_charts import (
    GEO,
    control_bars,
    controls_timeline,
    dual_dominance,
    hhi_ranking,
    share_map,
)

# the shared style and the supply charts live in chart_style and supply_charts; callers
# use every builder from here
__all__ = [
    "ACCENT",
    "CHEQUE_BINS",
    "CHINA",
    "FONT",
    "GEO",
    "OTHER",
    "STATUS_COLORS",
    "Figure",
    "axis",
    "bar",
    "cheque_sizes",
    "control_bars",
    "controls_timeline",
    "cost_histogram",
    "dual_dominance",
    "fan_chart",
    "hhi_ranking",
    "labels_above",
    "share_map",
    "thin_labels",
]


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
    layout = base_layout(
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
        "layout": base_layout(
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
    layout = base_layout(
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
        "layout": base_layout(
            title,
            height=360,
            bargap=0,
            xaxis=axis("ten-year cost, USD billion (nominal)", gridcolor="#eee"),
            yaxis=axis("% of simulated paths"),
            shapes=shapes,
            annotations=notes,
        ),
    }
