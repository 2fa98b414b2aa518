"""The Protocol database: facilities, items, declarations, notifications; replay to any
instant; reconciliation findings; a synthetic, reproducible data generator.

- :func:`read_declaration`, :func:`read_notifications` (and ``write_*``) read and write the
  ``accord.declaration/v1`` JSON and ``accord.notification/v1`` JSON-lines formats;
- :func:`replay` gives the state as of any date, with the findings the replay itself makes;
- :func:`reconcile` compares the replayed state with the next declaration;
- :func:`synthesize` makes a database matching the bundled published figures;
- :func:`replay_ledger_entries` reconciles a ledger's logged declarations and notifications.

See docs/exchange.md.
"""

from .deadlines import deadline, deadline_days
from .io import (
    declaration_from_json,
    dump_declaration,
    dump_notifications,
    notification_from_json,
    parse_notifications,
    read_declaration,
    read_notifications,
    write_declaration,
    write_notifications,
)
from .ledger_replay import replay_ledger_entries
from .model import (
    DECLARATION_SCHEMA,
    FACILITY_TYPES,
    FINDING_KINDS,
    NOTIFICATION_KINDS,
    RECONCILE_SCHEMA,
    Declaration,
    Facility,
    Finding,
    Item,
    Notification,
)
from .reconcile import compare, findings_json, reconcile
from .replay import Replay, replay

__all__ = [
    "DECLARATION_SCHEMA", "FACILITY_TYPES", "FINDING_KINDS", "NOTIFICATION_KINDS", "RECONCILE_SCHEMA",
    "Declaration", "Facility", "Finding", "Item", "Notification", "Replay",
    "compare", "deadline", "deadline_days", "declaration_from_json", "dump_declaration", "dump_notifications",
    "findings_json", "notification_from_json", "parse_notifications", "read_declaration",
    "read_notifications", "reconcile", "replay", "replay_ledger_entries", "write_declaration", "write_notifications",
]
