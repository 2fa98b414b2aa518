"""Cryptographic escrow of itemized declarations: commit now, open item by item when inspected.

After Philippe, Glaser and Felten, "A cryptographic escrow for treaty declarations and
step-by-step verification", Science & Global Security 27 (2019). A party publishes a
*commitment* — the number of items per category and one RFC 9162 Merkle root over salted item
records — and keeps the items and salts (the *escrow*) to itself. When an inspection selects
items, the party *opens* them: each opening is the item, its salt and its inclusion proof, and
anyone can check it against the commitment.

Binding the counts: items are sorted by category before hashing (shuffled at random within a
category), so category ``c`` occupies a public range of indices; an opening whose item is not of
the category its index belongs to fails. Hiding: every leaf carries its own 32 random salt bytes,
so the root and the sibling hashes in proofs reveal nothing about unopened items beyond the counts.
"""

from __future__ import annotations

import base64
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import CommitmentError, InputError, ProofError
from .canonical import canonical_json
from .merkle import HASH_SIZE, inclusion_proof, leaf_hash, root_from_hashes, verify_inclusion

__all__ = [
    "COMMITMENT_SCHEMA",
    "Commitment",
    "CommitmentError",
    "Escrow",
    "Opening",
    "check_counts",
    "commit",
    "item_leaf",
    "verify_opening",
]

COMMITMENT_SCHEMA = "accord.ledger.commitment/v1"
SALT_SIZE = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any, what: str, size: int | None = None) -> bytes:
    try:
        data = base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except ValueError:  # binascii.Error, or a character outside ASCII
        data = None
    if data is None or (size is not None and len(data) != size):
        raise InputError(f"{what} must be base64" + (f" of {size} bytes" if size else ""), field=what)
    return data


def item_leaf(index: int, item: Mapping[str, Any], salt: bytes) -> bytes:
    """The bytes hashed into the commitment for one item: RFC 8785 of
    ``{"index": i, "item": item, "salt": base64(salt)}``."""
    return canonical_json({"index": index, "item": dict(item), "salt": _b64(salt)}, field="item")


@dataclass(frozen=True)
class Commitment:
    """The public part: per-category counts (in index order), the category field, the root."""

    root: bytes = field(repr=False)
    counts: tuple[tuple[str, int], ...]
    field: str = "category"

    @property
    def size(self) -> int:
        """The number of committed items."""
        return sum(n for _, n in self.counts)

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Category → the half-open index range its items occupy."""
        out, start = {}, 0
        for category, n in self.counts:
            out[category] = (start, start + n)
            start += n
        return out

    def category_at(self, index: int) -> str:
        """The category whose range holds ``index``."""
        for category, (a, b) in self.ranges().items():
            if a <= index < b:
                return category
        raise CommitmentError(f"index {index} is outside the {self.size} committed items")

    def to_json(self) -> dict[str, Any]:
        """``{"schema", "field", "counts": {category: n}, "size", "root"}`` (root base64)."""
        return {
            "schema": COMMITMENT_SCHEMA,
            "field": self.field,
            "counts": dict(self.counts),
            "size": self.size,
            "root": _b64(self.root),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Commitment:
        """Parse and validate :meth:`to_json` output; :class:`InputError` names the bad field."""
        if not isinstance(obj, Mapping) or obj.get("schema") != COMMITMENT_SCHEMA:
            raise InputError(f"not a commitment (schema must be {COMMITMENT_SCHEMA})", field="schema")
        counts = obj.get("counts")
        if not isinstance(counts, Mapping) or not counts:
            raise InputError("counts must be a non-empty object", field="counts")
        pairs = []
        for category, n in sorted(counts.items()):
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InputError(f"count of {category!r} must be a non-negative integer", field="counts")
            pairs.append((category, n))
        fld = obj.get("field", "category")
        if not isinstance(fld, str) or not fld:
            raise InputError("field must be a non-empty string", field="field")
        made = cls(_unb64(obj.get("root"), "root", HASH_SIZE), tuple(pairs), fld)
        if obj.get("size") != made.size or made.size == 0:
            raise InputError("size must be the (non-zero) sum of the counts", field="size")
        return made


@dataclass(frozen=True)
class Opening:
    """One opened item: its index, the item record, its salt and its inclusion proof."""

    index: int
    item: Mapping[str, Any]
    salt: bytes = field(repr=False)
    proof: tuple[bytes, ...] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "item": dict(self.item), "salt": _b64(self.salt),
                "proof": [_b64(p) for p in self.proof]}

    @classmethod
    def from_json(cls, obj: Any) -> Opening:
        """Parse :meth:`to_json` output; :class:`InputError` names the bad field."""
        if not isinstance(obj, Mapping):
            raise InputError("an opening must be an object", field="openings")
        index = obj.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise InputError("index must be a non-negative integer", field="index")
        item = obj.get("item")
        if not isinstance(item, Mapping):
            raise InputError("item must be an object", field="item")
        proof = obj.get("proof")
        if not isinstance(proof, list):
            raise InputError("proof must be a list of base64 hashes", field="proof")
        salt = _unb64(obj.get("salt"), "salt", SALT_SIZE)
        return cls(index, item, salt, tuple(_unb64(p, "proof", HASH_SIZE) for p in proof))


@dataclass(frozen=True)
class Escrow:
    """The committing party's secret side: the items in committed order and their salts."""

    commitment: Commitment
    items: tuple[Mapping[str, Any], ...] = field(repr=False)
    salts: tuple[bytes, ...] = field(repr=False)

    def _leaves(self) -> list[bytes]:
        return [leaf_hash(item_leaf(i, it, s)) for i, (it, s) in enumerate(zip(self.items, self.salts, strict=False))]

    def open(self, indices: Iterable[int]) -> list[Opening]:
        """Openings (item, salt, proof) for the items at ``indices``."""
        leaves = self._leaves()
        out = []
        for i in indices:
            if not 0 <= i < len(leaves):
                raise InputError(f"index {i} is outside the {len(leaves)} committed items", field="index")
            out.append(Opening(i, self.items[i], self.salts[i], tuple(inclusion_proof(leaves, i))))
        return out

    def to_json(self) -> dict[str, Any]:
        """The secret file content: commitment plus every item and salt. Keep it private."""
        return {
            "schema": "accord.ledger.escrow/v1",
            "commitment": self.commitment.to_json(),
            "items": [{"item": dict(it), "salt": _b64(s)} for it, s in zip(self.items, self.salts, strict=False)],
        }

    @classmethod
    def from_json(cls, obj: Any) -> Escrow:
        """Parse :meth:`to_json` output and check that it reproduces its commitment."""
        if not isinstance(obj, Mapping) or obj.get("schema") != "accord.ledger.escrow/v1":
            raise InputError("not an escrow file (schema accord.ledger.escrow/v1)", field="schema")
        commitment = Commitment.from_json(obj.get("commitment"))
        rows = obj.get("items")
        if not isinstance(rows, list) or len(rows) != commitment.size:
            raise InputError("items must list every committed item", field="items")
        items = tuple(r.get("item") if isinstance(r, Mapping) else None for r in rows)
        if not all(isinstance(i, Mapping) for i in items):
            raise InputError("each item must be an object", field="items")
        made = cls(commitment, items, tuple(_unb64(r.get("salt"), "salt", SALT_SIZE) for r in rows))  # type: ignore[arg-type]
        if root_from_hashes(made._leaves()) != commitment.root:
            raise InputError("items and salts do not reproduce the commitment root", field="items")
        return made


