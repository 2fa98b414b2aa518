"""The value of a set of categories in one snapshot, with the parts that made it.

Itemized records are counted by the agreement's counting rules; category counts are summed;
where categories are missing, a published total over a subset of the categories fills them
(aggregate exchanges publish totals, not per-category counts). Nothing is estimated to fill a
gap: without a cover the value is None and ``missing`` says which categories lack data.

Counts and totals given as ranges add end to end (:class:`~accord.forces.estimates.Estimate`
``+``): the value's range runs from the sum of the low ends to the sum of the high ends, and
``value`` is the sum of the central values. Nothing is assumed about how the parts' errors
relate, so the range is never narrower than the parts allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..agreements.model import Agreement
from ..forces.counting import count_items_explained
from ..forces.estimates import Estimate
from ..forces.holdings import ReportedTotal, Snapshot
from ..sources import Source, weakest
from .findings import Part

#: Per-category parts of a snapshot, and its reported totals.
SnapshotParts = tuple[dict[str, Part], list[ReportedTotal]]


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

    @property
    def span(self) -> Estimate | None:
        """The value as a range: the parts' ranges summed end to end (width 0 when every part is
        exact); None without a value."""
        if self.value is None:
            return None
        if not any(p.range is not None for p in self.parts):
            return Estimate.exact(self.value)
        total = Estimate.exact(0)
        for p in self.parts:
            total = total + p.estimate_range
        assert total.central == self.value, "a value is the sum of its parts"
        return total

    @property
    def reliability(self) -> str | None:
        """The weakest reliability among the parts' sources (None without parts)."""
        return weakest(p.source.reliability for p in self.parts if p.source is not None)


def _items_source(snap: Snapshot) -> Source:
    if snap.items_source is not None:
        return snap.items_source
    return Source(f"itemized records in {snap.origin}", reliability="synthetic" if snap.synthetic else "user")


def snapshot_parts(agreement: Agreement, snap: Snapshot) -> SnapshotParts:
    """Per-category parts (counted items first, then explicit counts) and reported totals."""
    parts: dict[str, Part] = {}
    if snap.items is not None and len(snap.items):
        for cc in count_items_explained(agreement, snap.items):
            if cc.records or cc.category not in snap.counts:
                by_sys = ", ".join(f"{k or 'unnamed'} {v}" for k, v in sorted(cc.by_system.items()))
                detail = f"{cc.records} records counted by rule ({cc.rule.mode}; {cc.rule.source.cite()})"
                if by_sys:
                    detail += f": {by_sys}"
                parts[cc.category] = Part((cc.category,), cc.value, "items", _items_source(snap), detail)
    for cat, count in snap.counts.items():
        if cat not in parts:
            parts[cat] = Part((cat,), count.value, "count", count.source, count.note or "", count.estimate,
                              range=count.range)
    return parts, list(snap.totals)


def value_of(agreement: Agreement, snap: Snapshot, categories: Iterable[str], *,
             parts: SnapshotParts | None = None) -> Valuation:
    """The sum over ``categories`` in ``snap``, from counts where complete, else with reported
    totals (largest first) covering the rest; ``value`` is None when no cover exists.
    ``parts`` may pass :func:`snapshot_parts` computed before (it is the costly step)."""
    scope = frozenset(categories)
    by_cat, totals = parts if parts is not None else snapshot_parts(agreement, snap)
    notes: list[str] = []
    by_scope: dict[frozenset[str], set[int]] = {}
    for t in totals:
        if t.categories <= scope:
            by_scope.setdefault(t.categories, set()).add(t.value)
    for cats, values in by_scope.items():
        if len(values) > 1:  # two sources disagree (e.g. a merged file and the bundled record)
            notes.append(f"conflicting reported totals for {'+'.join(sorted(cats))}: "
                         f"{', '.join(str(v) for v in sorted(values))}; the first listed source is used")
    if scope <= by_cat.keys():
        chosen = [by_cat[c] for c in sorted(scope)]
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
                               f"published total {t.label}", t.estimate, range=t.range))
            covered |= t.categories
    for c in sorted(scope - covered):
        if c in by_cat:
            chosen.append(by_cat[c])
            covered.add(c)
    missing = tuple(sorted(scope - covered))
    if missing:
        return Valuation(None, tuple(chosen), missing, tuple(notes))
    return Valuation(sum(p.value for p in chosen), tuple(chosen), (), tuple(notes))
