"""`accord zk …` through Typer's runner: prove, verify, open, check-opening; exit codes 0 (ok),
1 (refused, or a named check failed) and 2 (malformed input, one line); malformed proof files
from the shared fuzz mutators never crash."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.cli import app
from fuzzing import mutants

runner = CliRunner()

# A small itemized declaration (accord.declaration/v1): under New START's rules its deployed
# warheads are 1 + 1 + 4 (as emplaced) + 1 (one per deployed heavy bomber) = 7.
DECLARATION = {
    "schema": "accord.declaration/v1", "party": "US", "as_of": "2020-09-01", "agreement": "newstart-2021",
    "synthetic": True, "facilities": [],
    "items": [
        {"id": "L-1", "type": "icbm_launcher", "status": "deployed", "facility": "F1"},
        {"id": "M-1", "type": "icbm", "system": "Minuteman III", "status": "deployed", "facility": "F1",
         "warheads": 1, "launcher": "L-1"},
        {"id": "M-2", "type": "icbm", "system": "Minuteman III", "status": "deployed", "facility": "F1", "warheads": 1},
        {"id": "S-1", "type": "slbm", "system": "Trident II D5", "status": "deployed", "facility": "F2", "warheads": 4},
        {"id": "B-1", "type": "heavy_bomber", "system": "B-52H", "status": "deployed", "facility": "F3"},
        {"id": "M-3", "type": "icbm", "system": "Minuteman III", "status": "non_deployed", "facility": "F1"},
    ],
}
# A proposal that extends New START with 5 deployed warheads: the declaration's 7 are over it.
SMALL_CAP = """id: newstart-5
extends: newstart-2021
title: New START with 5 deployed warheads (a test)
legal_form: proposal
adopted: false
source: {document: "test"}
limits:
  - id: deployed_warheads
    cap: 5
    legal_form: proposal
    source: {document: "test", article: "para 1"}
