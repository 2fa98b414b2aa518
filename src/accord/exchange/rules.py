"""What a notification does, and which items it may concern: the exchange's vocabulary.

The replay knows a handful of generic *actions* (an item enters accountability, moves,
changes status, is converted, is eliminated, leaves national territory, returns, has its
warheads updated). An agreement's family names its own notification kinds and maps each
onto one action; it also says which item types carry warheads in a launcher, which may leave
national territory, which facility types a declaration may list and which of the agreement's
notification kinds (with their deadlines) governs each event. A treaty profile builds these
:class:`ExchangeRules`; without one, :meth:`ExchangeRules.generic` names each kind after its
action and accepts any item type and facility type.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Action(enum.StrEnum):
    """What a notification kind does to the replayed state."""

    ENTER = "new_item"           # an item enters accountability (type, system, status, facility)
    MOVE = "movement"            # to another facility (facility; from_facility optional)
    STATUS = "status_change"     # a new status (status; launcher for a carrier becoming deployed)
    CONVERT = "conversion"       # converted (its converted status unless the notification says)
    ELIMINATE = "elimination"    # leaves accountability
    DEPART = "departure"         # leaves national territory (not part of a declaration)
    RETURN = "return"            # ... and comes back
    WARHEADS = "warhead_update"  # warheads on a deployed carrier, reported with the periodic exchange


#: Fields each action needs beyond id, kind, party, date, sent and item.
REQUIRED_FIELDS: Mapping[Action, tuple[str, ...]] = {
    Action.ENTER: ("type", "system", "status", "facility"),
    Action.MOVE: ("facility",),
    Action.STATUS: ("status",),
    Action.WARHEADS: ("warheads",),
}


@dataclass(frozen=True)
class ExchangeRules:
    """The vocabulary replay and reconciliation work in.

    - ``kinds``: notification kind → :class:`Action`, in the order documented for users;
    - ``notice``: ``(kind, item type or None)`` → the agreement's notification kind whose
      deadline applies (``None`` item type = any type); a kind the agreement defines under
      the event's own name wins over this table;
    - ``carriers``: item types that hold warheads and sit in a launcher when deployed
      (``None``: any type);
    - ``travellers``: item types that may leave national territory (``None``: any type);
    - ``facility_types``: the facility types a declaration may use (``None``: any);
    - ``deployed``, ``converted``, ``eliminated``: the status ids with those meanings;
      ``final``: statuses an item cannot leave.
    """

    kinds: Mapping[str, Action]
    notice: Mapping[tuple[str, str | None], str] = field(default_factory=dict)
    carriers: frozenset[str] | None = None
    travellers: frozenset[str] | None = None
    facility_types: tuple[str, ...] | None = None
    deployed: str = "deployed"
    converted: str = "converted"
    eliminated: str = "eliminated"
    final: frozenset[str] = frozenset({"converted", "eliminated"})

    @classmethod
    def generic(cls) -> ExchangeRules:
        """Each action under its own name; any item type, facility type and traveller."""
        return cls(kinds={a.value: a for a in Action})

    def action(self, kind: str) -> Action | None:
        """The action of a notification kind (``None``: not a kind of these rules)."""
        return self.kinds.get(kind)

    def kind_of(self, action: Action) -> str:
        """The first kind that performs ``action`` (for messages and for synthetic data)."""
        return next((k for k, a in self.kinds.items() if a is action), action.value)

    def carries_warheads(self, item_type: str) -> bool:
        return self.carriers is None or item_type in self.carriers

    def may_travel(self, item_type: str) -> bool:
        return self.travellers is None or item_type in self.travellers
