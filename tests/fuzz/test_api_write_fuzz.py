"""The one write, ``POST /api/v1/ledger``, fuzzed with references that exist.

The schemathesis fuzzer (test_api_fuzz.py) rarely gets past the reference checks: its
country, mineral and source ids are made up. Here every reference is drawn from the store
(countries, minerals, sources, assets, claims, FX currencies, existing row ids), so the
requests reach the checks behind them, and the free text fields get what breaks encoders:
lone surrogates (``\\ud800``, sent as the JSON escape), NUL, bidi controls, a BOM.

Checks: 201 or 422, never a 5xx; a 422 is one line naming its field; a refused write leaves
the store as it was. Before the error bodies escaped what UTF-8 cannot encode, 114 of 400
such requests were 500s. ``CRITMIN_API_FUZZ_EXAMPLES`` sets the examples (default 10;
40 for a campaign).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKEN = "fuzz-token-0123456789abcdef"
EXAMPLES = 4 * int(os.environ.get("CRITMIN_API_FUZZ_EXAMPLES", "10"))
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def world(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from critmin.api import create_app
    from critmin.store import read_table

    path = tmp_path_factory.mktemp("writefuzz") / "critmin.duckdb"
    shutil.copy(built_store, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRITMIN_DB", str(path))
        mp.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.5")
        mp.setenv("CRITMIN_API_TOKEN", TOKEN)
        refs = {
            "countries": read_table("countries")["iso3"].to_list(),
            "minerals": read_table("minerals")["mineral_id"].to_list(),
            "sources": read_table("sources")["source_id"].to_list(),
            "assets": read_table("assets")["asset_id"].to_list(),
            "claims": read_table("claims")["claim_id"].to_list(),
            "agencies": read_table("agencies")["agency_id"].to_list(),
            "currencies": sorted(set(read_table("fx_rates")["currency"].to_list())),
            "ids": read_table("interventions")["id"].to_list(),
        }
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            yield path, client, refs


def entries(refs: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    from critmin.schema import INSTRUMENTS, STATUSES

    text = st.one_of(
        st.text(alphabet=st.characters(exclude_categories=()), max_size=30),
        st.text(alphabet="a \ud800\udfff\x00\u202e\ufeff", max_size=8),
    )
    dates = st.one_of(
        st.dates().map(str), st.sampled_from(["2026-02-30", "2026-1-1", "9999-12-31"]), text
    )
    amounts = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10, 10**17))
    return st.fixed_dictionaries(
        {
            "date": dates,
            "actor_iso3": st.sampled_from(refs["countries"]),
            "agency": st.one_of(text, st.sampled_from(refs["agencies"])),
            "instrument": st.sampled_from([*INSTRUMENTS, "x"]),
            "recipient": text,
            "status": st.sampled_from([*STATUSES, "x"]),
            "source_id": st.sampled_from(refs["sources"]),
            "verification": st.sampled_from(["primary", "press", "unverified", "x"]),
        },
        optional={
            "amount": amounts,
            "currency": st.sampled_from([*refs["currencies"], "USD", "XXX"]),
            "fx_date": dates,
            "host_iso3": st.sampled_from(refs["countries"]),
            "mineral_ids": st.lists(st.sampled_from(refs["minerals"]), max_size=5),
            "asset_id": st.sampled_from(refs["assets"]),
            "stage": text,
            "estimated": st.booleans(),
            "note": text,
            "supersedes": st.sampled_from(refs["ids"]),
            "claim_ids": st.lists(st.sampled_from(refs["claims"]), max_size=3),
            "id": st.one_of(
                st.sampled_from(refs["ids"]), st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
            ),
        },
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(data=st.data())
def test_ledger_write_with_real_references(world: Any, data: st.DataObject) -> None:
    path, client, refs = world
    entry = data.draw(entries(refs), label="entry")
    before = digest(path)
    body = json.dumps(entry).encode()  # ASCII: a lone surrogate goes as its \\u escape
    r = client.post("/api/v1/ledger", content=body, headers=HEADERS)
    assert r.status_code in (201, 422), r.text[:300]
    if r.status_code == 422:
        err = r.json()
        assert set(err) == {"detail", "field", "value"} and err["field"], err
        assert "\n" not in err["detail"]
        assert digest(path) == before, "a refused write changed the store"
