"""Adversarial review of the cap proof (Bulletproofs, Bünz et al. 2018) as a cryptographer would
attack it: Fiat–Shamir "frozen heart" (every challenge must hash everything before it: the
statement, every commitment, A, S, T1, T2, τx, μ, t̂ and each round's L, R), hostile encodings
(the identity, small-order points, a sign bit on x = 0, non-canonical y and scalars ≥ ℓ) in every
position, statements outside the bounds, duplicated or reordered items, hostile proof files at the
CLI (exit 2, one line) and openings passed off for another item or checked against another
agreement's rules. Small k and n throughout: each proof takes milliseconds."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord import limits
from accord.cli import app
from accord.zk import rangeproof
from accord.zk.group import BASE, ORDER, Point, Scalar
from accord.zk.opening import ItemOpening, item_blinding, new_salt, openings_json
from accord.zk.pedersen import generators
from accord.zk.proof import CapProof, canonical_json, parse_proof, prove_cap, slack_commitment, verify_cap
from accord.zk.transcript import Transcript

from .conftest import make, statement

runner = CliRunner()

# ----------------------------------------------------------------------------- Fiat–Shamir


class _Recording(Transcript):
    """A transcript that keeps the challenges it draws, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[tuple[str, bytes]] = []

    def challenge(self, label: str) -> Scalar:
        c = super().challenge(label)
        self.drawn.append((label, c.b))
        return c


def _challenges(proof: CapProof) -> list[tuple[str, bytes]]:
    """Every challenge the verifier draws for ``proof`` (y, z, x, w, then one per round)."""
    st = proof.statement
    commitments = [Point(c) for c in proof.commitments]
    t = _Recording()
    st.absorb(t)
    for c in commitments:
        t.append_point("commitment", c)
    rp = parse_proof(proof.to_json())  # decoded as verify_cap decodes it
    from accord.zk.innerproduct import InnerProductProof
    from accord.zk.rangeproof import RangeProof

    r = rp.range_proof
    decoded = RangeProof(Point(r["A"]), Point(r["S"]), Point(r["T1"]), Point(r["T2"]), Scalar(r["tau_x"]),
                         Scalar(r["mu"]), Scalar(r["t_hat"]),
                         InnerProductProof(tuple(map(Point, r["L"])), tuple(map(Point, r["R"])), Scalar(r["a"]),
                                           Scalar(r["b"])))
    failed = rangeproof.verify(t, generators(), [*commitments, slack_commitment(st, commitments)],
                               st.bit_lengths(), decoded)
    if failed == "range-polynomial":  # the verifier stopped before the rounds: draw them as it would have
        from accord.zk.innerproduct import verification_scalars

        verification_scalars(t, decoded.ipa, rangeproof.padded_length(st.bit_lengths()))
    return t.drawn


def _other_point(raw: bytes) -> bytes:
    return (Point(raw) + BASE).b


def _other_scalar(raw: bytes) -> bytes:
    return (Scalar(raw) + Scalar.from_int(1)).b


@pytest.fixture(scope="module")
def proof() -> CapProof:
    return make([2, 1])[0]  # N = 8: three inner-product rounds


def _edits(p: CapProof) -> list[tuple[str, int, CapProof]]:
    """(what, index of the first challenge it must change, the edited proof) for every message."""
    st, rp = p.statement, p.range_proof
    out: list[tuple[str, int, CapProof]] = []
    for name, value in (("agreement", "newstart"), ("limit", "deployed_warheadz"), ("party", "RU"),
                        ("date", st.date.replace(day=2)), ("cap", 6), ("bits", 1)):
        out.append((f"statement.{name}", 0, replace(p, statement=replace(st, **{name: value}))))
    for i in range(len(p.commitments)):
        cs = list(p.commitments)
        cs[i] = _other_point(cs[i])
        out.append((f"commitments[{i}]", 0, replace(p, commitments=tuple(cs))))
    first = {"A": 0, "S": 0, "T1": 2, "T2": 2, "tau_x": 3, "mu": 3, "t_hat": 3}
    for name, at in first.items():
        edit = _other_scalar if name in ("tau_x", "mu", "t_hat") else _other_point
        out.append((f"range_proof.{name}", at, replace(p, range_proof={**rp, name: edit(rp[name])})))
    for side in ("L", "R"):
        for j in range(len(rp[side])):
            seq = list(rp[side])
            seq[j] = _other_point(seq[j])
            out.append((f"range_proof.{side}[{j}]", 4 + j, replace(p, range_proof={**rp, side: tuple(seq)})))
    return out


