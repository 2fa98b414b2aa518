"""Properties of the RFC 9162 module: every generated proof verifies, every one-bit change fails."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ledger import merkle
from accord.ledger.merkle import ProofError


def _leaves(n: int, seed: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(f"{seed}/{i}".encode()).digest()) for i in range(n)]


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _recursive_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, as an independent oracle."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_recursive_root(leaves[:k]), _recursive_root(leaves[k:]))


@given(st.integers(0, 300), st.integers(0, 3))
def test_root_matches_the_recursive_definition(n: int, seed: int) -> None:
    leaves = _leaves(n, seed)
    assert merkle.root(leaves) == _recursive_root(leaves)


@settings(max_examples=200)
@given(st.data())
def test_inclusion_proofs_verify_and_any_bit_flip_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 200))
    index = data.draw(st.integers(0, size - 1))
    leaves = _leaves(size)
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    merkle.verify_inclusion(leaves[index], index, size, proof, root)
    # One bit changed anywhere — in the leaf, the root or a proof element — must fail.
    target = data.draw(st.integers(0, len(proof) + 1))
    bit = data.draw(st.integers(0, 255))
    leaf, rt, pr = leaves[index], root, list(proof)
    if target == len(proof):
        leaf = _flip(leaf, bit)
    elif target == len(proof) + 1:
        rt = _flip(rt, bit)
    else:
        pr[target] = _flip(pr[target], bit)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, index, size, pr, rt)


@settings(max_examples=200)
@given(st.data())
def test_inclusion_proof_is_bound_to_its_position(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 200))
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    leaves = _leaves(size)
    proof = merkle.inclusion_proof(leaves, index)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaves[index], other, size, proof, merkle.root(leaves))


@settings(max_examples=200)
@given(st.data())
def test_consistency_proofs_verify_and_any_bit_flip_fails(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(1, 200))
    size1 = data.draw(st.integers(1, size2))
    leaves = _leaves(size2, 1)
    r1, r2 = merkle.root(leaves[:size1]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, size1, size2)
    merkle.verify_consistency(size1, size2, proof, r1, r2)
    target = data.draw(st.integers(0, len(proof) + 1))
    bit = data.draw(st.integers(0, 255))
    pr = list(proof)
    if target == len(proof):
        r1 = _flip(r1, bit)
    elif target == len(proof) + 1:
        r2 = _flip(r2, bit)
    else:
        pr[target] = _flip(pr[target], bit)
    with pytest.raises(ProofError):
        merkle.verify_consistency(size1, size2, pr, r1, r2)


@given(st.integers(2, 100), st.data())
def test_a_rewritten_history_has_no_consistency_proof(size2: int, data: st.DataObject) -> None:
    size1 = data.draw(st.integers(1, size2 - 1))
    changed = data.draw(st.integers(0, size1 - 1))
    old = _leaves(size1, 2)
    new = _leaves(size2, 2)
    new[changed] = merkle.leaf_hash(b"rewritten")
    proof = merkle.consistency_proof(new, size1, size2)
    with pytest.raises(ProofError):
        merkle.verify_consistency(size1, size2, proof, merkle.root(old), merkle.root(new))


def test_non_32_byte_hashes_are_rejected() -> None:
    leaves = _leaves(4)
    proof = merkle.inclusion_proof(leaves, 1)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaves[1][:31], 1, 4, proof, merkle.root(leaves))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaves[1], 1, 4, [*proof, b""], merkle.root(leaves))


@given(st.integers(1, 1000), st.data())
def test_perfect_nodes_tile_the_range(end: int, data: st.DataObject) -> None:
    nodes = merkle.perfect_nodes(0, end)
    covered = [i for level, k in nodes for i in range(k << level, (k + 1) << level)]
    assert covered == list(range(end))


def test_equal_sizes_compare_roots_as_transparency_dev_does() -> None:
    # transparency-dev/merkle (consistency/additional/sizes-are-equal-one-and-proof-is-empty.json)
    # accepts equal sizes with an empty proof and equal roots, whatever their length; the issue
    # asks to accept exactly what those vectors accept. Different roots are still refused.
    merkle.verify_consistency(3, 3, [], b"x", b"x")
    root = merkle.root(_leaves(3))
    merkle.verify_consistency(3, 3, [], root, root)
    with pytest.raises(ProofError, match="different roots"):
        merkle.verify_consistency(3, 3, [], root, merkle.root(_leaves(4)))
    with pytest.raises(ProofError, match="32-byte"):  # different sizes: real hashes only
        merkle.verify_consistency(3, 4, [root], b"x", merkle.root(_leaves(4)))


@pytest.mark.parametrize("index, size", [(1.0, 4), (1, 4.0), (True, 4), (1, True)])
def test_inclusion_positions_must_be_integers(index, size) -> None:
    leaves = _leaves(4)
    proof = merkle.inclusion_proof(leaves, 1)
    with pytest.raises(ProofError, match="integer"):
        merkle.verify_inclusion(leaves[1], index, size, proof, merkle.root(leaves))


@pytest.mark.parametrize("size1, size2", [(2.0, 5), (2, 5.0), (True, 5)])
def test_consistency_sizes_must_be_integers(size1, size2) -> None:
    leaves = _leaves(5)
    proof = merkle.consistency_proof(leaves, 2, 5)
    with pytest.raises(ProofError, match="integer"):
        merkle.verify_consistency(size1, size2, proof, merkle.root(leaves[:2]), merkle.root(leaves))
