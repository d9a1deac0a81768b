"""Running a sweep: the executors (local processes through concurrent.futures, Dask distributed
through its Executor), the functions the workers run besides the cells, and :func:`run_sweep`,
which keeps a window of cells in flight, saves each as it arrives and reports progress.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.errors import CritminError, InputError
from critmin.sweep.definition import Range, SweepDefinition, cell_params, cell_seed
from critmin.sweep.engines import CellOutcome, CellTask, _Builder, run_cell
from critmin.sweep.storage import _json, _open_sweep, _save, _Writer, write_parquet

if TYPE_CHECKING:
    from critmin.capabilities.inputs import StorePath

PRELOAD = ["critmin.sim.floor", "critmin.sim.disruption", "critmin.sim.pipeline"]


class SweepIncomplete(CritminError):
    """A cell or a worker failed: the finished cells are saved; running again resumes."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C: the finished cells are saved; running again resumes."""


# -- executors ---------------------------------------------------------------------------------


@dataclass
class _Pool:
    executor: Executor | None  # None: run the cells in this process, one after another
    description: str
    slots: int


@contextmanager
def open_executor(workers: int | None = None, dask: str | None = None) -> Iterator[_Pool]:
    """Local processes (concurrent.futures), or Dask distributed through its Executor.

    ``dask``: None (local processes; ``workers`` 1 runs in this process), ``"local"`` (a
    LocalCluster of ``workers`` processes, default 2, one thread each, on 127.0.0.1 without a
    dashboard) or a scheduler address ``tcp://host:8786``.
    """
    check_executor(workers, dask)
    if dask is None:
        n = workers or os.cpu_count() or 1
        if n == 1:
            yield _Pool(None, "this process", 1)
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["critmin.sweep", *PRELOAD])
        pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init)
        try:
            yield _Pool(pool, f"{n} local processes", n)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask_pool(workers, dask)


def check_executor(workers: int | None, dask: str | None) -> None:
    """InputError (field ``workers`` or ``dask``) for options no executor can take."""
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError("must be an integer >= 1", field="workers", value=workers)
    if dask is None:
        return
    if dask != "local" and not dask.startswith(("tcp://", "tls://")):
        raise InputError(
            "give local or a scheduler address tcp://HOST:PORT", field="dask", value=dask
        )
    if dask != "local" and workers is not None:
        raise InputError("an existing cluster has its own workers", field="workers", value=workers)
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        msg = "Dask is not installed: pip install 'critmin[dask]' (dask[distributed])"
        raise InputError(msg, field="dask", value=dask)


