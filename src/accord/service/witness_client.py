"""The log's side of C2SP tlog-witness: ask a witness to cosign a checkpoint.

:func:`add_checkpoint` (and :func:`add_checkpoint_async`) POST ``<url>/add-checkpoint`` with the
size the log believes the witness last cosigned, the consistency proof from it and the signed
checkpoint. When the witness answers 409 with another size, the request is made once more from
that size (the spec's way for a log to learn the witness's state: "a client ... MAY initially
make a request with a old size of zero to obtain it"). The reply's signature lines are read as
signatures of the checkpoint; with the witness's key given, only its valid cosignature/v1 lines
are returned, and a 200 without one is an error (a witness that does not cosign what it says it
cosigned is not one to trust).

A witness is not trusted to answer well: a reply over :data:`MAX_REPLY_BYTES`, or one still
arriving ``timeout`` seconds after the request was sent (a byte at a time, each within the read
timeout), is given up on — so one exchange costs the log at most about twice ``timeout`` and
64 KiB, and with the one retry after a 409 at most twice that. Replies are asked for, and read,
without content encoding (no decompression bomb).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from ..errors import InputError
from ..ledger.cosignature import WitnessKey
from ..ledger.note import Checkpoint, Note, NoteSignature
from .witness_protocol import encode_request, parse_cosignatures, parse_size

__all__ = [
    "MAX_REPLY_BYTES",
    "WitnessRefused",
    "WitnessReply",
    "WitnessUnavailable",
    "add_checkpoint",
    "add_checkpoint_async",
]

ProofFor = Callable[[int], Sequence[bytes]]
#: The largest reply read from a witness: a few cosignature lines are a few hundred bytes (an
#: ML-DSA-44 one about 3.3 KB); 64 KiB leaves room for many keys, and no room for a flood.
MAX_REPLY_BYTES = 64 * 1024
_HEADERS = {"content-type": "text/plain; charset=utf-8", "accept-encoding": "identity"}


class WitnessRefused(Exception):
    """The witness answered 4xx: ``status``, its one-line ``message``, and for a 409 the size it
    last cosigned (``witness_size``; ``None`` otherwise or when unreadable)."""

    def __init__(self, status: int, message: str, witness_size: int | None = None) -> None:
        super().__init__(f"witness refused ({status}): {message}")
        self.status = status
        self.message = message
        self.witness_size = witness_size


class WitnessUnavailable(Exception):
    """No usable answer: the witness could not be reached, timed out, failed (5xx) or replied
    with something that is not a cosignature of the checkpoint."""


@dataclass(frozen=True)
class WitnessReply:
    """A witness's cosignature(s) of the checkpoint, and the size it has now cosigned."""

    signatures: tuple[NoteSignature, ...]
    size: int


def _url(url: str) -> str:
    return url.rstrip("/") + "/add-checkpoint"


def _note(note: Note | str) -> tuple[Note, Checkpoint]:
    parsed = Note.parse(note) if isinstance(note, str) else note
    return parsed, Checkpoint.from_text(parsed.text)


def _body(old: int, proof_for: ProofFor, note: Note) -> bytes:
    return encode_request(old, list(proof_for(old)) if old > 0 else [], note)


@dataclass(frozen=True)
class _Answer:
    """A witness's reply, read within the bounds: status, reason phrase and body."""

    status: int
    reason: str
    content: bytes


class _Reader:
    """Collects a reply's body, refusing one over :data:`MAX_REPLY_BYTES` or past ``deadline``."""

    def __init__(self, url: str, response: httpx.Response, deadline: float) -> None:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise WitnessUnavailable(f"the witness at {url} sent its reply with content encoding {encoding[:40]!r}")
        self.url, self.deadline, self.data = url, deadline, bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > MAX_REPLY_BYTES:
            raise WitnessUnavailable(f"the witness at {self.url} sent a reply over {MAX_REPLY_BYTES} bytes")
        if time.monotonic() > self.deadline:
            raise WitnessUnavailable(f"the witness at {self.url} did not finish its reply in time")