"""


def run(*args: object):
    return runner.invoke(app, ["zk", *map(str, args)])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("zk")
    keys = tmp / "keys"
    for party in ("US", "RU"):
        assert runner.invoke(app, ["ledger", "keygen", party, "--out", str(keys)]).exit_code == 0
    (tmp / "decl.json").write_text(json.dumps(DECLARATION))
    r = run("prove", tmp / "decl.json", "--agreement", "newstart-2021", "--limit", "deployed_warheads",
            "--key", keys / "US.key", "--out", tmp / "us.proof.json", "--bits", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["schema"] == "accord.zk.prove/v1" and out["statement"]["cap"] == 1550
    assert out["statement"]["items"] == 6 and out["witness"].endswith("us.proof.witness.json")
    assert "total" not in r.stdout and '"7"' not in r.stdout  # the total is not shown
    assert (tmp / "us.proof.witness.json").stat().st_mode & 0o777 == 0o600
    return tmp


def test_verify_ok_with_the_pinned_key_and_the_agreements_cap(made: Path) -> None:
    r = run("verify", made / "us.proof.json", "--key", f"US={made / 'keys' / 'US.pub'}", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["schema"] == "accord.zk.verify/v1" and out["ok"] and out["key_pinned"]
    assert [(c["check"], c["status"]) for c in out["checks"]] == [("signature", "ok"), ("proof", "ok"), ("cap", "ok")]


def test_verify_names_the_failed_check(made: Path, tmp_path: Path) -> None:
    proof = json.loads((made / "us.proof.json").read_text())
    # Another party's key pinned: the signature check fails.
    r = run("verify", made / "us.proof.json", "--key", f"US={made / 'keys' / 'RU.pub'}")
    assert r.exit_code == 2 and "named 'RU', not 'US'" in r.stderr
    # A proof whose cap was edited (and re-signed by nobody): well-formed, exit 1.
    from accord.zk.proof import canonical_json

    proof["statement"]["cap"] = 7
    del proof["signature"]
    (tmp_path / "edited.json").write_text(canonical_json(proof) + "\n")
    r = run("verify", tmp_path / "edited.json")
    assert r.exit_code == 1 and r.stderr.startswith("error: proof: range-polynomial:")
    # A signed proof, edited: the signature check fails first.
    signed = json.loads((made / "us.proof.json").read_text())
    signed["statement"]["cap"] = 7
    (tmp_path / "signed.json").write_text(canonical_json(signed) + "\n")
    r = run("verify", tmp_path / "signed.json", "--format", "json")
    assert r.exit_code == 1 and json.loads(r.stdout)["checks"][0]["status"] == "failed"
    assert "signature: the signature does not verify" in r.stderr


def test_a_malformed_proof_file_is_one_line_exit_2(made: Path, tmp_path: Path) -> None:
    text = (made / "us.proof.json").read_text()
    for name, content in (("empty.json", ""), ("spaced.json", text.replace(",", ", ", 1)),
                          ("list.json", "[]\n"), ("bad.json", text[:100])):
        (tmp_path / name).write_text(content)
        r = run("verify", tmp_path / name)
        assert r.exit_code == 2, (name, r.output)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"error: {tmp_path / name}")
        assert "Traceback" not in r.output
    assert run("verify", tmp_path / "missing.json").exit_code == 2


def test_prove_refuses_a_total_over_the_cap_and_writes_nothing(made: Path, tmp_path: Path) -> None:
    (tmp_path / "small.yaml").write_text(SMALL_CAP)
    r = run("prove", made / "decl.json", "--agreement", tmp_path / "small.yaml", "--limit", "deployed_warheads",
            "--key", made / "keys" / "US.key", "--out", tmp_path / "p.json", "--bits", "3")
    assert r.exit_code == 1 and "over the cap" in r.stderr and "nothing was written" in r.stderr
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "p.witness.json").exists()


@pytest.mark.parametrize("args, needle", [
    (["--limit", "no_such_limit"], "--limit: unknown limit"),
    (["--bits", "2"], "--bits: item 'S-1' adds 4"),
    (["--bits", "0"], "--bits: must be a whole number from 1 to 64"),
    (["--key", "RU"], "--key: key is RU's, but the declaration is US's"),
])
def test_prove_input_mistakes_are_one_line_exit_2(made: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    opts = {"--limit": "deployed_warheads", "--bits": "3", "--key": str(made / "keys" / "US.key")}
    for k, v in zip(args[::2], args[1::2], strict=True):
        opts[k] = str(made / "keys" / "RU.key") if v == "RU" else v
    r = run("prove", made / "decl.json", "--agreement", "newstart-2021", "--out", tmp_path / "p.json",
            *[x for kv in opts.items() for x in kv])
    assert r.exit_code == 2 and needle in r.stderr and r.stderr.count("\n") == 1, r.output
    assert not (tmp_path / "p.json").exists()


def test_open_and_check_opening(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "open.json"
    r = run("open", made / "us.proof.json", "--witness", made / "us.proof.witness.json", "--item", "S-1",
            "--item", "M-3", "--out", out, "--format", "json")
    assert r.exit_code == 0, r.output
    assert [o["id"] for o in json.loads(r.stdout)["opened"]] == ["S-1", "M-3"]
    r = run("check-opening", made / "us.proof.json", out, "--format", "json")
    assert r.exit_code == 0, r.output
    checked = json.loads(r.stdout)
    assert checked["ok"] and [o["count"] for o in checked["openings"]] == [4, 0] and checked["proof"]["status"] == "ok"
    # An opening that lies about the record (1 warhead on S-1 instead of 4) and its count.
    obj = json.loads(out.read_text())
    obj["openings"][0]["item"]["warheads"] = 1
    from accord.zk.opening import ItemOpening, openings_json
    from accord.zk.proof import canonical_json, parse_statement

    rows = obj["openings"]
    lie = ItemOpening(rows[0]["index"], rows[0]["item"], base64.b64decode(rows[0]["salt"]), 1)
    (tmp_path / "lie.json").write_text(canonical_json(openings_json(parse_statement(obj["statement"]), [lie])))
    r = run("check-opening", made / "us.proof.json", tmp_path / "lie.json", "--format", "json")
    assert r.exit_code == 1 and "do not open commitment" in json.loads(r.stdout)["openings"][0]["problem"]
    # An unknown item, or a witness of another proof: one line, exit 2.
    r = run("open", made / "us.proof.json", "--witness", made / "us.proof.witness.json", "--item", "X-9",
            "--out", tmp_path / "o2.json")
    assert r.exit_code == 2 and "--item: no committed item has id 'X-9'" in r.stderr


def test_an_opening_with_a_count_the_rules_do_not_give_is_caught(made: Path, tmp_path: Path) -> None:
    # The witness's committed count for S-1 is 4; an opening claiming the record counts 4 while
    # showing 3 warheads on it is rejected by the agreement's rules even if the commitment matched.
    from accord.zk.opening import ItemOpening, openings_json, parse_witness
    from accord.zk.proof import canonical_json

    secret = parse_witness(json.loads((made / "us.proof.witness.json").read_text()))
    i = next(n for n, rec in enumerate(secret.records) if rec["id"] == "S-1")
    honest = secret.opening(i)
    shown = ItemOpening(honest.index, {**honest.record, "warheads": 3}, honest.salt, honest.count)
    (tmp_path / "o.json").write_text(canonical_json(openings_json(secret.statement, [shown])))
    r = run("check-opening", made / "us.proof.json", tmp_path / "o.json", "--format", "json")
    assert r.exit_code == 1
    problem = json.loads(r.stdout)["openings"][0]["problem"]
    assert "do not open" in problem  # the record is bound into the blinding: it cannot change


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_proof_files_never_crash(made: Path, tmp_path: Path, data) -> None:
    seed = (made / "us.proof.json").read_bytes()
    mutated = data.draw(mutants(seed, "json"))
    path = tmp_path / "fuzz.json"
    path.write_bytes(mutated)
    r = run("verify", path)
    assert r.exit_code in (0, 1, 2), r.output
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit))
    if r.exit_code == 2:
        assert r.stderr.count("\n") == 1
    if r.exit_code == 0:
        assert mutated == seed  # only the unchanged file verifies


def test_the_cap_is_checked_against_the_agreement_file_given(made: Path, tmp_path: Path) -> None:
    (tmp_path / "ten.yaml").write_text(SMALL_CAP.replace("cap: 5", "cap: 10").replace("newstart-5", "newstart-10"))
    r = run("prove", made / "decl.json", "--agreement", tmp_path / "ten.yaml", "--limit", "deployed_warheads",
            "--key", made / "keys" / "US.key", "--out", tmp_path / "p.json", "--bits", "3")
    assert r.exit_code == 0, r.output
    # Not a bundled agreement: the proof and signature are checked, the cap is skipped (exit 0).
    out = json.loads(run("verify", tmp_path / "p.json", "--format", "json").stdout)
    assert out["ok"] and [c["status"] for c in out["checks"]] == ["ok", "ok", "skipped"]
    r = run("verify", tmp_path / "p.json", "--agreement", tmp_path / "ten.yaml", "--format", "json")
    out = json.loads(r.stdout)
    assert out["ok"] and out["checks"][2]["status"] == "ok"
    r = run("verify", tmp_path / "p.json", "--agreement", "newstart-2021")
    assert r.exit_code == 1 and "cap: the proof is about 'newstart-10', not 'newstart-2021'" in r.stderr
