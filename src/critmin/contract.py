"""docs/data-contract.md, generated from the table contracts.

Every line of the page that states a column, a type, a bound, a fixed value, a unit or a
description comes from the code: the row models (critmin.schema, critmin.file_tables), the
limits (critmin.columns), the units and descriptions (critmin.column_docs); the editions and
mineral ids it lists are read from the bundled data. Write the page with
``critmin data contract --markdown > docs/data-contract.md``; tests/test_contract.py fails
when the file differs from what this module writes.
"""

from __future__ import annotations

import csv
import textwrap
import typing
from collections.abc import Iterable
from typing import Any

from critmin import column_docs
from critmin.columns import (
    MAX_AMOUNT,
    MAX_FX,
    MAX_LIST,
    MAX_NOTE,
    MAX_PRICE,
    MAX_SLUG,
    MAX_TEXT,
    MAX_TONNES,
    MAX_URL,
)
from critmin.files import MAX_PARQUET_DATA_BYTES, MAX_TABLE_BYTES, MAX_TABLE_ROWS, MAX_YAML_BYTES
from critmin.schema import TABLES, VERIFICATION, Flag, Table, column_kinds

WIDTH = 92  # prose lines of the page

_KIND = {
    "str": "text",
    "int": "integer",
    "float": "number",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
}
_SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"


def column_rows() -> list[dict[str, Any]]:
    """One row per column of every table and file table: table, column, type, unit, may be
    empty, fixed values or bounds, description."""
    from critmin.file_tables import FILE_TABLES

    out: list[dict[str, Any]] = []
    specs: list[tuple[str, Any]] = [(t.name, t.model) for t in TABLES.values()]
    specs += [(t.name, t.model) for t in FILE_TABLES.values()]
    for name, model in specs:
        props = model.model_json_schema()["properties"]
        kinds = column_kinds(Table(name, model, ()))
        for col, (kind, is_list) in kinds.items():
            doc = column_docs.doc(name, col)
            unit, text = doc if doc else (None, None)
            prop = props[col]
            is_list = is_list or any(a.get("type") == "array" for a in _arms(prop))
            out.append(
                {
                    "table": name,
                    "column": col,
                    "type": f"list of {_KIND[kind]}" if is_list else _KIND[kind],
                    "unit": unit,
                    "empty": _may_be_empty(prop, kind),
                    "values": _values(prop),
                    "description": text,
                }
            )
    return out


def _arms(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in prop.get("anyOf", [prop]) if a.get("type") != "null"]


def _may_be_empty(prop: dict[str, Any], kind: str) -> str:
    if any(a.get("type") == "null" for a in prop.get("anyOf", [])):
        return "yes"
    if kind == "bool":
        return "yes (false)"
    if prop.get("type") == "array" and not prop.get("minItems"):
        return "yes (none)"
    return "no"


def _num(x: float) -> str:
    if x and abs(x) >= 1e4 and float(x).is_integer():
        exp = len(str(int(abs(x)))) - 1
        if abs(x) == 10**exp:
            return f"10^{exp}"
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _values(prop: dict[str, Any]) -> str:
    parts: list[str] = []
    for arm in _arms(prop):
        if arm.get("type") == "array":
            inner = _values(arm.get("items", {}))
            if inner:
                parts.append(f"each {inner}")
            if "maxItems" in arm or "maxLength" in arm:
                parts.append(f"at most {arm.get('maxItems', arm.get('maxLength'))} items")
            continue
        if "const" in arm:
            parts.append(f"`{arm['const']}`")
        elif "enum" in arm:
            parts.append(" ".join(f"`{v}`" for v in arm["enum"]))
        lo = arm.get("minimum", arm.get("ge"))
        hi = arm.get("maximum", arm.get("le"))
        if "exclusiveMinimum" in arm:
            parts.append(f"above {_num(arm['exclusiveMinimum'])}")
        if lo is not None and hi is not None:
            parts.append(f"{_num(lo)} to {_num(hi)}")
        elif hi is not None:
            parts.append(f"at most {_num(hi)}")
        pattern = arm.get("pattern")
        if pattern == _SLUG_PATTERN:
            parts.append("slug")
        elif pattern:
            parts.append(f"`{pattern}`")
        if "maxLength" in arm:
            parts.append(f"at most {arm['maxLength']} characters")
    return "; ".join(parts)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _table(rows: Iterable[dict[str, Any]], cols: list[str]) -> list[str]:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(_cell(r.get(c)) for c in cols) + " |" for r in rows]
    return out


