"""Briefing sections 3 and 6: what states committed, and whether the money will deliver."""

from __future__ import annotations

from critmin import names
from critmin.brief import charts
from critmin.brief.config import BriefConfig
from critmin.brief.section import Section, Table, cite, country, esc, pct, see_table, usd

# the ledger's charts sum the rows of the counted-commitments table, which cites each row
LEDGER_ROWS = {"source_table": "tab-ledger-rows"}


def ledger_section(cfg: BriefConfig) -> Section:
    """3. What states committed."""
    from critmin.capabilities.ledger import ledger_overview

    s = Section("ledger", "3. What states committed")
    view = ledger_overview().to_dict()
    n_rows, n_current = view["rows"], view["current"]
    s.sources.update(view["sources"])
    by_instr = view["by_instrument"]
    by_actor = view["by_actor"]
    by_agency = view["by_agency"]
    by_mineral = view["by_mineral"]
    loi = by_instr["letters_of_interest"]
    actors = {r["key"]: r["amount_usd"] for r in by_actor["rows"]}
    left = by_instr["unverified"]
    agg = by_instr["aggregates"]
    s.facts.update(
        ledger_rows=n_rows,
        ledger_current=n_current,
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
            f"The ledger records {n_current} current commitments ({n_rows} rows with "
            f"corrections) worth {usd(by_instr['total_usd'])} announced or committed on a "
            f"primary or press source, not counting {usd(loi['amount_usd'])} in {loi['count']} "
            "letters of interest, which are shown apart. The United States accounts for "
            f"{usd(actors.get('USA', 0.0))}, EU institutions for {usd(actors.get('EUU', 0.0))}."
        )
        + see_table("tab-ledger-rows", "rows with sources")
    )
    if left["count"]:
        parts = ", ".join(
            f"{country(a['actor'])} {a['count']} rows ({usd(a['amount_usd'])})"
            for a in left["by_actor"]
        )
        s.finding.append(
            esc(
                f"Left out: {left['count']} rows worth {usd(left['amount_usd'])} whose source is "
                f"unverified (an aggregator, an estimate or a third-party copy): {parts}."
            )
            + cite(view["unverified_sources"])
        )
    if agg["count"]:
        s.finding.append(
            esc(
                f"Publisher aggregates ({agg['count']} rows, {usd(agg['amount_usd'])}) are "
                "shown apart and never added to the totals."
            )
            + cite(view["aggregate_sources"])
        )
    rec = view["reconcile"]
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
        + see_table("tab-ledger-0", "table with sources")
    )
    s.figures.append(
        charts.bar(
            by_instr["rows"],
            "amount_usd",
            "key",
            "Commitments by lever (USD billion)",
            "USD billion (nominal)",
            scale=1e-9,
            fmt=",.2f",
            ytitle="instrument",
            unstated="no amount stated",
        )
        | LEDGER_ROWS
    )
    s.figures.append(
        charts.bar(
            by_agency["rows"][:15],
            "amount_usd",
            "key",
            "Largest agencies (USD billion)",
            "USD billion (nominal)",
            scale=1e-9,
            fmt=",.2f",
            ytitle="agency",
            label=names.agency,
        )
        | LEDGER_ROWS
    )
    s.figures.append(
        charts.bar(
            by_mineral["rows"][:15],
            "amount_usd",
            "key",
            "By mineral (USD billion; multi-mineral commitments split equally)",
            "USD billion (nominal)",
            scale=1e-9,
            fmt=",.2f",
            ytitle="mineral",
            label=names.mineral,
            unstated="no amount stated",
        )
        | LEDGER_ROWS
    )
    sizes = view["cheques"]
    s.facts["cheque_count"] = view["cheque_count"]
    s.figures.append(
        charts.cheque_sizes(sizes, f"Cheque sizes: {len(sizes)} commitments that state an amount")
        | LEDGER_ROWS
    )
    s.tables.append(
        Table(
            "Headline figures vs the ledger",
            [
                ("text", "claim"),
                ("expected_usd", "quoted"),
                ("ledger_usd", "in ledger"),
                ("status", "status"),
                ("missing", "what the ledger lacks"),
            ],
            [{**r, "missing": "; ".join(r["missing"])} for r in rec],
            source="source_id",
            formats={
                "text": "quote",
                "expected_usd": "usd",
                "ledger_usd": "usd",
                "status": "words",
            },
        )
    )
    shown = view["counted"]
    s.tables.append(
        Table(
            f"Counted commitments ({len(shown)} current rows on a primary or press source)",
            [
                ("date", "date"),
                ("actor_iso3", "actor"),
                ("agency", "agency"),
                ("instrument", "instrument"),
                ("amount_usd", "amount"),
                ("recipient", "recipient"),
                ("host_iso3", "host"),
                ("mineral_ids", "minerals"),
                ("status", "status"),
            ],
            shown,
            source="source_id",
            id="tab-ledger-rows",
            formats={
                "recipient": "verbatim",
                "actor_iso3": "country",
                "agency": "agency",
                "host_iso3": "country",
                "amount_usd": "usd",
                "instrument": "words",
                "mineral_ids": "mineral",
                "status": "words",
            },
        )
    )
    s.sources.update(r["source_id"] for r in rec)
    return s


