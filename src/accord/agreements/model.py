"""The agreement model: frozen records built from an agreement file by :mod:`.load`.

An :class:`Agreement` says who the parties are, what legal form it has, when it is in force,
which categories it counts and how itemized records become category counts
(:class:`CountingRule`, in the words of its :class:`~.vocabulary.Vocabulary`), which limits
bind when (:class:`Limit`, whose ``spec`` is the parsed clause of its kind), and what the
verification regime provides (:class:`Regime`). Every clause carries its :class:`Source`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..periods import DatedValues, Period
from ..sources import Source
from .vocabulary import EMPTY, CountingMethod, Vocabulary

if TYPE_CHECKING:  # the protocol a limit kind's parsed clause follows (kinds.py imports this module)
    from .kinds import LimitSpec

LEGAL_FORMS = ("treaty", "political_commitment", "interpretation", "proposal")
VERIFICATION_LEVELS = ("treaty_regime", "to_be_negotiated", "none")


@dataclass(frozen=True)
class Category:
    """Something counted, e.g. deployed delivery vehicles or the warheads on them."""

    id: str
    title: str
    unit: str  # "items" or "warheads"
    source: Source
    description: str | None = None


@dataclass(frozen=True)
class CountingRule:
    """How itemized records become one category's count.

    Records whose ``type`` is in ``item_types`` and ``status`` in ``statuses`` (and, when
    given, ``system`` in ``systems``) are selected; ``mode`` is the vocabulary's name for how
    they are counted and ``method`` the generic method it stands for (the number of records,
    the sum of an attribute, a fixed number per record, or a per-system table).
    ``per_item`` is the fixed number per record of a ``fixed`` method (1 otherwise).
    """

    category: str
    item_types: tuple[str, ...]
    statuses: tuple[str, ...]
    mode: str
    source: Source
    systems: tuple[str, ...] | None = None
    per_item: int = 1
    method: CountingMethod = field(default_factory=CountingMethod)

    def describe(self) -> str:
        """How the rule counts, e.g. ``warheads (sum of warheads)``."""
        return f"{self.mode} ({self.method.describe()})"


@dataclass(frozen=True)
class Cap:
    """A cap: a number, a dated step function of numbers, the level of the limit's own
    scope on a date (a freeze), or other parties' own holding of that scope (``holding_of``).

    ``steps`` are ``(date, value)`` pairs sorted by date: each value holds from its date until
    the next; a ``None`` value ends the limit. ``parameter`` marks a cap the user may set
    (``evaluate(..., caps={limit_id: N})``); its value here is then the default. ``range`` is a
    parameter's documented span of caps worth exploring ``(low, high)``, when the file gives one
    (a number nobody published is explored over a range, never invented).
    """

    value: int | None = None
    level_on: _dt.date | None = None
    parameter: bool = False
    steps: tuple[tuple[_dt.date, int | None], ...] = ()
    range: tuple[int, int] | None = None
    #: Parties whose own holding of the same categories, on the same date, is the cap (a coalition
    #: weighed against another party: ``US+UK+FR`` against ``RU``).
    holding_of: tuple[str, ...] = ()

    def value_on(self, day: _dt.date) -> int | None:
        """The number in force on ``day``: the fixed value, or the step in force (None before
        the first step, after a ``null`` step, and for a level-on cap)."""
        if self.steps:
            return DatedValues(self.steps).at(day)
        return self.value

    def step_on(self, day: _dt.date) -> _dt.date | None:
        """The date of the step in force on ``day`` (None for an undated cap)."""
        hit = DatedValues(self.steps).dated_at(day) if self.steps else None
        return hit[0] if hit else None

    def in_effect(self, day: _dt.date) -> bool:
        """False before a dated cap's first step and from a ``null`` step on."""
        return not self.steps or self.value_on(day) is not None

    def describe(self) -> str:
        if self.steps:
            text = "; ".join(f"{v:,} from {d.isoformat()}" if v is not None else f"ends {d.isoformat()}"
                             for d, v in self.steps)
        elif self.value is not None:
            text = f"{self.value:,}"
        elif self.holding_of:
            text = f"the {'combined ' if len(self.holding_of) > 1 else ''}holding of {'+'.join(self.holding_of)}"
        else:
            text = f"level on {self.level_on.isoformat() if self.level_on else '?'}"
        if self.range is not None:
            return text + f" (parameter; range {self.range[0]:,}–{self.range[1]:,})"
        return text + (" (parameter)" if self.parameter else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "level_on": self.level_on.isoformat() if self.level_on else None,
            "parameter": self.parameter,
        }
        if self.steps:
            out["values"] = [{"from": d.isoformat(), "value": v} for d, v in self.steps]
        if self.range is not None:
            out["range"] = {"low": self.range[0], "high": self.range[1]}
        if self.holding_of:
            out["holding_of"] = list(self.holding_of)
        return out


