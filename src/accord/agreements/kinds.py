"""The seam between the agreement loader and the limit kinds, which live in ``compliance/rules/``.

``agreements`` may not import ``compliance``, so the loader takes a :class:`KindRegistry`: for
each ``limits:``/``freezes:`` entry it validates the keys every clause shares (id, title,
categories, period, legal form, verification, source) and hands the rest to the registry as a
:class:`Clause`; the registry returns a :class:`LimitSpec`, stored as ``Limit.spec``. ``show``
and ``diff`` describe a limit through ``LimitSpec.describe()`` without knowing its kind.
:func:`parse_cap` is the one parser of ``cap:`` values (a number, dated values, a level on a
date, a parameter) that kinds share.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .. import limits
from ..errors import InputError
from ..periods import parse_date
from ._yaml import LineDict
from .model import Cap, Description

#: Keys every limit clause may have, whatever its kind.
COMMON_KEYS = frozenset({"id", "title", "kind", "categories", "from", "until", "legal_form", "verification",
                         "source", "note"})


class LimitSpec(Protocol):
    """What a limit kind's parser returns: the kind's parsed clause."""

    @property
    def kind(self) -> str:
        """The YAML ``kind`` this spec was parsed as."""
        ...

    @property
    def group(self) -> str:
        """The family reports show the clause with: ``limit`` or ``freeze``."""
        ...

    @property
    def cap(self) -> Cap:
        """The clause's cap (``Limit.cap`` is set from it)."""
        ...

    def describe(self) -> Description:
        """Text, display fields and JSON saying what the clause imposes."""
        ...


class KindRegistry(Protocol):
    """The limit kinds known to the loader (``accord.compliance.rules.REGISTRY``); hashable,
    as loaded agreements are cached per registry."""

    def __hash__(self) -> int: ...

    def kinds(self) -> tuple[str, ...]:
        """Every kind name, sorted."""
        ...

    def default_kind(self, section: str) -> str | None:
        """The kind of an entry without ``kind:`` in ``section`` (``limits`` or ``freezes``)."""
        ...

    def parse(self, kind: str, clause: Clause) -> LimitSpec:
        """Validate ``clause`` as ``kind``; an InputError names file, line and field."""
        ...


@dataclass(frozen=True)
class Clause:
    """One limit clause as the loader hands it to a kind: the YAML mapping (with positions),
    its field path (``limits[2]``), the agreement's parties and the clause's validated scope."""

    data: Mapping[str, Any]
    field: str
    parties: tuple[str, ...]
    categories: tuple[str, ...]

    def error(self, key: str | None, problem: str, field: str | None = None) -> InputError:
        """An InputError at ``key`` of the clause (its own line when ``key`` is absent)."""
        where = field or (f"{self.field}.{key}" if key else self.field)
        if isinstance(self.data, LineDict):
            line = self.data.line_of(key) if key is not None and key in self.data else self.data.line
            return InputError(problem, file=self.data.file_of(key), line=line, field=where)
        return InputError(problem, field=where)

    def check_keys(self, extra: Iterable[str]) -> None:
        """Every key is common or one of the kind's ``extra`` keys, else an InputError."""
        known = COMMON_KEYS | set(extra)
        for k in self.data:
            if k not in known:
                raise self.error(str(k), f"unknown field for this kind (known: {', '.join(sorted(known))})")

    def parties_of(self, key: str, *, minimum: int = 1) -> tuple[str, ...]:
        """A list of the agreement's parties under ``key`` (at least ``minimum``, no repeats)."""
        v = self.data.get(key)
        if v is None:
            raise self.error(None, "is required", f"{self.field}.{key}")
        if not isinstance(v, list) or not all(isinstance(p, str) for p in v):
            raise self.error(key, "must be a list of party codes")
        for p in v:
            if p not in self.parties:
                raise self.error(key, f"{p!r} is not a party to the agreement (parties: {', '.join(self.parties)})")
        if len(set(v)) != len(v):
            raise self.error(key, "has a duplicate party")
        if len(v) < minimum:
            raise self.error(key, f"needs at least {minimum} parties")
        return tuple(v)


_CAP_FORMS = "a non-negative integer, {values: {DATE: N}} or {level_on: DATE}"


