"""Review of the trust policy, receipts and pinned verify-bundle (issue 9 §1), as a hostile store
operator and a lying log would attack them. The first tests are the findings (each failed before
its fix); the rest are attacks that held, kept so that they keep holding."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.errors import InputError
from accord.ledger import Ledger, generate_key
from accord.ledger.audit import audit
from accord.ledger.bundle import make_bundle, parse_bundle, verify_bundle
from accord.ledger.checkpoint import CosignerState, cosign_ledger
from accord.ledger.entries import GENESIS, Entry, utc_now
from accord.ledger.receipts import issue_receipt
from accord.ledger.stores import open_store
from accord.ledger.trust import TrustPolicy, check_trust, trusted_from_note, trusted_from_state

runner = CliRunner()
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _made(url: str, parties) -> Ledger:
    return Ledger.create(url, agreement="new-start", parties=[parties.us.public, parties.ru.public],
                         log_key=parties.log.public, origin="accord.ledger/new-start/review")


def _append(ledger: Ledger, key, n: int = 1) -> list[int]:
    return [ledger.sign_and_append(key, [Entry("declaration", key.name, utc_now(), {"n": ledger.size()})])[0]
            for _ in range(n)]


def _pins(ledger: Ledger, parties, **kw) -> TrustPolicy:
    return TrustPolicy({"US": parties.us.public, "RU": parties.ru.public}, parties.log.public, ledger.origin, **kw)


def _details(report) -> str:
    return "\n".join(p.detail for p in report.problems)


def _copy(source: Ledger, url: str, keep: list[int] | None = None) -> Ledger:
    """The operator's copy of ``source`` (genesis plus the entries ``keep``, all by default,
    with their real party-signed bytes, renumbered), no checkpoints: a fork or a rewrite."""
    rows = list(source.store.rows())
    store = open_store(url)
    store.create(dict(source.store.meta()), GENESIS, rows[0].issued_at, rows[0].body, rows[0].leaf)
    with store.write() as w:
        w.append([(r.kind, r.party, r.issued_at, r.body, r.leaf) for r in rows[1:]
                  if keep is None or r.index in keep])
    return Ledger(store)


@pytest.fixture
def lg(sqlite_url: str, parties):
    with _made(sqlite_url, parties) as made:
        yield made


# -- findings -----------------------------------------------------------------------------------------


def test_a_receipt_dated_in_the_future_is_broken_not_pending(lg, parties) -> None:
    # A lying log dates its promise years ahead, so that it never falls due: the entry then
    # need never reach a checkpoint. Before: "pending" (ok), or, near year 9999, an
    # OverflowError traceback out of the audit.
    (i,) = _append(lg, parties.us)
    leaf = lg.entry(i).leaf_hash
    for stamp in ("2999-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        receipt = issue_receipt(parties.log, lg.origin, i, leaf, max_merge_delay=366 * 86400, timestamp=stamp)
        report = check_trust(lg.store, _pins(lg, parties, receipts=(("r.json", receipt),)), now=NOW)
        assert [r["status"] for r in report.receipts] == ["broken"]
        assert "dated in the future" in _details(report)
    # A few minutes of clock skew are tolerated; an honest receipt is pending, then due.
    honest = issue_receipt(parties.log, lg.origin, i, leaf, max_merge_delay=3600,
                           timestamp=(NOW + dt.timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    report = check_trust(lg.store, _pins(lg, parties, receipts=(("r.json", honest),)), now=NOW)
    assert report.ok and [r["status"] for r in report.receipts] == ["pending"]
    later = check_trust(lg.store, _pins(lg, parties, receipts=(("r.json", honest),)),
                        now=NOW + dt.timedelta(hours=2))
    assert [r["status"] for r in later.receipts] == ["broken"]


def test_a_receipt_dated_in_the_future_fails_the_cli_audit_in_one_line(lg, parties, tmp_path) -> None:
    (i,) = _append(lg, parties.us)
    receipt = issue_receipt(parties.log, lg.origin, i, lg.entry(i).leaf_hash, max_merge_delay=366 * 86400,
                            timestamp="9999-12-31T23:59:59Z")
    (tmp_path / "r.json").write_text(receipt.encode())
    for party, key in (("US", parties.us), ("RU", parties.ru), ("log", parties.log)):
        (tmp_path / f"{party}.pub").write_text(key.public.vkey + "\n")
    url = lg.store.url
    lg.close()
    result = runner.invoke(app, ["ledger", "audit", url, "--key", f"US={tmp_path / 'US.pub'}",
                                 "--key", f"RU={tmp_path / 'RU.pub'}", "--key", f"log={tmp_path / 'log.pub'}",
                                 "--receipt", str(tmp_path / "r.json"), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "dated in the future" in result.output


def test_a_bundle_index_beyond_any_size_is_one_line(lg, parties, tmp_path) -> None:
    # Before: int() of a 5,000-digit index raised ValueError (Python's 4,300-digit limit), a traceback.
    _append(lg, parties.us)
    lg.checkpoint(parties.log)
    text = make_bundle(lg, 1)
    for digits in (30, 5000):
        bad = text.replace("index 1\n", f"index {'1' * digits}\n")
        with pytest.raises(InputError) as err:
            parse_bundle(bad, file="b.tlog-proof")
        assert err.value.line == 3 and "\n" not in err.value.one_line()
        (tmp_path / "b.tlog-proof").write_text(bad)
        (tmp_path / "log.pub").write_text(parties.log.public.vkey + "\n")
        result = runner.invoke(app, ["ledger", "verify-bundle", str(tmp_path / "b.tlog-proof"),
                                     "--key", f"log={tmp_path / 'log.pub'}", "--origin", lg.origin])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)


def test_a_trusted_note_is_checked_against_the_pinned_log_key_however_it_was_loaded(lg, parties,
                                                                                     tmp_path) -> None:
    # trusted_from_note() without keys defers the signature check to the audit; the audit
    # skipped it whenever keys were pinned, so a note signed by anyone was "trusted".
    _append(lg, parties.us, 2)
    lg.checkpoint(parties.log)
    mallory = generate_key("log")
    cp, _note = lg.latest_checkpoint()
    forged = cp.note().sign(mallory)
    (tmp_path / "forged.note").write_text(forged.encode())
    trusted = trusted_from_note(tmp_path / "forged.note")  # nothing pinned here
    report = check_trust(lg.store, _pins(lg, parties, trusted=trusted))
    assert not report.ok and "not signed by the log key" in _details(report)
    real = tmp_path / "real.note"
    real.write_text(lg.latest_checkpoint()[1].encode())
    assert check_trust(lg.store, _pins(lg, parties, trusted=trusted_from_note(real))).ok


# -- attacks that held --------------------------------------------------------------------------------


def test_a_fork_shown_to_each_party_fails_once_both_cosigners_are_required(lg, parties, tmp_path) -> None:
    # Shared prefix cosigned by both; then the log shows US one history and RU another, each
    # log-signed with the real key, each cosigned by the party that sees it.
    us_state, ru_state = tmp_path / "US.cosigned", tmp_path / "RU.cosigned"
    _append(lg, parties.us, 2)
    lg.checkpoint(parties.log)
    cosign_ledger(lg, parties.us, CosignerState.load(us_state))
    cosign_ledger(lg, parties.ru, CosignerState.load(ru_state))
    with _copy(lg, f"sqlite:///{tmp_path / 'fork.db'}") as fork:
        _append(lg, parties.us)
        lg.checkpoint(parties.log)
        cosign_ledger(lg, parties.us, CosignerState.load(us_state))
        _append(fork, parties.ru)
        fork.checkpoint(parties.log)
        cosign_ledger(fork, parties.ru, CosignerState.load(ru_state))
        assert audit(lg.store).ok and audit(fork.store).ok
        for store, state in ((lg.store, us_state), (fork.store, ru_state)):
            trusted = trusted_from_state(state)
            assert check_trust(store, _pins(lg, parties, trusted=trusted)).ok  # alone, each view is consistent
            report = check_trust(store, _pins(lg, parties, trusted=trusted, require_cosigners=("US", "RU")))
            assert not report.ok and "cosigned by US, RU" in _details(report)
        # RU refuses to cosign US's branch: it is not consistent with what RU cosigned.
        from accord.errors import InconsistentCheckpoint

        with pytest.raises(InconsistentCheckpoint):
            cosign_ledger(lg, parties.ru, CosignerState.load(ru_state))


def test_a_cosignature_moved_to_another_checkpoint_does_not_count(sql_ledger, parties, tamper, tmp_path) -> None:
    sql_ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 1})])
    sql_ledger.checkpoint(parties.log)
    cosign_ledger(sql_ledger, parties.ru, CosignerState({}))
    sql_ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 2})])
    sql_ledger.checkpoint(parties.log)
    tamper(sql_ledger.store, "UPDATE cosignatures SET size = 3 WHERE size = 2")
    policy = TrustPolicy({"US": parties.us.public, "RU": parties.ru.public}, parties.log.public,
                         sql_ledger.origin, require_cosigners=("RU",))
    report = check_trust(sql_ledger.store, policy)
    assert not report.ok and "cosigned by RU" in _details(report)


def test_a_replaced_acknowledged_entry_is_evidence_even_after_the_log_resigns(lg, parties, tmp_path) -> None:
    # Entry 2 acknowledged with a receipt, then dropped before any checkpoint; the operator
    # re-extends with another entry at index 2 and checkpoints it with the real log key.
    _append(lg, parties.us)
    (receipt,) = lg.sign_and_append_with_receipts(parties.ru, [Entry("declaration", "RU", utc_now(), {"x": 1})],
                                                  parties.log)
    with _copy(lg, f"sqlite:///{tmp_path / 'rewrite.db'}", keep=[1]) as rewrite:
        _append(rewrite, parties.us)
        rewrite.checkpoint(parties.log)
        assert audit(rewrite.store).ok
        report = check_trust(rewrite.store, _pins(rewrite, parties, receipts=(("r.json", receipt),)), now=NOW)
        assert [r["status"] for r in report.receipts] == ["broken"]
        assert "a different entry is there; that entry is nowhere in the log" in _details(report)


def test_receipts_forged_or_from_elsewhere_are_broken(lg, parties) -> None:
    (i,) = _append(lg, parties.us)
    leaf = lg.entry(i).leaf_hash
    bad = {
        "wrong key": issue_receipt(generate_key("log"), lg.origin, i, leaf),
        "wrong index": issue_receipt(parties.log, lg.origin, i + 5, leaf),
        "wrong hash": issue_receipt(parties.log, lg.origin, i, bytes(32)),
        "other origin": issue_receipt(parties.log, "accord.ledger/elsewhere", i, leaf),
        "party key": issue_receipt(parties.us, lg.origin, i, leaf),
    }
    for what, receipt in bad.items():
        report = check_trust(lg.store, _pins(lg, parties, receipts=((what, receipt),)))
        assert [r["status"] for r in report.receipts] == ["broken"], what


def test_a_cosigner_state_of_another_log_fails(lg, parties, tmp_path) -> None:
    _append(lg, parties.us)
    lg.checkpoint(parties.log)
    cp, _ = lg.latest_checkpoint()
    from dataclasses import replace

    state = tmp_path / "other.cosigned"
    CosignerState({}).record(replace(cp, origin="accord.ledger/elsewhere")).save(state)
    report = check_trust(lg.store, TrustPolicy(trusted=trusted_from_state(state)))
    assert not report.ok and "not the trusted 'accord.ledger/elsewhere'" in _details(report)
    with pytest.raises(InputError, match="no record for origin"):
        trusted_from_state(state, origin=lg.origin)


def test_required_cosigners_without_a_key_and_bundles_missing_cosignatures(lg, parties) -> None:
    with pytest.raises(InputError, match="not one of the pinned parties"):
        TrustPolicy({"US": parties.us.public}, parties.log.public, require_cosigners=("CN",))
    assert "CN is not a party" in _details(check_trust(lg.store, TrustPolicy(require_cosigners=("CN",))))
    _append(lg, parties.us)
    lg.checkpoint(parties.log)
    cosign_ledger(lg, parties.us, CosignerState({}))
    text = make_bundle(lg, 1)
    keys = [parties.us.public, parties.ru.public, parties.log.public]
    report = verify_bundle(text, keys, origin=lg.origin, log_key=parties.log.public)
    assert report.problems == ("checkpoint is not signed by RU",)
    # An extra signature by an unknown key, or RU's name with a bogus signature, changes nothing.
    stranger = generate_key("RU")
    head, _, note = text.partition("\n\n")
    from accord.ledger.note import Note
    forged = Note.parse(note).sign(stranger)
    report = verify_bundle(head + "\n\n" + forged.encode(), keys, origin=lg.origin, log_key=parties.log.public)
    assert report.problems == ("checkpoint is not signed by RU",)
