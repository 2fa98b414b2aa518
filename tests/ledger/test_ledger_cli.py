"""`accord ledger …` through Typer's runner: the documented flow, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["ledger", *map(str, args)])


def ok_json(*args: str) -> dict:
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def setup(tmp_path: Path):
    keys = tmp_path / "keys"
    for name in ("US", "RU", "log"):
        assert ok_json("keygen", name, "--out", keys)["party"] == name
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    made = ok_json("init", db, "--agreement", "newstart", "--key", f"US={keys / 'US.pub'}",
                   "--key", f"RU={keys / 'RU.pub'}", "--log-key", keys / "log.pub",
                   "--restrict", "inspection-report=US")
    assert made["schema"] == "accord.ledger.init/v1" and made["size"] == 1 and made["agreement"] == "newstart"
    payload = tmp_path / "decl.json"
    payload.write_text(json.dumps({"category": "deployed-icbm", "count": 400}))
    return keys, db, payload, tmp_path


def test_keygen_writes_a_private_and_a_public_key(tmp_path: Path) -> None:
    out = ok_json("keygen", "US", "--out", tmp_path)
    assert (tmp_path / "US.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "US.pub").read_text().strip() == out["vkey"]
    r = run("keygen", "US", "--out", tmp_path)
    assert r.exit_code == 2 and "already exists" in r.stderr and "Traceback" not in r.output


def test_the_documented_flow(setup) -> None:
    keys, db, payload, tmp = setup
    appended = ok_json("append", db, "--key", keys / "US.key", "--kind", "declaration", payload)
    assert appended["index"] == 1 and appended["party"] == "US"
    assert ok_json("append", db, "--key", keys / "RU.key", "--kind", "notification", payload)["index"] == 2
    cp = ok_json("checkpoint", db, "--key", keys / "log.key")
    assert cp["size"] == 3 and cp["signers"] == ["log"]
    ok_json("cosign", db, "--key", keys / "US.key")
    cosigned = ok_json("cosign", db, "--key", keys / "RU.key")
    assert cosigned["signers"] == ["RU", "US", "log"]
    assert (keys / "RU.cosigned").exists()
    bundle = tmp / "entry1.tlog-proof"
    assert ok_json("prove", db, "--index", 1, "--out", bundle)["size"] == 3
    pubs = [f"--key={n}={keys / (n + '.pub')}" for n in ("US", "RU", "log")]
    verified = ok_json("verify-bundle", bundle, *pubs, "--origin", cp["origin"])
    assert verified["schema"] == "accord.ledger.bundle/v1" and verified["ok"] is True
    assert verified["entry"]["payload"] == {"category": "deployed-icbm", "count": 400}
    audited = ok_json("audit", db)
    assert audited["schema"] == "accord.audit/v1" and audited["ok"] is True and audited["size"] == 3
    exported = ok_json("export", db)
    assert [e["kind"] for e in exported["entries"]] == ["genesis", "declaration", "notification"]
    assert len(exported["checkpoints"]) == 1
    csv_out = run("export", db, "--format", "csv")
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines()[0] == "index,kind,party,issued_at,payload,leaf_hash"
    assert run("audit", db).exit_code == 0  # table output


def test_failed_checks_exit_1(setup) -> None:
    keys, db, payload, tmp = setup
    ok_json("append", db, "--key", keys / "US.key", "--kind", "declaration", payload)
    ok_json("checkpoint", db, "--key", keys / "log.key")
    ok_json("cosign", db, "--key", keys / "US.key")
    bundle = tmp / "b.tlog-proof"
    ok_json("prove", db, "--index", 1, "--out", bundle)
    # RU has not cosigned: a verifier who requires RU's signature rejects the bundle.
    r = run("verify-bundle", bundle, f"--key=US={keys / 'US.pub'}", f"--key=RU={keys / 'RU.pub'}",
            f"--key=log={keys / 'log.pub'}", "--origin", ok_json("export", db)["origin"], "--format", "json")
    assert r.exit_code == 1 and "checkpoint is not signed by RU" in json.loads(r.stdout)["problems"]
    # A damaged database fails its audit, naming the entry.
    import sqlite3

    path = db[len("sqlite:///"):]
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '400', '401') AS BLOB) WHERE idx = 1")
    conn.commit()
    conn.close()
    r = run("audit", db, "--format", "json")
    assert r.exit_code == 1
    assert 1 in {p["index"] for p in json.loads(r.stdout)["problems"]}


@pytest.mark.parametrize(
    "args, message",
    [
        (("append", "{db}", "--key", "{keys}/missing.key", "--kind", "declaration", "{payload}"),
         "missing.key: cannot read key file"),
        (("append", "{db}", "--key", "{keys}/US.pub", "--kind", "declaration", "{payload}"), "not a signer key"),
        (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{bad}"), "bad.json:2: not valid JSON"),
        (("append", "{db}", "--key", "{keys}/RU.key", "--kind", "inspection-report", "{payload}"), "only US may file"),
        (("append", "{db}", "--key", "{keys}/US.key", "--kind", "Bad Kind", "{payload}"), "kind"),
        (("append", "{tmp}/nothing.db", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}"),
         "no ledger here"),
        (("init", "{tmp}/new.db", "--agreement", " ", "--key", "US={keys}/US.pub"), "agreement id must be non-empty"),
        (("init", "{tmp}/new.db", "--agreement", "a", "--key", "RU={keys}/US.pub"), "not 'RU'"),
        (("init", "{db}", "--agreement", "a", "--key", "US={keys}/US.pub"), "already holds a ledger"),
        (("prove", "{db}", "--index", "0", "--out", "{tmp}/out.tlog-proof"), "no checkpoint covers entry 0"),
        (("checkpoint", "{db}", "--key", "{keys}/US.key"), "not this ledger's log key"),
        (("verify-bundle", "{payload}", "--key", "US={keys}/US.pub", "--key", "log={keys}/log.pub", "--origin", "o"),
         "decl.json"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(setup, args, message) -> None:
    keys, db, payload, tmp = setup
    bad = tmp / "bad.json"
    bad.write_text('{\n  "a": }\n')
    r = run(*(a.format(db=db, keys=keys, payload=payload, tmp=tmp, bad=bad) for a in args))
    assert r.exit_code == 2, r.output
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert not (tmp / "out.tlog-proof").exists()  # nothing half-written


def test_cosign_refuses_a_checkpoint_that_does_not_extend_its_record(setup) -> None:
    keys, db, payload, tmp = setup
    ok_json("checkpoint", db, "--key", keys / "log.key")
    ok_json("cosign", db, "--key", keys / "US.key")
    # Another ledger (another history) presented to the same cosigner under the same state file.
    other = f"sqlite:///{tmp / 'other.db'}"
    origin = ok_json("export", db)["origin"]
    ok_json("init", other, "--agreement", "newstart", "--key", f"US={keys / 'US.pub'}",
            "--key", f"RU={keys / 'RU.pub'}", "--log-key", keys / "log.pub", "--origin", origin)
    ok_json("append", other, "--key", keys / "US.key", "--kind", "declaration", payload)
    ok_json("checkpoint", other, "--key", keys / "log.key")
    r = run("cosign", other, "--key", keys / "US.key")
    assert r.exit_code == 1 and "refusing to cosign" in r.stderr


def _one_line_exit_2(r, message: str) -> None:
    assert r.exit_code == 2, r.output
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


@pytest.mark.parametrize("command", ["audit", "export", "cosign", "init"])
def test_a_file_that_is_not_a_database_is_one_line(setup, command) -> None:
    keys, _db, _payload, tmp = setup
    junk = tmp / "junk.db"
    junk.write_bytes(b"this is not a SQLite database, only some text " * 100)
    extra = {"audit": [], "export": [], "cosign": ["--key", keys / "US.key"],
             "init": ["--agreement", "a", "--key", f"US={keys / 'US.pub'}"]}[command]
    _one_line_exit_2(run(command, junk, *extra), f"{junk}: cannot open as a SQLite database")


def test_append_to_a_database_missing_its_right_edge_is_one_line(setup) -> None:
    import sqlite3

    keys, db, payload, _tmp = setup
    for _ in range(3):
        ok_json("append", db, "--key", keys / "US.key", "--kind", "declaration", payload)
    conn = sqlite3.connect(db[len("sqlite:///"):])
    conn.execute("DROP TRIGGER nodes_no_delete")
    conn.execute("DELETE FROM nodes")
    conn.commit()
    conn.close()
    _one_line_exit_2(run("append", db, "--key", keys / "US.key", "--kind", "declaration", payload),
                     f"{db}: stored tree is missing nodes on its right edge")


def test_a_postgresql_password_is_never_shown(tmp_path: Path) -> None:
    from accord.ledger.store import open_store, redact_url

    url = "postgresql://bob:s3cret@127.0.0.1:1/test"  # nothing listens on port 1
    for args in (("audit", url), ("export", url)):
        r = run(*args)
        _one_line_exit_2(r, "postgresql://bob:***@127.0.0.1:1/test")
        assert "s3cret" not in r.output
    assert redact_url("postgresql://bob@h/db?password=s3cret&schema=x") == "postgresql://bob@h/db?password=***&schema=x"
    assert open_store(url + "?schema=ok").display_url == "postgresql://bob:***@127.0.0.1:1/test?schema=ok"


def test_cosign_stores_nothing_when_its_state_cannot_be_saved(setup) -> None:
    keys, db, _payload, tmp = setup
    ok_json("checkpoint", db, "--key", keys / "log.key")
    r = run("cosign", db, "--key", keys / "US.key", "--state", tmp / "no-such-dir" / "US.cosigned")
    _one_line_exit_2(r, "cannot write cosigner state")
    assert ok_json("export", db)["checkpoints"][0].count("\u2014 ") == 1  # the log's signature only
    ok_json("cosign", db, "--key", keys / "US.key")
    assert (keys / "US.cosigned").exists()


def test_prove_names_the_parties_missing_from_its_checkpoint(setup) -> None:
    keys, db, payload, tmp = setup
    ok_json("append", db, "--key", keys / "US.key", "--kind", "declaration", payload)
    ok_json("checkpoint", db, "--key", keys / "log.key")
    ok_json("cosign", db, "--key", keys / "US.key")
    r = run("prove", db, "--index", 1, "--out", tmp / "b.tlog-proof", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["missing_cosigners"] == ["RU"]
    assert "lacks RU" in r.stderr


# -- the audit against what the verifier trusts, receipts, pinned bundles (issue 9 §1) -------------


def _pins(keys: Path) -> list[str]:
    return [f"--key={n}={keys / (n + '.pub')}" for n in ("US", "RU", "log")]


def _grown(setup, n: int = 3) -> str:
    """``n`` entries appended, checkpointed, cosigned by both parties (their state files kept)."""
    keys, db, payload, _tmp = setup
    for i in range(n):
        ok_json("append", db, "--key", keys / ("US.key" if i % 2 == 0 else "RU.key"), "--kind", "declaration",
                payload)
    ok_json("checkpoint", db, "--key", keys / "log.key")
    ok_json("cosign", db, "--key", keys / "US.key")
    return ok_json("cosign", db, "--key", keys / "RU.key")["note"]


def _sql(db: str, *statements: str) -> None:
    """Change the SQLite store behind the ledger's back, as an attacker would."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(db[len("sqlite:///"):], isolation_level=None)) as conn:
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        for sql in statements:
            conn.execute(sql)
        for _, ddl in triggers:  # and put them back, as a careful attacker would
            conn.execute(ddl)


