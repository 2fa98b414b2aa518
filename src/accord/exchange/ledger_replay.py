"""Replay a ledger's entries: declarations and notifications in the order they were logged.

The ledger's audit (accord.ledger) calls :func:`replay_ledger_entries` with the payloads of
its entries, in order, to check that what the parties exchanged is consistent, not only
intact. This module knows nothing about the ledger's storage or signatures, nor where an
agreement comes from: the caller resolves an agreement id to the agreement and its exchange
rules (``accord.app.exchange.replay_ledger`` does, from the library and the treaty profiles).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..agreements.model import Agreement
from ..errors import InputError
from .io import declaration_from_json, notification_from_json
from .model import DECLARATION_SCHEMA, Declaration, Finding, Notification
from .reconcile import compare
from .replay import replay
from .rules import ExchangeRules

#: Resolves an agreement id to the agreement and the exchange rules of its family.
Resolver = Callable[[str], tuple[Agreement, ExchangeRules]]


def _kind_and_payload(entry: Any) -> tuple[str | None, Any]:
    if isinstance(entry, Mapping):
        if "payload" in entry:
            return entry.get("kind"), entry["payload"]
        schema = entry.get("schema")
        if schema == DECLARATION_SCHEMA:
            return "declaration", entry
        if "kind" in entry and "item" in entry:
            return "notification", entry
        return entry.get("kind"), None
    return getattr(entry, "kind", None), getattr(entry, "payload", None)


def replay_ledger_entries(
    entries: Iterable[Any],
    *,
    agreement: Agreement | None = None,
    rules: ExchangeRules | None = None,
    resolve: Resolver | None = None,
    default_agreement: str | None = None,
) -> list[Finding]:
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

    Every declaration is judged under ``agreement`` and ``rules`` when given, else under what
    ``resolve`` returns for the agreement it names (``default_agreement`` when it names none).
    """
    if agreement is None and resolve is None:
        raise TypeError("replay_ledger_entries needs an agreement or a resolver")
    current: dict[str, Declaration] = {}
    pending: dict[str, list[Notification]] = {}
    findings: list[Finding] = []
    contexts: dict[str, tuple[Agreement, ExchangeRules]] = {}
    fixed_rules = rules or ExchangeRules.generic()

    def context(agreement_id: str) -> tuple[Agreement, ExchangeRules]:
        if agreement is not None:
            return agreement, fixed_rules
        if agreement_id not in contexts:
            assert resolve is not None
            contexts[agreement_id] = resolve(agreement_id)
        return contexts[agreement_id]

    def agreement_of(payload: Any) -> str | None:
        named = payload.get("agreement") if isinstance(payload, Mapping) else None
        return named if isinstance(named, str) and named else default_agreement

    for i, entry in enumerate(entries):
        kind, payload = _kind_and_payload(entry)
        where = f"entry[{i}]"
        if kind == "declaration":
            try:
                named = agreement_of(payload)
                ag, rl = context(named) if named else (agreement, fixed_rules)
                decl = declaration_from_json(payload, file=where, agreement=ag, rules=rl,
                                             default_agreement=ag.id if ag is not None else None)
            except InputError as err:
                raise err.at(file=where) from None
            prev = current.get(decl.party)
            if prev is not None:
                ag, rl = context(prev.agreement)
                r = replay(prev, pending.get(decl.party, []), ag, at=decl.as_of, rules=rl)
                findings.extend(r.findings)
                findings.extend(compare(r, decl, ag))
            current[decl.party] = decl
            pending[decl.party] = []
        elif kind == "notification":
            party = payload.get("party") if isinstance(payload, Mapping) else None
            base = current.get(party) if isinstance(party, str) else None
            named = base.agreement if base is not None else default_agreement
            ag, rl = context(named) if named else (agreement, fixed_rules)
            n = notification_from_json(payload, file=where, agreement=ag, rules=rl)
            if n.party not in current:
                findings.append(Finding("unknown_identifier", f"{n.id} names item {n.item} before any "
                                        f"declaration of {n.party} was logged", (n.item,), (n.id,), date=n.date))
                continue
            pending[n.party].append(n)
    for party, notes in pending.items():
        if notes:
            ag, rl = context(current[party].agreement)
            findings.extend(replay(current[party], notes, ag, rules=rl).findings)
    return findings
