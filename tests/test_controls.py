"""Export controls as dated event chains (issue 19): status on a date, order rules on import
and validate, filters, and the exposure range with and without unconfirmed controls."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import critmin as cm
from critmin import supply
from critmin.control_chain import STATUSES, chain_errors, status_on
from critmin.schema import TABLES

EVENT_COLUMNS = TABLES["control_events"].columns
CONTROL_COLUMNS = TABLES["export_controls"].columns
SRC = "xc-chinaorg-2011-re-quota"  # any bundled source id: the fixture rows cite one


def _event(cid: str, date: str, event: str, **kw: Any) -> dict[str, Any]:
    row = dict.fromkeys(EVENT_COLUMNS, None)
    for col in ("minerals_added", "minerals_removed", "targets_added", "targets_removed"):
        row[col] = []
    row.update(control_id=cid, date=dt.date.fromisoformat(date), event=event, source_id=SRC)
    if kw.get("until"):
        kw["until"] = dt.date.fromisoformat(kw["until"])
    row.update(kw)
    return row


def _control(cid: str, iso3: str, minerals: str, measure: str, target: str) -> dict[str, Any]:
    return {
        "control_id": cid,
        "imposing_iso3": iso3,
        "mineral_ids": minerals.split("|"),
        "measure": measure,
        "target": target.split("|"),
        "scope": None,
        "description": f"test fixture {cid}",
        "source_id": SRC,
    }


def _add(controls: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    from critmin.store import upsert_rows

    upsert_rows({"export_controls": controls, "control_events": events})


def _empty_register(store: Path) -> None:
    """Drop every control of the test's own store copy, so a test sees only its fixture."""
    from critmin.store import raw_connection

    with raw_connection(store) as con:
        con.execute("DELETE FROM control_events")
        con.execute("DELETE FROM export_controls")


# -- a small chain: China's rare-earth quota 2010-2014 and export duty, lifted 2015 ---------------

QUOTA = "tst-2010-ree-quota"
DUTY = "tst-2007-ree-duty"


@pytest.fixture
def quota_chain(store: Path) -> Path:
    # dates and volumes as China's 2010-2015 rare-earth quota episode: 2011 first batch
    # 14,446 t (MOFCOM, 2010-12-28), second batch 15,738 t (2011-07-14), both lifted 2015
    _add(
        [
            _control(QUOTA, "CHN", "rare_earths", "quota", "all"),
            _control(DUTY, "CHN", "rare_earths", "export_tax", "all"),
        ],
        [
            _event(QUOTA, "2010-01-01", "effective"),
            _event(QUOTA, "2010-12-28", "quota_set", quantity=14446.0, quantity_unit="t"),
            _event(QUOTA, "2011-07-14", "quota_set", quantity=15738.0, quantity_unit="t"),
            _event(QUOTA, "2015-01-01", "lifted"),
            _event(DUTY, "2007-06-01", "rate_set", quantity=15.0, quantity_unit="%"),
            _event(DUTY, "2015-05-01", "lifted"),
        ],
    )
    return store


def test_quota_and_duty_listed_in_2011_not_in_2016(quota_chain: Path, cli: Any) -> None:
    r = cli("controls", "--on", "2011-06-01", "--country", "china", "--json")
    assert r.code == 0, r.err
    rows = {x["control_id"]: x for x in r.json()}
    quota, duty = rows[QUOTA], rows[DUTY]
    assert quota["status"] == "active" and quota["status_text"] == "active since 2010-01-01"
    # the quota in force is the latest set on or before the day
    assert quota["quota"]["quantity"] == 14446 and quota["quota"]["unit"] == "t"
    later = {x["control_id"]: x for x in cli("controls", "--on", "2011-08-01", "--json").json()}
    assert later[QUOTA]["quota"]["quantity"] == 15738
    # a duty with no effective event operates from its first rate_set, and says so
    assert duty["status"] == "active" and duty["status_since"] == "2007-06-01"
    assert "no effective date recorded" in duty["status_text"]
    assert duty["rate"]["quantity"] == 15 and duty["rate"]["unit"] == "%"
    after = cli("controls", "--on", "2016-01-01", "--country", "CN", "--json").json()
    assert not {QUOTA, DUTY} & {x["control_id"] for x in after}
    lifted = cli("controls", "--on", "2016-01-01", "--status", "Lifted", "--json").json()
    texts = {x["control_id"]: x["status_text"] for x in lifted}
    assert texts[QUOTA] == "lifted on 2015-01-01" and texts[DUTY] == "lifted on 2015-05-01"


