"""Ed25519 keys (PyNaCl) in the C2SP signed-note key formats.

A *verifier key* (public) is the signed-note text form ``<name>+<hex key id>+<base64(0x01 ||
32-byte public key)>``; a *signer key* (private) is ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01
|| 32-byte seed)>``, the form golang.org/x/mod/sumdb/note writes. The key id is the first four
bytes of ``SHA-256(name || 0x0A || 0x01 || public key)`` (C2SP signed-note), so a signature line
names the key that made it. One library (libsodium through PyNaCl) signs and verifies everywhere,
so every party applies the same Ed25519 validity rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nacl.bindings
import nacl.exceptions
import nacl.signing

from ..errors import InputError

try:  # libsodium's crypto_sign without PyNaCl's wrapper, which copies the whole signed message
    from nacl._sodium import ffi as _ffi
    from nacl._sodium import lib as _lib
except ImportError:  # pragma: no cover - a PyNaCl without its cffi module: the public binding
    _ffi = _lib = None

__all__ = [
    "ED25519",
    "PARTY_NAME",
    "PrivateKey",
    "PublicKey",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "valid_key_name",
    "write_atomic",
]

ED25519 = 0x01  # signed-note signature type byte for Ed25519
PARTY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def valid_key_name(name: str) -> bool:
    """True iff ``name`` may name a signed-note key (C2SP signed-note): non-empty, no Unicode space,
    no ``+`` (and, as a note may hold none anywhere, no control character below U+0020, and no
    lone surrogate: a str from argv holds one for each byte that is not UTF-8)."""
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF
                                  for c in name)


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte signed-note key id: ``SHA-256(name || "\\n" || 0x01 || public)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _check_name(name: str, *, file: str | None, field: str | None) -> None:
    # DEL too: the spec's "control characters" stop at U+001F, but no key name needs one.
    if not valid_key_name(name or "") or "\x7f" in name:
        raise InputError(
            f"key name {name!r} must be non-empty, without spaces, control characters or '+'", file=file, field=field
        )


def _decode_key(name: str, hexid: str, b64: str, what: str, *, file: str | None, field: str | None,
                key_type: int = ED25519, kind: str = "an Ed25519 key") -> tuple[bytes, bytes]:
    """The key id and 32-byte Ed25519 material of a signed-note key's text parts (both the
    verifier and the signer form) whose type byte is ``key_type`` (0x04 for the cosignature/v1
    keys of :mod:`accord.ledger.cosignature`); InputError naming ``what`` key, and ``kind`` when
    the type byte or length is wrong, when malformed."""
    _check_name(name, file=file, field=field)
    try:
        data = base64.b64decode(b64, validate=True)
        kid = bytes.fromhex(hexid)
    except (binascii.Error, ValueError):
        raise InputError(f"{what} key is not valid hex/base64", file=file, field=field) from None
    if len(data) != 33 or data[0] != key_type:
        raise InputError(f"{what} key is not {kind}", file=file, field=field)
    return kid, data[1:]


@dataclass(frozen=True)
class PublicKey:
    """A named Ed25519 verifier key."""

    name: str
    raw: bytes = field(repr=False)

    @property
    def id(self) -> bytes:
        """The 4-byte signed-note key id."""
        return key_id(self.name, self.raw)

    @property
    def vkey(self) -> str:
        """The signed-note verifier key text ``name+hexid+base64(0x01||key)``."""
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + self.raw).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is this key's valid Ed25519 signature of ``message``."""
        if len(signature) != 64:
            return False
        try:
            nacl.bindings.crypto_sign_open(signature + message, self.raw)
        except nacl.exceptions.BadSignatureError:
            return False
        return True

    @classmethod
    def parse(cls, text: str, *, file: str | None = None, field: str | None = None) -> PublicKey:
        """Parse a verifier key; raises :class:`InputError` if malformed or its id is wrong."""
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise InputError("not a verifier key (expected name+keyid+base64)", file=file, field=field)
        name, hexid, b64 = parts
        kid, material = _decode_key(name, hexid, b64, "verifier", file=file, field=field)
        key = cls(name, material)
        if key.id != kid:
            raise InputError("verifier key id does not match its name and key", file=file, field=field)
        return key