def test_audit_with_nothing_pinned_says_so(setup) -> None:
    _keys, db, _payload, _tmp = setup
    r = run("audit", db)
    assert r.exit_code == 0 and "trust: none" in r.stdout
    assert ok_json("audit", db)["trust"]["level"] == "none"


def test_audit_against_pinned_keys_and_a_trusted_checkpoint(setup) -> None:
    keys, db, _payload, tmp = setup
    note = _grown(setup)
    (tmp / "trusted.note").write_text(note)
    origin = ok_json("export", db)["origin"]
    audited = ok_json("audit", db, *_pins(keys), "--origin", origin, "--trusted", tmp / "trusted.note",
                      "--require-cosigners", "US,RU")
    assert audited["ok"] is True and audited["trust"]["level"] == "checkpoint"
    assert audited["trust"]["verified"]["size"] == 4 and audited["trust"]["required_cosigners"] == ["US", "RU"]
    r = run("audit", db, *_pins(keys), "--cosigner-state", keys / "RU.cosigned")
    assert r.exit_code == 0 and "trust: checkpoint" in r.stdout and "(cosigner-state)" in r.stdout


def test_audit_fails_a_rolled_back_store_against_a_cosigner_state(setup) -> None:
    keys, db, _payload, _tmp = setup
    _grown(setup, 2)
    _grown(setup, 2)  # now 5 entries; US's state records size 5
    _sql(db, "DELETE FROM entries WHERE idx >= 3", "DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 3",
         "DELETE FROM checkpoints WHERE size > 3", "DELETE FROM cosignatures WHERE size > 3")
    assert ok_json("audit", db)["ok"] is True  # the store agrees with itself
    r = run("audit", db, *_pins(keys), "--cosigner-state", keys / "US.cosigned", "--format", "json")
    assert r.exit_code == 1
    problems = json.loads(r.stdout)["problems"]
    assert [(p["index"], p["kind"]) for p in problems] == [(3, "trust")] and "rolled back" in problems[0]["detail"]


