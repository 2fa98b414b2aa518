"""Fixtures for the ledger tests: the same suite runs against every store — SQLite, the real
PostgreSQL and the in-memory store; tests that tamper with stored rows through SQL (``tamper``)
run against the two SQL stores (``sql_db_url``, ``sql_ledger``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from accord.ledger import Ledger, PrivateKey, generate_key
from accord.ledger.stores import open_store
from accord.ledger.stores.memory import MemoryStore
from accord.ledger.stores.postgres import PostgresStore
from accord.ledger.stores.sqlite import SQLiteStore

BACKENDS = ["sqlite", "postgres", "memory"]
SQL_BACKENDS = ["sqlite", "postgres"]


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


def _fresh_url(request: pytest.FixtureRequest, backend: str, tmp_path) -> Iterator[str]:
    """A URL for a fresh, empty ledger database of ``backend``: a SQLite file, a PostgreSQL
    schema of its own or a named in-memory database (both dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if backend == "memory":
        url = f"memory:test-{uuid.uuid4().hex[:12]}"
    else:
        url = _pg_url(request.getfixturevalue("postgres_url"), f"accord_test_{uuid.uuid4().hex[:12]}")
    yield url
    with open_store(url) as store:
        assert isinstance(store, (PostgresStore, MemoryStore))
        store.drop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty ledger database on each store in turn."""
    yield from _fresh_url(request, request.param, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty ledger database on each SQL store in turn (for SQL tampering)."""
    yield from _fresh_url(request, request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def _made(url: str, parties: Parties) -> Ledger:
    """A ledger between US and RU with a separate log key; only US files inspection reports."""
    return Ledger.create(
        url,
        agreement="new-start",
        parties=[parties.us.public, parties.ru.public],
        log_key=parties.log.public,
        restrictions={"inspection-report": ["US"]},
    )


@pytest.fixture
def ledger(db_url: str, parties: Parties) -> Iterator[Ledger]:
    """:func:`_made` on each store in turn."""
    with _made(db_url, parties) as made:
        yield made


@pytest.fixture
def sql_ledger(sql_db_url: str, parties: Parties) -> Iterator[Ledger]:
    """:func:`_made` on each SQL store in turn."""
    with _made(sql_db_url, parties) as made:
        yield made


@pytest.fixture
def tamper():
    """``tamper(store, sql, params)``: change stored data as an attacker with database access would."""
    return _tamper


def _tamper(store, sql: str, params: tuple = ()) -> None:
    """Change stored data behind the ledger's back, as an attacker with database access would:
    switch off the append-only triggers and the CHECK constraints, run ``sql``, switch them on
    again (PostgreSQL: the constraints come back NOT VALID, leaving the tampered rows)."""
    if isinstance(store, SQLiteStore):
        import contextlib
        import sqlite3

        with contextlib.closing(sqlite3.connect(store.path, isolation_level=None)) as conn:
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
            for name, _ in triggers:
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute("PRAGMA ignore_check_constraints = ON")
            conn.execute(sql, params)
            for _, ddl in triggers:
                with contextlib.suppress(sqlite3.OperationalError):  # its table was replaced by the tampering
                    conn.execute(ddl)
    else:
        import contextlib

        import psycopg

        with psycopg.connect(store._dsn, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{store.schema}"')
            conn.execute("SET session_replication_role = replica")  # user triggers do not fire
            checks = conn.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'c' AND connamespace = %s::regnamespace", (store.schema,)).fetchall()
            for table, name, _ in checks:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            conn.execute(sql.replace("?", "%s"), params)
            for table, name, definition in checks:
                with contextlib.suppress(psycopg.Error):  # its table was replaced by the tampering
                    conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
