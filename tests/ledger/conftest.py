"""Fixtures for the ledger tests: the same suite runs against SQLite and the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from accord.ledger import Ledger, PrivateKey, generate_key
from accord.ledger.store import PostgresStore, open_store


@dataclass
class Parties:
    us: PrivateKey
    ru: PrivateKey
    log: PrivateKey


@pytest.fixture(scope="session")
def parties() -> Parties:
    return Parties(generate_key("US"), generate_key("RU"), generate_key("log"))


def _pg_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL for a fresh, empty ledger database: a SQLite file, or a PostgreSQL schema of its own
    (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    url = _pg_url(base, f"accord_test_{uuid.uuid4().hex[:12]}")
    yield url
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    store.drop()
    store.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def ledger(db_url: str, parties: Parties) -> Iterator[Ledger]:
    """A ledger between US and RU with a separate log key; only US files inspection reports."""
    made = Ledger.create(
        db_url,
        agreement="new-start",
        parties=[parties.us.public, parties.ru.public],
        log_key=parties.log.public,
        restrictions={"inspection-report": ["US"]},
    )
    yield made
    made.close()


@pytest.fixture
def tamper():
    """``tamper(store, sql, params)``: change stored data as an attacker with database access would."""
    return _tamper


def _tamper(store, sql: str, params: tuple = ()) -> None:
    """Change stored data behind the ledger's back, as an attacker with database access would:
    switch off the append-only triggers, run ``sql``, switch them on again."""
    from accord.ledger.store import SQLiteStore

    if isinstance(store, SQLiteStore):
        import sqlite3

        conn = sqlite3.connect(store.path, isolation_level=None)
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(sql, params)
        for _, ddl in triggers:
            try:
                conn.execute(ddl)
            except sqlite3.OperationalError:
                pass  # its table was replaced by the tampering itself
        conn.close()
    else:
        import psycopg

        with psycopg.connect(store._dsn, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{store.schema}"')
            conn.execute("SET session_replication_role = replica")  # user triggers do not fire
            conn.execute(sql.replace("?", "%s"), params)
