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
        return cls(parse_cap(clause), clause.parties_of("parties", minimum=2))

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
        if not set(self.parties) & set(ctx.parties):
            return []
        if ctx.at is not None:
            days = [ctx.at]
        else:
            days = sorted({s.date for p in self.parties for s in ctx.holdings.for_party(p)
                           if not self.unrelated(ctx, limit, s)})
        return [self._on(limit, ctx, day) for day in days]

    def _on(self, limit: Limit, ctx: Context, day: _dt.date) -> Finding:
        snaps = {p: ctx.latest_with_data(p, day, limit) for p in self.parties}
        values = {p: ctx.value(s, limit.categories) for p, s in snaps.items()}
        members = tuple(MemberTrace(p, values[p].value, s.date if s else None) for p, s in snaps.items())
        lacking = [p for p in self.parties if values[p].value is None]
        parts: tuple[Part, ...] = tuple(x for p in self.parties for x in tag(values[p].parts, p))
        notes = tuple(n for p in self.parties for n in values[p].notes)
        if lacking:
            missing = tuple(sorted({c for p in lacking for c in values[p].missing}))
            valuation = Valuation(None, parts, missing, notes)
        else:
            valuation = Valuation(sum(values[p].value or 0 for p in self.parties), parts, (), notes)
        return finding(ctx, limit, self.label, day, valuation, self._cap(limit, ctx, day),
                       data=self._data(snaps), no_data_note=f"no data for {', '.join(lacking)} on or before {day}",
                       parties=self.parties, members=members)

    def _cap(self, limit: Limit, ctx: Context, day: _dt.date) -> CapTrace:
        stated = stated_cap(ctx, limit, self.label, self.cap, day)
        if stated is not None:
            return stated
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

    @staticmethod
    def _data(snaps: dict[str, Snapshot | None]) -> DataTrace | None:
        present = [s for s in snaps.values() if s is not None]
        if not present:
            return None
        origins = "; ".join(dict.fromkeys(f"{s.party}: {s.origin}" for s in present))
        notes = "; ".join(f"{s.party}: {s.note}" for s in present if s.note)
        return DataTrace(min(s.date for s in present), origins, any(s.synthetic for s in present), notes or None)
