"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs (pure functions).

Hashing follows RFC 9162 §2.1 (unchanged from RFC 6962): a leaf hash is
``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)``, the empty tree
hashes to ``SHA-256("")``, and a tree of ``n > 1`` leaves splits at ``k``, the largest power of
two below ``n``. Proofs are the RFC's audit paths (§2.1.3) and consistency proofs (§2.1.4),
listed leaf-to-root, exactly as transparency-dev/merkle and C2SP tlog-proof expect them.
Indices are 0-based.

Written here rather than taken from pymerkle: pymerkle's roots and inclusion paths agree with
the RFC, but its consistency proofs are a different construction (extra hashes plus
``rule``/``subset`` bit lists) that RFC 9162 verifiers cannot check, and it is GPL-licensed.

Proof *generation* is expressed over subtree ranges: :func:`inclusion_ranges` and
:func:`consistency_ranges` say which ``MTH(D[a:b])`` values a proof is made of, and
:func:`perfect_nodes` breaks each range into complete subtrees ``(level, index)``, so a store that
keeps every complete subtree's hash answers any proof or root with O(log n) reads.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

from ..errors import ProofError  # defined in the one exception tree; importable from here too

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ProofError",
    "consistency_proof",
    "consistency_ranges",
    "hash_from_nodes",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_nodes",
    "root",
    "root_from_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 hash of one leaf: ``SHA-256(0x00 || data)``."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return _sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` whose hashes make up ``MTH(D[start:end])``.

    Node ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``.
    ``start`` must be aligned to the largest power of two not above ``end - start`` (true of
    every range the RFC's recursive split produces). The nodes come left to right, largest first;
    :func:`hash_from_nodes` folds their hashes into the range's hash.
    """
    n = end - start
    if n <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    out: list[tuple[int, int]] = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            if pos % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned")
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def hash_from_nodes(hashes: Sequence[bytes]) -> bytes:
    """Fold complete-subtree hashes (left to right, as :func:`perfect_nodes` lists them) into
    the RFC hash of the range they cover: right to left, ``node_hash(left, acc)``."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges ``[a, b)`` whose hashes form the audit path of leaf ``index`` in a tree of
    ``size`` leaves, leaf-to-root (RFC 9162 §2.1.3.1, ``PATH(m, D[n])``)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    path: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form the consistency proof from ``size1`` to ``size2``
    (RFC 9162 §2.1.4.1, ``SUBPROOF(m, D[n], true)``); empty when the sizes are equal.
    Requires ``0 < size1 <= size2``."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    out: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                out.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            whole = False
    out.reverse()
    return out


def _range_hasher(leaf_hashes: Sequence[bytes]) -> Callable[[int, int], bytes]:
    def mth(a: int, b: int) -> bytes:
        if b - a == 1:
            return leaf_hashes[a]
        k = _split(b - a)
        return node_hash(mth(a, a + k), mth(a + k, b))

    return mth


def root_from_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head ``MTH`` of a list of *leaf hashes* (already hashed with :func:`leaf_hash`).

    Iterative, O(n) hashes: complete subtrees are merged as leaves arrive (a compact range).
    """
    stack: list[tuple[int, bytes]] = []
    for h in leaf_hashes:
        level = 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    if not stack:
        return EMPTY_ROOT
    return hash_from_nodes([h for _, h in stack])


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree head of ``leaves``, given as *leaf hashes*; ``SHA-256("")`` when empty.

    Same as :func:`root_from_hashes`; hash raw data with :func:`leaf_hash` first."""
    return root_from_hashes(leaves)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """The RFC 9162 audit path of leaf ``index`` in the tree of the first ``size`` leaf hashes
    (default: all), leaf-to-root."""
    size = len(leaf_hashes) if size is None else size
    if size > len(leaf_hashes):
        raise ValueError(f"size {size} exceeds the {len(leaf_hashes)} leaves given")
    mth = _range_hasher(leaf_hashes)
    return [mth(a, b) for a, b in inclusion_ranges(index, size)]


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int | None = None) -> list[bytes]:
    """The RFC 9162 consistency proof that the tree of ``size1`` leaves is a prefix of the tree
    of ``size2`` leaves (default: all), leaf-to-root. Requires ``0 < size1 <= size2``."""
    size2 = len(leaf_hashes) if size2 is None else size2
    if size2 > len(leaf_hashes):
        raise ValueError(f"size {size2} exceeds the {len(leaf_hashes)} leaves given")
    mth = _range_hasher(leaf_hashes)
    return [mth(a, b) for a, b in consistency_ranges(size1, size2)]


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def _check_count(value: int, what: str) -> None:
    # A float or bool index would pass the range checks and the bit arithmetic below would
    # then fail or mislead; proofs are about whole positions only.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofError(f"{what} must be an integer, not {type(value).__name__}")


def _equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` sits at ``index`` in the tree of ``size`` leaves with head
    ``root`` (RFC 9162 §2.1.3.2). Returns ``None``; raises :class:`ProofError` otherwise.

    The position is bound: the same path does not verify for another index or size. ``index``
    and ``size`` must be ints (not bools); every hash must be 32 bytes.
    """
    _check_count(index, "index")
    _check_count(size, "size")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if not _equal(r, root):
        raise ProofError("computed root does not match the expected root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size1`` leaves with head ``root1`` is a prefix of the tree of
    ``size2`` leaves with head ``root2`` (RFC 9162 §2.1.4.2). Raises :class:`ProofError`.

    ``size1 == 0`` is rejected (nothing to prove, as in transparency-dev/merkle); equal sizes
    need an empty proof and equal roots (compared as given, as transparency-dev/merkle does: its
    vector ``sizes-are-equal-one-and-proof-is-empty`` accepts equal 12-byte "roots", and the
    conformance suite must accept exactly what it accepts; callers that store roots — the
    cosigner state — check their length themselves). Sizes must be ints (not bools); for
    different sizes both roots must be 32-byte hashes.
    """
    _check_count(size1, "size1")
    _check_count(size2, "size2")
    if size1 <= 0:
        raise ProofError("a consistency proof needs size1 > 0")
    if size2 < size1:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if not _equal(root1, root2):
            raise ProofError("equal sizes but different roots")
        return
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    if not proof:
        raise ProofError("empty proof for different sizes")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
    path = list(proof)
    # When size1 is a power of two the old root is the first node and is left out of the proof.
    if size1 & (size1 - 1) == 0:
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than needed")
    if not _equal(fr, root1):
        raise ProofError("proof does not reproduce root1")
    if not _equal(sr, root2):
        raise ProofError("proof does not reproduce root2")
