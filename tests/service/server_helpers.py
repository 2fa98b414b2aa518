"""A real log server for tests: uvicorn on 127.0.0.1, a free port chosen here, in a thread that
stops at the end of the ``with`` block; and a fresh ledger on SQLite or the real PostgreSQL."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from accord.ledger import Ledger, PrivateKey, generate_key
from accord.ledger.stores import open_store


@dataclass(frozen=True)
class Keys:
    us: PrivateKey
    ru: PrivateKey
    log: PrivateKey


def new_keys() -> Keys:
    return Keys(generate_key("US"), generate_key("RU"), generate_key("log"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """An ASGI app served by uvicorn in a thread on 127.0.0.1 (lifespan on)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                timeout_keep_alive=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(60)
        assert not self.thread.is_alive(), "the server did not stop"


@contextmanager
def log_server(db: str, log_key: PrivateKey, **options: Any) -> Iterator[LiveServer]:
    """A log server over ``db`` (checkpoint interval 0.05 s unless given)."""
    from accord.service.app import create_log_app
    from accord.service.config import LogConfig

    options.setdefault("checkpoint_interval", 0.05)
    with LiveServer(create_log_app(LogConfig(db, log_key, **options))) as server:
        yield server


def fresh_url(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL for an empty database on ``backend`` (``sqlite`` or ``postgres``), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}?synchronous=full"
        return
    base = request.getfixturevalue("postgres_url")
    url = f"{base}{'&' if '?' in base else '?'}schema=accord_svc_{uuid.uuid4().hex[:12]}"
    yield url
    with open_store(url) as store:
        store.drop()  # type: ignore[attr-defined]


def create_ledger(url: str, keys: Keys, **options: Any) -> str:
    """Make a ledger between US and RU with the log key; only US files inspection reports.
    Returns its origin."""
    with Ledger.create(url, agreement="test-agreement", parties=[keys.us.public, keys.ru.public],
                       log_key=keys.log.public, restrictions={"inspection-report": ["US"]},
                       origin="example.org/accord-test", **options) as ledger:
        return ledger.origin


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something true (a generous deadline: not a timing test)."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def checkpoint_size(url: str) -> int:
    r = httpx.get(f"{url}/checkpoint", timeout=30)
    return int(r.text.split("\n")[1]) if r.status_code == 200 else -1


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf *hashes*, written here from the RFC (not accord's)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()
