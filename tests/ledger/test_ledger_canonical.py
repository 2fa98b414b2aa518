"""Canonical JSON is exactly RFC 8785 as the rfc8785 library defines it, including on the fast path."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.ledger.canonical import canonical_json, parse_canonical

SAFE = 2**53 - 1
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # any Unicode, no lone surrogates
_scalars = st.none() | st.booleans() | st.integers(-SAFE, SAFE) | _text
_values = st.recursive(
    _scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_text, kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(_values)
def test_equals_rfc8785_library(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=300)
@given(st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), max_size=3), st.integers(0, 9), max_size=8))
def test_key_order_is_utf16_order(value: dict) -> None:
    # Keys beyond U+FFFF sort differently by code point and by UTF-16 unit; RFC 8785 wants the latter.
    assert canonical_json(value) == rfc8785.dumps(value)


def test_known_forms() -> None:
    assert canonical_json({"b": [1, "\u2028\x01\"\\"], "a": None, "é": True}) == (
        '{"a":null,"b":[1,"\u2028\\u0001\\"\\\\"],"é":true}'.encode()
    )
    assert canonical_json({"\U0001F600": 1, "\ufb33": 2}) == rfc8785.dumps({"\U0001F600": 1, "\ufb33": 2})
    assert canonical_json({"x": 1e21, "y": 0.1}) == b'{"x":1e+21,"y":0.1}'


@pytest.mark.parametrize("bad", [{"n": 2**53}, {"f": float("nan")}, {1: "int key"}, {"s": "\ud800"}])
def test_unrepresentable_values_are_refused(bad: object) -> None:
    with pytest.raises(InputError):
        canonical_json(bad, field="payload")


def test_parse_canonical_refuses_other_spellings() -> None:
    assert parse_canonical(b'{"a":1,"b":2}') == {"a": 1, "b": 2}
    for other in (b'{"b":2,"a":1}', b'{"a": 1,"b":2}', json.dumps({"a": "\u00e9"}).encode()):
        with pytest.raises(InputError):
            parse_canonical(other)


_kinds = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_parties = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,10}", fullmatch=True)
_dt = __import__("datetime")
_times = st.datetimes(min_value=_dt.datetime(1970, 1, 1), max_value=_dt.datetime(9999, 1, 1),
                      timezones=st.just(_dt.timezone.utc))


@settings(max_examples=300)
@given(kind=_kinds, party=_parties, moment=_times, payload=st.dictionaries(_text, _values, max_size=4))
def test_entry_statement_is_the_canonical_form_of_the_whole_entry(kind, party, moment, payload) -> None:
    # Entry.statement() writes the envelope directly around the payload's canonical bytes.
    from accord.ledger.entries import Entry, format_time

    entry = Entry(kind, party, format_time(moment), payload)
    assert entry.statement() == rfc8785.dumps(entry.to_json())


# -- what the write path writes, the read path reads ------------------------------------------


@settings(max_examples=500)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-SAFE, SAFE))
def test_every_number_written_reads_back_as_itself(number: float) -> None:
    # A float >= 2**53 with no fraction is written as plain digits (1e16 -> 10000000000000000);
    # it was then read as an integer beyond the safe range and refused by accord's own reader.
    data = canonical_json({"x": number})
    assert parse_canonical(data) == {"x": number}
    assert canonical_json(parse_canonical(data)) == data


def test_a_large_float_payload_is_appended_and_then_readable_exportable_and_provable(ledger, parties) -> None:
    from accord.ledger import CosignerState, audit, cosign_ledger, make_bundle, verify_bundle
    from accord.ledger.audit import statements
    from accord.ledger.entries import Entry, SignedEntry, utc_now

    payload = {"big": 1e16, "bigger": -2.0**60, "huge": 1.5e300, "small": 2.0**53}
    (index,) = ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), payload)])
    assert dict(ledger.entry(index).entry.payload) == payload  # was: InputError after the commit
    body = ledger.store.row(index).body
    assert dict(SignedEntry.from_body(body, check_canonical=False).entry.payload) == payload
    assert [s["payload"] for s in statements(ledger.store)][index] == payload
    ledger.checkpoint(parties.log)
    cosign_ledger(ledger, parties.us, CosignerState({}))
    report = verify_bundle(make_bundle(ledger, index), [parties.us.public, parties.log.public],
                           origin=ledger.origin, log_key=parties.log.public)
    assert report.ok, report.problems
    assert audit(ledger.store).ok


@pytest.mark.parametrize("literal", [b"9007199254740993", b"1" + b"0" * 5000, b"-" + b"9" * 400])
def test_integers_that_no_double_writes_are_still_refused(literal: bytes) -> None:
    with pytest.raises(InputError):  # not a traceback: 5000 digits passed Python's 4,300-digit limit
        parse_canonical(b'{"x":' + literal + b"}")


# -- the payload size limit -----------------------------------------------------------------------


def test_a_payload_over_the_size_limit_is_refused_before_anything_is_written(ledger, parties) -> None:
    from accord.ledger.canonical import MAX_PAYLOAD_BYTES
    from accord.ledger.entries import Entry, utc_now

    fits = {"t": "x" * (MAX_PAYLOAD_BYTES - len('{"t":""}'))}
    assert len(canonical_json(fits)) == MAX_PAYLOAD_BYTES
    ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), fits)])
    size = ledger.size()
    with pytest.raises(InputError, match=r"over the 1,048,576-byte limit \(ACCORD_MAX_PAYLOAD_BYTES\)"):
        ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"t": fits["t"] + "y"})])
    assert ledger.size() == size


def test_the_payload_limit_is_configured_by_one_environment_variable() -> None:
    import subprocess
    import sys

    from accord.limits import limit

    payload_limit = limit("PAYLOAD_BYTES")
    assert payload_limit.env == "ACCORD_MAX_PAYLOAD_BYTES"
    assert payload_limit.value({}) == 1 << 20 and payload_limit.value({"ACCORD_MAX_PAYLOAD_BYTES": "2_000"}) == 2000
    for bad in ("0", "-1", "lots", "1" * 40):
        with pytest.raises(InputError, match="ACCORD_MAX_PAYLOAD_BYTES: must be a whole number"):
            payload_limit.value({"ACCORD_MAX_PAYLOAD_BYTES": bad})
    code = ("from accord.ledger.entries import Entry\nfrom accord.errors import InputError\n"
            "try:\n    Entry('d', 'US', '2026-02-05T00:00:00Z', {'t': 'x' * 20}).statement()\n"
            "except InputError as e:\n    print(e.one_line())\n")
    import os

    env = {**os.environ, "ACCORD_MAX_PAYLOAD_BYTES": "16"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    limit = "payload: is 28 bytes as canonical JSON, over the 16-byte limit (ACCORD_MAX_PAYLOAD_BYTES)"
    assert done.stdout.strip() == limit


_json = st.recursive(
    _scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_text, kids, max_size=3),
    max_leaves=30,
)


@settings(max_examples=60, deadline=None)
@given(payload=st.dictionaries(_text, _json, max_size=4) | st.builds(lambda d, v: {"deep": _deep(d, v)},
                                                                          st.integers(1, 120), _json))
def test_a_payload_append_accepts_is_readable_exportable_and_provable(payload: dict) -> None:
    # Before: a payload nested 490-900 deep was appended and then broke export; a float >= 2**53
    # was appended and then refused by the reader. Either append refuses it (nothing written)
    # or every way of reading it back works.
    from accord.ledger import CosignerState, Ledger, audit, cosign_ledger, make_bundle, verify_bundle
    from accord.ledger.entries import Entry, SignedEntry, utc_now

    us, log = _KEYS
    with Ledger.create("memory:", agreement="a", parties=[us.public], log_key=log.public) as ledger:
        try:
            try:
                (index,) = ledger.sign_and_append(us, [Entry("declaration", "US", utc_now(), payload)])
            except InputError:
                assert ledger.size() == 1
                return
            signed = ledger.entry(index)
            assert signed.entry.payload == payload
            assert SignedEntry.from_body(signed.body).statement == signed.statement  # canonical, re-readable
            json.dumps(signed.entry.to_json())  # what export writes
            ledger.checkpoint(log)
            cosign_ledger(ledger, us, CosignerState({}))
            bundle = make_bundle(ledger, index)
            assert verify_bundle(bundle, [us.public, log.public], origin=ledger.origin, log_key=log.public).ok
            assert audit(ledger.store).ok
        finally:
            ledger.store.drop()  # type: ignore[attr-defined]


def _deep(depth: int, leaf: object) -> object:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def _keys() -> tuple:
    from accord.ledger import generate_key

    return generate_key("US"), generate_key("log")


_KEYS = _keys()
