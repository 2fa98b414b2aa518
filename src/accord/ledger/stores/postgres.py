"""The server backend: a ledger in a PostgreSQL schema, through psycopg 3.

psycopg is the optional extra ``accord[postgres]``, imported only when a ``postgresql://`` (or
``postgres://``) URL is opened; without it that URL is a one-line error naming the extra.
URL: ``postgresql://user@host:port/db?schema=NAME`` (``schema`` is accord's own parameter: the
tables live in that schema, created if missing; default ``public``). Messages name the store by
its URL with any password shown as ``***``. Writers are serialised by ``LOCK TABLE entries IN
EXCLUSIVE MODE`` (readers unaffected) and read the size inside the lock.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ...errors import InputError, StoreError
from ._base import Backend, EntryTuple, NodeTuple, redact_url
from ._sql import TABLES, SQLStore

__all__ = ["BACKEND", "EXTRA_HINT", "PostgresStore"]

#: What to install when psycopg is missing.
EXTRA_HINT = "pip install 'accord[postgres]'"

#: New schemas carry CHECK constraints on every range and length the ledger relies on;
#: schemas made by earlier versions (same columns, no checks) open and audit unchanged.
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    kind TEXT NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
    party TEXT CHECK (char_length(party) BETWEEN 1 AND 64),
    issued_at TEXT NOT NULL CHECK (char_length(issued_at) BETWEEN 20 AND 27),
    leaf BYTEA NOT NULL CHECK (octet_length(leaf) = 32),
    body BYTEA NOT NULL CHECK (octet_length(body) > 64),
    UNIQUE (party, issued_at, leaf)
);
CREATE INDEX entries_kind ON entries (kind) WHERE kind IN ('genesis', 'key-rotation');
CREATE TABLE nodes (
    level SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 63), idx BIGINT NOT NULL CHECK (idx >= 0),
    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32), PRIMARY KEY (level, idx)
);
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY CHECK (size >= 0), root BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note TEXT NOT NULL
);
CREATE TABLE cosignatures (
    size BIGINT NOT NULL CHECK (size >= 0), name TEXT NOT NULL CHECK (char_length(name) >= 1),
    key_id BYTEA NOT NULL CHECK (octet_length(key_id) = 4),
    signature BYTEA NOT NULL CHECK (octet_length(signature) = 64),
    PRIMARY KEY (size, name, key_id)
);
CREATE FUNCTION accord_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'accord ledger tables are append-only'; END $$;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION accord_append_only();\n"
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();\n"
    for t in TABLES
)

_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _psycopg(display_url: str) -> ModuleType:
    """The psycopg module; :class:`InputError` naming the extra to install when it is missing."""
    try:
        import psycopg
    except ImportError:
        raise InputError(f"PostgreSQL support is not installed: {EXTRA_HINT}", file=display_url) from None
    return psycopg


class PostgresStore(SQLStore):
    """A ledger in a PostgreSQL schema."""

    _param = "%s"

    def __init__(self, url: str) -> None:
        self.url = url  # kept whole: audit workers reopen the store by it
        self.display_url = redact_url(url)
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # e.g. an unclosed [IPv6] host
            raise InputError(f"not a URL: {exc}", file=self.display_url) from None
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        schemas = [v for k, v in pairs if k == "schema"]
        self.schema = schemas[-1] if schemas else "public"
        if not _IDENT.fullmatch(self.schema):
            raise InputError(
                f"schema {self.schema!r} must be a lower-case SQL identifier", file=self.display_url, field="schema"
            )
        self._pg = _psycopg(self.display_url)  # fail on the URL, before any work is done
        # The URL as libpq takes it: without accord's ``schema``, and keeping ``//`` when there is
        # no host (``postgresql:///db?host=/run/postgresql``; urlunsplit would drop it).
        base = url.split("#", 1)[0].split("?", 1)[0]
        query = urlencode([(k, v) for k, v in pairs if k != "schema"])
        self._dsn = f"{base}?{query}" if query else base
        self._conn: Any = None

    def _connect(self) -> Any:
        if self._conn is None:
            try:
                conn = self._pg.connect(self._dsn, autocommit=True, connect_timeout=10)
            except self._pg.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise InputError(f"cannot connect: {first}", file=self.display_url) from None
            try:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(f'SET search_path TO "{self.schema}"')
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._connect().execute(sql, params)
        except self._pg.Error as exc:  # a refused write (a key already stored) included, as in SQLite
            raise StoreError(f"schema {self.schema}: {str(exc).strip()}", file=self.display_url) from exc

    def exists(self) -> bool:
        r = self._one(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'entries'",
            (self.schema,),
        )
        return r is not None

    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                if self.exists():
                    raise InputError("already holds a ledger", file=self.display_url)
                for stmt in _SCHEMA.split(";\n"):
                    if stmt.strip():
                        conn.execute(stmt)
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO meta (key, value) VALUES (%s, %s)", sorted(meta.items()))
                conn.execute("INSERT INTO entries VALUES (0, %s, NULL, %s, %s, %s)", (kind, issued_at, leaf, body))
        except self._pg.Error as exc:  # no permission to create tables, …
            raise StoreError(f"schema {self.schema}: {str(exc).strip()}", file=self.display_url) from exc

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        conn = self._connect()
        try:
            with conn.transaction():
                # Self-conflicting lock: one writer at a time, readers unaffected.
                conn.execute("LOCK TABLE entries IN EXCLUSIVE MODE")
                yield
        except self._pg.Error as exc:  # the lock or the commit failed (the body's are StoreErrors)
            raise StoreError(f"schema {self.schema}: {str(exc).strip()}", file=self.display_url) from exc

    def _insert(self, entries: list[EntryTuple], nodes: list[NodeTuple]) -> None:
        conn = self._connect()
        try:
            # A savepoint of its own, so a replay leaves the transaction usable for the lookup.
            with conn.transaction(), conn.cursor() as cur, cur.copy(
                "COPY entries (idx, kind, party, issued_at, leaf, body) FROM STDIN"
            ) as copy:
                for e in entries:
                    copy.write_row(e)
        except self._pg.errors.UniqueViolation as exc:
            raise self._duplicate(entries, exc) from None
        except self._pg.Error as exc:
            raise StoreError(f"schema {self.schema}: {str(exc).strip()}", file=self.display_url) from exc
        try:
            with conn.cursor() as cur, cur.copy("COPY nodes (level, idx, hash) FROM STDIN") as copy:
                for n in nodes:
                    copy.write_row(n)
        except self._pg.Error as exc:  # a node already there: the stored tree is damaged
            raise StoreError(f"schema {self.schema}: write refused: {str(exc).strip()}", file=self.display_url) from exc

    def _stream(
        self, sql: str, params: Sequence[Any], name: str, itersize: int, *, no_index: bool = False
    ) -> Iterator[Any]:
        """Rows of ``sql`` through a server-side cursor on a connection of its own; a driver
        error (connecting, reading, a table changed or gone) is a :class:`StoreError`.
        ``no_index``: the planner may use no index (a full scan, sorted if need be)."""
        try:
            with self._pg.connect(self._dsn, connect_timeout=10) as conn:
                conn.execute(f'SET search_path TO "{self.schema}"')
                if no_index:
                    for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
                        conn.execute(f"SET {setting} = off")
                with conn.cursor(name=name) as cur:
                    cur.itersize = itersize
                    cur.execute(sql, params)
                    for row in cur:
                        yield tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        except self._pg.Error as exc:
            first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            raise StoreError(f"schema {self.schema}: {first}", file=self.display_url) from exc

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[EntryTuple]:
        sql = "SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx >= %s AND idx < %s ORDER BY idx"
        for r in self._stream(sql, self._bounds(start, end), "accord_rows", 5000):
            yield self._entry(r)

    def all_nodes(self) -> Iterator[NodeTuple]:
        sql = "SELECT level, idx, hash FROM nodes ORDER BY level, idx"
        for level, idx, h in self._stream(sql, (), "accord_nodes", 20000):
            if type(h) is not bytes:
                raise self._damaged(f"node (level {level}, index {idx})")
            yield level, idx, h

    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        sql, params = self._raw_sql(table, between)
        yield from self._stream(sql, params, f"accord_raw_{table}", 5000, no_index=between is None)

    def drop(self) -> None:
        """Remove the whole schema (tests and throwaway ledgers only)."""
        self._connect().execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


BACKEND = Backend(
    schemes=("postgresql", "postgres"), open=PostgresStore, examples=("postgresql://user@host/db?schema=NAME",)
)
