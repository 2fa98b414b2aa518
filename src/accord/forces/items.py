"""Itemized records in columns: one row per missile, launcher or heavy bomber.

Counting a million records must take well under a second, so records are held as numpy
columns (type and status as small integer codes) rather than as Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..agreements.model import ITEM_STATUSES, ITEM_TYPES
from ..errors import InputError

TYPE_CODES = {t: i for i, t in enumerate(ITEM_TYPES)}
STATUS_CODES = {s: i for i, s in enumerate(ITEM_STATUSES)}
#: Spellings accepted on input for statuses ("non-deployed" as the treaty writes it).
STATUS_ALIASES = {"non-deployed": "non_deployed", "nondeployed": "non_deployed"}


@dataclass(frozen=True, eq=False)
class ItemTable:
    """Columns of item records. ``systems`` and ``facilities`` are the code tables for the
    ``system`` and ``facility`` columns; ``ids`` keeps each record's unique identifier."""

    ids: np.ndarray  # object (str)
    type: np.ndarray  # int8 codes into ITEM_TYPES
    status: np.ndarray  # int8 codes into ITEM_STATUSES
    system: np.ndarray  # int32 codes into systems
    facility: np.ndarray  # int32 codes into facilities
    warheads: np.ndarray  # int64
    systems: tuple[str, ...]
    facilities: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.type.shape[0])

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], *, file: str | None = None, field: str = "items"
    ) -> ItemTable:
        """Build the table from mappings with ``id, type, system, status, facility, warheads``.

        Unknown types or statuses, a missing id, a duplicate id and a negative or
        non-integer warhead count are InputErrors naming the record (``items[i]``).
        """
        ids: list[str] = []
        types: list[int] = []
        statuses: list[int] = []
        systems: dict[str, int] = {}
        facilities: dict[str, int] = {}
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
                raise InputError(f"duplicate item id {rid!r}", file=file, field=f"{where}.id")
            seen.add(rid)
            t = rec.get("type")
            if t not in TYPE_CODES:
                raise InputError(f"unknown item type {t!r} (allowed: {', '.join(ITEM_TYPES)})",
                                 file=file, field=f"{where}.type")
            s = rec.get("status")
            s = STATUS_ALIASES.get(s, s) if isinstance(s, str) else s
            if s not in STATUS_CODES:
                raise InputError(f"unknown status {rec.get('status')!r} (allowed: {', '.join(ITEM_STATUSES)})",
                                 file=file, field=f"{where}.status")
            w = rec.get("warheads", 0)
            if w is None:
                w = 0
            if isinstance(w, bool) or not isinstance(w, int):
                raise InputError(f"warheads must be an integer, not {w!r}", file=file, field=f"{where}.warheads")
            if w < 0:
                raise InputError(f"warheads must be >= 0, not {w}", file=file, field=f"{where}.warheads")
            system = str(rec.get("system") or "")
            facility = str(rec.get("facility") or "")
            ids.append(rid)
            types.append(TYPE_CODES[t])
            statuses.append(STATUS_CODES[s])
            sys_col.append(systems.setdefault(system, len(systems)))
            fac_col.append(facilities.setdefault(facility, len(facilities)))
            warheads.append(w)
        return cls(
            ids=np.array(ids, dtype=object),
            type=np.array(types, dtype=np.int8),
            status=np.array(statuses, dtype=np.int8),
            system=np.array(sys_col, dtype=np.int32),
            facility=np.array(fac_col, dtype=np.int32),
            warheads=np.array(warheads, dtype=np.int64),
            systems=tuple(systems),
            facilities=tuple(facilities),
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
    ) -> ItemTable:
        """Build the table from string columns (vectorized: no per-record Python loop)."""
        n = len(type)

        def codes(col: Any, table: Mapping[str, int], name: str) -> np.ndarray:
            values, inverse = np.unique(np.asarray(col, dtype=object).astype(str), return_inverse=True)
            for v in values:
                v = STATUS_ALIASES.get(v, v) if name == "status" else v
                if v not in table:
                    raise InputError(f"unknown {name} {v!r}", field=name)
            lut = np.array([table[STATUS_ALIASES.get(v, v) if name == "status" else v] for v in values],
                           dtype=np.int8)
            return lut[inverse]

        def factor(col: Any) -> tuple[np.ndarray, tuple[str, ...]]:
            if col is None:
                return np.zeros(n, dtype=np.int32), ("",)
            values, inverse = np.unique(np.asarray(col, dtype=object).astype(str), return_inverse=True)
            return inverse.astype(np.int32), tuple(values.tolist())

        w = np.asarray(warheads, dtype=np.int64)
        if w.shape != (n,):
            raise InputError("warheads column has the wrong length", field="warheads")
        if (w < 0).any():
            raise InputError("warheads must be >= 0", field="warheads")
        sys_codes, systems = factor(system)
        fac_codes, facilities = factor(facility)
        id_col = np.asarray(ids, dtype=object) if ids is not None else np.array(
            [f"item-{i}" for i in range(n)], dtype=object)
        return cls(ids=id_col, type=codes(type, TYPE_CODES, "type"), status=codes(status, STATUS_CODES, "status"),
                   system=sys_codes, facility=fac_codes, warheads=w, systems=systems, facilities=facilities)
