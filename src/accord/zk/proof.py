"""The cap proof and its JSON contract ``accord.zk-proof/v1``.

A :class:`CapProof` says, for one party, limit, date and agreement: "here are Pedersen
commitments ``C_i`` to the counts ``v_i`` of my n items; each ``v_i`` is in ``[0, 2^k)`` and
``Σ v_i ≤ cap``" — and proves it without revealing any ``v_i`` or the total. The slack
``cap − Σ v_i`` is committed by ``cap·B − Σ C_i`` (nobody sends it: commitments add), and one
aggregated range proof (:mod:`.rangeproof`) covers the n counts (k bits each) and the slack
(K bits, ``2^K > cap``). Since every count is at least 0, the total is at least 0, and the slack
in ``[0, 2^K)`` means ``total ≤ cap``; n·2^k + 2^K stays far below ℓ, so no value wraps around.

The Fiat–Shamir transcript (:mod:`.transcript`) starts with the schema, the generators' tag and
every statement field (agreement, limit, party, date, cap, k, n) and every commitment, so the
proof is bound to all of them.

The JSON is written in one canonical form — RFC 8785 (keys sorted, no spaces; the proof holds
no floats) and one final newline — and :func:`read_proof` accepts only that form, with every
base64 string canonical: a file that differs from what accord wrote by one byte is refused
(malformed), or its proof fails. Points and scalars are base64 of their 32-byte encodings.

    {"commitments": ["<C_0>", ...],
     "range_proof": {"A", "L": [...], "R": [...], "S", "T1", "T2", "a", "b", "mu", "t_hat", "tau_x"},
     "schema": "accord.zk-proof/v1",
     "signature": {"signature": "<64 bytes>", "signer": "<verifier key>"},     (optional)
     "statement": {"agreement", "bits", "cap", "date", "items", "limit", "party"}}

The signature (by the party's Ed25519 key, over :meth:`CapProof.signed_bytes`) is checked by
the caller, who holds the keys (``accord.app.zk``); this module only carries it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import limits
from ..errors import InputError
from . import rangeproof
from .group import Point, Scalar
from .innerproduct import InnerProductProof
from .pedersen import DST, generators
from .rangeproof import MAX_VALUE_BITS, RangeProof
from .transcript import Transcript

__all__ = [
    "SCHEMA",
    "CapProof",
    "Signature",
    "Statement",
    "Verdict",
    "canonical_json",
    "parse_proof",
    "parse_statement",
    "prove_cap",
    "read_proof",
    "verify_cap",
]

SCHEMA = "accord.zk-proof/v1"
#: Prefix of the bytes a party signs (keeps these signatures apart from ledger entries').
SIGNING_DOMAIN = b"accord.zk-proof/v1 signature\n"
#: The largest cap a statement may carry (K ≤ 63 bits).
MAX_CAP = (1 << 63) - 1
_NAME = re.compile(r"[^\x00-\x20\x7f]{1,200}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATEMENT_KEYS = {"agreement", "bits", "cap", "date", "items", "limit", "party"}
_RANGE_KEYS = {"A", "L", "R", "S", "T1", "T2", "a", "b", "mu", "t_hat", "tau_x"}
_POINTS = ("A", "S", "T1", "T2")
_SCALARS = ("tau_x", "mu", "t_hat", "a", "b")


def canonical_json(obj: Any) -> str:
    """RFC 8785 text of ``obj`` for the values a proof holds (strings, integers, lists,
    objects; no floats): keys sorted, no whitespace, non-ASCII written as itself."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, field: str, size: int, file: str | None) -> bytes:
    """Canonical base64 of exactly ``size`` bytes (any other spelling of the same bytes — a
    padding bit set, a missing '=' — is refused, so one proof has one encoding)."""
    if isinstance(text, str) and text.isascii():
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = None
        if data is not None and len(data) == size and _b64(data) == text:
            return data
    raise InputError(f"must be the base64 of {size} bytes", file=file, field=field)


