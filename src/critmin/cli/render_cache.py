"""The render cache: a repeated read-only command prints its stored output, fast.

Static commands (``critmin minerals``, ``sources``, ``concentration cobalt``...) spend nearly
all their time importing typer, rich, polars and duckdb. The console entry point therefore
first looks, with the standard library only, for the exact stdout bytes an earlier run of the
same command printed under the same conditions, and writes them back (exit 0). On a miss it
runs the command normally and, for a command of :data:`CACHEABLE` that exited 0 and wrote
nothing to stderr, stores what it printed.

The key is a SHA-256 over everything the output can depend on:

- the arguments, the critmin version, the Python build (``sys.version``, ``sys.prefix``),
  the import path and the modification time of each of its folders (installing, upgrading
  or removing a dependency changes that of site-packages);
- the package's own files (path, size and modification time of every file under
  ``critmin/``, bundled data included: an edited CSV or module is a new key);
- the store file and its write-ahead log (path, inode, size, modification time in ns): any
  write to the store (``ledger add``, ``data import``, a rebuild) is a new key, so the cache
  can never answer from data the store no longer holds;
- today's date (``controls`` answers "in force today");
- the terminal: whether stdout is a terminal, its size, its encoding, and the variables that
  change rendering (``COLUMNS``, ``LINES``, ``NO_COLOR``, ``FORCE_COLOR``, ``TERM``, locale,
  ``TZ``, every ``CRITMIN_*``).

An output is stored only when the store path this module works out is the one the command
used, the store's stamp did not change while it ran, and the store was last written over
SETTLE_S before it started (file times move in clock ticks). ``CRITMIN_NO_CACHE=1`` turns the
cache off (no read, no write). At most :data:`MAX_ENTRIES` outputs are kept (the least
recently used go first), each at most :data:`MAX_BYTES`. The folder is the user cache
directory (``$XDG_CACHE_HOME/critmin/cli`` or ``~/.cache/critmin/cli`` on Linux,
``~/Library/Caches/critmin/cli`` on macOS, ``%LOCALAPPDATA%\\critmin\\Cache\\cli`` on
Windows), or ``CRITMIN_CACHE_DIR``. A cache that cannot be read or written is skipped
silently: the command runs as if there were none.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any

try:  # the built-in SHA-256, without hashlib's OpenSSL import (about 2 ms)
    from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python 3.11
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment,unused-ignore]

# first argument -> the command is read-only, reads only the store and the package, and
# prints the same bytes for the same key (never a file, never stdin, never the network)
CACHEABLE = frozenset(
    {
        "--help",
        "--version",
        "minerals",
        "sources",
        "production",
        "us-supply",
        "concentration",
        "dominance",
        "control",
        "exposure",
        "prices",
        "reserves",
        "imports",
        "controls",
        "country",
        "mineral",
    }
)
MAX_ENTRIES = 200
MAX_BYTES = 8 * 1024 * 1024
SETTLE_S = 0.1  # as critmin.memo.SETTLE_S
FORMAT = "1"  # bump when the key or the entry layout changes
_ENV_EXACT = frozenset(
    {
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "TERM",
        "COLORTERM",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "JUPYTER_COLUMNS",
        "JUPYTER_LINES",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "HOME",
        "XDG_DATA_HOME",
        "LOCALAPPDATA",
    }
)
_ENV_PREFIXES = ("CRITMIN_", "TYPER_", "_TYPER_", "CLICK_", "_CLICK_", "RICH_")


def enabled() -> bool:
    return os.environ.get("CRITMIN_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> str:
    """The cache folder (not created here)."""
    given = os.environ.get("CRITMIN_CACHE_DIR", "").strip()
    if given:
        return os.path.abspath(given)
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "critmin", "Cache", "cli")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "critmin", "cli")
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(home, ".cache")
    return os.path.join(base, "critmin", "cli")


def store_path() -> str:
    """The store file critmin.settings would choose, worked out by hand (platformdirs'
    user data path; ``CRITMIN_DB`` in any case, as pydantic-settings reads it)."""
    for name, value in os.environ.items():
        if name.upper() == "CRITMIN_DB":
            return os.path.realpath(value)
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(home, "Library", "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.join(home, ".local", "share")
    return os.path.realpath(os.path.join(base, "critmin", "critmin.duckdb"))


def store_stamp(path: str) -> list[Any] | None:
    """(inode, size, mtime ns) of the store and of its write-ahead log; None without a store."""
    out: list[Any] = []
    for i, f in enumerate((path, path + ".wal")):
        try:
            st = os.stat(f)
        except OSError:
            if i == 0:
                return None
            out.append(None)
            continue
        out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return out


def package_stamp() -> str:
    """Hash of the path, size and mtime of every file of the installed package."""
    import critmin

    root = os.path.dirname(os.path.abspath(critmin.__file__))
    h = sha256()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if e.name != "__pycache__":
                    stack.append(e.path)
                continue
            try:
                st = e.stat()
            except OSError:
                continue
            h.update(f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "replace"))
    return str(h.hexdigest())


def _paths_stamp() -> list[Any]:
    """The import path, with the mtime of its site-packages folders: installing, upgrading or
    removing a package (typer, rich, polars...) adds or removes a dist-info folder there."""
    out: list[Any] = []
    for entry in sys.path:
        if os.path.basename(entry.rstrip("/\\")) not in ("site-packages", "dist-packages"):
            out.append(entry)  # the current folder, say: its mtime moves with any new file
            continue
        try:
            out.append((entry, os.stat(entry).st_mtime_ns))
        except OSError:
            out.append((entry, None))
    return out


def _terminal() -> list[Any]:
    out: list[Any] = []
    for stream in (sys.stdout, sys.stderr):
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        out.append([tty, getattr(stream, "encoding", None), getattr(stream, "errors", None)])
    if out[0][0]:
        try:
            out.append(tuple(os.get_terminal_size(sys.stdout.fileno())))
        except (OSError, ValueError, AttributeError):
            out.append(None)
    return out


def settled(path: str, since_ns: int) -> bool:
    """Were the store and its log last changed over SETTLE_S before ``since_ns``? File times
    move in clock ticks of a few ms: a write within the same tick as the read, leaving the
    size alone, would not change the stamp, so an output read that close to a write is not
    kept (as critmin.memo does)."""
    limit = since_ns - int(SETTLE_S * 1e9)
    for f in (path, path + ".wal"):
        try:
            if os.stat(f).st_mtime_ns > limit:
                return False
        except OSError:
            continue
    return True


def cache_key(argv: list[str], store: str, stamp: list[Any]) -> str:
    from critmin import __version__

    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if k in _ENV_EXACT or k.upper().startswith(_ENV_PREFIXES)
    )
    parts = [
        FORMAT,
        argv,
        __version__,
        sys.version,
        sys.prefix,
        _paths_stamp(),
        package_stamp(),
        store,
        stamp,
        time.strftime("%Y-%m-%d"),
        _terminal(),
        env,
    ]
    return str(sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest())


def cacheable(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in CACHEABLE and enabled()


def lookup(key: str) -> bytes | None:
    entry = os.path.join(cache_dir(), key)
    try:
        with open(entry, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # least recently used goes first
    return data


def store(key: str, data: bytes) -> None:
    """Write one entry atomically (temporary file, then rename) and evict past MAX_ENTRIES."""
    if len(data) > MAX_BYTES:
        return
    folder = cache_dir()
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        tmp = os.path.join(folder, f".{key}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(folder, key))
        _evict(folder)
    except OSError:
        return


def _evict(folder: str) -> None:
    """Remove the least recently used entries past MAX_ENTRIES, and temporary files over an
    hour old (left by a process killed between its write and its rename)."""
    entries = []
    stale = time.time_ns() - 3600 * 10**9
    for e in os.scandir(folder):
        if not e.is_file(follow_symlinks=False):
            continue
        try:
            mtime = e.stat().st_mtime_ns
        except OSError:
            continue
        if not e.name.startswith("."):
            entries.append((mtime, e.path))
        elif e.name.endswith(".tmp") and mtime < stale:
            with contextlib.suppress(OSError):
                os.remove(e.path)
    entries.sort()
    for _, path in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            os.remove(path)


class _Tee(io.RawIOBase):
    """A binary stream that passes every write to ``out`` and keeps a copy."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self.copy = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self._out.write(data)
        self.copy += data
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return bool(self._out.isatty())

    def fileno(self) -> int:
        return int(self._out.fileno())


