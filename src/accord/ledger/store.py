"""Where a ledger lives: SQLite (default) or PostgreSQL, named by URL.

Both stores keep the same five tables: ``meta``, ``entries(idx, kind, party, issued_at, leaf,
body)``,
``nodes(level, idx, hash)`` — every complete subtree of level >= 1; level 0 is ``entries.leaf`` —
``checkpoints(size, root, note)`` and ``cosignatures``. Triggers make every table append-only.
Replays are refused by ``UNIQUE (party, issued_at, leaf)``: timestamps mostly grow, so this index
takes its inserts at its right edge (a unique index on the random leaf hash alone would dirty a
random page per entry and slow appends several-fold past a few hundred thousand entries).
An append writes its entries and the interior nodes they complete in the same transaction, so
after reopening, the root and any proof cost O(log n) indexed reads and no rehashing.

Writers are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK TABLE … IN EXCLUSIVE MODE``)
and read the size and the compact range of subtree roots *inside* the lock, so two processes
appending at once never leave a gap or write an index twice. SQLite runs in WAL mode with
``synchronous=NORMAL`` by default: a committed append survives the process being killed (only an
OS crash or power loss may drop the last commits); ``?synchronous=full`` makes every commit
durable on return.

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (a bare path is taken as
SQLite too), ``postgresql://user@host:port/db?schema=NAME`` (``schema`` is accord's own
parameter: the tables live in that schema, created if missing; default ``public``). Messages
name a store by :attr:`Store.display_url`, the URL with any password replaced by ``***``.

A file or URL that cannot be opened as a database is the user's mistake (:class:`InputError`);
a database that opens but is damaged inside raises :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import InputError, IntegrityError
from .merkle import EMPTY_ROOT, consistency_ranges, hash_from_nodes, inclusion_ranges, node_hash, perfect_nodes

__all__ = [
    "DuplicateLeafError",
    "PostgresStore",
    "Row",
    "SQLiteStore",
    "Store",
    "StoreError",
    "Writer",
    "open_store",
    "redact_url",
]


class StoreError(IntegrityError):
    """The database is not a ledger, is damaged, or refused a write; ``file`` names the store
    (its :attr:`Store.display_url`, never a password) when known."""

    def __init__(self, problem: str, *, file: str | None = None) -> None:
        self.problem = problem
        self.file = file
        super().__init__(f"{file}: {problem}" if file else problem)


class DuplicateLeafError(StoreError):
    """An entry with the same leaf (same party, content and signature) is already stored."""

    def __init__(self, leaf: bytes, index: int | None) -> None:
        self.leaf = leaf
        self.index = index
        where = f" at index {index}" if index is not None else ""
        super().__init__(f"the same signed entry is already in the ledger{where}")


def redact_url(url: str) -> str:
    """``url`` with its password (in the user info or a ``password=`` parameter) shown as
    ``***``: the form every message and output uses."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if sep else netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k == "password" for k, _ in pairs):
            query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


@dataclass(frozen=True)
class Row:
    """One stored entry: index, kind, party and issued_at (copied from the statement for
    queries and the replay guard; audit re-derives them), the RFC 9162 leaf hash and the leaf
    bytes themselves."""

    index: int
    kind: str
    party: str | None
    issued_at: str
    leaf: bytes
    body: bytes


class Writer(Protocol):
    """What a write transaction offers; obtained from :meth:`Store.write`."""

    size: int

    def body(self, index: int) -> bytes | None: ...
    def key_rows(self) -> list[Row]: ...
    def append(self, rows: Sequence[tuple[str, str | None, str, bytes, bytes]]) -> int: ...
    def add_checkpoint(self, size: int, root: bytes, note: str) -> None: ...
    def add_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None: ...


class Store(Protocol):
    """A ledger database. Reads are consistent per call; writes go through :meth:`write`."""

    url: str
    display_url: str

    def exists(self) -> bool: ...
    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None: ...
    def meta(self) -> dict[str, str]: ...
    def size(self) -> int: ...
    def write(self) -> contextlib.AbstractContextManager[Writer]: ...
    def row(self, index: int) -> Row | None: ...
    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]: ...
    def scan(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str, str | None, str, bytes, bytes]]: ...
    def key_rows(self) -> list[Row]: ...
    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...
    def all_nodes(self) -> Iterator[tuple[int, int, bytes]]: ...
    def root(self, size: int | None = None) -> bytes: ...
    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]: ...
    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]: ...
    def checkpoints(self) -> list[tuple[int, bytes, str]]: ...
    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]: ...
    def close(self) -> None: ...


_TABLES = ("meta", "entries", "nodes", "checkpoints", "cosignatures")


