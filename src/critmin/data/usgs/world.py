"""World production and reserves tables: the MCS 2025 long format and the per-commodity
files of MCS 2022-2024, both reduced to :class:`WorldRow` and mapped through
``usgs_map.csv`` to ``production`` and ``reserves`` rows in metric tonnes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from critmin.data.usgs.cells import (
    blank_cell_reason,
    clean,
    estimated_years,
    join_notes,
    norm,
    parse_cell,
    unit_factor,
)
from critmin.data.usgs.countries import AGGREGATES, FOOTNOTE, Country, CountryIndex
from critmin.data.usgs.mapping import MapEntry, load_map, mapped_commodities
from critmin.data.usgs.records import cell_at, header_index, is_blank, need_column, read_records
from critmin.data.usgs.sink import PRODUCTION, RESERVES, Sink, source_id
from critmin.errors import InputError


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
    # MCS 2022-2025 say "estimated" in the notes; MCS 2026 has its own "Estimated." marker
    notes_mark_estimates: bool = True


COMBINED_WORLD = "combined world total of several products; the per-product totals are kept"


@cache
def _secondary_type(entry: MapEntry) -> bool:
    """True if ``entry`` is not the first of several published TYPEs (world totals aside)
    feeding the same product: its rows then say which TYPE they came from."""
    types = [
        e.usgs_type
        for e in load_map().values()
        if (e.edition, norm(e.commodity), e.product, e.stage)
        == (entry.edition, norm(entry.commodity), entry.product, entry.stage)
        and not norm(e.usgs_type).startswith("world")
    ]
    return len(types) > 1 and types[0] != entry.usgs_type


def import_world_row(r: WorldRow, countries: CountryIndex, sink: Sink) -> None:
    """Map one world-table line to production and reserve rows (or a skip with a reason)."""
    if norm(r.commodity) not in mapped_commodities(r.edition):
        sink.skip(r.file, r.line, f"{clean(r.commodity)}: not a critical mineral (not mapped)")
        return
    entry = load_map().get((r.edition, norm(r.commodity), norm(r.usgs_type)))
    if entry is None:
        sink.skip(r.file, r.line, f"{clean(r.commodity)} / {clean(r.usgs_type)}: TYPE not mapped")
        return
    if not entry.stage and not entry.reserves_mineral_id:
        sink.skip(r.file, r.line, f"{clean(r.commodity)} / {clean(r.usgs_type)}: {entry.note}")
        return
    if norm(FOOTNOTE.sub("", clean(r.country))) in AGGREGATES:
        sink.skip(r.file, r.line, f"aggregate without a country code: {clean(r.country)}")
        return
    country = countries.require(r.country, r.file, r.line, r.country_column)
    if country.iso3 == "WLD" and re.search(r"\band\b", norm(r.country)):
        sink.skip(r.file, r.line, f"{clean(r.country)}: {COMBINED_WORLD}")
        return
    if entry.stage:
        _production_rows(r, entry, country, sink)
    if entry.reserves_mineral_id:
        _reserve_rows(r, entry, country, sink)


def _production_rows(r: WorldRow, entry: MapEntry, country: Country, sink: Sink) -> None:
    factor = unit_factor(entry.unit or r.unit, r.file, r.line, r.unit_column)
    if factor is None:
        sink.skip(r.file, r.line, f"{clean(r.commodity)}: unit {r.unit!r} is not a mass")
        return
    years = [y for y, *_ in r.production]
    noted = estimated_years(r.prod_notes, years) if r.notes_mark_estimates else set()
    type_estimated = "estimated" in norm(r.usgs_type)
    type_note = f"USGS type: {clean(r.usgs_type)}" if _secondary_type(entry) else ""
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
            "note": join_notes(country.qualifier, type_note, r.prod_notes, cell.note),
            "source_id": source_id(r.edition, "world"),
        }
        sink.add(PRODUCTION, rec, r.file, r.line)


def _reserve_rows(r: WorldRow, entry: MapEntry, country: Country, sink: Sink) -> None:
    for year, raw, column, is_ore in r.reserves:
        cell = parse_cell(raw, r.file, r.line, column)
        if cell.value is None and cell.flag is None:
            if not clean(r.reserve_notes):
                continue  # nothing published for this country
            cell = blank_cell_reason(r.reserve_notes, reserves=True)
        if not cell.applicable:
            continue
        factor = unit_factor(entry.reserves_unit or r.reserve_unit, r.file, r.line, column)
        if factor is None:
            sink.skip(r.file, r.line, f"{clean(r.commodity)}: reserve unit is not a mass")
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
            "note": join_notes(country.qualifier, r.reserve_notes, cell.note),
            "source_id": source_id(r.edition, "world"),
        }
        sink.add(RESERVES, rec, r.file, r.line)


def read_world_2025(path: Path, countries: CountryIndex, sink: Sink, edition: int) -> None:
    """MCS 2025 long world table: COMMODITY, COUNTRY, TYPE, UNIT_MEAS, PROD_*, RESERVES_*."""
    file = str(path)
    records = read_records(path)
    _, header = next(records, (1, []))
    idx = header_index(header)
    c_com, c_cty, c_type, c_unit = (
        need_column(idx, n, file) for n in ("COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS")
    )
    c_pnote, c_rnote = need_column(idx, "PROD_NOTES", file), need_column(idx, "RESERVE_NOTES", file)
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
        if is_blank(cells):
            continue
        row = WorldRow(
            file=file,
            line=line,
            edition=edition,
            commodity=cell_at(cells, c_com),
            usgs_type=cell_at(cells, c_type),
            country=cell_at(cells, c_cty),
            country_column=header[c_cty].strip(),
            unit=cell_at(cells, c_unit),
            unit_column=header[c_unit].strip(),
            reserve_unit=cell_at(cells, c_unit),
            production=[(y, est, cell_at(cells, i), header[i].strip()) for y, est, i in prod],
            prod_notes=cell_at(cells, c_pnote),
            reserves=[(y, cell_at(cells, i), header[i].strip(), False) for y, i in res],
            reserve_notes=cell_at(cells, c_rnote),
        )
        import_world_row(row, countries, sink)


_PROD_COL = re.compile(r"^prod_(?:sponge_)?(?P<unit>[a-z]+)_(?P<est>est_)?(?P<year>\d{4})$")
_RES_COL = re.compile(
    r"^reserves_(?P<what>ore_k2o_equiv_|ore_)?(?P<unit>[a-z]+)(?:_(?P<y>\d{4}))?$"
)
_NOTES_COL = re.compile(r"^(?P<kind>prod|reserves?)_notes?$")


def read_world_commodity(
    path: Path, countries: CountryIndex, sink: Sink, edition: int, code: str
) -> None:
    """Per-commodity world table of MCS 2022-2024: Source, Country, Type, Prod_<unit>_<year>,
    Prod_notes, Reserves_<unit>, Reserves_notes (the third header is sometimes not 'Type')."""
    file = str(path)
    if norm(code) not in mapped_commodities(edition):
        sink.skip(file, 1, f"{code}: not a critical mineral (not mapped)")
        return
    records = read_records(path)
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
        if is_blank(cells):
            continue
        p_unit = prod[0][3]
        row = WorldRow(
            file=file,
            line=line,
            edition=edition,
            commodity=code,
            usgs_type=cell_at(cells, 2),
            country=cell_at(cells, 1),
            country_column=header[1].strip(),
            unit=p_unit,
            unit_column=header[prod[0][2]].strip(),
            reserve_unit=res[0][2] if res else p_unit,
            production=[(y, est, cell_at(cells, i), header[i].strip()) for y, est, i, _u in prod],
            prod_notes=cell_at(cells, notes.get("prod")),
            reserves=[(y, cell_at(cells, i), header[i].strip(), ore) for y, i, _u, ore in res],
            reserve_notes=cell_at(cells, notes.get("reserves")),
        )
        import_world_row(row, countries, sink)
