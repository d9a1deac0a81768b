"""Q1-Q3 on the bundled store: CLI contracts, control status, exposure components."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.supply import control_status


def test_concentration_json_contract(store: Path, cli: Any) -> None:
    r = cli("concentration", "cobalt", "--stage", "mine", "--year", "2024", "--json")
    assert r.code == 0, r.err
    res = r.json()
    for key in (
        "mineral",
        "stage",
        "year",
        "unit",
        "world_total",
        "world_basis",
        "hhi",
        "top3_share",
        "china_share",
        "shares",
        "sources",
    ):
        assert key in res
    shares = [s["share"] for s in res["shares"]]
    assert shares == sorted(shares, reverse=True)
    assert all(0 <= s <= 1 for s in shares)
    assert res["world_basis"] == "reported" and res["world_total"] == 290_000


def test_concentration_all_is_sorted_by_hhi(store: Path, cli: Any) -> None:
    rows = cli("concentration", "--all", "--stage", "refine", "--json").json()
    assert len(rows) >= 15
    hhis = [r["hhi"] for r in rows]
    assert hhis == sorted(hhis, reverse=True)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("concentration", "cobalt", "--stage", "core"), "stage"),
        (("concentration", "unobtainium"), "unobtainium"),
        (("concentration", "cobalt", "--year", "1950"), "year"),
        (("concentration",), "MINERAL"),
        (("controls", "--active-on", "yesterday"), "active_on"),
        (("control", "cobalt", "--host", "Congo"), "host"),
        (("production", "cesium"), "missing"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    store: Path, cli: Any, argv: tuple[str, ...], needle: str
) -> None:
    r = cli(*argv)
    assert r.code == 2, (r.out, r.err)
    assert r.err.count("\n") == 1 and needle in r.err and "Traceback" not in r.err


def test_dominance_lists_leaders(store: Path, cli: Any) -> None:
    rows = {r["mineral"]: r for r in cli("dominance", "--json").json()}
    assert rows["rare_earths"]["mine_leader"] == "CHN"
    assert rows["rare_earths"]["refine_leader"] == "CHN"
    assert rows["gallium"]["refine_leader"] == "CHN"
    cu = rows["copper"]
    assert cu["mine_leader"] == "CHL" and cu["refine_leader"] == "CHN"


def _ctrl(**kw: Any) -> dict[str, Any]:
    base = {
        "announced": dt.date(2025, 1, 1),
        "effective": dt.date(2025, 2, 1),
        "lifted": None,
        "suspended_from": None,
        "suspended_until": None,
    }
    base.update(kw)
    return base


def test_control_status_dates() -> None:
    c = _ctrl()
    assert control_status(c, dt.date(2025, 1, 15)) == "announced"
    assert control_status(c, dt.date(2025, 3, 1)) == "active"
    s = _ctrl(suspended_from=dt.date(2025, 11, 9), suspended_until=dt.date(2026, 11, 27))
    assert control_status(s, dt.date(2025, 6, 1)) == "active"
    assert control_status(s, dt.date(2026, 1, 1)) == "suspended"
    assert control_status(s, dt.date(2026, 12, 1)) == "active"  # lapsed, no renewal recorded
    assert (
        control_status(
            _ctrl(lifted=dt.date(2015, 1, 1), effective=None, announced=None), dt.date(2020, 1, 1)
        )
        == "lifted"
    )


def test_controls_filters(store: Path, cli: Any) -> None:
    on_2024 = cli("controls", "--country", "CHN", "--active-on", "2024-01-01", "--json").json()
    ids = {r["control_id"] for r in on_2024}
    assert "chn-2023-023-gallium-germanium" in ids and "chn-2023-039-graphite" in ids
    assert "chn-2025-018-medium-heavy-ree" not in ids  # April 2025, not yet
    dy = cli("controls", "--mineral", "dysprosium", "--json").json()
    assert any(r["control_id"] == "chn-2025-018-medium-heavy-ree" for r in dy)


def test_exposure_components(store: Path) -> None:
    rows = {r["mineral"]: r for r in cm.exposure(on="2025-06-01")}
    ga = rows["gallium"]
    assert ga["score"] == pytest.approx(ga["net_import_reliance"] * ga["controlled_share"])
    # China's share of primary gallium in the latest year (USGS MCS 2026: 900 of 900 t in 2025)
    latest = cm.concentration("gallium", "refine")
    assert ga["controlled_share"] == pytest.approx(latest["china_share"])
    # Indonesia's ore-export ban withholds mine output, not refined nickel
    ni = rows["nickel"]
    assert ni["controlled_stage"] == "mine" and "idn-2020-nickel-ore-ban" in ni["controls"]
    # a ban aimed at Japan alone does not count against US supply
    assert all("japan" not in c for r in rows.values() for c in r["controls"])
    scores = [r["score"] for r in cm.exposure() if r["score"] is not None]
    assert scores == sorted(scores, reverse=True)


def test_exposure_before_any_control_is_zero(store: Path) -> None:
    rows = cm.exposure(on="2005-01-01")
    assert all((r["score"] or 0.0) == 0.0 for r in rows)
