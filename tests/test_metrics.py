"""Concentration and control formulas: closed forms and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin import metrics

values_st = st.dictionaries(
    st.text(alphabet="ABCDEFGHIJ", min_size=3, max_size=3).filter(
        lambda k: k not in ("WLD", "XOT")
    ),
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
    min_size=1,
    max_size=30,
)


def test_monopoly_is_10000() -> None:
    assert metrics.hhi([1.0]) == 10_000


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 100])
def test_n_equal_firms(n: int) -> None:
    assert metrics.hhi([1.0 / n] * n) == pytest.approx(10_000 / n)


def test_textbook_case() -> None:
    # shares 50/30/20: 2500 + 900 + 400 = 3800
    sh = metrics.shares({"AAA": 50, "BBB": 30, "CCC": 20}, 100)
    assert metrics.hhi(sh.values()) == pytest.approx(3800)
    assert metrics.top_n_share(sh, 3) == pytest.approx(1.0)
    assert metrics.top_n_share(sh, 1) == pytest.approx(0.5)
    assert metrics.hhi_band(3800) == "high"
    assert metrics.hhi_band(1500) == "moderate"
    assert metrics.hhi_band(900) == "low"


def test_denominator_is_the_larger_of_world_and_sum() -> None:
    assert metrics.world_total({"AAA": 10, "XOT": 5}, 20) == (20.0, "world total")
    assert metrics.world_total({"AAA": 10, "XOT": 5}, 15) == (15.0, "world total")  # a tie
    assert metrics.world_total({"AAA": 10, "XOT": 5}, None) == (15.0, "sum of countries")
    # a rounded world total below its rows (USGS gallium 2025: 900 t over 909 t of countries)
    assert metrics.world_total({"CHN": 900, "RUS": 6, "JPN": 3}, 900) == (
        909.0,
        "sum of countries",
    )
    assert metrics.world_total({}, None) == (0.0, None)
    assert metrics.world_total({"AAA": 0.0}, 0.0) == (0.0, None)


# any non-negative country values (zeros, ties, one giant), any world total or none
raw_st = st.dictionaries(
    st.sampled_from(["CHN", "USA", "AUS", "COD", "IDN", "RUS", "JPN", "XOT", "BRA", "ZAF"]),
    st.one_of(
        st.just(0.0),
        st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
        st.floats(min_value=0, max_value=1e-3, allow_nan=False),
    ),
    max_size=10,
)
world_st = st.one_of(
    st.none(),
    st.just(0.0),
    st.floats(min_value=0, max_value=1e13, allow_nan=False, allow_infinity=False),
)


@given(raw_st, world_st)
def test_no_share_above_one_and_no_hhi_above_10000(
    values: dict[str, float], reported: float | None
) -> None:
    world, name = metrics.world_total(values, reported)
    sh = metrics.shares(values, world)
    if name is None:
        assert world == 0.0 and sh == {}
        return
    assert world >= math.fsum(values.values()) * (1 - 1e-12)
    if reported is not None and reported > 0:
        assert world >= reported
    assert all(0.0 <= s <= 1.0 for s in sh.values())
    assert math.fsum(sh.values()) <= 1.0 + 1e-9
    single = {k: v for k, v in sh.items() if k not in metrics.AGGREGATES}
    assert 0.0 <= metrics.hhi(single.values()) <= 10_000.0
    assert 0.0 <= metrics.top_n_share(sh, 3) <= 1.0
    lead = metrics.leader(sh)
    assert lead is None or 0.0 <= lead[1] <= 1.0


def test_leader_ignores_other_countries() -> None:
    assert metrics.leader({"XOT": 0.6, "AAA": 0.3, "BBB": 0.1}) == ("AAA", 0.3)


@given(values_st, st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_leaves_shares_and_hhi_unchanged(values: dict[str, float], k: float) -> None:
    w = sum(values.values())
    a = metrics.shares(values, w)
    b = metrics.shares({c: v * k for c, v in values.items()}, w * k)
    assert a.keys() == b.keys()
    for c in a:
        assert b[c] == pytest.approx(a[c], rel=1e-9)
    assert metrics.hhi(b.values()) == pytest.approx(metrics.hhi(a.values()), rel=1e-9)


@given(values_st, st.randoms())
def test_permuting_countries_leaves_hhi_unchanged(values: dict[str, float], rnd) -> None:  # type: ignore[no-untyped-def]
    keys = list(values)
    vals = list(values.values())
    rnd.shuffle(vals)
    shuffled = dict(zip(keys, vals, strict=True))
    w = sum(vals)
    h1 = metrics.hhi(metrics.shares(values, w).values())
    h2 = metrics.hhi(metrics.shares(shuffled, w).values())
    assert h1 == pytest.approx(h2, rel=1e-9)
    assert metrics.top_n_share(metrics.shares(values, w)) == pytest.approx(
        metrics.top_n_share(metrics.shares(shuffled, w)), rel=1e-9
    )


@given(values_st)
def test_hhi_bounds(values: dict[str, float]) -> None:
    n = len(values)
    h = metrics.hhi(metrics.shares(values, sum(values.values())).values())
    assert 10_000 / n * (1 - 1e-9) <= h <= 10_000 * (1 + 1e-9)


@given(values_st)
def test_shares_sum_to_one_against_the_sum(values: dict[str, float]) -> None:
    sh = metrics.shares(values, sum(values.values()))
    assert math.fsum(sh.values()) == pytest.approx(1.0)


def test_dual_dominance_is_min_of_stages() -> None:
    dd = metrics.dual_dominance({"CHN": 0.7, "AUS": 0.2}, {"CHN": 0.9, "MYS": 0.05})
    assert dd == {"AUS": 0.0, "CHN": 0.7, "MYS": 0.0}


def test_control_shares_closed_form() -> None:
    # two assets of 60 t and 20 t in a 100 t world; asset b has no ownership data
    by_n, unattributed, coverage = metrics.control_shares(
        {"a": 60.0, "b": 20.0}, {"a": [("CHN", 0.8), ("COD", 0.2)]}, 100.0
    )
    assert by_n == pytest.approx({"CHN": 0.48, "COD": 0.12})
    assert unattributed == pytest.approx(0.40)  # 20 t of b + 20 t outside the register
    assert coverage == pytest.approx(0.80)


@given(
    st.floats(min_value=-1, max_value=2),
    st.floats(min_value=-1, max_value=2),
    st.floats(min_value=0, max_value=1),
)
def test_exposure_score_in_unit_interval(nir: float, c: float, w: float) -> None:
    assert 0.0 <= metrics.exposure_score(nir, c, w) <= 1.0