@dataclass(frozen=True)
class Description:
    """How a clause describes itself: one line of ``text``, display ``fields`` for ``diff``
    (name, value), and JSON ``data`` for ``show`` and reports."""

    text: str
    fields: tuple[tuple[str, str], ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, **self.data}


@dataclass(frozen=True)
class Limit:
    """A cap on the sum of some categories, binding over ``binding`` (half-open).

    ``kind`` names the rule that evaluates it (``limit``, ``freeze``, ``ban``, ``coalition`` …,
    one module each in ``compliance/rules/``) and ``spec`` is that rule's parsed clause;
    ``legal_form`` is the clause's own (a political freeze may ride on a treaty extension);
    ``verification`` says how it would be verified.
    """

    id: str
    title: str
    kind: str
    categories: tuple[str, ...]
    cap: Cap
    binding: Period
    legal_form: str
    verification: str
    source: Source
    note: str | None = None
    spec: LimitSpec | None = None

    def binds(self, day: _dt.date) -> bool:
        """True when ``day`` is in the binding period and the cap is in effect (a dated cap
        binds from its first step until a ``null`` step)."""
        return self.binding.contains(day) and self.cap.in_effect(day)

    def describe(self) -> Description:
        """The rule's own description of this clause (the cap alone when there is no rule)."""
        if self.spec is not None:
            return self.spec.describe()
        return Description(f"cap {self.cap.describe()}", (("cap", self.cap.describe()),), {"cap": self.cap.to_json()})

    @property
    def group(self) -> str:
        """The family a report shows this clause with (``limit`` or ``freeze``), from its rule."""
        return self.spec.group if self.spec is not None else self.kind


@dataclass(frozen=True)
class DataExchange:
    """A recurring or one-off declaration: data as of given month-days, due some days later."""

    id: str
    title: str
    as_of: tuple[tuple[int, int], ...]  # (month, day) pairs; empty for a one-off
    due_days: int
    source: Source
    as_of_date: _dt.date | None = None  # a one-off exchange's date (e.g. entry into force)


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification and its deadline in days after the event."""

    id: str
    title: str
    deadline_days: int | None
    source: Source
    note: str | None = None


@dataclass(frozen=True)
class InspectionType:
    """An inspection type, its yearly quota and the site types it may visit."""

    id: str
    title: str
    quota_per_year: int
    site_types: tuple[str, ...]
    activities: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class Regime:
    """The verification provisions. ``verification`` is ``treaty_regime``, ``to_be_negotiated`` or ``none``."""

    verification: str
    data_exchanges: tuple[DataExchange, ...] = ()
    notification_default_days: int | None = None
    notifications: tuple[NotificationKind, ...] = ()
    inspections: tuple[InspectionType, ...] = ()
    source: Source | None = None
    note: str | None = None

    def inspection(self, inspection_id: str) -> InspectionType | None:
        return next((i for i in self.inspections if i.id == inspection_id), None)

    def notification_deadline(self, kind: str) -> int | None:
        """Deadline in days for a notification kind, else the regime's default."""
        for n in self.notifications:
            if n.id == kind:
                return n.deadline_days if n.deadline_days is not None else self.notification_default_days
        return self.notification_default_days


@dataclass(frozen=True)
class DatedClause:
    """A dated fact of the agreement (signature, entry into force, expiry) with its source."""

    date: _dt.date
    source: Source
    note: str | None = None


@dataclass(frozen=True)
class Extension:
    """Extension rules: at most ``max_years``, by ``by`` (e.g. agreement of the parties)."""

    max_years: int | None
    by: str
    source: Source


