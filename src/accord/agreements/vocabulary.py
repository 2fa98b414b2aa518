"""The words an agreement counts with, declared in YAML: item types, item statuses (with the
spellings accepted on input), category units and counting modes.

A counting *mode* is a name an agreement uses (``items``, ``warheads``, ``per_item`` …) bound
to one of four generic counting *methods*:

- ``records`` — the number of selected records;
- ``sum`` — the sum of a numeric record attribute (``attribute: warheads``: as emplaced);
- ``fixed`` — a fixed number per record (``per_record: N``);
- ``table`` — a number per record looked up by its system (``table: {SYSTEM: N}``, with a
  ``default`` for systems not listed), e.g. a maximum loading.

The vocabulary is given in the agreement (``vocabulary:`` an id of a file in
``library/vocabularies/``, a path relative to the agreement file, or an inline mapping).
Nothing in the generic code names an item type: it only reads a :class:`Vocabulary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..sources import RELIABILITIES, UNLABELLED, Source
from ._yaml import LineDict, load_yaml_file, locate

VOCABULARIES = Path(__file__).parent / "library" / "vocabularies"
#: The generic counting methods a mode may be bound to.
METHODS = ("records", "sum", "fixed", "table")
#: Numeric record attributes a ``sum`` may add up (the numeric columns of an item table).
NUMERIC_ATTRIBUTES = ("warheads",)
#: Category units when a vocabulary declares none.
DEFAULT_UNITS = ("items", "warheads")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
#: The fields of the vocabulary's own source.
SOURCE_KEYS = ("document", "article", "url", "quote", "reliability", "note")


@dataclass(frozen=True)
class Term:
    """An item type or status: its id, a title, and other spellings accepted on input."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class CountingMethod:
    """A generic way to turn selected records into a number (see the module docstring)."""

    name: str = "records"
    attribute: str | None = None
    per_record: int = 1
    table: tuple[tuple[str, int], ...] = ()
    default: int = 0

    def describe(self) -> str:
        """A short human description, e.g. ``sum of warheads`` or ``2 per record``."""
        if self.name == "sum":
            return f"sum of {self.attribute}"
        if self.name == "fixed":
            return f"{self.per_record} per record"
        if self.name == "table":
            rows = ", ".join(f"{k} {v}" for k, v in self.table)
            return f"per system ({rows}; otherwise {self.default})"
        return "one per record"

    def per_system(self, system: str) -> int:
        """A ``table`` method's number for one record of ``system``."""
        return dict(self.table).get(system, self.default)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.name}
        if self.name == "sum":
            out["attribute"] = self.attribute
        elif self.name == "fixed":
            out["per_record"] = self.per_record
        elif self.name == "table":
            out["table"] = dict(self.table)
            out["default"] = self.default
        return out


@dataclass(frozen=True)
class CountingMode:
    """A counting mode an agreement names (``count: warheads``) and the method it stands for."""

    id: str
    title: str
    method: CountingMethod


@dataclass(frozen=True)
class Vocabulary:
    """Item types, statuses, units and counting modes. Lookups accept aliases."""

    id: str
    title: str = ""
    item_types: tuple[Term, ...] = ()
    statuses: tuple[Term, ...] = ()
    modes: tuple[CountingMode, ...] = ()
    units: tuple[str, ...] = DEFAULT_UNITS
    source: Source | None = None
    path: str | None = None

    @property
    def type_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.item_types)

    @property
    def status_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.statuses)

    @property
    def mode_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.modes)

    @property
    def aliases(self) -> dict[str, str]:
        """Every accepted spelling other than an id → the id (types and statuses)."""
        return {a: t.id for t in (*self.item_types, *self.statuses) for a in t.aliases}

    def type_id(self, value: object) -> str | None:
        """The item type id ``value`` names (an id or an alias), else None."""
        return _lookup(self.item_types, value)

    def status_id(self, value: object) -> str | None:
        """The status id ``value`` names (an id or an alias such as ``non-deployed``), else None."""
        return _lookup(self.statuses, value)

    def mode(self, mode_id: str) -> CountingMode | None:
        return next((m for m in self.modes if m.id == mode_id), None)

    def to_json(self) -> dict[str, Any]:
        def terms(ts: tuple[Term, ...]) -> list[dict[str, Any]]:
            return [{"id": t.id, "title": t.title, "aliases": list(t.aliases)} for t in ts]

        return {"id": self.id, "title": self.title, "item_types": terms(self.item_types),
                "statuses": terms(self.statuses), "units": list(self.units),
                "counting_modes": [{"id": m.id, "title": m.title, **m.method.to_json()} for m in self.modes]}


