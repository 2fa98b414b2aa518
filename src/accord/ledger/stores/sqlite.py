"""The embedded default: a ledger in one SQLite file, WAL mode.

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, or a bare path; the one
option is ``?synchronous=normal|full|extra``. Writers are serialised by ``BEGIN IMMEDIATE`` and
read the size inside the lock. With ``synchronous=NORMAL`` (the default) a committed append
survives the process being killed (only an OS crash or power loss may drop the last commits);
``?synchronous=full`` makes every commit durable on return.

A file that cannot be opened as a database is the user's mistake (:class:`InputError`); a
database that opens but is damaged inside raises :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ...errors import InputError, StoreError
from ._base import Backend, EntryTuple, NodeTuple, NotUTF8, redact_url
from ._sql import TABLES, SQLStore

__all__ = ["BACKEND", "LEGACY_SCHEMA", "SQLiteStore"]

#: New stores: STRICT tables (a value of the wrong type is refused, not stored) with CHECK
#: constraints on every range and length the ledger relies on. Stores made by earlier versions
#: (plain tables, same columns) open and audit unchanged.
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;
CREATE TABLE entries (
    idx INTEGER PRIMARY KEY CHECK (idx >= 0),
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    party TEXT CHECK (length(party) BETWEEN 1 AND 64),
    issued_at TEXT NOT NULL CHECK (length(issued_at) BETWEEN 20 AND 27),
    leaf BLOB NOT NULL CHECK (length(leaf) = 32),
    body BLOB NOT NULL CHECK (length(body) > 64),
    UNIQUE (party, issued_at, leaf)
) STRICT;
CREATE INDEX entries_kind ON entries (kind) WHERE kind IN ('genesis', 'key-rotation');
CREATE TABLE nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 63), idx INTEGER NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0), root BLOB NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL
) STRICT;
CREATE TABLE cosignatures (
    size INTEGER NOT NULL CHECK (size >= 0), name TEXT NOT NULL CHECK (length(name) >= 1),
    key_id BLOB NOT NULL CHECK (length(key_id) = 4), signature BLOB NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (size, name, key_id)
) STRICT;
""" + "".join(
    f"CREATE TRIGGER {t}_no_{op} BEFORE {op.upper()} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, 'accord ledger tables are append-only'); END;\n"
    for t in TABLES
    for op in ("update", "delete")
)


#: The tables of stores made before 0.9 (no STRICT, no CHECK): they still open and audit.
LEGACY_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, party TEXT, issued_at TEXT NOT NULL,
    leaf BLOB NOT NULL, body BLOB NOT NULL, UNIQUE (party, issued_at, leaf)
);
CREATE INDEX entries_kind ON entries (kind) WHERE kind IN ('genesis', 'key-rotation');
CREATE TABLE nodes (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL);
CREATE TABLE cosignatures (
    size INTEGER NOT NULL, name TEXT NOT NULL, key_id BLOB NOT NULL, signature BLOB NOT NULL,
    PRIMARY KEY (size, name, key_id)
);
""" + _SCHEMA[_SCHEMA.index("CREATE TRIGGER"):]


#: What a damaged database raises: SQLite's errors, and a UnicodeDecodeError when the message
#: SQLite composes quotes damaged bytes (a corrupted schema, say).
_ERRORS = (sqlite3.DatabaseError, UnicodeDecodeError)


def _text(raw: bytes) -> str | NotUTF8:
    """How a raw read decodes TEXT: UTF-8, or the bytes themselves marked :class:`NotUTF8`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return NotUTF8(raw)


def _statements(schema: str) -> list[str]:
    return [stmt for stmt in schema.split(";\n") if stmt.strip()]


