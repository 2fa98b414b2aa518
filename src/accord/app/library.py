"""Agreements as the application loads them: the library, files and derivations, with their
limit clauses parsed by the compliance rules (:data:`accord.compliance.rules.REGISTRY`).

``accord.load_agreement`` is :func:`load_agreement`. The core loader
(:func:`accord.agreements.load.load_agreement`) takes the registry as an argument because
``agreements`` may not import ``compliance``; this module is where the two meet.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..agreements import load as _load
from ..agreements.model import Agreement
from ..compliance.rules import REGISTRY


def load_agreement(ref: str | Path) -> Agreement:
    """The agreement named by a built-in id (``newstart-2021``) or a YAML file path, resolved
    (``extends:``) and validated; every problem is an InputError naming file, line and field."""
    return _load.load_agreement(ref, kinds=REGISTRY)


def load_all() -> list[Agreement]:
    """Every built-in agreement, in id order."""
    return _load.load_all(kinds=REGISTRY)


def library_ids() -> list[str]:
    """Ids of the built-in agreements, sorted."""
    return _load.library_ids()


def build_agreement(raw: Mapping[str, Any], *, path: str | None = None) -> Agreement:
    """An agreement from a resolved mapping (e.g. :func:`accord.agreements.derive`'s result)."""
    return _load.build_agreement(raw, path=path, kinds=REGISTRY)
