"""The budgeted stockpile optimiser (DESIGN.md section 6, Q7).

Pins: closed-form two-mineral optima, the KKT conditions at the optimum, budget binding or
every useful tonne bought, monotonicity in the budget, and agreement with the HiGHS LP to
1e-6 relative on every case (both the primal and the dual LP forms).
"""

from __future__ import annotations

import importlib.util
import itertools
from typing import Any

import numpy as np
import pytest

from critmin.errors import InputError
from critmin.optimize.stockpile import (
    Problem,
    check_kkt,
    expected_unmet,
    relative_gap,
    solve_lp,
    waterfill,
)

HAS_HIGHSPY = importlib.util.find_spec("highspy") is not None
FORMS = ["primal", "dual"] if HAS_HIGHSPY else ["primal"]


def make(draws: Any, prices: Any, budget: float, weights: Any = None, caps: Any = None) -> Problem:
    x = np.asarray(draws, dtype=float)
    p = np.asarray(prices, dtype=float)
    w = p.copy() if weights is None else np.asarray(weights, dtype=float)
    c = np.full(len(p), np.inf) if caps is None else np.asarray(caps, dtype=float)
    c = np.where(np.isfinite(c), c, x.max(axis=1) * 10 + 1)
    return Problem(tuple(f"m{i}" for i in range(len(p))), x, w, p, c, budget)


def random_problem(seed: int, n: int = 5, s: int = 400, frac: float = 0.3) -> Problem:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 1, (n, s)) * rng.uniform(1, 50, (n, 1))
    x *= rng.uniform(size=(n, s)) < 0.6  # many draws without a shortfall
    p = rng.uniform(1, 20, n)
    w = p * rng.uniform(0.5, 2, n)
    caps = np.percentile(x, rng.uniform(50, 100, n), axis=1).diagonal().copy()
    return Problem(tuple(f"m{i}" for i in range(n)), x, w, p, caps, frac * float(p @ caps))


def test_two_minerals_closed_form_discrete() -> None:
    # X1 in {0, 10} each with prob 1/2, X2 = 10 with prob 1/4; p = w = 1, B = 12.
    # Value per dollar: mineral 1 is 0.5 up to 10 t, mineral 2 is 0.25 up to 10 t, so the
    # optimum is q = (10, 2), f = 0.25 * 8 = 2 (before: 5 + 2.5 = 7.5), lambda = 0.25.
    pr = make([[0, 10, 0, 10], [0, 0, 0, 10]], [1, 1], 12, weights=[1, 1])
    sol = waterfill(pr)
    assert sol.tonnes == pytest.approx([10, 2])
    assert sol.objective == pytest.approx(2.0)
    assert sol.objective_before == pytest.approx(7.5)
    assert sol.multiplier == pytest.approx(0.25)
    assert sol.budget_binding


def test_two_minerals_plateau_split_exactly() -> None:
    # Constant shortfalls 10 t and 20 t, w = p: every dollar is worth 1 on both minerals
    # (a plateau); B = 15 of 50 needed. f falls by exactly one per dollar: 50 -> 35.
    pr = make([[10.0] * 8, [20.0] * 8], [1, 2], 15)
    sol = waterfill(pr)
    assert sol.spent == pytest.approx(15)
    assert sol.objective == pytest.approx(35)
    assert sol.multiplier == pytest.approx(1.0)
    assert check_kkt(pr, sol)["ok"]


def test_two_minerals_closed_form_exponential() -> None:
    # X_i ~ Exp(mean mu_i), w = p = 1: E[(X - q)^+] = mu e^{-q/mu}; the optimum sets
    # e^{-q_i/mu_i} = lambda, so q_i = mu_i B / (mu_1 + mu_2) and lambda = e^{-B/(mu_1+mu_2)}.
    rng = np.random.default_rng(np.random.SeedSequence(7))
    mu = np.array([100.0, 300.0])
    x = rng.exponential(1.0, (2, 200_000)) * mu[:, None]
    budget = 600.0
    pr = make(x, [1, 1], budget, weights=[1, 1])
    sol = waterfill(pr)
    assert sol.tonnes == pytest.approx(mu * budget / mu.sum(), rel=0.02)
    assert sol.multiplier == pytest.approx(np.exp(-budget / mu.sum()), rel=0.02)
    assert sol.objective == pytest.approx(float(mu.sum() * np.exp(-budget / mu.sum())), rel=0.02)


@pytest.mark.parametrize("seed", range(6))
def test_kkt_at_the_optimum(seed: int) -> None:
    pr = random_problem(seed)
    sol = waterfill(pr)
    kkt = check_kkt(pr, sol)
    assert kkt["ok"], kkt


@pytest.mark.parametrize("frac", [0.0, 0.05, 0.3, 0.9, 2.0])
def test_budget_binds_or_every_useful_tonne_is_bought(frac: float) -> None:
    pr = random_problem(11, frac=frac)
    sol = waterfill(pr)
    useful = np.minimum(pr.caps, pr.draws.max(axis=1))
    if sol.budget_binding:
        assert sol.spent == pytest.approx(pr.budget, rel=1e-12, abs=1e-9)
    else:
        assert sol.tonnes == pytest.approx(useful)
        assert sol.multiplier == 0.0
    assert sol.spent <= pr.budget * (1 + 1e-12) + 1e-9


