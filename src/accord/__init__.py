"""accord: nuclear arms-control agreements as code.

The public API — everything else is internal and may change:

- what binds: :func:`load_agreement`, :func:`library_ids`, :func:`derive`, :func:`diff`,
  :class:`Agreement`, :class:`Limit`, :class:`Vocabulary` (item types, statuses, counting modes);
- what they hold: :class:`Holdings`, :class:`Snapshot`, :class:`ItemTable`,
  :func:`bundled_holdings`, :func:`load_holdings`, :func:`count_items`;
- who complies: :func:`evaluate` → :class:`Report` of :class:`Finding` (``to_json()``,
  ``to_frame()``); limit kinds are plug-ins in ``accord.compliance.rules``;
- errors: :class:`AccordError`, :class:`InputError` (a user mistake, with file, line and field).

Names are imported on first use (PEP 562), so that ``accord --help`` does not pay for numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Agreement": "accord.agreements",
    "Limit": "accord.agreements",
    "Vocabulary": "accord.agreements",
    "derive": "accord.agreements",
    "library_ids": "accord.app.library",
    "load_agreement": "accord.app.library",
    "diff": "accord.agreements.diff",
    "Finding": "accord.compliance",
    "Report": "accord.compliance",
    "evaluate": "accord.compliance",
    "AccordError": "accord.errors",
    "InputError": "accord.errors",
    "Holdings": "accord.forces",
    "ItemTable": "accord.forces",
    "Snapshot": "accord.forces",
    "count_items": "accord.forces",
    "load_holdings": "accord.forces",
    "bundled_holdings": "accord.profiles.newstart",
    "Source": "accord.sources",
}

__all__ = [
    "AccordError", "Agreement", "Finding", "Holdings", "InputError", "ItemTable", "Limit", "Report", "Snapshot",
    "Source", "Vocabulary", "__version__", "bundled_holdings", "count_items", "derive", "diff", "evaluate",
    "library_ids", "load_agreement", "load_holdings",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'accord' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .agreements import Agreement, Limit, Vocabulary, derive
    from .agreements.diff import diff
    from .app.library import library_ids, load_agreement
    from .compliance import Finding, Report, evaluate
    from .errors import AccordError, InputError
    from .forces import Holdings, ItemTable, Snapshot, count_items, load_holdings
    from .profiles.newstart import bundled_holdings
    from .sources import Source