def _bundled(table: str, column: str) -> list[str]:
    """Distinct values of one column over the bundled CSVs of ``table``, sorted."""
    from critmin.data.bundled import reference_dir, table_files

    seen: set[str] = set()
    for path in table_files(reference_dir(), TABLES[table]):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            seen |= {r[column] for r in csv.DictReader(fh) if r.get(column)}
    return sorted(seen)


def _para(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH)


def _bullet(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent="- ", subsequent_indent="  ")


def _meanings(values: Iterable[str], meanings: dict[str, str]) -> list[dict[str, str]]:
    return [{"value": f"`{v}`", "meaning": meanings[v]} for v in values]


INTRO = """\
Every table of the store (DESIGN.md section 3) ships as CSV files under
`src/critmin/data/reference/<table>/`; a table may be split over several files named after
their origin (`production/usgs_mcs2025.csv`, `production/iea_gcmo2025.csv`) and the loader
reads them all. Two more tables live beside the engines that read them
(`src/critmin/sim/data/`): the project register and the stockpile inventory. This page is
written by `critmin data contract --markdown` from the row models (`critmin.schema`,
`critmin.file_tables`), the limits (`critmin.columns`) and the units and descriptions
(`critmin.column_docs`); edit those, never this file (tests/test_contract.py fails when it
is stale). `critmin data validate --strict` checks every rule below.
"""

CONVENTIONS = """\
- Files are UTF-8 CSV, comma separated, a header row naming exactly the table's columns
  (a missing or unknown column refuses the file, naming it), no index column.
- An empty cell is a missing value: never 0, never a guess. A published figure that is
  withheld or bounded keeps its `flag`.
- Lists in one cell are `|`-separated: `gallium|germanium`.
- Dates are ISO 8601 `YYYY-MM-DD`; booleans `true` or `false` (an empty cell is false).
- Quantities are metric tonnes with an explicit `basis`: `contained` (the metal or oxide
  content the product label names) or `gross` (ore or concentrate weight). A source in troy
  ounces is converted at 1 troy oz = 31.1034768 g, the row's `note` keeping the published
  figure and the factor.
- Countries are ISO 3166-1 alpha-3 codes; the codes outside ISO are {aggregates}.
- Every row names a `source_id` of table `sources` (publisher, title, URL, dates).
- Units: `t` metric tonnes; `%` percent, 0 to 100; `fraction 0-1`; `USD` US dollars;
  `id` a key (a slug: lower-case letters, digits, `_ . -`); `code` one of the fixed values
  listed; a unit in backticks is given per row by that column.
- No number is infinite or NaN (`1e400` in a file is refused, naming the column).
"""


ORIGIN = """\
The USGS Mineral Commodity Summaries editions are written into their CSVs by `python -m
critmin.data.build` from the release files (`../shared/data/raw`, see PROVENANCE.md), which
prints, section by section, the lines read, imported and dropped with the reason (`critmin
data import-usgs` does the same for a new release). Besides the world production and
reserves and the US salient statistics, the 2026 release gives `import_shares` (Fig. 3),
the net import reliance and main import sources of `us_supply` (Fig. 2), `applications`
(Table 6) and `leading_producers` (Table 7, compared with critmin's own concentration by
`critmin data leaders`, docs/usgs-leaders.md); its Table 4 is reconciled with the export
controls in docs/controls-t4.md. `critmin data revisions MINERAL` shows one figure as each
edition published it.
"""


