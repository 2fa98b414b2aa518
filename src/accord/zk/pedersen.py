"""Pedersen commitments over edwards25519, and every generator the proofs use.

A commitment to a count ``v`` with blinding ``r`` is ``C = v·B + r·H`` (Pedersen, CRYPTO '91):
B is the RFC 8032 base point and H a point derived by :func:`~accord.zk.group.hash_to_point`,
so nobody knows ``log_B H``. It is *perfectly hiding* (for a uniform ``r``, C is a uniform
point whatever ``v`` is) and *computationally binding* (two openings of one C give
``log_B H``). Commitments add: ``C1 + C2`` commits to ``v1 + v2`` with ``r1 + r2``.

The range proof needs two vectors of independent generators, ``G_i`` and ``H_i``, and one more
point ``U`` for its inner-product argument; each is :func:`hash_to_point` of its own label under
:data:`DST`, derived the first time a proof needs it and kept for the process.
"""

from __future__ import annotations

from .group import BASE, Point, Scalar, hash_to_point

__all__ = ["DST", "Generators", "commit", "generators"]

#: The domain-separation tag of every generator (see :func:`accord.zk.group.hash_to_point` for
#: the construction it names).
DST = b"ACCORD-ZK-PROOF-V1_XMD:SHA-512_ELL2-LIBSODIUM-FROM-UNIFORM_RO_"


class Generators:
    """B (values), H (blindings), U (the inner-product argument) and the vectors G_i, H_i.

    ``B`` is the RFC 8032 base point; ``H = hash_to_point("pedersen blinding")``;
    ``U = hash_to_point("inner product")``; ``G_i = hash_to_point("G" || i)`` and
    ``H_i = hash_to_point("H" || i)`` with ``i`` as 4 bytes big-endian, all under :data:`DST`.
    """

    def __init__(self) -> None:
        self.B: Point = BASE
        self.H: Point = hash_to_point(b"pedersen blinding", DST)
        self.U: Point = hash_to_point(b"inner product", DST)
        self._g: list[Point] = []
        self._h: list[Point] = []

    def vectors(self, n: int) -> tuple[list[Point], list[Point]]:
        """The first ``n`` of G_i and of H_i (derived on first use, then cached)."""
        for i in range(len(self._g), n):
            index = i.to_bytes(4, "big")
            self._g.append(hash_to_point(b"G" + index, DST))
            self._h.append(hash_to_point(b"H" + index, DST))
        return self._g[:n], self._h[:n]


_GENERATORS: Generators | None = None


def generators() -> Generators:
    """The process's one :class:`Generators` (its vectors grow as proofs need them)."""
    global _GENERATORS
    if _GENERATORS is None:
        _GENERATORS = Generators()
    return _GENERATORS


def commit(value: int, blinding: Scalar) -> Point:
    """``value·B + blinding·H`` (``value`` taken mod ℓ: a negative count commits to ℓ − |v|)."""
    g = generators()
    return Scalar.from_int(value) * g.B + blinding * g.H
