"""Admission, key rotation, checkpoints, cosigning and offline bundles."""

from __future__ import annotations

import shutil

import pytest

from accord.errors import InputError
from accord.ledger import (
    CosignerState,
    EntryRejected,
    InconsistentCheckpoint,
    Ledger,
    Note,
    PublicKey,
    audit,
    cosign_ledger,
    generate_key,
    make_bundle,
    sign_entry,
    verify_bundle,
)
from accord.ledger.checkpoint import check_extends, cosign
from accord.ledger.entries import Entry, SignedEntry, utc_now
from accord.ledger.keys import PrivateKey
from accord.ledger.note import Checkpoint


def _decl(party: str, **payload) -> Entry:
    return Entry("declaration", party, utc_now(), {"category": "deployed-icbm", **payload})


def test_signed_entries_are_admitted_in_order(ledger, parties) -> None:
    a = sign_entry(parties.us, ledger.origin, _decl("US", n=1))
    b = sign_entry(parties.ru, ledger.origin, _decl("RU", n=2))
    assert ledger.append([a, b]) == [1, 2]
    assert ledger.entry(1) == a and ledger.entry(2) == b


def test_forged_signature_is_rejected(ledger, parties) -> None:
    good = sign_entry(parties.us, ledger.origin, _decl("US", n=1))
    forged = SignedEntry(good.entry, bytes([good.signature[0] ^ 1]) + good.signature[1:], good.statement)
    with pytest.raises(EntryRejected, match="signature does not verify"):
        ledger.append([forged])
    # Changing the statement under a valid signature is forgery too.
    other = _decl("US", n=2)
    altered = SignedEntry(other, good.signature, other.statement())
    with pytest.raises(EntryRejected, match="signature does not verify"):
        ledger.append([altered])
    assert ledger.size() == 1


def test_wrong_party_key_is_rejected(ledger, parties) -> None:
    # RU's key signing a statement that claims to be from US.
    claimed = _decl("US", n=1)
    statement = claimed.statement()
    from accord.ledger.entries import signing_message

    by_ru = SignedEntry(claimed, parties.ru.sign(signing_message(ledger.origin, statement)), statement)
    with pytest.raises(EntryRejected, match="signature does not verify"):
        ledger.append([by_ru])
    # A key named US that is not US's registered key.
    impostor = generate_key("US")
    with pytest.raises(EntryRejected, match="not US's current key"):
        ledger.sign_and_append(impostor, [_decl("US", n=1)])
    with pytest.raises(EntryRejected, match="unknown party"):
        ledger.sign_and_append(generate_key("FR"), [_decl("FR")])
    assert ledger.size() == 1


def test_replayed_entry_is_rejected(ledger, parties) -> None:
    entry = sign_entry(parties.us, ledger.origin, _decl("US", n=1))
    ledger.append([entry])
    with pytest.raises(EntryRejected, match="replay"):
        ledger.append([entry])
    with pytest.raises(EntryRejected, match="replay"):
        ledger.append([sign_entry(parties.ru, ledger.origin, _decl("RU")), entry])
    assert ledger.size() == 2  # the batch with the replay left nothing behind


def test_entry_signed_for_another_ledger_is_rejected(ledger, parties, tmp_path) -> None:
    other = Ledger.create(f"sqlite:///{tmp_path}/other.db", agreement="new-start",
                          parties=[parties.us.public, parties.ru.public])
    foreign = sign_entry(parties.us, other.origin, _decl("US"))
    with pytest.raises(EntryRejected, match="signature"):
        ledger.append([foreign])


def test_kind_restriction(ledger, parties) -> None:
    report = Entry("inspection-report", "RU", utc_now(), {"site": "x"})
    with pytest.raises(EntryRejected, match="only US may file 'inspection-report'"):
        ledger.sign_and_append(parties.ru, [report])
    assert ledger.sign_and_append(parties.us, [Entry("inspection-report", "US", utc_now(), {"site": "x"})]) == [1]
    with pytest.raises(EntryRejected, match="genesis"):
        ledger.sign_and_append(parties.us, [Entry("genesis", "US", utc_now(), {})])


