"""What the fuzz tests share: the command tree, running the CLI as a terminal would, the
checks every exit must pass, and a digest of the store that does not go through critmin."""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from critmin.cli import app, run
from critmin.schema import TABLES

ROOT = typer.main.get_command(app)


def _leaves(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subs = getattr(cmd, "commands", None)
    if subs is None:
        yield path, cmd
        return
    if path and getattr(cmd, "invoke_without_command", False):
        yield path, cmd  # a group that also runs alone (`controls` and `controls show`)
    for name in sorted(subs):
        yield from _leaves(subs[name], (*path, name))


COMMANDS = dict(_leaves(ROOT))
# commands whose exit code 2 may carry a report (problems found), not only a rejection
REPORTS = {("db", "check"), ("data", "validate")}


def path_of(argv: list[str]) -> tuple[str, ...]:
    """The command an argv runs (``("ledger", "add")``)."""
    for n in (2, 1):
        if tuple(argv[:n]) in COMMANDS:
            return tuple(argv[:n])
    raise AssertionError(argv)


def digest(store: Path) -> str:
    """Every table's rows in key order, read with a fresh DuckDB connection (not critmin's)."""
    import duckdb

    h = hashlib.sha256()
    con = duckdb.connect(str(store), read_only=True)
    try:
        for name, spec in TABLES.items():
            order = ", ".join(f'"{c}"' for c in spec.key)
            h.update(
                repr(con.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()).encode()
            )
    finally:
        con.close()
    return h.hexdigest()


class _Brief:
    def __init__(self, out: Path) -> None:
        self.out, self.bytes, self.seconds, self.sections, self.facts = out, 0, 0.0, [], {}


def stub_brief(out: Path, cfg: Any, progress: Any = None, force: bool = False) -> _Brief:
    """Checks that the options it was handed are valid (--out as the builder does), builds
    nothing."""
    from critmin.brief.builder import _check_writable
    from critmin.brief.config import BriefConfig

    _check_writable(Path(out), force)

    BriefConfig.model_validate(cfg.model_dump())  # raises (exit 1) if the CLI let a bad one by
    return _Brief(Path(out))


def invoke(argv: list[str], stdin: io.TextIOBase | None = None) -> tuple[int, str, str]:
    """``run(argv)`` with a strict UTF-8 stdout and a backslash-escaping stderr, as a terminal's."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    old_in = sys.stdin
    sys.stdin = stdin if stdin is not None else io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(argv)
            out.flush()
            err.flush()
    finally:
        sys.stdin = old_in
    assert isinstance(out.buffer, io.BytesIO) and isinstance(err.buffer, io.BytesIO)
    text = [b.getvalue().decode("utf-8", "surrogateescape") for b in (out.buffer, err.buffer)]
    return code, text[0], text[1]


def names_a_field(line: str, argv: list[str], cmd: Any) -> bool:
    """Does the error line say what was wrong: a field, column, option, parameter or value?"""
    if "field '" in line or 'field "' in line or "column '" in line or " line " in line:
        return True
    for p in cmd.params:
        names = [*p.opts, p.name, p.name.upper()]
        if any(n and len(n) > 1 and n in line for n in names):
            return True
    shown = line.encode("unicode_escape").decode("ascii")
    for token in argv:
        escaped = token[:40].encode("unicode_escape").decode()
        if len(token) >= 3 and (token[:40] in line or escaped in shown):
            return True
    return False


def show(argv: list[str]) -> str:
    """argv for a failure message, long tokens cut short."""
    return repr([a if len(a) <= 60 else f"{a[:20]}...({len(a)} chars)" for a in argv])


def check(path: tuple[str, ...], argv: list[str], code: int, out: str, err: str) -> None:
    cmd = COMMANDS[path]
    where = f"argv={show(argv)}"
    brief = err[:300] + ("..." if len(err) > 300 else "")
    assert "Traceback" not in out and "Traceback" not in err, where
    assert code in (0, 2), f"{where} exit {code}: {brief}"
    if code != 2:
        return
    lines = err.splitlines()
    if path in REPORTS and (not lines or all(ln.startswith("problem: ") for ln in lines)):
        return  # a report of what is wrong with the store or the data
    assert len(lines) == 1 and err.endswith("\n"), f"{where}: stderr {brief!r}"
    assert lines[0].startswith("error: "), f"{where}: {brief!r}"
    assert names_a_field(lines[0], argv, cmd), f"{where}: names no field: {brief!r}"
