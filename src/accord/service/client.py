"""The party's side of a log server: sign a statement locally and submit it (``POST /add-entry``).

The private key never leaves the party: :func:`submit` signs the entry here, for the log's origin
(the first line of the server's checkpoint, or the one the caller pins), and sends only the
signed bytes — ``signature || statement``, exactly the leaf the log stores and serves. The answer
is checked before it is believed: its leaf hash must be the hash of what was sent, its receipt
must name the same index and leaf (and, given the log's key, be signed by it).

A submission the server may not have received (a dropped connection, a timeout, a 503) is sent
again with the *same bytes*: the server answers a stored entry with its index, so a retry never
makes a second entry.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import InputError
from ..ledger.entries import Entry, SignedEntry, sign_entry, utc_now
from ..ledger.keys import PrivateKey, PublicKey
from ..ledger.merkle import leaf_hash
from ..ledger.note import Checkpoint, Note
from ..ledger.receipts import Receipt

__all__ = ["SUBMIT_SCHEMA", "Submitted", "fetch_checkpoint", "submit", "submit_signed"]

SUBMIT_SCHEMA = "accord.ledger.submit/v1"
#: How often a submission the server may not have received is sent again (same bytes).
RETRIES = 3
_MAX_CHECKPOINT = 64 * 1024  # a checkpoint note is a few hundred bytes
#: Largest answer to a submission read (a real one is under 1 KB): a hostile server cannot
#: make the party's client hold more.
_MAX_ANSWER = 1 << 20


@dataclass(frozen=True)
class _Reply:
    """An HTTP answer read within a size bound."""

    status_code: int
    content: bytes
    reason: str

    def json(self) -> Any:
        """The body as JSON; :class:`ValueError` when it is not (nesting too deep included)."""
        try:
            return json.loads(self.content)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None


def _request(http: httpx.Client, method: str, url: str, limit: int, base: str, **kw: Any) -> _Reply:
    """``method url``, its body read up to ``limit`` bytes (:class:`InputError` beyond)."""
    with http.stream(method, url, **kw) as r:
        data = bytearray()
        for chunk in r.iter_bytes():
            data += chunk
            if len(data) > limit:
                raise InputError(f"{method} {url.removeprefix(base)} answered more than {limit:,} bytes", file=base)
        return _Reply(r.status_code, bytes(data), r.reason_phrase)


@dataclass(frozen=True)
class Submitted:
    """An entry the log holds: where (``index``), what (``kind``, ``party``, ``issued_at``,
    ``leaf_hash``), whether this submission created it, and the log's signed receipt."""

    url: str
    origin: str
    index: int
    kind: str
    party: str
    issued_at: str
    leaf_hash: bytes
    created: bool
    receipt: Receipt

    def to_json(self) -> dict[str, Any]:
        """``accord.ledger.submit/v1``."""
        return {"schema": SUBMIT_SCHEMA, "url": self.url, "origin": self.origin, "index": self.index,
                "kind": self.kind, "party": self.party, "issued_at": self.issued_at,
                "leaf_hash": base64.b64encode(self.leaf_hash).decode(), "created": self.created,
                "receipt": self.receipt.to_json()}

    def rows(self) -> list[dict[str, Any]]:
        row = self.to_json()
        del row["receipt"], row["schema"]
        return [row]


