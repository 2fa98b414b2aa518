"""A monitor: follow a remote accord log over HTTP and verify everything it serves.

Each check (:meth:`Monitor.check`):

1. fetches ``<URL>/checkpoint`` and verifies it is the pinned log's (origin, log key);
2. if the tree grew, checks it is consistent with the last verified checkpoint — the RFC 9162
   consistency proof recomputed from the log's hash tiles — then fetches every new entry from
   the entry bundles, checks that the entries hash to the checkpoint's root *before* using
   them, and admits them into the monitor's own copy of the ledger (``mirror.db``) by the
   ledger's admission rules (signature by the party's key in force, party, kind restrictions,
   key rotations, commitments and openings, no replay) — an entry the log accepted that the
   rules refuse is a finding;
3. lists who cosigned the checkpoint (the parties, by the genesis keys; the witnesses whose
   keys it was given);
4. compares the checkpoints the witnesses cosigned (``GET <witness>/logs``) and other monitors
   verified (their state folders) with its own copy of the tree: two checkpoints the log signed
   that cannot both be true — one size with two roots, or a pair no consistency proof joins —
   are a *split view*, saved as evidence (both signed notes and the proof) in ``DIR/evidence``;
5. replays the declarations and notifications through the exchange rules (each declaration
   under the agreement it names), as ``accord ledger audit`` does: findings about what was
   declared, which do not make the check fail.

The check fails (``ok`` false) when the log misbehaved: a checkpoint not signed by the pinned
key, a split view, tiles or entries that do not hash to the signed root, an entry the rules
refuse, an unreachable log. Witnesses that cannot be reached are warnings.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import EntryRejected, InputError, StoreError
from ..ledger.cosignature import WitnessKey, cosigners
from ..ledger.entries import GENESIS, NO_SIGNATURE, SignedEntry
from ..ledger.keys import PublicKey
from ..ledger.log import Ledger, LedgerInfo
from ..ledger.merkle import leaf_hash, perfect_nodes
from ..ledger.note import Checkpoint, Note
from ..ledger.stores import open_store
from .monitor_core import (
    TILE_WIDTH,
    Fetch,
    NotFound,
    SeenCheckpoint,
    SplitView,
    TileError,
    TileTree,
    bundle_width,
    compare_checkpoints,
    entries_path,
    extend_root,
    parse_entry_bundle,
    verify_checkpoint,
)
from .monitor_state import MonitorState, read_peer_view, root_b64, save_evidence

if TYPE_CHECKING:
    import httpx

__all__ = ["MONITOR_SCHEMA", "Monitor", "MonitorFinding", "MonitorReport", "WitnessSpec", "parse_witness"]

MONITOR_SCHEMA = "accord.monitor/v1"
#: Largest checkpoint note read (a real one is a few hundred bytes, plus a line per cosigner).
MAX_NOTE_BYTES = 64 * 1024
#: Largest witness ``/logs`` answer read.
MAX_WITNESS_BYTES = 1 << 20
#: Largest entry bundle read: 256 entries of at most a 1 MiB payload each, with their envelope.
MAX_BUNDLE_BYTES = TILE_WIDTH * ((1 << 20) + 64 * 1024)
_APPEND_BATCH = 1000
#: Entry bytes kept in memory between hashing and admitting them; beyond, they are read again.
KEEP_BYTES = 64 << 20


class FetchFailed(Exception):
    """The server could not be reached or answered something other than 200 or 404."""


@dataclass(frozen=True)
class WitnessSpec:
    """A witness to compare views with: its URL and, when known, its cosignature key."""

    url: str
    key: WitnessKey | None = None

    @property
    def name(self) -> str:
        return self.key.name if self.key is not None else self.url


def parse_witness(spec: str) -> WitnessSpec:
    """``URL`` or ``VKEY@URL`` (the witness's cosignature/v1 verifier key, then its URL)."""
    vkey, sep, url = spec.rpartition("@")
    if sep and "://" in vkey:  # an @ inside the URL itself (user info), not a key
        vkey, url = "", spec
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{spec!r} is not URL or VKEY@URL (an http:// or https:// URL)", field="--witness")
    key = WitnessKey.parse(vkey, field="--witness") if vkey else None
    return WitnessSpec(url.rstrip("/"), key)


@dataclass(frozen=True)
class MonitorFinding:
    """One thing a check found: ``severity`` ``error`` (the log misbehaved; the check fails),
    ``warning`` (could not check something) or ``info``; ``kind`` (``checkpoint``,
    ``split-view``, ``tiles``, ``entries``, ``admission``, ``genesis``, ``unreachable``,
    ``witness``, ``peer``, ``stale``, ``exchange``); the entry ``index`` when one is concerned;
    the ``evidence`` folder of a split view."""

    severity: str
    kind: str
    detail: str
    index: int | None = None
    evidence: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "kind": self.kind, "index": self.index, "detail": self.detail,
                "evidence": self.evidence}


@dataclass(frozen=True)
class MonitorReport:
    """One check of a log (``accord.monitor/v1``): ``ok`` iff no finding is an error."""

    url: str
    origin: str | None
    size: int | None
    root: bytes | None
    new_entries: int
    cosigners: tuple[str, ...]
    witnesses: tuple[dict[str, Any], ...]
    findings: tuple[MonitorFinding, ...]
    exchange: dict[str, Any]
    checked_at: str
    columns = ("severity", "kind", "index", "detail", "evidence")

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def split_views(self) -> list[MonitorFinding]:
        return [f for f in self.findings if f.kind == "split-view"]

    def to_json(self) -> dict[str, Any]:
        return {"schema": MONITOR_SCHEMA, "ok": self.ok, "url": self.url, "origin": self.origin, "size": self.size,
                "root": root_b64(self.root) if self.root is not None else None, "new_entries": self.new_entries,
                "cosigners": list(self.cosigners), "witnesses": list(self.witnesses),
                "findings": self.rows(), "exchange": self.exchange, "checked_at": self.checked_at}

    def rows(self) -> list[dict[str, Any]]:
        """One row per finding, then one per exchange (reconciliation) finding."""
        rows = [f.to_json() for f in self.findings]
        for x in self.exchange.get("findings", []):
            rows.append({"severity": "info", "kind": "exchange", "index": None,
                         "detail": f"{x.get('kind')}: {x.get('detail')}", "evidence": None})
        return rows

    def title(self) -> str:
        if self.size is None:
            return f"{self.url}: no verified checkpoint"
        who = ", ".join(self.cosigners) or "nobody"
        return (f"{self.url}: {self.size} entries verified (+{self.new_entries}), root {root_b64(self.root or b'')}, "
                f"cosigned by {who}")

    def summary(self) -> str:
        errors = sum(f.severity == "error" for f in self.findings)
        warnings = sum(f.severity == "warning" for f in self.findings)
        head = "ok" if self.ok else f"NOT OK: {errors} error(s)"
        ex = self.exchange
        return (f"{head}, {warnings} warning(s); exchange replay {ex.get('status')}: {ex.get('detail')}")


# ----------------------------------------------------------------------------- HTTP

def http_fetcher(client: httpx.Client, base: str, limit: int, seconds: float | None = None) -> Fetch:
    """``fetch(path)``: GET ``base/path``, at most ``limit`` bytes, the whole answer within
    ``seconds`` (default: the client's read timeout); :class:`NotFound` on 404,
    :class:`FetchFailed` for anything but 200, or an answer that is too large or too slow.

    httpx bounds each read, not the whole answer: a log sending a byte just inside each read
    timeout would hold a check for hours. So the request runs in a thread of its own and the
    caller waits ``seconds`` at most; a request given up on stops at its next chunk."""
    import httpx

    budget = client.timeout.read if seconds is None else seconds

    def get(url: str, path: str, given_up: threading.Event) -> bytes:
        try:
            with client.stream("GET", url, headers={"Accept-Encoding": "gzip, identity"}) as r:
                if r.status_code == 404:
                    raise NotFound(path)
                if r.status_code != 200:
                    raise FetchFailed(f"GET {url}: HTTP {r.status_code}")
                data = bytearray()
                for chunk in r.iter_bytes():
                    if given_up.is_set():
                        raise FetchFailed(f"GET {url}: given up")
                    data += chunk
                    if len(data) > limit:
                        raise FetchFailed(f"GET {url}: more than {limit:,} bytes")
                return bytes(data)
        except httpx.HTTPError as exc:
            raise FetchFailed(f"GET {url}: {exc.__class__.__name__}: {exc}") from None

    def fetch(path: str) -> bytes:
        url = f"{base}/{path}"
        if budget is None:
            return get(url, path, threading.Event())
        future: cf.Future[bytes] = cf.Future()
        given_up = threading.Event()

        def work() -> None:
            try:
                future.set_result(get(url, path, given_up))
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

        threading.Thread(target=work, name="accord-monitor-fetch", daemon=True).start()
        try:
            return future.result(budget)
        except cf.TimeoutError:
            given_up.set()
            raise FetchFailed(f"GET {url}: no complete answer within {budget:g} s") from None

    return fetch


def _text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=where) from None


