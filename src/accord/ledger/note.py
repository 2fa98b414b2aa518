"""C2SP signed notes and tlog-checkpoints.

A signed note is UTF-8 text ending in ``\\n``, a blank line, then one line per signature
``— <key name> base64(4-byte key id || signature)`` (C2SP signed-note v1.0.0; the dash is U+2014).
A checkpoint is a note whose text is ``origin\\nsize\\nbase64(root)\\n`` plus optional extension
lines (C2SP tlog-checkpoint v1.0.0). The log signs it; each party adds its own Ed25519 signature
over the same text, which is how a checkpoint is cosigned. Verifiers ignore signatures by keys
they do not know, as the spec requires.

Parsing follows the spec and Go's ``golang.org/x/mod/sumdb/note.Open``: the text may hold empty
lines and ends at the *last* blank line; no control character but newline anywhere; a signature
line from an unknown key is kept (and ignored by verification) whatever its length, as long as it
is ``— name base64`` with at least a key id and one byte; more than 100 signature lines (Go's
bound) make the note malformed.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from .keys import PrivateKey, PublicKey, valid_key_name
from .merkle import HASH_SIZE

__all__ = ["MAX_NOTE_SIGNATURES", "Checkpoint", "Note", "NoteSignature", "check_note_chars"]

_DASH = "\u2014 "
#: Signature lines a note may carry: Go's note.Open refuses more than 100 ("Avoid spending forever
#: parsing a note with many signatures"); C2SP signed-note requires accepting at least 16.
MAX_NOTE_SIGNATURES = 100


# C2SP: "ASCII control characters (those below U+0020)"; and lone surrogates, which a str from
# JSON ("\ud800") or from argv (undecodable bytes) can hold and no UTF-8 text can.
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")


def check_note_chars(data: str, *, file: str | None = None) -> None:
    """:class:`InputError` (naming the line) when ``data`` holds an ASCII control character other
    than newline (C2SP signed-note forbids them anywhere in a note) or a lone surrogate (a note
    "MUST be valid UTF-8": such a str has no UTF-8 encoding at all)."""
    found = _FORBIDDEN.search(data)
    if found is not None:
        char = found.group()
        problem = (f"lone surrogate {char!r} in a signed note: not UTF-8 text" if "\ud800" <= char <= "\udfff"
                   else f"control character {char!r} in a signed note")
        raise InputError(problem, file=file, line=data.count("\n", 0, found.start()) + 1)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name, its 4-byte id and the signature (64 bytes for an
    Ed25519 note signature, 72 for a cosignature/v1; any length from a key nobody here knows)."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, without its newline."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}"


@dataclass(frozen=True)
class Note:
    """A signed note: ``text`` (ends in ``\\n``) and its signatures in order."""

    text: str
    signatures: tuple[NoteSignature, ...] = ()

    def __post_init__(self) -> None:
        # Empty lines are allowed (the text ends at the last blank line of the note).
        if not self.text.endswith("\n"):
            raise InputError("note text must end in a newline")
        check_note_chars(self.text)

    def encode(self) -> str:
        """The note as text: ``text``, a blank line, one line per signature."""
        return self.text + "\n" + "".join(s.line() + "\n" for s in self.signatures)

    def sign(self, key: PrivateKey) -> Note:
        """This note with ``key``'s signature added (replacing an earlier one by the same key)."""
        sig = NoteSignature(key.name, key.public.id, key.sign(self.text.encode()))
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) != (sig.name, sig.key_id))
        return Note(self.text, (*kept, sig))

    def with_signatures(self, signatures: Iterable[NoteSignature]) -> Note:
        """This note with ``signatures`` added, ignoring ones already present."""
        seen = {(s.name, s.key_id) for s in self.signatures}
        extra = []
        for s in signatures:
            if (s.name, s.key_id) not in seen:
                seen.add((s.name, s.key_id))
                extra.append(s)
        return Note(self.text, self.signatures + tuple(extra))

    def signed_by(self, key: PublicKey) -> bool:
        """True iff one of the signatures is ``key``'s valid signature of the text."""
        message = self.text.encode()
        return any(
            s.name == key.name and s.key_id == key.id and key.verify(message, s.signature)
            for s in self.signatures
        )

    def verified_keys(self, keys: Sequence[PublicKey]) -> list[PublicKey]:
        """The keys among ``keys`` that validly signed this note (unknown signers are ignored)."""
        return [k for k in keys if self.signed_by(k)]

    @classmethod
    def parse(cls, data: str, *, file: str | None = None) -> Note:
        """Parse a signed note; :class:`InputError` when it is malformed or carries no signature.

        The text ends at the last blank line (it may hold empty lines itself); each signature line
        is ``— <key name> base64(key id || signature)``, kept whatever the signature's length (a
        signature by a key nobody here knows is ignored by verification, never an error)."""
        check_note_chars(data, file=file)
        split = data.rfind("\n\n")
        if split < 0:
            raise InputError("signed note has no blank line before its signatures", file=file)
        text, sigs = data[: split + 1], data[split + 2:]
        if not sigs:
            raise InputError("signed note has no signatures", file=file)
        if not sigs.endswith("\n"):
            raise InputError("signed note does not end in a newline", file=file)
        lines = sigs[:-1].split("\n")
        first = text.count("\n") + 2  # the line number of the first signature line
        if len(lines) > MAX_NOTE_SIGNATURES:
            raise InputError(f"signed note has {len(lines)} signature lines, more than {MAX_NOTE_SIGNATURES}",
                             file=file, line=first + MAX_NOTE_SIGNATURES)
        signatures = []
        for i, line in enumerate(lines):
            where = first + i
            if not line.startswith(_DASH):
                raise InputError("signature line must start with '\u2014 '", file=file, line=where)
            name, _, b64 = line[len(_DASH):].partition(" ")
            if not valid_key_name(name):
                raise InputError("signature line's key name must be non-empty, without spaces or '+'",
                                 file=file, line=where)
            try:
                raw = base64.b64decode(b64, validate=True)
            except ValueError:  # binascii.Error, or a character outside ASCII
                raise InputError("signature is not base64", file=file, line=where) from None
            if len(raw) < 5:
                raise InputError("signature is shorter than a key id and one byte", file=file, line=where)
            signatures.append(NoteSignature(name, raw[:4], raw[4:]))
        return cls(text, tuple(signatures))


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root: bytes = field(repr=False)
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text ``origin\\nsize\\nbase64(root)\\n[extension lines]``."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    def note(self) -> Note:
        """An unsigned note carrying this checkpoint (sign it with :meth:`Note.sign`)."""
        return Note(self.text())

    @classmethod
    def from_text(cls, text: str, *, file: str | None = None) -> Checkpoint:
        """Parse checkpoint note text; :class:`InputError` when malformed."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise InputError("checkpoint needs origin, size and root lines", file=file)
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin:
            raise InputError("checkpoint origin is empty", file=file, line=1)
        for n, extension in enumerate(lines[3:-1], start=4):
            if not extension:  # C2SP tlog-checkpoint: "Extension lines, if any, MUST be non-empty"
                raise InputError("checkpoint extension line is empty", file=file, line=n)
        if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise InputError(f"checkpoint size {size[:40]!r} is not a decimal number", file=file, line=2)
        if len(size) > 19:  # beyond any 64-bit size (and Python's 4,300-digit int limit)
            raise InputError(f"checkpoint size {size[:40]}… is too large", file=file, line=2)
        try:
            digest = base64.b64decode(root, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise InputError("checkpoint root is not base64", file=file, line=3) from None
        if len(digest) != HASH_SIZE:
            raise InputError("checkpoint root is not a 32-byte hash", file=file, line=3)
        return cls(origin, int(size), digest, tuple(lines[3:-1]))
