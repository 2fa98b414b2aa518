"""Opening committed items on inspection, and the prover's secret witness.

Each committed item ``i`` has a record (the declaration's item, an opaque JSON object here), a
fresh 32-byte salt and a count ``v_i``; its blinding is derived from the salt and the record,

    r_i = SHA-512("accord.zk-proof/v1 item blinding\\n" || salt || RFC 8785(record)) mod ℓ,

so the commitment ``C_i = v_i·B + r_i·H`` binds the record as well as the count: opening it
with another record would need another ``r`` for the same point (breaking Pedersen binding) or
a SHA-512 collision. The salt makes ``r_i`` uniform to anyone without it, so ``C_i`` hides both.

When an inspection selects items, the party hands over their *openings* — index, record, salt,
count and blinding — and anyone checks each against the proof's commitment at that index; the
other items stay hidden and the proof about the total still stands. Whether the count is what
the agreement's rules give that record is the caller's check (it needs the agreement).

The *witness* (``accord.zk-witness/v1``) is the prover's secret: the statement and, in committed
order, every item's record, salt and count. Keep it private: it opens every commitment.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .group import Point, Scalar
from .pedersen import generators
from .proof import CapProof, Statement, _obj, _unb64, canonical_json, parse_statement

__all__ = [
    "OPENING_SCHEMA",
    "SALT_SIZE",
    "WITNESS_SCHEMA",
    "ItemOpening",
    "Witness",
    "check_opening",
    "item_blinding",
    "new_salt",
    "parse_openings",
    "parse_witness",
]

OPENING_SCHEMA = "accord.zk-opening/v1"
WITNESS_SCHEMA = "accord.zk-witness/v1"
SALT_SIZE = 32
_BLINDING_DOMAIN = b"accord.zk-proof/v1 item blinding\n"


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def item_blinding(salt: bytes, record: Mapping[str, Any]) -> Scalar:
    """The item's blinding: SHA-512 of the domain, the salt and the record's RFC 8785 bytes,
    reduced mod ℓ."""
    digest = hashlib.sha512(_BLINDING_DOMAIN + salt + canonical_json(dict(record)).encode("utf-8")).digest()
    return Scalar.from_hash(digest)


@dataclass(frozen=True)
class ItemOpening:
    """One opened item: its index in the proof, its record, salt and count."""

    index: int
    record: Mapping[str, Any]
    salt: bytes
    count: int

    def blinding(self) -> Scalar:
        return item_blinding(self.salt, self.record)

    def to_json(self) -> dict[str, Any]:
        return {"blinding": base64.b64encode(self.blinding().b).decode(), "count": self.count, "index": self.index,
                "item": dict(self.record), "salt": base64.b64encode(self.salt).decode()}


def check_opening(proof: CapProof, opening: ItemOpening) -> str | None:
    """``None`` when ``opening`` opens the proof's commitment at its index; otherwise why not."""
    st = proof.statement
    if not 0 <= opening.index < st.items:
        return f"index {opening.index} is outside the {st.items:,} committed items"
    if not 0 <= opening.count < 1 << st.bits:
        return f"count {opening.count} is outside [0, 2^{st.bits})"
    gens = generators()
    expected = Scalar.from_int(opening.count) * gens.B + opening.blinding() * gens.H
    if Point(proof.commitments[opening.index]) != expected:
        return (f"record, salt and count do not open commitment {opening.index} (another record, salt or count "
                "was committed there)")
    return None


def _count(value: Any, field: str, file: str | None) -> int:
    if type(value) is not int or value < 0:
        raise InputError("must be a whole number >= 0", file=file, field=field)
    return value


def _record(value: Any, field: str, file: str | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError("must be an object (the item's record)", file=file, field=field)
    return value


def parse_openings(obj: Any, *, file: str | None = None) -> tuple[Statement, list[ItemOpening]]:
    """The statement and openings of an ``accord.zk-opening/v1`` object (InputError naming the
    field otherwise). Each opening's ``blinding`` must be the one its salt and record give."""
    top = _obj(obj, {"openings", "schema", "statement"}, set(), "", file)
    if top["schema"] != OPENING_SCHEMA:
        raise InputError(f"must be {OPENING_SCHEMA!r}", file=file, field="schema")
    statement = parse_statement(top["statement"], file=file)
    rows = top["openings"]
    if not isinstance(rows, list) or not rows:
        raise InputError("must list at least one opening", file=file, field="openings")
    out = []
    for n, row in enumerate(rows):
        where = f"openings[{n}]"
        r = _obj(row, {"blinding", "count", "index", "item", "salt"}, set(), where, file)
        opening = ItemOpening(_count(r["index"], f"{where}.index", file), _record(r["item"], f"{where}.item", file),
                              _unb64(r["salt"], f"{where}.salt", SALT_SIZE, file),
                              _count(r["count"], f"{where}.count", file))
        if _unb64(r["blinding"], f"{where}.blinding", 32, file) != opening.blinding().b:
            raise InputError("is not the blinding its salt and item give", file=file, field=f"{where}.blinding")
        out.append(opening)
    return statement, out


def openings_json(statement: Statement, openings: Sequence[ItemOpening]) -> dict[str, Any]:
    """The ``accord.zk-opening/v1`` object."""
    return {"openings": [o.to_json() for o in openings], "schema": OPENING_SCHEMA, "statement": statement.to_json()}


@dataclass(frozen=True)
class Witness:
    """The prover's secret: the statement and every item's record, salt and count, in
    committed order."""

    statement: Statement
    records: tuple[Mapping[str, Any], ...]
    salts: tuple[bytes, ...]
    counts: tuple[int, ...]

    def blindings(self) -> list[Scalar]:
        return [item_blinding(s, r) for s, r in zip(self.salts, self.records, strict=True)]

    def opening(self, index: int) -> ItemOpening:
        return ItemOpening(index, self.records[index], self.salts[index], self.counts[index])

    def to_json(self) -> dict[str, Any]:
        return {"items": [{"count": c, "item": dict(r), "salt": base64.b64encode(s).decode()}
                          for r, s, c in zip(self.records, self.salts, self.counts, strict=True)],
                "schema": WITNESS_SCHEMA, "statement": self.statement.to_json()}


def parse_witness(obj: Any, *, file: str | None = None) -> Witness:
    """The :class:`Witness` of an ``accord.zk-witness/v1`` object (InputError naming the field)."""
    top = _obj(obj, {"items", "schema", "statement"}, set(), "", file)
    if top["schema"] != WITNESS_SCHEMA:
        raise InputError(f"must be {WITNESS_SCHEMA!r}", file=file, field="schema")
    statement = parse_statement(top["statement"], file=file)
    rows = top["items"]
    if not isinstance(rows, list) or len(rows) != statement.items:
        raise InputError(f"must list the {statement.items:,} committed items", file=file, field="items")
    records, salts, counts = [], [], []
    for n, row in enumerate(rows):
        where = f"items[{n}]"
        r = _obj(row, {"count", "item", "salt"}, set(), where, file)
        records.append(_record(r["item"], f"{where}.item", file))
        salts.append(_unb64(r["salt"], f"{where}.salt", SALT_SIZE, file))
        counts.append(_count(r["count"], f"{where}.count", file))
    return Witness(statement, tuple(records), tuple(salts), tuple(counts))
