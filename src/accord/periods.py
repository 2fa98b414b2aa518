"""Dates, half-open periods and dated values.

Conventions: ISO 8601 dates; a period ``[start, end)`` contains ``start`` and not ``end``;
``end=None`` means open-ended; "as of D" is the state at the start of day D.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import InputError

T = TypeVar("T")

Date = _dt.date


def parse_date(
    value: Any, *, file: str | None = None, field: str | None = None, line: int | None = None
) -> _dt.date:
    """An ISO date (``YYYY-MM-DD``) from a string or a date; anything else is an InputError."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}", file=file, field=field, line=line)


def add_years(day: _dt.date, years: int) -> _dt.date:
    """The same calendar day ``years`` later (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: _dt.date, months: int) -> _dt.date:
    """The same day of the month ``months`` later, clipped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return _dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, order=True)
class Period:
    """A half-open period ``[start, end)``; ``end=None`` is open-ended."""

    start: _dt.date
    end: _dt.date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InputError(f"period ends ({self.end}) before it starts ({self.start})")

    def contains(self, day: _dt.date) -> bool:
        """True when ``start <= day < end``."""
        return self.start <= day and (self.end is None or day < self.end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, _dt.date) and self.contains(day)

    def to_json(self) -> dict[str, str | None]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None}


class DatedValues(Generic[T]):
    """A step function of time: each value holds from its date until the next one.

    ``at(day)`` returns the value whose date is the latest on or before ``day``, or ``None``
    before the first date.
    """

    def __init__(self, items: Iterable[tuple[_dt.date, T]]) -> None:
        pairs = sorted(items, key=lambda p: p[0])
        self._dates: list[_dt.date] = [d for d, _ in pairs]
        self._values: list[T] = [v for _, v in pairs]

    def at(self, day: _dt.date) -> T | None:
        i = bisect.bisect_right(self._dates, day)
        return self._values[i - 1] if i else None

    def dated_at(self, day: _dt.date) -> tuple[_dt.date, T] | None:
        """The (date, value) pair in force on ``day``."""
        i = bisect.bisect_right(self._dates, day)
        return (self._dates[i - 1], self._values[i - 1]) if i else None

    @property
    def dates(self) -> Sequence[_dt.date]:
        return tuple(self._dates)

    def __len__(self) -> int:
        return len(self._dates)
