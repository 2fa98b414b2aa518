"""The witness over real HTTP (uvicorn on 127.0.0.1, a free port, stopping by itself), against
C2SP tlog-witness: what it cosigns, the status code of every refusal, its durability across a
kill -9, and that two requests from one old size cannot both advance it.

The "log" here is a real RFC 9162 tree (accord.ledger.merkle) with a real Ed25519 log key; a
fork is another tree signed with the same key — what a misbehaving log would present.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.ledger.cosignature import WitnessKey, cosigners, generate_witness_key
from accord.ledger.keys import PrivateKey, generate_key
from accord.ledger.merkle import consistency_proof, leaf_hash, root
from accord.ledger.note import Checkpoint, Note
from accord.service.witness import MAX_EVIDENCE_ROWS, WitnessCore, create_witness_app
from accord.service.witness_client import WitnessRefused, WitnessUnavailable, add_checkpoint
from accord.service.witness_protocol import SIZE_CONTENT_TYPE, encode_request, parse_cosignatures

ORIGIN = "example.org/accord-witness-test"


class Log:
    """A log: an RFC 9162 tree over ``n`` leaves (``salt`` makes a different history) and its key."""

    def __init__(self, key: PrivateKey, n: int = 64, salt: bytes = b"", origin: str = ORIGIN) -> None:
        self.key, self.origin = key, origin
        self.leaves = [leaf_hash(salt + i.to_bytes(8, "big")) for i in range(n)]

    def note(self, size: int) -> Note:
        return Checkpoint(self.origin, size, root(self.leaves[:size])).note().sign(self.key)

    def proof(self, old: int, size: int) -> list[bytes]:
        return consistency_proof(self.leaves, old, size) if old > 0 else []

    def body(self, old: int, size: int, proof: list[bytes] | None = None) -> bytes:
        return encode_request(old, self.proof(old, size) if proof is None else proof, self.note(size))


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on 127.0.0.1 (a port the OS picks); stops on exit."""
    import uvicorn

    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else Nagle and
    # delayed ACKs add 40 ms to every reply).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=5))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the witness did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
        assert not thread.is_alive(), "the witness did not stop"


@pytest.fixture
def log() -> Log:
    return Log(generate_key("log"))


@pytest.fixture
def witness(tmp_path: Path, log: Log) -> Iterator[tuple[str, WitnessKey, Path]]:
    signer = generate_witness_key("witness.example/w1")
    state = tmp_path / "witness.db"
    with serving(create_witness_app(signer, {ORIGIN: [log.key.public]}, state)) as url:
        yield url, signer.public, state


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url + "/add-checkpoint", content=body, timeout=30)


def cosigned(r: httpx.Response, log: Log, size: int, key: WitnessKey) -> int:
    """The timestamp of ``key``'s valid cosignature in a 200 reply for ``log``'s checkpoint at ``size``."""
    assert r.status_code == 200, r.text
    note = log.note(size)
    found = cosigners(note.with_signatures(parse_cosignatures(r.content, note)), [key])
    assert set(found) == {key.name}
    return found[key.name]


def test_a_consistent_sequence_is_cosigned(witness: Any, log: Log) -> None:
    url, key, _state = witness
    before = int(time.time())
    ts = cosigned(post(url, log.body(0, 3)), log, 3, key)
    assert before <= ts <= time.time() + 1
    cosigned(post(url, log.body(3, 7)), log, 7, key)
    cosigned(post(url, log.body(7, 8)), log, 8, key)  # a power-of-two old size omits the old root
    cosigned(post(url, log.body(8, 8)), log, 8, key)  # the same checkpoint again: cosigned again
    view = httpx.get(url + "/logs").json()
    (entry,) = view["logs"]
    assert view["schema"] == "accord.witness.logs/v1" and view["witness"] == key.vkey
    assert (entry["origin"], entry["size"]) == (ORIGIN, 8)
    assert entry["root"] == base64.b64encode(root(log.leaves[:8])).decode()
    published = Note.parse(entry["checkpoint"])  # the checkpoint with the log's signature and the cosignature
    assert cosigners(published, [key]) and published.verified_keys([log.key.public]) == [log.key.public]


def test_a_stale_old_size_is_409_with_the_witness_size(witness: Any, log: Log) -> None:
    url, key, _ = witness
    cosigned(post(url, log.body(0, 5)), log, 5, key)
    for old in (0, 3, 6):
        r = post(url, log.body(old, 9))
        assert r.status_code == 409 and r.content == b"5\n"
        assert r.headers["content-type"] == SIZE_CONTENT_TYPE  # spec: "MUST have a Content-Type of text/x.tlog.size"


