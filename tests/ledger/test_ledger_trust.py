"""The audit against what the verifier trusts (issue 9 §1): pinned keys and origin, a trusted
checkpoint (a signed note, or a party's cosigner state), a cosigner policy.

Every attack here leaves a store that agrees with itself — the integrity audit says ok, which
each test asserts first — and fails only against what the verifier holds outside the store.
Attacks on the SQL stores are made by direct SQL (``tamper``); on every store, including the
in-memory one, by the operator rebuilding the store through the store's own write API."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.ledger import Ledger, generate_key
from accord.ledger.audit import audit
from accord.ledger.checkpoint import CosignerState, cosign_ledger
from accord.ledger.entries import GENESIS, Entry, utc_now
from accord.ledger.stores import open_store
from accord.ledger.trust import TrustPolicy, check_trust, trusted_from_note, trusted_from_state

# -- helpers ----------------------------------------------------------------------------------------


def _grow(ledger: Ledger, parties, n: int, *, cosign: tuple = ("us", "ru")) -> None:
    """Append ``n`` entries (US and RU in turn), checkpoint, and cosign as ``cosign`` says."""
    for i in range(n):
        key = parties.us if i % 2 == 0 else parties.ru
        ledger.sign_and_append(key, [Entry("declaration", key.name, utc_now(), {"n": ledger.size(), "by": key.name})])
    ledger.checkpoint(parties.log)
    for who in cosign:
        cosign_ledger(ledger, getattr(parties, who), CosignerState({}))


def _note_file(ledger: Ledger, tmp_path: Path, name: str = "trusted.note") -> Path:
    """The latest checkpoint with every signature, as a party keeps it out of band."""
    _cp, note = ledger.latest_checkpoint()
    path = tmp_path / name
    path.write_text(note.encode())
    return path


def _policy(ledger: Ledger, parties, note: Path | None, **kw) -> TrustPolicy:
    keys = {"US": parties.us.public, "RU": parties.ru.public}
    trusted = trusted_from_note(note, parties=keys, log_key=parties.log.public) if note else None
    return TrustPolicy(keys, parties.log.public, ledger.origin, trusted, **kw)


def _kinds(report) -> list[tuple[int | None, str]]:
    return [(p.index, p.kind) for p in report.problems]


def _details(report) -> str:
    return "\n".join(p.detail for p in report.problems)


def _drop_from(tamper, store, first: int) -> None:
    """Roll the SQL store back to its first ``first`` entries, as the operator would: the
    entries, the interior nodes over them, the checkpoints and cosignatures beyond."""
    tamper(store, "DELETE FROM entries WHERE idx >= ?", (first,))
    tamper(store, "DELETE FROM nodes WHERE (idx + 1) * (1 << level) > ?", (first,))
    tamper(store, "DELETE FROM checkpoints WHERE size > ?", (first,))
    tamper(store, "DELETE FROM cosignatures WHERE size > ?", (first,))


def _rebuild(source: Ledger, url: str, keep: list[int]) -> Ledger:
    """The operator's rewrite, on any store: a fresh store at ``url`` holding the source's
    genesis and the entries ``keep`` (their real, party-signed bytes), renumbered; no checkpoint."""
    rows = list(source.store.rows())
    genesis = rows[0]
    store = open_store(url)
    store.create(dict(source.store.meta()), GENESIS, genesis.issued_at, genesis.body, genesis.leaf)
    with store.write() as w:
        w.append([(r.kind, r.party, r.issued_at, r.body, r.leaf) for r in rows if r.index in keep])
    return Ledger(store)


@pytest.fixture
def other_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A second, fresh store URL of the same backend as ``ledger`` (for a rebuilt copy)."""
    url = request.getfixturevalue("db_url")
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'rebuilt.db'}"
        return
    if url.startswith("memory"):
        fresh = f"memory:rebuilt-{uuid.uuid4().hex[:12]}"
    else:
        fresh = url.rsplit("schema=", 1)[0] + f"schema=accord_rebuilt_{uuid.uuid4().hex[:12]}"
    yield fresh
    with open_store(fresh) as store:
        store.drop()  # type: ignore[attr-defined]


# -- the intact ledger ------------------------------------------------------------------------------


def test_an_intact_ledger_passes_everything_the_verifier_trusts(ledger, parties, tmp_path) -> None:
    _grow(ledger, parties, 4)
    _grow(ledger, parties, 3)
    report = check_trust(ledger.store, _policy(ledger, parties, _note_file(ledger, tmp_path),
                                                require_cosigners=("US", "RU")))
    assert report.ok, report.problems
    assert report.level == "checkpoint"
    assert report.verified["size"] == 8 and report.verified["signers"] == ["RU", "US", "log"]
    assert report.to_json()["trusted"]["size"] == 8 and report.to_json()["keys"] == ["RU", "US", "log"]


