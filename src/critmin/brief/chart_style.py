"""What every chart of the brief and the dashboard shares: colours, fonts, the base layout
with titled axes, and the label helpers that keep names readable at 390 px."""

from __future__ import annotations

from typing import Any

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


def base_layout(title: str, **extra: Any) -> dict[str, Any]:
    base = {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    base.update(extra)
    return base


def top_legend() -> dict[str, Any]:
    """A legend above the plot area (between title and bars), never over the bars."""
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"}


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