def _teed(stream: Any) -> tuple[Any, _Tee] | None:
    buffer = getattr(stream, "buffer", None)
    if not isinstance(stream, io.TextIOWrapper) or buffer is None:
        return None
    tee = _Tee(buffer)
    wrapper = io.TextIOWrapper(  # type: ignore[type-var]
        tee,
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
        write_through=True,
    )
    return wrapper, tee


def run_cached(argv: list[str], run: Callable[[list[str]], int]) -> int:
    """Exit code of ``argv``: its stored output when the cache holds it, else ``run(argv)``
    (output stored when the command is cacheable, exits 0 and writes no stderr)."""
    if not cacheable(argv):
        return run(argv)
    path = store_path()
    started = time.time_ns()
    before = store_stamp(path)
    key = cache_key(argv, path, before) if before is not None else None
    if key is not None:
        hit = lookup(key)
        if hit is not None:
            try:
                sys.stdout.buffer.write(hit)
                sys.stdout.flush()
            except BrokenPipeError:
                pass
            return 0
    out, err = _teed(sys.stdout), _teed(sys.stderr)
    if out is None or err is None:
        return run(argv)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out[0], err[0]
    try:
        code = run(argv)
    finally:
        for wrapper in (out[0], err[0]):
            with contextlib.suppress(OSError, ValueError):
                wrapper.flush()
        sys.stdout, sys.stderr = saved
    if code != 0 or err[1].copy or key is None or store_stamp(path) != before:
        return code
    if not settled(path, started):
        return code
    if _store_used() != path:
        return code
    store(key, bytes(out[1].copy))
    return code


def _store_used() -> str | None:
    """The store path the command used (critmin.settings, already imported by then)."""
    try:
        from critmin.capabilities.store import store_path

        return os.path.realpath(store_path())
    except Exception:  # a bad setting: the command said so; nothing is stored
        return None


def main() -> None:
    def run(argv: list[str]) -> int:
        from critmin.cli.commands import run as run_commands

        return run_commands(argv)

    sys.exit(run_cached(sys.argv[1:], run))