def test_show_prints_the_chain_with_sources(quota_chain: Path, cli: Any) -> None:
    res = cli("controls", "show", QUOTA, "--on", "2011-06-01", "--json").json()
    assert [e["event"] for e in res["events"]] == ["effective", "quota_set", "quota_set", "lifted"]
    assert all(e["source"]["publisher"] and e["source"]["url"] for e in res["events"])
    assert res["status"] == "active"
    text = cli("controls", "show", QUOTA, "--on", "2016-01-01")
    assert text.code == 0 and "lifted on 2015-01-01" in text.out
    bad = cli("controls", "show", "tst-2010-ree-quot")
    assert bad.code == 2 and QUOTA in bad.err


# -- the register as bundled ---------------------------------------------------------------------

SUSPENDED_2025 = {
    "chn-2025-056-ree-equipment": dt.date(2026, 11, 10),
    "chn-2025-057-five-ree": dt.date(2026, 11, 10),
    "chn-2025-058-battery-graphite-anode": dt.date(2026, 11, 10),
    "chn-2025-061-extraterritorial-ree": dt.date(2026, 11, 10),
    "chn-2025-062-ree-technology": dt.date(2026, 11, 10),
    "chn-2024-046-us-dual-use-ban": dt.date(2026, 11, 27),  # MOFCOM Announcement No. 72
}


def test_expired_suspensions_read_unconfirmed(store: Path, cli: Any) -> None:
    """MOFCOM Announcements No. 70 and 72 of 2025 suspended the October 2025 measures until
    2026-11-10 and the US-specific Ga/Ge/Sb ban until 2026-11-27. On 2026-12-03 they are
    unconfirmed unless a sourced event after the end is recorded, which then decides."""
    rows = {r["control_id"]: r for r in cli("controls", "--on", "2026-12-03", "--json").json()}
    events = cm.read_table("control_events").to_dicts()
    for cid, end in SUSPENDED_2025.items():
        later = [e for e in events if e["control_id"] == cid and e["date"] > end]
        if later:
            assert rows.get(cid, {}).get("status") != "unconfirmed", cid
            continue
        r = rows[cid]
        assert r["status"] == "unconfirmed", cid
        assert r["status_text"] == (
            f"unconfirmed since {end}: suspension ended, no renewal or lapse recorded"
        )
        # on the day before the end they were suspended
        before = cli("controls", "--on", "2026-11-09", "--status", "suspended", "--json").json()
        assert cid in {x["control_id"] for x in before}


def test_targets_of_the_japan_ban_and_technology_bans(store: Path) -> None:
    rows = {r["control_id"]: r for r in supply.controls()}
    assert set(rows["chn-2026-001-japan-dual-use"]["target"]) == {"JPN", "military_end_users"}
    assert rows["chn-2024-046-us-dual-use-ban"]["target"] == ["USA"]
    for r in rows.values():
        if r["measure"] == "technology_ban":
            assert r["target"] == ["technology"], r["control_id"]


# -- order rules: refused on import (exit 2, nothing written) and by validate -------------------

BAD_CHAINS = {
    "lifted before effective": (
        [("2020-01-01", "lifted", ""), ("2021-01-01", "effective", "")],
        ["lifted 2020-01-01", "effective 2021-01-01"],
    ),
    "resumed without suspended": (
        [("2020-01-01", "effective", ""), ("2020-06-01", "resumed", "")],
        ["resumed 2020-06-01"],
    ),
    "extended while not suspended": (
        [("2020-01-01", "effective", ""), ("2020-06-01", "suspension_extended", "2021-01-01")],
        ["suspension_extended 2020-06-01"],
    ),
    "event after lifted": (
        [
            ("2020-01-01", "effective", ""),
            ("2020-06-01", "lifted", ""),
            ("2020-09-01", "suspended", "2021-01-01"),
        ],
        ["suspended 2020-09-01", "lifted 2020-06-01"],
    ),
    "announced after effective": (
        [("2020-03-01", "announced", ""), ("2020-01-01", "effective", "")],
        ["announced 2020-03-01", "effective 2020-01-01"],
    ),
}


