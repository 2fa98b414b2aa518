"""What an evaluation returns: :class:`Finding` records with a typed :class:`Trace`, in a :class:`Report`.

The trace types are dataclasses whose ``to_json()`` gives the ``accord.report/v1`` JSON; a
:class:`Trace` is also a read-only mapping of that JSON, so ``finding.trace["parts"]`` reads
as it always did.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..forces.estimates import Estimate
from ..periods import Period
from ..sources import Source, weakest

if TYPE_CHECKING:  # pandas is imported only when a frame is asked for
    import pandas as pd

STATUSES = ("within", "exceeds", "uncertain", "not_binding", "not_in_force", "no_data")
SCHEMA = "accord.report/v1"


@dataclass(frozen=True)
class Part:
    """One term of a value: a category count, a reported total, or records counted by a rule.
    ``party`` is set when the value sums several parties (a coalition)."""

    categories: tuple[str, ...]
    value: int
    origin: str  # "count", "reported_total" or "items"
    source: Source | None
    detail: str = ""
    estimate: bool = False
    party: str | None = None
    range: Estimate | None = None  # the published span; ``value`` is then its central value

    @property
    def estimate_range(self) -> Estimate:
        """The range, or the exact value as a range of width 0."""
        return self.range if self.range is not None else Estimate.exact(self.value)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"categories": list(self.categories), "value": self.value, "origin": self.origin}
        if self.range is not None and self.range.is_range:
            out.update({"low": self.range.low, "high": self.range.high})
        if self.party:
            out["party"] = self.party
        if self.detail:
            out["detail"] = self.detail
        if self.estimate:
            out["estimate"] = True
        if self.source:
            out["source"] = self.source.to_json()
        return out


@dataclass(frozen=True)
class ClauseTrace:
    """The clause a finding applies: limit id, title, scope, binding period, citation, and the
    rule's one-line description."""

    limit: str
    title: str
    categories: tuple[str, ...]
    binding: Period
    source: str
    rule: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"limit": self.limit, "title": self.title, "categories": list(self.categories),
                               "binding": self.binding.to_json(), "source": self.source}
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True)
class CapTrace:
    """How the cap was set. ``rule`` is ``fixed``, ``dated`` (with ``step_from``), ``ban``,
    ``set by the user (parameter)`` or ``level on D`` (with the baseline's ``data_as_of``,
    ``estimate`` and ``parts``); ``problem`` says why there is no cap. A baseline read from a
    range is a range: ``range`` holds it and ``value`` is its central value."""

    rule: str
    value: int | None = None
    data_as_of: _dt.date | None = None
    estimate: bool = False
    parts: tuple[Part, ...] = ()
    problem: str | None = None
    step_from: _dt.date | None = None
    range: Estimate | None = None

    @property
    def span(self) -> Estimate | None:
        """The cap as a range (width 0 when exact); None when there is no cap."""
        if self.value is None:
            return None
        return self.range if self.range is not None else Estimate.exact(self.value)

    @property
    def reliability(self) -> str | None:
        """The weakest reliability of the data a baseline cap was read from (None for a cap the
        clause or the user states)."""
        return weakest(p.source.reliability for p in self.parts if p.source is not None)

    def to_json(self) -> dict[str, Any]:
        if self.problem is not None:
            return {"rule": self.rule, "problem": self.problem}
        out: dict[str, Any] = {"rule": self.rule, "value": self.value}
        if self.range is not None and self.range.is_range:
            out.update({"low": self.range.low, "high": self.range.high})
        if self.step_from is not None:
            out["from"] = self.step_from.isoformat()
        if self.data_as_of is not None:
            out.update({"data_as_of": self.data_as_of.isoformat(), "estimate": self.estimate,
                        "parts": [p.to_json() for p in self.parts]})
        return out


@dataclass(frozen=True)
class DataTrace:
    """The data a value was made from: as-of date, origin, whether synthetic, a note."""

    as_of: _dt.date
    origin: str
    synthetic: bool = False
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"as_of": self.as_of.isoformat(), "origin": self.origin, "synthetic": self.synthetic}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class MemberTrace:
    """One member of a coalition: its value (None without data), the date of its data, and its
    range when the value is an estimate with a span (``value`` is then its central value)."""

    party: str
    value: int | None
    as_of: _dt.date | None
    range: Estimate | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"party": self.party, "value": self.value}
        if self.range is not None and self.range.is_range:
            out.update({"low": self.range.low, "high": self.range.high})
        out["as_of"] = self.as_of.isoformat() if self.as_of else None
        return out


