"""accord.ledger — the tamper-evident data-exchange ledger.

Every declaration, notification, inspection report and acknowledgement goes into one
append-only log: RFC 8785 canonical statements signed with each party's Ed25519 key, hashed into
an RFC 9162 Merkle tree, with C2SP checkpoints signed by the log and cosigned by the parties.
Anyone holding only the public keys can check that an entry is in the log (offline bundles) and
that the log only grew (consistency proofs). Itemized declarations can be committed without being
revealed and opened item by item (commitments).

Modules, one job each: ``merkle`` (RFC 9162), ``canonical`` (RFC 8785), ``keys``, ``entries``,
``note`` (signed notes, checkpoints), ``checkpoint`` (cosigning), ``stores`` (one module per
backend — SQLite, PostgreSQL, memory — behind a scheme registry), ``log`` (admission),
``bundle``, ``commitments``, ``audit``. Every exception is defined in :mod:`accord.errors`.
"""

from __future__ import annotations

from .audit import AuditReport, Problem, audit
from .bundle import BundleReport, make_bundle, verify_bundle
from .checkpoint import CosignerState, InconsistentCheckpoint, cosign, cosign_ledger
from .commitments import Commitment, CommitmentError, Escrow, Opening, check_counts, commit, verify_opening
from .entries import Entry, SignedEntry, sign_entry
from .keys import PrivateKey, PublicKey, generate_key, load_private_key, load_public_key
from .log import EntryRejected, Ledger, LedgerInfo
from .merkle import ProofError, verify_consistency, verify_inclusion
from .note import Checkpoint, Note
from .stores import Store, open_store

__all__ = [
    "AuditReport",
    "BundleReport",
    "Checkpoint",
    "Commitment",
    "CommitmentError",
    "CosignerState",
    "Entry",
    "EntryRejected",
    "Escrow",
    "InconsistentCheckpoint",
    "Ledger",
    "LedgerInfo",
    "Note",
    "Opening",
    "PrivateKey",
    "Problem",
    "ProofError",
    "PublicKey",
    "SignedEntry",
    "Store",
    "audit",
    "check_counts",
    "commit",
    "cosign",
    "cosign_ledger",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "make_bundle",
    "open_store",
    "sign_entry",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_opening",
]