def test_key_rotation_is_signed_by_the_old_key(ledger, parties) -> None:
    new = PrivateKey("US", b"\x07" * 32)
    rotation = Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey})
    # The new key cannot announce itself.
    with pytest.raises(EntryRejected):
        ledger.append([sign_entry(new, ledger.origin, rotation)])
    assert ledger.sign_and_append(parties.us, [rotation]) == [1]
    # From now on the old key is refused and the new one accepted.
    with pytest.raises(EntryRejected):
        ledger.append([sign_entry(parties.us, ledger.origin, _decl("US", n=1))])
    assert ledger.append([sign_entry(new, ledger.origin, _decl("US", n=2))]) == [2]
    assert ledger.keys().current("US") == new.public
    assert audit(ledger.store.url).ok


def test_malformed_rotation_is_rejected(ledger, parties) -> None:
    for payload in ({"key": "nonsense"}, {"key": generate_key("RU").public.vkey}, {}):
        with pytest.raises(EntryRejected):
            ledger.sign_and_append(parties.us, [Entry("key-rotation", "US", utc_now(), payload)])


def _checkpoint_and_cosign(ledger, parties) -> Note:
    ledger.checkpoint(parties.log)
    for party in (parties.us, parties.ru):
        _cp, note, _ = cosign_ledger(ledger, party, CosignerState({}))
    return note


def test_checkpoint_is_a_c2sp_signed_note(ledger, parties) -> None:
    ledger.sign_and_append(parties.us, [_decl("US", n=i) for i in range(5)])
    _cp, note = ledger.checkpoint(parties.log)
    lines = note.encode().split("\n")
    assert lines[0] == ledger.origin and lines[1] == "6" and lines[3] == ""
    assert lines[4].startswith("\u2014 log ")
    assert Checkpoint.from_text(Note.parse(note.encode()).text).root == ledger.root()
    assert note.signed_by(parties.log.public) and not note.signed_by(parties.us.public)
    with pytest.raises(InputError, match="not this ledger's log key"):
        ledger.checkpoint(parties.us)


