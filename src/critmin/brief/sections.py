"""The briefing's sections: each a short finding with numbers from the Python API, then
charts and tables. A section whose capability has not landed, or whose data are missing,
says so plainly instead of disappearing.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from critmin.brief import charts
from critmin.brief.config import BriefConfig


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict[str, Any]]


@dataclass
class Section:
    id: str
    title: str
    finding: list[str] = field(default_factory=list)  # paragraphs, already HTML-escaped
    figures: list[charts.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # gaps and caveats, escaped
    sources: set[str] = field(default_factory=set)
    facts: dict[str, Any] = field(default_factory=dict)  # numbers quoted in the text
    # sources cited by definitions (presets, scenarios) rather than by the store's tables
    extra_sources: list[dict[str, Any]] = field(default_factory=list)


def esc(value: Any) -> str:
    return html.escape(str(value))


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 1e9:
        return f"${x / 1e9:,.2f} billion"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.0f} million"
    return f"${x:,.0f}"


def name(mineral_id: str) -> str:
    return mineral_id.replace("_", " ")


def supply_section(cfg: BriefConfig) -> Section:
    """1. Who controls supply."""
    import critmin as cm
    from critmin.errors import CritminError

    s = Section("supply", "1. Who controls supply")
    mine = cm.concentration_all("mine")
    refine = cm.concentration_all("refine")
    dom = cm.dominance()
    by_mine = {r["mineral"]: r for r in mine}
    by_ref = {r["mineral"]: r for r in refine}
    for r in mine + refine:
        s.sources.update(r["sources"])
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
    s.finding.append(esc(text))
    if ree:
        s.facts["rare_earths_mine_china_share"] = ree["china_share"]
        s.facts["rare_earths_mine_year"] = ree["year"]
        line = (
            f"China mined {pct(ree['china_share'])} of the world's rare earths in {ree['year']} "
            f"({ree['world_total']:,.0f} t rare-earth oxide, HHI {ree['hhi']:,.0f})"
        )
        ref = by_ref.get("rare_earths")
        if ref:
            s.facts["rare_earths_refine_china_share"] = ref["china_share"]
            line += f" and refined {pct(ref['china_share'])} of magnet rare earths ({ref['year']})"
        s.finding.append(esc(line + "."))
    top = mine[:3]
    if top:
        s.finding.append(
            esc(
                "Most concentrated at the mine: "
                + "; ".join(
                    f"{name(r['mineral'])} (HHI {r['hhi']:,.0f}, "
                    f"{r['leader']} {pct(r['leader_share'])})"
                    for r in top
                )
                + "."
            )
        )
    maps = []
    for m in cfg.map_minerals:
        try:
            maps.append(cm.concentration(m, "mine", cfg.year))
        except CritminError as exc:
            if m not in by_ref:  # a refine-only mineral (gallium) is on the refinery map
                s.notes.append(esc(f"No map for {m}: {exc}"))
    if maps:
        s.figures.append(charts.share_map(maps, "mine"))
    ref_maps = [by_ref[m] for m in cfg.map_minerals if m in by_ref]
    if ref_maps:
        s.figures.append(charts.share_map(ref_maps, "refine"))
    s.figures.append(charts.hhi_ranking(mine, refine))
    s.figures.append(charts.dual_dominance(dom))
    s.tables.append(
        Table(
            "Dual dominance: minerals where one country leads both stages",
            [
                ("mineral", "mineral"),
                ("mine_leader", "mine leader"),
                ("mine_leader_share", "share"),
                ("refine_leader", "refine leader"),
                ("refine_leader_share", "share"),
                ("china_dual_dominance", "China min(mine, refine)"),
            ],
            [r for r in dom if r["refine_leader"] and r["mine_leader"]],
        )
    )
    controls = []
    for m in cfg.control_minerals:
        try:
            controls.append(cm.control(m, cfg.control_host))
        except CritminError as exc:
            s.notes.append(esc(f"No ownership control for {m} in {cfg.control_host}: {exc}"))
    if controls:
        s.figures.append(charts.control_bars(controls))
        for c in controls:
            s.sources.update(c["sources"])
            chn = next((r["share"] for r in c["by_owner_iso3"] if r["iso3"] == "CHN"), 0.0)
            s.facts[f"control_{c['mineral']}_{c['host_iso3']}_CHN"] = chn
            s.finding.append(
                esc(
                    f"Ownership: Chinese-owned stakes account for {pct(chn)} of "
                    f"{c['host_iso3']}'s {c['year']} {name(c['mineral'])} output in the asset "
                    f"register; {pct(c['unattributed_share'])} is unattributed (outside the "
                    "register or owner unknown)."
                )
            )
    return s


def controls_section(cfg: BriefConfig) -> Section:
    """2. Export controls and US exposure."""
    import critmin as cm

    s = Section("controls", "2. Export controls")
    today = dt.date.today()
    rows = cm.controls()
    since_2023 = [
        r for r in rows if (r["effective"] or r["announced"] or dt.date.min) >= dt.date(2023, 1, 1)
    ]
    active = [r for r in rows if r["status"] == "active"]
    suspended = [r for r in rows if r["status"] == "suspended"]
    chn = [r for r in since_2023 if r["imposing_iso3"] == "CHN"]
    s.sources.update(r["source_id"] for r in rows)
    s.facts.update(
        controls_since_2023=len(since_2023),
        controls_active=len(active),
        controls_suspended=len(suspended),
        china_controls_since_2023=len(chn),
    )
    s.finding.append(
        esc(
            f"The register holds {len(rows)} export restrictions; {len(since_2023)} started "
            "in 2023 or later, "
            f"{len(chn)} of them by China. On {today.isoformat()}, {len(active)} are in force and "
            f"{len(suspended)} suspended."
        )
    )
    lapsed = [
        r for r in rows if r["suspended_until"] and r["suspended_until"] < today and not r["lifted"]
    ]
    if lapsed:
        s.notes.append(
            esc(
                f"{len(lapsed)} suspensions ran out (latest "
                f"{max(r['suspended_until'] for r in lapsed)}) with no "
                "renewal recorded in the register; those controls count as in force again."
            )
        )
    s.figures.append(charts.controls_timeline(since_2023, today))
    exp = cm.exposure()
    scored = _collapse_members([r for r in exp if r["score"] is not None])
    s.facts["exposure_top"] = [(r["mineral"], r["score"]) for r in scored[:5]]
    if scored:
        s.finding.append(
            esc(
                "US exposure (net import reliance x share of world supply under an active "
                "control): highest for "
                + "; ".join(f"{name(r['mineral'])} ({r['score']:.2f})" for r in scored[:5])
                + "."
            )
        )
    s.figures.append(
        charts.bar(
            scored[:20],
            "score",
            "mineral",
            "US exposure score (0-1): net import reliance x controlled share",
            "score",
            fmt=".2f",
        )
    )
    missing = [r["mineral"] for r in exp if r["score"] is None]
    if missing:
        s.notes.append(
            esc(
                "No exposure score (missing net import reliance or production data): "
                + ", ".join(missing)
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
                ("score", "score"),
            ],
            scored[:20],
        )
    )
    return s


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
        key = (group, r["score"], r["controlled_share"], r["net_import_reliance"])
        if key in groups:
            groups[key]["members"].append(r["mineral"])
            continue
        merged = {**r, "members": [r["mineral"]]}
        groups[key] = merged
        out.append(merged)
    for r in out:
        members = r.get("members")
        if members and len(members) > 1:
            r["mineral"] = f"{name(str(r['nir_reported_as']))} ({len(members)} elements)"
    return sorted(out, key=lambda r: -r["score"])


def ledger_section(cfg: BriefConfig) -> Section:
    """3. What states committed."""
    from critmin import ledger

    s = Section("ledger", "3. What states committed")
    rows = ledger.ledger()
    current = ledger.latest(rows)
    s.sources.update(r["source_id"] for r in current)
    by_instr = ledger.summary("instrument", rows=rows)
    by_actor = ledger.summary("actor", rows=rows)
    by_agency = ledger.summary("agency", rows=rows)
    by_mineral = ledger.summary("mineral", rows=rows)
    loi = by_instr["letters_of_interest"]
    actors = {r["key"]: r["amount_usd"] for r in by_actor["rows"]}
    s.facts.update(
        ledger_rows=len(rows),
        ledger_current=len(current),
        ledger_total_usd=by_instr["total_usd"],
        ledger_loi_usd=loi["amount_usd"],
        ledger_usa_usd=actors.get("USA", 0.0),
        ledger_eu_usd=actors.get("EUU", 0.0),
    )
    s.finding.append(
        esc(
            f"The ledger records {len(current)} current commitments ({len(rows)} rows with "
            f"corrections) worth {usd(by_instr['total_usd'])} announced or committed, not "
            f"counting {usd(loi['amount_usd'])} in {loi['count']} letters of interest, which are "
            "shown apart. The United States accounts for "
            f"{usd(actors.get('USA', 0.0))}, EU institutions for {usd(actors.get('EUU', 0.0))}."
        )
    )
    rec = ledger.reconcile()
    ok = [r for r in rec if r["status"] == "matches"]
    s.facts["claims_matched"] = len(ok)
    s.facts["claims_total"] = len(rec)
    s.finding.append(
        esc(
            f"{len(ok)} of {len(rec)} headline figures reconcile to sourced ledger rows within "
            "10 %; the table "
            "below shows what the others lack."
        )
    )
    s.figures.append(
        charts.bar(
            by_instr["rows"],
            "amount_usd",
            "key",
            "Commitments by lever (USD billion)",
            "USD billion",
            scale=1e-9,
            fmt=",.2f",
        )
    )
    s.figures.append(
        charts.bar(
            by_agency["rows"][:15],
            "amount_usd",
            "key",
            "Largest agencies (USD billion)",
            "USD billion",
            scale=1e-9,
            fmt=",.2f",
        )
    )
    s.figures.append(
        charts.bar(
            by_mineral["rows"][:15],
            "amount_usd",
            "key",
            "By mineral (USD billion; multi-mineral commitments split equally)",
            "USD billion",
            scale=1e-9,
            fmt=",.2f",
        )
    )
    sizes = [
        r["amount_usd"]
        for r in current
        if r["amount_usd"] and not ledger.is_loi(r) and r["status"] != "cancelled"
    ]
    s.figures.append(
        charts.cheque_histogram(sizes, "Cheque sizes of committed and announced money")
    )
    s.tables.append(
        Table(
            "Headline figures vs the ledger",
            [
                ("claim", "claim"),
                ("expected_usd", "quoted (USD)"),
                ("ledger_usd", "in ledger (USD)"),
                ("status", "status"),
            ],
            rec,
        )
    )
    s.sources.update(r["source_id"] for r in rec)
    return s


def pending_section(sid: str, title: str, what: str) -> Section:
    s = Section(sid, title)
    s.notes.append(esc(f"Not available in this version of critmin: {what} has not landed yet."))
    return s


def floor_section(cfg: BriefConfig) -> Section:
    """4. What a price floor costs: the preset's Monte Carlo beside its closed form."""
    from critmin.sim.floor import analytic_cost, load_preset, simulate_floor

    s = Section("floor", "4. What a price floor costs")
    spec = load_preset(cfg.floor_preset)
    model = spec.model()
    res = simulate_floor(spec.contract, model, paths=cfg.floor_paths, seed=cfg.seed)
    d = res.to_dict()
    c = spec.contract
    s.facts.update(
        floor_expected_cost_usd=d["expected_cost_usd"],
        floor_pv_cost_usd=d["pv_cost_usd"],
        floor_p95_usd=d["p95_usd"],
        floor_prob_any_payout=d["prob_any_payout"],
        floor_analytic_usd=d["analytic_expected_cost_usd"],
    )
    s.finding.append(
        esc(
            f"{spec.title}: a floor of {c.floor:g} {c.currency}/{c.unit} for "
            f"{c.term_years:g} years. Starting from {model.spot:g} {c.currency}/{c.unit}, the "
            f"{model.kind.upper()} price model "
            f"gives an expected cost of {usd(d['expected_cost_usd'])} "
            f"({usd(d['pv_cost_usd'])} discounted), with a 1-in-20 outcome of {usd(d['p95_usd'])}; "
            f"the probability that the floor pays at all is {pct(d['prob_any_payout'])}."
        )
    )
    if d["analytic_expected_cost_usd"] is not None:
        s.finding.append(
            esc(
                f"Check: the closed form gives {usd(d['analytic_expected_cost_usd'])}; "
                "the Monte Carlo "
                f"figure lies {abs(d['mc_minus_analytic_in_stderr']):.1f} standard errors from it "
                f"({d['paths']:,} paths, seed {d['seed']})."
            )
        )
    other = "gbm" if model.kind == "ou" else "ou"
    if other in {m.kind for m in spec.models}:
        alt, _ = analytic_cost(c, spec.model(other))
        if alt is not None:
            s.facts["floor_other_model_analytic_usd"] = alt.nominal
            s.finding.append(
                esc(
                    f"Model risk: without mean reversion ({other.upper()}, same volatility) the "
                    f"expected cost is {usd(alt.nominal)} (closed form)."
                )
            )
    s.figures.append(
        charts.cost_histogram(
            d["histogram"]["edges_usd"],
            d["histogram"]["counts"],
            "Distribution of the ten-year cost across simulated price paths",
            {"mean": d["expected_cost_usd"], "p95": d["p95_usd"]},
        )
    )
    s.figures.append(
        charts.bar(
            [
                {"key": f"year {y['year']}", "v": y["expected_payout_usd"]}
                for y in reversed(d["yearly"])
            ],
            "v",
            "key",
            "Expected payout by contract year (USD million)",
            "USD million",
            scale=1e-6,
            fmt=",.0f",
        )
    )
    s.notes.extend(esc(a) for a in spec.assumptions)
    s.extra_sources.extend(
        {
            "source_id": src.source_id or f"{spec.name}-{i}",
            "publisher": src.publisher,
            "title": src.title,
            "url": src.url,
            "published": src.published,
        }
        for i, src in enumerate(spec.sources)
    )
    return s


