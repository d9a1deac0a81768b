"""Q1-Q3 on the bundled store: CLI contracts, control status, exposure components."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from critmin import queries, supply
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
        "denominator",
        "world_reported",
        "countries_sum",
        "withheld",
        "no_data",
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
    # MCS 2026 revises cobalt 2024: world 302,000 t (MCS2026_Commodities_Data.csv line 1863)
    assert res["denominator"] == "world total" and res["world_total"] == 302_000
    assert res["edition"] == "usgs-mcs-2026"


def test_concentration_all_is_sorted_by_hhi(store: Path, cli: Any) -> None:
    rows = cli("concentration", "--all", "--stage", "refine", "--json").json()
    assert len(rows) >= 15
    hhis = [r["hhi"] for r in rows if r["hhi"] is not None]
    assert hhis == sorted(hhis, reverse=True)
    stated = [r["hhi"] is not None for r in rows]
    assert stated == sorted(stated, reverse=True)  # stages without figures come last


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("concentration", "cobalt", "--stage", "core"), "stage"),
        (("concentration", "unobtainium"), "unobtainium"),
        (("concentration", "cobalt", "--year", "1950"), "year"),
        (("concentration",), "MINERAL"),
        (("controls", "--active-on", "yesterday"), "--active-on"),
        (("controls", "--on", "yesterday"), "--on"),
        (("controls", "--as-of", "yesterday"), "--as-of"),
        (("controls", "--country", "Chinaa"), "CHN"),
        (("controls", "--status", "actve"), "active"),
        (("control", "cobalt", "--host", "Kongo"), "--host"),
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


def _ev(date: str, event: str, until: str | None = None) -> dict[str, Any]:
    return {
        "control_id": "x",
        "date": dt.date.fromisoformat(date),
        "event": event,
        "until": dt.date.fromisoformat(until) if until else None,
        "source_id": "s",
    }


def test_control_status_dates() -> None:
    row = {"control_id": "x", "mineral_ids": ["gallium"], "target": ["USA"]}
    chain = [
        _ev("2025-01-01", "announced"),
        _ev("2025-02-01", "effective"),
        _ev("2025-11-09", "suspended", "2026-11-27"),
    ]

    def status(day: str) -> str:
        return str(control_status(row, chain, dt.date.fromisoformat(day))["status"])

    assert status("2024-12-31") == "not_yet"
    assert status("2025-01-15") == "announced"
    assert status("2025-03-01") == "active"
    assert status("2026-01-01") == "suspended"
    assert status("2026-11-27") == "suspended"  # `until` is the suspension's last day
    # the suspension ran out and nothing after it is recorded: neither active nor lifted
    assert status("2026-12-01") == "unconfirmed"
    st = control_status(row, chain, dt.date(2026, 12, 1))
    assert st["since"] == dt.date(2026, 11, 27)
    assert st["text"].startswith("unconfirmed since 2026-11-27: suspension ended")
    lifted = [_ev("2015-01-01", "lifted")]
    assert control_status(row, lifted, dt.date(2020, 1, 1))["status"] == "lifted"


def test_controls_filters(store: Path, cli: Any) -> None:
    on_2024 = cli("controls", "--country", "CHN", "--on", "2024-01-01", "--json").json()
    ids = {r["control_id"] for r in on_2024}
    assert "chn-2023-023-gallium-germanium" in ids and "chn-2023-039-graphite" in ids
    assert "chn-2025-018-medium-heavy-ree" not in ids  # April 2025, not yet
    # --active-on is kept as the older name of --on
    old = cli("controls", "--country", "CHN", "--active-on", "2024-01-01", "--json").json()
    assert old == on_2024
    dy = cli("controls", "--mineral", "dysprosium", "--json").json()
    assert any(r["control_id"] == "chn-2025-018-medium-heavy-ree" for r in dy)


def test_exposure_components(store: Path) -> None:
    rows = {r["mineral"]: r for r in supply.exposure(on="2025-06-01")}
    ga = rows["gallium"]
    assert ga["score"] == pytest.approx(ga["net_import_reliance"] * ga["controlled_share"])
    # China's share of primary gallium in the latest year (USGS MCS 2026: 900 of 900 t in 2025)
    latest = supply.concentration("gallium", "refine")
    assert ga["controlled_share"] == pytest.approx(latest["china_share"])
    # Indonesia's ore-export ban withholds mine output, not refined nickel
    ni = rows["nickel"]
    assert ni["controlled_stage"] == "mine" and "idn-2020-nickel-ore-ban" in ni["controls"]
    # a ban aimed at Japan alone does not count against US supply
    assert all("japan" not in c for r in rows.values() for c in r["controls"])
    scores = [r["score"] for r in supply.exposure() if r["score"] is not None]
    assert scores == sorted(scores, reverse=True)


def test_exposure_before_any_control_is_zero(store: Path) -> None:
    rows = supply.exposure(on="2005-01-01")
    assert all((r["score"] or 0.0) == 0.0 for r in rows)


def test_drc_cobalt_control_equals_hand_sum(store: Path, cli: Any) -> None:
    """Control share = sum of asset output x stake / DRC production (USGS MCS 2026, the latest
    edition for 2024: 226 000 t, MCS2026_Commodities_Data.csv line 1854), recomputed here
    straight from the bundled asset CSVs."""
    import csv

    from critmin.data.bundled import reference_dir

    ref = reference_dir()

    def rows(table: str) -> list[dict[str, str]]:
        # every file of the table folder (a table may be split: asset_output/drc_2024.csv)
        out: list[dict[str, str]] = []
        for f in sorted((ref / table).glob("*.csv")):
            with open(f, encoding="utf-8") as fh:
                out.extend(csv.DictReader(fh))
        return out

    assets = {r["asset_id"]: r for r in rows("assets")}
    out = [
        r
        for r in rows("asset_output")
        if r["mineral_id"] == "cobalt"
        and r["year"] == "2024"
        and assets[r["asset_id"]]["iso3"] == "COD"
        and assets[r["asset_id"]]["stage"] == "mine"
    ]
    owners = rows("asset_owners")
    chn = 0.0
    on = "2024-12-31"
    for r in out:
        chn += sum(
            float(r["value"]) * float(o["stake_pct"]) / 100
            for o in owners
            if o["asset_id"] == r["asset_id"]
            and o["owner_iso3"] == "CHN"
            and (o["valid_from"] == "" or o["valid_from"] <= on)
            and (o["valid_to"] == "" or on < o["valid_to"])
        )
    res = cli("control", "cobalt", "--host", "COD", "--year", "2024", "--json").json()
    got = {x["iso3"]: x["share"] for x in res["by_owner_iso3"]}
    assert res["denominator_t"] == 226_000
    assert got["CHN"] == pytest.approx(chn / 226_000)
    assert sum(got.values()) + res["unattributed_share"] == pytest.approx(1.0)
    assert 0.0 <= res["unattributed_share"] <= 1.0
    assert len(res["sources"]) > 1  # production and the asset register both cited


def test_control_world_denominator(store: Path) -> None:
    host = supply.control("cobalt", "COD", 2024)
    world = supply.control("cobalt", None, 2024)
    # same assets, world (302 000 t) instead of DRC (226 000 t) production (MCS 2026 for 2024,
    # MCS2026_Commodities_Data.csv lines 1863 and 1854)
    h = {x["iso3"]: x["share"] for x in host["by_owner_iso3"]}
    w = {x["iso3"]: x["share"] for x in world["by_owner_iso3"]}
    assert world["denominator_t"] == 302_000
    assert w["CHN"] >= h["CHN"] * 226_000 / 302_000 - 1e-12


def test_an_import_changes_the_answer_at_once(store: Path, tmp_path: Path) -> None:
    """The per-process memos (table frames, the mineral and headline indexes) must follow a
    write: DRC cobalt 2025 replaced by 300 000 t moves the sum of countries from 314 600 t to
    384 600 t, and DRC's share of it (the sum is above the reported world total, 310 000 t,
    so it is the denominator) from 230/314.6 to 300/384.6."""
    from critmin.data.bundled import reference_dir
    from critmin.store import import_csv

    before = queries.production("cobalt", "mine", 2025)
    res = supply.concentration("cobalt", "mine", 2025)
    assert res["denominator"] == "sum of countries" and res["world_reported"] == 310_000
    assert res["shares"][0]["share"] == pytest.approx(230 / 314.6)
    drc = next(r for r in before["rows"] if r["iso3"] == "COD")
    assert drc["value"] == 230_000 and before["world_sum"] == pytest.approx(314_600)
    src = reference_dir() / "production" / "usgs_mcs2026.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    row = next(ln for ln in lines if ln.startswith("cobalt,mine,cobalt content,true,COD,2025,"))
    new = tmp_path / "p.csv"
    new.write_text(f"{lines[0]}\n{row.replace(',230000,', ',300000,')}\n", encoding="utf-8")
    assert import_csv("production", new) == 1
    after = queries.production("Co", "mine", 2025)
    assert next(r for r in after["rows"] if r["iso3"] == "COD")["value"] == 300_000
    assert after["world_sum"] == pytest.approx(384_600)
    share = supply.concentration("cobalt", "mine", 2025)["shares"]
    assert share[0]["iso3"] == "COD" and share[0]["share"] == pytest.approx(300 / 384.6)