def _base(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InputError("the log's URL must start with http:// or https://", file=url)
    return url.rstrip("/")


def _client(client: httpx.Client | None, timeout: float) -> httpx.Client:
    return client if client is not None else httpx.Client(timeout=timeout)


def fetch_checkpoint(url: str, *, log_key: PublicKey | None = None, client: httpx.Client | None = None,
                     timeout: float = 30.0) -> Checkpoint:
    """The log's latest checkpoint (``GET URL/checkpoint``); with ``log_key``, only one that key
    signed. :class:`InputError` naming the URL otherwise."""
    base = _base(url)
    http = _client(client, timeout)
    try:
        r = _request(http, "GET", f"{base}/checkpoint", _MAX_CHECKPOINT, base)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach the log: {_why(exc)}", file=base) from None
    finally:
        if client is None:
            http.close()
    if r.status_code != 200:
        raise InputError(f"GET /checkpoint answered {r.status_code}: {_problem(r)}", file=base)
    text = r.content.decode("utf-8", "replace")
    note = Note.parse(text, file=f"{base}/checkpoint")
    if log_key is not None and not note.signed_by(log_key):
        raise InputError(f"the checkpoint is not signed by the log key {log_key.name} ({log_key.id.hex()})",
                         file=f"{base}/checkpoint")
    return Checkpoint.from_text(note.text, file=f"{base}/checkpoint")


def submit(url: str, key: PrivateKey, kind: str, payload: Mapping[str, Any], *, origin: str | None = None,
           issued_at: str | None = None, log_key: PublicKey | None = None, client: httpx.Client | None = None,
           timeout: float = 30.0) -> Submitted:
    """Sign ``payload`` as ``key``'s party (kind ``kind``, issued now unless ``issued_at``) for
    the log at ``url`` and submit it; :class:`InputError` (one line, naming the URL) when the
    log refuses it or cannot be reached. ``origin`` defaults to the log's checkpoint origin;
    ``log_key`` (the log's verifier key) makes the checkpoint and the receipt checked against it."""
    base = _base(url)
    http = _client(client, timeout)
    try:
        if origin is None:
            origin = fetch_checkpoint(base, log_key=log_key, client=http).origin
        entry = Entry(kind, key.name, issued_at or utc_now(), dict(payload))
        signed = sign_entry(key, origin, entry)
        return submit_signed(base, signed, origin=origin, log_key=log_key, client=http)
    finally:
        if client is None:
            http.close()


def submit_signed(url: str, signed: SignedEntry, *, origin: str, log_key: PublicKey | None = None,
                  client: httpx.Client | None = None, timeout: float = 30.0) -> Submitted:
    """Submit an entry already signed for ``origin`` (sent again, same bytes, when the server
    may not have received it) and check the answer (see the module docstring)."""
    base = _base(url)
    http = _client(client, timeout)
    body = signed.body
    try:
        for attempt in range(RETRIES + 1):
            try:
                r = _request(http, "POST", f"{base}/add-entry", _MAX_ANSWER, base, content=body,
                             headers={"Content-Type": "application/octet-stream"})
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if attempt == RETRIES:
                    raise InputError(f"cannot reach the log: {_why(exc)}", file=base) from None
            else:
                if r.status_code != 503 or attempt == RETRIES:
                    break
            time.sleep(min(0.25 * 2**attempt, 2.0))
    finally:
        if client is None:
            http.close()
    if r.status_code != 200:
        raise InputError(f"the log refused the entry ({r.status_code}): {_problem(r)}", file=base)
    return _answer(base, r, signed, origin, log_key)


def _answer(base: str, r: _Reply, signed: SignedEntry, origin: str, log_key: PublicKey | None) -> Submitted:
    """The server's answer, checked against what was sent."""
    try:
        obj = r.json()
        receipt = Receipt.from_json(obj["receipt"], file=base)
        index, created, answered_leaf = obj["index"], obj["created"], base64.b64decode(obj["leaf_hash"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"the log's answer is not an accord.service.add-entry/v1 object ({exc})", file=base) from None
    leaf = leaf_hash(signed.body)
    if answered_leaf != leaf or receipt.leaf_hash != leaf or receipt.index != index or type(index) is not int:
        raise InputError("the log's answer is for another entry than the one sent", file=base)
    if receipt.origin != origin:
        raise InputError(f"the log's receipt is for origin {receipt.origin!r}, not {origin!r}", file=base)
    if log_key is not None and not receipt.verify(log_key):
        raise InputError(f"the receipt is not signed by the log key {log_key.name} ({log_key.id.hex()})", file=base)
    e = signed.entry
    return Submitted(base, origin, index, e.kind, e.party or "", e.issued_at, leaf, bool(created), receipt)


def _problem(r: _Reply) -> str:
    """The one-line error a server answered (its JSON ``error``, else the start of the body)."""
    try:
        message = r.json().get("error")
    except (ValueError, AttributeError):
        message = None
    if not isinstance(message, str):
        message = r.content[:200].decode("utf-8", "replace") or r.reason
    return " ".join(message.split())


def _why(exc: Exception) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__
