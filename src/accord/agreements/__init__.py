"""WHAT BINDS: agreements as code.

``load_agreement(ref)`` reads a built-in agreement (``newstart``, ``newstart-2021``,
``us-2020-freeze``, ``ru-2020-freeze``, ``ru-2025-voluntary``, ``ru-counting-2022``) or a
YAML file; ``extends:`` derivation is the pure function :func:`derive`; :func:`diff` compares
two agreements clause by clause.
"""

from .amend import derive
from .load import build_agreement, library_ids, load_agreement, load_all
from .model import (
    Agreement,
    Cap,
    Category,
    Condition,
    CountingRule,
    DataExchange,
    DatedClause,
    InspectionType,
    Limit,
    NotificationKind,
    Regime,
)

__all__ = [
    "Agreement", "Cap", "Category", "Condition", "CountingRule", "DataExchange", "DatedClause",
    "InspectionType", "Limit", "NotificationKind", "Regime", "build_agreement", "derive",
    "library_ids", "load_agreement", "load_all",
]
