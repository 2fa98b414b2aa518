"""The exchanged database: replay notifications to a date, reconcile with the next
declaration, and replay what a ledger logged.

Files are read under the agreement they name (or ``--agreement``; a file naming none is read
under the default profile's agreement) and the exchange rules of that agreement's treaty
family (generic rules when no profile serves it).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..errors import InputError
from ..exchange import (
    REPLAY_SCHEMA,
    Declaration,
    ExchangeRules,
    Finding,
    declaration_from_json,
    findings_json,
    read_json,
    read_notifications,
    replay,
    replay_ledger_entries,
    write_declaration,
)
from ..exchange.reconcile import reconcile_replay
from ..forces import ItemTable, count_items
from ..profiles import default_profile, profile_for
from ._frame import frame
from .library import load_agreement

if TYPE_CHECKING:
    import pandas as pd

FINDING_COLUMNS = ("kind", "items", "notifications", "facility", "detail")


def rules_for(agreement: Agreement) -> ExchangeRules:
    """The exchange rules of the treaty family serving ``agreement`` (generic ones otherwise)."""
    profile = profile_for(agreement)
    if profile is not None and profile.exchange_rules is not None:
        return profile.exchange_rules
    return ExchangeRules.generic()


def resolve(agreement_id: str) -> tuple[Agreement, ExchangeRules]:
    """An agreement id (or file) → the agreement and its exchange rules."""
    ag = load_agreement(agreement_id)
    return ag, rules_for(ag)


def default_agreement_id() -> str:
    """The agreement a data file that names none is read under."""
    return default_profile().default_agreement


def read_declaration(path: str | Path, agreement: str | None = None
                     ) -> tuple[Declaration, Agreement, ExchangeRules]:
    """A declaration file, validated against its agreement's vocabulary and rules; the
    agreement is ``agreement`` when given, else the one the file names."""
    obj = read_json(path)
    named = obj.get("agreement") if isinstance(obj, Mapping) else None
    from_file = agreement is None and isinstance(named, str) and bool(named)
    ref = agreement or (named if from_file else None) or default_agreement_id()
    try:
        ag, rules = resolve(ref)
    except InputError as exc:
        if not from_file or exc.file is not None:
            raise
        # The file named it: say which file and field (an error inside the agreement's own file
        # already names that file).
        raise InputError(exc.problem, file=str(path), field="agreement") from None
    decl = declaration_from_json(obj, file=str(path), agreement=ag, rules=rules,
                                 default_agreement=default_agreement_id())
    return decl, ag, rules


def category_counts(agreement: Agreement, decl: Declaration) -> dict[str, int]:
    """A declaration's category counts under the agreement's counting rules."""
    return count_items(agreement, ItemTable.from_records(decl.records()))


# ----------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayResult:
    """The state as of a date (``accord.replay/v1``): counts, the replay's findings and the
    replayed declaration."""

    base: Declaration
    state: Declaration
    agreement: Agreement
    applied: int
    counts: dict[str, int]
    findings: tuple[Finding, ...]
    columns = ("category", "title", "count")

    def rows(self) -> list[dict[str, Any]]:
        titles = {c.id: c.title for c in self.agreement.categories}
        return [{"category": k, "title": titles.get(k, k), "count": v} for k, v in self.counts.items()]

    def to_json(self) -> dict[str, Any]:
        return {"schema": REPLAY_SCHEMA, "synthetic": self.base.synthetic, "party": self.base.party,
                "from": self.base.as_of, "as_of": self.state.as_of, "agreement": self.agreement.id,
                "notifications_applied": self.applied, "counts": self.counts,
                "findings": [f.to_json() for f in self.findings], "declaration": self.state.to_json()}

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return (f"{self.base.party} as of {self.state.as_of} (replayed from {self.base.as_of}, "
                f"{self.applied} notifications)")

    def footer(self) -> str | None:
        if not self.findings:
            return None
        return (f"{len(self.findings)} finding(s) in the replay; run `accord exchange reconcile` for the "
                "comparison with the next declaration.")


def replay_files(declaration: str | Path, notifications: str | Path, at: _dt.date, *,
                 agreement: str | None = None, out: str | Path | None = None) -> ReplayResult:
    """Replay the notifications over the declaration to the start of ``at``; write the
    replayed state as a declaration file to ``out`` when given."""
    decl, ag, rules = read_declaration(declaration, agreement)
    notes = read_notifications(notifications, agreement=ag, rules=rules)
    if at < decl.as_of:
        raise InputError(f"--at {at} is before the declaration's as-of date {decl.as_of}", field="--at")
    r = replay(decl, notes, ag, at=at, rules=rules)
    state = r.declaration()
    counts = category_counts(ag, state)
    if out is not None:
        write_declaration(out, state)
    return ReplayResult(decl, state, ag, r.applied, counts, tuple(r.findings))


# ----------------------------------------------------------------------------- reconcile


@dataclass(frozen=True)
class ReconcileResult:
    """Every discrepancy between a declaration plus notifications and the next declaration
    (``accord.reconcile/v1``). ``applied`` notifications were replayed; ``later`` are dated on
    or after the next declaration's as-of date, so belong to a later period and were not."""

    first: Declaration
    next: Declaration
    agreement: Agreement
    notifications: int
    findings: tuple[Finding, ...]
    applied: int = 0
    later: int = 0
    columns = FINDING_COLUMNS

    def rows(self) -> list[dict[str, Any]]:
        return [{"kind": f.kind, "items": " ".join(f.items), "notifications": " ".join(f.notifications),
                 "facility": f.facility or "", "detail": f.detail} for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        doc = findings_json(self.findings)
        doc.update({"party": self.first.party, "from": self.first.as_of.isoformat(),
                    "to": self.next.as_of.isoformat(), "agreement": self.agreement.id,
                    "notifications": self.notifications, "notifications_applied": self.applied,
                    "notifications_after_period": self.later})
        return doc

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return (f"{self.first.party}: {self.first.as_of} → {self.next.as_of}, {self.notifications} notifications "
                f"({self.applied} applied)")

    def footer(self) -> str:
        to = self.next.as_of.isoformat()
        later = (f"; {self.later} notification(s) dated on or after {to} belong to a later period and were "
                 "not replayed") if self.later else ""
        if self.findings:
            by_kind: dict[str, int] = {}
            for f in self.findings:
                by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
            return "Findings: " + ", ".join(f"{k} {n}" for k, n in by_kind.items()) + later
        if self.next.as_of == self.first.as_of:
            return (f"No findings: both declarations are as of {to}, so no notification was applied and the two "
                    f"declarations agree{later}.")
        if self.applied == 0:
            return f"No findings, but no notification was applied: the declarations agree{later}."
        return f"No findings: the {self.applied} notification(s) applied account for every change{later}."


def reconcile_files(declaration: str | Path, notifications: str | Path, next_declaration: str | Path, *,
                    agreement: str | None = None) -> ReconcileResult:
    """Replay the notifications over the first declaration and compare with the next one."""
    decl, ag, rules = read_declaration(declaration, agreement)
    notes = read_notifications(notifications, agreement=ag, rules=rules)
    nxt = declaration_from_json(read_json(next_declaration), file=str(next_declaration), agreement=ag, rules=rules,
                                default_agreement=default_agreement_id())
    if nxt.party != decl.party:
        raise InputError(f"party {nxt.party!r} differs from the first declaration's {decl.party!r}",
                         file=str(next_declaration), field="party")
    if nxt.as_of < decl.as_of:
        raise InputError(f"as of {nxt.as_of}, before the first declaration ({decl.as_of})",
                         file=str(next_declaration), field="as_of")
    r, findings = reconcile_replay(decl, notes, nxt, ag, rules=rules)
    later = sum(1 for n in notes if n.party == decl.party and n.date >= nxt.as_of)
    return ReconcileResult(decl, nxt, ag, len(notes), tuple(findings), r.applied, later)


def replay_ledger(entries: Iterable[Any]) -> list[Finding]:
    """The reconciliation findings of a ledger's entries in log order (see
    :func:`accord.exchange.replay_ledger_entries`), each declaration judged under the agreement
    it names and that agreement's exchange rules."""
    return replay_ledger_entries(entries, resolve=resolve, default_agreement=default_agreement_id())


__all__ = [
    "ReconcileResult", "ReplayResult", "category_counts", "read_declaration", "reconcile_files", "replay_files",
    "replay_ledger", "resolve", "rules_for",
]
