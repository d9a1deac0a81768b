"""Stockpile economics (DESIGN.md section 6, Q7; docs/stockpile.md).

Pins: the consumer-loss closed form against a numerical integral of the demand curve; the
exact solver against HiGHS to 1e-6 relative on every bundled case and on random problems; a
hand-solved case; the frontier monotone and concave (hypothesis); the $12B plan spends the
budget or reports marginal benefit below marginal cost; the plan stable between 10 000 and
100 000 draws; at least 30 minerals; the IEA / Korea / one-year rules in closed form; bad
inputs refused naming the field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from critmin.errors import InputError
from critmin.optimize import solver as S
from critmin.optimize.damage import consumer_loss, loss_factor, price_multiplier
from critmin.optimize.days_cover import days_table
from critmin.optimize.inputs import Economics
from critmin.optimize.stockpile import frontier, model, plan

# -- damage: the area under the demand curve --------------------------------------------------


@pytest.mark.parametrize(("y", "e"), [(0.05, 0.1), (0.2, 0.1), (0.3, 0.2), (0.5, 0.5), (0.4, 1.0)])
def test_consumer_loss_is_the_area_under_the_demand_curve(y: float, e: float) -> None:
    q0, p0, cap = 1000.0, 50.0, 30.0
    m = min(cap, (1 - y) ** (-1 / e))
    area, _ = quad(lambda p: q0 * (p / p0) ** (-e), p0, m * p0)
    got = float(consumer_loss(np.array([q0]), np.array([p0]), np.array([y]), np.array([e]), cap)[0])
    assert got == pytest.approx(area, rel=1e-9)


def test_loss_per_tonne_tends_to_price_over_elasticity() -> None:
    # dL/dy at y = 0 is Q0 P0 / e: a tonne short costs P0 / e, ten times its price at e = 0.1
    y = np.array([1e-7])
    assert float(loss_factor(y, np.array([0.1]), 30.0)[0]) / 1e-7 == pytest.approx(10.0, rel=1e-5)


def test_price_cap_stops_the_loss_growing() -> None:
    e = np.array([0.1, 0.1])
    m = price_multiplier(np.array([0.6, 0.99]), e, 30.0)
    assert m.tolist() == pytest.approx([30.0, 30.0])
    lf = loss_factor(np.array([0.6, 0.99]), e, 30.0)
    assert lf[0] == pytest.approx((30.0**0.9 - 1) / 0.9) and lf[0] == pytest.approx(lf[1])


# -- the exact solver ---------------------------------------------------------------------------


def problem(seed: int, n: int = 4, s: int = 300, budget: float = 50.0, hold: float = 0.05) -> Any:
    rng = np.random.default_rng(seed)
    x = rng.exponential(10.0, (n, s)) * (rng.random((n, s)) < 0.4)
    d = rng.uniform(1.0, 30.0, (n, s))
    return S.Problem(
        tuple(f"m{i}" for i in range(n)),
        x,
        d,
        np.full(n, 0.1),
        rng.uniform(0.5, 3.0, n),
        np.full(n, hold),
        rng.uniform(5.0, 40.0, n),
        budget,
    )


def test_hand_solved_case() -> None:
    # one mineral, two draws X = (4, 2) t, d = (10, 10) USD/t, pi = 0.5, p = 1, h = 0.1:
    # mb per dollar = 0.5 * 10 * 2 / 2 = 5 on [0, 2], 0.5 * 10 / 2 = 2.5 on [2, 4]
    p = S.Problem(
        ("a",),
        np.array([[4.0, 2.0]]),
        np.array([[10.0, 10.0]]),
        np.array([0.5]),
        np.array([1.0]),
        np.array([0.1]),
        np.array([100.0]),
        3.0,
    )
    sol = S.waterfill(p)
    assert sol.tonnes.tolist() == pytest.approx([3.0])
    assert sol.benefit == pytest.approx(5 * 2 + 2.5 * 1)
    assert sol.net_value == pytest.approx(12.5 - 0.3)
    assert sol.multiplier == pytest.approx(2.4) and sol.budget_binding
    rich = S.waterfill(S.Problem(*[getattr(p, f) for f in p.__dataclass_fields__][:-1], 10.0))
    assert rich.spent == pytest.approx(4.0) and not rich.budget_binding


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("budget", [0.0, 5.0, 30.0, 1e6])
def test_waterfill_matches_highs(seed: int, budget: float) -> None:
    p = problem(seed, budget=budget)
    sol = S.waterfill(p)
    lp = S.solve_lp(p)
    e0 = float(np.sum(p.benefit_per_tonne * p.shortfall_t))
    assert S.relative_gap(lp.objective, e0 - sol.net_value) <= 1e-6
    assert abs(lp.net_value - sol.net_value) <= 1e-6 * max(1.0, abs(sol.net_value))
    assert sol.spent <= budget * (1 + 1e-12) + 1e-9
    assert np.all(sol.tonnes >= 0) and np.all(sol.tonnes <= p.caps + 1e-9)


@given(st.integers(0, 10_000), st.floats(0.0, 0.3))
def test_frontier_is_monotone_and_concave(seed: int, hold: float) -> None:
    p = problem(seed, n=3, s=60, hold=hold)
    seg = S.segments(p)
    budgets = np.linspace(0.0, 1.2 * max(float(seg.cum_cost[-1]) if seg.cost.size else 1, 1), 41)
    net, _, _, marg = S.frontier_at(seg, budgets)
    assert np.all(np.diff(net) >= -1e-9 * max(1.0, float(net.max())))
    slopes = np.diff(net) / np.diff(budgets)
    assert np.all(np.diff(slopes) <= 1e-9 * max(1.0, float(np.abs(slopes).max())))
    assert np.all(marg >= 0)
    # the frontier is the optimum at each budget
    for b, f in zip(budgets[::10], net[::10], strict=True):
        q = S.Problem(*[getattr(p, k) for k in p.__dataclass_fields__][:-1], float(b))
        assert S.waterfill(q).net_value == pytest.approx(f, rel=1e-9, abs=1e-9)


# -- the plan on the store ------------------------------------------------------------------------


def test_twelve_billion_plan(store: Path) -> None:
    r = plan(12e9, draws=4000, seed=7, lp_check=True)
    assert r["minerals_in_scope"] >= 30
    if r["budget_binding"]:
        assert r["spent_usd"] == pytest.approx(12e9, rel=1e-9)
        last = r["last_dollar"]
        assert last["benefit_per_usd"] > last["holding_cost_per_usd"]
        assert r["binding_minerals"] and last["mineral"] in r["binding_minerals"]
    else:
        stop = r["stops_paying"]
        assert stop["benefit_per_usd"] < stop["holding_cost_per_usd"]
        assert stop["at_usd"] == pytest.approx(r["spent_usd"])
    assert r["lp_check"]["relative_gap"] <= 1e-6
    # holding cost: financing at EXIM's CIRR + storage + loss, on the dollars spent
    assert r["holding_cost_usd_per_yr"] == pytest.approx((0.0503 + 0.01) * r["spent_usd"])
    total = sum(a["damage_avoided_usd_per_yr"] for a in r["allocations"])
    assert total == pytest.approx(r["damage_avoided_usd_per_yr"], rel=1e-9)


@pytest.mark.parametrize("budget", [0.0, 1e9, 5e9, 12e9, 20e9, 40e9])
def test_every_bundled_case_matches_highs(store: Path, budget: float) -> None:
    r = plan(budget, draws=2000, seed=3, lp_check=True)
    assert r["lp_check"]["relative_gap"] <= 1e-6
    assert r["lp_check"]["relative_gap_net_value"] <= 1e-6


def test_a_budget_beyond_what_pays_stops_with_both_figures(store: Path) -> None:
    r = plan(1e12, draws=2000, seed=3, lp_check=False)
    stop = r["stops_paying"]
    assert not r["budget_binding"] and r["spent_usd"] < 1e12
    assert stop["benefit_per_usd"] < stop["holding_cost_per_usd"] == pytest.approx(0.0603)


def test_share_of_damage_at_the_price_cap(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan says how much of its damage the 30x guard decides: none with a cap no draw
    reaches, all with a cap every shortfall reaches (m = (1 - y)^(-1/e) > 1 for y > 0)."""
    from critmin.optimize import inputs

    res = plan(12e9, draws=2_000, lp_check=False)
    assert 0.0 < res["damage_share_at_price_cap"] < 1.0
    assert all(0.0 <= a["draws_at_price_cap"] <= 1.0 for a in res["allocations"])
    monkeypatch.setattr(inputs, "PRICE_CAP", 1e300)
    assert plan(12e9, draws=2_000, lp_check=False)["damage_share_at_price_cap"] == 0.0
    monkeypatch.setattr(inputs, "PRICE_CAP", 1.0 + 1e-12)
    low = plan(12e9, draws=2_000, lp_check=False)
    assert low["damage_share_at_price_cap"] == pytest.approx(1.0)