def test_every_challenge_hashes_everything_before_it(proof: CapProof) -> None:
    """No "frozen heart": changing any statement field, commitment or prover message changes
    every challenge drawn after it (and none before), so nothing can be chosen after a challenge."""
    base = _challenges(proof)
    assert [label for label, _ in base] == ["range.y", "range.z", "range.x", "range.w", "ipa.x", "ipa.x", "ipa.x"]
    for what, at, edited in _edits(proof):
        after = _challenges(edited)
        assert after[:at] == base[:at], what
        assert all(a[1] != b[1] for a, b in zip(after[at:], base[at:], strict=True)), what
        assert not verify_cap(edited).ok, what


def test_the_statement_is_absorbed_with_the_schema_and_the_generators_tag() -> None:
    """The transcript starts with the protocol version and the generators' domain tag: a proof
    can only verify under the generators it was made with."""
    from accord.zk.pedersen import DST
    from accord.zk.proof import SCHEMA

    st = statement(2)
    mine, hand = Transcript(), Transcript()
    st.absorb(mine)
    hand.append_text("schema", SCHEMA)
    hand.append("generators", DST)
    for name in ("agreement", "limit", "party"):
        hand.append_text(name, getattr(st, name))
    hand.append_text("date", st.date.isoformat())
    for name in ("cap", "bits", "items"):
        hand.append_int(name, getattr(st, name))
    assert mine.challenge("c") == hand.challenge("c")


# --------------------------------------------------------------------------- hostile points

_P = 2**255 - 19
_SMALL_ORDER = {
    "identity": b"\x01" + bytes(31),
    "identity, sign bit set (x = 0)": b"\x01" + bytes(30) + b"\x80",
    "order 2 (0, -1)": (_P - 1).to_bytes(32, "little"),
    "order 2, sign bit set (x = 0)": ((_P - 1) | 1 << 255).to_bytes(32, "little"),
    "order 4 (y = 0)": bytes(32),
    "order 4, sign bit set": bytes(31) + b"\x80",
    "order 8": bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    "order 8, other": bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    "non-canonical y = p (0)": _P.to_bytes(32, "little"),
    "non-canonical y = p + 1 (identity)": (_P + 1).to_bytes(32, "little"),
    "all ones": b"\xff" * 32,
}


def _with_point(p: CapProof, where: str, raw: bytes) -> CapProof:
    rp = dict(p.range_proof)
    if where == "commitments[1]":
        return replace(p, commitments=(p.commitments[0], raw))
    if where in ("L[0]", "R[2]"):
        side, j = where[0], int(where[2])
        seq = list(rp[side])
        seq[j] = raw
        rp[side] = tuple(seq)
    else:
        rp[where] = raw
    return replace(p, range_proof=rp)


@pytest.mark.parametrize("where", ["commitments[1]", "A", "S", "T1", "T2", "L[0]", "R[2]"])
def test_small_order_and_non_canonical_points_fail_the_group_check_everywhere(proof: CapProof, where: str) -> None:
    base = Point(proof.commitments[1] if where == "commitments[1]" else proof.range_proof["A"])
    torsion = Point(_SMALL_ORDER["order 8"])
    hostile = {**_SMALL_ORDER, "a valid point plus an order-8 point": (base + torsion).b}
    for name, raw in hostile.items():
        verdict = verify_cap(_with_point(proof, where, raw))
        assert not verdict.ok and verdict.check == "group", (where, name, verdict)


@pytest.mark.parametrize("name", ["tau_x", "mu", "t_hat", "a", "b"])
def test_scalars_at_or_above_l_fail_the_group_check(proof: CapProof, name: str) -> None:
    own = int.from_bytes(proof.range_proof[name], "little")
    for value in (ORDER, ORDER + 1, own + ORDER, 2**256 - 1):
        if value >= 2**256:
            continue
        edited = replace(proof, range_proof={**proof.range_proof, name: value.to_bytes(32, "little")})
        verdict = verify_cap(edited)
        assert not verdict.ok and verdict.check == "group", (name, value)


