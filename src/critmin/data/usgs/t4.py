"""USGS's list of export controls in force (``MCS20xx_T4_Country_Export_Control.csv``) and
its reconciliation with the register (issue 19).

MCS 2026 Table 4 (data through 2025-11-21) has one line per country x control type, with
the commodities in one cell, each followed by the year the control began: "Bauxite (2023),
copper concentrates (2023), and nickel ore (2020)." :func:`read_t4` splits that cell into
items, one per "(YYYY)", each kept as written ("nickel ore (2020)").

Every item is reconciled in ``reference/export_controls/usgs_t4_reconciliation.csv``
(columns t4_line, country, control_type, commodity, control_id, reason): either the
register's control_id, or an empty control_id and the reason it is not held in words.
:func:`reconcile` checks the two against each other; :func:`t4_markdown` renders the table
of docs/controls-t4.md (`critmin data t4 --markdown`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.data.usgs.cells import clean
from critmin.data.usgs.records import cell_at, header_index, need_column
from critmin.errors import InputError

if TYPE_CHECKING:
    from critmin.store import StoreArg

RECONCILIATION = "usgs_t4_reconciliation.csv"
RECON_COLUMNS = ("t4_line", "country", "control_type", "commodity", "control_id", "reason")
# the day Table 4's data run to (its notes: "data available through November 21, 2025")
T4_AS_OF = "2025-11-21"
_NAME = re.compile(r"^mcs(\d{4})_t4_country_export_control\.csv$", re.I)
_ITEM = re.compile(r".*?\(\d{4}\)")  # an item runs to the year that closes it


@dataclass(frozen=True)
class T4Item:
    """One commodity item of one line of Table 4."""

    t4_line: int  # physical line in the file, the header is line 1
    country: str
    control_type: str
    commodity: str  # as written, e.g. "nickel ore (2020)"
    year: int
    url: str


def is_t4(path: Path) -> int | None:
    """Edition year of a Table 4 file recognised by its name, else None."""
    m = _NAME.match(path.name)
    return int(m.group(1)) if m else None


def split_items(cell: str) -> list[str]:
    """The items of a Commodity_Year cell: each ends with "(YYYY)"; the joining ", ",
    "and " and the closing full stop are dropped, the rest is kept as written.

    "Bauxite (2023), copper concentrates (2023), and nickel ore (2020)." ->
    ["Bauxite (2023)", "copper concentrates (2023)", "nickel ore (2020)"].
    """
    out = []
    for m in _ITEM.finditer(cell):
        item = re.sub(r"^[\s,]*(and\s+)?", "", m.group(0)).strip()
        if item:
            out.append(item)
    return out


def _text(path: Path) -> str:
    """The file's text: UTF-8 (BOM optional, as the MCS 2026 trend files are), else
    Windows-1252 (the Commodities_Data file of the same release)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(f"neither UTF-8 nor Windows-1252 ({exc.reason})", file=str(path)) from None


def read_t4(path: Path) -> list[T4Item]:
    """Every commodity item of every line of a Table 4 file, in file order.

    A line whose Commodity_Year cell holds no "(YYYY)" is an InputError naming the file,
    line and column: an item without its year cannot be reconciled.
    """
    file = str(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("file is empty", file=file) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=file) from None
    idx = header_index(header)
    c_country = need_column(idx, "COUNTRY", file)
    c_type = need_column(idx, "CONTROL_TYPE", file)
    c_items = need_column(idx, "COMMODITY_YEAR", file)
    c_url = idx.get("DATA_SOURCE")
    out: list[T4Item] = []
    last = reader.line_num
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if not any(clean(c) for c in cells):
                continue
            raw = clean(cell_at(cells, c_items))
            items = split_items(raw)
            if not items:
                raise InputError(
                    "no item with its year (YYYY)",
                    file=file,
                    line=line,
                    column=header[c_items].strip(),
                    value=raw,
                )
            for item in items:
                year = re.search(r"\((\d{4})\)$", item)
                assert year is not None  # split_items keeps items ending in (YYYY)
                out.append(
                    T4Item(
                        t4_line=line,
                        country=clean(cell_at(cells, c_country)),
                        control_type=clean(cell_at(cells, c_type)),
                        commodity=item,
                        year=int(year.group(1)),
                        url=clean(cell_at(cells, c_url)),
                    )
                )
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=file, line=last) from None
    return out


def reconciliation_path(root: Path | None = None) -> Path:
    """Where the bundled reconciliation lives (reference/export_controls/)."""
    from critmin.data.bundled import reference_dir

    return (root or reference_dir()) / "export_controls" / RECONCILIATION


