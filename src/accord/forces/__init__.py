"""WHAT THEY HOLD: holdings (counts, reported totals, itemized records), counting under an
agreement's rules, and the bundled public record."""

from .counting import CategoryCount, count_items, count_items_explained
from .holdings import Count, Holdings, ReportedTotal, Snapshot
from .items import ItemTable
from .load import load_holdings

__all__ = [
    "CategoryCount", "Count", "Holdings", "ItemTable", "ReportedTotal", "Snapshot", "count_items",
    "count_items_explained", "load_holdings",
]
