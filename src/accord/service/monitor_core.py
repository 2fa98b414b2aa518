"""What a monitor verifies, as pure functions over fetched bytes (C2SP tlog-tiles, RFC 9162).

A monitor reads a log through the static tlog-tiles resources only: ``checkpoint``, hash tiles
``tile/<L>/<N>[.p/<W>]`` and entry bundles ``tile/entries/<N>[.p/<W>]``. Nothing it reads is
trusted until it hashes to a root the log signed:

- :func:`verify_checkpoint` — a signed note for the pinned origin, signed by the pinned log key;
- :class:`TileTree` — any subtree hash, root or consistency proof of a tree of a given size,
  recomputed from its hash tiles (each tile hash is the Merkle Tree Hash of a full tile below,
  so the levels between are rebuilt by hashing), fetched through a function the caller gives;
- :func:`parse_hash_tile`, :func:`parse_entry_bundle` — the spec's byte layouts, exactly;
- :func:`extend_root` — the root after appending leaves to a tree known by its compact range
  (what a monitor's own copy of the verified tree gives), so new entries are checked against
  the new checkpoint *before* they are admitted anywhere;
- :func:`compare_checkpoints` — two checkpoints the log signed that cannot both be true (a
  *split view*): one size with two roots, or a pair no consistency proof joins.

No I/O happens here: the caller passes bytes, or a ``fetch(path) -> bytes`` function.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, ProofError
from ..ledger.keys import PublicKey
from ..ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_ranges,
    hash_from_nodes,
    node_hash,
    perfect_nodes,
    verify_consistency,
)
from ..ledger.note import Checkpoint, Note
from .tiles import format_index

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Fetch",
    "LogMisbehaviour",
    "NotFound",
    "SeenCheckpoint",
    "SplitView",
    "TileError",
    "TileTree",
    "bundle_width",
    "compare_checkpoints",
    "entries_path",
    "extend_root",
    "parse_entry_bundle",
    "parse_hash_tile",
    "tile_path",
    "verify_checkpoint",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile, entries in a full bundle
_MAX_LEVEL = 63


class NotFound(Exception):
    """A resource the server does not have (HTTP 404): ``fetch`` raises it."""


class TileError(Exception):
    """A tile or entry bundle that is not what the spec says it must be (wrong length, trailing
    bytes, a missing resource the checkpoint requires): the log served something unusable."""


class LogMisbehaviour(Exception):
    """The log signed or served something that contradicts what was verified before."""


#: ``fetch(path) -> bytes``: the resource at ``<log URL>/<path>``; raises :class:`NotFound` on 404.
Fetch = Callable[[str], bytes]


# ----------------------------------------------------------------------------- paths

def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, not {width}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The path of hash tile ``index`` at ``level`` (``width`` < 256: a partial tile)."""
    if not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f"tile level must be 0..{_MAX_LEVEL}, not {level}")
    return f"tile/{level}/{format_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH, *, wide: bool = False) -> str:
    """The path of entry bundle ``index`` (``width`` < 256: a partial bundle); ``wide``: the
    same bundle in accord's uint32 framing, for entries over 65,535 bytes, which tlog-tiles
    cannot frame (served at ``accord/entries/…``, as the spec allows another encoding at
    another URL)."""
    return f"{'accord' if wide else 'tile'}/entries/{format_index(index)}{_suffix(width)}"


def _width(count: int, index: int) -> int:
    """Width of tile ``index`` when ``count`` hashes exist at its level (0: no such tile)."""
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def bundle_width(size: int, index: int) -> int:
    """How many entries bundle ``index`` holds in a tree of ``size`` entries (0: none)."""
    return _width(size, index)


# ----------------------------------------------------------------------------- byte layouts

