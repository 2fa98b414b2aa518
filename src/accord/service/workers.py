"""Threads that own store connections, for the asynchronous server.

A SQLite connection may only be used by the thread that opened it, and every store call blocks;
the event loop must do neither. So each store connection lives in one thread of its own:

- :class:`StorePool` — a few reader threads, each with its own store opened from the URL; a
  read is a function ``fn(store)`` run in whichever thread is free;
- :class:`LedgerWriter` — the single writer thread, holding the one :class:`~accord.ledger.Ledger`
  that appends. Submissions waiting at the same moment are admitted as one batch (one
  transaction, one commit: *group commit*); a batch the ledger refuses is retried entry by
  entry, so one bad entry never takes others down with it, and (admission being all or
  nothing) nothing of a refused entry is written.

Each thread closes its store when stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import DuplicateLeafError, EntryRejected, InputError, StoreError
from ..ledger import Ledger
from ..ledger.entries import SignedEntry
from ..ledger.keys import PrivateKey
from ..ledger.receipts import Receipt, issue_receipt
from ..ledger.stores import Store, open_store

__all__ = ["Admitted", "LedgerWriter", "Overloaded", "StorePool"]

T = TypeVar("T")
_log = logging.getLogger("accord.service")
_STOP = object()
_REPLAY = re.compile(r"already at index (\d+)")


class Overloaded(Exception):
    """The writer's queue is full: the submission was not taken (nothing was written)."""


@dataclass(frozen=True)
class Admitted:
    """A submitted entry as the log holds it: its ``index``, ``leaf_hash``, whether this
    submission ``created`` it (``False``: it was already there) and the log's ``receipt``."""

    index: int
    leaf_hash: bytes
    created: bool
    receipt: Receipt


class StorePool:
    """``threads`` threads, each with its own store opened from ``url``; :meth:`submit` runs a
    function of the store in whichever is free."""

    def __init__(self, url: str, threads: int = 4, *, name: str = "accord-reader") -> None:
        self.url = url
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(threads)]
        for t in self._threads:
            t.start()

    def _run(self) -> None:
        store: Store | None = None
        try:
            while True:
                job = self._jobs.get()
                if job is _STOP:
                    return
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if store is None:
                        store = open_store(self.url)
                    future.set_result(fn(store))
                except BaseException as exc:  # handed to the caller, who decides what it means
                    future.set_exception(exc)
        finally:
            if store is not None:
                store.close()

    def submit(self, fn: Callable[[Store], T]) -> cf.Future[T]:
        """Run ``fn(store)`` in a reader thread; its result (or exception) in the future."""
        future: cf.Future[T] = cf.Future()
        self._jobs.put((fn, future))
        return future

    def call(self, fn: Callable[[Store], T], timeout: float | None = None) -> T:
        """:meth:`submit` and wait (from a thread that is not the event loop's)."""
        return self.submit(fn).result(timeout)

    def stop(self) -> None:
        """Let queued reads finish, then close every thread's store."""
        for _ in self._threads:
            self._jobs.put(_STOP)
        for t in self._threads:
            t.join()


def _settle(futures: Sequence[cf.Future[Admitted]], receipt: Receipt) -> None:
    """The waiters for one newly admitted entry: the first submission created it, any others
    (the same bytes, submitted at the same moment) find it there."""
    for i, f in enumerate(futures):
        f.set_result(Admitted(receipt.index, receipt.leaf_hash, i == 0, receipt))


def replayed_index(err: BaseException) -> int | None:
    """The index of the stored entry a refused submission replays, or ``None`` when the refusal
    was for another reason. The ledger refuses a replay with :class:`EntryRejected` raised
    while handling the store's :class:`DuplicateLeafError` (which carries the index)."""
    seen: set[int] = set()
    exc: BaseException | None = err
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DuplicateLeafError):
            return exc.index
        exc = exc.__cause__ or exc.__context__
    m = _REPLAY.search(str(err)) if isinstance(err, EntryRejected) else None
    return int(m.group(1)) if m else None


