"""Plotly figure specifications (plain dicts: data + layout) built from API results.

No numbers are computed here beyond what a chart needs to draw (sorting, labels); every value
comes from the Python API the CLI also calls.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

Figure = dict[str, Any]

CHINA = "#c0392b"
OTHER = "#7f8c8d"
ACCENT = "#2c7fb8"
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 12}


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


def share_map(results: list[dict[str, Any]], stage: str) -> Figure:
    """World choropleth of country shares, one trace per mineral, switched by buttons."""
    data, buttons = [], []
    for i, res in enumerate(results):
        rows = [s for s in res["shares"] if s["iso3"] not in ("XOT", "WLD")]
        data.append(
            {
                "type": "choropleth",
                "locationmode": "ISO-3",
                "locations": [s["iso3"] for s in rows],
                "z": [round(100 * s["share"], 2) for s in rows],
                "text": [f"{s['value']:,.0f} t" for s in rows],
                "hovertemplate": "%{location}: %{z:.1f} %<br>%{text}<extra></extra>",
                "colorscale": "Reds",
                "zmin": 0,
                "zmax": 100,
                "colorbar": {"title": {"text": "% of world"}, "len": 0.7},
                "visible": i == 0,
                "name": res["mineral"],
            }
        )
        label = res["mineral"].replace("_", " ")
        buttons.append(
            {
                "label": f"{label} {res['year']}",
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(results))]},
                    {"title.text": _map_title(res, stage)},
                ],
            }
        )
    layout = _layout(
        _map_title(results[0], stage) if results else f"{stage} shares",
        geo={
            "showframe": False,
            "projection": {"type": "natural earth"},
            "showcountries": True,
            "countrycolor": "#bbb",
            "showcoastlines": False,
            "landcolor": "#f4f4f4",
        },
        updatemenus=[
            {"buttons": buttons, "direction": "down", "x": 0.0, "y": 1.08, "xanchor": "left"}
        ],
        height=430,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return {"data": data, "layout": layout}


def _map_title(res: dict[str, Any], stage: str) -> str:
    what = "mine production" if stage == "mine" else "refined production"
    return f"{res['mineral'].replace('_', ' ').title()}: share of world {what}, {res['year']}"


def hhi_ranking(mine: list[dict[str, Any]], refine: list[dict[str, Any]]) -> Figure:
    """Horizontal bars of HHI per mineral, mine and refine side by side."""
    order = sorted(
        {r["mineral"] for r in mine} | {r["mineral"] for r in refine},
        key=lambda m: max([r["hhi"] for r in mine + refine if r["mineral"] == m]),
    )

    def trace(rows: list[dict[str, Any]], name: str, color: str) -> dict[str, Any]:
        by = {r["mineral"]: r for r in rows}
        return {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": [m.replace("_", " ") for m in order if m in by],
            "x": [round(by[m]["hhi"]) for m in order if m in by],
            "marker": {"color": color},
            "hovertemplate": "%{y}: HHI %{x}<extra>" + name + "</extra>",
        }

    layout = _layout(
        "Concentration by mineral (HHI, 0-10 000; above 1 800 = highly concentrated)",
        barmode="group",
        height=max(420, 16 * len(order) + 120),
        xaxis={"title": "HHI", "range": [0, 10_000], "gridcolor": "#eee"},
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
        margin={"l": 130, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": 1.02, "x": 0.5},
    )
    return {"data": [trace(mine, "mine", ACCENT), trace(refine, "refine", CHINA)], "layout": layout}


def dual_dominance(rows: list[dict[str, Any]]) -> Figure:
    """China's mine share vs refine share per mineral, beside each stage's other leader."""
    both = [
        r for r in rows if r["mine_china_share"] is not None and r["refine_china_share"] is not None
    ]
    china = {
        "type": "scatter",
        "mode": "markers+text",
        "name": "China",
        "x": [round(100 * r["mine_china_share"], 1) for r in both],
        "y": [round(100 * r["refine_china_share"], 1) for r in both],
        "text": [r["mineral"].replace("_", " ") for r in both],
        "textposition": "top center",
        "marker": {"color": CHINA, "size": 11},
        "hovertemplate": "%{text}: China mines %{x} %, refines %{y} %<extra></extra>",
    }
    layout = _layout(
        "Dual dominance: China's share of mining (x) and refining (y), latest year",
        xaxis={
            "title": "China, % of world mine production",
            "range": [-2, 102],
            "gridcolor": "#eee",
        },
        yaxis={
            "title": "China, % of world refined production",
            "range": [-2, 102],
            "gridcolor": "#eee",
        },
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
    return {"data": [china], "layout": layout}


def control_bars(results: list[dict[str, Any]]) -> Figure:
    """Stacked shares of a host country's output by owner nationality, per mineral."""
    nats: list[str] = []
    for res in results:
        for r in res["by_owner_iso3"]:
            if r["iso3"] not in nats:
                nats.append(r["iso3"])
    palette = {"CHN": CHINA}
    fallback = ["#2c7fb8", "#41ab5d", "#fdae61", "#9e9ac8", "#74add1", "#fee090", "#bdbdbd"]
    data = []
    for k, n in enumerate([*nats, "unattributed"]):
        xs = []
        for res in results:
            val = (
                res["unattributed_share"]
                if n == "unattributed"
                else next((r["share"] for r in res["by_owner_iso3"] if r["iso3"] == n), 0.0)
            )
            xs.append(round(100 * val, 1))
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": n,
                "y": [f"{r['mineral']} {r['year']}" for r in results],
                "x": xs,
                "marker": {
                    "color": "#e0e0e0"
                    if n == "unattributed"
                    else palette.get(n, fallback[k % len(fallback)])
                },
                "hovertemplate": n + ": %{x} %<extra></extra>",
            }
        )
    host = results[0]["host_iso3"] if results else ""
    layout = _layout(
        f"Who controls {host} mine output: ownership-weighted shares by owner nationality",
        barmode="stack",
        height=260 + 30 * len(results),
        xaxis={"title": "% of host-country production", "range": [0, 100]},
        legend={"orientation": "h", "y": -0.3},
        margin={"l": 110, "r": 20, "t": 50, "b": 80},
    )
    return {"data": data, "layout": layout}


