"""A ledger held in this process's memory: for tests, examples and throwaway ledgers.

``memory:`` opens a fresh, empty database under a new random name (the store's :attr:`url`
then names it); ``memory:NAME`` opens the database called NAME, shared by every store of this
process opened with that URL, so reopening by URL finds what was written — as with a file. It
lives until :meth:`MemoryStore.drop` or the end of the process; worker processes forked later
(``audit(workers=2)``) see a copy. Like the SQL stores it is append-only (nothing offers an
update), refuses a replayed ``(party, issued_at, leaf)``, lets one writer in at a time and rolls
a failed write transaction back whole; and as with a database connection, what a write
transaction has written is seen only through the store that writes it until it commits — every
other store of the same name reads the last committed state (no dirty reads).
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import DuplicateLeafError, InputError, StoreError
from ._base import KEY_KINDS, Backend, EntryTuple, NodeTuple, Row, TreeStore

__all__ = ["BACKEND", "MemoryStore"]

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


@dataclass
class _Database:
    """One named in-memory ledger: the same five tables as the SQL stores, as Python objects."""

    meta: dict[str, str]
    entries: list[EntryTuple] = field(default_factory=list)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    checkpoints: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    cosignatures: dict[int, dict[tuple[str, bytes], bytes]] = field(default_factory=dict)
    replay_guard: dict[tuple[str | None, str, bytes], int] = field(default_factory=dict)
    key_indices: list[int] = field(default_factory=list)
    writer: threading.RLock = field(default_factory=threading.RLock)
    # Inverse operations of the open write transaction's changes, run backwards on rollback.
    undo: list[Callable[[], None]] = field(default_factory=list)
    # The committed state other stores read: the entries below ``committed`` and every
    # checkpoint and cosignature not written by the open transaction (``owner``'s).
    committed: int = 0
    owner: MemoryStore | None = None
    pending_checkpoints: set[int] = field(default_factory=set)
    pending_cosignatures: set[tuple[int, str, bytes]] = field(default_factory=set)

    def visible(self, store: MemoryStore) -> tuple[int, bool]:
        """How many entries ``store`` sees, and whether it sees the open transaction's writes."""
        mine = self.owner is store
        return (len(self.entries) if mine else self.committed), mine


_DATABASES: dict[str, _Database] = {}
_REGISTRY_LOCK = threading.Lock()


