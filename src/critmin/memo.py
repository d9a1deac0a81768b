"""Results kept while what they were computed from has not changed.

- :func:`per_store`: a function of the store (``path``) and the bundled data, kept per
  (arguments, store file state, bundled data version, today's date). The heavy reads
  (concentration of every mineral, dominance, exposure: hundreds of queries each) are computed
  once per state, for the CLI, the briefing and the HTTP API alike.
- :func:`read_yaml`: :func:`critmin.yaml_input.read_yaml`, kept per file state (the bundled
  scenarios and presets are read on every listing); an edited file is read again.

The store's state is :func:`store_state`: the DB file's and its WAL's (inode, size, mtime_ns),
which every write changes, by this process or another (a CLI ``ledger add``, a restore), and
the bundled data version. File times are as fine as the kernel's clock tick (a few ms): two
writes within one tick that leave the size alone would look alike. So a result is kept only
when the files it was read from were last changed over ``SETTLE_S`` before the read began and
did not change while it ran; a later write then has a later time. Results are kept pickled
(each caller gets its own copy to change) in a bounded LRU per function.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
import pickle
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from critmin.store import StoreArg

P = ParamSpec("P")
R = TypeVar("R")

SETTLE_S = 0.1
MAX_ENTRIES = 64
MAX_BYTES = 32 * 1024 * 1024

State = tuple[Hashable, ...]


def files_state(*paths: Path) -> tuple[tuple[int, int, int] | None, ...]:
    """(inode, size, mtime_ns) of each file, None for a file that is missing."""
    out: list[tuple[int, int, int] | None] = []
    for p in paths:
        try:
            st = p.stat()
        except (OSError, ValueError):  # missing, unreadable, a NUL in the name
            out.append(None)
            continue
        out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def settled(files: tuple[tuple[int, int, int] | None, ...], since_ns: int) -> bool:
    """Were all ``files`` last changed over SETTLE_S before ``since_ns`` (time.time_ns())?"""
    limit = since_ns - int(SETTLE_S * 1e9)
    return all(f is None or f[2] < limit for f in files)


def store_state(path: StoreArg = None) -> State:
    """What a store read depends on: the store file's path and state, the bundled data
    version (module docstring). Cheap: two stat calls and a memoised fingerprint."""
    from critmin.data.bundled import data_version
    from critmin.store import db_path

    p = Path(os.path.abspath(db_path(path)))
    return (str(p), files_state(p, p.with_name(p.name + ".wal")), data_version())


def state_settled(state: State, since_ns: int) -> bool:
    files = state[1]
    assert isinstance(files, tuple)
    return settled(files, since_ns)


class _Lru:
    """Pickled values by key, bounded in entries and bytes, safe across threads."""

    def __init__(self, entries: int = MAX_ENTRIES, nbytes: int = MAX_BYTES) -> None:
        self.entries, self.nbytes = entries, nbytes
        self._data: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._data.get(key)
            if blob is not None:
                self._data.move_to_end(key)
            return blob

    def put(self, key: Hashable, blob: bytes) -> None:
        if len(blob) > self.nbytes // 4:
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._data[key] = blob
            self._size += len(blob)
            while len(self._data) > self.entries or self._size > self.nbytes:
                _, dropped = self._data.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0


_ALL: list[_Lru] = []


def clear() -> None:
    """Forget every kept result (tests; the states make this unnecessary otherwise)."""
    for lru in _ALL:
        lru.clear()


def per_store(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` (which takes ``path``, the store) kept per arguments and store state.

    Arguments that cannot be hashed skip the memo. Today's date is part of the key: a default
    such as "controls in force today" changes at midnight.
    """
    sig = inspect.signature(fn)
    lru = _Lru()
    _ALL.append(lru)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        given = tuple(bound.arguments.items())
        try:
            hash(given)
        except TypeError:
            return fn(*args, **kwargs)
        began = time.time_ns()
        state = store_state(bound.arguments.get("path"))
        key = (given, state, dt.date.today())
        blob = lru.get(key)
        if blob is not None:
            value: R = pickle.loads(blob)
            return value
        result = fn(*args, **kwargs)
        if state_settled(state, began) and store_state(bound.arguments.get("path")) == state:
            lru.put(key, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return result

    return wrapper


_YAML = _Lru(entries=256)
_ALL.append(_YAML)


def read_yaml(path: Path | str, field: str | None = None) -> Any:
    """:func:`critmin.yaml_input.read_yaml`, kept per file (inode, size, mtime_ns); refusals
    are not kept, and each caller gets its own copy of the document."""
    from critmin.yaml_input import read_yaml as read

    p = Path(path)
    try:
        full = Path(os.path.abspath(p))
    except (OSError, ValueError):
        return read(path, field)
    began = time.time_ns()
    state = files_state(full)
    try:
        regular = stat.S_ISREG(full.stat().st_mode)  # not a pipe, /dev/stdin or /proc file
    except (OSError, ValueError):
        regular = False
    if state[0] is None or not regular:
        return read(path, field)
    key = (str(full), field, state)
    blob = _YAML.get(key)
    if blob is not None:
        return pickle.loads(blob)
    data = read(path, field)
    if settled(state, began) and files_state(full) == state:
        _YAML.put(key, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data
