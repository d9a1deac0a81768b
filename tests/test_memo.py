"""critmin.memo: heavy reads kept per store state give the same answers, and see every write."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from critmin import memo


def _settle(path: Path) -> None:
    """Age the store's file times past SETTLE_S, as if the last write was a while ago."""
    old = time.time() - 10
    for f in (path, path.with_name(path.name + ".wal")):
        if f.exists():
            os.utime(f, (old, old))


def test_heavy_reads_equal_the_uncached_functions(store: Path) -> None:
    from critmin import queries, supply

    _settle(store)
    for fn, args in [
        (supply.concentration_all, ("mine",)),
        (supply.concentration_all, ("refine", 2023)),
        (supply.dominance, ()),
        (supply.exposure, ()),
        (supply.exposure, ("2025-06-01", "magnet")),
        (queries.coverage, ()),
    ]:
        plain = fn.__wrapped__(*args)  # type: ignore[attr-defined]
        first, second = fn(*args), fn(*args)
        assert first == plain and second == plain
        assert second is not first  # each caller its own copy


def test_a_kept_result_is_a_copy(store: Path) -> None:
    from critmin.supply import dominance

    _settle(store)
    dominance()
    rows = dominance()
    rows[0]["mineral"] = "changed"
    rows.clear()
    assert dominance()[0]["mineral"] != "changed"


def _entry(agency: str) -> dict[str, Any]:
    return {
        "date": "2026-01-15",
        "actor_iso3": "USA",
        "agency": agency,
        "instrument": "grant",
        "amount": 1_000_000,
        "currency": "USD",
        "recipient": "Memo Test LLC",
        "status": "committed",
        "source_id": "iv-mp-8k",
        "verification": "press",
    }


def _bump_cobalt_mine(path: Path) -> None:
    from critmin.store import read_table, upsert_rows

    rows = read_table("production", path).to_dicts()
    row = max(
        (
            r
            for r in rows
            if r["mineral_id"] == "cobalt" and r["stage"] == "mine" and r["iso3"] == "COD"
        ),
        key=lambda r: r["year"],
    )
    upsert_rows({"production": [{**row, "value": (row["value"] or 1.0) * 50}]}, path)


def test_a_write_right_after_a_read_is_seen(store: Path) -> None:
    """A write in the same clock tick as the read that was kept must not be hidden."""
    from critmin.supply import concentration_all

    _settle(store)
    before = concentration_all("mine")
    assert concentration_all("mine") == before  # kept
    _bump_cobalt_mine(store)
    after = concentration_all("mine")
    assert after != before
    assert after == concentration_all.__wrapped__("mine")  # type: ignore[attr-defined]
    cobalt = next(r for r in after if r["mineral"] == "cobalt")
    assert cobalt["leader"] == "COD"


def test_store_state_changes_with_every_write(store: Path) -> None:
    from critmin.ledger import add

    _settle(store)
    s0 = memo.store_state()
    add(_entry("usa-doe"))
    s1 = memo.store_state()
    assert s1 != s0
    assert not memo.state_settled(s1, time.time_ns())  # just written: not kept yet
    add(_entry("usa-exim"))
    assert memo.store_state() != s1


def test_yaml_kept_per_file_state(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("a: 1\nb: [1, 2]\n")
    old = time.time() - 10
    os.utime(f, (old, old))
    first = memo.read_yaml(f)
    first["b"].append(3)
    assert memo.read_yaml(f) == {"a": 1, "b": [1, 2]}
    f.write_text("a: 2\nb: [1, 2]\n")  # same size, new time
    assert memo.read_yaml(f) == {"a": 2, "b": [1, 2]}


def test_yaml_refusals_are_not_kept(tmp_path: Path) -> None:
    from critmin.errors import InputError

    f = tmp_path / "bad.yaml"
    f.write_text("a: [\n")
    old = time.time() - 10
    os.utime(f, (old, old))
    for _ in range(2):
        with pytest.raises(InputError):
            memo.read_yaml(f)
    f.write_text("a: []\n")
    assert memo.read_yaml(f) == {"a": []}
