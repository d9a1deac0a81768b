"""Hostile input files (issue 26, D9/D10): devices, FIFOs, folders, oversize files, Parquet
bombs, non-text and duplicate YAML keys. Each is one line naming the option, exit code 2."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from critmin.files import MAX_TABLE_ROWS, MAX_YAML_BYTES

# (argv before the path, argv after it, the option the error must name)
INPUTS: list[tuple[list[str], list[str], str]] = [
    (["floor", "--definition"], ["--paths", "1000"], "--definition"),
    (["ledger", "add", "--file"], [], "--file"),
    (["brief", "--config"], [], "--config"),
    (["pipeline", "run", "--stage-model"], ["--draws", "10"], "--stage-model"),
    (["pipeline", "run", "--projects"], ["--draws", "10"], "--projects"),
    (["pipeline", "projects", "--projects"], [], "--projects"),
    (["ledger", "gap", "--projects"], [], "--projects"),
    (["sweep"], ["--dry-run"], "file"),
    (["scenario", "show"], [], "scenario"),
    (["data", "import", "production"], [], "file"),
    (["ledger", "import"], [], "file"),
    (["data", "import-usgs"], [], "path"),
]
IDS = [" ".join(a) for a, _, _ in INPUTS]


def _one_line(r: Any, option: str) -> None:
    assert r.code == 2, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert f"'{option}'" in lines[0], lines[0]
    assert "Traceback" not in r.err and "internal error" not in r.err


@pytest.mark.parametrize(("before", "after", "option"), INPUTS, ids=IDS)
def test_dev_zero_is_refused_naming_the_option(
    cli: Callable[..., Any], store: Path, before: list[str], after: list[str], option: str
) -> None:
    r = cli(*before, "/dev/zero", *after)
    _one_line(r, option)
    assert "not a regular file (a device)" in r.err


# import-usgs reads a folder of release files: a folder is its normal input
FILE_ONLY = [
    (i, n) for i, n in zip(INPUTS, IDS, strict=True) if i[0][:2] != ["data", "import-usgs"]
]


@pytest.mark.parametrize(
    ("before", "after", "option"), [i for i, _ in FILE_ONLY], ids=[n for _, n in FILE_ONLY]
)
def test_a_folder_is_refused_naming_the_option(
    cli: Callable[..., Any],
    store: Path,
    tmp_path: Path,
    before: list[str],
    after: list[str],
    option: str,
) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    r = cli(*before, str(folder), *after)
    _one_line(r, option)
    assert "a folder" in r.err


@pytest.mark.parametrize(("before", "after", "option"), INPUTS, ids=IDS)
def test_a_fifo_is_refused_without_blocking(
    cli: Callable[..., Any],
    store: Path,
    tmp_path: Path,
    before: list[str],
    after: list[str],
    option: str,
) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    # a writer that unblocks a reader that opened the FIFO anyway, so a regression fails
    # instead of hanging the suite
    def unblock() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY)
            os.write(fd, b"a: 1\n")
            os.close(fd)
        except OSError:
            pass

    t = threading.Timer(5.0, unblock)
    t.start()
    try:
        r = cli(*before, str(fifo), *after)
    finally:
        t.cancel()
    _one_line(r, option)
    assert "a FIFO" in r.err


@pytest.mark.parametrize(
    ("before", "after", "option"), [i for i in INPUTS if i[2] != "path"], ids=IDS[:-1]
)
def test_an_oversize_yaml_or_csv_is_refused(
    cli: Callable[..., Any],
    store: Path,
    tmp_path: Path,
    before: list[str],
    after: list[str],
    option: str,
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # sparse: no disk is used
        fh.truncate(512 * 1024 * 1024)
    r = cli(*before, str(big), *after)
    _one_line(r, option)
    assert "too large" in r.err


def test_a_yaml_file_one_byte_over_the_cap_is_refused(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * MAX_YAML_BYTES + b"\n")
    r = cli("floor", "--definition", str(big))
    _one_line(r, "--definition")
    assert "too large" in r.err


def test_a_parquet_bomb_is_refused_from_its_footer(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = MAX_TABLE_ROWS + 1
    folder = tmp_path / "export"
    folder.mkdir()
    pq.write_table(pa.table({"source_id": pa.repeat("x", n)}), folder / "sources.parquet")
    assert (folder / "sources.parquet").stat().st_size < 1_000_000
    r = cli("db", "restore", str(folder))
    _one_line(r, "source")
    assert "too many rows" in r.err
    assert cli("db", "info").code == 0


def test_import_usgs_refuses_a_file_that_is_not_a_release(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    r = cli("data", "import-usgs", "/etc/passwd")
    _one_line(r, "path")
    assert "not a USGS MCS data release" in r.err
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    _one_line(cli("data", "import-usgs", str(other)), "path")
    _one_line(cli("data", "import-usgs", str(tmp_path)), "path")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1: x\n", "int 1"),
        ("true: x\n", "bool True"),
        ("null: x\n", "NoneType None"),
        ("? [a, b]\n: x\n", "list"),
        ("2026-01-01: x\n", "date"),
    ],
)
def test_a_yaml_key_that_is_not_text_is_one_line(
    cli: Callable[..., Any], store: Path, tmp_path: Path, text: str, shown: str
) -> None:
    row = tmp_path / "row.yaml"
    row.write_text("id: k-1\n" + text, encoding="utf-8")
    r = cli("ledger", "add", "--file", str(row))
    _one_line(r, "--file")
    assert "line 2" in r.err and "a key must be text" in r.err and shown in r.err


@pytest.mark.parametrize(
    ("before", "after", "option"),
    [
        (["floor", "--definition"], [], "--definition"),
        (["ledger", "add", "--file"], [], "--file"),
        (["brief", "--config"], [], "--config"),
        (["pipeline", "run", "--stage-model"], ["--draws", "10"], "--stage-model"),
        (["sweep"], ["--dry-run"], "file"),
        (["scenario", "show"], [], "scenario"),
    ],
)
def test_a_duplicate_yaml_key_is_refused_with_its_line(
    cli: Callable[..., Any],
    store: Path,
    tmp_path: Path,
    before: list[str],
    after: list[str],
    option: str,
) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text("preset: a\nseed: 1\npreset: b\n", encoding="utf-8")
    r = cli(*before, str(f), *after)
    assert r.code == 2, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert "line 3" in r.err and "duplicate key 'preset'" in r.err


def test_a_nested_duplicate_key_is_refused() -> None:
    from critmin.errors import InputError
    from critmin.yaml_input import parse_yaml

    with pytest.raises(InputError, match=r"line 4.*duplicate key 'c'"):
        parse_yaml("a: 1\nb:\n  c: 2\n  c: 3\n", "f.yaml")
    assert parse_yaml("a: {b: 1}\nc: [1, 2]\n") == {"a": {"b": 1}, "c": [1, 2]}


def test_ledger_add_from_stdin_is_size_capped(
    cli: Callable[..., Any], store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("#" * (MAX_YAML_BYTES + 10)))
    r = cli("ledger", "add", "--file", "-")
    _one_line(r, "--file")
    assert "too large" in r.err


def test_an_error_line_never_prints_a_raw_escape(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "a\x1b[2Jb"
    folder.mkdir()
    r = cli("floor", "--definition", str(folder))
    _one_line(r, "--definition")
    assert "\x1b" not in r.err and "\\x1b[2J" in r.err


def test_ledger_add_from_stdin_that_is_not_utf8(
    cli: Callable[..., Any], store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(b"id: \xff\n"), encoding="utf-8", errors="surrogateescape")
    monkeypatch.setattr(sys, "stdin", stdin)
    r = cli("ledger", "add", "--file", "-")
    _one_line(r, "--file")
    assert "not UTF-8 text" in r.err


def test_a_character_yaml_refuses_is_named_with_its_line(
    cli: Callable[..., Any], store: Path, tmp_path: Path
) -> None:
    f = tmp_path / "row.yaml"
    f.write_text("date: 2026-01-01\nnote: a\x00b\n", encoding="utf-8")
    r = cli("ledger", "add", "--file", str(f))
    _one_line(r, "--file")
    assert "line 2" in r.err and "U+0000" in r.err
