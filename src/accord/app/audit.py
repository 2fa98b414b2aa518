"""Audit with replay and trust: the ledger's full re-verification, the checks against what the
verifier trusts (pinned keys and origin, a trusted checkpoint, a cosigner policy, receipts), then
what its entries say replayed through the data exchange — the bridge between ``ledger`` and
``exchange``, which do not import each other (DESIGN.md).

``accord ledger audit`` calls :func:`audit_ledger`; the HTTP service will too.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..ledger.audit import PROBLEM_COLUMNS, AuditReport, Problem, audit
from ..ledger.stores import open_store
from ..ledger.trust import TrustPolicy, TrustReport, check_trust, describe_policy
from .exchange import replay_ledger

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LedgerAudit", "audit_ledger"]


@dataclass(frozen=True)
class LedgerAudit:
    """The integrity audit (:class:`~accord.ledger.audit.AuditReport`) and the trust checks
    (:class:`~accord.ledger.trust.TrustReport`) as one result: ``ok`` iff neither found a
    problem. Its JSON is ``accord.audit/v1`` with a ``trust`` object added (docs/ledger.md)."""

    integrity: AuditReport
    trust: TrustReport

    @property
    def ok(self) -> bool:
        return self.integrity.ok and self.trust.ok

    @property
    def size(self) -> int:
        return self.integrity.size

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The integrity problems, then the trust and receipt problems."""
        return self.integrity.problems + self.trust.problems

    @property
    def checkpoints(self) -> tuple[dict[str, Any], ...]:
        return self.integrity.checkpoints

    @property
    def notes(self) -> tuple[str, ...]:
        return self.integrity.notes + self.trust.notes

    @property
    def exchange(self) -> dict[str, Any] | None:
        return self.integrity.exchange

    def to_json(self) -> dict[str, Any]:
        return {**self.integrity.to_json(), "ok": self.ok, "problems": self.rows(), "notes": list(self.notes),
                "trust": self.trust.to_json()}

    def rows(self) -> list[dict[str, Any]]:
        """One row per problem: ``index``, ``kind``, ``detail``."""
        return [p.to_json() for p in self.problems]

    def to_frame(self) -> pd.DataFrame:
        """The problems as a DataFrame (``index`` nullable integer, ``kind``, ``detail``)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows(), columns=list(PROBLEM_COLUMNS))
        return frame.astype({"index": "Int64", "kind": "string", "detail": "string"})

    def summary(self) -> str:
        """``ok`` or ``NOT OK`` with the entries and checkpoints audited, what the audit was
        checked against (``trust: …``), then the notes."""
        line = f"{'ok' if self.ok else 'NOT OK'}: {self.size} entries, {len(self.checkpoints)} checkpoints"
        return "\n".join([line, self.trust.summary(), *(f"note: {n}" for n in self.notes)])


def audit_ledger(
    db: str,
    *,
    workers: int = 1,
    replay: bool = True,
    chunk_size: int = 20000,
    max_problems: int = 1000,
    policy: TrustPolicy | None = None,
    now: _dt.datetime | None = None,
) -> LedgerAudit:
    """Audit the ledger at ``db`` (see :func:`accord.ledger.audit`), check it against ``policy``
    (:func:`accord.ledger.trust.check_trust`; without one, nothing is pinned and the result says
    ``trust: none``) and, with ``replay``, replay its declarations and notifications through
    :func:`accord.app.exchange.replay_ledger` (each read under the agreement it names):
    reconciliation findings go to ``exchange`` and never change ``ok``; a replay that fails says
    why there (and in a note), the audit stands. ``now`` decides whether a receipt is due.

    The store is opened here and closed before returning.
    """
    policy = policy or TrustPolicy()
    with open_store(db) as store:
        report = audit(
            store,
            workers=workers,
            chunk_size=chunk_size,
            replay=replay_ledger if replay else None,
            max_problems=max_problems,
        )
        if policy.is_empty():
            trust = TrustReport(policy.level, describe_policy(policy))
        else:
            trust = check_trust(store, policy, now=now)
    return LedgerAudit(report, trust)
