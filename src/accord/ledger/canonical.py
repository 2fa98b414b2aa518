"""RFC 8785 (JSON Canonicalization Scheme) bytes, defined by the maintained ``rfc8785`` library.

Everything a party signs is canonical JSON, so the same statement always has the same bytes,
whoever serialises it. Values outside what RFC 8785 can represent exactly (integers beyond
±(2**53 - 1), NaN, infinities, non-string keys, lone surrogates) are refused, never changed.

Speed: ``rfc8785`` is pure Python and costs about as much as the Ed25519 signature itself, so
values in a common, checked domain — no floats, integers within ±(2**53 - 1), string keys
without characters beyond U+FFFF — go through the standard library's C JSON encoder instead,
whose output on that domain is byte-for-byte RFC 8785 (keys sorted by code point equal keys
sorted by UTF-16 unit when no key leaves the BMP; both escape exactly ``"``, ``\\`` and control
characters, with the same short forms and lower-case ``\\u00xx``; integers print as decimal
digits). tests/ledger/test_canonical.py checks that equality against ``rfc8785`` with
hypothesis. Everything else (floats above all) goes to ``rfc8785``.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from ..errors import InputError

__all__ = ["canonical_json", "parse_canonical"]

_MAX_INT = 2**53 - 1
_BMP_END = "\U00010000"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode


def _fast_domain(value: Any) -> bool:
    """True iff ``value`` holds only dicts with BMP string keys, lists, str, bool, None and
    safe integers — the domain where the C encoder's output is exactly RFC 8785."""
    t = type(value)
    if t is dict:
        items: Any = value.items()
    elif t is list or t is tuple:
        items = ((None, v) for v in value)
    else:
        items = ((None, value),)
    for k, v in items:
        if k is not None and (type(k) is not str or (not k.isascii() and max(k) >= _BMP_END)):
            return False
        tv = type(v)
        if tv is str or tv is bool or v is None:
            continue
        if tv is int:
            if not -_MAX_INT <= v <= _MAX_INT:
                return False
        elif tv is dict or tv is list or tv is tuple:
            if not _fast_domain(v):
                return False
        else:
            return False
    return True


def canonical_json(value: Any, *, file: str | None = None, field: str | None = None) -> bytes:
    """The RFC 8785 UTF-8 bytes of ``value`` (dicts, lists, str, int, float, bool, None).

    Raises :class:`InputError` naming ``file`` and ``field`` when ``value`` cannot be
    canonicalised.
    """
    if _fast_domain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it with its own message
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, UnicodeError) as exc:
        raise InputError(f"cannot be written as RFC 8785 canonical JSON: {exc}", file=file, field=field) from None


def parse_canonical(data: bytes, *, file: str | None = None, field: str | None = None) -> Any:
    """Parse ``data`` and check that it is exactly the RFC 8785 form of what it encodes.

    Raises :class:`InputError` when ``data`` is not JSON or not in canonical form, so a stored or
    received statement cannot carry two spellings of the same content.
    """
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=file, field=field) from None
    if canonical_json(value, file=file, field=field) != bytes(data):
        raise InputError("JSON is not in RFC 8785 canonical form", file=file, field=field)
    return value
