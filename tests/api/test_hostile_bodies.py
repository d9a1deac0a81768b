"""Hostile JSON bodies on every POST endpoint: lone surrogates and keys given twice.

A JSON string may hold ``\\ud800`` (a lone surrogate) which UTF-8 cannot encode: the error
body that echoed it could not be sent, and every POST answered 500 with a traceback logged
(D5). Keys given twice were read as the last one, silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

TOKEN = "test-token-0123456789"
API = "/api/v1"

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
SURROGATE = '"\\ud800"'  # the JSON escape, sent as these 8 raw bytes

# (path, a body with the lone surrogate in a field it names, that field)
POSTS: list[tuple[str, str, str]] = [
    (f"{API}/floor", '{"preset":' + SURROGATE + "}", "preset"),
    (f"{API}/scenarios/chn-2025-ree-april/run", '{"draws":10,"seed":' + SURROGATE + "}", "seed"),
    (f"{API}/stockpile/plan", '{"draws":10,"probability":' + SURROGATE + "}", "probability"),
    (f"{API}/stockpile/frontier", '{"draws":10,"step_usd":' + SURROGATE + "}", "step_usd"),
    (f"{API}/stockpile/days", '{"draws":10,"loss_rate":' + SURROGATE + "}", "loss_rate"),
    (f"{API}/scenarios/check", '{"title":"t","name":' + SURROGATE + "}", "name"),
    (f"{API}/pipeline/run", '{"draws":10,"seed":' + SURROGATE + "}", "seed"),
    (f"{API}/pipeline/backtest", '{"draws":10,"seed":' + SURROGATE + "}", "seed"),
    (
        f"{API}/ledger",
        '{"date":"2026-01-15","actor_iso3":"USA","agency":'
        + SURROGATE
        + ',"instrument":"grant","amount":1000,"currency":"USD","recipient":"R",'
        + '"status":"committed","source_id":"iv-mp-8k","verification":"press"}',
        "agency",
    ),
]


def assert_error(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"detail", "field", "value"}, body
    assert isinstance(body["detail"], str) and "\n" not in body["detail"]
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def client(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", TOKEN)
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_every_post_operation_is_listed(client: TestClient) -> None:
    posts = {p for p, ops in client.get("/openapi.json").json()["paths"].items() if "post" in ops}
    assert {p.replace("{name}", "chn-2025-ree-april") for p in posts} == {p for p, _, _ in POSTS}


@pytest.mark.parametrize(("path", "body", "field"), POSTS, ids=[p for p, _, _ in POSTS])
def test_lone_surrogate_is_422_naming_the_field(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, body: str, field: str
) -> None:
    rows = len(client.get(f"{API}/ledger", params={"history": True}).json())
    with caplog.at_level(logging.ERROR, logger="critmin.api"):
        r = client.post(path, content=body.encode(), headers=AUTH)
    err = assert_error(r, 422, field)
    assert err["value"] in ("\\ud800", None)  # escaped when echoed, never the raw surrogate
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(client.get(f"{API}/ledger", params={"history": True}).json()) == rows


def test_unencodable_unknown_key_is_422(client: TestClient) -> None:
    r = client.post(f"{API}/floor", content=b'{"\\udfff":1}', headers=AUTH)
    err = assert_error(r, 422, "body")  # the key itself is the bad text
    assert err["value"] == "\\udfff"


@pytest.mark.parametrize(("path", "body", "field"), POSTS, ids=[p for p, _, _ in POSTS])
def test_duplicate_key_is_422_naming_it(
    client: TestClient, path: str, body: str, field: str
) -> None:
    rows = len(client.get(f"{API}/ledger", params={"history": True}).json())
    twice = body.replace("{", '{"' + field + '":"a",', 1)
    assert_error(client.post(path, content=twice.encode(), headers=AUTH), 422, field)
    assert len(client.get(f"{API}/ledger", params={"history": True}).json()) == rows


def test_duplicate_key_nested_and_in_a_valid_body(client: TestClient) -> None:
    body = '{"preset":"mp-ndpr","paths":100,"preset":"mp-ndpr"}'
    err = assert_error(client.post(f"{API}/floor", content=body.encode(), headers=AUTH), 422)
    assert err["field"] == "preset" and "more than once" in err["detail"]
    nested = '{"preset":"mp-ndpr","paths":100,"contract":{"floor":1,"floor":2}}'
    r = client.post(f"{API}/floor", content=nested.encode(), headers=AUTH)
    assert_error(r, 422, "contract.floor")
    ok = POSTS[-1][1].replace(SURROGATE, '"DOE"')
    r = client.post(f"{API}/ledger", content=ok.encode(), headers=AUTH)
    assert r.status_code == 201, r.text


def test_duplicate_key_without_token_is_still_401(client: TestClient) -> None:
    body = b'{"agency":"a","agency":"b"}'
    r = client.post(f"{API}/ledger", content=body, headers={"Content-Type": "application/json"})
    assert_error(r, 401)


def test_duplicate_key_finder() -> None:
    from critmin.api.bodies import duplicate_key

    assert duplicate_key(b'{"a":1,"b":[{"c":1,"c":2}]}') == "b.0.c"
    assert duplicate_key(b'{"a":{"x":1},"a":{"y":2}}') == "a"
    assert duplicate_key(b'{"a":1,"b":2}') is None
    assert duplicate_key(b"not json") is None
    assert duplicate_key(b"[" * 100_000 + b"]" * 100_000) is None
