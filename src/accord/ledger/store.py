"""The ledger's stores before they became plug-ins; kept so ``accord.ledger.store`` imports work.

New code imports from :mod:`accord.ledger.stores` (one module per backend, a scheme registry).
"""

from __future__ import annotations

from .stores import DuplicateLeafError, Row, Store, StoreError, Writer, open_store, redact_url
from .stores.postgres import PostgresStore
from .stores.sqlite import SQLiteStore

__all__ = [
    "DuplicateLeafError",
    "PostgresStore",
    "Row",
    "SQLiteStore",
    "Store",
    "StoreError",
    "Writer",
    "open_store",
    "redact_url",
]
