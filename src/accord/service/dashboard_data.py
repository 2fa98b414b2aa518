"""What the dashboard shows, read from a ledger store (pure over the store it is handed).

- the log: origin, agreement, size, the published checkpoint and who signed it (the log, the
  parties by their keys in force at its size, the witnesses by the keys the server knows; other
  signature lines are listed as unverified);
- the entries: counts by kind and by party, and the most recent ones (filtered by kind and
  party), with their time;
- the latest declaration of each party checked against the log's agreement — the same
  evaluation as ``accord check AGREEMENT --data DECLARATION`` (:func:`accord.app.compliance.check`);
- a monitor's last report (``report.json`` in its state folder), when the server is given one.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AccordError, InputError
from ..ledger.cosignature import WitnessKey, cosigners
from ..ledger.entries import SignedEntry
from ..ledger.log import Ledger
from ..ledger.note import Checkpoint, Note
from ..ledger.stores import Store

__all__ = ["DASHBOARD_SCHEMA", "Compliance", "DashboardData", "EntryRow", "collect", "entry_detail", "read_monitor"]

DASHBOARD_SCHEMA = "accord.dashboard/v1"
#: Entries scanned for the counts and filters (the most recent ones): a page never reads more.
MAX_SCAN = 100_000
_MAX_REPORT_BYTES = 4 << 20


@dataclass(frozen=True)
class EntryRow:
    """One entry as listed: index, kind, party, time, and a one-line summary of its payload."""

    index: int
    kind: str
    party: str | None
    issued_at: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "party": self.party, "issued_at": self.issued_at,
                "summary": self.summary}


@dataclass(frozen=True)
class Compliance:
    """A party's latest declaration in the log, checked against the log's agreement: the
    ``accord check`` rows (``rows``, ``footer``), or why it could not be (``error``)."""

    party: str
    index: int
    as_of: str | None
    rows: tuple[dict[str, Any], ...] = ()
    footer: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "index": self.index, "as_of": self.as_of, "findings": list(self.rows),
                "summary": self.footer, "error": self.error}


@dataclass(frozen=True)
class DashboardData:
    """Everything the overview page shows (``accord.dashboard/v1``)."""

    origin: str
    agreement: str
    size: int
    checkpoint: dict[str, Any] | None
    by_kind: dict[str, int]
    by_party: dict[str, int]
    recent: tuple[EntryRow, ...]
    compliance: tuple[Compliance, ...]
    monitor: dict[str, Any] | None
    scanned: int
    filters: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"schema": DASHBOARD_SCHEMA, "origin": self.origin, "agreement": self.agreement, "size": self.size,
                "checkpoint": self.checkpoint, "entries": {"by_kind": self.by_kind, "by_party": self.by_party,
                                                           "scanned": self.scanned, "filters": self.filters,
                                                           "recent": [e.to_json() for e in self.recent]},
                "compliance": [c.to_json() for c in self.compliance], "monitor": self.monitor}


def _summary(kind: str, payload: Any) -> str:
    """A short line about a payload: what a reader scanning the list wants to see first."""
    if not isinstance(payload, dict):
        return ""
    if kind == "declaration":
        items = payload.get("items")
        n = f", {len(items):,} items" if isinstance(items, list) else ""
        return f"as of {payload.get('as_of')}{n}" + (" (synthetic)" if payload.get("synthetic") else "")
    if kind == "notification":
        bits = [str(payload.get(k)) for k in ("id", "kind", "item", "date") if payload.get(k) is not None]
        return " ".join(bits)
    if kind == "genesis":
        return f"agreement {payload.get('agreement')}, parties {', '.join(sorted(payload.get('parties') or {}))}"
    keys = ", ".join(sorted(str(k) for k in payload)[:6])
    return f"{{{keys}}}" if keys else ""


def _decode(body: bytes) -> tuple[SignedEntry | None, str]:
    try:
        signed = SignedEntry.from_body(body, check_canonical=False)
    except InputError as err:
        return None, f"(unreadable: {err.problem})"
    return signed, _summary(signed.entry.kind, signed.entry.payload)


def _checkpoint(ledger: Ledger, published: str | None, witness_keys: Sequence[WitnessKey]) -> dict[str, Any] | None:
    """The published checkpoint (else the latest stored one) and who signed it."""
    text = published
    if text is None:
        latest = ledger.latest_checkpoint()
        if latest is None:
            return None
        text = latest[1].encode()
    note = Note.parse(text)
    cp = Checkpoint.from_text(note.text)
    signers: list[dict[str, str]] = []
    log_keys = ledger.log_signers(cp.size) if cp.size <= ledger.size() else []
    party_keys = ledger.keys().signing_keys(cp.size) if cp.size <= ledger.size() else {}
    known: set[tuple[str, bytes]] = set()
    for key in log_keys:
        if note.signed_by(key):
            signers.append({"name": key.name, "role": "log"})
            known.add((key.name, key.id))
    for name, key in sorted(party_keys.items()):
        if (key.name, key.id) not in known and note.signed_by(key):
            signers.append({"name": name, "role": "party"})
            known.add((key.name, key.id))
    for name, stamp in sorted(cosigners(note, witness_keys).items()):
        signers.append({"name": name, "role": "witness", "timestamp": str(stamp)})
        known.update((k.name, k.id) for k in witness_keys if k.name == name)
    for s in note.signatures:
        if (s.name, s.key_id) not in known:
            signers.append({"name": s.name, "role": "unverified"})
    return {"size": cp.size, "root": base64.b64encode(cp.root).decode(), "note": text, "signers": signers}


def _check_declaration(agreement: str, signed: SignedEntry, index: int) -> Compliance:
    """``accord check AGREEMENT --data <this declaration>``, on the payload as logged."""
    from ..app.compliance import check

    e = signed.entry
    payload = e.payload
    as_of = str(payload.get("as_of")) if isinstance(payload, dict) and payload.get("as_of") else None
    fd, tmp = tempfile.mkstemp(suffix=".json", prefix="accord-declaration-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f)
        result = check(agreement, tmp)
    except InputError as err:
        problem = err.problem if not err.field else f"{err.field}: {err.problem}"
        return Compliance(str(e.party), index, as_of, error=f"cannot be checked against {agreement}: {problem}")
    except AccordError as err:
        return Compliance(str(e.party), index, as_of, error=f"cannot be checked against {agreement}: {err}")
    finally:
        os.unlink(tmp)
    return Compliance(str(e.party), index, as_of, tuple(result.rows()), result.footer())


def read_monitor(directory: Path | None) -> dict[str, Any] | None:
    """A monitor's last report (``DIR/report.json``, ``accord.monitor/v1``), or a stand-in
    saying why there is none."""
    if directory is None:
        return None
    path = Path(directory) / "report.json"
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_REPORT_BYTES + 1)
        if len(data) > _MAX_REPORT_BYTES:
            return {"error": f"{path}: over {_MAX_REPORT_BYTES:,} bytes"}
        obj = json.loads(data)
    except FileNotFoundError:
        return {"error": f"no monitor report yet in {directory}"}
    except (OSError, ValueError, RecursionError) as exc:
        return {"error": f"{path}: {exc.__class__.__name__}"}
    return obj if isinstance(obj, dict) else {"error": f"{path}: not a report"}


_COMPLIANCE_CACHE: dict[tuple[str, str, int, bytes], Compliance] = {}


class _Window:
    """The last :data:`MAX_SCAN` entries' ``(index, kind, party, issued_at)`` with their counts
    and each party's latest declaration, kept up to date from the entries appended since (the
    log is append-only): a page reads only what is new, not the whole window again — an
    unauthenticated visitor reloading the dashboard cannot make the server read 100,000 entries
    (up to 6 GB of them) per request."""

    def __init__(self) -> None:
        self.size = 0
        self.rows: deque[tuple[int, str, str | None, str]] = deque()
        self.by_kind: Counter[str] = Counter()
        self.by_party: Counter[str] = Counter()
        self.latest_declaration: dict[str, int] = {}

    def extend(self, store: Store, size: int) -> None:
        """Bring the window to the store's first ``size`` entries (``size`` >= :attr:`size`)."""
        for index, kind, party, issued_at, _leaf, _body in store.scan(max(self.size, size - MAX_SCAN), size):
            self.rows.append((index, kind, party, issued_at))
            self.by_kind[kind] += 1
            self.by_party[party or "(log)"] += 1
            if kind == "declaration" and party is not None:
                self.latest_declaration[party] = index
        self.size = size
        while len(self.rows) > MAX_SCAN:
            index, kind, party, _at = self.rows.popleft()
            for counts, key in ((self.by_kind, kind), (self.by_party, party or "(log)")):
                counts[key] -= 1
                if counts[key] == 0:
                    del counts[key]
            if party is not None and self.latest_declaration.get(party) == index:
                del self.latest_declaration[party]