def _post(http: httpx.Client, url: str, body: bytes, timeout: float) -> _Answer:
    """POST ``body`` to the witness and read its reply within the bounds."""
    deadline = time.monotonic() + timeout
    try:
        with http.stream("POST", _url(url), content=body, timeout=timeout, headers=_HEADERS) as response:
            reader = _Reader(url, response, deadline)
            for chunk in response.iter_raw():
                reader.add(chunk)
            return _Answer(response.status_code, response.reason_phrase, bytes(reader.data))
    except httpx.HTTPError as exc:
        raise WitnessUnavailable(f"cannot reach the witness at {url}: {type(exc).__name__}: {exc}") from None


async def _post_async(http: httpx.AsyncClient, url: str, body: bytes, timeout: float) -> _Answer:
    """:func:`_post` with an ``httpx.AsyncClient``."""
    deadline = time.monotonic() + timeout
    try:
        async with http.stream("POST", _url(url), content=body, timeout=timeout, headers=_HEADERS) as response:
            reader = _Reader(url, response, deadline)
            async for chunk in response.aiter_raw():
                reader.add(chunk)
            return _Answer(response.status_code, response.reason_phrase, bytes(reader.data))
    except httpx.HTTPError as exc:
        raise WitnessUnavailable(f"cannot reach the witness at {url}: {type(exc).__name__}: {exc}") from None


def _retry_size(response: _Answer, old: int, cp: Checkpoint) -> int | None:
    """The size to ask again from after a 409, or ``None`` when asking again cannot help."""
    if response.status != 409:
        return None
    try:
        size = parse_size(response.content)
    except InputError:
        return None
    return size if size != old and size <= cp.size else None


def _reply(response: _Answer, note: Note, cp: Checkpoint, witness: WitnessKey | None) -> WitnessReply:
    """Interpret the final response (see :func:`add_checkpoint`)."""
    status = response.status
    if status == 200:
        try:
            signatures = parse_cosignatures(response.content, note)
        except InputError as err:
            raise WitnessUnavailable(f"the witness's reply is not signature lines: {err.problem}") from None
        if witness is not None:
            signatures = tuple(s for s in signatures if witness.verify(note.text, s) is not None)
            if not signatures:
                raise WitnessUnavailable(f"the reply holds no valid cosignature by {witness.name}")
        return WitnessReply(signatures, cp.size)
    text = response.content[:300].decode("utf-8", "replace").strip().replace("\n", " ")
    if 400 <= status < 500:
        size = None
        if status == 409:
            try:
                size = parse_size(response.content)
            except InputError:
                size = None
        raise WitnessRefused(status, text or response.reason, size)
    raise WitnessUnavailable(f"the witness answered {status}: {text or response.reason}")


def add_checkpoint(
    url: str,
    note: Note | str,
    *,
    old_size: int,
    proof_for: ProofFor,
    witness: WitnessKey | None = None,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
) -> WitnessReply:
    """Ask the witness at ``url`` (its submission prefix) to cosign the log-signed checkpoint
    ``note``, from ``old_size`` (what the log believes the witness last cosigned; 0 if unknown).

    ``proof_for(size)`` returns the RFC 9162 consistency proof from ``size`` to the checkpoint's
    size (called for sizes above 0 only). On a 409 naming another size not above the
    checkpoint's, the request is made once more from that size. Each request's reply is read
    within ``timeout`` seconds of sending it and :data:`MAX_REPLY_BYTES`. Returns the witness's
    cosignature lines (only ``witness``'s valid ones when its key is given); raises
    :class:`WitnessRefused` (4xx) or :class:`WitnessUnavailable`."""
    parsed, cp = _note(note)
    own = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    try:
        old = old_size
        for _attempt in range(2):
            response = _post(http, url, _body(old, proof_for, parsed), timeout)
            retry = _retry_size(response, old, cp)
            if retry is None:
                break
            old = retry
        return _reply(response, parsed, cp, witness)
    finally:
        if own:
            http.close()


async def add_checkpoint_async(
    url: str,
    note: Note | str,
    *,
    old_size: int,
    proof_for: ProofFor,
    witness: WitnessKey | None = None,
    client: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
) -> WitnessReply:
    """:func:`add_checkpoint` with an ``httpx.AsyncClient`` (``proof_for`` is still a plain call)."""
    parsed, cp = _note(note)
    own = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout)
    try:
        old = old_size
        for _attempt in range(2):
            response = await _post_async(http, url, _body(old, proof_for, parsed), timeout)
            retry = _retry_size(response, old, cp)
            if retry is None:
                break
            old = retry
        return _reply(response, parsed, cp, witness)
    finally:
        if own:
            await http.aclose()
