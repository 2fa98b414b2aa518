"""accord: nuclear arms-control agreements as code.

The public API — everything else is internal and may change:

- what binds: :func:`load_agreement`, :func:`library_ids`, :func:`derive`, :func:`diff`,
  :class:`Agreement`, :class:`Limit`;
- what they hold: :class:`Holdings`, :class:`Snapshot`, :class:`ItemTable`,
  :func:`bundled_holdings`, :func:`load_holdings`, :func:`count_items`;
- who complies: :func:`evaluate` → :class:`Report` of :class:`Finding`;
- errors: :class:`InputError` (a user mistake, with file, line and field).
"""

from .agreements import Agreement, Limit, derive, library_ids, load_agreement
from .agreements.diff import diff
from .compliance import Finding, Report, evaluate
from .errors import AccordError, InputError
from .forces import Holdings, ItemTable, Snapshot, bundled_holdings, count_items, load_holdings
from .sources import Source

__version__ = "0.1.0"

__all__ = [
    "AccordError", "Agreement", "Finding", "Holdings", "InputError", "ItemTable", "Limit", "Report",
    "Snapshot", "Source", "bundled_holdings", "count_items", "derive", "diff", "evaluate", "library_ids",
    "load_agreement", "load_holdings", "__version__",
]