def test_signed_note_matches_the_go_reference_vector() -> None:
    # golang.org/x/mod/sumdb/note's documented example key and note.
    skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    want = text + (
        "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcE"
        "lZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    )
    key = PrivateKey.parse(skey)
    assert key.public.vkey == vkey and key.skey == skey
    assert Note(text).sign(key).encode() == want
    assert Note.parse(want).signed_by(PublicKey.parse(vkey))


def test_cosigner_refuses_a_forked_log(sqlite_url, parties, tmp_path) -> None:
    # The log operator forks its SQLite file and shows each party a different history.
    ledger = Ledger.create(sqlite_url, agreement="new-start", parties=[parties.us.public, parties.ru.public],
                           log_key=parties.log.public)
    ledger.sign_and_append(parties.us, [_decl("US", n=i) for i in range(4)])
    ledger.close()
    fork_path = tmp_path / "fork.db"
    shutil.copy(ledger.store.path, fork_path)
    fork = Ledger.open(f"sqlite:///{fork_path}")
    # The two copies now diverge.
    ledger.sign_and_append(parties.us, [_decl("US", n=100)])
    fork.sign_and_append(parties.us, [_decl("US", n=200), _decl("US", n=201)])
    ledger.checkpoint(parties.log)
    fork.checkpoint(parties.log)
    state_file = tmp_path / "RU.cosigned"
    _cp, _, state = cosign_ledger(ledger, parties.ru, CosignerState.load(state_file))
    state.save(state_file)
    with pytest.raises(InconsistentCheckpoint, match="not consistent"):
        cosign_ledger(fork, parties.ru, CosignerState.load(state_file))
    assert not fork.latest_checkpoint()[1].signed_by(parties.ru.public)


def test_check_extends_rules(parties) -> None:
    a = Checkpoint("o", 4, b"\x01" * 32)
    with pytest.raises(InconsistentCheckpoint, match="shrank"):
        check_extends(a, Checkpoint("o", 3, b"\x02" * 32), [])
    with pytest.raises(InconsistentCheckpoint, match="is for"):
        check_extends(a, Checkpoint("p", 5, b"\x02" * 32), [])
    with pytest.raises(InconsistentCheckpoint):
        check_extends(a, Checkpoint("o", 4, b"\x02" * 32), [])  # same size, different root
    with pytest.raises(InconsistentCheckpoint, match="not signed by the log"):
        cosign(parties.us, Checkpoint("o", 4, b"\x01" * 32).note(), origin="o", log_keys=[parties.log.public],
               last=None, proof=[])


def test_bundle_verifies_offline_and_detects_tampering(ledger, parties) -> None:
    ledger.sign_and_append(parties.us, [_decl("US", n=i) for i in range(9)])
    with pytest.raises(InputError, match="no checkpoint covers"):
        make_bundle(ledger, 3)
    _checkpoint_and_cosign(ledger, parties)
    everyone = [parties.us.public, parties.ru.public, parties.log.public]
    text = make_bundle(ledger, 3)
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    report = verify_bundle(text, everyone)
    assert report.ok and report.entry["payload"]["n"] == 2 and set(report.signers) == {"US", "RU", "log"}
    assert verify_bundle(make_bundle(ledger, 0), everyone).ok  # the genesis entry too
    # Claiming another index, changing the entry, or missing a required cosigner all fail.
    assert not verify_bundle(text.replace("\nindex 3\n", "\nindex 4\n"), everyone).ok
    lines = text.split("\n")
    import base64

    leaf = bytearray(base64.b64decode(lines[1][6:]))
    leaf[-3] ^= 1
    lines[1] = "extra " + base64.b64encode(bytes(leaf)).decode()
    assert not verify_bundle("\n".join(lines), everyone).ok
    assert not verify_bundle(text, [*everyone, generate_key("UK").public]).ok
    assert not verify_bundle(text, [generate_key("US").public, parties.log.public]).ok


def test_bundle_parse_errors_name_the_line(ledger, parties) -> None:
    with pytest.raises(InputError, match="first line"):
        verify_bundle("hello\n\nx\n\n— a b\n", [parties.us.public], file="b.tlog-proof")


def test_a_signed_statement_wrapped_in_a_permitted_entry_is_rejected(ledger, parties) -> None:
    # RU may not file inspection reports. It signs one anyway and presents it under a
    # declaration, which the kind rules allow: the rules must judge the statement signed.
    from accord.ledger.entries import signing_message

    forbidden = Entry("inspection-report", "RU", utc_now(), {"site": "x", "verdict": "fine"})
    statement = forbidden.statement()
    cover = Entry("declaration", "RU", forbidden.issued_at, {})
    wrapped = SignedEntry(cover, parties.ru.sign(signing_message(ledger.origin, statement)), statement)
    with pytest.raises(EntryRejected, match="not this entry's statement"):
        ledger.append([wrapped])
    assert ledger.size() == 1


def _rotate_us(ledger, parties) -> PrivateKey:
    new = PrivateKey("US", b"\x09" * 32)
    ledger.sign_and_append(parties.us, [Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey})])
    return new


def test_a_rotated_out_key_cannot_sign_a_checkpoint(db_url, parties) -> None:
    # No log key: a party's key acts as the log, but only the key it holds at that size.
    ledger = Ledger.create(db_url, agreement="new-start", parties=[parties.us.public, parties.ru.public])
    ledger.sign_and_append(parties.us, [_decl("US", n=1)])
    new = _rotate_us(ledger, parties)
    with pytest.raises(InputError, match="not this ledger's log key"):
        ledger.checkpoint(parties.us)
    cp, note = ledger.checkpoint(new)
    assert cp.size == 3 and note.signed_by(new.public)
    ledger.close()