@dataclass(frozen=True)
class Trace(Mapping[str, Any]):
    """Why a finding says what it says. Reads as the mapping ``to_json()`` returns."""

    clause: ClauseTrace
    parts: tuple[Part, ...]
    cap: CapTrace
    missing: tuple[str, ...] = ()
    data: DataTrace | None = None
    notes: tuple[str, ...] = ()
    members: tuple[MemberTrace, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"clause": self.clause.to_json(), "parts": [p.to_json() for p in self.parts],
                               "cap": self.cap.to_json()}
        if self.members:
            out["members"] = [m.to_json() for m in self.members]
        if self.missing:
            out["missing"] = list(self.missing)
        if self.data is not None:
            out["data"] = self.data.to_json()
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    @cached_property
    def _json(self) -> dict[str, Any]:
        return self.to_json()

    def __getitem__(self, key: str) -> Any:
        return self._json[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)

    def __len__(self) -> int:
        return len(self._json)


@dataclass(frozen=True)
class Finding:
    """One result: (party, date, limit) → value, cap, headroom, status, source and trace.

    ``party`` is one party, or the members joined by ``+`` for a coalition (``US+UK+FR``),
    whose codes are in ``parties``. ``data_reliability`` is the weakest reliability of the
    sources of the parts that made the value and, for a freeze, its baseline (None without
    data); ``source.reliability`` is
    the clause's. ``group`` is the family the limit's rule belongs to (``limit``/``freeze``).

    When the value is a range (an estimator's span), ``value`` is its central value and
    ``low``/``high`` its ends (None when exact); likewise ``cap_low``/``cap_high`` for a cap read
    from a range (a freeze's baseline). The status then comes from the interval: ``within`` when
    ``high <= cap`` (the cap's low end, for a range cap), ``exceeds`` when ``low > cap`` (its
    high end), ``uncertain`` otherwise; ``p_exceeds`` is the probability that the true count is
    over the cap under ``distribution`` (see :mod:`.probability`; both None when value and cap
    are exact). ``headroom`` is the central estimate's, ``cap − value``; the range of headroom
    is :attr:`headroom_range`, and :meth:`describe_headroom` says it in words. ``series`` names
    the estimator's series the holdings came from, when there are several (set by the caller).
    """

    party: str
    date: _dt.date
    limit: str
    title: str
    kind: str
    value: int | None
    cap: int | None
    headroom: int | None
    status: str
    legal_form: str
    verification: str
    source: Source
    trace: Mapping[str, Any] = field(default_factory=dict)
    data_as_of: _dt.date | None = None
    estimate: bool = False
    data_reliability: str | None = None
    parties: tuple[str, ...] = ()
    group: str = "limit"
    low: int | None = None
    high: int | None = None
    cap_low: int | None = None
    cap_high: int | None = None
    p_exceeds: float | None = None
    distribution: str | None = None
    series: str | None = None

    @property
    def interval(self) -> Estimate | None:
        """The value as a range (width 0 when exact); None without a value."""
        if self.value is None:
            return None
        return Estimate(self.low, self.value, self.high) if self.low is not None and self.high is not None \
            else Estimate.exact(self.value)

    @property
    def cap_interval(self) -> Estimate | None:
        """The cap as a range (width 0 when exact); None without a cap."""
        if self.cap is None:
            return None
        return Estimate(self.cap_low, self.cap, self.cap_high) if self.cap_low is not None \
            and self.cap_high is not None else Estimate.exact(self.cap)

    @property
    def headroom_range(self) -> tuple[int, int] | None:
        """``(least, most)`` headroom over the intervals: ``cap low − value high`` to
        ``cap high − value low`` (equal to ``headroom`` twice when both are exact)."""
        value, cap = self.interval, self.cap_interval
        if value is None or cap is None:
            return None
        return cap.low - value.high, cap.high - value.low

    def describe_headroom(self) -> str:
        """The margin to the cap in words, never a single number for a range: ``over the cap
        by 150``, ``over the cap by 150 to 250``, ``40 to 90 under the cap``, ``from 60 over to
        40 under the cap``; empty without a value or a cap."""
        span = self.headroom_range
        if span is None:
            return ""
        least, most = span
        if least == most:
            return "at the cap" if least == 0 else (f"{least:,} under the cap" if least > 0
                                                     else f"over the cap by {-least:,}")
        if most < 0:
            return f"over the cap by {-most:,} to {-least:,}"
        if least >= 0:
            return f"{least:,} to {most:,} under the cap"
        return f"from {-least:,} over to {most:,} under the cap"

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "date": self.date.isoformat(),
            "limit": self.limit,
            "title": self.title,
            "kind": self.kind,
            "value": self.value,
            "cap": self.cap,
            "headroom": self.headroom,
            "status": self.status,
            "legal_form": self.legal_form,
            "verification": self.verification,
            "estimate": self.estimate,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "data_reliability": self.data_reliability,
            "parties": list(self.parties or (self.party,)),
            "group": self.group,
            "low": self.low,
            "high": self.high,
            "cap_low": self.cap_low,
            "cap_high": self.cap_high,
            "p_exceeds": self.p_exceeds,
            "distribution": self.distribution,
            "series": self.series,
            "source": self.source.to_json(),
            "trace": self.trace.to_json() if isinstance(self.trace, Trace) else dict(self.trace),
        }


