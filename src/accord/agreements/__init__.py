"""WHAT BINDS: agreements as code.

:func:`load_agreement` reads a built-in agreement (an id of a file in ``library/``) or a
YAML file, given the registry of limit kinds (``accord.app.library.load_agreement`` passes the
compliance rules); ``extends:`` derivation is the pure function :func:`derive`; the words an
agreement counts with are its :class:`Vocabulary`; :func:`diff` compares two agreements.
"""

from .amend import derive
from .kinds import Clause, KindRegistry, LimitSpec, parse_cap
from .load import build_agreement, library_ids, load_agreement, load_all
from .model import (
    Agreement,
    Cap,
    Category,
    Condition,
    CountingRule,
    DataExchange,
    DatedClause,
    Description,
    InspectionType,
    Limit,
    NotificationKind,
    Outcome,
    Regime,
    Standing,
    Suspension,
)
from .vocabulary import CountingMethod, CountingMode, Term, Vocabulary

__all__ = [
    "Agreement", "Cap", "Category", "Clause", "Condition", "CountingMethod", "CountingMode", "CountingRule",
    "DataExchange", "DatedClause", "Description", "InspectionType", "KindRegistry", "Limit", "LimitSpec",
    "NotificationKind", "Outcome", "Regime", "Standing", "Suspension", "Term", "Vocabulary", "build_agreement",
    "derive", "library_ids", "load_agreement", "load_all", "parse_cap",
]
