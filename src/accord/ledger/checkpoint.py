"""Cosigning checkpoints: a party signs a checkpoint only if it extends what it signed before.

A cosigner remembers, per log origin, the size and root of the last checkpoint it cosigned (its
*state*, kept by the party itself — not in the log's database, which the log operator controls).
Before signing a new checkpoint it checks the log's signature, that the checkpoint's root is the
root of the data it can read, and an RFC 9162 consistency proof from its last cosigned
checkpoint. A shrunken, rewritten or forked log therefore never gets its signature.

The state is saved *before* the signature leaves the cosigner: a crash in between can lose a
signature it never released, but never release one whose state would not forbid an
inconsistent later one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InconsistentCheckpoint, InputError, ProofError
from .keys import PrivateKey, PublicKey, write_atomic
from .merkle import HASH_SIZE, verify_consistency
from .note import Checkpoint, Note, NoteSignature

__all__ = ["CosignerState", "InconsistentCheckpoint", "check_extends", "cosign", "cosign_ledger"]

STATE_SCHEMA = "accord.ledger.cosigner-state/v1"


@dataclass(frozen=True)
class CosignerState:
    """The last checkpoint a party cosigned, per origin: origin → (size, root).

    ``path`` is the file the state was loaded from (``None`` for a state kept in memory);
    :func:`cosign_ledger` saves the new state there before it releases a signature.
    """

    last: Mapping[str, tuple[int, bytes]]
    path: Path | None = field(default=None, compare=False)

    def get(self, origin: str) -> Checkpoint | None:
        found = self.last.get(origin)
        return Checkpoint(origin, found[0], found[1]) if found else None

    def record(self, cp: Checkpoint) -> CosignerState:
        """The state after cosigning ``cp`` (kept in the same file)."""
        return CosignerState({**self.last, cp.origin: (cp.size, cp.root)}, self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": STATE_SCHEMA,
            "logs": {o: {"size": s, "root": base64.b64encode(r).decode()} for o, (s, r) in sorted(self.last.items())},
        }

    @classmethod
    def load(cls, path: str | Path) -> CosignerState:
        """Read a state file (remembering its path); a missing file is the empty state
        (nothing cosigned yet)."""
        path = Path(path)
        if not path.exists():
            return cls({}, path)
        bad = InputError(f"not a cosigner state file ({STATE_SCHEMA})", file=str(path))
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            if obj["schema"] != STATE_SCHEMA:
                raise bad
            last = {o: (int(v["size"]), base64.b64decode(v["root"], validate=True)) for o, v in obj["logs"].items()}
        except Exception:
            raise bad from None
        # Checked with if, not assert: ``python -O`` must not accept a truncated root.
        if any(len(root) != HASH_SIZE or size < 0 for size, root in last.values()):
            raise bad
        return cls(last, path)

    def save(self, path: str | Path | None = None) -> None:
        """Write the state atomically (temporary file + rename) to ``path``, by default the
        file it was loaded from; :class:`InputError` when it cannot be written."""
        target = path if path is not None else self.path
        if target is None:
            raise InputError("cosigner state has no file to be saved to", field="state")
        try:
            write_atomic(target, (json.dumps(self.to_json(), indent=2) + "\n").encode(), mode=0o600)
        except OSError as exc:
            why = exc.strerror or exc.__class__.__name__
            raise InputError(f"cannot write cosigner state: {why}", file=str(target)) from None


def check_extends(last: Checkpoint | None, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise :class:`InconsistentCheckpoint` unless ``new`` extends ``last`` (``proof`` is the
    consistency proof from ``last.size`` to ``new.size``); anything extends nothing."""
    if last is None:
        return
    if new.origin != last.origin:
        raise InconsistentCheckpoint(f"checkpoint is for {new.origin!r}, not {last.origin!r}")
    if new.size < last.size:
        raise InconsistentCheckpoint(f"log shrank from {last.size} to {new.size} entries")
    if last.size == 0:
        return
    try:
        verify_consistency(last.size, new.size, proof, last.root, new.root)
    except ProofError as exc:
        raise InconsistentCheckpoint(
            f"checkpoint at size {new.size} is not consistent with the one cosigned at size {last.size}: {exc}"
        ) from None


