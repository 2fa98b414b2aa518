"""The monitor against a real log server over HTTP (uvicorn on 127.0.0.1, SQLite ledgers).

What a user relies on: a monitor given only the log's URL and key verifies every entry and
checkpoint, fetches only what is new, keeps a copy of the log that the ledger's own audit
accepts, reports an entry the rules refuse, survives a crash, and — when the log shows two
different histories — stops with exit 1 and the two signed notes saved as evidence.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from network_helpers import log_server, make_ledger, submit, wait_for_checkpoint
from typer.testing import CliRunner

from accord.app.synth import synth
from accord.cli import app as cli_app
from accord.errors import InputError
from accord.ledger import Ledger, audit
from accord.ledger.entries import GENESIS, Entry, SignedEntry, sign_entry, utc_now
from accord.ledger.keys import generate_key
from accord.ledger.merkle import leaf_hash, verify_consistency
from accord.ledger.note import Checkpoint, Note
from accord.ledger.stores import open_store
from accord.service.monitor import run

BIG = 2_000_000  # a synthetic six-month declaration is ~315 KB: over a tlog-tiles bundle's 65,535


@pytest.fixture(scope="module")
def keys():
    return generate_key("US"), generate_key("RU"), generate_key("log")


@pytest.fixture(scope="module")
def us_data(tmp_path_factory) -> tuple[dict, list[dict], dict]:
    import datetime as dt

    out = tmp_path_factory.mktemp("synth")
    synth("US", dt.date(2020, 9, 1), out, months=6, seed=1)
    notes = [json.loads(line) for line in (out / "notifications.jsonl").read_text().splitlines() if line.strip()]
    return (json.loads((out / "declaration.json").read_text()), notes,
            json.loads((out / "next-declaration.json").read_text()))


def _submit_all(url: str, key, origin: str, items: list[tuple[str, dict]]) -> None:
    with httpx.Client(timeout=30) as client:
        for kind, payload in items:
            body = sign_entry(key, origin, Entry(kind, key.name, utc_now(), payload)).body
            r = client.post(f"{url}/add-entry", content=body)
            assert r.status_code == 200, r.text


def _check(url: str, state: Path, log_pub=None, **kw):
    return run(url, state, log_key=log_pub, once=True, **kw)


def test_the_monitor_verifies_every_entry_and_fetches_only_what_is_new(tmp_path, keys, us_data) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    decl, notes, nxt = us_data
    with log_server(db, log, max_entry_bytes=BIG) as srv:
        _submit_all(srv.url, us, origin, [("declaration", decl), *(("notification", n) for n in notes[:300])])
        wait_for_checkpoint(srv.url, 302)
        first = _check(srv.url, tmp_path / "mon", log.public)
        assert first.ok, first.findings
        assert (first.size, first.new_entries) == (302, 302)  # genesis + declaration + 300: two bundles, one wide
        assert first.exchange["status"] == "replayed"
        _submit_all(srv.url, us, origin, [*(("notification", n) for n in notes[300:]), ("declaration", nxt)])
        total = 2 + len(notes) + 1
        cp_text = wait_for_checkpoint(srv.url, total)
        second = _check(srv.url, tmp_path / "mon")  # the key is pinned in the state now
        assert second.ok, second.findings
        assert (second.size, second.new_entries) == (total, total - 302)
        # The declarations reconcile with the notifications between them (synth makes them so).
        assert second.exchange == {"status": "replayed", "detail": "0 reconciliation findings", "findings": []}
        third = _check(srv.url, tmp_path / "mon")
        assert third.ok and third.new_entries == 0
    # The monitor's copy is the log: same root as the signed checkpoint, and the ledger's own
    # audit of it from scratch finds nothing (every signature, node and checkpoint).
    cp = Checkpoint.from_text(Note.parse(cp_text).text)
    with Ledger.open(f"sqlite:///{tmp_path / 'mon' / 'mirror.db'}") as mirror:
        assert mirror.size() == cp.size and mirror.root() == cp.root
    report = audit(f"sqlite:///{tmp_path / 'mon' / 'mirror.db'}")
    assert report.ok, report.problems
    saved = json.loads((tmp_path / "mon" / "report.json").read_text())
    assert saved["schema"] == "accord.monitor/v1" and saved["size"] == total and saved["ok"]


def test_a_new_state_needs_the_log_key_and_keeps_it(tmp_path, keys) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    make_ledger(db, us, ru, log)
    with log_server(db, log) as srv:
        with pytest.raises(InputError, match="trusts no key on first use"):
            _check(srv.url, tmp_path / "mon")
        assert not (tmp_path / "mon").exists()  # nothing half-written
        impostor = generate_key("log")
        wrong = _check(srv.url, tmp_path / "wrong", impostor.public)
        assert not wrong.ok and [f.kind for f in wrong.findings] == ["checkpoint"]
        assert _check(srv.url, tmp_path / "mon", log.public).ok
        with pytest.raises(InputError, match="pinned to the log key"):
            _check(srv.url, tmp_path / "mon", impostor.public)


def _fork(source_db: str, fork_db: str, keep: int) -> None:
    """A second ledger under the same origin and log key, sharing the first ``keep`` entries
    (the genesis byte for byte) — what a log showing someone a different history would hold."""
    with open_store(source_db) as src, open_store(fork_db) as dst:
        rows = list(src.rows(0, keep))
        g = rows[0]
        dst.create(src.meta(), GENESIS, g.issued_at, g.body, g.leaf)
    with Ledger.open(fork_db) as fork:
        fork.append([SignedEntry.from_body(r.body) for r in rows[1:]])


def test_a_log_that_shows_another_history_is_a_split_view_with_evidence(tmp_path, keys) -> None:
    us, ru, log = keys
    honest_db, fork_db = f"sqlite:///{tmp_path / 'honest.db'}", f"sqlite:///{tmp_path / 'fork.db'}"
    origin = make_ledger(honest_db, us, ru, log)
    with log_server(honest_db, log) as honest:
        for i in range(6):
            submit(honest.url, us, origin, "inspection-report", {"n": i})
        wait_for_checkpoint(honest.url, 7)
        assert _check(honest.url, tmp_path / "mon", log.public).ok
    _fork(honest_db, fork_db, 4)
    with log_server(fork_db, log) as forked:
        for i in range(5):  # entries 4..8 differ: the fork is longer than what the monitor verified
            submit(forked.url, ru, origin, "inspection-report", {"fork": i})
        wait_for_checkpoint(forked.url, 9)
        result = CliRunner().invoke(cli_app, ["monitor", forked.url, "--state", str(tmp_path / "mon"), "--once",
                                              "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    (split,) = [f for f in report["findings"] if f["kind"] == "split-view"]
    evidence = Path(split["evidence"])
    saved = json.loads((evidence / "evidence.json").read_text())
    assert saved["kind"] == "inconsistent"
    # The evidence stands on its own: two notes the log signed, and a proof that does not join them.
    notes = [Note.parse((evidence / name).read_text()) for name in ("first.note", "second.note")]
    assert all(n.signed_by(log.public) for n in notes)
    (small, large) = sorted((Checkpoint.from_text(n.text) for n in notes), key=lambda c: c.size)
    assert (small.size, large.size) == (7, 9)
    import base64

    proof = [base64.b64decode(h) for h in saved["proof"]["hashes"]]
    with pytest.raises(ValueError):
        verify_consistency(small.size, large.size, proof, small.root, large.root)
    assert "split view" in result.stderr


def test_monitors_compare_views_with_each_other(tmp_path, keys) -> None:
    us, ru, log = keys
    honest_db, fork_db = f"sqlite:///{tmp_path / 'honest.db'}", f"sqlite:///{tmp_path / 'fork.db'}"
    origin = make_ledger(honest_db, us, ru, log)
    _fork(honest_db, fork_db, 1)
    with log_server(honest_db, log) as honest, log_server(fork_db, log) as forked:
        for i in range(3):
            submit(honest.url, us, origin, "inspection-report", {"n": i})
            submit(forked.url, us, origin, "inspection-report", {"other": i})
        wait_for_checkpoint(honest.url, 4)
        wait_for_checkpoint(forked.url, 4)
        assert _check(forked.url, tmp_path / "b", log.public).ok  # each view is fine by itself
        report = _check(honest.url, tmp_path / "a", log.public, peers=[tmp_path / "b"])
    assert not report.ok
    (split,) = report.split_views
    assert "two checkpoints of size 4 with different roots" in split.detail
    assert json.loads((Path(split.evidence) / "evidence.json").read_text())["kind"] == "same-size"


def test_an_entry_the_rules_refuse_is_reported_at_its_index(tmp_path, keys) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    with log_server(db, log) as srv:
        submit(srv.url, us, origin, "inspection-report", {"n": 0})
        wait_for_checkpoint(srv.url, 2)
        # An operator writes, behind the admission rules, an entry "by RU" signed with US's key.
        forged = sign_entry(us, origin, Entry("inspection-report", "US", utc_now(), {"n": 1}))
        statement = Entry("inspection-report", "RU", utc_now(), {"n": 1}).statement()
        body = forged.signature + statement
        with open_store(db) as store, store.write() as w:
            w.append([("inspection-report", "RU", json.loads(statement)["issued_at"], body, leaf_hash(body))])
        wait_for_checkpoint(srv.url, 3)
        report = _check(srv.url, tmp_path / "mon", log.public)
    assert not report.ok
    (bad,) = [f for f in report.findings if f.kind == "admission"]
    assert bad.index == 2 and "signature does not verify with RU's key" in bad.detail
    assert report.size is None or report.size < 3  # the checkpoint over it is not recorded as verified


def test_a_crash_between_the_mirror_and_the_state_loses_nothing(tmp_path, keys) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    with log_server(db, log) as srv:
        submit(srv.url, us, origin, "inspection-report", {"n": 0})
        wait_for_checkpoint(srv.url, 2)
        assert _check(srv.url, tmp_path / "mon", log.public).ok
        shutil.copy(tmp_path / "mon" / "state.json", tmp_path / "old-state.json")
        for i in range(1, 4):
            submit(srv.url, ru, origin, "inspection-report", {"n": i})
        wait_for_checkpoint(srv.url, 5)
        assert _check(srv.url, tmp_path / "mon").ok
        # As if the process died after committing entries to the mirror, before recording the
        # checkpoint: the mirror holds 5 entries, the state says 2.
        shutil.copy(tmp_path / "old-state.json", tmp_path / "mon" / "state.json")
        submit(srv.url, us, origin, "inspection-report", {"n": 4})
        wait_for_checkpoint(srv.url, 6)
        again = _check(srv.url, tmp_path / "mon")
    assert again.ok, again.findings
    assert again.size == 6


@pytest.mark.parametrize(("keep", "extra", "expected"), [(3, 2, "split-view"), (5, 0, "stale")],
                         ids=["a shorter fork", "an older prefix"])
def test_a_log_that_shows_a_smaller_tree_later(tmp_path, keys, keep: int, extra: int, expected: str) -> None:
    """Shown a smaller tree than it verified, the monitor compares it with its own copy: a tree
    that is not a prefix of what it verified is a split view (proved from that copy); a prefix is
    only stale (a warning: caches serve old checkpoints)."""
    us, ru, log = keys
    honest_db, fork_db = f"sqlite:///{tmp_path / 'honest.db'}", f"sqlite:///{tmp_path / 'fork.db'}"
    origin = make_ledger(honest_db, us, ru, log)
    with log_server(honest_db, log) as honest:
        for i in range(6):
            submit(honest.url, us, origin, "inspection-report", {"n": i})
        wait_for_checkpoint(honest.url, 7)
        assert _check(honest.url, tmp_path / "mon", log.public).ok
    _fork(honest_db, fork_db, keep)
    with log_server(fork_db, log) as forked:
        for i in range(extra):
            submit(forked.url, ru, origin, "inspection-report", {"fork": i})
        wait_for_checkpoint(forked.url, keep + extra)
        report = _check(forked.url, tmp_path / "mon")
    assert [f.kind for f in report.findings] == [expected]
    assert report.size == 7  # what was verified stands
    if expected == "split-view":
        saved = json.loads((Path(report.findings[0].evidence) / "evidence.json").read_text())
        assert saved["kind"] == "inconsistent" and saved["proof"]["computed_from"].startswith("the monitor's")
    else:
        assert report.ok and report.findings[0].severity == "warning"


def test_following_stops_at_a_split_view_with_exit_1(tmp_path, keys) -> None:
    us, ru, log = keys
    honest_db, fork_db = f"sqlite:///{tmp_path / 'honest.db'}", f"sqlite:///{tmp_path / 'fork.db'}"
    origin = make_ledger(honest_db, us, ru, log)
    _fork(honest_db, fork_db, 1)
    with log_server(honest_db, log) as honest, log_server(fork_db, log) as forked:
        submit(honest.url, us, origin, "inspection-report", {"n": 0})
        submit(forked.url, us, origin, "inspection-report", {"other": 0})
        wait_for_checkpoint(honest.url, 2)
        wait_for_checkpoint(forked.url, 2)
        assert _check(forked.url, tmp_path / "b", log.public).ok
        result = CliRunner().invoke(cli_app, ["monitor", honest.url, "--state", str(tmp_path / "a"), "--log-key",
                                              log.public.vkey, "--peer", str(tmp_path / "b"), "--interval", "0.1"])
    assert result.exit_code == 1
    assert "error: split-view: two checkpoints of size 2 with different roots" in result.stdout
    assert "split view" in result.stderr


def test_a_long_catch_up_reads_the_entries_twice_rather_than_hold_them(tmp_path, keys, monkeypatch) -> None:
    """Beyond the memory budget the monitor keeps only the leaf hashes, reads the bundles again to
    admit the entries, and checks each against the hash already verified against the root."""
    import accord.service.monitor as monitor

    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    monkeypatch.setattr(monitor, "KEEP_BYTES", 1000)
    with log_server(db, log) as srv:
        _submit_all(srv.url, us, origin, [("inspection-report", {"n": i}) for i in range(299)])
        wait_for_checkpoint(srv.url, 300)
        report = _check(srv.url, tmp_path / "mon", log.public)
    assert report.ok and report.new_entries == 300
    assert audit(f"sqlite:///{tmp_path / 'mon' / 'mirror.db'}").ok


@pytest.mark.parametrize(("args", "message"), [
    (["http://127.0.0.1:9"], "--log-key: a new monitor state needs the log's verifier key"),
    (["ftp://example.org", "--log-key", "LOG"], "url: 'ftp://example.org' is not an http:// or https:// URL"),
    (["http://127.0.0.1:9", "--log-key", "LOG", "--witness", "not-a-url"], "--witness: 'not-a-url' is not URL"),
    (["http://127.0.0.1:9", "--log-key", "WITNESS"], "--log-key: that is a witness's cosignature key"),
    (["http://127.0.0.1:9", "--log-key", "LOG", "--interval", "0"], "--interval: must be a positive number"),
], ids=["no key", "not http", "bad witness", "witness key as log key", "zero interval"])
def test_usage_mistakes_are_one_line_and_write_nothing(tmp_path, keys, args: list[str], message: str) -> None:
    from accord.ledger.cosignature import generate_witness_key

    _us, _ru, log = keys
    vkeys = {"LOG": log.public.vkey, "WITNESS": generate_witness_key("w").public.vkey}
    argv = ["monitor", *(vkeys.get(a, a) for a in args), "--state", str(tmp_path / "mon"), "--once"]
    result = CliRunner().invoke(cli_app, argv)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "mon" / "state.json").exists()


def test_an_unreachable_log_fails_a_check_once(tmp_path, keys) -> None:
    from network_helpers import free_port

    _us, _ru, log = keys
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = CliRunner().invoke(cli_app, ["monitor", url, "--state", str(tmp_path / "mon"), "--log-key",
                                          log.public.vkey, "--once", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["ok"] and [f["kind"] for f in report["findings"]] == ["unreachable"]
    assert report["size"] is None
