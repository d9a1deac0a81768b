"""The critical-minerals trend tables of MCS 2026: Table 6 (primary applications) and
Table 7 (USGS's one-line summary per mineral: US supply, leading producer, world total).

Table 7 matters as a check: it is USGS's own statement of who leads world production and by
what percent, which critmin's concentration must agree with (``tests/data/test_trends.py``
and ``critmin data leaders``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from critmin.data.usgs.cells import clean, norm, parse_cell
from critmin.data.usgs.countries import CountryIndex
from critmin.data.usgs.records import cell_at, header_index, is_blank, need_column, read_records
from critmin.data.usgs.sink import APPLICATIONS, LEADING_PRODUCERS, Sink, source_id
from critmin.errors import InputError

_T6 = re.compile(r"^mcs(\d{4})_t6_critical_minerals_end_use\.csv$", re.I)
_T7 = re.compile(r"^mcs(\d{4})_t7_critical_minerals_salient\.csv$", re.I)

# Table 7 rows named otherwise than the mineral (the series is in the label)
T7_MINERALS = {
    "aluminum (bauxite)": "bauxite",
    "graphite (natural)": "graphite",
    "phosphate rock": "phosphate",
    "rare earths (compounds and metals)": "rare_earths",
    "titanium (metal)": "titanium",
    "zirconium (ores and concentrates)": "zirconium",
}
T6_MINERALS = {"phosphate rock": "phosphate"}
_FOOTNOTE = re.compile(r"(?<=[a-z)])\d+$")  # "Rare earths (compounds and metals)9"


def trend_table(path: Path) -> tuple[str, int] | None:
    """("t6" | "t7", edition) for a trend table recognised by its file name, else None."""
    for kind, pattern in (("t6", _T6), ("t7", _T7)):
        if m := pattern.match(path.name):
            return kind, int(m.group(1))
    return None


def _mineral_ids() -> set[str]:
    from critmin.data.bundled import reference_dir

    with (reference_dir() / "minerals" / "minerals.csv").open(encoding="utf-8") as fh:
        return {row["mineral_id"] for row in csv.DictReader(fh)}


def _mineral(label: str, special: dict[str, str], file: str, line: int) -> str:
    key = norm(_FOOTNOTE.sub("", clean(label)))
    mineral = special.get(key, key.replace(" ", "_"))
    if mineral not in _mineral_ids():
        raise InputError("not a mineral of the minerals table", file=file, line=line, value=label)
    return mineral


def read_t6(path: Path, sink: Sink, edition: int) -> None:
    """Table 6: one ``applications`` row per critical mineral (text as published)."""
    file = str(path)
    records = read_records(path)
    _, header = next(records, (1, []))
    idx = header_index(header)
    c_min = need_column(idx, "CRITICAL_MINERAL", file)
    c_app = need_column(idx, "PRIMARY_APPLICATIONS", file)
    c_note = idx.get("CATEGORY_NOTE")
    for line, cells in records:
        if is_blank(cells):
            continue
        rec = {
            "mineral_id": _mineral(cell_at(cells, c_min), T6_MINERALS, file, line),
            "applications": clean(cell_at(cells, c_app)),
            "note": clean(cell_at(cells, c_note)) or None,
            "source_id": source_id(edition, "trends"),
        }
        sink.add(APPLICATIONS, rec, file, line)


def read_t7(path: Path, countries: CountryIndex, sink: Sink, edition: int) -> None:
    """Table 7: one ``leading_producers`` row per critical mineral: the leading country, its
    production and percent of world production, and the world total, in tonnes (the table's
    unit column is metric tons throughout; another unit is refused). W / NA stay missing."""
    file = str(path)
    records = read_records(path)
    _, header = next(records, (1, []))
    idx = header_index(header)
    cols = {
        name: need_column(idx, name, file)
        for name in (
            "YEAR",
            "UNITS",
            "CRITICAL_MINERAL",
            "LEADING_SOURCE_COUNTRY",
            "LEADING_COUNTRY_PROD",
            "LEADING_SOURCE_PRECENT_WORLD",  # sic: USGS's spelling
            "WORLD_TOTAL_PROD",
        )
    }
    c_note = idx.get("WORLD_PROD_NOTES")
    for line, cells in records:
        if is_blank(cells):
            continue

        def cell(name: str) -> str:
            return cell_at(cells, cols[name])  # noqa: B023 -- used within this iteration

        label = clean(cell("CRITICAL_MINERAL"))
        unit = norm(cell("UNITS"))
        if unit != "metric tons":
            raise InputError("unit is not metric tons", file=file, line=line, value=unit)
        m = re.match(r"^(\d{4})(_estimated)?$", clean(cell("YEAR")))
        if not m:
            raise InputError("not a year", file=file, line=line, column="Year", value=cell("YEAR"))
        where = clean(cell("LEADING_SOURCE_COUNTRY"))
        country = countries.resolve(where)
        if country is None:
            raise InputError(
                "unknown country", file=file, line=line, column="Leading_source_country"
            )
        prod = parse_cell(cell("LEADING_COUNTRY_PROD"), file, line, "Leading_country_prod")
        pct = parse_cell(cell("LEADING_SOURCE_PRECENT_WORLD"), file, line, "percent")
        world = parse_cell(cell("WORLD_TOTAL_PROD"), file, line, "World_total_prod")
        flags = [
            f"{what} {c.flag}"
            for what, c in (("production", prod), ("percent", pct), ("world", world))
            if c.flag
        ]
        note = "; ".join([*flags, clean(cell_at(cells, c_note))]).strip("; ")
        rec = {
            "mineral_id": _mineral(label, T7_MINERALS, file, line),
            "year": int(m.group(1)),
            "label": label,
            "iso3": country.iso3,
            "production": prod.value,
            "share_pct": pct.value,
            "world_total": world.value,
            "estimated": bool(m.group(2)),
            "note": note or None,
            "source_id": source_id(edition, "trends"),
        }
        sink.add(LEADING_PRODUCERS, rec, file, line)
