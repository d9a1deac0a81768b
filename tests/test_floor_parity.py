"""One floor question, three front ends, one number (issue 25).

A partial override of a preset (only sigma, only the floor price, another model without
jumps) goes through ``critmin.capabilities.floor.floor_setup`` in the command line
(``--vol``, ``--floor``), the HTTP API (``price_model``, ``contract``: fields laid over the
preset's) and the Python API (``cm.floor``): the three JSON answers are equal (timings
left out), and the fields not overridden are the preset's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.errors import InputError

TIMED = {"runtime_s", "path_steps_per_s"}
PATHS = 2048

# (CLI options, HTTP body beyond preset and paths, Python keyword arguments)
CASES: list[tuple[list[str], dict[str, Any], dict[str, Any]]] = [
    (["--vol", "0.5"], {"price_model": {"sigma": 0.5}}, {"sigma": 0.5}),
    (["--floor", "90"], {"contract": {"floor": 90}}, {"floor": 90}),
    (
        ["--model", "gbm", "--jumps", "none", "--rate", "0.04"],
        {"model_kind": "gbm", "price_model": {"jumps": None}, "contract": {"discount_rate": 0.04}},
        {"model": "gbm", "jumps": False, "discount_rate": 0.04},
    ),
]


def _untimed(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in TIMED}


@pytest.fixture(scope="module")
def preset() -> dict[str, Any]:
    return cm.floor_preset(name="mp-ndpr").to_dict()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("argv", "body", "kwargs"), CASES, ids=["sigma", "floor", "gbm"])
def test_cli_api_and_python_give_the_same_floor(
    store: Path,
    cli: Any,
    preset: dict[str, Any],
    argv: list[str],
    body: dict[str, Any],
    kwargs: dict[str, Any],
) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    out = cli("floor", "--preset", "mp-ndpr", *argv, "--paths", str(PATHS), "--no-band", "--json")
    assert out.code == 0, out.err
    with TestClient(create_app()) as client:
        r = client.post("/api/v1/floor", json={"preset": "mp-ndpr", "paths": PATHS, **body})
    assert r.status_code == 200, r.text
    py = cm.floor(preset="mp-ndpr", paths=PATHS, **kwargs).to_dict()
    assert _untimed(out.json()) == _untimed(r.json()) == _untimed(py)
    # the override took, and every other field is the preset's
    base_contract = preset["contract"]
    kind = kwargs.get("model", preset["default_model"])
    base_model = next(m for m in preset["models"] if m["kind"] == kind)
    got_c, got_m = py["contract"], py["model"]
    over_c = body.get("contract", {})
    over_m = body.get("price_model", {})
    for key, value in base_contract.items():
        assert got_c[key] == over_c.get(key, value), key
    for key in ("spot", "sigma", "mu", "kappa", "theta_level", "jumps"):
        want = over_m[key] if key in over_m else base_model.get(key)
        assert got_m[key] == want, key
    assert py["paths"] == PATHS and py["seed"] == cm.defaults.SEED


def test_only_sigma_moves_the_closed_form_as_black_scholes(store: Path) -> None:
    """A GBM floor at the money for one year: E[max(F - S_1, 0)] = F (N(sigma/2) -
    N(-sigma/2)) (Black and Scholes, 1973); raising sigma alone, laid over the same
    contract, moves the closed form to the new sigma's value."""
    from math import erf, sqrt

    def put(sigma: float) -> float:
        n = lambda x: 0.5 * (1 + erf(x / sqrt(2)))  # noqa: E731
        return 1e6 * 110 * (n(sigma / 2) - n(-sigma / 2))

    terms = {"term_years": 1, "volume_tpy": 1000, "settlement": "annual"}
    base = {"floor": 110, **terms}
    low = cm.floor_closed_form(**base, spot=110, sigma=0.3)
    high = cm.floor_closed_form(**base, spot=110, sigma=0.6)
    assert low["nominal_usd"] == pytest.approx(put(0.3), rel=1e-9)
    assert high["nominal_usd"] == pytest.approx(put(0.6), rel=1e-9)
    setup = cm.floor(**base, spot=110, sigma=0.6, paths=4096)
    assert setup["analytic_expected_cost_usd"] == pytest.approx(high["nominal_usd"])


def test_a_partial_override_that_breaks_the_model_names_the_field(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with pytest.raises(InputError) as err:
        cm.floor(preset="mp-ndpr", model="gbm", kappa=1.0, paths=100)
    assert err.value.field == "kappa"
    with TestClient(create_app()) as client:
        r = client.post(
            "/api/v1/floor",
            json={"preset": "mp-ndpr", "model_kind": "gbm", "price_model": {"kappa": 1.0}},
        )
    assert r.status_code == 422 and r.json()["field"] == "price_model.kappa"
    with pytest.raises(InputError) as err:
        cm.floor(preset="mp-ndpr", contract={"floor": -1}, paths=100)
    assert err.value.field == "floor"
    with pytest.raises(InputError) as err:
        cm.floor_preset(name=3)  # type: ignore[arg-type]
    assert err.value.field == "name"


def test_the_stockpile_defaults_are_written_once() -> None:
    """The planner's economics come from critmin.defaults in the CLI's options, the Python
    API's signatures and the engine (no front end writes its own copy)."""
    import inspect

    from critmin import defaults as d
    from critmin.capabilities import stockpile as cap
    from critmin.cli import stockpile as cli_mod
    from critmin.optimize import inputs as engine

    plan = inspect.signature(cap.stockpile_plan).parameters
    frontier = inspect.signature(cap.stockpile_frontier).parameters
    for name in ("PROBABILITY", "FINANCING_RATE", "STORAGE_RATE", "LOSS_RATE", "CAP_DAYS"):
        value = getattr(d, name)
        assert getattr(cli_mod, name) is value and getattr(engine, name) is value, name
        assert plan[name.lower()].default == value, name
    assert frontier["max_budget"].default == d.FRONTIER_MAX_USD == 20e9
    assert frontier["step"].default == d.FRONTIER_STEP_USD == 1e9
    assert cli_mod.PROB.default == d.PROBABILITY and cli_mod.FIN.default == d.FINANCING_RATE
    # EXIM CIRR, 15-year direct loans, March 2023: 5.03 % (source exim-cirr-2023-03)
    assert d.FINANCING_RATE == 0.0503
