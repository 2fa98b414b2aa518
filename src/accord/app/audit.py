"""Audit with replay: the ledger's full re-verification, then what its entries say replayed
through the data exchange — the bridge between ``ledger`` and ``exchange``, which do not import
each other (DESIGN.md).

``accord ledger audit`` calls :func:`audit_ledger`; the HTTP service will too.
"""

from __future__ import annotations

from ..ledger.audit import AuditReport, audit
from ..ledger.stores import open_store
from .exchange import replay_ledger

__all__ = ["audit_ledger"]


def audit_ledger(
    db: str,
    *,
    workers: int = 1,
    replay: bool = True,
    chunk_size: int = 20000,
    max_problems: int = 1000,
) -> AuditReport:
    """Audit the ledger at ``db`` (see :func:`accord.ledger.audit`) and, with ``replay``, replay
    its declarations and notifications through :func:`accord.app.exchange.replay_ledger` (each
    read under the agreement it names): reconciliation findings go to ``exchange`` and never
    change ``ok``; a replay that fails says why there (and in a note), the audit stands.

    The store is opened here and closed before returning.
    """
    with open_store(db) as store:
        return audit(
            store,
            workers=workers,
            chunk_size=chunk_size,
            replay=replay_ledger if replay else None,
            max_problems=max_problems,
        )
