"""The prime-order group of edwards25519 and its scalars, through libsodium (PyNaCl).

Every group and scalar operation is one libsodium call (``crypto_core_ed25519_add``/``_sub``,
``crypto_scalarmult_ed25519_noclamp`` and ``_base_noclamp``, ``crypto_core_ed25519_scalar_*``,
``crypto_core_ed25519_is_valid_point``, ``crypto_core_ed25519_from_uniform``): nothing here
does field or curve arithmetic of its own. Python's integers only encode and decode.

- :class:`Scalar` is an element of Z_ℓ, ℓ = 2^252 + 27742317777372353535851937790883648493
  (RFC 8032 §5.1), held as its canonical 32-byte little-endian encoding.
- :class:`Point` is an element of the prime-order subgroup, held as its canonical 32-byte
  encoding (RFC 8032 §5.1.2). :meth:`Point.decode` accepts exactly what
  ``crypto_core_ed25519_is_valid_point`` accepts: a canonical encoding of a point on the curve,
  in the prime-order subgroup, and not of small order — so the identity and every point with a
  torsion component are refused. Arithmetic may produce the identity (``0·P``, ``P − P``),
  which libsodium's scalar multiplication refuses as input or output; it is handled here.
- :func:`hash_to_point` derives a point nobody knows the discrete logarithm of (see there).
"""

from __future__ import annotations

import hashlib
import secrets

import nacl.bindings as _na
import nacl.exceptions

__all__ = [
    "ORDER",
    "Point",
    "Scalar",
    "expand_message_xmd",
    "hash_to_point",
]

#: ℓ, the order of the prime-order subgroup (RFC 8032 §5.1).
ORDER = 2**252 + 27742317777372353535851937790883648493

_IDENTITY = b"\x01" + bytes(31)
_BASE = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")

_add = _na.crypto_core_ed25519_add
_sub = _na.crypto_core_ed25519_sub
_mul = _na.crypto_scalarmult_ed25519_noclamp
_mul_base = _na.crypto_scalarmult_ed25519_base_noclamp
_valid = _na.crypto_core_ed25519_is_valid_point
_s_add = _na.crypto_core_ed25519_scalar_add
_s_sub = _na.crypto_core_ed25519_scalar_sub
_s_mul = _na.crypto_core_ed25519_scalar_mul
_s_neg = _na.crypto_core_ed25519_scalar_negate
_s_inv = _na.crypto_core_ed25519_scalar_invert
_s_reduce = _na.crypto_core_ed25519_scalar_reduce
_ZERO = bytes(32)


class Scalar:
    """An element of Z_ℓ. Immutable; ``+ - *`` and :meth:`inverse` are libsodium calls."""

    __slots__ = ("b",)
    b: bytes

    def __init__(self, encoding: bytes) -> None:
        # Trusted: callers pass a canonical encoding (libsodium's output, or checked by decode).
        self.b = encoding

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_int(cls, n: int) -> Scalar:
        """``n mod ℓ`` for any integer with ``|n| < 2**512``."""
        if n < 0:
            return cls(_s_neg(cls.from_int(-n).b))
        if n < ORDER:
            return cls(n.to_bytes(32, "little"))
        return cls(_s_reduce(n.to_bytes(64, "little")))

    @classmethod
    def from_hash(cls, digest: bytes) -> Scalar:
        """A 64-byte hash output reduced mod ℓ (``crypto_core_ed25519_scalar_reduce``): a
        uniformly distributed scalar, up to a 2^-259 bias."""
        if len(digest) != 64:
            raise ValueError("a scalar is reduced from 64 bytes")
        return cls(_s_reduce(digest))

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar from the operating system's generator."""
        return cls(_s_reduce(secrets.token_bytes(64)))

    @classmethod
    def decode(cls, data: bytes) -> Scalar | None:
        """The scalar encoded by ``data`` (32 bytes, canonical: the integer is below ℓ), or
        ``None`` when it is not one."""
        if len(data) != 32 or int.from_bytes(data, "little") >= ORDER:
            return None
        return cls(bytes(data))

    # -- arithmetic --------------------------------------------------------------------
    def __add__(self, other: Scalar) -> Scalar:
        return Scalar(_s_add(self.b, other.b))

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar(_s_sub(self.b, other.b))

    def __mul__(self, other: Scalar) -> Scalar:
        if type(other) is not Scalar:  # ``k * point`` goes on to Point.__rmul__
            return NotImplemented
        return Scalar(_s_mul(self.b, other.b))

    def __neg__(self) -> Scalar:
        return Scalar(_s_neg(self.b))

    def inverse(self) -> Scalar:
        """The multiplicative inverse; :class:`ZeroDivisionError` for zero."""
        if self.b == _ZERO:
            raise ZeroDivisionError("zero has no inverse mod ℓ")
        return Scalar(_s_inv(self.b))

    # -- comparison and encoding ---------------------------------------------------------
    def is_zero(self) -> bool:
        return self.b == _ZERO

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and self.b == other.b

    def __hash__(self) -> int:
        return hash(self.b)

    def __int__(self) -> int:
        return int.from_bytes(self.b, "little")

    def __repr__(self) -> str:
        return f"Scalar({int(self)})"


ZERO = Scalar(_ZERO)
ONE = Scalar.from_int(1)


