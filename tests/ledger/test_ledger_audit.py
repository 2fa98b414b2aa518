"""The audit finds and locates every kind of tampering with a stored ledger."""

from __future__ import annotations

import random

import pytest

from accord.ledger import CosignerState, audit, cosign_ledger, sign_entry
from accord.ledger.entries import Entry, utc_now

SIZE = 40  # entries after the genesis: 41 in all, so the tree has a ragged right edge


def _fill(ledger, parties):
    us = [Entry("declaration", "US", utc_now(), {"n": i, "pad": "x" * 40}) for i in range(SIZE // 2)]
    ru = [Entry("notification", "RU", utc_now(), {"n": i, "pad": "y" * 40}) for i in range(SIZE // 2)]
    ledger.sign_and_append(parties.us, us)
    ledger.sign_and_append(parties.ru, ru)
    ledger.checkpoint(parties.log)
    cosign_ledger(ledger, parties.us, CosignerState({}))
    cosign_ledger(ledger, parties.ru, CosignerState({}))
    return ledger


@pytest.fixture
def filled(sql_ledger, parties):
    """A filled, checkpointed, cosigned ledger on each SQL store (the tests tamper through SQL)."""
    return _fill(sql_ledger, parties)


@pytest.fixture
def filled_any(ledger, parties):
    """The same on every store, the in-memory one included."""
    return _fill(ledger, parties)


def _indices(report, kind: str | None = None) -> set:
    return {p.index for p in report.problems if kind is None or p.kind == kind}


def test_an_intact_ledger_passes(filled_any) -> None:
    filled = filled_any
    report = audit(filled.store.url)
    assert report.ok and report.size == SIZE + 1 and report.problems == ()
    assert report.checkpoints[0]["signers"] == ["RU", "US", "log"]
    data = report.to_json()
    assert data["schema"] == "accord.audit/v1" and data["ok"] is True


@pytest.mark.parametrize("seed", range(4))
def test_a_flipped_byte_in_an_entry_is_found_and_named(tamper, filled, seed: int) -> None:
    rng = random.Random(seed)
    index = rng.randrange(1, SIZE + 1)
    body = filled.store.row(index).body
    pos = rng.randrange(len(body))
    flipped = bytearray(body)
    flipped[pos] ^= 1 << rng.randrange(8)
    tamper(filled.store, "UPDATE entries SET body = ? WHERE idx = ?", (bytes(flipped), index))
    report = audit(filled.store.url)
    assert not report.ok
    assert index in _indices(report)
    assert _indices(report) - {None} <= {index, 0}  # nothing else is blamed (0: the checkpoint's range)


@pytest.mark.parametrize("seed", range(4))
def test_a_flipped_byte_in_a_node_is_found_and_located(tamper, filled, seed: int) -> None:
    rng = random.Random(seed)
    nodes = list(filled.store.all_nodes())
    level, k, h = nodes[rng.randrange(len(nodes))]
    flipped = bytearray(h)
    flipped[rng.randrange(32)] ^= 1 << rng.randrange(8)
    tamper(filled.store, "UPDATE nodes SET hash = ? WHERE level = ? AND idx = ?", (bytes(flipped), level, k))
    report = audit(filled.store.url)
    assert not report.ok
    node_problems = [p for p in report.problems if p.kind == "node"]
    assert len(node_problems) == 1
    assert node_problems[0].index == k << level


def test_a_changed_leaf_hash_is_named(tamper, filled) -> None:
    tamper(filled.store, "UPDATE entries SET leaf = ? WHERE idx = ?", (b"\x00" * 32, 7))
    assert _indices(audit(filled.store.url)) == {7}


def test_a_removed_entry_is_named(tamper, filled) -> None:
    tamper(filled.store, "DELETE FROM entries WHERE idx = ?", (12,))
    report = audit(filled.store.url)
    assert not report.ok and 12 in _indices(report, "missing")


def test_removed_tail_entries_are_caught_by_the_checkpoint(tamper, filled) -> None:
    tamper(filled.store, "DELETE FROM entries WHERE idx >= ?", (SIZE - 2,))
    report = audit(filled.store.url)
    assert not report.ok
    assert SIZE - 2 in _indices(report, "checkpoint")


def test_reordered_entries_are_located(tamper, filled) -> None:
    a, b = filled.store.row(5), filled.store.row(30)
    # Every column moves with its entry, so no stored column contradicts the entry beside it.
    swap = "UPDATE entries SET kind = ?, party = ?, issued_at = ?, leaf = ?, body = ? WHERE idx = ?"
    tamper(filled.store, swap, (b.kind, b.party, b.issued_at, b"\x00" * 32, b.body, 5))  # leaf is unique: swap in steps
    tamper(filled.store, swap, (a.kind, a.party, a.issued_at, a.leaf, a.body, 30))
    tamper(filled.store, "UPDATE entries SET leaf = ? WHERE idx = ?", (b.leaf, 5))
    report = audit(filled.store.url)
    assert not report.ok
    # Each swapped entry's signature still verifies; the stored tree pins the positions:
    # the lowest differing nodes are those over entries 4-5 and 30-31.
    assert {p.index for p in report.problems if p.kind == "node"} == {4, 30}


def test_an_inserted_backdated_entry_is_located(tamper, filled, parties) -> None:
    # US slips a validly signed entry in at index 10, shifting the later ones up.
    forged = sign_entry(parties.us, filled.origin, Entry("declaration", "US", "2020-01-01T00:00:00Z", {"n": -1}))
    tamper(filled.store, "UPDATE entries SET idx = -idx - 1 WHERE idx >= ?", (10,))
    tamper(filled.store, "UPDATE entries SET idx = -idx WHERE idx < 0")
    tamper(filled.store, "INSERT INTO entries (idx, kind, party, issued_at, leaf, body) VALUES (?, ?, ?, ?, ?, ?)",
           (10, "declaration", "US", forged.entry.issued_at, forged.leaf_hash, forged.body))
    report = audit(filled.store.url)
    assert not report.ok
    assert min(i for i in _indices(report, "node")) == 10


def test_a_replayed_row_is_found(tamper, filled) -> None:
    # The attacker first removes the uniqueness constraint, then stores a copy of entry 3.
    if "postgres" in filled.store.url:
        tamper(filled.store, "ALTER TABLE entries DROP CONSTRAINT entries_party_issued_at_leaf_key")
    else:
        tamper(filled.store, "CREATE TABLE copy AS SELECT * FROM entries")
        tamper(filled.store, "DROP TABLE entries")
        tamper(filled.store, "ALTER TABLE copy RENAME TO entries")
    copy = "INSERT INTO entries (idx, kind, party, issued_at, leaf, body) SELECT ?, kind, party, issued_at, leaf, body"
    tamper(filled.store, copy + " FROM entries WHERE idx = 3", (SIZE + 1,))
    report = audit(filled.store.url)
    assert not report.ok and SIZE + 1 in _indices(report, "replay")


def test_a_tampered_checkpoint_or_cosignature_is_found(tamper, filled) -> None:
    (size, _root, note), = filled.store.checkpoints()
    tamper(filled.store, "UPDATE cosignatures SET signature = ? WHERE name = ?", (b"\x00" * 64, "RU"))
    report = audit(filled.store.url)
    assert [p.kind for p in report.problems] == ["cosignature"]
    lines = note.split("\n")
    import base64

    lines[2] = base64.b64encode(b"\x02" * 32).decode()
    tamper(filled.store, "UPDATE checkpoints SET note = ? WHERE size = ?", ("\n".join(lines), size))
    kinds = {p.kind for p in audit(filled.store.url).problems}
    assert {"checkpoint", "cosignature"} <= kinds


def test_parallel_audit_agrees_with_sequential(tamper, filled) -> None:
    tamper(filled.store, "UPDATE entries SET body = ? WHERE idx = ?", (filled.store.row(9).body[:-1] + b" ", 9))
    one = audit(filled.store.url, workers=1, chunk_size=8)
    two = audit(filled.store.url, workers=2, chunk_size=8)
    assert one.problems == two.problems and not one.ok


def test_a_flipped_byte_in_the_sqlite_file_is_found(sqlite_url, parties) -> None:
    from accord.ledger import Ledger

    ledger = Ledger.create(sqlite_url, agreement="a", parties=[parties.us.public])
    entries = [Entry("declaration", "US", utc_now(), {"n": i, "text": f"unique-{i:04d}"}) for i in range(30)]
    ledger.sign_and_append(parties.us, entries)
    target = ledger.store.row(17).body
    path = ledger.store.path
    ledger.close()  # the last connection closing folds the WAL into the file
    raw = bytearray(path.read_bytes())
    assert raw.count(target) == 1
    rng = random.Random(17)
    raw[raw.index(target) + rng.randrange(len(target))] ^= 0x20
    path.write_bytes(bytes(raw))
    report = audit(sqlite_url)
    assert not report.ok and 17 in _indices(report)


def test_a_changed_issued_at_column_is_found_and_located(tamper, filled) -> None:
    # issued_at is one of the replay guard's columns: a changed one would let the same signed
    # entry in again, so audit compares it with the statement like kind and party.
    tamper(filled.store, "UPDATE entries SET issued_at = ? WHERE idx = ?", ("2020-01-01T00:00:00Z", 7))
    report = audit(filled.store.url)
    assert not report.ok
    assert [(p.index, p.kind) for p in report.problems] == [(7, "format")]
    assert "issued_at" in report.problems[0].detail


def test_changed_metadata_is_found(tamper, filled) -> None:
    tamper(filled.store, "UPDATE meta SET value = ? WHERE key = ?", ("accord.ledger/v0", "schema"))
    report = audit(filled.store.url)
    assert [(p.index, p.kind) for p in report.problems] == [(0, "genesis")]


def _rotated(ledger, parties):
    from accord.ledger import PrivateKey

    new = PrivateKey("US", b"\x0b" * 32)
    ledger.sign_and_append(parties.us, [Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey})])
    return new


def test_a_cosignature_by_a_rotated_out_key_is_flagged(filled_any, parties) -> None:
    filled = filled_any
    _rotated(filled, parties)
    cp, note = filled.checkpoint(parties.log)
    old = note.sign(parties.us).signatures[-1]  # valid Ed25519, but by US's rotated-out key
    with filled.store.write() as w:  # stored behind Ledger.add_cosignature's back
        w.add_cosignature(cp.size, old.name, old.key_id, old.signature)
    report = audit(filled.store.url)
    assert [(p.index, p.kind) for p in report.problems] == [(cp.size - 1, "cosignature")]
    assert report.checkpoints[-1]["signers"] == ["log"]


def test_a_checkpoint_signed_by_a_rotated_out_party_key_is_flagged(sqlite_url, parties) -> None:
    from accord.ledger import Ledger
    from accord.ledger.note import Checkpoint

    ledger = Ledger.create(sqlite_url, agreement="a", parties=[parties.us.public, parties.ru.public])  # no log key
    _rotated(ledger, parties)
    size = ledger.size()
    note = Checkpoint(ledger.origin, size, ledger.root()).note().sign(parties.us)
    with ledger.store.write() as w:
        w.add_checkpoint(size, ledger.root(), note.encode())
    report = audit(sqlite_url)
    assert [(p.index, p.kind) for p in report.problems] == [(size - 1, "checkpoint")]


def test_a_replay_given_to_the_audit_is_reported_beside_the_problems(filled_any) -> None:
    # The ledger knows nothing of what its entries say: the caller hands it a replay (the app
    # layer hands it the data exchange's). Its findings and failures never change ok.
    seen = []

    def replay(statements):
        seen.extend(statements)
        return [{"kind": "late", "detail": "an example finding"}]

    report = audit(filled_any.store.url, replay=replay)
    assert report.ok and [s["index"] for s in seen] == list(range(SIZE + 1))
    assert seen[1]["kind"] == "declaration" and seen[1]["payload"]["n"] == 0
    assert report.exchange == {"status": "replayed", "detail": "1 reconciliation findings",
                               "findings": [{"kind": "late", "detail": "an example finding"}]}

    def broken(statements):
        raise ValueError("cannot read entry 3")

    failed = audit(filled_any.store.url, replay=broken)
    assert failed.ok and failed.exchange["status"] == "failed" and "cannot read entry 3" in failed.exchange["detail"]
    assert failed.notes == (f"exchange replay failed: {failed.exchange['detail']}",)
    skipped = audit(filled_any.store.url)
    assert skipped.exchange["status"] == "skipped" and skipped.notes == ("exchange replay skipped: not requested",)


def test_the_problems_as_a_frame(tamper, filled) -> None:
    clean = audit(filled.store.url).to_frame()
    assert clean.empty and list(clean.columns) == ["index", "kind", "detail"]
    tamper(filled.store, "UPDATE entries SET leaf = ? WHERE idx = ?", (b"\x00" * 32, 7))
    report = audit(filled.store.url)
    frame = report.to_frame()
    assert list(frame.columns) == ["index", "kind", "detail"]
    assert frame.to_dict("records") == report.rows() == report.to_json()["problems"] == [
        {"index": 7, "kind": "leaf", "detail": "stored leaf hash does not match the entry's bytes"}]


def test_a_parallel_audit_of_the_in_memory_store_agrees(parties) -> None:
    from accord.ledger import Ledger

    with Ledger.create("memory:", agreement="a", parties=[parties.us.public]) as ledger:
        ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": i}) for i in range(30)])
        one, two = audit(ledger.store.url, chunk_size=8), audit(ledger.store.url, workers=2, chunk_size=8)
        assert one.ok and one == two
        ledger.store.drop()


def test_a_key_rotation_hidden_by_one_byte_of_the_kind_index_is_still_applied(sqlite_url, parties) -> None:
    # One changed byte in the entries_kind index hid US's key rotation from the ledger (which
    # lists rotations through that index), so the rotated-out key was accepted again — and the
    # audit, reading rotations through the same index, said ok. It now replays rotations from a
    # full scan of the entries and runs the database's own check.
    import sqlite3

    from accord.ledger import Ledger, PrivateKey

    new = PrivateKey("US", b"\x0c" * 32)
    with Ledger.create(sqlite_url, agreement="a", parties=[parties.us.public], log_key=parties.log.public) as ledger:
        ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": i}) for i in range(3)])
        ledger.sign_and_append(parties.us, [Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey})])
        path = ledger.store.path
    with sqlite3.connect(path) as conn:
        (root,), (page,) = (conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'entries_kind'").fetchone(),
                            conn.execute("PRAGMA page_size").fetchone())
    conn.close()
    raw = bytearray(path.read_bytes())
    at = raw.index(b"key-rotation", (root - 1) * page, root * page)
    raw[at] ^= 1  # "jey-rotation": the index no longer lists entry 4
    path.write_bytes(bytes(raw))
    with Ledger.open(sqlite_url) as ledger:
        (index,) = ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": "old key"})])
    report = audit(sqlite_url)
    assert (index, "signature") in [(p.index, p.kind) for p in report.problems]
    assert any(p.kind == "database" and "entries_kind" in p.detail for p in report.problems), report.problems
    assert not audit(sqlite_url, workers=2, chunk_size=1).ok


def test_worker_processes_find_what_one_process_finds(tmp_path, parties, tamper) -> None:
    # Big enough for two chunks: the workers read their ranges by index and their bytes are
    # compared with the full scan.
    from accord.ledger import Ledger

    url = f"sqlite:///{tmp_path / 'big.db'}"
    with Ledger.create(url, agreement="a", parties=[parties.us.public], log_key=parties.log.public) as ledger:
        ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": i}) for i in range(2100)])
        ledger.checkpoint(parties.log)
        store = ledger.store
        tamper(store, "UPDATE entries SET body = ? WHERE idx = ?", (store.row(1500).body[:-1] + b" ", 1500))
        tamper(store, "UPDATE entries SET kind = 'x' WHERE idx = 30")
        tamper(store, "DELETE FROM entries WHERE idx = 1999")
        tamper(store, "UPDATE entries SET leaf = ? WHERE idx = 700", (bytes(32),))
    one, two = audit(url), audit(url, workers=2)
    assert one.problems == two.problems and not one.ok
    assert {p.index for p in one.problems} >= {30, 700, 1500, 1999}
