"""The log server against hostile clients, over real HTTP (uvicorn on 127.0.0.1, SQLite).

What a user relies on: every request a client can send gets a 4xx JSON error or its answer,
never a 500; a refused submission leaves nothing behind; resubmitting an admitted entry is safe
whatever happened since (a key rotation included); a tile path is accepted only in its one
canonical form; nothing a party submits or a monitor reports becomes markup on the dashboard.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import socket
import threading
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from server_helpers import LiveServer, checkpoint_size, create_ledger, log_server, new_keys, wait_until

from accord.errors import InputError
from accord.ledger import Ledger, audit, generate_key
from accord.ledger.entries import Entry, sign_entry, utc_now
from accord.service.app import create_log_app
from accord.service.config import LogConfig
from accord.service.tiles import parse_tile_path


@pytest.fixture(scope="module")
def keys():
    return new_keys()


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}?synchronous=full"


def _size(db: str) -> int:
    with Ledger.open(db) as ledger:
        return ledger.size()


def _entry(key, origin: str, kind: str = "notification", payload: dict | None = None):
    return sign_entry(key, origin, Entry(kind, key.name, utc_now(), payload or {"n": 1}))


def _post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(f"{url}/add-entry", content=body, timeout=60)


# ----------------------------------------------------------------------------- tile paths


@pytest.mark.parametrize("level, rest", [
    ("1\u0661", "000"),             # ARABIC-INDIC DIGIT ONE: "11" to int(), not decimal ASCII
    ("\uff11", "000"),              # FULLWIDTH DIGIT ONE
    ("0", "000.p/1\u0661"),         # a width of 11 written with a non-ASCII digit
    ("0", "00\u0661"),              # an index digit
    ("0", "x00\u0661/000"),
])
def test_a_tile_path_with_non_ascii_digits_is_not_canonical(level: str, rest: str) -> None:
    """C2SP tlog-tiles: ``<L>`` and ``<W>`` are decimal ASCII integers, ``<N>`` groups of 3 decimal
    digits; one tile has one path (else a cache holds the same tile under two names)."""
    with pytest.raises(InputError, match="path"):
        parse_tile_path(level, rest)


def test_hostile_tile_paths_are_4xx_never_500(tmp_path: Path, keys) -> None:
    db = _db(tmp_path)
    create_ledger(db, keys)
    paths = {
        "tile/1\u0661/000": 400, "tile/0/000.p/1\u0661": 400, "tile/entries/000.p/1\u0661": 400,
        "tile/0/000.p/0": 400, "tile/0/000.p/256": 400, "tile/0/000.p/-1": 400, "tile/0/000.p/01": 400,
        "tile/-1/000": 400, "tile/64/000": 400, "tile/0/-01": 400, "tile/0/x000/001": 400, "tile/00/000": 400,
        "tile/0/%2e%2e/%2e%2e/etc/passwd": 400, "tile/entries/..%2F..%2Fx": 400, "tile/0/000%00": 400,
        "tile/0/000.p/1.p/1": 400, "tile/0/x999/x999/x999/x999/x999/x999/x999/999": 400,
        "tile/0/x999/x999/x999/x999/x999/x999/999": 404,  # a canonical index far beyond the tree
        "tile/63/x999/x999/x999/x999/x999/x999/999.p/255": 404,
        "accord/entries/x999/x999/x999/x999/x999/x999/999": 404,
    }
    with log_server(db, keys.log) as server:
        wait_until(lambda: checkpoint_size(server.url) == 1, "the first checkpoint")
        with httpx.Client(base_url=server.url, timeout=30) as http:
            got = {p: http.get("/" + p) for p in paths}
    assert {p: r.status_code for p, r in got.items()} == paths
    assert all(r.json()["schema"] == "accord.service.error/v1" for r in got.values())


# ----------------------------------------------------------------------------- bodies


def test_hostile_bodies_are_4xx_and_leave_nothing(tmp_path: Path, keys) -> None:
    db = _db(tmp_path)
    origin = create_ledger(db, keys)
    head = b'{"issued_at":"2020-01-01T00:00:00Z","kind":"notification","party":"US","payload":'
    bodies = {
        "deep nesting": bytes(64) + head + b"[" * 5000 + b"]" * 5000 + b"}",
        "a 5,000-digit number": bytes(64) + head + b'{"a":' + b"9" * 5000 + b"}}",
        "a lone surrogate": bytes(64) + head + b'{"a":"\\ud800"}}',
        "NaN": bytes(64) + head + b'{"a":NaN}}',
        "a duplicate key": bytes(64) + head + b'{"a":1,"a":1}}',
        "latin-1": bytes(64) + head + b'{"a":"\xe9"}}',
        "a JSON object": b'{"kind":"notification","party":"US","payload":{}}' * 2,
    }
    with log_server(db, keys.log) as server:
        answers = {name: _post(server.url, body) for name, body in bodies.items()}
        # A chunked body with no length, longer than the limit: refused while it streams.
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
            s.sendall(b"POST /add-entry HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + (b"8000\r\n" + bytes(0x8000) + b"\r\n") * 3 + b"0\r\n\r\n")
            reply = s.recv(4096)
        signed = _entry(keys.us, origin)
        accepted = httpx.post(f"{server.url}/add-entry", content=signed.body, timeout=60,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert {n: r.status_code for n, r in answers.items()} == dict.fromkeys(bodies, 400)
    assert all(r.json()["schema"] == "accord.service.error/v1" for r in answers.values())
    assert reply.startswith(b"HTTP/1.1 413")
    # The body is the signed bytes whatever the client calls it: the signature is what counts.
    assert accepted.status_code == 200 and accepted.json()["index"] == 1
    assert _size(db) == 2 and audit(db).ok


def test_an_entry_signed_for_another_log_or_by_another_party_is_refused(tmp_path: Path, keys) -> None:
    db = _db(tmp_path)
    origin = create_ledger(db, keys)
    for_another_log = _entry(keys.us, "example.org/another-log")
    statement = Entry("notification", "US", utc_now(), {"n": 2}).statement()
    as_ru = keys.ru.sign(b"accord.ledger.entry/v1\n" + origin.encode() + b"\n" + statement) + statement
    with log_server(db, keys.log) as server:
        answers = [_post(server.url, body) for body in (for_another_log.body, as_ru)]
    assert [r.status_code for r in answers] == [422, 422]
    assert all("signature does not verify with US's key" in r.json()["error"] for r in answers)
    assert _size(db) == 1


# ----------------------------------------------------------------------------- replays


def test_resubmitting_after_a_key_rotation_is_still_idempotent(tmp_path: Path, keys) -> None:
    """A party submits an entry and then rotates its key; either answer may be lost on the way
    (a timeout, a dropped connection), and the party — or `accord ledger submit`'s own retry —
    sends the same bytes again. They are in the log: the answer is where, not a refusal."""
    db = _db(tmp_path)
    origin = create_ledger(db, keys)
    new_us = generate_key("US")
    before = _entry(keys.us, origin)
    rotation = _entry(keys.us, origin, "key-rotation", {"key": new_us.public.vkey})
    with log_server(db, keys.log) as server:
        assert [_post(server.url, s.body).json()["index"] for s in (before, rotation)] == [1, 2]
        again = [_post(server.url, s.body) for s in (rotation, before)]
        # The old key cannot add anything new, and the new key works.
        stale = _post(server.url, _entry(keys.us, origin, payload={"n": "stale"}).body)
        fresh = _post(server.url, _entry(new_us, origin, payload={"n": "fresh"}).body)
    assert [(r.status_code, r.json().get("index"), r.json().get("created")) for r in again] == [
        (200, 2, False), (200, 1, False)], [r.text for r in again]
    assert stale.status_code == 422 and "signature does not verify" in stale.json()["error"]
    assert fresh.status_code == 200 and fresh.json()["index"] == 3
    assert _size(db) == 4 and audit(db).ok


def test_concurrent_resubmissions_of_an_old_entry_after_a_rotation(tmp_path: Path, keys) -> None:
    db = _db(tmp_path)
    origin = create_ledger(db, keys)
    before = _entry(keys.ru, origin)
    with log_server(db, keys.log) as server:
        assert _post(server.url, before.body).json()["index"] == 1
        rotation = _entry(keys.ru, origin, "key-rotation", {"key": generate_key("RU").public.vkey})
        assert _post(server.url, rotation.body).json()["index"] == 2
        with cf.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _post(server.url, before.body), range(8)))
    assert {(r.status_code, r.json().get("index"), r.json().get("created")) for r in answers} == {(200, 1, False)}
    assert _size(db) == 3


# ----------------------------------------------------------------------------- the dashboard


def test_a_hostile_monitor_report_is_shown_as_text(tmp_path: Path, keys) -> None:
    """The monitor's findings quote what a (possibly hostile) log served — an origin, a witness
    URL — and the dashboard shows them: as text, whatever they hold."""
    db = _db(tmp_path)
    create_ledger(db, keys)
    evil = "'\"><script>alert(1)</script><img src=x onerror=alert(2)>"
    (tmp_path / "mon").mkdir()
    (tmp_path / "mon" / "report.json").write_text(json.dumps({
        "schema": "accord.monitor/v1", "ok": False, "url": evil, "origin": evil, "size": evil, "root": evil,
        "new_entries": 0, "cosigners": [evil], "checked_at": evil,
        "witnesses": [{"source": evil, "size": evil, "status": evil}],
        "findings": [{"severity": evil, "kind": evil, "index": evil, "detail": evil, "evidence": evil}],
        "exchange": {"status": evil, "detail": evil, "findings": [{"kind": evil, "detail": evil}]}}))
    with LiveServer(create_log_app(LogConfig(db, keys.log, checkpoint_interval=0.05),
                                   monitor_state=tmp_path / "mon")) as server:
        page = httpx.get(f"{server.url}/dashboard/", timeout=30)
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img src=x" not in page.text and "'\">" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


class _CountingStore:
    """A store handing everything through, counting the entries scanned."""

    def __init__(self, inner) -> None:
        self.inner, self.scanned = inner, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def scan(self, start: int = 0, end: int | None = None):
        for row in self.inner.scan(start, end):
            self.scanned += 1
            yield row


def test_a_dashboard_page_reads_only_the_entries_appended_since_the_last(tmp_path: Path, keys,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone may load the dashboard, as often as they like: a page must not read the whole
    window of entries (up to 100,000, each up to 64 KiB) again each time. The counts stay those
    of the last MAX_SCAN entries as the window slides."""
    from accord.ledger.stores import open_store
    from accord.service import dashboard_data

    monkeypatch.setattr(dashboard_data, "MAX_SCAN", 6)
    db = _db(tmp_path)
    origin = create_ledger(db, keys)
    plan = [(keys.us, "declaration"), (keys.ru, "notification"), (keys.ru, "declaration"), (keys.us, "notification"),
            (keys.us, "notification"), (keys.ru, "notification"), (keys.us, "notification"), (keys.us, "declaration")]
    store = _CountingStore(open_store(db))
    try:
        with Ledger.open(db) as ledger:
            for n, (key, kind) in enumerate(plan):
                ledger.append([_entry(key, origin, kind, {"n": n, "items": []})])
                before = store.scanned
                pages = [dashboard_data.collect(store, limit=3), dashboard_data.collect(store, kind="notification"),
                         dashboard_data.collect(store, party="nobody")]
                assert store.scanned - before == (2 if n == 0 else 1)  # what is new, once, for all three pages
                # What a full read of the last MAX_SCAN entries gives:
                window = [(r.index, r.kind, r.party) for r in ledger.store.rows(max(0, n + 2 - 6), n + 2)]
                kinds, parties = Counter(k for _, k, _ in window), Counter(p or "(log)" for *_, p in window)
                declared = {p: i for i, k, p in window if k == "declaration"}
                assert pages[0].by_kind == kinds and pages[0].by_party == parties and pages[0].scanned == len(window)
                assert [e.index for e in pages[0].recent] == [i for i, *_ in window][::-1][:3]
                assert {c.party: c.index for c in pages[0].compliance} == declared
                assert [e.index for e in pages[1].recent] == [i for i, k, _ in window if k == "notification"][::-1]
                assert pages[2].recent == ()
    finally:
        store.inner.close()


