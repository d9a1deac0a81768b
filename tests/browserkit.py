"""Debian's chromium for the browser tests (Playwright cannot download browsers here).

Without chromium the browser tests skip, except under CI, where they must run (.ci/run
installs it). The flags keep a headless chromium off the network it would otherwise call
(component updates, sync, background fetches), which this machine refuses.
"""

from __future__ import annotations

import os
import shutil
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
