"""The ledger: admission of signed entries into a store, checkpoints and cosignatures.

Admission (all-or-nothing per batch, decided inside the store's write lock):

- the genesis entry (index 0) names the agreement, the origin, each party's key, an optional
  log key and which parties may file which kinds; no other entry may be a genesis;
- an entry's party must be one of the ledger's parties, and the kind must be open to it;
- the statement it carries is the statement that is signed and stored (rules are checked on the
  very bytes admitted, not on a decoded copy that could say something else);
- its signature must verify with the party's *current* key;
- a ``key-rotation`` entry (payload ``{"key": "<verifier key>"}``) is signed by the old key and
  makes the new key current from the next index;
- a ``commitment`` entry must carry a valid commitment; an ``opening`` entry
  (``{"commitment": index, "openings": [...]}``) must open a commitment of the same party;
- an entry already in the ledger (same party, content and signature) is a replay and is refused.

A checkpoint of size N is signed (when no log key is named) and cosigned only with keys in force
once its N entries are applied — :meth:`KeyHistory.signing_keys` — so a rotated-out key can sign
no checkpoint that covers its rotation.

:meth:`Ledger.append_with_receipts` (and ``sign_and_append_with_receipts``) also return the log's
signed receipt for each admitted entry (:mod:`accord.ledger.receipts`): the log key is checked
before the batch is written, and the receipts are signed once it is committed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DuplicateLeafError, EntryRejected, InputError, IntegrityError, ProofError, StoreError
from .capproofs import CAP_PROOF, check_cap_proof, proof_verdict
from .commitments import Commitment, CommitmentError, Opening, verify_opening
from .entries import GENESIS, KEY_ROTATION, KIND_NAME, NO_SIGNATURE, Entry, SignedEntry, sign_entries, utc_now
from .keys import PARTY_NAME, PrivateKey, PublicKey, valid_key_name
from .merkle import leaf_hash, verify_consistency
from .note import Checkpoint, Note, NoteSignature
from .receipts import DEFAULT_MAX_MERGE_DELAY, Receipt, check_max_merge_delay, issue_receipt
from .stores import Row, Store, open_store

if TYPE_CHECKING:
    from ..zk.proof import Verdict

__all__ = [
    "GENESIS_SCHEMA",
    "EntryRejected",
    "KeyHistory",
    "Ledger",
    "LedgerInfo",
]

GENESIS_SCHEMA = "accord.ledger.genesis/v1"
COMMITMENT = "commitment"
OPENING = "opening"
#: Kinds :meth:`Ledger._check` has rules for (any other kind needs only a known party and no
#: restriction against it).
_CHECKED_KINDS = frozenset({GENESIS, KEY_ROTATION, COMMITMENT, OPENING, CAP_PROOF})


@dataclass(frozen=True)
class LedgerInfo:
    """What the genesis entry fixes: agreement, origin, parties' first keys, log key, kind rules."""

    agreement: str
    origin: str
    parties: Mapping[str, PublicKey]
    log_key: PublicKey | None = None
    restrictions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "schema": GENESIS_SCHEMA,
            "agreement": self.agreement,
            "origin": self.origin,
            "parties": {name: key.vkey for name, key in sorted(self.parties.items())},
            "log_key": self.log_key.vkey if self.log_key else None,
            "restrictions": {k: list(v) for k, v in sorted(self.restrictions.items())},
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> LedgerInfo:
        """Parse a genesis payload; :class:`InputError` names the bad field."""
        if payload.get("schema") != GENESIS_SCHEMA:
            raise InputError(f"genesis schema must be {GENESIS_SCHEMA}", field="payload.schema")
        parties_obj = payload.get("parties")
        if not isinstance(parties_obj, Mapping) or len(parties_obj) < 1:
            raise InputError("genesis must name at least one party", field="payload.parties")
        parties = {}
        for name, vkey in parties_obj.items():
            key = PublicKey.parse(str(vkey), field=f"payload.parties.{name}")
            if key.name != name:
                raise InputError(f"key of party {name!r} is named {key.name!r}", field=f"payload.parties.{name}")
            parties[name] = key
        log_key = payload.get("log_key")
        restrictions = payload.get("restrictions") or {}
        if not isinstance(restrictions, Mapping):
            raise InputError("restrictions must be an object", field="payload.restrictions")
        return cls(
            agreement=str(payload.get("agreement") or ""),
            origin=str(payload.get("origin") or ""),
            parties=parties,
            log_key=PublicKey.parse(log_key, field="payload.log_key") if log_key else None,
            restrictions={k: tuple(v) for k, v in restrictions.items()},
        )


