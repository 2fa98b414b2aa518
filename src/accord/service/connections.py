"""Connections that must bring a request in time: uvicorn's HTTP/1.1 protocol, bounded.

uvicorn (0.3x–0.5x) times out a connection only while it is idle *after* a response
(``timeout_keep_alive``): one that connects and sends nothing, or half a request line, is held
for ever, and once ``limit_concurrency`` connections are held every new request is answered 503.
Anyone can do that to a witness or a log server with a few hundred sockets.

:class:`BoundedH11Protocol` closes a connection that has not brought a whole request head within
``ACCORD_MAX_REQUEST_SECONDS`` of opening, or of its previous response. A request being read
or answered is left alone (the app bounds its body and its time itself). Pass it to uvicorn as
``uvicorn.Config(app, http=BoundedH11Protocol, ...)``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .. import limits

__all__ = ["BoundedH11Protocol"]


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
