"""What each itemized record adds to a sum of categories, under an agreement's counting rules.

:func:`~accord.forces.counting.count_items` gives one number per category; a proof about a
limit's total without revealing it (``accord zk``) commits to each record's own share of that
total instead. Every counting method is a sum over the records it selects — one per record, the
record's attribute, a fixed number, or its system's number in a table — so a record's share is
the sum, over the limit's categories, of what the category's rule gives that record, and the
shares add up to exactly what :func:`count_items` counts (tests/zk check it on every built-in
agreement's data). As in the compliance valuation, a category counted by two rules is counted
by the later one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..agreements.model import Agreement, CountingRule
from ..errors import InputError
from .counting import _codes_by_id
from .items import ItemTable

__all__ = ["item_contributions", "rules_for"]


def rules_for(agreement: Agreement, categories: Iterable[str]) -> dict[str, CountingRule]:
    """Category → the rule that counts it (the last one naming it); :class:`InputError` when a
    category has none (its count cannot come from itemized records)."""
    by_category = {rule.category: rule for rule in agreement.counting}
    out = {}
    for category in categories:
        rule = by_category.get(category)
        if rule is None:
            raise InputError(f"no counting rule of {agreement.id} derives {category!r} from itemized records",
                             field="limit")
        out[category] = rule
    return out


def item_contributions(agreement: Agreement, table: ItemTable, categories: Iterable[str]) -> np.ndarray:
    """Per record (in the table's order), what it adds to the sum of ``categories``: an
    ``int64`` array whose sum is the categories' total counted from the table."""
    aliases = agreement.vocabulary.aliases
    types = _codes_by_id(table.types, aliases)
    statuses = _codes_by_id(table.statuses, aliases)
    n_statuses = max(len(table.statuses), 1)
    key = table.type.astype(np.int64) * n_statuses + table.status
    out = np.zeros(len(table), dtype=np.int64)
    for rule in rules_for(agreement, dict.fromkeys(categories)).values():
        cells = np.array([t * n_statuses + s for ti in rule.item_types for t in types.get(ti, ())
                          for si in rule.statuses for s in statuses.get(si, ())], dtype=np.int64)
        mask = np.isin(key, cells)
        if rule.systems is not None:
            wanted = [i for i, s in enumerate(table.systems) if s in set(rule.systems)]
            mask &= np.isin(table.system, wanted)
        method = rule.method
        if method.name == "sum":
            out[mask] += np.asarray(getattr(table, method.attribute or ""), dtype=np.int64)[mask]
        elif method.name == "fixed":
            out[mask] += method.per_record
        elif method.name == "table":
            per_system = np.array([method.per_system(s) for s in table.systems], dtype=np.int64)
            out[mask] += per_system[table.system[mask]]
        else:
            out[mask] += 1
    return out
