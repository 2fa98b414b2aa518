"""Parsing what a user types (dates, ``--cap`` settings) into values, with one-line errors.

Shared by the CLI and any other front end, so that every one of them accepts and rejects the
same spellings.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
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


def canonical_party(value: str, known: Sequence[str], *, field: str, where: str) -> str:
    """The code in ``known`` that ``value`` names, compared without regard to case (``us`` and
    ``Us`` name ``US``); a coalition label compares member by member (``us+uk+fr`` names
    ``US+UK+FR``). Anything else is an InputError naming ``field`` and listing ``known``
    (``where`` says whose codes they are: ``parties of newstart-2021``)."""
    if isinstance(value, str):
        by_fold = {k.casefold(): k for k in known}
        found = by_fold.get(value.strip().casefold())
        if found is not None:
            return found
    shown = value[:60] if isinstance(value, str) else value
    raise InputError(f"unknown party {shown!r} ({where}: {', '.join(known)})", field=field)


def canonical_parties(values: Iterable[str] | None, known: Sequence[str], *, field: str,
                      where: str) -> list[str] | None:
    """:func:`canonical_party` for each of ``values``, in order, without repeats (``None`` stays ``None``)."""
    if values is None:
        return None
    return list(dict.fromkeys(canonical_party(v, known, field=field, where=where) for v in values))


def canonical_caps(caps: Mapping[str, Any] | None, keys: Mapping[str, Sequence[str]], *, agreement: str,
                   field: str = "--cap") -> dict[str, Any]:
    """``caps`` (see :func:`parse_caps`) with each limit checked against ``keys`` (limit id → the
    parties or coalition labels it may be set for) and each party key spelled as there, compared
    without regard to case (``deployed_warheads:ru`` sets RU's cap)."""
    out: dict[str, Any] = {}
    for limit, value in (caps or {}).items():
        if limit not in keys:
            raise InputError(f"unknown limit {limit!r} in {agreement} (limits: {', '.join(sorted(keys))})",
                             field=field)
        if isinstance(value, Mapping):
            out[limit] = {canonical_party(who, keys[limit], field=field, where=f"{limit} caps")
                          : n for who, n in value.items()}
        else:
            out[limit] = value
    return out


def _whole(text: str, what: str, spec: str, field: str) -> int:
    t = text.strip().replace("_", "")
    if "," in t:
        raise InputError(f"{what} has a comma in {spec[:60]!r}: write 1550 (or 1_550), not 1,550", field=field)
    if not t.isascii() or not t.isdigit():
        raise InputError(f"{what} is not a whole number >= 0 in {spec[:60]!r}", field=field)
    if len(t) > limits.MAX_INT_DIGITS:
        raise InputError(f"{what} has more than {limits.MAX_INT_DIGITS} digits in {spec[:60]!r}...", field=field)
    return int(t)


def parse_cap_range(specs: str | Iterable[str], field: str = "--range") -> tuple[int, ...]:
    """The caps a user asks about, sorted and without repeats: each spec is ``START:STOP:STEP``
    (every STEP from START up to and including STOP: ``500:4000:250`` is 500, 750 … 4,000) or
    one cap ``N``. Bad syntax (a thousands comma included), a step of 0, STOP below START, a cap
    over ``MAX_COUNT`` and more than ``MAX_CAPS`` caps in all are one-line InputErrors naming ``field``."""
    caps: set[int] = set()
    for spec in [specs] if isinstance(specs, str) else list(specs):
        caps.update(_one_range(spec, field))
        if len(caps) > limits.MAX_CAPS:
            raise InputError(f"{len(caps):,} caps, over the limit of {limits.MAX_CAPS:,} (use a larger STEP, or set "
                             "ACCORD_MAX_CAPS to raise it)", field=field)
    if not caps:
        raise InputError("give at least one START:STOP:STEP or cap N", field=field)
    return tuple(sorted(caps))


def _countable(cap: int, spec: str, field: str) -> None:
    """A cap over the largest count a holdings file may give (``MAX_COUNT``) asks about nothing any
    data could reach (and a 40-digit one is no number a chart can draw): an InputError."""
    if cap > limits.MAX_COUNT:
        shown = f"{cap:,}" if len(str(cap)) <= 20 else f"a {len(str(cap))}-digit number"
        raise InputError(f"a cap of {shown} in {spec[:60]!r} is over {limits.MAX_COUNT:,}, the most one count may be "
                         "(ACCORD_MAX_COUNT)", field=field)


def _one_range(spec: str, field: str) -> range:
    text = spec.strip()
    if not text:
        raise InputError("expected START:STOP:STEP (e.g. 500:4000:250) or one cap N, got nothing", field=field)
    if ":" not in text:
        n = _whole(text, "the cap", text, field)
        _countable(n, text, field)
        return range(n, n + 1)
    parts = text.split(":")
    if len(parts) != 3:
        raise InputError(f"expected START:STOP:STEP (e.g. 500:4000:250), got {text[:60]!r}", field=field)
    start, stop, step = (_whole(p, w, text, field) for p, w in zip(parts, ("START", "STOP", "STEP"), strict=True))
    if step == 0:
        raise InputError(f"STEP must be at least 1, got 0 in {text[:60]!r}", field=field)
    if stop < start:
        raise InputError(f"STOP ({stop:,}) is below START ({start:,}) in {text[:60]!r}", field=field)
    _countable(stop, text, field)
    n = (stop - start) // step + 1
    if n > limits.MAX_CAPS:
        raise InputError(f"{n:,} caps, over the limit of {limits.MAX_CAPS:,} (use a larger STEP, or set "
                         "ACCORD_MAX_CAPS to raise it)", field=field)
    return range(start, stop + 1, step)
