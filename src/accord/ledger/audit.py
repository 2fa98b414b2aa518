"""Full re-verification of a stored ledger, naming the entry behind every problem.

``audit(url)`` trusts nothing in the database — no index, no column type, no copied column:
it reads every table by a full scan that uses no index (:meth:`Store.raw_rows`), checks the
type and range of every stored value (a wrong-typed, negative, duplicated or far-out row is a
``row`` problem naming where it is), runs the database's own check (SQLite's
``PRAGMA integrity_check``, and the schema against accord's), recomputes every leaf hash from
the entry bytes, compares every column copied from the statement (kind, party, issued_at — the
replay guard's index rests on them) and the metadata row with what they were copied from,
re-verifies every signature with the key the party held at that index (the key rotations are
replayed from the entries themselves, never from the index the log appends with), rebuilds
the whole Merkle tree and compares it with every stored node, checks every checkpoint's
signatures and root against the rebuilt tree and each checkpoint's consistency with the one
before (each signature by the key in force at the checkpoint's size), re-checks commitment
openings, and finally hands the entries' statements to a ``replay`` function when the caller
gives one (its findings are reported beside the integrity problems; they do not make the audit
fail). The ledger knows nothing of what the entries say: ``accord.app.audit`` passes the data
exchange's replay.

Bounded whatever the store holds: memory grows with the rows stored (about 33 bytes per entry
position plus the nodes), never with the values in them (an index of 2**62 is reported, not
allocated for: :data:`MAX_MISSING`); the problems kept are capped (all are counted); every
check is linear or n log n in the rows. The audit never raises for what it reads: a database
that cannot be read is a ``database`` problem, and a failure of the audit itself would be an
``audit`` problem.

Signature checking — the bulk of the work — runs in this process during the scan, or in
chunks in worker processes when ``workers > 1``; each worker opens the store by URL itself
(and closes it), reads its range by index and the bytes it read are compared with the full
scan.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import AccordError, InputError, ProofError, StoreError
from .capproofs import CAP_PROOF, check_cap_proof
from .entries import GENESIS, KEY_ROTATION, NO_SIGNATURE, SIGNATURE_SIZE, SignedEntry, signing_message
from .keys import PublicKey
from .log import COMMITMENT, OPENING, KeyHistory, LedgerInfo, check_opening, rotation_key
from .merkle import EMPTY_ROOT, consistency_ranges, hash_from_nodes, perfect_nodes, verify_consistency
from .note import Checkpoint, Note
from .stores import Store, open_store
from .stores._base import NotUTF8

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
    ``genesis``, ``row`` — a stored row of the wrong type, out of range or twice —,
    ``database`` — the database's own check, or a database that cannot be read —,
    ``cap-proof`` — a cap proof that does not verify — and ``audit``) and a one-line detail."""

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
# Bounds and small helpers

#: Entries a store may lack (gaps in the indices) before rows further on are reported and left
#: out: the audit holds 33 bytes per index position, so a row at index 2**62 must not make it
#: allocate for every position below.
MAX_MISSING = 1 << 20
#: The longest checkpoint note read (a real one is a few hundred characters).
MAX_NOTE_CHARS = 1 << 20
_DETAIL = 200


