"""Importer of the USGS Mineral Commodity Summaries (MCS) data-release tables, as published.

Recognised files (by name, then header), anywhere under the path given to :func:`read_usgs`:

- ``MCS2025_World_Data.csv``: MCS 2025 world mine/refinery production, capacity and reserves,
  one long table for all commodities (doi:10.5066/P13XCP3R);
- ``mcs20xx-<code>_world.csv``: the per-commodity world tables of MCS 2022-2024;
- ``mcs20xx-<code>_salient.csv``: U.S. salient statistics (production, trade, apparent
  consumption, prices, net import reliance);
- ``MCS20xx_Fig2_Net_Import_Reliance.csv``: U.S. net import reliance and major import sources.

Rows come back typed and validated against the table contracts (``critmin.schema``):
``production`` and ``reserves`` in metric tonnes, ``us_supply`` in tonnes, ``prices`` in USD.
Commodity and TYPE strings map to mineral ids through ``usgs_map.csv`` (data, next to this
module); country names map to ISO3 through the aliases of the countries table. Footnotes stay
flags, never numbers: ``W`` withheld, ``NA`` not available, ``incl`` included elsewhere, ``>``
and ``<`` bounds, ``qualitative`` reserves ("Large"); estimates set ``estimated``. Nothing is
written here: ``build.py`` writes the bundled CSVs and ``critmin data import-usgs`` the store.
A malformed file raises :class:`~critmin.errors.InputError` naming file, line and column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from critmin.errors import InputError
from critmin.schema import TABLES, first_error_field

# -- units -----------------------------------------------------------------------------------

# metric tonnes per published unit: UNIT_MEAS strings (MCS 2025) and column-name tokens
TONNES_PER_UNIT: dict[str, float] = {
    "metric tons": 1.0,
    "thousand metric tons": 1e3,
    "thousand metric dry tons": 1e3,
    "million metric tons": 1e6,
    "kilograms": 1e-3,
    "t": 1.0,
    "kt": 1e3,
    "mt": 1e6,  # Mt / mmt: million metric tons
    "mmt": 1e6,
    "kg": 1e-3,
    "g": 1e-6,
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

PRODUCTION = "production"
RESERVES = "reserves"
US_SUPPLY = "us_supply"
PRICES = "prices"


@dataclass
class UsgsImport:
    """Typed rows per table (keys exactly the schema columns) and rows deliberately left out.

    ``skipped`` holds ``(file, line, reason)``: commodities outside the critical-minerals map,
    capacity-only rows, aggregates such as "United States and Canada", files not recognised.
    """

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {PRODUCTION: [], RESERVES: [], US_SUPPLY: [], PRICES: []}
    )
    skipped: list[tuple[str, int, str]] = field(default_factory=list)


def source_id(edition: int, kind: str) -> str:
    """Source id of one MCS release table: ``usgs-mcs2025-world``, ``usgs-mcs2025-salient``."""
    return f"usgs-mcs{edition}-{kind}"


def _norm(text: str) -> str:
    """Key form of a published label: no BOM/NBSP, single spaces, stripped, case-folded."""
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split()).casefold()


def _clean(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").replace("\xa0", " ").split())


# -- the commodity/TYPE map (usgs_map.csv) ---------------------------------------------------


@dataclass(frozen=True)
class MapEntry:
    """One row of usgs_map.csv: a USGS (commodity, TYPE) of one edition and where it goes.

    Production rows are made when ``stage`` is set, reserve rows when ``reserves_mineral_id``
    is set; with neither, the rows are skipped and ``note`` is the reason. ``unit`` and
    ``reserves_unit`` override the unit published in the file where USGS mislabelled it.
    """

    edition: int
    commodity: str
    usgs_type: str
    mineral_id: str
    stage: str
    product: str
    basis: str
    headline: bool
    unit: str
    reserves_mineral_id: str
    reserves_product: str
    reserves_basis: str
    reserves_unit: str
    note: str


MapKey = tuple[int, str, str]


def map_path() -> Path:
    return Path(str(resources.files("critmin.data") / "usgs_map.csv"))


@cache
def load_map(path: Path | None = None) -> dict[MapKey, MapEntry]:
    """usgs_map.csv keyed by (edition, normalised commodity or file code, normalised TYPE)."""
    out: dict[MapKey, MapEntry] = {}
    with (path or map_path()).open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            entry = MapEntry(
                edition=int(rec["edition"]),
                commodity=rec["usgs_commodity"],
                usgs_type=rec["usgs_type"],
                mineral_id=rec["mineral_id"],
                stage=rec["stage"],
                product=rec["product"],
                basis=rec["basis"],
                headline=rec["headline"] == "true",
                unit=rec["unit"],
                reserves_mineral_id=rec["reserves_mineral_id"],
                reserves_product=rec["reserves_product"],
                reserves_basis=rec["reserves_basis"],
                reserves_unit=rec["reserves_unit"],
                note=rec["note"],
            )
            out[(entry.edition, _norm(entry.commodity), _norm(entry.usgs_type))] = entry
    return out


@cache
def mapped_commodities(edition: int) -> frozenset[str]:
    """Normalised commodity names (MCS 2025) or file codes of one edition in usgs_map.csv."""
    return frozenset(c for (e, c, _t) in load_map() if e == edition)


# -- countries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    """A resolved country cell: ISO3, whether a glued footnote ``e`` marked it estimated, and
    the qualifier USGS appended to the name (``Brazil (beneficiated, marketable)``)."""

    iso3: str
    estimated: bool = False
    qualifier: str = ""


# multi-country aggregates that have no code of their own: skipped with a reason
AGGREGATES = {"united states and canada"}
_WORLD = re.compile(r"^world(?: total)?\b", re.IGNORECASE)
_OTHER = re.compile(r"^other(?: countries)?\b", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\s*\d+$")
_PAREN = re.compile(r"^(?P<name>.*?)\s*\((?P<q>[^()]*)\)\s*$")


def countries_path() -> Path:
    from critmin.data.bundled import reference_dir

    return reference_dir() / "countries" / "countries.csv"


class CountryIndex:
    """USGS country spellings -> ISO3, through the name and aliases of the countries table."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    @classmethod
    def load(cls, path: Path | None = None) -> CountryIndex:
        path = path or countries_path()
        aliases: dict[str, str] = {}
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                iso3 = rec["iso3"].strip()
                names = [rec["name"], iso3, *rec.get("aliases", "").split("|")]
                for name in names:
                    if name.strip():
                        aliases.setdefault(_norm(name), iso3)
        return cls(aliases)

    def _lookup(self, name: str) -> str | None:
        key = _norm(name)
        if key in self.aliases:
            return self.aliases[key]
        if _WORLD.match(name):
            return "WLD"
        if _OTHER.match(name):
            return "XOT"
        return None

    def resolve(self, raw: str) -> Country | None:
        """ISO3 of a published country cell, or None if unknown.

        Tried in turn: the cell as is; without a glued footnote number (``Other countries6``);
        without a parenthesised qualifier (``Spain (includes pegmatites)``, kept as qualifier);
        the part before a comma (``Chile, ulexite``); without a glued estimate marker ``e``
        (``Russiae``: estimated, also where the countries table lists the glued spelling).
        """
        name = _FOOTNOTE.sub("", _clean(raw))
        if name.endswith("e") and _norm(name[:-1]) in self.aliases:
            bare = self._resolve_plain(name[:-1])
            full = self._resolve_plain(name)
            if bare and (full is None or full.iso3 == bare.iso3):
                return Country(bare.iso3, True, bare.qualifier)
        return self._resolve_plain(name)

    def _resolve_plain(self, name: str) -> Country | None:
        paren = _PAREN.match(name)
        for candidate in self._candidates(name):
            iso3 = self._lookup(candidate)
            if iso3 is None:
                continue
            qualifier = name[len(candidate) :].strip(" ,") if candidate != name else ""
            if paren and self._lookup(paren.group("name")) == iso3:
                qualifier = paren.group("q")
            return Country(iso3, qualifier=qualifier)
        return None

    @staticmethod
    def _candidates(name: str) -> Iterator[str]:
        yield name
        m = _PAREN.match(name)
        if m:
            yield m.group("name")
        if ", " in name:
            yield name.split(", ")[0]


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
    text = _clean(raw)
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
    text = _clean(note)
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
    key = _clean(unit).casefold() if " " in unit.strip() else unit.strip().lower()
    if key in NOT_MASS:
        return None
    if key not in TONNES_PER_UNIT:
        raise InputError("unknown unit", file=file, line=line, column=column, value=unit)
    return TONNES_PER_UNIT[key]