# ----------------------------------------------------------------------- the statement's bounds

@pytest.mark.parametrize("field, value, problem", [
    ("items", 0, "statement.items"), ("bits", 0, "statement.bits"), ("bits", 65, "statement.bits"),
    ("cap", -1, "statement.cap"), ("cap", 2**63, "statement.cap"), ("cap", True, "statement.cap"),
    ("bits", "2", "statement.bits"), ("items", 2.0, "statement.items"), ("party", "U S", "statement.party"),
    ("date", "2020-02-30", "statement.date"), ("date", "2020-9-01", "statement.date"),
])
def test_statements_outside_the_bounds_are_malformed(proof: CapProof, field: str, value: Any, problem: str) -> None:
    from accord.errors import InputError

    obj = proof.to_json()
    obj["statement"][field] = value
    with pytest.raises(InputError) as err:
        parse_proof(obj)
    assert err.value.field == problem


def test_more_bits_than_the_bound_is_refused_before_any_work(monkeypatch: pytest.MonkeyPatch,
                                                             proof: CapProof) -> None:
    from accord.errors import InputError

    monkeypatch.setattr(limits, "MAX_ZK_BITS", 6)  # the proof covers 2·2 + 3 = 7 bits
    with pytest.raises(InputError, match="over the limit of 6 bits"):
        parse_proof(proof.to_json())


def test_the_slack_is_derived_never_read(proof: CapProof) -> None:
    """The verifier computes cap·B − Σ C_i itself: a proof file has no place for a slack, and a
    slack for a higher cap cannot be slipped in."""
    from accord.errors import InputError

    for where in ("", "range_proof"):
        obj = proof.to_json()
        (obj[where] if where else obj)["slack"] = base64.b64encode(proof.commitments[0]).decode()
        with pytest.raises(InputError, match="unknown key 'slack'"):
            parse_proof(obj)
    st = proof.statement
    cs = [Point(c) for c in proof.commitments]
    assert slack_commitment(st, cs) == Scalar.from_int(st.cap) * BASE - cs[0] - cs[1]


def test_duplicated_or_reordered_commitments_are_rejected(proof: CapProof) -> None:
    c0, c1 = proof.commitments
    for commitments in ((c0, c0), (c1, c1), (c1, c0)):
        assert not verify_cap(replace(proof, commitments=commitments)).ok


def test_a_total_over_the_cap_with_identical_items_cannot_be_proved() -> None:
    """Two items of 3 under a cap of 5, forced: the slack is ℓ − 1, outside its 3 bits."""
    forced, *_ = make([3, 3], statement(2, cap=5), check=False)
    assert verify_cap(forced).check == "range-polynomial"


# ------------------------------------------------------------------------ hostile proof files

def _run(*args: object) -> Any:
    return runner.invoke(app, ["zk", *map(str, args)])


@pytest.fixture(scope="module")
def proof_file(tmp_path_factory: pytest.TempPathFactory, proof: CapProof) -> Path:
    path = tmp_path_factory.mktemp("zkadv") / "p.json"
    path.write_text(proof.encode())
    return path


def _assert_one_line_exit_2(r: Any, path: Path) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit))
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"error: {path}"), r.stderr


def _urlsafe(good: dict[str, Any], edited: Any) -> str:
    """The proof with one element written in URL-safe base64 (one whose spelling differs: with a
    '+' or '/'; among a dozen points, one has one but for odds of about 10^-7)."""
    rp = good["range_proof"]
    places = [(("range_proof", k), rp[k]) for k in ("A", "S", "T1", "T2")]
    places += [(("range_proof", side, j), v) for side in ("L", "R") for j, v in enumerate(rp[side])]
    places += [(("commitments", i), v) for i, v in enumerate(good["commitments"])]
    where, text = next((w, t) for w, t in places if "+" in t or "/" in t)
    return str(edited(where, text.replace("+", "-").replace("/", "_")))