def read_reconciliation(path: Path | None = None) -> list[dict[str, Any]]:
    """Rows of the reconciliation file (t4_line as int, empty control_id as None)."""
    from critmin.files import MAX_TABLE_BYTES, read_input_text

    p = path or reconciliation_path()
    text = read_input_text(p, "reconciliation", MAX_TABLE_BYTES, encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if tuple(header) != RECON_COLUMNS:
        raise InputError(
            f"expected the columns {','.join(RECON_COLUMNS)}",
            file=str(p),
            line=1,
            value=",".join(header),
        )
    out = []
    for n, rec in enumerate(reader, start=2):
        try:
            line = int(rec["t4_line"])
        except (TypeError, ValueError):
            raise InputError(
                "not a line number", file=str(p), line=n, column="t4_line", value=rec["t4_line"]
            ) from None
        out.append(
            {
                "t4_line": line,
                "country": (rec["country"] or "").strip(),
                "control_type": (rec["control_type"] or "").strip(),
                "commodity": (rec["commodity"] or "").strip(),
                "control_id": (rec["control_id"] or "").strip() or None,
                "reason": (rec["reason"] or "").strip() or None,
            }
        )
    return out


# words that join the commodities of an item, not commodities themselves: a reconciliation
# may split "Ores and concentrates of cobalt, graphite, and lithium (2023)" into one row per
# commodity ("cobalt ores and concentrates (2023)", ...)
JOINING_WORDS = frozenset(
    {"and", "of", "including", "raw", "minerals", "materials", "ores", "ore", "concentrates"}
)


def item_words(text: str) -> set[str]:
    """The commodity words of an item: lower-case words of three letters or more (hyphenated
    names whole, "lead-zinc"), without the year and without :data:`JOINING_WORDS`."""
    words = re.findall(r"[a-z][a-z\-]{2,}", text.casefold())
    return {w for w in words if w not in JOINING_WORDS}


def reconcile(items: list[T4Item], rows: list[dict[str, Any]], control_ids: set[str]) -> list[str]:
    """Every problem, one sentence each (empty when all is reconciled):
    - an item of Table 4 one of whose commodity words (:func:`item_words`) appears in no
      reconciliation row of the same line and year (rows may split an item, one per
      commodity, or keep it whole);
    - a row whose control_id is not in the register;
    - a row with neither a control_id nor a reason.
    """
    problems = []
    covered: dict[tuple[int, int], set[str]] = {}
    for r in rows:
        year = re.search(r"\((\d{4})\)\s*\.?$", r["commodity"])
        key = (r["t4_line"], int(year.group(1)) if year else 0)
        covered.setdefault(key, set()).update(item_words(r["commodity"]))
    for it in items:
        missing = item_words(it.commodity) - covered.get((it.t4_line, it.year), set())
        if missing:
            problems.append(
                f"Table 4 line {it.t4_line} ({it.country}, {it.control_type}): item "
                f"{it.commodity!r} is not reconciled in {RECONCILIATION} (no row of that "
                f"line and year names {', '.join(sorted(missing))})"
            )
    for r in rows:
        where = f"{RECONCILIATION} line {r['t4_line']} item {r['commodity']!r}"
        if r["control_id"] and r["control_id"] not in control_ids:
            problems.append(f"{where}: control_id {r['control_id']!r} is not in the register")
        if not r["control_id"] and not r["reason"]:
            problems.append(f"{where}: neither a control_id nor a reason")
    return problems


def t4_rows(path: StoreArg = None, recon: Path | None = None) -> list[dict[str, Any]]:
    """The reconciliation, each row with the register's status of its control on the day
    Table 4's data run to (``T4_AS_OF``) and its status in words."""
    import datetime as dt

    from critmin.controls_register import control_chains, control_status

    rows = read_reconciliation(recon)
    day = dt.date.fromisoformat(T4_AS_OF)
    table, events = control_chains(path)
    status = {
        c["control_id"]: control_status(c, events.get(c["control_id"], []), day) for c in table
    }
    out = []
    for r in rows:
        st = status.get(r["control_id"] or "")
        out.append(
            {
                **r,
                "status_on_t4_date": st["status"] if st else None,
                "status_text": st["text"] if st else None,
            }
        )
    return sorted(out, key=lambda r: (r["t4_line"], r["commodity"]))


def t4_markdown(rows: list[dict[str, Any]]) -> str:
    """The reconciliation as the Markdown table of docs/controls-t4.md."""

    def cell(v: Any) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"| T4 line | country | control type | item | control_id | status on {T4_AS_OF} "
        "or reason not held |",
        "|---:|---|---|---|---|---|",
    ]
    for r in rows:
        why = r["status_text"] if r["control_id"] else r["reason"]
        lines.append(
            "| "
            + " | ".join(
                cell(v)
                for v in (
                    r["t4_line"],
                    r["country"],
                    r["control_type"],
                    r["commodity"],
                    r["control_id"],
                    why,
                )
            )
            + " |"
        )
    held = sum(1 for r in rows if r["control_id"])
    lines.append("")
    lines.append(
        f"{len(rows)} items of {len({r['t4_line'] for r in rows})} Table 4 lines: "
        f"{held} held in the register, {len(rows) - held} not held (reason given)."
    )
    return "\n".join(lines) + "\n"
