"""U.S. salient statistics of the MCS 2026 long table -> ``us_supply`` and ``prices`` rows.

One ``us_supply`` row per mapped commodity and year. Each field takes the release's own line:

- ``net_import_reliance_pct``: the first ``Net import reliance`` line of the year (rare
  earths: "compounds and metals", the figure MCS 2026 headlines; a second line, "mineral
  concentrates", is named in the note);
- ``apparent_consumption``: the first ``Consumption`` line whose detail says "apparent";
- ``production``, ``imports``, ``exports``: the line of that statistic when the commodity has
  exactly one; with several (mine and secondary, ores and metals) they stay missing and the
  note names them: series on different bases are never added up here;
- ``price``: the first price line in a unit converted to USD (``PRICE_UNITS``).

Every price line in a known unit also becomes a ``prices`` row. ``W``/``NA`` stay missing,
``—`` is zero, ``E`` (net exporter) keeps its flag. Fig. 2 (import sources) is merged later by
:func:`critmin.data.usgs.salient.merge_fig2`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from critmin.data.usgs.cells import TONNES_PER_UNIT, clean, join_notes, norm, parse_cell
from critmin.data.usgs.salient import Draft, parse_nir
from critmin.data.usgs.sink import PRICES, Sink, source_id

# MCS 2026 salient Commodity -> mineral id (one commodity per mineral; others are dropped)
SALIENT_MINERALS: dict[str, str] = {
    "Aluminum": "aluminum",
    "Antimony": "antimony",
    "Arsenic": "arsenic",
    "Barite": "barite",
    "Bauxite": "bauxite",
    "Beryllium": "beryllium",
    "Bismuth": "bismuth",
    "Boron": "boron",
    "Cerium": "cerium",
    "Cesium": "cesium",
    "Chromium": "chromium",
    "Cobalt": "cobalt",
    "Copper": "copper",
    "Dysprosium": "dysprosium",
    "Erbium": "erbium",
    "Europium": "europium",
    "Feldspar": "feldspar",
    "Fluorspar": "fluorspar",
    "Gadolinium": "gadolinium",
    "Gallium": "gallium",
    "Germanium": "germanium",
    "Graphite (Natural)": "graphite",
    "Hafnium": "hafnium",
    "Holmium": "holmium",
    "Indium": "indium",
    "Iridium": "iridium",
    "Lanthanum": "lanthanum",
    "Lead": "lead",
    "Lithium": "lithium",
    "Lutetium": "lutetium",
    "Magnesium Metal": "magnesium",
    "Manganese": "manganese",
    "Molybdenum": "molybdenum",
    "Neodymium": "neodymium",
    "Nickel": "nickel",
    "Niobium (Columbium)": "niobium",
    "Palladium": "palladium",
    "Phosphate Rock": "phosphate",
    "Platinum": "platinum",
    "Potash": "potash",
    "Praseodymium": "praseodymium",
    "Rare Earths": "rare_earths",
    "Rhenium": "rhenium",
    "Rhodium": "rhodium",
    "Rubidium": "rubidium",
    "Ruthenium": "ruthenium",
    "Samarium": "samarium",
    "Scandium": "scandium",
    "Silicon": "silicon",
    "Silver": "silver",
    "Strontium": "strontium",
    "Tantalum": "tantalum",
    "Tellurium": "tellurium",
    "Terbium": "terbium",
    "Tin": "tin",
    "Titanium sponge metal": "titanium",
    "Tungsten": "tungsten",
    "Vanadium": "vanadium",
    "Ytterbium": "ytterbium",
    "Yttrium": "yttrium",
    "Zinc": "zinc",
    "Zirconium": "zirconium",
}
_MINERALS = {norm(k): v for k, v in SALIENT_MINERALS.items()}

# Unit column of a price line -> (unit of the USD price, factor to USD)
PRICE_UNITS: dict[str, tuple[str, float]] = {
    "dollars per metric ton": ("t", 1.0),
    "dollars per kilogram": ("kg", 1.0),
    "dollars per pound": ("lb", 1.0),
    "cents per pound": ("lb", 0.01),
    "dollars per troy ounce": ("troy oz", 1.0),
    "dollars per gram": ("g", 1.0),
}
_MASS = {k: TONNES_PER_UNIT[k] for k in ("metric tons", "thousand metric tons", "kilograms")}


def _price_unit(ln: Line) -> tuple[str, float] | None:
    """(unit, factor to USD) of a price line. The detail text wins over the unit column when
    it names a metric ton unit: MCS 2026's manganese price reads "dollars per metric ton unit"
    (10 kg of contained Mn) in its detail but "dollars per metric ton" in its unit column."""
    if re.search(r"\bper metric ton unit\b", ln.detail, re.I):
        return ("mtu", 1.0)
    return PRICE_UNITS.get(clean(ln.unit).casefold())


_FIELDS = {"production": "production", "import": "imports", "export": "exports"}


@dataclass
class Line:
    """One salient line: where it is and its cells."""

    file: str
    line: int
    commodity: str
    statistics: str
    detail: str
    unit: str
    year: int
    value: str
    notes: str


def mineral_of(commodity: str) -> str | None:
    return _MINERALS.get(norm(commodity))


_RANGE = re.compile(r"^[\d,.]+\s*[\u2013-]\s*[\d,.]+$")


def value_of(ln: Line) -> tuple[float | None, str]:
    """The number of one line in its own unit, or None and why: ``—`` is zero; ``s`` (less
    than half a unit, the note says), a range, "Variable, ..." and the footnotes W, NA, bounds
    are not single figures. Anything else unreadable is an InputError naming the line."""
    text = clean(ln.value)
    if text in {"\u2014", "\u2013"}:
        return 0.0, ""
    if text.casefold() == "s":
        return None, f"{ln.detail}: {ln.notes or 'less than half a unit'}"
    if _RANGE.match(text) or text.casefold().startswith("variable"):
        return None, f"{ln.detail}: {text} (not a single figure)"
    cell = parse_cell(text, ln.file, ln.line, "Value")
    if cell.value is None or cell.flag is not None:
        return None, f"{ln.detail}: {cell.flag or 'blank'}"
    return cell.value, ""


def _quantity(ln: Line) -> tuple[float | None, str]:
    """Tonnes of one line, or None and why (withheld, not available, bound, not a mass)."""
    factor = _MASS.get(clean(ln.unit).casefold())
    if factor is None:
        return None, f"{ln.detail}: unit {ln.unit!r} not converted"
    value, why = value_of(ln)
    return (None, why) if value is None else (value * factor, "")


def _estimated(notes: str) -> bool:
    return any(p.strip().casefold().startswith("estimated") for p in notes.split(" -- "))


def import_salient(
    lines: list[Line], edition: int, sink: Sink
) -> tuple[dict[tuple[str, int, str], Draft], set[int]]:
    """``us_supply`` drafts (keyed like :func:`salient.read_salient`'s), ``prices`` rows, and
    the lines that went into a row; every other line is skipped with its reason."""
    sid = source_id(edition, "salient")
    groups: dict[tuple[str, int], list[Line]] = {}
    for ln in lines:
        mineral = mineral_of(ln.commodity)
        if mineral is None:
            sink.skip(ln.file, ln.line, "commodity not a critical mineral (salient statistics)")
            continue
        groups.setdefault((mineral, ln.year), []).append(ln)
    drafts: dict[tuple[str, int, str], Draft] = {}
    imported: set[int] = set()
    for (mineral, year), group in sorted(groups.items()):
        rec, used = _supply(mineral, year, group, sid)
        emitted = any(rec[k] is not None for k in _VALUES) or rec["nir_flag"] is not None
        if emitted:
            drafts[(mineral, year, sid)] = Draft(rec, group[0].file, min(used or {group[0].line}))
            imported |= used
        for ln in group:
            if ln.statistics.casefold() == "price":
                imported |= _price(mineral, ln, edition, sink)
        for ln in group:
            if ln.line in imported:
                continue
            if ln.line in used:
                why = "salient figure withheld or not available (W, NA)"
            elif ln.statistics.casefold() == "price":
                why = "salient price: a range, a bound or a unit not converted to USD"
            elif ln.statistics.casefold() in _FIELDS:
                why = "salient series: one of several on different bases, not added up"
            else:
                why = f"salient {ln.statistics.lower()}: no column of us_supply holds it"
            sink.skip(ln.file, ln.line, why)
    return drafts, imported


_VALUES = ("production", "imports", "exports", "apparent_consumption", "net_import_reliance_pct")


def _supply(
    mineral: str, year: int, group: list[Line], sid: str
) -> tuple[dict[str, Any], set[int]]:
    used: set[int] = set()
    notes: list[str] = []
    values: dict[str, float | None] = {}
    for stat, field in _FIELDS.items():
        of = [ln for ln in group if ln.statistics.casefold() == stat]
        values[field] = None
        if len(of) == 1:
            values[field], why = _quantity(of[0])
            used.add(of[0].line)
            notes.append(why)
        elif of:
            notes.append(f"{field}: {len(of)} USGS series, not added up")
    apparent = [
        ln
        for ln in group
        if ln.statistics.casefold() == "consumption" and "apparent" in ln.detail.casefold()
    ]
    values["apparent_consumption"] = None
    if apparent:
        values["apparent_consumption"], why = _quantity(apparent[0])
        used.add(apparent[0].line)
        notes.append(why)
    nir_lines = [ln for ln in group if ln.statistics.casefold() == "net import reliance"]
    nir, flag = None, None
    if nir_lines:
        first = nir_lines[0]
        text = clean(first.value)
        nir, flag = (
            (0.0, None)
            if text in {"\u2014", "\u2013"}
            else parse_nir(text, first.file, first.line, "Value")
        )
        used.add(first.line)
        if ":" in first.detail:
            notes.append(f"net import reliance: {first.detail.split(':', 1)[1].strip()}")
        notes += [f"also {ln.detail}: {clean(ln.value)}" for ln in nir_lines[1:]]
        used |= {ln.line for ln in nir_lines[1:]}
    price, price_unit = None, None
    for ln in group:
        unit = _price_unit(ln)
        if ln.statistics.casefold() != "price" or unit is None:
            continue
        value, _why = value_of(ln)
        if value is not None:
            price, price_unit = round(value * unit[1], 10), f"USD/{unit[0]}"
            break
    rec: dict[str, Any] = {
        "mineral_id": mineral,
        "year": year,
        **values,
        "net_import_reliance_pct": nir,
        "nir_flag": flag,
        "import_sources": [],
        "price": price,
        "price_unit": price_unit,
        "basis": None,
        "estimated": any(_estimated(ln.notes) for ln in group),
        "note": join_notes(*notes),
        "source_id": sid,
    }
    return rec, used


def _price(mineral: str, ln: Line, edition: int, sink: Sink) -> set[int]:
    unit = _price_unit(ln)
    if unit is None:
        return set()
    value, _why = value_of(ln)
    if value is None:
        return set()  # W, NA, bounds, ranges: missing stays missing
    product = ln.detail.split(":", 1)[1].strip() if ":" in ln.detail else ln.detail
    rec = {
        "mineral_id": mineral,
        "product": product or ln.detail,
        "period": str(ln.year),
        "price": round(value * unit[1], 10),
        "currency": "USD",
        "unit": unit[0],
        "market": None,
        "note": join_notes(ln.detail, "estimated" if _estimated(ln.notes) else ""),
        "source_id": source_id(edition, "salient"),
    }
    sink.add(PRICES, rec, ln.file, ln.line)
    return {ln.line}