def _hostile_texts(good: dict[str, Any]) -> dict[str, str | bytes]:
    def edited(path: tuple[Any, ...], value: Any) -> str:
        obj = json.loads(json.dumps(good))
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return canonical_json(obj) + "\n"

    a = good["range_proof"]["A"]
    raw_a = base64.b64decode(a)
    text = canonical_json(good) + "\n"
    return {
        "deeply nested": "[" * 100_000 + "]" * 100_000,
        "nested in a field": edited(("statement", "party"), json.loads("[" * 300 + "]" * 300)),
        "a 5,000-digit integer": edited(("statement", "cap"), 0).replace('"cap":0', '"cap":' + "9" * 5000),
        "NaN": text.replace('"cap":5', '"cap":NaN'),
        "a float cap": text.replace('"cap":5', '"cap":5.0'),
        "not UTF-8": text.encode("utf-8").replace(b'"US"', b'"U\xff"'),
        "a byte-order mark": "\ufeff" + text,
        "a duplicate key": text.replace('{"commitments"', '{"schema":"accord.zk-proof/v1","commitments"'),
        "commitments not a list": edited(("commitments",), "x"),
        "a commitment as an integer": edited(("commitments", 0), 7),
        "range_proof a list": edited(("range_proof",), []),
        "L not a list": edited(("range_proof", "L"), {}),
        "L one round short": edited(("range_proof", "L"), good["range_proof"]["L"][:-1]),
        "an extra top-level key": edited(("extra",), 1),
        "an extra statement key": edited(("statement", "version"), 2),
        "an extra range_proof key": edited(("range_proof", "V"), a),
        "an extra signature key": edited(("signature",), {"signature": "", "signer": "x", "k": 1}),
        "another schema": edited(("schema",), "accord.zk-proof/v2"),
        "URL-safe base64": _urlsafe(good, edited),
        "unpadded base64": edited(("range_proof", "A"), a.rstrip("=")),
        "base64 with a newline": edited(("range_proof", "A"), a[:20] + "\n" + a[20:]),
        "base64 with a padding bit": edited(("range_proof", "A"), a[:-2] + chr(ord(a[-2]) + 1) + "="),
        "base64 of 33 bytes": edited(("range_proof", "A"), base64.b64encode(raw_a + b"\0").decode()),
        "non-ASCII base64": edited(("range_proof", "A"), "Ａ" + a[1:]),
        "a huge commitments list": edited(("commitments",), ["AA=="] * 100_000),
    }


def test_hostile_proof_files_are_one_line_exit_2(proof: CapProof, tmp_path: Path) -> None:
    wrong = []
    for i, (name, content) in enumerate(_hostile_texts(proof.to_json()).items()):
        path = tmp_path / f"h{i}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        try:
            _assert_one_line_exit_2(_run("verify", path), path)
        except AssertionError as err:
            wrong.append(f"{name}: {str(err).splitlines()[0]}")
    assert not wrong, wrong


def test_a_file_over_the_size_limit_and_a_directory_are_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                               proof_file: Path, tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_ZK_PROOF_BYTES", 1000)
    _assert_one_line_exit_2(_run("verify", proof_file), proof_file)
    _assert_one_line_exit_2(_run("verify", tmp_path), tmp_path)


def test_a_well_formed_proof_with_a_small_order_point_exits_1_naming_the_group_check(proof: CapProof,
                                                                                    tmp_path: Path) -> None:
    for i, raw in enumerate((_SMALL_ORDER["identity"], _SMALL_ORDER["identity, sign bit set (x = 0)"])):
        path = tmp_path / f"g{i}.json"
        path.write_text(_with_point(proof, "T1", raw).encode())
        r = _run("verify", path, "--agreement", "newstart-2021")
        assert r.exit_code == 1 and r.stderr.startswith("error: proof: group: range_proof.T1"), r.output


# ----------------------------------------------------------------------------------- openings

# A small New START declaration: S-1 carries 4 deployed warheads under the agreement's rules.
_RECORDS = [
    {"id": "M-1", "type": "icbm", "system": "Minuteman III", "status": "deployed", "facility": "F1", "warheads": 1},
    {"id": "S-1", "type": "slbm", "system": "Trident II D5", "status": "deployed", "facility": "F2", "warheads": 4},
]


