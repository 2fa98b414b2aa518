"""``freeze``: a cap equal to each party's own level of the scope on a date, or a number.

``cap: {level_on: 2021-02-05, parameter: true}`` caps each party at what it held on that date
(the latest data on or before it); the user may set the number instead. The default kind of
``freezes:`` entries. Snapshots with no data at all yield no freeze rows (a freeze is about the
holdings it covers, not about every exchange).

**A baseline read from a range.** When the level on the date is an estimate with a span (say
4,300 to 4,500, central 4,400), the cap is that range too: the freeze caps the *true* level
then, which the estimate only brackets. Its ``cap`` is the central value, ``cap_low`` and
``cap_high`` its ends. The finding is ``within`` only when the value's high end is at most the
cap's low end, ``exceeds`` only when the value's low end is above the cap's high end, and
``uncertain`` otherwise — so the same estimate two years running (``4,400 (4,300–4,500)`` both
times) is ``uncertain``, not ``within``: the ranges cannot tell a stable stockpile from one that
grew by 200. This needs no assumption about how the two estimates' errors relate; ``p_exceeds``
does, and assumes them independent (stated in the trace). A cap the user sets (``parameter``)
is exact.
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
