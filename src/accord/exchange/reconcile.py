"""Reconcile: the replayed state against the next declaration gives findings.

``reconcile(declaration, notifications, next_declaration, agreement)`` replays the
notifications dated before the next declaration's as-of date, keeps the replay's own
findings (unknown identifiers, impossible transitions, late notifications …) and adds, item
by item and base by base:

- ``unnotified_item`` — the next declaration lists an item the replay never heard of;
- ``missing_item`` — the replay holds an accountable item the next declaration leaves out;
- ``unnotified_change`` — an item is declared differently (status, facility, launcher …)
  from the replay, and no notification in the period set the replayed value: the change
  was never notified;
- ``missing_change`` — an item is declared differently from what a notification set: the
  notified change is missing from the declaration (the finding names the notification);
- ``warhead_mismatch`` — one per base where the warheads emplaced on its items differ from
  the replayed ones; totals come from the agreement's counting rules.

Warheads are compared per base (an itemized regime aggregates them by operating base), not in
the item findings. Findings are returned replay findings first, then by kind and item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..agreements.model import Agreement
from ..forces.counting import count_items
from ..forces.items import ItemTable
from .model import FINDING_KINDS, RECONCILE_SCHEMA, Declaration, Finding, Item, Notification
from .replay import (
    _FIELD_SLOT,
    COMPARED_FIELDS,
    S_LAST,
    STATUS,
    WARHEADS,
    Replay,
    replay,
)
from .rules import ExchangeRules

_KIND_ORDER = {k: i for i, k in enumerate(FINDING_KINDS)}


def reconcile(
    declaration: Declaration,
    notifications: Iterable[Notification],
    next_declaration: Declaration,
    agreement: Agreement,
    *,
    rules: ExchangeRules | None = None,
) -> list[Finding]:
    """Every finding from replaying ``notifications`` over ``declaration`` up to the next
    declaration's as-of date and comparing the result with ``next_declaration``.

    ``rules`` say what each notification kind does (see :func:`.replay.replay`). An empty
    list means the notifications account for every difference between the two
    declarations, on time.
    """
    return reconcile_replay(declaration, notifications, next_declaration, agreement, rules=rules)[1]


def reconcile_replay(
    declaration: Declaration,
    notifications: Iterable[Notification],
    next_declaration: Declaration,
    agreement: Agreement,
    *,
    rules: ExchangeRules | None = None,
) -> tuple[Replay, list[Finding]]:
    """:func:`reconcile`, with the replay it compared (``applied`` says how many notifications
    it applied: none when both declarations are as of the same date)."""
    r = replay(declaration, notifications, agreement, at=next_declaration.as_of, rules=rules)
    return r, r.findings + compare(r, next_declaration, agreement)


def compare(r: Replay, declared: Declaration, agreement: Agreement) -> list[Finding]:
    """The item and base findings between a replay and a declaration (see the module doc)."""
    out: list[Finding] = []
    state = r.state
    notes = r.notifications
    by_id = {i.id: i for i in declared.items}
    warhead_diff: dict[str, list[tuple[Item, list[Any]]]] = {}
    eliminated = r.rules.eliminated

    for iid, rec in state.items():
        dec = by_id.get(iid)
        if rec[STATUS] == eliminated:
            if dec is not None and dec.status != eliminated:
                n = r.set_by(iid, "status")
                out.append(Finding(
                    "missing_change" if n else "unnotified_change",
                    f"{iid} is declared {dec.status} at {dec.facility}, but "
                    + (f"{n.id} eliminated it on {n.date.isoformat()}" if n else "it was declared eliminated"),
                    (iid,), (n.id,) if n else (), facility=dec.facility,
                    values={"fields": ["status"], "declared": {"status": dec.status},
                            "replayed": {"status": eliminated}}))
            continue
        if dec is None:
            last = rec[S_LAST] if rec[S_LAST] >= 0 else rec[_FIELD_SLOT["type"][1]]
            names = (notes[last].id,) if last >= 0 else ()
            out.append(Finding(
                "missing_item", f"{iid} ({rec[STATUS]} {rec[0]} at {rec[3]}) is accountable by the replay "
                f"but the declaration as of {declared.as_of.isoformat()} does not list it",
                (iid,), names, facility=rec[3]))
            continue
        diff = [f for f in COMPARED_FIELDS if getattr(dec, f) != rec[_FIELD_SLOT[f][0]]]
        if diff:
            out.append(_change_finding(r, iid, rec, dec, diff))
        if dec.warheads != rec[WARHEADS]:
            warhead_diff.setdefault(dec.facility, []).append((dec, rec))

    for dec in declared.items:
        if dec.id not in state:
            out.append(Finding(
                "unnotified_item", f"{dec.id} ({dec.status} {dec.type} at {dec.facility}) is declared, but "
                "no declaration or notification brought it into accountability", (dec.id,), (),
                facility=dec.facility))

    if warhead_diff:
        out.extend(_warhead_findings(r, declared, agreement, warhead_diff))
    out.sort(key=lambda f: (_KIND_ORDER.get(f.kind, 99), f.facility or "", f.items))
    return out


def _change_finding(r: Replay, iid: str, rec: list[Any], dec: Item, diff: list[str]) -> Finding:
    setters: dict[str, Notification] = {}
    for f in diff:
        n = r.set_by(iid, f)
        if n is not None:
            setters[n.id] = n
    declared = {f: getattr(dec, f) for f in diff}
    replayed = {f: rec[_FIELD_SLOT[f][0]] for f in diff}
    what = ", ".join(f"{f} {declared[f]!s} (replay: {replayed[f]!s})" for f in diff)
    if setters:
        via = ", ".join(f"{n.id} ({n.kind}, {n.date.isoformat()})" for n in setters.values())
        return Finding("missing_change", f"{iid} is declared with {what}; the notified change by {via} "
                       "is missing from the declaration", (iid,), tuple(setters), facility=dec.facility,
                       values={"fields": diff, "declared": declared, "replayed": replayed})
    return Finding("unnotified_change", f"{iid} is declared with {what}; no notification reported this change",
                   (iid,), (), facility=dec.facility,
                   values={"fields": diff, "declared": declared, "replayed": replayed})


def _warhead_total(agreement: Agreement, records: Sequence[Mapping[str, Any]]) -> int:
    # Totals under the agreement's own rules: the sum of its warhead-unit categories.
    counts = count_items(agreement, ItemTable.from_records(records))
    units = {c.id: c.unit for c in agreement.categories}
    return sum(v for k, v in counts.items() if units.get(k) == "warheads")


def _warhead_findings(r: Replay, declared: Declaration, agreement: Agreement,
                      diff: dict[str, list[tuple[Item, list[Any]]]]) -> list[Finding]:
    out: list[Finding] = []
    dec_by: dict[str, list[dict[str, Any]]] = {}
    rep_by: dict[str, list[dict[str, Any]]] = {}
    for i in declared.items:
        if i.facility in diff:
            dec_by.setdefault(i.facility, []).append(i.to_json())
    for i in r.items():
        if i.facility in diff:
            rep_by.setdefault(i.facility, []).append(i.to_json())
    for fac in sorted(diff):
        dec_at, rep_at = dec_by.get(fac, []), rep_by.get(fac, [])
        declared_total = _warhead_total(agreement, dec_at)
        replayed_total = _warhead_total(agreement, rep_at)
        pairs = sorted(diff[fac], key=lambda p: p[0].id)
        items = tuple(d.id for d, _ in pairs)
        setters = []
        for d, _ in pairs:
            n = r.set_by(d.id, "warheads")
            if n is not None and n.id not in setters:
                setters.append(n.id)
        per_item = {d.id: {"declared": d.warheads, "replayed": rec[WARHEADS]} for d, rec in pairs}
        out.append(Finding(
            "warhead_mismatch",
            f"{fac}: {declared_total:,} warheads declared, {replayed_total:,} by the replay; "
            f"{len(items)} item(s) differ",
            items, tuple(setters), facility=fac,
            values={"declared": declared_total, "replayed": replayed_total, "per_item": per_item}))
    return out


def findings_json(findings: Iterable[Finding]) -> dict[str, Any]:
    """The ``accord.reconcile/v1`` document."""
    return {"schema": RECONCILE_SCHEMA, "findings": [f.to_json() for f in findings]}

