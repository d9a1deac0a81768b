"""Briefing sections 3 and 6: what states committed, and whether the money will deliver."""

from __future__ import annotations

from critmin.brief import charts
from critmin.brief.config import BriefConfig
from critmin.brief.section import Section, Table, esc, pct, usd


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
    left = by_instr["unverified"]
    agg = by_instr["aggregates"]
    s.facts.update(
        ledger_rows=len(rows),
        ledger_current=len(current),
        ledger_total_usd=by_instr["total_usd"],
        ledger_loi_usd=loi["amount_usd"],
        ledger_usa_usd=actors.get("USA", 0.0),
        ledger_eu_usd=actors.get("EUU", 0.0),
        ledger_unverified_usd=left["amount_usd"],
        ledger_unverified_count=left["count"],
        ledger_aggregates_usd=agg["amount_usd"],
    )
    s.finding.append(
        esc(
            f"The ledger records {len(current)} current commitments ({len(rows)} rows with "
            f"corrections) worth {usd(by_instr['total_usd'])} announced or committed on a "
            f"primary or press source, not counting {usd(loi['amount_usd'])} in {loi['count']} "
            "letters of interest, which are shown apart. The United States accounts for "
            f"{usd(actors.get('USA', 0.0))}, EU institutions for {usd(actors.get('EUU', 0.0))}."
        )
    )
    if left["count"]:
        parts = ", ".join(
            f"{a['actor']} {a['count']} rows ({usd(a['amount_usd'])})" for a in left["by_actor"]
        )
        s.finding.append(
            esc(
                f"Left out: {left['count']} rows worth {usd(left['amount_usd'])} whose source is "
                f"unverified (an aggregator, an estimate or a third-party copy): {parts}."
            )
        )
    if agg["count"]:
        s.finding.append(
            esc(
                f"Publisher aggregates ({agg['count']} rows, {usd(agg['amount_usd'])}) are "
                "shown apart and never added to the totals."
            )
        )
    rec = ledger.reconcile()
    ok = [r for r in rec if r["status"] == "matches"]
    with_amount = [r for r in rec if r["status"] != "no amount to compare"]
    s.facts["claims_matched"] = len(ok)
    s.facts["claims_total"] = len(rec)
    s.facts["claims_with_amount"] = len(with_amount)
    s.finding.append(
        esc(
            f"{len(ok)} of {len(with_amount)} headline figures that state an amount reconcile "
            "to ledger rows on a primary or press source within their tolerance; the table "
            "below names what the others lack."
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
        if r["amount_usd"]
        and not ledger.is_loi(r)
        and r["status"] not in ledger.DEAD_STATUSES
        and r["instrument"] != ledger.AGGREGATE
        and ledger.is_counted(r)
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
                ("missing", "what the ledger lacks"),
            ],
            [{**r, "missing": "; ".join(r["missing"])} for r in rec],
        )
    )
    s.sources.update(r["source_id"] for r in rec)
    return s


def pipeline_section(cfg: BriefConfig) -> Section:
    """6. Will it deliver: the project-pipeline Monte Carlo (critmin.sim.pipeline.run)."""
    from critmin.sim.pipeline import run
    from critmin.sim.pipeline_cohort import backtest as cohort_backtest

    s = Section("pipeline", "6. Will it deliver")
    res = run(draws=cfg.pipeline_draws, seed=cfg.seed)
    t = res["totals"]
    s.facts.update(
        pipeline_projects=t["projects"],
        pipeline_expected_on_plan=t["expected_projects_producing_by_plan"],
        pipeline_public_usd=t["public_usd_simulated"],
        pipeline_at_risk_usd=t["public_at_risk_usd"],
        pipeline_expected_loss_usd=t["loss"]["expected_usd"],
        pipeline_loss_p90_usd=t["loss"]["p90_usd"],
    )
    s.finding.append(
        esc(
            f"Of {t['simulated']} publicly backed projects with a planned start, "
            f"{t['expected_projects_producing_by_plan']:.1f} are expected to produce by their own "
            f"plan date ({res['draws']:,} draws, seed {res['seed']}). Of the "
            f"{usd(t['public_usd_simulated'])} committed to them, {usd(t['public_at_risk_usd'])} "
            f"({pct(t['share_at_risk'])}) backs output that does not start by {res['horizon']}. "
            f"Counted by what each instrument loses when its project fails (a grant is spent, "
            f"a loan recovers part, an offtake pays only on delivery), the expected loss is "
            f"{usd(t['loss']['expected_usd'])}, and {usd(t['loss']['p90_usd'])} in one draw of "
            f"ten (p90), with failures of one mineral's projects correlated through its price."
        )
    )
    bt = cohort_backtest(draws=cfg.pipeline_draws, seed=cfg.seed)
    s.facts.update(pipeline_backtest_error_pp=bt["error_pp"])
    s.finding.append(
        esc(
            f"How far to trust it: on the {bt['projects']} rare-earth projects outside China "
            f"listed as advanced in 2012, the model predicts {pct(bt['predicted_share'])} "
            f"producing within ten years (p5-p95 {pct(bt['predicted_p5'])}-"
            f"{pct(bt['predicted_p95'])}); {pct(bt['observed_share'])} did. Its study-phase "
            f"odds were fitted on that cohort, which is all the history bundled so far "
            f"(critmin pipeline backtest)."
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
                ("public_at_risk_usd", "face value at risk USD"),
                ("expected_loss_usd", "expected loss USD"),
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
