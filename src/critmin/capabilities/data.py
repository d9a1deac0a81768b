"""The reference data: import (a contract CSV, a USGS Mineral Commodity Summaries release),
validate, and the checks of what the store holds (coverage, editions, USGS Table 7 leaders,
USGS Table 4 export controls) and of the table contract.

Each function answers what ``critmin data <command> --json`` prints
(``critmin data coverage --json`` = ``cm.data_coverage().to_dict()``); the ``--markdown``
pages (docs/coverage.md, docs/usgs-leaders.md, docs/controls-t4.md, docs/data-contract.md)
are the ``markdown()`` of the same answers. Imports are all or nothing (one transaction;
the first bad cell stops them with its file, line and column) and never touch the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.capabilities import inputs as arg
from critmin.capabilities.store import _text
from critmin.results import Result

if TYPE_CHECKING:
    from critmin.store import StoreArg

STAGES = ("mine", "refine")


class Imported(Result):
    """Rows written by an import: ``rows`` (a count, or a count per table for a USGS release),
    and for a USGS release ``skipped`` (rows left out) and ``report`` (per file and section:
    lines read, imported, dropped with the reasons), the table."""

    text: str = ""  # the USGS import report in words (critmin.data.usgs.report.report_text)

    def rows(self) -> list[dict[str, Any]]:
        """The USGS report's rows; for a CSV import, one row (table, rows)."""
        if self.table:
            return super().rows()
        return [{"table": self.answer["table"], "rows": self.answer["rows"]}]


class Validation(Result):
    """``ok`` and the ``failures`` (table, row, column, value, message), the table."""


class Coverage(Result):
    """Per mineral: stages and years held, reserves, US supply, end uses, prices, what is
    missing; the table. :meth:`markdown`: docs/coverage.md."""

    def markdown(self) -> str:
        from critmin.queries import coverage_markdown

        return coverage_markdown(self.to_dict())


class Leaders(Result):
    """critmin vs USGS Table 7, one row per mineral; the table. :meth:`markdown`:
    docs/usgs-leaders.md."""

    def markdown(self) -> str:
        from critmin.crosscheck import usgs_leaders_markdown

        return usgs_leaders_markdown(self.to_dict())


class T4(Result):
    """USGS Table 4 reconciled with the register, one row per item; the table.
    :meth:`markdown`: docs/controls-t4.md."""

    def markdown(self) -> str:
        from critmin.data.usgs.t4 import t4_markdown

        return t4_markdown(self.to_dict())


class Contract(Result):
    """The data contract, one row per column; the table. :meth:`markdown`: the whole of
    docs/data-contract.md (every table, whatever ``table`` kept)."""

    def markdown(self) -> str:
        from critmin.contract import data_contract_markdown

        return data_contract_markdown()


class Revisions(Result):
    """One production figure across editions; table: ``years`` (year, latest, figures,
    change_pct)."""


def data_import(*, table: str, file: str | Path, path: StoreArg = None) -> Imported:
    """Import one CSV in the contract format (docs/data-contract.md) into ``table``: rows
    whose key exists are replaced, all or nothing (the first bad cell stops it, naming file,
    line and column; the store is left as it was). The ledger is append-only: refused.

    >>> import critmin as cm, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "export"
    >>> _ = cm.store_export(out=folder, format="csv")
    >>> res = cm.data_import(table="minerals", file=folder / "minerals.csv")
    >>> res["rows"] == cm.read_table("minerals").height
    True
    """
    from critmin.store import import_csv

    n = import_csv(table, file, path)
    req = {"table": table, "file": str(file), "path": _text(path)}
    return Imported.of("data_import", req, {"table": table, "file": str(file), "rows": n})


def data_import_usgs(*, source: str | Path, path: StoreArg = None) -> Imported:
    """Import a USGS Mineral Commodity Summaries data release (a CSV or a folder of them:
    world production, reserves, salient statistics, trend tables) into the store in one
    transaction. Flags (W withheld, NA, estimated) stay flags; commodities outside the
    critical-minerals map and aggregates are skipped and counted. Source: USGS, Mineral
    Commodity Summaries data releases (the edition is each row's ``edition``).

    >>> import critmin as cm
    >>> cm.data_import_usgs(source="no-such-release")
    Traceback (most recent call last):
    ...
    critmin.errors.InputError: field 'source': no such file or folder (got 'no-such-release')
    """
    from critmin.data.usgs import read_usgs
    from critmin.data.usgs.report import report_rows, report_text
    from critmin.errors import InputError
    from critmin.store import upsert_rows

    src = Path(source)
    if not src.exists():
        raise InputError("no such file or folder", field="source", value=str(source))
    result = read_usgs(src)
    counts = upsert_rows({k: v for k, v in result.rows.items() if v}, path)
    answer = {
        "path": str(source),
        "rows": counts,
        "skipped": len(result.skipped),
        "report": report_rows(result),
    }
    req = {"source": str(source), "path": _text(path)}
    text = report_text(result) if result.report else ""
    return Imported.of("data_import_usgs", req, answer, table=("report",), text=text)


