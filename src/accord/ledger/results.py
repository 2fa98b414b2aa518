"""The ledger's command-level operations (write a key pair, read a payload file, write a proof
bundle) and what each operation reports, as result objects with a JSON contract each.

``to_json()`` is the documented object (docs/ledger.md, "Other JSON contracts"); ``rows()`` the
rows a table or CSV shows; ``to_frame()`` a pandas DataFrame where the result is a table. The
CLI renders these and builds no JSON itself.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, StoreError
from .bundle import bundle_checkpoint, make_bundle
from .entries import SignedEntry
from .keys import PARTY_NAME, generate_key, write_atomic, write_key_files
from .log import Ledger
from .note import Checkpoint, Note
from .receipts import Receipt
from .stores import redact_url

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Appended",
    "CheckpointView",
    "KeyFiles",
    "LedgerExport",
    "LedgerSummary",
    "ProofWritten",
    "check_writable",
    "read_payload",
    "write_bundle",
    "write_key_pair",
    "write_receipt",
]

EXPORT_COLUMNS = ("index", "kind", "party", "issued_at", "payload", "leaf_hash")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class KeyFiles:
    """A key pair written by :func:`write_key_pair`: ``accord.ledger.keygen/v1``."""

    party: str
    key_file: str
    pub_file: str
    vkey: str

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.ledger.keygen/v1", "party": self.party, "key_file": self.key_file,
                "pub_file": self.pub_file, "vkey": self.vkey}

    def rows(self) -> list[dict[str, Any]]:
        return [self.to_json()]


def write_key_pair(party: str, out: Path, *, force: bool = False) -> KeyFiles:
    """Make an Ed25519 key pair named ``party``: ``out/PARTY.key`` (private, mode 600) and
    ``out/PARTY.pub``, each written atomically. Existing files are an :class:`InputError`
    unless ``force``."""
    if not PARTY_NAME.fullmatch(party):
        raise InputError(f"party name {party!r} must be letters, digits, '.', '_' or '-'", field="PARTY")
    key = generate_key(party)
    key_file, pub_file = write_key_files(out, party, key.skey, key.public.vkey, force=force)
    return KeyFiles(party, str(key_file), str(pub_file), key.public.vkey)


def read_payload(path: Path) -> dict[str, Any]:
    """An entry's payload from a JSON file: an object, or an :class:`InputError` naming the
    file (and the line, for a syntax error)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None
    if not isinstance(payload, dict):
        raise InputError("the payload must be a JSON object", file=str(path))
    return payload


@dataclass(frozen=True)
class LedgerSummary:
    """A ledger as just created: ``accord.ledger.init/v1`` (``db`` never shows a password)."""

    db: str
    agreement: str
    origin: str
    parties: dict[str, str]
    log_key: str | None
    size: int
    root: bytes

    @classmethod
    def of(cls, ledger: Ledger, db: str) -> LedgerSummary:
        info = ledger.info
        return cls(redact_url(db), info.agreement, ledger.origin,
                   {n: k.vkey for n, k in sorted(info.parties.items())},
                   info.log_key.vkey if info.log_key else None, ledger.size(), ledger.root())

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.ledger.init/v1", "db": self.db, "agreement": self.agreement, "origin": self.origin,
                "parties": dict(self.parties), "log_key": self.log_key, "size": self.size, "root": _b64(self.root)}

    def rows(self) -> list[dict[str, Any]]:
        return [{"agreement": self.agreement, "origin": self.origin, "parties": ", ".join(self.parties),
                 "size": self.size, "root": _b64(self.root)}]


@dataclass(frozen=True)
class Appended:
    """One admitted entry: ``accord.ledger.append/v1`` (with ``receipt`` and ``receipt_file``
    when the log signed a receipt for it)."""

    index: int
    kind: str
    party: str | None
    issued_at: str
    leaf_hash: bytes
    receipt: Receipt | None = None
    receipt_file: str | None = None

    @classmethod
    def of(cls, ledger: Ledger, index: int, *, receipt: Receipt | None = None,
           receipt_file: str | None = None) -> Appended:
        e = ledger.entry(index)
        return cls(index, e.entry.kind, e.entry.party, e.entry.issued_at, e.leaf_hash, receipt, receipt_file)

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"schema": "accord.ledger.append/v1", "index": self.index, "kind": self.kind,
                               "party": self.party, "issued_at": self.issued_at,
                               "leaf_hash": _b64(self.leaf_hash), "size": self.index + 1}
        if self.receipt is not None:
            obj["receipt"] = self.receipt.to_json()
            obj["receipt_file"] = self.receipt_file
        return obj

    def rows(self) -> list[dict[str, Any]]:
        row = self.to_json()
        if self.receipt is not None:  # a table shows where the receipt went, not its fields
            del row["receipt"]
        return [row]


def check_writable(path: Path, what: str) -> None:
    """:class:`InputError` (before anything is done) when ``path`` cannot be written: its folder
    is missing or not a folder, or it is itself a folder."""
    parent = path.parent
    try:
        if not parent.is_dir():
            raise InputError(f"cannot write {what}: No such directory {str(parent)!r}", file=str(path))
        if path.is_dir():
            raise InputError(f"cannot write {what}: it is a directory", file=str(path))
    except OSError as exc:  # a name too long, a loop of links …
        raise InputError(f"cannot write {what}: {exc.strerror or exc.__class__.__name__}", file=str(path)) from None