def _dask_pool(workers: int | None, dask: str) -> Iterator[_Pool]:
    import importlib
    import logging

    distributed: Any = importlib.import_module("distributed")  # Any: the extra is optional

    cluster = None
    try:
        if dask == "local":
            cluster = distributed.LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard; its HTTP server on loopback, any port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(dask, timeout="10s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SweepIncomplete(f"cannot reach the Dask scheduler at {dask}: {first}") from None
    try:
        _check_versions(client, dask)
        slots = sum(client.nthreads().values()) or 1
        ex = client.get_executor(pure=False)
        where = "a local Dask cluster" if dask == "local" else f"Dask at {dask}"
        try:
            yield _Pool(ex, f"{where} ({slots} worker threads)", slots)
        finally:
            ex.shutdown(wait=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_versions(client: Any, where: str) -> None:
    from critmin import __version__

    try:
        seen: dict[str, str] = client.run(worker_version)
    except Exception as exc:
        raise SweepIncomplete(
            f"the Dask workers at {where} cannot run critmin ({type(exc).__name__}: {exc}); "
            f"install critmin {__version__} on every worker"
        ) from None
    for addr, version in sorted(seen.items()):
        if version != __version__:
            raise SweepIncomplete(
                f"Dask worker {addr} runs critmin {version}, this process {__version__}; "
                "install the same version everywhere"
            )


def _worker_init() -> None:
    """Local worker processes leave Ctrl-C to the parent, which saves and stops them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


# Pickled by reference for the workers: as critmin.sweep._worker_init, the path it had before
# the package split and a stable one (re-exported there), not as this module's.
_worker_init.__module__ = "critmin.sweep"


def worker_version() -> str:
    """critmin's version where this runs, after importing the engines (the parent calls it on
    every Dask worker: a version check, and the imports out of the first cells' way)."""
    import importlib

    from critmin import __version__

    for module in PRELOAD:
        importlib.import_module(module)
    return __version__


# Pickled by reference for the workers: as critmin.sweep.worker_version, the path it had before
# the package split and a stable one (re-exported there), not as this module's.
worker_version.__module__ = "critmin.sweep"


# -- running a sweep ---------------------------------------------------------------------------


@dataclass
class SweepReport:
    sweep_id: str
    name: str
    engine: str
    cells: int
    resumed: int
    ran: int
    executor: str
    slots: int
    wall_s: float
    cell_s: float
    out: str | None
    axes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        # slot-seconds a cell cost beyond its own run time (start-up, scheduling, writes)
        d["overhead_per_cell_s"] = (
            (self.wall_s * self.slots - self.cell_s) / self.ran if self.ran else None
        )
        d["table"] = "sweep_cells"
        return d


def plan(d: SweepDefinition, db: StorePath = None) -> tuple[str, _Builder]:
    """Check the grid in the parent (every listed axis value, and both ends of every range, on
    the first values of the other axes) and compute the sweep id."""
    from critmin import __version__
    from critmin.capabilities.store import open_store

    p = open_store(db)
    builder = _Builder(d, p)
    axes = d.axis_values()
    first = {name: values[0] for name, values in axes}
    corners: list[dict[str, Any]] = [first]
    for name, values in axes:
        ends = [values[0], values[-1]] if isinstance(d.axes[name], Range) else values
        corners += [first | {name: v} for v in ends]
    h = hashlib.sha256(f"{d.canonical()}\n{__version__}".encode())
    for params in corners:
        try:
            payload = builder.payload(params)
        except InputError as exc:
            at = ", ".join(f"{k}={v!r}" for k, v in params.items())
            raise InputError(f"{exc!s} [cell with {at}]") from None
        h.update(_json(payload).encode())
    return h.hexdigest()[:16], builder


def run_sweep(
    d: SweepDefinition,
    *,
    workers: int | None = None,
    dask: str | None = None,
    out: Path | str | None = None,
    db: StorePath = None,
    on_cell: Callable[[CellOutcome, int, int], None] | None = None,
    on_start: Callable[[str, int, int], None] | None = None,
    force: bool = False,
) -> SweepReport:
    """Run (or resume) a sweep; write each finished cell to the store, then the Parquet file.

    ``on_start(sweep_id, done, total)`` is called once the grid is checked;
    ``on_cell(outcome, done, total)`` after each cell (the CLI's progress bar). A failed cell
    or a lost worker raises :class:`SweepIncomplete`, Ctrl-C :class:`SweepInterrupted`, both
    after saving what finished.
    """
    from critmin.capabilities.store import store_path

    t0 = time.perf_counter()
    check_executor(workers, dask)
    sweep_id, builder = plan(d, db)
    if out is not None:
        from critmin.sweep.storage import check_out

        check_out(out, sweep_id, force)  # refuse before running any cell
    p = store_path(db)
    done, _ = _open_sweep(p, d, sweep_id)
    axes, total = d.axis_values(), d.n_cells
    todo = [i for i in range(total) if i not in done]
    if on_start is not None:
        on_start(sweep_id, len(done), total)
    writer = _Writer(p, sweep_id)
    seeds = {i: d.seed if d.seeding == "common" else cell_seed(d.seed, i) for i in todo}
    params = {i: cell_params(axes, i) for i in todo}
    count, cell_s, description, slots = len(done), 0.0, "nothing to run", 0

    def task(i: int) -> CellTask:
        return CellTask(d.engine, i, seeds[i], d.draws, builder.payload(params[i]))

    def finish(o: CellOutcome) -> None:
        nonlocal count, cell_s
        writer.add(o, params[o.cell], seeds[o.cell])
        count, cell_s = count + 1, cell_s + o.runtime_s
        if on_cell is not None:
            on_cell(o, count, total)

    def stopped(why: str) -> str:
        writer.flush()
        return (
            f"{why}; {len(done) + writer.saved:,} of {total:,} cells saved (sweep {sweep_id}); "
            "run the same sweep again to finish the rest"
        )

    try:
        if todo:
            with open_executor(workers, dask) as pool:
                description, slots = pool.description, pool.slots
                if pool.executor is None:
                    for i in todo:
                        finish(run_cell(task(i)))
                else:
                    _drive(pool.executor, todo, task, finish, 4 * pool.slots)
        writer.flush()
    except KeyboardInterrupt:
        raise SweepInterrupted(stopped("interrupted")) from None
    except _CellFailed as exc:
        if isinstance(exc.error, InputError):
            writer.flush()
            raise exc.error from None
        kind = type(exc.error).__name__
        raise SweepIncomplete(stopped(f"cell {exc.cell} failed ({kind}: {exc.error})")) from None
    except BaseException:
        writer.flush()
        raise
    _save(p, sweep_id, [], complete=True)
    target = None
    if out is not None:
        target = str(write_parquet(sweep_id, out, p, force=force))
    return SweepReport(
        sweep_id=sweep_id,
        name=d.name,
        engine=d.engine,
        cells=total,
        resumed=len(done),
        ran=len(todo),
        executor=description,
        slots=slots,
        wall_s=time.perf_counter() - t0,
        cell_s=cell_s,
        out=target,
        axes=[name for name, _ in axes],
    )


class _CellFailed(Exception):
    def __init__(self, cell: int, error: BaseException) -> None:
        super().__init__(cell, error)
        self.cell, self.error = cell, error


def _drive(
    ex: Executor,
    todo: Sequence[int],
    task: Callable[[int], CellTask],
    finish: Callable[[CellOutcome], None],
    window: int,
) -> None:
    """Keep at most ``window`` cells in flight; hand each result to ``finish`` as it arrives."""
    queue = iter(todo)
    pending: dict[Future[CellOutcome], int] = {}

    def refill() -> None:
        for i in itertools.islice(queue, max(0, window - len(pending))):
            pending[ex.submit(run_cell, task(i))] = i

    try:
        refill()
        while pending:
            ready, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in ready:
                i = pending.pop(f)
                error = f.exception()
                if error is not None:
                    raise _CellFailed(i, error)
                finish(f.result())
            refill()
    finally:
        for f in pending:
            f.cancel()
