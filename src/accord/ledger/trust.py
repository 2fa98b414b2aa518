"""Checking a stored ledger against what the *verifier* trusts, not against what the store says.

The integrity audit (:mod:`accord.ledger.audit`) checks that a store agrees with itself: every
signature by the keys its genesis names, every checkpoint by the log key its genesis names,
every root against its own entries. An operator who rebuilds the whole store — with their own
keys under the parties' names, or with the real log key over a shortened or rewritten history,
after deleting the checkpoints and cosignatures that would contradict it — produces a store that
agrees with itself. What catches them is what the verifier holds *outside* the store:

- **pinned keys and origin** (``TrustPolicy.parties``, ``log_key``, ``origin``): the genesis
  entry must name exactly these keys and this origin;
- **a trusted checkpoint** (a C2SP checkpoint note signed by the pinned log key, or a party's
  cosigner state file as ``accord ledger cosign`` keeps it): the log must hold at least its
  entries, its first ``size`` entries must hash to its root (so the log is consistent with it),
  and the store must still hold a checkpoint at least that large that meets the policy;
- **a cosigner policy** (``require_cosigners``): a checkpoint counts only when signed by the
  log and cosigned by these parties (each with its key in force at the checkpoint's size); the
  cosignatures the trusted note itself carries are required as well;
- **witness keys** (``witnesses``, ``min_witnesses``): the trusted checkpoint note must carry
  valid C2SP cosignature/v1 lines (:mod:`accord.ledger.cosignature`) from at least
  ``min_witnesses`` of them (default: all) — witnesses that each checked it is consistent with
  everything they cosigned before, so a log cannot show this verifier a fork of what they saw;
- **receipts** (:mod:`accord.ledger.receipts`): every receipt a party holds must be honoured —
  its entry at its index with its leaf hash, and in a log-signed checkpoint once its merge
  delay has passed.

Everything here is derived from one full scan of the stored entries (never from an index or a
stored node): the leaf hashes are recomputed from the entry bytes, the tree rebuilt from them,
and the key rotations replayed from the entries themselves, each verified with the key it
rotates out, starting from the pinned keys. Memory is 64 bytes per entry (leaf and tree
hashes); the checkpoints are examined largest first and the examination stops at the first one
that answers the question. Problems have kind ``trust`` or ``receipt``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, StoreError
from .audit import Problem
from .cosignature import WitnessKey, cosigners
from .entries import GENESIS, KEY_ROTATION, SIGNATURE_SIZE, SignedEntry, format_time
from .keys import PublicKey
from .log import KeyHistory, LedgerInfo, rotation_key
from .merkle import EMPTY_ROOT, HASH_SIZE, hash_from_nodes, perfect_nodes
from .note import Checkpoint, Note, NoteSignature
from .receipts import MAX_CLOCK_SKEW, Receipt, read_small_text
from .stores import Store

__all__ = [
    "MAX_TRUST_FILE_BYTES",
    "TRUST_LEVELS",
    "TrustPolicy",
    "TrustReport",
    "TrustedCheckpoint",
    "check_trust",
    "describe_policy",
    "trusted_from_note",
    "trusted_from_state",
]

#: A checkpoint note or cosigner state file is small; anything larger is not one.
MAX_TRUST_FILE_BYTES = 1 << 20
#: ``none``: nothing pinned (the store is checked against itself); ``keys``: keys and/or origin
#: pinned; ``checkpoint``: a trusted checkpoint as well.
TRUST_LEVELS = ("none", "keys", "checkpoint")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class TrustedCheckpoint:
    """A checkpoint the verifier already trusts: from a signed note (``note`` kept, with its
    signatures) or from a party's cosigner state (``source="cosigner-state"``, no note)."""

    origin: str
    size: int
    root: bytes = field(repr=False)
    source: str
    file: str | None = None
    note: Note | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "size": self.size, "root": _b64(self.root), "source": self.source,
                "file": self.file}