class KeyHistory:
    """Which key each party signs with, from which index on (genesis keys, then rotations)."""

    def __init__(self, parties: Mapping[str, PublicKey]) -> None:
        self._history: dict[str, list[tuple[int, PublicKey]]] = {p: [(0, k)] for p, k in parties.items()}

    def parties(self) -> list[str]:
        return sorted(self._history)

    def current(self, party: str) -> PublicKey | None:
        """The key ``party`` signs new entries with, or ``None`` for an unknown party."""
        h = self._history.get(party)
        return h[-1][1] if h else None

    def at(self, party: str, index: int) -> PublicKey | None:
        """The key that had to sign ``party``'s entry at ``index``."""
        found = None
        for start, key in self._history.get(party, ()):
            if start <= index:
                found = key
        return found

    def signing_keys(self, size: int) -> dict[str, PublicKey]:
        """Party → the key in force once the first ``size`` entries are applied (every rotation
        among them done): the only key of that party that may sign or cosign a checkpoint of
        ``size`` entries."""
        return {party: key for party in self._history if (key := self.at(party, size)) is not None}

    def all_keys(self) -> list[PublicKey]:
        """Every key any party has ever had (a listing; whose signature counts on a checkpoint
        is :meth:`signing_keys`)."""
        return [k for h in self._history.values() for _, k in h]

    def rotate(self, party: str, key: PublicKey, from_index: int) -> None:
        self._history[party].append((from_index, key))

    def timeline(self) -> list[tuple[int, str, str, bytes]]:
        """``(from_index, party, key name, raw key)`` rows, picklable for worker processes."""
        return [(s, p, k.name, k.raw) for p, h in self._history.items() for s, k in h]


def rotation_key(entry: Entry) -> PublicKey:
    """The new key a ``key-rotation`` entry announces; :class:`InputError` if malformed."""
    vkey = entry.payload.get("key")
    if not isinstance(vkey, str) or set(entry.payload) != {"key"}:
        raise InputError('key-rotation payload must be {"key": "<verifier key>"}', field="payload.key")
    key = PublicKey.parse(vkey, field="payload.key")
    if key.name != entry.party:
        raise InputError(f"new key is named {key.name!r}, not {entry.party!r}", field="payload.key")
    return key


def check_opening(entry: Entry, referenced: SignedEntry | None) -> None:
    """Check an ``opening`` entry against the commitment entry it names."""
    payload = entry.payload
    target, openings = payload.get("commitment"), payload.get("openings")
    if not isinstance(target, int) or isinstance(target, bool) or not isinstance(openings, list) or not openings:
        raise InputError('opening payload must be {"commitment": index, "openings": [...]}', field="payload")
    if referenced is None or referenced.entry.kind != COMMITMENT:
        raise InputError(f"entry {target} is not a commitment", field="payload.commitment")
    if referenced.entry.party != entry.party:
        raise InputError(f"commitment {target} belongs to {referenced.entry.party}", field="payload.commitment")
    commitment = Commitment.from_json(referenced.entry.payload)
    for o in openings:
        try:
            verify_opening(commitment, Opening.from_json(o))
        except CommitmentError as exc:
            raise InputError(str(exc), field="payload.openings") from None


