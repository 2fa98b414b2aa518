"""The group layer against published vectors: RFC 8032 (edwards25519 and its base point),
libsodium's own tests, RFC 9380 (expand_message_xmd and the Elligator 2 map); and the group
laws as properties."""

from __future__ import annotations

import hashlib

import nacl.bindings as na
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.zk.group import BASE, IDENTITY, ORDER, Point, Scalar, expand_message_xmd, hash_to_point
from accord.zk.pedersen import DST, generators

P = 2**255 - 19

# RFC 8032 §7.1, TEST 1–3: SECRET KEY and PUBLIC KEY. The public key is [s]B with s the pruned
# first half of SHA-512(secret) (§5.1.5), so each is a published multiple of the base point.
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
]


@pytest.mark.parametrize("secret, public", RFC8032)
def test_rfc8032_public_keys_are_base_point_multiples(secret: str, public: str) -> None:
    h = bytearray(hashlib.sha512(bytes.fromhex(secret)).digest()[:32])
    h[0] &= 248  # RFC 8032 §5.1.5 step 2: prune the buffer
    h[31] &= 127
    h[31] |= 64
    s = Scalar.from_int(int.from_bytes(h, "little"))  # s mod ℓ: B has order ℓ
    assert (s * BASE).b.hex() == public
    assert Point.decode(bytes.fromhex(public)) == s * BASE


def test_the_base_point_and_its_order() -> None:
    # RFC 8032 §5.1: B = (x, 4/5) with x positive, encoded as y with the sign bit of x.
    assert BASE.b.hex() == "58" + "66" * 31
    assert Scalar.from_int(ORDER) * BASE == IDENTITY
    assert Scalar.from_int(ORDER - 1) * BASE == -BASE
    assert Scalar.from_int(ORDER + 5) == Scalar.from_int(5)


# libsodium test/default/scalarmult_ed25519.c: scalar multiplication refuses a non-canonical
# encoding of a point and one of no point, accepts the largest canonical encoding (a point of the
# prime-order subgroup), and refuses the all-zero encoding.
NON_CANONICAL_P = bytes.fromhex("f6" + "ff" * 30 + "7f")
NON_CANONICAL_INVALID_P = bytes.fromhex("f5" + "ff" * 30 + "7f")
MAX_CANONICAL_P = bytes.fromhex("e4" + "ff" * 30 + "7f")
# The eight points of small order (libsodium's ge25519_has_small_order blocklist, also C2SP
# CCTV's ed25519 low_order_A vectors): the identity, (0, -1), and six more.
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]


@pytest.mark.parametrize("encoding", [NON_CANONICAL_P, NON_CANONICAL_INVALID_P,
                                      *(bytes.fromhex(h) for h in SMALL_ORDER)])
def test_points_outside_the_prime_order_subgroup_are_refused(encoding: bytes) -> None:
    assert Point.decode(encoding) is None


def test_the_largest_canonical_encoding_is_a_point_as_in_libsodiums_test() -> None:
    p = Point.decode(MAX_CANONICAL_P)
    assert p is not None and Scalar.from_int(1) * p == p


def test_a_point_with_a_torsion_component_is_refused() -> None:
    torsion = bytes.fromhex(SMALL_ORDER[6])
    mixed = na.crypto_core_ed25519_add(BASE.b, torsion)  # B + T: on the curve, order 8ℓ
    assert Point.decode(mixed) is None
    assert Point.decode(bytes(31)) is None and Point.decode(BASE.b + b"\x00") is None


def test_non_canonical_scalars_are_refused() -> None:
    assert Scalar.decode((ORDER - 1).to_bytes(32, "little")) == Scalar.from_int(-1)
    assert Scalar.decode(ORDER.to_bytes(32, "little")) is None
    assert Scalar.decode(b"\xff" * 32) is None and Scalar.decode(bytes(31)) is None


scalars = st.integers(min_value=-(2**300), max_value=2**300)