class Point:
    """An element of the prime-order subgroup of edwards25519 (or the identity). Immutable;
    ``+ -`` and ``scalar * point`` are libsodium calls."""

    __slots__ = ("b",)
    b: bytes

    def __init__(self, encoding: bytes) -> None:
        # Trusted: callers pass libsodium's output or an encoding checked by decode.
        self.b = encoding

    @classmethod
    def decode(cls, data: bytes) -> Point | None:
        """The point encoded by ``data``, or ``None`` unless it is a canonical encoding of a
        point of the prime-order subgroup other than the identity (libsodium's
        ``crypto_core_ed25519_is_valid_point``)."""
        if len(data) != 32 or not _valid(bytes(data)):
            return None
        return cls(bytes(data))

    @classmethod
    def base(cls) -> Point:
        """B, the RFC 8032 base point (y = 4/5)."""
        return BASE

    @classmethod
    def identity(cls) -> Point:
        return IDENTITY

    def is_identity(self) -> bool:
        return self.b == _IDENTITY

    def __add__(self, other: Point) -> Point:
        return Point(_add(self.b, other.b))

    def __sub__(self, other: Point) -> Point:
        return Point(_sub(self.b, other.b))

    def __neg__(self) -> Point:
        return Point(_sub(_IDENTITY, self.b))

    def __rmul__(self, k: Scalar) -> Point:
        """``k·P``. libsodium refuses a zero scalar and the identity as input: both give the
        identity here (a non-zero ``k`` times a point of prime order is never the identity)."""
        if k.b == _ZERO or self.b == _IDENTITY:
            return IDENTITY
        if self.b == _BASE:
            return Point(_mul_base(k.b))
        return Point(_mul(k.b, self.b))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.b == other.b

    def __hash__(self) -> int:
        return hash(self.b)

    def __repr__(self) -> str:
        return f"Point({self.b.hex()})"


BASE = Point(_BASE)
IDENTITY = Point(_IDENTITY)


def msm(scalars: list[Scalar], points: list[Point]) -> Point:
    """``Σ scalars[i]·points[i]`` (one libsodium multiplication and addition per term; terms
    with a zero scalar are skipped)."""
    acc = IDENTITY.b
    for k, p in zip(scalars, points, strict=True):
        if k.b == _ZERO or p.b == _IDENTITY:
            continue
        acc = _add(acc, _mul_base(k.b) if p.b == _BASE else _mul(k.b, p.b))
    return Point(acc)


def point_sum(points: list[Point]) -> Point:
    """``Σ points[i]``."""
    acc = IDENTITY.b
    for p in points:
        acc = _add(acc, p.b)
    return Point(acc)


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 §5.3.1 ``expand_message_xmd`` with SHA-512 (b_in_bytes = 128,
    b_out_bytes = 64): ``length`` uniform bytes from ``msg`` under the domain-separation tag
    ``dst`` (at most 255 bytes)."""
    if not 1 <= len(dst) <= 255:
        raise ValueError("the domain-separation tag must be 1 to 255 bytes")
    ell = -(-length // 64)
    if ell > 255 or length > 65535:
        raise ValueError("expand_message_xmd gives at most 255 blocks of 64 bytes")
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + length.to_bytes(2, "big") + b"\x00" + dst_prime).digest()
    block = hashlib.sha512(b0 + b"\x01" + dst_prime).digest()
    out = [block]
    for i in range(2, ell + 1):
        block = hashlib.sha512(bytes(x ^ y for x, y in zip(b0, block, strict=True)) + bytes([i]) + dst_prime).digest()
        out.append(block)
    return b"".join(out)[:length]


def hash_to_point(msg: bytes, dst: bytes) -> Point:
    """A point of the prime-order subgroup derived from ``msg`` under ``dst``, whose discrete
    logarithm to any other point nobody knows (in the random-oracle model).

    The construction follows RFC 9380's random-oracle shape, ``clear_cofactor(map(u0) +
    map(u1))``: 64 bytes ``b = expand_message_xmd_SHA512(msg, dst, 64)`` (RFC 9380 §5.3.1),
    then ``P = from_uniform(b[0:32]) + from_uniform(b[32:64])``, where ``from_uniform`` is
    libsodium's ``crypto_core_ed25519_from_uniform``: the Elligator 2 map (RFC 9380 §6.7.1,
    with the rational map to edwards25519 of §6.8.2) of the 255-bit little-endian field element
    in its input, the x-coordinate's sign taken from the input's top bit, and the cofactor
    cleared. It is *not* the RFC 9380 suite ``edwards25519_XMD:SHA-512_ELL2_RO_``: the bundled
    libsodium (1.0.18) lacks that suite's ``from_string``, so the field elements are 255 hash
    bits rather than 48 bytes reduced mod p, and the sign comes from the hash rather than
    RFC 9380's sgn0 rule; no field arithmetic is done here. docs/zk.md says how each step is
    checked against the RFC's vectors.
    """
    b = expand_message_xmd(msg, dst, 64)
    p = _add(_na.crypto_core_ed25519_from_uniform(b[:32]), _na.crypto_core_ed25519_from_uniform(b[32:]))
    if not _valid(p):  # the identity: the hash hit one of a handful of inputs (never observed)
        raise nacl.exceptions.RuntimeError("hash_to_point produced the identity")
    return Point(p)
