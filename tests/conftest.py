"""Shared fixtures: each test gets its own store file, built once per session and copied.

Hypothesis runs the same examples on every run, with or without CI variables (profile
"critmin": derandomized, so a failure found once is found again on the next run, and its
``@reproduce_failure`` blob is printed to replay it alone). To search new examples, opt in:
``pytest --hypothesis-profile=explore``; what exploring finds failing is stored under
``.hypothesis/examples`` and replayed first on the next explore run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from critmin.cli import run

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "critmin", derandomize=True, deadline=None, print_blob=True, suppress_health_check=_QUIET
)
settings.register_profile(
    "explore",
    deadline=None,
    print_blob=True,
    suppress_health_check=_QUIET,
    database=DirectoryBasedExampleDatabase(Path(__file__).parents[1] / ".hypothesis" / "examples"),
)
# hypothesis picks its own "ci" profile when it sees CI variables: ours applies either way;
# `--hypothesis-profile NAME` (read by hypothesis' plugin after this file) still overrides it
settings.load_profile("critmin")


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
