"""The ``cap-proof`` ledger kind: admitted only when the proof verifies and is the filing party's
proof about the ledger's agreement; re-verified by the audit and by `verify-bundle`, with
nothing but public keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.errors import EntryRejected
from accord.ledger import CosignerState, Ledger, audit, cosign_ledger, generate_key, make_bundle, verify_bundle
from accord.ledger.entries import Entry, sign_entry, utc_now
from accord.zk.proof import Signature, canonical_json

from .conftest import make, statement

US, RU, LOG = generate_key("US"), generate_key("RU"), generate_key("log")


def _payload(proof, key=US) -> dict:
    signed = proof.with_signature(Signature(key.public.vkey, key.sign(proof.signed_bytes())))
    return signed.to_json()


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.create(f"sqlite:///{tmp_path / 'l.db'}", agreement="newstart-2021", parties=[US.public, RU.public],
                       log_key=LOG.public, origin="example.org/zk") as led:
        yield led


def test_a_valid_cap_proof_is_admitted_audited_and_bundled(ledger) -> None:
    proof, *_ = make([2, 1])
    [index] = ledger.sign_and_append(US, [Entry("cap-proof", "US", utc_now(), _payload(proof))])
    ledger.checkpoint(LOG)
    cosign_ledger(ledger, US, CosignerState({}))
    report = audit(ledger.store)
    assert report.ok, report.problems
    bundle = make_bundle(ledger, index)
    checked = verify_bundle(bundle, [US.public, LOG.public], origin=ledger.origin, log_key=LOG.public)
    assert checked.ok, checked.problems
    # An unsigned proof (the entry's own signature vouches for it) is admitted too.
    ledger.sign_and_append(US, [Entry("cap-proof", "US", utc_now(), proof.to_json())])


@pytest.mark.parametrize("how, problem", [
    ("other party", "the proof is US's, not RU's"),
    ("other agreement", "not this ledger's agreement"),
    ("tampered", r"does not verify \(range-polynomial\)"),
    ("over the cap", "does not verify"),
    ("signed by another", "its signature is not by US's key"),
    ("malformed", "payload.statement"),
])
def test_a_cap_proof_is_refused(ledger, how: str, problem: str) -> None:
    proof, *_ = make([2, 1])
    key, payload = US, _payload(proof)
    if how == "other party":
        key = RU
    elif how == "other agreement":
        payload = _payload(make([2, 1], statement(2, agreement="newstart"))[0])
    elif how == "tampered":
        payload = proof.to_json()
        payload["statement"]["cap"] = 4
    elif how == "over the cap":
        payload = _payload(make([3, 3], statement(2, cap=5), check=False)[0])
    elif how == "signed by another":
        payload = _payload(proof, key=RU)
    else:
        payload = {**proof.to_json(), "statement": {}}
    with pytest.raises(EntryRejected, match=problem):
        ledger.sign_and_append(key, [Entry("cap-proof", key.name, utc_now(), payload)])
    assert ledger.size() == 1


def test_the_audit_and_bundles_catch_a_cap_proof_written_behind_the_ledgers_back(ledger) -> None:
    # An entry correctly signed by US, carrying a proof that does not verify, written straight
    # into the store (as a compromised log operator could): admission never saw it.
    proof, *_ = make([3, 3], statement(2, cap=5), check=False)
    signed = sign_entry(US, ledger.origin, Entry("cap-proof", "US", utc_now(), proof.to_json()))
    with ledger.store.write() as w:
        w.append([(signed.entry.kind, "US", signed.entry.issued_at, signed.body, signed.leaf_hash)])
    ledger.checkpoint(LOG)
    cosign_ledger(ledger, US, CosignerState({}))
    report = audit(ledger.store)
    assert not report.ok
    assert [(p.index, p.kind) for p in report.problems] == [(1, "cap-proof")]
    assert "range-polynomial" in report.problems[0].detail
    checked = verify_bundle(make_bundle(ledger, 1), [US.public, LOG.public], origin=ledger.origin,
                            log_key=LOG.public)
    assert not checked.ok and any(p.startswith("cap proof: ") for p in checked.problems)


def test_the_payload_is_the_documented_proof_object(ledger) -> None:
    proof, *_ = make([1])
    payload = _payload(proof)
    [index] = ledger.sign_and_append(US, [Entry("cap-proof", "US", utc_now(), payload)])
    stored = ledger.entry(index).entry.payload
    assert canonical_json(stored) == canonical_json(payload) and stored["schema"] == "accord.zk-proof/v1"
