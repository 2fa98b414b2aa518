"""Witness cosignatures in the C2SP tlog-cosignature/v1 format (Ed25519, signature type 0x04).

A witness states, with a timestamp, that a checkpoint is the largest consistent tree head it has
seen for that log. Its signature line on the checkpoint note is a signed-note line whose payload
is ``key id (4 bytes) || timestamp (8 bytes, big-endian POSIX seconds) || Ed25519 signature (64
bytes)``, the signature being over::

    cosignature/v1
    time <timestamp>
    <the checkpoint note text, with its final newline>

The key id is ``SHA-256(name || "\\n" || 0x04 || public key)[:4]`` — the type byte 0x04 keeps a
witness's key ids apart from the 0x01 ids of the log's and the parties' note signatures, so a
verifier that knows only Ed25519 note keys ignores a cosignature line, as C2SP requires.

Keys are text, like the note keys of :mod:`accord.ledger.keys`: a verifier key (*vkey*)
``<name>+<hex key id>+<base64(0x04 || public key)>`` (C2SP signed-note / tlog-cosignature), and
a signer key ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x04 || 32-byte seed)>`` (accord's file
form, the golang.org/x/mod/sumdb/note layout with the cosignature type byte).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .keys import ED25519, PrivateKey, PublicKey, _check_name, _decode_key, write_key_files
from .note import Note, NoteSignature

__all__ = [
    "COSIGNATURE_SIZE",
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "WitnessKey",
    "WitnessKeyFiles",
    "WitnessSigner",
    "cosignature_key_id",
    "cosigners",
    "generate_witness_key",
    "key_file_stem",
    "load_witness_key",
    "load_witness_signer",
    "parse_vkey",
    "read_vkey",
    "signed_message",
    "split_cosignature",
    "write_witness_key_pair",
]

COSIGNATURE_V1 = 0x04  # C2SP signed-note: "Timestamped Ed25519 witness cosignatures"
#: The signature part of a cosignature/v1 line (after the 4-byte key id): timestamp and Ed25519.
COSIGNATURE_SIZE = 8 + 64
#: tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1".
MAX_TIMESTAMP = (1 << 63) - 1
_HEADER = b"cosignature/v1\n"
_MAX_KEY_FILE = 4096  # a key file is one line of about 100 characters


def cosignature_key_id(name: str, public: bytes) -> bytes:
    """The 4-byte key id of a cosignature/v1 key: ``SHA-256(name || "\\n" || 0x04 || public)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public).digest()[:4]


def signed_message(note_text: str, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: the header line, ``time <timestamp>`` and the note text."""
    return _HEADER + b"time %d\n" % timestamp + note_text.encode()


def split_cosignature(signature: bytes) -> tuple[int, bytes] | None:
    """``(timestamp, Ed25519 signature)`` of a cosignature/v1 signature (what follows the key id),
    or ``None`` when it is not one (wrong length, or a timestamp above 2^63 - 1)."""
    if len(signature) != COSIGNATURE_SIZE:
        return None
    (timestamp,) = struct.unpack(">Q", signature[:8])
    return (timestamp, signature[8:]) if timestamp <= MAX_TIMESTAMP else None


def _decode(name: str, hexid: str, b64: str, what: str, *, file: str | None, field: str | None) -> tuple[bytes, bytes]:
    """The key id and 32-byte material of a cosignature key's text parts; InputError otherwise."""
    return _decode_key(name, hexid, b64, what, file=file, field=field, key_type=COSIGNATURE_V1,
                       kind="a cosignature/v1 (type 0x04) Ed25519 key")


@dataclass(frozen=True)
class WitnessKey:
    """A witness's named Ed25519 verifier key for cosignature/v1."""

    name: str
    raw: bytes = field(repr=False)

    @property
    def id(self) -> bytes:
        """The 4-byte key id (type byte 0x04)."""
        return cosignature_key_id(self.name, self.raw)

    @property
    def vkey(self) -> str:
        """The verifier key text ``name+hexid+base64(0x04||key)``."""
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([COSIGNATURE_V1]) + self.raw).decode()}"

    def verify(self, note_text: str, signature: NoteSignature) -> int | None:
        """The timestamp of ``signature`` when it is this key's valid cosignature/v1 of the
        checkpoint ``note_text``; ``None`` otherwise (another key's line, or a bad signature)."""
        if signature.name != self.name or signature.key_id != self.id:
            return None
        parts = split_cosignature(signature.signature)
        if parts is None:
            return None
        timestamp, ed25519 = parts
        ok = PublicKey(self.name, self.raw).verify(signed_message(note_text, timestamp), ed25519)
        return timestamp if ok else None

    @classmethod
    def parse(cls, text: str, *, file: str | None = None, field: str | None = None) -> WitnessKey:
        """Parse a witness vkey; :class:`InputError` when malformed or its key id is wrong."""
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise InputError("not a verifier key (expected name+keyid+base64)", file=file, field=field)
        kid, material = _decode(parts[0], parts[1], parts[2], "witness verifier", file=file, field=field)
        key = cls(parts[0], material)
        if key.id != kid:
            raise InputError("witness verifier key id does not match its name and key", file=file, field=field)
        return key


