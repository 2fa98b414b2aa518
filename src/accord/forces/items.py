"""Itemized records in columns: one row per item (a missile, a launcher, an aircraft …).

Counting a million records must take well under a second, so records are held as numpy
columns rather than as Python objects. ``type``, ``status``, ``system`` and ``facility`` are
small integer codes into per-table tuples (``types``, ``statuses``, ``systems``,
``facilities``): the table knows no global list of item types; an agreement's
:class:`~accord.agreements.vocabulary.Vocabulary`, when given, validates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import limits
from ..agreements.vocabulary import Vocabulary
from ..errors import InputError


def _code_dtype(n: int) -> type[np.signedinteger[Any]]:
    return np.int8 if n <= 127 else np.int16


@dataclass(frozen=True, eq=False)
class ItemTable:
    """Columns of item records. ``types``, ``statuses``, ``systems`` and ``facilities`` are
    the code tables of the ``type``, ``status``, ``system`` and ``facility`` columns; ``ids``
    keeps each record's unique identifier."""

    ids: np.ndarray  # object (str)
    type: np.ndarray  # int8 (int16 beyond 127 types) codes into types
    status: np.ndarray  # int8 (int16) codes into statuses
    system: np.ndarray  # int32 codes into systems
    facility: np.ndarray  # int32 codes into facilities
    warheads: np.ndarray  # int64
    systems: tuple[str, ...]
    facilities: tuple[str, ...]
    types: tuple[str, ...]
    statuses: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.type.shape[0])

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], *, vocabulary: Vocabulary | None = None,
        file: str | None = None, field: str = "items",
    ) -> ItemTable:
        """Build the table from mappings with ``id, type, system, status, facility, warheads``.

        With a ``vocabulary``, types and statuses must be its ids or aliases (stored as ids;
        the error lists the allowed values); without one, any non-empty string. A missing id,
        a duplicate id and a negative or non-integer warhead count are InputErrors naming the
        record (``items[i]``). So are more warheads on one record than ``MAX_WARHEADS``
        (:mod:`accord.limits`), and a system or facility that is not a string.
        """
        max_warheads = limits.MAX_WARHEADS
        ids: list[str] = []
        type_codes: dict[str, int] = {}
        status_codes: dict[str, int] = {}
        systems: dict[str, int] = {}
        facilities: dict[str, int] = {}
        type_col: list[int] = []
        status_col: list[int] = []
        sys_col: list[int] = []
        fac_col: list[int] = []
        warheads: list[int] = []
        seen: set[str] = set()
        for i, rec in enumerate(records):
            where = f"{field}[{i}]"
            if not isinstance(rec, Mapping):
                raise InputError("each item must be an object", file=file, field=where)
            rid = rec.get("id")
            if not isinstance(rid, str) or not rid:
                raise InputError("needs a non-empty string id", file=file, field=f"{where}.id")
            if rid in seen:
                raise InputError(f"duplicate item id {_cut(rid)}", file=file, field=f"{where}.id")
            seen.add(rid)
            t = _term(rec.get("type"), vocabulary, "item type", file, f"{where}.type")
            s = _term(rec.get("status"), vocabulary, "status", file, f"{where}.status")
            w = rec.get("warheads", 0)
            if w is None:
                w = 0
            if isinstance(w, bool) or not isinstance(w, int):
                raise InputError(f"warheads must be an integer, not {_cut(w)}", file=file, field=f"{where}.warheads")
            if w < 0:
                raise InputError(f"warheads must be >= 0, not {w}", file=file, field=f"{where}.warheads")
            if w > max_warheads:  # beyond any physical meaning (and counted in 64-bit integers)
                raise InputError(f"warheads must be at most {max_warheads:,}, not {str(w)[:40]}", file=file,
                                 field=f"{where}.warheads")
            ids.append(rid)
            type_col.append(type_codes.setdefault(t, len(type_codes)))
            status_col.append(status_codes.setdefault(s, len(status_codes)))
            sys_col.append(systems.setdefault(_name(rec.get("system"), file, f"{where}.system"), len(systems)))
            fac_col.append(facilities.setdefault(_name(rec.get("facility"), file, f"{where}.facility"),
                                                 len(facilities)))
            warheads.append(w)
        return cls(
            ids=np.array(ids, dtype=object),
            type=np.array(type_col, dtype=_code_dtype(len(type_codes))),
            status=np.array(status_col, dtype=_code_dtype(len(status_codes))),
            system=np.array(sys_col, dtype=np.int32),
            facility=np.array(fac_col, dtype=np.int32),
            warheads=np.array(warheads, dtype=np.int64),
            systems=tuple(systems),
            facilities=tuple(facilities),
            types=tuple(type_codes),
            statuses=tuple(status_codes),
        )

    @classmethod
    def from_columns(
        cls,
        *,
        type: Sequence[str] | np.ndarray,
        status: Sequence[str] | np.ndarray,
        warheads: Sequence[int] | np.ndarray,
        system: Sequence[str] | np.ndarray | None = None,
        facility: Sequence[str] | np.ndarray | None = None,
        ids: Sequence[str] | np.ndarray | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> ItemTable:
        """Build the table from string columns (vectorized: no per-record Python loop); types
        and statuses are validated against ``vocabulary`` when given, as in :meth:`from_records`."""
        n = len(type)

        def factor(col: Any) -> tuple[np.ndarray, tuple[str, ...]]:
            if col is None:
                return np.zeros(n, dtype=np.int32), ("",)
            values, inverse = np.unique(np.asarray(col, dtype=object).astype(str), return_inverse=True)
            return inverse.astype(np.int32), tuple(values.tolist())

        def terms(col: Any, what: str, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
            codes, values = factor(col)
            if len(codes) != n:
                raise InputError(f"{name} column has the wrong length", field=name)
            ids_ = [_term(v, vocabulary, what, None, name) for v in values]
            unique = tuple(dict.fromkeys(ids_))  # aliases of one id share its code
            lut = np.array([unique.index(i) for i in ids_], dtype=_code_dtype(len(unique)))
            return lut[codes], unique

        w = np.asarray(warheads, dtype=np.int64)
        if w.shape != (n,):
            raise InputError("warheads column has the wrong length", field="warheads")
        if (w < 0).any():
            raise InputError("warheads must be >= 0", field="warheads")
        type_codes, types = terms(type, "item type", "type")
        status_codes, statuses = terms(status, "status", "status")
        sys_codes, systems = factor(system)
        fac_codes, facilities = factor(facility)
        id_col = np.asarray(ids, dtype=object) if ids is not None else np.array(
            [f"item-{i}" for i in range(n)], dtype=object)
        return cls(ids=id_col, type=type_codes, status=status_codes, system=sys_codes, facility=fac_codes,
                   warheads=w, systems=systems, facilities=facilities, types=types, statuses=statuses)


def _name(value: Any, file: str | None, field: str) -> str:
    """A record's system or facility: a string (a number is read as its digits), or none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = repr(value)
    raise InputError(f"must be a string, not {text if len(text) <= 60 else text[:57] + '...'}", file=file,
                     field=field)


def _term(value: Any, vocabulary: Vocabulary | None, what: str, file: str | None, field: str) -> str:
    """A type or status as the vocabulary's id (aliases accepted); without a vocabulary any
    non-empty string."""
    if vocabulary is None:
        if not isinstance(value, str) or not value:
            raise InputError(f"{what} must be a non-empty string, not {_cut(value)}", file=file, field=field)
        return value
    found = vocabulary.type_id(value) if what == "item type" else vocabulary.status_id(value)
    if found is None:
        allowed = vocabulary.type_ids if what == "item type" else vocabulary.status_ids
        raise InputError(f"unknown {what} {_cut(value)} (allowed: {', '.join(allowed)})", file=file, field=field)
    return found


def _cut(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
