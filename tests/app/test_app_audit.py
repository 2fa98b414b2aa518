"""accord.app.audit: the ledger's audit with the exchanged declarations and notifications
replayed through the data exchange (the bridge between ledger and exchange)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.app.audit import audit_ledger
from accord.ledger import Ledger, generate_key
from accord.ledger.entries import Entry, utc_now

US, RU, LOG = generate_key("US"), generate_key("RU"), generate_key("log")


@pytest.fixture(params=["sqlite", "memory"])
def ledger(request: pytest.FixtureRequest, tmp_path) -> Iterator[Ledger]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}" if request.param == "sqlite" else "memory:"
    with Ledger.create(url, agreement="new-start", parties=[US.public, RU.public], log_key=LOG.public,
                       restrictions={"inspection-report": ["US"]}) as made:
        yield made
        if request.param == "memory":
            made.store.drop()


def test_exchange_replay_is_reported_beside_the_problems(ledger) -> None:
    # These declarations are not accord.declaration/v1 documents, so the replay fails at the
    # first one (entry 1) and says so, while the ledger itself stays ok.
    ledger.sign_and_append(US, [Entry("declaration", "US", utc_now(), {"n": i, "pad": "x" * 40}) for i in range(3)])
    ledger.sign_and_append(RU, [Entry("notification", "RU", utc_now(), {"n": i, "pad": "y" * 40}) for i in range(3)])
    report = audit_ledger(ledger.store.url)
    assert report.ok
    assert report.exchange["status"] == "failed" and "entry[1]" in report.exchange["detail"]
    assert report.notes == (f"exchange replay failed: {report.exchange['detail']}",)
    assert audit_ledger(ledger.store.url, replay=False).exchange["status"] == "skipped"


def test_exchange_replay_of_kinds_it_ignores_is_replayed(ledger) -> None:
    ledger.sign_and_append(US, [Entry("inspection-report", "US", utc_now(), {"site": "x"})])
    report = audit_ledger(ledger.store.url)
    assert report.exchange == {"status": "replayed", "detail": "0 reconciliation findings", "findings": []}


def test_an_intact_ledger_audits_ok_with_its_summary(ledger) -> None:
    report = audit_ledger(ledger.store.url)
    assert report.ok and report.to_json()["schema"] == "accord.audit/v1"
    assert report.summary().startswith("ok: 1 entries, 0 checkpoints")


def test_the_audit_says_what_it_was_checked_against(ledger) -> None:
    from accord.ledger.trust import TrustPolicy

    ledger.sign_and_append(US, [Entry("inspection-report", "US", utc_now(), {"site": "x"})])
    ledger.checkpoint(LOG)
    plain = audit_ledger(ledger.store.url)
    assert plain.to_json()["trust"]["level"] == "none" and "trust: none" in plain.summary()
    pinned = TrustPolicy({"US": US.public, "RU": RU.public}, LOG.public, ledger.origin)
    report = audit_ledger(ledger.store.url, policy=pinned)
    assert report.ok and report.to_json()["trust"]["level"] == "keys"
    assert report.to_json()["trust"]["verified"]["size"] == 2
    # The integrity audit is ok, the policy is not met: the audit is not ok, and says why.
    strict = TrustPolicy({"US": US.public, "RU": RU.public}, LOG.public, ledger.origin, require_cosigners=("RU",))
    report = audit_ledger(ledger.store.url, policy=strict)
    assert report.integrity.ok and not report.ok
    assert report.to_json()["ok"] is False and report.to_json()["schema"] == "accord.audit/v1"
    assert list(report.to_frame()["kind"]) == ["trust"]
    assert report.summary().startswith("NOT OK: 2 entries, 1 checkpoints\ntrust: keys (keys RU, US, log;")