#: Columns of :meth:`Report.to_frame`, in order.
FRAME_COLUMNS = ("party", "date", "limit", "title", "kind", "group", "value", "cap", "headroom", "status",
                 "legal_form", "verification", "estimate", "data_as_of", "data_reliability", "source",
                 "source_reliability", "source_url", "low", "high", "cap_low", "cap_high", "p_exceeds",
                 "distribution", "series")


@dataclass(frozen=True)
class Report:
    """The findings of one evaluation, in (party, date, limit order) order; coalition findings
    follow the single parties'."""

    agreement: str
    findings: tuple[Finding, ...]
    agreement_title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "agreement": self.agreement, "agreement_title": self.agreement_title,
                "findings": [f.to_json() for f in self.findings]}

    def to_frame(self) -> pd.DataFrame:
        """One row per finding (columns :data:`FRAME_COLUMNS`; dates as ``datetime.date``,
        missing numbers as ``<NA>`` in nullable integer columns)."""
        import pandas as pd

        rows = [{
            "party": f.party, "date": f.date, "limit": f.limit, "title": f.title, "kind": f.kind,
            "group": f.group, "value": f.value, "cap": f.cap, "headroom": f.headroom, "status": f.status,
            "legal_form": f.legal_form, "verification": f.verification, "estimate": f.estimate,
            "data_as_of": f.data_as_of, "data_reliability": f.data_reliability, "source": f.source.cite(),
            "source_reliability": f.source.reliability, "source_url": f.source.url,
            "low": f.low, "high": f.high, "cap_low": f.cap_low, "cap_high": f.cap_high, "p_exceeds": f.p_exceeds,
            "distribution": f.distribution, "series": f.series,
        } for f in self.findings]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        for col in ("value", "cap", "headroom", "low", "high", "cap_low", "cap_high"):
            frame[col] = frame[col].astype("Int64")
        frame["p_exceeds"] = frame["p_exceeds"].astype("Float64")
        return frame

    @property
    def exceeded(self) -> tuple[Finding, ...]:
        """Findings whose status is ``exceeds`` (a binding limit exceeded, the whole range over it)."""
        return tuple(f for f in self.findings if f.status == "exceeds")

    @property
    def uncertain(self) -> tuple[Finding, ...]:
        """Findings whose status is ``uncertain`` (the cap lies inside the value's range)."""
        return tuple(f for f in self.findings if f.status == "uncertain")

    def where(self, *, party: str | None = None, limit: str | None = None, date: _dt.date | None = None,
              status: str | None = None) -> tuple[Finding, ...]:
        """The findings matching every criterion given; a status not in :data:`STATUSES` is a
        ValueError (a misspelt status would otherwise match nothing, silently)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r} (statuses: {', '.join(STATUSES)})")
        return tuple(
            f for f in self.findings
            if (party is None or f.party == party) and (limit is None or f.limit == limit)
            and (date is None or f.date == date) and (status is None or f.status == status)
        )
