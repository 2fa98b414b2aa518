"""``freeze``: a cap equal to each party's own level of the scope on a date, or a number.

``cap: {level_on: 2021-02-05, parameter: true}`` caps each party at what it held on that date
(the latest data on or before it); the user may set the number instead. The default kind of
``freezes:`` entries. Snapshots with no data at all yield no freeze rows (a freeze is about the
holdings it covers, not about every exchange).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import CapRule


@dataclass(frozen=True)
class FreezeRule(CapRule):
    """A party's holdings of some categories held at their level on a date (or a number)."""

    kind: ClassVar[str] = "freeze"
    group: ClassVar[str] = "freeze"
    default_for: ClassVar[str | None] = "freezes"
    rows_without_data: ClassVar[bool] = False