def test_nothing_to_buy_is_a_flat_frontier(store: Path) -> None:
    """Zinc is a net export (NIR 0): no shortfall, so every budget buys nothing (the HTTP
    fuzz campaign found this case answering 500)."""
    res = frontier(2e9, 1e9, None, ["zinc"], 100, 1)
    assert [p["net_value_usd_per_yr"] for p in res["points"]] == [0.0, 0.0, 0.0]
    assert res["stops_paying_at_usd"] == 0.0
    assert plan(1e9, minerals=["zinc"], draws=100, lp_check=False)["spent_usd"] == 0.0


def test_plan_is_stable_in_the_number_of_draws(store: Path) -> None:
    small = plan(12e9, draws=10_000, seed=1, lp_check=False)
    large = plan(12e9, draws=100_000, seed=2, lp_check=False)
    a = {x["mineral"]: x["usd"] for x in small["allocations"]}
    b = {x["mineral"]: x["usd"] for x in large["allocations"]}
    moved = sum(abs(a[k] - b[k]) for k in b) / sum(b.values())
    assert moved < 0.05
    assert small["net_value_usd_per_yr"] == pytest.approx(large["net_value_usd_per_yr"], rel=0.05)


def test_frontier_of_the_store_is_monotone_and_concave(store: Path) -> None:
    fr = frontier(20e9, 1e9, draws=3000, seed=5)
    net = np.array([p["net_value_usd_per_yr"] for p in fr["points"]])
    assert len(fr["points"]) == 21 and net[0] == 0.0
    assert np.all(np.diff(net) >= -1e-6)
    assert np.all(np.diff(np.diff(net)) <= 1e-3)
    same = plan(12e9, draws=3000, seed=5, lp_check=False)
    assert fr["points"][12]["net_value_usd_per_yr"] == pytest.approx(
        same["net_value_usd_per_yr"], rel=1e-9
    )