# ----------------------------------------------------------------------------- a lying log, seen by the party


@contextmanager
def _lying_server(answers: dict[str, bytes]):
    """An HTTP server on 127.0.0.1 answering each path (GET or POST) with the given bytes."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            data = answers.get(self.path, b"")
            self.send_response(200 if self.path in answers else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("what, answers, message", [
    ("a 16 MiB checkpoint", {"/checkpoint": b"example.org/x\n1\n" + bytes(16 << 20)}, "more than 65,536 bytes"),
    ("a 16 MiB answer", {"/checkpoint": b"", "/add-entry": b"{" + b" " * (16 << 20) + b"}"}, "more than 1,048,576"),
    ("deeply nested JSON", {"/checkpoint": b"", "/add-entry": b"[" * 100_000 + b"]" * 100_000},
     "not an accord.service.add-entry/v1 object"),
])
def test_a_lying_log_cannot_overwhelm_the_party_submitting(tmp_path: Path, keys, what: str, answers: dict,
                                                           message: str) -> None:
    """`accord ledger submit` reads what the log answers within bounds, and says what is wrong
    in one line (exit 2): a hostile or broken server cannot exhaust the party's memory or crash it."""
    from typer.testing import CliRunner

    from accord.cli import app as cli_app

    (tmp_path / "US.key").write_text(keys.us.skey + "\n")
    (tmp_path / "payload.json").write_text('{"n": 1}')
    with _lying_server(answers) as url:
        args = ["ledger", "submit", url, str(tmp_path / "payload.json"), "--key", str(tmp_path / "US.key"),
                "--kind", "notification"]
        if answers["/checkpoint"] == b"":
            args += ["--origin", "example.org/x"]
        result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2, (what, result.output)
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