def write_receipt(receipt: Receipt, path: Path) -> None:
    """Write ``receipt`` to ``path`` atomically; :class:`InputError` when it cannot be written."""
    try:
        write_atomic(path, receipt.encode().encode())
    except OSError as exc:
        raise InputError(f"cannot write receipt: {exc.strerror or exc.__class__.__name__}", file=str(path)) from None


@dataclass(frozen=True)
class CheckpointView:
    """A stored checkpoint with the names whose signatures count on it:
    ``accord.ledger.checkpoint/v1`` (``cosigned_by`` only after a cosignature)."""

    origin: str
    size: int
    root: bytes
    signers: tuple[str, ...]
    note: str
    cosigned_by: str | None = None

    @classmethod
    def of(cls, ledger: Ledger, cp: Checkpoint, note: Note, *, cosigned_by: str | None = None) -> CheckpointView:
        # Only signatures that count for this size are listed (no rotated-out key).
        history = ledger.keys()
        keys = ledger.log_signers(cp.size, history) + list(history.signing_keys(cp.size).values())
        signers = sorted({k.name for k in note.verified_keys(keys)})
        return cls(cp.origin, cp.size, cp.root, tuple(signers), note.encode(), cosigned_by)

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"schema": "accord.ledger.checkpoint/v1", "origin": self.origin, "size": self.size,
                               "root": _b64(self.root), "signers": list(self.signers), "note": self.note}
        if self.cosigned_by is not None:
            obj["cosigned_by"] = self.cosigned_by
        return obj

    def rows(self) -> list[dict[str, Any]]:
        obj = self.to_json()
        keys = ("origin", "size", "root", "signers") + (("cosigned_by",) if self.cosigned_by is not None else ())
        return [{k: obj[k] for k in keys}]


@dataclass(frozen=True)
class ProofWritten:
    """A bundle written by ``accord ledger prove``: ``accord.ledger.prove/v1``;
    ``missing_cosigners`` are the parties that did not cosign the checkpoint it uses."""

    index: int
    size: int
    root: bytes
    out: str
    missing_cosigners: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.ledger.prove/v1", "index": self.index, "size": self.size, "root": _b64(self.root),
                "out": self.out, "missing_cosigners": list(self.missing_cosigners)}

    def rows(self) -> list[dict[str, Any]]:
        return [self.to_json()]


def write_bundle(ledger: Ledger, index: int, out: Path, checkpoint: Note | None = None) -> ProofWritten:
    """Write the offline bundle for entry ``index`` to ``out`` (atomically), proved against the
    latest checkpoint covering it that every party cosigned, else the latest covering one, or the
    given ``checkpoint`` note (see :func:`~accord.ledger.bundle.bundle_checkpoint`);
    :class:`InputError`, and nothing written, when there is no such entry, no checkpoint covers
    it yet (or the given one is not this ledger's), or ``out`` cannot be written."""
    size = ledger.size()
    if not 0 <= index < size:
        raise InputError(f"there is no entry {index}: the ledger has entries 0..{size - 1}", field="--index")
    check_writable(out, "bundle")
    cp, _note, missing = bundle_checkpoint(ledger, index, checkpoint)
    try:
        write_atomic(out, make_bundle(ledger, index, checkpoint).encode())
    except OSError as exc:
        raise InputError(f"cannot write bundle: {exc.strerror or exc.__class__.__name__}", file=str(out)) from None
    return ProofWritten(index, cp.size, cp.root, str(out), tuple(missing))


@dataclass(frozen=True)
class LedgerExport:
    """Every entry (decoded, with signature and leaf hash) and every checkpoint note:
    ``accord.ledger.export/v1``."""

    origin: str
    agreement: str
    root: bytes
    entries: tuple[dict[str, Any], ...] = field(repr=False)
    checkpoints: tuple[str, ...] = ()

    @classmethod
    def of(cls, ledger: Ledger) -> LedgerExport:
        entries = []
        for row in ledger.store.rows():
            try:
                e = SignedEntry.from_body(row.body, check_canonical=False)
            except InputError as err:  # the database was changed behind the ledger's back
                raise StoreError(f"entry {row.index}: {err.problem}", file=ledger.store.display_url) from None
            entries.append({"index": row.index, **e.entry.to_json(), "signature": _b64(e.signature),
                            "leaf_hash": _b64(row.leaf)})
        return cls(ledger.origin, ledger.info.agreement, ledger.root(), tuple(entries),
                   tuple(note.encode() for _, note in ledger.checkpoint_notes()))

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.ledger.export/v1", "origin": self.origin, "agreement": self.agreement,
                "size": len(self.entries), "root": _b64(self.root), "entries": list(self.entries),
                "checkpoints": list(self.checkpoints)}

    def rows(self) -> list[dict[str, Any]]:
        return list(self.entries)

    def to_frame(self, columns: Sequence[str] = EXPORT_COLUMNS) -> pd.DataFrame:
        """The entries as a DataFrame, one row each (``payload`` stays a dict)."""
        import pandas as pd

        return pd.DataFrame([[e.get(c) for c in columns] for e in self.entries], columns=list(columns))