def _join(*parts: str) -> str | None:
    out: list[str] = []
    for p in parts:
        p = _clean(p)
        if p and p.casefold() not in {o.casefold() for o in out}:
            out.append(p)
    return "; ".join(out) or None


# -- collecting rows -------------------------------------------------------------------------


class _Sink:
    """Validated rows per table, their provenance, and the skip list."""

    def __init__(self) -> None:
        self.out = UsgsImport()
        self.where: dict[tuple[str, tuple[Any, ...]], tuple[str, int]] = {}

    def skip(self, file: str, line: int, reason: str) -> None:
        self.out.skipped.append((file, line, reason))

    def add(self, table: str, rec: dict[str, Any], file: str, line: int) -> None:
        """Validate ``rec`` against the table's row model; refuse a second row with its key."""
        model = TABLES[table].model
        try:
            row = model.model_validate(rec).model_dump()
        except ValidationError as exc:
            col, msg = first_error_field(exc)
            raise InputError(msg, file=file, line=line, column=col, value=rec.get(col)) from None
        key = (table, tuple(str(row[k]) for k in TABLES[table].key))
        if key in self.where:
            f0, l0 = self.where[key]
            raise InputError(
                f"duplicate {table} row (same key as {Path(f0).name} line {l0})",
                file=file,
                line=line,
                value="|".join(key[1]),
            )
        self.where[key] = (file, line)
        self.out.rows[table].append(row)


# -- world production and reserves tables ----------------------------------------------------


@dataclass
class WorldRow:
    """One data line of a world table, reduced to what both layouts share."""

    file: str
    line: int
    edition: int
    commodity: str  # MCS 2025: COMMODITY as published; earlier editions: the file's code
    usgs_type: str
    country: str
    country_column: str
    unit: str
    unit_column: str
    reserve_unit: str
    production: list[tuple[int, bool, str, str]]  # (year, estimated column, cell, column)
    prod_notes: str
    reserves: list[tuple[int, str, str, bool]]  # (year, cell, column, is recoverable ore)
    reserve_notes: str


COMBINED_WORLD = "combined world total of several products; the per-product totals are kept"


@cache
def _secondary_type(entry: MapEntry) -> bool:
    """True if ``entry`` is not the first of several published TYPEs (world totals aside)
    feeding the same product: its rows then say which TYPE they came from."""
    types = [
        e.usgs_type
        for e in load_map().values()
        if (e.edition, _norm(e.commodity), e.product, e.stage)
        == (entry.edition, _norm(entry.commodity), entry.product, entry.stage)
        and not _norm(e.usgs_type).startswith("world")
    ]
    return len(types) > 1 and types[0] != entry.usgs_type


def import_world_row(r: WorldRow, countries: CountryIndex, sink: _Sink) -> None:
    """Map one world-table line to production and reserve rows (or a skip with a reason)."""
    if _norm(r.commodity) not in mapped_commodities(r.edition):
        sink.skip(r.file, r.line, f"{_clean(r.commodity)}: not a critical mineral (not mapped)")
        return
    entry = load_map().get((r.edition, _norm(r.commodity), _norm(r.usgs_type)))
    if entry is None:
        sink.skip(r.file, r.line, f"{_clean(r.commodity)} / {_clean(r.usgs_type)}: TYPE not mapped")
        return
    if not entry.stage and not entry.reserves_mineral_id:
        sink.skip(r.file, r.line, f"{_clean(r.commodity)} / {_clean(r.usgs_type)}: {entry.note}")
        return
    if _norm(_FOOTNOTE.sub("", _clean(r.country))) in AGGREGATES:
        sink.skip(r.file, r.line, f"aggregate without a country code: {_clean(r.country)}")
        return
    country = countries.resolve(r.country)
    if country is None:
        raise InputError(
            "unknown country (not in the countries table aliases)",
            file=r.file,
            line=r.line,
            column=r.country_column,
            value=r.country,
        )
    if country.iso3 == "WLD" and re.search(r"\band\b", _norm(r.country)):
        sink.skip(r.file, r.line, f"{_clean(r.country)}: {COMBINED_WORLD}")
        return
    if entry.stage:
        _production_rows(r, entry, country, sink)
    if entry.reserves_mineral_id:
        _reserve_rows(r, entry, country, sink)


def _production_rows(r: WorldRow, entry: MapEntry, country: Country, sink: _Sink) -> None:
    factor = unit_factor(entry.unit or r.unit, r.file, r.line, r.unit_column)
    if factor is None:
        sink.skip(r.file, r.line, f"{_clean(r.commodity)}: unit {r.unit!r} is not a mass")
        return
    years = [y for y, *_ in r.production]
    noted = estimated_years(r.prod_notes, years)
    type_estimated = "estimated" in _norm(r.usgs_type)
    type_note = f"USGS type: {_clean(r.usgs_type)}" if _secondary_type(entry) else ""
    for year, est_column, raw, column in r.production:
        cell = parse_cell(raw, r.file, r.line, column)
        if cell.value is None and cell.flag is None:
            cell = blank_cell_reason(r.prod_notes)
        if not cell.applicable:
            continue
        rec = {
            "mineral_id": entry.mineral_id,
            "stage": entry.stage,
            "product": entry.product,
            "headline": entry.headline,
            "iso3": country.iso3,
            "year": year,
            "value": None if cell.value is None else cell.value * factor,
            "unit": "t",
            "basis": entry.basis,
            "estimated": est_column
            or type_estimated
            or country.estimated
            or cell.estimated
            or year in noted,
            "flag": cell.flag,
            "note": _join(country.qualifier, type_note, r.prod_notes, cell.note),
            "source_id": source_id(r.edition, "world"),
        }
        sink.add(PRODUCTION, rec, r.file, r.line)


def _reserve_rows(r: WorldRow, entry: MapEntry, country: Country, sink: _Sink) -> None:
    for year, raw, column, is_ore in r.reserves:
        cell = parse_cell(raw, r.file, r.line, column)
        if cell.value is None and cell.flag is None:
            if not _clean(r.reserve_notes):
                continue  # nothing published for this country
            cell = blank_cell_reason(r.reserve_notes, reserves=True)
        if not cell.applicable:
            continue
        factor = unit_factor(entry.reserves_unit or r.reserve_unit, r.file, r.line, column)
        if factor is None:
            sink.skip(r.file, r.line, f"{_clean(r.commodity)}: reserve unit is not a mass")
            continue
        product, basis = (
            ("recoverable ore", "gross")
            if is_ore
            else (entry.reserves_product, entry.reserves_basis)
        )
        rec = {
            "mineral_id": entry.reserves_mineral_id,
            "product": product,
            "iso3": country.iso3,
            "year": year,
            "value": None if cell.value is None else cell.value * factor,
            "unit": "t",
            "basis": basis,
            "flag": cell.flag,
            "note": _join(country.qualifier, r.reserve_notes, cell.note),
            "source_id": source_id(r.edition, "world"),
        }
        sink.add(RESERVES, rec, r.file, r.line)


def _records(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(first line number, cells) of every CSV record of ``path`` (UTF-8, BOM optional)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            last = 0
            for cells in reader:
                yield last + 1, cells
                last = reader.line_num
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=str(path)) from None


def _blank(cells: list[str]) -> bool:
    return not any(_clean(c) for c in cells)


def _header_index(header: list[str]) -> dict[str, int]:
    """Column name (spaces removed, upper case) -> position."""
    return {re.sub(r"\s+", "", h).upper(): i for i, h in enumerate(header) if h.strip()}


def _need(index: dict[str, int], name: str, file: str) -> int:
    if name not in index:
        raise InputError("missing column", file=file, line=1, column=name)
    return index[name]


def _cell(cells: list[str], i: int | None) -> str:
    return cells[i] if i is not None and i < len(cells) else ""


