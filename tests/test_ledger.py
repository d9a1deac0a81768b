"""The intervention ledger: append-only, corrections, summaries, letters of interest apart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from critmin import ledger
from critmin.errors import InputError
from critmin.store import read_table

SRC = "usgs-critical-minerals-list-2025"  # any resolvable source serves the fixtures


def _row(**kw: Any) -> dict[str, Any]:
    base = {
        "date": "2026-01-15",
        "actor_iso3": "USA",
        "agency": "DoD",
        "instrument": "equity",
        "amount": 100e6,
        "currency": "USD",
        "recipient": "Test Mining Co",
        "host_iso3": "USA",
        "mineral_ids": "gallium",
        "status": "committed",
        "source_id": SRC,
        "verification": "press",
    }
    base.update(kw)
    return base


def _fixture_rows(store: Path) -> list[str]:
    ids = [
        ledger.add(_row(id="t-1", amount=100e6), store)["id"],
        ledger.add(
            _row(
                id="t-2",
                agency="EXIM",
                instrument="loan",
                amount=250e6,
                mineral_ids="cobalt|nickel",
            ),
            store,
        )["id"],
        ledger.add(
            _row(
                id="t-3",
                agency="EXIM",
                instrument="letter_of_interest",
                status="letter_of_interest",
                amount=455e6,
            ),
            store,
        )["id"],
        ledger.add(_row(id="t-4", date="2025-06-01", amount=40e6, status="disbursed"), store)["id"],
    ]
    return ids


def _only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if str(r["id"]).startswith("t-")]


def test_summary_equals_hand_sums(store: Path) -> None:
    _fixture_rows(store)
    rows = _only(ledger.ledger(store))
    by_agency = ledger.summary("agency", rows=rows)
    assert {r["key"]: r["amount_usd"] for r in by_agency["rows"]} == {
        "usa-dow": 140e6,
        "usa-exim": 250e6,
    }
    assert by_agency["total_usd"] == pytest.approx(390e6)
    # the letter of interest is reported apart, not added
    assert by_agency["letters_of_interest"] == {"amount_usd": 455e6, "count": 1, "included": False}
    with_loi = ledger.summary("agency", status=["committed", "letter_of_interest"], rows=rows)
    assert with_loi["total_usd"] == pytest.approx(100e6 + 250e6 + 455e6)
    by_mineral = ledger.summary("mineral", rows=rows)
    got = {r["key"]: r["amount_usd"] for r in by_mineral["rows"]}
    assert got == {"gallium": 140e6, "cobalt": 125e6, "nickel": 125e6}
    since = ledger.summary("actor", since="2026-01-01", rows=rows)
    assert since["total_usd"] == pytest.approx(350e6)


def test_correction_supersedes_and_history_stays(store: Path) -> None:
    _fixture_rows(store)
    fixed = ledger.add(_row(amount=120e6, supersedes="t-1", note="amount corrected"), store)
    chain = ledger.history("t-1", store)
    assert [r["id"] for r in chain] == ["t-1", fixed["id"]]
    assert ledger.history(fixed["id"], store) == chain
    rows = _only(ledger.ledger(store)) + [r for r in ledger.ledger(store) if r["id"] == fixed["id"]]
    s = ledger.summary("agency", rows=rows)
    assert {r["key"]: r["amount_usd"] for r in s["rows"]}["usa-dow"] == pytest.approx(160e6)
    # the superseded row is still stored, unchanged
    stored = {r["id"]: r for r in ledger.ledger(store)}
    assert stored["t-1"]["amount_usd"] == 100e6
    with pytest.raises(InputError, match="both supersede t-1"):
        ledger.add(_row(amount=1.0, supersedes="t-1"), store)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mineral_ids": "unobtainium"}, "mineral_ids"),
        ({"host_iso3": "XXY"}, "iso3"),
        ({"amount": -5}, "amount"),
        ({"amount": None}, "amount"),
        ({"instrument": "bribe"}, "instrument"),
        ({"source_id": "nowhere"}, "source_id"),
        ({"colour": "red"}, "colour"),
        ({"supersedes": "t-999"}, "supersedes"),
        ({"date": "2026-13-01"}, "date"),
        # an infinite amount (YAML reads 1e400 as inf) made "total inf USD"
        ({"amount": float("inf")}, "amount"),
        ({"amount": float("nan")}, "amount"),
        ({"amount": 1.1e15}, "amount"),
    ],
)
def test_bad_rows_rejected_nothing_written(store: Path, change: dict[str, Any], field: str) -> None:
    before = read_table("interventions", store)
    with pytest.raises(InputError) as err:
        ledger.add(_row(**change), store)
    assert field in str(err.value)
    assert read_table("interventions", store).equals(before)


def test_cli_add_from_stdin_and_bad_yaml(
    store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            "date: 2026-02-01\nactor_iso3: USA\nagency: DOE\n"
            "instrument: loan\namount: 5.0e8\ncurrency: USD\n"
            "recipient: X Corp\nmineral_ids: [lithium]\n"
            f"status: committed\nsource_id: {SRC}\nverification: press\n"
        ),
    )
    r = cli("ledger", "add", "--file", "-", "--json")
    assert r.code == 0, r.err
    assert r.json()["amount_usd"] == 5.0e8
    bad = tmp_path / "bad.yaml"
    bad.write_text("date: [unclosed\n")
    r = cli("ledger", "add", "--file", str(bad))
    assert r.code == 2 and "YAML" in r.err and r.err.count("\n") == 1
    neg = tmp_path / "neg.yaml"
    neg.write_text(
        f"date: 2026-02-01\nactor_iso3: USA\nagency: DOE\ninstrument: loan\namount: -1\n"
        f"currency: USD\nrecipient: X\nstatus: committed\nsource_id: {SRC}\nverification: press\n"
    )
    r = cli("ledger", "add", "--file", str(neg))
    assert r.code == 2 and "amount" in r.err


def test_export_import_round_trip(store: Path, tmp_path: Path) -> None:
    _fixture_rows(store)
    ledger.add(_row(amount=120e6, supersedes="t-1"), store)
    out = tmp_path / "ledger.csv"
    n = ledger.export_rows(out, store)
    fresh = tmp_path / "fresh.duckdb"
    res = ledger.import_rows(out, fresh)
    assert res["added"] + res["unchanged"] == n
    again = tmp_path / "again.csv"
    ledger.export_rows(again, fresh)
    assert out.read_bytes() == again.read_bytes()
    # importing twice changes nothing
    assert ledger.import_rows(out, fresh)["added"] == 0


def test_reconcile_states(store: Path) -> None:
    rows = ledger.reconcile(store)
    assert all(r["status"] in ("matches", "partial", "no amount to compare") for r in rows)


def test_ids_are_assigned_in_sequence(store: Path) -> None:
    a = ledger.add(_row(), store)["id"]
    b = ledger.add(_row(), store)["id"]
    assert int(b.split("-")[1]) == int(a.split("-")[1]) + 1
    assert isinstance(ledger.ledger(store)[-1]["recorded_at"], dt.datetime)


def _claim(store: Path, claim: str) -> dict[str, Any]:
    return next(r for r in ledger.reconcile(store) if r["claim"] == claim)


def test_reconcile_follows_corrections(store: Path) -> None:
    # Lobito Corridor: DFC's $553M loan (iv-0051) reconciles to the quoted $553M
    assert _claim(store, "lobito_dfc")["status"] == "matches"
    assert _claim(store, "lobito_dfc")["ledger_usd"] == pytest.approx(553e6)
    row = {
        k: v
        for k, v in ledger.history("iv-0051", store)[-1].items()
        if k not in ("id", "recorded_at", "amount_usd", "fx_date")
    }
    fixed = ledger.add({**row, "amount": 300e6, "supersedes": "iv-0051"}, store)
    c = _claim(store, "lobito_dfc")
    assert c["status"] == "partial" and c["rows"] == [fixed["id"]]
    ended = ledger.add({**row, "status": "cancelled", "supersedes": fixed["id"]}, store)
    gone = _claim(store, "lobito_dfc")
    assert gone["status"] == "partial" and gone["rows"] == []
    # the item is named with the row that cancelled it
    assert gone["missing"][0] == f"Lobito Atlantic Railway (cancelled: {ended['id']})"


def test_concurrent_adds_from_two_processes_lose_nothing(store: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    before = len(ledger.ledger(store))
    script = (
        "import sys\n"
        "from critmin.cli import run\n"
        "for i in range(8):\n"
        "    sys.stdin = __import__('io').StringIO(sys.argv[1])\n"
        "    code = run(['ledger', 'add', '--file', '-'])\n"
        "    assert code == 0, code\n"
    )
    yaml_row = (
        "date: 2026-03-01\nactor_iso3: USA\nagency: DOE\ninstrument: grant\namount: 1000000\n"
        "currency: USD\nrecipient: Concurrency Test\nstatus: committed\n"
        f"source_id: {SRC}\nverification: press\n"
    )
    env = {**os.environ, "CRITMIN_DB": str(store), "CRITMIN_LOCK_TIMEOUT_S": "60"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, yaml_row],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    rows = ledger.ledger(store)
    assert len(rows) == before + 16
    assert len({r["id"] for r in rows}) == len(rows)
    added = [r for r in rows if r["recipient"] == "Concurrency Test"]
    assert len(added) == 16 and all(r["amount_usd"] == 1e6 for r in added)


def test_a_conversion_that_overflows_is_refused(store: Path, tmp_path: Path) -> None:
    """amount x usd_per_unit beyond double precision was stored as an infinite amount_usd;
    now a rate is at most MAX_FX and a converted amount at most MAX_AMOUNT USD (the schema's
    bound, so that an exported ledger imports again)."""
    from critmin.columns import MAX_AMOUNT, MAX_FX
    from critmin.store import import_csv

    fx = tmp_path / "fx.csv"
    fx.write_text(
        "currency,date,usd_per_unit,source_id\nXAU,2026-01-01,1e300,iv-fx-ecb-eurofxref\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="usd_per_unit"):
        import_csv("fx_rates", fx, store)
    fx.write_text(
        f"currency,date,usd_per_unit,source_id\nXAU,2026-01-01,{MAX_FX:g},iv-fx-ecb-eurofxref\n",
        encoding="utf-8",
    )
    assert import_csv("fx_rates", fx, store) == 1
    before = read_table("interventions", store)
    with pytest.raises(InputError, match="out of range") as err:
        ledger.add(_row(amount=MAX_AMOUNT, currency="XAU"), store)
    assert err.value.field == "amount"
    assert read_table("interventions", store).equals(before)
    assert ledger.add(_row(amount=1e3, currency="XAU"), store)["amount_usd"] == 1e3 * MAX_FX
