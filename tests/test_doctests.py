"""The Python API's docstring examples run as tests (on a private copy of the bundled store).

Every example states a value from the bundled data or a closed form (DR Congo's cobalt
share, the floor's Black-Scholes cost, a ledger row), so a changed number fails here.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = [
    "critmin.results",
    "critmin.capabilities.supply",
    "critmin.capabilities.reference",
    "critmin.capabilities.profiles",
    "critmin.capabilities.ledger",
    "critmin.capabilities.floor",
    "critmin.capabilities.scenario",
    "critmin.capabilities.stockpile",
    "critmin.capabilities.pipeline",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(store: Path, name: str) -> None:
    module = importlib.import_module(name)
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert res.attempted > 0, f"{name} has no examples"
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name}"


def test_every_capability_has_an_example() -> None:
    import critmin as cm

    for name in dir(cm):
        fn = getattr(cm, name)
        if getattr(fn, "__module__", "").startswith("critmin.capabilities") and name != "sweep_run":
            assert ">>> " in (fn.__doc__ or ""), f"cm.{name} has no example"
