"""Files users hand in and files critmin writes: the guards every command shares.

Inputs are read only from regular files of bounded size: a FIFO would block, a device such as
``/dev/zero`` never ends, and a directory is not a document. Outputs go only to a new path or,
with ``force``, over an existing regular file (never through a symlink, never over a device, a
FIFO or a folder), and are written atomically: a temporary file beside the target, flushed,
then renamed over it, so a full disk or a kill leaves the old file or none, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from critmin.errors import InputError, StoreError

MiB = 1024 * 1024
# A YAML definition (floor, scenario, ledger row, brief options, sweep) is a few KiB.
MAX_YAML_BYTES = 4 * MiB
# CSV and Parquet imports: the 120k-row production benchmark is about 12 MiB.
MAX_TABLE_BYTES = 256 * MiB
# A Parquet file is compressed: 10 MB of it can stand for 150 million rows. Its footer says how
# many rows and bytes it holds, so that is checked before any of it is read. The bundled data
# hold about 5,000 rows; the largest table a user would restore is far below these bounds.
MAX_TABLE_ROWS = 2_000_000
MAX_PARQUET_DATA_BYTES = 1024 * MiB


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symlink"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def input_file(path: Path | str, field: str, max_bytes: int = MAX_TABLE_BYTES) -> Path:
    """``path`` if it names a regular file of at most ``max_bytes`` bytes (symlinks to one are
    followed), else one InputError naming ``field``, the path and why."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        reason = "no such file" if exc.errno == errno.ENOENT else f"cannot read: {exc.strerror}"
        raise InputError(reason, field=field, value=str(p)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"not a regular file ({_kind(st.st_mode)})", field=field, value=str(p)
        ) from None
    if st.st_size > max_bytes:
        raise InputError(
            f"file too large ({st.st_size:,} bytes; at most {max_bytes:,})",
            field=field,
            value=str(p),
        )
    return p


def read_input_bytes(path: Path | str, field: str, max_bytes: int = MAX_TABLE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (:func:`input_file`); reads at most
    one byte past the cap, so a file that grows while read is refused too."""
    p = input_file(path, field, max_bytes)
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", field=field, value=str(p)) from None
    if len(data) > max_bytes:
        raise InputError(f"file too large (at most {max_bytes:,} bytes)", field=field, value=str(p))
    return data


def read_input_text(
    path: Path | str, field: str, max_bytes: int = MAX_TABLE_BYTES, encoding: str = "utf-8"
) -> str:
    """:func:`read_input_bytes` decoded; a file that is not ``encoding`` text is one InputError."""
    data = read_input_bytes(path, field, max_bytes)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(f"not {encoding} text", field=field, value=str(path)) from None


def check_parquet(path: Path | str, field: str) -> Path:
    """``path`` if it is a regular file (:func:`input_file`) whose Parquet footer declares at
    most MAX_TABLE_ROWS rows and MAX_PARQUET_DATA_BYTES uncompressed bytes; the footer alone is
    read, so a small file that would expand to billions of rows is refused before reading."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = input_file(path, field, MAX_TABLE_BYTES)
    try:
        with p.open("rb") as fh:  # a path that is not UTF-8 is fine as an open file
            meta = pq.ParquetFile(fh).metadata
            rows = meta.num_rows
            data = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except (OSError, pa.ArrowException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputError(
            f"not a readable Parquet file: {first}", field=field, value=str(p)
        ) from None
    if rows > MAX_TABLE_ROWS:
        raise InputError(
            f"too many rows ({rows:,}; at most {MAX_TABLE_ROWS:,})", field=field, value=str(p)
        )
    if data > MAX_PARQUET_DATA_BYTES:
        raise InputError(
            f"too large once decompressed ({data:,} bytes; at most {MAX_PARQUET_DATA_BYTES:,})",
            field=field,
            value=str(p),
        )
    return p


def output_path(path: Path | str, field: str, force: bool = False) -> Path:
    """``path`` if critmin may write a file there: a new name in an existing folder, or an
    existing regular file when ``force`` is set. Symlinks, devices, FIFOs and folders are
    refused whatever ``force`` says."""
    p = Path(path)
    try:
        st = p.lstat()
    except FileNotFoundError:
        if not p.parent.is_dir():
            raise InputError("folder does not exist", field=field, value=str(p)) from None
        return p
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", field=field, value=str(p)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"not a regular file ({_kind(st.st_mode)}); choose a new path",
            field=field,
            value=str(p),
        )
    if not force:
        raise InputError("file exists; pass --force to replace it", field=field, value=str(p))
    return p


def write_error(exc: OSError, field: str, path: Path | str) -> InputError | StoreError:
    """The one-line error for a failed write: a full disk is named as such."""
    if exc.errno == errno.ENOSPC:
        return StoreError(f"{field} {str(path)!r}: no space left on device; nothing was written")
    return InputError(f"cannot write: {exc.strerror or exc}", field=field, value=str(path))


@contextlib.contextmanager
def atomic_output(
    path: Path | str, field: str, force: bool = False, mode: str = "wb", **open_args: object
) -> Iterator[IO[bytes] | IO[str]]:
    """Open a temporary file beside ``path`` (checked by :func:`output_path`); on a clean exit
    it is flushed, synced and renamed over ``path``; on any error it is removed and ``path`` is
    left as it was. ``OSError`` (ENOSPC included) becomes one line naming ``field``."""
    p = output_path(path, field, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
    except OSError as exc:
        raise write_error(exc, field, p) from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a written file gets the usual mode
        with os.fdopen(fd, mode, **open_args) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except OSError as exc:
        _unlink(tmp)
        raise write_error(exc, field, p) from None
    except BaseException:
        _unlink(tmp)
        raise


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def temp_beside(target: Path, what: str) -> Path:
    """A fresh name beside ``target`` for DuckDB to create (it wants no file there yet)."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.{what}-", suffix=".part", dir=target.parent
        )
    except OSError as exc:
        raise write_error(exc, "--out", target) from None
    os.close(fd)
    os.unlink(name)
    return Path(name)


def fsync_file(p: Path) -> None:
    """Flush ``p`` to disk (a rename is durable only after its file is)."""
    fd = os.open(p, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
