"""Parsing what a user types (dates, ``--cap`` settings) into values, with one-line errors.

Shared by the CLI and any other front end, so that every one of them accepts and rejects the
same spellings.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from .. import limits
from ..errors import InputError


def parse_date(value: str, field: str) -> _dt.date:
    """An ISO date (``YYYY-MM-DD``); anything else is an InputError naming ``field``."""
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}", field=field) from None


def parse_optional_date(value: str | None, field: str) -> _dt.date | None:
    """:func:`parse_date`, or ``None`` when no value was given."""
    return None if value is None else parse_date(value, field)


def parse_caps(values: Iterable[str] | None, field: str = "--cap") -> dict[str, Any]:
    """Parameter caps from ``LIMIT=N`` (every party) or ``LIMIT:PARTY=N`` settings:
    ``{limit: N}`` or ``{limit: {party: N}}``, as :func:`accord.compliance.evaluate` takes them."""
    caps: dict[str, Any] = {}
    for v in values or []:
        key, sep, number = v.partition("=")
        if not sep or not number.strip().isdigit() or not number.isascii():
            raise InputError(f"expected LIMIT=N or LIMIT:PARTY=N, got {v[:60]!r}", field=field)
        if len(number.strip()) > limits.MAX_INT_DIGITS:  # int() refuses 4,300 digits with a traceback
            raise InputError(f"N has more than {limits.MAX_INT_DIGITS} digits in {v[:60]!r}...", field=field)
        limit, _, party = key.partition(":")
        if party:
            caps.setdefault(limit, {})[party] = int(number)
        else:
            caps[limit] = int(number)
    return caps
