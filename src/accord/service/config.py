"""What a log server is started with: the ledger, the log's key, timing, witnesses, bounds.

Parsed and checked before the server listens, so a bad option is one line and exit code 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import InputError
from ..ledger.cosignature import WitnessKey, read_vkey
from ..ledger.keys import PrivateKey
from ..ledger.receipts import DEFAULT_MAX_MERGE_DELAY, check_max_merge_delay
from ..ledger.stores import open_store
from ..ledger.stores.sqlite import SQLiteStore
from .tiles import ENTRY_BUNDLE_MAX

__all__ = ["DEFAULT_INTERVAL", "LogConfig", "WitnessConfig", "durable_url", "parse_witness"]

#: Seconds between a commit and the checkpoint that covers it (at most one checkpoint per interval).
DEFAULT_INTERVAL = 1.0
#: Seconds a witness has to answer one add-checkpoint request.
DEFAULT_WITNESS_TIMEOUT = 5.0


@dataclass(frozen=True)
class WitnessConfig:
    """A witness the log asks to cosign each new checkpoint: its key and submission URL."""

    key: WitnessKey
    url: str

    @property
    def name(self) -> str:
        return self.key.name


@dataclass(frozen=True)
class LogConfig:
    """Everything :class:`~accord.service.log_service.LogService` needs.

    ``db`` is the store URL (a bare path is a SQLite file); ``log_key`` must be the ledger's log
    key; ``max_entry_bytes`` bounds one submitted entry (signature and statement) — by default
    the 65,535 bytes a tlog-tiles entry bundle can frame.
    """

    db: str
    log_key: PrivateKey
    checkpoint_interval: float = DEFAULT_INTERVAL
    witnesses: tuple[WitnessConfig, ...] = ()
    max_entry_bytes: int = ENTRY_BUNDLE_MAX
    max_merge_delay: int = DEFAULT_MAX_MERGE_DELAY
    witness_timeout: float = DEFAULT_WITNESS_TIMEOUT
    readers: int = 4

    def __post_init__(self) -> None:
        for name, value in (("checkpoint_interval", self.checkpoint_interval),
                            ("witness_timeout", self.witness_timeout)):
            if not isinstance(value, int | float) or not math.isfinite(value) or not 0.01 <= value <= 3600:
                raise InputError(f"must be a number of seconds from 0.01 to 3600, not {value!r}", field=name)
        if type(self.max_entry_bytes) is not int or self.max_entry_bytes < 65:
            raise InputError("must be a whole number of bytes >= 65 (a signature and a statement)",
                             field="max_entry_bytes")
        check_max_merge_delay(self.max_merge_delay)
        if type(self.readers) is not int or not 1 <= self.readers <= 64:
            raise InputError("must be a whole number from 1 to 64", field="readers")
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise InputError("a witness is given twice", field="witness")


def parse_witness(spec: str) -> WitnessConfig:
    """``NAME=VKEY@URL`` (VKEY: the witness's cosignature/v1 verifier key, or a file holding
    it; URL: its submission prefix, ``http(s)://host:port[/path]``)."""
    name, eq, rest = spec.partition("=")
    vkey, at, url = rest.partition("@")
    if not eq or not at or not name or not vkey or not url:
        raise InputError(f"{spec[:80]!r} is not NAME=VKEY@URL", field="witness")
    key = read_vkey(vkey, field="witness")
    if not isinstance(key, WitnessKey):
        raise InputError(f"{name}: the key is not a witness's cosignature/v1 (type 0x04) key", field="witness")
    if key.name != name:
        raise InputError(f"the key for {name!r} is named {key.name!r}", field="witness")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{name}: {url[:80]!r} is not an http(s) URL", field="witness")
    return WitnessConfig(key, url.rstrip("/"))


def durable_url(url: str) -> str:
    """``url``, made to commit durably: a SQLite store without a ``synchronous`` option opens
    with ``synchronous=full`` (every commit on disk when it returns; the server answers a
    submission only once it is committed). Other stores are returned unchanged (PostgreSQL
    commits are durable by default)."""
    if "synchronous=" in url:
        return url
    with open_store(url) as store:
        if not isinstance(store, SQLiteStore):
            return url
        path = str(store.path)
    if any(c in path for c in "?#%"):
        return url  # not expressible in a sqlite URL; keep the default
    return f"sqlite:///{path}?synchronous=full"
