"""The interface every limit kind implements, and the evaluation steps kinds share.

A kind is a frozen dataclass subclassing :class:`Rule` in its own module of this package:

- ``parse(clause)`` (a classmethod) validates the kind's own YAML keys at load time and returns
  the parsed clause (stored as ``Limit.spec``); errors name file, line and field;
- ``evaluate(limit, ctx)`` returns the kind's findings, each with a typed trace;
- ``describe()`` says what the clause imposes, for ``show``, ``diff`` and reports.

Most kinds cap one party's own holdings and differ only in how the cap is set: they subclass
:class:`PartyRule` and implement ``cap_for``. :class:`Context` carries what an evaluation
reads, with the costly per-snapshot counting done once.
"""

from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from ...agreements.kinds import Clause, parse_cap
from ...agreements.model import Agreement, Cap, Description, Limit
from ...forces.estimates import Estimate
from ...forces.holdings import Holdings, Snapshot
from ...sources import weakest
from ..findings import CapTrace, ClauseTrace, DataTrace, Finding, MemberTrace, Part, Trace
from ..probability import DEFAULT_DISTRIBUTION, DISTRIBUTIONS, p_exceeds
from ..valuation import SnapshotParts, Valuation, snapshot_parts, value_of

#: Caps the user sets: ``{limit_id: n}`` or ``{limit_id: {party: n}}``.
UserCaps = Mapping[str, int | Mapping[str, int]]


@dataclass
class Context:
    """What one evaluation reads: the agreement, the holdings, the parties asked for, the date
    (``at``; None for every snapshot date), the user's caps and the distribution over a range
    (:data:`~accord.compliance.probability.DISTRIBUTIONS`). Caches counted snapshots."""

    agreement: Agreement
    holdings: Holdings
    parties: tuple[str, ...]
    at: _dt.date | None = None
    caps: UserCaps = field(default_factory=dict)
    distribution: str = DEFAULT_DISTRIBUTION
    _parts: dict[int, SnapshotParts] = field(default_factory=dict, repr=False)

    def parts(self, snap: Snapshot) -> SnapshotParts:
        """The snapshot's per-category parts and totals, counted once per evaluation."""
        key = id(snap)  # snapshots live as long as the holdings, which outlive the context
        if key not in self._parts:
            self._parts[key] = snapshot_parts(self.agreement, snap)
        return self._parts[key]

    def value(self, snap: Snapshot | None, categories: tuple[str, ...]) -> Valuation:
        if snap is None:
            return Valuation(None, (), categories)
        return value_of(self.agreement, snap, categories, parts=self.parts(snap))

    def covered(self, snap: Snapshot) -> set[str]:
        """The categories a snapshot says anything about."""
        by_cat, totals = self.parts(snap)
        out = set(by_cat)
        for t in totals:
            out |= t.categories
        return out

    def latest_with_data(self, party: str, day: _dt.date, limit: Limit) -> Snapshot | None:
        """The latest snapshot on or before ``day`` that values the limit (else the latest one)."""
        snaps = self.holdings.before(party, day)
        for snap in snaps:
            if self.value(snap, limit.categories).value is not None:
                return snap
        return snaps[0] if snaps else None

    def user_cap(self, limit: Limit, party: str) -> int | None:
        given = self.caps.get(limit.id)
        if given is None:
            return None
        value = given.get(party) if isinstance(given, Mapping) else given
        return None if value is None else int(value)

    def baseline(self, party: str, day: _dt.date, categories: tuple[str, ...]) -> CapTrace:
        """The level of ``categories`` for ``party`` on ``day`` (latest data on or before)."""
        rule = f"level on {day.isoformat()}"
        for snap in self.holdings.before(party, day):
            v = self.value(snap, categories)
            if v.value is not None:
                span = v.span
                return CapTrace(rule, v.value, snap.date, v.estimate, v.parts,
                                range=span if span is not None and span.is_range else None)
        return CapTrace(rule, problem=f"no data for {party} on or before {day}")


