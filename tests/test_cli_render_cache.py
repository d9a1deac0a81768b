"""The render cache of the console entry point (critmin.cli.render_cache).

Each test runs ``python -m critmin`` as a user would, against a private store copy and a
private cache folder. A hit is told from a miss by planting a marker in the stored entry: a
hit prints the marker, a miss prints the real table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from critmin.cli import render_cache

MARKER = b"served from the render cache\n"


@pytest.fixture
def env(store: Path, tmp_path: Path) -> dict[str, str]:
    # the copy was written just now: an output read within SETTLE_S of a store write is not
    # kept (render_cache.settled), so date the copy a minute back
    old = store.stat().st_mtime - 60
    os.utime(store, (old, old))
    out = {k: v for k, v in os.environ.items() if not k.startswith("CRITMIN_")}
    out |= {"CRITMIN_DB": str(store), "CRITMIN_CACHE_DIR": str(tmp_path / "cache")}
    out["COLUMNS"] = "100"
    return out


def _critmin(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "critmin", *argv],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )


def _entries(env: dict[str, str]) -> list[Path]:
    folder = Path(env["CRITMIN_CACHE_DIR"])
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def test_hit_prints_the_bytes_of_the_miss(env: dict[str, str]) -> None:
    miss = _critmin(env, "concentration", "cobalt")
    assert miss.returncode == 0 and miss.stderr == b""
    assert b"cobalt" in miss.stdout
    (entry,) = _entries(env)
    assert entry.read_bytes() == miss.stdout  # stored exactly as printed
    hit = _critmin(env, "concentration", "cobalt")
    assert hit.returncode == 0 and hit.stderr == b""
    assert hit.stdout == miss.stdout
    entry.write_bytes(MARKER)  # the next run is answered from this entry
    assert _critmin(env, "concentration", "cobalt").stdout == MARKER


def test_a_store_write_is_a_miss(env: dict[str, str], store: Path) -> None:
    from critmin import ledger

    first = _critmin(env, "minerals")
    assert first.returncode == 0
    (entry,) = _entries(env)
    entry.write_bytes(MARKER)
    assert _critmin(env, "minerals").stdout == MARKER
    ledger.add(
        {
            "date": "2026-02-01",
            "actor_iso3": "USA",
            "agency": "DOE",
            "instrument": "loan",
            "amount": 5.0e8,
            "currency": "USD",
            "recipient": "Render Cache Corp",
            "mineral_ids": ["lithium"],
            "status": "committed",
            "source_id": "usgs-critical-minerals-list-2025",
            "verification": "press",
        },
        store,
    )
    after = _critmin(env, "minerals")
    assert after.returncode == 0
    assert after.stdout == first.stdout  # the real table again, not the planted marker
    # (that run may start within SETTLE_S of the write and keep nothing; the next one,
    # started after it ended, keeps the new entry beside the old one)
    assert _critmin(env, "minerals").stdout == first.stdout
    assert len(_entries(env)) == 2


def test_width_is_part_of_the_key(env: dict[str, str]) -> None:
    wide = _critmin(env, "sources")
    narrow = _critmin({**env, "COLUMNS": "80"}, "sources")
    assert wide.returncode == narrow.returncode == 0
    assert wide.stdout != narrow.stdout
    assert len(_entries(env)) == 2
    assert _critmin({**env, "COLUMNS": "80"}, "sources").stdout == narrow.stdout


def test_errors_and_other_commands_are_not_stored(env: dict[str, str]) -> None:
    bad = _critmin(env, "concentration", "cobalts")
    assert bad.returncode == 2 and b"cobalt" in bad.stderr
    assert _entries(env) == []
    assert _critmin(env, "db", "info", "--json").returncode == 0  # not on the allow-list
    assert _entries(env) == []
    off = _critmin({**env, "CRITMIN_NO_CACHE": "1"}, "minerals")
    assert off.returncode == 0 and b"cobalt" in off.stdout
    assert _entries(env) == []


def test_a_store_written_within_settle_time_is_not_kept(env: dict[str, str], store: Path) -> None:
    os.utime(store)  # "written" now, as by another process
    assert render_cache.settled(str(store), time.time_ns()) is False
    old = time.time() - 60
    os.utime(store, (old, old))
    assert render_cache.settled(str(store), time.time_ns()) is True


def test_cache_keeps_at_most_max_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITMIN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(render_cache, "MAX_ENTRIES", 3)
    for i in range(5):
        render_cache.store(f"k{i}", b"x")
        os.utime(tmp_path / f"k{i}", ns=(i * 10**9, i * 10**9))
    (tmp_path / ".k9.123.tmp").write_bytes(b"x")  # a write killed before its rename
    os.utime(tmp_path / ".k9.123.tmp", ns=(0, 0))
    (tmp_path / ".k8.124.tmp").write_bytes(b"x")  # another process writing now
    render_cache.store("k5", b"x")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".k8.124.tmp", "k3", "k4", "k5"]  # the oldest go first
    assert render_cache.lookup("k5") == b"x" and render_cache.lookup("k0") is None


def test_help_imports_neither_polars_nor_duckdb() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from critmin.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert run(['--help']) == 0\n"
        "print(sorted(m for m in ('polars', 'duckdb', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_entry_point_import_is_stdlib_only() -> None:
    code = (
        "import sys\n"
        "import critmin.cli, critmin.cli.render_cache\n"
        "print(sorted(m for m in ('typer', 'rich', 'pydantic', 'polars') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
