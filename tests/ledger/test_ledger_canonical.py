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