_WINDOWS: dict[tuple[str, str], _Window] = {}
_WINDOWS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Seen:
    """What a page shows of the window, copied out of it under the lock."""

    by_kind: dict[str, int]
    by_party: dict[str, int]
    latest_declaration: dict[str, int]
    matches: list[tuple[int, str, str | None, str]]
    scanned: int


def _scan(store: Store, origin: str, size: int, kind: str | None, party: str | None, limit: int) -> _Seen:
    """The counts over the last :data:`MAX_SCAN` of the first ``size`` entries and the ``limit``
    most recent matching ``kind`` and ``party``, from the window kept for this store (one per
    store URL and ledger origin, shared by the server's reader threads; a reader that sees fewer
    entries than the window holds, a moment behind the others, reads a window of its own)."""
    with _WINDOWS_LOCK:
        key = (store.url, origin)
        window = _WINDOWS.get(key)
        if window is None or window.size > size:
            fresh = _Window()
            if window is None and len(_WINDOWS) < 64:
                _WINDOWS[key] = fresh
            window = fresh
        if window.size < size:
            window.extend(store, size)
        matches: list[tuple[int, str, str | None, str]] = []
        if (kind is None or kind in window.by_kind) and (party is None or party in window.by_party):
            for row in reversed(window.rows):  # newest first, only as far as needed
                if (kind is None or row[1] == kind) and (party is None or row[2] == party):
                    matches.append(row)
                    if len(matches) >= limit:
                        break
        return _Seen(dict(window.by_kind.most_common()), dict(window.by_party.most_common()),
                     dict(window.latest_declaration), matches, len(window.rows))


