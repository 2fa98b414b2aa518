"""Replay: a declaration plus ordered notifications gives the state at any instant.

Semantics (docs/exchange.md, "Replay"):

- "as of D" is the start of day D, so the state as of D applies every notification whose
  event ``date`` is before D. Notifications are applied in event-date order; notifications
  with the same date keep their order in the input (a stable sort), so a file written in
  the order things happened replays as written, and a warhead update sent months later
  with the six-monthly exchange still lands on its event date.
- Only notifications of the declaration's party are applied. One dated before the
  declaration's as-of date is reported (``outside_period``) and not applied: the
  declaration already holds its effect, or should.
- A notification that cannot apply is a finding, never an exception: an unknown item
  (``unknown_identifier``); an item that is eliminated, a converted item redeployed, a
  return without a departure (``impossible_transition``, not applied); a ``from_facility``
  or ``from_status`` that is not the item's current one (``impossible_transition``, applied,
  because the notification is the latest word on where the item is). A repeated id is
  ``duplicate_notification`` (not applied); one sent after its deadline is
  ``late_notification``, with the number of days.
- Leaving deployed status clears a carrier's launcher and its warheads (a non-deployed
  carrier counts no warheads); warheads are set by the warhead-update action.

What each notification kind does, and which item types carry warheads or may travel, comes
from the :class:`~.rules.ExchangeRules` (a treaty profile's, or generic ones).

The state is a dict of small lists, one per item; each event is a handful of list writes.
A million events replay in a few seconds (benchmarks/replay.py).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from ..agreements.model import Agreement
from .deadlines import deadline_days, next_update_due
from .model import Declaration, Finding, Item, Notification
from .rules import Action, ExchangeRules

# Positions in an item's state list. S_* hold the index (into Replay.notifications) of the
# notification that last set the field, or -1 when the value is the declaration's own.
TYPE, SYSTEM, STATUS, FACILITY, WARHEADS, LAUNCHER, HOST, ABROAD = range(8)
S_STATUS, S_FACILITY, S_WARHEADS, S_LAUNCHER, S_ENTERED, S_LAST = range(8, 14)
_FIELD_SLOT = {"type": (TYPE, S_ENTERED), "system": (SYSTEM, S_ENTERED), "status": (STATUS, S_STATUS),
               "facility": (FACILITY, S_FACILITY), "launcher": (LAUNCHER, S_LAUNCHER),
               "host": (HOST, S_ENTERED), "warheads": (WARHEADS, S_WARHEADS)}
#: Fields compared item by item in reconciliation (warheads are compared per base).
COMPARED_FIELDS: tuple[str, ...] = ("type", "system", "status", "facility", "launcher", "host")


@dataclass
class Replay:
    """The replayed state as of ``as_of`` and what the replay found.

    ``state`` maps item id → state list (see the module's slot constants); eliminated items
    stay in it so that a later notification about them is recognized as impossible.
    ``notifications`` is the replay's ordered list; ``applied`` how many of them were applied.
    """

    base: Declaration
    as_of: _dt.date | None
    state: dict[str, list[Any]]
    notifications: list[Notification]
    applied: int
    findings: list[Finding] = field(default_factory=list)
    rules: ExchangeRules = field(default_factory=ExchangeRules.generic)

    def set_by(self, item_id: str, name: str) -> Notification | None:
        """The notification that last set a field (``status``, ``facility`` …) of an item,
        or ``None`` when the field still has the declaration's value."""
        rec = self.state.get(item_id)
        if rec is None:
            return None
        idx = rec[_FIELD_SLOT[name][1]]
        return self.notifications[idx] if idx >= 0 else None

    def item(self, item_id: str) -> Item | None:
        """The replayed record of one item (``None`` if the replay never heard of it)."""
        rec = self.state.get(item_id)
        return None if rec is None else _item(item_id, rec)

    def items(self, *, include_eliminated: bool = False) -> list[Item]:
        """The replayed items, in the order they became known."""
        gone = self.rules.eliminated
        return [_item(i, r) for i, r in self.state.items() if include_eliminated or r[STATUS] != gone]

    def declaration(self) -> Declaration:
        """The replayed state as an ``accord.declaration/v1`` record dated ``as_of``
        (eliminated items left out, as a declaration leaves them out)."""
        base = self.base
        day = self.as_of or base.as_of
        notes = (f"State replayed from the declaration as of {base.as_of.isoformat()} and "
                 f"{self.applied} notification(s) dated before {day.isoformat()}.", *base.notes)
        return Declaration(base.party, day, base.agreement, base.facilities, tuple(self.items()),
                           base.synthetic, notes, {"derived": "replay"})


def _item(item_id: str, rec: list[Any]) -> Item:
    return Item(item_id, rec[TYPE], rec[SYSTEM], rec[STATUS], rec[FACILITY], rec[WARHEADS], rec[LAUNCHER],
                rec[HOST])


def initial_state(decl: Declaration) -> dict[str, list[Any]]:
    """The state lists of a declaration's items (nothing set by a notification yet)."""
    return {i.id: [i.type, i.system, i.status, i.facility, i.warheads, i.launcher, i.host, False,
                   -1, -1, -1, -1, -1, -1] for i in decl.items}


def order(notes: Iterable[Notification]) -> list[Notification]:
    """Notifications in replay order: by event date, ties in input order."""
    return sorted(notes, key=attrgetter("date"))  # sorted() is stable


def replay(
    decl: Declaration,
    notes: Iterable[Notification],
    agreement: Agreement,
    *,
    at: _dt.date | None = None,
    rules: ExchangeRules | None = None,
) -> Replay:
    """The state as of the start of ``at`` (all notifications when ``None``), with findings.

    ``agreement`` supplies the notification deadlines; ``rules`` what each notification kind
    does (default: :meth:`ExchangeRules.generic`). Never raises on data problems: they are
    the returned findings, in replay order.
    """
    rules = rules or ExchangeRules.generic()
    actions = rules.kinds
    deployed, eliminated, converted, final = rules.deployed, rules.eliminated, rules.converted, rules.final
    carriers, travellers = rules.carriers, rules.travellers
    party = decl.party
    ordered = order(n for n in notes if n.party == party)
    state = initial_state(decl)
    facilities = decl.facility_ids()
    findings: list[Finding] = []
    add = findings.append
    seen: set[str] = set()
    start = decl.as_of
    days_cache: dict[tuple[str, str | None], _dt.timedelta | None] = {}
    one_day = _dt.timedelta(days=1)

    def impossible(n: Notification, why: str) -> None:
        add(Finding("impossible_transition", f"{n.id} ({n.kind}, {n.date.isoformat()}): {why}",
                    (n.item,), (n.id,), date=n.date))

    # The actions as locals: an Enum attribute lookup per event cost a tenth of the replay.
    do_enter, do_move, do_status, do_convert = Action.ENTER, Action.MOVE, Action.STATUS, Action.CONVERT
    do_eliminate, do_depart, do_return, do_warheads = (Action.ELIMINATE, Action.DEPART, Action.RETURN,
                                                        Action.WARHEADS)
    applied = 0
    for idx, n in enumerate(ordered):
        day = n.date
        if at is not None and day >= at:
            ordered = ordered[:idx]  # the rest is after the instant asked for
            break
        nid = n.id
        if nid in seen:
            add(Finding("duplicate_notification", f"notification id {nid} appears more than once",
                        (n.item,), (nid,), date=day, values={"line": n.line}))
            continue
        seen.add(nid)
        if day < start:
            add(Finding("outside_period", f"{nid} is dated {day.isoformat()}, before the declaration "
                        f"as of {start.isoformat()} it follows", (n.item,), (nid,), date=day))
            continue
        kind = n.kind
        action = actions.get(kind)
        if action is None:  # io rejects these; a hand-made Notification may still carry one
            impossible(n, f"{kind!r} is not a notification kind of these rules")
            continue
        rec = state.get(n.item)

        # Deadline: the agreement's, by event kind and item type (cached: few distinct keys).
        sent = n.sent
        if sent < day:
            impossible(n, f"sent {sent.isoformat()}, before the event it reports")
        elif action is do_warheads:
            due = next_update_due(agreement, day)
            if due is not None and sent > due:
                _late(add, n, due)
        else:
            itype = rec[TYPE] if rec is not None else n.type
            key = (kind, itype)
            delta = days_cache.get(key, one_day)
            if delta is one_day:
                d = deadline_days(agreement, kind, itype, rules)
                delta = days_cache[key] = None if d is None else _dt.timedelta(days=d)
            if delta is not None and sent > day + delta:
                _late(add, n, day + delta)

        if n.facility is not None and n.facility not in facilities:
            add(Finding("unknown_identifier", f"{nid} names facility {n.facility!r}, which no declaration lists",
                        (n.item,), (nid,), facility=n.facility, date=day))

        if action is do_enter:
            if rec is not None:
                impossible(n, f"item {n.item} is already accountable ({rec[STATUS]})")
                continue
            state[n.item] = [n.type, n.system or "", n.status, n.facility, n.warheads or 0, n.launcher, n.host,
                             False, idx, idx, idx, idx, idx, idx]
            applied += 1
            continue
        if rec is None:
            add(Finding("unknown_identifier", f"{nid} ({kind}) names item {n.item}, which is not accountable "
                        "and was never notified as new", (n.item,), (nid,), date=day))
            continue
        status = rec[STATUS]
        if status == eliminated:
            impossible(n, f"item {n.item} was eliminated")
            continue
        rec[S_LAST] = idx

        if action is do_move:
            if n.from_facility is not None and n.from_facility != rec[FACILITY]:
                impossible(n, f"moves from {n.from_facility}, but the item is at {rec[FACILITY]}")
            rec[FACILITY] = n.facility
            rec[S_FACILITY] = idx
        elif action is do_status:
            new = n.status
            if n.from_status is not None and n.from_status != status:
                impossible(n, f"changes status from {n.from_status}, but the item is {status}")
            if status in final and new != status:
                impossible(n, f"item {n.item} is {status}; that cannot be undone")
                continue
            _set_status(rec, new, n, idx, carriers, deployed)
        elif action is do_convert:
            if status in final:
                impossible(n, f"item {n.item} is already {status}")
                continue
            _set_status(rec, n.status or converted, n, idx, carriers, deployed)
        elif action is do_eliminate:
            _set_status(rec, eliminated, n, idx, carriers, deployed)
        elif action is do_depart or action is do_return:
            if travellers is not None and rec[TYPE] not in travellers:
                impossible(n, f"item {n.item} is a {rec[TYPE]}, which does not leave national territory "
                           f"(travelling types: {', '.join(sorted(travellers))})")
                continue
            leaving = action is do_depart
            if rec[ABROAD] == leaving:
                impossible(n, "departs while already outside national territory" if leaving
                           else "returns without having departed")
            rec[ABROAD] = leaving
        else:  # do_warheads
            if (carriers is not None and rec[TYPE] not in carriers) or status != deployed:
                impossible(n, f"warheads reported for item {n.item}, which is not a deployed carrier of "
                           f"warheads ({status} {rec[TYPE]})")
                continue
            rec[WARHEADS] = n.warheads
            rec[S_WARHEADS] = idx
        if n.facility is not None and action is not do_move:
            rec[FACILITY] = n.facility
            rec[S_FACILITY] = idx
        applied += 1
    return Replay(decl, at, state, ordered, applied, findings, rules)


def _set_status(rec: list[Any], new: str | None, n: Notification, idx: int,
                carriers: frozenset[str] | None, deployed: str) -> None:
    rec[STATUS] = new
    rec[S_STATUS] = idx
    if carriers is None or rec[TYPE] in carriers:
        if new == deployed:
            rec[LAUNCHER] = n.launcher
        else:  # out of its launcher: no launcher, no warheads counted
            rec[LAUNCHER] = None
            if rec[WARHEADS]:
                rec[WARHEADS] = 0
                rec[S_WARHEADS] = idx
        rec[S_LAUNCHER] = idx
        if n.warheads is not None:
            rec[WARHEADS] = n.warheads
            rec[S_WARHEADS] = idx


def _late(add: Callable[[Finding], None], n: Notification, due: _dt.date) -> None:
    days = (n.sent - due).days
    add(Finding("late_notification", f"{n.id} ({n.kind} of {n.date.isoformat()}) was sent "
                f"{n.sent.isoformat()}, {days} day(s) after its deadline {due.isoformat()}",
                (n.item,), (n.id,), date=n.date, values={"days_late": days, "deadline": due.isoformat(),
                                                         "sent": n.sent.isoformat()}))


def state_at(decl: Declaration, notes: Sequence[Notification], agreement: Agreement, at: _dt.date,
             rules: ExchangeRules | None = None) -> Declaration:
    """Shortcut: the replayed state as of ``at`` as a declaration."""
    return replay(decl, notes, agreement, at=at, rules=rules).declaration()
