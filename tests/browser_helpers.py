"""Chromium under Playwright for the browser tests (tests/render/test_browser.py,
tests/service/test_dashboard_browser.py).

The browser is ``$ACCORD_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH.
Without Playwright or a browser ``launch_chromium`` skips the test with the reason, unless
``ACCORD_REQUIRE_SERVICES=1`` (set by .ci/run, which installs chromium), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REQUIRE_SERVICES = os.environ.get("ACCORD_REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ACCORD_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """The browser to drive: ``$ACCORD_CHROMIUM``, Debian's ``/usr/bin/chromium``, or ``chromium`` on PATH."""
    env = os.environ.get("ACCORD_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A started chromium (a Playwright ``Browser``), closed on exit; skips or fails the calling
    test, as above, when Playwright or the browser is missing or the browser does not start."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _missing(f"Playwright is not installed ({exc}); pip install -e '.[test]'")
    path = chromium_path()
    if path is None:
        _missing("no chromium found (set ACCORD_CHROMIUM, or apt-get install chromium)")
    assert path is not None
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        except Error as exc:
            _missing(f"chromium at {path} did not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()