def commit(items: Sequence[Mapping[str, Any]], *, field: str = "category") -> Escrow:
    """Commit to ``items`` (JSON objects, each with a string ``field``): sort them by category,
    shuffle within each category, draw a fresh 32-byte salt per item, hash them into a root."""
    if not items:
        raise InputError("nothing to commit: no items", field="items")
    for n, it in enumerate(items):
        if not isinstance(it, Mapping) or not isinstance(it.get(field), str):
            raise InputError(f"item {n} has no string {field!r}", field=f"items[{n}].{field}")
    rng = secrets.SystemRandom()
    by_category: dict[str, list[Mapping[str, Any]]] = {}
    for it in items:
        by_category.setdefault(it[field], []).append(it)
    ordered: list[Mapping[str, Any]] = []
    for category in sorted(by_category):
        group = list(by_category[category])
        rng.shuffle(group)  # the position within a category must not leak the caller's order
        ordered.extend(group)
    salts = tuple(secrets.token_bytes(SALT_SIZE) for _ in ordered)
    leaves = [leaf_hash(item_leaf(i, it, s)) for i, (it, s) in enumerate(zip(ordered, salts, strict=False))]
    counts = tuple(sorted(Counter(it[field] for it in ordered).items()))
    return Escrow(Commitment(root_from_hashes(leaves), counts, field), tuple(ordered), salts)


def verify_opening(commitment: Commitment, opening: Opening) -> None:
    """Check one opening against a commitment; raises :class:`CommitmentError` if the item is
    not the one committed at that index, or not of the category counted there."""
    expected = commitment.category_at(opening.index)
    got = opening.item.get(commitment.field)
    if got != expected:
        raise CommitmentError(
            f"item {opening.index} has {commitment.field} {got!r}, but its index lies in the {expected!r} range"
        )
    leaf = leaf_hash(item_leaf(opening.index, opening.item, opening.salt))
    try:
        verify_inclusion(leaf, opening.index, commitment.size, opening.proof, commitment.root)
    except ProofError as exc:
        raise CommitmentError(f"item {opening.index} does not match the commitment: {exc}") from None


def check_counts(commitment: Commitment, caps: Mapping[str, int]) -> list[str]:
    """Problems with the declared counts against an agreement's caps (category → maximum).

    A category the commitment counts but ``caps`` does not mention is not a problem."""
    counts = dict(commitment.counts)
    return [
        f"{category}: {counts[category]} declared, cap {cap}"
        for category, cap in sorted(caps.items())
        if counts.get(category, 0) > cap
    ]