class Rule(ABC):
    """One limit kind (see the module docstring). Subclasses are frozen dataclasses."""

    #: The YAML ``kind`` this rule parses.
    kind: ClassVar[str]
    #: The family reports show it with: ``limit`` or ``freeze``.
    group: ClassVar[str] = "limit"
    #: The section whose entries are this kind when they give no ``kind:`` (at most one rule each).
    default_for: ClassVar[str | None] = None
    #: YAML keys of the clause beyond the common ones (id, title, categories, from, until …).
    keys: ClassVar[frozenset[str]] = frozenset()
    #: Whether a snapshot with no data at all still yields a (no_data) row for this kind.
    rows_without_data: ClassVar[bool] = True

    cap: Cap

    @classmethod
    @abstractmethod
    def parse(cls, clause: Clause) -> Rule:
        """The parsed clause; an InputError names file, line and field."""

    @abstractmethod
    def evaluate(self, limit: Limit, ctx: Context) -> list[Finding]:
        """The findings of ``limit`` (whose ``spec`` is this rule) in ``ctx``."""

    @abstractmethod
    def describe(self) -> Description:
        """What the clause imposes: one line, display fields and JSON."""

    def cap_keys(self, agreement: Agreement) -> tuple[str, ...]:
        """Whose cap a user may set per party (``caps={id: {KEY: n}}``): each party's."""
        return agreement.parties

    def unrelated(self, ctx: Context, limit: Limit, snap: Snapshot) -> bool:
        """True when a snapshot says nothing about this limit nor any limit of the same kind
        (a stockpile estimate says nothing about launchers; an exchange nothing about a freeze),
        so a timeline row would be noise. A partial exchange still yields ``no_data`` rows, and
        so does an exchange whose data were not provided (an empty snapshot) where the kind
        has ``rows_without_data``."""
        covered = ctx.covered(snap)
        if not covered:
            return not self.rows_without_data
        return not any(set(other.categories) & covered for other in ctx.agreement.limits
                       if type(other.spec) is type(self))


def data_trace(snap: Snapshot | None) -> DataTrace | None:
    return None if snap is None else DataTrace(snap.date, snap.origin, snap.synthetic, snap.note)


