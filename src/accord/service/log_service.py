"""The log server's engine: admission over HTTP, checkpoint publication, witnesses, tiles.

:class:`LogService` owns one writer thread and a few reader threads (:mod:`.workers`) over the
ledger's store, and one asynchronous *publisher*:

- a submission (:meth:`LogService.add_entry`) is parsed, handed to the writer, and answered only
  once its batch is committed (a SQLite store opens with ``synchronous=full``, see
  :func:`~accord.service.config.durable_url`); a replay of a stored entry is answered with the
  entry's index (idempotent), anything the ledger refuses leaves nothing behind;
- within ``checkpoint_interval`` seconds of a commit (at most one checkpoint per interval), the
  publisher signs a checkpoint with the log key, asks every configured witness to cosign it
  (C2SP tlog-witness ``add-checkpoint``, with a consistency proof from the size the witness last
  cosigned), and *publishes* it with the parties' stored cosignatures and the cosignatures of the
  witnesses that answered. A witness that did not answer is asked again a few seconds later;
- tiles and entry bundles (:mod:`.tiles`) are read only within the published checkpoint, and the
  immutable ones are cached.

The published checkpoint is what ``GET /checkpoint`` serves. Witness cosignatures are kept in
memory for the published checkpoint: after a restart the witnesses are asked again, which the
protocol allows (a witness cosigns again a checkpoint of the size it last cosigned, same root).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures as cf
import contextlib
import gzip
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from .. import limits
from ..errors import InputError, StoreError
from ..ledger import Ledger
from ..ledger.cosignature import cosigners
from ..ledger.entries import SignedEntry
from ..ledger.merkle import leaf_hash
from ..ledger.note import Checkpoint, Note, NoteSignature
from ..ledger.stores import Store, TreeStore
from .config import LogConfig, WitnessConfig
from .tiles import Tile, bundle_bytes, tile_nodes
from .workers import Admitted, LedgerWriter, Overloaded, StorePool

__all__ = ["ApiError", "LogService", "Published", "WitnessStatus"]

T = TypeVar("T")
_log = logging.getLogger("accord.service")
#: Bytes of immutable tiles and bundles kept in memory.
CACHE_BYTES = 64 << 20
#: A bundle larger than this is served but not cached.
_CACHE_ONE_MAX = 8 << 20


class ApiError(Exception):
    """A request the server answers with ``status`` and a one-line ``message`` (JSON)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Published:
    """The checkpoint the server serves: its body, the note with every signature it carries,
    the witnesses whose valid cosignature is on it, and when it was published (POSIX time)."""

    checkpoint: Checkpoint
    note: Note
    witnesses: tuple[str, ...]
    at: float

    @property
    def size(self) -> int:
        return self.checkpoint.size

    def text(self) -> str:
        return self.note.encode()


@dataclass
class WitnessStatus:
    """What the log knows of one witness: the size it last cosigned (as far as the log knows),
    whether it cosigned the published checkpoint, and its last error."""

    name: str
    url: str
    size: int | None = None
    cosigned: int | None = None
    error: str | None = None
    at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "size": self.size, "cosigned": self.cosigned,
                "error": self.error, "at": self.at}


