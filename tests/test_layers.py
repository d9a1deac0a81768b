"""The package's layers, read from the source (no import needed): the engines and the data
layer never import a front end (the CLI, the HTTP API, the brief, the sweep runner, the Python
API's capabilities); the front ends reach the store and the engines only through the
capabilities (they build a request and render a Result); and no module grows past 500 lines
(issue 25: a newcomer finds a number's code path in one minute)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "critmin"
FRONT_ENDS = ("cli", "api", "brief", "sweep", "capabilities")
MAX_LINES = 500


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


# What a front end (cli, api, brief, sweep) may import besides the front ends themselves: the
# capabilities and their Results, and the shared vocabulary (errors, names, defaults, the table
# contracts, input guards, file formats). Everything else (store, queries, supply, ledger, sim,
# optimize, profiles, importers...) is reached through critmin.capabilities.
SHARED = (
    "capabilities",
    "results",
    "errors",
    "names",
    "jsonform",
    "vocab",
    "defaults",
    "editions",
    "columns",
    "column_docs",
    "schema",
    "row_models",
    "contract",
    "settings",
    "export",
    "files",
    "yaml_input",
    "memo",
)
TOP_LEVEL_OK = {"__version__", *SHARED}


def _internals(path: Path) -> list[str]:
    """What ``path`` imports from critmin beyond the front ends and :data:`SHARED`."""
    bad: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "critmin":
                bad.update(f"critmin.{a.name}" for a in node.names if a.name not in TOP_LEVEL_OK)
                continue
            mods = [node.module]
        else:
            continue
        for m in mods:
            parts = m.split(".")
            if parts[0] == "critmin" and len(parts) > 1 and parts[1] not in (*FRONT_ENDS, *SHARED):
                bad.add(m)
    return sorted(bad)


FRONT_END_MODULES = [
    p for p in _modules() if _layer(p) in FRONT_ENDS and _layer(p) != "capabilities"
]


@pytest.mark.parametrize("path", FRONT_END_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_a_front_end_reaches_engines_only_through_capabilities(path: Path) -> None:
    bad = _internals(path)
    assert bad == [], f"{path.relative_to(SRC)} imports store or engine internals: {bad}"


def test_the_front_end_check_sees_internals(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text(
        "from critmin import __version__, ledger\n"
        "def f():\n    from critmin.sim.floor import simulate\n    import critmin.store\n"
        "    from critmin.capabilities.floor import floor\n"
        "    from critmin.errors import InputError\n"
    )
    assert _internals(mod) == ["critmin.ledger", "critmin.sim.floor", "critmin.store"]


ENGINES = [p for p in _modules() if _layer(p) not in (*FRONT_ENDS, "__main__", "__init__")]


@pytest.mark.parametrize("path", ENGINES, ids=lambda p: str(p.relative_to(SRC)))
def test_an_engine_never_imports_a_front_end(path: Path) -> None:
    bad = sorted(
        m
        for m in _imported(path)
        if any(m == f"critmin.{f}" or m.startswith(f"critmin.{f}.") for f in FRONT_ENDS)
    )
    assert bad == [], f"{path.relative_to(SRC)} imports front-end code: {bad}"


def test_no_module_is_longer_than_500_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_check_sees_a_front_end_import(tmp_path: Path) -> None:
    """The parser finds imports inside functions too (most front-end imports are lazy)."""
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from critmin.brief import charts\n    import critmin.cli\n")
    assert {"critmin.brief", "critmin.brief.charts", "critmin.cli"} <= _imported(mod)
