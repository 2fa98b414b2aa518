"""Notification deadlines, read from the agreement file.

The agreement lists notification kinds with their deadlines and a default (its regime). The
exchange's notification kinds can be finer-grained than the agreement's; the
:class:`~.rules.ExchangeRules` map each (kind, item type) onto the agreement's kind in one
table (``notice``). If the agreement itself defines a kind with the event's own name (e.g.
``elimination``), that wins; otherwise the table; otherwise the regime's default.

A warhead update is reported only with the periodic data exchange: it is due with the first
recurring exchange whose as-of date falls after the event, i.e. by that date plus the
exchange's ``due_days``.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from ..agreements.model import Agreement, DataExchange
from .rules import Action, ExchangeRules


def agreement_kind(agreement: Agreement, kind: str, item_type: str | None,
                   rules: ExchangeRules | None = None) -> str | None:
    """The agreement's notification kind that governs an event kind on an item type."""
    ids = {n.id for n in agreement.regime.notifications}
    if kind in ids:
        return kind
    notice = rules.notice if rules is not None else {}
    for key in ((kind, item_type), (kind, None)):
        mapped = notice.get(key)
        if mapped is not None and mapped in ids:
            return mapped
    return None


def deadline_days(agreement: Agreement, kind: str, item_type: str | None,
                  rules: ExchangeRules | None = None) -> int | None:
    """Days allowed after the event for a notification of this kind (``None``: no deadline)."""
    mapped = agreement_kind(agreement, kind, item_type, rules)
    regime = agreement.regime
    return regime.notification_deadline(mapped) if mapped else regime.notification_default_days


def next_update_due(agreement: Agreement, day: _dt.date) -> _dt.date | None:
    """When the periodic update covering an event on ``day`` is due: the first recurring
    exchange as-of date strictly after ``day`` (as of the start of that day, so an event on
    an as-of date belongs to the following period) plus its ``due_days``; ``None`` if the
    agreement has no recurring exchange."""
    return _next_update_due(agreement.regime.data_exchanges, day)


@lru_cache(maxsize=4096)
def _next_update_due(exchanges: tuple[DataExchange, ...], day: _dt.date) -> _dt.date | None:
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


def deadline(agreement: Agreement, kind: str, item_type: str | None, day: _dt.date,
             rules: ExchangeRules | None = None) -> _dt.date | None:
    """The last day on which a notification of an event on ``day`` is on time."""
    rules = rules or ExchangeRules.generic()
    if rules.action(kind) is Action.WARHEADS:
        return next_update_due(agreement, day)
    days = deadline_days(agreement, kind, item_type, rules)
    return None if days is None else day + _dt.timedelta(days=days)