def _write_events(path: Path, cid: str, chain: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EVENT_COLUMNS)
        for date, event, until in chain:
            row = dict.fromkeys(EVENT_COLUMNS, "")
            row.update(control_id=cid, date=date, event=event, until=until, source_id=SRC)
            w.writerow([row[c] for c in EVENT_COLUMNS])
    return path


@pytest.mark.parametrize("case", sorted(BAD_CHAINS))
def test_out_of_order_chain_is_refused_on_import(
    store: Path, cli: Any, tmp_path: Path, case: str
) -> None:
    chain, named = BAD_CHAINS[case]
    cid = "tst-2020-out-of-order"
    before = cm.read_table("control_events")
    file = _write_events(tmp_path / "bad.csv", cid, chain)
    r = cli("data", "import", "control_events", str(file))
    assert r.code == 2, (r.out, r.err)
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert f"control {cid}" in r.err
    for label in named:
        assert label in r.err, (label, r.err)
    assert cm.read_table("control_events").equals(before)  # nothing written


def test_an_import_is_checked_with_the_events_already_held(
    store: Path, cli: Any, tmp_path: Path
) -> None:
    cid = "chn-2023-023-gallium-germanium"  # announced 2023-07-03, effective 2023-08-01
    before = cm.read_table("control_events")
    file = _write_events(tmp_path / "bad.csv", cid, [("2030-01-01", "resumed", "")])
    r = cli("data", "import", "control_events", str(file))
    assert r.code == 2 and f"control {cid}: resumed 2030-01-01 without a suspension" in r.err
    assert cm.read_table("control_events").equals(before)


def test_an_ordered_chain_imports(store: Path, cli: Any, tmp_path: Path) -> None:
    cid = "chn-2023-023-gallium-germanium"
    file = _write_events(
        tmp_path / "good.csv",
        cid,
        [("2030-01-01", "suspended", "2030-06-30"), ("2030-03-01", "resumed", "")],
    )
    r = cli("data", "import", "control_events", str(file))
    assert r.code == 0, r.err
    st = cli("controls", "show", cid, "--on", "2030-02-01", "--json").json()
    assert st["status"] == "suspended" and st["status_until"] == "2030-06-30"
    assert cli("controls", "show", cid, "--on", "2030-04-01", "--json").json()["status"] == (
        "active"
    )


def test_validate_refuses_an_out_of_order_chain(cli: Any, tmp_path: Path) -> None:
    from critmin.data.bundled import reference_dir

    root = tmp_path / "reference"
    shutil.copytree(reference_dir(), root)
    _write_events(
        root / "control_events" / "zz_bad.csv",
        "idn-2020-nickel-ore-ban",
        [("2019-06-01", "resumed", "")],
    )
    r = cli("data", "validate", "--path", str(root), "--json")
    assert r.code == 2
    failures = r.json()["failures"]
    assert any(
        f["table"] == "control_events"
        and "idn-2020-nickel-ore-ban" in f["message"]
        and "resumed 2019-06-01" in f["message"]
        for f in failures
    ), failures


