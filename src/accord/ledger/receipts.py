"""Signed receipts: the log's promise, at append, that an entry is in the log and will be in a
checkpoint within a maximum merge delay (Certificate Transparency's SCT, RFC 9162 §4.8).

A receipt is a JSON object (``accord.ledger.receipt/v1``, documented in docs/ledger.md):

    {"schema": "accord.ledger.receipt/v1", "origin": "<log origin>", "index": 5,
     "leaf_hash": "<base64 RFC 9162 leaf hash>", "timestamp": "2026-02-05T00:00:00.000000Z",
     "max_merge_delay": 86400, "key_name": "log", "key_id": "<8 hex digits>",
     "signature": "<base64 Ed25519 signature>"}

The log signs, with its key (the genesis's log key, or in a ledger without one the signing
party's key acting as log), the bytes ``"accord.ledger.receipt/v1\\n" || RFC 8785(receipt
without "signature")``.

**Why an Ed25519 signature over canonical JSON and not a C2SP signed note.** A signed note
whose text is ``origin / number / base64 hash`` *is* a checkpoint to every tlog verifier, and a
receipt carries exactly such values (origin, index, leaf hash): in note form a receipt for entry
``N`` would sit one line-order away from a log-signed "checkpoint" of an ``N``-entry tree that
never existed. A domain-separated signature over canonical JSON cannot be mistaken for a note
(the signed bytes start with the receipt schema, a line no checkpoint or entry message has:
entry signatures cover ``"accord.ledger.entry/v1\\n"…``, note signatures cover note text whose
second line is a decimal size), the fields keep their types, and RFC 8785 is already how
entries are signed.

A receipt is *honoured* by a log when the entry at ``index`` has that leaf hash and, once
``timestamp + max_merge_delay`` has passed, a checkpoint signed by the log covers it. A party
that holds a receipt for an entry the log later dropped or renumbered holds signed evidence of
it: ``accord ledger audit --receipt FILE`` and ``verify-bundle --receipt FILE`` check it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .canonical import canonical_json
from .entries import parse_time, utc_now
from .keys import PrivateKey, PublicKey
from .merkle import HASH_SIZE

__all__ = [
    "DEFAULT_MAX_MERGE_DELAY",
    "MAX_CLOCK_SKEW",
    "MAX_MERGE_DELAY",
    "RECEIPT_SCHEMA",
    "Receipt",
    "check_max_merge_delay",
    "issue_receipt",
    "load_receipt",
]

RECEIPT_SCHEMA = "accord.ledger.receipt/v1"
#: The default promise: in a checkpoint within a day (CT logs commonly promise 24 hours).
DEFAULT_MAX_MERGE_DELAY = 86400
#: The longest delay a receipt may promise (one year): a longer promise is no promise.
MAX_MERGE_DELAY = 366 * 86400
#: How far a receipt's timestamp may lie ahead of the verifier's clock. A receipt dated later
#: is broken: a log that dates its promise ahead postpones when it falls due, for ever if it
#: likes (CT clients reject SCTs from the future likewise).
MAX_CLOCK_SKEW = 300
#: A receipt file is a few hundred bytes; anything over this is not one.
MAX_RECEIPT_BYTES = 64 * 1024
_DOMAIN = RECEIPT_SCHEMA.encode() + b"\n"
_FIELDS = ("schema", "origin", "index", "leaf_hash", "timestamp", "max_merge_delay", "key_name", "key_id", "signature")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Receipt:
    """The log's signed promise about the entry at ``index`` (see the module docstring)."""

    origin: str
    index: int
    leaf_hash: bytes
    timestamp: str
    max_merge_delay: int
    key_name: str
    key_id: bytes
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        """The signed fields (everything but ``signature``)."""
        return {"schema": RECEIPT_SCHEMA, "origin": self.origin, "index": self.index,
                "leaf_hash": _b64(self.leaf_hash), "timestamp": self.timestamp,
                "max_merge_delay": self.max_merge_delay, "key_name": self.key_name, "key_id": self.key_id.hex()}

    def message(self) -> bytes:
        """The exact bytes the log signs."""
        return _DOMAIN + canonical_json(self.body())

    def to_json(self) -> dict[str, Any]:
        """The ``accord.ledger.receipt/v1`` object."""
        return {**self.body(), "signature": _b64(self.signature)}

    def encode(self) -> str:
        """The receipt file's text: the JSON object on one line."""
        return json.dumps(self.to_json(), ensure_ascii=True) + "\n"

    def due(self) -> _dt.datetime:
        """When the promise falls due: ``timestamp + max_merge_delay`` (the latest time Python
        represents when that is later still)."""
        try:
            return parse_time(self.timestamp) + _dt.timedelta(seconds=self.max_merge_delay)
        except OverflowError:
            return _dt.datetime.max.replace(tzinfo=_dt.UTC)

    def dated_ahead(self, now: _dt.datetime) -> bool:
        """True when the receipt is dated more than :data:`MAX_CLOCK_SKEW` after ``now``."""
        return parse_time(self.timestamp) - now > _dt.timedelta(seconds=MAX_CLOCK_SKEW)

    def verify(self, key: PublicKey) -> bool:
        """True iff ``key`` (name and id as the receipt says) signed it."""
        return (key.name == self.key_name and key.id == self.key_id
                and key.verify(self.message(), self.signature))

    def signed_by(self, keys: Sequence[PublicKey]) -> PublicKey | None:
        """The key among ``keys`` that signed this receipt, or ``None``."""
        return next((k for k in keys if self.verify(k)), None)

    @classmethod
    def from_json(cls, obj: Any, *, file: str | None = None) -> Receipt:
        """Parse a receipt object; :class:`InputError` naming the field when malformed."""
        if not isinstance(obj, Mapping):
            raise InputError("a receipt must be a JSON object", file=file)
        if obj.get("schema") != RECEIPT_SCHEMA:
            raise InputError(f"schema must be {RECEIPT_SCHEMA}", file=file, field="schema")
        extra = sorted(set(obj) - set(_FIELDS))
        if extra:
            raise InputError(f"unknown field {extra[0]!r}", file=file)  # repr: one line, whatever the name
        for name in ("origin", "leaf_hash", "timestamp", "key_name", "key_id", "signature"):
            if not isinstance(obj.get(name), str):
                raise InputError("must be a string", file=file, field=name)
        for name, top in (("index", 2**62), ("max_merge_delay", MAX_MERGE_DELAY)):
            value = obj.get(name)
            if type(value) is not int or not 0 <= value <= top:
                raise InputError(f"must be an integer from 0 to {top}", file=file, field=name)
        if not obj["origin"] or "\n" in obj["origin"]:
            raise InputError("must be one non-empty line", file=file, field="origin")
        parse_time(obj["timestamp"], file=file, field="timestamp")
        leaf = _decode(obj["leaf_hash"], "leaf_hash", file)
        if len(leaf) != HASH_SIZE:
            raise InputError("is not a 32-byte hash", file=file, field="leaf_hash")
        signature = _decode(obj["signature"], "signature", file)
        if len(signature) != 64:
            raise InputError("is not a 64-byte Ed25519 signature", file=file, field="signature")
        key_id = obj["key_id"]
        if len(key_id) != 8 or not key_id.isascii() or any(c not in "0123456789abcdef" for c in key_id):
            raise InputError("must be 8 lower-case hex digits", file=file, field="key_id")
        return cls(obj["origin"], obj["index"], leaf, obj["timestamp"], obj["max_merge_delay"], obj["key_name"],
                   bytes.fromhex(key_id), signature)


