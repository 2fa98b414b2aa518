"""Real servers for the network tests: uvicorn on 127.0.0.1, a free port, in a thread, stopped
by the test (or at the end of the ``with`` block) — and the small steps the tests repeat."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from accord.ledger import Ledger
from accord.ledger.entries import Entry, sign_entry, utc_now
from accord.ledger.keys import PrivateKey


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """An ASGI app served by uvicorn in a thread on 127.0.0.1 (lifespan on)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(20)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def log_server(db: str, log_key: PrivateKey, **config: Any) -> Iterator[LiveServer]:
    """A log server over the ledger ``db`` (checkpoint interval 0.05 s unless given)."""
    from accord.service.app import create_log_app
    from accord.service.config import LogConfig

    monitor_state = config.pop("monitor_state", None)
    config.setdefault("checkpoint_interval", 0.05)
    app = create_log_app(LogConfig(db, log_key, **config), monitor_state=monitor_state)
    with LiveServer(app) as server:
        yield server


def submit(url: str, key: PrivateKey, origin: str, kind: str, payload: dict[str, Any],
           issued_at: str | None = None) -> dict[str, Any]:
    """Sign an entry as ``key``'s party and POST it; the server's JSON answer (raises on non-200)."""
    signed = sign_entry(key, origin, Entry(kind, key.name, issued_at or utc_now(), payload))
    r = httpx.post(f"{url}/add-entry", content=signed.body, timeout=30)
    r.raise_for_status()
    out: dict[str, Any] = r.json()
    return out


def wait_for_checkpoint(url: str, size: int, timeout: float = 20.0) -> str:
    """The log's checkpoint note once it covers ``size`` entries."""
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{url}/checkpoint", timeout=5)
        if r.status_code == 200 and int(r.text.split("\n")[1]) >= size:
            return r.text
        if time.monotonic() > deadline:
            raise TimeoutError(f"no checkpoint of size {size} at {url} within {timeout} s: {r.text[:200]}")
        time.sleep(0.05)


def make_ledger(db: str, us: PrivateKey, ru: PrivateKey, log: PrivateKey, *, agreement: str = "newstart-2021",
                origin: str = "example.org/accord-monitor-test") -> str:
    """Create a two-party ledger with a separate log key; returns its origin."""
    with Ledger.create(db, agreement=agreement, parties=[us.public, ru.public], log_key=log.public,
                       origin=origin) as ledger:
        return ledger.origin