def read_world_2025(path: Path, countries: CountryIndex, sink: _Sink, edition: int) -> None:
    """MCS 2025 long world table: COMMODITY, COUNTRY, TYPE, UNIT_MEAS, PROD_*, RESERVES_*."""
    file = str(path)
    records = _records(path)
    _, header = next(records, (1, []))
    idx = _header_index(header)
    c_com, c_cty, c_type, c_unit = (
        _need(idx, n, file) for n in ("COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS")
    )
    c_pnote, c_rnote = _need(idx, "PROD_NOTES", file), _need(idx, "RESERVE_NOTES", file)
    prod = [
        (int(m.group(2)), bool(m.group(1)), i)
        for name, i in idx.items()
        if (m := re.match(r"^PROD_(EST_)?(\d{4})$", name))
    ]
    res = [
        (int(m.group(1)), i)
        for name, i in idx.items()
        if (m := re.match(r"^RESERVES_(\d{4})$", name))
    ]
    if not prod:
        raise InputError("no PROD_<year> column", file=file, line=1, column="PROD_2023")
    for line, cells in records:
        if _blank(cells):
            continue
        row = WorldRow(
            file=file,
            line=line,
            edition=edition,
            commodity=_cell(cells, c_com),
            usgs_type=_cell(cells, c_type),
            country=_cell(cells, c_cty),
            country_column=header[c_cty].strip(),
            unit=_cell(cells, c_unit),
            unit_column=header[c_unit].strip(),
            reserve_unit=_cell(cells, c_unit),
            production=[(y, est, _cell(cells, i), header[i].strip()) for y, est, i in prod],
            prod_notes=_cell(cells, c_pnote),
            reserves=[(y, _cell(cells, i), header[i].strip(), False) for y, i in res],
            reserve_notes=_cell(cells, c_rnote),
        )
        import_world_row(row, countries, sink)


_PROD_COL = re.compile(r"^prod_(?:sponge_)?(?P<unit>[a-z]+)_(?P<est>est_)?(?P<year>\d{4})$")
_RES_COL = re.compile(
    r"^reserves_(?P<what>ore_k2o_equiv_|ore_)?(?P<unit>[a-z]+)(?:_(?P<y>\d{4}))?$"
)
_NOTES_COL = re.compile(r"^(?P<kind>prod|reserves?)_notes?$")


def read_world_commodity(
    path: Path, countries: CountryIndex, sink: _Sink, edition: int, code: str
) -> None:
    """Per-commodity world table of MCS 2022-2024: Source, Country, Type, Prod_<unit>_<year>,
    Prod_notes, Reserves_<unit>, Reserves_notes (the third header is sometimes not 'Type')."""
    file = str(path)
    if _norm(code) not in mapped_commodities(edition):
        sink.skip(file, 1, f"{code}: not a critical mineral (not mapped)")
        return
    records = _records(path)
    _, header = next(records, (1, []))
    names = [h.strip().lower() for h in header]
    if len(names) < 4 or names[1] != "country":
        raise InputError(
            "expected columns Source, Country, Type", file=file, line=1, column="Country"
        )
    prod: list[tuple[int, bool, int, str]] = []
    res: list[tuple[int, int, str, bool]] = []
    notes: dict[str, int] = {}
    for i, name in enumerate(names):
        if m := _NOTES_COL.match(name):
            notes["prod" if m.group("kind") == "prod" else "reserves"] = i
        elif (m := _PROD_COL.match(name)) and m.group("unit") != "est":
            prod.append((int(m.group("year")), bool(m.group("est")), i, m.group("unit")))
        elif m := _RES_COL.match(name):
            year = int(m.group("y")) if m.group("y") else edition - 1
            res.append((year, i, m.group("unit"), m.group("what") == "ore_"))
    if not prod:
        raise InputError("no Prod_<unit>_<year> column", file=file, line=1, column=header[3])
    for line, cells in records:
        if _blank(cells):
            continue
        p_unit = prod[0][3]
        row = WorldRow(
            file=file,
            line=line,
            edition=edition,
            commodity=code,
            usgs_type=_cell(cells, 2),
            country=_cell(cells, 1),
            country_column=header[1].strip(),
            unit=p_unit,
            unit_column=header[prod[0][2]].strip(),
            reserve_unit=res[0][2] if res else p_unit,
            production=[(y, est, _cell(cells, i), header[i].strip()) for y, est, i, _u in prod],
            prod_notes=_cell(cells, notes.get("prod")),
            reserves=[(y, _cell(cells, i), header[i].strip(), ore) for y, i, _u, ore in res],
            reserve_notes=_cell(cells, notes.get("reserves")),
        )
        import_world_row(row, countries, sink)


