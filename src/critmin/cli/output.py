"""Output helpers shared by the commands: JSON to stdout, tables through rich."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from critmin.jsonform import dumps

if TYPE_CHECKING:
    import polars as pl


def print_json(obj: Any) -> None:
    print(dumps(obj, indent=2))


def frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def printable(text: str) -> str:
    """``text`` with every control character (Unicode Cc) other than line feed and tab shown
    as an escape (``\\x1b``), so stored text can never drive the terminal (ANSI escapes, a
    carriage return that overwrites the line)."""
    from critmin.columns import CONTROLS  # the same set the table contract refuses

    return CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


# Columns whose values are names a user types back (ids, codes): never wrapped or cut.
KEY_COLUMNS = frozenset(
    {
        "mineral",
        "mineral_id",
        "iso3",
        "control_id",
        "id",
        "source_id",
        "asset_id",
        "project_id",
        "imposing_iso3",
        "actor_iso3",
        "host_iso3",
        "owner_iso3",
        "leader",
        "mine_leader",
        "refine_leader",
        "name",
        "edition",
        "table",
    }
)
MAX_TOKEN = 22  # a wrapped column is at least as wide as its longest word, up to this


def print_table(
    rows: list[dict[str, Any]],
    columns: list[str],
    title: str | None = None,
    keys: tuple[str, ...] = (),
    drop_first: tuple[str, ...] = (),
    fit: bool = True,
) -> None:
    """A rich table of ``rows`` that fits the terminal without cutting a name.

    The first column, ``keys`` and the :data:`KEY_COLUMNS` hold names users type back: they
    keep their full width on one line. Other columns wrap at spaces (a word longer than the
    column folds, nothing is replaced by an ellipsis). When even that does not fit, the
    other columns are left out, those in ``drop_first`` first, then from the right, and a
    line names them (``--json`` gives all). ``fit=False`` keeps every column and prints the
    table as wide as it needs, wider than the terminal if need be (``ledger list --wide``).
    Every cell and the title are plain text (rich markup such as ``[bold]`` in stored text
    prints as written) with control characters escaped.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    cells = [
        [printable(_fmt(r.get(c), c)) if r.get(c) is not None else "" for c in columns]
        for r in rows
    ]
    key_set = {columns[0], *keys, *KEY_COLUMNS} if columns else set()
    labels = [column_label(c) for c in columns]
    console = Console()
    shown = list(range(len(columns)))

    def need(i: int) -> int:
        values = [row[i] for row in cells]
        head = [len(w) + 1 for w in labels[i].split()]  # the header breaks at its spaces
        if columns[i] in key_set:  # a value never wraps
            return max([3, *map(len, values), *head])
        words = [len(w) for v in values for w in v.split()] + head
        return max(4, min(MAX_TOKEN, max(words)))

    def total(idx: list[int]) -> int:  # cells plus one space of padding each side and a rule
        return sum(need(i) for i in idx) + 3 * len(idx) - 1

    dropped: list[str] = []
    order = [columns.index(c) for c in drop_first if c in columns]
    order += [i for i in reversed(range(len(columns))) if columns[i] not in key_set]
    if not fit:
        console = Console(width=max(console.width, total(shown)))
    while len(shown) > 1 and total(shown) > console.width:
        drop = next((i for i in order if i in shown), shown[-1])
        shown.remove(drop)
        dropped.insert(0, columns[drop])
    table = Table(
        title=None if title is None else Text(printable(title)),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_lines=False,
    )
    # give every column a fixed width (rich then neither collapses nor cuts): each its
    # minimum, then the spare characters to the wrapped columns, up to their natural width
    widths = {i: need(i) for i in shown}
    spare = console.width - total(shown)
    natural = {i: max([len(labels[i]), *(len(row[i]) for row in cells)]) for i in shown}
    # the smallest shortfalls first: as many columns as possible shown whole, headers too
    for i in sorted(shown, key=lambda i: natural[i] - widths[i]):
        extra = max(0, min(spare, natural[i] - widths[i]))
        widths[i] += extra
        spare -= extra
    for i in shown:
        head = _header(labels[i], widths[i])
        table.add_column(Text(head), width=widths[i], overflow="fold")
    for row in cells:
        table.add_row(*(Text(row[i]) for i in shown))
    console.print(table)
    if dropped:
        console.print(
            Text(
                f"columns left out at {console.width} characters: {', '.join(dropped)} "
                "(--json, or a wider terminal, shows them)"
            )
        )


def _header(label: str, width: int) -> str:
    """A column label broken at its spaces to fit ``width`` ("amount" / "(USD)")."""
    lines = [""]
    for word in label.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append("")
        lines[-1] += (" " if lines[-1] else "") + word
    return "\n".join(lines)


# how a column's name reads in a table header (--json keeps the names): a unit suffix becomes
# a bracket, an abbreviation its capitals, every other "_" a space
_UNIT = {"usd": "USD", "t": "t", "tpy": "t/yr", "kg": "kg", "pct": "%"}
_WORD = {
    "usd": "USD",
    "iso3": "ISO3",
    "iso2": "ISO2",
    "hhi": "HHI",
    "nir": "NIR",
    "us": "US",
    "china": "China",
}


def column_label(name: str) -> str:
    """``amount_usd`` -> ``amount (USD)``, ``share_pct`` -> ``share (%)``,
    ``damage_avoided_usd_per_yr`` -> ``damage avoided (USD/yr)``, ``iso3`` -> ``ISO3``."""
    words = name.split("_")
    unit = None
    if len(words) > 3 and words[-3] == "usd" and words[-2] == "per":
        unit, words = f"USD/{words[-1]}", words[:-3]
    elif len(words) > 1 and words[-1] in _UNIT:
        unit, words = _UNIT[words[-1]], words[:-1]
    text = " ".join(_WORD.get(w, w) for w in words if w)
    return f"{text} ({unit})" if unit else text


# columns holding a fraction 0-1 that a person reads in percent (--json keeps the fraction)
FRACTION_COLUMNS = frozenset({"net_import_reliance", "china_dual_dominance", "dual_dominance"})


def is_fraction_column(column: str) -> bool:
    """A share (``share``, ``*_share``, ``*_share_high``) or one of :data:`FRACTION_COLUMNS`."""
    return (
        column in FRACTION_COLUMNS
        or column == "share"
        or column.endswith("_share")
        or column.endswith("_share_high")
    )


def percent(v: float, digits: int = 1) -> str:
    """``0.7483`` -> ``'74.8 %'``; a positive share too small to show is ``'<0.1 %'``."""
    if 0 < v < 0.5 * 10 ** -(digits + 2):
        return f"<{10**-digits:g} %"
    return f"{100 * v:.{digits}f} %"


def _fmt(v: Any, column: str | None = None) -> str:
    number = isinstance(v, int | float) and not isinstance(v, bool)
    if number and column is not None:
        if is_fraction_column(column) and -1e-9 <= v <= 1 + 1e-9:
            return percent(float(v))
        if column.endswith("_pct"):  # already in percent
            return f"{v:,.1f} %"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)
