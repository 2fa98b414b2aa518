"""A C2SP tlog-witness: cosigns a log's checkpoint only if it extends the last one it cosigned.

``create_witness_app(signer, logs, state)`` is an ASGI app (FastAPI) with one write endpoint,
``POST /add-checkpoint`` (https://c2sp.org/tlog-witness), and one read endpoint, ``GET /logs``
(accord's: what the witness last cosigned for each log, for monitors and people). For each
request, in the order the specification gives:

1. a body that is not a well-formed request — or larger than ``ACCORD_MAX_REQUEST_BYTES``
   (413), or not sent within ``ACCORD_MAX_REQUEST_SECONDS`` (408) — is 400 Bad Request;
2. a checkpoint whose origin the witness was not configured with is 404 Not Found;
3. one on which no signature verifies with a configured key of that log is 403 Forbidden;
4. an ``old`` size above the checkpoint's is 400;
5. an ``old`` size other than the size the witness last cosigned for that origin (0 if none) is
   409 Conflict, its body that size and a newline, content type ``text/x.tlog.size``;
6. a consistency proof from that size and root to the checkpoint that does not verify is 422
   Unprocessable Entity (a non-empty proof from size 0 included, and a checkpoint of size 0
   whose root is not the empty tree's);
7. a checkpoint of the size last cosigned but another root is 409 (a fork at that size);
8. otherwise the new size and root are committed to the state database, and only then is the
   cosignature/v1 line returned (200).

Step 3 is strict: a note carrying a signature by the log's key (its name and key id) that does
not verify is refused even when another one does (C2SP signed-note: clients "SHOULD reject the
whole note"; Go's ``note.Open`` does). The witness records, and ``GET /logs`` shows, the
checkpoint with only the log's valid signature(s) and its own cosignature — never lines a
client added (padding, or a forged line in the witness's name). Cosignature timestamps never go
back for a log, even when the clock does: each is at least the previous one.

Steps 5 to 8 run inside one SQLite ``BEGIN IMMEDIATE`` transaction (``synchronous=FULL``: the
commit is on disk before the reply), and the update is a compare-and-swap on the stored size and
root: two requests from the same old size cannot both advance the state, whether they come to
one process or to two processes sharing the file. A witness killed at any moment restarts from
what it last committed; at worst it committed a size whose cosignature it never sent, which is
harmless (it answers the log 409 with that size). Requests the log signed that fail steps 6 or 7
are kept in the state database as evidence of a misbehaving log, as the spec allows: without the
lines the log did not sign, at most :data:`MAX_EVIDENCE_ROWS` rows and ``max_evidence_bytes``
bytes (anyone can send a public checkpoint with a junk proof; that must not fill the disk).

The state is trusted only as far as the witness can tell it wrote it. At start (and again for
each request) every log's record must hold the checkpoint it names with this witness's own
valid cosignature, dated when the record says: a record edited by hand, or a state another
witness wrote, is refused at start (:class:`InputError`) and, if edited under a running witness,
answered 503 without cosigning. A running witness also remembers what it committed since it
started and answers 503 when the state falls behind it (an older copy put back); it never
recreates a state file deleted under it. (A state rolled back before the witness starts cannot
be told from an honest one: keep the state where only the witness writes, and retire a witness
whose state was lost rather than start it afresh.)
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import limits
from ..errors import InputError, ProofError
from ..ledger.cosignature import WitnessSigner
from ..ledger.keys import PublicKey
from ..ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from ..ledger.note import Checkpoint, Note, NoteSignature
from .witness_protocol import (
    MAX_TREE_SIZE,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    encode_cosignatures,
    encode_request,
    encode_size,
    parse_request,
)

__all__ = ["LOGS_SCHEMA", "Refused", "WitnessCore", "create_witness_app"]

LOGS_SCHEMA = "accord.witness.logs/v1"
#: Refused requests kept as evidence (the oldest are dropped beyond this).
MAX_EVIDENCE_ROWS = 1000
#: Bytes of evidence kept at most (the oldest rows are dropped beyond this).
MAX_EVIDENCE_BYTES = 64 << 20
_TEXT = "text/plain; charset=utf-8"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY, size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32), checkpoint TEXT NOT NULL, cosigned_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, origin TEXT NOT NULL, status INTEGER NOT NULL,
    reason TEXT NOT NULL, request BLOB NOT NULL
) STRICT;
"""


