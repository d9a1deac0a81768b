"""Cells of the USGS tables: labels, numbers, footnote flags, estimate notes and units.

Every quantity cell becomes a :class:`Cell`: a number in the file's unit, or a flag saying why
there is none (``W`` withheld, ``NA`` not available, ``incl`` included elsewhere, ``>``/``<``
bounds, ``qualitative`` reserves). Units convert to metric tonnes (``TONNES_PER_UNIT``);
prices to USD (``PRICE_UNITS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from critmin.errors import InputError
from critmin.units import tonnes

# -- units -----------------------------------------------------------------------------------

# metric tonnes per published unit: UNIT_MEAS strings (MCS 2025) and column-name tokens; the
# factors of kg and g from critmin.units
TONNES_PER_UNIT: dict[str, float] = {
    "metric tons": 1.0,
    "thousand metric tons": 1e3,
    "thousand metric dry tons": 1e3,
    "million metric tons": 1e6,
    "kilograms": tonnes("kg"),
    "t": 1.0,
    "kt": 1e3,
    "mt": 1e6,  # Mt / mmt: million metric tons
    "mmt": 1e6,
    "kg": tonnes("kg"),
    "g": tonnes("g"),
}
# units that are not masses (carats, cubic metres): such rows are skipped, never converted
NOT_MASS = {"million carats", "thousand carats", "million cubic meters", "mct", "kct", "mcm"}

# price column suffix -> (unit of the USD price, factor to USD): `_ctslb` is cents per pound
PRICE_UNITS: dict[str, tuple[str, float]] = {
    "dkg": ("kg", 1.0),
    "dt": ("t", 1.0),
    "dlb": ("lb", 1.0),
    "ctslb": ("lb", 0.01),
    "dto": ("troy oz", 1.0),
    "dtoz": ("troy oz", 1.0),
    "dg": ("g", 1.0),
}


def norm(text: str) -> str:
    """Key form of a published label: no BOM/NBSP, single spaces, stripped, case-folded."""
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split()).casefold()


def clean(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split())


# -- cells -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published value: a number in the file's unit, or a flag saying why there is none."""

    value: float | None = None
    flag: str | None = None
    estimated: bool = False
    note: str = ""
    applicable: bool = True  # False for XX / "Not applicable": no row at all


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_BOUND = re.compile(r"^(?P<op>[<>])\s*(?P<num>[\d,.]+)")
_QUALITATIVE = re.compile(r"\b(very small|small|moderate to large|moderate|large)\b", re.I)
_HALF_UNIT = re.compile(r"^less than (½|1/2) unit\.?$", re.I)


def parse_number(text: str) -> float | None:
    """``1,234.5`` -> 1234.5; None when ``text`` is not a plain number."""
    text = text.replace("\u2212", "-").strip()
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", ""))


def parse_cell(raw: str, file: str, line: int, column: str) -> Cell:
    """Parse one quantity cell of a USGS table; anything unrecognised is an InputError."""
    text = clean(raw)
    low = text.casefold()
    if not text:
        return Cell()
    number = parse_number(text)
    if number is not None:
        return Cell(number)
    if low in {"w", "withheld"}:
        return Cell(flag="W", note="withheld to avoid disclosing company proprietary data")
    if low in {"na", "not available"}:
        return Cell(flag="NA")
    if low in {"xx", "not applicable"}:
        return Cell(applicable=False)
    if low.startswith("e") and parse_number(text[1:]) is not None:
        return Cell(parse_number(text[1:]), estimated=True)
    m = _BOUND.match(text)
    if m and parse_number(m.group("num").rstrip(".")) is not None:
        tail = text[m.end() :].strip(" .")
        return Cell(parse_number(m.group("num").rstrip(".")), flag=m.group("op"), note=tail)
    if _HALF_UNIT.match(text):
        return Cell(0.5, flag="<", note="less than ½ unit")
    if low.startswith("included"):
        return Cell(flag="incl", note=text)
    word = _QUALITATIVE.search(text)
    if word and not re.search(r"\d", text):
        return Cell(flag="qualitative", note=word.group(1).lower())
    raise InputError(
        "not a number or a USGS footnote (W, NA, XX, >n, <n, Large)",
        file=file,
        line=line,
        column=column,
        value=raw,
    )


def blank_cell_reason(note: str, reserves: bool = False) -> Cell:
    """Flag of an empty value cell, read from the row's notes (MCS 2025 leaves W/NA blank)."""
    text = clean(note)
    low = text.casefold()
    if low in {"xx", "not applicable"}:
        return Cell(applicable=False)
    if re.match(r"^w\b", low) or "withheld" in low:
        return Cell(flag="W", note=text)
    if re.search(r"\bincluded\b", low):
        return Cell(flag="incl", note=text)
    word = _QUALITATIVE.search(text)
    if reserves and word and len(text) < 60:
        return Cell(flag="qualitative", note=word.group(1).lower())
    if not text:
        return Cell(flag="NA", note="blank in source (no figure and no footnote)")
    return Cell(flag="NA", note=text)


_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def estimated_years(note: str, years: list[int]) -> set[int]:
    """Years a notes cell declares estimated: ``estimated 2023`` -> {2023}; ``Estimated`` ->
    all years of the row; ``Also estimated in 2022`` -> {2022}."""
    low = note.casefold()
    if "estimat" not in low or "capacity" in low:
        return set()
    if "both years" in low:
        return set(years)
    named = {int(m.group(0)) for m in _YEAR.finditer(low)}
    return named or set(years)


def unit_factor(unit: str, file: str, line: int, column: str) -> float | None:
    """Tonnes per ``unit``; None for non-mass units (carats, m3); InputError if unknown."""
    key = clean(unit).casefold() if " " in unit.strip() else unit.strip().lower()
    if key in NOT_MASS:
        return None
    if key not in TONNES_PER_UNIT:
        raise InputError("unknown unit", file=file, line=line, column=column, value=unit)
    return TONNES_PER_UNIT[key]


def join_notes(*parts: str) -> str | None:
    out: list[str] = []
    for p in parts:
        p = clean(p)
        if p and p.casefold() not in {o.casefold() for o in out}:
            out.append(p)
    return "; ".join(out) or None
