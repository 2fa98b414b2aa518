"""The log server over real HTTP (uvicorn on 127.0.0.1), on SQLite and the real PostgreSQL: what a
party relies on when it submits, and what any tlog-tiles client relies on when it reads."""

from __future__ import annotations

import base64
import concurrent.futures as cf
import hashlib
import json
import socket
import struct
from collections.abc import Callable

import httpx
import pytest
from server_helpers import (
    checkpoint_size,
    create_ledger,
    fresh_url,
    leaf,
    log_server,
    mth,
    new_keys,
    wait_until,
)

from accord.ledger import Ledger, audit, generate_key
from accord.ledger.entries import Entry, SignedEntry, sign_entry, utc_now
from accord.ledger.note import Checkpoint, Note
from accord.ledger.receipts import Receipt
from accord.service.client import submit

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    yield from fresh_url(request.param, tmp_path, request)


@pytest.fixture
def keys():
    return new_keys()


def _signed(key, origin, kind="notification", payload=None, issued_at=None):
    return sign_entry(key, origin, Entry(kind, key.name, issued_at or utc_now(), payload or {"n": 1}))


def _post(url, body, **kw):
    return httpx.post(f"{url}/add-entry", content=body, timeout=60, **kw)


def _size(db) -> int:
    with Ledger.open(db) as ledger:
        return ledger.size()


def test_a_submitted_entry_is_committed_before_the_answer_and_then_checkpointed(db, keys):
    origin = create_ledger(db, keys)
    with log_server(db, keys.log) as server:
        got = submit(server.url, keys.us, "notification", {"item": "A1", "status": "deployed"},
                     log_key=keys.log.public)
        assert got.index == 1 and got.created and got.origin == origin
        # Committed when answered: another connection reads it at that index, byte for byte.
        with Ledger.open(db) as ledger:
            stored = ledger.entry(1)
        assert stored.leaf_hash == got.leaf_hash and stored.entry.payload == {"item": "A1", "status": "deployed"}
        assert got.receipt.verify(keys.log.public) and got.receipt.index == 1
        # A checkpoint signed by the log covers it shortly after.
        wait_until(lambda: checkpoint_size(server.url) >= 2, "a checkpoint covering the entry")
        note = Note.parse(httpx.get(f"{server.url}/checkpoint").text)
        cp = Checkpoint.from_text(note.text)
        assert note.signed_by(keys.log.public) and cp.origin == origin
        with Ledger.open(db) as ledger:
            assert cp.root == ledger.root(cp.size)


def test_resubmitting_the_same_signed_entry_returns_its_first_index(db, keys):
    origin = create_ledger(db, keys)
    signed = _signed(keys.us, origin)
    with log_server(db, keys.log) as server:
        first = _post(server.url, signed.body).json()
        again = _post(server.url, signed.body).json()
        assert (first["index"], first["created"]) == (1, True)
        assert (again["index"], again["created"]) == (1, False) and again["leaf_hash"] == first["leaf_hash"]
        assert Receipt.from_json(again["receipt"]).verify(keys.log.public)
        # Eight at once, the same bytes: one entry, eight answers naming it.
        other = _signed(keys.ru, origin)
        with cf.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _post(server.url, other.body).json(), range(8)))
        assert {a["index"] for a in answers} == {2} and sum(a["created"] for a in answers) == 1
    assert _size(db) == 3


def test_a_refused_entry_leaves_nothing_behind(db, keys):
    origin = create_ledger(db, keys)
    forged = SignedEntry(Entry("notification", "US", utc_now(), {"n": 1}), b"", b"")
    statement = forged.entry.statement()
    as_other_party = keys.ru.sign(b"accord.ledger.entry/v1\n" + origin.encode() + b"\n" + statement) + statement
    unknown = _signed(generate_key("CN"), origin)  # a party the ledger does not know
    restricted = _signed(keys.ru, origin, kind="inspection-report")
    for_another_log = _signed(keys.us, "example.org/another-log")
    tampered = bytearray(_signed(keys.us, origin).body)
    tampered[-3] ^= 0x01  # one bit of the payload: not what was signed
    with log_server(db, keys.log) as server:
        for body, words in [(as_other_party, "signature does not verify"), (unknown.body, "unknown party"),
                            (restricted.body, "only US may file"), (for_another_log.body, "signature does not verify"),
                            (bytes(tampered), "")]:
            r = _post(server.url, body)
            assert r.status_code in (400, 422), r.text
            err = r.json()
            assert err["schema"] == "accord.service.error/v1" and err["status"] == r.status_code
            assert words in err["error"] and "\n" not in err["error"]
        # A good entry afterwards gets the next index: nothing was taken by the refused ones.
        assert _post(server.url, _signed(keys.us, origin).body).json()["index"] == 1
    assert _size(db) == 2
    assert audit(db).ok