def data_validate(
    *, strict: bool = False, folder: str | Path | None = None, path: StoreArg = None
) -> Validation:
    """Check every rule of the table contract (DESIGN.md section 3: keys, references, world
    sums within 2 % plus rounding, shares in [0, 1], event chains in order; ``strict`` adds
    the source and edition rules) on the store, or on the CSVs of ``folder`` without a
    store. ``ok`` is true when no rule fails.

    >>> import critmin as cm
    >>> cm.data_validate(strict=True)["ok"]
    True
    """
    from critmin.validate import validate, validate_store

    failures = validate(strict, folder) if folder is not None else validate_store(strict, path)
    answer = {"strict": strict, "ok": not failures, "failures": [f.as_dict() for f in failures]}
    req = {"strict": strict, "folder": _text(folder), "path": _text(path)}
    return Validation.of("data_validate", req, answer, table=("failures",))


def data_coverage(*, path: StoreArg = None) -> Coverage:
    """Per mineral: the production stages and years the store holds (directly or through
    the group it is reported as), whether reserves, US supply, end uses and prices exist,
    and ``missing``: each absent item, never filled (docs/coverage.md).

    >>> import critmin as cm
    >>> row = next(r for r in cm.data_coverage().rows() if r["mineral"] == "cobalt")
    >>> row["missing"], row["mine_years"][-1] >= 2024
    ([], True)
    """
    from critmin.queries import coverage

    return Coverage.of("data_coverage", {"path": _text(path)}, coverage(path))


def data_leaders(*, path: StoreArg = None) -> Leaders:
    """critmin's leading producer and its share per mineral beside USGS's own (MCS 2026
    Table 7, 2025): ``pct_of_world`` = the USGS leader's production / the reported world
    total x 100 (USGS's method); ``status`` "agrees" within 0.5 point, else "differs" with a
    ``reason``, or "no figure" (docs/usgs-leaders.md).

    >>> import critmin as cm
    >>> row = next(r for r in cm.data_leaders().rows() if r["mineral"] == "cobalt")
    >>> row["usgs_leader"], row["usgs_pct"], row["leader"], row["status"]
    ('COD', 74.0, 'COD', 'agrees')
    """
    from critmin.crosscheck import usgs_leaders

    return Leaders.of("data_leaders", {"path": _text(path)}, usgs_leaders(path))


def data_t4(*, file: str | Path | None = None, path: StoreArg = None) -> T4:
    """USGS MCS 2026 Table 4 (export controls in force) reconciled with the register: each
    item with its control and that control's status on Table 4's date, or the reason it is
    not held (docs/controls-t4.md). With ``file`` (a Table 4 CSV), first check that every
    item of it is reconciled and every control id named is in the register: an InputError
    naming ``file`` otherwise.

    >>> import critmin as cm
    >>> rows = cm.data_t4().rows()
    >>> len(rows), sum(r["control_id"] is not None for r in rows)
    (65, 43)
    """
    from critmin.data.usgs.t4 import read_reconciliation, read_t4, reconcile, t4_rows

    if file is not None:
        from critmin.errors import InputError
        from critmin.store import read_table

        items = read_t4(Path(file))
        ids = set(read_table("export_controls", path)["control_id"].to_list())
        problems = reconcile(items, read_reconciliation(), ids)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InputError(problems[0] + more, field="file", value=str(file))
    return T4.of("data_t4", {"file": _text(file), "path": _text(path)}, t4_rows(path))


def data_contract(*, table: str | None = None) -> Contract:
    """Every column of every table (and of the file tables): type, unit, whether it may be
    empty, its fixed values or bounds, its meaning; ``table`` (any case, closest names
    suggested) keeps one table. The page is docs/data-contract.md (the whole contract).

    >>> import critmin as cm
    >>> res = cm.data_contract(table="Production")
    >>> res.request["table"], [r["column"] for r in res.rows()][:3]
    ('production', ['mineral_id', 'stage', 'product'])
    """
    from critmin.contract import column_rows

    rows = column_rows()
    name = None
    if table is not None:
        name = arg.choice(table, list(dict.fromkeys(r["table"] for r in rows)), "table")
        rows = [r for r in rows if r["table"] == name]
    return Contract.of("data_contract", {"table": name}, rows)


def data_revisions(
    *, mineral: str, stage: str = "mine", country: str = "WLD", path: StoreArg = None
) -> Revisions:
    """One production figure (tonnes) across USGS editions: each year of ``country`` (ISO3;
    default the reported world total, WLD) as each edition published it, latest edition
    first; ``latest`` is the edition the other questions answer from, ``change_pct`` =
    (latest / the previous edition's figure - 1) x 100. Source: USGS MCS, editions named.

    >>> import critmin as cm
    >>> res = cm.data_revisions(mineral="Co")
    >>> y2024 = next(y for y in res["years"] if y["year"] == 2024)
    >>> [(f["edition"], f["value"]) for f in y2024["figures"]]
    [('usgs-mcs-2026', 302000.0), ('usgs-mcs-2025', 290000.0)]
    """
    from critmin.queries import revisions

    m = arg.mineral(mineral, path)
    st = arg.choice(stage, STAGES, "stage")
    c = arg.country(country, "country", path) or "WLD"
    req = {"mineral": m, "stage": st, "country": c, "path": _text(path)}
    return Revisions.of("data_revisions", req, revisions(m, st, c, path), table=("years",))


def bundled_data_version() -> str:
    """Fingerprint of the bundled data (sha256 over every bundled CSV's path and bytes,
    first 12 hex digits): the ``data_version`` a freshly built store records."""
    from critmin.data.bundled import data_version

    return data_version()
