"""The HTTP API: same numbers as the CLI, writes behind the token, errors as one JSON line.

The CLI-equality test runs each command in-process with ``--json`` and the matching request
against a TestClient on the same store, and compares the parsed JSON for exact equality
(only the wall-clock fields of a floor run differ between two runs and are left out).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

TOKEN = "test-token-0123456789"
API = "/api/v1"


@pytest.fixture
def client(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from critmin.api import create_app

    monkeypatch.setenv("CRITMIN_API_TOKEN", TOKEN)
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def closed_client(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A server with no CRITMIN_API_TOKEN: every write refused."""
    from critmin.api import create_app

    monkeypatch.delenv("CRITMIN_API_TOKEN", raising=False)
    with TestClient(create_app()) as c:
        yield c


def assert_error(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail", "field", "value"}, body
    assert isinstance(body["detail"], str) and "\n" not in body["detail"]
    assert "Traceback" not in r.text
    if field is not None:
        assert body["field"] == field, body
    return body  # type: ignore[no-any-return]


# -- the same numbers as the CLI -----------------------------------------------------------------

FLOOR_TIMING = {"runtime_s", "path_steps_per_s"}

# (CLI argv, method, path, JSON body or None)
SAME_AS_CLI: list[tuple[tuple[str, ...], str, str, dict[str, Any] | None]] = [
    (("minerals",), "GET", "/minerals", None),
    (("sources",), "GET", "/sources", None),
    (("data", "coverage"), "GET", "/coverage", None),
    (
        ("concentration", "cobalt", "--stage", "refine"),
        "GET",
        "/concentration/cobalt?stage=refine",
        None,
    ),
    (("concentration", "Rare Earths"), "GET", "/concentration/Rare%20Earths", None),
    (("concentration", "neodymium"), "GET", "/concentration/neodymium", None),
    (
        ("concentration", "gallium", "--stage", "refine", "--year", "2025"),
        "GET",
        "/concentration/gallium?stage=refine&year=2025",
        None,
    ),
    (
        ("concentration", "germanium", "--stage", "refine"),
        "GET",
        "/concentration/germanium?stage=refine",
        None,
    ),
    (
        ("concentration", "lanthanum", "--stage", "refine"),
        "GET",
        "/concentration/lanthanum?stage=refine",
        None,
    ),
    (
        ("concentration", "--all", "--stage", "refine"),
        "GET",
        "/concentration?stage=refine",
        None,
    ),
    (
        ("concentration", "--all", "--stage", "mine", "--year", "2024"),
        "GET",
        "/concentration?stage=mine&year=2024",
        None,
    ),
    (("dominance",), "GET", "/dominance", None),
    (("control", "cobalt", "--host", "COD"), "GET", "/control/cobalt?host=COD", None),
    (
        ("control", "cobalt", "--host", "COD", "--as-of", "2012-01-01"),
        "GET",
        "/control/cobalt?host=COD&as_of=2012-01-01",
        None,
    ),
    (
        ("control", "copper", "--host", "COD", "--by", "projects", "--as-of", "2024-12-31"),
        "GET",
        "/control/copper/projects?host=COD&as_of=2024-12-31",
        None,
    ),
    (("controls", "--country", "CHN"), "GET", "/controls?country=CHN", None),
    (("controls", "--active-on", "2024-01-01"), "GET", "/controls?active_on=2024-01-01", None),
    # issue 19: statuses from the event chains, in words, the same on both sides
    (("controls", "--on", "2026-12-03"), "GET", "/controls?on=2026-12-03", None),
    (
        ("controls", "--country", "china", "--status", "Unconfirmed", "--on", "2026-12-03"),
        "GET",
        "/controls?country=china&status=Unconfirmed&on=2026-12-03",
        None,
    ),
    (
        ("controls", "--mineral", "Dy", "--measure", "licence requirement"),
        "GET",
        "/controls?mineral=Dy&measure=licence%20requirement",
        None,
    ),
    (
        ("controls", "show", "chn-2024-046-us-dual-use-ban", "--on", "2026-12-03"),
        "GET",
        "/controls/chn-2024-046-us-dual-use-ban?on=2026-12-03",
        None,
    ),
    (("exposure", "--on", "2025-06-01"), "GET", "/exposure?on=2025-06-01", None),
    (("exposure", "--on", "2026-12-03"), "GET", "/exposure?on=2026-12-03", None),
    (
        ("ledger", "list", "--actor", "USA", "--history"),
        "GET",
        "/ledger?actor=USA&history=true",
        None,
    ),
    (("ledger", "list", "--instrument", "loan"), "GET", "/ledger?instrument=loan", None),
    (("ledger", "history", "iv-0001"), "GET", "/ledger/iv-0001/history", None),
    (
        (
            "ledger",
            "summary",
            "--by",
            "agency",
            "--status",
            "committed",
            "--status",
            "letter_of_interest",
        ),
        "GET",
        "/ledger/summary?by=agency&status=committed&status=letter_of_interest",
        None,
    ),
    (("ledger", "gap", "--by", "mineral"), "GET", "/ledger/gap?by=mineral", None),
    (("ledger", "reconcile"), "GET", "/ledger/reconcile", None),
    # issue 20: the same totals, what they leave out, and the same resolved filters
    (("ledger", "summary"), "GET", "/ledger/summary", None),
    (
        ("ledger", "summary", "--by", "office", "--include-unverified"),
        "GET",
        "/ledger/summary?by=office&include_unverified=true",
        None,
    ),
    (
        ("ledger", "reconcile", "--include-unverified"),
        "GET",
        "/ledger/reconcile?include_unverified=true",
        None,
    ),
    (("ledger", "list", "--mineral", "Cobalt"), "GET", "/ledger?mineral=Cobalt", None),
    (
        ("ledger", "list", "--actor", "US", "--status", "Committed"),
        "GET",
        "/ledger?actor=US&status=Committed",
        None,
    ),
    (
        ("ledger", "list", "--instrument", "price-floor", "--agency", "Pentagon"),
        "GET",
        "/ledger?instrument=price-floor&agency=Pentagon",
        None,
    ),
    (
        ("floor", "--preset", "mp-ndpr", "--paths", "4000", "--seed", "7"),
        "POST",
        "/floor",
        {"preset": "mp-ndpr", "paths": 4000, "seed": 7},
    ),
    (
        ("floor", "--preset", "mp-ndpr", "--model", "gbm", "--paths", "3000"),
        "POST",
        "/floor",
        {"preset": "mp-ndpr", "model_kind": "gbm", "paths": 3000},
    ),
    (
        (
            *("floor", "--floor", "100", "--spot", "60", "--years", "5", "--volume", "1000"),
            *("--vol", "0.3", "--settlement", "annual", "--paths", "3000"),
        ),
        "POST",
        "/floor",
        {
            "contract": {
                "floor": 100,
                "term_years": 5,
                "volume_tpy": [1000],
                "settlement": "annual",
            },
            "price_model": {"kind": "gbm", "spot": 60, "sigma": 0.3},
            "paths": 3000,
        },
    ),
    (("pipeline", "projects"), "GET", "/pipeline/projects", None),
    (
        ("pipeline", "run", "--draws", "400", "--seed", "3"),
        "POST",
        "/pipeline/run",
        {"draws": 400, "seed": 3},
    ),
]


@pytest.mark.parametrize(("argv", "method", "path", "body"), SAME_AS_CLI, ids=lambda v: str(v))
def test_numbers_equal_the_cli(
    client: TestClient,
    cli: Any,
    argv: tuple[str, ...],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    r = cli(*argv, "--json")
    assert r.code == 0, r.err
    expected = r.json()
    resp = client.request(method, API + path, json=body)
    assert resp.status_code == 200, resp.text
    got = resp.json()
    if argv[0] == "floor":
        for key in FLOOR_TIMING:
            assert key in got and key in expected
            got.pop(key), expected.pop(key)
    assert got == expected


SIM_TIMING = {"optimiser_seconds", "seconds"}


def _drop(obj: Any, keys: set[str]) -> Any:
    """``obj`` without the wall-clock fields, at any depth."""
    if isinstance(obj, dict):
        return {k: _drop(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [_drop(v, keys) for v in obj]
    return obj


def test_scenarios_equal_the_cli(client: TestClient, cli: Any) -> None:
    listed = cli("scenario", "list", "--json").json()
    assert client.get(f"{API}/scenarios").json() == listed
    name = next(s["name"] for s in listed if s["kind"] == "event")
    shown = cli("scenario", "show", name, "--json").json()
    assert client.get(f"{API}/scenarios/{name}").json() == shown
    for argv, body in (
        (("--draws", "300", "--seed", "5"), {"draws": 300, "seed": 5}),
        (("--draws", "200"), {"draws": 200}),  # the default seed on both sides
    ):
        r = cli("scenario", "run", name, *argv, "--json")
        assert r.code == 0, r.err
        resp = client.post(f"{API}/scenarios/{name}/run", json=body)
        assert resp.status_code == 200, resp.text
        assert resp.json() == r.json()


STOCKPILE_ARGV = ("--draws", "400", "--seed", "11", "--cap-days", "180", "--probability", "0.1")
STOCKPILE_BODY = {"draws": 400, "seed": 11, "cap_days": 180, "probability": 0.1}


@pytest.mark.parametrize(
    ("command", "argv", "route", "body"),
    [
        ("plan", ("--budget", "2e9"), "plan", {"budget_usd": 2e9}),
        (
            "plan",
            ("--budget", "1e13", "--no-lp-check"),
            "plan",
            {"budget_usd": 1e13, "lp_check": False},
        ),
        (
            "frontier",
            ("--max-budget", "5e9", "--step", "5e8"),
            "frontier",
            {"max_budget_usd": 5e9, "step_usd": 5e8},
        ),
        (
            "days",
            ("--budget", "3e9", "--minerals", "cobalt,graphite"),
            "days",
            {"budget_usd": 3e9, "minerals": ["cobalt", "graphite"]},
        ),
    ],
)
def test_stockpile_equals_the_cli_and_python(
    client: TestClient,
    cli: Any,
    command: str,
    argv: tuple[str, ...],
    route: str,
    body: dict[str, Any],
) -> None:
    from critmin.api.routes import jsonable
    from critmin.optimize import days_cover, inputs, stockpile

    r = cli("stockpile", command, *argv, *STOCKPILE_ARGV, "--json")
    assert r.code == 0, r.err
    resp = client.post(f"{API}/stockpile/{route}", json=STOCKPILE_BODY | body)
    assert resp.status_code == 200, resp.text
    got, expected = resp.json(), r.json()
    econ = inputs.Economics(probability=0.1, cap_days=180)
    if command == "plan":
        py = stockpile.plan(body["budget_usd"], econ, None, 400, 11, body.get("lp_check", True))
    elif command == "frontier":
        py = stockpile.frontier(5e9, 5e8, econ, None, 400, 11)
    else:
        py = days_cover.days_table(stockpile.model(3e9, econ, ["cobalt", "graphite"], 400, 11))
    timing = SIM_TIMING | {"speed_ratio"}
    assert _drop(got, timing) == _drop(expected, timing) == _drop(jsonable(py), timing)


# -- reads: shapes and errors --------------------------------------------------------------------


def test_healthz_and_security_headers(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    h = r.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-eval" not in csp
    assert "access-control-allow-origin" not in h


def test_errors_carry_security_headers_too(client: TestClient) -> None:
    for r in (client.get(f"{API}/concentration/unobtainium"), client.get("/nope")):
        assert_error(r, 404)
        assert r.headers["x-frame-options"] == "DENY"


def test_no_cors(client: TestClient) -> None:
    r = client.options(
        f"{API}/minerals",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in r.headers
    r = client.get(f"{API}/minerals", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_openapi_names_every_group(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = set(doc["paths"])
    for p in (
        "/healthz",
        "/api/v1/minerals",
        "/api/v1/sources",
        "/api/v1/concentration",
        "/api/v1/concentration/{mineral}",
        "/api/v1/dominance",
        "/api/v1/control/{mineral}",
        "/api/v1/control/{mineral}/projects",
        "/api/v1/controls",
        "/api/v1/exposure",
        "/api/v1/ledger",
        "/api/v1/ledger/{row_id}/history",
        "/api/v1/ledger/summary",
        "/api/v1/ledger/gap",
        "/api/v1/ledger/reconcile",
        "/api/v1/floor",
        "/api/v1/scenarios",
        "/api/v1/scenarios/{name}",
        "/api/v1/scenarios/{name}/run",
        "/api/v1/scenarios/check",
        "/api/v1/scenarios/backtest",
        "/api/v1/stockpile/plan",
        "/api/v1/stockpile/frontier",
        "/api/v1/stockpile/days",
        "/api/v1/pipeline/run",
    ):
        assert p in paths, p
    assert doc["paths"]["/api/v1/ledger"]["post"]["security"] == [{"token": []}]
    assert (
        "get" in doc["paths"]["/api/v1/ledger"]
        and "security" not in doc["paths"]["/api/v1/ledger"]["get"]
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/concentration/cobalt?stage=smelter", "stage"),
        ("/concentration/cobalt?year=1850", "year"),
        ("/concentration/cobalt?year=2001", "year"),  # valid type, no data that year
        ("/concentration/cobalt?year=abc", "year"),
        ("/controls?active_on=yesterday", "active_on"),
        ("/controls?country=Chinaa", "country"),
        ("/controls?status=actve", "status"),
        ("/controls?measure=ore%20ban", "measure"),
        ("/controls?mineral=galium", "mineral"),
        ("/controls/chn-2024-046?on=2026-12-03", "control_id"),
        ("/ledger?instrument=bribe", "instrument"),
        ("/ledger/summary?by=planet", "by"),
        ("/ledger/summary?status=rumoured", "status"),
        ("/ledger?mineral=Cobalx", "mineral"),
        ("/ledger?actor=Untied%20States", "actor"),
        ("/ledger?status=comitted", "status"),
        ("/ledger?instrument=prise-floor", "instrument"),
        ("/ledger?agency=Pentagn", "agency"),
        ("/ledger?verification=rumour", "verification"),
        ("/control/cobalt?host=C0D", "host"),
        # a parameter the operation does not take is refused, not ignored
        ("/concentration/cobalt?yaer=2023", "yaer"),
        ("/dominance?stage=mine", "stage"),
        ("/ledger?limit=-1", "limit"),
        ("/minerals?=1", "''"),
        ("/minerals?a%0Ab=1", "'a\\nb'"),
    ],
)
def test_bad_query_is_422_naming_the_field(client: TestClient, path: str, field: str) -> None:
    assert_error(client.get(API + path), 422, field)


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (("--country", "Chinaa"), "?country=Chinaa"),
        (("--status", "actve"), "?status=actve"),
        (("--mineral", "galium"), "?mineral=galium"),
        (("show", "chn-2024-046"), "/chn-2024-046"),
    ],
)
def test_controls_filter_errors_match_the_cli(
    client: TestClient, cli: Any, argv: tuple[str, ...], path: str
) -> None:
    r = cli("controls", *argv)
    assert r.code == 2
    body = assert_error(client.get(API + "/controls" + path), 422)
    # the same words; each names the value as its user gives it (--country, ?country=)
    assert r.err.strip().replace("field '--", "field '") == "error: " + body["detail"]


def test_every_declared_query_parameter_is_accepted(client: TestClient) -> None:
    """The unknown-parameter check reads the OpenAPI document: nothing it lists is refused."""
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        if "{" in path or "get" not in ops:
            continue
        for p in ops["get"].get("parameters", []):
            if p["in"] == "query":
                r = client.get(path, params={p["name"]: "x"})
                assert "unknown query parameter" not in r.text, (path, p["name"])


def test_unknown_things_are_404(client: TestClient) -> None:
    assert_error(client.get(f"{API}/concentration/unobtainium"), 404)
    assert_error(client.get(f"{API}/ledger/iv-9999/history"), 404)
    assert_error(client.post(f"{API}/scenarios/no-such-scenario/run", json={}), 404)
    assert_error(client.get(f"{API}/floor/presets/nope"), 404)


def test_scenario_names_never_reach_the_file_system(client: TestClient) -> None:
    # a bundled name only: a path or a file name is not read
    assert client.post(f"{API}/scenarios/..%2F..%2Fetc%2Fpasswd/run", json={}).status_code in (
        404,
        422,
    )
    r = client.post(f"{API}/stockpile/plan", json={"scenarios": ["pyproject.toml"], "draws": 10})
    assert r.status_code in (404, 422), r.text


# -- simulations: validation and caps ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preset": "mp-ndpr", "paths": 200_001}, "paths"),
        ({"preset": "mp-ndpr", "paths": 0}, "paths"),
        ({"preset": "mp-ndpr", "seed": -1}, "seed"),
        ({"preset": "mp-ndpr", "bogus": 1}, "bogus"),
        ({"preset": "no-such-preset"}, None),
        # without a preset, the contract and the model's spot and sigma are required
        ({"model_kind": "gbm"}, "contract.floor"),
        ({"contract": {"floor": 110, "term_years": 10, "volume_tpy": [1]}}, "price_model.spot"),
        ({"preset": "mp-ndpr", "contract": {"bogus": 1}}, "contract.bogus"),
        ({"preset": "mp-ndpr", "price_model": {"sigma": -0.1}}, "price_model.sigma"),
        # a field laid over the preset is checked with the preset's others: gbm takes no kappa
        (
            {"preset": "mp-ndpr", "model_kind": "gbm", "price_model": {"kappa": 1}},
            "price_model.kappa",
        ),
        (
            {
                "contract": {"floor": -5, "term_years": 10, "volume_tpy": [1]},
                "price_model": {"kind": "gbm", "spot": 50, "sigma": 0.3},
            },
            "contract.floor",
        ),
        (
            {
                "contract": {"floor": 100, "term_years": 10, "volume_tpy": [1]},
                "price_model": {"kind": "ou", "spot": 50, "sigma": 0.3},
            },
            "price_model.theta_level",
        ),
        (  # 100 years monthly x 200 000 paths: over the path-step cap
            {
                "contract": {"floor": 100, "term_years": 100, "volume_tpy": [1]},
                "price_model": {"kind": "gbm", "spot": 50, "sigma": 0.3},
                "paths": 200_000,
            },
            "paths",
        ),
    ],
)
def test_floor_input_is_checked(client: TestClient, body: dict[str, Any], field: str) -> None:
    r = client.post(f"{API}/floor", json=body)
    if field is None:
        assert r.status_code in (404, 422), r.text
        assert_error(r, r.status_code)
    else:
        assert_error(r, 422, field)


def test_simulation_draws_are_capped(client: TestClient) -> None:
    assert_error(
        client.post(f"{API}/scenarios/chn-2023-graphite/run", json={"draws": 20_001}), 422, "draws"
    )
    assert_error(client.post(f"{API}/stockpile/plan", json={"draws": 50_000}), 422, "draws")
    assert_error(client.post(f"{API}/pipeline/run", json={"draws": 1_000_000}), 422, "draws")
    assert_error(client.post(f"{API}/stockpile/plan", json={"weight": "gold"}), 422, "weight")


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("plan", {"budget_usd": -1e9}, "budget_usd"),
        ("plan", {"probability": 1.5}, "probability"),
        ("plan", {"probability": -0.5}, "probability"),
        ("days", {"financing_rate": -0.01}, "financing_rate"),
        ("frontier", {"storage_rate": -1}, "storage_rate"),
        ("plan", {"minerals": ["unobtainium"], "draws": 10}, "minerals"),
        ("frontier", {"max_budget_usd": 1e10, "step_usd": 1.0}, "step"),
    ],
)
def test_stockpile_bad_input_is_422_naming_the_field(
    client: TestClient, route: str, body: dict[str, Any], field: str
) -> None:
    err = assert_error(client.post(f"{API}/stockpile/{route}", json=body), 422)
    assert field in (err["field"] or ""), err


def test_bad_json_and_oversized_bodies(client: TestClient) -> None:
    r = client.post(
        f"{API}/floor", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 422, "body")
    big = json.dumps({"preset": "mp-ndpr", "pad": "x" * 70_000})
    r = client.post(f"{API}/floor", content=big, headers={"Content-Type": "application/json"})
    assert_error(r, 413)
    assert r.headers["x-content-type-options"] == "nosniff"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts streamed bytes
        for _ in range(20):
            yield b" " * 4096

    r = client.post(f"{API}/floor", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413)


def test_floor_result_shape(client: TestClient) -> None:
    r = client.post(f"{API}/floor", json={"preset": "mp-ndpr", "paths": 2000})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["paths"] == 2000 and len(res["yearly"]) == 11  # 41 quarters: 2025-10 to 2035-12
    assert res["model"]["kind"] == "ou"
    assert 0 < res["p50_usd"] <= res["p95_usd"] <= res["p99_usd"]
    assert sum(res["histogram"]["counts"]) == 2000


def test_stockpile_plan_spends_within_budget(client: TestClient) -> None:
    r = client.post(f"{API}/stockpile/plan", json={"budget_usd": 1e8, "draws": 500})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["spent_usd"] <= 1e8 * (1 + 1e-9)
    assert res["allocations"] and res["draws"] == 500
    assert res["minerals_in_scope"] >= 30


# -- writes: the token ---------------------------------------------------------------------------

ENTRY = {
    "date": "2026-01-15",
    "actor_iso3": "USA",
    "agency": "DOE",
    "instrument": "grant",
    "amount": 12_500_000,
    "currency": "USD",
    "recipient": "Test Refining LLC",
    "host_iso3": "USA",
    "mineral_ids": ["gallium"],
    "status": "committed",
    "source_id": "iv-mp-8k",
    "verification": "press",
    "note": "API test row",
}


def test_write_without_configured_token_is_refused(closed_client: TestClient) -> None:
    r = closed_client.post(f"{API}/ledger", json=ENTRY, headers={"Authorization": "Bearer x"})
    assert_error(r, 403)
    r = closed_client.post(f"{API}/ledger", json=ENTRY, headers={"Authorization": "Bearer "})
    assert_error(r, 403)
    assert closed_client.get(f"{API}/ledger").status_code == 200  # reads stay open


def test_write_needs_the_right_token(client: TestClient) -> None:
    before = len(client.get(f"{API}/ledger?history=true").json())
    r = client.post(f"{API}/ledger", json=ENTRY)
    assert_error(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN):
        assert_error(
            client.post(f"{API}/ledger", json=ENTRY, headers={"Authorization": header}), 401
        )
    # unauthenticated requests learn nothing about the body
    assert_error(client.post(f"{API}/ledger", json={"bogus": 1}), 401)
    assert len(client.get(f"{API}/ledger?history=true").json()) == before


def test_write_with_token_appends_and_reads_back(client: TestClient, cli: Any) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post(f"{API}/ledger", json=ENTRY, headers=auth)
    assert r.status_code == 201, r.text
    row = r.json()
    assert row["id"].startswith("iv-") and row["amount_usd"] == 12_500_000
    listed = cli("ledger", "list", "--agency", "DOE", "--json").json()
    assert row["id"] in {x["id"] for x in listed}
    # a correction supersedes; the chain is the history
    fix = {**ENTRY, "amount": 13_000_000, "supersedes": row["id"]}
    r2 = client.post(f"{API}/ledger", json=fix, headers=auth)
    assert r2.status_code == 201, r2.text
    chain = client.get(f"{API}/ledger/{row['id']}/history").json()
    assert [x["id"] for x in chain] == [row["id"], r2.json()["id"]]
    # the same row cannot be superseded twice
    assert_error(client.post(f"{API}/ledger", json=fix, headers=auth), 422, "supersedes")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "bribe"}, "instrument"),
        ({"status": "rumoured"}, "status"),
        ({"amount": -1}, "amount"),
        ({"date": "15/01/2026"}, "date"),
        ({"actor_iso3": "usa"}, "actor_iso3"),
        ({"source_id": "no-such-source"}, "source_id"),
        ({"mineral_ids": ["unobtainium"]}, "mineral_ids"),
        ({"colour": "red"}, "colour"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_bad_ledger_entry_is_422_and_writes_nothing(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = len(client.get(f"{API}/ledger?history=true").json())
    assert_error(client.post(f"{API}/ledger", json={**ENTRY, **change}, headers=auth), 422, field)
    assert len(client.get(f"{API}/ledger?history=true").json()) == before


# -- failures never leak ------------------------------------------------------------------------


def test_internal_error_is_generic_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import critmin.supply

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail at /srv/critmin/internal.py")

    monkeypatch.setattr(critmin.supply, "dominance", boom)
    r = client.get(f"{API}/dominance")
    body = assert_error(r, 500)
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert "internal error" in body["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_busy_store_is_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import critmin.supply
    from critmin.errors import StoreBusyError

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise StoreBusyError("store busy: held by process 4242")

    monkeypatch.setattr(critmin.supply, "dominance", busy)
    r = client.get(f"{API}/dominance")
    assert_error(r, 503)
    assert int(r.headers["retry-after"]) > 0


def test_busy_server_is_503_not_a_hang(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from critmin.api import routes

    monkeypatch.setattr(routes, "GATE_TIMEOUT_S", 0.05)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with routes._GATE:
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(5)
        r = client.get(f"{API}/minerals")
        assert_error(r, 503)
        assert "retry-after" in r.headers
    finally:
        release.set()
        t.join()
    assert client.get(f"{API}/minerals").status_code == 200


# -- the pages and their local assets ------------------------------------------------------------


def test_pages_load_only_local_assets(client: TestClient) -> None:
    import re

    for page in ("/", "/docs"):
        r = client.get(page)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert refs and all(ref.startswith(("/", "#")) for ref in refs), refs
        assert "<script>" not in r.text  # no inline script: CSP script-src 'self'
        for ref in refs:
            if ref.startswith("/static/"):
                assert client.get(ref).status_code == 200, ref


def test_vendor_assets_are_cached_and_revalidated(client: TestClient) -> None:
    r = client.get("/static/vendor/plotly.min.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "max-age" in r.headers["cache-control"]
    assert r.content.startswith(b"/**\n* plotly.js")
    again = client.get("/static/vendor/plotly.min.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    world = client.get("/static/topojson/world_110m.json")
    assert world.status_code == 200 and "countries" in world.json()["objects"]
    assert client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    assert_error(client.get("/static/app/../app.py"), 404)
    assert_error(client.get("/static/docs/index.html"), 404)


def test_loopback_server_refuses_foreign_host_names(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from critmin.api import create_app
    from critmin.api.app import LOOPBACK_HOSTS

    app = create_app(allowed_hosts=LOOPBACK_HOSTS)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "[::1]:8000"}).status_code == 200
        r = c.get(f"{API}/ledger", headers={"Host": "rebound.example:8000"})
        assert_error(r, 400, "Host")


# -- `critmin serve` -----------------------------------------------------------------------------

# `critmin serve ...` through the CLI's own runner (registering the command if the root app
# does not list it yet)
SERVE = (
    "import sys; from critmin.cli import app, run, serve; "
    "'serve' in {c.name for c in app.registered_commands} or serve.register(app); "
    "sys.exit(run(['serve', *sys.argv[1:]]))"
)


def test_serve_runs_uvicorn_and_answers(store: Path, tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CRITMIN_DB": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.load(r)["status"] == "ok"
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        # the port is taken now: a second server says so in one line, naming --port
        from critmin.cli.serve import serve_cmd
        from critmin.errors import InputError

        with pytest.raises(InputError) as exc:
            serve_cmd(host="127.0.0.1", port=port, log_level="info")
        assert exc.value.field == "--port" and "\n" not in str(exc.value)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err
    assert f"http://127.0.0.1:{port}/" in err


def test_serve_refuses_a_bad_port(cli: Any) -> None:
    from critmin.cli.serve import serve_cmd
    from critmin.errors import InputError

    with pytest.raises(InputError) as exc:
        serve_cmd(host="127.0.0.1", port=70_000, log_level="info")
    assert exc.value.field == "--port"


@pytest.mark.parametrize(
    "token", ["a", "short-token", "has a space in it!!", "tab\tseparated-0123456"]
)
def test_serve_refuses_a_weak_or_unsendable_token(
    store: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """A 1-character token was accepted (guessable); one with a space could never be sent.
    Refused when the server starts, naming the variable and never showing the token."""
    from critmin.cli.serve import serve_cmd
    from critmin.errors import InputError

    monkeypatch.setenv("CRITMIN_API_TOKEN", token)
    with pytest.raises(InputError) as exc:
        serve_cmd(host="127.0.0.1", port=8000, log_level="info")
    assert exc.value.field == "CRITMIN_API_TOKEN" and exc.value.value is None
    assert len(token) < 3 or token not in str(exc.value)  # "a" is in any sentence
    r = cli("minerals", "--json")  # reads and the rest of the CLI do not need the token
    assert r.code == 0, r.err


def test_empty_token_means_writes_refused() -> None:
    from critmin.api import create_app
    from critmin.settings import Settings

    with TestClient(create_app(Settings(api_token=""))) as c:
        r = c.post(f"{API}/ledger", json=ENTRY, headers={"Authorization": "Bearer "})
    assert_error(r, 403)


# -- scenario validation and the market-model backtest (issue 21) -------------------------------

_GOOD_SCENARIO: dict[str, Any] = {
    "name": "toy",
    "title": "toy",
    "restricting_iso3": "CHN",
    "minerals": ["gallium"],
    "stage": "refine",
    "start": "2025-01-01",
    "withheld_share": 0.5,
    "duration_months": 6,
    "elasticity": 0.5,
    "basis": {
        k: "a"
        for k in (
            "withheld_share",
            "duration_months",
            "leakage",
            "buffer_months",
            "ramp_up",
            "elasticity",
            "price_cap",
        )
    },
    "sources": [{"id": "s", "publisher": "p", "title": "t", "supports": "all"}],
    "assumptions": "a toy scenario for the validation tests",
}


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"withheld_share": 1.5}, "withheld_share"),
        ({"buffer_months": -1}, "buffer_months"),
        (
            {"inputs": {"gallium": {"stockpile_t": {"value": -5, "source": "s"}}}},
            "inputs.gallium.stockpile_t.value",
        ),
        ({"minerals": ["unobtainium"]}, "minerals.0"),
    ],
)
def test_scenario_check_names_the_bad_field(
    client: TestClient, over: dict[str, Any], field: str
) -> None:
    assert client.post(f"{API}/scenarios/check", json=_GOOD_SCENARIO).json()["valid"] is True
    assert_error(client.post(f"{API}/scenarios/check", json={**_GOOD_SCENARIO, **over}), 422, field)


def test_backtest_is_the_bundled_summary(client: TestClient) -> None:
    """The endpoint serves the bundled summary; tests/sim/test_backtest.py checks that a fresh
    run (what `critmin scenario backtest --json` computes) equals it."""
    from critmin.sim import backtest as bt

    body = client.get(f"{API}/scenarios/backtest").json()
    assert body == bt.load_summary()
    assert body["all_targets_met"] is True


def test_stage_takes_any_case_and_names_a_wrong_one(client: TestClient) -> None:
    lower = client.get(f"{API}/concentration/cobalt", params={"stage": "refine"}).json()
    assert client.get(f"{API}/concentration/cobalt", params={"stage": "Refine"}).json() == lower
    r = client.get(f"{API}/concentration/cobalt", params={"stage": "Mn"})
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("stage", "Mn")
