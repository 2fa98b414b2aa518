"""The log server's HTTP interface (FastAPI, served by uvicorn): C2SP tlog-tiles at the root,
``POST /add-entry`` for the parties, and a JSON description of the log.

Every error is JSON ``accord.service.error/v1`` with a 4xx status for a bad request (503 when
the store or the writer cannot serve it now): a malformed path or body is 400, a resource
beyond the published checkpoint 404, a body too large 413 (before it is read), a body too slow
408, an entry the ledger refuses 422. docs/service.md describes each resource.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__, limits
from ..errors import InputError
from .config import LogConfig
from .log_service import ApiError, LogService
from .tiles import parse_tile_path

__all__ = ["ERROR_SCHEMA", "create_log_app"]

ERROR_SCHEMA = "accord.service.error/v1"
IMMUTABLE = "public, max-age=31536000, immutable"
_OCTETS = "application/octet-stream"
_log = logging.getLogger("accord.service")


class ErrorBody(BaseModel):
    """Every error the server answers."""

    schema_: str = Field(ERROR_SCHEMA, alias="schema")
    ok: bool = False
    status: int
    error: str


class ReceiptBody(BaseModel):
    """accord.ledger.receipt/v1: the log's signed promise (docs/ledger.md)."""

    schema_: str = Field(alias="schema")
    origin: str
    index: int
    leaf_hash: str
    timestamp: str
    max_merge_delay: int
    key_name: str
    key_id: str
    signature: str


class AddEntryBody(BaseModel):
    """The answer to an admitted (or already stored) entry."""

    schema_: str = Field("accord.service.add-entry/v1", alias="schema")
    origin: str
    index: int
    leaf_hash: str
    created: bool
    receipt: ReceiptBody


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"schema": ERROR_SCHEMA, "ok": False, "status": status, "error": message}, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": what} for code, what in (
        (400, "malformed request"), (404, "no such resource (yet)"), (503, "the log cannot serve this now"))
}


def _octets(what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {_OCTETS: {"schema": {"type": "string", "format": "binary"}}}},
            **_ERRORS}


