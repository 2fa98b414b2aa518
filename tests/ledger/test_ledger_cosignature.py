"""Witness cosignatures (C2SP tlog-cosignature/v1) and the signed-note rules they rely on.

The signed message and line layout are checked against the specification's text with an
independent Ed25519 verifier (RFC 8032 §6's reference algorithm, written out below) — not with
the libsodium that signs — so a mistake in what we sign cannot hide behind a matching mistake
in what we verify.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.ledger import Ledger, generate_key
from accord.ledger.cosignature import (
    COSIGNATURE_V1,
    MAX_TIMESTAMP,
    WitnessKey,
    WitnessSigner,
    cosignature_key_id,
    cosigners,
    generate_witness_key,
    parse_vkey,
    read_vkey,
    split_cosignature,
    write_witness_key_pair,
)
from accord.ledger.keys import PublicKey
from accord.ledger.note import Checkpoint, Note, NoteSignature

ROOT = hashlib.sha256(b"root").digest()
TEXT = Checkpoint("example.com/log", 5, ROOT).text()

# -- RFC 8032 §6 Ed25519 verification, pure Python (independent of libsodium) -------------------
_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c, dd = 2 * a[3] * b[3] * _D % _P, 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, dd - c, dd + c, y + x
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _mul(s: int, pt: tuple[int, ...]) -> tuple[int, ...]:
    q: tuple[int, ...] = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt, s = _add(pt, pt), s >> 1
    return q


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _decompress(s: bytes) -> tuple[int, ...] | None:
    y = int.from_bytes(s, "little")
    x = _recover_x(y & ((1 << 255) - 1), y >> 255)
    return None if x is None else (x, y & ((1 << 255) - 1), 1, x * (y & ((1 << 255) - 1)) % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
assert _GX is not None
_G = (_GX, _GY, 1, _GX * _GY % _P)


def rfc8032_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    a, r = _decompress(public), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    left, right = _mul(s, _G), _add(r, _mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % _P == 0 and (left[1] * right[2] - right[1] * left[2]) % _P == 0


# -- the format -----------------------------------------------------------------------------------

def test_line_and_message_are_the_specs() -> None:
    """tlog-cosignature: line payload = key id (4) || timestamp (8, big-endian) || Ed25519 (64),
    over "cosignature/v1\\ntime <T>\\n" + the checkpoint body; key id = SHA-256(name || \\n || 0x04 || key)[:4]."""
    w = generate_witness_key("witness.example/w1")
    line = w.cosign(TEXT, 1679315147)
    pub = w.public.raw
    assert line.key_id == hashlib.sha256(b"witness.example/w1\n\x04" + pub).digest()[:4]
    assert line.signature[:8] == struct.pack(">Q", 1679315147)
    message = b"cosignature/v1\ntime 1679315147\nexample.com/log\n5\n" + base64.b64encode(ROOT) + b"\n"
    assert rfc8032_verify(pub, message, line.signature[8:])
    assert not rfc8032_verify(pub, message.replace(b"time 1679315147", b"time 1679315148"), line.signature[8:])
    # The note key id of the same key (type 0x01) differs: a note verifier never mistakes one for the other.
    assert PublicKey("witness.example/w1", pub).id != line.key_id
    encoded = line.line()
    assert encoded.startswith("\u2014 witness.example/w1 ") and len(base64.b64decode(encoded.split(" ")[2])) == 76


def test_vkey_round_trip_and_type_byte() -> None:
    w = generate_witness_key("witness.example/w1")
    vkey = w.public.vkey
    name, hexid, b64 = vkey.split("+", 2)
    assert name == "witness.example/w1" and bytes.fromhex(hexid) == cosignature_key_id(name, w.public.raw)
    assert base64.b64decode(b64)[0] == COSIGNATURE_V1
    assert WitnessKey.parse(vkey) == w.public == parse_vkey(vkey)
    assert WitnessSigner.parse(w.skey).public == w.public
    note_key = generate_key("log").public
    assert parse_vkey(note_key.vkey) == note_key  # type 0x01 stays a note key
    with pytest.raises(InputError, match="type 0x04"):
        WitnessKey.parse(note_key.vkey)
    with pytest.raises(InputError, match="key id does not match"):
        WitnessKey.parse(f"{name}+00000000+{b64}")


def test_read_vkey_takes_text_or_a_file(tmp_path) -> None:
    written = write_witness_key_pair("witness.example/us", tmp_path)
    assert written.key_file.endswith("witness.example_us.key") and oct((tmp_path / "witness.example_us.key")
                                                                      .stat().st_mode)[-3:] == "600"
    assert read_vkey(written.pub_file) == read_vkey(written.vkey) == WitnessKey.parse(written.vkey)
    with pytest.raises(InputError, match="already exists"):
        write_witness_key_pair("witness.example/us", tmp_path)
    with pytest.raises(InputError) as info:
        read_vkey(str(tmp_path / "missing.pub"))
    assert info.value.file == str(tmp_path / "missing.pub")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\x01b", "a\x7fb", "a\u00a0b", "a\u2003b"])
def test_witness_names_a_note_cannot_carry_are_refused(name: str, tmp_path) -> None:
    with pytest.raises(InputError):
        generate_witness_key(name)
    with pytest.raises(InputError):
        write_witness_key_pair(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_cosignature_verifies_only_on_its_checkpoint_and_time() -> None:
    w = generate_witness_key("w")
    line = w.cosign(TEXT, 1_700_000_000)
    assert w.public.verify(TEXT, line) == 1_700_000_000
    other = Checkpoint("example.com/log", 6, ROOT).text()
    assert w.public.verify(other, line) is None
    later = NoteSignature(line.name, line.key_id, struct.pack(">Q", 1_700_000_001) + line.signature[8:])
    assert w.public.verify(TEXT, later) is None  # the time is signed
    assert generate_witness_key("w").public.verify(TEXT, line) is None  # same name, another key
    assert w.public.verify(TEXT, NoteSignature("w", line.key_id, line.signature[:-1])) is None


def test_timestamps_above_2_63_are_refused() -> None:
    assert split_cosignature(struct.pack(">Q", MAX_TIMESTAMP + 1) + bytes(64)) is None
    assert split_cosignature(struct.pack(">Q", MAX_TIMESTAMP) + bytes(64)) == (MAX_TIMESTAMP, bytes(64))
    with pytest.raises(InputError):
        generate_witness_key("w").cosign(TEXT, MAX_TIMESTAMP + 1)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 2**63 - 1), ts=st.integers(0, MAX_TIMESTAMP), flip=st.integers(0, 75))
def test_any_checkpoint_and_time_round_trip_and_any_flipped_byte_fails(size: int, ts: int, flip: int) -> None:
    w = _W
    text = Checkpoint("example.com/log", size, ROOT).text()
    line = w.cosign(text, ts)
    note = Note.parse(Note(text, (line,)).encode())
    assert cosigners(note, [w.public]) == {"w": ts}
    raw = bytearray(line.key_id + line.signature)
    raw[flip] ^= 0x01
    bad = NoteSignature("w", bytes(raw[:4]), bytes(raw[4:]))
    assert w.public.verify(text, bad) is None


_W = generate_witness_key("w")


def test_cosigners_counts_each_witness_once() -> None:
    a, b = generate_witness_key("a"), generate_witness_key("b")
    log = generate_key("log")
    note = Note(TEXT).sign(log).with_signatures([a.cosign(TEXT, 10), b.cosign(TEXT, 20)])
    assert cosigners(note, [a.public, b.public]) == {"a": 10, "b": 20}
    assert note.verified_keys([log.public]) == [log.public]  # the log's note signature is untouched
    assert cosigners(note, [generate_witness_key("c").public]) == {}


# -- signed-note parsing to the spec ----------------------------------------------------------------

_text_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n", min_codepoint=0x20),
                     max_size=20)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_text_line, min_size=1, max_size=6),
       unknown=st.lists(st.binary(min_size=5, max_size=200), max_size=5))
def test_notes_with_empty_lines_and_unknown_signatures_round_trip(lines: list[str], unknown: list[bytes]) -> None:
    """The text may hold empty lines (it ends at the last blank line); lines from unknown keys
    are kept whatever their length, and ignored by verification."""
    key = _LOG
    text = "".join(line + "\n" for line in lines)
    note = Note(text).sign(key).with_signatures(
        [NoteSignature(f"u{i}", u[:4], u[4:]) for i, u in enumerate(unknown)])
    parsed = Note.parse(note.encode())
    assert parsed.text == text and parsed == note
    assert parsed.verified_keys([key.public]) == [key.public]


_LOG = generate_key("log")


@pytest.mark.parametrize("data, problem", [
    ("a\n\n\u2014 k AAAA\n", "shorter than a key id"),  # 3 bytes: Go requires at least 5
    ("a\n\n\u2014 k\n", "shorter than"),  # no space: the whole rest is the name, the base64 empty
    ("a\n\n\u2014 k AA@A\n", "not base64"),
    ("a\n\n\u2014 a+b AAAAAAA=\n", "key name"),
    ("a\n\n\u2014  AAAAAAA=\n", "key name"),
    ("a\r\n\n\u2014 k AAAAAAA=\n", "control character"),
    ("a\n\u2014 k AAAAAAA=\n", "no blank line"),
    ("a\n\n\u2014 k AAAAAAA=", "does not end in a newline"),
    ("a\n\n", "no signatures"),
    ("a\n\n- k AAAAAAA=\n", "must start with"),
])
def test_malformed_notes(data: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        Note.parse(data)


def test_checkpoint_extension_lines_must_not_be_empty() -> None:
    """tlog-checkpoint: "Extension lines, if any, MUST be non-empty" (a note's text may hold empty lines)."""
    with pytest.raises(InputError, match="extension line is empty"):
        Checkpoint.from_text("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\nx\n")


# -- names and origins at creation -------------------------------------------------------------------

@pytest.mark.parametrize("origin", ["a b", "a+b", "a\tb", "a\x01b", "a\x7fb", "a\u00a0b", "a\nb", " "])
def test_origins_a_note_cannot_carry_are_refused_at_init(origin: str) -> None:
    with pytest.raises(InputError) as info:
        Ledger.create("memory:", agreement="t", parties=[generate_key("US").public], origin=origin)
    assert info.value.field == "origin"


def test_default_origin_has_no_space_or_plus() -> None:
    ledger = Ledger.create("memory:", agreement="New START+2", parties=[generate_key("US").public])
    assert ledger.origin.startswith("accord.ledger/New_START_2/")


@pytest.mark.parametrize("name", ["a b", "a+b", "a\x01b", "a\x7fb", "a\u2003b", ""])
def test_key_names_a_note_cannot_carry_are_refused_at_keygen(name: str) -> None:
    with pytest.raises(InputError):
        generate_key(name)
