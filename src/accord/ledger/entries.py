"""Ledger entries: the signed statement, its bytes, and the leaf the Merkle tree commits to.

A *statement* is ``{"issued_at", "kind", "party", "payload"}`` in RFC 8785 canonical JSON. Its
party signs, with Ed25519, the bytes ``"accord.ledger.entry/v1\\n" || origin || "\\n" ||
statement`` — the prefix separates entry signatures from checkpoint signatures, and the log's
origin stops a signed entry being replayed into another ledger. The *leaf* stored and hashed into
the tree is ``signature (64 bytes) || statement``, so the tree commits to who signed as well as to
what was said. The genesis entry (index 0) is the only unsigned one: its signature field is 64
zero bytes, and it is vouched for by the parties' cosignatures of every checkpoint.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .canonical import MAX_DEPTH, canonical_json, check_payload_size, loads, parse_canonical
from .keys import PARTY_NAME, PrivateKey, PublicKey
from .merkle import leaf_hash

__all__ = [
    "GENESIS",
    "KEY_ROTATION",
    "KIND_NAME",
    "NO_SIGNATURE",
    "SIGNATURE_SIZE",
    "Entry",
    "SignedEntry",
    "format_time",
    "parse_time",
    "sign_entry",
    "signing_message",
    "utc_now",
]

SIGNATURE_SIZE = 64
NO_SIGNATURE = bytes(SIGNATURE_SIZE)
GENESIS = "genesis"
KEY_ROTATION = "key-rotation"
KIND_NAME = re.compile(r"[a-z][a-z0-9-]{0,63}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_DOMAIN = b"accord.ledger.entry/v1\n"
#: (kind, party) pairs that passed validation, so the append path checks each pair once.
_CHECKED_NAMES: set[tuple[str, str | None]] = set()


def format_time(moment: _dt.datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (the only form entries use)."""
    if moment.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> str:
    """The current time as an entry timestamp (same form as :func:`format_time`)."""
    # isoformat is several times cheaper than strftime, and utc_now is on every append.
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str, *, file: str | None = None, field: str | None = "issued_at") -> _dt.datetime:
    """Parse an entry timestamp (UTC, ``Z`` suffix); :class:`InputError` when malformed."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise InputError(f"{text!r} is not a UTC timestamp like 2026-02-05T00:00:00Z", file=file, field=field)
    try:
        return _dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=_dt.UTC)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a valid time: {exc}", file=file, field=field) from None


def _check_time(text: str) -> None:
    """Validate an entry timestamp without building a datetime (admission's hot path)."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        parse_time(text)  # raises the descriptive error
    try:
        _dt.datetime.fromisoformat(text[:-1])
    except ValueError:
        parse_time(text)


@dataclass(frozen=True)
class Entry:
    """One statement: what (``kind``, ``payload``), by whom (``party``), when (``issued_at``).

    ``party`` is ``None`` only for the genesis entry. Construction validates every field.
    """

    kind: str
    party: str | None
    issued_at: str
    payload: Mapping[str, Any]

    def __post_init__(self) -> None:
        try:
            known = (self.kind, self.party) in _CHECKED_NAMES  # a common pair already validated
        except TypeError:  # unhashable, so certainly not a valid name: validate below
            known = False
        if known:
            _check_time(self.issued_at)
            if not isinstance(self.payload, Mapping):
                raise InputError("payload must be a JSON object", field="payload")
            return
        if not isinstance(self.kind, str) or not KIND_NAME.fullmatch(self.kind):
            raise InputError(f"kind {self.kind!r} must be lower-case letters, digits and '-'", field="kind")
        if self.party is None:
            if self.kind != GENESIS:
                raise InputError("only the genesis entry has no party", field="party")
        elif not isinstance(self.party, str) or not PARTY_NAME.fullmatch(self.party):
            raise InputError(f"party {self.party!r} is not a valid party name", field="party")
        _check_time(self.issued_at)
        if not isinstance(self.payload, Mapping):
            raise InputError("payload must be a JSON object", field="payload")
        if len(_CHECKED_NAMES) < 1024 and type(self.kind) is str and type(self.party) in (str, type(None)):
            _CHECKED_NAMES.add((self.kind, self.party))

    def to_json(self) -> dict[str, Any]:
        """The statement as a plain dict (the object that is canonicalised and signed)."""
        return {"issued_at": self.issued_at, "kind": self.kind, "party": self.party, "payload": self.payload}

    def statement(self) -> bytes:
        """The RFC 8785 bytes of :meth:`to_json`.

        The envelope is written around the payload's canonical bytes: its keys are fixed and
        already in RFC 8785 order (``issued_at`` < ``kind`` < ``party`` < ``payload``), and
        construction validated its strings to printable ASCII with no quote, backslash or
        control character, which canonical JSON writes verbatim. The result is byte-identical
        to canonicalising :meth:`to_json` (tests/ledger/test_ledger_canonical.py checks it)
        and saves a third of the serialisation cost on the append path. A payload over
        :data:`~accord.ledger.canonical.MAX_PAYLOAD_BYTES` is refused here, before it is signed.
        """
        party = b"null" if self.party is None else b'"' + self.party.encode("ascii") + b'"'
        return b"".join((b'{"issued_at":"', self.issued_at.encode("ascii"), b'","kind":"',
                         self.kind.encode("ascii"), b'","party":', party, b',"payload":',
                         check_payload_size(canonical_json(self.payload, field="payload", max_depth=MAX_DEPTH - 1)),
                         b"}"))


def signing_message(origin: str, statement: bytes) -> bytes:
    """The exact bytes a party signs for ``statement`` in the ledger named ``origin``."""
    return _DOMAIN + origin.encode() + b"\n" + statement


@dataclass(frozen=True)
class SignedEntry:
    """An entry with its signature and exact statement bytes (what the log stores)."""

    entry: Entry
    signature: bytes
    statement: bytes

    @property
    def body(self) -> bytes:
        """The Merkle leaf: ``signature || statement``."""
        return self.signature + self.statement

    @property
    def leaf_hash(self) -> bytes:
        """The RFC 9162 leaf hash of :attr:`body`."""
        return leaf_hash(self.body)

    def verify(self, origin: str, key: PublicKey) -> bool:
        """True iff ``key`` signed this statement for the ledger ``origin``."""
        return key.verify(signing_message(origin, self.statement), self.signature)

    @classmethod
    def from_body(cls, body: bytes, *, file: str | None = None, check_canonical: bool = True) -> SignedEntry:
        """Split and parse a stored leaf; :class:`InputError` when it is not a well-formed entry.

        ``check_canonical=False`` skips re-serialising the statement (audit relies on the
        signature instead, which covers the exact bytes)."""
        body = bytes(body)
        if len(body) <= SIGNATURE_SIZE:
            raise InputError("entry is shorter than a signature", file=file)
        statement = body[SIGNATURE_SIZE:]
        if check_canonical:
            obj = parse_canonical(statement, file=file)
        else:
            try:
                obj = loads(statement)
            except ValueError as exc:
                raise InputError(f"statement is not JSON: {exc}", file=file) from None
            except RecursionError:
                raise InputError(f"statement nests deeper than {MAX_DEPTH} objects and arrays", file=file) from None
        if not isinstance(obj, dict) or set(obj) != {"issued_at", "kind", "party", "payload"}:
            raise InputError("statement must have exactly issued_at, kind, party, payload", file=file)
        try:
            entry = Entry(obj["kind"], obj["party"], obj["issued_at"], obj["payload"])
        except InputError as err:
            raise err.at(file=file) from None
        return cls(entry, body[:SIGNATURE_SIZE], statement)


def sign_entry(key: PrivateKey, origin: str, entry: Entry) -> SignedEntry:
    """``entry`` signed by ``key`` for the ledger ``origin``; the key's name must be the party."""
    if entry.party != key.name:
        raise InputError(f"key {key.name!r} cannot sign for party {entry.party!r}", field="party")
    statement = entry.statement()
    return SignedEntry(entry, key.sign(signing_message(origin, statement)), statement)