@pytest.fixture(scope="module")
def dishonest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ItemOpening]]:
    """A party that committed S-1 (4 warheads) as 0, so that its proof verifies, and the
    openings of both items (each opens its commitment: the lie is in the count's rule)."""
    tmp = tmp_path_factory.mktemp("zkopen")
    st = statement(2, cap=1550, bits=3)
    salts = [new_salt() for _ in _RECORDS]
    counts = [1, 0]
    p = prove_cap(st, counts, [item_blinding(s, r) for s, r in zip(salts, _RECORDS, strict=True)])
    assert verify_cap(p).ok
    (tmp / "p.json").write_text(p.encode())
    return tmp / "p.json", [ItemOpening(i, r, s, c) for i, (r, s, c) in enumerate(zip(_RECORDS, salts, counts,
                                                                                         strict=True))]


def _write_openings(path: Path, st: Any, openings: list[ItemOpening]) -> Path:
    path.write_text(canonical_json(openings_json(st, openings)) + "\n")
    return path


def _check(proof_path: Path, openings: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    r = _run("check-opening", proof_path, openings, *extra, "--format", "json")
    assert "Traceback" not in r.output
    return r.exit_code, (json.loads(r.stdout) if r.exit_code in (0, 1) else {}), r.stderr


def test_an_opening_passed_off_for_another_item_is_caught(dishonest: tuple[Path, list[ItemOpening]],
                                                         tmp_path: Path) -> None:
    proof_path, openings = dishonest
    st = parse_proof(json.loads(proof_path.read_text())).statement
    m1 = openings[0]
    swapped = _write_openings(tmp_path / "o.json", st, [replace(m1, index=1)])
    code, out, _ = _check(proof_path, swapped)
    assert code == 1 and "do not open commitment 1" in out["openings"][0]["problem"]


def test_a_count_the_rules_do_not_give_is_caught(dishonest: tuple[Path, list[ItemOpening]], tmp_path: Path) -> None:
    proof_path, openings = dishonest
    st = parse_proof(json.loads(proof_path.read_text())).statement
    path = _write_openings(tmp_path / "o.json", st, openings)
    code, out, _ = _check(proof_path, path)
    assert code == 1 and [o["ok"] for o in out["openings"]] == [True, False]
    assert "counts 4 under deployed_warheads, but 0 was committed" in out["openings"][1]["problem"]


@pytest.mark.parametrize("agreement", ["ru-counting-2022", "us-2026-all-warheads"])
def test_openings_are_not_checked_against_another_agreements_rules(dishonest: tuple[Path, list[ItemOpening]],
                                                                   tmp_path: Path, agreement: str) -> None:
    """The inspector's --agreement must be the one the proof is about: another agreement's rules
    (or one without the proof's limit) must not pass a count silently."""
    proof_path, openings = dishonest
    st = parse_proof(json.loads(proof_path.read_text())).statement
    path = _write_openings(tmp_path / "o.json", st, openings)
    code, out, _ = _check(proof_path, path, "--agreement", agreement)
    assert code == 1 and not out["ok"]
    assert all(f"not {agreement!r}" in o["problem"] or "not checked" in o["problem"] for o in out["openings"])


def test_openings_of_an_unknown_agreement_do_not_pass_unchecked(tmp_path: Path) -> None:
    """The proof names an agreement that is not bundled and none is given: the counts cannot be
    checked against its rules, so check-opening must not exit 0 as if they had been."""
    st = statement(2, cap=1550, bits=3, agreement="private-treaty")
    salts = [new_salt() for _ in _RECORDS]
    p = prove_cap(st, [1, 0], [item_blinding(s, r) for s, r in zip(salts, _RECORDS, strict=True)])
    (tmp_path / "p.json").write_text(p.encode())
    path = _write_openings(tmp_path / "o.json", st, [ItemOpening(1, _RECORDS[1], salts[1], 0)])
    code, out, _ = _check(tmp_path / "p.json", path)
    assert code == 1 and "not checked" in out["openings"][0]["problem"]
