"""The monitor's verification core against the C2SP tlog-tiles specification and RFC 9162.

The tiles a log must serve are built here straight from the spec's definition — the n-th tile
at level l holds ``MTH(D[(n*256+i) * 256**l : (n*256+i+1) * 256**l])`` for i in 0..255, partial
tiles of width ``floor(s / 256**l) mod 256`` — with accord.ledger.merkle's RFC 9162 root, so the
monitor's tile arithmetic is checked against an independent construction, not against itself.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.ledger.keys import generate_key
from accord.ledger.merkle import consistency_proof, leaf_hash, perfect_nodes, root_from_hashes
from accord.ledger.note import Checkpoint
from accord.service.monitor_core import (
    NotFound,
    SeenCheckpoint,
    TileError,
    TileTree,
    compare_checkpoints,
    entries_path,
    extend_root,
    parse_entry_bundle,
    parse_hash_tile,
    tile_path,
    verify_checkpoint,
)

ORIGIN = "example.org/accord-test"


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(8, "big")) for i in range(n)]


def spec_tiles(hashes: list[bytes]) -> dict[str, bytes]:
    """Every hash tile the spec says a log of ``len(hashes)`` entries serves, by path."""
    size = len(hashes)
    served: dict[str, bytes] = {}
    level = 0
    while size >> (8 * level):
        span = 256 ** level
        count = size // span  # hashes at this level: MTH of each complete span
        for n in range(-(-count // 256)):
            width = min(256, count - n * 256)
            tile = b"".join(root_from_hashes(hashes[(n * 256 + i) * span:(n * 256 + i + 1) * span])
                            for i in range(width))
            served[tile_path(level, n, width)] = tile
        level += 1
    return served


def fetcher(served: dict[str, bytes], log: list[str] | None = None):
    def fetch(path: str) -> bytes:
        if log is not None:
            log.append(path)
        if path not in served:
            raise NotFound(path)
        return served[path]
    return fetch


# ----------------------------------------------------------------------------- paths


def test_tile_paths_follow_the_spec_examples() -> None:
    # tlog-tiles: "index 1234067 will be encoded as x001/x234/067"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 0, 1) == "tile/2/000.p/1"
    assert tile_path(1, 1000) == "tile/1/x001/000"
    assert entries_path(1234067, 8) == "tile/entries/x001/x234/067.p/8"
    assert entries_path(5) == "tile/entries/005"
    for bad in ((64, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257)):
        with pytest.raises(ValueError):
            tile_path(*bad)


def test_a_tree_of_70000_entries_is_read_from_exactly_the_tiles_the_spec_lists() -> None:
    """tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
    partial level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
    17, and one partial level 2 tile of width 1"."""
    hashes = leaves(70_000)
    served = spec_tiles(hashes)
    level0 = [p for p in served if p.startswith("tile/0/")]
    assert len(level0) == 274 and "tile/0/273.p/112" in served
    assert {p for p in served if not p.startswith("tile/0/")} == {"tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"}
    asked: list[str] = []
    tree = TileTree(70_000, fetcher(served, asked))
    assert tree.root() == root_from_hashes(hashes)
    assert set(asked) <= set(served)  # never a tile the spec does not make the log serve
    assert tree.leaf_hashes(65_530, 65_540) == hashes[65_530:65_540]
    assert tree.consistency_proof(65_537) == consistency_proof(hashes, 65_537, 70_000)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 1300), st.data())
def test_roots_and_consistency_proofs_from_tiles_are_rfc_9162(size2: int, data: st.DataObject) -> None:
    hashes = leaves(size2)
    tree = TileTree(size2, fetcher(spec_tiles(hashes)))
    assert tree.root() == root_from_hashes(hashes)
    size1 = data.draw(st.integers(1, size2))
    assert tree.consistency_proof(size1) == consistency_proof(hashes, size1, size2)


def test_a_deleted_partial_tile_is_read_as_the_prefix_of_the_full_one() -> None:
    """The spec lets a log delete a partial tile once the full tile exists."""
    hashes = leaves(300)
    served = spec_tiles(hashes)  # tile/0/000 full, tile/0/001.p/44
    old = TileTree(200, fetcher(served))  # wants tile/0/000.p/200, which a log of 300 may have deleted
    assert old.root() == root_from_hashes(hashes[:200])
    assert "tile/0/000" in old.fetched


def test_a_tile_of_the_wrong_length_or_a_missing_tile_is_an_error() -> None:
    hashes = leaves(10)
    served = spec_tiles(hashes)
    served["tile/0/000.p/10"] = served["tile/0/000.p/10"][:-1]
    with pytest.raises(TileError, match="319 bytes, not 320"):
        TileTree(10, fetcher(served)).root()
    with pytest.raises(TileError, match="not found"):
        TileTree(10, fetcher({})).root()
    with pytest.raises(ValueError):
        TileTree(10, fetcher(spec_tiles(hashes))).node(4, 0)  # 16 leaves: outside a tree of 10


def test_hash_tile_layout() -> None:
    assert parse_hash_tile(bytes(64), 2) == [bytes(32), bytes(32)]
    with pytest.raises(TileError):
        parse_hash_tile(bytes(65), 2)


# ----------------------------------------------------------------------------- entry bundles