def parse_hash_tile(data: bytes, width: int, *, where: str = "tile") -> list[bytes]:
    """The ``width`` 32-byte hashes of a hash tile; :class:`TileError` unless it is exactly
    ``32 * width`` bytes."""
    if len(data) != HASH_SIZE * width:
        raise TileError(f"{where}: {len(data):,} bytes, not {HASH_SIZE * width:,} ({width} hashes)")
    return [bytes(data[i: i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)]


def parse_entry_bundle(data: bytes, width: int, *, wide: bool = False, where: str = "entry bundle"
                       ) -> list[bytes]:
    """The ``width`` entries of an entry bundle: each a big-endian uint16 length (uint32 when
    ``wide``), then that many bytes. :class:`TileError` for a truncated entry, too few
    entries or trailing bytes."""
    out: list[bytes] = []
    pos, n = 0, len(data)
    prefix = 4 if wide else 2
    while pos < n and len(out) < width:
        if pos + prefix > n:
            raise TileError(f"{where}: truncated length at byte {pos:,}")
        length = int.from_bytes(data[pos: pos + prefix], "big")
        pos += prefix
        if pos + length > n:
            raise TileError(f"{where}: entry {len(out)} claims {length:,} bytes, {n - pos:,} remain")
        out.append(bytes(data[pos: pos + length]))
        pos += length
    if len(out) != width:
        raise TileError(f"{where}: {len(out)} entries, not {width}")
    if pos != n:
        raise TileError(f"{where}: {n - pos:,} bytes after the last of its {width} entries")
    return out


# ----------------------------------------------------------------------------- the tree from tiles

class TileTree:
    """The Merkle tree of the log's first ``size`` entries, read from its hash tiles.

    ``fetch`` is called at most once per tile (tiles are cached). A partial tile the server no
    longer has (the spec lets a log delete it once the full tile exists) is read as the
    prefix of the full one. Hashes computed here are only as good as the tiles: they are
    authenticated when a root or proof built from them verifies against a signed checkpoint.
    """

    def __init__(self, size: int, fetch: Fetch) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"tree size must be a whole number >= 0, not {size!r}")
        self.size = size
        self._fetch = fetch
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        self.fetched: list[str] = []  # paths read, in order (for evidence and tests)

    def tile(self, level: int, index: int) -> list[bytes]:
        """The hashes of tile ``index`` at tile level ``level`` as this tree size has it."""
        key = (level, index)
        if key in self._tiles:
            return self._tiles[key]
        width = _width(self.size >> (TILE_HEIGHT * level), index)
        if width == 0:
            raise ValueError(f"a tree of {self.size} entries has no tile {index} at level {level}")
        path = tile_path(level, index, width)
        try:
            data = self._fetch(path)
        except NotFound:
            if width == TILE_WIDTH:
                raise TileError(f"{path}: not found, but the checkpoint of size {self.size} needs it") from None
            full = tile_path(level, index)
            try:
                data = self._fetch(full)[: HASH_SIZE * width]
            except NotFound:
                raise TileError(f"{path}: not found (nor {full}), but the checkpoint of size {self.size} "
                                "needs it") from None
            self.fetched.append(full)
        else:
            self.fetched.append(path)
        hashes = parse_hash_tile(data, width, where=path)
        self._tiles[key] = hashes
        return hashes

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree ``(level, index)`` (leaves
        ``[index * 2**level, (index + 1) * 2**level)``), which must lie inside the tree."""
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise ValueError(f"node ({level}, {index}) is outside a tree of {self.size} entries")
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height  # its leftmost hash at tile level ``tile_level``
        hashes = self.tile(tile_level, first >> TILE_HEIGHT)
        start = first % TILE_WIDTH
        row = hashes[start: start + (1 << height)]
        for _ in range(height):  # the levels inside the tile, rebuilt by hashing pairs
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]

    def range_hash(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` for a range the RFC's recursive split produces."""
        return hash_from_nodes([self.node(lvl, k) for lvl, k in perfect_nodes(start, end)])

    def root(self) -> bytes:
        """The RFC 9162 root of the tree (``SHA-256("")`` when empty)."""
        return EMPTY_ROOT if self.size == 0 else self.range_hash(0, self.size)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """The RFC 9162 consistency proof from ``old_size`` (``0 < old_size <= size``) to this tree."""
        return [self.range_hash(a, b) for a, b in consistency_ranges(old_size, self.size)]

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of entries ``start <= i < end`` from the level-0 tiles."""
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"entries {start}..{end} are not in a tree of {self.size}")
        out: list[bytes] = []
        for t in range(start >> TILE_HEIGHT, -(-end >> TILE_HEIGHT)):
            tile = self.tile(0, t)
            lo, hi = max(start, t * TILE_WIDTH), min(end, (t + 1) * TILE_WIDTH)
            out.extend(tile[lo - t * TILE_WIDTH: hi - t * TILE_WIDTH])
        return out


def extend_root(frontier: Sequence[bytes], size: int, leaf_hashes: Sequence[bytes]) -> bytes:
    """The root of the tree of ``size + len(leaf_hashes)`` entries, given the hashes of the
    complete subtrees that make up the first ``size`` (``perfect_nodes(0, size)``, largest
    first: a tree's compact range) and the new entries' leaf hashes."""
    levels = [lvl for lvl, _ in perfect_nodes(0, size)] if size else []
    if len(levels) != len(frontier):
        raise ValueError(f"a tree of {size} entries has {len(levels)} frontier hashes, not {len(frontier)}")
    stack = list(zip(levels, frontier, strict=True))
    for h in leaf_hashes:
        level = 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    return hash_from_nodes([h for _, h in stack]) if stack else EMPTY_ROOT


# ----------------------------------------------------------------------------- checkpoints

def verify_checkpoint(text: str, *, origin: str, log_key: PublicKey, where: str = "checkpoint"
                      ) -> tuple[Checkpoint, Note]:
    """Parse a checkpoint note and check it is the pinned log's: the origin line is
    ``origin`` and the pinned ``log_key`` signed it (other signature lines are left for the
    caller: cosignatures). :class:`InputError` naming ``where`` otherwise."""
    note = Note.parse(text, file=where)
    cp = Checkpoint.from_text(note.text, file=where)
    if cp.origin != origin:
        raise InputError(f"checkpoint is for origin {cp.origin[:100]!r}, not {origin!r}", file=where, line=1)
    if not note.signed_by(log_key):
        raise InputError(f"checkpoint is not signed by the log key {log_key.name}+{log_key.id.hex()}", file=where)
    return cp, note


@dataclass(frozen=True)
class SeenCheckpoint:
    """A checkpoint the log signed, the note exactly as it was served, and who served it
    (``source``: ``log <url>``, ``witness <url>``, ``peer <dir>``, ``state``)."""

    source: str
    text: str
    checkpoint: Checkpoint = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {"source": self.source, "origin": cp.origin, "size": cp.size,
                "root": base64.b64encode(cp.root).decode(), "note": self.text}


@dataclass(frozen=True)
class SplitView:
    """Two checkpoints signed by the log that cannot both be true, with what shows it.

    ``kind``: ``same-size`` (one size, two roots: the notes alone prove it), ``inconsistent``
    (``proof``, the consistency proof from the smaller size to the larger, with ``prefix_root``,
    the root of the larger tree's first entries up to the smaller size, reproduces the larger
    checkpoint's root — so ``prefix_root`` is that tree's — and ``prefix_root`` is not the
    smaller checkpoint's root; both were computed from ``proof_source``: the log's tiles, or the
    monitor's own copy of the tree).
    """

    kind: str
    first: SeenCheckpoint
    second: SeenCheckpoint
    detail: str
    proof: tuple[bytes, ...] = ()
    proof_source: str | None = None
    prefix_root: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "accord.monitor.evidence/v1",
            "kind": self.kind,
            "detail": self.detail,
            "checkpoints": [self.first.to_json(), self.second.to_json()],
            "proof": {"from_size": min(self.first.checkpoint.size, self.second.checkpoint.size),
                      "to_size": max(self.first.checkpoint.size, self.second.checkpoint.size),
                      "hashes": [base64.b64encode(h).decode() for h in self.proof],
                      "prefix_root": None if self.prefix_root is None else base64.b64encode(self.prefix_root).decode(),
                      "computed_from": self.proof_source},
        }


def compare_checkpoints(a: SeenCheckpoint, b: SeenCheckpoint, proof: Sequence[bytes] | None = None,
                        proof_source: str | None = None, prefix_root: bytes | None = None) -> SplitView | None:
    """A :class:`SplitView` when ``a`` and ``b`` cannot both be true, else ``None``.

    Both must be the same log's (same origin), already verified as signed by it. Equal sizes
    compare roots. Different sizes need ``proof``, the consistency proof from the smaller to
    the larger, and ``prefix_root``, the root of the larger tree's first entries up to the
    smaller size, both computed by the caller from one source (the log's tiles, or its own copy
    of the tree). A split view is claimed only when it is proved: the proof joins
    ``prefix_root`` to the larger checkpoint's signed root (so ``prefix_root`` is the signed
    tree's, whoever computed it) and ``prefix_root`` is not the smaller checkpoint's root.
    When the proof does not reproduce the larger root, the source is not the signed tree —
    the tiles lie, which proves nothing about the checkpoints: :class:`TileError`. Without a
    proof nothing can be concluded about different sizes: ``None``.
    """
    ca, cb = a.checkpoint, b.checkpoint
    if ca.origin != cb.origin:
        raise ValueError(f"checkpoints of two logs ({ca.origin!r}, {cb.origin!r}) are not comparable")
    if ca.size == cb.size:
        if ca.root == cb.root:
            return None
        return SplitView("same-size", a, b, f"two checkpoints of size {ca.size} with different roots, both "
                                            "signed by the log")
    small, large = (a, b) if ca.size < cb.size else (b, a)
    if small.checkpoint.size == 0:
        return None  # the empty tree is a prefix of every tree
    if proof is None:
        return None
    if prefix_root is None:
        raise ValueError("a consistency proof is compared with the prefix root computed from the same source")
    n, m = small.checkpoint.size, large.checkpoint.size
    try:
        verify_consistency(n, m, list(proof), prefix_root, large.checkpoint.root)
    except ProofError as exc:
        raise TileError(f"{proof_source or 'the source'} gives a tree of size {m} whose consistency proof from "
                        f"size {n} does not reproduce the signed root ({exc}): it is not the signed tree") from None
    if prefix_root == small.checkpoint.root:
        return None
    return SplitView("inconsistent", small, large,
                     f"the checkpoint of size {n} is not a prefix of the one of size {m}: the first {n} entries of "
                     f"the larger tree have another root", tuple(proof), proof_source, prefix_root)
