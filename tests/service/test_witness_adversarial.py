"""The witness against a hostile log, a hostile client, a hostile witness and a hostile operator.

Every status code is the one C2SP tlog-witness gives (https://c2sp.org/tlog-witness, quoted where
it matters), every refusal leaves the state where it was, and nothing is ever a 500:

- a hostile *log* (it holds the log key): forks at one size, rollbacks, old sizes above the new,
  proofs of the wrong length or alphabet, sizes no tree can have, checkpoints of size 0 with a
  root that is not the empty tree's, extension lines, notes in every malformed shape;
- a hostile *client* (anyone: the log's checkpoints are public): notes padded with unknown
  signatures, a forged line in the witness's own name, 10 MB bodies, bodies sent slowly,
  connections opened and left idle;
- a hostile *witness* (the log's client asks it): replies that never end or never stop growing;
- a hostile *operator* or a broken disk: a state database edited, rolled back or deleted — the
  witness then refuses to start, or refuses to cosign, but never cosigns from a state it did not
  write.

The log is a real RFC 9162 tree with a real Ed25519 key (the helpers of test_witness.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_witness import _CLI, Log, cosigned, post, serving, witness_process
from test_witness_ledger import flow, run  # noqa: F401  (flow: a fixture)

from accord import limits
from accord.errors import InputError
from accord.ledger.cosignature import WitnessKey, cosigners, generate_witness_key
from accord.ledger.keys import generate_key
from accord.ledger.merkle import EMPTY_ROOT, root
from accord.ledger.note import Checkpoint, Note, NoteSignature
from accord.service.witness import Refused, WitnessCore, create_witness_app
from accord.service.witness_client import WitnessUnavailable, add_checkpoint, add_checkpoint_async
from accord.service.witness_protocol import SIZE_CONTENT_TYPE, encode_request, parse_cosignatures

ORIGIN = "example.org/accord-witness-test"
_DASH = "\u2014 "


@pytest.fixture
def log() -> Log:
    return Log(generate_key("log"))


@pytest.fixture
def signer() -> Any:
    return generate_witness_key("witness.example/w1")


@pytest.fixture
def witness(tmp_path: Path, log: Log, signer: Any) -> Iterator[tuple[str, WitnessKey, Path]]:
    state = tmp_path / "witness.db"
    with serving(create_witness_app(signer, {ORIGIN: [log.key.public]}, state)) as url:
        yield url, signer.public, state


def size_of(url: str) -> int:
    (entry,) = httpx.get(url + "/logs", timeout=30).json()["logs"]
    return int(entry["size"])


def refused(core: WitnessCore, body: bytes) -> int:
    """The status ``core`` refuses ``body`` with (the test fails if it cosigns)."""
    with pytest.raises(Refused) as info:
        core.add_checkpoint(body)
    return info.value.status


# -- a hostile log -------------------------------------------------------------------------------

def test_a_hostile_log_gets_the_specs_status_codes_and_nothing_moves(witness: Any, log: Log) -> None:
    """Each attack by the holder of the log key, in the spec's words, once the witness holds 7
    (not a power of two: the proofs have several hashes, so a reversed one differs)."""
    url, key, _ = witness
    cosigned(post(url, log.body(0, 7)), log, 7, key)
    assert len(log.proof(7, 13)) > 2
    fork = Log(log.key, salt=b"fork")
    proof = log.proof(7, 13)
    cases = [
        # "If the old size matches the checkpoint size, the witness MUST check that the root
        # hashes are also identical. If they don't match ... 409 Conflict"
        ("fork at the same size", fork.body(7, 7), 409),
        # "The old size MUST be equal to or lower than the checkpoint size. Otherwise ... 400"
        ("rollback: old is the witness's size, the checkpoint smaller", log.body(7, 5, []), 400),
        ("old above the new size", encode_request(13, [], log.note(12)), 400),
        # "If it doesn't match, the witness MUST respond with a 409 Conflict"
        ("rollback from a smaller old size", log.body(5, 5), 409),
        ("a fork from a smaller old size", fork.body(4, 12), 409),
        # "If the Merkle Consistency Proof doesn't verify ... 422 Unprocessable Entity"
        ("a fork extending 7 with its own proof", fork.body(7, 13), 422),
        ("a fork extending 7 with the real log's proof", fork.body(7, 13, proof), 422),
        ("proof one hash short", log.body(7, 13, proof[:-1]), 422),
        ("proof one hash long", log.body(7, 13, [*proof, proof[-1]]), 422),
        ("the proof reversed", log.body(7, 13, proof[::-1]), 422),
        ("no proof at all", log.body(7, 13, []), 422),
        ("a proof for equal sizes", log.body(7, 7, proof[:1]), 422),
        # "The client MUST NOT send more than 63 consistency proof lines."
        ("64 proof lines", log.body(7, 13, [proof[0]] * 64), 400),
    ]
    for what, body, status in cases:
        r = post(url, body)
        assert r.status_code == status, (what, r.status_code, r.text)
        if status == 409:  # "The response MUST have a Content-Type of text/x.tlog.size"
            assert r.headers["content-type"] == SIZE_CONTENT_TYPE and r.content == b"7\n", what
        else:
            assert r.headers["content-type"].startswith("text/plain") and r.text.count("\n") == 1, what
        assert size_of(url) == 7, what
    cosigned(post(url, log.body(7, 13)), log, 13, key)  # the real log is still served


@pytest.mark.parametrize("line", [
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw",  # padding missing
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw= ",  # trailing space
    " PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\r",
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka-",  # base64url alphabet
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=PlRN",
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\u00e9",
    "",  # an empty proof line is the blank line: what follows is then not a checkpoint
])
def test_proof_lines_that_are_not_base64_hashes_are_400(witness: Any, log: Log, line: str) -> None:
    url, key, _ = witness
    cosigned(post(url, log.body(0, 8)), log, 8, key)
    proof = log.proof(8, 16)
    body = f"old 8\n{base64.b64encode(proof[0]).decode()}\n{line}\n\n".encode() + log.note(16).encode().encode()
    r = post(url, body)
    assert r.status_code == 400 and r.text.count("\n") == 1, r.text
    assert size_of(url) == 8


def test_a_checkpoint_size_no_witness_can_store_is_400_not_500(witness: Any, log: Log) -> None:
    """A log-signed checkpoint of size 2^63 (a valid uint64, beyond SQLite's signed 64 bits)."""
    url, _key, _ = witness
    for size in (2**63, 10**19 - 1):
        note = Checkpoint(ORIGIN, size, hashlib.sha256(b"x").digest()).note().sign(log.key)
        r = post(url, encode_request(0, [], note))
        assert r.status_code == 400 and "size" in r.text, (size, r.status_code, r.text)
    assert httpx.get(url + "/logs").json()["logs"] == []


def test_a_size_zero_checkpoint_must_carry_the_empty_trees_root(witness: Any, log: Log) -> None:
    """RFC 9162 §2.1.1: the hash of an empty list is SHA-256 of the empty string. A log that signs
    another root for size 0 claims a tree that cannot exist; the witness does not cosign that."""
    url, key, _ = witness
    bogus = Checkpoint(ORIGIN, 0, hashlib.sha256(b"not empty").digest()).note().sign(log.key)
    assert post(url, encode_request(0, [], bogus)).status_code == 422
    assert httpx.get(url + "/logs").json()["logs"] == []
    empty = Checkpoint(ORIGIN, 0, EMPTY_ROOT).note().sign(log.key)
    r = post(url, encode_request(0, [], empty))
    assert r.status_code == 200 and cosigners(empty.with_signatures(parse_cosignatures(r.content, empty)), [key])
    cosigned(post(url, log.body(0, 3)), log, 3, key)


def test_extension_lines_are_cosigned_as_part_of_the_checkpoint(witness: Any, log: Log) -> None:
    """tlog-cosignature: extension lines "if present MUST be included in the cosigned message"."""
    url, key, _ = witness
    cp = Checkpoint(ORIGIN, 3, root(log.leaves[:3]), ("extension one", "\u2014 looks like a signature"))
    note = cp.note().sign(log.key)
    r = post(url, encode_request(0, [], note))
    assert r.status_code == 200, r.text
    (line,) = parse_cosignatures(r.content, note)
    assert key.verify(note.text, line) is not None
    assert key.verify(Checkpoint(ORIGIN, 3, cp.root).text(), line) is None  # not the first three lines only


def test_signature_lines_moved_into_the_text_do_not_verify(witness: Any, log: Log) -> None:
    """The note text ends at the LAST blank line: a signature block before it is text, and the
    log never signed that text (403), or it leaves an empty extension line (400)."""
    url, _key, _ = witness
    encoded = log.note(3).encode()
    assert post(url, b"old 0\n\n" + (encoded + "\n" + encoded.split("\n\n")[1]).encode()).status_code == 400
    text, sigs = encoded.split("\n\n")
    moved = f"{text}\n\u2014 extension\n\n{sigs}"
    assert post(url, b"old 0\n\n" + moved.encode()).status_code == 403


def test_the_log_key_of_another_origin_or_the_right_name_with_another_id_is_403(tmp_path: Path, log: Log) -> None:
    other = generate_key("other-log")
    signer = generate_witness_key("w")
    core = WitnessCore(signer, {ORIGIN: [log.key.public], "example.org/other": [other.public]}, tmp_path / "w.db")
    cp = Checkpoint(ORIGIN, 3, root(log.leaves[:3]))
    assert refused(core, encode_request(0, [], cp.note().sign(other))) == 403
    impostor = generate_key("log")  # the log's name, another key: another key id
    assert impostor.public.id != log.key.public.id
    assert refused(core, encode_request(0, [], cp.note().sign(impostor))) == 403
    # The log's name and key id with a signature that is not the log's: unknown-length junk.
    for junk in (b"\x00" * 64, b"\x01" * 72, b"\x02"):
        forged = Note(cp.text(), (NoteSignature(log.key.name, log.key.public.id, junk),))
        assert refused(core, encode_request(0, [], forged)) == 403
    assert core.latest()["logs"] == []


def test_a_failing_signature_by_the_log_key_rejects_the_note(tmp_path: Path, log: Log) -> None:
    """C2SP signed-note: "If a signature from a known key fails to verify, clients SHOULD reject
    the whole note" (Go's note.Open does). A checkpoint carrying a broken signature by the log's
    own key next to a good one is not what an honest log sends: 403, whatever the order."""
    core = WitnessCore(generate_witness_key("w"), {ORIGIN: [log.key.public]}, tmp_path / "w.db")
    good = log.note(3)
    bad = NoteSignature(log.key.name, log.key.public.id, bytes(64))
    for sigs in ((bad, *good.signatures), (*good.signatures, bad)):
        assert refused(core, encode_request(0, [], Note(good.text, sigs))) == 403
    assert core.latest()["logs"] == []


def test_duplicate_log_signature_lines_give_one_cosignature(witness: Any, log: Log) -> None:
    url, key, _ = witness
    note = log.note(3)
    doubled = Note(note.text, note.signatures * 3)
    r = post(url, encode_request(0, [], doubled))
    assert r.status_code == 200
    (line,) = parse_cosignatures(r.content, note)
    assert key.verify(note.text, line) is not None


@pytest.mark.parametrize("mangle, status", [
    (lambda b: b.replace(b"\n", b"\r\n"), 400),  # CRLF: a control character
    (lambda b: b.replace(b"\n\n", b"\n\r\n", 1), 400),
    (lambda b: b.replace(ORIGIN.encode(), ORIGIN.encode() + b"\x00"), 400),  # NUL
    (lambda b: b.replace(ORIGIN.encode(), ORIGIN.encode() + b"\x1b[2J"), 400),  # an escape sequence
    (lambda b: b.replace(ORIGIN.encode(), ORIGIN.encode() + b"\xc3\x28"), 400),  # invalid UTF-8
    (lambda b: b.replace(ORIGIN.encode(), ORIGIN.encode() + b"\xed\xa0\x80"), 400),  # a UTF-8 surrogate
    (lambda b: b.rstrip(b"\n"), 400),  # the last signature line without its newline
    (lambda b: b + b"\n", 400),  # a blank line after the signatures
    (lambda b: b.replace("\u2014".encode(), b"-"), 400),  # an ASCII dash
    (lambda b: b.replace("\u2014 ".encode(), "\u2014\u00a0".encode()), 400),  # a no-break space
])
def test_malformed_notes_are_400(witness: Any, log: Log, mangle: Any, status: int) -> None:
    url, _key, _ = witness
    r = post(url, mangle(log.body(0, 3)))
    assert r.status_code == status and r.text.count("\n") == 1, r.text
    assert httpx.get(url + "/logs").json()["logs"] == []


def test_100_signature_lines_are_accepted_and_101_are_400(witness: Any, log: Log) -> None:
    """signed-note: verifiers "MUST accept at least up to 16 signatures"; Go's note.Open refuses
    more than 100 lines, and so does the witness."""
    url, _key, _ = witness
    note = log.note(3)
    unknown = tuple(NoteSignature(f"someone.example/{i}", os.urandom(4), os.urandom(68)) for i in range(100))
    r = post(url, encode_request(0, [], Note(note.text, (*unknown[:99], *note.signatures))))
    assert r.status_code == 200, r.text
    r = post(url, encode_request(3, [], Note(note.text, (*unknown, *note.signatures))))
    assert r.status_code == 400 and "100" in r.text


# -- a hostile client (anyone holding a public checkpoint) ---------------------------------------

def test_what_the_witness_publishes_is_the_log_signature_and_its_own_valid_cosignature(witness: Any,
                                                                                       log: Log) -> None:
    """A request may carry, besides the log's signature, a forged line in the witness's own name
    and key id, and 99 unknown signatures of 10 KB each. The witness's GET /logs then shows
    the checkpoint with the log's signature and the witness's valid cosignature — not the forged
    line (monitors check that cosignature), not 1 MB of padding (monitors read at most 1 MiB)."""
    url, key, _ = witness
    note = log.note(3)
    forged = NoteSignature(key.name, key.id, bytes(72))
    padding = tuple(NoteSignature(f"pad.example/{i}", os.urandom(4), os.urandom(10_000)) for i in range(98))
    r = post(url, encode_request(0, [], Note(note.text, (forged, *note.signatures, *padding))))
    assert r.status_code == 200, r.text
    (entry,) = httpx.get(url + "/logs").json()["logs"]
    published = Note.parse(entry["checkpoint"])
    assert set(cosigners(published, [key])) == {key.name}
    assert published.verified_keys([log.key.public]) == [log.key.public]
    assert len(published.signatures) == 2 and len(entry["checkpoint"]) < 1000


def test_refused_requests_kept_as_evidence_are_compact_and_bounded_in_bytes(tmp_path: Path, log: Log) -> None:
    """Anyone can send a log's public checkpoint with a junk proof (422), padded with unknown
    signatures to 2 MB. What is kept is the request without the padding; and the evidence as a
    whole stays under the witness's byte bound, the oldest dropped first."""
    core = WitnessCore(generate_witness_key("w"), {ORIGIN: [log.key.public]}, tmp_path / "w.db",
                       max_evidence_bytes=20_000)
    core.add_checkpoint(log.body(0, 8))
    note = log.note(16)
    padding = tuple(NoteSignature(f"pad.example/{i}", os.urandom(4), os.urandom(15_000)) for i in range(99))
    junk = [hashlib.sha256(b"junk").digest()] * 3
    for _ in range(30):
        assert refused(core, encode_request(8, junk, Note(note.text, (*note.signatures, *padding)))) == 422
    with sqlite3.connect(tmp_path / "w.db") as conn:
        rows = conn.execute("SELECT length(request) FROM evidence").fetchall()
    assert rows and all(n < 1000 for (n,) in rows), rows
    assert sum(n for (n,) in rows) <= 20_000
    kept = conn_request(tmp_path / "w.db")
    assert kept.startswith(b"old 8\n") and Note.parse(kept.split(b"\n\n", 1)[1].decode()).signatures == note.signatures


def conn_request(state: Path) -> bytes:
    with sqlite3.connect(state) as conn:
        (request,) = conn.execute("SELECT request FROM evidence ORDER BY id DESC LIMIT 1").fetchone()
    return bytes(request)


def test_a_10_mb_note_is_413_with_or_without_a_content_length(witness: Any, log: Log) -> None:
    url, _key, _ = witness
    note = log.note(3).encode()
    huge = b"old 0\n\n" + note.encode() + ("\u2014 pad.example/x " + "A" * (10 << 20) + "\n").encode()
    assert post(url, huge).status_code == 413

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(huge), 1 << 16):
            yield huge[i:i + (1 << 16)]

    r = httpx.post(url + "/add-checkpoint", content=chunks(), timeout=60)  # chunked: no Content-Length
    assert r.status_code == 413
    assert httpx.get(url + "/logs").json()["logs"] == []


