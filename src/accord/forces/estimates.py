"""An estimated quantity: a central value with the low and high ends of its range.

Analysts publish holdings as "approximately 600" or "1,100 to 1,300"; an :class:`Estimate`
keeps the three numbers so that nothing downstream silently reduces a span to one value.
An exact figure is an estimate whose three numbers are equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Estimate:
    """``low <= central <= high`` (checked): the range a source gives, and its central value."""

    low: int
    central: int
    high: int

    def __post_init__(self) -> None:
        if not self.low <= self.central <= self.high:
            raise ValueError(f"range out of order: low {self.low}, central {self.central}, high {self.high}")

    @classmethod
    def exact(cls, value: int) -> Estimate:
        """A figure with no span."""
        return cls(value, value, value)

    @property
    def is_range(self) -> bool:
        """True when the source gives a span (low < high)."""
        return self.low < self.high

    def __add__(self, other: Estimate) -> Estimate:
        # Ends add to ends: the sum of two ranges spans from both lows to both highs.
        return Estimate(self.low + other.low, self.central + other.central, self.high + other.high)

    def scaled(self, factor: int) -> Estimate:
        """Each end times a non-negative whole ``factor``."""
        if factor < 0:
            raise ValueError("factor must be non-negative")
        return Estimate(self.low * factor, self.central * factor, self.high * factor)

    def describe(self) -> str:
        """``1,550`` for an exact figure, ``1,550 (1,500–1,600)`` for a range."""
        if not self.is_range:
            return f"{self.central:,}"
        return f"{self.central:,} ({self.low:,}–{self.high:,})"

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "central": self.central, "high": self.high}
