"""The `critmin` command: a thin layer over the Python API (typer + rich).

This package's import is kept to the standard library so the entry point can answer a
repeated read-only command from the render cache (:mod:`critmin.cli.render_cache`) without
importing typer, rich, polars or duckdb. The commands themselves live in
:mod:`critmin.cli.commands`; ``app`` and ``run`` are imported from there on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from critmin.cli.commands import app as app
    from critmin.cli.commands import run as run


def main() -> None:
    """Console entry point (``critmin``, ``python -m critmin``): exits with the command's code."""
    from critmin.cli.render_cache import main as cached_main

    cached_main()


def __getattr__(name: str) -> Any:
    if name in ("app", "run"):
        from critmin.cli import commands

        return getattr(commands, name)
    raise AttributeError(f"module 'critmin.cli' has no attribute {name!r}")
