"""Pipeline risk (issue 23 part 4): common price factor, country and stage adjustments, loss by
instrument."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_pipeline import _certain_model, _project, _seed_rows

from critmin.errors import InputError
from critmin.sim import pipeline as pl
from critmin.sim.rng import block_generator, named_generator

RHO_HALF = {"correlation": {"kind": "fixed", "value": 0.5, "assumption": "test"}}


def _row(rid: str, instrument: str, amount: float | None) -> dict[str, Any]:
    return {"id": rid, "instrument": instrument, "status": "committed", "amount_usd": amount,
            "supersedes": None}  # fmt: skip


def _cohort(n: int, mineral: str = "tin") -> tuple[list[pl.Project], list[dict[str, Any]]]:
    """n feasibility-stage projects of one mineral, each with a $100M grant."""
    ps = [
        _project(project_id=f"p{i}", mineral_id=mineral, current_phase="feasibility",
                 ledger_ids=f"g{i}")
        for i in range(n)
    ]  # fmt: skip
    return ps, [_row(f"g{i}", "grant", 100e6) for i in range(n)]


def test_named_streams_differ_from_each_other_and_from_blocks() -> None:
    a = named_generator(7, "price-factor", "tin").random(4)
    assert not np.array_equal(a, named_generator(7, "price-factor", "lithium").random(4))
    assert not np.array_equal(a, block_generator(7, 0).random(4))
    np.testing.assert_array_equal(a, named_generator(7, "price-factor", "tin").random(4))


def test_correlate_keeps_uniforms_uniform_and_rho_zero_is_identity() -> None:
    u = block_generator(1, 0).random(200_000)
    z = block_generator(1, 1).standard_normal(200_000)
    np.testing.assert_allclose(pl._correlate(u, np.zeros_like(u), z), u, atol=1e-12)
    v = pl._correlate(u, np.full_like(u, 0.5), z)
    # uniform margins: the quantiles of v are those of U(0, 1) within sampling error
    np.testing.assert_allclose(np.quantile(v, [0.1, 0.5, 0.9]), [0.1, 0.5, 0.9], atol=0.005)
    # and the share of variance common through z is rho: corr(Phi^-1(v), z) = sqrt(0.5)
    from scipy.special import ndtri

    assert np.corrcoef(ndtri(v), z)[0, 1] == pytest.approx(np.sqrt(0.5), abs=0.005)


def test_common_factor_keeps_each_projects_odds_and_widens_the_tail_of_loss() -> None:
    ps, rows = _cohort(10)
    # k = 1: projects in studies produce about 65 % of the time, so the tail is visible
    plain = {"value": 1.0, "assumption": "test"}
    model = pl.load_stage_model(overrides={"price_factor": RHO_HALF, "study_exponent": plain})
    on = pl.run(draws=40_000, seed=5, projects=ps, model=model, rows=rows)
    off = pl.run(draws=40_000, seed=5, projects=ps, model=model, rows=rows, common_factor=False)
    p_on = np.array([p["p_never"] for p in on["projects"]])
    p_off = np.array([p["p_never"] for p in off["projects"]])
    se = np.sqrt(p_off * (1 - p_off) / 40_000)
    assert np.all(np.abs(p_on - p_off) < 5 * se)
    # the mean loss is the same (within 5 standard errors of the difference) ...
    lo_on, lo_off = on["totals"]["loss"], off["totals"]["loss"]
    assert lo_on["expected_usd"] == pytest.approx(lo_off["expected_usd"], rel=0.03)
    # ... but failures cluster: with rho = 0.5 the p90 of ten $100M grants is far above
    # the independent case's (binomial: about 5 failures of 10 at p90)
    assert lo_on["p90_usd"] >= lo_off["p90_usd"] + 200e6
    assert on["totals"]["common_factor"] and not off["totals"]["common_factor"]


def test_bundled_register_p90_of_loss_is_higher_with_the_common_factor() -> None:
    rows = _seed_rows()
    on = pl.run(draws=20_000, seed=0, rows=rows)
    off = pl.run(draws=20_000, seed=0, rows=rows, common_factor=False)
    assert on["totals"]["loss"]["p90_usd"] > off["totals"]["loss"]["p90_usd"]


def test_loss_by_instrument_in_closed_form() -> None:
    """A project that certainly fails loses grant x 1, loan x LGD, offtake x 0."""
    never = _certain_model().model_dump()
    never["phases"]["construction"]["p_success"] = {"value": 0.0, "assumption": "test"}
    never["loss_given_failure"]["loan"] = {"kind": "fixed", "value": 0.4, "assumption": "test"}
    model = pl.StageModel.model_validate(never)
    p = _project(ledger_ids="a|b|c|d")
    rows = [
        _row("a", "grant", 10e6),
        _row("b", "loan", 100e6),
        _row("c", "offtake", None),
        _row("d", "letter_of_interest", 500e6),
    ]
    res = pl.run(draws=100, seed=0, projects=[p], model=model, rows=rows)
    loss = res["totals"]["loss"]
    assert loss["expected_usd"] == pytest.approx(10e6 + 0.4 * 100e6, rel=1e-12)
    assert loss["p90_usd"] == pytest.approx(50e6, rel=1e-12)
    by = {b["instrument"]: b for b in loss["by_instrument"]}
    assert by["loan"]["expected_loss_usd"] == pytest.approx(40e6, rel=1e-12)
    assert by["offtake"]["expected_loss_usd"] == 0.0 and "letter_of_interest" not in by
    (proj,) = res["projects"]
    assert proj["public_at_risk_usd"] == 110e6  # face value, for comparison
    # and a project that certainly produces loses nothing
    ok = pl.run(draws=100, seed=0, projects=[p], model=_certain_model(), rows=rows)
    assert ok["totals"]["loss"]["expected_usd"] == 0.0


def test_country_and_stage_scale_the_slip_exactly() -> None:
    one = {"kind": "fixed", "value": 1.0, "assumption": "test"}
    base = _certain_model().model_dump()
    base["phases"]["financing"]["delay_years"] = one  # one year of slip, then scaled
    base["countries"] = {"USA": {"delay_scale": {**one, "value": 1.5}}}
    base["stages"] = {"refine": {"delay_scale": {**one, "value": 0.5}}}
    model = pl.StageModel.model_validate(base)
    kw = {"current_phase": "financing", "planned_start": "2030"}
    ps = [
        _project(project_id="aus-mine", **kw),
        _project(project_id="usa-mine", host_iso3="USA", **kw),
        _project(project_id="usa-plant", host_iso3="USA", stage="refine", **kw),
    ]
    res = pl.run(draws=50, seed=0, projects=ps, model=model, rows=[])
    delay = {p["project"]: p["expected_delay_years"] for p in res["projects"]}
    assert delay == pytest.approx({"aus-mine": 1.0, "usa-mine": 1.5, "usa-plant": 0.75})


def test_stage_success_replaces_the_base_probability() -> None:
    model = pl.load_stage_model()
    mine = _project(current_phase="exploration")
    plant = _project(current_phase="exploration", stage="magnet")
    assert model.study_exponent is not None
    k = model.study_exponent.value
    assert model.p_success("exploration", mine) == model.phases["exploration"].p_success.value ** k
    assert model.p_success("exploration", plant) == 1.0  # a plant has no deposit to prove
    # financing and construction are outside the study phases: no exponent
    assert model.p_success("financing", mine) == model.phases["financing"].p_success.value


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"price_factor": {"correlation": {"kind": "fixed", "value": 0.99, "assumption": "x"}}},
         "price_factor"),
        ({"loss_given_failure": {"loan": {"kind": "fixed", "value": 1.5, "assumption": "x"}}},
         "loss_given_failure"),
        ({"countries": {"USA": {"delay_scale": {"kind": "triangular", "low": -1, "mode": 1,
                                                "high": 2, "assumption": "x"}}}}, "countries"),
        ({"countries": {"usa": {}}}, "countries"),
        ({"loss_given_failure": {"cheque": {"kind": "fixed", "value": 1, "assumption": "x"}}},
         "loss_given_failure"),
    ],
)  # fmt: skip
def test_bad_risk_parameters_name_the_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as exc:
        pl.load_stage_model(overrides=over)
    assert exc.value.field is not None and exc.value.field.startswith(field)


def test_an_instrument_without_a_loss_given_failure_is_refused() -> None:
    data = pl.load_stage_model().model_dump()
    del data["loss_given_failure"]["grant"]
    model = pl.StageModel.model_validate(data)
    ps, rows = _cohort(1)
    with pytest.raises(InputError) as exc:
        pl.run(draws=10, seed=0, projects=ps, model=model, rows=rows)
    assert (exc.value.field, exc.value.value) == ("loss_given_failure", "grant")
