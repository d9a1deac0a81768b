"""Debian's chromium for the browser tests (Playwright cannot download browsers here).

Without chromium the browser tests skip, except under CI, where they must run (.ci/run
installs it). The flags keep a headless chromium off the network it would otherwise call
(component updates, sync, background fetches), which this machine refuses.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian chromium not installed (apt-get install chromium); CI must have it",
)

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Any) -> Any:
    """A headless chromium browser from a ``sync_playwright()`` handle."""
    assert CHROMIUM, "CI must install Debian's chromium (.ci/run does)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


@contextmanager
def serve_app(built_store: Path, folder: Path) -> Iterator[str]:
    """uvicorn serving ``create_app()`` in a thread on a free 127.0.0.1 port, on a copy of
    ``built_store`` in ``folder`` (no API token: the dashboard reads only); yields the base
    URL and stops the server on exit."""
    import uvicorn

    from critmin.api import create_app

    db = folder / "critmin.duckdb"
    shutil.copy(built_store, db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRITMIN_DB", str(db))
        mp.delenv("CRITMIN_API_TOKEN", raising=False)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        srv = uvicorn.Server(
            uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not srv.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            srv.should_exit = True
            thread.join(10)