async def _read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The request body, at most ``limit`` bytes, received within ``seconds``."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isascii() or not length.isdigit():
            raise ApiError(400, "Content-Length is not a whole number")
        if int(length) > limit:
            raise ApiError(413, f"request body of {int(length):,} bytes is over the limit of {limit:,}")
    chunks: list[bytes] = []
    total = 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                total += len(chunk)
                if total > limit:
                    raise ApiError(413, f"request body is over the limit of {limit:,} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, f"request body not received within {seconds:g} s") from None
    except ClientDisconnect:
        raise ApiError(400, "the client went away before sending its body") from None
    return b"".join(chunks)


def create_log_app(config: LogConfig, *, monitor_state: Path | None = None) -> FastAPI:
    """The ASGI app of a log server for ``config`` (the ledger and key are checked here:
    :class:`InputError`); its lifespan starts and stops the :class:`LogService`, reachable as
    ``app.state.log``. The dashboard is served under ``/dashboard/``, with the findings of the
    monitor whose state folder is ``monitor_state`` when one is given."""
    service = LogService(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="accord log server",
        version=__version__,
        summary="An accord ledger over HTTP: C2SP tlog-tiles at the root, POST /add-entry for the parties.",
        lifespan=lifespan,
        docs_url=None,  # the interactive pages load assets from a CDN; the server makes no outside request
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.log = service
    app.state.monitor_state = monitor_state
    _handlers(app)
    _routes(app, service)
    from .dashboard import dashboard_router

    app.include_router(dashboard_router(), prefix="/dashboard")
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return _error(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(400, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(Exception)
    async def bug(_request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug, logged
        _log.error("unexpected error", exc_info=exc)
        return _error(500, f"internal error: {exc.__class__.__name__}")


def _routes(app: FastAPI, service: LogService) -> None:
    @app.get("/checkpoint", response_class=PlainTextResponse, tags=["tlog-tiles"],
             responses={200: {"description": "the latest published checkpoint (a C2SP signed note)",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}, 503: _ERRORS[503]})
    async def checkpoint() -> Response:
        """The latest published checkpoint: signed by the log, with the parties' and the
        witnesses' cosignatures (C2SP tlog-checkpoint, tlog-cosignature)."""
        pub = service.published
        if pub is None:
            raise ApiError(503, "no checkpoint published yet")
        return PlainTextResponse(pub.text(), media_type="text/plain; charset=utf-8",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/tile/entries/{index:path}", tags=["tlog-tiles"], responses=_octets("an entry bundle"))
    async def entry_bundle(index: str, request: Request) -> Response:
        """Entry bundle ``N[.p/W]``: each entry (signature || statement) after its length as a
        big-endian uint16 (C2SP tlog-tiles). An entry over 65,535 bytes cannot be framed so:
        the bundle is a 404 pointing at ``/accord/entries/``."""
        return await _bundle(service, request, index, wide=False)

    @app.get("/tile/{level}/{index:path}", tags=["tlog-tiles"], responses=_octets("a hash tile"))
    async def hash_tile(level: str, index: str) -> Response:
        """Hash tile ``N[.p/W]`` at tile level ``L`` (C2SP tlog-tiles): 32-byte SHA-256 Merkle
        Tree Hashes, 256 in a full tile."""
        tile = _tile(level, index)
        data = await service.hash_tile(tile)
        return Response(data, media_type=_OCTETS, headers={"Cache-Control": IMMUTABLE})

    @app.get("/accord/entries/{index:path}", tags=["accord"], responses=_octets("an entry bundle, 32-bit lengths"))
    async def wide_bundle(index: str, request: Request) -> Response:
        """The entry bundle ``N[.p/W]`` with each entry's length as a big-endian uint32, for
        entries the tlog-tiles encoding cannot frame (same availability as the tiles)."""
        return await _bundle(service, request, index, wide=True)

    @app.post("/add-entry", tags=["accord"], response_model=AddEntryBody, response_model_by_alias=True,
              responses={**_ERRORS, 408: {"model": ErrorBody, "description": "body too slow"},
                         413: {"model": ErrorBody, "description": "entry or body too large"},
                         422: {"model": ErrorBody, "description": "refused by the ledger's admission rules"}},
              openapi_extra={"requestBody": {"required": True, "description": (
                  "The signed entry: its 64-byte Ed25519 signature, then the RFC 8785 statement "
                  "{issued_at, kind, party, payload} (the log entry exactly as stored and served)."),
                  "content": {_OCTETS: {"schema": {"type": "string", "format": "binary"}}}}})
    async def add_entry(request: Request) -> JSONResponse:
        """Admit a party's signed entry; answered once it is committed (``created`` false when
        the same entry was already in the log: resubmitting is safe)."""
        limit = min(limits.MAX_REQUEST_BYTES, service.config.max_entry_bytes)
        body = await _read_body(request, limit, limits.MAX_REQUEST_SECONDS)
        admitted = await service.add_entry(body)
        return JSONResponse({
            "schema": "accord.service.add-entry/v1", "origin": service.origin, "index": admitted.index,
            "leaf_hash": base64.b64encode(admitted.leaf_hash).decode(), "created": admitted.created,
            "receipt": admitted.receipt.to_json(),
        }, headers={"Cache-Control": "no-store"})

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        """A browser opening the log's URL lands on the dashboard."""
        return RedirectResponse("/dashboard/", status_code=307)

    @app.get("/accord/info", tags=["accord"], responses={503: _ERRORS[503]})
    async def info() -> JSONResponse:
        """``accord.service.info/v1``: origin, agreement, log and party keys, the published
        checkpoint and what the log knows of each witness."""
        return JSONResponse(service.info(), headers={"Cache-Control": "no-cache"})


def _tile(level: str | None, index: str) -> Any:
    try:
        return parse_tile_path(level, index)
    except InputError as err:
        raise ApiError(400, err.problem) from None


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (``gzip`` or ``*`` with a q above 0)."""
    for item in header.lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


async def _bundle(service: LogService, request: Request, index: str, *, wide: bool) -> Response:
    tile = _tile(None, index)
    gzip = _accepts_gzip(request.headers.get("accept-encoding", ""))
    data = await service.entry_bundle(tile, wide=wide, gzip=gzip)
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    if gzip:
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=_OCTETS, headers=headers)