def _show(value: Any) -> str:
    """A stored value in a problem's detail: its type and a short, safe rendering."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value) if value.bit_length() <= 64 else f"an integer of {value.bit_length()} bits"
    if type(value) is str:
        return repr(value[:40]) + ("…" if len(value) > 40 else "")
    if isinstance(value, NotUTF8):
        return f"text that is not UTF-8 ({len(value)} bytes)"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"{len(value)} bytes"
    return f"a {type(value).__name__}"


def _what(value: Any) -> str:
    """The type of a stored value, in words."""
    if value is None:
        return "NULL"
    if isinstance(value, NotUTF8):
        return "text that is not UTF-8"
    return {str: "text", bytes: "bytes", int: "an integer", float: "a real number", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}")


class _Problems:
    """Problems found so far: all counted, the ``cap`` with the lowest indices kept (memory
    stays bounded whatever the store holds)."""

    def __init__(self, cap: int) -> None:
        self.cap = max(0, cap)
        self.count = 0
        self._kept: list[Problem] = []

    def add(self, index: int | None, kind: str, detail: str) -> None:
        self.count += 1
        self._kept.append(Problem(index, kind, detail if len(detail) <= _DETAIL else detail[:_DETAIL] + "…"))
        if len(self._kept) > 2 * self.cap + 1000:
            self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=lambda p: (p.index is None, p.index or 0))
        del self._kept[self.cap:]

    def final(self) -> tuple[Problem, ...]:
        self._trim()
        return tuple(self._kept)


# ---------------------------------------------------------------------------------------------
# The statement and signature of one entry (in this process, or in a worker per chunk)

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


class _Checker:
    """Checks entries' statements and signatures, with the key each party held at each index."""

    def __init__(self, origin: str, key_at: Callable[[str, int], PublicKey | None],
                 restrictions: dict[str, tuple[str, ...]]) -> None:
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError

        self.prefix = signing_message(origin, b"")
        self.key_at = key_at
        self.restrictions = restrictions
        self._open = crypto_sign_open
        self._bad = BadSignatureError

    def check(self, i: int, row_kind: Any, row_party: Any, row_issued_at: Any, body: bytes,
              problems: list[tuple[int | None, str, str]], special: list[tuple[int, str, str, bytes]]) -> bool:
        """Check entry ``i``; returns True when its statement cannot be read (a format
        problem: the entry then says nothing the tree could be blamed for)."""
        sig, statement = body[:SIGNATURE_SIZE], body[SIGNATURE_SIZE:]
        # Field formats were checked at admission and the signature covers these exact bytes,
        # so only what the checks below need is parsed here.
        try:
            obj = json.loads(statement)
            if type(obj) is not dict or obj.keys() != _STATEMENT_KEYS:
                raise ValueError("statement must have exactly issued_at, kind, party, payload")
            kind, party = obj["kind"], obj["party"]
            if type(kind) is not str or not (party is None or type(party) is str):
                raise ValueError("kind and party must be strings")
        except ValueError as exc:
            problems.append((i, "format", f"entry is not a well-formed statement: {str(exc)[:100]}"))
            return True
        except RecursionError:  # written behind the ledger's back: admission refuses such depth
            problems.append((i, "format", "entry is not a well-formed statement: it nests too deeply to be read"))
            return True
        changed = [name for name, stored in (("kind", row_kind), ("party", row_party), ("issued_at", row_issued_at))
                   if type(stored) is not type(obj[name]) or stored != obj[name]]
        if changed:
            problems.append((i, "format", f"stored {'/'.join(changed)} column differs from the signed statement"))
        if i == 0 or kind == GENESIS:
            if i != 0 or kind != GENESIS or sig != NO_SIGNATURE:
                problems.append((i, "genesis", "only entry 0 is the (unsigned) genesis entry"))
            return False
        key = self.key_at(party, i) if party is not None else None
        if key is None:
            problems.append((i, "party", f"unknown party {_show(party)}"))
            return False
        allowed = self.restrictions.get(kind)
        if allowed is not None and party not in allowed:
            problems.append((i, "kind", f"{party} may not file {kind[:64]!r} entries"))
        try:
            self._open(sig + self.prefix + statement, key.raw)
        except (self._bad, ValueError):
            problems.append((i, "signature", f"signature does not verify with {party}'s key {key.id.hex()}"))
        if kind in (COMMITMENT, OPENING, CAP_PROOF):
            special.append((i, kind, party, body))  # type: ignore[arg-type]
        return False


def _check_chunk_at(url: str, args: _ChunkArgs, start: int, end: int) -> _ChunkResult:
    """Check entries ``start <= i < end`` in a worker process: opens the store by URL, reads the
    range, and closes it. Returns the problems, the leaf hashes of what it read (32 zero bytes
    where it read nothing usable: the caller compares them with its full scan) and the entries
    later checks need."""
    origin, timeline, restrictions = args
    keys = _Keys(timeline)
    checker = _Checker(origin, keys.at, restrictions)
    problems: list[tuple[int | None, str, str]] = []
    special: list[tuple[int, str, str, bytes]] = []
    leaves = bytearray(32 * (end - start))
    sha256 = hashlib.sha256
    last = start - 1
    with open_store(url) as store:
        for row in store.raw_rows("entries", (start, end)):
            i, kind, party, issued_at, _leaf, body = row
            if type(i) is not int or not last < i < end or type(body) is not bytes:
                continue  # out of place or unusable: the full scan reports it
            last = i
            leaves[32 * (i - start): 32 * (i - start + 1)] = sha256(b"\x00" + body).digest()
            checker.check(i, kind, party, issued_at, body, problems, special)
    return problems, bytes(leaves), special