class Refused(Exception):
    """A request the witness answers with ``status`` (4xx) and one line ``message``; ``size``
    is the witness's size for a 409."""

    def __init__(self, status: int, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.size = size


def _connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A connection to the state; unless ``create``, the file must exist (a state deleted under
    a running witness is an error, not a fresh start from size 0)."""
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
    target = path.as_uri() + ("?mode=rwc" if create else "?mode=rw")
    conn = sqlite3.connect(target, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # the commit is fsync'd before the reply
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass
class WitnessCore:
    """The witness's decisions over its state database (no HTTP): :meth:`add_checkpoint`.

    ``clock`` gives POSIX time for cosignatures; ``max_evidence_bytes`` bounds kept evidence."""

    signer: WitnessSigner
    logs: Mapping[str, Sequence[PublicKey]]
    state: Path
    clock: Callable[[], float] = time.time
    max_evidence_bytes: int = MAX_EVIDENCE_BYTES
    #: origin → (size, root) this process committed last: the state may never fall behind it.
    _committed: dict[str, tuple[int, bytes]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        file, where = str(self.state), "--state"  # errors name the file as it was given
        self.state = Path(self.state).resolve()  # as a URI for SQLite, which needs it absolute
        for origin, keys in self.logs.items():
            if not origin or not keys:
                raise InputError(f"log {origin!r} needs an origin and at least one key", field="--log")
        try:
            with closing(_connect(self.state, create=True)) as conn:
                (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
                if verdict != "ok":
                    raise InputError(f"the witness state database is damaged: {str(verdict)[:200]}", file=file,
                                     field=where)
                conn.executescript(_SCHEMA)
                row = conn.execute("SELECT value FROM meta WHERE key = 'witness'").fetchone()
                if row is None:
                    conn.execute("INSERT INTO meta (key, value) VALUES ('witness', ?)", (self.signer.public.vkey,))
                elif row[0] != self.signer.public.vkey:
                    raise InputError(f"this state belongs to the witness key {str(row[0])[:200]}, not "
                                     f"{self.signer.public.vkey}", file=file, field=where)
                for record in conn.execute("SELECT origin, size, root, checkpoint, cosigned_at FROM logs"):
                    problem = self._record_problem(record)
                    if problem is not None:
                        raise InputError(f"the record of log {str(record[0])[:200]!r} is not one this witness "
                                         f"wrote ({problem}): the state was edited or is damaged, so the witness "
                                         "does not start on it", file=file, field=where)
        except sqlite3.Error as exc:
            raise InputError(f"cannot use the witness state database: {exc}", file=file, field=where) from None

    def _record_problem(self, record: Sequence[Any]) -> str | None:
        """Why a ``logs`` row (origin, size, root, checkpoint, cosigned_at) is not one this
        witness wrote, or ``None``: its checkpoint must be that origin, size and root, and carry
        this witness's valid cosignature dated ``cosigned_at``."""
        origin, size, root, checkpoint, at = record
        if not (isinstance(origin, str) and isinstance(size, int) and isinstance(root, bytes)
                and isinstance(checkpoint, str) and isinstance(at, int)):
            return "a value of the wrong type"
        if not 0 <= size <= MAX_TREE_SIZE or len(root) != HASH_SIZE:
            return "a size or root out of range"
        try:
            note = Note.parse(checkpoint)
            cp = Checkpoint.from_text(note.text)
        except InputError as err:
            return f"its checkpoint is malformed: {err.problem}"
        if (cp.origin, cp.size, cp.root) != (origin, size, root):
            return "its checkpoint is not the origin, size and root recorded"
        if not any(self.signer.public.verify(note.text, s) == at for s in note.signatures):
            return "its checkpoint carries no cosignature by this witness dated when recorded"
        return None

    def add_checkpoint(self, body: bytes) -> bytes:
        """The 200 reply body (cosignature lines) for a request ``body``, after every check and
        after the new state is committed; raises :class:`Refused` with the status otherwise."""
        try:
            req = parse_request(body)
        except InputError as err:
            raise Refused(400, err.one_line()) from None
        keys = self.logs.get(req.checkpoint.origin)
        if keys is None:
            raise Refused(404, f"unknown log {req.checkpoint.origin[:200]!r}")
        log_signatures = _log_signatures(req.note, keys)
        if not log_signatures:
            raise Refused(403, "no signature by a key of this log verifies, or one by its key does not")
        if req.old > req.checkpoint.size:
            raise Refused(400, f"old size {req.old} is larger than the checkpoint's size {req.checkpoint.size}")
        try:
            with closing(_connect(self.state)) as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cosignature = self._advance(conn, req, log_signatures)
                except Refused as exc:
                    conn.execute("ROLLBACK")
                    self._keep_evidence(conn, req, log_signatures, exc)
                    raise
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")  # on disk (synchronous=FULL) before the cosignature leaves
        except sqlite3.Error as exc:
            raise Refused(503, f"the witness could not use its state, so it does not cosign: {exc}") from None
        self._committed[req.checkpoint.origin] = (req.checkpoint.size, req.checkpoint.root)
        return encode_cosignatures([cosignature])

    def _advance(self, conn: sqlite3.Connection, req: AddCheckpoint,
                 log_signatures: Sequence[NoteSignature]) -> NoteSignature:
        """Steps 5-8 inside the transaction: check ``req`` against the stored state, write the new
        state (compare-and-swap) and return the cosignature to send once committed."""
        cp = req.checkpoint
        row = conn.execute("SELECT origin, size, root, checkpoint, cosigned_at FROM logs WHERE origin = ?",
                           (cp.origin,)).fetchone()
        if row is not None and (problem := self._record_problem(row)) is not None:
            raise Refused(503, f"the state's record of this log is not one this witness wrote ({problem}): "
                               "it does not cosign until the state is put right")
        size, root, last = (int(row[1]), bytes(row[2]), int(row[4])) if row is not None else (0, None, 0)
        committed = self._committed.get(cp.origin)
        if committed is not None and (size < committed[0] or (size == committed[0] and root != committed[1])):
            raise Refused(503, f"the state holds size {size} for this log, behind the size {committed[0]} this "
                               "witness cosigned since it started: the state was rolled back or replaced, so it "
                               "does not cosign")
        if req.old != size:
            raise Refused(409, f"old size {req.old} is not the size last cosigned, {size}", size)
        if cp.size == 0 and cp.root != EMPTY_ROOT:
            raise Refused(422, "a checkpoint of size 0 must carry the empty tree's root, SHA-256 of nothing")
        if req.old == 0 or root is None:
            if req.proof:
                raise Refused(422, "a consistency proof from size 0 must be empty")
        elif req.old == cp.size:
            if req.proof:
                raise Refused(422, "a consistency proof between equal sizes must be empty")
        else:
            try:
                verify_consistency(req.old, cp.size, req.proof, root, cp.root)
            except ProofError as exc:
                raise Refused(422, f"consistency proof from size {req.old} does not verify: {exc}") from None
        if root is not None and cp.size == size and cp.root != root:
            raise Refused(409, f"a checkpoint of size {size} with another root was cosigned", size)
        # Never before the last cosignature of this log: a clock stepping back must not date a
        # larger tree before a smaller one.
        now = max(int(self.clock()), last)
        cosignature = self.signer.cosign(req.note.text, now)
        published = Note(req.note.text, (*log_signatures, cosignature)).encode()
        if row is None:
            conn.execute("INSERT INTO logs (origin, size, root, checkpoint, cosigned_at) VALUES (?, ?, ?, ?, ?)",
                         (cp.origin, cp.size, cp.root, published, now))
        else:
            done = conn.execute("UPDATE logs SET size = ?, root = ?, checkpoint = ?, cosigned_at = ? "
                                "WHERE origin = ? AND size = ? AND root = ?",
                                (cp.size, cp.root, published, now, cp.origin, size, root))
            if done.rowcount != 1:  # cannot happen inside BEGIN IMMEDIATE; never cosign if it does
                raise Refused(409, "the state moved while this request was checked", size)
        return cosignature

    def _keep_evidence(self, conn: sqlite3.Connection, req: AddCheckpoint, log_signatures: Sequence[NoteSignature],
                       exc: Refused) -> None:
        """Record a log-signed request refused as inconsistent (422, or 409 for a fork at the same
        size) — the old size, the proof and the checkpoint with only the log's signatures —
        keeping the latest :data:`MAX_EVIDENCE_ROWS` and ``max_evidence_bytes``. Best effort:
        never changes the reply."""
        if not (exc.status == 422 or (exc.status == 409 and exc.size == req.old)):
            return
        request = encode_request(req.old, req.proof, Note(req.note.text, tuple(log_signatures)))
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO evidence (at, origin, status, reason, request) VALUES (?, ?, ?, ?, ?)",
                             (int(self.clock()), req.checkpoint.origin, exc.status, exc.message, request))
                total, cutoff = 0, None
                for n, (row_id, length) in enumerate(conn.execute(
                        "SELECT id, length(request) FROM evidence ORDER BY id DESC")):
                    total += length
                    if n >= MAX_EVIDENCE_ROWS or total > self.max_evidence_bytes:
                        cutoff = row_id
                        break
                if cutoff is not None:
                    conn.execute("DELETE FROM evidence WHERE id <= ?", (cutoff,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error:
            pass

    def latest(self) -> dict[str, Any]:
        """``accord.witness.logs/v1``: the witness's key and, per configured log, what it last
        cosigned (size, root, the checkpoint note with its cosignature, when). Raises
        :class:`Refused` (503) when the state cannot be read or holds a record it did not write."""
        try:
            with closing(_connect(self.state)) as conn:
                rows = conn.execute("SELECT origin, size, root, checkpoint, cosigned_at FROM logs "
                                    "ORDER BY origin").fetchall()
                evidence = conn.execute("SELECT origin, COUNT(*) FROM evidence GROUP BY origin").fetchall()
        except sqlite3.Error as exc:
            raise Refused(503, f"the witness cannot read its state: {exc}") from None
        refused = dict(evidence)
        logs = []
        for row in rows:
            problem = self._record_problem(row)
            if problem is not None:
                raise Refused(503, f"the state's record of log {str(row[0])[:200]!r} is not one this witness "
                                   f"wrote ({problem})")
            origin, size, root, checkpoint, at = row
            logs.append({"origin": origin, "size": size, "root": base64.b64encode(root).decode(),
                         "checkpoint": checkpoint, "cosigned_at": _utc(at),
                         "refused_requests": refused.get(origin, 0)})
        return {"schema": LOGS_SCHEMA, "witness": self.signer.public.vkey, "logs": logs}


def _log_signatures(note: Note, keys: Sequence[PublicKey]) -> list[NoteSignature]:
    """The note's valid signatures by ``keys`` (one per key), or ``[]`` when none verifies or
    when a line naming one of ``keys`` (its name and key id) does not verify."""
    found: dict[tuple[str, bytes], NoteSignature] = {}
    message = note.text.encode()
    for sig in note.signatures:
        key = next((k for k in keys if (k.name, k.id) == (sig.name, sig.key_id)), None)
        if key is None:
            continue  # another key's line: ignored, as C2SP requires
        if not key.verify(message, sig.signature):
            return []
        found.setdefault((sig.name, sig.key_id), sig)
    return list(found.values())


def _utc(at: int) -> str:
    """POSIX seconds as ``YYYY-MM-DDTHH:MM:SSZ`` (a cosignature may carry any 63-bit time)."""
    try:
        return _dt.datetime.fromtimestamp(at, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return f"POSIX time {at}"


async def _read_body(request: Request) -> bytes:
    """The request body, at most ``ACCORD_MAX_REQUEST_BYTES``, within ``ACCORD_MAX_REQUEST_SECONDS``."""
    limit = limits.MAX_REQUEST_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"request body over {limit} bytes")
    chunks, total = [], 0

    async def read() -> None:
        nonlocal total
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise Refused(413, f"request body over {limit} bytes")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), timeout=limits.MAX_REQUEST_SECONDS)
    except TimeoutError:
        raise Refused(408, f"request body not received within {limits.MAX_REQUEST_SECONDS} s") from None
    return b"".join(chunks)


