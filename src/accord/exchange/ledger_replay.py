"""Replay a ledger's entries: declarations and notifications in the order they were logged.

The ledger's audit (accord.ledger) calls :func:`replay_ledger_entries` with the payloads of
its entries, in order, to check that what the parties exchanged is consistent, not only
intact. This module knows nothing about the ledger's storage or signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..agreements import load_agreement
from ..agreements.model import Agreement
from ..errors import InputError
from .io import declaration_from_json, notification_from_json
from .model import Declaration, Finding, Notification
from .reconcile import compare
from .replay import replay


def _kind_and_payload(entry: Any) -> tuple[str | None, Any]:
    if isinstance(entry, Mapping):
        if "payload" in entry:
            return entry.get("kind"), entry["payload"]
        schema = entry.get("schema")
        if schema == "accord.declaration/v1":
            return "declaration", entry
        if "kind" in entry and "item" in entry:
            return "notification", entry
        return entry.get("kind"), None
    return getattr(entry, "kind", None), getattr(entry, "payload", None)


def replay_ledger_entries(entries: Iterable[Any], *, agreement: Agreement | None = None) -> list[Finding]:
    """The reconciliation findings of a sequence of ledger entries, in log order.

    Each entry is ``{"kind": ..., "payload": ...}`` (or an object with ``kind`` and
    ``payload`` attributes, or a bare payload). Entries of kind ``declaration`` carry an
    ``accord.declaration/v1`` document; ``notification`` entries carry one notification
    object; other kinds are ignored. For each party, every declaration after its first is
    reconciled against the previous one and the party's notifications logged between them;
    notifications after a party's last declaration are replayed for their own findings
    (unknown identifiers, impossible transitions, late notifications). Notifications of a
    party before its first declaration are ``unknown_identifier`` findings (nothing to apply
    them to). A malformed payload is an InputError naming the entry (``entry[i]``).
    """
    current: dict[str, Declaration] = {}
    pending: dict[str, list[Notification]] = {}
    findings: list[Finding] = []
    agreements: dict[str, Agreement] = {}

    def agreement_for(decl: Declaration) -> Agreement:
        if agreement is not None:
            return agreement
        if decl.agreement not in agreements:
            agreements[decl.agreement] = load_agreement(decl.agreement)
        return agreements[decl.agreement]

    for i, entry in enumerate(entries):
        kind, payload = _kind_and_payload(entry)
        where = f"entry[{i}]"
        if kind == "declaration":
            try:
                decl = declaration_from_json(payload, file=where)
            except InputError as err:
                raise err.at(file=where) from None
            prev = current.get(decl.party)
            if prev is not None:
                r = replay(prev, pending.get(decl.party, []), agreement_for(prev), at=decl.as_of)
                findings.extend(r.findings)
                findings.extend(compare(r, decl, agreement_for(prev)))
            current[decl.party] = decl
            pending[decl.party] = []
        elif kind == "notification":
            n = notification_from_json(payload, file=where)
            if n.party not in current:
                findings.append(Finding("unknown_identifier", f"{n.id} names item {n.item} before any "
                                        f"declaration of {n.party} was logged", (n.item,), (n.id,), date=n.date))
                continue
            pending[n.party].append(n)
    for party, notes in pending.items():
        if notes:
            findings.extend(replay(current[party], notes, agreement_for(current[party])).findings)
    return findings
