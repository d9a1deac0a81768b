"""Sweeps: grid and seeds, identical results on every executor, resume after Ctrl-C or a lost
worker, storage (DuckDB + Parquet), workers that never touch the store, the CLI."""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from critmin.errors import InputError
from critmin.sweep import (
    CELL_CAP,
    CellOutcome,
    SweepIncomplete,
    SweepInterrupted,
    cell_params,
    cell_seed,
    example_names,
    list_sweeps,
    load_sweep,
    parse_sweep,
    plan,
    run_cell,
    run_sweep,
    sweep_results,
)

FLOOR = {
    "name": "t-floor",
    "engine": "floor",
    "seed": 11,
    "draws": 600,
    "base": {
        "preset": "mp-ndpr",
        "model_kind": "gbm",
        "contract": {"term_years": 2, "volume_tpy": [4000, 5000]},
    },
    "axes": {"contract.floor": {"start": 90, "stop": 120, "num": 4}, "model.sigma": [0.3, 0.5]},
}


def _floor(**over: Any) -> Any:
    return parse_sweep({**FLOOR, **over})


def _frame(sweep_id: str) -> Any:
    return sweep_results(sweep_id)


@pytest.fixture
def cli_app(cli: Any) -> Any:
    """The root CLI with the sweep command registered (a no-op once the app wires it)."""
    from critmin.cli import app
    from critmin.cli.sweep import register

    if not any(c.name == "sweep" for c in app.registered_commands):
        register(app)
    return cli


# -- definition, grid, seeds -------------------------------------------------------------------


def test_grid_is_the_cartesian_product_in_axis_order() -> None:
    d = _floor()
    axes = d.axis_values()
    assert axes[0] == ("contract.floor", [90.0, 100.0, 110.0, 120.0])
    product = list(itertools.product(*(v for _, v in axes)))
    assert d.n_cells == len(product) == 8
    for i, values in enumerate(product):
        assert tuple(cell_params(axes, i).values()) == values


def test_log_range_and_scalar_axis() -> None:
    d = _floor(axes={"model.sigma": {"start": 0.1, "stop": 1.0, "num": 3, "scale": "log"}})
    assert d.axis_values() == [("model.sigma", [0.1, 0.316227766017, 1.0])]
    assert _floor(axes={"model.sigma": 0.4}).axis_values() == [("model.sigma", [0.4])]