def test_a_rotated_out_key_cannot_cosign(ledger, parties) -> None:
    new = _rotate_us(ledger, parties)
    cp, note = ledger.checkpoint(parties.log)
    old_signature = note.sign(parties.us).signatures[-1]
    with pytest.raises(InputError, match="not US's key for a checkpoint of size 2"):
        ledger.add_cosignature(cp.size, old_signature)
    with pytest.raises(InputError, match="not a current party key"):
        cosign_ledger(ledger, parties.us, CosignerState({}))
    _, signed, _ = cosign_ledger(ledger, new, CosignerState({}))
    assert signed.signed_by(new.public)
    assert not ledger.latest_checkpoint()[1].signed_by(parties.us.public)


def test_the_cosigner_refuses_a_checkpoint_of_another_origin(ledger, parties) -> None:
    # The cosigner's record is per origin: a checkpoint under a fresh origin would start from
    # nothing and so escape the consistency check.
    ledger.checkpoint(parties.log)
    cosign_ledger(ledger, parties.us, CosignerState({}))
    ledger.sign_and_append(parties.us, [_decl("US", n=1)])
    foreign = Checkpoint("accord.ledger/elsewhere/00000000", 2, ledger.root()).note().sign(parties.log)
    with ledger.store.write() as w:  # stored by a log operator, not by Ledger.checkpoint
        w.add_checkpoint(2, ledger.root(), foreign.encode())
    with pytest.raises(InconsistentCheckpoint, match="not this ledger's"):
        cosign_ledger(ledger, parties.us, CosignerState({}))
    assert not ledger.latest_checkpoint()[1].signed_by(parties.us.public)
    with pytest.raises(InconsistentCheckpoint, match="not this ledger's"):
        cosign(parties.us, foreign, origin=ledger.origin, log_keys=[parties.log.public], last=None, proof=[])


def test_the_cosigner_saves_its_state_before_its_signature_is_stored(ledger, parties, tmp_path) -> None:
    ledger.checkpoint(parties.log)
    unwritable = tmp_path / "no-such-dir" / "US.cosigned"
    with pytest.raises(InputError, match="cannot write cosigner state"):
        cosign_ledger(ledger, parties.us, CosignerState.load(unwritable))
    assert ledger.store.cosignatures(ledger.size()) == []
    state_file = tmp_path / "US.cosigned"
    cp, _, _ = cosign_ledger(ledger, parties.us, CosignerState.load(state_file))
    assert CosignerState.load(state_file).get(ledger.origin) == cp  # saved without being asked


def test_a_bundle_prefers_a_checkpoint_every_party_cosigned(ledger, parties) -> None:
    from accord.ledger.bundle import bundle_checkpoint, parse_bundle

    ledger.sign_and_append(parties.us, [_decl("US", n=i) for i in range(3)])
    ledger.checkpoint(parties.log)
    cosign_ledger(ledger, parties.us, CosignerState({}))
    # Only US has cosigned: the latest covering checkpoint is used, and RU is named as missing.
    assert bundle_checkpoint(ledger, 1)[0].size == 4 and bundle_checkpoint(ledger, 1)[2] == ["RU"]
    cosign_ledger(ledger, parties.ru, CosignerState({}))
    ledger.sign_and_append(parties.ru, [_decl("RU", n=9)])
    ledger.checkpoint(parties.log)  # size 5, cosigned by nobody yet
    text = make_bundle(ledger, 1)
    assert Checkpoint.from_text(parse_bundle(text).note.text).size == 4
    assert verify_bundle(text, [parties.us.public, parties.ru.public, parties.log.public]).ok
    # An entry only the newer checkpoint covers falls back to it.
    cp, _, missing = bundle_checkpoint(ledger, 4)
    assert cp.size == 5 and missing == ["RU", "US"]
