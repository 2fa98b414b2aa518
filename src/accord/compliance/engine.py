"""WHO COMPLIES: ``evaluate(agreement, holdings)`` → a :class:`Report` of findings (pure).

For each party, each date and each limit of the agreement, a :class:`Finding` gives the value
counted under the agreement's rules, the cap, the headroom and a status:

- ``not_in_force`` — the agreement is not in force on that date (checked first);
- ``not_binding`` — in force, but the limit does not bind yet (or any more);
- ``no_data`` — the data do not cover every category of the limit (or a freeze baseline);
- ``exceeds`` / ``within`` — value above the cap, or not.

How a value is made (the trace says which): itemized records are counted by the agreement's
counting rules; category counts are summed; where categories are missing, a published total
over a subset of the limit's categories fills them (New START's aggregate data report totals,
not per-category counts). Nothing is estimated to fill a gap.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..agreements.model import Agreement, Limit
from ..forces.counting import count_items_explained
from ..forces.holdings import Holdings, ReportedTotal, Snapshot
from ..sources import Source

STATUSES = ("within", "exceeds", "not_binding", "not_in_force", "no_data")
SCHEMA = "accord.report/v1"


@dataclass(frozen=True)
class Part:
    """One term of a value: a category count, a reported total, or records counted by a rule."""

    categories: tuple[str, ...]
    value: int
    origin: str  # "count", "reported_total" or "items"
    source: Source | None
    detail: str = ""
    estimate: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"categories": list(self.categories), "value": self.value, "origin": self.origin}
        if self.detail:
            out["detail"] = self.detail
        if self.estimate:
            out["estimate"] = True
        if self.source:
            out["source"] = self.source.to_json()
        return out


@dataclass(frozen=True)
class Valuation:
    """The value of a limit's scope in one snapshot, or why there is none."""

    value: int | None
    parts: tuple[Part, ...]
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def estimate(self) -> bool:
        return any(p.estimate for p in self.parts)


@dataclass(frozen=True)
class Finding:
    """One result: (party, date, limit) → value, cap, headroom, status, source and trace."""

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
            "source": self.source.to_json(),
            "trace": self.trace,
        }


@dataclass(frozen=True)
class Report:
    """The findings of one evaluation, in (party, date, limit order) order."""

    agreement: str
    findings: tuple[Finding, ...]
    agreement_title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "agreement": self.agreement, "agreement_title": self.agreement_title,
                "findings": [f.to_json() for f in self.findings]}

    @property
    def exceeded(self) -> tuple[Finding, ...]:
        """Findings whose status is ``exceeds`` (a binding limit exceeded)."""
        return tuple(f for f in self.findings if f.status == "exceeds")

    def where(self, *, party: str | None = None, limit: str | None = None, date: _dt.date | None = None,
              status: str | None = None) -> tuple[Finding, ...]:
        """The findings matching every criterion given."""
        return tuple(
            f for f in self.findings
            if (party is None or f.party == party) and (limit is None or f.limit == limit)
            and (date is None or f.date == date) and (status is None or f.status == status)
        )


# ----------------------------------------------------------------------------- valuation


def snapshot_parts(agreement: Agreement, snap: Snapshot) -> tuple[dict[str, Part], list[ReportedTotal]]:
    """Per-category parts (counted items first, then explicit counts) and reported totals."""
    parts: dict[str, Part] = {}
    if snap.items is not None and len(snap.items):
        for cc in count_items_explained(agreement, snap.items):
            if cc.records or cc.category not in snap.counts:
                by_sys = ", ".join(f"{k or 'unnamed'} {v}" for k, v in sorted(cc.by_system.items()))
                detail = f"{cc.records} records counted by rule ({cc.rule.mode}; {cc.rule.source.cite()})"
                if by_sys:
                    detail += f": {by_sys}"
                parts[cc.category] = Part((cc.category,), cc.value, "items",
                                          Source(f"itemized records in {snap.origin}", reliability="official"),
                                          detail)
    for cat, count in snap.counts.items():
        if cat not in parts:
            parts[cat] = Part((cat,), count.value, "count", count.source, count.note or "", count.estimate)
    return parts, list(snap.totals)