def test_more_budget_never_raises_unmet_demand() -> None:
    base = random_problem(3)
    values = []
    for b in np.linspace(0, 1.2 * float(base.prices @ base.caps), 25):
        pr = Problem(base.minerals, base.draws, base.weights, base.prices, base.caps, float(b))
        values.append(waterfill(pr).objective)
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(values))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("form", FORMS)
def test_lp_agrees_to_1e6(seed: int, form: str) -> None:
    pr = random_problem(seed, n=4, s=300, frac=[0.1, 0.3, 0.6, 1.5][seed])
    sol = waterfill(pr)
    lp = solve_lp(pr, form=form)
    assert relative_gap(lp.objective, sol.objective) <= 1e-6
    assert expected_unmet(pr.draws, lp.tonnes, pr.weights) == pytest.approx(
        sol.objective, rel=1e-6, abs=1e-9
    )


@pytest.mark.parametrize("form", FORMS)
def test_lp_agrees_on_the_closed_form_cases(form: str) -> None:
    for pr in (
        make([[0, 10, 0, 10], [0, 0, 0, 10]], [1, 1], 12, weights=[1, 1]),
        make([[10.0] * 8, [20.0] * 8], [1, 2], 15),
    ):
        assert relative_gap(solve_lp(pr, form=form).objective, waterfill(pr).objective) <= 1e-6


def test_zero_weight_mineral_gets_nothing() -> None:
    pr = make([[5.0, 5.0], [5.0, 5.0]], [1, 1], 100, weights=[0, 1])
    assert waterfill(pr).tonnes == pytest.approx([0, 5])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget": -1.0}, "budget"),
        ({"prices": np.array([0.0, 1.0])}, "prices"),
        ({"draws": np.array([[1.0, -2.0], [1.0, 1.0]])}, "draws"),
        ({"caps": np.array([1.0])}, "caps"),
    ],
)
def test_bad_problem_is_one_line_input_error(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "minerals": ("a", "b"),
        "draws": np.ones((2, 2)),
        "weights": np.ones(2),
        "prices": np.ones(2),
        "caps": np.ones(2),
        "budget": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(InputError) as err:
        Problem(**args)
    assert err.value.field == field
    assert "\n" not in str(err.value)


# -- the plan against the bundled scenarios (data-backed) ---------------------------------------


def _us_supply_rows(store: Any) -> int:
    from critmin.store import read_table

    return read_table("us_supply", store).height


def test_plan_splits_the_budget_and_agrees_with_highs(store: Any) -> None:
    if _us_supply_rows(store) == 0:
        pytest.skip("us_supply is empty until the USGS importer fills it")
    from critmin.optimize.stockpile import plan

    res = plan(budget=5e7, draws=1_000, seed=5)
    assert res["budget_binding"]
    assert res["spent_usd"] == pytest.approx(5e7, rel=1e-9)
    assert res["expected_unmet_after"] < res["expected_unmet_before"]
    assert res["lp_check"]["relative_gap"] <= 1e-6
    for a in res["allocations"]:
        assert 0 <= a["tonnes"] <= a["cap_t"] * (1 + 1e-12)
        assert a["usd"] == pytest.approx(a["tonnes"] * a["price_usd_per_t"])
    again = plan(budget=5e7, draws=1_000, seed=5)
    assert again["allocations"] == res["allocations"]


def test_plan_rejects_unknown_minerals(store: Any) -> None:
    from critmin.optimize.stockpile import plan

    with pytest.raises(InputError) as err:
        plan(minerals=["unobtainium"], draws=200, lp_check=False)
    assert err.value.field == "minerals"


@pytest.mark.parametrize("cap_days", [0.0, -1.0, float("nan"), 36_501.0, 1e308])
def test_plan_cap_days_is_bounded(store: Any, cap_days: float) -> None:
    """1e308 days overflowed the caps (RuntimeWarning, then an error naming 'caps')."""
    from critmin.optimize.stockpile import plan

    with pytest.raises(InputError) as err:
        plan(cap_days=cap_days, draws=200, lp_check=False)
    assert err.value.field == "cap_days"


def test_cli_stockpile_plan_json(store: Any, cli: Any) -> None:
    if _us_supply_rows(store) == 0:
        pytest.skip("us_supply is empty until the USGS importer fills it")
    from critmin.cli import app
    from critmin.cli.stockpile import register

    if not any(g.name == "stockpile" for g in app.registered_groups):
        register(app)
    out = cli("stockpile", "plan", "--budget", "2e7", "--draws", "500", "--seed", "3", "--json")
    assert out.code == 0, out.err
    data = out.json()
    assert set(data) >= {"budget_usd", "spent_usd", "multiplier", "expected_unmet_before"}
    assert set(data["allocations"][0]) >= {"mineral", "tonnes", "usd", "days_cover"}
    assert data["lp_check"]["relative_gap"] <= 1e-6
    bad = cli("stockpile", "plan", "--weight", "gold", "--draws", "10")
    assert bad.code == 2 and "weight" in bad.err and len(bad.err.strip().splitlines()) == 1
