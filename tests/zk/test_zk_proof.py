"""Cap proofs: complete (an honest proof verifies), sound (nothing else does — the prover code
forced past the cap, hand-built attempts, every one-byte change, a proof replayed under another
statement), and strictly parsed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import nacl.bindings as na
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.zk.group import BASE, ORDER, Point, Scalar
from accord.zk.pedersen import generators
from accord.zk.proof import parse_proof, prove_cap, read_proof, verify_cap
from accord.zk.simulator import simulate

from .conftest import make, statement


@st.composite
def inventories(draw: st.DrawFn) -> tuple[list[int], int, int]:
    bits = draw(st.integers(1, 4))
    counts = draw(st.lists(st.integers(0, (1 << bits) - 1), min_size=1, max_size=5))
    cap = sum(counts) + draw(st.integers(0, 40))
    return counts, bits, cap


@settings(max_examples=25, deadline=None)
@given(inventories())
def test_completeness_every_inventory_under_the_cap_verifies(inv: tuple[list[int], int, int]) -> None:
    counts, bits, cap = inv
    proof, *_ = make(counts, statement(len(counts), cap=cap, bits=bits))
    assert verify_cap(proof).ok
    assert verify_cap(read_proof(proof.encode())).ok  # and through its file form


@pytest.mark.parametrize("counts, cap, bits", [([0], 0, 1), ([3, 3], 6, 2), ([0, 0, 0], 1, 1), ([4095] * 2, 8190, 12),
                                               ([1], 2**63 - 1, 1)])
def test_completeness_at_the_edges(counts: list[int], cap: int, bits: int) -> None:
    proof, *_ = make(counts, statement(len(counts), cap=cap, bits=bits))
    assert verify_cap(proof).ok


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(1, 30))
def test_a_prover_over_the_cap_is_refused_and_forcing_it_fails(counts: list[int], excess: int) -> None:
    cap = max(0, sum(counts) - excess)
    if sum(counts) <= cap:
        return
    st_ = statement(len(counts), cap=cap, bits=2)
    with pytest.raises(ValueError, match="over the cap"):
        make(counts, st_)
    forced, *_ = make(counts, st_, check=False)  # the prover code, made to try anyway
    assert not verify_cap(forced).ok


@pytest.mark.parametrize("bad", [-1, -4, 4, 2**64, Scalar.from_int(-1).__int__()])
def test_a_commitment_to_a_count_outside_the_range_is_rejected(bad: int) -> None:
    # -1 is ℓ−1 in the group: it would lower the total, and its range proof fails.
    proof, *_ = make([bad, 1], statement(2, cap=5, bits=2), check=False)
    verdict = verify_cap(proof)
    assert not verdict.ok and verdict.check in ("range-polynomial", "inner-product")


def test_a_negative_count_cannot_hide_an_excess() -> None:
    # 3 + 3 + (−2) = 4 ≤ 5: the total is under the cap only because of the negative count.
    proof, *_ = make([3, 3, -2], statement(3, cap=5, bits=2), check=False)
    assert not verify_cap(proof).ok


@pytest.mark.parametrize("field, value", [("cap", 4), ("party", "RU"), ("date", dt.date(2020, 9, 2)),
                                          ("agreement", "newstart-2010"), ("limit", "deployed_delivery_vehicles"),
                                          ("bits", 3)])
def test_a_proof_replayed_under_another_statement_is_rejected(small, field: str, value) -> None:
    proof = small[0]
    replayed = dataclasses.replace(proof, statement=dataclasses.replace(proof.statement, **{field: value}))
    if field == "bits":  # another bit length changes N: the proof no longer has the right shape
        assert not verify_cap(replayed).ok
        return
    verdict = verify_cap(replayed)
    assert not verdict.ok and verdict.check == "range-polynomial"


def test_hand_built_attempts_fail(small) -> None:
    proof, _recs, _salts, blindings = small
    g = generators()
    # 1. Swap in a commitment to a larger count with the same blinding.
    bigger = (Scalar.from_int(3) * g.B + blindings[0] * g.H).b
    assert not verify_cap(dataclasses.replace(proof, commitments=(bigger, proof.commitments[1]))).ok
    # 2. Another honest proof's range proof under these commitments (same statement).
    other, *_ = make([2, 1])
    assert not verify_cap(dataclasses.replace(proof, range_proof=other.range_proof)).ok
    # 3. Reorder the commitments.
    assert not verify_cap(dataclasses.replace(proof, commitments=proof.commitments[::-1])).ok
    # 4. Drop the excess into T1 after the fact: add δ·B to T1 (the t̂ check then needs another
    #    x, which hashes T1 — Fiat–Shamir).
    rp = dict(proof.range_proof)
    rp["T1"] = (Point(rp["T1"]) + BASE).b
    assert not verify_cap(dataclasses.replace(proof, range_proof=rp)).ok


def test_the_equations_alone_would_accept_a_simulated_proof_over_the_cap() -> None:
    # What makes a proof sound is that the challenges hash the statement and the prover's first
    # messages: the simulator solves the equations for challenges it picks itself, even for
    # commitments whose total (4 + 4) is over the cap (5). With the real hash it fails.
    g = generators()
    st_ = statement(2, cap=5, bits=3)
    commitments = [Scalar.from_int(4) * g.B + Scalar.random() * g.H for _ in range(2)]
    sim, challenges = simulate(st_, commitments)
    assert verify_cap(sim, challenges=challenges).ok
    assert not verify_cap(sim).ok


def _byte_changes(data: bytes):
    for i in range(len(data)):
        for mask in (0x01, 0x40):
            changed = bytearray(data)
            changed[i] ^= mask
            yield i, bytes(changed)


def test_every_single_byte_change_of_a_proof_file_is_rejected(small) -> None:
    text = small[0].encode().encode()
    assert verify_cap(read_proof(text.decode())).ok
    accepted = []
    for i, changed in _byte_changes(text):
        try:
            verdict = verify_cap(read_proof(changed.decode("utf-8")))
        except (InputError, UnicodeDecodeError):
            continue
        if verdict.ok:
            accepted.append(i)
    assert not accepted, f"byte changes at {accepted} were accepted"


def test_every_single_byte_change_of_every_proof_element_is_rejected(small) -> None:
    proof = small[0]
    elements = [("commitments", i) for i in range(len(proof.commitments))]
    elements += [(k, None) for k in ("A", "S", "T1", "T2", "tau_x", "mu", "t_hat", "a", "b")]
    elements += [(side, j) for side in ("L", "R") for j in range(len(proof.range_proof["L"]))]
    for name, j in elements:
        raw = proof.commitments[j] if name == "commitments" else \
            proof.range_proof[name][j] if j is not None else proof.range_proof[name]
        for k in range(32):
            changed = bytearray(raw)
            changed[k] ^= 1 << (k % 8)
            if name == "commitments":
                c = list(proof.commitments)
                c[j] = bytes(changed)
                altered = dataclasses.replace(proof, commitments=tuple(c))
            else:
                rp = dict(proof.range_proof)
                if j is None:
                    rp[name] = bytes(changed)
                else:
                    seq = list(rp[name])
                    seq[j] = bytes(changed)
                    rp[name] = tuple(seq)
                altered = dataclasses.replace(proof, range_proof=rp)
            assert not verify_cap(altered).ok, (name, j, k)


def test_points_outside_the_subgroup_are_named_as_the_group_check(small) -> None:
    proof = small[0]
    torsion = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
    mixed = na.crypto_core_ed25519_add(proof.commitments[0], torsion)  # C + T: same value mod the subgroup
    verdict = verify_cap(dataclasses.replace(proof, commitments=(mixed, proof.commitments[1])))
    assert not verdict.ok and verdict.check == "group" and "commitment 0" in verdict.detail


def test_a_scalar_above_l_is_refused(small) -> None:
    proof = small[0]
    rp = dict(proof.range_proof)
    rp["mu"] = (int.from_bytes(rp["mu"], "little") + ORDER).to_bytes(32, "little")  # below 2^254: fits
    verdict = verify_cap(dataclasses.replace(proof, range_proof=rp))  # the same scalar, spelled + ℓ
    assert not verdict.ok and verdict.check == "group"


def test_the_file_form_is_canonical(small) -> None:
    text = small[0].encode()
    assert text.endswith("}\n") and "\n" not in text[:-1] and ": " not in text
    for variant in (text.replace(",", ", ", 1), text[:-1], text + "\n", " " + text,
                    text.replace('{"commitments"', '{"schema":"accord.zk-proof/v1","commitments"', 1)):
        with pytest.raises(InputError):
            read_proof(variant, file="p.json")


def test_non_canonical_base64_is_refused(small) -> None:
    obj = small[0].to_json()
    c = obj["commitments"][0]
    # The last character before '=' carries 4 unused bits: setting one spells the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(c[-2])
    obj["commitments"][0] = c[:-2] + alphabet[last ^ 1] + "="
    with pytest.raises(InputError, match=r"commitments\[0\]: must be the base64 of 32 bytes"):
        parse_proof(obj, file="p.json")


@pytest.mark.parametrize("edit, field", [
    (lambda o: o.update(schema="accord.zk-proof/v2"), "schema"),
    (lambda o: o["statement"].update(cap=-1), "statement.cap"),
    (lambda o: o["statement"].update(cap=True), "statement.cap"),
    (lambda o: o["statement"].update(bits=65), "statement.bits"),
    (lambda o: o["statement"].update(items=3), "commitments"),
    (lambda o: o["statement"].update(date="2020-02-30"), "statement.date"),
    (lambda o: o["statement"].update(party="U S"), "statement.party"),
    (lambda o: o["statement"].update(items=10**6), "statement.items"),
    (lambda o: o["range_proof"]["L"].pop(), "range_proof.L"),
    (lambda o: o["range_proof"].pop("mu"), "range_proof"),
    (lambda o: o.update(extra=1), ""),
    (lambda o: o.update(signature={"signer": "US", "signature": "AAAA"}), "signature.signature"),
])
def test_malformed_proofs_name_the_field(small, edit, field: str) -> None:
    obj = small[0].to_json()
    edit(obj)
    with pytest.raises(InputError) as info:
        parse_proof(obj, file="p.json")
    line = info.value.one_line()
    assert line.startswith(f"p.json: {field}".rstrip()) and "\n" not in line


def test_prove_refuses_counts_outside_the_bits() -> None:
    with pytest.raises(ValueError, match="outside"):
        make([4], statement(1, cap=10, bits=2))
    with pytest.raises(ValueError, match="one count"):
        prove_cap(statement(2), [1], [Scalar.random()])
