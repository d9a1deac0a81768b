"""critmin.units: every factor against its exact definition (NIST SP 811, appendix B; BIPM SI
Brochure; the 76-lb mercury flask), conversions that round-trip, and the three readers that
use the table (floor contract units, scenario price units, USGS importer units)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin import units
from critmin.data.usgs.cells import TONNES_PER_UNIT
from critmin.sim.floor_contract import UNITS_PER_TONNE
from critmin.sim.scenario_inputs import usd_per_tonne

LB = Fraction("0.45359237")  # kg, exact: international yard and pound agreement (1959)
GRAIN = Fraction("64.79891") / 1_000_000  # kg, exact: 1 grain = 1/7000 lb
# kilograms per unit, as defined (exact rationals)
DEFINED = {
    "kg": Fraction(1),
    "g": Fraction(1, 1000),
    "t": Fraction(1000),
    "lb": LB,
    "oz": LB / 16,
    "troy oz": 480 * GRAIN,
    "short ton": 2000 * LB,
    "long ton": 2240 * LB,
    "flask": 76 * LB,
}


def test_every_unit_has_its_definition() -> None:
    assert set(units.KG) == set(DEFINED)


@pytest.mark.parametrize("unit", sorted(DEFINED))
def test_factor_is_the_nearest_float_to_its_exact_definition(unit: str) -> None:
    assert units.KG[unit] == float(DEFINED[unit])


def test_published_values_of_the_definitions() -> None:
    # the figures as printed in NIST SP 811 appendix B.9 and by USGS
    assert DEFINED["troy oz"] == Fraction("0.0311034768")
    assert DEFINED["lb"] == 7000 * GRAIN
    assert DEFINED["short ton"] == Fraction("907.18474")
    assert DEFINED["long ton"] == Fraction("1016.0469088")
    assert round(float(DEFINED["flask"]), 3) == 34.473
    assert units.per_tonne("lb") == pytest.approx(2204.62262185, rel=1e-12)
    assert units.per_tonne("troy oz") == pytest.approx(32150.7466, rel=1e-9)


units_ = st.sampled_from(sorted(units.KG))


@given(units_, units_, st.floats(min_value=1e-9, max_value=1e12))
def test_conversions_round_trip(a: str, b: str, x: float) -> None:
    there = x * units.factor(a, b)
    assert there * units.factor(b, a) == pytest.approx(x, rel=1e-14)
    # and agree with going through kilograms
    assert there == pytest.approx(x * units.KG[a] / units.KG[b], rel=1e-15)


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("Pounds", "lb"),
        ("lbs", "lb"),
        ("troy ounces", "troy oz"),
        ("ozt", "troy oz"),
        ("tonnes", "t"),
        ("metric ton", "t"),
        ("short tons", "short ton"),
        ("kilograms", "kg"),
        ("flasks", "flask"),
        ("carats", None),
        ("mtu", None),
    ],
)
def test_spellings(spelling: str, unit: str | None) -> None:
    assert units.canonical(spelling) == unit


def test_an_unknown_unit_is_named() -> None:
    with pytest.raises(KeyError, match="carat"):
        units.factor("carat", "kg")


def test_the_readers_use_the_table() -> None:
    # floor contract: quantity units in a tonne
    assert {"kg": 1000.0, "t": 1.0, "lb": float(1000 / LB)} == UNITS_PER_TONNE
    # USGS importers: tonnes in a published unit
    assert TONNES_PER_UNIT["kilograms"] == TONNES_PER_UNIT["kg"] == 0.001
    assert TONNES_PER_UNIT["g"] == 1e-6
    # scenario prices: USD per tonne; in a price quote an ounce is a troy ounce
    assert usd_per_tonne(1.0, "USD/lb") == float(1000 / LB)
    assert usd_per_tonne(100.0, "cents/lb") == pytest.approx(float(1000 / LB), rel=1e-15)
    assert usd_per_tonne(1.0, "$/oz") == pytest.approx(float(1000 / (480 * GRAIN)), rel=1e-15)
    assert usd_per_tonne(1.0, "USD/short ton") == pytest.approx(float(1000 / (2000 * LB)))
    assert usd_per_tonne(1.0, "USD/mt") == 1.0
    assert usd_per_tonne(1.0, "USD/mtu") is None