def test_an_older_trusted_checkpoint_is_extended_by_a_consistent_log(ledger, parties, tmp_path) -> None:
    _grow(ledger, parties, 4)
    note = _note_file(ledger, tmp_path)
    _grow(ledger, parties, 5, cosign=())  # grown since, not yet cosigned
    report = check_trust(ledger.store, _policy(ledger, parties, note))
    assert report.ok, report.problems
    # The trusted note carried US's and RU's cosignatures, and the checkpoint at 5 still has them.
    assert report.verified["size"] == 5
    assert any("entries 5..9 are in no checkpoint that meets the policy" in n for n in report.notes)


# -- rolling back -----------------------------------------------------------------------------------


def test_a_rollback_by_sql_fails_against_a_trusted_checkpoint(sql_ledger, parties, tmp_path, tamper) -> None:
    _grow(sql_ledger, parties, 4)
    _grow(sql_ledger, parties, 3)
    note = _note_file(sql_ledger, tmp_path)  # size 8, cosigned by both
    _drop_from(tamper, sql_ledger.store, 5)
    assert audit(sql_ledger.store).ok  # the store agrees with itself
    report = check_trust(sql_ledger.store, _policy(sql_ledger, parties, note))
    assert _kinds(report) == [(5, "trust")]
    assert "fewer than the 8 of the trusted checkpoint" in _details(report)


def test_deleting_the_last_checkpoints_and_cosignatures_fails(sql_ledger, parties, tmp_path, tamper) -> None:
    _grow(sql_ledger, parties, 4)
    _grow(sql_ledger, parties, 3)
    note = _note_file(sql_ledger, tmp_path)
    tamper(sql_ledger.store, "DELETE FROM checkpoints WHERE size > 5")
    tamper(sql_ledger.store, "DELETE FROM cosignatures WHERE size > 5")
    assert audit(sql_ledger.store).ok
    report = check_trust(sql_ledger.store, _policy(sql_ledger, parties, note))
    assert _kinds(report) == [(7, "trust")]
    assert "no stored checkpoint of at least 8 entries is signed by the log and cosigned by RU, US" in _details(report)


def test_deleting_only_the_cosignatures_fails_against_the_policy(sql_ledger, parties, tmp_path, tamper) -> None:
    _grow(sql_ledger, parties, 4)
    _grow(sql_ledger, parties, 3)
    tamper(sql_ledger.store, "DELETE FROM cosignatures WHERE name = 'RU'")
    assert audit(sql_ledger.store).ok
    # A cosigner state records what RU cosigned (no signatures), so the policy names RU.
    state = tmp_path / "RU.cosigned"
    CosignerState({}).record(sql_ledger.latest_checkpoint()[0]).save(state)
    policy = TrustPolicy(origin=sql_ledger.origin, trusted=trusted_from_state(state), require_cosigners=("RU",))
    report = check_trust(sql_ledger.store, policy)
    assert _kinds(report) == [(7, "trust")] and "cosigned by RU" in _details(report)
    assert check_trust(sql_ledger.store, TrustPolicy(require_cosigners=("US",))).ok  # US's are all there


def test_a_rollback_fails_against_a_cosigner_state(ledger, parties, tmp_path, other_url) -> None:
    _grow(ledger, parties, 4)
    state = CosignerState.load(tmp_path / "US.cosigned")
    _grow(ledger, parties, 3, cosign=())
    cosign_ledger(ledger, parties.us, state)  # saves US's record of size 8 to the file
    rebuilt = _rebuild(ledger, other_url, keep=list(range(1, 6)))
    with rebuilt:
        rebuilt.checkpoint(parties.log)  # the operator re-signs the shorter log with the real key
        assert audit(rebuilt.store).ok
        trusted = trusted_from_state(tmp_path / "US.cosigned")
        assert (trusted.size, trusted.source) == (8, "cosigner-state")
        report = check_trust(rebuilt.store, TrustPolicy(trusted=trusted))
        assert _kinds(report) == [(6, "trust")] and "entries 6..7 were removed" in _details(report)


# -- rewriting history ------------------------------------------------------------------------------


