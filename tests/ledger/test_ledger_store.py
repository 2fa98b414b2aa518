"""Stores (SQLite, PostgreSQL, memory): roots and proofs from persisted nodes, append-only, concurrency."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from accord.errors import InputError
from accord.ledger import Ledger, audit, merkle
from accord.ledger.entries import Entry, utc_now
from accord.ledger.stores import StoreError, open_store
from accord.ledger.stores.sqlite import SQLiteStore


def _entries(party: str, n: int, tag: str = "") -> list[Entry]:
    return [Entry("declaration", party, utc_now(), {"n": i, "tag": tag}) for i in range(n)]


def test_root_and_proofs_after_reopening_match_the_rfc(ledger, parties) -> None:
    # Several batches of awkward sizes, so nodes are completed across batch boundaries.
    for n in (1, 2, 5, 16, 37):
        ledger.sign_and_append(parties.us, _entries("US", n, str(n)))
    url = ledger.store.url
    ledger.close()
    reopened = Ledger.open(url)
    size = reopened.size()
    assert size == 62
    leaves = [r.leaf for r in reopened.store.rows()]
    assert reopened.root() == merkle.root(leaves)
    for s in (1, 2, 3, 31, 32, 33, size):
        assert reopened.root(s) == merkle.root(leaves[:s])
    for i in (0, 1, 30, 31, 32, 61):
        proof = reopened.store.inclusion_proof(i)
        assert proof == merkle.inclusion_proof(leaves, i)
        merkle.verify_inclusion(leaves[i], i, size, proof, reopened.root())
        assert reopened.store.inclusion_proof(i, 40) == merkle.inclusion_proof(leaves, i, 40) if i < 40 else True
    for s1 in (1, 7, 32, 45, size):
        assert reopened.store.consistency_proof(s1) == merkle.consistency_proof(leaves, s1)
    reopened.close()


def test_tables_are_append_only(sql_ledger, parties) -> None:
    # The SQL stores' triggers refuse any change; the in-memory store offers no way to make one.
    ledger = sql_ledger
    ledger.sign_and_append(parties.us, _entries("US", 3))
    store = ledger.store
    for sql in ("UPDATE entries SET body = body WHERE idx = 1", "DELETE FROM entries WHERE idx = 2",
                "DELETE FROM nodes", "UPDATE meta SET value = 'x'"):
        with pytest.raises(StoreError, match="append-only"):
            store._execute(store._q(sql))
    assert ledger.size() == 4


def test_open_store_urls(tmp_path) -> None:
    s = open_store(f"sqlite:///{tmp_path}/a.db")
    assert isinstance(s, SQLiteStore) and s.path == tmp_path / "a.db"
    assert isinstance(open_store(str(tmp_path / "b.db")), SQLiteStore)
    assert open_store(f"sqlite:///{tmp_path}/c.db?synchronous=full")._synchronous == "FULL"
    for bad in ("", "mysql://x/y", "sqlite://host/x.db", f"sqlite:///{tmp_path}/d.db?cache=1"):
        with pytest.raises(InputError):
            open_store(bad)


def test_opening_a_missing_ledger_is_a_user_error(tmp_path) -> None:
    with pytest.raises(InputError, match="no ledger"):
        Ledger.open(f"sqlite:///{tmp_path}/absent.db")
    assert not (tmp_path / "absent.db").exists()


def test_creating_twice_is_refused(ledger, parties) -> None:
    with pytest.raises(InputError, match="already holds a ledger"):
        Ledger.create(ledger.store.url, agreement="x", parties=[parties.us.public])


_APPENDER = textwrap.dedent(
    """
    import sys
    from accord.ledger import Ledger, PrivateKey
    from accord.ledger.entries import Entry, utc_now
    url, party, seed, ack = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), sys.argv[6]
    batches, size = int(sys.argv[4]), int(sys.argv[5])
    key = PrivateKey(party, seed)
    ledger = Ledger.open(url)
    with open(ack, "a") as out:
        for b in range(batches):
            batch = [Entry("declaration", party, utc_now(), {"batch": b, "i": i, "by": party}) for i in range(size)]
            idx = ledger.sign_and_append(key, batch)
            out.write(f"{idx[0]} {idx[-1]}\\n")  # acknowledged: the commit has returned
            out.flush()
    """
)


def _spawn(url: str, key, batches: int, size: int, ack) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _APPENDER, url, key.name, key.seed.hex(), str(batches), str(size), str(ack)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def test_two_processes_appending_at_once_leave_no_gap_and_no_duplicate(sql_ledger, parties, tmp_path) -> None:
    ledger = sql_ledger  # an in-memory store lives in one process
    url = ledger.store.url
    procs = [_spawn(url, k, 15, 20, tmp_path / f"{k.name}.ack") for k in (parties.us, parties.ru)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    rows = list(ledger.store.rows())
    assert [r.index for r in rows] == list(range(1 + 2 * 15 * 20))
    acked = [tuple(map(int, line.split()))
             for k in ("US", "RU") for line in (tmp_path / f"{k}.ack").read_text().split("\n") if line]
    spans = sorted(acked)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # batches never overlap
    report = audit(url)
    assert report.ok, report.problems


def test_kill_9_during_bulk_append_keeps_every_acknowledged_entry(sql_ledger, parties, tmp_path) -> None:
    ledger = sql_ledger
    url = ledger.store.url
    ack = tmp_path / "ack"
    proc = _spawn(url, parties.us, 10_000, 50, ack)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not ack.exists() or ack.read_text().count("\n") < 8):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    acked = [tuple(map(int, line.split())) for line in ack.read_text().split("\n") if line]
    assert len(acked) >= 8
    reopened = Ledger.open(url)
    size = reopened.size()
    assert size >= acked[-1][1] + 1  # every acknowledged entry is there
    assert (size - 1) % 50 == 0  # and batches are all or nothing
    report = audit(url)
    assert report.ok, report.problems
    reopened.close()
