"""Opening items on inspection: an opening is checked against its commitment, the others stay
hidden, and the proof about the total still stands; the witness round-trips."""

from __future__ import annotations

import json

import pytest

from accord.errors import InputError
from accord.zk.opening import ItemOpening, Witness, check_opening, openings_json, parse_openings, parse_witness
from accord.zk.proof import canonical_json, verify_cap

from .conftest import make, statement


def test_an_opening_opens_its_commitment_and_nothing_else(small) -> None:
    proof, recs, salts, _ = small
    assert check_opening(proof, ItemOpening(0, recs[0], salts[0], 2)) is None
    assert check_opening(proof, ItemOpening(1, recs[1], salts[1], 1)) is None
    assert verify_cap(proof).ok  # opening items changes nothing about the aggregate proof
    # The wrong count, salt, record or index: refused.
    assert "do not open commitment 0" in check_opening(proof, ItemOpening(0, recs[0], salts[0], 1))
    assert "do not open" in check_opening(proof, ItemOpening(0, recs[0], salts[1], 2))
    assert "do not open" in check_opening(proof, ItemOpening(0, {**recs[0], "warheads": 2}, salts[0], 2))
    assert "do not open" in check_opening(proof, ItemOpening(1, recs[0], salts[0], 2))
    assert "outside the 2 committed" in check_opening(proof, ItemOpening(2, recs[0], salts[0], 2))
    assert "outside [0, 2^2)" in check_opening(proof, ItemOpening(0, recs[0], salts[0], 4))


def test_openings_and_the_witness_round_trip(small) -> None:
    proof, recs, salts, _ = small
    secret = Witness(proof.statement, tuple(recs), tuple(salts), (2, 1))
    again = parse_witness(json.loads(canonical_json(secret.to_json())), file="w.json")
    assert again == secret and again.blindings() == small[3]
    obj = json.loads(canonical_json(openings_json(proof.statement, [secret.opening(1)])))
    st, openings = parse_openings(obj, file="o.json")
    assert st == proof.statement and openings == [secret.opening(1)]
    assert check_opening(proof, openings[0]) is None


def test_an_opening_whose_blinding_is_not_its_salts_is_refused(small) -> None:
    proof, recs, salts, _ = small
    obj = openings_json(proof.statement, [ItemOpening(0, recs[0], salts[0], 2)])
    obj["openings"][0]["blinding"] = obj["openings"][0]["blinding"][::-1]
    with pytest.raises(InputError, match=r"openings\[0\]\.blinding"):
        parse_openings(obj, file="o.json")


def test_a_witness_for_another_statement_is_refused() -> None:
    _proof, recs, salts, _ = make([1])
    secret = Witness(statement(2), tuple(recs), tuple(salts), (1,))
    with pytest.raises(InputError, match="items: must list the 2 committed items"):
        parse_witness(secret.to_json(), file="w.json")
