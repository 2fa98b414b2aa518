"""The monitor against a lying log: a small HTTP server (127.0.0.1, a free port, stopped by the
test) that serves a real ledger's C2SP tlog-tiles resources — checkpoints signed by the real log
key — and then lies in one way per test.

What a user relies on: whatever the log serves, a check ends (bounded bytes, bounded time), a
lie is an error finding and a non-zero exit, nothing the lie touched is recorded as verified,
and a *split view* (with its evidence folder) is claimed only when two checkpoints signed by the
log provably cannot both be true.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.errors import InputError, ProofError
from accord.ledger import Ledger
from accord.ledger.entries import GENESIS, Entry, SignedEntry, sign_entry, utc_now
from accord.ledger.keys import PrivateKey, generate_key
from accord.ledger.merkle import EMPTY_ROOT, leaf_hash, verify_consistency
from accord.ledger.note import Checkpoint, Note
from accord.ledger.stores import open_store
from accord.service import monitor as monitor_module
from accord.service.monitor import run
from accord.service.tiles import bundle_bytes, parse_tile_path, tile_nodes

Handler = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture(scope="module")
def keys() -> tuple[PrivateKey, PrivateKey, PrivateKey]:
    return generate_key("US"), generate_key("RU"), generate_key("log")


class Served:
    """What a log serves: a ledger's tiles and bundles within ``size`` and a checkpoint note;
    ``override`` maps a path to other bytes or to a handler that answers the request itself."""

    def __init__(self, db: str, log: PrivateKey, size: int | None = None) -> None:
        self.db, self.log = db, log
        with Ledger.open(db) as ledger:
            self.origin = ledger.origin
            self.size = ledger.size() if size is None else size
            self.note = checkpoint_note(ledger, log, self.size)
        self.override: dict[str, bytes | Handler] = {}

    def resource(self, path: str) -> bytes | None:
        if path == "checkpoint":
            return self.note.encode()
        parts = path.split("/")
        try:
            if parts[:2] in (["tile", "entries"], ["accord", "entries"]):
                tile = parse_tile_path(None, "/".join(parts[2:]))
            elif parts[0] == "tile" and len(parts) > 2:
                tile = parse_tile_path(parts[1], "/".join(parts[2:]))
            else:
                return None
        except InputError:
            return None
        if tile.needs() > self.size:
            return None
        with open_store(self.db) as store:
            if tile.level is None:
                bodies = [body for *_, body in store.scan(tile.first(), tile.first() + tile.width)]
                return bundle_bytes(bodies, wide=parts[0] == "accord")
            if tile.level == 0:
                return b"".join(leaf for *_, leaf, _body in store.scan(tile.first(), tile.first() + tile.width))
            found = store.nodes(tile_nodes(tile))  # type: ignore[attr-defined]
            return b"".join(found[k] for k in tile_nodes(tile))


def checkpoint_note(ledger: Ledger, log: PrivateKey, size: int, root: bytes | None = None) -> str:
    """A checkpoint of ``size`` entries signed by the log key (``root`` to sign a lie)."""
    cp = Checkpoint(ledger.origin, size, ledger.root(size) if root is None else root)
    return cp.note().sign(log).encode()


@contextmanager
def lying_log(served: Served) -> Iterator[str]:
    """Serve ``served`` on 127.0.0.1 until the block ends; yields the URL."""

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            special = served.override.get(path)
            if callable(special):
                special(self)
                return
            data = special if special is not None else served.resource(path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def make_log(path: Path, us: PrivateKey, ru: PrivateKey, log: PrivateKey, entries: int) -> str:
    """A ledger with ``entries`` notifications after its genesis; returns its URL."""
    db = f"sqlite:///{path}"
    with Ledger.create(db, agreement="newstart-2021", parties=[us.public, ru.public], log_key=log.public,
                       origin="example.org/lying-log") as ledger:
        for i in range(entries):
            key = us if i % 2 == 0 else ru
            ledger.append([sign_entry(key, ledger.origin, Entry("notification", key.name, utc_now(), {"n": i}))])
    return db


def fork(source: str, target: Path, keep: int, us: PrivateKey, extra: int) -> str:
    """Another history under the same origin and log key: the first ``keep`` entries of
    ``source``, then ``extra`` different ones."""
    db = f"sqlite:///{target}"
    with open_store(source) as src, open_store(db) as dst:
        rows = list(src.rows(0, keep))
        dst.create(src.meta(), GENESIS, rows[0].issued_at, rows[0].body, rows[0].leaf)
    with Ledger.open(db) as ledger:
        ledger.append([SignedEntry.from_body(r.body) for r in rows[1:]])
        ledger.append([sign_entry(us, ledger.origin, Entry("notification", "US", utc_now(), {"fork": i}))
                       for i in range(extra)])
    return db


def check(url: str, state: Path, log: PrivateKey | None = None, **kw: Any) -> Any:
    return run(url, state, log_key=log.public if log else None, once=True, replay=False, **kw)


def kinds(report: Any) -> list[str]:
    return [f.kind for f in report.findings if f.severity == "error"]


def verified_size(state: Path) -> int | None:
    verified = json.loads((state / "state.json").read_text())["verified"]
    return None if verified is None else verified["size"]


def mirror_size(state: Path) -> int:
    if not (state / "mirror.db").exists():
        return 0
    with Ledger.open(f"sqlite:///{state / 'mirror.db'}") as mirror:
        return mirror.size()


@pytest.fixture
def honest(tmp_path: Path, keys: tuple[PrivateKey, PrivateKey, PrivateKey]) -> str:
    us, ru, log = keys
    return make_log(tmp_path / "log.db", us, ru, log, 299)  # 300 entries: a full level-0 tile and a partial


# ----------------------------------------------------------------------------- the fake log itself


def test_the_fake_log_serves_what_a_monitor_verifies(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert report.ok, report.findings
    assert (report.size, report.new_entries) == (300, 300) and mirror_size(tmp_path / "mon") == 300


# ----------------------------------------------------------------------------- lies in the tree


def test_a_checkpoint_whose_root_the_tiles_do_not_give(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    with Ledger.open(honest) as ledger:
        served.note = checkpoint_note(ledger, keys[2], 300, root=bytes(32))
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["tiles"] and not report.ok
    assert verified_size(tmp_path / "mon") is None and mirror_size(tmp_path / "mon") == 0
    assert not (tmp_path / "mon" / "evidence").exists()  # one checkpoint proves no split view


def test_an_old_tile_changed_later_is_a_tiles_error_not_a_split_view(tmp_path: Path, keys, honest: str) -> None:
    """Tiles are immutable: the monitor verified size 100, then the log grows honestly to 300 but
    serves a level-0 tile whose first hashes changed. The checkpoints are consistent — only the
    tiles lie — so this is an error, but no split view: none of two signed checkpoints."""
    served = Served(honest, keys[2], size=100)
    with lying_log(served) as url:
        assert check(url, tmp_path / "mon", keys[2]).ok
        grown = Served(honest, keys[2])
        served.size, served.note = grown.size, grown.note
        tile = bytearray(served.resource("tile/0/000") or b"")
        tile[:32] = bytes(32)
        served.override["tile/0/000"] = bytes(tile)
        report = check(url, tmp_path / "mon")
    assert kinds(report) == ["tiles"], report.findings
    assert not (tmp_path / "mon" / "evidence").exists()
    assert verified_size(tmp_path / "mon") == 100 and mirror_size(tmp_path / "mon") == 100


def test_a_fork_whose_tiles_hash_to_its_root_is_a_split_view_proved_by_them(tmp_path: Path, keys,
                                                                            honest: str) -> None:
    us, _ru, log = keys
    served = Served(honest, log, size=100)
    with lying_log(served) as url:
        assert check(url, tmp_path / "mon", log).ok
        other = Served(fork(honest, tmp_path / "fork.db", 50, us, 250), log)
        served.db, served.size, served.note = other.db, other.size, other.note
        result = CliRunner().invoke(cli_app, ["monitor", url, "--state", str(tmp_path / "mon"), "--once",
                                              "--format", "json"])
    assert result.exit_code == 1, result.output
    (split,) = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "split-view"]
    saved = json.loads((Path(split["evidence"]) / "evidence.json").read_text())
    notes = [Note.parse((Path(split["evidence"]) / n).read_text()) for n in ("first.note", "second.note")]
    assert all(n.signed_by(log.public) for n in notes)
    small, large = sorted((Checkpoint.from_text(n.text) for n in notes), key=lambda c: c.size)
    assert (small.size, large.size) == (100, 300)
    # The evidence stands on its own: the proof joins the larger tree's own prefix to its signed
    # root, and that prefix is not the root the log signed for size 100.
    proof = [base64.b64decode(h) for h in saved["proof"]["hashes"]]
    prefix = base64.b64decode(saved["proof"]["prefix_root"])
    verify_consistency(small.size, large.size, proof, prefix, large.root)
    assert prefix != small.root
    with pytest.raises(ProofError):
        verify_consistency(small.size, large.size, proof, small.root, large.root)
    assert verified_size(tmp_path / "mon") == 100


def test_a_tile_of_the_wrong_size(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    served.override["tile/0/001.p/44"] = (served.resource("tile/0/001.p/44") or b"")[:-1]
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["tiles"] and "1,407 bytes, not 1,408" in report.findings[0].detail
    assert mirror_size(tmp_path / "mon") == 0


def test_an_entry_bundle_with_a_modified_entry(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    bundle = bytearray(served.resource("tile/entries/001.p/44") or b"")
    bundle[-3] ^= 1  # a byte of the last entry's statement
    served.override["tile/entries/001.p/44"] = bytes(bundle)
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["entries"] and not report.ok
    assert verified_size(tmp_path / "mon") is None and mirror_size(tmp_path / "mon") == 0  # nothing admitted


def test_an_entry_bundle_with_trailing_bytes(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    served.override["tile/entries/001.p/44"] = (served.resource("tile/entries/001.p/44") or b"") + b"\x00\x00"
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["tiles"] and "2 bytes after the last of its 44 entries" in report.findings[0].detail
    assert mirror_size(tmp_path / "mon") == 0


# ----------------------------------------------------------------------------- lies over time


def test_a_rollback_to_another_history_is_a_split_view(tmp_path: Path, keys, honest: str) -> None:
    us, _ru, log = keys
    served = Served(honest, log)
    with lying_log(served) as url:
        assert check(url, tmp_path / "mon", log).ok
        other = Served(fork(honest, tmp_path / "fork.db", 150, us, 50), log)  # 200 entries, not a prefix
        served.db, served.size, served.note = other.db, other.size, other.note
        report = check(url, tmp_path / "mon")
    assert kinds(report) == ["split-view"] and report.split_views[0].evidence
    assert verified_size(tmp_path / "mon") == 300


def test_an_empty_checkpoint_is_a_finding_not_a_crash(tmp_path: Path, keys, honest: str) -> None:
    """A log that signs the empty tree (size 0, the SHA-256 of nothing): an accord log always
    holds its genesis entry, so there is nothing to verify — and nothing may crash."""
    served = Served(honest, keys[2])
    served.note = Checkpoint(served.origin, 0, EMPTY_ROOT).note().sign(keys[2]).encode()
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
        assert report.size is None and mirror_size(tmp_path / "mon") == 0
        assert not report.ok and kinds(report) == ["genesis"]
        served.note = Served(honest, keys[2]).note  # the log then shows its real tree: verified
        assert check(url, tmp_path / "mon").ok


def test_a_split_view_between_the_monitor_and_a_witness(tmp_path: Path, keys, honest: str) -> None:
    """The log shows the witness another tree of the size the monitor verified."""
    us, _ru, log = keys
    served = Served(honest, log)
    other = Served(fork(honest, tmp_path / "fork.db", 200, us, 100), log)
    witness = Served(honest, log)
    witness.override["logs"] = json.dumps({"schema": "accord.witness.logs/v1", "logs": [
        {"origin": served.origin, "size": 300, "checkpoint": other.note}]}).encode()
    with lying_log(served) as url, lying_log(witness) as witness_url:
        result = CliRunner().invoke(cli_app, ["monitor", url, "--state", str(tmp_path / "mon"), "--log-key",
                                              log.public.vkey, "--witness", witness_url, "--once"])
    assert result.exit_code == 1, result.output
    assert "split view: two checkpoints of size 300 with different roots" in result.stderr
    (folder,) = (tmp_path / "mon" / "evidence").iterdir()
    notes = {(folder / n).read_text() for n in ("first.note", "second.note")}
    assert notes == {served.note, other.note}


# ----------------------------------------------------------------------------- bounded reads and time


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()  # no length: the body ends when the connection does
    try:
        while True:
            handler.wfile.write(b"\x00" * 65536)
    except OSError:
        pass


def _trickle(data: bytes, pause: float) -> Handler:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            for i in range(len(data)):
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass
    return answer


def test_an_endless_checkpoint_is_read_only_up_to_its_bound(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    served.override["checkpoint"] = _endless
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["unreachable"] and "more than 65,536 bytes" in report.findings[0].detail


def test_an_endless_entry_bundle_is_read_only_up_to_its_bound(tmp_path: Path, keys, honest: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitor_module, "MAX_BUNDLE_BYTES", 1 << 20)  # the real bound is 272 MiB
    served = Served(honest, keys[2])
    served.override["tile/entries/000"] = _endless
    with lying_log(served) as url:
        report = check(url, tmp_path / "mon", keys[2])
    assert kinds(report) == ["tiles"] and "more than 1,048,576 bytes" in report.findings[0].detail
    assert mirror_size(tmp_path / "mon") == 0


def test_a_log_that_answers_a_byte_at_a_time_is_given_up_on(tmp_path: Path, keys, honest: str) -> None:
    """Each byte comes well within the timeout, the whole answer never does: the check still ends
    within about the timeout, the log unreachable."""
    served = Served(honest, keys[2])
    served.override["checkpoint"] = _trickle(served.note.encode(), 0.05)  # ~300 bytes: 15 s
    with lying_log(served) as url:
        started = time.monotonic()
        report = check(url, tmp_path / "mon", keys[2], timeout=0.5)
        took = time.monotonic() - started
    assert kinds(report) == ["unreachable"] and "0.5 s" in report.findings[0].detail
    assert took < 5, took  # generous: the bound is what is tested, not the machine's speed


def test_a_log_that_never_answers(tmp_path: Path, keys) -> None:
    with socket.socket() as listener:  # accepts the connection, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        report = check(url, tmp_path / "mon", keys[2], timeout=0.3)
        assert time.monotonic() - started < 5
    assert kinds(report) == ["unreachable"]


def test_the_cli_exits_1_on_a_lie_and_0_on_the_truth(tmp_path: Path, keys, honest: str) -> None:
    served = Served(honest, keys[2])
    with Ledger.open(honest) as ledger:
        lie = checkpoint_note(ledger, keys[2], 300, root=leaf_hash(b"not the root"))
    args = ["monitor", "--state", str(tmp_path / "mon"), "--once"]
    with lying_log(served) as url:
        ok = CliRunner().invoke(cli_app, [*args[:1], url, *args[1:], "--log-key", keys[2].public.vkey])
        served.note = lie
        bad = CliRunner().invoke(cli_app, [*args[:1], url, *args[1:]])
    assert ok.exit_code == 0, ok.output
    assert bad.exit_code == 1 and "split view" in bad.stderr  # same size, another root: both signed
