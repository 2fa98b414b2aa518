"""The log server with witnesses (C2SP tlog-witness), all on 127.0.0.1 over real HTTP: each new
checkpoint is published with the cosignatures of the witnesses that answered; a witness that was
down cosigns once it is back; a witness ahead of the log refuses and the log still publishes."""

from __future__ import annotations

import httpx
import pytest
from server_helpers import LiveServer, checkpoint_size, create_ledger, fresh_url, log_server, new_keys, wait_until

from accord.ledger import Ledger
from accord.ledger.cosignature import cosigners, generate_witness_key
from accord.ledger.entries import Entry, sign_entry, utc_now
from accord.ledger.note import Checkpoint, Note
from accord.service.config import WitnessConfig
from accord.service.witness import create_witness_app

pytestmark = pytest.mark.slow


@pytest.fixture
def db(request, tmp_path):
    yield from fresh_url("sqlite", tmp_path, request)


def _note(url: str) -> Note:
    return Note.parse(httpx.get(f"{url}/checkpoint", timeout=30).text)


def _submit(url: str, key, origin: str, n: int) -> None:
    body = sign_entry(key, origin, Entry("notification", key.name, utc_now(), {"n": n})).body
    assert httpx.post(f"{url}/add-entry", content=body, timeout=60).status_code == 200


def test_each_checkpoint_is_published_with_the_witnesses_cosignatures(db, tmp_path):
    keys = new_keys()
    origin = create_ledger(db, keys)
    w1, w2 = generate_witness_key("witness.example/us"), generate_witness_key("witness.example/ru")
    logs = {origin: [keys.log.public]}
    with LiveServer(create_witness_app(w1, logs, tmp_path / "w1.db")) as s1, \
            LiveServer(create_witness_app(w2, logs, tmp_path / "w2.db")) as s2:
        witnesses = (WitnessConfig(w1.public, s1.url), WitnessConfig(w2.public, s2.url))
        with log_server(db, keys.log, witnesses=witnesses, checkpoint_interval=0.1) as log:
            for n in range(3):
                _submit(log.url, keys.us, origin, n)
                size = n + 2

                def cosigned(size: int = size) -> bool:
                    note = _note(log.url)
                    return Checkpoint.from_text(note.text).size == size and len(
                        cosigners(note, [w1.public, w2.public])) == 2

                wait_until(cosigned, f"a checkpoint of {size} cosigned by both witnesses")
            note = _note(log.url)
            assert note.signed_by(keys.log.public)
            info = httpx.get(f"{log.url}/accord/info").json()
            assert sorted(info["checkpoint"]["witnesses"]) == ["witness.example/ru", "witness.example/us"]
            assert {w["cosigned"] for w in info["witnesses"]} == {4}
        # The log restarts knowing nothing of the witnesses' state: they tell it (409) and cosign.
        with log_server(db, keys.log, witnesses=witnesses, checkpoint_interval=0.1) as log:
            wait_until(lambda: len(cosigners(_note(log.url), [w1.public, w2.public])) == 2,
                       "both cosignatures after the log's restart")
            with Ledger.open(db) as ledger:
                assert Checkpoint.from_text(_note(log.url).text).root == ledger.root(4)


def test_a_witness_that_is_down_cosigns_once_it_is_back(db, tmp_path):
    keys = new_keys()
    origin = create_ledger(db, keys)
    w1, w2 = generate_witness_key("witness.example/us"), generate_witness_key("witness.example/ru")
    logs = {origin: [keys.log.public]}
    down = LiveServer(create_witness_app(w2, logs, tmp_path / "w2.db"))  # its port, not listening yet
    with LiveServer(create_witness_app(w1, logs, tmp_path / "w1.db")) as s1:
        witnesses = (WitnessConfig(w1.public, s1.url), WitnessConfig(w2.public, down.url))
        with log_server(db, keys.log, witnesses=witnesses, checkpoint_interval=0.05, witness_timeout=2) as log:
            _submit(log.url, keys.us, origin, 1)
            wait_until(lambda: checkpoint_size(log.url) == 2 and
                       set(cosigners(_note(log.url), [w1.public, w2.public])) == {"witness.example/us"},
                       "a checkpoint published with the one witness that answered")
            status = {w["name"]: w for w in httpx.get(f"{log.url}/accord/info").json()["witnesses"]}
            assert status["witness.example/ru"]["error"].startswith("unavailable")
            with down:
                wait_until(lambda: len(cosigners(_note(log.url), [w1.public, w2.public])) == 2,
                           "the second cosignature once that witness is up", timeout=90)


def test_a_witness_that_saw_a_bigger_tree_refuses_and_the_log_still_publishes(db, tmp_path):
    """A log rolled back (its store restored from an older copy) cannot get a witness's
    cosignature for a smaller tree than the witness saw: the witness answers 409 with its size."""
    import shutil

    keys = new_keys()
    origin = create_ledger(db, keys)
    path = db.removeprefix("sqlite:///").split("?")[0]
    shutil.copy(path, tmp_path / "backup.db")
    w1 = generate_witness_key("witness.example/us")
    with LiveServer(create_witness_app(w1, {origin: [keys.log.public]}, tmp_path / "w1.db")) as s1:
        witnesses = (WitnessConfig(w1.public, s1.url),)
        with log_server(db, keys.log, witnesses=witnesses) as log:
            _submit(log.url, keys.us, origin, 1)
            wait_until(lambda: checkpoint_size(log.url) == 2 and cosigners(_note(log.url), [w1.public]),
                       "a cosigned checkpoint of 2")
        shutil.copy(tmp_path / "backup.db", path)  # the rollback: one entry again
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"ledger.db{suffix}").unlink(missing_ok=True)
        with log_server(db, keys.log, witnesses=witnesses) as log:
            def refused() -> bool:
                status = httpx.get(f"{log.url}/accord/info").json()["witnesses"][0]
                return bool(status["error"]) and "409" in status["error"] and status["size"] == 2

            wait_until(refused, "the witness's refusal")
            assert checkpoint_size(log.url) == 1 and not cosigners(_note(log.url), [w1.public])
