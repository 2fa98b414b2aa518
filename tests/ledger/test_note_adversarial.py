"""Signed notes, checkpoints and cosignatures from a hostile source (C2SP signed-note,
tlog-checkpoint, tlog-cosignature).

Notes reach accord from files, from HTTP bodies and from JSON (a witness's ``GET /logs``, a
monitor's peer state): a JSON string can hold what no UTF-8 text can — a lone surrogate — and a
command-line argument can too (Python decodes invalid bytes in argv to surrogates). Whatever
the text, parsing either gives a note every later step can use (verify, encode, key ids) or a
one-line :class:`InputError`; and a verifier counts a witness only for its own valid
cosignature of this very checkpoint text, once, whatever else the note carries.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.ledger.cosignature import (
    COSIGNATURE_V1,
    WitnessKey,
    cosigners,
    generate_witness_key,
    parse_vkey,
    signed_message,
)
from accord.ledger.keys import PublicKey, generate_key, valid_key_name
from accord.ledger.note import MAX_NOTE_SIGNATURES, Checkpoint, Note, NoteSignature

ROOT = hashlib.sha256(b"root").digest()
CP = Checkpoint("example.com/log", 5, ROOT)
LOG = generate_key("example.com/log")
_DASH = "\u2014 "


def _line(name: str, payload: bytes) -> str:
    return f"{_DASH}{name} {base64.b64encode(payload).decode()}\n"


# -- text that is not UTF-8 ----------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    "example.com/log\ud800\n5\n" + base64.b64encode(ROOT).decode() + "\n\n" + _line("k", bytes(68)),
    CP.text() + "\n" + _line("k\udcff", bytes(68)),  # argv's surrogateescape in a key name
    CP.text() + "\n" + _line("k", bytes(68)).replace("\n", "\udfff\n"),
])
def test_a_lone_surrogate_is_refused_not_a_crash_later(data: str) -> None:
    """signed-note: "Signed notes MUST be valid UTF-8". A str with a lone surrogate (from JSON's
    "\\ud800", or argv) encodes to no UTF-8 at all: refused at parse, not a UnicodeEncodeError
    when the note is verified or a key id computed."""
    with pytest.raises(InputError, match=r"UTF-8|surrogate"):
        Note.parse(data)
    text = data.split("\n\n")[0] + "\n"
    if any("\ud800" <= c <= "\udfff" for c in text):
        with pytest.raises(InputError):
            Note(text)


@pytest.mark.parametrize("name", ["w\udcff", "\ud800", "log\udfff/x"])
def test_key_names_with_a_lone_surrogate_are_refused(name: str) -> None:
    assert not valid_key_name(name)
    with pytest.raises(InputError):
        generate_key(name)
    with pytest.raises(InputError):
        generate_witness_key(name)
    vkey = f"{name}+00000000+" + base64.b64encode(bytes([COSIGNATURE_V1]) + bytes(32)).decode()
    with pytest.raises(InputError):
        parse_vkey(vkey)


def test_witness_keygen_with_a_name_that_is_not_utf8_is_one_line(tmp_path) -> None:
    """`accord witness keygen $'w\\xff'`: Python hands the name over with a surrogate for the
    byte; one line, exit 2, no key file."""
    code = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"
    r = subprocess.run([sys.executable, "-c", code, "witness", "keygen", b"w\xff".decode("utf-8", "surrogateescape"),
                        "--out", str(tmp_path)], capture_output=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count(b"\n") == 1 and b"Traceback" not in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


_PIECE = st.one_of(
    st.sampled_from(["\n", "\n\n", _DASH, " ", "+", "=", "A", "\r", "\x00", "\ud800", "\u00a0", "\u2028"]),
    st.characters())
_ANY_TEXT = st.lists(_PIECE, max_size=40).map("".join)
# Mostly printable, sometimes not: so that many notes parse and reach the later steps.
_NAME = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Zs")), min_size=1, max_size=8),
                  st.lists(_PIECE, min_size=1, max_size=8).map("".join))
_TEXT = st.one_of(st.lists(st.text(st.characters(blacklist_categories=("Cc",)), max_size=12), min_size=1,
                           max_size=4).map(lambda lines: "".join(line + "\n" for line in lines)), _ANY_TEXT)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, names=st.lists(_NAME, min_size=1, max_size=4),
       payloads=st.lists(st.binary(min_size=5, max_size=80), min_size=1, max_size=4), tail=_ANY_TEXT)
def test_any_text_parses_to_a_usable_note_or_one_line_error(text: str, names: list[str], payloads: list[bytes],
                                                            tail: str) -> None:
    """Whatever the text, the key names and the signatures (shaped like a note, so that parsing
    gets far): an InputError on one line, or a note that verifies, encodes and re-parses to
    itself (no other exception at any later step)."""
    block = "".join(_line(n, p) for n, p in zip(names, payloads, strict=False))
    for data in (text + "\n" + block, text + "\n" + block + tail):
        try:
            note = Note.parse(data)
        except InputError as err:
            assert "\n" not in err.one_line()
            continue
        assert Note.parse(note.encode()) == note
        note.verified_keys([LOG.public, PublicKey(note.signatures[0].name, bytes(32))])
        cosigners(note, [generate_witness_key("w").public])
        for sig in note.signatures:
            sig.line().encode()


@settings(max_examples=200, deadline=None)
@given(prefix=_ANY_TEXT)
def test_signature_lines_hidden_in_the_text_are_text(prefix: str) -> None:
    """The text ends at the LAST blank line: lines that look like signatures before it belong
    to the text, which the log did not sign; only the final block counts."""
    signed = Note(CP.text()).sign(LOG)
    data = CP.text() + "\n" + signed.signatures[0].line() + "\n" + prefix.replace("\n\n", "\n") + "\n\n" + \
        signed.signatures[0].line() + "\n"
    try:
        note = Note.parse(data)
    except InputError:
        return
    assert note.text != CP.text() and note.verified_keys([LOG.public]) == []


# -- the signature block ----------------------------------------------------------------------------

def test_signature_block_edge_cases() -> None:
    signed = Note(CP.text()).sign(LOG)
    line = signed.signatures[0].line() + "\n"
    for data, problem in [
        (CP.text() + "\n" + line.replace("\n", "\r\n"), "control character"),  # CRLF
        (CP.text().replace("\n", "\r\n") + "\r\n" + line, "control character"),
        (CP.text() + "\n" + line + "\n", "no signatures"),  # a blank line after the block
        (CP.text() + "\n" + line.replace(_DASH, "\u2014\u00a0"), "must start with"),  # no-break space
        (CP.text() + "\n" + line.replace(" ", "  ", 2), "key name|not base64"),  # two spaces
        (CP.text() + "\n" + line.rstrip("\n") + " \n", "not base64"),  # a trailing space
        (CP.text() + "\n" + line.replace("=", ""), "not base64"),  # padding dropped
        (CP.text() + "\n" + line.replace("\n", "\x00\n"), "control character"),
    ]:
        with pytest.raises(InputError, match=problem):
            Note.parse(data)


def test_duplicate_and_many_signature_lines() -> None:
    """The same valid line three times is one signer; 100 lines are accepted (signed-note: at
    least 16), 101 are not (Go's note.Open bound)."""
    signed = Note(CP.text()).sign(LOG)
    tripled = Note.parse(CP.text() + "\n" + (signed.signatures[0].line() + "\n") * 3)
    assert tripled.verified_keys([LOG.public]) == [LOG.public]
    unknown = "".join(_line(f"u{i}", bytes(5 + i)) for i in range(MAX_NOTE_SIGNATURES - 1))
    assert Note.parse(CP.text() + "\n" + unknown + signed.signatures[0].line() + "\n").verified_keys([LOG.public])
    with pytest.raises(InputError, match="more than 100"):
        Note.parse(CP.text() + "\n" + unknown + _line("x", bytes(5)) + signed.signatures[0].line() + "\n")


def test_the_right_name_with_another_key_id_or_another_key_is_ignored() -> None:
    """signed-note: "Verifiers MUST ignore signatures from unknown keys, even if they share a name
    or ID (but not both) with a known key"."""
    impostor = generate_key(LOG.name)
    note = Note(CP.text()).sign(impostor)
    assert note.verified_keys([LOG.public]) == []
    same_id = Note(CP.text(), (NoteSignature(LOG.name, LOG.public.id, impostor.sign(CP.text().encode())),))
    assert same_id.verified_keys([LOG.public]) == []


# -- cosignatures ---------------------------------------------------------------------------------

W = generate_witness_key("witness.example/w1")


def _cosignature(ts: int, text: str = CP.text()) -> NoteSignature:
    return W.cosign(text, ts)


def test_a_cosignature_with_another_timestamp_does_not_verify() -> None:
    """The timestamp is signed: a line whose 8 timestamp bytes were changed (to make a stale
    cosignature look fresh) does not verify, for any change."""
    sig = _cosignature(1_700_000_000)
    assert W.public.verify(CP.text(), sig) == 1_700_000_000
    for ts in (0, 1_700_000_001, 1_699_999_999, 2**63 - 1, 2**40):
        moved = NoteSignature(sig.name, sig.key_id, struct.pack(">Q", ts) + sig.signature[8:])
        assert W.public.verify(CP.text(), moved) is None
    above = NoteSignature(sig.name, sig.key_id, struct.pack(">Q", 2**63) + sig.signature[8:])
    assert W.public.verify(CP.text(), above) is None  # "MUST NOT exceed 2^63 - 1"


def test_wrong_key_types_are_not_cosignatures() -> None:
    """A cosignature/v1 key id is computed with type 0x04; the same Ed25519 key as a note key
    (0x01) has another id. Neither verifies the other's lines, and a 0x01 vkey is not a
    witness key."""
    seed_twin = PublicKey(W.name, W.public.raw)  # the witness's raw key as an Ed25519 note key
    assert seed_twin.id != W.public.id
    cosig = _cosignature(1_700_000_000)
    assert Note(CP.text(), (cosig,)).verified_keys([seed_twin]) == []
    # A plain Ed25519 note signature (64 bytes) under the witness's name and 0x04 id: not one.
    plain = NoteSignature(W.name, W.public.id, cosig.signature[8:])
    assert W.public.verify(CP.text(), plain) is None
    # The cosignature's Ed25519 part is over the cosignature/v1 message, never the bare text.
    assert not seed_twin.verify(CP.text().encode(), cosig.signature[8:])
    assert seed_twin.verify(signed_message(CP.text(), 1_700_000_000), cosig.signature[8:])
    with pytest.raises(InputError, match="cosignature/v1"):
        WitnessKey.parse(LOG.public.vkey)
    assert isinstance(parse_vkey(LOG.public.vkey), PublicKey)


def test_a_cosignature_counts_once_and_only_on_its_own_checkpoint() -> None:
    """Three copies of one witness's line count one witness; its cosignature of size 5 pasted on
    the checkpoint of size 6 counts none; a second key of the same witness name counts once."""
    note = Note(CP.text()).sign(LOG).with_signatures([])
    cosig = _cosignature(1_700_000_000)
    tripled = Note(note.text, (*note.signatures, cosig, cosig, cosig))
    other = generate_witness_key("witness.example/w2")
    assert cosigners(tripled, [W.public, other.public]) == {W.name: 1_700_000_000}
    six = Checkpoint(CP.origin, 6, ROOT).text()
    assert cosigners(Note(six, (cosig,)), [W.public]) == {}
    twin = generate_witness_key(W.name)  # a second key under the same name
    both = Note(note.text, (cosig, twin.cosign(CP.text(), 1_700_000_005)))
    assert cosigners(both, [W.public, twin.public]) == {W.name: 1_700_000_005}
