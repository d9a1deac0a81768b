"""The MCS 2026 data release: one long table for every chapter (``MCS2026_Commodities_Data.csv``).

Columns: ``MCS chapter, Section, Commodity, Country, Statistics, Statistics_detail, Unit, Year,
Value, Notes, Is critical mineral 2025, Other notes``; Windows-1252; one value per line. ``W``
withheld, ``NA`` not available, ``—`` zero, ``s`` included elsewhere (with a note saying where),
thousands separators and ``>``/``<`` bounds. The world sections become ``production`` and
``reserves`` rows through ``usgs_map.csv`` (edition 2026, ``Statistics_detail`` as the TYPE,
``: rounded`` dropped from world totals). Every other line is counted and dropped with a reason
(:class:`SectionReport`); nothing is dropped silently.

USGS's v1.3 revision of the release (2026-05-27) is applied here, in code (``CORRECTIONS``):
the data CSV predates it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from critmin.data.usgs.cells import clean, norm
from critmin.data.usgs.countries import CountryIndex
from critmin.data.usgs.mcs2026_salient import Line, import_salient
from critmin.data.usgs.records import header_index, is_blank, need_column
from critmin.data.usgs.salient import Draft
from critmin.data.usgs.sink import Sink
from critmin.data.usgs.world import WorldRow, import_world_row
from critmin.errors import InputError

NAME = re.compile(r"^mcs(\d{4})_commodities_data\.csv$", re.I)
COLUMNS = (
    "SECTION",
    "COMMODITY",
    "COUNTRY",
    "STATISTICS",
    "STATISTICS_DETAIL",
    "UNIT",
    "YEAR",
    "VALUE",
    "NOTES",
)
_NOT_MAPPED = "not a critical mineral (not mapped)"
_ROUNDED = re.compile(r"[:,]\s*rounded\s*$", re.I)


@dataclass(frozen=True)
class Correction:
    """A published revision of one value: where it applies, old and new cell, and why."""

    commodity: str
    country: str
    statistics: str
    year: str
    old: str
    new: str
    why: str


# Revision history of the release (version_history.txt), applied in code, never to the file.
CORRECTIONS = (
    Correction(
        "Rare Earths",
        "Brazil",
        "Reserves",
        "2025",
        "21,000,000",
        "11,000,000",
        "USGS MCS 2026 v1.3 (2026-05-27): Brazil reserves revised from 21,000,000 t",
    ),
    Correction(
        "Rare Earths",
        "World total",
        "Reserves",
        "2025",
        ">85,000,000",
        ">75,000,000",
        "USGS MCS 2026 v1.3 (2026-05-27): world total revised from >85,000,000 t",
    ),
)


@dataclass
class SectionReport:
    """Lines of one section of the release: read, imported (at least one row), dropped."""

    lines: int = 0
    imported: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


def decode(path: Path) -> str:
    """The text of a Windows-1252 release file; a UTF-8 file or an undefined byte is an
    InputError naming the line."""
    data = path.read_bytes()
    if any(b > 0x7F for b in data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            at = next(i for i, b in enumerate(data) if b > 0x7F)
            raise InputError(
                "UTF-8 text; the MCS 2026 release is Windows-1252",
                file=str(path),
                line=data.count(b"\n", 0, at) + 1,
            )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not Windows-1252 text ({exc.reason})",
            file=str(path),
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None


def _value(raw: str, notes: str) -> tuple[str, str]:
    """The release's own markers, as the shared cell parser reads them: ``—`` -> 0, ``s``
    (included elsewhere, the note says where) -> the note."""
    text = clean(raw)
    if text in {"\u2014", "\u2013", "-"}:  # em dash, en dash, hyphen: zero
        return "0", ""
    if text.casefold() == "s":
        return "", notes or "included elsewhere"
    return text, ""


def _correct(commodity: str, country: str, statistics: str, year: str, value: str) -> str:
    for c in CORRECTIONS:
        if (c.commodity, c.country, c.statistics, c.year) == (
            clean(commodity),
            clean(country),
            clean(statistics),
            clean(year),
        ):
            if clean(value) not in {c.old, c.new}:  # a later file may carry the fix itself
                raise InputError(
                    f"v1.3 correction expects {c.old!r} here", column="Value", value=value
                )
            return c.new
    return value


def read_mcs2026(
    path: Path,
    countries: CountryIndex,
    sink: Sink,
    edition: int,
    drafts: dict[tuple[str, int, str], Draft],
) -> dict[str, SectionReport]:
    """Import the world sections of the long MCS 2026 table into ``sink`` and its U.S. salient
    statistics into ``drafts`` (``us_supply``, Fig. 2 merged later) and prices; report every
    section's lines."""
    file = str(path)
    reader = csv.reader(io.StringIO(decode(path), newline=""))
    try:
        header = next(reader, [])
        idx = header_index([h.replace("_", "") for h in header])
        cols = {c: need_column(idx, c.replace("_", ""), file) for c in COLUMNS}
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=file) from None
    report: dict[str, SectionReport] = {}
    salient: list[Line] = []
    last = reader.line_num
    for cells in reader:
        line, last = last + 1, reader.line_num
        if is_blank(cells):
            continue
        if len(cells) < len(header):
            raise InputError(
                f"{len(cells)} cells, expected {len(header)}",
                file=file,
                line=line,
                column=header[len(cells)],
            )
        get = {c: cells[i] for c, i in cols.items()}
        section = clean(get["SECTION"]).rstrip(":")
        rep = report.setdefault(section, SectionReport())
        rep.lines += 1
        if section.casefold() == SALIENT:
            salient.append(_salient_line(get, header, cols, file, line))
            continue
        before = len(sink.where), len(sink.out.skipped)
        try:
            _line(get, header, cols, file, line, edition, countries, sink)
        except InputError as exc:
            if exc.file is not None:
                raise
            raise InputError(
                exc.message,
                file=file,
                line=line,
                column=exc.column or exc.field,
                value=exc.value,
            ) from None
        if len(sink.where) > before[0]:
            rep.imported += 1
        elif len(sink.out.skipped) > before[1]:
            why = sink.out.skipped[-1][2]
            if why.endswith(_NOT_MAPPED):  # "Gold: not a critical mineral (not mapped)"
                why = "commodity not in usgs_map.csv: " + _NOT_MAPPED
            rep.dropped[why] += 1
        else:
            rep.dropped["no figure published (blank)"] += 1
    _salient_report(salient, edition, sink, drafts, report)
    return report


