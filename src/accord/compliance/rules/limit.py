"""``limit``: a cap on the sum of some categories of each party's holdings.

The cap is a number (``cap: 1550``), dated values (``cap: {values: {2018-02-05: 1550,
2030-01-01: 1000, 2035-01-01: null}}``, ``null`` ending the limit), the level on a date, or a
parameter the user may set. The default kind of ``limits:`` entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import CapRule


@dataclass(frozen=True)
class LimitRule(CapRule):
    """A party's holdings of some categories, summed, against a cap."""

    kind: ClassVar[str] = "limit"
    default_for: ClassVar[str | None] = "limits"
