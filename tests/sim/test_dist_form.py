"""One written form of a distribution ({dist: family, ...}; ``kind:`` accepted) through one
parser (critmin.sim.dist_form) in the scenario and the stage-model loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from critmin.errors import InputError
from critmin.sim import disruption as d
from critmin.sim.dist_form import dist_form
from critmin.sim.pipeline_model import DATA, Dist, load_stage_model
from critmin.sim.scenario_definition import Triangular

BUNDLED = d.bundled_names()[0]


def _scenario(**over: Any) -> d.Scenario:
    data = d.load_scenario(BUNDLED).model_dump(mode="json", exclude_none=True)
    return d.parse_scenario({**data, **over})


def test_parser() -> None:
    assert dist_form({"kind": "uniform", "low": 0, "high": 1}) == {
        "dist": "uniform",
        "low": 0,
        "high": 1,
    }
    assert dist_form({"dist": "fixed", "value": 2}, key="kind") == {"kind": "fixed", "value": 2}
    assert dist_form({"dist": "fixed", "kind": "fixed", "value": 2}) == {
        "dist": "fixed",
        "value": 2,
    }
    # what is not a distribution mapping passes unchanged for the model to judge
    assert dist_form(0.5) == 0.5
    assert dist_form({"low": 1}) == {"low": 1}
    with pytest.raises(ValueError, match="differ"):
        dist_form({"dist": "fixed", "kind": "uniform"})


@pytest.mark.parametrize("key", ["dist", "kind"])
def test_a_scenario_takes_both_spellings(key: str) -> None:
    sc = _scenario(leakage={key: "triangular", "low": 0.1, "mode": 0.2, "high": 0.4})
    assert isinstance(sc.leakage, Triangular)
    assert (sc.leakage.low, sc.leakage.mode, sc.leakage.high) == (0.1, 0.2, 0.4)


def test_a_scenario_refuses_two_families() -> None:
    with pytest.raises(InputError, match=r"field 'leakage': .*differ"):
        _scenario(leakage={"dist": "uniform", "kind": "fixed", "low": 0.1, "high": 0.2})


@pytest.mark.parametrize("key", ["dist", "kind"])
def test_a_stage_model_takes_both_spellings(key: str) -> None:
    d1 = Dist.model_validate({key: "lognormal", "median": 2.0, "sigma": 0.5, "assumption": "t"})
    assert (d1.kind, d1.median, d1.sigma) == ("lognormal", 2.0, 0.5)
    over = {
        "phases": {"construction": {"delay_years": {key: "fixed", "value": 1.5, "assumption": "t"}}}
    }
    sm = load_stage_model(overrides=over)
    delay = sm.phases["construction"].delay_years
    assert (delay.kind, delay.value, delay.mean()) == ("fixed", 1.5, 1.5)


def test_bundled_stage_model_is_the_same_in_either_spelling(tmp_path: Path) -> None:
    # the bundled file is written with dist:; the same file with kind: gives the same model
    text = (DATA / "stage_model.yaml").read_text(encoding="utf-8")
    assert "dist: lognormal" in text
    old = tmp_path / "old.yaml"
    old.write_text(text.replace("dist: ", "kind: "), encoding="utf-8")
    assert load_stage_model(old) == load_stage_model()
    assert load_stage_model(old).fingerprint() == load_stage_model().fingerprint()


def test_a_stage_model_refuses_two_families(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "phases: {construction: {delay_years: {dist: fixed, kind: triangular, value: 1, "
        "assumption: t}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"'phases\.construction\.delay_years': .*differ"):
        load_stage_model(bad)
