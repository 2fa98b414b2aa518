"""The exchanged database: facilities, items, declarations, notifications; replay to any
instant; reconciliation findings.

- :func:`read_declaration`, :func:`read_notifications` (and ``write_*``) read and write the
  ``accord.declaration/v1`` JSON and ``accord.notification/v1`` JSON-lines formats;
- :func:`replay` gives the state as of any date, with the findings the replay itself makes;
- :func:`reconcile` compares the replayed state with the next declaration;
- :class:`ExchangeRules` say what each notification kind does (a treaty profile supplies its
  family's; :meth:`ExchangeRules.generic` otherwise);
- :func:`replay_ledger_entries` reconciles a ledger's logged declarations and notifications.

Synthetic databases are made by a treaty profile (``accord synth``). See docs/exchange.md.
"""

from .deadlines import deadline, deadline_days
from .io import (
    declaration_from_json,
    dump_declaration,
    dump_notifications,
    notification_from_json,
    parse_notifications,
    read_declaration,
    read_json,
    read_notifications,
    write_declaration,
    write_notifications,
)
from .ledger_replay import Resolver, replay_ledger_entries
from .model import (
    DECLARATION_SCHEMA,
    FINDING_KINDS,
    RECONCILE_SCHEMA,
    REPLAY_SCHEMA,
    Declaration,
    Facility,
    Finding,
    Item,
    Notification,
)
from .reconcile import compare, findings_json, reconcile
from .replay import Replay, replay
from .rules import Action, ExchangeRules

__all__ = [
    "DECLARATION_SCHEMA", "FINDING_KINDS", "RECONCILE_SCHEMA", "REPLAY_SCHEMA",
    "Action", "Declaration", "ExchangeRules", "Facility", "Finding", "Item", "Notification", "Replay", "Resolver",
    "compare", "deadline", "deadline_days", "declaration_from_json", "dump_declaration", "dump_notifications",
    "findings_json", "notification_from_json", "parse_notifications", "read_declaration", "read_json",
    "read_notifications", "reconcile", "replay", "replay_ledger_entries", "write_declaration", "write_notifications",
]