def cosign(
    key: PrivateKey,
    note: Note,
    *,
    origin: str,
    log_keys: Sequence[PublicKey],
    last: Checkpoint | None,
    proof: Sequence[bytes],
    actual_root: bytes | None = None,
) -> tuple[Checkpoint, NoteSignature]:
    """The party's signature on a checkpoint note, after every check a cosigner owes:

    it is a checkpoint of the log ``origin`` (the party's record is kept per origin, so a
    checkpoint under another origin would start a fresh record), the log signed it (one of
    ``log_keys``), its root is ``actual_root`` (the root the party computed from the data, when
    it has it), and it extends ``last`` (``proof`` from ``last.size``). Raises
    :class:`InconsistentCheckpoint` otherwise.
    """
    cp = Checkpoint.from_text(note.text)
    if cp.origin != origin:
        raise InconsistentCheckpoint(f"checkpoint is for {cp.origin!r}, not this ledger's {origin!r}")
    if not note.verified_keys(log_keys):
        raise InconsistentCheckpoint("checkpoint is not signed by the log's key")
    if actual_root is not None and actual_root != cp.root:
        raise InconsistentCheckpoint(f"checkpoint root is not the root of the log's {cp.size} entries")
    check_extends(last, cp, proof)
    signed = note.sign(key)
    return cp, next(s for s in signed.signatures if s.key_id == key.public.id and s.name == key.name)


def cosign_ledger(ledger: Any, key: PrivateKey, state: CosignerState) -> tuple[Checkpoint, Note, CosignerState]:
    """Cosign ``ledger``'s latest checkpoint as ``key``'s party and store the signature.

    Returns the checkpoint, the note with every signature, and the new state. When ``state``
    has a file (:meth:`CosignerState.load`), the new state is saved there atomically *before*
    the signature is stored or returned, and nothing is signed out if that save fails; a
    state without a file is the caller's to keep. ``key`` must be the party's current key and
    its key in force at the checkpoint's size (a checkpoint older than a rotation waits for a
    new one).
    """
    # One read of the checkpoints for both the one to cosign and what this key cosigned before:
    # read twice, a checkpoint made (and cosigned by another process with this key) between the
    # reads looked like a log that had shrunk. A state ahead of that read means a newer
    # checkpoint was cosigned meanwhile: read again (a few times) before calling it a shrink.
    for _attempt in range(3):
        notes = ledger.checkpoint_notes()
        if not notes:
            raise InputError("the ledger has no checkpoint yet (run `accord ledger checkpoint`)",
                             file=ledger.store.display_url)
        cp, note = notes[-1]
        last = state.get(ledger.origin)
        # Also honour what this key cosigned in this database: never step back from it either.
        for done, done_note in notes:
            if done.origin == ledger.origin and done_note.signed_by(key.public) and (
                    last is None or done.size > last.size):
                last = Checkpoint(done.origin, done.size, done.root)
        if last is None or last.size <= cp.size:
            break
    history = ledger.keys()
    if history.current(key.name) != key.public:
        raise InputError(f"key {key.name} ({key.public.id.hex()}) is not a current party key of this ledger",
                         field="key")
    if history.signing_keys(cp.size).get(key.name) != key.public:
        raise InputError(f"the latest checkpoint (size {cp.size}) predates key {key.public.id.hex()}; "
                         "make a new checkpoint to cosign", field="key")
    proof: list[bytes] = []
    if last is not None and 0 < last.size <= cp.size:
        proof = ledger.store.consistency_proof(last.size, cp.size)
    _, signature = cosign(key, note, origin=ledger.origin, log_keys=ledger.log_signers(cp.size, history),
                          last=last, proof=proof, actual_root=ledger.root(cp.size))
    new_state = state.record(cp)
    if new_state.path is not None:
        new_state.save()  # first: a released signature is always covered by the saved record
    ledger.add_cosignature(cp.size, signature)
    return cp, note.with_signatures([signature]), new_state
