"""Cryptographic escrow: commit to itemized declarations, open items one by one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.ledger import (
    Commitment,
    CommitmentError,
    EntryRejected,
    Escrow,
    Opening,
    audit,
    check_counts,
    commit,
    verify_opening,
)
from accord.ledger.entries import Entry, utc_now

ITEMS = (
    [{"category": "deployed-icbm", "id": f"ICBM-{i}", "site": "Malmstrom"} for i in range(5)]
    + [{"category": "deployed-slbm", "id": f"SLBM-{i}", "boat": "SSBN-730"} for i in range(3)]
    + [{"category": "heavy-bomber", "id": "B52-1"}]
)


def test_openings_verify_against_the_public_commitment() -> None:
    escrow = commit(ITEMS)
    public = Commitment.from_json(escrow.commitment.to_json())  # what the other party sees
    assert dict(public.counts) == {"deployed-icbm": 5, "deployed-slbm": 3, "heavy-bomber": 1}
    assert public.size == 9
    for opening in escrow.open(range(9)):
        verify_opening(public, Opening.from_json(opening.to_json()))
    assert sorted(it["id"] for it in escrow.items) == sorted(it["id"] for it in ITEMS)


def test_a_changed_item_or_salt_does_not_open() -> None:
    escrow = commit(ITEMS)
    (o,) = escrow.open([2])
    with pytest.raises(CommitmentError):
        verify_opening(escrow.commitment, Opening(o.index, {**o.item, "site": "Elsewhere"}, o.salt, o.proof))
    with pytest.raises(CommitmentError):
        verify_opening(escrow.commitment, Opening(o.index, o.item, bytes(32), o.proof))
    with pytest.raises(CommitmentError):
        verify_opening(escrow.commitment, Opening((o.index + 1) % 5, o.item, o.salt, o.proof))


def test_an_item_outside_its_category_range_is_caught() -> None:
    # A cheater hides an SLBM among the committed ICBMs; opening it reveals the mismatch.
    cheat = [dict(it) for it in ITEMS]
    escrow = commit(cheat)
    items = list(escrow.items)
    salts = list(escrow.salts)
    items[0] = {"category": "deployed-slbm", "id": "hidden"}
    from accord.ledger.commitments import item_leaf
    from accord.ledger.merkle import leaf_hash, root_from_hashes

    leaves = [leaf_hash(item_leaf(i, it, s)) for i, (it, s) in enumerate(zip(items, salts, strict=False))]
    forged = Escrow(Commitment(root_from_hashes(leaves), escrow.commitment.counts), tuple(items), tuple(salts))
    (o,) = forged.open([0])
    with pytest.raises(CommitmentError, match="'deployed-icbm' range"):
        verify_opening(forged.commitment, o)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=12))
def test_commitments_hide_items_behind_fresh_salts(categories: list[str]) -> None:
    items = [{"category": c, "id": "same"} for c in categories]
    one, two = commit(items), commit(items)
    assert one.commitment.counts == two.commitment.counts
    assert one.commitment.root != two.commitment.root  # same items, unlinkable commitments
    assert len(set(one.salts)) == len(items)


def test_counts_against_caps() -> None:
    c = commit(ITEMS).commitment
    assert check_counts(c, {"deployed-icbm": 700, "deployed-slbm": 3}) == []
    assert check_counts(c, {"deployed-icbm": 4}) == ["deployed-icbm: 5 declared, cap 4"]


def test_escrow_file_round_trip_and_damage() -> None:
    escrow = commit(ITEMS)
    again = Escrow.from_json(escrow.to_json())
    assert again.commitment == escrow.commitment
    damaged = escrow.to_json()
    damaged["items"][0]["item"]["id"] = "other"
    with pytest.raises(InputError, match="do not reproduce"):
        Escrow.from_json(damaged)


def test_ledger_admits_only_valid_openings(ledger, parties) -> None:
    escrow = commit(ITEMS)
    (ci,) = ledger.sign_and_append(parties.us, [Entry("commitment", "US", utc_now(), escrow.commitment.to_json())])
    openings = [o.to_json() for o in escrow.open([1, 6])]
    ok = Entry("opening", "US", utc_now(), {"commitment": ci, "openings": openings})
    assert ledger.sign_and_append(parties.us, [ok]) == [ci + 1]
    bad = [dict(openings[0], item={**openings[0]["item"], "id": "X"})]
    with pytest.raises(EntryRejected, match="does not match"):
        ledger.sign_and_append(parties.us, [Entry("opening", "US", utc_now(), {"commitment": ci, "openings": bad})])
    with pytest.raises(EntryRejected, match="belongs to US"):
        opening = Entry("opening", "RU", utc_now(), {"commitment": ci, "openings": openings})
        ledger.sign_and_append(parties.ru, [opening])
    with pytest.raises(EntryRejected, match="not a commitment"):
        ledger.sign_and_append(parties.us, [Entry("opening", "US", utc_now(), {"commitment": 0, "openings": openings})])
    with pytest.raises(EntryRejected):
        ledger.sign_and_append(parties.us, [Entry("commitment", "US", utc_now(), {"counts": {}})])
    assert audit(ledger.store.url).ok