@dataclass(frozen=True)
class PrivateKey:
    """A named Ed25519 signing key (the 32-byte seed)."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        signing = nacl.signing.SigningKey(self.seed)
        object.__setattr__(self, "_secret", signing._signing_key)  # 64-byte libsodium secret key
        object.__setattr__(self, "_public", PublicKey(self.name, bytes(signing.verify_key)))

    @property
    def public(self) -> PublicKey:
        """The matching verifier key."""
        return self._public  # type: ignore[attr-defined,no-any-return]

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic)."""
        secret: bytes = self._secret  # type: ignore[attr-defined]
        if _lib is None:  # pragma: no cover
            return nacl.bindings.crypto_sign(message, secret)[:64]
        # What nacl.bindings.crypto_sign does, less a copy of the message and a length pointer:
        # libsodium writes signature || message and only the signature is kept.
        signed = _ffi.new("unsigned char[]", len(message) + 64)
        if _lib.crypto_sign(signed, _ffi.NULL, message, len(message), secret) != 0:  # pragma: no cover
            raise RuntimeError("libsodium crypto_sign failed")
        return _ffi.buffer(signed, 64)[:]  # type: ignore[no-any-return]

    @property
    def skey(self) -> str:
        """The signer key text ``PRIVATE+KEY+name+hexid+base64(0x01||seed)``."""
        data = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.public.id.hex()}+{data}"

    @classmethod
    def parse(cls, text: str, *, file: str | None = None, field: str | None = None) -> PrivateKey:
        """Parse a signer key; raises :class:`InputError` if malformed or its id is wrong."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InputError("not a signer key (expected PRIVATE+KEY+name+keyid+base64)", file=file, field=field)
        name, hexid, b64 = parts[2:]
        kid, material = _decode_key(name, hexid, b64, "signer", file=file, field=field)
        key = cls(name, material)
        if key.public.id != kid:
            raise InputError("signer key id does not match its name and key", file=file, field=field)
        return key


def generate_key(name: str) -> PrivateKey:
    """A fresh random key named ``name`` (a party name or a log's name)."""
    _check_name(name, file=None, field="name")
    return PrivateKey(name, os.urandom(32))


def _why(exc: OSError | UnicodeDecodeError) -> str:
    """What went wrong, in the system's words ("No such file or directory"), never a class name."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    return exc.strerror or str(exc)


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read key file: {_why(exc)}", file=str(path)) from None


def load_private_key(path: str | Path) -> PrivateKey:
    """Read a signer key file; :class:`InputError` names the file when it is unusable."""
    return PrivateKey.parse(_read(path), file=str(path))


def load_public_key(path: str | Path) -> PublicKey:
    """Read a verifier key file; :class:`InputError` names the file when it is unusable."""
    return PublicKey.parse(_read(path), file=str(path))


def write_atomic(path: str | Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` all at once: a temporary file in the same folder, fsynced, then
    renamed over ``path``; a crash leaves either the old file or the new one, never half of it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_key_files(out: Path, stem: str, skey: str, vkey: str, *, force: bool = False) -> tuple[Path, Path]:
    """Write ``out/STEM.key`` (``skey``, mode 600) and ``out/STEM.pub`` (``vkey``), each atomically;
    returns their paths. Existing files are an :class:`InputError` unless ``force``; a file that
    cannot be written is an InputError naming it, and never leaves a private key without its
    public one."""
    key_file, pub_file = out / f"{stem}.key", out / f"{stem}.pub"
    try:
        out.mkdir(parents=True, exist_ok=True)
        for f in (key_file, pub_file):
            if f.exists() and not force:
                raise InputError("already exists (use --force to replace it)", file=str(f))
        write_atomic(key_file, (skey + "\n").encode(), mode=0o600)
        try:
            write_atomic(pub_file, (vkey + "\n").encode())
        except OSError:
            key_file.unlink(missing_ok=True)  # nothing half-written: no private key without its public one
            raise
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) and not Path(exc.filename).name.startswith(".") else out
        raise InputError(f"cannot write key files: {exc.strerror or exc.__class__.__name__}", file=str(where)) from None
    return key_file, pub_file