def test_audit_fails_a_store_rebuilt_with_other_keys(setup) -> None:
    keys, db, payload, tmp = setup
    _grown(setup)
    origin = ok_json("export", db)["origin"]
    fake = tmp / "fake"
    for name in ("US", "RU", "log"):
        ok_json("keygen", name, "--out", fake)
    forged = f"sqlite:///{tmp / 'forged.db'}"
    ok_json("init", forged, "--agreement", "newstart", "--key", f"US={fake / 'US.pub'}", "--key",
            f"RU={fake / 'RU.pub'}", "--log-key", fake / "log.pub", "--origin", origin)
    ok_json("append", forged, "--key", fake / "US.key", "--kind", "declaration", payload)
    assert ok_json("audit", forged)["ok"] is True
    r = run("audit", forged, *_pins(keys), "--origin", origin, "--format", "json")
    assert r.exit_code == 1
    assert {p["kind"] for p in json.loads(r.stdout)["problems"]} == {"trust"}


def test_receipts_through_the_cli(setup) -> None:
    keys, db, payload, tmp = setup
    appended = ok_json("append", db, "--key", keys / "US.key", "--kind", "declaration", payload,
                       "--receipt", tmp / "r1.json", "--log-key", keys / "log.key")
    assert appended["receipt"]["index"] == 1 and appended["receipt_file"] == str(tmp / "r1.json")
    assert json.loads((tmp / "r1.json").read_text())["schema"] == "accord.ledger.receipt/v1"
    audited = ok_json("audit", db, *_pins(keys), "--receipt", tmp / "r1.json")
    assert audited["trust"]["receipts"][0]["status"] == "pending"
    ok_json("checkpoint", db, "--key", keys / "log.key")
    ok_json("cosign", db, "--key", keys / "US.key")
    ok_json("prove", db, "--index", 1, "--out", tmp / "b.tlog-proof")
    origin = ok_json("export", db)["origin"]
    verified = ok_json("verify-bundle", tmp / "b.tlog-proof", f"--key=US={keys / 'US.pub'}",
                       f"--key=log={keys / 'log.pub'}", "--origin", origin, "--receipt", tmp / "r1.json")
    assert verified["receipts"][0]["status"] == "honoured"
    # The operator drops the acknowledged entry (and its checkpoint): the receipt is the evidence.
    _sql(db, "DELETE FROM entries WHERE idx >= 1", "DELETE FROM nodes", "DELETE FROM checkpoints",
         "DELETE FROM cosignatures")
    assert ok_json("audit", db)["ok"] is True
    r = run("audit", db, *_pins(keys), "--receipt", tmp / "r1.json", "--format", "json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["kind"] == "receipt"


#: Mistakes with the trust, receipt and bundle options: each leaves the ledger as it was.
TRUST_MISTAKES = [
    (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}", "--receipt",
      "{tmp}/r.json"), "--receipt and --log-key go together"),
    (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}", "--receipt",
      "{tmp}/no-dir/r.json", "--log-key", "{keys}/log.key"), "No such directory"),
    (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}", "--receipt",
      "{tmp}/r.json", "--log-key", "{keys}/RU.key"), "not this ledger's log key"),
    (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}", "--receipt",
      "{tmp}/r.json", "--log-key", "{keys}/log.key", "--max-merge-delay", "-5"), "--max-merge-delay: must be"),
    (("audit", "{db}", "--trusted", "{payload}", "--cosigner-state", "{payload}"), "not both"),
    (("audit", "{db}", "--key", "US={keys}/US.pub", "--require-cosigners", "RU"), "not one of the pinned parties"),
    (("audit", "{db}", "--trusted", "{payload}"), "decl.json"),
    (("audit", "{db}", "--cosigner-state", "{tmp}/none.cosigned"), "none.cosigned"),
    (("audit", "{db}", "--receipt", "{payload}"), "decl.json"),
    (("verify-bundle", "{payload}", "--key", "US={keys}/US.pub", "--origin", "o"), "--key log=PUBFILE"),
    (("verify-bundle", "{payload}", "--key", "log={keys}/log.pub"), "--origin"),
    (("append", "{db}", "--key", "{keys}/US.key", "--kind", "declaration", "{payload}", "--receipt",
      "{tmp}/" + "r" * 300, "--log-key", "{keys}/log.key"), "cannot write receipt: File name too long"),
    (("prove", "{db}", "--index", "7", "--out", "{tmp}/out.tlog-proof"), "there is no entry 7"),
]


def test_trust_and_receipt_mistakes_are_one_line_and_exit_2(setup) -> None:
    keys, db, payload, tmp = setup
    for args, message in TRUST_MISTAKES:  # one ledger for all: none of them may change it
        r = run(*(a.format(db=db, keys=keys, payload=payload, tmp=tmp) for a in args))
        assert r.exit_code == 2, (args, r.output)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert ok_json("export", db)["size"] == 1, args  # nothing appended
        assert not (tmp / "r.json").exists() and not (tmp / "out.tlog-proof").exists(), args


def test_prove_and_keygen_into_a_missing_or_impossible_place_are_one_line(setup) -> None:
    keys, db, _payload, tmp = setup
    ok_json("checkpoint", db, "--key", keys / "log.key")
    _one_line_exit_2(run("prove", db, "--index", 0, "--out", tmp / "no-dir" / "b.tlog-proof"),
                     f"{tmp / 'no-dir' / 'b.tlog-proof'}: cannot write bundle")
    _one_line_exit_2(run("keygen", "US", "--out", tmp / ("x" * 300)), "cannot write key files")
