"""Where a ledger lives, named by URL: one module per backend, found by a scheme registry.

``sqlite:///path.db`` (or a bare path) — the embedded default, :mod:`.sqlite`;
``postgresql://…`` / ``postgres://…`` — the server backend, :mod:`.postgres` (the optional
extra ``accord[postgres]``); ``memory:`` / ``memory:NAME`` — in this process, for tests,
:mod:`.memory`. Every backend keeps the same data (entries, the interior Merkle nodes each
append completes, checkpoints, cosignatures), append-only, behind the :class:`Store` protocol.

**Adding a store is one file**: a module here that subclasses :class:`TreeStore` (or
:class:`~._sql.SQLStore`) and sets ``BACKEND = Backend(schemes=(...), open=..., examples=(...))``.
:func:`open_store` discovers it by its scheme; nothing else changes.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

from ...errors import DuplicateLeafError, InputError, StoreError
from ._base import Backend, EntryTuple, NodeTuple, Row, Store, TreeStore, Writer, redact_url

__all__ = [
    "Backend",
    "DuplicateLeafError",
    "EntryTuple",
    "NodeTuple",
    "Row",
    "Store",
    "StoreError",
    "TreeStore",
    "Writer",
    "backends",
    "open_store",
    "redact_url",
]

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


@functools.cache
def backends() -> dict[str, Backend]:
    """Scheme → backend, for every module of this package that declares a ``BACKEND``."""
    found: dict[str, Backend] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        backend = getattr(importlib.import_module(f"{__name__}.{info.name}"), "BACKEND", None)
        if not isinstance(backend, Backend):
            continue
        for scheme in backend.schemes:
            if scheme in found:
                raise RuntimeError(f"store scheme {scheme!r} is claimed by two modules")  # a packaging bug
            found[scheme] = backend
    return found


def open_store(url: str) -> Store:
    """The store a URL names (see the module docstring); a bare path is a SQLite file.

    Nothing is created here; :meth:`Store.exists` tells whether a ledger is there. An empty
    URL or an unknown ``scheme://`` is an :class:`InputError` listing the known forms.
    """
    if not isinstance(url, str) or not url.strip():
        raise InputError("database URL is empty", field="url")
    found = backends()
    m = _SCHEME.match(url)
    if m and m.group(1).lower() in found:
        return found[m.group(1).lower()].open(url)
    if "://" in url:
        forms = sorted({e for b in found.values() for e in b.examples})
        raise InputError(f"database URL must start with one of: {', '.join(forms)} (or be a path)",
                         file=redact_url(url))
    for backend in found.values():
        if backend.open_path is not None:
            return backend.open_path(url)
    raise InputError("no store opens a bare path; give a URL", file=url)  # pragma: no cover - sqlite does
