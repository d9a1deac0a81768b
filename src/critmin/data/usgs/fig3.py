"""Major import sources with their shares (``MCS20xx_Fig3_Major_Import_Sources.csv``).

MCS 2026 Fig. 3 gives, per commodity, the leading sources of US imports over 2021-2024 with
each one's percent of imports ("Other" for the rest) and the 2025 net import reliance. Fig. 2
names the sources only; Fig. 3 is the one table of the release with their shares, so it goes
to its own table, ``import_shares``. MCS 2024's Fig. 3 is a map (sources counted per country)
with no shares and is not read.
"""

from __future__ import annotations

import re
from pathlib import Path

from critmin.data.usgs.cells import clean, norm, parse_cell
from critmin.data.usgs.countries import CountryIndex
from critmin.data.usgs.records import cell_at, header_index, is_blank, need_column, read_records
from critmin.data.usgs.salient import parse_nir
from critmin.data.usgs.sink import IMPORT_SHARES, Sink, source_id
from critmin.errors import InputError

# Fig. 3 commodity label -> mineral id. Labels absent here are skipped with their reason.
FIG3_MINERALS = {
    "Aluminum": "aluminum",
    "Antimony": "antimony",
    "Arsenic": "arsenic",
    "Barite": "barite",
    "Beryllium": "beryllium",
    "Bismuth": "bismuth",
    "Boron": "boron",
    "Cesium": "cesium",
    "Chromium": "chromium",
    "Cobalt": "cobalt",
    "Copper, refined": "copper",
    "Fluorspar": "fluorspar",
    "Gallium": "gallium",
    "Germanium": "germanium",
    "Graphite, natural": "graphite",
    "Hafnium": "hafnium",
    "Indium": "indium",
    "Iridium": "iridium",
    "Lead, refined": "lead",
    "Lithium": "lithium",
    "Magnesium, compounds": "magnesium",
    "Magnesium, metal": "magnesium",
    "Manganese": "manganese",
    "Metallurgical coal": "metallurgical_coal",
    "Nickel": "nickel",
    "Niobium": "niobium",
    "Palladium": "palladium",
    "Phosphate, rock": "phosphate",
    "Platinum": "platinum",
    "Potash": "potash",
    "Rare Earths, compounds and metals": "rare_earths",
    "Rhenium": "rhenium",
    "Rhodium": "rhodium",
    "Rubidium": "rubidium",
    "Scandium": "scandium",
    "Silicon": "silicon",
    "Silver": "silver",
    "Tantalum": "tantalum",
    "Tellurium": "tellurium",
    "Tin, refined": "tin",
    "Titanium, mineral concentrates": "titanium",
    "Tungsten": "tungsten",
    "Uranium": "uranium",
    "Vanadium": "vanadium",
    "Yttrium": "yttrium",
    "Zinc, refined": "zinc",
    "Zirconium, ores and concentrates": "zirconium",
}
_FIG3 = {norm(k): v for k, v in FIG3_MINERALS.items()}
_NAME = re.compile(r"^mcs(\d{4})_fig3_major_import_sources\.csv$", re.I)


def is_fig3(path: Path) -> int | None:
    """Edition year of a Fig. 3 file recognised by its name, else None."""
    m = _NAME.match(path.name)
    return int(m.group(1)) if m else None


def read_fig3(path: Path, countries: CountryIndex, sink: Sink, edition: int) -> None:
    """Rows of ``import_shares``: one per commodity x import source, share in percent of US
    imports over the period in the header (``Import_Source_2021_24`` -> 2021-2024).

    A source "NA" (USGS names none: hafnium, iridium, uranium) adds no row and is counted as
    dropped with that reason; "Other" is stored as ``XOT``. Shares are as published (they
    are rounded to whole percent and may not add to 100).
    """
    file = str(path)
    records = read_records(path)
    _, header = next(records, (1, []))
    idx = header_index(header)
    c_com = need_column(idx, "COMMODITY", file)
    c_pct = need_column(idx, "PERCENT", file)
    c_nir = need_column(idx, "NIR", file)
    periods = [(n, i) for n, i in idx.items() if re.match(r"^IMPORT_SOURCE_\d{4}_\d{2,4}$", n)]
    if not periods:
        raise InputError("missing column", file=file, line=1, column="Import_Source_<years>")
    name, c_src = periods[0]
    first, last = name.split("_")[-2:]
    period = f"{first}-{first[: 4 - len(last)]}{last}"
    sid = source_id(edition, "salient")
    for line, cells in records:
        if is_blank(cells):
            continue
        label = clean(cell_at(cells, c_com))
        mineral = _FIG3.get(norm(label))
        if mineral is None:
            sink.skip(file, line, f"{label}: not in FIG3_MINERALS (not a project mineral)")
            continue
        where = clean(cell_at(cells, c_src))
        if where.upper() == "NA":
            sink.skip(file, line, f"{label}: USGS names no import source (NA)")
            continue
        country = countries.require(where, file, line, header[c_src].strip())
        share = parse_cell(cell_at(cells, c_pct), file, line, header[c_pct].strip())
        if share.value is None:
            sink.skip(file, line, f"{label} {where}: no percent given ({share.flag})")
            continue
        nir, flag = parse_nir(cell_at(cells, c_nir), file, line, header[c_nir].strip())
        rec = {
            "mineral_id": mineral,
            "period": period,
            "iso3": country.iso3,
            "share_pct": share.value,
            "net_import_reliance_pct": nir,
            "product": label,
            "note": f"net import reliance {flag}{nir:g}" if flag and nir is not None else None,
            "source_id": sid,
        }
        sink.add(IMPORT_SHARES, rec, file, line)