def test_cell_seed_is_the_documented_seedsequence_child() -> None:
    want = np.random.SeedSequence(5, spawn_key=(3,)).generate_state(1, np.uint64)[0]
    assert cell_seed(5, 3) == int(want) >> 1
    seeds = {cell_seed(5, i) for i in range(2000)}
    assert len(seeds) == 2000 and max(seeds) < 2**63


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"axes": {"contract.floor": {"start": 1, "stop": 2, "num": 0}}}, "axes", "num"),
        ({"axes": {"contract.floor": {"start": 1, "stop": 2}}}, "axes", "num"),
        ({"axes": {"contract.floor": []}}, "sweep", "no values"),
        ({"axes": {"scenario": "bundled"}}, "sweep", "bundled"),
        ({"engine": "mine"}, "engine", "floor"),
        ({"draws": 0}, "draws", "greater than"),
        ({"bogus": 1}, "bogus", "Extra"),
        # fuzzer: a list where a preset name belongs was TypeError (unhashable) at plan time
        ({"base": {"preset": "mp-ndpr", "model_kind": [[1]]}}, "base.model_kind", "name"),
        ({"axes": {"preset": ["mp-ndpr", 3]}}, "axes.preset", "names"),
    ],
)
def test_bad_definitions_are_one_line_naming_the_field(
    over: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as err:
        parse_sweep({**FLOOR, **over})
    assert (err.value.field or "").startswith(field) and words in str(err.value)
    assert "\n" not in str(err.value)


def test_cell_cap() -> None:
    big = {"a": list(range(1000)), "b": list(range(101))}
    with pytest.raises(InputError, match=f"more than {CELL_CAP:,}"):
        parse_sweep({**FLOOR, "axes": big})


def test_bad_cell_values_fail_before_any_cell_runs(store: Path) -> None:
    d = _floor(axes={"model.sigma": [0.3, -1.0]})
    with pytest.raises(InputError) as err:
        run_sweep(d, workers=1)
    assert err.value.field is None and "model.sigma" in str(err.value)
    assert list_sweeps() == []


def test_sweep_id_ignores_titles_but_not_axis_order(store: Path) -> None:
    a, _ = plan(_floor())
    assert plan(_floor(title="other", name="other"))[0] == a
    flipped = dict(reversed(list(_floor().axes.items())))
    assert plan(_floor(axes=flipped))[0] != a
    assert plan(_floor(seed=12))[0] != a


def test_examples_load_and_check(store: Path) -> None:
    assert set(example_names()) >= {"floor-grid", "scenario-grid", "pipeline-grid"}
    for name in example_names():
        d = load_sweep(name)
        assert 1 <= d.n_cells <= 200
        plan(d)


# -- engines: a cell is the engine run with the cell's seed ----------------------------------


def test_floor_cell_equals_a_direct_run(store: Path) -> None:
    from critmin.sim.floor import load_preset, simulate_floor

    d = _floor()
    rep = run_sweep(d, workers=1)
    frame = _frame(rep.sweep_id)
    row = frame.row(5, named=True)
    assert row["contract.floor"] == 110.0 and row["model.sigma"] == 0.5
    spec = load_preset("mp-ndpr")
    data = spec.contract.model_dump() | {"floor": 110.0, "term_years": 2, "volume_tpy": [4e3, 5e3]}
    contract = type(spec.contract).model_validate(data)
    model = spec.model("gbm").model_copy(update={"sigma": 0.5})
    res = simulate_floor(contract, model, paths=600, seed=cell_seed(11, 5))
    assert row["seed"] == cell_seed(11, 5)
    assert row["expected_cost_usd"] == res.expected_cost_usd
    assert row["p95_usd"] == res.quantiles_usd["p95"]


def test_common_seeding_uses_the_sweep_seed(store: Path) -> None:
    rep = run_sweep(_floor(seeding="common"), workers=1)
    frame = _frame(rep.sweep_id)
    assert set(frame["seed"]) == {11}
    cost = frame.filter(frame["model.sigma"] == 0.3)["expected_cost_usd"].to_list()
    assert cost == sorted(cost)  # same paths: a higher floor never costs less


def test_scenario_sweep_matches_the_engine(store: Path) -> None:
    from critmin.sim.disruption import load_scenario, resolve_inputs, simulate, summarise

    d = parse_sweep(
        {
            "name": "t-scen",
            "engine": "scenario",
            "seed": 3,
            "draws": 300,
            "axes": {
                "scenario": ["chn-2024-antimony", "chn-2023-graphite"],
                "elasticity": [0.1, 0.3],
                "duration_months": [6],
            },
        }
    )
    rep = run_sweep(d, workers=1)
    row = _frame(rep.sweep_id).row(3, named=True)
    assert (row["scenario"], row["elasticity"]) == ("chn-2023-graphite", 0.3)
    data = load_scenario("chn-2023-graphite").model_dump()
    sc = load_scenario("chn-2023-graphite").model_validate(
        {**data, "elasticity": 0.3, "duration_months": 6}
    )
    want = summarise(simulate(sc, resolve_inputs(sc), 300, cell_seed(3, 3)))
    m = next(m for m in want["minerals"] if m["computable"])
    assert row[f"{m['mineral']}.price_multiplier.p95"] == m["price_multiplier"]["p95"]
    assert row[f"{m['mineral']}.shortfall_t.mean"] == m["shortfall_t"]["mean"]


def test_pipeline_sweep_matches_the_engine(store: Path) -> None:
    from critmin.sim.pipeline import StageModel, load_stage_model, run

    d = parse_sweep(
        {
            "name": "t-pipe",
            "engine": "pipeline",
            "seed": 9,
            "draws": 200,
            "axes": {"phases.construction.p_success.value": [0.5, 0.9]},
        }
    )
    rep = run_sweep(d, workers=1)
    row = _frame(rep.sweep_id).row(1, named=True)
    data = load_stage_model().model_dump()
    data["phases"]["construction"]["p_success"]["value"] = 0.9
    want = run(200, cell_seed(9, 1), model=StageModel.model_validate(data))
    assert row["totals.public_at_risk_usd"] == want["totals"]["public_at_risk_usd"]
    assert row["phases.construction.p_success.value"] == 0.9


def _clean_run_cells_deleted(store: Path) -> None:
    import duckdb

    with duckdb.connect(str(store)) as con:
        con.execute("DELETE FROM sweep_cells")


def _clean_run(store: Path, d: Any) -> Any:
    """The frame of an uninterrupted in-process run of ``d`` (any cells deleted first)."""
    with contextlib.suppress(Exception):  # no table yet: nothing to delete
        _clean_run_cells_deleted(store)
    return _frame(run_sweep(d, workers=1).sweep_id)


# -- executors: same numbers everywhere ------------------------------------------------------


def test_local_processes_match_in_process(store: Path, tmp_path: Path) -> None:
    import duckdb

    d = _floor()
    one = run_sweep(d, workers=1, out=tmp_path / "one.parquet")
    reference = _frame(one.sweep_id)
    with duckdb.connect(str(store)) as con:
        con.execute("DELETE FROM sweep_cells")
    two = run_sweep(d, workers=2, out=tmp_path / "two.parquet")
    assert two.sweep_id == one.sweep_id and two.ran == 8 and two.slots == 2
    assert _frame(two.sweep_id).equals(reference)


def test_dask_local_cluster_matches_in_process_despite_a_lost_worker(store: Path) -> None:
    """A Dask worker killed mid-sweep: the scheduler re-runs its cells elsewhere (the nanny
    restarts it) and the numbers are still those of the in-process run."""
    pytest.importorskip("distributed", reason="dask[distributed] (extra 'dask') not installed")
    d = _floor(draws=3000)
    reference = _clean_run(store, d)
    _clean_run_cells_deleted(store)
    seen: list[str] = []

    def kill_one(o: CellOutcome, done: int, _total: int) -> None:
        seen.append(o.worker)
        if done == 2:
            os.kill(int(o.worker.rsplit(":", 1)[1]), signal.SIGKILL)

    rep = run_sweep(d, dask="local", workers=2, on_cell=kill_one)
    assert rep.ran == 8 and "Dask" in rep.executor
    assert _frame(rep.sweep_id).equals(reference)
    assert len(set(seen)) >= 2  # cells ran on more than one worker process


def test_dask_local_cluster_listens_on_loopback_only() -> None:
    """Dask's tcp:// protocol has no authentication: the local cluster's scheduler and workers
    bind 127.0.0.1 (docs/sweeps.md), so no other machine can submit work to them."""
    distributed = pytest.importorskip("distributed", reason="extra 'dask' not installed")
    from critmin.sweep.executors import open_executor

    with open_executor(workers=1, dask="local"):
        client = distributed.default_client()
        addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert len(addresses) == 2
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses


# -- resume ----------------------------------------------------------------------------------


def test_ctrl_c_keeps_finished_cells_and_rerun_resumes(store: Path) -> None:
    d = _floor()

    def stop_after_three(_o: CellOutcome, done: int, _total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted, match="3 of 8 cells saved"):
        run_sweep(d, workers=1, on_cell=stop_after_three)
    rep = run_sweep(d, workers=1)
    assert (rep.resumed, rep.ran) == (3, 5)
    resumed = _frame(rep.sweep_id)
    assert resumed["cell"].to_list() == list(range(8))
    assert resumed.equals(_clean_run(store, d))


def test_lost_worker_keeps_finished_cells_and_rerun_resumes(store: Path) -> None:
    d = _floor(draws=3000, axes={"contract.floor": {"start": 80, "stop": 130, "num": 24}})
    killed: list[int] = []

    def kill_a_worker(o: CellOutcome, done: int, _total: int) -> None:
        if done == 3 and not killed:
            killed.append(int(o.worker.rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    with pytest.raises(SweepIncomplete, match="run the same sweep again") as err:
        run_sweep(d, workers=2, on_cell=kill_a_worker)
    assert "Broken" in str(err.value) or "terminated" in str(err.value)
    saved = len(_frame(plan(d)[0]))
    assert 3 <= saved < 24
    rep = run_sweep(d, workers=2)
    assert (rep.resumed, rep.ran) == (saved, 24 - saved)
    assert _frame(rep.sweep_id).equals(_clean_run(store, d))


def test_cli_sigint_saves_and_resumes(store: Path, tmp_path: Path) -> None:
    """Ctrl-C as a terminal sends it (SIGINT to the whole process group, workers included):
    exit 130 with one line, the finished cells kept; the same command then runs the rest."""
    spec = tmp_path / "many.yaml"
    axes = {"contract.floor": list(range(60, 160, 2))}  # 50 cells
    spec.write_text(json.dumps({**FLOOR, "draws": 20000, "axes": axes}), encoding="utf-8")
    code = textwrap.dedent(
        """
        import sys
        import critmin.sweep as sw
        from critmin.cli import app, run
        from critmin.cli.sweep import register
        if not any(c.name == "sweep" for c in app.registered_commands):
            register(app)
        add = sw._Writer.add
        def tell(self, *args):  # announce each finished cell, so the test knows when to stop
            add(self, *args)
            print("cell", flush=True)
        if "--json" not in sys.argv:
            sw._Writer.add = tell
        sys.exit(run(sys.argv[1:]))
        """
    )
    argv = [sys.executable, "-c", code, "sweep", str(spec), "--workers", "2"]
    argv += ["--out", str(tmp_path / "many.parquet")]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    for _ in range(3):
        assert proc.stdout.readline() == "cell\n"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # a very fast machine finished first: nothing to resume
        pytest.skip("the sweep finished before the interrupt")
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "interrupted" in err and "cells saved" in err, err
    saved = int(err.split(" of 50 cells")[0].rsplit(" ", 1)[1])
    assert 3 <= saved < 50
    done = subprocess.run([*argv, "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rep = json.loads(done.stdout)
    assert (rep["resumed"], rep["ran"]) == (saved, 50 - saved)


# -- storage -----------------------------------------------------------------------------------


def test_parquet_and_tables_carry_definition_and_versions(store: Path, tmp_path: Path) -> None:
    import duckdb
    import polars as pl
    import pyarrow.parquet as pq

    from critmin import __version__

    out = tmp_path / "sub" / "r.parquet"
    rep = run_sweep(_floor(), workers=1, out=out)
    assert rep.out == str(out)
    meta = json.loads(pq.read_schema(out).metadata[b"critmin.sweep"])
    assert meta["sweep_id"] == rep.sweep_id and meta["critmin_version"] == __version__
    assert meta["definition"]["axes"]["model.sigma"] == [0.3, 0.5] and meta["data_version"]
    assert pl.read_parquet(out).equals(_frame(rep.sweep_id))
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute(
            "SELECT cells, critmin_version, completed_at IS NOT NULL, definition->>'$.engine' "
            "FROM sweeps WHERE sweep_id = ?",
            [rep.sweep_id],
        ).fetchall()
        assert row == [(8, __version__, True, "floor")]
        n = con.execute("SELECT count(*) FROM sweep_cells WHERE result->>'$.p95_usd' IS NOT NULL")
        assert n.fetchall() == [(8,)]
    [s] = list_sweeps()
    assert (s["sweep_id"], s["done"], s["cells"]) == (rep.sweep_id, 8, 8)


def test_workers_never_open_the_store(store: Path) -> None:
    """Tasks built by the parent run in worker processes while another process holds the
    store's write lock (DuckDB would refuse them even a read-only open)."""
    from concurrent.futures import ProcessPoolExecutor

    from critmin.sweep import CellTask

    d = parse_sweep(
        {
            "name": "t-mixed",
            "engine": "scenario",
            "draws": 100,
            "axes": {"scenario": ["chn-2024-antimony"], "elasticity": [0.2]},
        }
    )
    pipe = parse_sweep({"name": "t-p", "engine": "pipeline", "draws": 50})
    tasks = []
    for sweep in (d, pipe):
        _, builder = plan(sweep)
        params = cell_params(sweep.axis_values(), 0)
        tasks.append(CellTask(sweep.engine, 0, 1, sweep.draws, builder.payload(params)))
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    hold += "sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            outcomes = list(pool.map(run_cell, tasks))
    finally:
        holder.communicate("", timeout=30)
    assert all(o.metrics for o in outcomes)
    assert outcomes[1].metrics["totals.public_usd"] is not None


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_runs_a_sweep_file(store: Path, cli_app: Any, tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(json.dumps(FLOOR), encoding="utf-8")
    out = tmp_path / "r.parquet"
    r = cli_app("sweep", str(spec), "--workers", "1", "--out", str(out), "--json")
    assert r.code == 0, r.err
    rep = r.json()
    assert (rep["cells"], rep["ran"], rep["out"]) == (8, 8, str(out))
    again = cli_app("sweep", str(spec), "--workers", "1", "--out", str(out), "--json").json()
    assert (again["resumed"], again["ran"]) == (8, 0)
    dry = cli_app("sweep", str(spec), "--dry-run", "--json").json()
    assert (dry["sweep_id"], dry["done"], dry["cells"]) == (rep["sweep_id"], 8, 8)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("no-such-file.yaml",), "no such file"),
        (("floor-grid", "--dask", "udp://x"), "--dask"),
        (("floor-grid", "--dask", "tcp://127.0.0.1:1", "--workers", "2"), "own workers"),
        (("floor-grid", "--workers", "0"), "workers"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    store: Path, cli_app: Any, args: tuple[str, ...], words: str
) -> None:
    r = cli_app("sweep", *args)
    assert r.code == 2 and r.err.count("\n") == 1 and words in r.err, r.err


def test_cli_bad_yaml_names_the_field(store: Path, cli_app: Any, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nengine: floor\naxes:\n  model.sigma: {start: 1, stop: 2}\n")
    r = cli_app("sweep", str(spec))
    assert r.code == 2 and "axes.model.sigma" in r.err and "num" in r.err, r.err
