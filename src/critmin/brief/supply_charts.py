"""Charts of who controls supply and the export controls: the share map, the HHI ranking,
dual dominance, ownership bars and the controls timeline (one builder each, used by the
brief and, through /api/v1/charts, the dashboard)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from critmin import names
from critmin.brief.chart_style import (
    ACCENT,
    CHINA,
    STATUS_COLORS,
    Figure,
    axis,
    base_layout,
    labels_above,
    thin_labels,
    top_legend,
)

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
    layout = base_layout(
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
    layout = base_layout(
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
        legend=top_legend(),
    )
    sources = sorted({s for r in mine + refine for s in r.get("sources", [])})
    return {
        "data": [trace(by_m, "mine", ACCENT), trace(by_r, "refine", CHINA)],
        "layout": layout,
        "sources": sources,
    }


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
    layout = base_layout(
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
    layout = base_layout(
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
    layout = base_layout(
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
        legend=top_legend(),
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
