"""What a party holds, as of a date: category counts, reported totals, or itemized records.

A :class:`Snapshot` is one party's holdings as of one date. Published aggregate data report
totals over a limit's categories (e.g. 1,457 warheads) rather than per-category counts;
those are kept as :class:`ReportedTotal` over the set of categories they cover, so that the
compliance engine can combine them with category counts (an interpretation that adds
categories to a published total). Itemized records are counted by the agreement's own rules
when the snapshot is evaluated, never here.

A count or total may be a range (``range``, an :class:`~.estimates.Estimate`): an estimator's
"approximately 600" or "1,100 to 1,300". ``value`` is then the range's central value, and
``estimate_range`` the range (an exact figure's is ``Estimate.exact(value)``), so code that
reads ``value`` keeps working and code that knows ranges never loses the span.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..sources import Source
from .estimates import Estimate
from .items import ItemTable


def _check_range(value: int, span: Estimate | None) -> None:
    # value is what every caller that does not know ranges reads: it must be the central one.
    if span is not None and span.central != value:
        raise ValueError(f"value {value} is not the central value of its range {span.describe()}")


@dataclass(frozen=True)
class Count:
    """One category's count with its source; ``range`` is set when the figure is a span
    (``value`` is then its central value, checked)."""

    value: int
    source: Source | None = None
    note: str | None = None
    estimate: bool = False
    range: Estimate | None = None

    def __post_init__(self) -> None:
        _check_range(self.value, self.range)

    @classmethod
    def of(cls, span: Estimate, source: Source | None = None, note: str | None = None, *,
           estimate: bool = False) -> Count:
        """A count from an :class:`Estimate`: exact when the estimate has no span."""
        return cls(span.central, source, note, estimate, span if span.is_range else None)

    @property
    def estimate_range(self) -> Estimate:
        """The range, or the exact value as a range of width 0."""
        return self.range if self.range is not None else Estimate.exact(self.value)


@dataclass(frozen=True)
class ReportedTotal:
    """A published total over a set of categories (e.g. a published total of launchers);
    ``range`` as for :class:`Count`."""

    categories: frozenset[str]
    value: int
    label: str
    source: Source | None = None
    estimate: bool = False
    range: Estimate | None = None

    def __post_init__(self) -> None:
        _check_range(self.value, self.range)

    @property
    def estimate_range(self) -> Estimate:
        """The range, or the exact value as a range of width 0."""
        return self.range if self.range is not None else Estimate.exact(self.value)


@dataclass(frozen=True)
class Snapshot:
    """One party's holdings as of one date. ``origin`` says where they came from;
    ``items_source`` cites the itemized records (their reliability: ``user``, ``synthetic`` …);
    without it, records count as ``synthetic`` when ``synthetic`` is set, else as ``user``."""

    party: str
    date: _dt.date
    counts: Mapping[str, Count] = field(default_factory=dict)
    totals: tuple[ReportedTotal, ...] = ()
    items: ItemTable | None = None
    origin: str = ""
    synthetic: bool = False
    note: str | None = None
    items_source: Source | None = None

    @property
    def estimate(self) -> bool:
        """True when any figure in the snapshot is an estimate rather than an official one."""
        return any(c.estimate for c in self.counts.values()) or any(t.estimate for t in self.totals)

    def merged(self, other: Snapshot) -> Snapshot:
        """This snapshot with ``other``'s counts, totals and items added (same party and date)."""
        return _merge((self, other))


def _merge(snaps: Sequence[Snapshot]) -> Snapshot:
    """Snapshots of one party and date as one, in one pass (merging them two at a time would copy
    every total so far at each step): later counts and items replace earlier ones, totals add up."""
    first = snaps[0]
    assert all((s.party, s.date) == (first.party, first.date) for s in snaps)
    counts: dict[str, Count] = {}
    for s in snaps:
        counts.update(s.counts)
    last = next((s for s in reversed(snaps) if s.items is not None), None)
    return Snapshot(
        first.party, first.date, counts, tuple(t for s in snaps for t in s.totals),
        last.items if last is not None else None,
        "; ".join(dict.fromkeys(s.origin for s in snaps if s.origin)), any(s.synthetic for s in snaps),
        "; ".join(s.note for s in snaps if s.note) or None,
        last.items_source if last is not None else first.items_source,
    )


class Holdings:
    """Snapshots by party and date; snapshots for the same (party, date) are merged."""

    def __init__(self, snapshots: Iterable[Snapshot] = ()) -> None:
        groups: dict[tuple[str, _dt.date], list[Snapshot]] = {}
        for s in snapshots:
            groups.setdefault((s.party, s.date), []).append(s)
        by_key = {key: group[0] if len(group) == 1 else _merge(group) for key, group in groups.items()}
        self._by_party: dict[str, list[Snapshot]] = {}
        for key in sorted(by_key):
            self._by_party.setdefault(key[0], []).append(by_key[key])
        self._dates = {p: [s.date for s in snaps] for p, snaps in self._by_party.items()}

    def __iter__(self) -> Iterator[Snapshot]:
        for p in sorted(self._by_party):
            yield from self._by_party[p]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_party.values())

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_party))

    def for_party(self, party: str) -> tuple[Snapshot, ...]:
        """The party's snapshots in date order."""
        return tuple(self._by_party.get(party, ()))

    def get(self, party: str, day: _dt.date) -> Snapshot | None:
        """The party's snapshot dated exactly ``day``."""
        snaps = self._by_party.get(party, [])
        i = bisect.bisect_left(self._dates.get(party, []), day)
        return snaps[i] if i < len(snaps) and snaps[i].date == day else None

    def latest(self, party: str, day: _dt.date) -> Snapshot | None:
        """The party's latest snapshot dated on or before ``day``."""
        i = bisect.bisect_right(self._dates.get(party, []), day)
        return self._by_party[party][i - 1] if i else None

    def before(self, party: str, day: _dt.date) -> tuple[Snapshot, ...]:
        """The party's snapshots dated on or before ``day``, latest first."""
        i = bisect.bisect_right(self._dates.get(party, []), day)
        return tuple(reversed(self._by_party.get(party, [])[:i]))

    def only(self, parties: Iterable[str]) -> Holdings:
        """The same holdings restricted to some parties."""
        keep = set(parties)
        return Holdings(s for s in self if s.party in keep)

    def __add__(self, other: Holdings) -> Holdings:
        return Holdings([*self, *other])
