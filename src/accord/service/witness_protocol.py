"""The bodies of C2SP tlog-witness ``add-checkpoint``: request, cosignature reply, size reply.

No HTTP here: the witness server (:mod:`accord.service.witness`) and the log's client
(:mod:`accord.service.witness_client`) share these encoders and parsers, so both speak exactly
one reading of the specification (https://c2sp.org/tlog-witness):

- request: ``old <size>\\n``, zero to 63 consistency-proof lines (one base64 hash each), an empty
  line, then the checkpoint as a signed note;
- 200 reply: one or more note signature lines (``— <name> <base64>\\n``), the witness's
  cosignatures of the checkpoint;
- 409 reply: the size of the latest checkpoint the witness cosigned, in decimal, then a newline,
  with the content type ``text/x.tlog.size``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from ..ledger.merkle import HASH_SIZE
from ..ledger.note import Checkpoint, Note, NoteSignature

__all__ = [
    "MAX_PROOF_LINES",
    "MAX_TREE_SIZE",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "encode_cosignatures",
    "encode_request",
    "encode_size",
    "parse_cosignatures",
    "parse_request",
    "parse_size",
]

#: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
#: The largest tree size a witness records: tlog sizes are uint64, but the state keeps them in
#: SQLite's signed 64-bit integers (no log comes near 2^63 entries; a checkpoint claiming more is
#: refused as a bad request rather than crash the witness).
MAX_TREE_SIZE = (1 << 63) - 1
#: The content type of a 409 reply carrying the witness's size.
SIZE_CONTENT_TYPE = "text/x.tlog.size"


def _decimal(text: str, what: str, line: int) -> int:
    """A tree size as tlog-witness writes it: ASCII digits, no leading zero (except ``0``)."""
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        raise InputError(f"{what} {text[:40]!r} is not a decimal size without leading zeros", line=line)
    if len(text) > 19:  # beyond any 64-bit size (and Python's 4,300-digit int limit)
        raise InputError(f"{what} {text[:40]}… is too large", line=line)
    return int(text)


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request: the old size, the proof and the checkpoint note."""

    old: int
    proof: tuple[bytes, ...] = field(repr=False)
    note: Note
    checkpoint: Checkpoint


def encode_request(old: int, proof: Sequence[bytes], note: Note | str) -> bytes:
    """The request body for ``old`` (the size the witness last cosigned, 0 if none), the
    consistency proof from it and the log-signed checkpoint note."""
    text = note.encode() if isinstance(note, Note) else note
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("".join(line + "\n" for line in lines) + "\n" + text).encode()


def parse_request(body: bytes) -> AddCheckpoint:
    """Parse a request body; :class:`InputError` (naming the line) when it is malformed — what
    the witness answers with 400 Bad Request. (An old size above the checkpoint's is also a 400,
    but the spec checks it after the log's signature: the witness does.)"""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"request body is not UTF-8 (byte {exc.start})") from None
    head, sep, note_text = text.partition("\n\n")
    if not sep:
        raise InputError("request has no empty line before the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise InputError("the first line must be 'old <size>'", line=1)
    old = _decimal(lines[0][4:], "old size", 1)
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise InputError(f"{len(lines) - 1} consistency proof lines, more than {MAX_PROOF_LINES}", line=2)
    proof = []
    for n, line in enumerate(lines[1:], start=2):
        try:
            h = base64.b64decode(line, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise InputError("consistency proof line is not base64", line=n) from None
        if len(h) != HASH_SIZE:
            raise InputError(f"consistency proof line is not a {HASH_SIZE}-byte hash", line=n)
        proof.append(h)
    offset = len(lines) + 1
    try:
        note = Note.parse(note_text)
        checkpoint = Checkpoint.from_text(note.text)
    except InputError as err:
        raise InputError(f"checkpoint: {err.problem}", line=offset + err.line if err.line else None) from None
    if checkpoint.size > MAX_TREE_SIZE:
        raise InputError(f"checkpoint size {checkpoint.size} is above 2^63-1, more than a witness records",
                         line=offset + 2)
    return AddCheckpoint(old, tuple(proof), note, checkpoint)


def encode_cosignatures(signatures: Sequence[NoteSignature]) -> bytes:
    """The 200 reply: one signature line per cosignature."""
    return "".join(s.line() + "\n" for s in signatures).encode()


def parse_cosignatures(body: bytes, note: Note) -> tuple[NoteSignature, ...]:
    """The signature lines of a 200 reply, parsed as signatures of ``note`` (the reply is
    appended to the checkpoint and read as one signed note, as the spec suggests);
    :class:`InputError` when the reply is not one or more well-formed signature lines."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"reply is not UTF-8 (byte {exc.start})") from None
    if not text or not text.endswith("\n") or "\n\n" in text:
        raise InputError("reply is not one or more signature lines, each ending in a newline")
    return Note.parse(note.text + "\n" + text).signatures


def encode_size(size: int) -> bytes:
    """The 409 reply body: the witness's latest cosigned size and a newline."""
    return f"{size}\n".encode()


def parse_size(body: bytes) -> int:
    """The size in a 409 reply (``text/x.tlog.size``); :class:`InputError` when it is not one."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise InputError("size reply is not ASCII") from None
    if not text.endswith("\n"):
        raise InputError("size reply does not end in a newline")
    return _decimal(text[:-1], "size", 1)