def finding(ctx: Context, limit: Limit, party: str, day: _dt.date, valuation: Valuation, cap: CapTrace, *,
            data: DataTrace | None, no_data_note: str, parties: tuple[str, ...] = (),
            members: tuple[MemberTrace, ...] = (), own_baseline: bool = False) -> Finding:
    """The finding of ``limit`` for ``party`` on ``day`` given its value and cap: the status is
    ``not_in_force``, ``not_binding``, ``no_data`` (no value, or no cap), then ``exceeds``,
    ``uncertain`` or ``within`` from the intervals (:func:`compare`), checked in that order.

    ``own_baseline`` says that the value is read from the very data its cap was (a freeze
    evaluated on the data of its own date): one figure on both sides, whose difference is that of
    the central figures (0) whatever the true count. The two are then compared as exact figures
    (no interval, no probability; the trace keeps the ranges), never as two independent
    estimates that might differ."""
    agreement = ctx.agreement
    notes = list(valuation.notes)
    value, cap_span = valuation.span, cap.span
    same = own_baseline and value is not None and cap_span is not None and (value.is_range or cap_span.is_range)
    if same:
        assert value is not None and valuation.value is not None and cap.value is not None
        same_note = (f"the value is the baseline itself (the data as of {cap.data_as_of} on both sides): "
                     f"{_interval(value)} against itself, at the cap whatever the true count")
        value, cap_span = Estimate.exact(valuation.value), Estimate.exact(cap.value)
    if not agreement.in_force(day):
        status = "not_in_force"
        notes.append(_not_in_force(agreement, day))
    elif not limit.binding.contains(day):
        status = "not_binding"
        notes.append(f"{limit.id} binds from {limit.binding.start}" +
                     (f" until {limit.binding.end} (exclusive)" if limit.binding.end else ""))
    elif not limit.cap.in_effect(day):
        status = "not_binding"
        notes.append(f"{limit.id} has no cap in force on {day} (cap: {limit.cap.describe()})")
    elif value is None:
        status = "no_data"
        notes.append(no_data_note)
    elif cap_span is None:
        status = "no_data"
        notes.append("the cap cannot be set: " + (cap.problem or "no baseline"))
    else:
        status = compare(value, cap_span)
        if same:
            notes.append(same_note)
    # a probability only where a value was compared with a cap, and something in it is a range
    ranged = status in ("within", "exceeds", "uncertain") and value is not None and cap_span is not None \
        and (value.is_range or cap_span.is_range)
    p = None
    if ranged:
        assert value is not None and cap_span is not None
        p = p_exceeds(value, cap_span, ctx.distribution)
        notes.append(_range_note(value, cap_span, status, p, ctx.distribution))
    headroom = cap.value - valuation.value if cap.value is not None and valuation.value is not None else None
    spec = limit.spec
    trace = Trace(
        ClauseTrace(limit.id, limit.title, limit.categories, limit.binding, limit.source.cite(),
                    spec.describe().text if spec is not None else ""),
        valuation.parts, cap, valuation.missing, data, tuple(notes), members)
    value_range = value if value is not None and value.is_range else None
    cap_range = cap_span if cap_span is not None and cap_span.is_range else None
    return Finding(party, day, limit.id, limit.title, limit.kind, valuation.value, cap.value, headroom, status,
                   limit.legal_form, limit.verification, limit.source, trace,
                   data.as_of if data is not None else None, valuation.estimate or cap.estimate,
                   weakest(r for r in (valuation.reliability, cap.reliability) if r is not None),
                   parties or (party,), limit.group,
                   low=value_range.low if value_range else None, high=value_range.high if value_range else None,
                   cap_low=cap_range.low if cap_range else None, cap_high=cap_range.high if cap_range else None,
                   p_exceeds=p, distribution=DISTRIBUTIONS[ctx.distribution] if ranged else None)


def compare(value: Estimate, cap: Estimate) -> str:
    """``within`` when the value's high end is at most the cap's low end, ``exceeds`` when its low
    end is above the cap's high end, ``uncertain`` otherwise (the intervals overlap so that the
    true count may be on either side). For exact figures: ``exceeds`` exactly when value > cap."""
    if value.high <= cap.low:
        return "within"
    if value.low > cap.high:
        return "exceeds"
    return "uncertain"


def _range_note(value: Estimate, cap: Estimate, status: str, p: float | None, distribution: str) -> str:
    """The interval behind a status, stated: the value's range, the cap's, and the probability."""
    what = f"value {_interval(value)}; cap {_interval(cap)}: "
    if status == "within":
        what += "within even at the high end of the range" if value.is_range else "within even at the cap's low end"
    elif status == "exceeds":
        what += "over the cap even at the low end of the range" if value.is_range else \
            "over the cap even at the cap's high end"
    else:
        what += "uncertain, the true count may be on either side of the cap"
    if p is not None:
        what += f"; P(over the cap) {_probability(p)} under {DISTRIBUTIONS[distribution]}"
        if value.is_range and cap.is_range:
            what += ", value and cap independent"
    return what + "; headroom is the central estimate's"


def _probability(p: float) -> str:
    """``= 0.493``; ``> 0.999`` for a probability under 1 that three digits would round to 1."""
    return "> 0.999" if 0.999 < p < 1.0 else f"= {p:.3g}"


def _interval(span: Estimate) -> str:
    return f"{span.low:,} to {span.high:,} (central {span.central:,})" if span.is_range else f"{span.central:,}"


def _not_in_force(agreement: Agreement, day: _dt.date) -> str:
    """Why the agreement does not bind on ``day``, in the model's own sentence: not yet in force,
    expired (what lapsed and when), or a conditional offer that never took effect."""
    return agreement.standing(day).text


