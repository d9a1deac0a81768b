"""The state-intervention ledger (DESIGN.md section 5, Q4): append-only, sourced, summarised.

Rules
- Append-only: a row is never updated or deleted. A correction is a new row whose
  ``supersedes`` names the row it replaces; history stays queryable.
- Summaries count the latest row of each chain (rows no other row supersedes); a cancelled
  latest row counts nothing.
- Letters of interest are kept apart: a summary adds them to its total only when the caller
  asks for status ``letter_of_interest`` explicitly, and always reports them separately.
- Amounts keep their original currency; ``amount_usd`` = amount x USD per unit on ``fx_date``
  from the bundled FX table (the latest rate on or before the row's date when none is given).
- Chains never fork: a row is corrected at most once, and no chain loops. :func:`chains` is the
  one walker every reader uses (summary, history, reconcile, list, the API, the brief and the
  dashboard); a write that would fork or loop a chain is refused, naming both rows.
- Totals count rows whose source is ``primary`` or ``press``; ``unverified`` rows are left out
  unless the caller asks (``include_unverified``), and every total says what it left out.
- Publisher aggregates (instrument ``aggregate``) are reported apart, never added to totals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from critmin.ledger_filters import (
    agencies,
    agency_chain,
    agency_roots,
    agency_spellings,
    filter_rows,
    resolve_agency,
    resolve_filters,
)
from critmin.ledger_rows import (
    AGGREGATE,
    COUNTED_VERIFICATION,
    DEAD_STATUSES,
    DEFAULT_STATUSES,
    LOI,
    NO_AMOUNT_INSTRUMENTS,
    RECONCILE_TOLERANCE,
    SUMMARY_KEYS,
    as_date,
    chain_problems,
    chains,
    history,
    latest,
    ledger,
)
from critmin.ledger_writes import (
    add,
    export_rows,
    import_rows,
    split_new,
)
from critmin.schema import (
    STATUSES,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg

# rows and chains, filters and writes live in ledger_rows, ledger_filters and ledger_writes;
# callers import them from here
__all__ = [
    "AGGREGATE",
    "COUNTED_VERIFICATION",
    "DEAD_STATUSES",
    "DEFAULT_STATUSES",
    "LOI",
    "NO_AMOUNT_INSTRUMENTS",
    "RECONCILE_TOLERANCE",
    "SUMMARY_KEYS",
    "add",
    "agencies",
    "agency_chain",
    "agency_roots",
    "agency_spellings",
    "chain_problems",
    "chains",
    "export_rows",
    "filter_rows",
    "history",
    "import_rows",
    "is_counted",
    "is_loi",
    "latest",
    "ledger",
    "reconcile",
    "resolve_agency",
    "resolve_filters",
    "split_new",
    "summary",
]


def _keys(
    row: Mapping[str, Any], by: str, roots: Mapping[str, str] | None = None
) -> list[tuple[str, float]]:
    """Summary keys of a row with the fraction of its amount each key gets."""
    if by == "mineral":
        minerals = row["mineral_ids"] or ["unspecified"]
        # a multi-mineral commitment is split equally so the total stays the sum of rows
        return [(m, 1.0 / len(minerals)) for m in minerals]
    agency = str(row["agency"])
    value = {
        "actor": row["actor_iso3"],
        "agency": (roots or {}).get(agency, agency),
        "office": agency,
        "instrument": row["instrument"],
        "host": row["host_iso3"] or "unspecified",
        "month": row["date"].strftime("%Y-%m"),
        "status": row["status"],
        "verification": row["verification"],
    }[by]
    return [(str(value), 1.0)]


def is_loi(row: Mapping[str, Any]) -> bool:
    return bool(row["instrument"] == LOI or row["status"] == LOI)


def is_counted(row: Mapping[str, Any], include_unverified: bool = False) -> bool:
    """Whether a row's source is strong enough for a total (primary or press), or any row
    when ``include_unverified``."""
    return include_unverified or row["verification"] in COUNTED_VERIFICATION


def _left_out(rows: Iterable[Mapping[str, Any]], included: bool) -> dict[str, Any]:
    """Count and USD of the unverified rows a total leaves out, overall and by actor."""
    by_actor: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        by_actor[str(r["actor_iso3"])][0] += r["amount_usd"] or 0.0
        by_actor[str(r["actor_iso3"])][1] += 1
    items = sorted(by_actor.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return {
        "included": included,
        "count": int(sum(v[1] for _, v in items)),
        "amount_usd": sum(v[0] for _, v in items),
        "by_actor": [{"actor": k, "count": int(v[1]), "amount_usd": v[0]} for k, v in items],
    }


def summary(
    by: str = "actor",
    since: str | dt.date | None = None,
    status: Iterable[str] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    path: StoreArg = None,
    include_unverified: bool = False,
) -> dict[str, Any]:
    """Totals of the latest row of each chain, grouped ``by`` one of SUMMARY_KEYS.

    total_usd = sum of amount_usd over counted rows (rows without an amount count in
    ``count`` only). Counted: latest rows (:func:`chains`) with a status in ``status``
    (default announced, conditional, committed, disbursed) dated on or after ``since`` whose
    source is primary or press (every row with ``include_unverified``). The unverified rows
    left out are reported in ``unverified`` (count and USD, by actor). Letters of interest
    count only when ``status`` names letter_of_interest; they are always reported in
    ``letters_of_interest`` apart. Publisher aggregates (instrument ``aggregate``) never enter
    a total, whatever their source; ``aggregates`` reports them (and ``unverified`` does not
    count them: they are not left out by the verification rule). ``by="agency"`` rolls
    offices up to their parent agency (the Pentagon's OSC, DLA and DPA office count as
    usa-dow); ``by="office"`` keeps them apart. Multi-mineral rows are split equally by mineral.
    """
    from critmin.vocab import choose

    by = choose(by, SUMMARY_KEYS, "by")
    wanted = tuple(choose(s, STATUSES, "status") for s in status) if status else DEFAULT_STATUSES
    start = as_date(since, "since")
    current = latest(rows if rows is not None else ledger(path))
    if start:
        current = [r for r in current if r["date"] >= start]
    roots = agency_roots(agencies(path)) if by == "agency" else {}
    include_loi = LOI in wanted
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    loi_usd, loi_n, no_amount = 0.0, 0, 0
    agg_usd, agg_n = 0.0, 0
    left: list[Mapping[str, Any]] = []
    for r in current:
        loi = is_loi(r)
        if not loi and r["status"] not in wanted:
            continue
        if r["instrument"] == AGGREGATE:  # never in a total, whatever its source
            agg_usd += r["amount_usd"] or 0.0
            agg_n += 1
            continue
        if not is_counted(r, include_unverified):
            left.append(r)
            continue
        if loi:
            loi_usd += r["amount_usd"] or 0.0
            loi_n += 1
            if not include_loi:
                continue
        if r["amount_usd"] is None:
            no_amount += 1
        for key, frac in _keys(r, by, roots):
            totals[key][0] += (r["amount_usd"] or 0.0) * frac
            totals[key][1] += frac
    out_rows = [
        {"key": k, "amount_usd": v[0], "count": round(v[1], 6)}
        for k, v in sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    return {
        "by": by,
        "since": start,
        "status": list(wanted),
        "rows": out_rows,
        "total_usd": sum(r["amount_usd"] for r in out_rows),
        "rows_without_amount": no_amount,
        "letters_of_interest": {"amount_usd": loi_usd, "count": loi_n, "included": include_loi},
        "aggregates": {"amount_usd": agg_usd, "count": agg_n, "included": False},
        "unverified": _left_out(left, include_unverified),
    }


def _item_found(item: str, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Ids of ``rows`` that account for a named item: the item's normal form is part of the
    row's recipient, or is one of its mineral ids ("cobalt")."""
    from critmin.vocab import normal

    want = normal(item)
    return [
        str(r["id"])
        for r in rows
        if want in normal(str(r["recipient"]))
        or want in {normal(m) for m in (r["mineral_ids"] or [])}
    ]