# -- U.S. salient statistics ------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """Which columns of a salient file make one mineral's ``us_supply`` row.

    Quantity fields list one column or several (summed); ``units`` overrides a column's unit
    token where the header is wrong (``Consump_g`` holds kilograms). ``note`` says what each
    field holds, in words, and is copied to every row.
    """

    mineral_id: str
    basis: str | None
    note: str
    production: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    consumption: tuple[str, ...] = ()
    nir: str | None = None
    price: str | None = None
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PriceColumn:
    """A price column: mineral, product and market; ``unit`` (USD per unit) overrides a wrong
    or missing suffix."""

    mineral_id: str
    product: str
    market: str | None = None
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SalientFile:
    series: tuple[Series, ...]
    prices: dict[str, PriceColumn]


def _cols(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _s(
    mineral_id: str,
    basis: str | None,
    note: str,
    *,
    prod: str | tuple[str, ...] | None = None,
    imp: str | tuple[str, ...] | None = None,
    exp: str | tuple[str, ...] | None = None,
    cons: str | tuple[str, ...] | None = None,
    nir: str | None = None,
    price: str | None = None,
    units: dict[str, str] | None = None,
) -> Series:
    return Series(
        mineral_id,
        basis,
        note,
        _cols(prod),
        _cols(imp),
        _cols(exp),
        _cols(cons),
        nir,
        price,
        tuple((units or {}).items()),
    )


P = PriceColumn

# The per-commodity column mapping of the MCS 2025 salient files (headers exactly as
# published). Where a header disagrees with the metadata XML or the MCS 2025 chapter, the
# values follow the chapter and the note says so. `us_supply` production is the primary
# (mine, or primary refinery where there is no mine stage) U.S. production.
_ARGUS = "Argus Non-Ferrous Markets"
_ENG = "Engelhard unfabricated (Platts)"
_REE = "Argus (MCS annual average)"
# fmt: off
_PER_KG = "CSV header ends in _t; the metadata and the MCS 2025 chapter say USD per kilogram"
SALIENT_2025: dict[str, SalientFile] = {
    "alumi": SalientFile(
        (_s("aluminum", "contained",
            "production = primary aluminum; imports and exports = crude metal and "
            "semimanufactures (scrap excluded)",
            prod="USprod_Primary_kt", imp="Imports_Crude_kt", exp="Exports_Crude_kt",
            cons="Consump_Apprnt_kt", nir="NIR_pct", price="Price_Ingot_ctslb"),),
        {"Price_Ingot_ctslb": P("aluminum", "aluminum ingot", "US market spot (Platts)")},
    ),
    "antim": SalientFile(
        (_s("antimony", "contained",
            "production = mine (recoverable antimony); imports and exports = oxide + "
            "unwrought metal, the forms of net import reliance",
            prod="USprod_Mine_t", imp=("Imports_Oxide_t", "Imports_Unwrought_t"),
            exp=("Exports_Oxide_t", "Exports_Unwrought_t"), cons="Consump_t",
            nir="NIR_pct", price="Price_Metal_dlb"),),
        {"Price_Metal_dlb": P("antimony", "antimony metal, 99.65% min", "CIF (Argus)")},
    ),
    "arsen": SalientFile(
        (_s("arsenic", "contained",
            "no U.S. production since 1985; imports = arsenic content of metal and "
            "compounds; exports are gross weight",
            imp="Imports_Total_t", exp="Exports_All_Gross_t", cons="Consump_Est_All_t",
            nir="NIR_All_pct", price="Price_Mtl_US_dkg"),),
        {"Price_Mtl_US_dkg": P("arsenic", "arsenic metal, 99% min", "US warehouse (Argus)", "lb",
                               "CSV header says _dkg; the metadata and the MCS 2025 chapter "
                               "say dollars per pound")},
    ),
    "barit": SalientFile(
        (_s("barite", "gross", "production = mine, sold or used",
            prod="USprod_sold-used_kt", imp="Imports_consumption_kt", exp="Exports_kt",
            cons="Consump_kt", nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("barite", "ground barite, average value", "US ex-works")},
    ),
    "bauxi": SalientFile(
        (_s("bauxite", "gross",
            "bauxite, dry weight; the alumina columns are kept as a price only",
            prod="Bauxite_Mine_kt", imp="Bauxite_Imports_kt", exp="Bauxite_Exports_kt",
            cons="Bauxite_Consump_Apprnt_kt", nir="Bauxite_NIR_pct",
            price="Bauxite_Price_dt"),),
        {
            "Bauxite_Price_dt": P("bauxite", "bauxite, average value of imports",
                                  "US imports f.a.s."),
            "Alumina_Price_kt": P("bauxite", "alumina, average value of imports",
                                  "US imports f.a.s.", "t",
                                  "CSV header says _kt; the metadata says dollars per metric ton"),
        },
    ),
    "beryl": SalientFile(
        (_s("beryllium", "contained", "production = mine shipments; beryllium content",
            prod="USprod_Shipments_t", imp="Imports_t", exp="Exports_t",
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_Alloy_dkg"),),
        {"Price_Alloy_dkg": P("beryllium",
                              "beryllium-copper master alloy, per kg of contained beryllium",
                              "US imports unit value")},
    ),
    "bismu": SalientFile(
        (_s("bismuth", "contained",
            "production = primary refinery; secondary output not included; trade = metal, "
            "alloys and scrap",
            prod="USprod_Refinery_t", imp="Imports_Mtl_Alloy_and_Scrap_Total_t",
            exp="Exports_Mtl_Alloy_and_Scrap_Total_t", cons="Consump_Apprnt_t",
            nir="NIR_Consump_pct", price="Price_Average_dlb"),),
        {"Price_Average_dlb": P("bismuth", "bismuth metal, 99.99%",
                                "Rotterdam warehouse (Fastmarkets AMM)")},
    ),
    "boron": SalientFile(
        (_s("boron", "gross",
            "boron minerals and compounds, gross weight; trade summed over refined borax, "
            "boric acid, colemanite and ulexite",
            prod="USprod_kt",
            imp=("Imports_Refined_kt", "Imports_H3BO3_kt", "Imports_Colemanite_kt",
                 "Imports_Ulexite_kt"),
            exp=("Exports_H3BO3_kt", "Exports_Refined_kt"), cons="Consump_kt", nir="NIR_pct",
            price="Price_CIF_dt"),),
        {"Price_CIF_dt": P("boron", "boron minerals and compounds, average value of imports",
                           "US imports CIF")},
    ),
    "chrom": SalientFile(
        (_s("chromium", "contained",
            "chromium content of all forms (chromite ore, ferrochromium, metal, chemicals, "
            "stainless steel and scrap); production = mine",
            prod="USprod_Mine_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_Ferrochromium_dlb"),),
        {
            "Price_Ore_dt": P("chromium", "chromite ore, gross weight", _ARGUS),
            "Price_Ferrochromium_dlb": P("chromium", "ferrochromium, per lb of chromium content",
                                         _ARGUS),
            "Price_Metal_dlb": P("chromium", "chromium metal", _ARGUS),
        },
    ),
    "cobal": SalientFile(
        (_s("cobalt", "contained", "production = mine; cobalt content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_Spot_dlb"),),
        {
            "Price_Spot_dlb": P("cobalt", "cobalt cathode", "US spot (Platts)"),
            "Price_LME_dlb": P("cobalt", "cobalt cathode", "LME cash"),
        },
    ),
    "coppe": SalientFile(
        (_s("copper", "contained",
            "production = mine (recoverable copper); imports and exports = refined copper, "
            "the basis of net import reliance",
            prod="USprod_Mine_kt", imp="Imports_Refined_kt", exp="Exports_Refined_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_US_ctslb"),),
        {
            "Price_US_ctslb": P("copper", "copper cathode", "US producer (COMEX + premium)"),
            "Price_COMEX_ctslb": P("copper", "high-grade copper", "COMEX first position"),
            "Price_LME_ctslb": P("copper", "grade A copper", "LME cash"),
        },
    ),
    "felds": SalientFile(
        (_s("feldspar", "gross", "feldspar only; the nepheline syenite columns are not imported",
            prod="USprod_Feldspar_kt", imp="Imports_Feldspar_kt", exp="Exports_Feldspar_kt",
            cons="Consump_Feldspar_kt", nir="NIR_Feldspar_pct", price="Price_Feldspar_dt"),),
        {"Price_Feldspar_dt": P("feldspar", "marketable feldspar, average value", "US")},
    ),
    "fluor": SalientFile(
        (_s("fluorspar", "gross",
            "production = finished metallurgical-grade fluorspar; trade = all grades",
            prod="USprod_Metallurgical_kt", imp="Imports_Total_Fl_kt",
            exp="Exports_All_grades_kt", cons="Consump_Apprnt_kt", nir="NIR_pct",
            price="Price_Acid_dt"),),
        {
            "Price_Acid_dt": P("fluorspar", "acid-grade fluorspar, average value of imports",
                               "US imports CIF"),
            "Price_Metallurgical_dt": P("fluorspar",
                                        "metallurgical-grade fluorspar, average value of imports",
                                        "US imports CIF"),
        },
    ),
    "galli": SalientFile(
        (_s("gallium", "contained",
            "production = primary; imports = gallium metal (gallium arsenide excluded); "
            "consumption = reported",
            prod="USprod_Primary_kg", imp="Imports_Metal_kg", exp="Exports_kg",
            cons="Consump_kg", nir="NIR_pct", price="Price_Low-purity_dkg"),),
        {
            "Price_High-purity_dkg": P("gallium", "high-purity refined gallium",
                                       "US imports unit value"),
            "Price_Low-purity_dkg": P("gallium", "low-purity primary gallium",
                                      "US imports unit value"),
        },
    ),
    "germa": SalientFile(
        (_s("germanium", "contained",
            "production = primary refinery; trade = germanium metal only (GeO2 and GeCl4 not "
            "included); the header 'Consump_g' holds kilograms (metadata)",
            prod="USprod_Primary_kg", imp="Imports_Metal_kg", exp="Exports_Metal_kg",
            cons="Consump_g", nir="NIR_ct", price="Price_Metal_dkg",
            units={"Consump_g": "kg"}),),
        {
            "Price_Metal_dkg": P("germanium", "germanium metal, 99.999%", "Europe (Argus)"),
            "Price_GeO2_dkg": P("germanium", "germanium dioxide, 99.999%", "Europe (Argus)"),
        },
    ),
    "graph": SalientFile(
        (_s("graphite", "gross", "natural graphite",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Flake_dt"),),
        {
            "Price_Flake_dt": P("graphite", "flake graphite, average value of imports",
                                "at foreign ports"),
            "Price_Lump_dt": P("graphite",
                               "lump and chip graphite (Sri Lanka), average value of imports",
                               "at foreign ports"),
            "Price_Amorphous_dt": P("graphite", "amorphous graphite, average value of imports",
                                    "at foreign ports"),
        },
    ),
    "indiu": SalientFile(
        (_s("indium", "contained",
            "production = refinery; consumption estimated equal to imports",
            prod="USprod_Refinery_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_NY_dkg"),),
        {
            "Price_NY_dkg": P("indium", "indium, 99.99% min", "New York dealer"),
            "Price_FOB_dkg": P("indium", "indium, 99.99% min", "US warehouse FOB"),
            "Price_Rotterdam_dkg": P("indium", "indium, 99.99% min", "Rotterdam, duties unpaid"),
        },
    ),
    "lead": SalientFile(
        (_s("lead", "contained",
            "production = mine, lead in concentrates; imports and exports = refined metal. "
            "The CSV headers are shifted from the 5th value column on (checked against the "
            "MCS 2025 lead chapter): 'Imports_Concentrates_kt' holds refined-metal imports, "
            "'Exports_kt' refined-metal exports, 'Consump_North_American_kt' apparent "
            "consumption, 'Price_LME_ctslb' the North American price",
            prod="USprod_Mine_kt", imp="Imports_Concentrates_kt", exp="Exports_kt",
            cons="Consump_North_American_kt", nir="NIR_Metal_pct",
            price="Price_LME_ctslb"),),
        {"Price_LME_ctslb": P("lead", "refined lead", "North American (Platts)",
                              note="the column headed Price_LME_ctslb holds the North American "
                                   "price (header shift; MCS 2025 lead chapter)")},
    ),
    "lithium": SalientFile(
        (_s("lithium", "contained", "lithium content",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("lithium", "battery-grade lithium carbonate",
                       "contract, delivered Europe and US")},
    ),
    "manga": SalientFile(
        (_s("manganese", "contained",
            "production = mine; imports and exports are published by form in gross weight and "
            "are left out; consumption = apparent, manganese content",
            prod="USprod_kt", cons="Consump_Apparent_kt", nir="NIR_pct",
            price="Price_CN_CIF_dt"),),
        {"Price_CN_CIF_dt": P("manganese",
                              "metallurgical-grade manganese ore, per metric ton unit of Mn "
                              "content", "China CIF", "mtu",
                              "dollars per metric ton unit (10 kg of contained manganese)")},
    ),
    "mgmet": SalientFile(
        (_s("magnesium", "contained",
            "production = primary magnesium metal; the column headed 'Price_European_dlb' "
            "holds the U.S. spot Western price (USD/lb) and 'Price_dt' the European "
            "free-market price (USD/t), per the MCS 2025 chapter",
            prod="USprod_Primary_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_European_dlb"),),
        {
            "Price_European_dlb": P("magnesium", "magnesium metal", "US spot Western (Platts)",
                                    note="column headed Price_European_dlb; U.S. spot Western "
                                         "per the MCS 2025 chapter"),
            "Price_dt": P("magnesium", "magnesium metal", "European free market (Platts)"),
        },
    ),
    "molyb": SalientFile(
        (_s("molybdenum", "contained",
            "production = mine; trade = ore and concentrates + primary products; molybdenum "
            "content",
            prod="USprod_t", imp=("Imports_ore_concentrates_t", "Imports_products_t"),
            exp=("Exports_ore_concentrates_t", "Exports_products_t"),
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("molybdenum", "molybdic oxide (57% Mo), per kg of molybdenum content",
                        "US (Argus)")},
    ),
    "nicke": SalientFile(
        (_s("nickel", "contained",
            "production = mine; trade summed over ores, primary and secondary forms; "
            "consumption = total apparent",
            prod="USprod_Mine_t",
            imp=("Imports_Ores_t", "Imports_Primary_t", "Imports_Seconday_t"),
            exp=("Exports_Ores_t", "Exports_Primary_t", "Exports_Seconday_t"),
            cons="Consump_Apparent_Total_t", nir="NIR_ct", price="Price_dt"),),
        {"Price_dt": P("nickel", "nickel cathode", "LME cash")},  # Price_dlb: same, in USD/lb
    ),
    "niobi": SalientFile(
        (_s("niobium", "contained", "production = mine; niobium content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("niobium", "ferroniobium, average unit value of imports (gross weight)",
                        "US imports")},
    ),
    "phosp": SalientFile(
        (_s("phosphate", "gross",
            "production = marketable phosphate rock; U.S. producers no longer export "
            "phosphate rock",
            prod="USprod_Marketable_kt", imp="Imports_kt", cons="Consump_kt", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("phosphate", "marketable phosphate rock, all grades", "US f.o.b. mine")},
    ),
    "plati": SalientFile(
        (
            _s("platinum", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Platinum_kg", imp="Imports_Platinum_kg",
               exp="Exports_Platinum_kg", cons="Consump_Platinum_kg",
               nir="NIR_Platinum_pct", price="Price_Platinum_dto"),
            _s("palladium", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Palladium_kg", imp="Imports_Palladium_kg",
               exp="Exports_Palladium_kg", cons="Consump_Palladium_kg",
               nir="NIR_Palladium_pct", price="Price_Palladium_dto"),
        ),
        {
            "Price_Palladium_dto": P("palladium", "palladium", _ENG),
            "Price_Platinum_dto": P("platinum", "platinum", _ENG),
            "Price_Iridium_dto": P("iridium", "iridium", _ENG),
            "Price_Rhodium_dto": P("rhodium", "rhodium", _ENG),
            "Price_Ruthenium_dto": P("ruthenium", "ruthenium", _ENG),
        },
    ),
    "potas": SalientFile(
        (_s("potash", "contained", "K2O equivalent; production = marketable potash",
            prod="USprod_Marketable_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_kt", nir="NIR_pct", price="Price_All_dt"),),
        {
            "Price_All_dt": P("potash", "all potash products, per t of K2O equivalent",
                              "US f.o.b. mine"),
            "Price_Muriate_dt": P("potash", "muriate of potash (MOP), per t of K2O equivalent",
                                  "US f.o.b. mine"),
        },
    ),
    "rareee": SalientFile(
        (_s("rare_earths", "contained",
            "rare-earth-oxide equivalent; production = mineral concentrates; trade, "
            "consumption and net import reliance = compounds and metals (exports include ores)",
            prod="USprod_Concentrate_t",
            imp=("Imports_Compounds_t", "Imports_Alloys_t", "Imports_Metals_t"),
            exp=("Exports_Ores-Compounds_t", "Exports_Alloys_t", "Exports_Metals_t"),
            cons="Consump_Compounds-Metals_t", nir="NIR_Compounds-Metals_t",
            price="Price_Nd2O3_dkg"),),
        {
            "Price_CeO2_dkg": P("cerium", "cerium oxide, 99.5% min", _REE),
            "Price_Dy2O3_dkg": P("dysprosium", "dysprosium oxide, 99.5% min", _REE),
            "Price_Eu2O3_dkg": P("europium", "europium oxide, 99.99% min", _REE),
            "Price_La2O3_dkg": P("lanthanum", "lanthanum oxide, 99.5% min", _REE),
            "Price_Mischmetal_dkg": P("rare_earths", "mischmetal (65% Ce, 35% La)", _REE),
            "Price_Nd2O3_dkg": P("neodymium", "neodymium oxide, 99.5% min", _REE),
            "Price_TbO2_dkg": P("terbium", "terbium oxide, 99.99% min", _REE),
        },
    ),
    "rheni": SalientFile(
        (_s("rhenium", "contained",
            "production = rhenium recovered from molybdenite concentrates; imports = unwrought "
            "metal + ammonium perrhenate",
            prod="USprod_kg", imp=("Imports_unwrought_kg", "Imports_NH4ReO4_kg"),
            exp="Exports_kg", cons="Consump_kg", nir="NIR_pct", price="Price_Metal_dkg"),),
        {
            "Price_Metal_dkg": P("rhenium", "rhenium metal pellets, 99.99%", "US average value"),
            "Price_NH4ReO4_dkg": P("rhenium", "ammonium perrhenate", "US average value"),
        },
    ),
    "scand": SalientFile(
        (_s("scandium", None,
            "U.S. salient statistics give prices and net import reliance only",
            nir="NIR_ct", price="Price_Cmpds_Oxide_dg"),),
        {col: P("scandium", product, "year-end catalogue price") for col, product in (
            ("Price_Cmpds_Acetate_dg", "scandium acetate, 99.9%, 5-g lot"),
            ("Price_Cmpds_Chloride_dg", "scandium chloride, 99.9%, 5-g lot"),
            ("Price_Cmpds_Fluoride_dg", "scandium fluoride, 1- to 5-g lot"),
            ("Price_Cmpds_Iodide_dg", "scandium iodide, 99.999%, 5-g lot"),
            ("Price_Cmpds_Oxide_dg", "scandium oxide, 99.99%, 5-kg lot"),
            ("Price_Mtl_Dendritic_dg", "scandium metal, distilled dendritic, 2-g lot"),
            ("Price_Mtl_Ingot_dg", "scandium metal ingot, 5-g lot"),
            ("Price_Mtl_Alloy_1kg_dkg", "scandium-aluminum alloy, 1-kg lot"),
            ("Price_Mtl_Alloy_1000kg_dkg", "scandium-aluminum alloy, 1,000-kg lot"),
        )},
    ),
    "simet": SalientFile(
        (_s("silicon", "contained", "ferrosilicon and silicon metal combined, silicon content",
            prod="USprod_FeSi-Si_kt", imp=("Imports_FeSi_kt", "Imports_Si_kt"),
            exp=("Exports_FeSi_kt", "Exports_Si_kt"), cons="Consump_FeSi-Si_kt",
            nir="NIR_FeSi-Si_pct", price="Price_Si_ctslb"),),
        {
            "Price_FeSi50_ctslb": P("silicon", "ferrosilicon, 50% Si, per lb of contained silicon",
                                    "US (CRU)"),
            "Price_FeSi75_ctslb": P("silicon", "ferrosilicon, 75% Si, per lb of contained silicon",
                                    "US import mean (Platts)"),
            "Price_Si_ctslb": P("silicon", "metallurgical-grade silicon metal",
                                "US import mean (Platts)"),
        },
    ),
    "silve": SalientFile(
        (_s("silver", "contained", "production = mine",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Bullion_dtoz"),),
        {"Price_Bullion_dtoz": P("silver", "silver bullion", "Engelhard industrial (Platts)")},
    ),
    "stron": SalientFile(
        (_s("strontium", "contained",
            "strontium content; trade = celestite + strontium compounds",
            prod="USprod_t", imp=("Imports_Celestite_t", "Imports_Compounds_t"),
            exp="Exports_Compounds_t", cons="Consump_Total_t", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("strontium", "celestite, average value of imports",
                       "US imports, port of exportation")},
    ),
    "tanta": SalientFile(
        (_s("tantalum", "contained", "production = mine; tantalum content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Ta2O5_dkg"),),
        {"Price_Ta2O5_dkg": P("tantalum", "tantalite, per kg of Ta2O5 content",
                              "annual average (CRU, IREESM)")},
    ),
    "tellu": SalientFile(
        (_s("tellurium", "contained", "production = refinery",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_US_dkg"),),
        {
            "Price_US_dkg": P("tellurium", "tellurium, 99.95% min", "US FOB"),
            "Price_Europe_dkg": P("tellurium", "tellurium, 99.99% min",
                                  "Rotterdam warehouse (Argus)"),
        },
    ),
    "timin": SalientFile(
        (),  # U.S. titanium supply is taken from the sponge-metal file (titan), as in MCS T5
        {
            "Price_dt": P("titanium", "rutile, bulk, 95% TiO2 min", "Australia f.o.b.",
                          note="1st of four columns headed Price_dt; rutile per the metadata"),
            "Price_dt#2": P("titanium", "ilmenite and leucoxene, bulk", "Australia f.o.b.",
                            note="2nd column headed Price_dt; per the metadata"),
            "Price_dt#3": P("titanium", "ilmenite, average unit value of imports",
                            "US imports (landed duty-paid)",
                            note="3rd column headed Price_dt; per the metadata"),
            "Price_dt#4": P("titanium", "titanium slag, 80-95% TiO2, unit value of imports",
                            "US imports (landed duty-paid)",
                            note="4th column headed Price_dt; per the metadata"),
        },
    ),
    "tin": SalientFile(
        (_s("tin", "contained",
            "no U.S. mine or smelter production (secondary only, not imported); imports, "
            "exports, consumption and net import reliance = refined tin",
            imp="Imports_Refined_t", exp="Exports_Refined_t", cons="Consump_t",
            nir="NIR_Refined_pct", price="Price_NY_ctslb"),),
        {
            "Price_NY_ctslb": P("tin", "refined tin", "New York dealer (Platts)"),
            "Price_LME_ctslb": P("tin", "refined tin", "LME cash"),
        },
    ),
    "titan": SalientFile(
        (_s("titanium", "contained",
            "titanium sponge metal (the TiO2 pigment columns are left out)",
            prod="USprod_Sponge_t", imp="Imports_Sponge_t", exp="Exports_Sponge_t",
            cons="Consump_Sponge_Apparent_t", nir="NIR_Sponge_pct",
            price="Price_Sponge_dkg"),),
        {
            "Price_Sponge_dkg": P("titanium", "titanium sponge, unit value of imports",
                                  "US imports (landed duty-paid)"),
            "Price_Dioxide_dt": P("titanium", "TiO2 pigment, unit value of imports",
                                  "US imports (landed duty-paid)"),
        },
    ),
    "tungs": SalientFile(
        (_s("tungsten", "contained",
            "production = mine; trade = concentrate + other forms; tungsten content",
            prod="USprod_Mine_t", imp=("Imports_Concentrate_t", "Imports_Other_t"),
            exp=("Exports_Concentrate_t", "Exports_Other_t"), cons="Consump_Apparent_t",
            nir="NIR_ct", price="Price_WO3_dt"),),
        {"Price_WO3_dt": P("tungsten", "tungsten concentrate, per dry metric ton unit of WO3",
                           "Rotterdam warehouse", "mtu WO3",
                           "dollars per metric ton unit (10 kg) of WO3")},
    ),
    "vanad": SalientFile(
        (_s("vanadium", "contained",
            "production = primary ore and concentrate; trade summed over all forms; vanadium "
            "content",
            prod="USprod_Primary_t",
            imp=("Imports_Al-V_t", "Imports_Residue_t", "Imports_FeV_t", "Imports_Oxide_t",
                 "Imports_Chem_t", "Imports_Metal_t", "Imports_Ore_t", "Imports_V2O5_t"),
            exp=("Exports_Al-V_t", "Exports_Residue_t", "Exports_FeV_t", "Exports_Oxide_t",
                 "Exports_Metal_t", "Exports_Ore_t", "Exports_V2O5_t"),
            cons="Consump_Apprnt_t", nir="NIR_pct", price="Price_V2O5_dlb"),),
        {"Price_V2O5_dlb": P("vanadium", "vanadium pentoxide, 98% V2O5", "China (Argus)")},
    ),
    "yttri": SalientFile(
        (_s("yttrium", "contained", "Y2O3 equivalent; production = mine",
            prod="USprod_Mine_t", imp="Imports_All_t", exp="Exports_Compounds_t",
            cons="Consump_t", nir="NIR_pct", price="Price_Y2O3_dkg"),),
        {
            "Price_Y2O3_dkg": P("yttrium", "yttrium oxide, 99.999%", "China FOB (Argus)"),
            "Price_Metal_dkg": P("yttrium", "yttrium metal, 99.9%", "China FOB (Argus)"),
        },
    ),
    "zinc": SalientFile(
        (_s("zinc", "contained",
            "production = mine (zinc in ores and concentrates); imports, exports, consumption "
            "and net import reliance = refined zinc",
            prod="USprod_Ores_kt", imp="Imports_Refined_kt", exp="Exports_Refined_kt",
            cons="Consump_Refined_kt", nir="NIR_Refined_pct", price="Price_ctslb"),),
        {
            "Price_ctslb": P("zinc", "special high grade zinc", "North American (Platts)"),
            "Price_LME_ctslb": P("zinc", "zinc", "LME cash"),
        },
    ),
    "zirco": SalientFile(
        (
            _s("zirconium", "contained",
               "zirconium ores and concentrates, ZrO2 content (65% of gross weight)",
               prod="USprod_ZrO2_t", imp="Imports_ZrO2_t", exp="Exports_Zr_ore_t",
               cons="Consump_ZrO2_content_t", nir="NIR_Zr_ore_pct",
               price="Price_Zircon_premium_CIF_CN_t"),
            _s("hafnium", "contained", "hafnium, unwrought (including powders)",
               imp="Imports_Hf_unwrought_t", exp="Exports_Hf_unwrought_t", nir="NIR_Hf_pct",
               price="Price_Hf_unwrought_t"),
        ),
        {
            "Price_Zircon_premium_CIF_CN_t": P("zirconium", "zircon, premium grade, gross weight",
                                               "China CIF (Fastmarkets IM)", "t"),
            "Price_Zircon_imported_t": P("zirconium", "zircon, imported, gross weight",
                                         "US imports (landed duty-paid)", "t"),
            "Price_Zircon_sponge_CN_t": P("zirconium", "zirconium sponge",
                                          "China ex-works (Argus)", "kg", _PER_KG),
            "Price_Hf_unwrought_t": P("hafnium", "hafnium, unwrought", "Argus annual average",
                                      "kg", _PER_KG),
        },
    ),
}
# fmt: on
# MCS 2024 salient files are read for the rare-earth oxide prices of 2019 only; their headers
# are those of MCS 2025 for this commodity. Other MCS 2024/2022 salient layouts are not mapped.
SALIENT: dict[int, dict[str, SalientFile]] = {
    2025: SALIENT_2025,
    2024: {"raree": SALIENT_2025["rareee"]},
}


def _dedupe(header: list[str]) -> list[str]:
    """Header names stripped; a repeated name gets ``#2``, ``#3`` (timin has four Price_dt)."""
    seen: dict[str, int] = {}
    out = []
    for h in header:
        name = _clean(h)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _unit_of(column: str, series: Series, file: str) -> float:
    """Tonnes per unit of a salient quantity column, from its suffix (``_kt``) or override."""
    token = dict(series.units).get(column) or column.split("#")[0].rsplit("_", 1)[-1]
    factor = TONNES_PER_UNIT.get(token.lower())
    if factor is None:
        raise InputError("no mass unit in the column name", file=file, line=1, column=column)
    return factor