def test_suspension_needs_until_or_indefinite(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from critmin.schema import ControlEvent

    base = {c: "" for c in EVENT_COLUMNS}
    base.update(control_id="x", date="2026-02-25", event="suspended", source_id="s")
    with pytest.raises(ValidationError, match="indefinite"):
        ControlEvent.model_validate(base)
    ControlEvent.model_validate({**base, "note": "officials called it indefinite"})
    with pytest.raises(ValidationError, match="quantity"):
        ControlEvent.model_validate({**base, "event": "quota_set"})


# -- the pure rules ------------------------------------------------------------------------------

_EVENTS = st.sampled_from(
    ["announced", "effective", "suspended", "suspension_extended", "resumed", "lifted"]
)


@given(
    st.lists(st.tuples(st.integers(0, 60), _EVENTS, st.integers(1, 30)), min_size=1, max_size=6),
    st.integers(-5, 100),
)
def test_status_properties(chain: list[tuple[int, str, int]], offset: int) -> None:
    start = dt.date(2020, 1, 1)
    events = [
        {
            "control_id": "x",
            "date": start + dt.timedelta(days=d),
            "event": e,
            "until": start + dt.timedelta(days=d + n) if "suspen" in e else None,
        }
        for d, e, n in chain
    ]
    day = start + dt.timedelta(days=offset)
    st_ = status_on({"mineral_ids": ["x"], "target": ["all"]}, events, day)
    assert st_["status"] in STATUSES
    first = min(e["date"] for e in events)
    assert (st_["status"] == "not_yet") == (day < first)
    if not chain_errors("x", events):
        lifted = [e["date"] for e in events if e["event"] == "lifted"]
        # in an ordered chain, a lifted control stays lifted
        assert (st_["status"] == "lifted") == bool(lifted and lifted[0] <= day)
    if st_["status"] == "unconfirmed":
        assert st_["since"] < day  # a suspension whose end has passed


def test_a_quota_whose_year_ran_out_reads_unconfirmed() -> None:
    """Quotas are annual: MOFCOM's 2015 antimony quota was set on 2014-10-30 (the register's
    last allotment for it, no lift recorded), so the control is active through 2015 and
    unconfirmed from 2016-01-01, not active for ever."""
    control = {"mineral_ids": ["antimony"], "target": ["all"], "measure": "quota"}
    events = [
        {"control_id": "q", "date": dt.date(2010, 10, 28), "event": "quota_set"},
        {"control_id": "q", "date": dt.date(2014, 10, 30), "event": "quota_set"},
    ]
    assert status_on(control, events, dt.date(2015, 6, 1))["status"] == "active"
    later = status_on(control, events, dt.date(2016, 1, 1))
    assert later["status"] == "unconfirmed" and later["since"] == dt.date(2015, 12, 31)
    assert "set on 2014-10-30" in later["text"]
    # a lift recorded decides; a duty (not a quota) set once stays as it is
    lifted = [*events, {"control_id": "q", "date": dt.date(2015, 5, 1), "event": "lifted"}]
    assert status_on(control, lifted, dt.date(2016, 1, 1))["status"] == "lifted"
    duty = {**control, "measure": "export_tax"}
    rate = [{"control_id": "d", "date": dt.date(2007, 6, 1), "event": "rate_set"}]
    assert status_on(duty, rate, dt.date(2016, 1, 1))["status"] == "active"


def test_amended_minerals_and_targets_follow_the_date() -> None:
    control = {"mineral_ids": ["gallium"], "target": ["USA"]}
    events = [
        {"date": dt.date(2024, 12, 3), "event": "effective"},
        {
            "date": dt.date(2025, 3, 1),
            "event": "amended",
            "minerals_added": ["graphite"],
            "minerals_removed": [],
            "targets_added": ["all"],
            "targets_removed": ["USA"],
        },
    ]
    early = status_on(control, events, dt.date(2025, 1, 1))
    late = status_on(control, events, dt.date(2025, 6, 1))
    assert early["minerals"] == ["gallium"] and early["targets"] == ["USA"]
    assert late["minerals"] == ["gallium", "graphite"] and late["targets"] == ["all"]


# -- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["CHN", "chn", "cn", "China", "CHINA"])
def test_country_any_spelling(store: Path, cli: Any, spelling: str) -> None:
    want = cli("controls", "--country", "CHN", "--json").json()
    got = cli("controls", "--country", spelling, "--json").json()
    assert got == want and want and {r["imposing_iso3"] for r in got} == {"CHN"}


@pytest.mark.parametrize(
    ("argv", "closest"),
    [
        (("--country", "Chinaa"), "CHN"),
        (("--country", "Zimbabwee"), "ZWE"),
        (("--mineral", "galium"), "gallium"),
        (("--measure", "ore ban"), "ore_export_ban"),
        (("--status", "unconfirmd"), "unconfirmed"),
    ],
)
def test_unknown_filter_is_exit_2_with_closest(
    store: Path, cli: Any, argv: tuple[str, ...], closest: str
) -> None:
    r = cli("controls", *argv, "--json")
    assert r.code == 2 and r.out == ""
    assert "closest valid" in r.err and closest in r.err and r.err.count("\n") == 1


def test_filters_are_case_insensitive(store: Path, cli: Any) -> None:
    a = cli("controls", "--mineral", "Dy", "--measure", "LICENCE REQUIREMENT", "--json").json()
    b = cli("controls", "--mineral", "dysprosium", "--measure", "licence_requirement", "--json")
    assert a == b.json() and "chn-2025-018-medium-heavy-ree" in {r["control_id"] for r in a}
    assert all(r["measure"] == "licence_requirement" for r in a)
    unconfirmed = cli("controls", "--on", "2026-12-03", "--status", "UNCONFIRMED", "--json")
    assert {r["status"] for r in unconfirmed.json()} == {"unconfirmed"}


# -- exposure: a range, with and without the unconfirmed controls --------------------------------


def test_exposure_bounds_by_hand(store: Path) -> None:
    """Rare earths, USGS MCS 2026 (MCS2026_Commodities_Data.csv): 2025 mine production,
    world 390,000 t, China 270,000 t, Malaysia 110 t; US net import reliance 2025: 67 %.
    Fixture: a Malaysian ore ban in force, a Chinese licence suspended until 2026-11-10
    (unconfirmed on 2026-12-03), and Chinese measures the US is not a target of."""
    _empty_register(store)
    _add(
        [
            _control("tst-mys-ore", "MYS", "rare_earths", "ore_export_ban", "all"),
            _control("tst-chn-licence", "CHN", "rare_earths", "licence_requirement", "all"),
            _control("tst-chn-japan", "CHN", "rare_earths", "ban", "JPN|military_end_users"),
            _control("tst-chn-military", "CHN", "cerium", "ban", "military_end_users"),
            _control("tst-chn-tech", "CHN", "rare_earths", "licence_requirement", "technology"),
        ],
        [
            _event("tst-mys-ore", "2024-01-01", "effective"),
            _event("tst-chn-licence", "2025-10-09", "announced"),
            _event("tst-chn-licence", "2025-11-07", "suspended", until="2026-11-10"),
            _event("tst-chn-japan", "2026-01-06", "effective"),
            _event("tst-chn-military", "2024-12-03", "effective"),
            _event("tst-chn-tech", "2025-10-09", "effective"),
        ],
    )
    ce = {r["mineral"]: r for r in supply.exposure(on="2026-12-03")}["cerium"]
    assert ce["net_import_reliance"] == pytest.approx(0.67)
    assert ce["controlled_stage"] == "mine"
    assert ce["controlled_share"] == pytest.approx(110 / 390_000)
    assert ce["controlled_share_high"] == pytest.approx(270_110 / 390_000)
    assert ce["score_low"] == pytest.approx(0.67 * 110 / 390_000)
    assert ce["score_high"] == pytest.approx(0.67 * 270_110 / 390_000)
    assert ce["score"] == ce["score_low"]
    assert ce["controls"] == ["tst-mys-ore"]
    assert ce["unconfirmed_controls"] == ["tst-chn-licence"]
    # while suspended the Chinese licence counts in neither bound
    mid = {r["mineral"]: r for r in supply.exposure(on="2026-06-01")}["cerium"]
    assert mid["score_low"] == mid["score_high"] == pytest.approx(0.67 * 110 / 390_000)
    assert mid["unconfirmed_controls"] == []


def test_exposure_json_names_unconfirmed_controls(store: Path, cli: Any) -> None:
    rows = {r["mineral"]: r for r in cli("exposure", "--on", "2026-12-03", "--json").json()}
    for r in rows.values():
        if r["score_low"] is not None:
            assert r["score_low"] <= r["score_high"] + 1e-12
            assert r["score"] == r["score_low"]
        if r["unconfirmed_controls"] == []:
            assert r["score_low"] == r["score_high"]
    # the October 2025 rare-earth measures are unconfirmed: they widen the rare-earth range
    ce = rows["cerium"]
    assert "chn-2025-061-extraterritorial-ree" in ce["unconfirmed_controls"]
    assert ce["score_high"] > ce["score_low"]
