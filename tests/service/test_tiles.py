"""C2SP tlog-tiles paths and bytes (accord.service.tiles), checked against the spec's own words.

Spec: https://github.com/C2SP/C2SP/blob/main/tlog-tiles.md (read at commit 0ad71eb1).
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.service.tiles import TILE_WIDTH, Tile, bundle_bytes, format_index, parse_tile_path, tile_nodes


def test_the_spec_example_of_an_index_path():
    # "index 1234067 will be encoded as x001/x234/067"
    assert format_index(1234067) == "x001/x234/067"
    assert parse_tile_path("0", "x001/x234/067") == Tile(0, 1234067)
    assert format_index(5) == "005" and format_index(1000) == "x001/000"


@given(st.integers(min_value=0, max_value=2**56), st.integers(min_value=0, max_value=63),
       st.integers(min_value=1, max_value=256))
def test_a_tile_path_reads_back_as_the_same_tile(index, level, width):
    tile = Tile(level, index, width)
    path = tile.path()
    _, lvl, rest = path.split("/", 2)
    assert parse_tile_path(lvl, rest) == tile
    bundle = Tile(None, index, width)
    assert parse_tile_path(None, bundle.path().removeprefix("tile/entries/")) == bundle


@pytest.mark.parametrize("level, rest", [
    ("0", "x000/005"),      # not canonical: tile 5 is 005
    ("0", "5"),             # groups are 3 digits
    ("0", "005/x001"),      # only the last group lacks the x
    ("00", "005"),          # "no additional leading zeroes"
    ("64", "000"),          # "between 0 and 63"
    ("-1", "000"),
    ("0", "000.p/0"),       # "<W> ... between 1 and 255"
    ("0", "000.p/256"),
    ("0", "000.p/007"),     # no leading zeros in W
    ("0", "000.p/"),
    ("0", ""),
    ("0", "x001/x002/x003/x004/x005/x006/x007/008"),  # longer than any 64-bit tree needs
    ("0", "００５"),          # digits outside ASCII
])
def test_a_path_the_spec_does_not_allow_is_refused_with_one_line(level, rest):
    with pytest.raises(InputError) as info:
        parse_tile_path(level, rest)
    assert info.value.field == "path" and "\n" not in info.value.one_line()


def _served(size: int) -> dict[tuple[int, bool], int]:
    """The tiles the server serves for a tree of ``size`` entries, found by asking its rule
    (``Tile.needs() <= size``) of every candidate: (level, partial?) -> how many full tiles, or
    the width of the partial one."""
    out: dict[tuple[int, bool], int] = {}
    for level in range(8):
        full = 0
        while Tile(level, full).needs() <= size:
            full += 1
        if full:
            out[(level, False)] = full
        widths = [w for w in range(1, TILE_WIDTH) if Tile(level, full, w).needs() <= size]
        if widths:
            out[(level, True)] = max(widths)
    return out


def test_the_spec_example_of_a_tree_of_70000_entries():
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    # partial level 2 tile of width 1."
    assert _served(70_000) == {(0, False): 273, (0, True): 112, (1, False): 1, (1, True): 17, (2, True): 1}
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
    assert _served(256) == {(0, False): 1, (1, True): 1}


def test_a_hash_tile_holds_the_subtrees_of_height_8l():
    # Tile n at level l is MTH(D[(n*256+i) * 256**l : (n*256+i+1) * 256**l]) for i in 0..255:
    # the complete subtree of height 8*l with index n*256+i.
    assert tile_nodes(Tile(0, 3, 2)) == [(0, 768), (0, 769)]
    assert tile_nodes(Tile(2, 1, 1)) == [(16, 256)]
    assert Tile(1, 0, 17).needs() == 17 * 256 and Tile(0, 273).needs() == 274 * 256


def test_an_entry_bundle_frames_each_entry_with_a_big_endian_uint16_length():
    # "Entry bundles are sequences of big-endian uint16 length-prefixed log entries."
    entries = [b"a", b"", b"x" * 300]
    data = bundle_bytes(entries)
    assert data == b"\x00\x01a" + b"\x00\x00" + b"\x01\x2c" + b"x" * 300
    assert bundle_bytes(entries, wide=True) == b"".join(struct.pack(">I", len(e)) + e for e in entries)
    assert len(bundle_bytes([b"y" * 0xFFFF])) == 0xFFFF + 2
    with pytest.raises(ValueError, match="entry 1 of the bundle is 65,536 bytes"):
        bundle_bytes([b"a", b"y" * 0x10000])
