"""The whole network over real HTTP, the log on the real PostgreSQL server: the demo's flow, then
the faults the design must survive.

1. Both parties submit six months of synthetic exchanges (``accord synth``) through
   ``POST /add-entry``; a checkpoint covering everything is cosigned by both parties' witnesses;
   a monitor verifies every entry from outside and the declarations reconcile with the
   notifications; the dashboard shows both declarations checked.
2. A party submitting as the other party is refused and leaves nothing; a replayed statement
   gets its original index and leaves nothing.
3. A witness killed (SIGKILL) while the parties submit, and restarted on its state: it carries on
   cosigning and never cosigns a history inconsistent with what it cosigned before the kill.
4. A log that shows one witness a different tree: that witness cosigns it (it extends what it
   saw), then both witnesses refuse the other's tree, and a monitor comparing the witnesses'
   views stops with exit 1 and the two signed notes saved as evidence.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.ledger import Ledger
from accord.ledger.entries import GENESIS, Entry, SignedEntry, sign_entry, signing_message, utc_now
from accord.ledger.merkle import verify_consistency
from accord.ledger.note import Checkpoint, Note
from accord.ledger.stores import open_store
from accord.service.demo import Network
from accord.service.witness_client import WitnessRefused, add_checkpoint

pytestmark = pytest.mark.postgres


@pytest.fixture
def network(tmp_path: Path, postgres_url: str):
    schema = f"accord_e2e_{uuid.uuid4().hex[:12]}"
    db = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"
    net = Network(tmp_path / "net", db, checkpoint_interval=0.1, witness_processes=("US",))
    try:
        with net:
            yield net
    finally:
        with open_store(db) as store:
            store.drop()  # type: ignore[attr-defined]


def _size(net: Network) -> int:
    with Ledger.open(net.db_url) as ledger:
        return ledger.size()


def _fork(net: Network, keep: int, extra: int, party: str = "RU") -> tuple[Ledger, Checkpoint, Note]:
    """A different tree under the same origin and log key: the log's first ``keep`` entries, then
    ``extra`` entries of its own; signed by the log key (what a lying log operator can do)."""
    url = f"memory:fork-{uuid.uuid4().hex[:12]}"
    with open_store(net.db_url) as src:
        rows = list(src.rows(0, keep))
        meta = src.meta()
    fork_store = open_store(url)
    fork_store.create(meta, GENESIS, rows[0].issued_at, rows[0].body, rows[0].leaf)
    fork = Ledger(fork_store)
    fork.append([SignedEntry.from_body(r.body) for r in rows[1:]])
    fork.sign_and_append(net.keys.parties[party],
                         [Entry("inspection-report", party, utc_now(), {"fork": i}) for i in range(extra)])
    cp, note = fork.checkpoint(net.keys.log)
    return fork, cp, note


def _witness_size(net: Network, party: str) -> int:
    logs = httpx.get(net.witnesses[party].url + "/logs", timeout=10).json()["logs"]
    return int(next(entry["size"] for entry in logs if entry["origin"] == net.origin))


def test_the_network_end_to_end(network: Network, tmp_path: Path) -> None:
    net = network
    # -- 1. the demo's flow --------------------------------------------------------------
    submitted = net.submit_synthetic()
    assert {s.party for s in submitted} == {"US", "RU"}
    assert all(s.by_kind["declaration"] == 2 and s.by_kind["notification"] > 500 for s in submitted)
    total = 1 + sum(sum(s.by_kind.values()) for s in submitted)
    cp, _note, cosigned = net.wait_cosigned(total)
    assert cp.size == total and cosigned == ["witness-RU", "witness-US"]
    report = net.monitor()
    assert report.ok, report.findings
    assert report.size == total and report.new_entries == total
    assert report.exchange == {"status": "replayed", "detail": "0 reconciliation findings", "findings": []}
    assert [v["status"] for v in report.witnesses] == ["consistent", "consistent"]
    assert sorted(report.cosigners) == ["witness-RU", "witness-US"]
    board = httpx.get(net.log_url + "/dashboard/", params={"format": "json"}, timeout=30).json()
    assert board["size"] == total and board["monitor"]["ok"]
    assert sorted(c["party"] for c in board["compliance"]) == ["RU", "US"]
    assert all(c["error"] is None and c["findings"] for c in board["compliance"])

    # -- 2. a party submitting as the other party; a replayed statement -------------------
    us, ru = net.keys.parties["US"], net.keys.parties["RU"]
    statement = Entry("inspection-report", "RU", utc_now(), {"by": "US, pretending"}).statement()
    forged = us.sign(signing_message(net.origin, statement)) + statement
    before = _size(net)
    refused = httpx.post(net.log_url + "/add-entry", content=forged, timeout=30)
    assert refused.status_code == 422 and "RU" in refused.json()["error"]
    assert _size(net) == before
    signed = sign_entry(ru, net.origin, Entry("inspection-report", "RU", utc_now(), {"site": "replayed"}))
    first = httpx.post(net.log_url + "/add-entry", content=signed.body, timeout=30).json()
    again = httpx.post(net.log_url + "/add-entry", content=signed.body, timeout=30).json()
    assert (first["index"], first["created"]) == (before, True)
    assert (again["index"], again["created"]) == (before, False) and again["leaf_hash"] == first["leaf_hash"]
    assert _size(net) == before + 1

    # -- 3. a witness killed mid-run and restarted on its state ---------------------------
    net.wait_cosigned(before + 1)
    with net.following(interval=0.3) as reports:
        done = threading.Event()

        def parties_keep_submitting() -> None:
            with httpx.Client(timeout=30) as http:
                for i in range(30):
                    body = sign_entry(ru, net.origin, Entry("inspection-report", "RU", utc_now(), {"run": i})).body
                    assert http.post(net.log_url + "/add-entry", content=body).status_code == 200
                    time.sleep(0.1)
            done.set()

        submitter = threading.Thread(target=parties_keep_submitting)
        submitter.start()
        time.sleep(0.3)
        net.kill_witness("US")  # SIGKILL while checkpoints are being cosigned
        killed_at = _size(net)
        time.sleep(0.5)
        net.restart_witness("US")
        submitter.join(60)
        assert done.is_set()
        cp2, _, cosigned2 = net.wait_cosigned(before + 31)
        assert cosigned2 == ["witness-RU", "witness-US"]
        time.sleep(0.8)  # one more monitor round over the latest checkpoint
    assert reports and all(r.ok for r in reports), [f for r in reports for f in r.findings if f.severity == "error"]
    assert killed_at < cp2.size
    # The restarted witness refuses a history that does not extend what it cosigned before.
    at = _witness_size(net, "US")
    fork, fork_cp, fork_note = _fork(net, keep=before, extra=at - before + 3)
    with pytest.raises(WitnessRefused) as refusal:
        add_checkpoint(net.witnesses["US"].url, fork_note, old_size=at,
                       proof_for=lambda old: fork.store.consistency_proof(old, fork_cp.size),
                       witness=net.keys.witnesses["US"].public)
    assert refusal.value.status == 422
    assert _witness_size(net, "US") == at
    fork.store.drop()  # type: ignore[attr-defined]

    # -- 4. the log shows one witness a different tree -----------------------------------
    n = _size(net)
    net.wait_cosigned(n)
    fork, fork_cp, fork_note = _fork(net, keep=n, extra=1)
    reply = add_checkpoint(net.witnesses["RU"].url, fork_note, old_size=n,
                           proof_for=lambda old: fork.store.consistency_proof(old, fork_cp.size),
                           witness=net.keys.witnesses["RU"].public)
    assert reply.signatures and reply.size == n + 1  # RU's witness saw only the fork: it extends what RU saw
    # The honest log grows by one entry too: the US witness cosigns it; RU's refuses it.
    body = sign_entry(us, net.origin, Entry("inspection-report", "US", utc_now(), {"honest": True})).body
    assert httpx.post(net.log_url + "/add-entry", content=body, timeout=30).status_code == 200
    deadline = time.monotonic() + 20
    while True:
        info = httpx.get(net.log_url + "/accord/info", timeout=10).json()
        ru_status = next(w for w in info["witnesses"] if w["name"] == "witness-RU")
        if info["checkpoint"]["size"] == n + 1 and info["checkpoint"]["witnesses"] == ["witness-US"] \
                and ru_status["error"]:
            break
        assert time.monotonic() < deadline, info
        time.sleep(0.1)
    assert "409" in ru_status["error"]
    # ... and the US witness refuses the fork: both refuse the other's tree.
    with pytest.raises(WitnessRefused) as us_refusal:
        add_checkpoint(net.witnesses["US"].url, fork_note, old_size=n + 1, proof_for=lambda old: [],
                       witness=net.keys.witnesses["US"].public)
    assert us_refusal.value.status == 409
    fork.store.drop()  # type: ignore[attr-defined]
    # A monitor comparing the witnesses' views finds the split view and keeps the evidence.
    witnesses = [f"{net.keys.witnesses[p].public.vkey}@{net.witnesses[p].url}" for p in ("US", "RU")]
    result = CliRunner().invoke(cli_app, ["monitor", net.log_url, "--state", str(tmp_path / "outside"), "--log-key",
                                          net.keys.log.public.vkey, "--once", "--format", "json",
                                          *(a for w in witnesses for a in ("--witness", w))])
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)
    (split,) = [f for f in found["findings"] if f["kind"] == "split-view"]
    evidence = Path(split["evidence"])
    notes = [Note.parse((evidence / name).read_text()) for name in ("first.note", "second.note")]
    assert all(note.signed_by(net.keys.log.public) for note in notes)
    a, b = (Checkpoint.from_text(note.text) for note in notes)
    assert a.size == b.size == n + 1 and a.root != b.root  # one size, two roots, both signed by the log
    saved = json.loads((evidence / "evidence.json").read_text())
    assert saved["kind"] == "same-size" and {c["source"].split()[0] for c in saved["checkpoints"]} == {"witness", "log"}
    # The honest part is still consistent: the first checkpoint extends into the one the log now shows.
    latest = Checkpoint.from_text(Note.parse(httpx.get(net.log_url + "/checkpoint", timeout=10).text).text)
    with open_store(net.db_url) as store:
        verify_consistency(cp.size, latest.size, store.consistency_proof(cp.size, latest.size), cp.root, latest.root)
    assert base64.b64encode(latest.root).decode() in {c["root"] for c in saved["checkpoints"]}