def disruption_section(cfg: BriefConfig) -> Section:
    """5. What a cutoff does (critmin.sim.disruption) and what a stockpile buys
    (critmin.optimize.stockpile)."""
    from critmin.optimize.stockpile import plan
    from critmin.sim.disruption import run_scenario

    s = Section("disruption", "5. What a cutoff does and what a stockpile buys")
    sc = run_scenario(cfg.scenario, cfg.scenario_draws, cfg.seed)
    s.extra_sources.extend(
        {
            "source_id": src.get("source_id") or f"{sc['scenario']}-{i}",
            "publisher": src.get("publisher", ""),
            "title": src.get("title", ""),
            "url": src.get("url"),
            "published": src.get("published"),
        }
        for i, src in enumerate(sc["sources"])
    )
    ok = [m for m in sc["minerals"] if m["computable"]]
    for m in ok:
        s.facts[f"scenario_{m['mineral']}_shortfall_share_mean"] = m["shortfall_share"]["mean"]
        s.facts[f"scenario_{m['mineral']}_price_multiplier_p50"] = m["price_multiplier"]["p50"]
        s.finding.append(
            esc(
                f"{sc['title']}: the US would lack {pct(m['shortfall_share']['mean'])} of its "
                f"{name(m['mineral'])} supply on average over the episode (p95 "
                f"{pct(m['shortfall_share']['p95'])}, {m['shortfall_t']['mean']:,.0f} t), and the "
                f"price model puts the median price at {m['price_multiplier']['p50']:.1f}x its "
                f"pre-cut level (capped at {sc['price_cap']:g}x)."
            )
        )
    for m in sc["minerals"]:
        if not m["computable"]:
            s.notes.append(
                esc(f"{name(m['mineral'])}: not computable ({'; '.join(m['notes'][:1])}).")
            )
    s.tables.append(
        Table(
            f"Scenario {sc['scenario']} ({sc['draws']:,} draws, seed {sc['seed']})",
            [
                ("mineral", "mineral"),
                ("sf_mean", "shortfall, mean"),
                ("sf_p95", "shortfall, p95"),
                ("pm_p50", "price x, p50"),
                ("pm_p95", "price x, p95"),
                ("cover", "stockpile days, p50"),
            ],
            [
                {
                    "mineral": m["mineral"],
                    "sf_mean": m["shortfall_share"]["mean"],
                    "sf_p95": m["shortfall_share"]["p95"],
                    "pm_p50": m["price_multiplier"]["p50"],
                    "pm_p95": m["price_multiplier"]["p95"],
                    "cover": (m["days_cover"] or {}).get("p50") if m["days_cover"] else "no data",
                }
                for m in ok
            ],
        )
    )
    s.notes.append(
        esc(
            "Price multipliers come from P/P0 = (1 - shortfall)^(-1/elasticity) with a short-run "
            "elasticity tuned to the 2010-11 rare-earth episode; they are an order-of-magnitude "
            "guide, not a forecast (docs/disruption-and-stockpile.md)."
        )
    )
    st = plan(cfg.stockpile_budget_usd, None, None, cfg.stockpile_draws, cfg.seed)
    s.facts.update(
        stockpile_spent_usd=st["spent_usd"],
        stockpile_budget_usd=st["budget_usd"],
        stockpile_binding=st["budget_binding"],
        stockpile_unmet_before=st["expected_unmet_before"],
        stockpile_unmet_after=st["expected_unmet_after"],
    )
    spend = (
        f"the optimum spends only {usd(st['spent_usd'])}. That covers the expected shortfall of "
        "every bundled disruption within the one-year caps, so the rest of the budget buys no "
        "further protection against these scenarios"
        if not st["budget_binding"]
        else (
            "it spends the whole budget, with a marginal value of "
            f"{st['multiplier']:.3g} per dollar"
        )
    )
    s.finding.append(
        esc(
            f"A {usd(st['budget_usd'])} stockpile (Project Vault's $10 billion EXIM loan plus "
            "about $2 billion private) split to minimise the expected value of unmet US demand "
            f"across the bundled disruptions: {spend}."
        )
    )
    s.figures.append(
        charts.bar(
            st["allocations"],
            "days_cover",
            "mineral",
            "Stockpile plan: days of US consumption covered per mineral",
            "days",
            fmt=",.0f",
        )
    )
    if st.get("lp_check"):
        s.facts["stockpile_lp_gap"] = st["lp_check"]["relative_gap"]
        s.notes.append(
            esc(
                f"Exact water-filling optimum checked against the HiGHS linear programme: relative "
                f"gap {st['lp_check']['relative_gap']:.1e}."
            )
        )
    s.tables.append(
        Table(
            "Stockpile plan",
            [("mineral", "mineral"), ("tonnes", "tonnes"), ("usd", "USD"), ("days_cover", "days")],
            st["allocations"],
        )
    )
    return s


