"""The append path's shortcuts (issue 9, signed append at 60% of raw signing) keep every rule:
the per-second timestamp caches, the batch signer, the direct libsodium call, the frozen entries'
own constructors and admission's fast path for ordinary kinds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types

import nacl.signing
import pytest

from accord.errors import EntryRejected, InputError
from accord.ledger import Ledger, PrivateKey, sign_entry
from accord.ledger import entries as entries_module
from accord.ledger.entries import Entry, SignedEntry, format_time, parse_time, sign_entries, utc_now


def _decl(party: str, n: int) -> Entry:
    return Entry("declaration", party, utc_now(), {"n": n})


def test_utc_now_is_the_clock_in_the_entry_form(monkeypatch: pytest.MonkeyPatch) -> None:
    # The clock is the standard library's; the second's text is cached, so step across seconds,
    # a day and a leap-year February to see each formatted as datetime formats it.
    moments = [dt.datetime(2028, 2, 28, 23, 59, 59, 999_999, tzinfo=dt.UTC), dt.datetime(2028, 2, 29, tzinfo=dt.UTC),
               dt.datetime(2028, 2, 29, 0, 0, 0, 1, tzinfo=dt.UTC), dt.datetime(2028, 2, 29, 0, 0, 1, tzinfo=dt.UTC),
               dt.datetime(2028, 2, 28, 23, 59, 59, 5, tzinfo=dt.UTC)]  # and back (a clock step)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for moment in moments:
        micros = (moment - epoch) // dt.timedelta(microseconds=1)
        fake = types.SimpleNamespace(time_ns=lambda m=micros: m * 1000 + 999)
        monkeypatch.setattr(entries_module, "_time", fake)
        assert utc_now() == format_time(moment)
    monkeypatch.undo()
    before = dt.datetime.now(dt.UTC)
    now = parse_time(utc_now())
    assert before <= now <= dt.datetime.now(dt.UTC)


def test_a_timestamp_is_checked_whatever_was_checked_before() -> None:
    Entry("declaration", "US", "2026-02-28T00:00:00.5Z", {})  # caches the second 2026-02-28T00:00:00
    bad_ones = ("2026-02-30T00:00:00.5Z",
                "2026-02-28T00:00:00.\u0665Z", "2026-02-28T00:00:00.5", "2026-02-28T24:00:00Z")
    for bad in bad_ones:
        with pytest.raises(InputError, match="issued_at"):
            Entry("declaration", "US", bad, {})
    Entry("declaration", "US", "2026-02-28T00:00:00.123456Z", {})


def test_entries_stay_frozen_validated_values() -> None:
    e = Entry("declaration", "US", "2026-02-28T00:00:00Z", {"n": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.kind = "other"  # type: ignore[misc]
    assert e == Entry("declaration", "US", "2026-02-28T00:00:00Z", {"n": 1})
    assert dataclasses.replace(e, party="RU").party == "RU"
    with pytest.raises(InputError, match="party"):
        dataclasses.replace(e, party="not a name")
    with pytest.raises(InputError, match="payload"):
        Entry("declaration", "US", "2026-02-28T00:00:00Z", [1])  # type: ignore[arg-type]
    proxy = Entry("declaration", "US", "2026-02-28T00:00:00Z", types.MappingProxyType({"n": 1}))  # a Mapping
    with pytest.raises(InputError, match="payload: cannot be written as RFC 8785"):  # as before the fast path
        proxy.statement()
    signed = SignedEntry(e, b"s" * 64, e.statement())
    with pytest.raises(dataclasses.FrozenInstanceError):
        signed.signature = b""  # type: ignore[misc]
    assert signed == SignedEntry(e, b"s" * 64, e.statement())


def test_batch_signing_is_libsodium_ed25519_of_the_entry_message(parties) -> None:
    batch = [_decl("US", n) for n in range(3)]
    signed = sign_entries(parties.us, "origin-x", batch)
    reference = nacl.signing.SigningKey(parties.us.seed)
    for s, e in zip(signed, batch, strict=True):
        assert s == sign_entry(parties.us, "origin-x", e)
        assert s.signature == reference.sign(b"accord.ledger.entry/v1\norigin-x\n" + e.statement()).signature
        assert s.verify("origin-x", parties.us.public)
    with pytest.raises(InputError, match="cannot sign for party 'RU'"):
        sign_entries(parties.us, "origin-x", [batch[0], _decl("RU", 9)])


def test_a_signed_batch_that_rotates_its_key_midway_is_refused_whole(ledger: Ledger, parties) -> None:
    # Admission remembers which key it found current; a rotation inside the batch must end that.
    new = PrivateKey("US", b"\x09" * 32)
    rotation = Entry("key-rotation", "US", utc_now(), {"key": new.public.vkey})
    with pytest.raises(EntryRejected, match=r"entry 2 of the batch: key .* is not US's current key"):
        ledger.sign_and_append(parties.us, [_decl("US", 1), rotation, _decl("US", 2)])
    assert ledger.size() == 1
    assert ledger.sign_and_append(parties.us, [_decl("US", 1), rotation]) == [1, 2]
    assert ledger.sign_and_append(new, [_decl("US", 3)]) == [3]


def test_the_fast_path_still_applies_every_rule(ledger: Ledger, parties) -> None:
    # Ordinary kinds skip _check only when nothing applies to them: restricted kinds, special
    # kinds and unknown parties still meet their rules, in a batch as alone.
    ok = _decl("US", 1)
    for bad, problem in [
        (Entry("inspection-report", "RU", utc_now(), {"site": "x"}), "only US may file"),
        (Entry("commitment", "RU", utc_now(), {"nonsense": 1}), "entry 1"),
        (Entry("genesis", "RU", utc_now(), {}), "genesis"),
    ]:
        with pytest.raises(EntryRejected, match=problem):
            ledger.sign_and_append(parties.ru, [_decl("RU", 0), bad])
    stranger = PrivateKey("XX", b"\x05" * 32)
    with pytest.raises(EntryRejected, match="unknown party 'XX'"):
        ledger.append([sign_entry(parties.us, ledger.origin, ok), sign_entry(stranger, ledger.origin, _decl("XX", 1))])
    same = sign_entry(parties.us, ledger.origin, ok)
    with pytest.raises(EntryRejected, match="twice in the batch"):
        ledger.append([same, same])
    assert ledger.size() == 1
    assert ledger.append([same]) == [1]
    with pytest.raises(EntryRejected, match="already at index 1"):
        ledger.append([same])
