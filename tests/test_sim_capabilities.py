"""The simulation capabilities the front ends now call (issue 25): each answers as the
command that used to call the engine directly, and a bad value names its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.errors import CritminError, InputError


def test_scenario_list_and_definition_are_the_commands(store: Path, cli: Any) -> None:
    rows = cm.scenario_list().to_dict()
    out = cli("scenario", "list", "--json")
    assert out.code == 0 and out.json() == rows
    names = [r["name"] for r in rows]
    assert "chn-2025-ree-april" in names and names == sorted(names)
    d = cm.scenario_definition(name="chn-2025-ree-april")
    out = cli("scenario", "show", "chn-2025-ree-april", "--json")
    assert out.code == 0 and out.json() == d.to_dict()
    # MOFCOM/GAC Announcement No. 18 of 2025: China, 4 April 2025
    assert (d["restricting_iso3"], d["start"]) == ("CHN", "2025-04-04")
    with pytest.raises(InputError) as err:
        cm.scenario_definition(name=3)  # type: ignore[arg-type]
    assert err.value.field == "name"


def test_scenario_check_names_the_unknown_mineral(store: Path) -> None:
    from critmin.capabilities.scenario import scenario_check

    base = cm.scenario_definition(name="chn-2025-ree-april").to_dict()
    ok = scenario_check(definition=base).to_dict()
    assert ok == {"valid": True, "name": base["name"], "minerals": base["minerals"]}
    with pytest.raises(InputError) as err:
        scenario_check(definition={**base, "minerals": ["unobtainium"]})
    assert (err.value.field, err.value.value) == ("minerals.0", "unobtainium")


def test_from_control_is_the_command_and_the_engine(store: Path, cli: Any) -> None:
    from critmin.capabilities.scenario import BACKTEST_SEED
    from critmin.sim.forecast import from_control

    res = cm.scenario_from_control(control_id="chn-2024-033-antimony", draws=200)
    out = cli("scenario", "from-control", "chn-2024-033-antimony", "--draws", "200", "--json")
    assert out.code == 0 and out.json() == res.to_dict()
    eng = from_control("chn-2024-033-antimony", 200, BACKTEST_SEED)
    assert res["minerals"][0]["row_multiplier"] == eng["minerals"][0]["row_multiplier"]
    # China's 2023 mine share in the store (USGS MCS 2025 world table): 62,300 / 106,119 t
    assert res["minerals"][0]["restrictor_share"] == pytest.approx(62300 / 106119, rel=1e-6)
    assert res.request["seed"] == 20260421  # the backtest's published seed
    with pytest.raises(InputError) as err:
        cm.scenario_from_control(control_id="chn-2024-033-antimony", draws=5)
    assert err.value.field == "draws"
    with pytest.raises(CritminError):
        cm.scenario_from_control(control_id="no-such-control", draws=100)


def test_backtest_summary_is_the_bundled_file() -> None:
    from critmin.capabilities.scenario import scenario_backtest_summary
    from critmin.sim.backtest import load_summary

    res = scenario_backtest_summary()
    assert res.to_dict() == load_summary()
    assert res["draws"] == 2000 and res["seed"] == 20260421
    assert len(res.rows()) == res["leave_one_episode_out"]["cases"] == res["in_sample"]["cases"]


def test_floor_band_override_is_the_command(store: Path, cli: Any) -> None:
    res = cm.floor_band(preset="mp-ndpr", sigma=0.5)
    out = cli("floor", "--preset", "mp-ndpr", "--band", "--vol", "0.5", "--json")
    assert out.code == 0 and out.json() == res.to_dict()
    assert res["model"]["sigma"] == 0.5
    plain = cm.floor_band(preset="mp-ndpr")
    assert plain["model"]["sigma"] != 0.5
    # the same cells (long-run price x volume), other costs: only sigma changed
    assert [(r["long_run_usd_per_kg"], r["volume"]) for r in res.rows()] == [
        (r["long_run_usd_per_kg"], r["volume"]) for r in plain.rows()
    ]
    assert res.rows() != plain.rows()
    assert {k: v for k, v in res["model"].items() if k != "sigma"} == {
        k: v for k, v in plain["model"].items() if k != "sigma"
    }
    with pytest.raises(InputError) as err:
        cm.floor_band(preset="mp-ndpr", sigma=-1)
    assert err.value.field == "sigma"


def test_presets_are_the_api_s(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with TestClient(create_app()) as client:
        assert client.get("/api/v1/floor/presets").json() == cm.floor_presets().to_dict()
        r = client.get("/api/v1/floor/presets/mp-ndpr")
        assert r.json() == cm.floor_preset(name="mp-ndpr").to_dict()
        assert client.get("/api/v1/floor/presets/nope").status_code == 404
    # DoD-MP Materials, July 2025: a floor of US$110/kg of NdPr from Q4 2025 through 2035
    c = cm.floor_preset(name="mp-ndpr")["contract"]
    assert (c["floor"], c["term_years"], c["unit"]) == (110.0, 10.25, "kg")
