"""Filters resolve what a user typed, or fail naming the field, the value and near values."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.errors import InputError
from critmin.vocab import choose, closest, normal, resolve_country


@pytest.mark.parametrize(
    ("typed", "iso3"),
    [
        ("CHN", "CHN"),
        ("chn", "CHN"),
        ("cn", "CHN"),  # ISO 3166-1 alpha-2
        ("China", "CHN"),
        ("congo, the democratic republic of the", "COD"),
        ("CD", "COD"),
        ("United States of America", "USA"),
        ("us", "USA"),
        ("European Union", "EUU"),
    ],
)
def test_country_by_code_name_or_alias(store: Path, typed: str, iso3: str) -> None:
    assert resolve_country(typed) == iso3


def test_unknown_country_names_field_value_and_suggestions(store: Path) -> None:
    with pytest.raises(InputError) as err:
        resolve_country("Chinaa", field="country")
    msg = str(err.value)
    assert "country" in msg and "Chinaa" in msg and "CHN" in msg


def test_choose_is_case_and_separator_insensitive() -> None:
    options = ["price_floor", "loan", "equity"]
    assert choose("Price-Floor", options, "instrument") == "price_floor"
    assert choose(" LOAN ", options, "instrument") == "loan"
    with pytest.raises(InputError, match="closest valid: price_floor"):
        choose("pricefloor", options, "instrument")


def test_choose_with_aliases_returns_the_canonical_value() -> None:
    agencies = {"DoD": "usa-dow", "Pentagon": "usa-dow", "usa-dow": "usa-dow"}
    assert choose("pentagon", agencies, "agency") == "usa-dow"
    with pytest.raises(InputError, match="usa-dow"):
        choose("Pentagonn", agencies, "agency")


@given(st.text(max_size=20))
def test_closest_always_offers_a_hint(value: str) -> None:
    options = ["active", "lifted", "suspended", "unconfirmed"]
    near = closest(value, options)
    assert near and set(near) <= set(options)
    assert normal(value) == normal(normal(value))