def create_witness_app(signer: WitnessSigner, logs: Mapping[str, Sequence[PublicKey]], state: str | Path) -> FastAPI:
    """The witness's ASGI app: ``POST /add-checkpoint`` and ``GET /logs`` (see the module
    docstring). ``logs`` maps each origin it witnesses to the log's verifier key(s); ``state`` is
    its SQLite state file (created if missing). :class:`InputError` for an unusable state."""
    core = WitnessCore(signer, dict(logs), Path(state))
    app = FastAPI(title="accord witness", version="1",
                  description=f"C2SP tlog-witness for {signer.name} ({signer.public.vkey})")
    app.state.witness = core

    @app.post("/add-checkpoint", response_class=Response, responses={
        200: {"description": "cosignature lines", "content": {_TEXT: {}}},
        400: {"description": "malformed request"}, 403: {"description": "no valid log signature"},
        404: {"description": "unknown log origin"},
        409: {"description": "old size is not the witness's size, or a fork (body: its size)",
              "content": {SIZE_CONTENT_TYPE: {}}},
        408: {"description": "body not sent in time"}, 413: {"description": "body too large"},
        422: {"description": "consistency proof does not verify"},
        503: {"description": "the state could not be saved: nothing cosigned"},
    })
    async def add_checkpoint(request: Request) -> Response:
        """C2SP tlog-witness add-checkpoint: ``old N``, proof lines, an empty line, the checkpoint."""
        try:
            body = await _read_body(request)
            reply = await run_in_threadpool(core.add_checkpoint, body)
        except Refused as exc:
            if exc.status == 409 and exc.size is not None:
                # Exactly this content type (the spec's), without the charset Starlette adds to text/*.
                return Response(encode_size(exc.size), status_code=409, headers={"content-type": SIZE_CONTENT_TYPE})
            return Response((exc.message.replace("\n", " ") + "\n").encode(), status_code=exc.status,
                            media_type=_TEXT)
        return Response(reply, media_type=_TEXT)

    @app.get("/logs", responses={503: {"description": "the state cannot be read, or was not written by this witness"}})
    async def latest() -> Response:
        """What this witness last cosigned for each log (``accord.witness.logs/v1``)."""
        try:
            return JSONResponse(await run_in_threadpool(core.latest))
        except Refused as exc:
            return Response((exc.message.replace("\n", " ") + "\n").encode(), status_code=exc.status,
                            media_type=_TEXT)

    @app.get("/")
    async def about() -> JSONResponse:
        """The witness's name and verifier key, and the logs it witnesses."""
        return JSONResponse({"schema": "accord.witness/v1", "name": signer.name, "vkey": signer.public.vkey,
                             "logs": sorted(logs), "add_checkpoint": "/add-checkpoint"})

    return app

