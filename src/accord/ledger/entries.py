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
import time as _time
from collections.abc import Iterable, Mapping
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
    "sign_entries",
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


#: ``(second, "YYYY-MM-DDTHH:MM:SS.")`` of the latest :func:`utc_now`: the date and time of
#: day are formatted once a second, the microseconds every call.
_NOW_SECOND: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The current time as an entry timestamp (same form as :func:`format_time`)."""
    # On every append: the datetime round trip costs four times the arithmetic below, which
    # reads the same clock (time.time_ns is what datetime.now reads).
    global _NOW_SECOND
    micros = _time.time_ns() // 1000
    second, fraction = divmod(micros, 1_000_000)
    cached = _NOW_SECOND
    if cached[0] != second:
        stamp = _dt.datetime.fromtimestamp(second, _dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        cached = _NOW_SECOND = (second, stamp + ".")
    return f"{cached[1]}{fraction:06d}Z"


def parse_time(text: str, *, file: str | None = None, field: str | None = "issued_at") -> _dt.datetime:
    """Parse an entry timestamp (UTC, ``Z`` suffix); :class:`InputError` when malformed."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise InputError(f"{text!r} is not a UTC timestamp like 2026-02-05T00:00:00Z", file=file, field=field)
    try:
        return _dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=_dt.UTC)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a valid time: {exc}", file=file, field=field) from None


#: The date and time of day (``YYYY-MM-DDTHH:MM:SS``) of the latest timestamp found valid.
_VALID_SECOND = ""


def _check_time(text: str) -> None:
    """Validate an entry timestamp without building a datetime (admission's hot path).

    Once the form matches, validity depends only on the first 19 characters (any 1-6 digit
    fraction is valid), so a second already checked is not parsed again."""
    global _VALID_SECOND
    if type(text) is not str or not text.isascii() or _TIME.fullmatch(text) is None:
        parse_time(text)  # the full check: raises the descriptive error (\d is any digit)
        return
    second = text[:19]
    if second != _VALID_SECOND:
        try:
            _dt.datetime.fromisoformat(second)
        except ValueError:
            parse_time(text)
        _VALID_SECOND = second


@dataclass(frozen=True, init=False)
class Entry:
    """One statement: what (``kind``, ``payload``), by whom (``party``), when (``issued_at``).

    ``party`` is ``None`` only for the genesis entry. Construction validates every field.
    """

    kind: str
    party: str | None
    issued_at: str
    payload: Mapping[str, Any]

    def __init__(self, kind: str, party: str | None, issued_at: str, payload: Mapping[str, Any]) -> None:
        # The dataclass __init__ of a frozen class, less the cost: its object.__setattr__ per
        # field is twice these stores (one Entry per append). Fields are still set once, here.
        d = self.__dict__
        d["kind"] = kind
        d["party"] = party
        d["issued_at"] = issued_at
        d["payload"] = payload
        try:
            known = (kind, party) in _CHECKED_NAMES  # a common pair already validated
        except TypeError:  # unhashable, so certainly not a valid name
            known = False
        if known and type(payload) is dict:
            _check_time(issued_at)
            return
        self.__post_init__()  # everything else: the full validation

    def __post_init__(self) -> None:
        try:
            known = (self.kind, self.party) in _CHECKED_NAMES  # a common pair already validated
        except TypeError:  # unhashable, so certainly not a valid name: validate below
            known = False
        if known:
            _check_time(self.issued_at)
            if type(self.payload) is not dict and not isinstance(self.payload, Mapping):
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
        payload = check_payload_size(canonical_json(self.payload, field="payload", max_depth=MAX_DEPTH - 1))
        party = "null" if self.party is None else f'"{self.party}"'
        head = f'{{"issued_at":"{self.issued_at}","kind":"{self.kind}","party":{party},"payload":'
        return head.encode("ascii") + payload + b"}"


def signing_message(origin: str, statement: bytes) -> bytes:
    """The exact bytes a party signs for ``statement`` in the ledger named ``origin``."""
    return _DOMAIN + origin.encode() + b"\n" + statement


@dataclass(frozen=True, init=False)
class SignedEntry:
    """An entry with its signature and exact statement bytes (what the log stores)."""

    entry: Entry
    signature: bytes
    statement: bytes

    def __init__(self, entry: Entry, signature: bytes, statement: bytes) -> None:
        d = self.__dict__  # as Entry.__init__: frozen fields set once, without object.__setattr__
        d["entry"] = entry
        d["signature"] = signature
        d["statement"] = statement

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
    return sign_entries(key, origin, (entry,))[0]


def sign_entries(key: PrivateKey, origin: str, entries: Iterable[Entry]) -> list[SignedEntry]:
    """Each of ``entries`` signed by ``key`` for the ledger ``origin`` (:func:`sign_entry` for a
    batch: the domain and origin prefix is encoded once)."""
    prefix = signing_message(origin, b"")
    name = key.name
    sign = key.sign
    out = []
    for entry in entries:
        if entry.party != name:
            raise InputError(f"key {name!r} cannot sign for party {entry.party!r}", field="party")
        statement = entry.statement()
        out.append(SignedEntry(entry, sign(prefix + statement), statement))
    return out