def test_a_rewritten_history_resigned_with_the_real_log_key_fails(ledger, parties, tmp_path, other_url) -> None:
    _grow(ledger, parties, 6)
    note = _note_file(ledger, tmp_path)  # size 7
    # The operator drops entry 3 and renumbers the rest; the parties keep appending, the log
    # keeps checkpointing with its real key; nothing inside the store contradicts it.
    rebuilt = _rebuild(ledger, other_url, keep=[1, 2, 4, 5, 6])
    with rebuilt:
        _grow(rebuilt, parties, 2, cosign=())
        assert rebuilt.size() == 8 and audit(rebuilt.store).ok
        report = check_trust(rebuilt.store, _policy(rebuilt, parties, note))
        assert _kinds(report) == [(0, "trust")]
        assert "first 7 entries do not hash to the trusted checkpoint's root" in _details(report)
        # Without the trusted checkpoint (keys and origin pinned only), nothing is wrong with it.
        assert check_trust(rebuilt.store, _policy(rebuilt, parties, None)).ok


def test_a_ledger_rebuilt_with_other_keys_under_the_same_names_fails(ledger, parties, tmp_path, other_url) -> None:
    _grow(ledger, parties, 3)
    note = _note_file(ledger, tmp_path)
    fake_us, fake_ru, fake_log = generate_key("US"), generate_key("RU"), generate_key("log")
    with Ledger.create(other_url, agreement="new-start", parties=[fake_us.public, fake_ru.public],
                       log_key=fake_log.public, origin=ledger.origin,
                       restrictions={"inspection-report": ["US"]}) as forged:
        for key in (fake_us, fake_ru, fake_us):
            forged.sign_and_append(key, [Entry("declaration", key.name, utc_now(), {"n": forged.size()})])
        forged.checkpoint(fake_log)
        for key in (fake_us, fake_ru):
            cosign_ledger(forged, key, CosignerState({}))
        assert audit(forged.store).ok
        # Keys pinned: the genesis names other keys.
        report = check_trust(forged.store, _policy(forged, parties, None))
        assert _kinds(report) == [(0, "trust")] * 3
        assert "not the pinned key" in _details(report) and "not the pinned log" in _details(report)
        # Only the trusted note kept: its root pins the genesis, keys included.
        only_note = TrustPolicy(trusted=trusted_from_note(note))
        details = _details(check_trust(forged.store, only_note))
        assert "not signed by the log key this store's genesis names" in details
        assert "do not hash to the trusted checkpoint's root" in details


def test_a_genesis_with_an_unpinned_party_or_log_key_or_another_origin_fails(ledger, parties) -> None:
    _grow(ledger, parties, 1)
    us_only = TrustPolicy({"US": parties.us.public}, parties.log.public, ledger.origin)
    assert "the genesis names party RU, whose key was not pinned" in _details(check_trust(ledger.store, us_only))
    no_log = TrustPolicy({"US": parties.us.public, "RU": parties.ru.public}, None, ledger.origin)
    assert "which was not pinned" in _details(check_trust(ledger.store, no_log))
    elsewhere = TrustPolicy({"US": parties.us.public, "RU": parties.ru.public}, parties.log.public, "another/log")
    assert "not the trusted 'another/log'" in _details(check_trust(ledger.store, elsewhere))
    stranger = generate_key("CN").public
    extra = TrustPolicy({"US": parties.us.public, "RU": parties.ru.public, "CN": stranger}, parties.log.public)
    assert "pinned party CN is not a party of this ledger" in _details(check_trust(ledger.store, extra))


def test_a_policy_without_a_trusted_checkpoint_needs_one_checkpoint_that_meets_it(ledger, parties) -> None:
    _grow(ledger, parties, 2, cosign=("us",))
    report = check_trust(ledger.store, _policy(ledger, parties, None, require_cosigners=("US", "RU")))
    assert _kinds(report) == [(None, "trust")] and "cosigned by US, RU" in _details(report)
    assert check_trust(ledger.store, _policy(ledger, parties, None, require_cosigners=("US",))).ok


def test_a_rotated_out_key_does_not_count_as_a_required_cosigner(ledger, parties) -> None:
    # The history is replayed from the entries themselves (not from an index): after US rotates,
    # a cosignature by US's old key on a later checkpoint does not meet the policy.
    _grow(ledger, parties, 1, cosign=("ru",))
    new_us = generate_key("US")
    ledger.sign_and_append(parties.us, [Entry("key-rotation", "US", utc_now(), {"key": new_us.public.vkey})])
    cp, note = ledger.checkpoint(parties.log)
    old = note.sign(parties.us).signatures[-1]
    with ledger.store.write() as w:  # as the operator could, bypassing add_cosignature's check
        w.add_cosignature(cp.size, old.name, old.key_id, old.signature)
    report = check_trust(ledger.store, _policy(ledger, parties, None, require_cosigners=("US",)))
    assert not report.ok and "cosigned by US" in _details(report)
    cosign_ledger(ledger, new_us, CosignerState({}))
    assert check_trust(ledger.store, _policy(ledger, parties, None, require_cosigners=("US",))).ok