def pipeline_section(cfg: BriefConfig) -> Section:
    """6. Will it deliver: the project-pipeline Monte Carlo (critmin.capabilities.pipeline)."""
    from critmin.capabilities.pipeline import (
        pipeline_backtest,
        pipeline_cohort,
        pipeline_projects,
        pipeline_run,
    )

    s = Section("pipeline", "6. Will it deliver")
    res = pipeline_run(draws=cfg.pipeline_draws, seed=cfg.seed).to_dict()
    t = res["totals"]
    s.facts.update(
        pipeline_projects=t["projects"],
        pipeline_expected_on_plan=t["expected_projects_producing_by_plan"],
        pipeline_public_usd=t["public_usd_simulated"],
        pipeline_at_risk_usd=t["public_at_risk_usd"],
        pipeline_expected_loss_usd=t["loss"]["expected_usd"],
        pipeline_loss_p90_usd=t["loss"]["p90_usd"],
    )
    s.facts.update(
        pipeline_projects_registered=t["projects"],
        pipeline_projects_simulated=t["simulated"],
        pipeline_public_usd_all=t["public_usd"],
    )
    unsimulated = t["public_usd"] - t["public_usd_simulated"]
    s.finding.append(
        esc(
            f"The project register lists {t['projects']} publicly backed projects with "
            f"{usd(t['public_usd'])} of public money committed (letters of interest apart); "
            f"{t['simulated']} of them have a planned start and are simulated, holding "
            f"{usd(t['public_usd_simulated'])}"
            + (
                f" (the other {t['projects'] - t['simulated']} hold {usd(unsimulated)})"
                if t["projects"] > t["simulated"]
                else ""
            )
            + f". Of the {t['simulated']}, "
            f"{t['expected_projects_producing_by_plan']:.1f} are expected to produce by their own "
            f"plan date ({res['draws']:,} draws, seed {res['seed']}); "
            f"{usd(t['public_at_risk_usd'])} ({pct(t['share_at_risk'])} of the money simulated) "
            f"backs output that does not start by {res['horizon']}. `critmin pipeline run` "
            "states the same two scopes. Counted by what each instrument loses when its project "
            "fails (a grant is spent, a loan recovers part, an offtake pays only on delivery), "
            f"the expected loss is {usd(t['loss']['expected_usd'])}, and "
            f"{usd(t['loss']['p90_usd'])} in one draw of ten (p90), with failures of one "
            "mineral's projects correlated through its price."
        )
        + see_table("tab-pipeline-projects", "projects with sources")
    )
    bt = pipeline_backtest(draws=cfg.pipeline_draws, seed=cfg.seed, leave_one_out=False)["backtest"]
    cohort_sources = sorted({r["list_source_id"] for r in pipeline_cohort().rows()})
    s.sources.update(cohort_sources)
    s.facts.update(pipeline_backtest_error_pp=bt["error_pp"])
    s.finding.append(
        esc(
            f"How far to trust it: on the {bt['projects']} rare-earth projects outside China "
            f"listed as advanced in 2012, the model predicts {pct(bt['predicted_share'])} "
            f"producing within ten years (p5-p95 {pct(bt['predicted_p5'])}-"
            f"{pct(bt['predicted_p95'])}); {pct(bt['observed_share'])} did. Its study-phase "
            "odds were fitted on that cohort, which is all the history bundled so far "
            "(critmin pipeline backtest)."
        )
        + cite(cohort_sources)
    )
    s.figures.append(
        charts.fan_chart(
            res["by_year"], "Delivered capacity vs the announced plan (p10-p90 band, median)"
        )
        | {"source_table": "tab-pipeline-projects"}
    )
    register = {p["project_id"]: p for p in pipeline_projects().rows()}
    for p in register.values():
        s.extra_sources.append(
            {
                "source_id": f"project-{p['project_id']}",
                "publisher": p["publisher"],
                "title": p["source_title"],
                "url": p["source_url"],
                "published": p["published"],
            }
        )
    projects = sorted(res["projects"], key=lambda r: -(r["public_usd"] or 0.0))
    s.tables.append(
        Table(
            f"Projects simulated ({len(projects)}): odds of producing on time, and public money",
            [
                ("name", "project"),
                ("mineral", "mineral"),
                ("host", "host"),
                ("planned_start", "plan"),
                ("p_producing_by_plan", "P(on plan)"),
                ("expected_delay_years", "expected delay (years)"),
                ("public_usd", "public money"),
                ("public_at_risk_usd", "face value at risk"),
                ("expected_loss_usd", "expected loss"),
            ],
            [{**r, "sources": [f"project-{r['project']}"]} for r in projects],
            source="sources",
            id="tab-pipeline-projects",
            formats={
                "mineral": "mineral",
                "host": "country",
                "p_producing_by_plan": "pct",
                "expected_delay_years": ".1f",
                "public_usd": "usd",
                "public_at_risk_usd": "usd",
                "expected_loss_usd": "usd",
            },
        )
    )
    if res["not_simulated"]:
        s.notes.append(
            esc(
                "Registered but not simulated (no planned start in the register): "
                + ", ".join(
                    f"{register.get(r['project'], {}).get('name', r['project'])}"
                    f" ({usd(r['public_usd'])})"
                    for r in res["not_simulated"]
                )
                + "."
            )
            + cite(f"project-{r['project']}" for r in res["not_simulated"])
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
