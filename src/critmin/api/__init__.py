"""The HTTP API and dashboard (FastAPI): ``create_app()``; run with ``critmin serve``.

A thin adapter: every route calls the Python API function its CLI command calls, and answers
with the same numbers (docs/http-api.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from critmin.settings import Settings

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    allowed_hosts: frozenset[str] | None = None,
    warm: bool = False,
) -> FastAPI:
    """The FastAPI application (see :func:`critmin.api.app.create_app`)."""
    from critmin.api.app import create_app as build

    return build(settings, allowed_hosts, warm)


def __dir__() -> list[str]:
    return __all__