class _SQLStore:
    """The SQL shared by both stores; subclasses supply the connection and dialect."""

    url: str
    display_url: str
    _param = "?"

    # -- dialect hooks -------------------------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _q(self, sql: str) -> str:
        return sql if self._param == "?" else sql.replace("?", "%s")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._execute(self._q(sql), params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._execute(self._q(sql), params).fetchall())

    # -- reads -------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """The ledger's metadata (origin, agreement, …) as written at creation."""
        return {k: v for k, v in self._all("SELECT key, value FROM meta")}

    def size(self) -> int:
        """The number of entries (the next index to be written)."""
        (top,) = self._one("SELECT MAX(idx) FROM entries")
        return 0 if top is None else int(top) + 1

    def row(self, index: int) -> Row | None:
        """The stored entry at ``index``, or ``None``."""
        r = self._one("SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx = ?", (index,))
        return None if r is None else Row(int(r[0]), r[1], r[2], r[3], bytes(r[4]), bytes(r[5]))

    def key_rows(self) -> list[Row]:
        """The genesis and key-rotation entries, in index order (the party key history)."""
        # Literal kinds, matching the partial index's WHERE clause: with bound parameters the
        # planner cannot use that index and would scan every entry on every append.
        rs = self._all(
            "SELECT idx, kind, party, issued_at, leaf, body FROM entries "
            "WHERE kind IN ('genesis', 'key-rotation') ORDER BY idx"
        )
        return [Row(int(r[0]), r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in rs]

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of complete subtrees ``(level, index)``; missing ones are absent."""
        out: dict[tuple[int, int], bytes] = {}
        for level, idx in set(keys):
            if level == 0:
                r = self._one("SELECT leaf FROM entries WHERE idx = ?", (idx,))
            else:
                r = self._one("SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, idx))
            if r is not None:
                out[(level, idx)] = bytes(r[0])
        return out

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        parts = [perfect_nodes(a, b) for a, b in ranges]
        keys = [k for p in parts for k in p]
        found = self.nodes(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            level, idx = missing[0]
            raise StoreError(f"stored tree is missing node level {level} index {idx}", file=self.display_url)
        return [hash_from_nodes([found[k] for k in p]) for p in parts]

    def _check_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InputError(f"size {size} is outside 0..{current}", field="size")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The RFC 9162 root of the first ``size`` entries (default: all), in O(log n) reads."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hashes([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of ``size`` entries (default: all)."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise InputError(f"index {index} is outside 0..{size - 1}", field="index")
        return self._range_hashes(inclusion_ranges(index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The consistency proof from ``size1`` entries to ``size2`` (default: all)."""
        size2 = self._check_size(size2)
        if not 0 < size1 <= size2:
            raise InputError(f"no consistency proof from size {size1} to {size2}", field="size")
        return self._range_hashes(consistency_ranges(size1, size2))

    def checkpoints(self) -> list[tuple[int, bytes, str]]:
        """Every stored checkpoint ``(size, root, log-signed note)``, by size."""
        return [(int(s), bytes(r), n) for s, r, n in self._all("SELECT size, root, note FROM checkpoints ORDER BY size")]

    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]:
        """The parties' signatures ``(name, key id, signature)`` on the checkpoint at ``size``."""
        rs = self._all("SELECT name, key_id, signature FROM cosignatures WHERE size = ? ORDER BY name, key_id", (size,))
        return [(n, bytes(k), bytes(s)) for n, k, s in rs]


class _Writer:
    """A write transaction: appends rows and the interior nodes they complete."""

    def __init__(self, store: _SQLStore, size: int) -> None:
        self._store = store
        self.size = size
        # The compact range: roots of the perfect subtrees covering [0, size), largest first.
        keys = perfect_nodes(0, size) if size else []
        found = store.nodes(keys)
        if len(found) != len(keys):
            raise StoreError("stored tree is missing nodes on its right edge", file=store.display_url)
        self._frontier: list[tuple[int, bytes]] = [(lvl, found[(lvl, i)]) for lvl, i in keys]

    def body(self, index: int) -> bytes | None:
        row = self._store.row(index)
        return None if row is None else row.body

    def key_rows(self) -> list[Row]:
        return self._store.key_rows()

    def append(self, rows: Sequence[tuple[str, str | None, str, bytes, bytes]]) -> int:
        """Write ``(kind, party, issued_at, body, leaf_hash)`` rows at the next indices; returns
        the first."""
        first = self.size
        entries = []
        nodes = []
        frontier = self._frontier
        idx = first
        for kind, party, issued_at, body, leaf in rows:
            entries.append((idx, kind, party, issued_at, leaf, body))
            h, level, n = leaf, 0, idx
            # Merge equal-height subtrees: leaf idx completes one node per trailing 1 bit of idx.
            while n & 1:
                h = node_hash(frontier.pop()[1], h)
                level += 1
                n >>= 1
                nodes.append((level, n, h))
            frontier.append((level, h))
            idx += 1
        self._store._insert(entries, nodes)
        self.size = idx
        return first

    def add_checkpoint(self, size: int, root: bytes, note: str) -> None:
        self._store._execute(self._store._q("INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)"), (size, root, note))

    def add_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None:
        self._store._execute(
            self._store._q("INSERT INTO cosignatures (size, name, key_id, signature) VALUES (?, ?, ?, ?)"),
            (size, name, key_id, signature),
        )


