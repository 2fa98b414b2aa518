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

Numbers: RFC 8785 writes every number as an IEEE double, so a float of 2**53 or more with no
fraction comes out as plain digits (``1e16`` is ``10000000000000000``). Reading it back,
:func:`loads` turns such an integer literal beyond ±(2**53 - 1) into the double it names — what
the writer meant — so that whatever :func:`canonical_json` writes, :func:`parse_canonical` reads
(integers that are not exactly a double then fail the canonical-form check, as they must).

Size: the canonical bytes of an entry's payload may be at most :data:`MAX_PAYLOAD_BYTES` (1 MiB
by default; the environment variable ``ACCORD_MAX_PAYLOAD_BYTES`` overrides it, read once at
import: see :mod:`accord.limits`). :func:`check_payload_size` refuses a larger one before anything is signed or written.

Depth: a value may nest at most :data:`MAX_DEPTH` containers deep. Both encoders and Python's
JSON parser recurse, so a statement nested near the interpreter's recursion limit could be
written at one stack depth and fail to parse at another (in an audit worker, say); refusing it
at the door keeps every admitted statement readable.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from .. import limits
from ..errors import InputError

__all__ = ["MAX_DEPTH", "MAX_PAYLOAD_BYTES", "canonical_json", "check_payload_size", "loads", "parse_canonical"]

#: The deepest nesting of objects and arrays a canonical value may have (``{"a": [1]}`` is 2);
#: ``ACCORD_MAX_PAYLOAD_DEPTH`` (see :mod:`accord.limits`).
MAX_DEPTH = limits.MAX_PAYLOAD_DEPTH

#: The most bytes an entry's canonical payload may have (``ACCORD_MAX_PAYLOAD_BYTES``).
MAX_PAYLOAD_BYTES = limits.MAX_PAYLOAD_BYTES

_MAX_INT = 2**53 - 1
_BMP_END = "\U00010000"
_json_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _c_encoder() -> Any:
    """The C encoder ``JSONEncoder.encode`` builds on every call, built once (it is stateless
    without circular-reference markers, which values checked by :func:`_fast_domain` do not
    need: their depth is bounded). ``None`` where the interpreter has no C encoder or it does
    not take the arguments this interpreter's ``json`` passes it, or writes differently."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None

    def default(value: Any) -> Any:
        raise TypeError(f"{type(value).__name__} is not JSON")

    try:
        encoder = make(None, default, json.encoder.encode_basestring, None, ":", ",", True, False, False)
        probe = {"b": [1, -2, True, None, "\u00e9\"\\\n"], "a": {"z": "", "\u00e9": 0}}
        if "".join(encoder(probe, 0)) != _json_encoder.encode(probe):
            return None
    except Exception:  # pragma: no cover - another interpreter's json internals
        return None
    return encoder


_C_ENCODER = _c_encoder()


def _encode(value: Any) -> str:
    """``JSONEncoder.encode`` (sorted keys, no spaces, no NaN) without its Python layers:
    a third of the encoding time of a notification-sized payload."""
    if _C_ENCODER is None:  # pragma: no cover
        return _json_encoder.encode(value)
    return "".join(_C_ENCODER(value, 0))


def _too_deep(limit: int) -> InputError:
    return InputError(f"nests deeper than {limit} objects and arrays")


def _fast_domain(value: Any, limit: int = MAX_DEPTH, depth: int = 1) -> bool:
    """True iff ``value`` holds only dicts with BMP string keys, lists, str, bool, None and
    safe integers — the domain where the C encoder's output is exactly RFC 8785. Raises
    :class:`InputError` when containers nest deeper than ``limit``."""
    if depth > limit:
        raise _too_deep(limit)
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
            if not _fast_domain(v, limit, depth + 1):
                return False
        else:
            return False
    return True


def canonical_json(
    value: Any, *, file: str | None = None, field: str | None = None, max_depth: int = MAX_DEPTH
) -> bytes:
    """The RFC 8785 UTF-8 bytes of ``value`` (dicts, lists, str, int, float, bool, None).

    Raises :class:`InputError` naming ``file`` and ``field`` when ``value`` cannot be
    canonicalised or nests objects and arrays deeper than ``max_depth``.
    """
    try:
        fast = _fast_domain(value, max_depth)
        if not fast:
            _check_depth(value, max_depth)
    except InputError as err:
        raise InputError(err.problem, file=file, field=field) from None
    if fast:
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it with its own message
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, UnicodeError) as exc:
        raise InputError(f"cannot be written as RFC 8785 canonical JSON: {exc}", file=file, field=field) from None


def _check_depth(value: Any, limit: int) -> None:
    """Raise :class:`InputError` when ``value`` nests containers deeper than ``limit``
    (iterative: it must not itself run out of stack)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, (list, tuple)):
            children = v
        else:
            continue
        if depth + 1 > limit:
            raise _too_deep(limit)
        stack.extend((c, depth + 1) for c in children)


def check_payload_size(data: bytes, *, file: str | None = None, field: str | None = "payload") -> bytes:
    """``data`` (canonical payload bytes) unchanged; :class:`InputError` when it is longer than
    :data:`MAX_PAYLOAD_BYTES`."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise InputError(f"is {len(data):,} bytes as canonical JSON, over the {MAX_PAYLOAD_BYTES:,}-byte limit "
                         "(ACCORD_MAX_PAYLOAD_BYTES)", file=file, field=field)
    return data


def _parse_int(text: str) -> int | float:
    """An integer literal; beyond ±(2**53 - 1) the double RFC 8785 wrote it for (a float with
    no fraction). Never raises for length: Python's 4,300-digit limit is not reached (a
    literal that long is an infinite double, which the canonical check then refuses)."""
    if len(text) <= 15:
        return int(text)
    value = float(text)
    if -_MAX_INT <= value <= _MAX_INT:
        return int(text)
    return value


def loads(data: bytes | str) -> Any:
    """``json.loads`` reading numbers as RFC 8785 writes them (see the module docstring);
    raises ``ValueError`` (not JSON) or ``RecursionError`` (nested too deeply)."""
    return json.loads(data, parse_int=_parse_int)


def parse_canonical(data: bytes, *, file: str | None = None, field: str | None = None) -> Any:
    """Parse ``data`` and check that it is exactly the RFC 8785 form of what it encodes.

    Raises :class:`InputError` when ``data`` is not JSON or not in canonical form, so a stored or
    received statement cannot carry two spellings of the same content (nor nest deeper than
    :data:`MAX_DEPTH`).
    """
    try:
        value = loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=file, field=field) from None
    except RecursionError:
        raise InputError(_too_deep(MAX_DEPTH).problem, file=file, field=field) from None
    if canonical_json(value, file=file, field=field) != bytes(data):
        raise InputError("JSON is not in RFC 8785 canonical form", file=file, field=field)
    return value
