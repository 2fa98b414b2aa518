"""What every ledger store is: the :class:`Store` protocol the ledger reads and writes through,
and :class:`TreeStore`, the base class that derives the RFC 9162 root, proofs and the interior
nodes an append completes from a backend's few primitives.

A backend (one module in this package) subclasses :class:`TreeStore` and supplies storage:
``exists``, ``create``, ``meta``, ``size``, ``scan``, ``nodes``, ``all_nodes``,
``checkpoints``, ``cosignatures``, ``close`` and the write primitives ``_transaction``,
``_insert``, ``_insert_checkpoint`` and ``_insert_cosignature``. Everything else — proofs,
roots, the write transaction's node bookkeeping — is computed here, once for all backends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import unquote_plus

from ...errors import InputError, StoreError
from ..merkle import EMPTY_ROOT, consistency_ranges, hash_from_nodes, inclusion_ranges, node_hash, perfect_nodes

__all__ = [
    "RAW_COLUMNS", "Backend", "EntryTuple", "NodeTuple", "NotUTF8", "Row", "Store", "TreeStore", "Writer", "redact_url",
]

#: A stored entry as a plain tuple: ``(index, kind, party, issued_at, leaf_hash, body)``.
EntryTuple = tuple[int, str, str | None, str, bytes, bytes]
#: A stored interior node: ``(level, index, hash)``.
NodeTuple = tuple[int, int, bytes]
#: A row to append: ``(kind, party, issued_at, body, leaf_hash)``.
NewRow = tuple[str, str | None, str, bytes, bytes]

#: The columns :meth:`Store.raw_rows` yields for each table, in order.
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "entries": ("idx", "kind", "party", "issued_at", "leaf", "body"),
    "nodes": ("level", "idx", "hash"),
    "checkpoints": ("size", "root", "note"),
    "cosignatures": ("size", "name", "key_id", "signature"),
}

class NotUTF8(bytes):
    """A TEXT value whose bytes are not UTF-8, as :meth:`Store.raw_rows` yields it (the bytes
    themselves): a damaged cell the audit reports, where a plain read would fail."""


#: Entry kinds the store can list on their own (the party key history); the same literals as
#: the ledger's genesis and key-rotation kinds, kept here so stores need not import the log.
KEY_KINDS = ("genesis", "key-rotation")


#: Query parameters whose values are secrets (libpq's ``password`` and ``sslpassword``).
_SECRET_PARAMETERS = ("password", "sslpassword")


def redact_url(url: str) -> str:
    """``url`` with its password (in the user info, or a ``password=`` / ``sslpassword=``
    parameter) shown as ``***``: the form every message and output uses.

    Everything else is kept exactly as written (``sqlite:////abs.db`` stays a URL that opens
    the same file), and a URL too malformed to parse is still redacted, never an error: this is
    what error messages about bad URLs show.
    """
    scheme, sep, rest = url.partition("://")
    if sep:
        # The user info ends at the last '@' before the path (libpq stops at the first '/').
        slash = rest.find("/")
        authority = rest if slash < 0 else rest[:slash]
        if "@" in authority:
            userinfo, _, host = authority.rpartition("@")
            user, colon, _password = userinfo.partition(":")
            if colon:
                rest = f"{user}:***@{host}{rest[len(authority):]}"
        url = scheme + sep + rest
    base, qmark, query = url.partition("?")
    if not qmark:
        return url
    query, hash_, fragment = query.partition("#")
    kept = []
    for item in query.split("&"):
        key, eq, _value = item.partition("=")
        if eq and unquote_plus(key).lower() in _SECRET_PARAMETERS:
            item = f"{key}=***"
        kept.append(item)
    return base + qmark + "&".join(kept) + hash_ + fragment


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
    def append(self, rows: Sequence[NewRow]) -> int: ...
    def add_checkpoint(self, size: int, root: bytes, note: str) -> None: ...
    def add_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None: ...


class Store(Protocol):
    """A ledger database, named by :attr:`url` (shown as :attr:`display_url`, password hidden).

    Reads are consistent per call; writes go through :meth:`write`, one writer at a time,
    all or nothing. A store is a context manager: leaving the ``with`` block closes it.
    """

    url: str
    display_url: str

    def exists(self) -> bool: ...
    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None: ...
    def meta(self) -> dict[str, str]: ...
    def size(self) -> int: ...
    def row(self, index: int) -> Row | None: ...
    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]: ...
    def scan(self, start: int = 0, end: int | None = None) -> Iterator[EntryTuple]: ...
    def key_rows(self) -> list[Row]: ...
    def index_of(self, party: str | None, issued_at: str, leaf: bytes) -> int | None: ...
    def all_nodes(self) -> Iterator[NodeTuple]: ...
    def root(self, size: int | None = None) -> bytes: ...
    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]: ...
    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]: ...
    def checkpoints(self) -> list[tuple[int, bytes, str]]: ...
    def latest_checkpoint(self) -> tuple[int, bytes, str] | None: ...
    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]: ...
    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]: ...
    def integrity_problems(self, limit: int = 20) -> list[str]: ...
    def write(self) -> contextlib.AbstractContextManager[Writer]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@dataclass(frozen=True)
class Backend:
    """How one store module plugs in: it sets a module-level ``BACKEND = Backend(...)`` and the
    registry finds it (see :func:`accord.ledger.stores.open_store`).

    ``schemes`` are the URL schemes it serves (``"sqlite"`` serves ``sqlite:…``); ``open``
    makes a store from a URL with one of them (nothing is created); ``examples`` are shown in
    the message for an unknown scheme; ``open_path``, on at most one backend, opens a bare path.
    """

    schemes: tuple[str, ...]
    open: Callable[[str], Store]
    examples: tuple[str, ...]
    open_path: Callable[[str], Store] | None = None


class TreeStore:
    """The backend-independent half of a store: proofs and roots from stored subtree hashes,
    and the write transaction that stores the interior nodes each append completes."""

    url: str
    display_url: str

    # -- primitives a backend supplies ---------------------------------------------------
    def exists(self) -> bool:
        """True iff a ledger has been created here."""
        raise NotImplementedError

    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        """Create the ledger with ``meta`` and its genesis entry (index 0), all or nothing;
        :class:`InputError` if one is already there."""
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        """The ledger's metadata (origin, agreement, …) as written at creation."""
        raise NotImplementedError

    def size(self) -> int:
        """The number of entries (one more than the highest stored index)."""
        raise NotImplementedError

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[EntryTuple]:
        """Stored entries with ``start <= index < end`` as plain tuples, in index order,
        streamed: the audit's fast path over millions of rows."""
        raise NotImplementedError

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of complete subtrees ``(level, index)`` — level 0 is the entry's
        leaf hash; missing ones are absent from the result."""
        raise NotImplementedError

    def all_nodes(self) -> Iterator[NodeTuple]:
        """Every stored interior node ``(level, index, hash)``, by level then index."""
        raise NotImplementedError

    def checkpoints(self) -> list[tuple[int, bytes, str]]:
        """Every stored checkpoint ``(size, root, log-signed note)``, by size."""
        raise NotImplementedError

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        """The stored checkpoint of the largest size, as :meth:`checkpoints` lists it, or
        ``None``; a backend reads just that one (signing a checkpoint needs only it)."""
        stored = self.checkpoints()
        return stored[-1] if stored else None

    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]:
        """The parties' signatures ``(name, key id, signature)`` on the checkpoint at ``size``,
        by name then key id."""
        raise NotImplementedError

    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        """Every row of ``table`` (``meta``, ``entries``, ``nodes``, ``checkpoints`` or
        ``cosignatures``; columns as in :data:`RAW_COLUMNS`) exactly as stored — values of
        whatever type the database holds, text that is not UTF-8 as :class:`NotUTF8` — by a
        full scan that consults no index, ordered by the table's key: what the audit reads,
        trusting no index and no column type.

        ``between=(start, end)`` (``entries`` only) reads just ``start <= idx < end`` by the
        table's key — on PostgreSQL through its primary-key index, so a caller that must not
        trust indexes compares what it reads with a full scan (the audit's workers do)."""
        raise NotImplementedError

    def integrity_problems(self, limit: int = 20) -> list[str]:
        """The database's own check of its files (SQLite: ``PRAGMA quick_check``), at most
        ``limit`` messages; empty when it finds nothing or the backend has no such check."""
        return []

    def close(self) -> None:
        """Release connections; the store reopens them if it is used again."""
        raise NotImplementedError

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's single-writer lock; commit on a normal exit, roll back on an
        exception."""
        raise NotImplementedError

    def _insert(self, entries: list[EntryTuple], nodes: list[NodeTuple]) -> None:
        """Write entries and interior nodes inside :meth:`_transaction`; a replayed
        ``(party, issued_at, leaf)`` raises :class:`DuplicateLeafError`."""
        raise NotImplementedError

    def _insert_checkpoint(self, size: int, root: bytes, note: str) -> None:
        raise NotImplementedError

    def _insert_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None:
        raise NotImplementedError

    # -- derived reads (backends may override with something faster) --------------------
    def row(self, index: int) -> Row | None:
        """The stored entry at ``index``, or ``None``."""
        found = next(iter(self.scan(index, index + 1)), None)
        return None if found is None else Row(*found)

    def rows(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        """Stored entries with ``start <= index < end``, in index order (streamed)."""
        for r in self.scan(start, end):
            yield Row(*r)

    def key_rows(self) -> list[Row]:
        """The genesis and key-rotation entries, in index order (the party key history)."""
        return [Row(*r) for r in self.scan() if r[1] in KEY_KINDS]

    def index_of(self, party: str | None, issued_at: str, leaf: bytes) -> int | None:
        """The index of the stored entry by ``party`` issued at ``issued_at`` with leaf hash
        ``leaf`` (what the replay rule compares), or ``None``; a backend reads it by the index
        that enforces that rule."""
        return next((r[0] for r in self.scan() if (r[2], r[3], r[4]) == (party, issued_at, leaf)), None)

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

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Writer]:
        """A write transaction: the size is read inside the writer lock, so two writers never
        leave a gap or write an index twice; commits on success, rolls back on an exception."""
        with self._transaction():
            yield _TreeWriter(self, self.size())

    # -- context manager -----------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _TreeWriter:
    """A write transaction: appends rows and the interior nodes they complete."""

    def __init__(self, store: TreeStore, size: int) -> None:
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

    def append(self, rows: Sequence[NewRow]) -> int:
        """Write ``(kind, party, issued_at, body, leaf_hash)`` rows at the next indices; returns
        the first."""
        first = self.size
        entries: list[EntryTuple] = []
        nodes: list[NodeTuple] = []
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
        self._store._insert_checkpoint(size, root, note)

    def add_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None:
        self._store._insert_cosignature(size, name, key_id, signature)
