"""C2SP tlog-tiles resources as pure functions: tile paths, which tiles a tree has, and their bytes.

The spec (https://c2sp.org/tlog-tiles) serves a Merkle tree as *tiles*: the tile ``N`` at level
``L`` is the 256 consecutive Merkle Tree Hashes ``MTH(D[(N*256+i) * 256**L : (N*256+i+1) * 256**L])``
for ``i`` in 0..255, i.e. the complete subtrees of height ``8*L`` with indices ``N*256 .. N*256+255``
(level 0: the leaf hashes). A *partial* tile holds the first ``W`` (1..255) of them. Entry bundles
hold the log entries of a level-0 tile, each a big-endian uint16 length and the entry's bytes.

Paths: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``; ``<N>`` is written in 3-digit
groups, every group but the last prefixed ``x`` (1234067 → ``x001/x234/067``). Only the canonical
form is accepted (``x000/005`` is not tile 5), as Go's ``tlog.ParseTilePath`` does.

Nothing here reads a store: the server hands in the hashes and entries, and a test can check
these functions against an independent reading of the spec.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

__all__ = [
    "ENTRY_BUNDLE_MAX",
    "MAX_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "bundle_bytes",
    "format_index",
    "parse_tile_path",
    "tile_nodes",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: The spec: "<L> ... MUST be a decimal ASCII integer between 0 and 63".
MAX_LEVEL = 63
#: The largest entry a tlog-tiles entry bundle can frame (a big-endian uint16 length).
ENTRY_BUNDLE_MAX = 0xFFFF

# ASCII digits only: Python's \d also matches other scripts' digits, which int() reads too,
# so "1\u0661" would name level 11 — a second, non-canonical path for one tile.
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class Tile:
    """One tile resource: ``level`` (``None`` for an entry bundle), ``index`` and ``width``
    (256 for a full tile)."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def tree_level(self) -> int:
        """The Merkle tree level of the hashes in this tile (entry bundles: 0)."""
        return TILE_HEIGHT * (self.level or 0)

    def first(self) -> int:
        """The index, at :attr:`tree_level`, of the tile's first hash."""
        return self.index * TILE_WIDTH

    def needs(self) -> int:
        """The smallest tree size that has every hash (or entry) of this tile."""
        return (self.first() + self.width) << self.tree_level

    def path(self) -> str:
        """The resource path, without a leading slash."""
        where = "entries" if self.level is None else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{where}/{format_index(self.index)}{suffix}"


def format_index(n: int) -> str:
    """``n`` in the spec's path encoding: 3-digit groups, all but the last prefixed ``x``."""
    if type(n) is not int or n < 0:
        raise ValueError(f"tile index must be a whole number >= 0, not {n!r}")
    groups = []
    while True:
        n, rest = divmod(n, 1000)
        groups.append(f"{rest:03d}")
        if n == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def parse_tile_path(level: str | None, rest: str) -> Tile:
    """The tile that ``tile/<level>/<rest>`` names (``level`` ``None`` for ``tile/entries/<rest>``);
    :class:`InputError` (field ``path``) when it is not a canonical tlog-tiles path."""
    lvl: int | None = None
    if level is not None:
        if not _DECIMAL.fullmatch(level) or int(level) > MAX_LEVEL:
            raise InputError(f"tile level {level[:20]!r} must be a whole number from 0 to {MAX_LEVEL}", field="path")
        lvl = int(level)
    width = TILE_WIDTH
    body = rest
    if ".p/" in rest:
        body, _, w = rest.partition(".p/")
        if not _DECIMAL.fullmatch(w) or not 1 <= int(w) < TILE_WIDTH:
            raise InputError(f"partial tile width {w[:20]!r} must be a whole number from 1 to 255", field="path")
        width = int(w)
    parts = body.split("/")
    if len(parts) > 7 or not _LAST.fullmatch(parts[-1]) or not all(_GROUP.fullmatch(p) for p in parts[:-1]):
        raise InputError(f"tile index {body[:40]!r} is not in 3-digit groups like x001/x234/067", field="path")
    index = int("".join(p.lstrip("x") for p in parts))
    if format_index(index) != body:
        raise InputError(f"tile index {body[:40]!r} is not written canonically ({format_index(index)})",
                         field="path")
    return Tile(lvl, index, width)


def tile_nodes(tile: Tile) -> list[tuple[int, int]]:
    """The Merkle nodes ``(level, index)`` whose hashes, concatenated, are the hash tile."""
    level, first = tile.tree_level, tile.first()
    return [(level, first + i) for i in range(tile.width)]


def bundle_bytes(entries: Sequence[bytes], *, wide: bool = False) -> bytes:
    """An entry bundle: each entry prefixed by its length, big-endian uint16 (the spec), or
    uint32 with ``wide`` (accord's encoding for entries the spec cannot frame).

    Raises :class:`ValueError` naming the first entry too long for uint16 framing."""
    pack = struct.Struct(">I" if wide else ">H").pack
    out = bytearray()
    for i, entry in enumerate(entries):
        if not wide and len(entry) > ENTRY_BUNDLE_MAX:
            raise ValueError(f"entry {i} of the bundle is {len(entry):,} bytes, over the {ENTRY_BUNDLE_MAX:,} "
                             "a tlog-tiles entry bundle can frame")
        out += pack(len(entry))
        out += entry
    return bytes(out)
