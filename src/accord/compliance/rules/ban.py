"""``ban``: none of the categories may be held (a cap of 0, with no ``cap:`` in the YAML).

A ban is exceeded exactly when the value is above 0.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import ClassVar

from ...agreements.kinds import Clause
from ...agreements.model import Cap, Description, Limit
from ..findings import CapTrace
from .base import Context, PartyRule, Rule


@dataclass(frozen=True)
class BanRule(PartyRule):
    """Each party's holdings of the categories against a cap of 0."""

    kind: ClassVar[str] = "ban"

    cap: Cap = field(default_factory=lambda: Cap(value=0))

    @classmethod
    def parse(cls, clause: Clause) -> Rule:
        if "cap" in clause.data:
            raise clause.error("cap", "a ban has no cap (it is 0): remove cap, or use kind: limit")
        clause.check_keys(cls.keys)
        return cls()

    def cap_for(self, limit: Limit, ctx: Context, party: str, day: _dt.date) -> CapTrace:
        return CapTrace("ban", 0)

    def describe(self) -> Description:
        return Description("ban: none may be held (cap 0)", (("cap", "0 (ban)"),), {"kind": self.kind, "cap": 0})