class Ledger:
    """An append-only, signed, Merkle-hashed log of one agreement's exchanges."""

    def __init__(self, store: Store) -> None:
        """Open the ledger held by ``store``; :class:`InputError` if there is none."""
        if not store.exists():
            raise InputError("no ledger here (create one with `accord ledger init`)", file=store.display_url)
        self.store = store
        row = store.row(0)
        if row is None or row.kind != GENESIS:
            raise StoreError("entry 0 is not a genesis entry", file=store.display_url)
        self.genesis = SignedEntry.from_body(row.body, file=store.display_url)
        self.info = LedgerInfo.from_payload(self.genesis.entry.payload)

    # -- creation and opening ------------------------------------------------------------
    @classmethod
    def create(
        cls,
        url: str | Store,
        *,
        agreement: str,
        parties: Sequence[PublicKey],
        log_key: PublicKey | None = None,
        restrictions: Mapping[str, Sequence[str]] | None = None,
        origin: str | None = None,
        issued_at: str | None = None,
    ) -> Ledger:
        """Create a ledger for ``agreement`` between ``parties`` (their verifier keys).

        ``origin`` (the checkpoint's first line) defaults to
        ``accord.ledger/<agreement>/<8 random hex digits>`` so that two ledgers never share one.
        A store opened here from a URL belongs to the ledger (closed with it, or on failure).
        """
        agreement = (agreement or "").strip()
        if not agreement or any(ord(c) < 32 for c in agreement):
            raise InputError("agreement id must be non-empty, on one line", field="agreement")
        if not parties:
            raise InputError("a ledger needs at least one party key", field="key")
        by_name: dict[str, PublicKey] = {}
        for key in parties:
            if not PARTY_NAME.fullmatch(key.name):
                raise InputError(f"party name {key.name!r} must be letters, digits, '.', '_' or '-'", field="key")
            if key.name in by_name:
                raise InputError(f"party {key.name!r} given twice", field="key")
            by_name[key.name] = key
        rules: dict[str, tuple[str, ...]] = {}
        for kind, allowed in (restrictions or {}).items():
            if not KIND_NAME.fullmatch(kind) or kind == GENESIS:
                raise InputError(f"cannot restrict kind {kind!r}", field="restrict")
            unknown = sorted(set(allowed) - set(by_name))
            if unknown or not allowed:
                raise InputError(f"kind {kind!r} restricted to unknown party {unknown[:1] or ['(none)']}",
                                 field="restrict")
            rules[kind] = tuple(sorted(set(allowed)))
        # C2SP tlog-checkpoint: an origin SHOULD hold no Unicode space or '+'; a note, no control character.
        origin = origin or "accord.ledger/{}/{}".format(
            "".join("_" if c.isspace() or c == "+" else c for c in agreement), os.urandom(4).hex())
        if not valid_key_name(origin) or "\x7f" in origin:
            raise InputError(f"origin {origin[:80]!r} must be non-empty, without spaces, control characters or '+'",
                             field="origin")
        info = LedgerInfo(agreement, origin, by_name, log_key, rules)
        genesis = Entry(GENESIS, None, issued_at or utc_now(), info.payload())
        signed = SignedEntry(genesis, NO_SIGNATURE, genesis.statement())
        meta = {"schema": "accord.ledger/v1", "origin": origin, "agreement": agreement}
        if not isinstance(url, str):
            url.create(meta, GENESIS, genesis.issued_at, signed.body, signed.leaf_hash)
            return cls(url)
        store = open_store(url)
        try:
            store.create(meta, GENESIS, genesis.issued_at, signed.body, signed.leaf_hash)
            return cls(store)
        except BaseException:
            store.close()
            raise

    @classmethod
    def open(cls, url: str) -> Ledger:
        """Open an existing ledger by URL; :class:`InputError` (the store closed again) when
        there is none. Use it as a context manager, or :meth:`close` it."""
        store = open_store(url)
        try:
            return cls(store)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        """Close the store (it reopens its connection if the ledger is used again)."""
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return self.info.origin

    def size(self) -> int:
        return self.store.size()

    def root(self, size: int | None = None) -> bytes:
        return self.store.root(size)

    def entry(self, index: int) -> SignedEntry:
        """The entry at ``index``; :class:`InputError` when there is none."""
        row = self.store.row(index)
        if row is None:
            raise InputError(f"no entry {index} (the ledger has {self.size()})", field="index")
        return SignedEntry.from_body(row.body, file=self.store.display_url)

    def keys(self) -> KeyHistory:
        """The party key history as stored (genesis keys plus admitted rotations)."""
        return _key_history(self.info, self.store.key_rows(), self.store.display_url)

    def log_signers(self, size: int, history: KeyHistory | None = None) -> list[PublicKey]:
        """Keys whose signature makes a checkpoint of ``size`` entries the log's: the log key if
        the genesis names one, otherwise any party's key in force at ``size`` (a party
        operating the log itself; never a key rotated out by then)."""
        if self.info.log_key is not None:
            return [self.info.log_key]
        return list((history or self.keys()).signing_keys(size).values())

    # -- appending -----------------------------------------------------------------------
    def append(self, entries: Iterable[SignedEntry]) -> list[int]:
        """Admit signed entries (all or none); returns their indices.

        Raises :class:`EntryRejected` naming the first entry that fails admission.
        """
        return self._admit(list(entries), trusted_key=None)

    def sign_and_append(self, key: PrivateKey, entries: Iterable[Entry]) -> list[int]:
        """Sign ``entries`` with ``key`` and admit them (all or none).

        The signatures are made here with the party's own key, so admission checks that ``key``
        is the party's current key instead of re-verifying each signature.
        """
        signed = sign_entries(key, self.origin, entries)
        return self._admit(signed, trusted_key=key.public)

    def append_with_receipts(self, entries: Iterable[SignedEntry], log_key: PrivateKey, *,
                             max_merge_delay: int = DEFAULT_MAX_MERGE_DELAY) -> list[Receipt]:
        """:meth:`append`, and the log's signed :class:`~accord.ledger.receipts.Receipt` for each
        admitted entry (its index, leaf hash, the time and the promise to be in a checkpoint
        within ``max_merge_delay`` seconds).

        ``log_key`` must be a log signer for the ledger once the batch is applied
        (:meth:`log_signers`); that is checked inside the write lock *before* anything is
        written, and the receipts are signed once the batch is committed."""
        return self._admit_with_receipts(list(entries), None, log_key, max_merge_delay)

    def sign_and_append_with_receipts(self, key: PrivateKey, entries: Iterable[Entry], log_key: PrivateKey, *,
                                      max_merge_delay: int = DEFAULT_MAX_MERGE_DELAY) -> list[Receipt]:
        """:meth:`sign_and_append` with receipts, as :meth:`append_with_receipts`."""
        signed = sign_entries(key, self.origin, entries)
        return self._admit_with_receipts(signed, key.public, log_key, max_merge_delay)

    def _admit_with_receipts(self, batch: list[SignedEntry], trusted_key: PublicKey | None, log_key: PrivateKey,
                             max_merge_delay: int) -> list[Receipt]:
        # Checked before the batch is admitted: a refused promise must not follow a commit.
        check_max_merge_delay(max_merge_delay)
        indices = self._admit(batch, trusted_key, receipt_key=log_key.public)
        timestamp = utc_now()
        return [issue_receipt(log_key, self.origin, i, s.leaf_hash, max_merge_delay=max_merge_delay,
                              timestamp=timestamp) for i, s in zip(indices, batch, strict=True)]

    def _admit(self, batch: list[SignedEntry], trusted_key: PublicKey | None,
               receipt_key: PublicKey | None = None) -> list[int]:
        if not batch:
            return []
        # A cap proof's range proof takes seconds to verify and needs no ledger state: verified
        # here, before the write lock, so other writers are not held up; its verdict is used
        # inside, where the checks keep their order.
        verdicts = {pos: proof_verdict(s.entry.payload) for pos, s in enumerate(batch) if s.entry.kind == CAP_PROOF}
        try:
            return self._admit_locked(batch, trusted_key, receipt_key, verdicts)
        except EntryRejected as refused:
            err = self._as_replay(batch, refused)
            if len(batch) == 1 and err.position is not None:
                raise EntryRejected(err.problem.split(": ", 1)[1]) from None
            if err is not refused:
                raise err from None
            raise

    def _as_replay(self, batch: list[SignedEntry], err: EntryRejected) -> EntryRejected:
        """``err``, or — when the refused entry is already stored, byte for byte — a replay
        refusal naming its index. An entry admitted before a rule changed (its party's key
        rotated since, say) fails today's checks, but resubmitting it must still be recognised
        as what it is: a replay (the log server answers it with its index)."""
        if err.position is None or not 0 <= err.position < len(batch) or "replay: " in err.problem:
            return err
        signed = batch[err.position]
        leaf = leaf_hash(signed.signature + signed.statement)
        index = self.store.index_of(signed.entry.party, signed.entry.issued_at, leaf)
        if index is None:
            return err
        return EntryRejected(f"replay: this signed entry is already at index {index}", position=err.position)

    def _admit_locked(self, batch: list[SignedEntry], trusted_key: PublicKey | None,
                      receipt_key: PublicKey | None = None, verdicts: Mapping[int, Verdict | None] | None = None,
                      ) -> list[int]:
        with self.store.write() as w:
            history = _key_history(self.info, w.key_rows(), self.store.display_url)
            restrictions = self.info.restrictions
            current = history.current
            seen: set[bytes] = set()
            rows = []
            first = w.size
            vetted = None  # the key last found to be trusted_key (a rotation changes the key)
            for pos, signed in enumerate(batch):
                e = signed.entry
                kind = e.kind
                party: str = e.party  # type: ignore[assignment]  # None is refused as unknown
                # The rules below read the decoded entry; the signature covers, and the store
                # keeps, the statement bytes. They must be one statement, or a party could sign
                # a forbidden statement and present a permitted one. sign_and_append made both
                # from the entry itself (sign_entries), so only submitted entries are compared.
                if trusted_key is None and signed.statement != e.statement():
                    raise EntryRejected("the signed statement is not this entry's statement", position=pos)
                key = current(party)
                # An ordinary kind by a known party under no restriction passes _check as is.
                if key is None or kind in _CHECKED_KINDS or kind in restrictions:
                    try:
                        self._check(e, first + pos, history, w, (verdicts or {}).get(pos))
                    except InputError as err:
                        problem = err.problem if not err.field else f"{err.field}: {err.problem}"
                        raise EntryRejected(problem, position=pos) from None
                    key = current(party)
                    assert key is not None  # _check refused unknown parties
                if trusted_key is not None:
                    # We signed with trusted_key ourselves: it only has to be the current key.
                    if key is not vetted:
                        if trusted_key != key:
                            raise EntryRejected(f"key {trusted_key.id.hex()} is not {party}'s current key "
                                                f"{key.id.hex()}", position=pos)
                        vetted = key
                elif not signed.verify(self.origin, key):
                    raise EntryRejected(f"signature does not verify with {party}'s key {key.id.hex()}", position=pos)
                body = signed.signature + signed.statement
                leaf = leaf_hash(body)
                if leaf in seen:
                    raise EntryRejected("replay: the same signed entry appears twice in the batch", position=pos)
                seen.add(leaf)
                if kind == KEY_ROTATION:
                    history.rotate(party, rotation_key(e), first + pos + 1)
                rows.append((kind, party, e.issued_at, body, leaf))
            if receipt_key is not None and receipt_key not in self.log_signers(first + len(rows), history):
                raise InputError(f"key {receipt_key.name} ({receipt_key.id.hex()}) is not this ledger's log key, "
                                 "so it cannot sign receipts", field="log_key")
            try:
                start = w.append(rows)
            except DuplicateLeafError as exc:
                at = next((i for i, r in enumerate(rows) if r[4] == exc.leaf), None)
                raise EntryRejected(f"replay: this signed entry is already at index {exc.index}",
                                    position=at) from None
        return list(range(start, start + len(rows)))

    def _check(self, e: Entry, index: int, history: KeyHistory, w: Any, verdict: Verdict | None = None) -> None:
        if e.kind == GENESIS:
            raise InputError("only the ledger's first entry is a genesis entry", field="kind")
        if history.current(e.party) is None:  # type: ignore[arg-type]
            raise InputError(f"unknown party {e.party!r} (parties: {', '.join(history.parties())})", field="party")
        allowed = self.info.restrictions.get(e.kind)
        if allowed is not None and e.party not in allowed:
            raise InputError(f"only {', '.join(allowed)} may file {e.kind!r} entries", field="kind")
        if e.kind == KEY_ROTATION:
            new = rotation_key(e)
            if new == history.current(e.party):  # type: ignore[arg-type]
                raise InputError("the new key is the current key", field="payload.key")
        elif e.kind == COMMITMENT:
            Commitment.from_json(e.payload)
        elif e.kind == OPENING:
            target = e.payload.get("commitment")
            body = w.body(target) if isinstance(target, int) and 0 <= target < index else None
            check_opening(e, SignedEntry.from_body(body) if body is not None else None)
        elif e.kind == CAP_PROOF:
            signer = history.current(e.party)  # type: ignore[arg-type]
            check_cap_proof(e.payload, e.party, self.info.agreement, [signer] if signer else [], verdict=verdict)

    # -- checkpoints ---------------------------------------------------------------------
    def checkpoint_notes(self) -> list[tuple[Checkpoint, Note]]:
        """Every stored checkpoint with all its signatures (log first, then cosignatures)."""
        stored = self.store.checkpoints()
        entries = self.store.size()  # read after the checkpoints: a later one cannot be missing
        return [self._stored_note(size, text, entries) for size, _root, text in stored]

    def latest_checkpoint(self) -> tuple[Checkpoint, Note] | None:
        """The largest checkpoint with its signatures, or ``None``. Reads only that one from
        the store (a log signs one per interval: reading them all grew with the log's age)."""
        stored = self.store.latest_checkpoint()
        if stored is None:
            return None
        return self._stored_note(stored[0], stored[2], self.store.size())

    def _stored_note(self, size: int, text: str, entries: int) -> tuple[Checkpoint, Note]:
        """A stored checkpoint's note with its stored cosignatures; ``entries`` is the store's
        size read after the checkpoint (a checkpoint beyond it is a damaged store)."""
        if size > entries:
            raise StoreError(f"the checkpoint at size {size} covers more entries than the {entries} stored",
                             file=self.store.display_url)
        note = Note.parse(text, file=self.store.display_url)
        cosigs = [NoteSignature(n, k, s) for n, k, s in self.store.cosignatures(size)]
        return Checkpoint.from_text(note.text), note.with_signatures(cosigs)

    def checkpoint(self, key: PrivateKey) -> tuple[Checkpoint, Note]:
        """Sign a checkpoint of the current size with the log key ``key`` and store it.

        Refuses a key that is not a log signer for the size it would sign (see
        :meth:`log_signers`), and (as C2SP requires of a log) never signs a checkpoint
        inconsistent with the previous one. When nothing was appended since the latest
        checkpoint, that checkpoint is returned unchanged.
        """
        with self.store.write() as w:
            size = w.size
            # Inside the lock: the size, and so the keys in force, cannot move under us.
            if key.public not in self.log_signers(size, _key_history(self.info, w.key_rows(), self.store.display_url)):
                raise InputError(f"key {key.name} ({key.public.id.hex()}) is not this ledger's log key", field="key")
            latest = self.latest_checkpoint()
            if latest is not None and latest[0].size == size:
                return latest
            root = self.store.root(size)
            if latest is not None:
                prev = latest[0]
                try:
                    verify_consistency(prev.size, size, self.store.consistency_proof(prev.size, size), prev.root, root)
                except ProofError as exc:
                    problem = f"log is inconsistent with its checkpoint at size {prev.size}: {exc}"
                    raise IntegrityError(problem) from None
            cp = Checkpoint(self.origin, size, root)
            note = cp.note().sign(key)
            w.add_checkpoint(size, root, note.encode())
        return cp, note

    def add_cosignature(self, size: int, signature: NoteSignature) -> None:
        """Store a party's signature on the checkpoint at ``size`` after verifying it with the
        party's key in force at ``size`` (:meth:`KeyHistory.signing_keys`); a key rotated out
        by then is refused."""
        found = [(cp, note) for cp, note in self.checkpoint_notes() if cp.size == size]
        if not found:
            raise InputError(f"no checkpoint at size {size}", field="size")
        _cp, note = found[0]
        key = self.keys().signing_keys(size).get(signature.name)
        if key is None or key.id != signature.key_id:
            raise InputError(f"key {signature.key_id.hex()} is not {signature.name}'s key for a checkpoint "
                             f"of size {size}",
                             field="signature")
        if not key.verify(note.text.encode(), signature.signature):
            raise InputError(f"cosignature by {signature.name} does not verify", field="signature")
        if any((s.name, s.key_id) == (signature.name, signature.key_id) for s in note.signatures):
            return
        with self.store.write() as w:
            w.add_cosignature(size, signature.name, signature.key_id, signature.signature)


def _key_history(info: LedgerInfo, key_rows: Sequence[Row], store: str | None = None) -> KeyHistory:
    """Replay the genesis keys and every stored rotation (admitted, hence verified).

    A row listed as a rotation that does not hold one was changed behind the ledger's back: a
    :class:`StoreError` naming the store (``store``) and the entry, not the user's input."""
    history = KeyHistory(info.parties)
    for row in key_rows:
        if row.kind == KEY_ROTATION:
            try:
                e = SignedEntry.from_body(row.body).entry
                if e.kind != KEY_ROTATION or e.party is None or history.current(e.party) is None:
                    raise InputError("is not a key rotation by a party of this ledger")
                history.rotate(e.party, rotation_key(e), row.index + 1)
            except InputError as err:
                raise StoreError(f"entry {row.index}, stored as a key rotation: {err.problem}", file=store) from None
    return history