def test_a_bad_proof_is_422(witness: Any, log: Log) -> None:
    url, key, _ = witness
    cosigned(post(url, log.body(0, 5)), log, 5, key)
    proof = log.proof(5, 12)
    bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    assert post(url, log.body(5, 12, bad)).status_code == 422
    assert post(url, log.body(5, 12, proof[:-1])).status_code == 422
    assert post(url, log.body(5, 12, [*proof, proof[0]])).status_code == 422
    assert post(url, log.body(5, 5, [proof[0]])).status_code == 422  # equal sizes: the proof must be empty
    assert httpx.get(url + "/logs").json()["logs"][0]["size"] == 5  # nothing advanced
    assert httpx.get(url + "/logs").json()["logs"][0]["refused_requests"] == 4  # kept as evidence


def test_a_fresh_witness_refuses_a_proof_from_size_zero(witness: Any, log: Log) -> None:
    url, _key, _ = witness
    assert post(url, log.body(0, 4, [hashlib.sha256(b"x").digest()])).status_code == 422  # "MUST be empty"


def test_a_fork_is_refused(witness: Any, log: Log) -> None:
    """Another history signed by the same log key: never cosigned, whatever proof comes with it."""
    url, key, _ = witness
    cosigned(post(url, log.body(0, 10)), log, 10, key)
    fork = Log(log.key, salt=b"fork")
    assert post(url, fork.body(10, 20)).status_code == 422  # its own proof does not lead from our root
    r = post(url, fork.body(10, 10))  # same size, another root
    assert r.status_code == 409 and r.content == b"10\n"
    shorter = Log(log.key, salt=b"fork2")
    assert post(url, shorter.body(0, 4)).status_code == 409  # old 0 is not the witness's size
    cosigned(post(url, log.body(10, 11)), log, 11, key)  # the real log still gets its cosignature


def test_unknown_origin_is_404_and_bad_signature_403(witness: Any, log: Log) -> None:
    url, _key, _ = witness
    other = Log(log.key, origin="example.org/another-log")
    assert post(url, other.body(0, 3)).status_code == 404
    impostor = Log(generate_key("log"))  # the right origin, another key
    assert post(url, impostor.body(0, 3)).status_code == 403
    # An old size above the checkpoint's is 400 (after origin and signature, as the spec orders it).
    assert post(url, encode_request(5, [], log.note(3))).status_code == 400


@pytest.mark.parametrize("body", [
    b"\xff\xfe",
    b"old 0\n",
    b"old 01\n\n",
    b"old -1\n\n",
    b"new 0\n\n",
    b"old 0\nnot-base64!\n\n",
    b"old 0\n" + base64.b64encode(b"short") + b"\n\n",
    b"old 0\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n",  # "MUST NOT send more than 63"
    b"old 0\n\nno checkpoint here\n",
    b"old 0\n\nexample.org/accord-witness-test\n1\nnotbase64\n\n\xe2\x80\x94 log AAAAAAA=\n",
])
def test_garbage_is_400(witness: Any, body: bytes) -> None:
    url, _key, _ = witness
    r = post(url, body)
    assert r.status_code == 400 and r.text.count("\n") == 1, r.text


def test_limits_and_methods(witness: Any, log: Log) -> None:
    url, _key, _ = witness
    r = post(url, b"old 0\n" + b"A" * (3 << 20))
    assert r.status_code == 413
    assert httpx.get(url + "/add-checkpoint").status_code == 405
    assert httpx.get(url + "/nothing-here").status_code == 404
    assert httpx.get(url + "/").json()["vkey"].startswith("witness.example/w1+")
    assert httpx.get(url + "/openapi.json").json()["paths"]["/add-checkpoint"]["post"]


