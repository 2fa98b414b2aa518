"""Itemized records → category counts, under an agreement's counting rules.

One pass groups all records by (type, status) cell with ``numpy.bincount`` (counts, and
attribute sums when a rule needs them); each rule then adds up the cells it selects, after
mapping its vocabulary ids to the table's own codes. Rules that also filter by system take a
masked pass of their own, as do per-system table methods. A million records count in a few
tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..agreements.model import Agreement, CountingRule
from .items import ItemTable


@dataclass(frozen=True)
class CategoryCount:
    """A category's count and what made it: the rule, how many records were selected,
    and the count per system."""

    category: str
    value: int
    records: int
    by_system: dict[str, int]
    rule: CountingRule


def _codes_by_id(names: tuple[str, ...], canonical: Mapping[str, str]) -> dict[str, list[int]]:
    """Vocabulary id → the table's codes that spell it (an alias and its id share one id)."""
    out: dict[str, list[int]] = {}
    for code, name in enumerate(names):
        out.setdefault(canonical.get(name, name), []).append(code)
    return out


def count_items(agreement: Agreement, table: ItemTable) -> dict[str, int]:
    """Category id → count for every category that has a counting rule."""
    return {c.category: c.value for c in count_items_explained(agreement, table, by_system=False)}


def count_items_explained(agreement: Agreement, table: ItemTable, *, by_system: bool = True
                          ) -> list[CategoryCount]:
    """Each rule's count with the number of records it selected and, if asked, per system."""
    aliases = agreement.vocabulary.aliases
    types = _codes_by_id(table.types, aliases)
    statuses = _codes_by_id(table.statuses, aliases)
    n_statuses = max(len(table.statuses), 1)
    size = max(len(table.types), 1) * n_statuses
    key = table.type.astype(np.int64) * n_statuses + table.status
    n_by_cell = np.bincount(key, minlength=size)
    sums: dict[str, np.ndarray] = {}  # attribute → per-cell sums, computed when a rule needs them
    out: list[CategoryCount] = []
    for rule in agreement.counting:
        method = rule.method
        cells = np.array([t * n_statuses + s for ti in rule.item_types for t in types.get(ti, ())
                          for si in rule.statuses for s in statuses.get(si, ())], dtype=np.int64)
        mask = None
        if rule.systems is not None or method.name == "table":
            mask = np.isin(key, cells)
            if rule.systems is not None:
                wanted = [i for i, s in enumerate(table.systems) if s in set(rule.systems)]
                mask &= np.isin(table.system, wanted)
            n = int(mask.sum())
        else:
            n = int(n_by_cell[cells].sum())
        if method.name == "sum":
            attr = method.attribute or ""
            if mask is not None:
                value = int(getattr(table, attr)[mask].sum())
            else:
                if attr not in sums:
                    sums[attr] = np.bincount(key, weights=getattr(table, attr), minlength=size)
                value = round(float(sums[attr][cells].sum()))
        elif method.name == "fixed":
            value = method.per_record * n
        elif method.name == "table":
            assert mask is not None
            per = np.bincount(table.system[mask], minlength=len(table.systems))
            value = int(sum(int(c) * method.per_system(table.systems[i]) for i, c in enumerate(per) if c))
        else:
            value = n
        systems: dict[str, int] = {}
        if by_system and n:
            if mask is None:
                mask = np.isin(key, cells)
            weights = getattr(table, method.attribute or "")[mask] if method.name == "sum" else None
            per = np.bincount(table.system[mask], weights=weights, minlength=len(table.systems))
            systems = {table.systems[i]: round(float(v)) * _per_record(rule, table.systems[i])
                       for i, v in enumerate(per) if v}
        out.append(CategoryCount(rule.category, value, n, systems, rule))
    return out


def _per_record(rule: CountingRule, system: str) -> int:
    """The multiplier of a per-system breakdown: the fixed or table number, else 1."""
    if rule.method.name == "fixed":
        return rule.method.per_record
    if rule.method.name == "table":
        return rule.method.per_system(system)
    return 1