def controls_timeline(rows: list[dict[str, Any]], today: dt.date) -> Figure:
    """Gantt-style bars: each control from effective (or announced) date to lift or today."""
    colors = {
        "active": CHINA,
        "suspended": "#f39c12",
        "lifted": OTHER,
        "announced": "#95a5a6",
        "unconfirmed": "#8e44ad",
        "not_yet": "#bdc3c7",
    }
    data: list[dict[str, Any]] = []
    dated = [r for r in rows if (r["effective"] or r["announced"])]
    for status in colors:
        sel = [r for r in dated if r["status"] == status]
        if not sel:
            continue
        starts = [(r["effective"] or r["announced"]) for r in sel]
        ends = [r["lifted"] or today for r in sel]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": status,
                "y": [_control_label(r) for r in sel],
                "base": [s.isoformat() for s in starts],
                "x": [
                    max((e - s).days, 15) * 86_400_000 for s, e in zip(starts, ends, strict=True)
                ],
                "marker": {"color": colors[status]},
                "customdata": [r["measure"] for r in sel],
                "hovertemplate": "%{y}<br>%{customdata}<extra>" + status + "</extra>",
            }
        )
    layout = _layout(
        f"Export controls on critical minerals, by start date (status on {today.isoformat()})",
        barmode="overlay",
        height=max(420, 19 * len(dated) + 120),
        xaxis={"type": "date", "gridcolor": "#eee"},
        yaxis={"autorange": "reversed", "tickfont": {"size": 10}},
        margin={"l": 300, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.02, "x": 0.4},
    )
    return {"data": data, "layout": layout}


def _control_label(r: dict[str, Any]) -> str:
    minerals = ", ".join(m.replace("_", " ") for m in r["mineral_ids"][:3])
    more = " ..." if len(r["mineral_ids"]) > 3 else ""
    return f"{r['imposing_iso3']}: {minerals}{more} [{r['measure'].replace('_', ' ')}]"


def bar(
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    title: str,
    xtitle: str,
    scale: float = 1.0,
    color: str = ACCENT,
    fmt: str = ",.0f",
) -> Figure:
    """A plain horizontal bar chart of ``rows`` (largest on top)."""
    rows = list(reversed(rows))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [str(r[y]).replace("_", " ") for r in rows],
                "x": [(r[x] or 0) * scale for r in rows],
                "marker": {"color": color},
                "hovertemplate": "%{y}: %{x:" + fmt + "}<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            height=max(300, 22 * len(rows) + 110),
            xaxis={"title": xtitle, "gridcolor": "#eee"},
            margin={"l": 220, "r": 20, "t": 50, "b": 50},
        ),
    }


def cheque_histogram(amounts_usd: list[float], title: str) -> Figure:
    """Distribution of commitment sizes on a log axis (USD millions)."""
    return {
        "data": [
            {
                "type": "histogram",
                "x": [a / 1e6 for a in amounts_usd if a > 0],
                "marker": {"color": ACCENT},
                "nbinsx": 30,
                "hovertemplate": "%{x} M USD: %{y} commitments<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            height=320,
            xaxis={"title": "USD million (log scale)", "type": "log"},
            yaxis={"title": "commitments"},
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
                "label": f"{key[0].replace('_', ' ')}: {key[1]}",
                "method": "update",
                "args": [{"visible": [j // per == i for j in range(per * len(keys))]}],
            }
        )
    layout = _layout(
        title,
        height=420,
        xaxis={"title": "year", "dtick": 1},
        yaxis={"title": "tonnes per year", "gridcolor": "#eee", "rangemode": "tozero"},
        updatemenus=[
            {"buttons": buttons, "direction": "down", "x": 0.0, "y": 1.13, "xanchor": "left"}
        ],
        margin={"l": 70, "r": 20, "t": 90, "b": 50},
        legend={"orientation": "h", "y": -0.2},
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
            xaxis={"title": "ten-year cost, USD billion (nominal)", "gridcolor": "#eee"},
            yaxis={"title": "% of paths"},
            shapes=shapes,
            annotations=notes,
        ),
    }
