"""Shared test fixtures: where ../shared is, and the PostgreSQL server.

Tests that need a service skip with a reason when it is missing, unless
``ACCORD_REQUIRE_SERVICES=1`` (set by .ci/run), in which case a missing service fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("ACCORD_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get(
    "ACCORD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def shared_dir() -> Path | None:
    """The project's shared/ folder: $ACCORD_SHARED_DIR, else ../shared beside the repository."""
    env = os.environ.get("ACCORD_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared")
    for c in candidates:
        if c.is_dir():
            return c
    return None


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ACCORD_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared/ folder with reference data and external test vectors."""
    path = shared_dir()
    if path is None:
        _missing("shared/ folder not found beside the repository (set ACCORD_SHARED_DIR)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A URL of a reachable PostgreSQL server (database ``test``, trust auth)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:
        _missing(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}: {exc}")
    return POSTGRES_URL