def test_a_body_sent_too_slowly_is_408(tmp_path: Path, log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_REQUEST_SECONDS", 1)
    signer = generate_witness_key("w")
    with serving(create_witness_app(signer, {ORIGIN: [log.key.public]}, tmp_path / "w.db")) as url:
        body = log.body(0, 3)

        def slowly() -> Iterator[bytes]:
            for i in range(len(body)):
                time.sleep(0.05)
                yield body[i:i + 1]

        started = time.monotonic()
        r = httpx.post(url + "/add-checkpoint", content=slowly(), timeout=60)
        assert r.status_code == 408
        assert time.monotonic() - started < 30  # bounded by the limit, not by the sender
        assert httpx.get(url + "/logs").json()["logs"] == []


def test_idle_connections_do_not_lock_the_log_out(tmp_path: Path, log: Log, signer: Any) -> None:
    """`accord witness serve` takes at most 256 connections at once. Anyone can open 300 and
    send nothing (or half a request line): each is closed once ACCORD_MAX_REQUEST_SECONDS have
    passed without a whole request, so the log's add-checkpoint is then answered, not 503."""
    key_file = tmp_path / "w.key"
    key_file.write_text(signer.skey + "\n")
    idle: list[socket.socket] = []
    with witness_process(key_file, log, tmp_path / "w.db", env={"ACCORD_MAX_REQUEST_SECONDS": "2"}) as (_proc, url):
        port = int(url.rsplit(":", 1)[1])
        try:
            for i in range(300):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                if i % 2:
                    s.sendall(b"POST /add-checkp")  # half a request line, then nothing
                idle.append(s)
            time.sleep(4)
            r = post(url, log.body(0, 3))
            assert r.status_code == 200, (r.status_code, r.text)
            closed = 0
            for s in idle:
                s.settimeout(5)
                with contextlib.suppress(TimeoutError, ConnectionResetError):
                    closed += s.recv(1024) == b""
            assert closed == len(idle)
        finally:
            for s in idle:
                s.close()


def test_parallel_hostile_and_honest_requests_never_500(witness: Any, log: Log) -> None:
    """48 requests at once — the real log growing, a fork, garbage, other origins, reads of
    /logs — get only the protocol's codes, and the state ends on the real log's tree."""
    url, key, _ = witness
    cosigned(post(url, log.body(0, 4)), log, 4, key)
    fork = Log(log.key, salt=b"fork")
    fork.leaves[:4] = log.leaves[:4]
    stranger = Log(log.key, origin="example.org/unknown")
    bodies: list[bytes | None] = []
    for n in range(5, 17):
        bodies += [log.body(4, n), fork.body(4, n), stranger.body(0, n), b"old 4\n\ngarbage\n"]
    bodies += [None] * 8  # GET /logs
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = [0] * len(bodies)

    def send(i: int) -> None:
        barrier.wait()
        with httpx.Client(timeout=60) as c:
            body = bodies[i]
            codes[i] = (c.get(url + "/logs") if body is None else c.post(url + "/add-checkpoint", content=body)
                        ).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert set(codes) <= {200, 400, 404, 409, 422}, codes
    assert codes.count(200) == 1 + 8  # one cosignature (all asked from old size 4) and the reads
    (entry,) = httpx.get(url + "/logs").json()["logs"]
    size = entry["size"]
    assert base64.b64decode(entry["root"]) in (root(log.leaves[:size]), root(fork.leaves[:size]))


# -- cosignature timestamps ---------------------------------------------------------------------

def test_cosignature_timestamps_are_now_and_never_go_back(tmp_path: Path, log: Log, signer: Any) -> None:
    """tlog-cosignature: a cosignature says "as of the specified time" this is the largest tree
    the witness has seen. If its clock steps back (NTP, a VM restored), a later, larger checkpoint
    must not be dated before the earlier one: that pair would say the tree shrank in between."""
    clock = [time.time() + 3600.0]  # the clock an hour ahead, then set right
    core = WitnessCore(signer, {ORIGIN: [log.key.public]}, tmp_path / "w.db", clock=lambda: clock[0])

    def stamp(body: bytes, size: int) -> int:
        note = log.note(size)
        found = cosigners(note.with_signatures(parse_cosignatures(core.add_checkpoint(body), note)), [signer.public])
        return found[signer.name]

    first = stamp(log.body(0, 4), 4)
    assert first == int(clock[0])
    clock[0] = time.time()
    second = stamp(log.body(4, 9), 9)
    assert second >= first
    clock[0] = first + 100.0
    assert stamp(log.body(9, 10), 10) == first + 100  # the clock, once it is ahead again


# -- a hostile operator, or a broken disk ------------------------------------------------------------

def _core(signer: Any, log: Log, state: Path) -> WitnessCore:
    return WitnessCore(signer, {ORIGIN: [log.key.public]}, state)


def _edit(state: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(state)
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("what, sql, args", [
    ("a root rolled to a fork's", "UPDATE logs SET root = ?", (hashlib.sha256(b"fork").digest(),)),
    ("a size rolled back", "UPDATE logs SET size = 3", ()),
    ("a size moved ahead", "UPDATE logs SET size = 100", ()),
    ("the checkpoint swapped for the log's smaller one", "UPDATE logs SET checkpoint = ?", ("LOGNOTE3",)),
    ("the cosignature time changed", "UPDATE logs SET cosigned_at = cosigned_at - 1000", ()),
    ("a log this witness never cosigned", "INSERT INTO logs VALUES ('example.org/x', 1, ?, 'x', 0)",
     (hashlib.sha256(b"x").digest(),)),
])
def test_an_edited_state_refuses_to_start(tmp_path: Path, log: Log, signer: Any, what: str, sql: str,
                                          args: tuple[object, ...]) -> None:
    """The state's record of each log is checked at start against what this witness wrote: the
    checkpoint it holds, its size and root, and the witness's own cosignature of it. A record
    the witness did not write is a state it cannot trust: it refuses to start (one line)."""
    state = tmp_path / "w.db"
    core = _core(signer, log, state)
    core.add_checkpoint(log.body(0, 8))
    args = tuple(log.note(3).encode() if a == "LOGNOTE3" else a for a in args)
    _edit(state, sql, *args)
    with pytest.raises(InputError) as info:
        _core(signer, log, state)
    assert info.value.file == str(state) and "\n" not in info.value.one_line(), what


def test_a_state_whose_tables_were_rebuilt_without_their_checks_refuses_to_start(tmp_path: Path, log: Log,
                                                                                  signer: Any) -> None:
    """An operator recreated the table without STRICT and CHECK and stored text where a size
    goes: a one-line refusal, not a crash (and no 500 later)."""
    state = tmp_path / "w.db"
    _core(signer, log, state).add_checkpoint(log.body(0, 8))
    conn = sqlite3.connect(state)
    try:
        conn.executescript("ALTER TABLE logs RENAME TO old_logs;"
                           "CREATE TABLE logs (origin TEXT PRIMARY KEY, size, root, checkpoint, cosigned_at);"
                           "INSERT INTO logs SELECT * FROM old_logs; DROP TABLE old_logs;"
                           "UPDATE logs SET size = 'eight';")
    finally:
        conn.close()
    with pytest.raises(InputError):
        _core(signer, log, state)


def test_a_state_that_is_not_a_database_refuses_to_start(tmp_path: Path, log: Log, signer: Any) -> None:
    state = tmp_path / "w.db"
    state.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    with pytest.raises(InputError) as info:
        _core(signer, log, state)
    assert info.value.file == str(state)


def test_a_state_edited_while_the_witness_runs_stops_its_cosigning(witness: Any, log: Log) -> None:
    """Edited under a running witness (its root set to a fork's, so that the fork's extensions
    would pass): the witness refuses to cosign — 503, as when it cannot save — and serves the
    real log again once the record is put back."""
    url, key, state = witness
    cosigned(post(url, log.body(0, 8)), log, 8, key)
    fork = Log(log.key, salt=b"fork")
    real = sqlite3.connect(state).execute("SELECT root FROM logs").fetchone()[0]
    _edit(state, "UPDATE logs SET root = ?", root(fork.leaves[:8]))
    assert post(url, fork.body(8, 12)).status_code == 503
    assert post(url, log.body(8, 12)).status_code == 503
    _edit(state, "UPDATE logs SET root = ?", real)
    cosigned(post(url, log.body(8, 12)), log, 12, key)


def test_a_state_rolled_back_or_deleted_while_the_witness_runs_stops_its_cosigning(witness: Any, log: Log,
                                                                                     tmp_path: Path) -> None:
    """An older copy of the state put back under a running witness (a backup restored), or the
    file deleted: either would let a fork of what was cosigned since be cosigned. The witness
    remembers what it committed since it started, and never recreates a missing state."""
    url, key, state = witness
    cosigned(post(url, log.body(0, 8)), log, 8, key)
    backup = tmp_path / "backup.db"
    src = sqlite3.connect(state)
    dst = sqlite3.connect(backup)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    cosigned(post(url, log.body(8, 12)), log, 12, key)
    fork = Log(log.key, salt=b"fork")
    fork.leaves[:8] = log.leaves[:8]
    for suffix in ("-wal", "-shm"):
        Path(str(state) + suffix).unlink(missing_ok=True)
    shutil.copy(backup, state)
    assert post(url, fork.body(8, 12)).status_code == 503  # 8 is what the restored state holds
    state.unlink()
    for body in (fork.body(0, 12), log.body(0, 12)):
        assert post(url, body).status_code == 503
    assert not state.exists()


def test_cli_refuses_to_serve_an_edited_state(tmp_path: Path, log: Log, signer: Any) -> None:
    state = tmp_path / "w.db"
    _core(signer, log, state).add_checkpoint(log.body(0, 8))
    _edit(state, "UPDATE logs SET size = 3")
    key_file = tmp_path / "w.key"
    key_file.write_text(signer.skey + "\n")
    r = subprocess.run([sys.executable, "-c", _CLI, "witness", "serve", "--key", str(key_file), "--log",
                        f"{ORIGIN}={log.key.public.vkey}", "--state", str(state), "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and str(state) in r.stderr, r.stderr


# -- a hostile witness, seen from the log's client ----------------------------------------------------

class HostileWitness:
    """A TCP server that answers every request with ``reply(conn)`` (raw bytes, any pace)."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(30)
                try:
                    conn.recv(1 << 16)
                    self.reply(self, conn)
                except OSError:
                    pass

    def __enter__(self) -> HostileWitness:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        self.sock.close()


def _endless(server: HostileWitness, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
    chunk = b"\xe2\x80\x94 w " + b"A" * 65000 + b"\n"
    while not server.stop.is_set() and server.sent < 256 << 20:  # the test's own bound
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        server.sent += len(chunk)


def _dripping(server: HostileWitness, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n")
    while not server.stop.is_set() and server.sent < 100:  # 20 s at most: the test's own bound
        conn.sendall(b"A")
        server.sent += 1
        time.sleep(0.2)


def _gzip_bomb(server: HostileWitness, conn: socket.socket) -> None:
    bomb = gzip.compress(b"\xe2\x80\x94 w AAAA\n" * (32 << 20), compresslevel=9)  # 320 MB of lines, 300 KB
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-encoding: gzip\r\n"
                 b"content-length: %d\r\n\r\n%s" % (len(bomb), bomb))
    server.sent += len(bomb)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("reply", [_endless, _dripping, _gzip_bomb], ids=["endless", "dripping", "gzip-bomb"])
def test_the_log_client_gives_up_on_a_witness_that_never_finishes(log: Log, reply: Any, asynchronous: bool) -> None:
    """The log asks each witness in a worker: a witness that streams a reply without end, one
    byte every 0.2 s (each read within the timeout), or a small gzip body that inflates to
    320 MB must cost the log a bounded time and memory — and be no cosignature."""
    with HostileWitness(reply) as w:
        started = time.monotonic()
        with pytest.raises(WitnessUnavailable):
            if asynchronous:
                asyncio.run(add_checkpoint_async(w.url, log.note(3), old_size=0, proof_for=lambda _: [], timeout=2))
            else:
                add_checkpoint(w.url, log.note(3), old_size=0, proof_for=lambda _: [], timeout=2)
        assert time.monotonic() - started < 8
        assert w.sent < 64 << 20


# -- verify-bundle --witness-key / --min-witnesses on a hostile bundle ----------------------------------

def test_verify_bundle_counts_each_witness_once_and_only_its_valid_line(flow: Any) -> None:  # noqa: F811
    """A real ledger's bundle, proved against the checkpoint witness w1 cosigned. Copies of w1's
    line do not make a second witness; a line whose timestamp was moved (to look fresh) is no
    cosignature; --min-witnesses outside 1..(distinct witnesses given) is a one-line exit 2."""
    keys, db, origin, tmp, w1, w2 = flow
    bundle = tmp / "b.tlog-proof"
    assert run("ledger", "prove", db, "--index", 1, "--out", bundle, "--checkpoint", tmp / "witnessed.note"
               ).exit_code == 0
    text = bundle.read_text()
    pins = [f"--key={n}={keys / (n + '.pub')}" for n in ("US", "RU", "log")] + ["--origin", origin]
    (w1_line,) = [line for line in text.split("\n") if line.startswith("\u2014 witness.example/w1 ")]

    def verify(path: Path, *extra: object) -> Any:
        return run("ledger", "verify-bundle", path, *pins, *extra, "--format", "json")

    tripled = tmp / "tripled.tlog-proof"
    tripled.write_text(text.replace(w1_line + "\n", (w1_line + "\n") * 3))
    r = verify(tripled, "--witness-key", w1.vkey, "--witness-key", w2.vkey)
    assert r.exit_code == 1 and "cosigned by 1 of the witnesses given" in r.stdout
    assert verify(tripled, "--witness-key", w1.vkey).exit_code == 0

    raw = bytearray(base64.b64decode(w1_line.rsplit(" ", 1)[1]))
    raw[4:12] = (int.from_bytes(raw[4:12], "big") + 86400).to_bytes(8, "big")  # a day later
    moved = tmp / "moved.tlog-proof"
    moved.write_text(text.replace(w1_line, f"\u2014 witness.example/w1 {base64.b64encode(bytes(raw)).decode()}"))
    r = verify(moved, "--witness-key", w1.vkey)
    assert r.exit_code == 1 and "cosigned by 0 of the witnesses given" in r.stdout

    for extra in (["--witness-key", w1.vkey, "--min-witnesses", "0"],
                  ["--witness-key", w1.vkey, "--min-witnesses", "-1"],
                  ["--witness-key", w1.vkey, "--witness-key", w1.pub_file, "--min-witnesses", "2"]):
        r = run("ledger", "verify-bundle", bundle, *pins, *extra)
        assert r.exit_code == 2 and "--min-witnesses" in r.stderr and r.stderr.count("\n") == 1, (extra, r.output)
