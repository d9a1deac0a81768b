"""Regenerate the bundled USGS CSVs from the raw MCS data-release files.

Usage: ``python -m critmin.data.build [RAW_DIR]`` (default: ``$CRITMIN_RAW``, else
``../shared/data/raw`` next to the repository). Reads everything with
:func:`critmin.data.usgs.read_usgs` first and writes only when the whole read succeeded, so a
malformed raw file leaves the bundled CSVs untouched (exit code 2, one line naming file, line
and column).

Outputs, under ``src/critmin/data/reference/``. Every edition ships all the years it
publishes; each row names its ``edition`` and queries answer from the latest edition that
reports a figure (``critmin.editions``):

- ``production/usgs_mcs2026.csv`` (2024, 2025e, from ``MCS2026_Commodities_Data.csv``),
  ``production/usgs_mcs2025.csv`` (2023, 2024e), ``production/usgs_mcs2024.csv`` (2022,
  2023e), ``production/usgs_mcs2023.csv`` (2021, 2022e), ``production/usgs_mcs2022.csv``
  (2020, 2021e; 12 selected commodities);
- ``reserves/usgs_mcs2026.csv`` (with the v1.3 rare-earth correction),
  ``reserves/usgs_mcs2025.csv``, ``reserves/usgs_mcs2024.csv``,
  ``reserves/usgs_mcs2023.csv``;
- ``us_supply/usgs_mcs2025.csv`` (2020-2024, with Fig. 2 net import reliance and sources);
- ``prices/usgs_mcs2025.csv`` (MCS 2025 salient prices 2020-2024, rare-earth oxide prices of
  2019 from MCS 2024);
- ``us_supply/usgs_mcs2026.csv`` and ``prices/usgs_mcs2026.csv`` (MCS 2026 salient
  statistics 2021-2025, Fig. 2 net import reliance and import sources);
- ``sources/usgs.csv``: one row per edition and table.

``main`` prints the rows written per file and the import report of the MCS 2026 release: per
section, the lines read, imported and dropped with the reason.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from critmin.data.bundled import reference_dir
from critmin.data.usgs import UsgsImport, read_usgs
from critmin.data.usgs.report import report_text
from critmin.errors import InputError
from critmin.schema import TABLES, to_cell

ACCESSED = "2026-11-25"  # date the raw files were copied into shared/data/raw
LICENCE = "public domain (USGS)"
PUBLISHER = "U.S. Geological Survey"
RARE_EARTH_PRICE_MINERALS = {
    "cerium",
    "dysprosium",
    "europium",
    "lanthanum",
    "neodymium",
    "terbium",
    "rare_earths",
}

_MCS = "Mineral Commodity Summaries"
_FROM = "Read from shared/data/raw/{folder}/ (copied from {repo}); see PROVENANCE.md."
_PNNL = "GitHub Redliana/cmm-data@99a987b1c9a8b5f18be6b675ef905c769b922491"
_PJG = "GitHub PJGriff26/materials-demand-model@aae6498ff690aaddc901ff322bc971d4bca61897"
_MCS26 = (
    "GitHub therealjameswilson/critical-minerals-records-stage-v3@"
    "a67e3d4286b3a06f62cf1d466cfb9bb6840a798d"
)
SOURCES: list[dict[str, str]] = [
    {
        "source_id": "usgs-mcs2026-world",
        "title": f"{_MCS} 2026 Data Release: world production and reserves "
        "(MCS2026_Commodities_Data.csv, world sections)",
        "url": "https://doi.org/10.5066/P1WKQ63T",
        "published": "2026-02-06",
        "note": "Production 2024 and 2025 (2025 estimated), reserves as of the 2026 edition; "
        "the v1.3 revision (2026-05-27: rare-earth reserves of Brazil 11 Mt, world >75 Mt) "
        "applied by the importer. " + _FROM.format(folder="usgs_mcs2026", repo=_MCS26),
    },
    {
        "source_id": "usgs-mcs2026-salient",
        "title": f"{_MCS} 2026 Data Release: U.S. salient statistics "
        "(MCS2026_Commodities_Data.csv, salient sections), Fig. 2 net import reliance and "
        "major import sources (trends/MCS2026_Fig2_Net_Import_Reliance.csv) and Fig. 3 "
        "import-source shares (trends/MCS2026_Fig3_Major_Import_Sources.csv)",
        "url": "https://doi.org/10.5066/P1WKQ63T",
        "published": "2026-02-06",
        "note": "U.S. apparent consumption, net import reliance, prices 2021-2025 (2025 "
        "estimated; production, imports and exports only where USGS gives a single series) "
        "and major import sources 2021-2024 with their shares of imports (Fig. 3). Data CSV "
        "from " + _MCS26 + "; Fig. 2 and Fig. 3 from "
        "GitHub SandeepKumar-san/CSG_31_Demand_Forecasting@"
        "25b23690c9a835a6bb1276a865bd5381c93fabcb; see PROVENANCE.md.",
    },
    {
        "source_id": "usgs-mcs2026-trends",
        "title": f"{_MCS} 2026 Data Release: Mineral Industry Trends and Salient Statistics, "
        "Table 6 (critical minerals: primary applications) and Table 7 (critical minerals: "
        "salient statistics, leading producing country and world production, 2025)",
        "url": "https://doi.org/10.5066/P1WKQ63T",
        "published": "2026-02-06",
        "note": "trends/MCS2026_T6_Critical_Minerals_End_Use.csv and "
        "trends/MCS2026_T7_Critical_Minerals_Salient.csv, from GitHub "
        "SandeepKumar-san/CSG_31_Demand_Forecasting@"
        "25b23690c9a835a6bb1276a865bd5381c93fabcb; see PROVENANCE.md. Table 7 is USGS's own "
        "statement of each mineral's leading producer and its percent of world production.",
    },
    {
        "source_id": "usgs-mcs2025-world",
        "title": f"{_MCS} 2025 Data Release: world production, capacity and reserves "
        "(MCS2025_World_Data.csv)",
        "url": "https://doi.org/10.5066/P13XCP3R",
        "published": "2025-01-31",
        "note": "Production 2023 and 2024 (2024 estimated), reserves as of the 2025 edition. "
        + _FROM.format(folder="usgs_mcs2025_world", repo=_PJG),
    },
    {
        "source_id": "usgs-mcs2025-salient",
        "title": f"{_MCS} 2025 Data Release: U.S. salient statistics (mcs2025-*_salient.csv) "
        "and Fig. 2 net import reliance (MCS2025_Fig2_Net_Import_Reliance.csv)",
        "url": "https://doi.org/10.5066/P13XCP3R",
        "published": "2025-01-31",
        "note": "U.S. production, trade, apparent consumption, prices and net import reliance "
        "2020-2024 (2024 estimated); major import sources 2020-2023. "
        + _FROM.format(folder="usgs_mcs2025_salient", repo=_PJG),
    },
    {
        "source_id": "usgs-mcs2024-world",
        "title": f"{_MCS} 2024 Data Release: world production and reserves (mcs2024-*_world.csv)",
        "url": "https://doi.org/10.5066/P144BA54",
        "published": "2024-01-31",
        "note": "Release ver. 2.0 (March 2024, unit corrections). Production 2022 and 2023 "
        "(2023 estimated); only 2022 is bundled, later years come from MCS 2025. "
        + _FROM.format(folder="usgs_mcs2024_world", repo=_PNNL),
    },
    {
        "source_id": "usgs-mcs2024-salient",
        "title": f"{_MCS} 2024 Data Release: U.S. salient statistics (mcs2024-*_salient.csv)",
        "url": "https://doi.org/10.5066/P144BA54",
        "published": "2024-01-31",
        "note": "Only the 2019 rare-earth oxide prices of mcs2024-raree_salient.csv are "
        "bundled. " + _FROM.format(folder="usgs_mcs2024_salient", repo=_PNNL),
    },
    {
        "source_id": "usgs-mcs2023-world",
        "title": f"{_MCS} 2023 Data Release: world production and reserves (mcs2023-*_world.csv)",
        "url": "https://doi.org/10.5066/P9WCYUI6",
        "published": "2023-01",
        "note": "Production 2021 and 2022 (2022 estimated), reserves of the 2023 edition. "
        "Publication day not recorded in the raw files. "
        + _FROM.format(folder="usgs_mcs2023_world", repo=_PNNL),
    },
    {
        "source_id": "usgs-mcs2022-world",
        "title": f"{_MCS} 2022 Data Release: world production, 12 selected commodities "
        "(mcs2022-*_world.csv)",
        "url": "https://doi.org/10.5066/P9KKMCP4",
        "published": "2022-01",
        "note": "Production 2020 and 2021 of 12 selected commodities. Publication day not "
        "recorded in the raw files. " + _FROM.format(folder="usgs_mcs2022_selected", repo=_PNNL),
    },
]


def default_raw_dir() -> Path:
    """``$CRITMIN_RAW``, else ``../shared/data/raw`` relative to the repository root."""
    env = os.environ.get("CRITMIN_RAW")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "data" / "raw"


Rows = list[dict[str, Any]]
Pick = Callable[[dict[str, Any]], bool]


def _source_is(sid: str, years: set[int] | None = None) -> Pick:
    def pick(row: dict[str, Any]) -> bool:
        return bool(row["source_id"] == sid and (years is None or row["year"] in years))

    return pick


def _rare_earth_prices_2019(row: dict[str, Any]) -> bool:
    return bool(
        row["source_id"] == "usgs-mcs2024-salient"
        and row["period"] == "2019"
        and row["mineral_id"] in RARE_EARTH_PRICE_MINERALS
    )


def outputs(result: UsgsImport) -> dict[str, tuple[str, Rows]]:
    """Relative output path -> (table, rows) for everything the build writes."""
    rows = result.rows
    plan: dict[str, tuple[str, list[Pick]]] = {}
    for edition in (2026, 2025, 2024, 2023, 2022):
        world = [_source_is(f"usgs-mcs{edition}-world")]
        plan[f"production/usgs_mcs{edition}.csv"] = ("production", world)
        plan[f"reserves/usgs_mcs{edition}.csv"] = ("reserves", world)
    plan |= {
        "us_supply/usgs_mcs2026.csv": ("us_supply", [_source_is("usgs-mcs2026-salient")]),
        "prices/usgs_mcs2026.csv": ("prices", [_source_is("usgs-mcs2026-salient")]),
        "applications/usgs_mcs2026.csv": ("applications", [_source_is("usgs-mcs2026-trends")]),
        "leading_producers/usgs_mcs2026.csv": (
            "leading_producers",
            [_source_is("usgs-mcs2026-trends")],
        ),
        "import_shares/usgs_mcs2026.csv": (
            "import_shares",
            [_source_is("usgs-mcs2026-salient")],
        ),
        "us_supply/usgs_mcs2025.csv": (
            "us_supply",
            [_source_is("usgs-mcs2025-salient", set(range(2020, 2025)))],
        ),
        "prices/usgs_mcs2025.csv": (
            "prices",
            [lambda r: r["source_id"] == "usgs-mcs2025-salient", _rare_earth_prices_2019],
        ),
    }
    out: dict[str, tuple[str, Rows]] = {}
    for rel, (table, picks) in plan.items():
        picked = [r for r in rows[table] if any(p(r) for p in picks)]
        if picked:
            out[rel] = (table, picked)
    sources = [
        {"publisher": PUBLISHER, "accessed": ACCESSED, "licence": LICENCE, **s} for s in SOURCES
    ]
    out["sources/usgs.csv"] = ("sources", sources)
    return out


def render(table: str, rows: Rows) -> str:
    """CSV text of ``rows`` in schema column order, sorted by key then all cells."""
    spec = TABLES[table]
    cols = spec.columns
    validated = [spec.model.model_validate(r).model_dump() for r in rows]
    cells = [[to_cell(r[c]) for c in cols] for r in validated]
    key_pos = [cols.index(k) for k in spec.key]
    cells.sort(key=lambda c: ([c[i] for i in key_pos], c))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(cells)
    return buf.getvalue()


def build(raw_dir: Path, out_dir: Path | None = None) -> dict[str, int]:
    """Read ``raw_dir`` and write the bundled CSVs; returns rows written per file."""
    return build_result(read_usgs(raw_dir), out_dir)


def build_result(result: UsgsImport, out_dir: Path | None = None) -> dict[str, int]:
    """Write the bundled CSVs of an import already read; returns rows written per file."""
    texts = {
        rel: (render(table, rows), len(rows)) for rel, (table, rows) in outputs(result).items()
    }
    out_dir = out_dir or reference_dir()
    counts: dict[str, int] = {}
    for rel, (text, n) in texts.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        counts[rel] = n
    return counts


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    raw_dir = Path(args[0]) if args else default_raw_dir()
    if not raw_dir.exists():
        print(f"error: no such folder: {raw_dir}", file=sys.stderr)
        return 2
    try:
        result = read_usgs(raw_dir)
        counts = build_result(result)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for rel, n in counts.items():
        print(f"{n:6d}  {rel}")
    print(report_text(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