def _decode(text: str, name: str, file: str | None) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise InputError("is not base64", file=file, field=name) from None


def check_max_merge_delay(seconds: int) -> None:
    """:class:`InputError` unless ``seconds`` is a whole number from 0 to :data:`MAX_MERGE_DELAY`."""
    if type(seconds) is not int or not 0 <= seconds <= MAX_MERGE_DELAY:
        raise InputError(f"must be a whole number of seconds from 0 to {MAX_MERGE_DELAY}", field="max_merge_delay")


def issue_receipt(key: PrivateKey, origin: str, index: int, leaf_hash: bytes, *,
                  max_merge_delay: int = DEFAULT_MAX_MERGE_DELAY, timestamp: str | None = None) -> Receipt:
    """The log's receipt for the entry at ``index`` with ``leaf_hash``, signed with ``key``."""
    check_max_merge_delay(max_merge_delay)
    unsigned = Receipt(origin, index, leaf_hash, timestamp or utc_now(), max_merge_delay, key.name, key.public.id)
    return dataclasses.replace(unsigned, signature=key.sign(unsigned.message()))


def read_small_text(path: str | Path, what: str, limit: int) -> str:
    """The UTF-8 text of a small file a verifier holds (a receipt, a checkpoint note, a cosigner
    state), at most ``limit`` bytes; :class:`InputError` naming the file when it cannot be read,
    is larger or is not UTF-8."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc.__class__.__name__}", file=str(path)) from None
    if len(data) > limit:
        raise InputError(f"a {what} file is at most {limit} bytes", file=str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None


def load_receipt(path: str | Path) -> Receipt:
    """Read a receipt file; :class:`InputError` naming the file (and field) when unusable."""
    text = read_small_text(path, "receipt", MAX_RECEIPT_BYTES)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    except RecursionError:
        raise InputError("not a receipt (nested too deeply)", file=str(path)) from None
    return Receipt.from_json(obj, file=str(path))


def now_utc() -> _dt.datetime:
    """The current time, timezone-aware (what receipts are checked against by default)."""
    return _dt.datetime.now(_dt.UTC)