#: How a condition turned out: ``met``, or ``not_met`` (an offer whose condition was not met
#: never takes effect). A condition without an outcome is open.
OUTCOMES = ("met", "not_met")


@dataclass(frozen=True)
class Outcome:
    """How a condition turned out, on which date, with its source (e.g. the other party never
    answered an offer)."""

    status: str  # one of OUTCOMES
    date: _dt.date
    source: Source
    note: str | None = None


@dataclass(frozen=True)
class Condition:
    """A condition the agreement or offer depends on (e.g. reciprocity), and its outcome once
    known."""

    id: str
    text: str
    source: Source
    outcome: Outcome | None = None

    @property
    def failed(self) -> bool:
        """True when the condition is known not to have been met."""
        return self.outcome is not None and self.outcome.status == "not_met"


#: The parts of a verification regime a suspension can stop.
REGIME_PARTS = ("data_exchanges", "notifications", "inspections")


@dataclass(frozen=True)
class Suspension:
    """One party's suspension of its part in an agreement still in force: from ``start`` (until
    ``end``, exclusive, or the agreement's end) the listed parts of the regime (``stopped``) were
    not performed; ``kept`` says what the party said it would still observe. The agreement stays
    legally in force and its limits still bind."""

    id: str
    party: str
    start: _dt.date
    stopped: tuple[str, ...]
    text: str
    source: Source
    end: _dt.date | None = None
    kept: str | None = None
    note: str | None = None

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def describe(self) -> str:
        """One clause: since when the party performs which parts of the regime no more, and what
        it says it still keeps (the full account is ``text``)."""
        names = [p.replace("_", " ") for p in self.stopped]
        parts = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        text = f"since {self.start.isoformat()} {self.party} performs no {parts}"
        return text + (f", while saying it keeps {self.kept}" if self.kept else "")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "party": self.party, "from": self.start.isoformat(),
                "until": self.end.isoformat() if self.end else None, "stopped": list(self.stopped),
                "kept": self.kept, "text": self.text, "note": self.note, "source": self.source.to_json()}


#: What :meth:`Agreement.standing` can say of a date.
STANDING_STATES = ("not_yet", "in_force", "suspended", "expired", "proposal", "never_took_effect")


@dataclass(frozen=True)
class Standing:
    """Where an agreement stands on a date: ``state`` (one of :data:`STANDING_STATES`), one
    human sentence (``text``), the period it was or would be in force, the sources the sentence
    rests on and the suspensions in effect that day."""

    day: _dt.date
    state: str
    text: str
    effective: Period
    sources: tuple[Source, ...] = ()
    suspensions: tuple[Suspension, ...] = ()

    @property
    def in_force(self) -> bool:
        """True when the agreement binds that day (in force, suspended or not)."""
        return self.state in ("in_force", "suspended")

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "text": self.text, "at": self.day.isoformat(),
                "in_force": self.in_force, "effective": self.effective.to_json(),
                "sources": [s.to_json() for s in self.sources],
                "suspensions": [s.to_json() for s in self.suspensions]}