def fixed_cap(cap: Cap, day: _dt.date) -> CapTrace | None:
    """A number or dated-values cap on ``day`` (None for a level-on cap)."""
    if cap.steps:
        value = cap.value_on(day)
        if value is None:
            return CapTrace("dated", problem=f"no cap in force on {day}")
        return CapTrace("dated", value, step_from=cap.step_on(day))
    if cap.value is not None:
        return CapTrace("fixed", cap.value)
    return None


def stated_cap(ctx: Context, limit: Limit, key: str, cap: Cap, day: _dt.date) -> CapTrace | None:
    """The cap the user set for ``key`` (a party, or a coalition's label), else the clause's
    number or dated value on ``day``; None when the cap is the level on a date (a baseline)."""
    given = ctx.user_cap(limit, key)
    if given is not None:
        return CapTrace("set by the user (parameter)", given)
    return fixed_cap(cap, day)


def describe_cap(kind: str, cap: Cap, **extra: str) -> Description:
    """The description of a clause whose terms are its cap (and ``extra`` display fields)."""
    text = f"{kind}: cap {cap.describe()}"
    for name, value in extra.items():
        text += f"; {name} {value}"
    return Description(text, (("cap", cap.describe()), *extra.items()), {"kind": kind, "cap": cap.to_json(), **extra})


class PartyRule(Rule):
    """A kind that caps each party's own holdings; subclasses say how the cap is set."""

    @abstractmethod
    def cap_for(self, limit: Limit, ctx: Context, party: str, day: _dt.date) -> CapTrace:
        """The cap for ``party`` on ``day``, with how it was set."""

    def evaluate(self, limit: Limit, ctx: Context) -> list[Finding]:
        """With ``ctx.at``: one finding per party, on the latest snapshot that values the limit.
        Otherwise one per party and snapshot date, skipping snapshots unrelated to the kind."""
        out: list[Finding] = []
        for party in ctx.parties:
            if ctx.at is not None:
                out.append(self._one(limit, ctx, party, ctx.at, ctx.latest_with_data(party, ctx.at, limit)))
                continue
            for snap in ctx.holdings.for_party(party):
                if not self.unrelated(ctx, limit, snap):
                    out.append(self._one(limit, ctx, party, snap.date, snap))
        return out

    def _one(self, limit: Limit, ctx: Context, party: str, day: _dt.date, snap: Snapshot | None) -> Finding:
        valuation = ctx.value(snap, limit.categories)
        note = ("no data for: " + ", ".join(valuation.missing)) if snap else f"no data for {party} on or before {day}"
        cap = self.cap_for(limit, ctx, party, day)
        # a baseline read from this very snapshot (same party, date and categories, so the same parts)
        own = snap is not None and cap.data_as_of == snap.date and cap.parts == valuation.parts
        return finding(ctx, limit, party, day, valuation, cap, data=data_trace(snap), no_data_note=note,
                       own_baseline=own)


@dataclass(frozen=True)
class CapRule(PartyRule):
    """A party's cap set by the clause's ``cap:`` (a number, dated values or the level on a
    date; ``parameter: true`` lets the user set it), or by the user's ``caps``."""

    cap: Cap

    @classmethod
    def parse(cls, clause: Clause) -> Rule:
        clause.check_keys(cls.keys | {"cap"})
        return cls(parse_cap(clause))

    def cap_for(self, limit: Limit, ctx: Context, party: str, day: _dt.date) -> CapTrace:
        stated = stated_cap(ctx, limit, party, self.cap, day)
        if stated is not None:
            return stated
        assert self.cap.level_on is not None
        return ctx.baseline(party, self.cap.level_on, limit.categories)

    def describe(self) -> Description:
        return describe_cap(self.kind, self.cap)


def tag(parts: tuple[Part, ...], party: str) -> tuple[Part, ...]:
    """The parts marked with the party they belong to."""
    return tuple(replace(p, party=party) for p in parts)
