"""``coalition``: several parties' holdings summed against one cap.

```yaml
limits:
  - id: allied_warheads
    kind: coalition
    parties: [US, UK, FR]          # at least two of the agreement's parties
    categories: [deployed_warheads]
    cap: 2000                      # a number, dated values, a level on a date, or a parameter
```

There is one finding per date for the coalition, whose ``party`` is the members joined by
``+`` in the order listed (``US+UK+FR``; ``parties`` lists them). Dates are every date on which
a member has data about the limit (or ``at``); on each, every member's value is its latest data
on or before that date, and ``data_as_of`` is the oldest of those. When a member has no data,
the finding is ``no_data``. A parameter cap is set with ``caps={id: N}`` or
``caps={id: {"US+UK+FR": N}}``; a level-on cap is the sum of the members' levels.

``cap: {holding_of: [RU]}`` weighs the coalition against other parties' own holding of the same
categories on the same date (their latest data on or before it, summed like the members'):
``US+UK+FR`` against ``RU``. The cap's trace names them, their parts and the date of their data;
a parameter cap set by the user still takes its place. Those parties may not be members.

Members' holdings given as ranges add end to end (the coalition's low end is the sum of the
members' low ends), and so do their levels for a level-on cap; the status then comes from the
intervals (``within`` / ``uncertain`` / ``exceeds``, see :func:`.base.compare`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

from ...agreements.kinds import Clause, parse_cap
from ...agreements.model import Agreement, Cap, Description, Limit
from ...forces.estimates import Estimate
from ...forces.holdings import Snapshot
from ..findings import CapTrace, DataTrace, Finding, MemberTrace, Part
from ..valuation import Valuation
from .base import Context, Rule, describe_cap, finding, stated_cap, tag


@dataclass(frozen=True)
class CoalitionRule(Rule):
    """The members' holdings of some categories, summed, against one cap."""

    kind: ClassVar[str] = "coalition"
    keys: ClassVar[frozenset[str]] = frozenset({"cap", "parties"})

    cap: Cap
    parties: tuple[str, ...]

    @classmethod
    def parse(cls, clause: Clause) -> Rule:
        clause.check_keys(cls.keys)
        cap, parties = parse_cap(clause, holding_of=True), clause.parties_of("parties", minimum=2)
        both = [p for p in cap.holding_of if p in parties]
        if both:
            raise clause.error("cap", f"{', '.join(both)} cannot be both a member and the holding the coalition "
                               "is weighed against", f"{clause.field}.cap.holding_of")
        return cls(cap, parties)

    @property
    def label(self) -> str:
        """The coalition's name in findings: its members joined by ``+``."""
        return "+".join(self.parties)

    def describe(self) -> Description:
        return describe_cap(self.kind, self.cap, parties=self.label)

    def cap_keys(self, agreement: Agreement) -> tuple[str, ...]:
        """The coalition has one cap, set by its label (``US+UK+FR``)."""
        return (self.label,)

    def evaluate(self, limit: Limit, ctx: Context) -> list[Finding]:
        involved = self.parties + self.cap.holding_of  # a party weighed against the coalition is in it too
        if not set(involved) & set(ctx.parties):
            return []
        if ctx.at is not None:
            days = [ctx.at]
        else:
            days = sorted({s.date for p in involved for s in ctx.holdings.for_party(p)
                           if not self.unrelated(ctx, limit, s)})
        return [self._on(limit, ctx, day) for day in days]

    def _on(self, limit: Limit, ctx: Context, day: _dt.date) -> Finding:
        snaps = {p: ctx.latest_with_data(p, day, limit) for p in self.parties}
        values = {p: ctx.value(s, limit.categories) for p, s in snaps.items()}
        members = tuple(MemberTrace(p, values[p].value, s.date if s else None, values[p].span)
                        for p, s in snaps.items())
        lacking = [p for p in self.parties if values[p].value is None]
        parts: tuple[Part, ...] = tuple(x for p in self.parties for x in tag(values[p].parts, p))
        notes = tuple(n for p in self.parties for n in values[p].notes)
        if lacking:
            missing = tuple(sorted({c for p in lacking for c in values[p].missing}))
            valuation = Valuation(None, parts, missing, notes)
        else:
            valuation = Valuation(sum(values[p].value or 0 for p in self.parties), parts, (), notes)
        cap = self._cap(limit, ctx, day)
        return finding(ctx, limit, self.label, day, valuation, cap,
                       data=self._data(snaps), no_data_note=f"no data for {', '.join(lacking)} on or before {day}",
                       parties=self.parties, members=members,
                       own_baseline=self._own_baseline(limit, ctx, snaps, cap, valuation))

    def _own_baseline(self, limit: Limit, ctx: Context, snaps: dict[str, Snapshot | None], cap: CapTrace,
                      valuation: Valuation) -> bool:
        """Whether every member's value is read from the data its level on the cap's date was."""
        level_on = self.cap.level_on
        if level_on is None or cap.data_as_of is None or cap.parts != valuation.parts:
            return False
        return all(s is not None and ctx.baseline(p, level_on, limit.categories).data_as_of == s.date
                   for p, s in snaps.items())

    def _cap(self, limit: Limit, ctx: Context, day: _dt.date) -> CapTrace:
        stated = stated_cap(ctx, limit, self.label, self.cap, day)
        if stated is not None:
            return stated
        if self.cap.holding_of:
            return self._holding(limit, ctx, day)
        assert self.cap.level_on is not None
        levels = [ctx.baseline(p, self.cap.level_on, limit.categories) for p in self.parties]
        problems = [c.problem for c in levels if c.problem]
        if problems:
            return CapTrace(levels[0].rule, problem="; ".join(problems))
        as_of = min(c.data_as_of for c in levels if c.data_as_of is not None)
        span = Estimate.exact(0)
        for c in levels:  # the members' levels add end to end, like their holdings
            span = span + (c.span or Estimate.exact(0))
        return CapTrace(levels[0].rule, span.central, as_of, any(c.estimate for c in levels),
                        tuple(x for p, c in zip(self.parties, levels, strict=True) for x in tag(c.parts, p)),
                        range=span if span.is_range else None)

    def _holding(self, limit: Limit, ctx: Context, day: _dt.date) -> CapTrace:
        """The cap is the ``holding_of`` parties' own holding on ``day`` (latest data on or before)."""
        rule = f"the holding of {'+'.join(self.cap.holding_of)} on {day.isoformat()}"
        values = {p: ctx.value(ctx.latest_with_data(p, day, limit), limit.categories) for p in self.cap.holding_of}
        lacking = [p for p, v in values.items() if v.value is None]
        if lacking:
            return CapTrace(rule, problem=f"no data for {', '.join(lacking)} on or before {day}")
        snaps = [ctx.latest_with_data(p, day, limit) for p in self.cap.holding_of]
        span = Estimate.exact(0)
        for v in values.values():  # ranges add end to end, as the members' do
            span = span + (v.span or Estimate.exact(v.value or 0))
        return CapTrace(rule, span.central, min(s.date for s in snaps if s is not None),
                        any(v.estimate for v in values.values()),
                        tuple(x for p, v in values.items() for x in tag(v.parts, p)),
                        range=span if span.is_range else None)

    @staticmethod
    def _data(snaps: dict[str, Snapshot | None]) -> DataTrace | None:
        present = [s for s in snaps.values() if s is not None]
        if not present:
            return None
        origins = "; ".join(dict.fromkeys(f"{s.party}: {s.origin}" for s in present))
        notes = "; ".join(f"{s.party}: {s.note}" for s in present if s.note)
        return DataTrace(min(s.date for s in present), origins, any(s.synthetic for s in present), notes or None)