def _quantity(
    cells: dict[str, str],
    columns: tuple[str, ...],
    series: Series,
    where: tuple[str, int],
    label: str,
) -> tuple[float | None, str]:
    """Sum of ``columns`` in tonnes, or None with a note (withheld, not available, a bound)."""
    if not columns:
        return None, ""
    total, notes = 0.0, []
    for col in columns:
        cell = parse_cell(cells[col], where[0], where[1], col)
        if cell.flag == "W":
            return None, f"{label} withheld (W)"
        if cell.value is None or not cell.applicable:
            return None, f"{label} not available"
        if cell.flag == "<" and cell.note == "less than ½ unit" and len(columns) > 1:
            notes.append(f"{label} include a component of less than ½ unit, counted as 0")
            continue
        if cell.flag is not None:
            return None, f"{label} {cell.flag}{cell.value:g} {col.rsplit('_', 1)[-1]} as published"
        total += cell.value * _unit_of(col, series, where[0])
    return total, "; ".join(notes)


def parse_nir(raw: str, file: str, line: int, column: str) -> tuple[float | None, str | None]:
    """Net import reliance cell -> (percent, flag): ``E`` net exporter, ``>75``, ``<25``, W, NA."""
    text = _clean(raw)
    if text.upper() in {"E", "W", "NA"}:
        return None, text.upper()
    cell = parse_cell(raw, file, line, column)
    if cell.flag in {">", "<"}:
        return cell.value, cell.flag
    if cell.flag is None and cell.value is not None:
        return cell.value, None
    if not cell.applicable or (cell.value is None and cell.flag is None):
        return None, None
    raise InputError("not a net import reliance", file=file, line=line, column=column, value=raw)