def test_concurrent_requests_from_one_old_size_one_wins(witness: Any, log: Log) -> None:
    """Eight requests from old size 4 at once (four sizes of the real log, four of a fork): exactly
    one is cosigned; every other is 409 with the winner's size, which is what the state holds."""
    url, key, _ = witness
    cosigned(post(url, log.body(0, 4)), log, 4, key)
    fork = Log(log.key, salt=b"fork")
    fork.leaves[:4] = log.leaves[:4]  # shares the first 4 entries, then diverges
    bodies = [log.body(4, n) for n in (5, 6, 7, 8)] + [fork.body(4, n) for n in (9, 10, 11, 12)]
    barrier = threading.Barrier(len(bodies))
    results: list[httpx.Response] = [None] * len(bodies)  # type: ignore[list-item]

    def send(i: int) -> None:
        barrier.wait()
        results[i] = post(url, bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [i for i, r in enumerate(results) if r.status_code == 200]
    assert len(won) == 1, [r.status_code for r in results]
    size = (5, 6, 7, 8, 9, 10, 11, 12)[won[0]]
    assert all(r.status_code == 409 and r.content == f"{size}\n".encode() for i, r in enumerate(results) if i != won[0])
    assert httpx.get(url + "/logs").json()["logs"][0]["size"] == size


def test_two_witness_processes_on_one_state_cannot_both_advance(tmp_path: Path, log: Log) -> None:
    """Two WitnessCore objects (two connections, as two processes would have) on one state file,
    racing from one old size ten times: each time exactly one advances, the other gets 409."""
    signer = generate_witness_key("w")
    state = tmp_path / "w.db"
    cores = [WitnessCore(signer, {ORIGIN: [log.key.public]}, state) for _ in range(2)]
    cores[0].add_checkpoint(log.body(0, 4))
    for _round in range(10):
        current = cores[0].latest()["logs"][0]["size"]
        outcome = _race(cores, [log.body(current, current + 1), log.body(current, current + 2)])
        assert sum(isinstance(o, bytes) for o in outcome) == 1, outcome
        assert all(getattr(o, "status", 409) == 409 for o in outcome)
        assert all(getattr(o, "size", None) in (None, current + 1, current + 2) for o in outcome)
    final = cores[1].latest()["logs"][0]
    assert 14 <= final["size"] <= 24 and base64.b64decode(final["root"]) == root(log.leaves[:final["size"]])


def _race(cores: list[WitnessCore], bodies: list[bytes]) -> list[object]:
    """Each core's add_checkpoint of its body, started together; the reply or the exception."""
    barrier = threading.Barrier(len(cores))
    outcome: list[object] = [None] * len(cores)

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcome[i] = cores[i].add_checkpoint(bodies[i])
        except Exception as exc:
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def test_evidence_is_bounded(tmp_path: Path, log: Log) -> None:
    signer = generate_witness_key("w")
    core = WitnessCore(signer, {ORIGIN: [log.key.public]}, tmp_path / "w.db")
    core.add_checkpoint(log.body(0, 4))
    fork = Log(log.key, salt=b"fork")
    import sqlite3

    with sqlite3.connect(tmp_path / "w.db") as conn:  # fill it to the bound directly: 1000 requests is slow
        conn.executemany("INSERT INTO evidence (at, origin, status, reason, request) VALUES (0, ?, 422, 'x', x'00')",
                         [(ORIGIN,)] * MAX_EVIDENCE_ROWS)
    with pytest.raises(Exception) as info:
        core.add_checkpoint(fork.body(4, 8))
    assert getattr(info.value, "status", None) == 422
    assert core.latest()["logs"][0]["refused_requests"] == MAX_EVIDENCE_ROWS


def test_a_state_of_another_witness_is_refused(tmp_path: Path, log: Log) -> None:
    from accord.errors import InputError

    WitnessCore(generate_witness_key("w"), {ORIGIN: [log.key.public]}, tmp_path / "w.db")
    with pytest.raises(InputError, match="belongs to the witness key"):
        WitnessCore(generate_witness_key("w"), {ORIGIN: [log.key.public]}, tmp_path / "w.db")


# -- the client the log server uses ---------------------------------------------------------------

def test_client_learns_the_witness_size_from_409(witness: Any, log: Log) -> None:
    url, key, _ = witness
    asked: list[int] = []

    def proof_for(old: int) -> list[bytes]:
        asked.append(old)
        return log.proof(old, 9)

    cosigned(post(url, log.body(0, 6)), log, 6, key)
    reply = add_checkpoint(url, log.note(9), old_size=0, proof_for=proof_for, witness=key)
    assert reply.size == 9 and asked == [6] and cosigners(log.note(9).with_signatures(reply.signatures), [key])
    with pytest.raises(WitnessRefused) as info:  # a fork: the 409 names the size asked from, so no retry
        add_checkpoint(url, Log(log.key, salt=b"f").note(9), old_size=9, proof_for=lambda _: [], witness=key)
    assert info.value.status == 409 and info.value.witness_size == 9
    with pytest.raises(WitnessRefused) as info:
        add_checkpoint(url, Log(generate_key("log")).note(12), old_size=9, proof_for=lambda o: log.proof(o, 12))
    assert info.value.status == 403


def test_client_reports_a_witness_it_cannot_reach(log: Log) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    with pytest.raises(WitnessUnavailable):
        add_checkpoint(f"http://127.0.0.1:{port}", log.note(3), old_size=0, proof_for=lambda _: [], timeout=2)


def test_client_refuses_a_reply_without_the_witness_cosignature(witness: Any, log: Log) -> None:
    url, _key, _ = witness
    with pytest.raises(WitnessUnavailable, match="no valid cosignature"):
        add_checkpoint(url, log.note(3), old_size=0, proof_for=lambda _: [],
                       witness=generate_witness_key("witness.example/w1").public)


# -- kill -9 and restart ------------------------------------------------------------------------------

_CLI = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"


@contextmanager
def witness_process(key_file: Path, log: Log, state: Path,
                    env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``accord witness serve`` in its own process (``env`` added to its environment), on a port
    it picks and prints; killed on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CLI, "witness", "serve", "--key", str(key_file), "--log",
         f"{ORIGIN}={log.key.public.vkey}", "--state", str(state), "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        line = ""
        found = None
        deadline = time.monotonic() + 60
        while found is None and time.monotonic() < deadline:
            line = proc.stderr.readline() if proc.stderr else ""
            if not line and proc.poll() is not None:
                break
            found = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        assert found is not None, f"the witness did not start: {line!r}"
        url = found.group(1)
        while True:  # the port is bound before uvicorn serves it: wait for an answer
            try:
                httpx.get(url + "/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
        if proc.stderr:
            proc.stderr.close()


def test_a_witness_killed_mid_run_never_cosigns_inconsistently(tmp_path: Path, log: Log) -> None:
    """Three clients race to get the real log's growing checkpoints cosigned while the witness is
    killed with SIGKILL; restarted on the same state it holds at least the largest size whose
    cosignature came back, with that size's real root, and refuses a fork of it."""
    signer = generate_witness_key("witness.example/w1")
    key_file = tmp_path / "w.key"
    key_file.write_text(signer.skey + "\n")
    state = tmp_path / "w.db"
    log = Log(log.key, n=400)
    got: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    with witness_process(key_file, log, state) as (proc, url):
        def client(offset: int) -> None:
            size, known = 1 + offset, 0
            http = httpx.Client(timeout=5)
            while not stop.is_set() and size < len(log.leaves):
                try:
                    reply = add_checkpoint(url, log.note(size), old_size=known,
                                           proof_for=lambda o, n=size: log.proof(o, n), witness=signer.public,
                                           client=http)
                except WitnessRefused as exc:
                    known = exc.witness_size or known
                    if exc.witness_size is not None and exc.witness_size >= size:
                        size = exc.witness_size + 1
                    continue
                except WitnessUnavailable:
                    break  # killed
                with lock:
                    got.append(reply.size)
                known, size = reply.size, reply.size + 1 + offset
            http.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(got) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # mid-run: requests are in flight
        proc.wait(30)
        stop.set()
        for t in threads:
            t.join(60)
    assert len(got) >= 20, "too few cosignatures before the kill to call it mid-run"

    with witness_process(key_file, log, state) as (_proc, url):
        (entry,) = httpx.get(url + "/logs").json()["logs"]
        size = entry["size"]
        assert size >= max(got)  # every cosignature that left is covered by the saved state
        assert base64.b64decode(entry["root"]) == root(log.leaves[:size])
        fork = Log(log.key, n=400, salt=b"fork")
        fork.leaves[:size - 1] = log.leaves[:size - 1]  # one entry rewritten at the end
        assert post(url, fork.body(size, size)).status_code == 409
        assert post(url, fork.body(size, size + 5, log.proof(size, size + 5))).status_code == 422
        r = post(url, log.body(size - 1, size + 5))
        assert r.status_code == 409 and r.content == f"{size}\n".encode()
        cosigned(post(url, log.body(size, size + 5)), log, size + 5, signer.public)


# -- the command line ----------------------------------------------------------------------------------

def _accord(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_keygen_and_bad_options(tmp_path: Path, log: Log) -> None:
    r = _accord("witness", "keygen", "witness.example/us", "--out", "keys", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert '"schema": "accord.witness.keygen/v1"' in r.stdout
    pub = (tmp_path / "keys" / "witness.example_us.pub").read_text().strip()
    assert WitnessKey.parse(pub).name == "witness.example/us"
    for name in ("a b", "a+b"):
        r = _accord("witness", "keygen", name, cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "key name" in r.stderr
    key = str(tmp_path / "keys" / "witness.example_us.key")
    bad = [
        (["--log", "no-equals-sign"], "ORIGIN=VKEY"),
        (["--log", f"{ORIGIN}={pub}"], "witness key (type 0x04)"),
        (["--log", f"{ORIGIN}=missing.pub"], "missing.pub"),
        (["--log", f"{ORIGIN}={log.key.public.vkey}", "--port", "70000"], "--port"),
    ]
    for extra, message in bad:
        r = _accord("witness", "serve", "--key", key, "--state", "w.db", *extra, cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, (extra, r.stderr)