def value_of(agreement: Agreement, snap: Snapshot, categories: Iterable[str]) -> Valuation:
    """The sum over ``categories`` in ``snap``, from counts where complete, else with reported
    totals (largest first) covering the rest; ``value`` is None when no cover exists."""
    scope = frozenset(categories)
    parts, totals = snapshot_parts(agreement, snap)
    notes: list[str] = []
    by_scope: dict[frozenset[str], set[int]] = {}
    for t in totals:
        if t.categories <= scope:
            by_scope.setdefault(t.categories, set()).add(t.value)
    for cats, values in by_scope.items():
        if len(values) > 1:  # two sources disagree (e.g. a merged file and the bundled record)
            notes.append(f"conflicting reported totals for {'+'.join(sorted(cats))}: "
                         f"{', '.join(str(v) for v in sorted(values))}; the first listed source is used")
    if scope <= parts.keys():
        chosen = [parts[c] for c in sorted(scope)]
        value = sum(p.value for p in chosen)
        for t in totals:
            if t.categories == scope and t.value != value:
                notes.append(f"reported total {t.label} = {t.value} differs from the sum of categories ({value})")
        return Valuation(value, tuple(chosen), (), tuple(notes))
    covered: set[str] = set()
    chosen = []
    for t in sorted(totals, key=lambda t: (-len(t.categories), t.label)):
        if t.categories <= scope and not (t.categories & covered):
            chosen.append(Part(tuple(sorted(t.categories)), t.value, "reported_total", t.source,
                               f"published total {t.label}", t.estimate))
            covered |= t.categories
    for c in sorted(scope - covered):
        if c in parts:
            chosen.append(parts[c])
            covered.add(c)
    missing = tuple(sorted(scope - covered))
    if missing:
        return Valuation(None, tuple(chosen), missing, tuple(notes))
    return Valuation(sum(p.value for p in chosen), tuple(chosen), (), tuple(notes))


def _baseline(agreement: Agreement, holdings: Holdings, party: str, limit: Limit
              ) -> tuple[int | None, dict[str, Any]]:
    """A freeze's cap: the level of the limit's scope on ``level_on`` (latest data on or before)."""
    day = limit.cap.level_on
    assert day is not None
    for snap in holdings.before(party, day):
        v = value_of(agreement, snap, limit.categories)
        if v.value is not None:
            return v.value, {"rule": f"level on {day.isoformat()}", "value": v.value,
                             "data_as_of": snap.date.isoformat(), "estimate": v.estimate,
                             "parts": [p.to_json() for p in v.parts]}
    return None, {"rule": f"level on {day.isoformat()}", "problem": f"no data for {party} on or before {day}"}


def _cap(agreement: Agreement, holdings: Holdings, party: str, limit: Limit,
         caps: Mapping[str, int | Mapping[str, int]]) -> tuple[int | None, dict[str, Any]]:
    given = caps.get(limit.id)
    if given is not None:
        value = given.get(party) if isinstance(given, Mapping) else given
        if value is not None:
            return int(value), {"rule": "set by the user (parameter)", "value": int(value)}
    if limit.cap.value is not None:
        return limit.cap.value, {"rule": "fixed", "value": limit.cap.value}
    return _baseline(agreement, holdings, party, limit)


# ----------------------------------------------------------------------------- evaluate


def evaluate(
    agreement: Agreement,
    holdings: Holdings,
    *,
    parties: Iterable[str] | None = None,
    at: _dt.date | None = None,
    caps: Mapping[str, int | Mapping[str, int]] | None = None,
) -> Report:
    """Findings for each (party, date, limit).

    Dates are every snapshot date of the party (skipping snapshots that say nothing about a
    limit nor any limit of its kind), or only ``at``, evaluated for each limit on the latest
    snapshot on or before ``at`` that has data for it (``data_as_of`` says which). ``caps`` sets parameter caps: ``{limit_id: n}`` or
    ``{limit_id: {party: n}}``. The agreement and holdings are not modified.
    """
    caps = caps or {}
    wanted = tuple(parties) if parties is not None else agreement.parties
    findings: list[Finding] = []
    for party in wanted:
        if party not in agreement.parties:
            continue
        if at is not None:
            for limit in agreement.limits:
                snap = _latest_with_data(agreement, holdings, party, at, limit)
                findings.append(_finding(agreement, holdings, party, at, snap, limit, caps))
            continue
        for snap in holdings.for_party(party):
            covered = _covered(agreement, snap)
            for limit in agreement.limits:
                if _unrelated(agreement, limit, covered):
                    continue
                findings.append(_finding(agreement, holdings, party, snap.date, snap, limit, caps))
    return Report(agreement.id, tuple(findings), agreement.title)