# ---------------------------------------------------------------------------------------------

class _Tree:
    """Every complete subtree hash of the recomputed tree, one bytes object per level."""

    def __init__(self, leaves: bytes | bytearray) -> None:
        self.levels = [bytes(leaves)]
        sha256 = hashlib.sha256
        cur: bytes = self.levels[0]
        while len(cur) >= 64:
            nxt = bytearray(32 * (len(cur) // 64))
            for k in range(len(cur) // 64):
                nxt[32 * k: 32 * k + 32] = sha256(b"\x01" + cur[64 * k: 64 * k + 64]).digest()
            cur = bytes(nxt)
            self.levels.append(cur)

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


def _rotate(history: KeyHistory, origin: str, index: int, body: bytes) -> None:
    """Apply a key rotation at ``index`` when the entry is one and its signature verifies with
    the party's then-current key (an invalid one is reported by the entry checks)."""
    try:
        signed = SignedEntry.from_body(body, check_canonical=False)
        e = signed.entry
        if e.kind != KEY_ROTATION or e.party is None:
            return
        old = history.current(e.party)
        new = rotation_key(e)
    except InputError:
        return
    if old is not None and signed.verify(origin, old):
        history.rotate(e.party, new, index + 1)


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

    Whatever the store holds, the audit reports and returns: a database that cannot be read
    is a problem (``database``), and so is — should one ever happen — a failure of the audit
    itself (``audit``). Only a store that holds no ledger at all raises :class:`InputError`.
    """
    if isinstance(url, str):
        with open_store(url) as opened:
            return _guarded(opened, workers, chunk_size, replay, max_problems)
    return _guarded(url, workers, chunk_size, replay, max_problems)


def _guarded(store: Store, workers: int, chunk_size: int, replay: Replay | None, max_problems: int) -> AuditReport:
    try:
        return _Audit(store, max_problems).run(workers, max(1, chunk_size), replay)
    except InputError:
        raise
    except StoreError as exc:
        return AuditReport(False, 0, (Problem(None, "database", f"the database cannot be read: {exc.problem}"),))
    except Exception as exc:  # the audit's promise: a report, whatever the store holds
        detail = f"the audit could not finish: {exc.__class__.__name__}: {str(exc)[:_DETAIL]}"
        return AuditReport(False, 0, (Problem(None, "audit", detail),))


class _Audit:
    """One audit run: the state its passes share."""

    def __init__(self, store: Store, max_problems: int) -> None:
        self.store = store
        self.problems = _Problems(max_problems)
        self.leaves = bytearray()
        self.flags = bytearray()  # 1 where the entry's bytes are missing or unusable
        self.special: list[tuple[int, str, str, bytes]] = []
        self.info: LedgerInfo | None = None
        self.history: KeyHistory | None = None
        self.genesis_problem: str | None = None

    @property
    def size(self) -> int:
        return len(self.flags)

    def run(self, workers: int, chunk_size: int, replay: Replay | None) -> AuditReport:
        store, problems = self.store, self.problems
        if not store.exists():
            raise InputError("no ledger here", file=store.display_url)
        for message in store.integrity_problems():
            problems.add(None, "database", message)

        # 1. Entries, by a full scan in index order: bytes, leaves, gaps, the genesis and the key
        #    rotations; statements and signatures too when checked in this process.
        try:
            hint = store.size()  # only to choose where to check signatures: the scan counts
        except (AccordError, ValueError, TypeError):
            hint = 0
        inline = workers <= 1 or self._chunks(workers, chunk_size, hint) <= 1
        self._scan_entries(inline)
        if self.info is None or self.history is None:
            problems.add(0, "genesis", self.genesis_problem or "entry 0 (genesis) is missing")
            return AuditReport(False, self.size, problems.final())
        info, history = self.info, self.history
        self._check_meta(info)
        if not inline:
            self._run_workers(workers, chunk_size, info, history)
        self._find_replays()

        # 2. The tree: rebuild it and compare every stored node.
        tree = _Tree(self.leaves)
        self._compare_nodes(tree)

        # 3. Checkpoints: signatures, roots, consistency.
        summaries = self._check_checkpoints(tree, info, history)

        # 4. Commitment openings, and cap proofs (each verified again, by the key that signed it).
        self._check_openings()
        self._check_cap_proofs(info, history)

        # 5. The caller's replay of what the entries say (findings, not integrity problems).
        notes: list[str] = []
        exchange = _replay(replay, store, self.size) if replay else _SKIPPED
        if exchange["status"] != "replayed":
            notes.append(f"exchange replay {exchange['status']}: {exchange['detail']}")
        listed = problems.final()
        if problems.count > len(listed):
            notes.append(f"{problems.count} problems found; the first {len(listed)} are listed")
        return AuditReport(problems.count == 0, self.size, listed, tuple(summaries), tuple(notes), exchange)

    # -- entries ------------------------------------------------------------------------
    def _chunks(self, workers: int, chunk_size: int, size: int) -> int:
        if workers > 1:  # several chunks per worker, so both stay busy to the end
            chunk_size = max(1000, min(chunk_size, -(-size // (4 * workers))))
        return -(-size // chunk_size)

    def _scan_entries(self, inline: bool) -> None:
        add = self.problems.add
        leaves, flags = self.leaves, self.flags
        sha256 = hashlib.sha256
        found: list[tuple[int | None, str, str]] = []
        checker: _Checker | None = None
        expect = 0
        missing = 0
        for row in self.store.raw_rows("entries"):
            i, kind, party, issued_at, leaf, body = row
            if type(i) is not int:
                add(None, "row", f"entries row with index {_show(i)}: the index is not an integer")
                continue
            if i < 0:
                add(None, "row", f"entries row at index {i}: the index is negative")
                continue
            if i < expect:
                add(i, "row", f"a second entries row at index {i}")
                continue
            if i - expect + missing > MAX_MISSING:
                add(i, "row", f"entries row at index {_show(i)} lies {i - expect:,} entries past the one before it "
                              f"(over {MAX_MISSING:,} missing in all): not audited")
                continue
            if i > expect:
                gap = f"entry {expect} is missing" if i == expect + 1 else f"entries {expect}..{i - 1} are missing"
                add(expect, "missing", f"{gap} (gap in the indices)")
                missing += i - expect
                leaves.extend(bytes(32 * (i - expect)))
                flags.extend(b"\x01" * (i - expect))
            expect = i + 1
            if type(body) is not bytes:
                add(i, "format", f"stored entry is {_what(body)}, not bytes")
                leaves.extend(bytes(32))
                flags.append(1)
                continue
            digest = sha256(b"\x00" + body).digest()
            leaves.extend(digest)
            bad = leaf != digest or type(leaf) is not bytes
            if bad:
                add(i, "leaf", "stored leaf hash does not match the entry's bytes" if type(leaf) is bytes
                    else f"stored leaf hash is {_what(leaf)}, not 32 bytes")
            if i == 0:
                self._genesis(body)
                if self.info is not None and inline:
                    history = self.history
                    assert history is not None
                    checker = _Checker(self.info.origin, history.at, dict(self.info.restrictions))
            elif self.history is not None and (b"key-rotation" in body or b"\\u" in body):
                _rotate(self.history, self.info.origin, i, body)  # type: ignore[union-attr]
            if checker is not None:
                checker.check(i, kind, party, issued_at, body, found, self.special)
                for index, what, detail in found:
                    add(index, what, detail)
                    bad = bad or what == "format"
                found.clear()
            flags.append(1 if bad else 0)

    def _genesis(self, body: bytes) -> None:
        """Read the ledger's parameters from entry 0 (or say why they cannot be read)."""
        try:
            genesis = SignedEntry.from_body(body, check_canonical=False)
            info = LedgerInfo.from_payload(genesis.entry.payload)
            info.origin.encode()
            for kind, allowed in info.restrictions.items():
                if type(kind) is not str or any(type(p) is not str for p in allowed):
                    raise InputError("restrictions must name kinds and parties", field="payload.restrictions")
        except InputError as err:
            self.genesis_problem = f"genesis entry is unusable: {err.problem}"
            return
        except (TypeError, ValueError, AttributeError) as exc:
            self.genesis_problem = f"genesis entry is unusable: {str(exc)[:100]}"
            return
        self.info = info
        self.history = KeyHistory(info.parties)

    def _check_meta(self, info: LedgerInfo) -> None:
        import itertools

        expected = sorted({"schema": _META_SCHEMA, "origin": info.origin, "agreement": info.agreement}.items())
        rows = self.store.raw_rows("meta")
        try:
            stored = [tuple(r) for r in itertools.islice(rows, len(expected) + 1)]
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # a generator left early: release its connection now
        if not (len(stored) == len(expected) and all(type(k) is str and type(v) is str for k, v in stored)
                and sorted(stored) == expected):
            self.problems.add(0, "genesis", "stored metadata differs from the genesis entry")

    def _run_workers(self, workers: int, chunk_size: int, info: LedgerInfo, history: KeyHistory) -> None:
        """Statements and signatures in ``workers`` processes, each reading its range itself;
        what they read is compared with the full scan."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        size = self.size
        step = -(-size // self._chunks(workers, chunk_size, size)) if size else 1
        bounds = [(a, min(a + step, size)) for a in range(0, size, step)]
        args: _ChunkArgs = (info.origin, history.timeline(), dict(info.restrictions))
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_check_chunk_at, self.store.url, args, a, b) for a, b in bounds]
            for (a, b), future in zip(bounds, futures, strict=True):
                found, leaves, special = future.result()
                self._merge(a, b, found, leaves)
                self.special.extend(special)

    def _merge(self, a: int, b: int, found: list[tuple[int | None, str, str]], leaves: bytes) -> None:
        for index, kind, detail in found:
            self.problems.add(index, kind, detail)
            if kind == "format" and index is not None:
                self.flags[index] = 1
        if leaves != self.leaves[32 * a: 32 * b]:
            for i in range(a, b):
                if self.flags[i] == 0 and leaves[32 * (i - a): 32 * (i - a + 1)] != self.leaves[32 * i: 32 * i + 32]:
                    self.problems.add(i, "row", "a read of this entry by its index returned other bytes than a full "
                                                "scan of the table (a damaged index)")

    def _find_replays(self) -> None:
        """Flag every entry whose leaf (party, content and signature) already occurred earlier."""
        import numpy as np

        n = self.size
        if n < 2:
            return
        rows = np.frombuffer(bytes(self.leaves), dtype=">u8").reshape(n, 4)
        order = np.lexsort(rows.T[::-1])
        s = rows[order]
        same = np.all(s[1:] == s[:-1], axis=1) & np.any(s[1:] != 0, axis=1)
        for k in np.nonzero(same)[0]:
            first, later = sorted((int(order[k]), int(order[k + 1])))
            self.problems.add(later, "replay", f"same signed entry as entry {first}")

    # -- the tree -----------------------------------------------------------------------
    def _compare_nodes(self, tree: _Tree) -> None:
        """Compare stored interior nodes with the rebuilt ones; report only the lowest
        mismatches (one explained by a bad child or a bad entry below it is not repeated)."""
        import numpy as np

        size, add = self.size, self.problems.add
        top = max(0, size.bit_length() - 1)  # levels 1..top hold at least one complete node
        stored = {lvl: np.zeros((size >> lvl, 32), dtype=np.uint8) for lvl in range(1, top + 1)}
        present = {lvl: np.zeros(size >> lvl, dtype=bool) for lvl in range(1, top + 1)}
        malformed = {lvl: np.zeros(size >> lvl, dtype=bool) for lvl in range(1, top + 1)}
        for row in self.store.raw_rows("nodes"):
            level, k, h = row
            if type(level) is not int or type(k) is not int:
                add(None, "row",
                    f"nodes row (level {_show(level)}, index {_show(k)}): level and index must be integers")
                continue
            if not 1 <= level <= 63 or k < 0:
                add(None, "row", f"nodes row (level {_show(level)}, index {_show(k)}) lies outside any tree")
                continue
            if k >= size >> level:
                add(size, "node",
                    f"stored node (level {level}, index {_show(k)}) lies outside a tree of {size} entries")
                continue
            if present[level][k]:
                add(k << level, "row", f"a second nodes row at level {level}, index {k}")
                continue
            present[level][k] = True
            if type(h) is bytes and len(h) == 32:
                stored[level][k] = np.frombuffer(h, dtype=np.uint8)
            else:
                malformed[level][k] = True
        below = np.frombuffer(bytes(self.flags), dtype=np.uint8).astype(bool)
        for level in range(1, top + 1):
            count = size >> level
            rebuilt = np.frombuffer(tree.levels[level], dtype=np.uint8).reshape(-1, 32)[:count]
            differs = present[level] & (malformed[level] | np.any(stored[level] != rebuilt, axis=1))
            bad = differs | ~present[level]
            explained = below[0:2 * count:2] | below[1:2 * count:2]
            for k in np.nonzero(bad & ~explained)[0]:
                k = int(k)
                lo, hi = k << level, ((k + 1) << level) - 1
                what = ("is missing" if not present[level][k] else
                        "is not a 32-byte hash" if malformed[level][k] else "differs from the rebuilt tree")
                add(lo, "node", f"stored node (level {level}, index {k}) over entries {lo}..{hi} {what}")
            below = bad

    # -- checkpoints --------------------------------------------------------------------
    def _cosignatures(self) -> dict[int, list[tuple[str, bytes, bytes]]]:
        """Every well-formed cosignature row by checkpoint size (the others reported)."""
        by_size: dict[int, list[tuple[str, bytes, bytes]]] = {}
        seen: set[tuple[int, str, bytes]] = set()
        for row in self.store.raw_rows("cosignatures"):
            size, name, key_id, sig = row
            if type(size) is not int or size < 0:
                self.problems.add(None, "row", f"cosignatures row with size {_show(size)}: not a size")
                continue
            if type(name) is not str or type(key_id) is not bytes or type(sig) is not bytes \
                    or len(key_id) != 4 or len(sig) != 64:
                self.problems.add(None, "row", f"cosignatures row at size {size}: name {_show(name)}, key id "
                                                f"{_show(key_id)}, signature {_show(sig)} (text, 4 and 64 bytes)")
                continue
            if (size, name, key_id) in seen:
                self.problems.add(None, "row", f"a second cosignatures row by {_show(name)} at size {size}")
                continue
            seen.add((size, name, key_id))
            by_size.setdefault(size, []).append((name, key_id, sig))
        return by_size

    def _check_checkpoints(self, tree: _Tree, info: LedgerInfo, history: KeyHistory) -> list[dict[str, Any]]:
        import base64

        size, add = self.size, self.problems.add
        cosignatures = self._cosignatures()
        summaries = []
        prev: Checkpoint | None = None
        sizes: set[int] = set()
        for row in self.store.raw_rows("checkpoints"):
            stored_size, stored_root, text = row
            if type(stored_size) is not int or stored_size < 0:
                add(None, "row", f"checkpoints row with size {_show(stored_size)}: not a size")
                continue
            where = max(0, min(stored_size, size) - 1)
            if stored_size in sizes:
                add(where, "row", f"a second checkpoints row at size {stored_size}")
                continue
            sizes.add(stored_size)
            try:
                if type(text) is not str:
                    raise InputError(f"its note is {_what(text)}, not text")
                if len(text) > MAX_NOTE_CHARS:
                    raise InputError(f"its note is {len(text):,} characters long (a checkpoint is a few hundred)")
                text.encode()
                note = Note.parse(text)
                cp = Checkpoint.from_text(note.text)
            except InputError as err:
                add(where, "checkpoint", f"checkpoint at size {stored_size} is malformed: {err.problem}")
                continue
            except UnicodeError:
                add(where, "checkpoint", f"checkpoint at size {stored_size} is malformed: its note is not UTF-8")
                continue
            if cp.size != stored_size or type(stored_root) is not bytes or cp.root != stored_root \
                    or cp.origin != info.origin:
                differ = f"checkpoint at size {stored_size}: stored size, root or origin differ from its note"
                add(where, "checkpoint", differ)
            # Only keys in force at the checkpoint's size count: a rotated-out key signs nothing later.
            party_keys = history.signing_keys(cp.size)
            log_keys = [info.log_key] if info.log_key else list(party_keys.values())
            signers = [k.name for k in note.verified_keys(log_keys)]
            if not signers:
                add(where, "checkpoint", f"checkpoint at size {cp.size} is not signed by the log key")
            message = note.text.encode()
            for name, key_id, sig in sorted(cosignatures.get(stored_size, ())):
                key = party_keys.get(name)
                if key is None or key.id != key_id:
                    add(where, "cosignature", f"cosignature on the checkpoint at size {cp.size} is by key "
                                              f"{key_id.hex()}, not {name[:64]}'s key in force at that size")
                elif not key.verify(message, sig):
                    add(where, "cosignature",
                        f"cosignature by {name} on the checkpoint at size {cp.size} does not verify")
                else:
                    signers.append(name)
            if cp.size > size:
                add(size, "checkpoint", f"checkpoint covers {cp.size} entries but only {size} are "
                                        f"stored: entries {size}..{cp.size - 1} are missing")
            elif tree.root(cp.size) != cp.root:
                lo = prev.size if prev is not None and prev.size <= cp.size else 0
                add(lo, "checkpoint",
                    f"checkpoint at size {cp.size} does not match the stored entries {lo}..{cp.size - 1}")
            if prev is not None and cp.size <= size and prev.size > 0:
                try:
                    verify_consistency(prev.size, cp.size, tree.consistency_proof(prev.size, cp.size),
                                       prev.root, cp.root)
                except (ProofError, ValueError) as exc:
                    add(prev.size, "consistency",
                        f"checkpoints at sizes {prev.size} and {cp.size} are not consistent: {exc}")
            summaries.append({"size": cp.size, "root": base64.b64encode(cp.root).decode(),
                              "signers": sorted(set(signers))})
            prev = cp
        for orphan in sorted(set(cosignatures) - sizes):
            for name, _key_id, _sig in cosignatures[orphan]:
                add(max(0, min(orphan, size) - 1), "cosignature",
                    f"cosignature by {name[:64]} at size {orphan}: no checkpoint of that size is stored")
        return summaries

    # -- commitments --------------------------------------------------------------------
    def _check_openings(self) -> None:
        bodies = {i: body for i, kind, _party, body in self.special if kind == COMMITMENT}
        for i, kind, _party, body in self.special:
            if kind != OPENING:
                continue
            try:
                e = SignedEntry.from_body(body, check_canonical=False).entry
                target = e.payload.get("commitment")
                ref = bodies.get(target) if type(target) is int and target < i else None
                check_opening(e, SignedEntry.from_body(ref, check_canonical=False) if ref else None)
            except InputError as err:
                self.problems.add(i, "commitment", f"opening does not match its commitment: {err.problem}")
            except (AccordError, ValueError, TypeError, ArithmeticError) as exc:
                self.problems.add(i, "commitment", f"opening does not match its commitment: {str(exc)[:100]}")

    def _check_cap_proofs(self, info: LedgerInfo, history: KeyHistory) -> None:
        for i, kind, party, body in self.special:
            if kind != CAP_PROOF:
                continue
            key = history.at(party, i)
            try:
                e = SignedEntry.from_body(body, check_canonical=False).entry
                check_cap_proof(e.payload, party, info.agreement, [key] if key else [])
            except InputError as err:
                self.problems.add(i, "cap-proof", f"cap proof rejected: {err.problem}")
            except (AccordError, ValueError, TypeError, ArithmeticError) as exc:
                self.problems.add(i, "cap-proof", f"cap proof rejected: {str(exc)[:100]}")


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