def _price_unit(column: str, spec: PriceColumn, file: str) -> tuple[str, float]:
    if spec.unit:
        return spec.unit, 1.0
    token = column.split("#")[0].rsplit("_", 1)[-1].lower()
    if token not in PRICE_UNITS:
        raise InputError("no price unit in the column name", file=file, line=1, column=column)
    return PRICE_UNITS[token]


def read_salient(
    path: Path, sink: _Sink, drafts: dict[tuple[str, int, str], _Draft], edition: int, code: str
) -> None:
    """A ``mcs20xx-<code>_salient.csv``: one ``us_supply`` draft per mapped mineral and year,
    one ``prices`` row per price column and year (USD; cents converted to dollars)."""
    file = str(path)
    spec = SALIENT.get(edition, {}).get(code.lower())
    records = _records(path)
    _, raw_header = next(records, (1, []))
    header = _dedupe(raw_header)
    if len(header) < 3 or [h.lower() for h in header[1:3]] != ["commodity", "year"]:
        if "country" in [h.lower() for h in header]:
            sink.skip(file, 1, "salient file holding a world-table layout (USGS packaging slip)")
        else:
            sink.skip(file, 1, "not a salient-statistics layout")
        return
    if spec is None:
        sink.skip(file, 1, f"salient statistics of '{code}' (MCS {edition}) not mapped")
        return
    wanted = {c for s in spec.series for c in _series_columns(s)} | set(spec.prices)
    missing = sorted(wanted - set(header))
    if missing:
        raise InputError("missing column", file=file, line=1, column=missing[0])
    for line, raw in records:
        if _blank(raw):
            continue
        cells = dict(zip(header, [*raw, *[""] * (len(header) - len(raw))], strict=False))
        year_text = _clean(cells[header[2]])
        if not re.fullmatch(r"\d{4}", year_text):
            raise InputError(
                "not a year", file=file, line=line, column=header[2], value=cells[header[2]]
            )
        year = int(year_text)
        for series in spec.series:
            _salient_series(series, cells, year, edition, (file, line), spec, drafts)
        for col, price_spec in spec.prices.items():
            _price_row(col, price_spec, cells, year, edition, (file, line), sink)