#: The vocabulary of an agreement that declares none: no item types, so no counting rules.
EMPTY = Vocabulary("none", "no vocabulary")


def _lookup(terms: tuple[Term, ...], value: object) -> str | None:
    if not isinstance(value, str):
        return None
    for t in terms:
        if value == t.id or value in t.aliases:
            return t.id
    return None


# ----------------------------------------------------------------------------- loading


def vocabulary_ids() -> list[str]:
    """Ids of the bundled vocabularies, sorted."""
    return sorted(p.stem for p in VOCABULARIES.glob("*.yaml"))


def resolve_vocabulary(value: Any, *, relative_to: Path | None, file: str | None, line: int | None,
                       field: str = "vocabulary") -> Vocabulary:
    """The vocabulary an agreement names: a bundled id, a file path (relative to the agreement
    file) or an inline mapping. A bad reference or file is an InputError naming where."""
    if isinstance(value, Mapping):
        return parse_vocabulary(value, file=file, field=field)
    if not isinstance(value, str) or not value.strip():
        raise InputError("must be a vocabulary id, a file path or a mapping", file=file, line=line, field=field)
    p = locate(value.strip(), VOCABULARIES, "vocabulary", relative_to=relative_to, file=file, line=line,
               field=field)
    return _load_file(str(p.resolve()))


@lru_cache(maxsize=32)
def _load_file(path: str) -> Vocabulary:
    data = load_yaml_file(path, "VOCABULARY_BYTES")
    if not isinstance(data, Mapping):
        raise InputError("a vocabulary file must be a YAML mapping", file=path)
    return replace(parse_vocabulary(data, file=path, field=""), path=path)


def _err(m: Mapping[str, Any], key: str | None, problem: str, field: str, file: str | None) -> InputError:
    if isinstance(m, LineDict):
        return InputError(problem, file=m.file_of(key), line=m.line_of(key) if key else m.line, field=field)
    return InputError(problem, file=file, field=field)


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _text(m: Mapping[str, Any], key: str, field: str, file: str | None, *, required: bool) -> str | None:
    v = m.get(key)
    if v is None:
        if required:
            raise _err(m, None, "is required", _join(field, key), file)
        return None
    if not isinstance(v, str) or not v.strip():
        raise _err(m, key, "must be a non-empty string", _join(field, key), file)
    return v.strip()


def _ident(m: Mapping[str, Any], key: str, field: str, file: str | None, seen: set[str]) -> str:
    v = _text(m, key, field, file, required=True)
    assert v is not None
    if not set(v) <= _ID_CHARS:
        raise _err(m, key, f"id {v!r} may use only a-z, 0-9, '-', '_' and '.'", _join(field, key), file)
    if v in seen:
        raise _err(m, key, f"duplicate id or alias {v!r}", _join(field, key), file)
    seen.add(v)
    return v


def _entries(m: Mapping[str, Any], key: str, field: str, file: str | None) -> list[tuple[str, Mapping[str, Any]]]:
    v = m.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _err(m, key, "must be a list", _join(field, key), file)
    out = []
    for i, item in enumerate(v):
        where = f"{_join(field, key)}[{i}]"
        if not isinstance(item, Mapping):
            raise _err(m, key, "each entry must be a mapping", where, file)
        out.append((where, item))
    return out


def _terms(m: Mapping[str, Any], key: str, field: str, file: str | None) -> tuple[Term, ...]:
    out: list[Term] = []
    seen: set[str] = set()
    for where, t in _entries(m, key, field, file):
        tid = _ident(t, "id", where, file, seen)
        aliases = t.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise _err(t, "aliases", "must be a list of strings", f"{where}.aliases", file)
        for a in aliases:
            if a in seen:
                raise _err(t, "aliases", f"duplicate id or alias {a!r}", f"{where}.aliases", file)
            seen.add(a)
        out.append(Term(tid, _text(t, "title", where, file, required=False) or tid, tuple(aliases),
                        _text(t, "description", where, file, required=False)))
    return tuple(out)