def _covered(agreement: Agreement, snap: Snapshot) -> set[str]:
    parts, totals = snapshot_parts(agreement, snap)
    covered = set(parts)
    for t in totals:
        covered |= t.categories
    return covered


def _unrelated(agreement: Agreement, limit: Limit, covered: set[str]) -> bool:
    """True when a snapshot says nothing about this limit nor any limit of the same kind
    (a stockpile estimate says nothing about launchers; an exchange nothing about a freeze),
    so a timeline row would be noise. A partial exchange still yields ``no_data`` rows, and so
    does an exchange whose data were not provided (an empty snapshot) for every limit."""
    if not covered:
        return limit.kind != "limit"
    return not any(set(other.categories) & covered for other in agreement.limits if other.kind == limit.kind)


def _latest_with_data(agreement: Agreement, holdings: Holdings, party: str, day: _dt.date,
                      limit: Limit) -> Snapshot | None:
    """The latest snapshot on or before ``day`` that values the limit (else the latest one)."""
    snaps = holdings.before(party, day)
    for snap in snaps:
        if value_of(agreement, snap, limit.categories).value is not None:
            return snap
    return snaps[0] if snaps else None


def _finding(agreement: Agreement, holdings: Holdings, party: str, day: _dt.date, snap: Snapshot | None,
             limit: Limit, caps: Mapping[str, int | Mapping[str, int]]) -> Finding:
    valuation = value_of(agreement, snap, limit.categories) if snap else Valuation(None, (), limit.categories)
    cap, cap_trace = _cap(agreement, holdings, party, limit, caps)
    notes = list(valuation.notes)
    if not agreement.in_force(day):
        status = "not_in_force"
        eff = agreement.effective
        notes.append(f"{agreement.id} is in force from {eff.start} " +
                     (f"until {eff.end} (exclusive)" if eff.end else "with no end date"))
    elif not limit.binding.contains(day):
        status = "not_binding"
        notes.append(f"{limit.id} binds from {limit.binding.start}" +
                     (f" until {limit.binding.end} (exclusive)" if limit.binding.end else ""))
    elif valuation.value is None:
        status = "no_data"
        notes.append("no data for: " + ", ".join(valuation.missing) if snap else f"no data for {party} on or before {day}")
    elif cap is None:
        status = "no_data"
        notes.append("the cap cannot be set: " + str(cap_trace.get("problem", "no baseline")))
    else:
        status = "exceeds" if valuation.value > cap else "within"
    headroom = cap - valuation.value if cap is not None and valuation.value is not None else None
    trace: dict[str, Any] = {
        "clause": {"limit": limit.id, "title": limit.title, "categories": list(limit.categories),
                   "binding": limit.binding.to_json(), "source": limit.source.cite()},
        "parts": [p.to_json() for p in valuation.parts],
        "cap": cap_trace,
    }
    if valuation.missing:
        trace["missing"] = list(valuation.missing)
    if snap is not None:
        trace["data"] = {"as_of": snap.date.isoformat(), "origin": snap.origin, "synthetic": snap.synthetic}
        if snap.note:
            trace["data"]["note"] = snap.note
    if notes:
        trace["notes"] = notes
    estimate = valuation.estimate or bool(cap_trace.get("estimate"))
    return Finding(party, day, limit.id, limit.title, limit.kind, valuation.value, cap, headroom, status,
                   limit.legal_form, limit.verification, limit.source, trace,
                   snap.date if snap else None, estimate)
