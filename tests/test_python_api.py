"""The Python API (``import critmin as cm``): every capability answers as its command does.

For each function: the Result's ``to_dict()`` equals ``critmin ... --json`` for the same
question (timings left out), ``to_polars()`` has one row per row of the main table, and a
misspelt keyword value is an InputError naming the keyword argument with the closest values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import critmin as cm
from critmin.errors import InputError, NotFoundError
from critmin.results import Result

TIMED = {
    "runtime_s",
    "path_steps_per_s",
    "wall_s",
    "cell_s",
    "overhead_per_cell_s",
    "optimiser_seconds",
}


def cmd(text: str) -> list[str]:
    """A command line as its words."""
    return text.split()


# (function, keyword arguments, the same question on the command line)
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "production",
        {"mineral": "Co", "year": 2024, "edition": "usgs-mcs-2025"},
        cmd("production cobalt --year 2024 --edition usgs-mcs-2025"),
    ),
    (
        "concentration",
        {"mineral": "gallium", "stage": "Refine"},
        cmd("concentration Ga --stage refine"),
    ),
    ("concentration_all", {"stage": "refine"}, cmd("concentration --all --stage refine")),
    ("dominance", {}, cmd("dominance")),
    (
        "control",
        {"mineral": "cobalt", "host": "CD", "year": 2024},
        cmd("control cobalt --host COD --year 2024"),
    ),
    (
        "control",
        {"mineral": "cobalt", "host": "COD", "by": "projects", "on": "2024-06-01"},
        cmd("control cobalt --host COD --by projects --as-of 2024-06-01"),
    ),
    (
        "controls",
        {"country": "China", "on": "2025-06-01"},
        cmd("controls --country CN --as-of 2025-06-01"),
    ),
    (
        "control_events",
        {"control_id": "chn-2024-046-us-dual-use-ban", "on": "2025-01-01"},
        cmd("controls show chn-2024-046-us-dual-use-ban --as-of 2025-01-01"),
    ),
    ("exposure", {"on": "2025-06-01"}, cmd("exposure --as-of 2025-06-01")),
    ("prices", {"mineral": "cobalt"}, cmd("prices cobalt")),
    ("reserves", {"mineral": "cobalt", "year": 2024}, cmd("reserves cobalt --year 2024")),
    ("imports", {"mineral": "gallium"}, cmd("imports gallium")),
    ("us_supply", {"mineral": "gallium"}, cmd("us-supply gallium")),
    ("ledger_list", {}, cmd("ledger list")),
    (
        "ledger_list",
        {"actor": "United States", "instrument": "price floor", "history": True},
        cmd("ledger list --actor US --instrument price-floor --history"),
    ),
    (
        "ledger_summary",
        {"by": "agency", "status": ["committed", "disbursed"], "since": "2025-01-01"},
        cmd("ledger summary --by agency --status committed --status disbursed --since 2025-01-01"),
    ),
    (
        "ledger_reconcile",
        {"include_unverified": True},
        cmd("ledger reconcile --include-unverified"),
    ),
    ("ledger_history", {"row_id": "iv-0001"}, cmd("ledger history iv-0001")),
    (
        "floor",
        {"preset": "mp-ndpr", "paths": 4096},
        cmd("floor --preset mp-ndpr --paths 4096 --no-band"),
    ),
    (
        "floor",
        {"preset": "mp-ndpr", "model": "gbm", "sigma": 0.5, "jumps": False, "paths": 4096},
        cmd(
            "floor --preset mp-ndpr --model gbm --vol 0.5 --jumps none --paths 4096 --no-band "
            "--seed 20250404"
        ),
    ),
    (
        "floor",
        {
            "floor": 110,
            "spot": 90,
            "term_years": 2,
            "volume_tpy": [1000, 2000],
            "settlement": "quarterly",
            "sigma": 0.3,
            "discount_rate": 0.04,
            "paths": 4096,
            "seed": 7,
        },
        cmd(
            "floor --floor 110 --spot 90 --years 2 --volume 1000,2000 --settlement quarterly "
            "--vol 0.3 --rate 0.04 --paths 4096 --seed 7"
        ),
    ),
    ("floor_band", {"preset": "mp-ndpr"}, cmd("floor --preset mp-ndpr --band")),
    (
        "scenario_run",
        {"name": "chn-2025-ree-april", "draws": 500},
        cmd("scenario run chn-2025-ree-april --draws 500"),
    ),
    ("scenario_backtest", {"draws": 100}, cmd("scenario backtest --draws 100")),
    (
        "stockpile_plan",
        {
            "budget": 5000000000.0,
            "draws": 500,
            "minerals": "Ga, antimony, cobalt",
            "lp_check": False,
        },
        cmd(
            "stockpile plan --budget 5e9 --draws 500 --no-lp-check --minerals gallium,Sb "
            "--minerals Co"
        ),
    ),
    (
        "stockpile_frontier",
        {"max_budget": 4000000000.0, "step": 1000000000.0, "draws": 500, "probability": 0.1},
        cmd("stockpile frontier --max-budget 4e9 --step 1e9 --draws 500 --probability 0.1"),
    ),
    (
        "stockpile_days",
        {"budget": 2e9, "draws": 500},
        cmd("stockpile days --budget 2e9 --draws 500"),
    ),
    ("ledger_gap", {"by": "Mineral"}, cmd("ledger gap --by mineral")),
    ("pipeline_run", {"draws": 300}, cmd("pipeline run --draws 300")),
    (
        "pipeline_backtest",
        {"draws": 300, "years": 8},
        cmd("pipeline backtest --draws 300 --years 8"),
    ),
]


def _untimed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in TIMED}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


@pytest.mark.parametrize(("name", "kwargs", "argv"), CASES, ids=[c[0] for c in CASES])
def test_result_is_the_cli_json(
    store: Path, cli: Any, name: str, kwargs: dict[str, Any], argv: list[str]
) -> None:
    res = getattr(cm, name)(**kwargs)
    assert isinstance(res, Result) and res.question == name
    out = cli(*argv, "--json")
    assert out.code == 0, out.err
    assert _untimed(res.to_dict()) == _untimed(out.json())
    rows = res.rows()
    frame = res.to_polars()
    assert frame.height == len(rows) > 0
    # the main table is the answer's own rows, in order
    first = rows[0]
    assert list(frame.columns) == list(dict.fromkeys(k for r in rows for k in r))
    assert frame.row(0, named=True).keys() >= first.keys()


def test_the_api_answers_the_same(store: Path) -> None:
    from fastapi.testclient import TestClient

    from critmin.api import create_app

    with TestClient(create_app()) as client:
        api = client.get("/api/v1/ledger", params={"actor": "usa", "status": "Committed"})
        assert api.status_code == 200
        assert api.json() == cm.ledger_list(actor="USA", status="committed").to_dict()
        api = client.get("/api/v1/concentration/cobalt", params={"stage": "mine", "year": 2024})
        assert api.status_code == 200
        assert api.json() == cm.concentration(mineral="cobalt", year=2024).to_dict()
        body = {"preset": "mp-ndpr", "paths": 4096}
        api = client.post("/api/v1/floor", json=body)
        assert api.status_code == 200
        assert _untimed(api.json()) == _untimed(cm.floor(**body).to_dict())


def test_published_figures_through_the_python_api(store: Path) -> None:
    # USGS, Mineral Commodity Summaries 2025, Cobalt: 2024 mine production, Congo (Kinshasa)
    # 220,000 t of a world 290,000 t; reserves 6,000,000 t of 11,000,000 t
    res = cm.concentration(mineral="cobalt", year=2024, edition="usgs-mcs-2025")
    assert res["leader"] == "COD" and res["world_total"] == 290_000
    assert res["leader_share"] == pytest.approx(220_000 / 290_000)
    assert res.to_polars().filter(iso3="COD")["value"].item() == 220_000
    reserves = cm.reserves(mineral="cobalt", year=2024, edition="usgs-mcs-2025")
    assert reserves["world_reported"] == 11_000_000
    assert reserves.to_polars()["value"][0] == 6_000_000


def test_floor_closed_form_and_mc_agree(store: Path) -> None:
    # Black-Scholes put at the money, sigma 0.3, one year: F (N(0.15) - N(-0.15)) a kg
    from statistics import NormalDist

    n = NormalDist()
    res = cm.floor(
        floor=110,
        spot=110,
        term_years=1,
        volume_tpy=1000,
        settlement="annual",
        sigma=0.3,
        paths=65_536,
    )
    closed = 1e6 * 110 * (n.cdf(0.15) - n.cdf(-0.15))
    assert res["analytic_expected_cost_usd"] == pytest.approx(closed, rel=1e-9)
    assert abs(res["expected_cost_usd"] - closed) < 4 * res["stderr_usd"]
    assert res.to_polars()["year"].to_list() == [1]


def test_result_is_frozen_and_to_dict_is_a_copy(store: Path) -> None:
    res = cm.ledger_history(row_id="iv-0001")
    with pytest.raises(ValueError, match="frozen"):
        res.question = "other"  # type: ignore[misc]
    rows = res.to_dict()
    rows[0]["amount_usd"] = 0
    assert res.to_dict()[0]["amount_usd"] == 400_000_000
    assert res.request == {"row_id": "iv-0001"}


def test_request_keeps_the_resolved_question(store: Path) -> None:
    res = cm.concentration(mineral="Co", stage="MINE", year=2024)
    assert res.request == {"mineral": "cobalt", "stage": "mine", "year": 2024, "edition": None}
    assert cm.controls(country="cn", on="2025-06-01").request["country"] == "CHN"


def test_to_pandas_names_pandas_when_missing(store: Path) -> None:
    import importlib.util

    res = cm.dominance()
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pandas"):
            res.to_pandas()
    else:  # pragma: no cover - pandas is not in the lock
        assert len(res.to_pandas()) == len(res.rows())


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("concentration", {"mineral": "cobalts"}, "mineral", "cobalt"),
    ("production", {"mineral": "lithum"}, "mineral", "lithium"),
    ("concentration", {"mineral": "cobalt", "stage": "mines"}, "stage", "mine"),
    ("control", {"mineral": "cobalt", "host": "Chinaa"}, "host", "CHN"),
    ("control", {"mineral": "cobalt", "by": "project"}, "by", "projects"),
    ("controls", {"measure": "bann"}, "measure", "ban"),
    ("controls", {"status": "activ"}, "status", "active"),
    ("controls", {"on": "2025-13-01"}, "on", "YYYY-MM-DD"),
    ("prices", {"mineral": "cobolt"}, "mineral", "cobalt"),
    ("ledger_list", {"instrument": "lone"}, "instrument", "loan"),
    ("ledger_list", {"actor": "Untied States"}, "actor", "USA"),
    ("ledger_summary", {"by": "agencyy"}, "by", "agency"),
    ("ledger_summary", {"status": ["comitted"]}, "status", "committed"),
    ("floor", {"preset": "mp-ndpr", "sigma": -1.0}, "sigma", ""),
    ("floor", {"preset": "mp-ndpr", "paths": 0}, "paths", ">= 1"),
    ("floor", {"floor": 100}, "term_years", "required"),
    ("scenario_run", {"name": "chn-2025-ree-april", "draws": 0}, "draws", ">= 1"),
    ("stockpile_plan", {"minerals": ["galium"]}, "minerals", "gallium"),
    ("stockpile_plan", {"probability": 2.0}, "probability", "[0, 1]"),
    ("pipeline_run", {"seed": -1}, "seed", ""),
    ("pipeline_backtest", {"years": 0}, "years", ">= 1"),
]


@pytest.mark.parametrize(("name", "kwargs", "field", "hint"), BAD, ids=[b[2] for b in BAD])
def test_bad_value_names_the_keyword(
    store: Path, name: str, kwargs: dict[str, Any], field: str, hint: str
) -> None:
    with pytest.raises(InputError) as err:
        getattr(cm, name)(**kwargs)
    assert err.value.field is not None and err.value.field.split(".")[0] == field, str(err.value)
    assert hint in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_ledger_row_is_not_found(store: Path) -> None:
    with pytest.raises(NotFoundError):
        cm.ledger_history(row_id="iv-nope")


def test_keyword_arguments_only(store: Path) -> None:
    with pytest.raises(TypeError):
        cm.concentration("cobalt")  # type: ignore[misc]


def test_every_capability_is_exposed() -> None:
    names = {c[0] for c in CASES} | {"sweep_run"}
    assert names <= set(dir(cm))
    for name in names:
        fn = getattr(cm, name)
        assert fn.__doc__ and fn.__module__.startswith("critmin.capabilities")


def test_sweep_run_matches_the_cli(store: Path, cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "name: tiny\nengine: floor\nseed: 5\ndraws: 4096\n"
        "base: {preset: mp-ndpr, model_kind: ou}\n"
        "axes:\n  contract.floor: [100, 120]\n",
        encoding="utf-8",
    )
    res = cm.sweep_run(definition=spec, workers=1)
    assert res["cells"] == 2 and res["ran"] == 2
    frame = res.to_polars()
    assert frame.height == 2 and frame["contract.floor"].to_list() == [100, 120]
    again = cli("sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "t.parquet"))
    assert again.code == 0, again.err
    out = cli("sweep", str(spec), "--workers", "1", "--dry-run", "--json").json()
    assert out["sweep_id"] == res["sweep_id"] and out["done"] == 2
    # a cheaper cell costs less: a floor of 100 pays less than one of 120
    cost = frame["expected_cost_usd"].to_list()
    assert cost[0] < cost[1]


@pytest.fixture(scope="module")
def spellings(built_store: Path) -> list[tuple[str, str]]:
    """(spelling, mineral id) for every mineral's id, name and symbol."""
    rows = cm.minerals(built_store).to_dicts()
    return [
        (str(r[key]), str(r["mineral_id"]))
        for r in rows
        for key in ("mineral_id", "name", "symbol")
        if r[key]
    ]


def test_any_spelling_of_a_mineral_asks_the_same_question(
    built_store: Path, spellings: list[tuple[str, str]]
) -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from critmin.vocab import normal

    first: dict[str, str] = {}
    for text, mid in spellings:  # a spelling two minerals share belongs to the first
        first.setdefault(normal(text), mid)

    @given(
        st.sampled_from(spellings),
        st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s} "]),
    )
    def check(pair: tuple[str, str], case: Any) -> None:
        text, _ = pair
        res = cm.controls(mineral=case(text), on="2025-06-01", path=built_store)
        assert res.request["mineral"] == first[normal(text)]
        assert all(r["status_on"] == "2025-06-01" for r in res.rows())

    check()


def test_the_python_api_imports_no_front_end() -> None:
    """The Results and the functions that build them sit below the front ends: neither
    imports the CLI, the HTTP API or the brief (those import them)."""
    import ast

    import critmin.capabilities

    folder = Path(critmin.capabilities.__file__).parent
    files = [*folder.glob("*.py"), folder.parent / "results.py", folder.parent / "jsonform.py"]
    front = ("critmin.cli", "critmin.api", "critmin.brief")
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad = [n for n in names if n.startswith(front)]
            assert not bad, f"{file.name} imports {bad}"