# --------------------------------------------------------------------------------------------
# SQLite

_SQLITE_SCHEMA = """
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
""" + "".join(
    f"CREATE TRIGGER {t}_no_{op} BEFORE {op.upper()} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, 'accord ledger tables are append-only'); END;\n"
    for t in _TABLES
    for op in ("update", "delete")
)


class SQLiteStore(_SQLStore):
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
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()
                raise InputError(f"cannot open as a SQLite database: {exc}", file=str(self.path)) from None
            self._conn = conn
        return self._conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        conn = self._connect()
        try:
            return conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc

    def exists(self) -> bool:
        """True iff the file exists and holds a ledger."""
        if not self.path.exists():
            return False
        r = self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'")
        return r is not None

    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        """Create the tables and write ``meta`` and the genesis entry in one transaction."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchone():
                raise InputError("already holds a ledger", file=str(self.path))
            for stmt in _SQLITE_SCHEMA.split(";\n"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
            conn.execute("INSERT INTO entries VALUES (0, ?, NULL, ?, ?, ?)", (kind, issued_at, leaf, body))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[_Writer]:
        """A write transaction holding SQLite's write lock; commits on success."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc
        try:
            yield _Writer(self, self.size())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _insert(self, entries: list[tuple], nodes: list[tuple]) -> None:
        conn = self._connect()
        try:
            conn.executemany("INSERT INTO entries (idx, kind, party, issued_at, leaf, body) VALUES (?, ?, ?, ?, ?, ?)", entries)
        except sqlite3.IntegrityError as exc:
            raise _duplicate(self, entries, exc) from None
        conn.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        """Stored entries with ``start <= index < end``, in index order (streamed)."""
        for r in self.scan(start, end):
            yield Row(*r)

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str, str | None, str, bytes, bytes]]:
        """Like :meth:`rows` but plain tuples ``(index, kind, party, issued_at, leaf, body)`` —
        the audit's fast path over millions of rows."""
        yield from self._stream(
            "SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, end if end is not None else 2**62),
        )

    def all_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored interior node ``(level, index, hash)``, by level then index."""
        yield from self._stream("SELECT level, idx, hash FROM nodes ORDER BY level, idx", ())

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Any]:
        """Rows of ``sql`` from a connection of their own (a long scan never holds the
        store's connection); :class:`StoreError` when the database cannot be read."""
        conn = None
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=60.0)
            yield from conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc), file=str(self.path)) from exc
        finally:
            if conn is not None:
                conn.close()

    def close(self) -> None:
        """Close the connection (the store reopens it on the next call)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _duplicate(store: _SQLStore, entries: list[tuple], exc: Exception) -> StoreError:
    """Turn a unique-constraint failure into a :class:`DuplicateLeafError` naming the entry."""
    for _idx, _kind, party, issued_at, leaf, _body in entries:
        r = store._one("SELECT idx FROM entries WHERE party = ? AND issued_at = ? AND leaf = ?", (party, issued_at, leaf))
        if r is not None:
            return DuplicateLeafError(leaf, int(r[0]))
    return StoreError(f"write refused: {exc}", file=store.display_url)


# --------------------------------------------------------------------------------------------
# PostgreSQL

_PG_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    idx BIGINT PRIMARY KEY, kind TEXT NOT NULL, party TEXT, issued_at TEXT NOT NULL,
    leaf BYTEA NOT NULL, body BYTEA NOT NULL, UNIQUE (party, issued_at, leaf)
);
CREATE INDEX entries_kind ON entries (kind) WHERE kind IN ('genesis', 'key-rotation');
CREATE TABLE nodes (level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE checkpoints (size BIGINT PRIMARY KEY, root BYTEA NOT NULL, note TEXT NOT NULL);
CREATE TABLE cosignatures (
    size BIGINT NOT NULL, name TEXT NOT NULL, key_id BYTEA NOT NULL, signature BYTEA NOT NULL,
    PRIMARY KEY (size, name, key_id)
);
CREATE FUNCTION accord_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'accord ledger tables are append-only'; END $$;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION accord_append_only();\n"
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION accord_append_only();\n"
    for t in _TABLES
)

_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresStore(_SQLStore):
    """A ledger in a PostgreSQL schema (psycopg 3, imported only when used)."""

    _param = "%s"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.pop("schema", "public")
        self.url = url  # kept whole: audit workers reopen the store by it
        self.display_url = redact_url(url)
        if not _IDENT.fullmatch(self.schema):
            raise InputError(f"schema {self.schema!r} must be a lower-case SQL identifier", file=self.display_url, field="schema")
        self._dsn = urlunsplit(parts._replace(query=urlencode(query)))
        self._conn: Any = None

    def _connect(self) -> Any:
        if self._conn is None:
            import psycopg

            try:
                conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise InputError(f"cannot connect: {str(exc).strip().splitlines()[0]}", file=self.display_url) from None
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(f'SET search_path TO "{self.schema}"')
            self._conn = conn
        return self._conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        try:
            return self._connect().execute(sql, params)
        except psycopg.errors.UniqueViolation:
            raise
        except psycopg.Error as exc:
            raise StoreError(f"schema {self.schema}: {str(exc).strip()}", file=self.display_url) from exc

    def exists(self) -> bool:
        r = self._one(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'entries'",
            (self.schema,),
        )
        return r is not None

    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        conn = self._connect()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
            if self.exists():
                raise InputError("already holds a ledger", file=self.display_url)
            for stmt in _PG_SCHEMA.split(";\n"):
                if stmt.strip():
                    conn.execute(stmt)
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO meta (key, value) VALUES (%s, %s)", sorted(meta.items()))
            conn.execute("INSERT INTO entries VALUES (0, %s, NULL, %s, %s, %s)", (kind, issued_at, leaf, body))

    @contextlib.contextmanager
    def write(self) -> Iterator[_Writer]:
        conn = self._connect()
        with conn.transaction():
            # Self-conflicting lock: one writer at a time, readers unaffected.
            conn.execute("LOCK TABLE entries IN EXCLUSIVE MODE")
            yield _Writer(self, self.size())

    def _insert(self, entries: list[tuple], nodes: list[tuple]) -> None:
        import psycopg

        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy("COPY entries (idx, kind, party, issued_at, leaf, body) FROM STDIN") as copy:
                    for e in entries:
                        copy.write_row(e)
        except psycopg.errors.UniqueViolation as exc:
            raise _duplicate(self, entries, exc) from None
        with conn.cursor() as cur, cur.copy("COPY nodes (level, idx, hash) FROM STDIN") as copy:
            for n in nodes:
                copy.write_row(n)

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        for r in self.scan(start, end):
            yield Row(*r)

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str, str | None, str, bytes, bytes]]:
        import psycopg

        with psycopg.connect(self._dsn) as conn:
            conn.execute(f'SET search_path TO "{self.schema}"')
            with conn.cursor(name="accord_rows") as cur:
                cur.itersize = 5000
                cur.execute(
                    "SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx >= %s AND idx < %s ORDER BY idx",
                    (start, end if end is not None else 2**62),
                )
                for r in cur:
                    yield int(r[0]), r[1], r[2], r[3], bytes(r[4]), bytes(r[5])

    def all_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        import psycopg

        with psycopg.connect(self._dsn) as conn:
            conn.execute(f'SET search_path TO "{self.schema}"')
            with conn.cursor(name="accord_nodes") as cur:
                cur.itersize = 20000
                cur.execute("SELECT level, idx, hash FROM nodes ORDER BY level, idx")
                for lvl, idx, h in cur:
                    yield int(lvl), int(idx), bytes(h)

    def drop(self) -> None:
        """Remove the whole schema (tests and throwaway ledgers only)."""
        self._connect().execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def open_store(url: str) -> Store:
    """The store a URL names: ``sqlite:///path`` (or a bare path) or ``postgresql://…``.

    Nothing is created here; :meth:`Store.exists` tells whether a ledger is there.
    """
    if not isinstance(url, str) or not url.strip():
        raise InputError("database URL is empty", field="url")
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    if url.startswith("sqlite:"):
        parts = urlsplit(url)
        if parts.netloc:
            raise InputError("use sqlite:///relative.db or sqlite:////absolute.db (no host)", file=url)
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise InputError("sqlite URL has no path", file=url)
        options = dict(parse_qsl(parts.query))
        unknown = set(options) - {"synchronous"}
        if unknown:
            raise InputError(f"unknown sqlite option {sorted(unknown)[0]!r}", file=url)
        return SQLiteStore(path, synchronous=options.get("synchronous", "NORMAL"), url=url)
    if "://" in url:
        raise InputError("database URL must start with sqlite:/// or postgresql://", file=redact_url(url))
    return SQLiteStore(os.fspath(url), url=f"sqlite:///{url}")