@settings(max_examples=40, deadline=None)
@given(a=scalars, b=scalars)
def test_scalar_arithmetic_is_arithmetic_mod_l(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    assert int(sa + sb) == (a + b) % ORDER
    assert int(sa - sb) == (a - b) % ORDER
    assert int(sa * sb) == (a * b) % ORDER
    assert int(-sa) == (-a) % ORDER
    if a % ORDER:
        assert int(sa.inverse() * sa) == 1


@settings(max_examples=25, deadline=None)
@given(a=scalars, b=scalars)
def test_the_group_laws(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    H = generators().H
    assert (sa + sb) * H == sa * H + sb * H
    assert sa * (sb * H) == (sa * sb) * H
    assert sa * H - sa * H == IDENTITY
    assert (sa * BASE) + IDENTITY == sa * BASE


# RFC 9380 Appendix J.5.1, suite edwards25519_XMD:SHA-512_ELL2_RO_: msg, u[0], u[1], Q0, Q1, P.
RFC9380_DST = b"QUUX-V01-CS02-with-edwards25519_XMD:SHA-512_ELL2_RO_"
RFC9380 = [
    ("",
     "03fef4813c8cb5f98c6eef88fae174e6e7d5380de2b007799ac7ee712d203f3a",
     "780bdddd137290c8f589dc687795aafae35f6b674668d92bf92ae793e6a60c75",
     ("6549118f65bb617b9e8b438decedc73c496eaed496806d3b2eb9ee60b88e09a7",
      "7315bcc8cf47ed68048d22bad602c6680b3382a08c7c5d3f439a973fb4cf9feb"),
     ("31dcfc5c58aa1bee6e760bf78cbe71c2bead8cebb2e397ece0f37a3da19c9ed2",
      "7876d81474828d8a5928b50c82420b2bd0898d819e9550c5c82c39fc9bafa196"),
     ("3c3da6925a3c3c268448dcabb47ccde5439559d9599646a8260e47b1e4822fc6",
      "09a6c8561a0b22bef63124c588ce4c62ea83a3c899763af26d795302e115dc21")),
    ("abc",
     "5081955c4141e4e7d02ec0e36becffaa1934df4d7a270f70679c78f9bd57c227",
     "005bdc17a9b378b6272573a31b04361f21c371b256252ae5463119aa0b925b76",
     ("5c1525bd5d4b4e034512949d187c39d48e8cd84242aa4758956e4adc7d445573",
      "2bf426cf7122d1a90abc7f2d108befc2ef415ce8c2d09695a7407240faa01f29"),
     ("37b03bba828860c6b459ddad476c83e0f9285787a269df2156219b7e5c86210c",
      "285ebf5412f84d0ad7bb4e136729a9ffd2195d5b8e73c0dc85110ce06958f432"),
     ("608040b42285cc0d72cbb3985c6b04c935370c7361f4b7fbdb1ae7f8c1a8ecad",
      "1a8395b88338f22e435bbd301183e7f20a5f9de643f11882fb237f88268a5531")),
    ("abcdef0123456789",
     "285ebaa3be701b79871bcb6e225ecc9b0b32dff2d60424b4c50642636a78d5b3",
     "2e253e6a0ef658fedb8e4bd6a62d1544fd6547922acb3598ec6b369760b81b31",
     ("3ac463dd7fddb773b069c5b2b01c0f6b340638f54ee3bd92d452fcec3015b52d",
      "7b03ba1e8db9ec0b390d5c90168a6a0b7107156c994c674b61fe696cbeb46baf"),
     ("0757e7e904f5e86d2d2f4acf7e01c63827fde2d363985aa7432106f1b3a444ec",
      "50026c96930a24961e9d86aa91ea1465398ff8e42015e2ec1fa397d416f6a1c0"),
     ("6d7fabf47a2dc03fe7d47f7dddd21082c5fb8f86743cd020f3fb147d57161472",
      "53060a3d140e7fbcda641ed3cf42c88a75411e648a1add71217f70ea8ec561a6")),
    ("q128_" + "q" * 128,
     "4fedd25431c41f2a606952e2945ef5e3ac905a42cf64b8b4d4a83c533bf321af",
     "02f20716a5801b843987097a8276b6d869295b2e11253751ca72c109d37485a9",
     ("703e69787ea7524541933edf41f94010a201cc841c1cce60205ec38513458872",
      "32bb192c4f89106466f0874f5fd56a0d6b6f101cb714777983336c159a9bec75"),
     ("0c9077c5c31720ed9413abe59bf49ce768506128d810cb882435aa90f713ef6b",
      "7d5aec5210db638c53f050597964b74d6dda4be5b54fa73041bf909ccb3826cb"),
     ("5fb0b92acedd16f3bcb0ef83f5c7b7a9466b5f1e0d8d217421878ea3686f8524",
      "2eca15e355fcfa39d2982f67ddb0eea138e2994f5956ed37b7f72eea5e89d2f7")),
    ("a512_" + "a" * 512,
     "6e34e04a5106e9bd59f64aba49601bf09d23b27f7b594e56d5de06df4a4ea33b",
     "1c1c2cb59fc053f44b86c5d5eb8c1954b64976d0302d3729ff66e84068f5fd96",
     ("21091b2e3f9258c7dfa075e7ae513325a94a3d8a28e1b1cb3b5b6f5d65675592",
      "41a33d324c89f570e0682cdf7bdb78852295daf8084c669f2cc9692896ab5026"),
     ("4c07ec48c373e39a23bd7954f9e9b66eeab9e5ee1279b867b3d5315aa815454f",
      "67ccac7c3cb8d1381242d8d6585c57eabaddbb5dca5243a68a8aeb5477d94b3a"),
     ("0efcfde5898a839b00997fbe40d2ebe950bc81181afbd5cd6b9618aa336c1e8c",
      "6dc2fc04f266c5c27f236a80b14f92ccd051ef1ff027f26a07f8c0f327d8f995")),
]


def _encode(x_hex: str, y_hex: str) -> bytes:
    """RFC 8032 §5.1.2 encoding of affine (x, y): y little-endian, x's low bit on top."""
    return (int(y_hex, 16) | (int(x_hex, 16) & 1) << 255).to_bytes(32, "little")


def _times8(p: bytes) -> bytes:
    for _ in range(3):
        p = na.crypto_core_ed25519_add(p, p)
    return p


@pytest.mark.parametrize("msg, u0, u1, q0, q1, p", RFC9380, ids=lambda v: v[:8] if isinstance(v, str) else "")
def test_expand_message_xmd_gives_rfc9380_hash_to_field(msg: str, u0: str, u1: str, q0, q1, p) -> None:
    # hash_to_field (RFC 9380 §5.2, L = 48): u_i = OS2IP(48 bytes of expand_message_xmd) mod p.
    uniform = expand_message_xmd(msg.encode(), RFC9380_DST, 96)
    assert int.from_bytes(uniform[:48], "big") % P == int(u0, 16)
    assert int.from_bytes(uniform[48:], "big") % P == int(u1, 16)


@pytest.mark.parametrize("msg, u0, u1, q0, q1, p", RFC9380, ids=lambda v: v[:8] if isinstance(v, str) else "")
def test_libsodium_from_uniform_is_rfc9380_map_to_curve_with_the_cofactor_cleared(msg, u0, u1, q0, q1, p) -> None:
    # from_uniform(u || sign) = 8·(the Elligator 2 point of u with that x sign). Given the RFC's
    # sign, it gives 8·Q_i; the sum is the RFC's P = clear_cofactor(Q0 + Q1). hash_to_point
    # differs from the suite only in where u and the sign come from (its docstring says how).
    outs = []
    for u, (qx, qy) in ((u0, q0), (u1, q1)):
        r = (int(u, 16) | (int(qx, 16) & 1) << 255).to_bytes(32, "little")
        out = na.crypto_core_ed25519_from_uniform(r)
        assert out == _times8(_encode(qx, qy))
        outs.append(out)
    assert na.crypto_core_ed25519_add(*outs) == _encode(*p)


def test_hash_to_point_is_deterministic_and_in_the_subgroup() -> None:
    a, b = hash_to_point(b"G\x00\x00\x00\x01", DST), hash_to_point(b"G\x00\x00\x00\x01", DST)
    assert a == b and Point.decode(a.b) == a
    assert hash_to_point(b"G\x00\x00\x00\x02", DST) != a
    assert hash_to_point(b"G\x00\x00\x00\x01", DST + b"x") != a
    g = generators()
    G, H = g.vectors(4)
    points = {g.B, g.H, g.U, *G, *H}
    assert len(points) == 11 and all(Point.decode(p.b) == p for p in points)