def test_entry_bundles_are_uint16_length_prefixed_entries() -> None:
    entries = [b"", b"a", bytes(300), bytes(range(256)) * 3]
    bundle = b"".join(len(e).to_bytes(2, "big") + e for e in entries)
    assert parse_entry_bundle(bundle, 4) == entries
    with pytest.raises(TileError, match="3 entries, not 4"):
        parse_entry_bundle(bundle[: -(2 + 768)], 4)
    with pytest.raises(TileError, match="after the last"):
        parse_entry_bundle(bundle + b"\x00", 4)
    with pytest.raises(TileError, match="claims"):
        parse_entry_bundle(bundle[:-1], 4)
    with pytest.raises(TileError, match="truncated length"):
        parse_entry_bundle(b"\x00\x01a\x00", 2)


def test_wide_bundles_frame_entries_over_65535_bytes() -> None:
    """accord's alternate encoding (uint32 lengths at accord/entries/…) for entries tlog-tiles cannot frame."""
    big = bytes(70_000)
    bundle = len(big).to_bytes(4, "big") + big + (1).to_bytes(4, "big") + b"x"
    assert parse_entry_bundle(bundle, 2, wide=True) == [big, b"x"]
    with pytest.raises(TileError):
        parse_entry_bundle(bundle, 2)  # read as uint16 lengths it is garbage
    assert entries_path(3, 7, wide=True) == "accord/entries/003.p/7"


# ----------------------------------------------------------------------------- extend_root


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 600), st.integers(0, 600))
def test_extending_a_compact_range_gives_the_rfc_root(size: int, more: int) -> None:
    hashes = leaves(size + more)
    frontier = [root_from_hashes(hashes[k << lvl:(k + 1) << lvl]) for lvl, k in perfect_nodes(0, size)] \
        if size else []
    assert extend_root(frontier, size, hashes[size:]) == root_from_hashes(hashes)


def test_extend_root_refuses_a_frontier_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError):
        extend_root([bytes(32)], 3, [])  # 3 = 2 + 1: two frontier hashes


# ----------------------------------------------------------------------------- checkpoints


def _note(key, size: int, root: bytes, origin: str = ORIGIN) -> str:
    return Checkpoint(origin, size, root).note().sign(key).encode()


def test_a_checkpoint_must_be_the_pinned_logs() -> None:
    log, other = generate_key("log"), generate_key("log")
    root = hashlib.sha256(b"x").digest()
    text = _note(log, 5, root)
    cp, _note_read = verify_checkpoint(text, origin=ORIGIN, log_key=log.public)
    assert (cp.size, cp.root) == (5, root)
    with pytest.raises(InputError, match="not signed by the log key"):
        verify_checkpoint(_note(other, 5, root), origin=ORIGIN, log_key=log.public)
    with pytest.raises(InputError, match="origin"):
        verify_checkpoint(_note(log, 5, root, "example.org/other"), origin=ORIGIN, log_key=log.public)
    # A signature by a key the monitor does not know is ignored, whoever added it.
    cosigned = Checkpoint(ORIGIN, 5, root).note().sign(log).sign(other).encode()
    assert verify_checkpoint(cosigned, origin=ORIGIN, log_key=log.public)[0].size == 5


def _seen(log, hashes: list[bytes], source: str) -> SeenCheckpoint:
    text = _note(log, len(hashes), root_from_hashes(hashes))
    return SeenCheckpoint(source, text, verify_checkpoint(text, origin=ORIGIN, log_key=log.public)[0])


def test_split_views_are_detected_and_consistent_views_are_not() -> None:
    log = generate_key("log")
    honest = leaves(40)
    fork = honest[:30] + leaves(10, b"fork")
    a30, a40, b40 = _seen(log, honest[:30], "log"), _seen(log, honest, "log"), _seen(log, fork, "witness")
    # One size, two roots: the two signed notes prove it without any proof.
    same = compare_checkpoints(a40, b40)
    assert same is not None and same.kind == "same-size"
    assert [c["source"] for c in same.to_json()["checkpoints"]] == ["log", "witness"]
    # A prefix, with the proof and the prefix root from the same tree: consistent.
    assert compare_checkpoints(a30, a40, consistency_proof(honest, 30, 40), "tiles",
                               root_from_hashes(honest[:30])) is None
    # A fork of a longer history: the fork's own tree joins its prefix to its signed root, and
    # that prefix is not the root signed for size 35 — proved from the fork's tree alone.
    a35 = _seen(log, honest[:35], "log")
    split = compare_checkpoints(a35, b40, consistency_proof(fork, 35, 40), "witness tiles",
                                root_from_hashes(fork[:35]))
    assert split is not None and split.kind == "inconsistent"
    evidence = split.to_json()
    assert evidence["proof"]["from_size"] == 35 and evidence["proof"]["to_size"] == 40
    assert evidence["proof"]["computed_from"] == "witness tiles" and evidence["proof"]["hashes"]
    assert evidence["proof"]["prefix_root"] and {c["size"] for c in evidence["checkpoints"]} == {35, 40}
    # A source whose tree is not the signed one (tiles that lie) proves nothing about the
    # checkpoints: a TileError, not a split view — even for a power-of-two size, whose RFC
    # proof leaves the prefix root out.
    for small, size in ((a35, 35), (_seen(log, honest[:32], "log"), 32)):
        with pytest.raises(TileError, match="not the signed tree"):
            compare_checkpoints(small, a40, consistency_proof(fork, size, 40), "lying tiles",
                                root_from_hashes(fork[:size]))
    # Different sizes and no proof: nothing can be concluded.
    assert compare_checkpoints(a35, b40) is None
