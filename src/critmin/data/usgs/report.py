"""The import report of a long-format release (MCS 2026): per section, the lines read, the
lines imported (at least one row) and the lines dropped, grouped by reason."""

from __future__ import annotations

from typing import Any

from critmin.data.usgs.sink import UsgsImport


def report_rows(result: UsgsImport) -> list[dict[str, Any]]:
    """One entry per file and section: ``lines``, ``imported``, ``dropped`` and ``reasons``
    (reason -> lines, most frequent first)."""
    out: list[dict[str, Any]] = []
    for name, sections in result.report.items():
        for section, rep in sections.items():
            out.append(
                {
                    "file": name,
                    "section": section,
                    "lines": rep.lines,
                    "imported": rep.imported,
                    "dropped": rep.lines - rep.imported,
                    "reasons": dict(rep.dropped.most_common()),
                }
            )
    return out


def report_text(result: UsgsImport, reasons: int = 4) -> str:
    """The report as plain text: a line per section, then its ``reasons`` commonest reasons
    (the rest summed as "other reasons")."""
    lines: list[str] = []
    for r in report_rows(result):
        lines.append(
            f"{r['file']}: {r['section']}: {r['lines']} lines, {r['imported']} imported, "
            f"{r['dropped']} dropped"
        )
        items = list(r["reasons"].items())
        for why, n in items[:reasons]:
            lines.append(f"    {n:5d}  {why}")
        rest = sum(n for _, n in items[reasons:])
        if rest:
            lines.append(f"    {rest:5d}  other reasons ({len(items) - reasons}: not mapped)")
    if lines:
        total = sum(r["lines"] for r in report_rows(result))
        done = sum(r["imported"] for r in report_rows(result))
        lines.append(f"total: {total} lines, {done} imported, {total - done} dropped")
    return "\n".join(lines)
