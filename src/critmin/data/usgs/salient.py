"""U.S. salient statistics (``mcs20xx-<code>_salient.csv``) and the net-import-reliance
chart (``MCS20xx_Fig2_Net_Import_Reliance.csv``).

Salient files give one ``us_supply`` draft per mapped mineral and year (columns from
:mod:`critmin.data.usgs.salient_columns`) and one ``prices`` row per price column and year;
Fig. 2 adds the major import sources (and the net import reliance where the salient file
has none) to those drafts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from critmin.data.usgs.cells import (
    PRICE_UNITS,
    TONNES_PER_UNIT,
    clean,
    join_notes,
    norm,
    parse_cell,
)
from critmin.data.usgs.countries import CountryIndex
from critmin.data.usgs.records import cell_at, header_index, is_blank, need_column, read_records
from critmin.data.usgs.salient_columns import SALIENT, PriceColumn, SalientFile, Series
from critmin.data.usgs.sink import PRICES, Sink, source_id
from critmin.errors import InputError

# -- U.S. salient statistics ------------------------------------------------------------------


def _dedupe(header: list[str]) -> list[str]:
    """Header names stripped; a repeated name gets ``#2``, ``#3`` (timin has four Price_dt)."""
    seen: dict[str, int] = {}
    out = []
    for h in header:
        name = clean(h)
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
    text = clean(raw)
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
    path: Path, sink: Sink, drafts: dict[tuple[str, int, str], Draft], edition: int, code: str
) -> None:
    """A ``mcs20xx-<code>_salient.csv``: one ``us_supply`` draft per mapped mineral and year,
    one ``prices`` row per price column and year (USD; cents converted to dollars)."""
    file = str(path)
    spec = SALIENT.get(edition, {}).get(code.lower())
    records = read_records(path)
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
        if is_blank(raw):
            continue
        cells = dict(zip(header, [*raw, *[""] * (len(header) - len(raw))], strict=False))
        year_text = clean(cells[header[2]])
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
class Draft:
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
    drafts: dict[tuple[str, int, str], Draft],
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
        "note": join_notes(*notes),
        "source_id": sid,
    }
    drafts[(s.mineral_id, year, sid)] = Draft(rec, *where)


def _price_row(
    col: str,
    spec: PriceColumn,
    cells: dict[str, str],
    year: int,
    edition: int,
    where: tuple[str, int],
    sink: Sink,
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
        "note": join_notes(
            f"annual average, column {col.split('#')[0]}", spec.note or "", estimated
        ),
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
_FIG2 = {norm(k): v for k, v in FIG2_MINERALS.items()}


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


def read_fig2(path: Path, countries: CountryIndex, sink: Sink, edition: int) -> list[Fig2Row]:
    """``MCS20xx_Fig2_Net_Import_Reliance.csv``: NIR of the latest year and the major import
    sources (largest first) of the preceding four years, per commodity."""
    file = str(path)
    records = read_records(path)
    _, header = next(records, (1, []))
    idx = header_index(header)
    c_com = need_column(idx, "COMMODITY", file)
    nir_cols = [(n, i) for n, i in idx.items() if re.match(r"^NET_IMPORT_RELIANCE_PCT_\d{4}$", n)]
    src_cols = [
        (n, i) for n, i in idx.items() if re.match(r"^MAJOR_IMPORT_SOURCES_\d{4}_(\d{2}|\d{4})$", n)
    ]
    if not nir_cols or not src_cols:
        raise InputError(
            "missing column", file=file, line=1, column="Net_Import_Reliance_pct_<year>"
        )
    (nir_name, c_nir), (src_name, c_src) = nir_cols[0], src_cols[0]
    year = int(nir_name[-4:])
    # MCS 2024-25 write the period as 2020_2023, MCS 2026 as 2021_24
    first, last = src_name.split("_")[-2:]
    period = f"{first}-{first[: 4 - len(last)]}{last}"
    out: list[Fig2Row] = []
    for line, cells in records:
        if is_blank(cells):
            continue
        label = cell_at(cells, c_com)
        mineral = _FIG2.get(norm(label))
        if mineral is None:
            reason = "not in FIG2_MINERALS (not critical, or a second series of a mineral)"
            sink.skip(file, line, f"{clean(label)}: {reason}")
            continue
        nir, flag = parse_nir(cell_at(cells, c_nir), file, line, header[c_nir].strip())
        sources = []
        for name in cell_at(cells, c_src).split(","):
            if not clean(name):
                continue
            sources.append(countries.require(name, file, line, header[c_src].strip()).iso3)
        out.append(Fig2Row(mineral, year, edition, nir, flag, sources, period, file, line))
    return out


def merge_fig2(fig2: list[Fig2Row], drafts: dict[tuple[str, int, str], Draft]) -> None:
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
                "note": join_notes(f"from MCS {f.edition} Fig. 2 only (no salient file)", note),
                "source_id": sid,
            }
            drafts[(f.mineral_id, f.year, sid)] = Draft(rec, f.file, f.line)
            continue
        rec = draft.rec  # the salient row: add Fig. 2 to it
        rec["import_sources"] = f.sources
        if rec["net_import_reliance_pct"] is None and rec["nir_flag"] is None:
            rec["net_import_reliance_pct"], rec["nir_flag"] = f.nir, f.nir_flag
        rec["note"] = join_notes(rec["note"] or "", note)
