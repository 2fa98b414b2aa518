"""Signing a checkpoint reads only the latest stored checkpoint, not all of them.

A log server signs one checkpoint per interval (86,400 a day at 1 s); when each new checkpoint
read every stored one, its cost grew with the log's age until publication fell behind the
interval (docs/service.md). These tests count what the ledger reads from its store, not time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accord.errors import IntegrityError, StoreError
from accord.ledger import Ledger
from accord.ledger.entries import Entry, utc_now
from accord.ledger.note import Checkpoint
from accord.ledger.stores import open_store


class CountingStore:
    """A store that hands everything through and counts the checkpoint rows the ledger reads."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.checkpoint_rows = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def checkpoints(self) -> list[tuple[int, bytes, str]]:
        rows = self.inner.checkpoints()
        self.checkpoint_rows += len(rows)
        return rows

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        row = self.inner.latest_checkpoint()
        self.checkpoint_rows += row is not None
        return row

    def raw_rows(self, table: str, between: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        for row in self.inner.raw_rows(table, between):
            self.checkpoint_rows += table == "checkpoints"
            yield row


def _grow(ledger: Ledger, parties, checkpoints: int) -> None:
    for n in range(checkpoints):
        ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": n})])
        ledger.checkpoint(parties.log)


def test_signing_a_checkpoint_reads_one_stored_checkpoint(db_url, parties) -> None:
    with Ledger.create(db_url, agreement="x", parties=[parties.us.public, parties.ru.public],
                       log_key=parties.log.public) as made:
        _grow(made, parties, 40)
        made.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": "last"})])
    store = CountingStore(open_store(db_url))
    with Ledger(store) as ledger:
        cp, note = ledger.checkpoint(parties.log)  # 40 stored before it
        assert cp.size == 42 and note.signed_by(parties.log.public)
        assert store.checkpoint_rows <= 1
        store.checkpoint_rows = 0
        assert ledger.checkpoint(parties.log) == (cp, note)  # nothing new: the latest, unchanged
        assert ledger.latest_checkpoint() == (cp, note)
        assert store.checkpoint_rows <= 2
        assert len(ledger.checkpoint_notes()) == 41  # the listing still lists every one


def test_latest_stored_checkpoint_on_every_store(db_url, parties) -> None:
    with Ledger.create(db_url, agreement="x", parties=[parties.us.public, parties.ru.public],
                       log_key=parties.log.public) as ledger:
        assert ledger.store.latest_checkpoint() is None and ledger.latest_checkpoint() is None
        _grow(ledger, parties, 3)
        size, root, text = ledger.store.latest_checkpoint()
        assert (size, root) == (4, ledger.root(4)) and ledger.store.checkpoints()[-1] == (size, root, text)
        cp, _note = ledger.latest_checkpoint()
        assert cp == Checkpoint(ledger.origin, 4, ledger.root(4))


def test_checkpoint_still_refuses_a_latest_checkpoint_the_log_contradicts(sql_ledger, parties, tamper) -> None:
    """Only the latest checkpoint is read, and it is still checked: a stored latest checkpoint
    whose root the entries contradict stops the log signing (C2SP: never sign inconsistently)."""
    _grow(sql_ledger, parties, 2)
    sql_ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": "x"})])
    forged = Checkpoint(sql_ledger.origin, 3, b"\x01" * 32).note().sign(parties.log).encode()
    tamper(sql_ledger.store, "UPDATE checkpoints SET note = ? WHERE size = 3", (forged,))
    with pytest.raises(IntegrityError, match="inconsistent with its checkpoint at size 3"):
        sql_ledger.checkpoint(parties.log)


def test_a_latest_checkpoint_beyond_the_entries_is_a_store_error(sql_ledger, parties, tamper) -> None:
    _grow(sql_ledger, parties, 1)
    tamper(sql_ledger.store, "UPDATE checkpoints SET size = 9 WHERE size = 2")
    with pytest.raises(StoreError, match="covers more entries"):
        sql_ledger.latest_checkpoint()
