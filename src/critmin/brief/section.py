"""A briefing section (finding, charts, tables, notes, sources) and the text formatting the
sections share."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from critmin.brief import charts


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict[str, Any]]


@dataclass
class Section:
    id: str
    title: str
    finding: list[str] = field(default_factory=list)  # paragraphs, already HTML-escaped
    figures: list[charts.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # gaps and caveats, escaped
    sources: set[str] = field(default_factory=set)
    facts: dict[str, Any] = field(default_factory=dict)  # numbers quoted in the text
    # sources cited by definitions (presets, scenarios) rather than by the store's tables
    extra_sources: list[dict[str, Any]] = field(default_factory=list)


def esc(value: Any) -> str:
    return html.escape(str(value))


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 1e9:
        return f"${x / 1e9:,.2f} billion"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.0f} million"
    return f"${x:,.0f}"


def name(mineral_id: str) -> str:
    return mineral_id.replace("_", " ")
