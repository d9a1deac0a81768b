"""The HTTP API fuzzed from its own OpenAPI document (schemathesis, in-process over ASGI).

Every operation in ``/openapi.json`` gets requests that fit its schema and requests that do
not (wrong types, out-of-range numbers, missing and unknown fields, odd strings), through the
app's full middleware (host check, body cap, security headers). Checks on every response:

- never a 5xx (a 503 "busy" would be allowed, but one request at a time never meets one);
- every 4xx body is the error object ``{detail, field, value}`` with a one-line ``detail``,
  and a 422 names the field it refuses;
- no response body holds a Python traceback or a source path;
- every response carries the security headers.

The write, ``POST /api/v1/ledger``, is sent without a token (401), with the right token
(201 or 422) and to a server with no token configured (403, whatever the body).

schemathesis is in the dev dependency group, so the README test command always runs these;
``CRITMIN_API_FUZZ_EXAMPLES`` raises the examples per operation for a longer campaign.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fuzzkit import digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKEN = "fuzz-token-0123456789abcdef"
MAX_EXAMPLES = int(os.environ.get("CRITMIN_API_FUZZ_EXAMPLES", "10"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# schemathesis waits 10 s for an answer by default; the leave-one-out pipeline backtest takes
# that long on a loaded 2-core machine. Speed is the benchmarks' business, not this test's.
CALL_TIMEOUT_S = 300
SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy")


@pytest.fixture(scope="module")
def api_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("apifuzz") / "critmin.duckdb"
    shutil.copy(built_store, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRITMIN_DB", str(path))
        mp.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.5")
        mp.setenv("CRITMIN_API_TOKEN", TOKEN)
        yield path


def _app(token: str | None) -> Any:
    from critmin.api import create_app
    from critmin.settings import Settings

    return create_app(Settings(api_token=token))  # the store: CRITMIN_DB when a call runs


@pytest.fixture(scope="module")
def closed_app(api_store: Path) -> Any:
    """The same API with no token configured: writes must be refused, never open."""
    return _app(None)


# the OpenAPI document does not need the store: the schema is read at import
schema = schemathesis.openapi.from_asgi("/openapi.json", _app(TOKEN))


def check_response(response: Any, case: Any) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    types = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    if response.status_code == 200 and types[0].startswith(XLSX):  # ?format=xlsx: a zip
        assert response.content.startswith(b"PK\x03\x04"), where
        text = ""
    else:
        text = response.text
    assert response.status_code < 500, f"{where}: {text[:300]}"
    assert "Traceback" not in text and 'File "/' not in text, f"{where}: {text[:300]}"
    for name in SECURITY_HEADERS:
        assert name in {k.lower() for k in response.headers}, f"{where}: no {name} header"
    if 400 <= response.status_code < 500:
        body = response.json()
        assert set(body) == {"detail", "field", "value"}, f"{where}: {body}"
        assert isinstance(body["detail"], str) and body["detail"], f"{where}: {body}"
        assert "\n" not in body["detail"], f"{where}: {body}"
        if response.status_code == 422:
            assert body["field"], f"{where}: a 422 that names no field: {body}"


def _is_ledger_write(case: Any) -> bool:
    return bool(case.method == "POST" and case.path == "/api/v1/ledger")


# slow operations (the simulations at their caps, three computations): fewer examples
SLOW = {
    "POST /api/v1/floor",
    "POST /api/v1/scenarios/{name}/run",
    "POST /api/v1/stockpile/plan",
    "POST /api/v1/pipeline/run",
    "POST /api/v1/pipeline/backtest",
    "GET /api/v1/exposure",  # these three compute for most of a second whatever they get
    "GET /api/v1/dominance",
    "GET /api/v1/concentration",
    "GET /api/v1/countries/{country}",  # a page each: every block's queries, a scenario run
    "GET /api/v1/minerals/{mineral}/sheet",
}
OPERATIONS = {r.ok().label: r.ok() for r in schema.get_all_operations()}
# negative cases need something to break: operations with no parameter and no body get none
CASES = [
    (label, mode)
    for label, op in OPERATIONS.items()
    for mode in ("positive", "negative")
    if mode == "positive" or len(op.query) + len(op.path_parameters) + len(op.body)
]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{m} {lb}" for lb, m in CASES])
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_api_never_fails_and_names_the_field(
    label: str, mode: str, api_store: Path, data: st.DataObject
) -> None:
    op = OPERATIONS[label]
    if label in SLOW and data.draw(st.integers(0, 2), label="thin out") != 0:
        return  # a third of the examples for the simulations
    strategy = op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    case = data.draw(strategy, label="case")
    if _is_ledger_write(case):
        before = digest(api_store)
        case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
        response = case.call(timeout=CALL_TIMEOUT_S)
        check_response(response, case)
        assert response.status_code == 401, response.text[:300]
        assert digest(api_store) == before
        case.headers = {**case.headers, "Authorization": f"Bearer {TOKEN}"}
        response = case.call(timeout=CALL_TIMEOUT_S)
        check_response(response, case)
        assert response.status_code in (201, 422), response.text[:300]
        if response.status_code != 201:
            assert digest(api_store) == before, "a refused write changed the store"
        return
    check_response(case.call(timeout=CALL_TIMEOUT_S), case)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "date": "2026-01-01",
            "actor_iso3": "USA",
            "agency": "DOE",
            "instrument": "grant",
            "amount": 1,
            "currency": "USD",
            "recipient": "X",
            "status": "committed",
            "source_id": "usgs-critical-minerals-list-2025",
            "verification": "press",
        },
        "not json",
    ],
)
@pytest.mark.parametrize("auth", [None, f"Bearer {TOKEN}", "Bearer wrong", "Basic abc"])
def test_no_token_configured_refuses_every_write(
    closed_app: Any, api_store: Path, body: Any, auth: str | None
) -> None:
    from fastapi.testclient import TestClient

    before = digest(api_store)
    headers = {"Authorization": auth} if auth else {}
    with TestClient(closed_app) as client:
        if isinstance(body, str):
            r = client.post("/api/v1/ledger", content=body, headers=headers)
        else:
            r = client.post("/api/v1/ledger", json=body, headers=headers)
    assert r.status_code == 403, r.text
    assert digest(api_store) == before


# -- regressions the fuzzer found (each answered wrongly before its fix) ---------------------

SIMULATIONS = ["/api/v1/floor", "/api/v1/stockpile/plan", "/api/v1/pipeline/run"]


@pytest.fixture(scope="module")
def client(api_store: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(_app(TOKEN)) as c:
        yield c


@pytest.mark.parametrize("body", [b"\x00", b"]\xdb\x10", b"{", b"\xff\xfe"])
def test_no_token_is_401_before_the_body_is_parsed(client: Any, body: bytes) -> None:
    """It was 422 "JSON decode error" (or 400): FastAPI parses a body before dependencies."""
    r = client.post("/api/v1/ledger", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("body", [b"]\xdb\x10", b"\xff\xfe"])
def test_body_that_is_not_utf8_is_422_naming_the_body(client: Any, body: bytes) -> None:
    """It was 400 with no field ("There was an error parsing the body")."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    r = client.post("/api/v1/ledger", content=body, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "body", r.text


@pytest.mark.parametrize("key", ["", "\n", "a\tb"])
@pytest.mark.parametrize("path", SIMULATIONS)
def test_unknown_blank_key_is_named_on_one_line(client: Any, path: str, key: str) -> None:
    """It was field "" or a detail with a newline in it."""
    r = client.post(path, json={key: 1})
    body = r.json()
    assert r.status_code == 422 and body["field"] == repr(key), body
    assert "\n" not in body["detail"], body