def _nonneg(m: Mapping[str, Any], key: str, field: str, file: str | None, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _err(m, key, f"must be a non-negative integer, not {value!r}", field, file)
    return value


def method_of(m: Mapping[str, Any], field: str, file: str | None, base: CountingMethod | None = None
              ) -> CountingMethod:
    """A counting method from a mapping (``method`` plus its parameters); ``base`` gives the
    method and defaults when the mapping only overrides parameters (a rule's ``count:``)."""
    name = m.get("method", base.name if base else None)
    if name not in METHODS:
        raise _err(m, "method" if "method" in m else None,
                   f"unknown counting method {name!r} (allowed: {', '.join(METHODS)})", _join(field, "method"), file)
    known = {"id", "title", "method", "description"} | {
        "records": set(), "sum": {"attribute"}, "fixed": {"per_record"}, "table": {"table", "default"}}[name]
    for k in m:
        if k not in known:
            raise _err(m, k, f"unknown parameter for method {name} (known: {', '.join(sorted(known))})",
                       _join(field, str(k)), file)
    out = base if base is not None and base.name == name else CountingMethod(name)
    if name == "sum":
        attr = m.get("attribute", out.attribute)
        if attr not in NUMERIC_ATTRIBUTES:
            raise _err(m, "attribute" if "attribute" in m else None,
                       f"unknown record attribute {attr!r} (allowed: {', '.join(NUMERIC_ATTRIBUTES)})",
                       _join(field, "attribute"), file)
        out = replace(out, attribute=attr)
    elif name == "fixed" and "per_record" in m:
        out = replace(out, per_record=_nonneg(m, "per_record", _join(field, "per_record"), file, m["per_record"]))
    elif name == "table":
        table = m.get("table", dict(out.table) if out.table else None)
        if not isinstance(table, Mapping) or not table:
            raise _err(m, "table" if "table" in m else None, "needs a non-empty table {SYSTEM: N}",
                       _join(field, "table"), file)
        rows = tuple((str(k), _nonneg(table, str(k), f"{_join(field, 'table')}.{k}", file, v))
                     for k, v in table.items())
        default = m.get("default", out.default)
        out = replace(out, table=rows, default=_nonneg(m, "default", _join(field, "default"), file, default))
    return out


def parse_vocabulary(m: Mapping[str, Any], *, file: str | None, field: str = "") -> Vocabulary:
    """Validate a vocabulary mapping (a file, or ``vocabulary:`` inline) and build it."""
    known = {"id", "title", "description", "source", "item_types", "statuses", "units", "counting_modes"}
    for k in m:
        if k not in known:
            raise _err(m, k, f"unknown field (known: {', '.join(sorted(known))})", _join(field, str(k)), file)
    vid = _ident(m, "id", field, file, set()) if "id" in m else "inline"
    types = _terms(m, "item_types", field, file)
    statuses = _terms(m, "statuses", field, file)
    units = m.get("units", list(DEFAULT_UNITS))
    if not isinstance(units, list) or not units or not all(isinstance(u, str) and u for u in units):
        raise _err(m, "units", "must be a non-empty list of strings", _join(field, "units"), file)
    modes: list[CountingMode] = []
    seen: set[str] = set()
    for where, mm in _entries(m, "counting_modes", field, file):
        mid = _ident(mm, "id", where, file, seen)
        modes.append(CountingMode(mid, _text(mm, "title", where, file, required=False) or mid,
                                  method_of(mm, where, file)))
    source = None
    s = m.get("source")
    if s is not None:
        where = _join(field, "source")
        if not isinstance(s, Mapping) or not isinstance(s.get("document"), str):
            raise _err(m, "source", "must be a mapping with at least a document", where, file)
        for k, v in s.items():
            if k not in SOURCE_KEYS:  # a misspelt `reliability` must not leave the label `official`
                raise _err(s, str(k), f"unknown source field (known: {', '.join(SOURCE_KEYS)})",
                           f"{where}.{k}", file)
            if isinstance(v, (Mapping, list, bool)):
                raise _err(s, str(k), "must be a string", f"{where}.{k}", file)
        if s.get("reliability", UNLABELLED) not in RELIABILITIES:
            raise _err(s, "reliability", f"unknown reliability {s.get('reliability')!r} "
                       f"(allowed: {', '.join(RELIABILITIES)})", f"{where}.reliability", file)
        source = Source.from_mapping({"reliability": UNLABELLED, **s})
    return Vocabulary(vid, _text(m, "title", field, file, required=False) or vid, types, statuses, tuple(modes),
                      tuple(units), source)
