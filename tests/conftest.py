"""Shared fixtures: each test gets its own store file, built once per session and copied."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from critmin.cli import run


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from critmin.store import ensure_store

    path = tmp_path_factory.mktemp("store") / "critmin.duckdb"
    ensure_store(path)
    return path


@pytest.fixture
def store(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the built store, selected through CRITMIN_DB."""
    path = tmp_path / "critmin.duckdb"
    shutil.copy(built_store, path)
    monkeypatch.setenv("CRITMIN_DB", str(path))
    monkeypatch.setenv("CRITMIN_LOCK_TIMEOUT_S", "0.5")
    yield path


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the CLI in-process: ``cli("db", "info", "--json")`` -> Result."""

    def _run(*argv: str) -> Result:
        code = run(list(argv))
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return _run
