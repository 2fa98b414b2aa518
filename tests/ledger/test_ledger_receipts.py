"""Signed receipts at append (issue 9 §1): the log's promise that an entry is at its index and
will be in a checkpoint within the maximum merge delay; an acknowledged entry the operator
drops or renumbers before its checkpoint then has signed evidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.ledger import Ledger, generate_key, sign_entry
from accord.ledger.audit import audit
from accord.ledger.bundle import make_bundle, verify_bundle
from accord.ledger.checkpoint import CosignerState, cosign_ledger
from accord.ledger.entries import Entry, utc_now
from accord.ledger.receipts import RECEIPT_SCHEMA, Receipt, issue_receipt, load_receipt
from accord.ledger.trust import TrustPolicy, check_trust

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)  # past a one-day merge delay


def _entry(party: str, n: int) -> Entry:
    return Entry("declaration", party, utc_now(), {"n": n})


def _receipts_policy(ledger: Ledger, parties, receipts) -> TrustPolicy:
    return TrustPolicy({"US": parties.us.public, "RU": parties.ru.public}, parties.log.public, ledger.origin,
                       receipts=tuple((f"r{r.index}.json", r) for r in receipts))


def _statuses(report) -> list[str]:
    return [r["status"] for r in report.receipts]


def test_append_returns_a_receipt_signed_by_the_log_for_each_entry(ledger, parties) -> None:
    receipts = ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1), _entry("US", 2)], parties.log,
                                                    max_merge_delay=3600)
    assert [r.index for r in receipts] == [1, 2]
    for r in receipts:
        assert r.verify(parties.log.public) and not r.verify(parties.us.public)
        assert r.origin == ledger.origin and r.max_merge_delay == 3600
        assert r.leaf_hash == ledger.entry(r.index).leaf_hash
        assert Receipt.from_json(json.loads(r.encode())) == r
        assert r.to_json()["schema"] == RECEIPT_SCHEMA
    signed = sign_entry(parties.ru, ledger.origin, _entry("RU", 3))
    (third,) = ledger.append_with_receipts([signed], parties.log)
    assert third.index == 3 and third.leaf_hash == signed.leaf_hash and third.verify(parties.log.public)
    # Any change to a signed field breaks the signature.
    moved = Receipt(third.origin, 4, third.leaf_hash, third.timestamp, third.max_merge_delay, third.key_name,
                    third.key_id, third.signature)
    assert not moved.verify(parties.log.public)


def test_a_key_that_is_not_the_log_key_issues_no_receipt_and_appends_nothing(ledger, parties) -> None:
    before = ledger.size()
    with pytest.raises(InputError, match="not this ledger's log key"):
        ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1)], parties.us)
    with pytest.raises(InputError, match="max_merge_delay"):
        ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1)], parties.log, max_merge_delay=-1)
    assert ledger.size() == before


def test_without_a_log_key_a_party_acting_as_log_signs_receipts(db_url, parties) -> None:
    with Ledger.create(db_url, agreement="a", parties=[parties.us.public, parties.ru.public]) as ledger:
        (r,) = ledger.sign_and_append_with_receipts(parties.ru, [_entry("RU", 1)], parties.us)
        assert r.verify(parties.us.public)
        report = check_trust(ledger.store, TrustPolicy(receipts=(("r.json", r),)), now=dt.datetime.now(dt.UTC))
        assert report.ok and _statuses(report) == ["pending"]


def test_a_receipt_is_pending_then_honoured_or_broken(ledger, parties) -> None:
    (r,) = ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1)], parties.log)
    policy = _receipts_policy(ledger, parties, [r])
    now = check_trust(ledger.store, policy)
    assert now.ok and _statuses(now) == ["pending"] and "a checkpoint is due by" in now.receipts[0]["detail"]
    late = check_trust(ledger.store, policy, now=LATER)  # the delay passed, no checkpoint: broken
    assert [(p.index, p.kind) for p in late.problems] == [(1, "receipt")]
    assert "in no checkpoint signed by the log, although the log promised one" in late.problems[0].detail
    ledger.checkpoint(parties.log)
    assert _statuses(check_trust(ledger.store, policy, now=LATER)) == ["honoured"]


def test_a_dropped_acknowledged_entry_has_evidence(sql_ledger, parties, tamper) -> None:
    ledger = sql_ledger
    ledger.sign_and_append(parties.us, [_entry("US", i) for i in range(3)])
    ledger.checkpoint(parties.log)
    (r,) = ledger.sign_and_append_with_receipts(parties.ru, [_entry("RU", 9)], parties.log)
    assert r.index == 4
    # The operator drops the acknowledged, not yet checkpointed entry: the store agrees with itself.
    tamper(ledger.store, "DELETE FROM entries WHERE idx = 4")
    tamper(ledger.store, "DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 4")
    assert audit(ledger.store).ok
    report = check_trust(ledger.store, _receipts_policy(ledger, parties, [r]))
    assert [(p.index, p.kind) for p in report.problems] == [(4, "receipt")]
    assert "acknowledged an entry at index 4, but there is no entry there" in report.problems[0].detail
    # ... and renumbered: another entry takes its index; the receipt still says what was promised.
    ledger.sign_and_append(parties.us, [_entry("US", 10)])
    assert audit(ledger.store).ok
    report = check_trust(ledger.store, _receipts_policy(ledger, parties, [r]))
    assert "a different entry is there; that entry is nowhere in the log" in report.problems[0].detail


def test_a_renumbered_entry_is_found_where_it_went(ledger, parties, tmp_path) -> None:
    from tests.ledger.test_ledger_trust import _rebuild

    receipts = ledger.sign_and_append_with_receipts(parties.us, [_entry("US", i) for i in range(3)], parties.log)
    other = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    with _rebuild(ledger, other, keep=[1, 3]) as rebuilt:  # entry 2 dropped, entry 3 moved to 2
        rebuilt.checkpoint(parties.log)
        assert audit(rebuilt.store).ok
        report = check_trust(rebuilt.store, _receipts_policy(ledger, parties, receipts), now=LATER)
        assert _statuses(report) == ["honoured", "broken", "broken"]
        details = [p.detail for p in report.problems]
        assert "that entry is nowhere in the log" in details[0]
        assert "there is no entry there; that entry is now at index 2" in details[1]


def test_receipts_not_from_this_log_are_broken(ledger, parties) -> None:
    (r,) = ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1)], parties.log)
    ledger.checkpoint(parties.log)
    forged = issue_receipt(generate_key("log"), ledger.origin, 1, r.leaf_hash)
    elsewhere = issue_receipt(parties.log, "another/log", 1, r.leaf_hash)
    report = check_trust(ledger.store, _receipts_policy(ledger, parties, [forged, elsewhere]))
    assert _statuses(report) == ["broken", "broken"]
    assert "not signed by the log key" in report.problems[0].detail
    assert "for the log 'another/log'" in report.problems[1].detail


def test_verify_bundle_checks_the_receipts_for_its_entry(ledger, parties) -> None:
    receipts = ledger.sign_and_append_with_receipts(parties.us, [_entry("US", 1), _entry("US", 2)], parties.log)
    ledger.checkpoint(parties.log)
    cosign_ledger(ledger, parties.us, CosignerState({}))
    text = make_bundle(ledger, 1)
    keys = [parties.us.public, parties.log.public]
    ok = verify_bundle(text, keys, origin=ledger.origin, log_key=parties.log.public, receipts=[("r1", receipts[0])])
    assert ok.ok and ok.to_json()["receipts"][0]["status"] == "honoured"
    wrong = verify_bundle(text, keys, origin=ledger.origin, log_key=parties.log.public,
                          receipts=[("r2", receipts[1])])
    assert not wrong.ok and "it is for entry 2, but the bundle proves entry 1" in wrong.problems[0]
    swapped = issue_receipt(parties.log, ledger.origin, 1, receipts[1].leaf_hash)
    bad = verify_bundle(text, keys, origin=ledger.origin, log_key=parties.log.public, receipts=[("rx", swapped)])
    assert not bad.ok and "acknowledged another entry at index 1" in bad.problems[0]
    no_log = verify_bundle(text, keys, origin=ledger.origin, receipts=[("r1", receipts[0])])
    assert not no_log.ok and "no log key was given" in no_log.problems[0]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"{\n  nope", "not valid JSON"),
        (b"[1]", "a receipt must be a JSON object"),
        (b'{"schema": "x"}', "schema: schema must be"),
        (b"[" * 100_000, "receipt file is at most"),
    ],
)
def test_a_bad_receipt_file_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_receipt(path)
    line = err.value.one_line()
    assert message in line and "r.json" in line and "\n" not in line


def test_every_field_of_a_receipt_is_checked(parties) -> None:
    good = issue_receipt(parties.log, "o", 1, bytes(32)).to_json()
    for name, value, message in [
        ("index", -1, "integer from 0"), ("index", True, "integer from 0"), ("index", 2**70, "integer from 0"),
        ("max_merge_delay", 10**12, "integer from 0"), ("leaf_hash", "é" * 44, "not base64"),
        ("leaf_hash", "AAAA", "32-byte"), ("signature", "AAAA", "64-byte"), ("key_id", "XYZ", "8 lower-case"),
        ("timestamp", "yesterday", "UTC timestamp"), ("origin", "", "one non-empty line"), ("origin", 5, "string"),
        ("extra", 1, "unknown field"),
    ]:
        with pytest.raises(InputError, match=message):
            Receipt.from_json({**good, name: value})
