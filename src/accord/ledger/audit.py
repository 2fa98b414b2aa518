"""Full re-verification of a stored ledger, naming the entry behind every problem.

``audit(url)`` trusts nothing in the database: it recomputes every leaf hash from the entry
bytes, compares every column copied from the statement (kind, party, issued_at — the replay
guard's index rests on them) and the metadata row with what they were copied from,
re-verifies every signature with the key the party held at that index (replaying key
rotations), rebuilds the whole Merkle tree and compares it with every stored node, checks every
checkpoint's signatures and root against the rebuilt tree and each checkpoint's consistency with
the one before (each signature by the key in force at the checkpoint's size), re-checks
commitment openings, and finally hands the entries' statements to a ``replay`` function when
the caller gives one (its findings are reported beside the integrity problems; they do not make
the audit fail). The ledger knows nothing of what the entries say: ``accord.app.audit`` passes
the data exchange's replay.

Signature checking — the bulk of the work — runs in chunks, in worker processes when
``workers > 1``; each worker opens the store by URL itself (and closes it).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, ProofError, StoreError
from .entries import GENESIS, KEY_ROTATION, NO_SIGNATURE, SIGNATURE_SIZE, SignedEntry, signing_message
from .keys import PublicKey
from .log import COMMITMENT, OPENING, KeyHistory, LedgerInfo, check_opening, rotation_key
from .merkle import EMPTY_ROOT, consistency_ranges, hash_from_nodes, perfect_nodes, verify_consistency
from .note import Checkpoint, Note
from .stores import Store, open_store

if TYPE_CHECKING:
    import pandas as pd

#: The metadata row a store is created with (see :meth:`Ledger.create`): nothing more, nothing less.
_META_SCHEMA = "accord.ledger/v1"

__all__ = ["AUDIT_SCHEMA", "AuditReport", "Problem", "Replay", "audit", "statements"]

AUDIT_SCHEMA = "accord.audit/v1"
_STATEMENT_KEYS = {"issued_at", "kind", "party", "payload"}
PROBLEM_COLUMNS = ("index", "kind", "detail")
_SKIPPED = {"status": "skipped", "detail": "not requested", "findings": []}

#: A replay of the logged statements: receives ``{"index", "kind", "party", "issued_at",
#: "payload"}`` for every entry in index order and returns findings (objects with
#: ``to_json()``, or JSON objects). An :class:`InputError` means the entries could not be read.
Replay = Callable[[Iterable[dict[str, Any]]], Iterable[Any]]


@dataclass(frozen=True)
class Problem:
    """One finding: the entry index it concerns (``None`` when it concerns no single entry), a
    problem kind (``missing``, ``leaf``, ``format``, ``signature``, ``party``, ``kind``,
    ``replay``, ``node``, ``checkpoint``, ``cosignature``, ``consistency``, ``commitment``,
    ``genesis``) and a one-line detail."""

    index: int | None
    kind: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class AuditReport:
    """The audit outcome: ``ok`` iff there are no problems; ``notes`` never affect ``ok``."""

    ok: bool
    size: int
    problems: tuple[Problem, ...]
    checkpoints: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    exchange: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``accord.audit/v1`` object (documented in docs/ledger.md)."""
        return {
            "schema": AUDIT_SCHEMA,
            "ok": self.ok,
            "size": self.size,
            "problems": self.rows(),
            "checkpoints": list(self.checkpoints),
            "notes": list(self.notes),
            "exchange": self.exchange,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per problem: ``index`` (``None`` when no single entry), ``kind``, ``detail``."""
        return [p.to_json() for p in self.problems]

    def to_frame(self) -> pd.DataFrame:
        """The problems as a DataFrame with columns ``index`` (nullable integer), ``kind``,
        ``detail``; empty, with those columns, when the ledger is ok."""
        import pandas as pd

        frame = pd.DataFrame(self.rows(), columns=list(PROBLEM_COLUMNS))
        return frame.astype({"index": "Int64", "kind": "string", "detail": "string"})

    def summary(self) -> str:
        """One line: ``ok`` or ``NOT OK``, the entries and checkpoints audited; then the notes."""
        line = f"{'ok' if self.ok else 'NOT OK'}: {self.size} entries, {len(self.checkpoints)} checkpoints"
        return "\n".join([line, *(f"note: {n}" for n in self.notes)])


# ---------------------------------------------------------------------------------------------
# Per-chunk entry checks (run in worker processes)

class _Keys:
    """Key lookup by (party, index) from a picklable timeline."""

    def __init__(self, timeline: Sequence[tuple[int, str, str, bytes]]) -> None:
        by_party: dict[str, list[tuple[int, PublicKey]]] = {}
        for start, party, name, raw in sorted(timeline, key=lambda t: t[0]):
            by_party.setdefault(party, []).append((start, PublicKey(name, raw)))
        self._starts = {p: [s for s, _ in v] for p, v in by_party.items()}
        self._keys = {p: [k for _, k in v] for p, v in by_party.items()}

    def at(self, party: str, index: int) -> PublicKey | None:
        starts = self._starts.get(party)
        if not starts:
            return None
        i = bisect.bisect_right(starts, index) - 1
        return self._keys[party][i] if i >= 0 else None


#: Problems ``(index, kind, detail)``, the recomputed leaf hashes, and the (index, kind, party,
#: body) of the entries later checks need.
_ChunkResult = tuple[list[tuple[int | None, str, str]], bytes, list[tuple[int, str, str, bytes]]]
#: What every chunk check needs besides its range: origin, key timeline, kind restrictions.
_ChunkArgs = tuple[str, Sequence[tuple[int, str, str, bytes]], dict[str, tuple[str, ...]]]


def _check_chunk_at(url: str, args: _ChunkArgs, start: int, end: int) -> _ChunkResult:
    """:func:`_check_chunk` in a worker process: opens the store by URL, and closes it."""
    with open_store(url) as store:
        return _check_chunk(store, *args, start, end)


def _check_chunk(
    store: Store,
    origin: str,
    timeline: Sequence[tuple[int, str, str, bytes]],
    restrictions: dict[str, tuple[str, ...]],
    start: int,
    end: int,
) -> _ChunkResult:
    """Check entries ``start <= i < end``: returns problems, the recomputed leaf hashes (32 bytes
    each, zeros for missing entries) and the (index, kind, party, body) of entries that later
    checks need (commitments, openings)."""
    keys = _Keys(timeline)
    problems: list[tuple[int | None, str, str]] = []
    leaves = bytearray(32 * (end - start))
    special: list[tuple[int, str, str, bytes]] = []
    sha256 = hashlib.sha256
    prefix = signing_message(origin, b"")
    expect = start
    from nacl.bindings import crypto_sign_open as open_signed
    from nacl.exceptions import BadSignatureError

    for i, row_kind, row_party, row_issued_at, row_leaf, body in store.scan(start, end):
        while expect < i:
            problems.append((expect, "missing", "entry is missing (gap in the indices)"))
            expect += 1
        expect = i + 1
        leaf = sha256(b"\x00" + body).digest()
        leaves[32 * (i - start): 32 * (i - start + 1)] = leaf
        if row_leaf != leaf:
            problems.append((i, "leaf", "stored leaf hash does not match the entry's bytes"))
        sig, statement = body[:SIGNATURE_SIZE], body[SIGNATURE_SIZE:]
        # Field formats were checked at admission and the signature covers these exact bytes,
        # so only what the checks below need is parsed here.
        try:
            obj = json.loads(statement)
            if type(obj) is not dict or obj.keys() != _STATEMENT_KEYS:
                raise ValueError("statement must have exactly issued_at, kind, party, payload")
            kind, party = obj["kind"], obj["party"]
        except ValueError as exc:
            problems.append((i, "format", f"entry is not a well-formed statement: {exc}"))
            continue
        except RecursionError:  # written behind the ledger's back: admission refuses such depth
            problems.append((i, "format", "entry is not a well-formed statement: it nests too deeply to be read"))
            continue
        changed = [name for name, stored in (("kind", row_kind), ("party", row_party), ("issued_at", row_issued_at))
                   if stored != obj[name]]
        if changed:
            problems.append((i, "format", f"stored {'/'.join(changed)} column differs from the signed statement"))
        if i == 0 or kind == GENESIS:
            if i != 0 or kind != GENESIS or sig != NO_SIGNATURE:
                problems.append((i, "genesis", "only entry 0 is the (unsigned) genesis entry"))
            continue
        key = keys.at(party, i) if type(party) is str else None
        if key is None:
            problems.append((i, "party", f"unknown party {party!r}"))
            continue
        allowed = restrictions.get(kind)
        if allowed is not None and party not in allowed:
            problems.append((i, "kind", f"{party} may not file {kind!r} entries"))
        try:
            open_signed(sig + prefix + statement, key.raw)
        except BadSignatureError:
            problems.append((i, "signature", f"signature does not verify with {party}'s key {key.id.hex()}"))
        if kind in (COMMITMENT, OPENING):
            special.append((i, kind, party, body))
    for missing in range(expect, end):
        problems.append((missing, "missing", "entry is missing (gap in the indices)"))
    return problems, bytes(leaves), special


# ---------------------------------------------------------------------------------------------

class _Tree:
    """Every complete subtree hash of the recomputed tree, one bytearray per level."""

    def __init__(self, leaves: bytes) -> None:
        self.levels = [leaves]
        sha256 = hashlib.sha256
        cur: bytes | bytearray = leaves
        while len(cur) >= 64:
            nxt = bytearray(32 * (len(cur) // 64))
            for k in range(len(cur) // 64):
                nxt[32 * k: 32 * k + 32] = sha256(b"\x01" + cur[64 * k: 64 * k + 64]).digest()
            self.levels.append(bytes(nxt))
            cur = nxt

    def node(self, level: int, index: int) -> bytes | None:
        if level >= len(self.levels) or 32 * (index + 1) > len(self.levels[level]):
            return None
        return self.levels[level][32 * index: 32 * index + 32]

    def range_hash(self, a: int, b: int) -> bytes:
        return hash_from_nodes([self.node(lvl, k) for lvl, k in perfect_nodes(a, b)])  # type: ignore[misc]

    def root(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else self.range_hash(0, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return [self.range_hash(a, b) for a, b in consistency_ranges(size1, size2)]


def _history(info: LedgerInfo, origin: str, key_rows: Iterable[Any]) -> KeyHistory:
    """Replay key rotations, keeping only those whose signature verifies with the then-current key."""
    history = KeyHistory(info.parties)
    for row in key_rows:
        if row.kind != KEY_ROTATION:
            continue
        try:
            signed = SignedEntry.from_body(row.body, check_canonical=False)
            e = signed.entry
            old = history.current(e.party)  # type: ignore[arg-type]
            new = rotation_key(e)
        except InputError:
            continue  # reported by the entry checks as a format problem
        if old is not None and signed.verify(origin, old):
            history.rotate(e.party, new, row.index + 1)  # type: ignore[arg-type]
    return history


def _run_chunks(store: Store, args: _ChunkArgs, size: int, workers: int, chunk_size: int) -> list[_ChunkResult]:
    """Check every entry in chunks: in this process through ``store``, or in ``workers``
    processes that each reopen the store by its URL."""
    if workers > 1:  # several chunks per worker, so both stay busy to the end
        chunk_size = max(1000, min(chunk_size, -(-size // (4 * workers))))
    bounds = [(a, min(a + chunk_size, size)) for a in range(0, size, chunk_size)]
    if workers <= 1 or len(bounds) <= 1:
        return [_check_chunk(store, *args, a, b) for a, b in bounds]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_check_chunk_at, store.url, args, a, b) for a, b in bounds]
        return [f.result() for f in futures]


def audit(
    url: str | Store,
    *,
    workers: int = 1,
    chunk_size: int = 20000,
    replay: Replay | None = None,
    max_problems: int = 1000,
) -> AuditReport:
    """Re-verify the ledger at ``url`` (a URL, or an open store) from its raw bytes; every
    problem names an entry index.

    ``workers`` processes check signatures in parallel (``1`` = in this process). ``replay``,
    when given, receives the entries' :func:`statements` once the ledger has been checked; its
    findings go to ``exchange`` and never change ``ok`` (without it ``exchange`` says
    ``skipped``). At most ``max_problems`` problems are listed (a note says when more were
    found). A store opened here from a URL is closed before returning.
    """
    if isinstance(url, str):
        with open_store(url) as opened:
            return _audit(opened, workers, chunk_size, replay, max_problems)
    return _audit(url, workers, chunk_size, replay, max_problems)


def _audit(store: Store, workers: int, chunk_size: int, replay: Replay | None, max_problems: int) -> AuditReport:
    problems: list[Problem] = []
    notes: list[str] = []
    try:
        if not store.exists():
            raise InputError("no ledger here", file=store.display_url)
        size = store.size()
        genesis_row = store.row(0)
        key_rows = store.key_rows()
        meta = store.meta()
    except StoreError as exc:
        return AuditReport(False, 0, (Problem(None, "format", f"database cannot be read: {exc}"),))
    try:
        if genesis_row is None:
            raise InputError("entry 0 (genesis) is missing")
        genesis = SignedEntry.from_body(genesis_row.body, check_canonical=False)
        info = LedgerInfo.from_payload(genesis.entry.payload)
    except InputError as err:
        problems.append(Problem(0, "genesis", f"genesis entry is unusable: {err.problem}"))
        return AuditReport(False, size, tuple(problems))
    origin = info.origin
    if meta != {"schema": _META_SCHEMA, "origin": origin, "agreement": info.agreement}:
        problems.append(Problem(0, "genesis", "stored metadata differs from the genesis entry"))
    history = _history(info, origin, key_rows)

    # 1. Entries: bytes, statements, parties, signatures (parallel).
    args: _ChunkArgs = (origin, history.timeline(), dict(info.restrictions))
    try:
        results = _run_chunks(store, args, size, workers, chunk_size)
    except StoreError as exc:
        return AuditReport(False, size, (Problem(None, "format", f"database cannot be read: {exc}"),))
    leaves = b"".join(r[1] for r in results)
    special = [s for r in results for s in r[2]]
    flagged: set[int] = set()
    for r in results:
        for index, kind, detail in r[0]:
            problems.append(Problem(index, kind, detail))
            if kind in ("missing", "leaf", "format"):
                flagged.add(index)  # type: ignore[arg-type]
    _find_replays(leaves, problems)

    # 2. The tree: rebuild it and compare every stored node.
    tree = _Tree(leaves)
    _compare_nodes(store, tree, size, flagged, problems)

    # 3. Checkpoints: signatures, roots, consistency.
    summaries = _check_checkpoints(store, tree, size, info, history, problems)

    # 4. Commitment openings.
    bodies = {i: (kind, party, body) for i, kind, party, body in special}
    for i, kind, _party, body in special:
        if kind != OPENING:
            continue
        e = SignedEntry.from_body(body, check_canonical=False).entry
        target = e.payload.get("commitment")
        ref = bodies.get(target) if isinstance(target, int) and target < i else None
        try:
            check_opening(e, SignedEntry.from_body(ref[2], check_canonical=False) if ref else None)
        except InputError as err:
            problems.append(Problem(i, "commitment", f"opening does not match its commitment: {err.problem}"))

    # 5. The caller's replay of what the entries say (findings, not integrity problems).
    exchange = _replay(replay, store, size) if replay else _SKIPPED
    if exchange["status"] != "replayed":
        notes.append(f"exchange replay {exchange['status']}: {exchange['detail']}")

    problems.sort(key=lambda p: (p.index is None, p.index or 0))
    if len(problems) > max_problems:
        notes.append(f"{len(problems)} problems found; the first {max_problems} are listed")
    return AuditReport(not problems, size, tuple(problems[:max_problems]), tuple(summaries), tuple(notes), exchange)


def _find_replays(leaves: bytes, problems: list[Problem]) -> None:
    """Flag every entry whose leaf (party, content and signature) already occurred earlier."""
    import numpy as np

    n = len(leaves) // 32
    if n < 2:
        return
    rows = np.frombuffer(leaves, dtype=">u8").reshape(n, 4)
    order = np.lexsort(rows.T[::-1])
    s = rows[order]
    same = np.all(s[1:] == s[:-1], axis=1) & np.any(s[1:] != 0, axis=1)
    for k in np.nonzero(same)[0]:
        first, later = sorted((int(order[k]), int(order[k + 1])))
        problems.append(Problem(later, "replay", f"same signed entry as entry {first}"))


def _compare_nodes(store: Store, tree: _Tree, size: int, flagged: set[int], problems: list[Problem]) -> None:
    """Compare stored interior nodes with the rebuilt ones, level by level; report only the
    lowest mismatches (one explained by a bad child or a bad entry below it is not repeated)."""
    import itertools

    bad: set[tuple[int, int]] = {(0, i) for i in flagged}

    def mismatch(level: int, k: int, what: str) -> None:
        bad.add((level, k))
        if (level - 1, 2 * k) in bad or (level - 1, 2 * k + 1) in bad:
            return
        lo = k << level
        hi = lo + (1 << level) - 1
        problems.append(Problem(lo, "node", f"stored node (level {level}, index {k}) over entries {lo}..{hi} {what}"))

    def check_level(level: int, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        count = size >> level
        nxt = 0
        for _, k, h in nodes:
            k = int(k)
            if k >= count:
                outside = f"stored node (level {level}, index {k}) lies outside a tree of {size} entries"
                problems.append(Problem(size, "node", outside))
                continue
            for m in range(nxt, k):
                mismatch(level, m, "is missing")
            nxt = k + 1
            if bytes(h) != tree.node(level, k):
                mismatch(level, k, "differs from the rebuilt tree")
        for m in range(nxt, count):
            mismatch(level, m, "is missing")

    done = 0
    for level, group in itertools.groupby(store.all_nodes(), key=lambda t: int(t[0])):
        for lower in range(done + 1, level):
            check_level(lower, ())
        check_level(level, group)
        done = max(done, level)
    for lower in range(done + 1, size.bit_length()):
        check_level(lower, ())


def _check_checkpoints(
    store: Store, tree: _Tree, size: int, info: LedgerInfo, history: KeyHistory, problems: list[Problem]
) -> list[dict[str, Any]]:
    import base64

    summaries = []
    prev: Checkpoint | None = None
    for stored_size, stored_root, text in store.checkpoints():
        where = max(0, min(stored_size, size) - 1)
        try:
            note = Note.parse(text)
            cp = Checkpoint.from_text(note.text)
        except InputError as err:
            problems.append(Problem(where, "checkpoint",
                                    f"checkpoint at size {stored_size} is malformed: {err.problem}"))
            continue
        if cp.size != stored_size or cp.root != stored_root or cp.origin != info.origin:
            differ = f"checkpoint at size {stored_size}: stored size, root or origin differ from its note"
            problems.append(Problem(where, "checkpoint", differ))
        # Only keys in force at the checkpoint's size count: a rotated-out key signs nothing later.
        party_keys = history.signing_keys(cp.size)
        log_keys = [info.log_key] if info.log_key else list(party_keys.values())
        if not note.verified_keys(log_keys):
            problems.append(Problem(where, "checkpoint", f"checkpoint at size {cp.size} is not signed by the log key"))
        signers = [k.name for k in note.verified_keys(log_keys)]
        for name, key_id, sig in store.cosignatures(stored_size):
            key = party_keys.get(name)
            if key is None or key.id != key_id:
                problems.append(Problem(where, "cosignature",
                                        f"cosignature on the checkpoint at size {cp.size} is by key {key_id.hex()}, "
                                        f"not {name}'s key in force at that size"))
            elif not key.verify(note.text.encode(), sig):
                problems.append(Problem(where, "cosignature",
                                        f"cosignature by {name} on the checkpoint at size {cp.size} does not verify"))
            else:
                signers.append(name)
        if cp.size > size:
            problems.append(Problem(size, "checkpoint", f"checkpoint covers {cp.size} entries but only {size} are "
                                                        f"stored: entries {size}..{cp.size - 1} are missing"))
        elif tree.root(cp.size) != cp.root:
            lo = prev.size if prev is not None else 0
            unmatched = f"checkpoint at size {cp.size} does not match the stored entries {lo}..{cp.size - 1}"
            problems.append(Problem(lo, "checkpoint", unmatched))
        if prev is not None and cp.size <= size and prev.size > 0:
            try:
                verify_consistency(prev.size, cp.size, tree.consistency_proof(prev.size, cp.size), prev.root, cp.root)
            except ProofError as exc:
                problems.append(Problem(prev.size, "consistency",
                                        f"checkpoints at sizes {prev.size} and {cp.size} are not consistent: {exc}"))
        summaries.append({"size": cp.size, "root": base64.b64encode(cp.root).decode(), "signers": sorted(set(signers))})
        prev = cp
    return summaries


def statements(store: Store, end: int | None = None) -> Iterator[dict[str, Any]]:
    """Every entry below ``end`` (default: all) as ``{"index", "kind", "party", "issued_at",
    "payload"}``, in index order, streamed; an entry whose bytes do not decode keeps its stored
    kind and party, with ``issued_at`` and ``payload`` ``None``."""
    for row in store.rows(0, end):
        try:
            e = SignedEntry.from_body(row.body, check_canonical=False).entry
        except InputError:
            yield {"index": row.index, "kind": row.kind, "party": row.party, "issued_at": None, "payload": None}
            continue
        yield {"index": row.index, **e.to_json()}


def _replay(replay: Replay, store: Store, size: int) -> dict[str, Any]:
    """Run ``replay`` over the first ``size`` entries; its failure is reported, not raised.

    The replay is the caller's code over data the parties wrote: whatever it raises, the audit
    of the ledger itself stands, so the failure becomes the ``exchange`` status."""
    try:
        found = list(replay(statements(store, size)) or ())
    except InputError as err:
        return {"status": "failed", "detail": f"entries could not be replayed: {err.one_line()}", "findings": []}
    except Exception as exc:
        detail = f"exchange replay failed: {exc.__class__.__name__}: {exc}"
        return {"status": "failed", "detail": detail, "findings": []}
    findings = [f.to_json() if hasattr(f, "to_json") else f for f in found]
    return {"status": "replayed", "detail": f"{len(findings)} reconciliation findings", "findings": findings}