def pipeline_section(cfg: BriefConfig) -> Section:
    """6. Will it deliver: the project-pipeline Monte Carlo (critmin.sim.pipeline.run)."""
    from critmin.sim.pipeline import run

    s = Section("pipeline", "6. Will it deliver")
    res = run(draws=cfg.pipeline_draws, seed=cfg.seed)
    t = res["totals"]
    s.facts.update(
        pipeline_projects=t["projects"],
        pipeline_expected_on_plan=t["expected_projects_producing_by_plan"],
        pipeline_public_usd=t["public_usd_simulated"],
        pipeline_at_risk_usd=t["public_at_risk_usd"],
    )
    s.finding.append(
        esc(
            f"Of {t['simulated']} publicly backed projects with a planned start, "
            f"{t['expected_projects_producing_by_plan']:.1f} are expected to produce by their own "
            f"plan date ({res['draws']:,} draws, seed {res['seed']}). Of the "
            f"{usd(t['public_usd_simulated'])} committed to them, {usd(t['public_at_risk_usd'])} "
            f"({pct(t['share_at_risk'])}) backs output that does not start by {res['horizon']}."
        )
    )
    s.figures.append(
        charts.fan_chart(
            res["by_year"], "Delivered capacity vs the announced plan (p10-p90 band, median)"
        )
    )
    projects = sorted(res["projects"], key=lambda r: -(r["public_usd"] or 0.0))
    s.tables.append(
        Table(
            "Projects: odds of producing on time, and public money",
            [
                ("project", "project"),
                ("mineral", "mineral"),
                ("planned_start", "plan"),
                ("p_producing_by_plan", "P(on plan)"),
                ("expected_delay_years", "expected delay (y)"),
                ("public_usd", "public USD"),
                ("public_at_risk_usd", "at risk USD"),
            ],
            projects,
        )
    )
    if res["not_simulated"]:
        s.notes.append(
            esc(
                "Not simulated (no planned start in the register): "
                + ", ".join(r["project"] for r in res["not_simulated"])
                + "."
            )
        )
    s.notes.append(
        esc(
            "Stage success odds, delays and overruns come from cited studies where they exist "
            "and are marked as assumptions otherwise (docs/pipeline.md); projects are drawn "
            "independently, so the band for totals is narrower than a correlated shock would "
            "make it."
        )
    )
    return s


SECTIONS: list[tuple[str, Callable[[BriefConfig], Section]]] = [
    ("Who controls supply", supply_section),
    ("Export controls", controls_section),
    ("What states committed", ledger_section),
    ("What a price floor costs", floor_section),
    ("What a cutoff does", disruption_section),
    ("Will it deliver", pipeline_section),
]