# -- what the verifier holds must make sense: one-line errors ---------------------------------------


def test_trusted_inputs_that_contradict_each_other_are_input_errors(ledger, parties, tmp_path) -> None:
    _grow(ledger, parties, 1)
    note = _note_file(ledger, tmp_path)
    with pytest.raises(InputError, match="not signed by the pinned log key"):
        trusted_from_note(note, log_key=generate_key("log").public)
    with pytest.raises(InputError, match="not the pinned origin"):
        TrustPolicy(origin="another/log", trusted=trusted_from_note(note))
    with pytest.raises(InputError, match="not one of the pinned parties"):
        TrustPolicy({"US": parties.us.public}, require_cosigners=("RU",))
    with pytest.raises(InputError, match="No such file"):
        trusted_from_state(tmp_path / "missing.cosigned")
    with pytest.raises(InputError, match="no record for origin"):
        CosignerState({}).record(ledger.latest_checkpoint()[0]).save(tmp_path / "s.cosigned")
        trusted_from_state(tmp_path / "s.cosigned", origin="another/log")
    for bad in (b"\xff\xfe", b"not a note\n", b"x" * (1 << 21)):
        (tmp_path / "bad.note").write_bytes(bad)
        with pytest.raises(InputError) as err:
            trusted_from_note(tmp_path / "bad.note")
        assert "bad.note" in err.value.one_line() and "\n" not in err.value.one_line()


def test_a_store_with_an_unusable_genesis_is_a_problem_not_a_crash(sql_ledger, parties, tamper) -> None:
    _grow(sql_ledger, parties, 1)
    tamper(sql_ledger.store, "UPDATE entries SET body = ? WHERE idx = 0", (b"\x00" * 64 + b"{}",))
    report = check_trust(sql_ledger.store, _policy(sql_ledger, parties, None))
    assert _kinds(report) == [(0, "trust")] and "genesis entry is unusable" in _details(report)


def test_nothing_pinned_is_trust_level_none(ledger) -> None:
    from accord.app.audit import audit_ledger

    report = audit_ledger(ledger.store.url, replay=False)
    assert report.ok and report.to_json()["trust"]["level"] == "none"
    assert "trust: none" in report.summary()


# -- verify-bundle pins the origin and requires the log key -------------------------------------------


def test_a_bundle_from_another_ledger_with_the_same_keys_fails_with_the_origin_pinned(ledger, parties,
                                                                                     other_url) -> None:
    from accord.ledger.bundle import make_bundle, verify_bundle

    with Ledger.create(other_url, agreement="new-start", parties=[parties.us.public, parties.ru.public],
                       log_key=parties.log.public) as other:
        other.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 1})])
        other.checkpoint(parties.log)
        cosign_ledger(other, parties.us, CosignerState({}))
        text = make_bundle(other, 1)
    keys = [parties.us.public, parties.log.public]
    assert verify_bundle(text, keys).ok  # what was accepted before the origin was pinned
    report = verify_bundle(text, keys, origin=ledger.origin, log_key=parties.log.public)
    assert not report.ok and report.problems[0].startswith("checkpoint is for the log")
    assert report.to_json()["origin_pinned"] is True and report.to_json()["log_key"].startswith("log+")


def test_a_bundle_a_party_made_alone_fails_when_the_log_key_is_required(db_url, parties) -> None:
    from accord.ledger.bundle import make_bundle, verify_bundle

    # US alone: a ledger with no log key, its own entry, a checkpoint signed by US as the log.
    with Ledger.create(db_url, agreement="new-start", parties=[parties.us.public, parties.ru.public],
                       origin="accord.ledger/new-start/real") as alone:
        alone.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 1})])
        alone.checkpoint(parties.us)
        text = make_bundle(alone, 1)
    assert verify_bundle(text, [parties.us.public], origin="accord.ledger/new-start/real").ok  # before
    report = verify_bundle(text, [parties.us.public], origin="accord.ledger/new-start/real",
                           log_key=parties.log.public)
    assert not report.ok and "checkpoint is not signed by the log key log" in report.problems[0]
