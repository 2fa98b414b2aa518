"""New START's exchange vocabulary: the Protocol database's facility types, accord's
notification kinds for it, and which of the treaty's notification kinds governs each.

The treaty lists its notification kinds with their deadlines in the agreement file
(``change_in_data``, ``heavy_bomber_movement``, ``icbm_status_change``; 5 days by default,
Protocol Part Four, Section II, para 3). accord's kinds are finer-grained; :data:`NOTICE`
maps each onto the treaty's in one table. Warhead-count changes are "reported only in the
six-month update" (Part Four, Section II, para 3): the ``warhead_update`` kind.
"""

from __future__ import annotations

from ...exchange.rules import Action, ExchangeRules

#: Facility types of the Protocol database (Part Two) and the inspection site lists.
FACILITY_TYPES: tuple[str, ...] = (
    "icbm_base",
    "submarine_base",
    "air_base",
    "storage_facility",
    "production_facility",
    "repair_facility",
    "test_range",
    "conversion_or_elimination_facility",
    "space_launch_facility",
)

#: Notification kinds and what each does (docs/exchange.md lists them for users).
KINDS: dict[str, Action] = {
    "new_item": Action.ENTER,           # an item enters accountability
    "movement": Action.MOVE,            # between facilities
    "status_change": Action.STATUS,     # e.g. an ICBM out of deployed status, a launcher loaded
    "conversion": Action.CONVERT,       # converted (status "converted" unless given, e.g. "training")
    "elimination": Action.ELIMINATE,    # leaves accountability
    "bomber_departure": Action.DEPART,  # a heavy bomber out of national territory for more than 24 hours
    "bomber_return": Action.RETURN,     # ... and back
    "warhead_update": Action.WARHEADS,  # warheads on a deployed missile, with the six-monthly update
}

#: (kind, item type) → the treaty's notification kind; ``None`` item type = any type.
NOTICE: dict[tuple[str, str | None], str] = {
    ("new_item", None): "change_in_data",
    ("movement", None): "change_in_data",
    ("status_change", "icbm"): "icbm_status_change",
    ("status_change", "icbm_launcher"): "icbm_status_change",
    ("status_change", None): "change_in_data",
    ("conversion", None): "change_in_data",
    ("elimination", None): "change_in_data",
    ("bomber_departure", None): "heavy_bomber_movement",
    ("bomber_return", None): "heavy_bomber_movement",
}

MISSILE_TYPES = frozenset({"icbm", "slbm"})

RULES = ExchangeRules(
    kinds=KINDS,
    notice=NOTICE,
    carriers=MISSILE_TYPES,  # warheads sit on deployed missiles, in a silo or a launch tube
    travellers=frozenset({"heavy_bomber"}),
    facility_types=FACILITY_TYPES,
)