class MemoryStore(TreeStore):
    """A ledger in memory, named by ``memory:NAME``."""

    def __init__(self, name: str) -> None:
        if not _NAME.fullmatch(name):
            raise InputError(f"memory store name {name!r} must be letters, digits, '.', '_' or '-'",
                             file=f"memory:{name}")
        self.name = name
        self.url = self.display_url = f"memory:{name}"

    def _db(self) -> _Database:
        db = _DATABASES.get(self.name)
        if db is None:
            # As a SQL store reading a database without the ledger's tables: not a ledger.
            raise StoreError("no ledger here (create one with `accord ledger init`)", file=self.url)
        return db

    # -- reads (the committed state, or this store's own open transaction) -----------------
    def exists(self) -> bool:
        return self.name in _DATABASES

    def meta(self) -> dict[str, str]:
        return dict(self._db().meta)

    def size(self) -> int:
        return self._db().visible(self)[0]  # indices are 0..n-1: nothing is ever removed

    def row(self, index: int) -> Row | None:
        db = self._db()
        return Row(*db.entries[index]) if 0 <= index < db.visible(self)[0] else None

    def scan(self, start: int = 0, end: int | None = None) -> Iterator[EntryTuple]:
        db = self._db()
        size = db.visible(self)[0]
        end = size if end is None else max(0, min(end, size))  # ``index < end``, as in SQL
        yield from db.entries[max(start, 0) : end]  # a copy: later appends do not show

    def key_rows(self) -> list[Row]:
        db = self._db()
        size = db.visible(self)[0]
        return [Row(*db.entries[i]) for i in list(db.key_indices) if i < size]

    def index_of(self, party: str | None, issued_at: str, leaf: bytes) -> int | None:
        db = self._db()
        index = db.replay_guard.get((party, issued_at, leaf))
        return index if index is not None and index < db.visible(self)[0] else None

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        db = self._db()
        size = db.visible(self)[0]
        out: dict[tuple[int, int], bytes] = {}
        for level, idx in keys:
            if level < 0 or idx < 0 or (idx + 1) << level > size:
                continue  # outside the tree this store sees
            if level == 0:
                out[(0, idx)] = db.entries[idx][4]
            elif (level, idx) in db.nodes:
                out[(level, idx)] = db.nodes[(level, idx)]
        return out

    def all_nodes(self) -> Iterator[NodeTuple]:
        db = self._db()
        size = db.visible(self)[0]
        for (level, idx), h in sorted(list(db.nodes.items())):
            if (idx + 1) << level <= size:
                yield level, idx, h

    def checkpoints(self) -> list[tuple[int, bytes, str]]:
        db = self._db()
        mine = db.visible(self)[1]
        return [(size, root, note) for size, (root, note) in sorted(list(db.checkpoints.items()))
                if mine or size not in db.pending_checkpoints]

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        db = self._db()
        mine = db.visible(self)[1]
        sizes = [size for size in list(db.checkpoints) if mine or size not in db.pending_checkpoints]
        if not sizes:
            return None
        root, note = db.checkpoints[max(sizes)]
        return max(sizes), root, note

    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]:
        db = self._db()
        mine = db.visible(self)[1]
        found = list(db.cosignatures.get(size, {}).items())
        return [(name, key_id, sig) for (name, key_id), sig in sorted(found)
                if mine or (size, name, key_id) not in db.pending_cosignatures]

    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        db = self._db()
        size, mine = db.visible(self)
        if between is not None and table != "entries":
            raise ValueError("only the entries table is read by index range")
        if table == "meta":
            yield from sorted(db.meta.items())
        elif table == "entries":
            start, end = between or (0, size)
            yield from db.entries[max(start, 0): max(0, min(end, size))]
        elif table == "nodes":
            yield from ((lvl, idx, h) for (lvl, idx), h in sorted(list(db.nodes.items())) if (idx + 1) << lvl <= size)
        elif table == "checkpoints":
            yield from ((n, root, note) for n, (root, note) in sorted(list(db.checkpoints.items()))
                        if mine or n not in db.pending_checkpoints)
        elif table == "cosignatures":
            for n in sorted(list(db.cosignatures)):
                yield from ((n, *nk, sig) for nk, sig in sorted(list(db.cosignatures[n].items()))
                            if mine or (n, *nk) not in db.pending_cosignatures)
        else:
            raise KeyError(table)

    # -- writes --------------------------------------------------------------------------
    def create(self, meta: dict[str, str], kind: str, issued_at: str, body: bytes, leaf: bytes) -> None:
        with _REGISTRY_LOCK:
            if self.name in _DATABASES:
                raise InputError("already holds a ledger", file=self.url)
            db = _Database(dict(meta), committed=1)
            db.entries.append((0, kind, None, issued_at, leaf, body))
            db.replay_guard[(None, issued_at, leaf)] = 0
            if kind in KEY_KINDS:
                db.key_indices.append(0)
            _DATABASES[self.name] = db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        db = self._db()
        with db.writer:
            outer = db.owner is None
            if not outer and db.owner is not self:
                # Another store of this name, in this thread, is inside a write: as with two
                # connections to one database, this one cannot write until that one is done.
                raise StoreError("database is locked by another store's open write", file=self.url)
            db.owner = self
            mark = len(db.undo)
            try:
                yield
            except BaseException:
                while len(db.undo) > mark:
                    db.undo.pop()()
                raise
            finally:
                if outer:  # commit (or the rollback above is complete): publish, then let go
                    db.committed = len(db.entries)
                    db.pending_checkpoints.clear()
                    db.pending_cosignatures.clear()
                    db.undo.clear()
                    db.owner = None

    def _insert(self, entries: list[EntryTuple], nodes: list[NodeTuple]) -> None:
        db = self._db()
        seen: set[tuple[str | None, str, bytes]] = set()
        for _idx, _kind, party, issued_at, leaf, _body in entries:  # check all, then write all
            key = (party, issued_at, leaf)
            if key in db.replay_guard or key in seen:
                raise DuplicateLeafError(leaf, db.replay_guard.get(key))
            seen.add(key)
        entries_before, keys_before = len(db.entries), len(db.key_indices)
        for entry in entries:
            index, kind, party, issued_at, leaf, _body = entry
            db.entries.append(entry)
            db.replay_guard[(party, issued_at, leaf)] = index
            if kind in KEY_KINDS:
                db.key_indices.append(index)
        for level, idx, h in nodes:
            db.nodes[(level, idx)] = h

        def undo() -> None:
            for _index, _kind, party, issued_at, leaf, _body in db.entries[entries_before:]:
                del db.replay_guard[(party, issued_at, leaf)]
            del db.entries[entries_before:]
            del db.key_indices[keys_before:]
            for level, idx, _h in nodes:
                db.nodes.pop((level, idx), None)

        db.undo.append(undo)

    def _insert_checkpoint(self, size: int, root: bytes, note: str) -> None:
        db = self._db()
        if size in db.checkpoints:
            raise _refused(f"a checkpoint at size {size} is already stored", self.url)
        db.checkpoints[size] = (root, note)
        db.pending_checkpoints.add(size)

        def undo() -> None:
            del db.checkpoints[size]
            db.pending_checkpoints.discard(size)

        db.undo.append(undo)

    def _insert_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None:
        db = self._db()
        by_key = db.cosignatures.setdefault(size, {})
        if (name, key_id) in by_key:  # the same one again is a no-op, as in the SQL stores
            if by_key[(name, key_id)] == signature:
                return
            raise _refused(f"{name}'s cosignature at size {size} is already stored, with another signature",
                           self.url)
        by_key[(name, key_id)] = signature
        db.pending_cosignatures.add((size, name, key_id))

        def undo() -> None:
            del by_key[(name, key_id)]
            db.pending_cosignatures.discard((size, name, key_id))

        db.undo.append(undo)

    def drop(self) -> None:
        """Forget the database (tests and throwaway ledgers only)."""
        with _REGISTRY_LOCK:
            _DATABASES.pop(self.name, None)

    def close(self) -> None:
        """Nothing to release: the database stays until :meth:`drop`."""


def _refused(problem: str, url: str) -> StoreError:
    """A second row under a key already stored: refused, as the SQL stores' primary keys do."""
    return StoreError(f"write refused: {problem}", file=url)


def _open(url: str) -> MemoryStore:
    name = url.partition(":")[2]  # the registry matched the scheme in any case: MEMORY:x is memory:x
    return MemoryStore(name or uuid.uuid4().hex)


BACKEND = Backend(schemes=("memory",), open=_open, examples=("memory:", "memory:NAME"))
