"""WHO COMPLIES: evaluate an agreement against holdings; findings with value, cap, status, trace."""

from .engine import SCHEMA, STATUSES, Finding, Part, Report, Valuation, evaluate, value_of

__all__ = ["SCHEMA", "STATUSES", "Finding", "Part", "Report", "Valuation", "evaluate", "value_of"]
