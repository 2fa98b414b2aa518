"""Notification deadlines, read from the agreement file.

The agreement lists notification kinds with their deadlines (New START: ``change_in_data``,
``heavy_bomber_movement``, ``icbm_status_change``; 5 days by default, Protocol Part Four,
Section II, para 3). accord's event kinds are finer-grained; this module maps each onto the
agreement's kinds in one table. If the agreement itself defines a kind with the event's own
name (e.g. ``elimination``), that wins; otherwise the table; otherwise the regime's default.

Warhead-count changes are "reported only in the six-month update" (Part Four, Section II,
para 3): a ``warhead_update`` is due with the first six-monthly data exchange whose as-of
date falls after the event, i.e. by that date plus the exchange's ``due_days``.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from ..agreements.model import Agreement

#: (event kind, item type) → the agreement's notification kind; ``None`` item type = any type.
EVENT_TO_AGREEMENT_KIND: dict[tuple[str, str | None], str] = {
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
WITH_SIX_MONTHLY_UPDATE = "warhead_update"


def agreement_kind(agreement: Agreement, kind: str, item_type: str | None) -> str | None:
    """The agreement's notification kind that governs an event kind on an item type."""
    ids = {n.id for n in agreement.regime.notifications}
    if kind in ids:
        return kind
    for key in ((kind, item_type), (kind, None)):
        mapped = EVENT_TO_AGREEMENT_KIND.get(key)
        if mapped is not None and mapped in ids:
            return mapped
    return None


def deadline_days(agreement: Agreement, kind: str, item_type: str | None) -> int | None:
    """Days allowed after the event for a notification of this kind (``None``: no deadline)."""
    mapped = agreement_kind(agreement, kind, item_type)
    regime = agreement.regime
    return regime.notification_deadline(mapped) if mapped else regime.notification_default_days


def next_update_due(agreement: Agreement, day: _dt.date) -> _dt.date | None:
    """When the six-monthly update covering an event on ``day`` is due: the first recurring
    exchange as-of date strictly after ``day`` (as of the start of that day, so an event on
    1 March belongs to the following period) plus its ``due_days``; ``None`` if the
    agreement has no recurring exchange."""
    return _next_update_due(agreement.regime.data_exchanges, day)


@lru_cache(maxsize=4096)
def _next_update_due(exchanges: tuple, day: _dt.date) -> _dt.date | None:
    best: _dt.date | None = None
    for ex in exchanges:
        for month, dom in ex.as_of:
            for year in (day.year, day.year + 1):
                as_of = _dt.date(year, month, dom)
                if as_of > day:
                    due = as_of + _dt.timedelta(days=ex.due_days)
                    best = due if best is None or due < best else best
                    break
    return best


def deadline(agreement: Agreement, kind: str, item_type: str | None, day: _dt.date) -> _dt.date | None:
    """The last day on which a notification of an event on ``day`` is on time."""
    if kind == WITH_SIX_MONTHLY_UPDATE:
        return next_update_due(agreement, day)
    days = deadline_days(agreement, kind, item_type)
    return None if days is None else day + _dt.timedelta(days=days)