def reconcile(path: StoreArg = None, include_unverified: bool = False) -> list[dict[str, Any]]:
    """Each headline claim against the ledger rows tagged with it.

    ledger_usd = sum of amount_usd of the latest rows (:func:`chains`), neither cancelled nor
    superseded, whose ``claim_ids`` name the claim and whose source is primary or press (every
    row with ``include_unverified``; ``unverified_usd`` is the rest). status:
    - "no amount to compare": the claim states no USD figure (never "matches");
    - "matches": |ledger_usd - expected_usd| <= tolerance x expected_usd (the claim's
      ``tolerance``, default RECONCILE_TOLERANCE = 0.10);
    - "partial": otherwise; ``missing`` names what the ledger lacks: each of the claim's
      ``expected_items`` no counted row accounts for (with the unverified rows that would, or
      else the cancelled or superseded rows that did: "cobalt (cancelled: iv-...)"), and the
      USD not identified by any named item.
    """
    from critmin.store import read_table

    claims = read_table("claims", path).to_dicts()
    newest = latest(ledger(path))
    current = [r for r in newest if r["status"] not in DEAD_STATUSES]
    ended = [r for r in newest if r["status"] in DEAD_STATUSES]
    out = []
    for c in claims:
        tagged = [r for r in current if c["claim_id"] in (r["claim_ids"] or [])]
        gone = [r for r in ended if c["claim_id"] in (r["claim_ids"] or [])]
        counted = [r for r in tagged if is_counted(r, include_unverified)]
        weak = [r for r in tagged if not is_counted(r, include_unverified)]
        total = sum(r["amount_usd"] or 0.0 for r in counted)
        expected = c["expected_usd"]
        tol = c["tolerance"] if c["tolerance"] is not None else RECONCILE_TOLERANCE
        missing: list[str] = []
        if not expected:
            state = "no amount to compare"
        elif abs(total - expected) <= tol * expected:
            state = "matches"
        else:
            state = "partial"
            for item in c["expected_items"] or []:
                if _item_found(item, counted):
                    continue
                held = _item_found(item, weak)
                dead = set(_item_found(item, gone))
                if held:
                    missing.append(f"{item} (only in unverified rows {', '.join(held)})")
                elif dead:
                    what = ", ".join(f"{r['status']}: {r['id']}" for r in gone if r["id"] in dead)
                    missing.append(f"{item} ({what})")
                else:
                    missing.append(item)
            gap = expected - total
            weak_usd = sum(r["amount_usd"] or 0.0 for r in weak)
            also = (
                f" (unverified rows {', '.join(sorted(r['id'] for r in weak))} hold "
                f"{weak_usd:,.0f} USD)"
                if weak
                else ""
            )
            if gap > 0:
                missing.append(f"{gap:,.0f} USD not accounted for by counted rows{also}")
            else:
                missing.append(f"the counted rows exceed the figure by {-gap:,.0f} USD")
        out.append(
            {
                "claim": c["claim_id"],
                "text": c["claim"],
                "expected_usd": expected,
                "ledger_usd": total,
                "unverified_usd": sum(r["amount_usd"] or 0.0 for r in weak),
                "tolerance": tol,
                "rows": sorted(r["id"] for r in counted),
                "unverified_rows": sorted(r["id"] for r in weak),
                "status": state,
                "missing": missing,
                "source_id": c["source_id"],
            }
        )
    return out
