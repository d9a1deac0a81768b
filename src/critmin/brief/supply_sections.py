"""Briefing sections 1-2: who controls supply, export controls and US exposure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from critmin import names
from critmin.brief import charts
from critmin.brief.config import BriefConfig
from critmin.brief.section import Section, Table, cite, country, esc, name, pct, see_table


def supply_section(cfg: BriefConfig) -> Section:
    """1. Who controls supply."""
    from critmin.capabilities import supply as cap
    from critmin.errors import CritminError

    s = Section("supply", "1. Who controls supply")
    all_mine = cap.concentration_all(stage="mine").to_dict()
    all_refine = cap.concentration_all(stage="refine").to_dict()
    # a stage without country figures states no HHI (reason in words): left out of the counts
    mine = [r for r in all_mine if r["hhi"] is not None]
    refine = [r for r in all_refine if r["hhi"] is not None]
    dom = cap.dominance().to_dict()
    by_mine = {r["mineral"]: r for r in mine}
    by_ref = {r["mineral"]: r for r in refine}
    for r in all_mine + all_refine:
        s.sources.update(r["sources"])
    for stage, rows in (("mine", all_mine), ("refine", all_refine)):
        s.notes.extend(
            esc(f"{name(r['mineral'])}, {stage} {r['year']}: {names.in_words(r['reason'])}.")
            for r in rows
            if r["hhi"] is None
        )
    high = [r for r in mine if r["hhi_band"] == "high"]
    china_lead_mine = [r["mineral"] for r in mine if r["leader"] == "CHN"]
    china_lead_ref = [r["mineral"] for r in refine if r["leader"] == "CHN"]
    s.facts.update(
        minerals_with_mine_data=len(mine),
        minerals_with_refine_data=len(refine),
        highly_concentrated_mine=len(high),
        china_leads_mine=len(china_lead_mine),
        china_leads_refine=len(china_lead_ref),
    )
    ree = by_mine.get("rare_earths")
    text = (
        f"Of the {len(mine)} minerals (or groups) with world mine-production data, "
        f"{len(high)} are highly concentrated (HHI above 1 800). China is the leading miner of "
        f"{len(china_lead_mine)} of them and the leading refiner of {len(china_lead_ref)} of the "
        f"{len(refine)} with refinery data."
    )
    s.finding.append(esc(text) + cite(src for r in mine + refine for src in r["sources"]))
    if ree:
        s.facts["rare_earths_mine_china_share"] = ree["china_share"]
        s.facts["rare_earths_mine_year"] = ree["year"]
        line = (
            f"China mined {pct(ree['china_share'])} of the world's rare earths in {ree['year']} "
            f"(of {ree['world_total']:,.0f} t rare-earth oxide, the {ree['denominator']}; "
            f"HHI {ree['hhi']:,.0f})"
        )
        ref = by_ref.get("rare_earths")
        ids = list(ree["sources"])
        if ref:
            s.facts["rare_earths_refine_china_share"] = ref["china_share"]
            ids += ref["sources"]
            line += f" and refined {pct(ref['china_share'])} of magnet rare earths ({ref['year']})"
        s.finding.append(esc(line + ".") + cite(ids))
    top = mine[:3]
    if top:
        s.finding.append(
            esc(
                "Most concentrated at the mine: "
                + "; ".join(
                    f"{name(r['mineral'])} (HHI {r['hhi']:,.0f}, "
                    f"{country(r['leader'])} {pct(r['leader_share'])})"
                    for r in top
                )
                + "."
            )
            + cite(src for r in top for src in r["sources"])
        )
    maps = []
    for m in cfg.map_minerals:
        try:
            res = cap.concentration(mineral=m, stage="mine", year=cfg.year).to_dict()
            if res["hhi"] is None:
                s.notes.append(esc(f"No map for {name(m)}: {names.in_words(res['reason'])}"))
            else:
                maps.append(res)
        except CritminError as exc:
            if m not in by_ref:  # a refine-only mineral (gallium) is on the refinery map
                s.notes.append(esc(f"No map for {name(m)}: {exc}"))
    if maps:
        s.figures.append(charts.share_map(maps, "mine"))
    ref_maps = [by_ref[m] for m in cfg.map_minerals if m in by_ref]
    if ref_maps:
        s.figures.append(charts.share_map(ref_maps, "refine"))
    s.figures.append(charts.hhi_ranking(all_mine, all_refine))
    stage_sources = {
        (r["mineral"], stage): r["sources"]
        for stage, rows in (("mine", mine), ("refine", refine))
        for r in rows
    }
    dual = charts.dual_dominance(dom)
    dual["sources"] = sorted(
        {
            src
            for r in dom
            if r["mine_china_share"] is not None and r["refine_china_share"] is not None
            for stage in ("mine", "refine")
            for src in stage_sources.get((r["mineral"], stage), [])
        }
    )
    s.figures.append(dual)
    same = [r for r in dom if r["mine_leader"] and r["mine_leader"] == r["refine_leader"]]
    s.facts["one_leader_both_stages"] = [(r["mineral"], r["mine_leader"]) for r in same]
    s.tables.append(
        Table(
            "Minerals where one country leads both mining and refining",
            [
                ("mineral", "mineral"),
                ("mine_leader", "leader at both stages"),
                ("mine_leader_share", "share of mining"),
                ("refine_leader_share", "share of refining"),
                ("china_dual_dominance", "China, lower of its two shares"),
            ],
            [
                {
                    **r,
                    "sources": stage_sources.get((r["mineral"], "mine"), [])
                    + stage_sources.get((r["mineral"], "refine"), []),
                }
                for r in same
            ],
            source="sources",
            formats={
                "mineral": "mineral",
                "mine_leader": "country",
                "mine_leader_share": "pct",
                "refine_leader_share": "pct",
                "china_dual_dominance": "pct",
            },
        )
    )
    split = [
        r
        for r in dom
        if r["mine_leader"] and r["refine_leader"] and r["mine_leader"] != r["refine_leader"]
    ]
    if split:
        s.notes.append(
            esc(
                "Different leaders at the two stages: "
                + "; ".join(
                    f"{name(r['mineral'])} (mined most in {country(r['mine_leader'])}, "
                    f"refined most in {country(r['refine_leader'])})"
                    for r in split
                )
                + "."
            )
        )
    controls = []
    for m in cfg.control_minerals:
        try:
            controls.append(cap.control(mineral=m, host=cfg.control_host).to_dict())
        except CritminError as exc:
            s.notes.append(
                esc(f"No ownership control for {name(m)} in {country(cfg.control_host)}: {exc}")
            )
    if controls:
        s.figures.append(charts.control_bars(controls))
        for c in controls:
            s.sources.update(c["sources"])
            chn = next((r["share"] for r in c["by_owner_iso3"] if r["iso3"] == "CHN"), 0.0)
            s.facts[f"control_{c['mineral']}_{c['host_iso3']}_CHN"] = chn
            s.finding.append(
                esc(
                    f"Ownership: Chinese-owned stakes account for {pct(chn)} of "
                    f"{country(c['host_iso3'])}'s {c['year']} {name(c['mineral'])} output in the "
                    "asset "
                    f"register (stakes in force on {c['as_of']}); "
                    f"{pct(c['unattributed_share'])} is unattributed (outside the register or "
                    "owner unknown)"
                    + (
                        f"; {len(c['open_start'])} of the stakes used have an unknown start date."
                        if c["open_start"]
                        else "."
                    )
                )
                + cite(c["sources"])
            )
            try:
                request = {"mineral": c["mineral"], "host": c["host_iso3"], "on": c["as_of"]}
                proj = cap.control(**request, by="projects").to_dict()
            except CritminError:
                continue
            s.facts[f"projects_{c['mineral']}_{c['host_iso3']}_CHN"] = proj["share"]
            s.finding.append(
                esc(
                    f"By project count: {proj['projects_with_stake']} of the {proj['projects']} "
                    f"registered {name(c['mineral'])} mining projects in "
                    f"{country(c['host_iso3'])} ({pct(proj['share'])}) have a Chinese stake on "
                    f"{proj['as_of']}."
                )
                + cite(proj.get("sources") or c["sources"])
            )
    return s


def controls_section(cfg: BriefConfig) -> Section:
    """2. Export controls and US exposure."""
    from critmin.capabilities import supply as cap

    s = Section("controls", "2. Export controls")
    today = dt.date.today()
    rows = cap.controls().dated_rows()  # dates as dates: the timeline and the sort need them
    since_2023 = [
        r for r in rows if (r["effective"] or r["announced"] or dt.date.min) >= dt.date(2023, 1, 1)
    ]
    active = [r for r in rows if r["status"] == "active"]
    suspended = [r for r in rows if r["status"] == "suspended"]
    unconfirmed = [r for r in rows if r["status"] == "unconfirmed"]
    chn = [r for r in since_2023 if r["imposing_iso3"] == "CHN"]
    s.sources.update(src for r in rows for src in r["sources"])
    s.facts.update(
        controls_since_2023=len(since_2023),
        controls_active=len(active),
        controls_suspended=len(suspended),
        controls_unconfirmed=len(unconfirmed),
        china_controls_since_2023=len(chn),
    )
    s.finding.append(
        esc(
            f"The register holds {len(rows)} export restrictions; {len(since_2023)} started "
            "in 2023 or later, "
            f"{len(chn)} of them by China. On {today.isoformat()}, {len(active)} are in force "
            f"(the oldest from {_oldest(active)}), "
            f"{len(suspended)} suspended and {len(unconfirmed)} of unconfirmed status. The "
            "timeline draws every control with a recorded start date, whatever its year."
        )
        + see_table("tab-controls-1", "register below")
    )
    if unconfirmed:
        s.notes.append(
            esc(
                f"{len(unconfirmed)} controls are unconfirmed: their suspension ended (latest "
                f"{max(r['status_since'] for r in unconfirmed)}) and the register records no "
                "renewal, extension or lapse since; they are neither in force nor lifted. "
                "The exposure ranking shows the range: the low score leaves them out, the high "
                "score counts them (" + "; ".join(_control_words(r) for r in unconfirmed) + ")."
            )
            + cite(src for r in unconfirmed for src in r["sources"])
        )
    s.figures.append({**charts.controls_timeline(rows, today), "source_table": "tab-controls-1"})
    undated = [r for r in rows if not (r["effective"] or r["announced"])]
    if undated:
        s.notes.append(
            esc(
                "Not on the timeline (no announcement or start date in the register): "
                + "; ".join(f"{_control_words(r)}, {names.words(r['status'])}" for r in undated)
                + "."
            )
            + cite(src for r in undated for src in r["sources"])
        )
    by_id = {r["control_id"]: r for r in rows}
    exp = cap.exposure().to_dict()
    scored = _collapse_members([r for r in exp if r["score"] is not None])
    s.facts["exposure_top"] = [(r["mineral"], r["score"]) for r in scored[:5]]
    s.facts["exposure_top_high"] = [(r["mineral"], r["score_high"]) for r in scored[:5]]
    if scored:
        s.finding.append(
            esc(
                "US exposure (net import reliance x share of world supply under an active "
                "control; in brackets the upper bound that also counts controls of "
                "unconfirmed status): highest for "
                + "; ".join(f"{name(r['mineral'])} ({_score_range(r)})" for r in scored[:5])
                + "."
            )
            + see_table("tab-controls-0", "table with sources")
        )
    s.figures.append(
        charts.bar(
            scored[:20],
            "score",
            "mineral",
            "US exposure score (0-1), lower bound: net import reliance x share under active "
            "controls",
            "exposure score (0-1, dimensionless)",
            fmt=".2f",
            ytitle="mineral",
            label=_mineral_label,
        )
        | {"source_table": "tab-controls-0"}
    )
    missing = [r["mineral"] for r in exp if r["score"] is None]
    if missing:
        s.notes.append(
            esc(
                "No exposure score (missing net import reliance or production data): "
                + ", ".join(name(m) for m in missing)
                + "."
            )
        )
    s.tables.append(
        Table(
            "Exposure ranking",
            [
                ("mineral", "mineral"),
                ("net_import_reliance", "US net import reliance"),
                ("controlled_share", "controlled share"),
                ("controlled_stage", "stage"),
                ("score_low", "score (low)"),
                ("score_high", "score (high)"),
                ("unconfirmed_controls", "unconfirmed controls (in the high score only)"),
            ],
            [
                {
                    **r,
                    "mineral": _mineral_label(r["mineral"]),
                    "unconfirmed_controls": "; ".join(
                        _control_words(by_id[c]) if c in by_id else c
                        for c in r.get("unconfirmed_controls") or []
                    ),
                }
                for r in scored[:20]
            ],
            source="sources",
            formats={
                "net_import_reliance": "pct",
                "controlled_share": "pct",
                "controlled_stage": "words",
            },
        )
    )
    s.tables.append(
        Table(
            "Export-control register",
            [
                ("imposing_iso3", "imposed by"),
                ("mineral_ids", "minerals"),
                ("measure", "measure"),
                ("start", "from"),
                ("status", "status"),
                ("lifted", "lifted"),
            ],
            [
                {**r, "start": r["effective"] or r["announced"] or "not recorded"}
                for r in sorted(
                    rows,
                    key=lambda r: r["effective"] or r["announced"] or dt.date.min,
                    reverse=True,
                )
            ],
            source="sources",
            formats={
                "imposing_iso3": "country",
                "mineral_ids": "mineral",
                "measure": "words",
                "status": "words",
            },
        )
    )
    return s


def _oldest(rows: list[dict[str, Any]]) -> str:
    dates = [r["effective"] or r["announced"] for r in rows if r["effective"] or r["announced"]]
    return min(dates).isoformat() if dates else "an unrecorded date"


def _control_words(r: dict[str, Any]) -> str:
    """A control in words: 'China: gallium, germanium (licence requirement, 2023-08-01)'."""
    start = r["effective"] or r["announced"]
    minerals = ", ".join(name(m) for m in r["mineral_ids"][:4])
    more = " ..." if len(r["mineral_ids"]) > 4 else ""
    when = f", {start.isoformat()}" if start else ""
    return (
        f"{country(r['imposing_iso3'])}: {minerals}{more} ({r['measure'].replace('_', ' ')}{when})"
    )


def _mineral_label(m: str) -> str:
    """A mineral id, or a collapsed group's label (already words), as the brief prints it."""
    return m if " " in m else names.mineral(m)


def _score_range(r: dict[str, Any]) -> str:
    """An exposure score as the brief writes it: one number, or low to high."""
    low, high = r["score_low"], r["score_high"]
    if high is None or abs(high - low) < 0.005:
        return f"{low:.2f}"
    return f"{low:.2f} to {high:.2f}"


def _collapse_members(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row for the members of a group that carry the group's identical figures
    (fourteen rare earths share one net import reliance and one controlled share)."""
    out: list[dict[str, Any]] = []
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        group = r.get("nir_reported_as")
        if not group:
            out.append(r)
            continue
        key = (
            group,
            r["score"],
            r["score_high"],
            r["controlled_share"],
            r["net_import_reliance"],
        )
        if key in groups:
            groups[key]["members"].append(r["mineral"])
            continue
        merged = {**r, "members": [r["mineral"]]}
        groups[key] = merged
        out.append(merged)
    for r in out:
        members = r.get("members")
        if members and len(members) > 1:
            r["mineral"] = f"{names.mineral(str(r['nir_reported_as']))} ({len(members)} elements)"
    return sorted(out, key=lambda r: -r["score"])