@dataclass(frozen=True)
class Statement:
    """What the proof is about (public): the agreement, limit, party and date, the cap, the bit
    length ``bits`` (k) of every item count and the number of committed ``items`` (n)."""

    agreement: str
    limit: str
    party: str
    date: _dt.date
    cap: int
    bits: int
    items: int

    @property
    def slack_bits(self) -> int:
        """K: the bits of the slack ``cap − total``, the least with ``2^K > cap``."""
        return max(1, self.cap.bit_length())

    def bit_lengths(self) -> list[int]:
        """The range proof's bit lengths: k for each item, then K for the slack."""
        return [self.bits] * self.items + [self.slack_bits]

    def to_json(self) -> dict[str, Any]:
        return {"agreement": self.agreement, "bits": self.bits, "cap": self.cap, "date": self.date.isoformat(),
                "items": self.items, "limit": self.limit, "party": self.party}

    def absorb(self, transcript: Transcript) -> None:
        """The statement, first in the transcript: every challenge depends on every field."""
        transcript.append_text("schema", SCHEMA)
        transcript.append("generators", DST)
        transcript.append_text("agreement", self.agreement)
        transcript.append_text("limit", self.limit)
        transcript.append_text("party", self.party)
        transcript.append_text("date", self.date.isoformat())
        transcript.append_int("cap", self.cap)
        transcript.append_int("bits", self.bits)
        transcript.append_int("items", self.items)

    def check(self, *, file: str | None = None) -> None:
        """:class:`InputError` naming the field when a value is outside what a proof may carry."""
        for name in ("agreement", "limit", "party"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _NAME.fullmatch(value):
                raise InputError("must be 1 to 200 characters, without spaces or control characters", file=file,
                                 field=f"statement.{name}")
        for name, low, high in (("cap", 0, MAX_CAP), ("bits", 1, MAX_VALUE_BITS), ("items", 1, limits.MAX_ZK_BITS)):
            value = getattr(self, name)
            if type(value) is not int or not low <= value <= high:
                raise InputError(f"must be a whole number from {low} to {high:,}", file=file, field=f"statement.{name}")
        total = self.items * self.bits + self.slack_bits
        if total > limits.MAX_ZK_BITS:
            raise InputError(f"{self.items:,} items × {self.bits} bits + {self.slack_bits} is over the limit of "
                             f"{limits.MAX_ZK_BITS:,} bits (set ACCORD_MAX_ZK_BITS to raise it)", file=file,
                             field="statement.items")


@dataclass(frozen=True)
class Signature:
    """A party's Ed25519 signature on the proof: the signer's verifier key text and 64 bytes."""

    signer: str
    signature: bytes

    def to_json(self) -> dict[str, str]:
        return {"signature": _b64(self.signature), "signer": self.signer}


@dataclass(frozen=True)
class CapProof:
    """A statement, the item commitments (32-byte encodings, in committed order) and the range
    proof's elements (encodings; decoded, and checked, by :func:`verify_cap`)."""

    statement: Statement
    commitments: tuple[bytes, ...]
    range_proof: dict[str, Any]
    signature: Signature | None = None

    def to_json(self, *, signed: bool = True) -> dict[str, Any]:
        """The ``accord.zk-proof/v1`` object (without ``signature`` when ``signed=False``)."""
        rp = self.range_proof
        obj: dict[str, Any] = {
            "commitments": [_b64(c) for c in self.commitments],
            "range_proof": {k: ([_b64(x) for x in rp[k]] if k in ("L", "R") else _b64(rp[k])) for k in sorted(rp)},
            "schema": SCHEMA,
            "statement": self.statement.to_json(),
        }
        if signed and self.signature is not None:
            obj["signature"] = self.signature.to_json()
        return obj

    def encode(self) -> str:
        """The file's text: canonical JSON and one newline."""
        return canonical_json(self.to_json()) + "\n"

    def signed_bytes(self) -> bytes:
        """What the party signs: a domain prefix and the canonical proof without its signature."""
        return SIGNING_DOMAIN + canonical_json(self.to_json(signed=False)).encode("utf-8")

    def with_signature(self, signature: Signature | None) -> CapProof:
        return replace(self, signature=signature)


def _encode_range_proof(rp: RangeProof) -> dict[str, Any]:
    return {"A": rp.A.b, "S": rp.S.b, "T1": rp.T1.b, "T2": rp.T2.b, "tau_x": rp.tau_x.b, "mu": rp.mu.b,
            "t_hat": rp.t_hat.b, "L": tuple(p.b for p in rp.ipa.L), "R": tuple(p.b for p in rp.ipa.R),
            "a": rp.ipa.a.b, "b": rp.ipa.b.b}


def prove_cap(statement: Statement, counts: Sequence[int], blindings: Sequence[Scalar], *,
              check: bool = True) -> CapProof:
    """Commit to ``counts`` (one per item, in committed order) with ``blindings`` and prove
    that each is in ``[0, 2^k)`` and that they sum to at most the cap.

    Raises :class:`ValueError` when a count is outside ``[0, 2^k)`` or the total is over the
    cap (the caller says why to the user). ``check=False`` makes the proof anyway, as a
    dishonest prover would: the verifier rejects it (the tests use it to show that)."""
    if len(counts) != statement.items or len(blindings) != statement.items:
        raise ValueError("one count and one blinding per committed item")
    total = sum(counts)
    if check and total > statement.cap:
        raise ValueError(f"the total {total:,} is over the cap {statement.cap:,}")
    gens = generators()
    commitments = [Scalar.from_int(v) * gens.B + r * gens.H for v, r in zip(counts, blindings, strict=True)]
    transcript = Transcript()
    statement.absorb(transcript)
    for c in commitments:
        transcript.append_point("commitment", c)
    slack_blinding = Scalar.from_int(0)
    for r in blindings:
        slack_blinding = slack_blinding - r
    values = [*counts, statement.cap - total]
    _V, rp = rangeproof.prove(transcript, gens, values, [*blindings, slack_blinding], statement.bit_lengths(),
                              check=check)
    return CapProof(statement, tuple(c.b for c in commitments), _encode_range_proof(rp))


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify_cap`: ``ok``, or the ``check`` that failed and why."""

    ok: bool
    check: str | None = None
    detail: str = ""


def _decode(proof: CapProof) -> tuple[list[Point], RangeProof] | Verdict:
    commitments = []
    for i, raw in enumerate(proof.commitments):
        p = Point.decode(raw)
        if p is None:
            return Verdict(False, "group", f"commitment {i} is not a point of the prime-order subgroup "
                                           "(or is the identity)")
        commitments.append(p)
    rp = proof.range_proof
    points: dict[str, Point] = {}
    for name in _POINTS:
        p = Point.decode(rp[name])
        if p is None:
            return Verdict(False, "group", f"range_proof.{name} is not a point of the prime-order subgroup")
        points[name] = p
    sides: dict[str, list[Point]] = {"L": [], "R": []}
    for side, out in sides.items():
        for j, raw in enumerate(rp[side]):
            p = Point.decode(raw)
            if p is None:
                return Verdict(False, "group", f"range_proof.{side}[{j}] is not a point of the prime-order subgroup")
            out.append(p)
    scalars: dict[str, Scalar] = {}
    for name in _SCALARS:
        s = Scalar.decode(rp[name])
        if s is None:
            return Verdict(False, "group", f"range_proof.{name} is not a canonical scalar (below ℓ)")
        scalars[name] = s
    ipa = InnerProductProof(tuple(sides["L"]), tuple(sides["R"]), scalars["a"], scalars["b"])
    return commitments, RangeProof(points["A"], points["S"], points["T1"], points["T2"], scalars["tau_x"],
                                   scalars["mu"], scalars["t_hat"], ipa)


def slack_commitment(statement: Statement, commitments: Sequence[Point]) -> Point:
    """``cap·B − Σ C_i``: a commitment to ``cap − total`` (with blinding ``−Σ r_i``)."""
    gens = generators()
    acc = Scalar.from_int(statement.cap) * gens.B
    for c in commitments:
        acc = acc - c
    return acc


def verify_cap(proof: CapProof, *, challenges: dict[str, Scalar] | None = None) -> Verdict:
    """Check the proof with nothing but its own content and the public generators.

    The checks, in order: ``group`` (every point is in the prime-order subgroup and not the
    identity, every scalar is below ℓ), ``shape`` (the inner-product argument has log2(N)
    rounds), ``range-polynomial`` and ``inner-product`` (:func:`.rangeproof.verify`). The first
    that fails is named. (The signature is the caller's to check.)"""
    st = proof.statement
    if len(proof.commitments) != st.items:
        return Verdict(False, "shape", f"{len(proof.commitments)} commitments for {st.items} items")
    decoded = _decode(proof)
    if isinstance(decoded, Verdict):
        return decoded
    commitments, rp = decoded
    transcript = Transcript()
    st.absorb(transcript)
    for c in commitments:
        transcript.append_point("commitment", c)
    values = [*commitments, slack_commitment(st, commitments)]
    failed = rangeproof.verify(transcript, generators(), values, st.bit_lengths(), rp, challenges=challenges)
    if failed is None:
        return Verdict(True)
    detail = {
        "shape": f"the inner-product argument has {len(rp.ipa.L)} rounds, not log2 of "
                 f"{rangeproof.padded_length(st.bit_lengths()):,}",
        "range-polynomial": "t̂·B + τx·H differs from the commitments' combination: some count is not in "
                            f"[0, 2^{st.bits}), or the total is over the cap, or the proof was made for another "
                            "statement",
        "inner-product": "the inner-product argument does not open A + x·S: the proof was altered or made for "
                         "another statement",
    }[failed]
    return Verdict(False, failed, detail)


# ------------------------------------------------------------------------------ the strict parser

def _obj(value: Any, keys: set[str], optional: set[str], field: str, file: str | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError("must be an object", file=file, field=field)
    missing = sorted(keys - set(value))
    extra = sorted(set(value) - keys - optional)
    if missing:
        raise InputError(f"missing {', '.join(missing)}", file=file, field=field)
    if extra:
        raise InputError(f"unknown key {extra[0]!r}", file=file, field=field)
    return value


def parse_statement(obj: Any, *, file: str | None = None) -> Statement:
    """The :class:`Statement` of a parsed ``statement`` object (InputError naming the field)."""
    s = _obj(obj, _STATEMENT_KEYS, set(), "statement", file)
    date_text = s["date"]
    if not isinstance(date_text, str) or not _DATE.fullmatch(date_text):
        raise InputError("must be an ISO date (YYYY-MM-DD)", file=file, field="statement.date")
    try:
        day = _dt.date.fromisoformat(date_text)
    except ValueError:
        raise InputError(f"{date_text!r} is not a valid date", file=file, field="statement.date") from None
    statement = Statement(s["agreement"], s["limit"], s["party"], day, s["cap"], s["bits"], s["items"])
    statement.check(file=file)
    return statement


def parse_proof(obj: Any, *, file: str | None = None) -> CapProof:
    """The :class:`CapProof` in a parsed ``accord.zk-proof/v1`` object, or :class:`InputError`
    naming the field: exact keys, types, canonical base64 of the right sizes, a statement within
    the limits (``ACCORD_MAX_ZK_BITS``), as many commitments as items and as many inner-product
    rounds as ``log2(N)``. Points and scalars are decoded by :func:`verify_cap`, not here."""
    top = _obj(obj, {"commitments", "range_proof", "schema", "statement"}, {"signature"}, "", file)
    if top["schema"] != SCHEMA:
        raise InputError(f"must be {SCHEMA!r}", file=file, field="schema")
    statement = parse_statement(top["statement"], file=file)
    raw = top["commitments"]
    if not isinstance(raw, list) or len(raw) != statement.items:
        raise InputError(f"must list {statement.items:,} commitments (statement.items)", file=file,
                         field="commitments")
    commitments = tuple(_unb64(c, f"commitments[{i}]", 32, file) for i, c in enumerate(raw))
    r = _obj(top["range_proof"], _RANGE_KEYS, set(), "range_proof", file)
    rp: dict[str, Any] = {}
    for name in (*_POINTS, *_SCALARS):
        rp[name] = _unb64(r[name], f"range_proof.{name}", 32, file)
    rounds = (rangeproof.padded_length(statement.bit_lengths()) - 1).bit_length()
    for side in ("L", "R"):
        seq = r[side]
        if not isinstance(seq, list) or len(seq) != rounds:
            raise InputError(f"must list {rounds} points (log2 of the padded bit length)", file=file,
                             field=f"range_proof.{side}")
        rp[side] = tuple(_unb64(p, f"range_proof.{side}[{j}]", 32, file) for j, p in enumerate(seq))
    signature = None
    if "signature" in top:
        sig = _obj(top["signature"], {"signature", "signer"}, set(), "signature", file)
        signer = sig["signer"]
        if not isinstance(signer, str) or not _NAME.fullmatch(signer):
            raise InputError("must be a verifier key (name+id+base64)", file=file, field="signature.signer")
        signature = Signature(signer, _unb64(sig["signature"], "signature.signature", 64, file))
    return CapProof(statement, commitments, rp, signature)


def read_proof(text: str, *, file: str | None = None) -> CapProof:
    """Parse a proof file's text (:func:`parse_proof`) and require the canonical form accord
    writes (RFC 8785 JSON and one newline): any other spelling is refused, naming the file."""
    if text.startswith("\ufeff"):  # another spelling of the same JSON: one proof has one encoding
        raise InputError("starts with a byte-order mark: not in the canonical form accord writes (RFC 8785 JSON "
                         "and one final newline)", file=file)
    obj = limits.parse_json(text, file=file, what="not valid JSON")
    proof = parse_proof(obj, file=file)
    if text != canonical_json(obj) + "\n":
        raise InputError("not in the canonical form accord writes (RFC 8785 JSON and one final newline): "
                         "the file was edited", file=file)
    return proof


