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
   Unprocessable Entity (a non-empty proof from size 0 included);
7. a checkpoint of the size last cosigned but another root is 409 (a fork at that size);
8. otherwise the new size and root are committed to the state database, and only then is the
   cosignature/v1 line returned (200).

Steps 5 to 8 run inside one SQLite ``BEGIN IMMEDIATE`` transaction (``synchronous=FULL``: the
commit is on disk before the reply), and the update is a compare-and-swap on the stored size and
root: two requests from the same old size cannot both advance the state, whether they come to
one process or to two processes sharing the file. A witness killed at any moment restarts from
what it last committed; at worst it committed a size whose cosignature it never sent, which is
harmless (it answers the log 409 with that size). Requests the log signed that fail steps 6 or 7
are kept (bounded) in the state database as evidence of a misbehaving log, as the spec allows.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import sqlite3
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import limits
from ..errors import InputError, ProofError
from ..ledger.cosignature import WitnessSigner
from ..ledger.keys import PublicKey
from ..ledger.merkle import verify_consistency
from ..ledger.note import NoteSignature
from .witness_protocol import SIZE_CONTENT_TYPE, AddCheckpoint, encode_cosignatures, encode_size, parse_request

__all__ = ["LOGS_SCHEMA", "Refused", "WitnessCore", "create_witness_app"]

LOGS_SCHEMA = "accord.witness.logs/v1"
#: Refused requests kept as evidence (the oldest are dropped beyond this).
MAX_EVIDENCE_ROWS = 1000
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


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # the commit is fsync'd before the reply
    return conn


@dataclass
class WitnessCore:
    """The witness's decisions over its state database (no HTTP): :meth:`add_checkpoint`."""

    signer: WitnessSigner
    logs: Mapping[str, Sequence[PublicKey]]
    state: Path

    def __post_init__(self) -> None:
        self.state = Path(self.state)
        for origin, keys in self.logs.items():
            if not origin or not keys:
                raise InputError(f"log {origin!r} needs an origin and at least one key", field="--log")
        try:
            with closing(_connect(self.state)) as conn:
                conn.executescript(_SCHEMA)
                row = conn.execute("SELECT value FROM meta WHERE key = 'witness'").fetchone()
                if row is None:
                    conn.execute("INSERT INTO meta (key, value) VALUES ('witness', ?)", (self.signer.public.vkey,))
                elif row[0] != self.signer.public.vkey:
                    raise InputError(f"this state belongs to the witness key {row[0]}, not "
                                     f"{self.signer.public.vkey}", file=str(self.state), field="--state")
        except sqlite3.Error as exc:
            raise InputError(f"cannot use the witness state database: {exc}", file=str(self.state)) from None

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
        if not req.note.verified_keys(list(keys)):
            raise Refused(403, "no signature by a key of this log verifies")
        if req.old > req.checkpoint.size:
            raise Refused(400, f"old size {req.old} is larger than the checkpoint's size {req.checkpoint.size}")
        try:
            with closing(_connect(self.state)) as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cosignature = self._advance(conn, req)
                except Refused as exc:
                    conn.execute("ROLLBACK")
                    self._keep_evidence(conn, req, body, exc)
                    raise
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")  # on disk (synchronous=FULL) before the cosignature leaves
        except sqlite3.Error as exc:
            raise Refused(503, f"the witness could not save its state, so it does not cosign: {exc}") from None
        return encode_cosignatures([cosignature])

    def _advance(self, conn: sqlite3.Connection, req: AddCheckpoint) -> NoteSignature:
        """Steps 5-8 inside the transaction: check ``req`` against the stored state, write the new
        state (compare-and-swap) and return the cosignature to send once committed."""
        cp = req.checkpoint
        row = conn.execute("SELECT size, root FROM logs WHERE origin = ?", (cp.origin,)).fetchone()
        size, root = (int(row[0]), bytes(row[1])) if row is not None else (0, None)
        if req.old != size:
            raise Refused(409, f"old size {req.old} is not the size last cosigned, {size}", size)
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
        now = int(time.time())
        cosignature = self.signer.cosign(req.note.text, now)
        published = req.note.with_signatures([cosignature]).encode()
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

    def _keep_evidence(self, conn: sqlite3.Connection, req: AddCheckpoint, body: bytes, exc: Refused) -> None:
        """Record a log-signed request refused as inconsistent (422, or 409 for a fork at the same
        size), keeping the latest :data:`MAX_EVIDENCE_ROWS`. Best effort: never changes the reply."""
        if not (exc.status == 422 or (exc.status == 409 and exc.size == req.old)):
            return
        try:
            with conn:
                conn.execute("INSERT INTO evidence (at, origin, status, reason, request) VALUES (?, ?, ?, ?, ?)",
                             (int(time.time()), req.checkpoint.origin, exc.status, exc.message, body))
                conn.execute("DELETE FROM evidence WHERE id <= (SELECT MAX(id) FROM evidence) - ?",
                             (MAX_EVIDENCE_ROWS,))
        except sqlite3.Error:
            pass

    def latest(self) -> dict[str, Any]:
        """``accord.witness.logs/v1``: the witness's key and, per configured log, what it last
        cosigned (size, root, the checkpoint note with its cosignature, when)."""
        with closing(_connect(self.state)) as conn:
            rows = conn.execute("SELECT origin, size, root, checkpoint, cosigned_at FROM logs "
                                "ORDER BY origin").fetchall()
            evidence = conn.execute("SELECT origin, COUNT(*) FROM evidence GROUP BY origin").fetchall()
        refused = dict(evidence)
        logs = []
        for origin, size, root, checkpoint, at in rows:
            logs.append({"origin": origin, "size": size, "root": base64.b64encode(root).decode(),
                         "checkpoint": checkpoint,
                         "cosigned_at": _dt.datetime.fromtimestamp(at, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "refused_requests": refused.get(origin, 0)})
        return {"schema": LOGS_SCHEMA, "witness": self.signer.public.vkey, "logs": logs}


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

    @app.get("/logs")
    async def latest() -> JSONResponse:
        """What this witness last cosigned for each log (``accord.witness.logs/v1``)."""
        return JSONResponse(await run_in_threadpool(core.latest))

    @app.get("/")
    async def about() -> JSONResponse:
        """The witness's name and verifier key, and the logs it witnesses."""
        return JSONResponse({"schema": "accord.witness/v1", "name": signer.name, "vkey": signer.public.vkey,
                             "logs": sorted(logs), "add_checkpoint": "/add-checkpoint"})

    return app