class _ByteCache:
    """A least-recently-used map bounded by the bytes it holds (used from the event loop only)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._items: OrderedDict[Any, bytes] = OrderedDict()

    def get(self, key: Any) -> bytes | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: bytes) -> None:
        if len(value) > _CACHE_ONE_MAX or key in self._items:
            return
        self._items[key] = value
        self._held += len(value)
        while self._held > self._limit:
            _, old = self._items.popitem(last=False)
            self._held -= len(old)


def _level0(store: Store, first: int, width: int) -> list[bytes]:
    """The bodies of entries ``first .. first+width-1``, each checked against its stored leaf
    hash (a damaged store never serves a bundle that disagrees with its tile)."""
    bodies: list[bytes] = []
    for idx, _kind, _party, _at, leaf, body in store.scan(first, first + width):
        if idx != first + len(bodies) or leaf_hash(body) != leaf:
            raise StoreError(f"entry {idx} is damaged (run `accord ledger audit`)", file=store.display_url)
        bodies.append(body)
    if len(bodies) != width:
        raise StoreError(f"entries {first + len(bodies)}.. are missing", file=store.display_url)
    return bodies


def _hash_tile(store: Store, tile: Tile) -> bytes:
    if tile.level == 0:
        return b"".join(leaf_hash(b) for b in _level0(store, tile.first(), tile.width))
    keys = tile_nodes(tile)
    if not isinstance(store, TreeStore):  # every backend is one; the Store protocol has no node reads
        raise StoreError("this store cannot read tree nodes", file=store.display_url)
    found = store.nodes(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        raise StoreError(f"stored tree is missing node level {missing[0][0]} index {missing[0][1]}",
                         file=store.display_url)
    return b"".join(found[k] for k in keys)


class LogService:
    """The log server's state and work (see the module docstring). Construct it (checks the
    ledger and the key: :class:`InputError`), then ``await start()`` / ``await stop()``."""

    def __init__(self, config: LogConfig) -> None:
        self.config = config
        self.url = config.db
        with Ledger.open(self.url) as ledger:
            if config.log_key.public not in ledger.log_signers(ledger.size()):
                key = config.log_key
                raise InputError(f"key {key.name} ({key.public.id.hex()}) is not this ledger's log key",
                                 field="log_key")
            self.origin = ledger.origin
            self.ledger_info = ledger.info
        self.published: Published | None = None
        self.witnesses = {w.name: WitnessStatus(w.name, w.url) for w in config.witnesses}
        self._witness_sigs: dict[str, NoteSignature] = {}
        self._cache = _ByteCache(CACHE_BYTES)
        self._readers: StorePool | None = None
        self._writer: LedgerWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._http: dict[str, httpx.Client] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty: asyncio.Event | None = None
        self._last_checkpoint = float("-inf")
        self._retry_at = float("inf")

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the threads, publish the latest checkpoint (making one if there is none), and
        start the publisher."""
        self._loop = asyncio.get_running_loop()
        self._dirty = asyncio.Event()
        self._readers = StorePool(self.url, self.config.readers)
        self._writer = LedgerWriter(self.url, self.config.log_key, max_merge_delay=self.config.max_merge_delay,
                                    on_commit=self._signal)
        self._http = {w.name: httpx.Client(timeout=self.config.witness_timeout) for w in self.config.witnesses}
        try:
            latest = await self._write(lambda ledger: ledger.latest_checkpoint())
            if latest is None:
                latest = await self._write(lambda ledger: ledger.checkpoint(self.config.log_key))
                self._last_checkpoint = self._loop.time()
            cp, note = latest
            await self._publish(cp, note)
        except BaseException:
            await self.stop()
            raise
        if self.config.witnesses:
            self._retry_at = self._loop.time()  # ask the witnesses about what is published now
        self._dirty.set()
        self._task = asyncio.create_task(self._publisher(), name="accord-publisher")

    async def stop(self) -> None:
        """Stop the publisher, let queued writes finish, close every store and client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._writer is not None:
            await asyncio.to_thread(self._writer.stop)
            self._writer = None
        if self._readers is not None:
            await asyncio.to_thread(self._readers.stop)
            self._readers = None
        for client in self._http.values():
            client.close()
        self._http = {}

    def _signal(self) -> None:
        """Called by the writer thread after each commit: wake the publisher."""
        loop, dirty = self._loop, self._dirty
        if loop is not None and dirty is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between: nobody to wake
                loop.call_soon_threadsafe(dirty.set)

    # -- plumbing ----------------------------------------------------------------------------
    async def read(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` run in a reader thread (each has its own store connection)."""
        if self._readers is None:
            raise ApiError(503, "the log is not running")
        return await asyncio.wrap_future(self._readers.submit(fn))

    async def _write(self, fn: Callable[[Ledger], T]) -> T:
        if self._writer is None:
            raise ApiError(503, "the log is not running")
        return await asyncio.wrap_future(self._writer.submit_call(fn))

    # -- the write side ----------------------------------------------------------------------
    async def add_entry(self, body: bytes) -> Admitted:
        """Admit one submitted entry (the leaf bytes: signature || canonical statement) and
        return where it is once committed; :class:`ApiError` with the status to answer."""
        if len(body) > self.config.max_entry_bytes:
            raise ApiError(413, f"entry is {len(body):,} bytes, over this log's limit of "
                                f"{self.config.max_entry_bytes:,} (C2SP tlog-tiles entry bundles frame at most 65,535)")
        try:
            signed = SignedEntry.from_body(body)
        except InputError as err:
            raise ApiError(400, f"not a signed entry (64-byte signature, then a canonical statement): "
                                f"{err.one_line()}") from None
        if self._writer is None:
            raise ApiError(503, "the log is not running")
        try:
            future = self._writer.submit_entry(signed)
        except Overloaded as exc:
            raise ApiError(503, f"{exc}; try again later", {"Retry-After": "1"}) from None
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), limits.MAX_REQUEST_SECONDS)
        except TimeoutError:
            raise ApiError(503, f"the entry was not committed within {limits.MAX_REQUEST_SECONDS} s; submitting the "
                                "same bytes again is safe (a stored entry is answered with its index)") from None
        except InputError as err:
            if err.field == "log_key":  # the server's key stopped being the log's: not the submitter's fault
                raise ApiError(503, f"the log cannot sign receipts: {err.problem}") from None
            raise ApiError(422, f"entry refused: {err.problem if err.field is None else err.one_line()}") from None
        except StoreError as err:
            raise ApiError(503, f"the log's store failed: {err.problem}") from None

    # -- the read side -----------------------------------------------------------------------
    def _available(self, tile: Tile) -> None:
        pub = self.published
        if pub is None:
            raise ApiError(503, "no checkpoint published yet")
        if tile.needs() > pub.size:
            raise ApiError(404, f"{tile.path()} is beyond the published checkpoint (size {pub.size})")

    async def hash_tile(self, tile: Tile) -> bytes:
        """The bytes of a hash tile within the published checkpoint (404 beyond it)."""
        self._available(tile)
        key = ("tile", tile.level, tile.index, tile.width)
        data = self._cache.get(key)
        if data is None:
            data = await self._guard(self.read(lambda store: _hash_tile(store, tile)))
            self._cache.put(key, data)
        return data

    async def entry_bundle(self, tile: Tile, *, wide: bool = False, gzip: bool = False) -> bytes:
        """An entry bundle within the published checkpoint: uint16-framed as the spec says, or
        uint32-framed with ``wide``; gzip-compressed with ``gzip``. A bundle holding an entry the
        spec cannot frame is a 404 naming the entry and pointing at the wide form."""
        if gzip:
            key = ("bundle.gz", wide, tile.index, tile.width)
            data = self._cache.get(key)
            if data is None:
                raw = await self.entry_bundle(tile, wide=wide)
                data = _gzip(raw) if len(raw) < 1 << 16 else await asyncio.to_thread(_gzip, raw)
                self._cache.put(key, data)
            return data
        self._available(tile)
        key = ("bundle", wide, tile.index, tile.width)
        data = self._cache.get(key)
        if data is None:
            bodies = await self._guard(self.read(lambda store: _level0(store, tile.first(), tile.width)))
            try:
                data = bundle_bytes(bodies, wide=wide)
            except ValueError:
                big = next(i for i, b in enumerate(bodies) if len(b) > 0xFFFF)
                alt = "/accord/entries/" + tile.path().removeprefix("tile/entries/")
                raise ApiError(404, f"entry {tile.first() + big} is {len(bodies[big]):,} bytes, more than a "
                                    f"tlog-tiles entry bundle can frame (65,535); {alt} serves it with 32-bit lengths",
                               {"Link": f'<{alt}>; rel="alternate"'}) from None
            self._cache.put(key, data)
        return data

    @staticmethod
    async def _guard(coro: Any) -> Any:
        try:
            return await coro
        except StoreError as err:
            raise ApiError(503, f"the log's store failed: {err.problem}") from None

    # -- publishing --------------------------------------------------------------------------
    async def _publisher(self) -> None:
        assert self._loop is not None and self._dirty is not None
        interval = self.config.checkpoint_interval
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._dirty.wait(), interval)
                self._dirty.clear()
                wait = self._last_checkpoint + interval - self._loop.time()
                if wait > 0:  # at most one checkpoint per interval
                    await asyncio.sleep(wait)
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a store or witness failure: log it, try again next interval
                _log.exception("publishing a checkpoint failed")
                await asyncio.sleep(interval)

    async def _tick(self) -> None:
        assert self._loop is not None
        pub = self.published
        size = await self.read(lambda store: store.size())  # also sees appends by other processes
        if pub is None or size > pub.size:
            cp, note = await self._write(lambda ledger: ledger.checkpoint(self.config.log_key))
            self._last_checkpoint = self._loop.time()
            self._witness_sigs = {}
            await self._ask_witnesses(cp, note)
            await self._publish(cp, note)
        elif self._loop.time() >= self._retry_at:
            await self._ask_witnesses(pub.checkpoint, pub.note)
            await self._publish(pub.checkpoint, pub.note)
        else:
            stored = await self.read(lambda store: store.cosignatures(pub.size))
            if any(NoteSignature(*s) not in pub.note.signatures for s in stored):
                await self._publish(pub.checkpoint, pub.note)  # a party cosigned meanwhile

    async def _publish(self, cp: Checkpoint, note: Note) -> None:
        """Publish ``cp``: its log-signed ``note`` with the stored cosignatures (parties, and
        witnesses where the store keeps them) and the witness cosignatures gathered for it."""
        stored = await self.read(lambda store: store.cosignatures(cp.size))
        full = note.with_signatures([NoteSignature(*s) for s in stored]).with_signatures(self._witness_sigs.values())
        keys = [w.key for w in self.config.witnesses]
        signed = tuple(sorted(cosigners(full, keys)))
        self.published = Published(cp, full, signed, time.time())
        for name, status in self.witnesses.items():
            if name in signed:
                status.cosigned = cp.size
        assert self._loop is not None
        missing = set(self.witnesses) - set(signed)
        self._retry_at = self._loop.time() + max(5.0, 5 * self.config.checkpoint_interval) if missing else float("inf")

    async def _ask_witnesses(self, cp: Checkpoint, note: Note) -> None:
        """Ask every configured witness that has not cosigned ``cp`` yet, all at once."""
        asking = [w for w in self.config.witnesses if w.name not in self._witness_sigs]
        if not asking:
            return
        log_note = Note(note.text, tuple(s for s in note.signatures if self._is_log_signature(s)))
        replies = await asyncio.gather(*(asyncio.to_thread(self._ask, w, cp, log_note) for w in asking))
        for w, sig in zip(asking, replies, strict=True):
            if sig is not None:
                self._witness_sigs[w.name] = sig
        # Witness cosignatures are published on the checkpoint, not stored: the ledger's cosignatures
        # table holds the parties' 64-byte signatures; a restarted server asks its witnesses again.

    def _is_log_signature(self, sig: NoteSignature) -> bool:
        key = self.config.log_key.public
        return sig.name == key.name and sig.key_id == key.id

    def _ask(self, witness: WitnessConfig, cp: Checkpoint, note: Note) -> NoteSignature | None:
        """One add-checkpoint exchange with ``witness`` (in a worker thread); its valid
        cosignature, or ``None`` (the reason kept in its status)."""
        from .witness_client import WitnessRefused, WitnessUnavailable, add_checkpoint

        status = self.witnesses[witness.name]
        readers = self._readers
        assert readers is not None

        def proof_for(old: int) -> Sequence[bytes]:
            if old <= 0 or old >= cp.size:
                return []
            return readers.call(lambda store: store.consistency_proof(old, cp.size), self.config.witness_timeout)

        old = status.size if status.size is not None and status.size <= cp.size else 0
        status.at = time.time()
        try:
            reply = add_checkpoint(witness.url, note, old_size=old, proof_for=proof_for, witness=witness.key,
                                   client=self._http.get(witness.name), timeout=self.config.witness_timeout)
        except WitnessRefused as exc:
            if exc.witness_size is not None:
                status.size = exc.witness_size
            status.error = f"refused ({exc.status}): {exc}"
            _log.warning("witness %s refused the checkpoint at size %d: %s", witness.name, cp.size, status.error)
            return None
        except (WitnessUnavailable, cf.TimeoutError, StoreError, InputError) as exc:
            status.error = f"unavailable: {exc}"
            _log.warning("witness %s did not answer for size %d: %s", witness.name, cp.size, exc)
            return None
        status.size = reply.size
        valid = [s for s in reply.signatures if witness.key.verify(note.text, s) is not None]
        if not valid:
            status.error = "answered without a valid cosignature by its key"
            return None
        status.error = None
        return valid[0]

    # -- what the info endpoint shows -----------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """``accord.service.info/v1``: the log's origin, keys, published checkpoint, witnesses."""
        pub = self.published
        return {
            "schema": "accord.service.info/v1",
            "origin": self.origin,
            "agreement": self.ledger_info.agreement,
            "log_key": self.config.log_key.public.vkey,
            "parties": {n: k.vkey for n, k in sorted(self.ledger_info.parties.items())},
            "checkpoint": None if pub is None else {"size": pub.size, "root": _b64(pub.checkpoint.root),
                                                    "witnesses": list(pub.witnesses), "published_at": pub.at},
            "witnesses": [self.witnesses[w.name].to_json() | {"vkey": w.key.vkey} for w in self.config.witnesses],
            "checkpoint_interval": self.config.checkpoint_interval,
            "max_entry_bytes": self.config.max_entry_bytes,
            "max_merge_delay": self.config.max_merge_delay,
        }


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()