def _count(clause: Clause, m: Mapping[str, Any], key: Any, value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _at(clause, m, key, f"must be a non-negative integer, not {value!r}", field)
    if value < 0:
        raise _at(clause, m, key, f"must be >= 0, not {value}", field)
    return value


def _at(clause: Clause, m: Mapping[str, Any], key: Any, problem: str, field: str) -> InputError:
    if isinstance(m, LineDict):
        k = str(key) if key is not None else None
        return InputError(problem, file=m.file_of(k), line=m.line_of(k) if k else m.line, field=field)
    return clause.error(None, problem, field)


def parse_cap(clause: Clause, *, level_on: bool = True, key: str = "cap", holding_of: bool = False) -> Cap:
    """The clause's required ``cap``: ``N``; ``{value: N}``; ``{values: {DATE: N or null}}`` (a
    step function; ``null`` ends the limit); with ``level_on``, ``{level_on: DATE}``; and, with
    ``holding_of`` (for a kind that evaluates it), ``{holding_of: [PARTY, ...]}``: those parties'
    own holding of the clause's categories on the same date. A mapping may add ``parameter:
    true`` (the user may set the cap; this is its default) and, for a parameter, ``range: {low:
    N, high: N}``: the documented span of caps worth exploring."""
    m = clause.data
    f = f"{clause.field}.{key}"
    if m.get(key) is None:
        raise clause.error(None, "is required", f)
    c = m[key]
    if isinstance(c, int) and not isinstance(c, bool):
        return Cap(value=_count(clause, m, key, c, f))
    if not isinstance(c, Mapping):
        raise clause.error(key, f"must be {_CAP_FORMS}, not {c!r}", f)
    parameter = c.get("parameter", False)
    if not isinstance(parameter, bool):
        raise _at(clause, c, "parameter", "must be true or false", f"{f}.parameter")
    forms = [k for k in ("value", "values", "level_on", "holding_of") if k in c]
    allowed = {"value", "values", "parameter", "range"} | ({"level_on"} if level_on else set()) \
        | ({"holding_of"} if holding_of else set())
    for k in c:
        if k not in allowed:
            raise _at(clause, c, k, f"unknown cap field (allowed: {', '.join(sorted(allowed))})", f"{f}.{k}")
    if len(forms) != 1:
        raise _at(clause, c, None, f"needs exactly one of {', '.join(sorted(allowed - {'parameter', 'range'}))}", f)
    span = _range(clause, c, f"{f}.range", parameter)
    if "value" in c:
        return Cap(value=_count(clause, c, "value", c["value"], f"{f}.value"), parameter=parameter, range=span)
    if "level_on" in c:
        try:
            day = parse_date(c["level_on"])
        except InputError as err:
            raise _at(clause, c, "level_on", err.problem, f"{f}.level_on") from None
        return Cap(level_on=day, parameter=parameter, range=span)
    if "holding_of" in c:
        return Cap(holding_of=_holders(clause, c, f"{f}.holding_of"), parameter=parameter, range=span)
    return Cap(steps=_steps(clause, c, f"{f}.values"), parameter=parameter, range=span)


def _holders(clause: Clause, c: Mapping[str, Any], f: str) -> tuple[str, ...]:
    """``holding_of``: one or more of the agreement's parties, no repeats."""
    v = c["holding_of"]
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or not all(isinstance(p, str) for p in v):
        raise _at(clause, c, "holding_of", "must be a list of one or more party codes", f)
    for p in v:
        if p not in clause.parties:
            raise _at(clause, c, "holding_of", f"{p!r} is not a party to the agreement "
                      f"(parties: {', '.join(clause.parties)})", f)
    if len(set(v)) != len(v):
        raise _at(clause, c, "holding_of", "has a duplicate party", f)
    return tuple(v)


def _range(clause: Clause, c: Mapping[str, Any], f: str, parameter: bool) -> tuple[int, int] | None:
    """A parameter cap's ``range: {low: N, high: N}`` (low <= high), or None when absent."""
    if "range" not in c:
        return None
    if not parameter:
        raise _at(clause, c, "range", "a range is for a parameter cap: add parameter: true", f)
    r = c["range"]
    if not isinstance(r, Mapping) or set(r) != {"low", "high"}:
        raise _at(clause, c, "range", "must be {low: N, high: N}", f)
    low = _count(clause, r, "low", r["low"], f"{f}.low")
    high = _count(clause, r, "high", r["high"], f"{f}.high")
    largest = limits.MAX_COUNT
    for key, n in (("low", low), ("high", high)):
        if n > largest:  # a cap above any count accord reads explores nothing
            raise _at(clause, r, key, f"{n:,} is above the largest count accord reads ({largest:,}; "
                      f"{limits.limit('COUNT').env})", f"{f}.{key}")
    if low > high:
        raise _at(clause, r, "low", f"low ({low}) is above high ({high})", f"{f}.low")
    default = c.get("value")
    if isinstance(default, int) and not isinstance(default, bool) and not low <= default <= high:
        raise _at(clause, c, "range", f"the default cap ({default:,}) is outside its range ({low:,} to {high:,})", f)
    return low, high


def _steps(clause: Clause, c: Mapping[str, Any], f: str) -> tuple[tuple[_dt.date, int | None], ...]:
    values = c["values"]
    if not isinstance(values, Mapping) or not values:
        raise _at(clause, c, "values", "must map dates to numbers (null ends the limit)", f)
    steps: list[tuple[_dt.date, int | None]] = []
    keys: dict[_dt.date, Any] = {}
    for k, v in values.items():
        try:
            day = parse_date(k)
        except InputError as err:
            raise _at(clause, values, k, err.problem, f) from None
        if day in keys:  # 2030-01-01 and '2030-01-01' are two YAML keys but one date
            raise _at(clause, values, k, f"the date {day.isoformat()} is given twice", f"{f}.{day.isoformat()}")
        keys[day] = k
        steps.append((day, None if v is None else _count(clause, values, k, v, f"{f}.{day.isoformat()}")))
    steps.sort(key=lambda s: s[0])
    if steps[0][1] is None:  # the line is the earliest date's, wherever it is written
        first = steps[0][0]
        raise _at(clause, values, keys[first], "the first dated value must be a number", f)
    return tuple(steps)