@dataclass(frozen=True)
class TrustPolicy:
    """What the verifier holds outside the store (see the module docstring). The empty policy
    pins nothing: the audit then only checks the store against itself (trust level ``none``)."""

    parties: Mapping[str, PublicKey] = field(default_factory=dict)
    log_key: PublicKey | None = None
    origin: str | None = None
    trusted: TrustedCheckpoint | None = None
    require_cosigners: tuple[str, ...] = ()
    receipts: tuple[tuple[str, Receipt], ...] = ()
    witnesses: tuple[WitnessKey, ...] = ()
    min_witnesses: int | None = None

    def __post_init__(self) -> None:
        if self.witnesses and (self.trusted is None or self.trusted.note is None):
            raise InputError("witness cosignatures are checked on a trusted checkpoint note: give one (--trusted)",
                             field="witnesses")
        if self.min_witnesses is not None and not (self.witnesses and
                                                   1 <= self.min_witnesses <= len(self.witness_names)):
            raise InputError(f"at least 1 and at most {len(self.witness_names)} (the witnesses given), not "
                             f"{self.min_witnesses}", field="min_witnesses")
        for name, key in self.parties.items():
            if key.name != name:
                raise InputError(f"key is named {key.name!r}, not {name!r}", field="key")
        if self.origin is not None and (not self.origin or "\n" in self.origin):
            raise InputError("origin must be one non-empty line", field="origin")
        if self.parties:
            unknown = [p for p in self.require_cosigners if p not in self.parties]
            if unknown:
                raise InputError(f"required cosigner {unknown[0]!r} is not one of the pinned parties "
                                 f"({', '.join(sorted(self.parties))})", field="require_cosigners")
        if self.trusted is not None and self.origin is not None and self.trusted.origin != self.origin:
            raise InputError(f"the trusted checkpoint is for {self.trusted.origin!r}, not the pinned origin "
                             f"{self.origin!r}", file=self.trusted.file)

    @property
    def level(self) -> str:
        """``checkpoint``, ``keys`` or ``none`` (see :data:`TRUST_LEVELS`)."""
        if self.trusted is not None:
            return "checkpoint"
        return "keys" if (self.parties or self.log_key is not None or self.origin is not None) else "none"

    def is_empty(self) -> bool:
        """True when there is nothing to check beyond the store itself."""
        return self.level == "none" and not self.require_cosigners and not self.receipts

    @property
    def witness_names(self) -> list[str]:
        """The distinct names of the witness keys given (two keys of one witness count once)."""
        return sorted({k.name for k in self.witnesses})

    @property
    def witnesses_required(self) -> int:
        """How many distinct witnesses must have cosigned the trusted checkpoint (0: none given)."""
        return self.min_witnesses if self.min_witnesses is not None else len(self.witness_names)

    def pinned_keys(self) -> list[PublicKey]:
        return [*self.parties.values(), *([self.log_key] if self.log_key is not None else [])]


def _read_small(path: str | Path, what: str) -> str:
    return read_small_text(path, what, MAX_TRUST_FILE_BYTES)


def trusted_from_note(path: str | Path, *, parties: Mapping[str, PublicKey] | None = None,
                      log_key: PublicKey | None = None) -> TrustedCheckpoint:
    """A trusted checkpoint from a C2SP checkpoint note file.

    With a pinned ``log_key`` the note must carry its valid signature; with only pinned
    ``parties`` (a ledger without a log key), one of theirs. With nothing pinned, the note is
    checked against the log key the store's genesis names when the audit runs (its root pins
    the genesis anyway). :class:`InputError` names the file otherwise."""
    file = str(path)
    note = Note.parse(_read_small(path, "checkpoint note"), file=file)
    cp = Checkpoint.from_text(note.text, file=file)
    if log_key is not None:
        if not note.signed_by(log_key):
            raise InputError(f"the checkpoint is not signed by the pinned log key {log_key.name} "
                             f"({log_key.id.hex()})", file=file)
    elif parties and not note.verified_keys(list(parties.values())):
        raise InputError("the checkpoint is signed by none of the pinned keys", file=file)
    return TrustedCheckpoint(cp.origin, cp.size, cp.root, "note", file, note)


def trusted_from_state(path: str | Path, *, origin: str | None = None) -> TrustedCheckpoint:
    """A trusted checkpoint from a party's cosigner state file (what it last cosigned, per
    origin): the record for ``origin``, or the only record when ``origin`` is not given.
    :class:`InputError` when the file is missing, unreadable, or has no such record."""
    from .checkpoint import CosignerState

    file = str(path)
    _read_small(path, "cosigner state")  # missing, unreadable, huge or not text: one line
    state = CosignerState.load(path)
    if origin is None:
        if len(state.last) != 1:
            raise InputError(f"the cosigner state records {len(state.last)} logs; name one with --origin",
                             file=file)
        origin = next(iter(state.last))
    found = state.get(origin)
    if found is None:
        raise InputError(f"the cosigner state has no record for origin {origin!r}", file=file)
    return TrustedCheckpoint(found.origin, found.size, found.root, "cosigner-state", file)


