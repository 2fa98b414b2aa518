"""The exchanged database as records: facilities, items, declarations, notifications, findings.

An itemized regime gives every accountable item a unique identifier and a location, and
requires periodic declarations and a notification of each change. These frozen records are
what :mod:`.io` reads and writes, :mod:`.replay` replays and :mod:`.reconcile` compares. Item
types, statuses, facility types and notification kinds are the agreement's and its family's
(:class:`~.rules.ExchangeRules`), never fixed here. Counts never come from here: they come from
the agreement's counting rules (:func:`accord.forces.count_items`) applied to
:meth:`Declaration.records`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DECLARATION_SCHEMA = "accord.declaration/v1"
NOTIFICATION_SCHEMA = "accord.notification/v1"
RECONCILE_SCHEMA = "accord.reconcile/v1"
REPLAY_SCHEMA = "accord.replay/v1"


@dataclass(frozen=True)
class Facility:
    """A declared facility: a unique id, a type (one of the rules' facility types), a name."""

    id: str
    type: str
    name: str
    source: str | None = None  # where the name and type are public (a URL), if they are
    notes: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name}
        if self.source:
            out["source"] = self.source
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class Item:
    """One accountable item with its unique identifier.

    ``warheads`` are those emplaced on a deployed carrier (0 otherwise); ``launcher`` is the
    launcher a deployed carrier is installed in; ``host`` is the platform a launcher is on
    (a launcher on a ship, say). Both are optional.
    """

    id: str
    type: str
    system: str
    status: str
    facility: str
    warheads: int = 0
    launcher: str | None = None
    host: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.system:  # optional on input (read as ""); an empty one is left out, so the file reads back
            out["system"] = self.system
        out.update({"status": self.status, "facility": self.facility, "warheads": self.warheads})
        if self.launcher:
            out["launcher"] = self.launcher
        if self.host:
            out["host"] = self.host
        return out


@dataclass(frozen=True)
class Declaration:
    """A party's itemized holdings as of a date (the initial or a periodic exchange).

    ``synthetic`` is true for generated data; ``notes`` say what was assumed.
    """

    party: str
    as_of: _dt.date
    agreement: str
    facilities: tuple[Facility, ...]
    items: tuple[Item, ...]
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def records(self) -> list[dict[str, Any]]:
        """Item records as :meth:`accord.forces.ItemTable.from_records` takes them."""
        return [i.to_json() for i in self.items]

    def facility_ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.facilities)

    def to_json(self) -> dict[str, Any]:
        """The ``accord.declaration/v1`` document (see docs/exchange.md)."""
        out: dict[str, Any] = {
            "schema": DECLARATION_SCHEMA,
            "synthetic": self.synthetic,
            "party": self.party,
            "as_of": self.as_of.isoformat(),
            "agreement": self.agreement,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        for k, v in self.extra.items():
            out.setdefault(k, v)
        out["facilities"] = [f.to_json() for f in self.facilities]
        out["items"] = [i.to_json() for i in self.items]
        return out


@dataclass(frozen=True, slots=True)
class Notification:
    """A dated change event: ``date`` is when it happened, ``sent`` when it was notified.

    Which fields matter depends on what ``kind`` does (:class:`~.rules.Action`); see
    docs/exchange.md. ``line`` is the 1-based line of the JSONL file it came from (0 if none).
    """

    id: str
    kind: str
    party: str
    date: _dt.date
    sent: _dt.date
    item: str
    type: str | None = None
    system: str | None = None
    status: str | None = None
    from_status: str | None = None
    facility: str | None = None
    from_facility: str | None = None
    launcher: str | None = None
    host: str | None = None
    warheads: int | None = None
    synthetic: bool = False
    note: str | None = None
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        """One line of an ``accord.notification/v1`` JSONL file (unset fields left out)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "party": self.party,
                               "date": self.date.isoformat(), "sent": self.sent.isoformat(), "item": self.item}
        for name in ("type", "system", "status", "from_status", "facility", "from_facility",
                     "launcher", "host", "warheads", "note"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.synthetic:
            out["synthetic"] = True
        return out


#: Every kind of reconciliation finding (docs/exchange.md describes each).
FINDING_KINDS: tuple[str, ...] = (
    "unnotified_item",       # declared, but never notified into accountability
    "missing_item",          # held by the replay, absent from the declaration
    "unnotified_change",     # declared differently from the replay, and no notification changed it
    "missing_change",        # a notified change the declaration does not show
    "warhead_mismatch",      # warheads at a base differ from the replayed ones
    "unknown_identifier",    # a notification names an item or facility nobody declared
    "impossible_transition",  # e.g. an eliminated item moves, a return without a departure
    "late_notification",     # sent after the agreement's deadline (days_late says by how much)
    "duplicate_notification",  # the same notification id twice
    "outside_period",        # dated before the declaration it should follow
)


@dataclass(frozen=True)
class Finding:
    """One reconciliation result, naming the items and notifications involved.

    ``values`` holds the kind's own fields (``days_late``, ``declared``, ``replayed``,
    ``fields`` …) and is flattened into the JSON object.
    """

    kind: str
    detail: str
    items: tuple[str, ...] = ()
    notifications: tuple[str, ...] = ()
    facility: str | None = None
    date: _dt.date | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "detail": self.detail, "items": list(self.items),
                               "notifications": list(self.notifications)}
        if self.facility is not None:
            out["facility"] = self.facility
        if self.date is not None:
            out["date"] = self.date.isoformat()
        for k, v in self.values.items():
            out.setdefault(k, v)
        return out