def _series_columns(s: Series) -> list[str]:
    cols = [*s.production, *s.imports, *s.exports, *s.consumption]
    return cols + [c for c in (s.nir, s.price) if c]


@dataclass
class _Draft:
    """A ``us_supply`` row before Fig. 2 import sources are merged in, with its provenance."""

    rec: dict[str, Any]
    file: str
    line: int


def _salient_series(
    s: Series,
    cells: dict[str, str],
    year: int,
    edition: int,
    where: tuple[str, int],
    spec: SalientFile,
    drafts: dict[tuple[str, int, str], _Draft],
) -> None:
    notes = [s.note]
    values: dict[str, float | None] = {}
    for name, cols in (
        ("production", s.production),
        ("imports", s.imports),
        ("exports", s.exports),
        ("apparent_consumption", s.consumption),
    ):
        values[name], note = _quantity(cells, cols, s, where, name.replace("_", " "))
        notes.append(note)
    nir, nir_flag = parse_nir(cells[s.nir], *where, s.nir) if s.nir else (None, None)
    price, price_unit = None, None
    if s.price:
        cell = parse_cell(cells[s.price], where[0], where[1], s.price)
        if cell.value is not None and cell.flag is None:
            unit, factor = _price_unit(s.price, spec.prices[s.price], where[0])
            price, price_unit = round(cell.value * factor, 10), f"USD/{unit}"
    sid = source_id(edition, "salient")
    if (s.mineral_id, year, sid) in drafts:
        first = drafts[(s.mineral_id, year, sid)]
        raise InputError(
            f"duplicate us_supply row (same mineral and year as {Path(first.file).name} "
            f"line {first.line})",
            file=where[0],
            line=where[1],
            value=f"{s.mineral_id}|{year}",
        )
    rec: dict[str, Any] = {
        "mineral_id": s.mineral_id,
        "year": year,
        **values,
        "net_import_reliance_pct": nir,
        "nir_flag": nir_flag,
        "import_sources": [],
        "price": price,
        "price_unit": price_unit,
        "basis": s.basis,
        "estimated": year == edition - 1,
        "note": _join(*notes),
        "source_id": sid,
    }
    drafts[(s.mineral_id, year, sid)] = _Draft(rec, *where)


def _price_row(
    col: str,
    spec: PriceColumn,
    cells: dict[str, str],
    year: int,
    edition: int,
    where: tuple[str, int],
    sink: _Sink,
) -> None:
    cell = parse_cell(cells[col], where[0], where[1], col)
    if cell.value is None or cell.flag is not None:
        return  # W, NA, XX or blank: missing stays missing
    unit, factor = _price_unit(col, spec, where[0])
    estimated = "estimated (most recent year of the edition)" if year == edition - 1 else ""
    rec = {
        "mineral_id": spec.mineral_id,
        "product": spec.product,
        "period": str(year),
        "price": round(cell.value * factor, 10),
        "currency": "USD",
        "unit": unit,
        "market": spec.market,
        "note": _join(f"annual average, column {col.split('#')[0]}", spec.note or "", estimated),
        "source_id": source_id(edition, "salient"),
    }
    sink.add(PRICES, rec, *where)


# -- Fig. 2: net import reliance and major import sources -----------------------------------