class LedgerWriter:
    """The one thread that appends to the ledger at ``url`` (see the module docstring).

    ``on_commit(size)`` is called from the writer thread after every committed batch.
    """

    def __init__(self, url: str, log_key: PrivateKey, *, max_merge_delay: int, on_commit: Callable[[], None],
                 max_batch: int = 512, max_queue: int = 20_000) -> None:
        self.url = url
        self._log_key = log_key
        self._max_merge_delay = max_merge_delay
        self._on_commit = on_commit
        self._max_batch = max_batch
        # Unbounded, so a checkpoint or cosignature call is never refused; entries are bounded
        # by the semaphore (a slot is taken at submission and given back when the batch is taken).
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(max_queue)
        self._thread = threading.Thread(target=self._run, name="accord-writer", daemon=True)
        self._thread.start()

    # -- what callers submit -----------------------------------------------------------------
    def submit_entry(self, signed: SignedEntry) -> cf.Future[Admitted]:
        """Queue ``signed`` for admission; :class:`Overloaded` when the queue is full."""
        if not self._slots.acquire(blocking=False):
            raise Overloaded("the log's write queue is full")
        future: cf.Future[Admitted] = cf.Future()
        self._jobs.put(("entry", signed, future))
        return future

    def submit_call(self, fn: Callable[[Ledger], T]) -> cf.Future[T]:
        """Run ``fn(ledger)`` in the writer thread, between batches (checkpoints, cosignatures)."""
        future: cf.Future[T] = cf.Future()
        self._jobs.put(("call", fn, future))
        return future

    def stop(self) -> None:
        """Finish what is queued, then close the ledger."""
        self._jobs.put(_STOP)
        self._thread.join()

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        ledger: Ledger | None = None
        pending: Any = None
        try:
            while True:
                job = pending if pending is not None else self._jobs.get()
                pending = None
                if job is _STOP:
                    return
                if ledger is None:
                    try:
                        ledger = Ledger.open(self.url)
                    except BaseException as exc:
                        self._fail(job, exc)
                        continue
                if job[0] == "call":
                    _, fn, future = job
                    if future.set_running_or_notify_cancel():
                        try:
                            future.set_result(fn(ledger))
                        except BaseException as exc:
                            future.set_exception(exc)
                    continue
                batch = [job]
                while len(batch) < self._max_batch:  # everything already waiting joins this commit
                    try:
                        nxt = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP or nxt[0] != "entry":
                        pending = nxt
                        break
                    batch.append(nxt)
                for _ in batch:
                    self._slots.release()
                self._append(ledger, [(s, f) for _, s, f in batch])
        finally:
            if ledger is not None:
                ledger.close()

    def _fail(self, job: Any, exc: BaseException) -> None:
        if job[0] == "entry":
            self._slots.release()
        if job[-1].set_running_or_notify_cancel():
            job[-1].set_exception(exc)

    def _append(self, ledger: Ledger, jobs: Sequence[tuple[SignedEntry, cf.Future[Admitted]]]) -> None:
        # The same entry submitted twice at once is one entry with two waiters.
        groups: dict[bytes, list[cf.Future[Admitted]]] = {}
        entries: dict[bytes, SignedEntry] = {}
        for signed, future in jobs:
            if future.set_running_or_notify_cancel():
                leaf = signed.leaf_hash
                groups.setdefault(leaf, []).append(future)
                entries.setdefault(leaf, signed)
        if not entries:
            return
        try:
            receipts = ledger.append_with_receipts(list(entries.values()), self._log_key,
                                                   max_merge_delay=self._max_merge_delay)
        except (InputError, StoreError) as exc:
            if len(entries) > 1:  # someone's entry was refused: admit the others one by one
                for leaf, signed in entries.items():
                    self._append_one(ledger, signed, groups[leaf])
                return
            leaf = next(iter(entries))
            self._settle_refusal(ledger, entries[leaf], groups[leaf], exc)
            return
        except Exception as exc:  # not a refusal: every waiter hears of it; the writer carries on
            _log.exception("append failed")
            for futures in groups.values():
                for f in futures:
                    f.set_exception(exc)
            return
        self._committed()
        for receipt in receipts:
            _settle(groups[receipt.leaf_hash], receipt)

    def _append_one(self, ledger: Ledger, signed: SignedEntry, futures: list[cf.Future[Admitted]]) -> None:
        try:
            (receipt,) = ledger.append_with_receipts([signed], self._log_key, max_merge_delay=self._max_merge_delay)
        except (InputError, StoreError) as exc:
            self._settle_refusal(ledger, signed, futures, exc)
            return
        except Exception as exc:
            _log.exception("append failed")
            for f in futures:
                f.set_exception(exc)
            return
        self._committed()
        _settle(futures, receipt)

    def _settle_refusal(self, ledger: Ledger, signed: SignedEntry, futures: list[cf.Future[Admitted]],
                        exc: BaseException) -> None:
        """A refused entry: a replay of a stored one is answered with where it is (idempotent
        resubmission); any other refusal goes back to the submitter."""
        index = replayed_index(exc)
        leaf = signed.leaf_hash
        if index is not None:
            try:
                row = ledger.store.row(index)
                if row is not None and row.leaf == leaf:
                    receipt = issue_receipt(self._log_key, ledger.origin, index, leaf,
                                            max_merge_delay=self._max_merge_delay)
                    for f in futures:
                        f.set_result(Admitted(index, leaf, False, receipt))
                    return
            except (InputError, StoreError) as err:
                exc = err
        for f in futures:
            f.set_exception(exc)

    def _committed(self) -> None:
        try:
            self._on_commit()
        except Exception:  # a listener's failure must not stop the writer
            _log.exception("commit listener failed")
