"""The SQL shared by the SQLite and PostgreSQL stores: the five tables and the queries over them.

Both keep ``meta``, ``entries(idx, kind, party, issued_at, leaf, body)``, ``nodes(level, idx,
hash)`` — every complete subtree of level >= 1; level 0 is ``entries.leaf`` —
``checkpoints(size, root, note)`` and ``cosignatures``; triggers make every table append-only.
Replays are refused by ``UNIQUE (party, issued_at, leaf)``: timestamps mostly grow, so this
index takes its inserts at its right edge (a unique index on the random leaf hash alone would
dirty a random page per entry and slow appends several-fold past a few hundred thousand
entries). A dialect supplies :meth:`SQLStore._execute` and its parameter marker.

Stores created by this version declare what every column may hold (SQLite: ``STRICT`` tables;
both: ``CHECK`` constraints on sizes, lengths and ranges); stores made before open and audit as
they are. The audit reads every table through :meth:`SQLStore.raw_rows` — a full scan that uses
no index, values exactly as stored — and checks every value itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...errors import DuplicateLeafError, StoreError
from ._base import RAW_COLUMNS, EntryTuple, Row, TreeStore

__all__ = ["TABLES", "SQLStore"]

TABLES = ("meta", "entries", "nodes", "checkpoints", "cosignatures")
#: Beyond every index a store can hold (both databases keep 64-bit integers): queries clamp to it.
_INDEX_END = 2**62


class SQLStore(TreeStore):
    """Reads and the checkpoint writes in SQL; a dialect subclass supplies the connection."""

    _param = "?"

    # -- dialect hooks -------------------------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (already in the dialect's parameter style) on the store's connection;
        a database error is a :class:`StoreError` naming the store."""
        raise NotImplementedError

    def _q(self, sql: str) -> str:
        """``sql`` written with ``?`` markers, in this dialect's parameter style."""
        return sql if self._param == "?" else sql.replace("?", "%s")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._execute(self._q(sql), params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._execute(self._q(sql), params).fetchall())

    # -- typed reads: a value of the wrong type is the database's fault ----------------------
    def _damaged(self, what: str) -> StoreError:
        return StoreError(f"{what} holds a value of the wrong type (run `accord ledger audit`)",
                          file=self.display_url)

    def _entry(self, r: Sequence[Any]) -> EntryTuple:
        """A stored entry row, type-checked: :class:`StoreError` when a value is of the wrong
        type (a damaged or hand-edited database; the typed reads never raise TypeError)."""
        idx, kind, party, issued_at, leaf, body = r
        if (type(idx) is int and type(kind) is str and (party is None or type(party) is str)
                and type(issued_at) is str and type(leaf) is bytes and type(body) is bytes):
            return idx, kind, party, issued_at, leaf, body
        if isinstance(leaf, memoryview | bytearray) or isinstance(body, memoryview | bytearray):
            return self._entry((idx, kind, party, issued_at, bytes(leaf), bytes(body)))
        raise self._damaged(f"entries row {str(idx)[:20]!r}")

    # -- reads -------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        rows = self._all("SELECT key, value FROM meta")
        if any(type(k) is not str or type(v) is not str for k, v in rows):
            raise self._damaged("the meta table")
        return {k: v for k, v in rows}

    def size(self) -> int:
        (top,) = self._one("SELECT MAX(idx) FROM entries")
        if top is not None and type(top) is not int:
            raise self._damaged("the entries table's index column")
        return 0 if top is None else top + 1

    def row(self, index: int) -> Row | None:
        if not 0 <= index < _INDEX_END:
            return None  # no such entry (and a bigger integer than the database's)
        r = self._one("SELECT idx, kind, party, issued_at, leaf, body FROM entries WHERE idx = ?", (index,))
        return None if r is None else Row(*self._entry(r))

    def key_rows(self) -> list[Row]:
        # Literal kinds, matching the partial index's WHERE clause: with bound parameters the
        # planner cannot use that index and would scan every entry on every append.
        rs = self._all(
            "SELECT idx, kind, party, issued_at, leaf, body FROM entries "
            "WHERE kind IN ('genesis', 'key-rotation') ORDER BY idx"
        )
        return [Row(*self._entry(r)) for r in rs]

    def index_of(self, party: str | None, issued_at: str, leaf: bytes) -> int | None:
        r = self._one("SELECT idx FROM entries WHERE party = ? AND issued_at = ? AND leaf = ?",
                      (party, issued_at, leaf))
        if r is not None and type(r[0]) is not int:
            raise self._damaged("the entries table")
        return None if r is None else int(r[0])

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        out: dict[tuple[int, int], bytes] = {}
        for level, idx in set(keys):
            if not (0 <= level < 64 and 0 <= idx < _INDEX_END):
                continue
            if level == 0:
                r = self._one("SELECT leaf FROM entries WHERE idx = ?", (idx,))
            else:
                r = self._one("SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, idx))
            if r is not None:
                if not isinstance(r[0], bytes | memoryview):
                    raise self._damaged(f"node (level {level}, index {idx})")
                out[(level, idx)] = bytes(r[0])
        return out

    def checkpoints(self) -> list[tuple[int, bytes, str]]:
        rows = self._all("SELECT size, root, note FROM checkpoints ORDER BY size")
        if any(type(s) is not int or not isinstance(r, bytes | memoryview) or type(n) is not str for s, r, n in rows):
            raise self._damaged("the checkpoints table")
        return [(s, bytes(r), n) for s, r, n in rows]

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        r = self._one("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")
        if r is None:
            return None
        s, root, n = r
        if type(s) is not int or not isinstance(root, bytes | memoryview) or type(n) is not str:
            raise self._damaged("the checkpoints table")
        return s, bytes(root), n

    def cosignatures(self, size: int) -> list[tuple[str, bytes, bytes]]:
        if not 0 <= size < _INDEX_END:
            return []
        rs = self._all("SELECT name, key_id, signature FROM cosignatures WHERE size = ?", (size,))
        if any(type(n) is not str or not isinstance(k, bytes | memoryview) or not isinstance(s, bytes | memoryview)
               for n, k, s in rs):
            raise self._damaged(f"the cosignatures at size {size}")
        # Sorted here, by code point: ORDER BY name follows the database's collation, which on
        # many PostgreSQL servers is not byte order (and would differ from SQLite's).
        return sorted((n, bytes(k), bytes(s)) for n, k, s in rs)

    # -- writes --------------------------------------------------------------------------
    def _insert_checkpoint(self, size: int, root: bytes, note: str) -> None:
        self._execute(self._q("INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)"), (size, root, note))

    def _insert_cosignature(self, size: int, name: str, key_id: bytes, signature: bytes) -> None:
        """Store a cosignature; the same one again is a no-op (two cosigners with one key may
        race), a different signature under the same key is refused."""
        self._execute(
            self._q("INSERT INTO cosignatures (size, name, key_id, signature) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING"),
            (size, name, key_id, signature),
        )
        r = self._one("SELECT signature FROM cosignatures WHERE size = ? AND name = ? AND key_id = ?",
                      (size, name, key_id))
        if r is None or bytes(r[0]) != signature:
            raise StoreError(f"write refused: {name}'s cosignature at size {size} is already stored, "
                             "with another signature", file=self.display_url)

    def _raw_sql(self, table: str, between: tuple[int, int] | None, hint: str = "") -> tuple[str, tuple[int, ...]]:
        """The scan of ``table`` (one of :data:`RAW_COLUMNS`) ordered by its key, and its
        parameters: all rows, or (``entries``) ``between`` two indices."""
        columns = RAW_COLUMNS[table]
        order = {"meta": 1, "entries": 1, "nodes": 2, "checkpoints": 1, "cosignatures": 3}[table]
        where, params = "", tuple[int, ...]()
        if between is not None:
            if table != "entries":
                raise ValueError("only the entries table is read by index range")
            where, params = f" WHERE idx >= {self._param} AND idx < {self._param}", self._bounds(*between)
        return f"SELECT {', '.join(columns)} FROM {table}{hint}{where} ORDER BY {', '.join(columns[:order])}", params

    @staticmethod
    def _bounds(start: int, end: int | None) -> tuple[int, int]:
        """``start <= index < end`` clamped to what the database's integers hold."""
        return max(0, min(start, _INDEX_END)), _INDEX_END if end is None else max(0, min(end, _INDEX_END))

    def _duplicate(self, entries: list[EntryTuple], exc: Exception) -> StoreError:
        """Turn a unique-constraint failure into a :class:`DuplicateLeafError` naming the
        stored entry the batch replays (an entry stored before the batch: SQLite keeps the rows
        the batch inserted before the failing one until the transaction rolls back)."""
        first = entries[0][0]
        for _idx, _kind, party, issued_at, leaf, _body in entries:
            r = self._one(
                "SELECT idx FROM entries WHERE party = ? AND issued_at = ? AND leaf = ? AND idx < ?",
                (party, issued_at, leaf, first),
            )
            if r is not None:
                return DuplicateLeafError(leaf, int(r[0]))
        seen: set[tuple[str | None, str, bytes]] = set()
        for _idx, _kind, party, issued_at, leaf, _body in entries:  # a replay inside the batch
            if (party, issued_at, leaf) in seen:
                return DuplicateLeafError(leaf, None)
            seen.add((party, issued_at, leaf))
        return StoreError(f"write refused: {exc}", file=self.display_url)