@dataclass(frozen=True)
class WitnessSigner:
    """A witness's named Ed25519 signing key (the 32-byte seed) for cosignature/v1."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ed25519", PrivateKey(self.name, self.seed))

    @property
    def public(self) -> WitnessKey:
        """The matching verifier key."""
        ed25519: PrivateKey = self._ed25519  # type: ignore[attr-defined]
        return WitnessKey(self.name, ed25519.public.raw)

    @property
    def skey(self) -> str:
        """The signer key text ``PRIVATE+KEY+name+hexid+base64(0x04||seed)``."""
        data = base64.b64encode(bytes([COSIGNATURE_V1]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.public.id.hex()}+{data}"

    def cosign(self, note_text: str, timestamp: int | None = None) -> NoteSignature:
        """This witness's cosignature/v1 line on the checkpoint ``note_text`` at ``timestamp``
        (POSIX seconds; default now). The caller must have checked consistency first."""
        ts = int(time.time()) if timestamp is None else timestamp
        if not 0 <= ts <= MAX_TIMESTAMP:
            raise InputError(f"cosignature timestamp {ts} is outside 0..2^63-1", field="timestamp")
        ed25519: PrivateKey = self._ed25519  # type: ignore[attr-defined]
        signature = ed25519.sign(signed_message(note_text, ts))
        return NoteSignature(self.name, self.public.id, struct.pack(">Q", ts) + signature)

    @classmethod
    def parse(cls, text: str, *, file: str | None = None, field: str | None = None) -> WitnessSigner:
        """Parse a witness signer key; :class:`InputError` when malformed or its id is wrong."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InputError("not a signer key (expected PRIVATE+KEY+name+keyid+base64)", file=file, field=field)
        kid, material = _decode(parts[2], parts[3], parts[4], "witness signer", file=file, field=field)
        key = cls(parts[2], material)
        if key.public.id != kid:
            raise InputError("witness signer key id does not match its name and key", file=file, field=field)
        return key


def generate_witness_key(name: str) -> WitnessSigner:
    """A fresh random witness key named ``name`` (a schema-less URL is recommended, e.g.
    ``witness.example/us``); :class:`InputError` for a name a signed note cannot carry."""
    _check_name(name, file=None, field="name")
    return WitnessSigner(name, os.urandom(32))


def _read(path: str | Path) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_KEY_FILE + 1)
        if len(data) > _MAX_KEY_FILE:
            raise InputError(f"a key file is one short line, not over {_MAX_KEY_FILE} bytes", file=str(path))
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read key file: not UTF-8 text (byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read key file: {exc.strerror or exc.__class__.__name__}", file=str(path)) from None


def load_witness_key(path: str | Path) -> WitnessKey:
    """Read a witness verifier key file; :class:`InputError` names the file when unusable."""
    return WitnessKey.parse(_read(path), file=str(path))


def load_witness_signer(path: str | Path) -> WitnessSigner:
    """Read a witness signer key file; :class:`InputError` names the file when unusable."""
    return WitnessSigner.parse(_read(path), file=str(path))


def parse_vkey(text: str, *, file: str | None = None, field: str | None = None) -> PublicKey | WitnessKey:
    """A verifier key of either kind, by its type byte: 0x01 an Ed25519 note key
    (:class:`PublicKey`: a log or a party), 0x04 a witness's cosignature/v1 key."""
    parts = text.strip().split("+", 2)
    if len(parts) == 3:
        try:
            kind = base64.b64decode(parts[2], validate=True)[:1]
        except (binascii.Error, ValueError):
            kind = b""
        if kind == bytes([COSIGNATURE_V1]):
            return WitnessKey.parse(text, file=file, field=field)
        if kind != bytes([ED25519]):
            raise InputError("verifier key type is neither Ed25519 (0x01) nor cosignature/v1 (0x04)",
                             file=file, field=field)
    return PublicKey.parse(text, file=file, field=field)


def read_vkey(value: str, *, field: str | None = None) -> PublicKey | WitnessKey:
    """A verifier key given on the command line: the vkey text itself, or the path of a file
    holding one (a ``.pub`` file from ``keygen``)."""
    path = Path(value)
    if "+" not in value or path.is_file():
        return parse_vkey(_read(path), file=value, field=field)
    return parse_vkey(value, field=field)


def cosigners(note: Note, keys: Iterable[WitnessKey]) -> dict[str, int]:
    """Witness name → timestamp, for each of ``keys`` whose valid cosignature/v1 ``note`` carries
    (signature lines of other keys are ignored, as C2SP requires)."""
    found: dict[str, int] = {}
    for key in keys:
        for sig in note.signatures:
            timestamp = key.verify(note.text, sig)
            if timestamp is not None:
                found[key.name] = max(timestamp, found.get(key.name, timestamp))
                break
    return found


@dataclass(frozen=True)
class WitnessKeyFiles:
    """A witness key pair written by :func:`write_witness_key_pair`: ``accord.witness.keygen/v1``."""

    name: str
    key_file: str
    pub_file: str
    vkey: str

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.witness.keygen/v1", "name": self.name, "key_file": self.key_file,
                "pub_file": self.pub_file, "vkey": self.vkey}

    def rows(self) -> list[dict[str, Any]]:
        return [self.to_json()]


def key_file_stem(name: str) -> str:
    """The file name (without suffix) for a witness named ``name``: every character but letters,
    digits, ``.``, ``_`` and ``-`` becomes ``_`` (``witness.example/us`` → ``witness.example_us``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "witness"


def write_witness_key_pair(name: str, out: Path, *, force: bool = False) -> WitnessKeyFiles:
    """Make a witness key pair named ``name``: ``out/STEM.key`` (private, mode 600) and
    ``out/STEM.pub`` (its vkey), STEM from :func:`key_file_stem`, each written atomically.
    Existing files are an :class:`InputError` unless ``force``; so is a name a note cannot carry."""
    key = generate_witness_key(name)
    stem = key_file_stem(name)
    key_file, pub_file = write_key_files(out, stem, key.skey, key.public.vkey, force=force)
    return WitnessKeyFiles(name, str(key_file), str(pub_file), key.public.vkey)