@dataclass(frozen=True)
class Agreement:
    """An agreement as code: resolved (``extends`` applied) and validated."""

    id: str
    title: str
    parties: tuple[str, ...]
    legal_form: str
    adopted: bool
    source: Source
    entry_into_force: DatedClause
    expires: DatedClause | None
    categories: tuple[Category, ...]
    counting: tuple[CountingRule, ...]
    limits: tuple[Limit, ...]
    regime: Regime
    signed: DatedClause | None = None
    duration_years: int | None = None
    extension: Extension | None = None
    withdrawal: DatedClause | None = None
    withdrawal_notice_months: int | None = None
    conditions: tuple[Condition, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    summary: str | None = None
    adoption_note: str | None = None
    extends: str | None = None
    path: str | None = None
    vocabulary: Vocabulary = EMPTY
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def effective(self) -> Period:
        """The period in force (or, for a proposal, the period it would have covered)."""
        return Period(self.entry_into_force.date, self.expires.date if self.expires else None)

    @property
    def failed_condition(self) -> Condition | None:
        """The first condition known not to have been met (the agreement then never took effect)."""
        return next((c for c in self.conditions if c.failed), None)

    def in_force(self, day: _dt.date) -> bool:
        """True when ``day`` falls in the effective period ``[entry into force, expiry)`` and no
        condition of the agreement failed (an offer whose condition was not met never took
        effect). A proposal's effective period is the one it would have covered: its terms are
        evaluated as if adopted, and :meth:`standing` says it is a proposal."""
        return self.failed_condition is None and self.effective.contains(day)

    def suspended_on(self, day: _dt.date) -> tuple[Suspension, ...]:
        """The suspensions in effect on ``day`` (only while the agreement is in force)."""
        if not self.in_force(day):
            return ()
        return tuple(s for s in self.suspensions if s.period.contains(day))

    def standing(self, day: _dt.date) -> Standing:
        """Where the agreement stands on ``day``, in one sentence with its sources: not yet in
        force, in force (and any suspension in effect), expired (what lapsed and when), a
        proposal never adopted, or a conditional offer that never took effect."""
        eff = self.effective
        failed = self.failed_condition
        if failed is not None:
            assert failed.outcome is not None
            out = failed.outcome
            text = (f"{self.id} is a conditional offer that never took effect: its condition {failed.id!r} was not "
                    f"met ({out.date.isoformat()}: {out.note or 'not met'}; {out.source.cite()}). "
                    f"Nothing of it binds on {day.isoformat()}")
            return Standing(day, "never_took_effect", text, eff, (failed.source, out.source))
        if not self.adopted:
            when = f"from {eff.start.isoformat()}" + (f" until {eff.end.isoformat()}" if eff.end else "")
            note = f" ({self.adoption_note.rstrip('.')})" if self.adoption_note else ""
            # a period already over on ``day`` is spoken of in the past
            would = "it would have been in force" if eff.end is not None and day >= eff.end else \
                "if adopted it would be in force"
            text = (f"{self.id} is a proposal, never in force{note}; {would} {when}. "
                    f"Nothing of it binds on {day.isoformat()}")
            return Standing(day, "proposal", text, eff, (self.source,))
        if day < eff.start:
            text = (f"{self.id} is not yet in force on {day.isoformat()}: "
                    f"it enters into force on {eff.start.isoformat()}")
            return Standing(day, "not_yet", text, eff, (self.entry_into_force.source,))
        if eff.end is not None and day >= eff.end:
            last = eff.end - _dt.timedelta(days=1)
            assert self.expires is not None
            ext = self.extension
            if ext is not None and ext.max_years:
                # the term ended, but the agreement allowed an extension: an extended agreement is a
                # file of its own (a derived file), so this file must not say the agreement lapsed
                text = (f"{self.id}'s term ended on {eff.end.isoformat()} (in force {eff.start.isoformat()} to "
                        f"{last.isoformat()}); it could be extended by up to {ext.max_years} years "
                        f"({ext.by}), which this file does not include (an extension is an agreement file of "
                        f"its own): none of this file's limits binds on {day.isoformat()}")
                return Standing(day, "expired", text, eff, (self.expires.source, ext.source))
            text = (f"{self.id} expired on {eff.end.isoformat()} (in force {eff.start.isoformat()} to "
                    f"{last.isoformat()}): none of its limits binds on {day.isoformat()}")
            return Standing(day, "expired", text, eff, (self.expires.source,))
        until = f"; it expires on {eff.end.isoformat()}" if eff.end else ""
        text = f"{self.id} is in force on {day.isoformat()} (since {eff.start.isoformat()}{until})"
        active = self.suspended_on(day)
        if active:
            text += "; suspended in part: " + "; ".join(s.describe() for s in active)
            return Standing(day, "suspended", text, eff, tuple(s.source for s in active), active)
        return Standing(day, "in_force", text, eff, (self.entry_into_force.source,))

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    def limit(self, limit_id: str) -> Limit:
        for lim in self.limits:
            if lim.id == limit_id:
                return lim
        raise KeyError(limit_id)

    def binding_limits(self, day: _dt.date) -> tuple[Limit, ...]:
        """The limits and freezes that bind on ``day`` (none when not in force)."""
        if not self.in_force(day):
            return ()
        return tuple(lim for lim in self.limits if lim.binds(day))

    @property
    def category_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.categories)
