"""WHO COMPLIES: evaluate an agreement against holdings; findings with value, cap, status, trace.

Limit kinds are plug-ins in :mod:`.rules` (one module each); :data:`.rules.REGISTRY` is the
registry the agreement loader takes.
"""

from .engine import evaluate
from .findings import (
    SCHEMA,
    STATUSES,
    CapTrace,
    ClauseTrace,
    DataTrace,
    Finding,
    MemberTrace,
    Part,
    Report,
    Trace,
)
from .rules import REGISTRY
from .valuation import Valuation, value_of

__all__ = ["REGISTRY", "SCHEMA", "STATUSES", "CapTrace", "ClauseTrace", "DataTrace", "Finding", "MemberTrace",
           "Part", "Report", "Trace", "Valuation", "evaluate", "value_of"]
