"""Connections that must bring a request in time: uvicorn's HTTP/1.1 protocol, bounded.

uvicorn (0.3x–0.5x) times out a connection only while it is idle *after* a response
(``timeout_keep_alive``): one that connects and sends nothing, or half a request line, is held
for ever, and once ``limit_concurrency`` connections are held every new request is answered 503.
Anyone can do that to a witness or a log server with a few hundred sockets.

:class:`BoundedH11Protocol` closes a connection that has not brought a whole request head within
``ACCORD_MAX_REQUEST_SECONDS`` of opening, or of its previous response. A request being read
or answered is left alone (the app bounds its body and its time itself). Pass it to uvicorn as
``uvicorn.Config(app, http=BoundedH11Protocol, ...)``, or let :func:`run_server` do it.

:func:`listen` and :func:`run_server` are what ``accord serve`` and ``accord witness serve`` share:
bind the socket first (so a bad ``--host`` or ``--port`` is one line, exit 2, and port 0's choice
can be printed), then serve on it until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .. import limits
from ..errors import InputError

__all__ = ["BoundedH11Protocol", "listen", "run_server"]


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that bring no request head in time."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(limits.MAX_REQUEST_SECONDS, self._head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return  # a request is being read or answered: its own limits apply, then we re-arm
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def listen(host: str, port: int, *, backlog: int, nodelay: bool = False) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port), with ``SO_REUSEADDR`` and, if
    ``nodelay``, ``TCP_NODELAY``. When it cannot be had: an :class:`InputError` naming ``--host``
    (cannot resolve) or ``--port`` (cannot bind or listen), one line, and no socket left open."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot resolve {host!r}: {getattr(exc, 'strerror', None) or exc}", field="--host") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if nodelay:
            # Inherited by accepted sockets: no Nagle delay (40 ms with delayed ACKs) on small replies.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="--port") from None
    return sock


def run_server(app: Any, sock: socket.socket, *, limit_concurrency: int) -> None:
    """Serve ``app`` with uvicorn on ``sock`` until Ctrl-C: at most ``limit_concurrency``
    connections at once (more are answered 503), each closed when it brings no request head in
    time (:class:`BoundedH11Protocol`, so idle sockets cannot hold every place) or stays idle 5 s
    after a response; warnings only, no access log."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=5,
                                           limit_concurrency=limit_concurrency, http=BoundedH11Protocol))
    server.run(sockets=[sock])