def test_days_rules_in_closed_form(store: Path) -> None:
    m = model(12e9, draws=2000, seed=4)
    t = days_table(m)
    for row in t["rows"]:
        ni, p = row["net_imports_t"], row["price_usd_per_t"]
        cap = next(f for f in m.figures if f.mineral == row["mineral"]).consumption_t
        for rule, days in (("iea_90", 90), ("korea_100", 100), ("one_year", 365)):
            tonnes = min(ni * days / 365, cap)
            assert row[rule]["cost_usd"] == pytest.approx(tonnes * p, rel=1e-12, abs=1e-9)
    assert t["totals"]["optimal"]["cost_usd"] == pytest.approx(t["plan_spent_usd"])
    # the optimum is at least as good as any rule that costs no more
    for rule in ("iea_90", "korea_100", "one_year"):
        if t["totals"][rule]["cost_usd"] <= 12e9:
            assert (
                t["totals"]["optimal"]["net_value_usd_per_yr"]
                >= t["totals"][rule]["net_value_usd_per_yr"]
            )


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"probability": 1.5}, "probability"),
        ({"probability": -0.1}, "probability"),
        ({"financing_rate": -0.01}, "financing_rate"),
        ({"storage_rate": math.nan}, "storage_rate"),
        ({"loss_rate": -1.0}, "loss_rate"),
        ({"cap_days": 0.0}, "cap_days"),
    ],
)
def test_economics_refuse_bad_values(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as exc:
        Economics(**kwargs)
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--budget", "-1e9"], "budget"),
        (["--probability", "1.2"], "probability"),
        (["--financing-rate", "-0.05"], "financing_rate"),
        (["--storage-rate", "-0.01"], "storage_rate"),
        (["--minerals", "unobtainium"], "minerals"),
    ],
)
def test_cli_refuses_bad_input_and_writes_nothing(
    store: Path, cli: Any, argv: list[str], field: str
) -> None:
    before = store.read_bytes()
    r = cli("stockpile", "plan", *argv, "--draws", "100", "--json")
    # the error names the option as typed (--financing-rate), the Python API its keyword
    assert r.code == 2 and f"field '{argv[0]}'" in r.err and r.out == ""
    assert field.replace("_", "-") in argv[0]
    assert "Traceback" not in r.err
    assert store.read_bytes() == before
