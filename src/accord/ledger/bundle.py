"""Offline proof bundles: one entry, its inclusion proof and a cosigned checkpoint in one file.

The file is a C2SP tlog-proof (``c2sp.org/tlog-proof@v1``, extension ``.tlog-proof``):

    c2sp.org/tlog-proof@v1
    extra <base64 of the leaf: 64-byte signature || RFC 8785 statement>
    index <N>
    <inclusion proof, one base64 hash per line, leaf to root>
    <blank line>
    <the checkpoint note verbatim, with the log's and the parties' signatures>

The ``extra`` data is untrusted by itself; it is authenticated by hashing it into the leaf the
proof includes. Anyone holding only the public keys can verify a bundle, with no database; the
verifier pins the log's origin and key (a bundle from another ledger with the same party keys,
or proved against a checkpoint a party signed alone, then fails) and may check the log's
receipts for the entry against it. With witness keys the checkpoint must also carry their
C2SP cosignature/v1 lines (:mod:`accord.ledger.cosignature`): a bundle can be proved against a
witness-cosigned checkpoint note the log published (``make_bundle(..., checkpoint=note)``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, ProofError
from .capproofs import CAP_PROOF, check_cap_proof
from .cosignature import WitnessKey, cosigners
from .entries import GENESIS, SignedEntry
from .keys import PublicKey
from .merkle import HASH_SIZE, leaf_hash, verify_inclusion
from .note import Checkpoint, Note
from .receipts import Receipt

__all__ = ["BUNDLE_HEADER", "BundleReport", "bundle_checkpoint", "make_bundle", "parse_bundle", "verify_bundle"]

BUNDLE_HEADER = "c2sp.org/tlog-proof@v1"
REPORT_SCHEMA = "accord.ledger.bundle/v1"


@dataclass(frozen=True)
class Bundle:
    """A parsed bundle: leaf bytes, index, inclusion proof and the signed checkpoint note."""

    leaf: bytes = field(repr=False)
    index: int
    proof: tuple[bytes, ...] = field(repr=False)
    note: Note

    def encode(self) -> str:
        lines = [BUNDLE_HEADER, "extra " + base64.b64encode(self.leaf).decode(), f"index {self.index}"]
        lines += [base64.b64encode(p).decode() for p in self.proof]
        return "\n".join(lines) + "\n\n" + self.note.encode()


def bundle_checkpoint(ledger: Any, index: int, checkpoint: Note | None = None) -> tuple[Checkpoint, Note, list[str]]:
    """The checkpoint a bundle for entry ``index`` is proved against, and the parties whose
    cosignature it lacks.

    That is the latest checkpoint covering the entry that every party has cosigned (with its
    key in force at the checkpoint's size), since a verifier requiring every party accepts
    only such a one; when none is, the latest covering checkpoint, with the missing parties
    listed. Raises :class:`InputError` when no checkpoint covers the entry yet.

    A given ``checkpoint`` note (one the log published with its witnesses' cosignatures, say)
    is used instead once checked: this ledger's origin, covering the entry, signed by the log,
    and its root the root of the ledger's entries; the parties' stored cosignatures of the same
    text are added to it."""
    if checkpoint is not None:
        return _given_checkpoint(ledger, index, checkpoint)
    covering = [(cp, note) for cp, note in ledger.checkpoint_notes() if cp.size > index]
    if not covering:
        raise InputError(f"no checkpoint covers entry {index} yet (run `accord ledger checkpoint`)", field="index")
    history = ledger.keys()
    found = []
    for cp, note in covering:
        keys = history.signing_keys(cp.size)
        found.append((cp, note, sorted(p for p, k in keys.items() if not note.signed_by(k))))
    complete = [c for c in found if not c[2]]
    return complete[-1] if complete else found[-1]


def _given_checkpoint(ledger: Any, index: int, note: Note) -> tuple[Checkpoint, Note, list[str]]:
    """``note`` checked as a checkpoint of ``ledger`` covering ``index`` (see :func:`bundle_checkpoint`)."""
    cp = Checkpoint.from_text(note.text, file="checkpoint")
    if cp.origin != ledger.origin:
        raise InputError(f"the checkpoint is for the log {cp.origin!r}, not this ledger's {ledger.origin!r}",
                         field="checkpoint")
    if cp.size <= index:
        raise InputError(f"the checkpoint (size {cp.size}) does not cover entry {index}", field="checkpoint")
    if cp.size > ledger.size():
        raise InputError(f"the checkpoint covers {cp.size} entries; this ledger holds {ledger.size()}",
                         field="checkpoint")
    history = ledger.keys()
    if not note.verified_keys(ledger.log_signers(cp.size, history)):
        raise InputError("the checkpoint is not signed by this ledger's log key", field="checkpoint")
    if ledger.root(cp.size) != cp.root:
        raise InputError(f"the checkpoint's root is not the root of this ledger's first {cp.size} entries",
                         field="checkpoint")
    for stored_cp, stored in ledger.checkpoint_notes():
        if stored_cp.size == cp.size and stored.text == note.text:
            note = note.with_signatures(stored.signatures)
    keys = history.signing_keys(cp.size)
    return cp, note, sorted(p for p, k in keys.items() if not note.signed_by(k))


def make_bundle(ledger: Any, index: int, checkpoint: Note | None = None) -> str:
    """The bundle text for entry ``index``, proved against :func:`bundle_checkpoint`'s choice
    (the latest fully cosigned checkpoint covering it, else the latest covering one; or the
    given ``checkpoint`` note, checked).

    Raises :class:`InputError` when no checkpoint covers the entry yet."""
    entry = ledger.entry(index)
    cp, note, _missing = bundle_checkpoint(ledger, index, checkpoint)
    proof = ledger.store.inclusion_proof(index, cp.size)
    return Bundle(entry.body, index, tuple(proof), note).encode()


def parse_bundle(text: str, *, file: str | None = None) -> Bundle:
    """Parse bundle text; :class:`InputError` (naming the line) when it is not a tlog-proof."""
    head, sep, note_text = text.partition("\n\n")
    if not sep:
        raise InputError("bundle has no blank line before its checkpoint", file=file)
    lines = head.split("\n")
    if lines[0] != BUNDLE_HEADER:
        raise InputError(f"first line must be {BUNDLE_HEADER}", file=file, line=1)
    if len(lines) < 3 or not lines[1].startswith("extra "):
        raise InputError("bundle must carry the entry as an 'extra' line", file=file, line=2)
    try:
        leaf = base64.b64decode(lines[1][6:], validate=True)
    except ValueError:  # binascii.Error, or a character outside ASCII
        raise InputError("extra is not base64", file=file, line=2) from None
    idx = lines[2][6:] if lines[2].startswith("index ") else ""
    if not idx.isdigit() or not idx.isascii() or (idx != "0" and idx.startswith("0")):
        raise InputError("third line must be 'index N'", file=file, line=3)
    if len(idx) > 19:  # beyond any 64-bit index (and Python's 4,300-digit int limit)
        raise InputError(f"index {idx[:40]}… is too large", file=file, line=3)
    proof = []
    for n, line in enumerate(lines[3:], start=4):
        try:
            h = base64.b64decode(line, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise InputError("proof hash is not base64", file=file, line=n) from None
        if len(h) != HASH_SIZE:
            raise InputError("proof hash is not 32 bytes", file=file, line=n)
        proof.append(h)
    note = Note.parse(note_text, file=file)
    return Bundle(leaf, int(idx), tuple(proof), note)


@dataclass(frozen=True)
class BundleReport:
    """The outcome of verifying a bundle; ``ok`` iff ``problems`` is empty. ``origin_pinned``
    and ``log_key`` (``name+id``, or ``None``) say what the verifier pinned; ``receipts`` has
    one ``{"file", "index", "status", "detail"}`` per receipt checked."""

    ok: bool
    index: int
    size: int
    origin: str
    entry: dict[str, Any] | None
    signers: tuple[str, ...]
    problems: tuple[str, ...]
    origin_pinned: bool = False
    log_key: str | None = None
    receipts: tuple[dict[str, Any], ...] = ()
    #: name → timestamp of each given witness key's valid cosignature/v1 on the checkpoint.
    witnesses: dict[str, int] = field(default_factory=dict)
    min_witnesses: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "ok": self.ok,
            "index": self.index,
            "size": self.size,
            "origin": self.origin,
            "entry": self.entry,
            "signers": list(self.signers),
            "problems": list(self.problems),
            "origin_pinned": self.origin_pinned,
            "log_key": self.log_key,
            "receipts": list(self.receipts),
            "witnesses": [{"name": n, "timestamp": t} for n, t in sorted(self.witnesses.items())],
            "min_witnesses": self.min_witnesses,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per problem (one row with an empty problem when the bundle verifies)."""
        return [{"check": "bundle", "ok": self.ok, "index": self.index, "size": self.size,
                 "signers": ", ".join(self.signers), "problem": p} for p in (self.problems or ("",))]


def verify_bundle(
    text: str,
    keys: Sequence[PublicKey],
    *,
    origin: str | None = None,
    log_key: PublicKey | None = None,
    receipts: Sequence[tuple[str, Receipt]] = (),
    file: str | None = None,
    witnesses: Sequence[WitnessKey] = (),
    min_witnesses: int | None = None,
) -> BundleReport:
    """Verify a bundle with only public keys.

    ``keys`` is the verifier's trust policy: for every key *name* given (the log, each party),
    at least one of the keys with that name must have signed the checkpoint; the entry must be
    signed by a given key of its party (the unsigned genesis entry excepted); the inclusion proof
    must lead from the entry to the checkpoint's root.

    Pass ``origin`` and ``log_key`` (``accord ledger verify-bundle`` requires both): the
    checkpoint must then be the log ``origin``'s and signed by ``log_key``. Without them a
    bundle proved against another ledger that has the same keys, or against a checkpoint a
    party signed alone, verifies. Each ``(file, receipt)`` in ``receipts`` must be the log's
    signed receipt (``log_key`` required) for this very entry: same origin, index and leaf hash.
    With ``witnesses``, the checkpoint must carry valid cosignature/v1 lines from at least
    ``min_witnesses`` distinct witnesses among them (default: every one given).
    """
    names = {k.name for k in witnesses}
    if min_witnesses is not None and not 1 <= min_witnesses <= len(names):
        raise InputError(f"at least 1 and at most {len(names)} (the witnesses given), not {min_witnesses}",
                         field="min_witnesses")
    need = len(names) if min_witnesses is None else min_witnesses
    bundle = parse_bundle(text, file=file)
    cp = Checkpoint.from_text(bundle.note.text, file=file)
    problems: list[str] = []
    if origin is not None and cp.origin != origin:
        problems.append(f"checkpoint is for the log {cp.origin!r}, not the pinned origin {origin!r}")
    if log_key is not None and not bundle.note.signed_by(log_key):
        problems.append(f"checkpoint is not signed by the log key {log_key.name} ({log_key.id.hex()})")
    entry_json = None
    try:
        signed = SignedEntry.from_body(bundle.leaf, file=file)
        entry_json = signed.entry.to_json()
    except InputError as err:
        problems.append(f"entry is malformed: {err.problem}")
        signed = None
    try:
        verify_inclusion(leaf_hash(bundle.leaf), bundle.index, cp.size, bundle.proof, cp.root)
    except ProofError as exc:
        problems.append(f"inclusion proof: {exc}")
    if signed is not None:
        party = signed.entry.party
        if signed.entry.kind == GENESIS:
            if bundle.index != 0:
                problems.append("a genesis entry must be entry 0")
        else:
            mine = [k for k in keys if k.name == party]
            if not mine:
                problems.append(f"no key given for party {party!r}, so its signature cannot be checked")
            elif not any(signed.verify(cp.origin, k) for k in mine):
                problems.append(f"entry signature does not verify with the key(s) given for {party}")
            if signed.entry.kind == CAP_PROOF:  # verified again, with only the public keys given
                try:
                    check_cap_proof(signed.entry.payload, party, None, mine)
                except InputError as err:
                    problems.append(f"cap proof: {err.problem}")
    signers = sorted({k.name for k in bundle.note.verified_keys(list(keys))})
    for name in sorted({k.name for k in keys}):
        if name not in signers:
            problems.append(f"checkpoint is not signed by {name}")
    witnessed = cosigners(bundle.note, witnesses)
    if len(witnessed) < need:
        problems.append(f"checkpoint is cosigned by {len(witnessed)} of the witnesses given "
                        f"({', '.join(sorted(witnessed)) or 'none'}), fewer than the {need} required")
    statuses = []
    for receipt_file, receipt in receipts:
        detail = _receipt_problem(receipt, bundle, cp, log_key)
        statuses.append({"file": receipt_file, "index": receipt.index, "status": "broken" if detail else "honoured",
                         "detail": detail or f"entry {bundle.index} is in the checkpoint at size {cp.size}"})
        if detail:
            problems.append(f"receipt {receipt_file}: {detail}")
    log = f"{log_key.name}+{log_key.id.hex()}" if log_key is not None else None
    return BundleReport(not problems, bundle.index, cp.size, cp.origin, entry_json, tuple(signers), tuple(problems),
                        origin is not None, log, tuple(statuses), witnessed, need)


def _receipt_problem(receipt: Receipt, bundle: Bundle, cp: Checkpoint, log_key: PublicKey | None) -> str | None:
    """Why ``receipt`` is not honoured by this bundle, or ``None`` when it is."""
    if log_key is None:
        return "no log key was given to check it with"
    if not receipt.verify(log_key):
        return f"it is not signed by the log key {log_key.name} ({log_key.id.hex()})"
    if receipt.origin != cp.origin:
        return f"it is for the log {receipt.origin!r}, not {cp.origin!r}"
    if receipt.index != bundle.index:
        return f"it is for entry {receipt.index}, but the bundle proves entry {bundle.index}"
    if receipt.leaf_hash != leaf_hash(bundle.leaf):
        return f"the log acknowledged another entry at index {receipt.index} than the one the bundle proves there"
    return None