def _aggregates() -> str:
    from critmin.data.bundled import reference_dir, table_files

    rows: list[dict[str, str]] = []
    for path in table_files(reference_dir(), TABLES["countries"]):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows += [r for r in csv.DictReader(fh) if not r.get("iso2")]
    return ", ".join(f"`{r['iso3']}` ({r['name']})" for r in sorted(rows, key=lambda r: r["iso3"]))


def data_contract_markdown() -> str:
    """The whole of docs/data-contract.md."""
    from critmin.data.bundled import NOT_TABLE_ROWS
    from critmin.file_tables import FILE_TABLES
    from critmin.validate import SHARE_TOLERANCE, WORLD_SUM_OVER, WORLD_SUM_TOLERANCE

    rows = column_rows()
    cols = ["column", "type", "unit", "empty", "values", "description"]
    lines = ["# critmin reference data: the contract", ""]
    lines += [
        "<!-- generated by `critmin data contract --markdown`; do not edit by hand -->",
        "",
        INTRO,
        "## Conventions",
        "",
    ]
    for item in CONVENTIONS.format(aggregates=_aggregates()).split("\n- "):
        lines += _bullet(item.removeprefix("- "))
    lines.append("")
    edition_tables = [t.name for t in TABLES.values() if "edition" in t.columns]
    lines += ["## Editions", ""]
    lines += _para(
        "Every row of " + ", ".join(f"`{t}`" for t in edition_tables) + " names its `edition`: "
        "the publication it comes from, as a slug of publisher and publication year. The "
        "edition is part of the key, so a figure a later edition revises is kept beside the "
        "earlier one; queries answer from the latest edition that reports a figure "
        "(`critmin.editions`) unless `--edition` pins one; `critmin data validate` checks "
        "that an edition's year is the publication year of its source. The bundled data "
        "holds:"
    )
    lines.append("")
    lines += _table(
        (
            {"table": f"`{t}`", "editions": ", ".join(_bundled(t, "edition"))}
            for t in edition_tables
        ),
        ["table", "editions"],
    )
    kinds: dict[str, list[str]] = {}
    from critmin.data.bundled import reference_dir, table_files

    for path in table_files(reference_dir(), TABLES["minerals"]):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                kinds.setdefault(r["kind"], []).append(r["mineral_id"])
    lines.append("")
    lines += _para(ORIGIN)
    lines += ["", "## Mineral ids", "", "The bundled `minerals` table, by kind:", ""]
    for k, v in sorted(kinds.items()):
        lines += _bullet(f"{k} ({len(v)}): " + " ".join(sorted(v)))
    lines += ["", "## Tables of the store", ""]
    for table in TABLES.values():
        lines += [f"### {table.name}", ""]
        doc = table.model.__doc__ or column_docs.ABOUT.get(table.name)
        about = _about(doc, table.key, table.refs, table.append_only)
        kept = NOT_TABLE_ROWS.get(table.name, ())
        if kept:
            about += " The folder also holds " + ", ".join(f"`{f}`" for f in kept)
            about += ", read by its own code: not rows of this table."
        lines += [*_para(about), ""]
        lines += _table((r for r in rows if r["table"] == table.name), cols)
        lines.append("")
    lines += ["## Files outside the store", ""]
    for ft in FILE_TABLES.values():
        lines += [f"### {ft.name} (`src/critmin/{ft.file}`)", ""]
        about = _about(ft.model.__doc__, ft.key, ft.refs, False)
        if ft.unique_items:
            about += " Each item of " + ", ".join(f"`{c}`" for c in ft.unique_items)
            about += " appears in one row only."
        lines += [*_para(about), ""]
        lines += _table((r for r in rows if r["table"] == ft.name), cols)
        lines.append("")
    lines += ["## Fixed values and their meaning", "", "`flag` (production, reserves):", ""]
    meaning = ["value", "meaning"]
    lines += _table(_meanings(typing.get_args(Flag), column_docs.FLAG_MEANINGS), meaning)
    nir = _arms(TABLES["us_supply"].model.model_json_schema()["properties"]["nir_flag"])[0]
    lines += ["", "`nir_flag` (us_supply):", ""]
    lines += _table(_meanings(nir["enum"], column_docs.NIR_FLAG_MEANINGS), meaning)
    lines += ["", "`verification` (interventions):", ""]
    lines += _table(_meanings(VERIFICATION, column_docs.VERIFICATION_MEANINGS), meaning)
    lines += ["", "## Limits", ""]
    lines += _para(
        "Written once in `critmin.columns` and `critmin.files`; every import, the CLI and the "
        "HTTP API share them. A value past a limit is refused in one line naming the column "
        "(exit code 2, HTTP 422) and nothing is written. Text holds no control character "
        "(Unicode category Cc) other than line feed and tab."
    )
    lines.append("")
    limits = [
        ("ids (slugs)", f"{MAX_SLUG} characters"),
        ("one-line text (names, titles, products, units)", f"{MAX_TEXT} characters"),
        ("URLs", f"{MAX_URL:,} characters"),
        ("notes, descriptions, claims, reasons", f"{MAX_NOTE:,} characters"),
        ("items of a list cell", f"{MAX_LIST}"),
        ("tonnes", f"0 to {_num(MAX_TONNES)} t"),
        ("prices", f"0 to {_num(MAX_PRICE)} per unit"),
        ("`usd_per_unit` (fx_rates)", f"above 0, at most {_num(MAX_FX)}"),
        ("amounts (`amount`, `amount_usd`, `expected_usd`)", f"0 to {_num(MAX_AMOUNT)}"),
        ("an input YAML file", f"{MAX_YAML_BYTES // 2**20} MiB"),
        ("an input CSV or Parquet file", f"{MAX_TABLE_BYTES // 2**20} MiB"),
        (
            "a Parquet file's declared rows and data",
            f"{MAX_TABLE_ROWS:,} rows, {MAX_PARQUET_DATA_BYTES // 2**20:,} MiB",
        ),
    ]
    lines += _table(({"what": w, "limit": v} for w, v in limits), ["what", "limit"])
    lines += ["", "## Rules across rows", ""]
    rules = [
        "Keys are unique; every column of a table's references resolves in the table it "
        "names (list columns item by item).",
        "End-use shares of a mineral, region, year and source add to at most 1, and the "
        "stakes of an asset in force on any day to at most 100 %, each with a slack of "
        f"{SHARE_TOLERANCE:.0%} for rounding.",
        "The sum of countries of a mineral, stage and year may exceed the reported world "
        f"total by at most {WORLD_SUM_OVER:.0%} plus half a rounding step of the total, and "
        f"(strict) fall short of it by at most {WORLD_SUM_TOLERANCE:.0%}; the reviewed "
        "exceptions are the rows of `world_sum_exceptions` (docs/method.md).",
        "The events of each export control form a valid chain (docs/method.md); a ledger "
        "row is corrected at most once, after it was recorded, and corrections never loop.",
    ]
    for rule in rules:
        lines += _bullet(rule)
    lines.append("")
    return "\n".join(lines)


def _about(doc: str | None, key: tuple[str, ...], refs: dict[str, str], append_only: bool) -> str:
    first = " ".join((doc or "").strip().split("\n\n")[0].split()) if doc else ""
    parts = [first] if first and not first.startswith("Usage") else []
    parts.append("Key: " + ", ".join(f"`{k}`" for k in key) + ".")
    if refs:
        parts.append("References: " + ", ".join(f"`{c}` -> `{t}`" for c, t in refs.items()) + ".")
    if append_only:
        parts.append("Append-only: rows are added or superseded, never changed.")
    return " ".join(parts)
