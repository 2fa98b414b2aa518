"""An entry already in the ledger is a replay, whatever changed since it was admitted.

A party's key rotation makes its old signatures fail today's check, and a rotation entry
resubmitted names a key that is now current; yet the same signed bytes submitted again (a
retry after a lost answer) are a replay of a stored entry, refused as such with its index —
which is what lets the log server answer a resubmission idempotently (docs/service.md).
"""

from __future__ import annotations

import pytest

from accord.ledger import EntryRejected, generate_key, sign_entry
from accord.ledger.entries import Entry, utc_now


def test_a_stored_entry_resubmitted_after_its_partys_rotation_is_a_replay(ledger, parties) -> None:
    before = sign_entry(parties.us, ledger.origin, Entry("declaration", "US", utc_now(), {"n": 1}))
    new = generate_key("US")
    rotation = sign_entry(parties.us, ledger.origin, Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey}))
    assert ledger.append([before, rotation]) == [1, 2]
    for signed, index in ((before, 1), (rotation, 2)):
        with pytest.raises(EntryRejected, match=f"^replay: this signed entry is already at index {index}$"):
            ledger.append([signed])
    # In a batch, the replay is named at its place, and nothing of the batch is written.
    fresh = sign_entry(new, ledger.origin, Entry("declaration", "US", utc_now(), {"n": 2}))
    with pytest.raises(EntryRejected, match=r"entry 1 of the batch: replay: .* already at index 1"):
        ledger.append([fresh, before])
    # An entry signed with the old key that was never admitted is still refused for its signature.
    stale = sign_entry(parties.us, ledger.origin, Entry("declaration", "US", utc_now(), {"n": 3}))
    with pytest.raises(EntryRejected, match="signature does not verify"):
        ledger.append([stale])
    assert ledger.size() == 3 and ledger.append([fresh]) == [3]


def test_index_of_finds_exactly_the_stored_entry(ledger, parties) -> None:
    signed = sign_entry(parties.ru, ledger.origin, Entry("declaration", "RU", utc_now(), {"n": 1}))
    ledger.append([signed])
    e = signed.entry
    assert ledger.store.index_of("RU", e.issued_at, signed.leaf_hash) == 1
    assert ledger.store.index_of("US", e.issued_at, signed.leaf_hash) is None
    assert ledger.store.index_of("RU", e.issued_at, bytes(32)) is None
    assert ledger.store.index_of(None, e.issued_at, signed.leaf_hash) is None