# MCS Fig. 2 commodity labels -> mineral ids (labels not listed are skipped with a reason)
FIG2_MINERALS: dict[str, str] = {
    "ALUMINUM": "aluminum",
    "ANTIMONY, metal and oxide": "antimony",
    "ARSENIC, all forms": "arsenic",
    "BARITE": "barite",
    "BAUXITE": "bauxite",
    "BISMUTH, metal, alloys, and scrap": "bismuth",
    "BISMUTH": "bismuth",  # MCS 2024 label
    "CESIUM": "cesium",
    "CHROMIUM, all forms": "chromium",
    "COBALT, metal, oxides, and salts": "cobalt",
    "COBALT": "cobalt",  # MCS 2024 label
    "COPPER, refined": "copper",
    "FELDSPAR": "feldspar",
    "FLUORSPAR": "fluorspar",
    "GALLIUM, metal": "gallium",
    "GALLIUM": "gallium",  # MCS 2024 label
    "GERMANIUM": "germanium",
    "GRAPHITE (NATURAL)": "graphite",
    "INDIUM": "indium",
    "LEAD, refined": "lead",
    "LITHIUM": "lithium",
    "MAGNESIUM METAL": "magnesium",
    "MANGANESE": "manganese",
    "NICKEL": "nickel",
    "NIOBIUM (COLUMBIUM)": "niobium",
    "PALLADIUM": "palladium",
    "PLATINUM": "platinum",
    "POTASH": "potash",
    "RARE EARTHS, compounds and metals": "rare_earths",
    "RHENIUM": "rhenium",
    "RUBIDIUM": "rubidium",
    "SCANDIUM": "scandium",
    "SILICON, metal and ferrosilicon": "silicon",
    "SILVER": "silver",
    "STRONTIUM": "strontium",
    "TANTALUM": "tantalum",
    "TELLURIUM": "tellurium",
    "TIN, refined": "tin",
    "TITANIUM, sponge metal": "titanium",
    "TUNGSTEN": "tungsten",
    "VANADIUM": "vanadium",
    "YTTRIUM, compounds": "yttrium",
    "YTTRIUM": "yttrium",  # MCS 2024 label
    "ZINC, refined": "zinc",
    "ZIRCONIUM, ores and concentrates": "zirconium",
}
_FIG2 = {_norm(k): v for k, v in FIG2_MINERALS.items()}


@dataclass(frozen=True)
class Fig2Row:
    mineral_id: str
    year: int
    edition: int
    nir: float | None
    nir_flag: str | None
    sources: list[str]
    period: str
    file: str
    line: int


def read_fig2(path: Path, countries: CountryIndex, sink: _Sink, edition: int) -> list[Fig2Row]:
    """``MCS20xx_Fig2_Net_Import_Reliance.csv``: NIR of the latest year and the major import
    sources (largest first) of the preceding four years, per commodity."""
    file = str(path)
    records = _records(path)
    _, header = next(records, (1, []))
    idx = _header_index(header)
    c_com = _need(idx, "COMMODITY", file)
    nir_cols = [(n, i) for n, i in idx.items() if re.match(r"^NET_IMPORT_RELIANCE_PCT_\d{4}$", n)]
    src_cols = [
        (n, i) for n, i in idx.items() if re.match(r"^MAJOR_IMPORT_SOURCES_\d{4}_\d{4}$", n)
    ]
    if not nir_cols or not src_cols:
        raise InputError(
            "missing column", file=file, line=1, column="Net_Import_Reliance_pct_<year>"
        )
    (nir_name, c_nir), (src_name, c_src) = nir_cols[0], src_cols[0]
    year = int(nir_name[-4:])
    period = f"{src_name[-9:-5]}-{src_name[-4:]}"
    out: list[Fig2Row] = []
    for line, cells in records:
        if _blank(cells):
            continue
        label = _cell(cells, c_com)
        mineral = _FIG2.get(_norm(label))
        if mineral is None:
            reason = "not in FIG2_MINERALS (not critical, or a second series of a mineral)"
            sink.skip(file, line, f"{_clean(label)}: {reason}")
            continue
        nir, flag = parse_nir(_cell(cells, c_nir), file, line, header[c_nir].strip())
        sources = []
        for name in _cell(cells, c_src).split(","):
            if not _clean(name):
                continue
            country = countries.resolve(name)
            if country is None:
                raise InputError(
                    "unknown country (not in the countries table aliases)",
                    file=file,
                    line=line,
                    column=header[c_src].strip(),
                    value=_clean(name),
                )
            sources.append(country.iso3)
        out.append(Fig2Row(mineral, year, edition, nir, flag, sources, period, file, line))
    return out


def merge_fig2(fig2: list[Fig2Row], drafts: dict[tuple[str, int, str], _Draft]) -> None:
    """Put Fig. 2 import sources on the salient row of the same mineral and year (NIR from the
    salient file wins; Fig. 2 fills it when missing); a row of its own where there is none."""
    for f in fig2:
        sid = source_id(f.edition, "salient")
        note = f"import sources {f.period} from MCS {f.edition} Fig. 2 (largest first)"
        draft = drafts.get((f.mineral_id, f.year, sid))
        if draft is None:
            rec: dict[str, Any] = {
                "mineral_id": f.mineral_id,
                "year": f.year,
                "production": None,
                "imports": None,
                "exports": None,
                "apparent_consumption": None,
                "net_import_reliance_pct": f.nir,
                "nir_flag": f.nir_flag,
                "import_sources": f.sources,
                "price": None,
                "price_unit": None,
                "basis": None,
                "estimated": f.year == f.edition - 1,
                "note": _join(f"from MCS {f.edition} Fig. 2 only (no salient file)", note),
                "source_id": sid,
            }
            drafts[(f.mineral_id, f.year, sid)] = _Draft(rec, f.file, f.line)
            continue
        rec = draft.rec  # the salient row: add Fig. 2 to it
        rec["import_sources"] = f.sources
        if rec["net_import_reliance_pct"] is None and rec["nir_flag"] is None:
            rec["net_import_reliance_pct"], rec["nir_flag"] = f.nir, f.nir_flag
        rec["note"] = _join(rec["note"] or "", note)


# -- entry point -----------------------------------------------------------------------------

_WORLD_LONG = re.compile(r"^mcs(\d{4})_world_data\.csv$", re.I)
_WORLD_ONE = re.compile(r"mcs(\d{4})-([a-z-]+)_world\.csv$", re.I)
_SALIENT_ONE = re.compile(r"mcs(\d{4})-([a-z]+)_salient\.csv$", re.I)
_FIG2_NAME = re.compile(r"^mcs(\d{4})_fig2_net_import_reliance\.csv$", re.I)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def _sniff(path: Path) -> tuple[str, int] | None:
    """Recognise a renamed file by its header: the MCS long world table or Fig. 2."""
    records = _records(path)
    try:
        _, header = next(records, (1, []))
        _, first = next(records, (2, []))
    except InputError:
        return None  # not UTF-8 CSV: not a USGS table
    finally:
        records.close()
    idx = _header_index(header)
    m = re.match(r"^MCS(\d{4})$", _clean(first[0]) if first else "", re.I)
    if not m:
        return None
    if {"COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS"} <= set(idx):
        return "world-long", int(m.group(1))
    if {"COMMODITY", "IMPORT_SHARE_ORDER"} <= set(idx):
        return "fig2", int(m.group(1))
    return None


def read_usgs(path: Path) -> UsgsImport:
    """Read USGS MCS data-release tables under ``path`` (a file or a folder, searched
    recursively) into typed, validated rows of production, reserves, us_supply and prices.

    Raises InputError (file, line, column, value) on a malformed file; nothing is written.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    countries = CountryIndex.load()
    sink = _Sink()
    drafts: dict[tuple[str, int, str], _Draft] = {}
    fig2: list[Fig2Row] = []
    for file in _files(path):
        if file.suffix.lower() != ".csv":
            continue  # metadata XML, revision notes, provenance text
        name = file.name
        if m := _WORLD_LONG.match(name):
            read_world_2025(file, countries, sink, int(m.group(1)))
        elif m := _FIG2_NAME.match(name):
            fig2 += read_fig2(file, countries, sink, int(m.group(1)))
        elif m := _WORLD_ONE.search(name):
            read_world_commodity(file, countries, sink, int(m.group(1)), m.group(2).lower())
        elif m := _SALIENT_ONE.search(name):
            read_salient(file, sink, drafts, int(m.group(1)), m.group(2).lower())
        elif sniffed := _sniff(file):
            kind, edition = sniffed
            if kind == "world-long":
                read_world_2025(file, countries, sink, edition)
            else:
                fig2 += read_fig2(file, countries, sink, edition)
        else:
            sink.skip(str(file), 0, "not a recognised USGS MCS data-release table")
    merge_fig2(fig2, drafts)
    for key in sorted(drafts):
        d = drafts[key]
        sink.add(US_SUPPLY, d.rec, d.file, d.line)
    return sink.out
