"""Entry point :func:`read_usgs`: find the MCS tables under a path (by file name, else by
header), read each with its reader, merge Fig. 2 into the salient rows, return the rows.
"""

from __future__ import annotations

import re
from pathlib import Path

from critmin.data.usgs.cells import clean
from critmin.data.usgs.countries import CountryIndex
from critmin.data.usgs.fig3 import is_fig3, read_fig3
from critmin.data.usgs.groups import pgm_group_rows
from critmin.data.usgs.mcs2026 import NAME as _MCS_LONG
from critmin.data.usgs.mcs2026 import read_mcs2026
from critmin.data.usgs.records import header_index, read_records
from critmin.data.usgs.salient import Draft, Fig2Row, merge_fig2, read_fig2, read_salient
from critmin.data.usgs.sink import PRODUCTION, US_SUPPLY, Sink, UsgsImport
from critmin.data.usgs.trends import read_t6, read_t7, trend_table
from critmin.data.usgs.world import read_world_2025, read_world_commodity
from critmin.errors import InputError
from critmin.files import MAX_TABLE_BYTES, input_file

_WORLD_LONG = re.compile(r"^mcs(\d{4})_world_data\.csv$", re.I)
_WORLD_ONE = re.compile(r"mcs(\d{4})-([a-z-]+)_world\.csv$", re.I)
_SALIENT_ONE = re.compile(r"mcs(\d{4})-([a-z]+)_salient\.csv$", re.I)
_FIG2_NAME = re.compile(r"^mcs(\d{4})_fig2_net_import_reliance\.csv$", re.I)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [input_file(path, "path", MAX_TABLE_BYTES)]  # a FIFO, a device: one line, no hang


def _sniff(path: Path) -> tuple[str, int] | None:
    """Recognise a renamed file by its header: the MCS long world table or Fig. 2."""
    records = read_records(path)
    try:
        _, header = next(records, (1, []))
        _, first = next(records, (2, []))
    except InputError:
        return None  # not UTF-8 CSV: not a USGS table
    finally:
        records.close()
    idx = header_index(header)
    m = re.match(r"^MCS(\d{4})$", clean(first[0]) if first else "", re.I)
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
    sink = Sink()
    drafts: dict[tuple[str, int, str], Draft] = {}
    fig2: list[Fig2Row] = []
    recognised = 0
    for file in _files(path):
        if file.suffix.lower() != ".csv":
            continue  # metadata XML, revision notes, provenance text
        input_file(file, "path", MAX_TABLE_BYTES)
        recognised += 1
        name = file.name
        if m := _MCS_LONG.match(name):
            sink.out.report[name] = read_mcs2026(file, countries, sink, int(m.group(1)), drafts)
        elif m := _WORLD_LONG.match(name):
            read_world_2025(file, countries, sink, int(m.group(1)))
        elif m := _FIG2_NAME.match(name):
            fig2 += read_fig2(file, countries, sink, int(m.group(1)))
        elif (fig3_edition := is_fig3(file)) is not None and fig3_edition >= 2026:
            read_fig3(file, countries, sink, fig3_edition)  # earlier Fig. 3 is a map, no shares
        elif (trend := trend_table(file)) is not None and trend[1] >= 2026:
            if trend[0] == "t6":
                read_t6(file, sink, trend[1])
            else:
                read_t7(file, countries, sink, trend[1])
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
            recognised -= 1
    if recognised == 0:
        raise InputError(
            "not a USGS MCS data release: no world-production, salient-statistics or Fig. 2 "
            "table found",
            field="path",
            value=str(path),
        )
    merge_fig2(fig2, drafts)
    for rec in pgm_group_rows(sink.out.rows[PRODUCTION]):
        sink.add(PRODUCTION, rec, "(platinum + palladium rows)", 0)
    for key in sorted(drafts):
        d = drafts[key]
        sink.add(US_SUPPLY, d.rec, d.file, d.line)
    return sink.out
