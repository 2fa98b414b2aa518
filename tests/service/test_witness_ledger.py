"""Witness cosignatures where a verifier relies on them: `accord ledger prove --checkpoint`,
`verify-bundle --witness-key` and `audit --trusted NOTE --witness-key`, on a real ledger whose
checkpoint a real witness (WitnessCore, the server's logic) cosigned after its checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.ledger import Ledger, load_private_key
from accord.ledger.cosignature import write_witness_key_pair
from accord.ledger.note import Note
from accord.service.witness import WitnessCore
from accord.service.witness_protocol import encode_request, parse_cosignatures

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def ok_json(*args: object) -> dict:
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def flow(tmp_path: Path):
    """A ledger with two entries, a checkpoint cosigned by US and RU, and that checkpoint also
    cosigned by witness w1 (not w2) — written to witnessed.note."""
    keys = tmp_path / "keys"
    for name in ("US", "RU", "log"):
        ok_json("ledger", "keygen", name, "--out", keys)
    w1 = write_witness_key_pair("witness.example/w1", keys)
    w2 = write_witness_key_pair("witness.example/w2", keys)
    db = f"sqlite:///{tmp_path / 'l.db'}"
    ok_json("ledger", "init", db, "--agreement", "t", "--key", f"US={keys / 'US.pub'}", "--key",
            f"RU={keys / 'RU.pub'}", "--log-key", keys / "log.pub")
    payload = tmp_path / "p.json"
    payload.write_text('{"count": 1}')
    ok_json("ledger", "append", db, "--key", keys / "US.key", "--kind", "declaration", payload)
    cp = ok_json("ledger", "checkpoint", db, "--key", keys / "log.key")
    for party in ("US", "RU"):
        ok_json("ledger", "cosign", db, "--key", keys / f"{party}.key")
    from accord.ledger.cosignature import load_witness_signer

    log_public = load_private_key(keys / "log.key").public
    note = Note.parse(cp["note"])
    core = WitnessCore(load_witness_signer(w1.key_file), {cp["origin"]: [log_public]}, tmp_path / "w1.db")
    reply = core.add_checkpoint(encode_request(0, [], note))
    witnessed = note.with_signatures(parse_cosignatures(reply, note))
    (tmp_path / "witnessed.note").write_text(witnessed.encode())
    (tmp_path / "plain.note").write_text(note.encode())
    return keys, db, cp["origin"], tmp_path, w1, w2


def _pins(keys: Path) -> list[str]:
    return [f"--key={n}={keys / (n + '.pub')}" for n in ("US", "RU", "log")]


def test_a_bundle_proved_against_the_witnessed_checkpoint_verifies_with_the_witness_key(flow) -> None:
    keys, db, origin, tmp, w1, w2 = flow
    bundle = tmp / "b.tlog-proof"
    ok_json("ledger", "prove", db, "--index", 1, "--out", bundle, "--checkpoint", tmp / "witnessed.note")
    text = bundle.read_text()
    assert "\u2014 witness.example/w1 " in text and "\u2014 US " in text  # the parties' stored cosignatures too
    verified = ok_json("ledger", "verify-bundle", bundle, *_pins(keys), "--origin", origin, "--witness-key", w1.vkey)
    assert verified["ok"] and [w["name"] for w in verified["witnesses"]] == ["witness.example/w1"]
    assert verified["min_witnesses"] == 1
    # The key as a file works the same; a witness that did not cosign fails the bundle (exit 1) ...
    r = run("ledger", "verify-bundle", bundle, *_pins(keys), "--origin", origin, "--witness-key", w1.pub_file,
            "--witness-key", w2.pub_file, "--format", "json")
    assert r.exit_code == 1 and "cosigned by 1 of the witnesses given" in json.loads(r.stdout)["problems"][0]
    # ... unless one of the two is enough.
    assert ok_json("ledger", "verify-bundle", bundle, *_pins(keys), "--origin", origin, "--witness-key", w1.pub_file,
                   "--witness-key", w2.pub_file, "--min-witnesses", 1)["ok"]
    # A bundle from `prove` without --checkpoint carries no witness line: it fails the witness policy.
    plain = tmp / "plain.tlog-proof"
    ok_json("ledger", "prove", db, "--index", 1, "--out", plain)
    r = run("ledger", "verify-bundle", plain, *_pins(keys), "--origin", origin, "--witness-key", w1.vkey)
    assert r.exit_code == 1


@pytest.mark.parametrize("extra, message", [
    (["--witness-key", "{w1}", "--min-witnesses", "2"], "--min-witnesses"),
    (["--min-witnesses", "1"], "--min-witnesses"),
    (["--witness-key", "{log}"], "not a witness's cosignature/v1 key"),
    (["--witness-key", "nothing+here"], "--witness-key"),
])
def test_bad_witness_options_are_one_line_exit_2(flow, extra: list[str], message: str) -> None:
    keys, db, origin, tmp, w1, _w2 = flow
    bundle = tmp / "b.tlog-proof"
    ok_json("ledger", "prove", db, "--index", 1, "--out", bundle)
    args = [a.format(w1=w1.vkey, log=keys / "log.pub") for a in extra]
    r = run("ledger", "verify-bundle", bundle, *_pins(keys), "--origin", origin, *args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.output


def test_prove_refuses_a_checkpoint_that_is_not_this_ledgers(flow, tmp_path: Path) -> None:
    keys, db, _origin, tmp, _w1, _w2 = flow
    forged = Note.parse((tmp / "witnessed.note").read_text())
    lines = forged.text.split("\n")
    other = Note(f"{lines[0]}\n{lines[1]}\n{'A' * 43}=\n").sign(load_private_key(keys / "log.key"))
    (tmp / "other.note").write_text(other.encode())
    r = run("ledger", "prove", db, "--index", 1, "--out", tmp / "x.tlog-proof", "--checkpoint", tmp / "other.note")
    assert r.exit_code == 2 and "root is not the root" in r.stderr and not (tmp / "x.tlog-proof").exists()
    unsigned = Note(forged.text).sign(load_private_key(keys / "US.key"))
    (tmp / "unsigned.note").write_text(unsigned.encode())
    r = run("ledger", "prove", db, "--index", 1, "--out", tmp / "x.tlog-proof", "--checkpoint", tmp / "unsigned.note")
    assert r.exit_code == 2 and "not signed by this ledger's log key" in r.stderr


def test_audit_requires_the_witnesses_on_the_trusted_checkpoint(flow) -> None:
    keys, db, origin, tmp, w1, w2 = flow
    audited = ok_json("ledger", "audit", db, *_pins(keys), "--origin", origin, "--trusted", tmp / "witnessed.note",
                      "--witness-key", w1.vkey)
    assert audited["ok"] and audited["trust"]["witnesses"] == ["+".join(w1.vkey.split("+", 2)[:2])]
    assert audited["trust"]["min_witnesses"] == 1
    r = run("ledger", "audit", db, *_pins(keys), "--origin", origin, "--trusted", tmp / "plain.note",
            "--witness-key", w1.vkey)
    assert r.exit_code == 1 and "cosigned by 0 of the witnesses given" in r.stdout
    r = run("ledger", "audit", db, *_pins(keys), "--origin", origin, "--trusted", tmp / "witnessed.note",
            "--witness-key", w1.vkey, "--witness-key", w2.vkey)
    assert r.exit_code == 1 and "fewer than the 2 required" in r.stdout
    r = run("ledger", "audit", db, *_pins(keys), "--witness-key", w1.vkey)
    assert r.exit_code == 2 and "--trusted" in r.stderr


def test_ledger_audit_is_untouched_by_a_witnessed_checkpoint(flow) -> None:
    """The integrity audit of the store is unchanged (witness cosignatures live in notes, not rows)."""
    _keys, db, _origin, _tmp, _w1, _w2 = flow
    with Ledger.open(db) as ledger:
        assert [n.signatures[0].name for _, n in ledger.checkpoint_notes()] == ["log"]
    assert ok_json("ledger", "audit", db)["ok"]