SALIENT = "salient statistics\u2014united states"


def _salient_line(
    get: dict[str, str], header: list[str], cols: dict[str, int], file: str, line: int
) -> Line:
    year = clean(get["YEAR"])
    if not re.fullmatch(r"(19|20)\d{2}", year):
        raise InputError(
            "not a year", file=file, line=line, column=header[cols["YEAR"]], value=get["YEAR"]
        )
    return Line(
        file=file,
        line=line,
        commodity=clean(get["COMMODITY"]),
        statistics=clean(get["STATISTICS"]),
        detail=clean(get["STATISTICS_DETAIL"]),
        unit=clean(get["UNIT"]),
        year=int(year),
        value=get["VALUE"],
        notes=clean(get["NOTES"]),
    )


def _salient_report(
    lines: list[Line],
    edition: int,
    sink: Sink,
    drafts: dict[tuple[str, int, str], Draft],
    report: dict[str, SectionReport],
) -> None:
    if not lines:
        return
    start = len(sink.out.skipped)
    new, imported = import_salient(lines, edition, sink)
    drafts.update(new)
    rep = next(r for name, r in report.items() if name.casefold() == SALIENT)
    rep.imported = len(imported)
    for _f, _l, why in sink.out.skipped[start:]:
        rep.dropped[why] += 1


def _line(
    get: dict[str, str],
    header: list[str],
    cols: dict[str, int],
    file: str,
    line: int,
    edition: int,
    countries: CountryIndex,
    sink: Sink,
) -> None:
    section, stat = clean(get["SECTION"]), clean(get["STATISTICS"])
    if not section.casefold().startswith("world"):
        why = {
            "import sources": "import sources 2021-24 by product (percent shares): "
            "import_shares reads them from Fig. 3 (one series per commodity, the same "
            "shares), us_supply.import_sources from Fig. 2",
        }.get(section.casefold(), f"section {section!r} not imported")
        sink.skip(file, line, why)
        return
    if stat.casefold() == "capacity":
        sink.skip(file, line, "capacity: no table of the store holds capacity")
        return
    year = clean(get["YEAR"])
    if not re.fullmatch(r"(19|20)\d{2}", year):
        raise InputError("not a year", column=header[cols["YEAR"]], value=get["YEAR"])
    raw = _correct(get["COMMODITY"], get["COUNTRY"], stat, year, get["VALUE"])
    value, extra = _value(raw, clean(get["NOTES"]))
    notes = clean(get["NOTES"])
    detail = _ROUNDED.sub("", clean(get["STATISTICS_DETAIL"]))
    if re.match(r"^[\d,.]+\s*-\s*[\d,.]+$", value):
        sink.skip(file, line, "a range, not a single figure")
        return
    estimated = any(p.strip().casefold().startswith("estimated") for p in notes.split(" -- "))
    reserves = stat.casefold() == "reserves"
    col = header[cols["VALUE"]].strip()
    note = "; ".join(
        p
        for p in (
            extra if not value else "",
            *(
                c.why
                for c in CORRECTIONS
                if c.new == raw and c.commodity == clean(get["COMMODITY"])
            ),
        )
        if p
    )
    row = WorldRow(
        file=file,
        line=line,
        edition=edition,
        commodity=get["COMMODITY"],
        usgs_type=detail,
        country=get["COUNTRY"],
        country_column=header[cols["COUNTRY"]].strip(),
        unit=clean(get["UNIT"]),
        unit_column=header[cols["UNIT"]].strip(),
        reserve_unit=clean(get["UNIT"]),
        production=[] if reserves else [(int(year), estimated, value, col)],
        prod_notes="" if reserves else _notes(notes, note),
        reserves=[(int(year), value, col, False)] if reserves else [],
        reserve_notes=_notes(notes, note) if reserves else "",
        notes_mark_estimates=False,  # "Estimated." is read above, not guessed from notes
    )
    if norm(stat) not in {"production", "reserves"}:
        sink.skip(file, line, f"statistics {stat!r} not imported")
        return
    import_world_row(row, countries, sink)


def _notes(notes: str, extra: str) -> str:
    parts = [
        p.strip()
        for p in notes.split(" -- ")
        if p.strip()
        and not p.strip().casefold().startswith("see appendix c")
        and p.strip().casefold() != "estimated."
    ]
    return "; ".join([*parts, extra] if extra else parts)