def test_concurrent_parties_each_get_distinct_indices_for_exactly_what_they_sent(db, keys):
    origin = create_ledger(db, keys)
    sent = {f"{p.name}-{t}-{i}": _signed(p, origin, payload={"k": f"{p.name}-{t}-{i}"})
            for p in (keys.us, keys.ru) for t in range(4) for i in range(12)}
    with log_server(db, keys.log) as server:
        with httpx.Client(timeout=60) as client, cf.ThreadPoolExecutor(8) as pool:
            answers = dict(zip(sent, pool.map(lambda s: client.post(f"{server.url}/add-entry", content=s.body).json(),
                                              sent.values()), strict=True))
        indices = sorted(a["index"] for a in answers.values())
        assert indices == list(range(1, len(sent) + 1))
        wait_until(lambda: checkpoint_size(server.url) == len(sent) + 1, "a checkpoint of every entry")
    with Ledger.open(db) as ledger:
        for name, a in answers.items():
            assert ledger.entry(a["index"]).body == sent[name].body


def _tree_hash(size: int, tile: Callable[[int, int], list[bytes]]) -> bytes:
    """The RFC 6962 root of ``size`` entries, computed as a tlog-tiles client does: each perfect
    subtree of height h from the tile level h // 8 (``tile(level, n)`` returns its hashes)."""
    parts, start = [], 0
    for h in range(size.bit_length() - 1, -1, -1):
        if size >> h & 1:
            level, below = divmod(h, 8)
            first = start >> (8 * level)
            count = 1 << below
            hashes = [tile(level, (first + i) // 256)[(first + i) % 256] for i in range(count)]
            parts.append(mth(hashes))
            start += 1 << h
    acc = parts[-1]
    for p in reversed(parts[:-1]):
        acc = hashlib.sha256(b"\x01" + p + acc).digest()
    return acc


#: The RFC 6962 test leaves (transparency-dev/merkle testdata, copied to ../shared/data).
RFC_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]


def test_the_independent_tree_hash_reproduces_the_published_vectors(shared):
    """The check below is only as good as its own Merkle code: it reproduces the root of the
    eight RFC 6962 test leaves published with transparency-dev/merkle (inclusion/1/happy-path)."""
    vector = shared / "data" / "transparency-dev-merkle-testdata" / "testdata" / "inclusion" / "1" / "happy-path.json"
    v = json.loads(vector.read_text())
    leaves = [leaf(d) for d in RFC_LEAVES]
    assert v["treeSize"] == 8 and mth(leaves) == base64.b64decode(v["root"])
    assert _tree_hash(8, lambda level, n: leaves if (level, n) == (0, 0) else pytest.fail("no tile")) == mth(leaves)
    # And through upper tiles: 70,000 leaves (the spec's example size) read as levels 0, 1 and 2.
    many = [leaf(i.to_bytes(4, "big")) for i in range(70_000)]
    levels = {0: many, 1: [mth(many[i:i + 256]) for i in range(0, 69_888, 256)], 2: [mth(many[:65_536])]}
    assert _tree_hash(70_000, lambda level, n: levels[level][n * 256:(n + 1) * 256]) == mth(many)


def test_tiles_and_bundles_verify_against_the_checkpoint(db, keys):
    """An independent reading of the tiles (written here from RFC 6962 and tlog-tiles): the root
    recomputed from the served tiles is the checkpoint's, every level-1 hash is the MTH of the
    level-0 tile below it, and every bundle entry hashes to its level-0 tile hash."""
    origin = create_ledger(db, keys)
    with Ledger.open(db) as ledger:  # 600 entries: two full level-0 tiles and a partial one
        ledger.sign_and_append(keys.us, [Entry("notification", "US", utc_now(), {"i": i}) for i in range(599)])
        nodes = ledger.store.nodes([(8, 0), (8, 1)])
    with log_server(db, keys.log) as server:
        wait_until(lambda: checkpoint_size(server.url) == 600, "the checkpoint of 600 entries")
        cp = Checkpoint.from_text(Note.parse(httpx.get(f"{server.url}/checkpoint").text).text)
        assert cp.origin == origin
        fetched: dict[str, bytes] = {}

        def get(path: str) -> bytes:
            r = httpx.get(f"{server.url}/{path}", timeout=60)
            assert r.status_code == 200, (path, r.text)
            assert r.headers["content-type"] == "application/octet-stream"
            assert "immutable" in r.headers["cache-control"]
            fetched[path] = r.content
            return r.content

        def tile(level: int, n: int) -> list[bytes]:
            width = (cp.size >> (8 * level)) - n * 256
            path = f"tile/{level}/{n:03d}" + ("" if width >= 256 else f".p/{width}")
            data = fetched.get(path) or get(path)
            assert len(data) == 32 * min(width, 256)
            return [data[i:i + 32] for i in range(0, len(data), 32)]

        assert _tree_hash(cp.size, tile) == cp.root
        leaves = tile(0, 0) + tile(0, 1) + tile(0, 2)
        assert len(leaves) == 600 and mth(leaves) == cp.root
        assert tile(1, 0) == [mth(leaves[0:256]), mth(leaves[256:512])] == [nodes[(8, 0)], nodes[(8, 1)]]
        for n, width in ((0, 256), (1, 256), (2, 88)):
            data = get(f"tile/entries/{n:03d}" + ("" if width == 256 else f".p/{width}"))
            entries, pos = [], 0
            while pos < len(data):
                (length,) = struct.unpack(">H", data[pos:pos + 2])
                entries.append(data[pos + 2:pos + 2 + length])
                pos += 2 + length
            assert pos == len(data) and len(entries) == width
            assert [leaf(e) for e in entries] == leaves[n * 256:n * 256 + width]
        # Gzip when asked (entry bundles SHOULD be compressed), the same bytes once inflated.
        r = httpx.get(f"{server.url}/tile/entries/000", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip" and r.content == fetched["tile/entries/000"]


def test_what_the_checkpoint_does_not_cover_is_404_and_a_bad_path_400(tmp_path, keys, request):
    db = next(fresh_url("sqlite", tmp_path, request))
    create_ledger(db, keys)
    with log_server(db, keys.log) as server:
        wait_until(lambda: checkpoint_size(server.url) == 1, "the first checkpoint")
        r = httpx.get(f"{server.url}/checkpoint")
        assert r.headers["content-type"] == "text/plain; charset=utf-8" and r.headers["cache-control"] == "no-cache"
        assert httpx.get(f"{server.url}/tile/0/000.p/1").status_code == 200
        for path, status in [("tile/0/000.p/2", 404), ("tile/0/000", 404), ("tile/1/000.p/1", 404),
                             ("tile/entries/000.p/2", 404), ("tile/0/x000/000.p/1", 400), ("tile/64/000", 400),
                             ("tile/0/000.p/0", 400), ("tile/entries/abc", 400), ("tile/0/1", 400),
                             ("no/such/thing", 404)]:
            r = httpx.get(f"{server.url}/{path}")
            assert r.status_code == status, (path, r.text)
            assert r.json()["schema"] == "accord.service.error/v1"
        assert httpx.put(f"{server.url}/add-entry").status_code == 405


def test_an_entry_too_big_for_an_entry_bundle(tmp_path, keys, request):
    """tlog-tiles frames entries with a uint16 length: the server refuses larger submissions by
    default, and serves a bundle that holds one (written by `ledger append`) only in its
    uint32-framed form at /accord/entries/."""
    db = next(fresh_url("sqlite", tmp_path, request))
    origin = create_ledger(db, keys)
    big = _signed(keys.us, origin, kind="declaration", payload={"items": ["x" * 70_000]})
    with log_server(db, keys.log) as server:
        r = _post(server.url, big.body)
        assert r.status_code == 413 and "65,535" in r.json()["error"]
        assert _size(db) == 1
    with Ledger.open(db) as ledger:
        ledger.append([big])
    with log_server(db, keys.log, max_entry_bytes=200_000) as server:
        wait_until(lambda: checkpoint_size(server.url) == 2, "a checkpoint of the big entry")
        r = httpx.get(f"{server.url}/tile/entries/000.p/2")
        assert r.status_code == 404 and "entry 1 is 70,1" in r.json()["error"]
        assert r.headers["link"] == '</accord/entries/000.p/2>; rel="alternate"'
        data = httpx.get(f"{server.url}/accord/entries/000.p/2").content
        (n0,) = struct.unpack(">I", data[:4])
        (n1,) = struct.unpack(">I", data[4 + n0:8 + n0])
        assert data[8 + n0:] == big.body and n1 == len(big.body)
        other = _signed(keys.ru, origin, kind="declaration", payload={"items": ["y" * 70_000]})
        assert _post(server.url, other.body).json()["index"] == 2


def test_bad_requests_are_answered_4xx_in_json(tmp_path, keys, request, monkeypatch):
    from accord import limits

    db = next(fresh_url("sqlite", tmp_path, request))
    create_ledger(db, keys)
    monkeypatch.setattr(limits, "MAX_REQUEST_SECONDS", 1)
    with log_server(db, keys.log) as server:
        cases = [
            (b"", 400), (b"x" * 10, 400), (bytes(64) + b"{}", 400), (bytes(64) + b"\xff\xfe", 400),
            (bytes(64) + b'{"issued_at":"x","kind":"a","party":"US","payload":{}}', 400),
            (b"y" * 70_000, 413),
        ]
        for body, status in cases:
            r = _post(server.url, body)
            assert r.status_code == status, (body[:20], r.text)
            assert r.json()["status"] == status and r.headers["content-type"] == "application/json"
        # A declared length over the limit is refused before the body is read; a body that
        # never arrives, once the request time limit is over.
        for head, status in [(b"Content-Length: 99999999", b"413"), (b"Content-Length: 100", b"408")]:
            with socket.create_connection(("127.0.0.1", server.port)) as s:
                s.sendall(b"POST /add-entry HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n\r\nabc")
                s.settimeout(30)
                reply = b""
                while not reply.endswith(b"}") and (chunk := s.recv(4096)):
                    reply += chunk
            assert reply.startswith(b"HTTP/1.1 " + status) and b"accord.service.error/v1" in reply
    assert _size(db) == 1


def test_the_openapi_description_is_served(tmp_path, keys, request):
    db = next(fresh_url("sqlite", tmp_path, request))
    create_ledger(db, keys)
    with log_server(db, keys.log) as server:
        spec = httpx.get(f"{server.url}/openapi.json").json()
        assert {"/checkpoint", "/tile/entries/{index}", "/tile/{level}/{index}", "/add-entry"} <= set(spec["paths"])
        body = spec["paths"]["/add-entry"]["post"]["requestBody"]
        assert "application/octet-stream" in body["content"]
        assert httpx.get(f"{server.url}/docs").status_code == 404  # no page that loads outside assets
        r = httpx.get(f"{server.url}/")
        assert r.status_code == 307 and r.headers["location"] == "/dashboard/"


def test_a_restarted_server_carries_on_from_the_store(tmp_path, keys, request):
    db = next(fresh_url("sqlite", tmp_path, request))
    origin = create_ledger(db, keys)
    first = _signed(keys.us, origin)
    with log_server(db, keys.log) as server:
        assert _post(server.url, first.body).json()["index"] == 1
        wait_until(lambda: checkpoint_size(server.url) == 2, "a checkpoint")
        before = httpx.get(f"{server.url}/checkpoint").text
    with log_server(db, keys.log) as server:
        assert httpx.get(f"{server.url}/checkpoint").text == before
        again = _post(server.url, first.body).json()
        assert (again["index"], again["created"]) == (1, False)
        assert _post(server.url, _signed(keys.ru, origin).body).json()["index"] == 2
        wait_until(lambda: checkpoint_size(server.url) == 3, "a checkpoint after the restart")


def test_appends_by_another_process_are_published_too(tmp_path, keys, request):
    """`accord ledger append` writing to the same store: the server's next checkpoint covers it."""
    db = next(fresh_url("sqlite", tmp_path, request))
    create_ledger(db, keys)
    with log_server(db, keys.log, checkpoint_interval=0.2) as server:
        with Ledger.open(db) as ledger:
            ledger.sign_and_append(keys.ru, [Entry("notification", "RU", utc_now(), {"n": 2})])
        wait_until(lambda: checkpoint_size(server.url) == 2, "a checkpoint of the outside append")
        tile = httpx.get(f"{server.url}/tile/0/000.p/2").content
        with Ledger.open(db) as ledger:
            assert tile[32:] == ledger.entry(1).leaf_hash


def test_info_describes_the_log(tmp_path, keys, request):
    db = next(fresh_url("sqlite", tmp_path, request))
    origin = create_ledger(db, keys)
    with log_server(db, keys.log) as server:
        info = httpx.get(f"{server.url}/accord/info").json()
        assert info["schema"] == "accord.service.info/v1" and info["origin"] == origin
        assert info["log_key"] == keys.log.public.vkey and set(info["parties"]) == {"US", "RU"}
        assert info["checkpoint"]["size"] == 1 and info["witnesses"] == []
        with Ledger.open(db) as ledger:
            genesis = ledger.entry(0).body
        assert base64.b64decode(info["checkpoint"]["root"]) == leaf(genesis)  # a tree of one leaf
