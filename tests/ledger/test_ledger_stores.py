"""The store contract, run against every backend, and the scheme registry that finds them.

Each store keeps entries and the Merkle nodes they complete, append-only, one writer at a time,
all or nothing; ``open_store`` picks the backend by the URL's scheme, and a new backend is one
module in ``accord/ledger/stores/``.
"""

from __future__ import annotations

import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.errors import AccordError, DuplicateLeafError, InputError, StoreError
from accord.ledger import Ledger, merkle
from accord.ledger.stores import backends, open_store
from accord.ledger.stores.memory import MemoryStore
from accord.ledger.stores.postgres import EXTRA_HINT
from accord.ledger.stores.sqlite import SQLiteStore

META = {"schema": "accord.ledger/v1", "origin": "o", "agreement": "a"}


def _row(i: int, party: str = "US", at: str = "2026-02-05T00:00:00Z") -> tuple[str, str, str, bytes, bytes]:
    body = b"\x00" * 64 + f'{{"n":{i}}}'.encode()
    return ("declaration", party, at, body, merkle.leaf_hash(body))


def _create(store) -> None:
    body = b"\x00" * 64 + b'{"genesis":true}'
    store.create(META, "genesis", "2026-02-05T00:00:00Z", body, merkle.leaf_hash(body))


def _leaves(store) -> list[bytes]:
    return [r.leaf for r in store.rows()]


def test_the_registry_finds_every_backend_module() -> None:
    assert set(backends()) == {"sqlite", "postgresql", "postgres", "memory"}
    assert isinstance(open_store("memory:"), MemoryStore)
    with pytest.raises(InputError, match=r"must start with one of: memory:, memory:NAME, postgresql://.*sqlite:///"):
        open_store("mysql://bob:pw@host/db")


def test_a_store_keeps_what_it_was_given_and_derives_the_tree(db_url) -> None:
    with open_store(db_url) as store:
        assert not store.exists()
        _create(store)
        assert store.exists() and store.meta() == META and store.size() == 1
        with store.write() as w:
            assert w.append([_row(i) for i in range(1, 6)]) == 1
        with store.write() as w:
            w.append([_row(i) for i in range(6, 12)])
        w_rows = list(store.rows(2, 4))
        assert [r.index for r in w_rows] == [2, 3] and store.row(99) is None
        assert [r.index for r in store.key_rows()] == [0]
        leaves = _leaves(store)
        assert store.root() == merkle.root(leaves)
        assert store.inclusion_proof(7, 9) == merkle.inclusion_proof(leaves, 7, 9)
        assert store.consistency_proof(5) == merkle.consistency_proof(leaves, 5)
        assert {(lvl, i) for lvl, i, _ in store.all_nodes()} >= {(1, 0), (2, 0), (3, 0)}
    with open_store(db_url) as again:  # reopened by URL: the same ledger
        assert again.size() == 12 and again.root() == merkle.root(leaves)


def test_a_failed_write_leaves_nothing_behind(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.append([_row(1)])
        root = store.root()
        with pytest.raises(RuntimeError), store.write() as w:
            w.append([_row(2), _row(3)])
            w.add_checkpoint(4, b"\x01" * 32, "note")
            raise RuntimeError("the caller gave up")
        assert store.size() == 2 and store.root() == root and store.checkpoints() == []
        with store.write() as w:  # and the tree goes on from where it was
            w.append([_row(2), _row(3)])
        assert store.root() == merkle.root(_leaves(store))


def test_a_replayed_row_is_refused_and_named(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.append([_row(1), _row(2)])
        with pytest.raises(DuplicateLeafError) as caught, store.write() as w:
            w.append([_row(3), _row(2)])
        assert caught.value.index == 2 and isinstance(caught.value, AccordError)
        assert store.size() == 3
        with store.write() as w:  # the same content from another party or time is not a replay
            w.append([_row(2, party="RU"), _row(2, at="2026-02-06T00:00:00Z")])
        assert store.size() == 5


def test_a_checkpoint_or_cosignature_is_stored_once(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.add_checkpoint(1, store.root(), "note")
            w.add_cosignature(1, "US", b"\x01" * 4, b"\x02" * 64)
        assert store.checkpoints() == [(1, store.root(), "note")]
        assert store.cosignatures(1) == [("US", b"\x01" * 4, b"\x02" * 64)] and store.cosignatures(2) == []
        with pytest.raises(StoreError), store.write() as w:
            w.add_checkpoint(1, store.root(), "another note")


def test_creating_twice_and_opening_nothing_are_user_errors(db_url) -> None:
    with pytest.raises(InputError, match="no ledger"):
        Ledger.open(db_url)
    with open_store(db_url) as store:
        _create(store)
        with pytest.raises(InputError, match="already holds a ledger"):
            _create(store)


def test_memory_urls_name_databases_shared_in_the_process() -> None:
    fresh, other = open_store("memory:"), open_store("memory:")
    assert fresh.url != other.url and fresh.url.startswith("memory:")
    _create(fresh)
    assert open_store(fresh.url).size() == 1 and not other.exists()
    fresh.drop()
    assert not open_store(fresh.url).exists()
    with pytest.raises(InputError, match="memory store name"):
        open_store("memory:a b")


def test_memory_store_lets_one_writer_in_at_a_time() -> None:
    store = open_store("memory:")
    _create(store)

    def writer(party: str) -> None:
        for b in range(20):
            with store.write() as w:
                w.append([_row(10 * b + i, party=party) for i in range(10)])

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("US", "RU", "UK")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.index for r in store.rows()] == list(range(1 + 3 * 200))
    assert store.root() == merkle.root(_leaves(store))
    store.drop()


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.integers(min_value=1, max_value=17), min_size=1, max_size=8), data=st.data())
def test_memory_store_proofs_equal_the_rfc_for_any_batching(batches: list[int], data: st.DataObject) -> None:
    store = open_store("memory:")
    _create(store)
    n = 1
    for size in batches:
        with store.write() as w:
            w.append([_row(n + i) for i in range(size)])
        n += size
    leaves = _leaves(store)
    size = data.draw(st.integers(min_value=1, max_value=n), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    assert store.root(size) == merkle.root(leaves[:size])
    assert store.inclusion_proof(index, size) == merkle.inclusion_proof(leaves, index, size)
    assert store.consistency_proof(index + 1, size) == merkle.consistency_proof(leaves[:size], index + 1)
    store.drop()


def test_a_bare_path_is_a_sqlite_file(tmp_path) -> None:
    with open_store(str(tmp_path / "plain.db")) as store:
        assert isinstance(store, SQLiteStore) and store.url == f"sqlite:///{tmp_path / 'plain.db'}"


def test_without_psycopg_a_postgresql_url_names_the_extra(monkeypatch) -> None:
    # psycopg is a third-party module: None in sys.modules makes its import fail, as when the
    # extra is not installed.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    for url in ("postgresql://bob:s3cret@127.0.0.1/test", "postgres://127.0.0.1/test?schema=x"):
        with pytest.raises(InputError) as caught:
            open_store(url)
        message = caught.value.one_line()
        assert EXTRA_HINT in message and "accord[postgres]" in message and "s3cret" not in message
        assert len(message.splitlines()) == 1
    from accord.cli import app

    r = CliRunner().invoke(app, ["ledger", "audit", "postgresql://bob:s3cret@127.0.0.1/test"])
    assert r.exit_code == 2 and "pip install 'accord[postgres]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "s3cret" not in r.output and "Traceback" not in r.output