@dataclass(frozen=True)
class TrustReport:
    """What :func:`check_trust` found: the problems (kinds ``trust`` and ``receipt``), the
    largest checkpoint that meets the policy (``verified``), one status per receipt, notes."""

    level: str
    pinned: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    verified: dict[str, Any] | None = None
    receipts: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The ``trust`` object of ``accord.audit/v1`` (docs/ledger.md)."""
        return {"level": self.level, **self.pinned, "verified": self.verified, "receipts": list(self.receipts)}

    def summary(self) -> str:
        """One line saying what the audit was checked against."""
        if self.level == "none" and not self.pinned.get("required_cosigners") and not self.receipts:
            return ("trust: none (no keys, origin or checkpoint pinned: the store was checked only against "
                    "itself; pin them with --key, --origin, --trusted or --cosigner-state)")
        parts = []
        if self.pinned.get("keys"):
            parts.append("keys " + ", ".join(self.pinned["keys"]))
        if self.pinned.get("origin"):
            parts.append(f"origin {self.pinned['origin']}")
        trusted = self.pinned.get("trusted")
        if trusted:
            parts.append(f"trusted checkpoint at size {trusted['size']} ({trusted['source']})")
        if self.pinned.get("required_cosigners"):
            parts.append("cosigners required: " + ", ".join(self.pinned["required_cosigners"]))
        if self.pinned.get("witnesses"):
            parts.append(f"{self.pinned['min_witnesses']} of witnesses {', '.join(self.pinned['witnesses'])}")
        if self.receipts:
            parts.append(f"{len(self.receipts)} receipt(s)")
        verified = f"; verified up to size {self.verified['size']}" if self.verified else ""
        return f"trust: {self.level} ({'; '.join(parts) or 'receipts checked with the store’s own keys'}){verified}"


# ---------------------------------------------------------------------------------------------

class _Tree:
    """Every complete subtree hash of the tree over ``leaves`` (32 bytes each), by level."""

    def __init__(self, leaves: bytes) -> None:
        self.levels = [leaves]
        sha256 = hashlib.sha256
        cur = leaves
        while len(cur) >= 64:
            nxt = b"".join(sha256(b"\x01" + cur[k: k + 64]).digest() for k in range(0, len(cur) - 63, 64))
            self.levels.append(nxt)
            cur = nxt

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        return hash_from_nodes([self.levels[lvl][32 * k: 32 * k + 32] for lvl, k in perfect_nodes(0, size)])


def _apply_rotation(history: KeyHistory, origin: str, index: int, body: bytes) -> None:
    """Replay the entry at ``index`` into ``history`` if it is a key rotation whose signature
    verifies with the key it rotates out (anything else is the integrity audit's to report)."""
    try:
        obj = json.loads(body[SIGNATURE_SIZE:])
        if type(obj) is not dict or obj.get("kind") != KEY_ROTATION:
            return
        signed = SignedEntry.from_body(body, check_canonical=False)
        party = signed.entry.party
        old = history.current(party) if isinstance(party, str) else None
        if old is not None and signed.verify(origin, old):
            history.rotate(party, rotation_key(signed.entry), index + 1)  # type: ignore[arg-type]
    except (ValueError, RecursionError, InputError):
        return


@dataclass
class _Checkpoints:
    """The stored checkpoints, largest first, each judged on demand against the rebuilt tree."""

    store: Store
    tree: _Tree
    size: int
    origin: str
    log_key: PublicKey | None
    history: KeyHistory
    stored: list[tuple[int, bytes, str]]
    _notes: dict[int, tuple[Checkpoint, Note] | None] = field(default_factory=dict)

    def note(self, stored_size: int, text: str) -> tuple[Checkpoint, Note] | None:
        if stored_size not in self._notes:
            found = None
            try:
                note = Note.parse(text)
                cp = Checkpoint.from_text(note.text)
                cosigs = [NoteSignature(str(n), bytes(k), bytes(s)) for n, k, s in self.store.cosignatures(stored_size)]
                found = (cp, note.with_signatures(cosigs))
            except (InputError, StoreError, TypeError, ValueError):
                found = None  # malformed: the integrity audit reports it
            self._notes[stored_size] = found
        return self._notes[stored_size]

    def log_signers(self, size: int) -> list[PublicKey]:
        return [self.log_key] if self.log_key is not None else list(self.history.signing_keys(size).values())

    def largest(self, required: Sequence[str], at_least: int = 0) -> tuple[Checkpoint, list[str]] | None:
        """The largest stored checkpoint of at least ``at_least`` entries that is this log's
        (origin, log signature, root of the rebuilt tree) and cosigned by every ``required``
        party with its key in force at its size; with the names whose signatures count."""
        for stored_size, _root, text in self.stored:
            if type(stored_size) is not int or stored_size < at_least:
                break
            found = self.note(stored_size, text) if isinstance(text, str) else None
            if found is None:
                continue
            cp, note = found
            if cp.size != stored_size or cp.origin != self.origin or cp.size > self.size:
                continue
            logs = note.verified_keys(self.log_signers(cp.size))
            if not logs or self.tree.root(cp.size) != cp.root:
                continue
            keys = self.history.signing_keys(cp.size)
            if all(p in keys and note.signed_by(keys[p]) for p in required):
                signers = {k.name for k in logs} | {p for p, k in keys.items() if note.signed_by(k)}
                return cp, sorted(signers)
        return None


def _expected_origin(policy: TrustPolicy, info: LedgerInfo) -> str:
    return policy.origin or (policy.trusted.origin if policy.trusted else None) or info.origin


def _check_genesis(info: LedgerInfo, policy: TrustPolicy, fail: Any) -> None:
    """The genesis names exactly the pinned keys and origin."""
    origin = _expected_origin(policy, info)
    if info.origin != origin:
        fail(f"the genesis names origin {info.origin!r}, not the trusted {origin!r}")
    if policy.parties:
        for name, key in sorted(policy.parties.items()):
            have = info.parties.get(name)
            if have is None:
                fail(f"pinned party {name} is not a party of this ledger")
            elif have != key:
                fail(f"the genesis names key {have.id.hex()} for {name}, not the pinned key {key.id.hex()}")
        for name in sorted(set(info.parties) - set(policy.parties)):
            fail(f"the genesis names party {name}, whose key was not pinned")
    if policy.log_key is not None:
        if info.log_key is None:
            fail("the genesis names no log key (any party signs checkpoints), but a log key was pinned")
        elif info.log_key != policy.log_key:
            fail(f"the genesis names log key {info.log_key.name} ({info.log_key.id.hex()}), not the pinned "
                 f"{policy.log_key.name} ({policy.log_key.id.hex()})")
    elif policy.parties and info.log_key is not None:
        fail(f"the genesis names log key {info.log_key.name} ({info.log_key.id.hex()}), which was not pinned "
             "(pin it with --key log=PUBFILE)")


def _scan(store: Store, policy: TrustPolicy, problems: list[Problem],
          ) -> tuple[bytearray, LedgerInfo | None, str | None, KeyHistory | None]:
    """One pass over the stored entries, in index order: the leaf hash of each (recomputed from
    its bytes) over the contiguous prefix from index 0; the genesis (entry 0), checked against
    the pins; the party key history from the pinned keys (where given) with every key rotation
    the entries hold. Returns the leaves, the genesis, why the prefix ended early (or ``None``)
    and the history; the genesis and history are ``None`` when entry 0 is unusable (a problem
    says so). An entry is parsed only if it can be a rotation: a JSON string reads
    ``key-rotation`` only if those letters, or a ``\\u`` escape, are in its bytes."""
    leaves = bytearray()
    sha256 = hashlib.sha256
    info: LedgerInfo | None = None
    history: KeyHistory | None = None
    origin = ""
    expect = 0
    stopped = None
    rows = store.scan(0, None)
    try:
        for row in rows:
            i, raw = row[0], row[5]
            stored: Any = raw  # typed bytes, but a damaged store may hold anything
            body = bytes(stored) if isinstance(stored, (bytes, bytearray, memoryview)) else None
            if type(i) is not int or i != expect:
                stopped = (f"entry {expect} is missing" if type(i) is int and i > expect
                           else f"entry {expect} is unreadable")
                break
            if body is None:
                stopped = f"entry {i} is not stored as bytes"
                break
            leaves += sha256(b"\x00" + body).digest()
            if i == 0:
                try:
                    genesis = SignedEntry.from_body(body, check_canonical=False)
                    if genesis.entry.kind != GENESIS:
                        raise InputError("entry 0 is not a genesis entry")
                    info = LedgerInfo.from_payload(genesis.entry.payload)
                except InputError as err:
                    problems.append(Problem(0, "trust", "the genesis entry is unusable, so nothing could be checked "
                                                        f"against what is trusted: {err.problem}"))
                    return leaves, None, None, None
                _check_genesis(info, policy, lambda detail: problems.append(Problem(0, "trust", detail)))
                # From here on the pinned keys, wherever they were given: what the verifier trusts.
                history = KeyHistory({**info.parties, **policy.parties})
                origin = _expected_origin(policy, info)
            elif history is not None and (b"rotation" in body or b"\\u" in body):
                _apply_rotation(history, origin, i, body)
            expect += 1
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if info is None:
        problems.append(Problem(0, "trust", "the genesis entry is missing, so nothing could be checked against "
                                            "what is trusted"))
    return leaves, info, stopped, history


def check_trust(store: Store, policy: TrustPolicy, *, now: _dt.datetime | None = None) -> TrustReport:
    """Check the ledger in ``store`` against ``policy`` (see the module docstring).

    Never raises for what the store holds: a store that cannot be read, or a genesis that
    cannot be parsed, is a ``trust`` problem. ``now`` (default: the current time) decides
    whether a receipt's merge delay has passed."""
    now = now or _dt.datetime.now(_dt.UTC)
    pinned = describe_policy(policy)
    problems: list[Problem] = []
    notes: list[str] = []

    def fail(index: int | None, detail: str, kind: str = "trust") -> None:
        problems.append(Problem(index, kind, detail))

    def report(**kw: Any) -> TrustReport:
        return TrustReport(policy.level, pinned, tuple(problems), notes=tuple(notes), **kw)

    try:
        stored = sorted(store.checkpoints(), key=lambda c: c[0] if type(c[0]) is int else -1, reverse=True)
        leaves, info, stopped, history = _scan(store, policy, problems)
    except StoreError as exc:
        problems[:] = [Problem(None, "trust", "the store cannot be read, so nothing could be checked against what "
                                              f"is trusted: {exc}")]
        return report()
    if info is None or history is None:
        return report()
    n = len(leaves) // HASH_SIZE
    if stopped:
        notes.append(f"trust checks cover entries 0..{n - 1} only: {stopped}")
    origin = _expected_origin(policy, info)
    party_keys = {**info.parties, **policy.parties}
    log_key = policy.log_key or info.log_key
    tree = _Tree(bytes(leaves))
    cps = _Checkpoints(store, tree, n, origin, log_key, history, stored)
    unknown = [p for p in policy.require_cosigners if p not in party_keys]
    for p in unknown:
        fail(None, f"required cosigner {p} is not a party of this ledger")
    required = [p for p in policy.require_cosigners if p not in unknown]

    # 2. The trusted checkpoint: at least as large, consistent, and still covered as the policy asks.
    verified = None
    trusted = policy.trusted
    if trusted is not None:
        if trusted.note is not None:
            # Whoever loaded the note: it must carry the log's signature (the pinned log key,
            # else the one the genesis names; in a ledger without one, a party's key in force).
            if not trusted.note.verified_keys(cps.log_signers(trusted.size)):
                fail(None, "the trusted checkpoint is not signed by the log key "
                           + ("that was pinned" if policy.log_key is not None else "this store's genesis names"))
            keys = history.signing_keys(trusted.size)
            required += [p for p, k in sorted(keys.items()) if p not in required and trusted.note.signed_by(k)]
            if policy.witnesses:
                witnessed = cosigners(trusted.note, policy.witnesses)
                need = policy.witnesses_required
                if len(witnessed) < need:
                    who = ", ".join(sorted(witnessed)) or "none"
                    fail(None, f"the trusted checkpoint is cosigned by {len(witnessed)} of the witnesses given "
                               f"({who}), fewer than the {need} required")
                else:
                    notes.append("the trusted checkpoint is cosigned by witnesses " + ", ".join(
                        f"{name} (at {_posix_time(ts)})"
                        for name, ts in sorted(witnessed.items())))
        if n < trusted.size:
            fail(n, f"the log has {n} entries, fewer than the {trusted.size} of the trusted checkpoint: "
                    f"entries {n}..{trusted.size - 1} were removed (rolled back)")
        elif tree.root(trusted.size) != trusted.root:
            fail(0, f"the log's first {trusted.size} entries do not hash to the trusted checkpoint's root: "
                    "its history was rewritten")
        else:
            found = cps.largest(required, trusted.size)
            if found is None:
                who = " and cosigned by " + ", ".join(required) if required else ""
                fail(trusted.size - 1 if trusted.size else None,
                     f"no stored checkpoint of at least {trusted.size} entries is signed by the log{who}: "
                     "checkpoints or cosignatures the verifier has seen were deleted")
            else:
                verified = found
    else:
        verified = cps.largest(required)
        if verified is None and required:
            fail(None, "no stored checkpoint is signed by the log and cosigned by " + ", ".join(required))
    if verified is not None and verified[0].size < n:
        notes.append(f"entries {verified[0].size}..{n - 1} are in no checkpoint that meets the policy yet")
    verified_json = ({"size": verified[0].size, "root": _b64(verified[0].root), "signers": verified[1]}
                     if verified is not None else None)

    # 3. Receipts: the entry where the log promised it, and in a checkpoint once due.
    statuses = []
    covered = cps.largest(()) if policy.receipts else None
    receipt_keys = [log_key] if log_key is not None else [PublicKey(name, raw)
                                                          for _, _, name, raw in history.timeline()]
    for file, receipt in policy.receipts:
        status, detail = _check_receipt(receipt, file, origin, receipt_keys, leaves, n,
                                        covered[0].size if covered else 0, now)
        statuses.append({"file": file, "index": receipt.index, "status": status, "detail": detail})
        if status == "broken":
            fail(receipt.index, f"receipt {file}: {detail}", "receipt")
        elif status == "pending":
            notes.append(f"receipt {file}: {detail}")
    return report(verified=verified_json, receipts=tuple(statuses))


def _check_receipt(receipt: Receipt, file: str, origin: str, keys: Sequence[PublicKey], leaves: bytearray, n: int,
                   covered: int, now: _dt.datetime) -> tuple[str, str]:
    """``(status, detail)``: ``honoured``, ``pending`` (in the log, not yet in a checkpoint,
    not yet due) or ``broken``."""
    if receipt.signed_by(keys) is None:
        return "broken", f"it is not signed by the log key ({', '.join(k.name for k in keys) or 'none'})"
    if receipt.origin != origin:
        return "broken", f"it is for the log {receipt.origin!r}, not {origin!r}"
    at = receipt.index
    if at >= n or bytes(leaves[32 * at: 32 * at + 32]) != receipt.leaf_hash:
        moved = _find(leaves, receipt.leaf_hash)
        where = f"; that entry is now at index {moved}" if moved is not None else "; that entry is nowhere in the log"
        what = "there is no entry" if at >= n else "a different entry is"
        return "broken", f"the log acknowledged an entry at index {at}, but {what} there{where}"
    if receipt.dated_ahead(now):
        return "broken", (f"it is dated in the future ({receipt.timestamp}, more than {MAX_CLOCK_SKEW} s after "
                          f"{format_time(now)}): a log that dates its promise ahead postpones when it falls due")
    if at < covered:
        return "honoured", f"entry {at} is in the log and in the checkpoint at size {covered}"
    due = receipt.due()
    if now >= due:
        return "broken", (f"entry {at} is in no checkpoint signed by the log, although the log promised one "
                          f"by {format_time(due)}")
    return "pending", f"entry {at} is in the log; a checkpoint is due by {format_time(due)}"


def _posix_time(timestamp: int) -> str:
    """A cosignature's POSIX timestamp as UTC text (a witness may sign any 63-bit number)."""
    try:
        return format_time(_dt.datetime.fromtimestamp(timestamp, _dt.UTC))
    except (OverflowError, ValueError, OSError):
        return f"POSIX time {timestamp}"


def _find(leaves: bytearray, leaf: bytes) -> int | None:
    pos = leaves.find(leaf)
    while pos >= 0 and pos % HASH_SIZE:
        pos = leaves.find(leaf, pos + 1)
    return pos // HASH_SIZE if pos >= 0 else None


def describe_policy(policy: TrustPolicy) -> dict[str, Any]:
    """What ``policy`` pins, as the ``trust`` object of ``accord.audit/v1`` lists it."""
    keys = sorted(policy.parties) + (["log"] if policy.log_key is not None else [])
    return {
        "keys": keys,
        "key_ids": {**{n: k.id.hex() for n, k in sorted(policy.parties.items())},
                    **({"log": policy.log_key.id.hex()} if policy.log_key is not None else {})},
        "origin": policy.origin,
        "trusted": policy.trusted.to_json() if policy.trusted else None,
        "required_cosigners": list(policy.require_cosigners),
        "witnesses": sorted(f"{k.name}+{k.id.hex()}" for k in policy.witnesses),
        "min_witnesses": policy.witnesses_required,
    }