@functools.cache
def _schema_objects(schema: str) -> frozenset[tuple[str, str, str, str | None]]:
    """``(type, name, table, sql)`` of everything ``schema`` creates, as SQLite records it."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for stmt in _statements(schema):
            conn.execute(stmt)
        return frozenset(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


class SQLiteStore(SQLStore):
    """A ledger in one SQLite file (WAL mode)."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL", url: str | None = None) -> None:
        self.path = Path(path)
        self.url = url or f"sqlite:///{self.path}"
        self.display_url = self.url  # a SQLite URL carries no password
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise InputError(f"synchronous must be normal, full or extra, not {synchronous!r}", field="synchronous")
        self._synchronous = synchronous.upper()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        """The open connection; :class:`InputError` when the file cannot be opened as a SQLite
        database (a directory, no permission, some other kind of file): the user named it."""
        if self._conn is None:
            conn = None
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=60.0)
                conn.execute("PRAGMA busy_timeout = 60000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
                conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: proofs and appends stay in memory
            except _ERRORS as exc:
                if conn is not None:
                    conn.close()
                raise InputError(f"cannot open as a SQLite database: {exc}", file=str(self.path)) from None
            self._conn = conn
        return self._conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        conn = self._connect()
        try:
            return conn.execute(sql, params)
        except _ERRORS as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc

    def exists(self) -> bool:
        """True iff the file exists and holds a ledger."""
        if not self.path.exists():
            return False
        r = self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'")
        return r is not None

    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        """Create the tables and write ``meta`` and the genesis entry in one transaction."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where a folder should be, no permission, …
            why = exc.strerror or exc.__class__.__name__
            folder = str(self.path.parent)
            raise InputError(f"cannot create the folder {folder!r}: {why}", file=str(self.path)) from None
        conn = self._connect()
        with self._transaction():
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchone():
                raise InputError("already holds a ledger", file=str(self.path))
            try:
                for stmt in _statements(_SCHEMA):
                    conn.execute(stmt)
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
                conn.execute("INSERT INTO entries VALUES (0, ?, NULL, ?, ?, ?)", (kind, issued_at, leaf, body))
            except _ERRORS as exc:
                raise StoreError(str(exc), file=str(self.path)) from exc

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except _ERRORS as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc
        try:
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:  # (a failed COMMIT may already have ended it)
                conn.execute("ROLLBACK")
            if isinstance(exc, _ERRORS):  # the COMMIT itself: disk full, I/O error …
                raise StoreError(str(exc), file=str(self.path)) from exc
            raise

    def _insert(self, entries: list[EntryTuple], nodes: list[NodeTuple]) -> None:
        conn = self._connect()
        try:
            conn.executemany(
                "INSERT INTO entries (idx, kind, party, issued_at, leaf, body) VALUES (?, ?, ?, ?, ?, ?)", entries
            )
        except sqlite3.IntegrityError as exc:
            raise self._duplicate(entries, exc) from None
        except _ERRORS as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc
        try:
            conn.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        except _ERRORS as exc:  # a node already there: the stored tree is damaged
            raise StoreError(f"write refused: {exc}", file=str(self.path)) from exc

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[EntryTuple]:
        for r in self._stream(
            "SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
            self._bounds(start, end),
        ):
            yield self._entry(r)

    def all_nodes(self) -> Iterator[NodeTuple]:
        yield from self._stream("SELECT level, idx, hash FROM nodes ORDER BY level, idx", ())

    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        # NOT INDEXED: the table's own b-tree (rowid or WITHOUT ROWID key), never an index.
        sql, params = self._raw_sql(table, between, " NOT INDEXED")
        yield from self._stream(sql, params, text=_text)

    def integrity_problems(self, limit: int = 20) -> list[str]:
        """``PRAGMA integrity_check`` (``quick_check`` — pages, records, STRICT types, NOT NULL
        and CHECK constraints — plus every index against its table), then the schema: the
        tables, indexes and append-only triggers must be exactly those accord creates (this
        version's, or the one before STRICT tables)."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, isolation_level=None, timeout=60.0)) as conn:
                conn.text_factory = _text
                found = [str(r[0]) for r in conn.execute(f"PRAGMA integrity_check({max(1, int(limit))})")]
                objects = {tuple(r) for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}
        except _ERRORS as exc:
            return [f"the database file cannot be checked: {exc}"]
        problems = [] if found == ["ok"] else found
        objects = {o for o in objects if not str(o[1]).startswith("sqlite_stat")}
        expected = min((_schema_objects(_SCHEMA), _schema_objects(LEGACY_SCHEMA)), key=lambda e: len(e ^ objects))
        for kind, name, _table, _sql in sorted(expected - objects, key=str):
            differs = "differs from accord's" if any(o[1] == name for o in objects) else "is missing"
            problems.append(f"the schema's {kind} {name} {differs}")
        for kind, name, _table, _sql in sorted(objects - expected, key=str):
            if not any(e[1] == name for e in expected):
                problems.append(f"the schema has a {kind} {str(name)[:40]!r} accord does not create")
        return problems[:limit]

    def _stream(self, sql: str, params: Sequence[Any], *, text: Any = str) -> Iterator[Any]:
        """Rows of ``sql`` from a connection of their own (a long scan never holds the
        store's connection), TEXT decoded by ``text``; :class:`StoreError` when the database
        cannot be read."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, isolation_level=None, timeout=60.0)) as conn:
                conn.text_factory = text
                yield from conn.execute(sql, params)
        except _ERRORS as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _open(url: str) -> SQLiteStore:
    """``sqlite:///relative.db``, ``sqlite:////absolute.db``, with ``?synchronous=…``."""
    shown = redact_url(url)  # a password typed into the wrong kind of URL is still hidden
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InputError(f"not a URL: {exc}", file=shown) from None
    if parts.netloc:
        raise InputError("use sqlite:///relative.db or sqlite:////absolute.db (no host)", file=shown)
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path:
        raise InputError("sqlite URL has no path", file=shown)
    options = dict(parse_qsl(parts.query))
    unknown = set(options) - {"synchronous"}
    if unknown:
        raise InputError(f"unknown sqlite option {sorted(unknown)[0]!r}", file=shown)
    try:
        return SQLiteStore(path, synchronous=options.get("synchronous", "NORMAL"), url=url)
    except InputError as err:
        raise err.at(file=shown) from None


def _open_path(path: str) -> SQLiteStore:
    return SQLiteStore(os.fspath(path), url=f"sqlite:///{path}")


BACKEND = Backend(schemes=("sqlite",), open=_open, examples=("sqlite:///path.db",), open_path=_open_path)
