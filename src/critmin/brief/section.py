"""A briefing section (finding, charts, tables, notes, sources) and the text formatting the
sections share."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from critmin import names
from critmin.brief import charts

# a citation marker in escaped finding text; the builder turns it into numbered links
CITE_OPEN, CITE_CLOSE = "\x02cite:", "\x03"


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict[str, Any]]
    # key of each row's source id(s) (a str or a list); the page adds a linked source column
    source: str | None = None
    # key -> "pct" | "usd" | "t" | "x" | "country" | "mineral" | "agency" | "words" | "quote"
    # (text quoted from a source, printed as written) | "verbatim" (a name as the source
    # records it, a company's "Lynas USA LLC": printed as written, never read as a code) | a
    # format spec such as ".1f": how a cell is shown
    formats: dict[str, str] = field(default_factory=dict)
    id: str = ""  # anchor, set by the builder when empty
    # source ids for the whole table (a model's output resting on these inputs), linked in
    # its caption; a row's own sources go in ``source``
    cite: list[str] = field(default_factory=list)


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


def cite(ids: Iterable[str] | str | None) -> str:
    """A marker placed after an escaped sentence: the builder replaces it with numbered links
    to the sources' entries (``#src-ID``). Ids must be cited by the section too."""
    if ids is None:
        return ""
    wanted = [ids] if isinstance(ids, str) else sorted({i for i in ids if i})
    return f"{CITE_OPEN}{','.join(wanted)}{CITE_CLOSE}" if wanted else ""


def see_table(table_id: str, text: str) -> str:
    """A link from an aggregate number to the table whose rows carry its sources."""
    return f' <a class="cite" href="#{esc(table_id)}">[{esc(text)}]</a>'


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
    """A mineral's name inside a sentence (``rare earths``)."""
    return names.mineral_lower(mineral_id)


def country(iso3: str | None) -> str:
    return names.country(iso3)
