"""Public money behind the pipeline's projects: ledger rows linked by id, cheque sizes and the
funding gap by project or mineral (``critmin ledger gap``)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from critmin.errors import InputError
from critmin.sim.pipeline_model import (
    GAP_KEYS,
    Project,
    load_projects,
)

if TYPE_CHECKING:
    from critmin.store import StoreArg

# -- public money and the funding gap -----------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Public money linked to one project, by the latest row of each linked chain."""

    committed_usd: float
    loi_usd: float
    rows: Mapping[str, tuple[str, ...]]  # committed, letter_of_interest, cancelled, no_amount
    cheques: tuple[float, ...]
    by_instrument: Mapping[str, float] = dataclasses.field(default_factory=dict)  # committed USD


def public_money(
    projects: Sequence[Project], rows: Iterable[Mapping[str, Any]]
) -> dict[str, Money]:
    """Per project: committed = sum of amount_usd of the latest row of each linked chain that
    is neither cancelled (nor superseded) nor a letter of interest; letters of interest apart.

    ``rows`` is the whole ledger history (``critmin.ledger.ledger()``): a linked id that has
    been superseded counts through the latest row of its chain, and two links that end in the
    same row count once. An id that names no ledger row is an InputError.
    """
    from critmin.ledger import DEAD_STATUSES, chains, is_loi

    by_id = {r["id"]: r for r in rows}
    # the one chain walker (critmin.ledger.chains): a forked chain is refused, never guessed
    last = {r["id"]: c[-1]["id"] for c in chains(by_id.values()) for r in c}
    out: dict[str, Money] = {}
    for p in projects:
        heads: list[str] = []
        for i in p.ledger_ids:
            if i not in by_id:
                raise InputError(
                    f"no ledger row (project {p.project_id})", field="ledger_ids", value=i
                )
            i = last[i]
            heads += [] if i in heads else [i]
        sorts: dict[str, list[str]] = defaultdict(list)
        cheques: list[float] = []
        by_instrument: dict[str, float] = defaultdict(float)
        loi = 0.0
        for h in heads:
            r, amount = by_id[h], by_id[h].get("amount_usd")
            if r["status"] in DEAD_STATUSES:
                sorts["cancelled"].append(h)
            elif is_loi(r):
                sorts["letter_of_interest"].append(h)
                loi += amount or 0.0
            else:
                sorts["committed"].append(h)
                sorts["no_amount" if amount is None else "with_amount"].append(h)
                cheques += [] if amount is None else [float(amount)]
                by_instrument[r["instrument"]] += float(amount or 0.0)
        keys = ("committed", "letter_of_interest", "cancelled", "no_amount")
        out[p.project_id] = Money(
            sum(cheques),
            loi,
            {k: tuple(sorts[k]) for k in keys},
            tuple(cheques),
            dict(by_instrument),
        )
    return out


def cheque_sizes(amounts: Iterable[float]) -> dict[str, Any]:
    """count, min, p25, median, p75, max of amounts (USD); quantiles interpolate linearly."""
    a = np.asarray(list(amounts), dtype=np.float64)
    names = ("min", "p25", "median", "p75", "max")
    if a.size == 0:
        return {"count": 0} | dict.fromkeys(names)
    values = np.quantile(a, [0.0, 0.25, 0.5, 0.75, 1.0])
    return {"count": int(a.size)} | {k: float(v) for k, v in zip(names, values, strict=True)}


def _ledger_rows(rows: Iterable[Mapping[str, Any]] | None, path: StoreArg) -> list[Any]:
    if rows is not None:
        return list(rows)
    from critmin.ledger import ledger

    return list(ledger(path))


def _money_record(p: Project, m: Money) -> dict[str, Any]:
    need = p.capex_usd
    return {
        "project": p.project_id,
        "name": p.name,
        "mineral": p.mineral_id,
        "host": p.host_iso3,
        "current_phase": p.current_phase,
        "need_usd": need,
        "capex_year": p.capex_year,
        "committed_usd": m.committed_usd,
        "loi_usd": m.loi_usd,
        "gap_usd": None if need is None else need - m.committed_usd,
        "coverage": m.committed_usd / need if need else None,
        "rows": {k: list(v) for k, v in m.rows.items()},
        "cheques": cheque_sizes(m.cheques),
    }


SUMMED = (
    "need_usd",
    "committed_usd",
    "loi_usd",
    "gap_usd",
    "expected_need_usd",
    "expected_gap_usd",
    "public_at_risk_usd",
)


def _by_mineral(
    records: Sequence[Mapping[str, Any]], money: Mapping[str, Money]
) -> list[dict[str, Any]]:
    """Sum the numeric fields of project records by mineral (a missing need counts 0 in need
    and gap, and is counted in projects_need_unknown); coverage over projects with a need."""
    out: dict[str, dict[str, Any]] = {}
    fields = [f for f in SUMMED if any(f in r for r in records)]
    for r in records:
        g = out.setdefault(
            r["mineral"],
            {
                "mineral": r["mineral"],
                "projects": [],
                "projects_need_unknown": 0,
                "_known": 0.0,
                "_cheques": [],
            },
        )
        g["projects"].append(r["project"])
        g["projects_need_unknown"] += r["need_usd"] is None
        g["_known"] += 0.0 if r["need_usd"] is None else r["committed_usd"]
        g["_cheques"] += money[r["project"]].cheques
        for f in fields:
            g[f] = g.get(f, 0.0) + (r.get(f) or 0.0)
    for g in out.values():
        if g["projects_need_unknown"] == len(g["projects"]):  # no need known: no sums of it
            g.update({f: None for f in fields if "need" in f or "gap" in f})
        known = g.pop("_known")
        g["coverage"] = known / g["need_usd"] if g.get("need_usd") else None
        g["cheques"] = cheque_sizes(g.pop("_cheques"))
    return sorted(out.values(), key=lambda g: (-g["committed_usd"], g["mineral"]))


def gap(
    by: str = "project",
    path: StoreArg = None,
    projects_file: Path | str | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Funding gap: estimated need (the register's capex) vs public money committed.

    Per project: need_usd = capex_usd (announced; unknown = null); committed_usd and loi_usd
    as :func:`public_money`; gap_usd = need_usd - committed_usd; coverage = committed / need.
    Per mineral: sums over its projects; need and gap count projects with a known need only
    (``projects_need_unknown`` says how many lack one; their committed money stays in
    committed_usd). Cheques: :func:`cheque_sizes` of amount_usd over the committed rows.
    """
    if by not in GAP_KEYS:
        raise InputError(f"choose one of {', '.join(GAP_KEYS)}", field="by", value=by)
    projects = load_projects(projects_file)
    money = public_money(projects, _ledger_rows(rows, path))
    records = [_money_record(p, money[p.project_id]) for p in projects]
    every = list(money.values())
    return {
        "by": by,
        "rows": records if by == "project" else _by_mineral(records, money),
        "projects": len(projects),
        "need_usd": sum(p.capex_usd or 0.0 for p in projects),
        "committed_usd": sum(m.committed_usd for m in every),
        "letters_of_interest": {
            "amount_usd": sum(m.loi_usd for m in every),
            "included": False,
            "count": sum(len(m.rows["letter_of_interest"]) for m in every),
        },
        "cheques": cheque_sizes(c for m in every for c in m.cheques),
    }
