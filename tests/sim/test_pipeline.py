"""Project-pipeline Monte Carlo (Q8): register, stage model, engine, outputs, funding gap."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from scipy import stats
from typer.testing import CliRunner

from critmin.cli.pipeline import gap_cmd, register
from critmin.errors import InputError
from critmin.sim import pipeline as pl

REFERENCE = Path(pl.__file__).parents[1] / "data" / "reference"


def _seed_rows() -> list[dict[str, Any]]:
    """The seeded ledger rows as critmin.ledger.ledger() returns them (the fields used here)."""
    with (REFERENCE / "interventions" / "seed.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["amount_usd"] = float(r["amount_usd"]) if r["amount_usd"] else None
        r["supersedes"] = r["supersedes"] or None
    return rows


def _ids(table: str, column: str) -> set[str]:
    out: set[str] = set()
    for f in (REFERENCE / table).glob("*.csv"):
        with f.open(encoding="utf-8") as fh:
            out |= {r[column] for r in csv.DictReader(fh)}
    return out


def _certain_model() -> pl.StageModel:
    """Every phase certain and on time, instant ramp-up, no overrun."""
    zero = {"kind": "fixed", "value": 0.0, "assumption": "test"}
    sure = {"value": 1.0, "assumption": "test"}
    phase = {"p_success": sure, "delay_years": zero}
    return pl.load_stage_model(
        overrides={
            "phases": {p: phase for p in pl.PRE_PRODUCTION}
            | {"construction": {**phase, "capex_overrun": {**zero, "value": 1.0}}},
            "ramp_up": {"p_success": sure, "duration_years": zero, "plateau": sure},
        }
    )


def _project(**kw: Any) -> pl.Project:
    base = {
        "project_id": "test-mine", "name": "Test mine", "sponsor": "Test Co", "mineral_id": "tin",
        "host_iso3": "AUS", "stage": "mine", "current_phase": "construction",
        "product": "tin in concentrate", "planned_capacity_t": "1000", "planned_start": "2028-03",
        "capex_usd": "500000000", "capex_year": "2025", "ledger_ids": "",
        "source_url": "https://example.org/test", "source_title": "Test", "publisher": "Test",
        "published": "2025",
    }  # fmt: skip
    return pl.Project.model_validate(base | kw)


# -- the register and the stage model ---------------------------------------------------------


def test_register_is_sourced_and_resolves() -> None:
    projects = pl.load_projects()
    assert len(projects) >= 25
    assert sum(1 for p in projects if p.planned_start) >= 25
    minerals, countries = _ids("minerals", "mineral_id"), _ids("countries", "iso3")
    ledger_ids = {r["id"] for r in _seed_rows()}
    for p in projects:
        assert p.mineral_id in minerals, p.project_id
        assert p.host_iso3 in countries, p.project_id
        assert set(p.ledger_ids) <= ledger_ids, p.project_id
        assert p.source_url.startswith("http") and p.publisher and p.published
    money = pl.public_money(projects, _seed_rows())
    assert sum(m.committed_usd for m in money.values()) > 10e9  # the headline: over $10B linked


def test_stage_model_parameters_are_cited_and_calibrated() -> None:
    m = pl.load_stage_model()
    for phase in m.phases.values():
        for param in (phase.p_success, phase.delay_years, phase.capex_overrun):
            assert param is None or param.source or param.assumption
    # Schodde 2014: 45 % of discoveries became mines
    chance = np.prod([m.phases[p].p_success.value for p in pl.PRE_PRODUCTION])
    assert chance == pytest.approx(0.45, abs=0.005)
    # Bertisen & Davis: mean as-built/estimate 1.14, 1 project in 13 at +100 % or more
    k = m.phases["construction"].capex_overrun
    assert k is not None and k.mean() == pytest.approx(1.14, abs=0.001)
    assert stats.lognorm(k.sigma, scale=k.median).sf(2.0) == pytest.approx(1 / 13, abs=0.001)
    # Soutex / SME 2023: 30 % at design within a year, 10 % still short after four
    r = m.ramp_up.duration_years
    ramp = stats.lognorm(r.sigma, scale=r.median)
    assert ramp.cdf(1.0) == pytest.approx(0.30, abs=0.001)
    assert ramp.sf(4.0) == pytest.approx(0.10, abs=0.001)


def test_overrides_merge_and_bad_parameters_are_named(tmp_path: Path) -> None:
    new = {"value": 0.5, "assumption": "stress test"}
    m = pl.load_stage_model(overrides={"phases": {"construction": {"p_success": new}}})
    assert m.phases["construction"].p_success.value == 0.5
    assert m.phases["construction"].p_success.source is None  # replaced whole, not merged
    assert m.phases["feasibility"] == pl.load_stage_model().phases["feasibility"]
    f = tmp_path / "model.yaml"
    f.write_text("horizon: 2040\nramp_up: {plateau: {value: 1.5, assumption: x}}\n")
    with pytest.raises(InputError) as err:
        pl.load_stage_model(f)
    assert err.value.field == "ramp_up.plateau.value" and err.value.value == 1.5
    with pytest.raises(InputError, match="source: or assumption:"):
        pl.load_stage_model(overrides={"ramp_up": {"plateau": {"value": 0.5}}})
    with pytest.raises(InputError, match="needs sigma"):
        bad = {"kind": "lognormal", "median": 1.0, "assumption": "x"}
        pl.load_stage_model(overrides={"phases": {"financing": {"delay_years": bad}}})


@pytest.mark.parametrize(
    ("bad", "field"),
    [  # each overflowed in the engine (inf and NaN years, RuntimeWarnings) before its bound
        ({"kind": "lognormal", "median": 1e308, "sigma": 1}, "median"),
        ({"kind": "lognormal", "median": 2.0, "sigma": 500}, "sigma"),
        ({"kind": "triangular", "low": -1e308, "mode": 0, "high": 1e308}, "low"),
        ({"kind": "lognormal", "median": 2.0, "sigma": 1, "shift": 1e308}, "shift"),
        ({"kind": "fixed", "value": float("nan")}, "value"),
    ],
)
def test_stage_model_numbers_are_bounded(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        over = {"delay_years": {**bad, "assumption": "x"}}
        pl.load_stage_model(overrides={"phases": {"construction": over}})
    assert err.value.field == f"phases.construction.delay_years.{field}"


def test_register_errors_name_file_line_and_column(tmp_path: Path) -> None:
    src = (pl.DATA / "projects.csv").read_text(encoding="utf-8").splitlines()
    f = tmp_path / "p.csv"
    f.write_text("\n".join([src[0], src[1], src[1]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        pl.load_projects(f)
    assert (err.value.line, err.value.column) == (3, "project_id")
    f.write_text("\n".join([src[0], src[1].replace(",construction,", ",building,", 1)]) + "\n")
    with pytest.raises(InputError) as err:
        pl.load_projects(f)
    assert (err.value.line, err.value.column, err.value.value) == (2, "current_phase", "building")
    with pytest.raises(InputError, match="no ledger row"):
        pl.public_money([_project(ledger_ids="iv-9999")], _seed_rows())


# -- the engine -------------------------------------------------------------------------------


def test_dist_sampling_consumes_a_fixed_count_and_matches_its_mean() -> None:
    dists = [
        pl.Dist(kind="fixed", value=2.0, assumption="t"),
        pl.Dist(kind="lognormal", median=1.0, sigma=0.5, p_zero=0.2, assumption="t"),
        pl.Dist(kind="triangular", low=0.0, mode=1.0, high=4.0, assumption="t"),
    ]
    states = []
    for d in dists:
        rng = np.random.default_rng(7)
        x = d.sample(rng, 200_000)
        assert x.mean() == pytest.approx(d.mean(), rel=0.01)
        states.append(rng.random())
    assert states[0] == states[1] == states[2]


def test_delivered_integrates_a_linear_ramp() -> None:
    got = pl.delivered(
        np.array([2028.0]), np.array([2.0]), np.array([1.0]), 100.0, [2027, 2028, 2029, 2030]
    )
    assert got[0].tolist() == pytest.approx([0.0, 25.0, 75.0, 100.0])
    assert pl.planned("2028", 100.0, [2027, 2028, 2029]).tolist() == [0.0, 50.0, 100.0]


def test_one_certain_stage_delivers_exactly_its_plan() -> None:
    project = _project()
    res = pl.run(draws=300, seed=1, projects=[project], model=_certain_model(), rows=[])
    (p,) = res["projects"]
    assert p["p_producing_by_plan"] == 1.0 and p["p_never"] == 0.0
    assert p["expected_delay_years"] == 0.0
    assert p["expected_delivered_t"] == pytest.approx(p["planned_t"], rel=1e-12)
    assert p["expected_need_usd"] == 500e6 and p["public_at_risk_usd"] == 0.0
    for row in res["by_year"]:
        assert row["p10_t"] == row["p50_t"] == row["p90_t"] == pytest.approx(row["planned_t"])
    assert [r["planned_t"] for r in res["by_year"] if r["year"] in (2028, 2029)] == pytest.approx(
        [1000 * 9.5 / 12, 1000]  # a plan YYYY-MM starts mid-month
    )


@pytest.mark.parametrize("phase", [*pl.PRE_PRODUCTION, "ramp_up"])
def test_lowering_a_success_probability_never_raises_expected_capacity(phase: str) -> None:
    rows = _seed_rows()
    base = pl.run(draws=1000, seed=3, rows=rows)
    for value in (0.6, 0.2, 0.0):
        p = {"p_success": {"value": value, "assumption": "test"}}
        over = {"ramp_up": p} if phase == "ramp_up" else {"phases": {phase: p}}
        low = pl.run(draws=1000, seed=3, rows=rows, model=pl.load_stage_model(overrides=over))
        for a, b in zip(base["projects"], low["projects"], strict=True):
            assert (b["expected_delivered_t"] or 0) <= (a["expected_delivered_t"] or 0) + 1e-9
            assert b["p_producing_by_plan"] <= a["p_producing_by_plan"]
        for a, b in zip(base["by_year"], low["by_year"], strict=True):
            assert b["mean_t"] <= a["mean_t"] + 1e-6
        base = low


def test_seeds_reproduce() -> None:
    rows = _seed_rows()
    a, b = (pl.run(draws=500, seed=42, rows=rows) for _ in range(2))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    c = pl.run(draws=500, seed=43, rows=rows)
    assert c["projects"] != a["projects"]
    # a project's draws depend on its place and the seed, not on the other projects
    ps = pl.load_projects()
    sim = [p for p in ps if p.planned_start]
    m = pl.load_stage_model()
    whole, first = pl.simulate(sim, m, 400, 9), pl.simulate(sim[:1], m, 400, 9)
    np.testing.assert_array_equal(whole.start[0], first.start[0])
    with pytest.raises(InputError):
        pl.run(draws=0, rows=rows)
    with pytest.raises(InputError):
        pl.run(draws=10, seed=-1, rows=rows)


def test_run_outputs_the_contract() -> None:
    res = pl.run(draws=2000, seed=0, rows=_seed_rows())
    assert {"draws", "seed", "by_year", "projects"} <= set(res)
    row = res["by_year"][0]
    assert {"year", "planned_t", "p10_t", "p50_t", "p90_t", "mineral", "product"} <= set(row)
    assert all(r["p10_t"] <= r["p50_t"] <= r["p90_t"] for r in res["by_year"])
    need = {"project", "p_producing_by_plan", "expected_delay_years", "public_usd"}
    for p in res["projects"]:
        assert need | {"usd_per_delivered_t"} <= set(p)
        assert 0.0 <= p["public_at_risk_usd"] <= p["public_usd"]
        years = sorted(p["p_producing_by"])
        assert [p["p_producing_by"][y] for y in years] == sorted(
            p["p_producing_by"][y] for y in years
        )
    simulated = {p["project"] for p in res["projects"]}
    assert {r["project"] for r in res["not_simulated"]}.isdisjoint(simulated)
    t = res["totals"]
    assert t["public_usd"] == pytest.approx(
        t["public_usd_simulated"] + sum(r["public_usd"] for r in res["not_simulated"])
    )


# -- the funding gap and the CLI ----------------------------------------------------------------


def test_gap_counts_latest_committed_rows_and_keeps_letters_apart() -> None:
    rows = _seed_rows()
    res = pl.gap("project", rows=rows)
    by = {r["project"]: r for r in res["rows"]}
    thacker = by["thacker-pass-1"]
    assert thacker["committed_usd"] == 2.26e9  # DOE loan; the DOE warrant row has no amount
    assert thacker["rows"]["no_amount"] == ["iv-0006"]
    assert thacker["gap_usd"] == pytest.approx(2.9e9 - 2.26e9)
    assert by["usar-round-top"]["committed_usd"] == 0.0
    assert by["usar-round-top"]["loi_usd"] == pytest.approx(277e6 + 1.3e9)
    assert res["cheques"]["count"] == sum(r["cheques"]["count"] for r in res["rows"])
    # a correction supersedes, a cancellation drops out
    fix = dict(next(r for r in rows if r["id"] == "iv-0044"), id="t-1", supersedes="iv-0044")
    fix["amount_usd"] = 2.0e9
    gone = dict(next(r for r in rows if r["id"] == "iv-0045"), id="t-2", supersedes="iv-0045")
    gone["status"] = "cancelled"
    again = {r["project"]: r for r in pl.gap("project", rows=[*rows, fix, gone])["rows"]}
    assert again["thacker-pass-1"]["committed_usd"] == 2.0e9
    assert again["rhyolite-ridge"]["committed_usd"] == 0.0
    assert again["rhyolite-ridge"]["rows"]["cancelled"] == ["t-2"]
    minerals = pl.gap("mineral", rows=rows)
    assert sum(r["committed_usd"] for r in minerals["rows"]) == pytest.approx(res["committed_usd"])
    with pytest.raises(InputError):
        pl.gap("country", rows=rows)


def test_cli_run_and_gap_read_the_store(store: Path) -> None:
    app = typer.Typer()
    register(app)
    ledger = typer.Typer()
    ledger.command("gap")(gap_cmd)
    app.add_typer(ledger, name="ledger")
    runner = CliRunner()
    out = runner.invoke(app, ["pipeline", "run", "--draws", "300", "--seed", "5", "--json"])
    assert out.exit_code == 0, out.output
    res = json.loads(out.output)
    assert (res["draws"], res["seed"]) == (300, 5)
    assert res["projects"] and res["by_year"]
    out = runner.invoke(app, ["ledger", "gap", "--by", "mineral", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["letters_of_interest"]["included"] is False
    out = runner.invoke(app, ["pipeline", "projects"])
    assert out.exit_code == 0 and "projects" in out.output