# ----------------------------------------------------------------------------- the monitor

@dataclass
class _Check:
    """What one check collects."""

    findings: list[MonitorFinding] = field(default_factory=list)
    new_entries: int = 0

    def add(self, severity: str, kind: str, detail: str, index: int | None = None,
            evidence: str | None = None) -> None:
        self.findings.append(MonitorFinding(severity, kind, detail, index, evidence))


class Monitor:
    """Verifies a remote log against a :class:`MonitorState` (see the module docstring).

    ``client`` is an ``httpx.Client`` the caller owns (and closes); ``replay`` runs the
    exchange replay over the mirror after each check that added entries (or the first)."""

    def __init__(self, state: MonitorState, client: httpx.Client, *, witnesses: Sequence[WitnessSpec] = (),
                 peers: Sequence[Path] = (), replay: bool = True) -> None:
        self.state = state
        self.client = client
        self.witnesses = list(witnesses)
        self.peers = list(peers)
        self.replay = replay
        self.base = state.url.rstrip("/")
        self._exchange: dict[str, Any] = {"status": "skipped", "detail": "nothing replayed yet", "findings": []}

    # -- the mirror ---------------------------------------------------------------------
    def _mirror(self) -> Ledger | None:
        if not self.state.mirror_path.exists():
            return None
        store = open_store(self.state.mirror_url)
        if not store.exists():
            store.close()
            return None
        try:
            return Ledger(store)
        except BaseException:
            store.close()
            raise

    # -- one check ----------------------------------------------------------------------
    def check(self) -> MonitorReport:
        """Check what the log serves now (see the module docstring) and record it in the state."""
        c = _Check()
        mirror = self._mirror()
        try:
            seen = self._log_checkpoint(c)
            if seen is not None:
                mirror = self._follow(c, seen, mirror)
            cosigned = self._cosigners(seen, mirror) if seen is not None else ()
            witnesses = self._compare_views(c, mirror)
            if self.replay and mirror is not None and (c.new_entries or self._exchange["status"] == "skipped"):
                self._exchange = _replay(mirror)
        finally:
            if mirror is not None:
                mirror.close()
        self.state.save()
        verified = self.state.verified
        report = MonitorReport(self.state.url, self.state.origin,
                               verified.checkpoint.size if verified else None,
                               verified.checkpoint.root if verified else None, c.new_entries, tuple(cosigned),
                               tuple(witnesses), tuple(c.findings), self._exchange, self.state.checked_at or "")
        self.state.write_report(report.to_json())
        return report

    def _log_checkpoint(self, c: _Check) -> SeenCheckpoint | None:
        """The log's current checkpoint, verified as the pinned log's, or ``None`` (a finding)."""
        where = f"{self.base}/checkpoint"
        try:
            data = http_fetcher(self.client, self.base, MAX_NOTE_BYTES)("checkpoint")
        except (NotFound, FetchFailed) as exc:
            c.add("error", "unreachable", f"cannot read the log's checkpoint: {exc}")
            return None
        try:
            text = _text(data, where)
            origin = self.state.origin or Checkpoint.from_text(Note.parse(text, file=where).text, file=where).origin
            cp, _note = verify_checkpoint(text, origin=origin, log_key=self.state.log_key, where=where)
        except InputError as err:
            c.add("error", "checkpoint", f"the log served a checkpoint that is not its own: {err.one_line()}")
            return None
        self.state.origin = origin
        return SeenCheckpoint(f"log {self.base}", text, cp)

    def _split(self, c: _Check, split: SplitView) -> None:
        folder = save_evidence(self.state.directory, split)
        c.add("error", "split-view", f"{split.detail} ({split.first.source} / {split.second.source})",
              evidence=str(folder))

    def _follow(self, c: _Check, seen: SeenCheckpoint, mirror: Ledger | None) -> Ledger | None:
        """Verify ``seen`` against what was verified before and bring the mirror up to it."""
        cp = seen.checkpoint
        last = self.state.verified
        tip = mirror.size() if mirror is not None else 0
        if cp.size <= tip and mirror is not None:
            # Every entry it covers is already verified here: its root must be ours at that size.
            if mirror.root(cp.size) != cp.root:
                ours = last if last is not None and last.checkpoint.size >= cp.size else None
                if ours is not None:
                    split = _mirror_split(seen, ours, mirror)
                    if split is not None:
                        self._split(c, split)
                        return mirror
                c.add("error", "checkpoint", f"the log's checkpoint of size {cp.size} does not match the "
                                             f"{cp.size} entries verified before")
                return mirror
            if last is not None and cp.size < last.checkpoint.size:
                c.add("warning", "stale", f"the log served an older checkpoint (size {cp.size}) than the one "
                                          f"verified before (size {last.checkpoint.size}); it is consistent with it")
                return mirror
            if last is None or cp.size > last.checkpoint.size or cp.root != last.checkpoint.root:
                self._record(mirror, seen)
            return mirror
        if mirror is None and cp.size == 0:
            c.add("error", "genesis", "the log signed an empty checkpoint (size 0): an accord log holds its "
                                      "genesis entry from the start")
            return None
        fetch = http_fetcher(self.client, self.base, MAX_BUNDLE_BYTES)
        tree = TileTree(cp.size, fetch)
        try:
            # The tiles first: only tiles that hash to the signed root are the signed tree's, and
            # only a proof built from them shows that two checkpoints cannot both be true (tiles
            # that lie about an old part of the tree are the log's error, not a split view).
            if tree.root() != cp.root:
                c.add("error", "tiles", f"the log's hash tiles for size {cp.size} do not hash to its checkpoint's "
                                        "root")
                return mirror
            if last is not None and 0 < last.checkpoint.size < cp.size:
                proof = tree.consistency_proof(last.checkpoint.size)
                split = compare_checkpoints(last, seen, proof, f"the log's hash tiles at {self.base}",
                                            tree.range_hash(0, last.checkpoint.size))
                if split is not None:
                    self._split(c, split)
                    return mirror
            hashes, kept = self._leaf_hashes(fetch, tip, cp.size)
        except (TileError, FetchFailed, NotFound) as exc:
            c.add("error", "tiles", f"cannot read the log's tree of size {cp.size}: {exc}")
            return mirror
        # Every new entry must hash, with what was verified before, to the signed root before
        # any of them is used.
        if extend_root(_frontier(mirror, tip), tip, hashes) != cp.root:
            c.add("error", "entries", f"the entry bundles for entries {tip}..{cp.size - 1} do not hash to the "
                                      "checkpoint's root", index=tip)
            return mirror
        bodies = iter(kept) if kept is not None else self._bodies(fetch, tip, cp.size, hashes)
        try:
            if mirror is None:
                mirror = self._create_mirror(c, next(bodies))
                if mirror is None:
                    return None
                tip = 1
            added = self._admit(c, mirror, bodies, tip)
        except (TileError, FetchFailed, NotFound) as exc:
            c.add("error", "entries", f"cannot read the log's entries again: {exc}", index=tip)
            return mirror
        c.new_entries += added
        if tip + added == cp.size and mirror.root(cp.size) == cp.root:
            self._record(mirror, seen)
        return mirror

    def _bundles(self, fetch: Fetch, start: int, end: int) -> Iterator[tuple[int, list[bytes]]]:
        """``(index of the first, bodies)`` of entries ``start <= i < end``, bundle by bundle,
        from the entry bundles of a tree of ``end`` entries (accord's uint32 bundles where a
        bundle holds an entry tlog-tiles cannot frame)."""
        for t in range(start // TILE_WIDTH, -(-end // TILE_WIDTH)):
            width = bundle_width(end, t)
            path = entries_path(t, width)
            try:
                try:
                    bundle = parse_entry_bundle(fetch(path), width, where=path)
                except NotFound:
                    wide = entries_path(t, width, wide=True)
                    bundle = parse_entry_bundle(fetch(wide), width, wide=True, where=wide)
            except NotFound:
                raise TileError(f"{path}: not found, but the checkpoint of size {end} needs it") from None
            lo, hi = max(start, t * TILE_WIDTH), min(end, (t + 1) * TILE_WIDTH)
            yield lo, bundle[lo - t * TILE_WIDTH: hi - t * TILE_WIDTH]

    def _leaf_hashes(self, fetch: Fetch, start: int, end: int) -> tuple[list[bytes], list[bytes] | None]:
        """The leaf hashes of entries ``start <= i < end``, and their bodies while they fit in
        :data:`KEEP_BYTES` (``None`` beyond: :meth:`_bodies` reads them again). Memory stays
        bounded by the budget plus 32 bytes an entry, however far the log grew."""
        hashes: list[bytes] = []
        kept: list[bytes] | None = []
        held = 0
        for _first, bodies in self._bundles(fetch, start, end):
            hashes.extend(leaf_hash(b) for b in bodies)
            if kept is not None:
                held += sum(len(b) for b in bodies)
                if held <= KEEP_BYTES:
                    kept.extend(bodies)
                else:
                    kept = None
        return hashes, kept

    def _bodies(self, fetch: Fetch, start: int, end: int, hashes: Sequence[bytes]) -> Iterator[bytes]:
        """The bodies of entries ``start <= i < end`` read again, each checked against the leaf
        hash that was verified against the signed root (:class:`TileError` if one differs)."""
        for first, bodies in self._bundles(fetch, start, end):
            for i, body in enumerate(bodies, first):
                if leaf_hash(body) != hashes[i - start]:
                    raise TileError(f"entry {i} changed between two reads of its bundle")
                yield body

    def _create_mirror(self, c: _Check, body: bytes) -> Ledger | None:
        """The mirror, created from the log's genesis entry exactly as served; ``None`` (a
        finding) when the genesis is not this log's."""
        try:
            genesis = SignedEntry.from_body(body, file="entry 0")
            info = LedgerInfo.from_payload(genesis.entry.payload)
        except InputError as err:
            c.add("error", "genesis", f"entry 0 is not a genesis entry: {err.one_line()}", index=0)
            return None
        pinned = self.state.log_key
        problem = None
        if genesis.entry.kind != GENESIS or genesis.signature != NO_SIGNATURE:
            problem = "entry 0 is not an unsigned genesis entry"
        elif info.origin != self.state.origin:
            problem = f"the genesis names origin {info.origin!r}, not the checkpoint's {self.state.origin!r}"
        elif info.log_key != pinned:
            named = f"{info.log_key.name}+{info.log_key.id.hex()}" if info.log_key else "no log key"
            problem = f"the genesis names {named}, not the pinned log key {pinned.name}+{pinned.id.hex()}"
        if problem is not None:
            c.add("error", "genesis", problem, index=0)
            return None
        store = open_store(self.state.mirror_url)
        try:
            meta = {"schema": "accord.ledger/v1", "origin": info.origin, "agreement": info.agreement}
            store.create(meta, GENESIS, genesis.entry.issued_at, body, leaf_hash(body))
            mirror = Ledger(store)
        except BaseException:
            store.close()
            raise
        c.new_entries += 1
        return mirror

    def _admit(self, c: _Check, mirror: Ledger, bodies: Iterator[bytes], first: int) -> int:
        """Admit ``bodies`` (entries ``first…``) into the mirror by the ledger's rules, in
        batches; stops at the first refused entry (a finding). Returns how many were admitted."""
        done = 0
        while True:
            batch = list(itertools.islice(bodies, _APPEND_BATCH))
            if not batch:
                return done
            try:
                signed = [SignedEntry.from_body(b, file=f"entry {first + done + i}") for i, b in enumerate(batch)]
                mirror.append(signed)
            except EntryRejected as err:
                at = first + done + (err.position or 0)
                c.add("error", "admission", f"the log holds entry {at}, which the ledger's rules refuse: "
                                            f"{err.problem}", index=at)
                return done
            except InputError as err:
                c.add("error", "admission", f"the log holds a malformed entry: {err.one_line()}", index=first + done)
                return done
            done += len(batch)

    def _record(self, mirror: Ledger, seen: SeenCheckpoint) -> None:
        """Record ``seen`` as verified: its log signature into the mirror (so the mirror is an
        auditable ledger), then the state (saved by :meth:`check`)."""
        cp = seen.checkpoint
        note = Note.parse(seen.text)
        log_only = Note(note.text, tuple(s for s in note.signatures
                                         if (s.name, s.key_id) == (self.state.log_key.name, self.state.log_key.id)))
        # The latest stored checkpoint is nearly always the previous one recorded (reading them
        # all grew with every checkpoint the monitor ever recorded); older ones only when needed.
        latest = mirror.store.latest_checkpoint()
        stored = latest is not None and (latest[0] == cp.size or (
            latest[0] > cp.size and any(size == cp.size for size, _root, _text in mirror.store.checkpoints())))
        if not stored:
            with mirror.store.write() as w:
                w.add_checkpoint(cp.size, cp.root, log_only.encode())
        self.state.verified = seen

    # -- cosigners and views --------------------------------------------------------------
    def _cosigners(self, seen: SeenCheckpoint, mirror: Ledger | None) -> list[str]:
        """Who cosigned the log's checkpoint: parties (their keys in force at its size) and the
        witnesses whose keys this monitor was given."""
        note = Note.parse(seen.text)
        names: list[str] = []
        if mirror is not None and seen.checkpoint.size <= mirror.size():
            party_keys: Iterable[PublicKey] = mirror.keys().signing_keys(seen.checkpoint.size).values()
            names += sorted(k.name for k in note.verified_keys(list(party_keys)))
        keys = [w.key for w in self.witnesses if w.key is not None]
        names += sorted(cosigners(note, keys))
        return names

    def _compare_views(self, c: _Check, mirror: Ledger | None) -> list[dict[str, Any]]:
        """Compare each witness's and peer's view with the verified tree."""
        out = []
        for w in self.witnesses:
            out.append(self._witness_view(c, mirror, w))
        for peer in self.peers:
            try:
                view = read_peer_view(peer)
            except InputError as err:
                c.add("warning", "peer", f"cannot read the peer monitor's state: {err.one_line()}")
                out.append({"source": f"peer {peer}", "status": "unreadable"})
                continue
            if view is None:
                out.append({"source": f"peer {peer}", "status": "nothing verified yet"})
                continue
            out.append(self._compare_view(c, mirror, view))
        return out

    def _witness_view(self, c: _Check, mirror: Ledger | None, w: WitnessSpec) -> dict[str, Any]:
        source = f"witness {w.url}"
        origin = self.state.origin
        try:
            data = http_fetcher(self.client, w.url, MAX_WITNESS_BYTES)("logs")
            text = _witness_note(_text(data, f"{w.url}/logs"), origin)
        except (NotFound, FetchFailed, InputError) as exc:
            detail = exc.one_line() if isinstance(exc, InputError) else str(exc)
            c.add("warning", "witness", f"cannot read {w.name}'s view: {detail}")
            return {"source": source, "status": "unreachable"}
        if text is None:
            return {"source": source, "status": "nothing cosigned yet"}
        try:
            cp, note = verify_checkpoint(text, origin=origin or "", log_key=self.state.log_key, where=source)
        except InputError as err:
            c.add("warning", "witness", f"{w.name} shows a checkpoint that is not the log's: {err.one_line()}")
            return {"source": source, "status": "not the log's"}
        if w.key is not None and w.key.name not in cosigners(note, [w.key]):
            c.add("warning", "witness", f"the view {w.url} serves carries no valid cosignature by {w.key.name}")
        self.state.witnesses[w.url] = {"size": cp.size, "root": root_b64(cp.root), "note": text}
        return self._compare_view(c, mirror, SeenCheckpoint(source, text, cp))

    def _compare_view(self, c: _Check, mirror: Ledger | None, view: SeenCheckpoint) -> dict[str, Any]:
        """A view (a witness's or peer's checkpoint, signed by the log) against the verified tree."""
        cp = view.checkpoint
        row = {"source": view.source, "size": cp.size, "root": root_b64(cp.root)}
        ours = self.state.verified
        if ours is None or mirror is None:
            return {**row, "status": "not compared (nothing verified yet)"}
        tip = mirror.size()
        if cp.size <= min(tip, ours.checkpoint.size):
            if mirror.root(cp.size) == cp.root:
                return {**row, "status": "consistent"}
            split = _mirror_split(view, ours, mirror)
            if split is not None:
                self._split(c, split)
                return {**row, "status": "SPLIT VIEW"}
            return {**row, "status": "consistent"}
        # The view is ahead of what the log showed this monitor: ask the log's tiles for the proof.
        tree = TileTree(cp.size, http_fetcher(self.client, self.base, MAX_BUNDLE_BYTES))
        try:
            proof = tree.consistency_proof(ours.checkpoint.size)
            prefix = tree.range_hash(0, ours.checkpoint.size)
        except (TileError, FetchFailed, NotFound, ValueError):
            c.add("warning", "witness" if view.source.startswith("witness") else "peer",
                  f"{view.source} saw a checkpoint of size {cp.size}, larger than the log shows (size "
                  f"{ours.checkpoint.size}), and the log serves no tiles for it yet: not compared")
            return {**row, "status": "ahead (not compared)"}
        try:
            split = compare_checkpoints(ours, view, proof, f"the log's hash tiles at {self.base}", prefix)
        except TileError as exc:
            c.add("error", "tiles", f"{view.source} holds a checkpoint of size {cp.size} signed by the log, and the "
                                    f"log's hash tiles for that size are not its tree: {exc}")
            return {**row, "status": "tiles do not match"}
        if split is not None:
            self._split(c, split)
            return {**row, "status": "SPLIT VIEW"}
        return {**row, "status": "consistent (ahead)"}


def _mirror_split(view: SeenCheckpoint, ours: SeenCheckpoint, mirror: Ledger) -> SplitView | None:
    """``view`` (no larger than ``ours``) against the monitor's verified copy of the tree."""
    size = view.checkpoint.size
    proof = mirror.store.consistency_proof(size, ours.checkpoint.size) if 0 < size < ours.checkpoint.size else []
    try:
        return compare_checkpoints(view, ours, proof, "the monitor's verified copy of the log",
                                   mirror.root(size) if size else None)
    except TileError:  # the copy no longer gives the verified root: not the log's doing
        return None


def _frontier(mirror: Ledger | None, size: int) -> list[bytes]:
    """The compact range of the mirror's first ``size`` entries (largest subtree first)."""
    if size == 0 or mirror is None:
        return []
    keys = perfect_nodes(0, size)
    found = mirror.store.nodes(keys)  # type: ignore[attr-defined]
    missing = [k for k in keys if k not in found]
    if missing:
        raise StoreError(f"the mirror lacks the tree nodes {missing[:3]}", file=mirror.store.display_url)
    return [found[k] for k in keys]


def _witness_note(text: str, origin: str | None) -> str | None:
    """The checkpoint note (``checkpoint``: the log's signature and the witness's cosignature) a
    witness's ``GET /logs`` (``accord.witness.logs/v1``) lists for ``origin``, or ``None`` when
    it has cosigned nothing for it."""
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError("the witness's /logs answer is not JSON") from None
    logs = obj.get("logs") if isinstance(obj, dict) else None
    if isinstance(logs, dict):
        entry = logs.get(origin or "")
    elif isinstance(logs, list):
        entry = next((e for e in logs if isinstance(e, dict) and e.get("origin") == origin), None)
    else:
        raise InputError("the witness's /logs answer has no logs")
    if entry is None:
        return None
    note = entry.get("checkpoint") if isinstance(entry, dict) else None
    return note if isinstance(note, str) else None


def _replay(mirror: Ledger) -> dict[str, Any]:
    """The exchange replay of the mirror's entries (as ``accord ledger audit`` runs it)."""
    from ..app.exchange import replay_ledger
    from ..ledger.audit import statements

    try:
        found = replay_ledger(statements(mirror.store))
    except InputError as err:
        return {"status": "failed", "detail": f"entries could not be replayed: {err.one_line()}", "findings": []}
    findings = [f.to_json() for f in found]
    return {"status": "replayed", "detail": f"{len(findings)} reconciliation findings", "findings": findings}


# ----------------------------------------------------------------------------- running

def run(url: str, state_dir: str | Path, *, log_key: PublicKey | None = None, origin: str | None = None,
        witnesses: Sequence[WitnessSpec] = (), peers: Sequence[Path] = (), once: bool = True,
        interval: float = 5.0, timeout: float = 10.0, replay: bool = True,
        on_report: Callable[[MonitorReport], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> MonitorReport:
    """Check ``url`` once (``once``) or every ``interval`` seconds until a split view (or
    ``should_stop()``), calling ``on_report`` after each check; returns the last report."""
    import httpx

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{url!r} is not an http:// or https:// URL", field="url")
    import math

    for name, value in (("--interval", interval), ("--timeout", timeout)):
        if not math.isfinite(value) or not 0 < value <= 86400:
            raise InputError("must be a positive number of seconds (at most a day)", field=name)
    state = MonitorState.open(state_dir, url=url.rstrip("/"), log_key=log_key, origin=origin)
    with state.locked(), httpx.Client(timeout=timeout, follow_redirects=False) as client:
        monitor = Monitor(state, client, witnesses=witnesses, peers=peers, replay=replay)
        while True:
            report = monitor.check()
            if on_report is not None:
                on_report(report)
            if once or report.split_views or (should_stop is not None and should_stop()):
                return report
            deadline = time.monotonic() + interval
            while time.monotonic() < deadline:
                if should_stop is not None and should_stop():
                    return report
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