def collect(store: Store, *, published: str | None = None, witness_keys: Sequence[WitnessKey] = (),
            kind: str | None = None, party: str | None = None, limit: int = 25,
            monitor_state: Path | None = None) -> DashboardData:
    """The dashboard's data from ``store`` (read-only). ``published`` is the checkpoint note
    the server publishes (with its cosignatures); ``kind`` and ``party`` filter the recent
    entries; the counts cover the last :data:`MAX_SCAN` entries."""
    ledger = Ledger(store)
    size = ledger.size()
    seen = _scan(store, ledger.origin, size, kind, party, limit)
    recent = []
    for index, row_kind, row_party, issued_at in seen.matches:
        row = store.row(index)
        summary = _decode(row.body)[1] if row is not None else ""
        recent.append(EntryRow(index, row_kind, row_party, issued_at, summary))
    compliance = []
    for _party, index in sorted(seen.latest_declaration.items()):
        row = store.row(index)
        if row is None:
            continue
        key = (store.url, ledger.info.agreement, index, row.leaf)
        found = _COMPLIANCE_CACHE.get(key)
        if found is None:
            signed, _ = _decode(row.body)
            if signed is None:
                continue
            found = _check_declaration(ledger.info.agreement, signed, index)
            if len(_COMPLIANCE_CACHE) > 256:
                _COMPLIANCE_CACHE.clear()
            _COMPLIANCE_CACHE[key] = found
        compliance.append(found)
    return DashboardData(ledger.origin, ledger.info.agreement, size, _checkpoint(ledger, published, witness_keys),
                         seen.by_kind, seen.by_party, tuple(recent), tuple(compliance),
                         read_monitor(monitor_state), seen.scanned, {"kind": kind, "party": party})


def entry_detail(store: Store, index: int) -> dict[str, Any] | None:
    """One entry: its statement fields, signature and leaf hash (``None`` when there is none)."""
    row = store.row(index)
    if row is None:
        return None
    signed, summary = _decode(row.body)
    out: dict[str, Any] = {"index": index, "kind": row.kind, "party": row.party, "issued_at": row.issued_at,
                           "leaf_hash": base64.b64encode(row.leaf).decode(), "summary": summary}
    if signed is not None:
        out["signature"] = base64.b64encode(signed.signature).decode()
        out["payload"] = signed.entry.payload
    return out
