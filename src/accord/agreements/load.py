"""Load and validate agreement files: YAML → :class:`~.model.Agreement`.

``load_agreement(ref, kinds=...)`` takes a built-in id (a file name in ``library/``) or a path, and the
registry of limit kinds (:class:`~.kinds.KindRegistry`; ``accord.app.library`` passes the
compliance rules). A file with ``extends: BASE`` is resolved against its base first
(:func:`.amend.derive`), then the resolved mapping is validated as a whole, counting rules
against the agreement's vocabulary (:mod:`.vocabulary`). Every problem is an InputError naming
the file, line, field and problem.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..periods import Period, add_years, parse_date
from ..sources import RELIABILITIES, UNLABELLED, Source
from ._yaml import LineDict, load_yaml_file, locate
from .amend import derive
from .kinds import Clause, KindRegistry
from .model import (
    LEGAL_FORMS,
    OUTCOMES,
    REGIME_PARTS,
    VERIFICATION_LEVELS,
    Agreement,
    Category,
    Condition,
    CountingRule,
    DataExchange,
    DatedClause,
    Extension,
    InspectionType,
    Limit,
    NotificationKind,
    Outcome,
    Regime,
    Suspension,
)
from .vocabulary import EMPTY, CountingMethod, Vocabulary, method_of, resolve_vocabulary

LIBRARY = Path(__file__).parent / "library"
#: The fields of a clause's source: a named source to start from, then the citation's own fields.
SOURCE_KEYS = ("ref", "document", "article", "url", "quote", "reliability", "note")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


# ----------------------------------------------------------------------------- lookup


def library_ids() -> list[str]:
    """Ids of the built-in agreements, sorted."""
    return sorted(p.stem for p in LIBRARY.glob("*.yaml"))


def _locate(ref: str, relative_to: Path | None = None, *, file: str | None = None,
            line: int | None = None, field: str | None = None) -> Path:
    return locate(ref, LIBRARY, "agreement", relative_to=relative_to, file=file, line=line, field=field)


def load_agreement(ref: str | Path, *, kinds: KindRegistry) -> Agreement:
    """The agreement named by a built-in id or a file path, resolved and validated; its limit
    clauses are parsed by ``kinds``."""
    path = _locate(str(ref))
    return _load_path(str(path.resolve()), kinds)


@lru_cache(maxsize=64)
def _load_path(path: str, kinds: KindRegistry) -> Agreement:
    raw = _resolve(Path(path), ())
    return build_agreement(raw, path=path, kinds=kinds)


def load_all(*, kinds: KindRegistry) -> list[Agreement]:
    """Every built-in agreement, in id order."""
    return [load_agreement(i, kinds=kinds) for i in library_ids()]


def _resolve(path: Path, stack: tuple[str, ...]) -> LineDict:
    key = str(path.resolve())
    if key in stack:
        chain = " -> ".join(Path(s).stem for s in (*stack, key))
        raise InputError(f"extends cycle: {chain}", file=str(path), field="extends")
    data = load_yaml_file(path)
    if not isinstance(data, LineDict):
        raise InputError("an agreement file must be a YAML mapping", file=str(path))
    base_ref = data.get("extends")
    if base_ref is None:
        return data
    if not isinstance(base_ref, str) or not base_ref:
        raise data.error("extends", "must be an agreement id or a file path")
    base_path = _locate(base_ref, path.parent, file=str(path), line=data.line_of("extends"),
                        field="extends")
    base = _resolve(base_path, (*stack, key))
    return derive(base, data)


# ----------------------------------------------------------------------------- helpers


class _Ctx:
    """Validation context: the resolved mapping and its named sources."""

    def __init__(self, raw: LineDict, path: str | None):
        self.raw = raw
        self.path = path
        self.sources: dict[str, Source] = {}

    def err(self, where: Mapping[str, Any] | None, key: str | None, problem: str,
            field: str) -> InputError:
        if isinstance(where, LineDict):
            return InputError(problem, file=where.file_of(key), line=where.line_of(key) if key else where.line,
                              field=field)
        return InputError(problem, file=self.path, field=field)


def _req(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in m or m[key] is None:
        raise ctx.err(m, None, "is required", f"{field}.{key}" if field else key)
    return m[key]


def _str(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, *, required: bool = True) -> str | None:
    if key not in m or m[key] is None:
        if required:
            raise ctx.err(m, None, "is required", _join(field, key))
        return None
    v = m[key]
    if not isinstance(v, str) or not v.strip():
        raise ctx.err(m, key, "must be a non-empty string", _join(field, key))
    return v.strip()


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _int(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, *, minimum: int = 0,
         required: bool = True) -> int | None:
    if key not in m or m[key] is None:
        if required:
            raise ctx.err(m, None, "is required", _join(field, key))
        return None
    v = m[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise ctx.err(m, key, f"must be an integer, not {v!r}", _join(field, key))
    if v < minimum:
        raise ctx.err(m, key, f"must be >= {minimum}, not {v}", _join(field, key))
    return v


def _date(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, *, required: bool = True
          ) -> _dt.date | None:
    if key not in m or m[key] is None:
        if required:
            raise ctx.err(m, None, "is required", _join(field, key))
        return None
    value = m[key]
    if not isinstance(value, (str, _dt.date)):
        raise ctx.err(m, key, f"must be a date (YYYY-MM-DD), not {_kind(value)}", _join(field, key))
    if isinstance(value, str) and len(value) > 40:
        raise ctx.err(m, key, f"not an ISO date (YYYY-MM-DD): {value[:37]!r}...", _join(field, key))
    try:
        return parse_date(value)
    except InputError as err:
        raise ctx.err(m, key, err.problem, _join(field, key)) from None


def _kind(value: Any) -> str:
    """What a YAML value is, in the file's own words: a list, a mapping, true, 12 …"""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _map(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, *, required: bool = True
         ) -> Mapping[str, Any] | None:
    if key not in m or m[key] is None:
        if required:
            raise ctx.err(m, None, "is required", _join(field, key))
        return None
    v = m[key]
    if not isinstance(v, Mapping):
        raise ctx.err(m, key, "must be a mapping", _join(field, key))
    return v


def _list(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str) -> list[Any]:
    v = m.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise ctx.err(m, key, "must be a list", _join(field, key))
    return v


def _mappings(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(field path, item)`` for each item of the list ``m[key]``; an item that is not a
    mapping is an error naming its position."""
    prefix = _join(field, key)
    for i, item in enumerate(_list(ctx, m, key, field)):
        where = f"{prefix}[{i}]"
        if not isinstance(item, Mapping):
            raise ctx.err(m, key, "each entry must be a mapping", where)
        yield where, item


def _str_list(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, *,
              allowed: tuple[str, ...] | None = None, required: bool = True) -> tuple[str, ...]:
    v = m.get(key)
    if v is None:
        if required:
            raise ctx.err(m, None, "is required", _join(field, key))
        return ()
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ctx.err(m, key, "must be a list of strings", _join(field, key))
    if allowed is not None:
        for x in v:
            if x not in allowed:
                raise ctx.err(m, key, f"unknown value {x!r} (allowed: {', '.join(allowed)})",
                              _join(field, key))
    if len(set(v)) != len(v):
        raise ctx.err(m, key, "has a duplicate entry", _join(field, key))
    return tuple(v)


def _source(ctx: _Ctx, m: Mapping[str, Any], field: str, *, at: str | None = None) -> Source:
    """The clause's source: a named source (``source: treaty``), a reference with extra
    fields (``source: {ref: treaty, article: ...}``) or a full inline source. ``at`` is the
    field path of the source itself when it is not ``FIELD.source`` (a named source)."""
    f = at or _join(field, "source")
    if "source" not in m or m["source"] is None:
        raise ctx.err(m, None, "every clause needs a source (document, article, url)", f)
    s = m["source"]
    if isinstance(s, str):
        if s not in ctx.sources:
            raise ctx.err(m, "source", f"unknown source {s!r} (define it under sources:)", f)
        return ctx.sources[s]
    if not isinstance(s, Mapping):
        raise ctx.err(m, "source", "must be a source name or a mapping", f)
    fields: dict[str, Any] = {}
    for k in s:
        if k not in SOURCE_KEYS:  # a misspelt `reliability` must not leave the label `official`
            raise ctx.err(s, str(k), f"unknown source field (known: {', '.join(SOURCE_KEYS)})", _join(f, str(k)))
        if isinstance(s[k], (Mapping, list, bool)):
            raise ctx.err(s, str(k), "must be a string", _join(f, str(k)))
    if "ref" in s:
        ref = s["ref"]
        if not isinstance(ref, str) or ref not in ctx.sources:
            raise ctx.err(s, "ref", f"unknown source {ref!r} (define it under sources:)", _join(f, "ref"))
        base = ctx.sources[ref]
        fields = {k: getattr(base, k) for k in SOURCE_KEYS[1:]}
    for k in SOURCE_KEYS[1:]:
        if k in s and s[k] is not None:
            fields[k] = str(s[k])
    if not fields.get("document"):
        raise ctx.err(s, None, "a source needs a document (or ref: to a named source)", _join(f, "document"))
    # A source that does not say what it is counts as the user's: only a label makes it official.
    rel = fields.setdefault("reliability", UNLABELLED)
    if rel not in RELIABILITIES:
        raise ctx.err(s, "reliability", f"unknown reliability {rel!r} (allowed: {', '.join(RELIABILITIES)})",
                      _join(f, "reliability"))
    return Source(**fields)


def _check_id(ctx: _Ctx, m: Mapping[str, Any], key: str, field: str, seen: set[str]) -> str:
    value = _str(ctx, m, key, field)
    assert value is not None
    if not set(value) <= _ID_CHARS:
        raise ctx.err(m, key, f"id {value!r} may use only a-z, 0-9, '-', '_' and '.'", _join(field, key))
    if value in seen:
        raise ctx.err(m, key, f"duplicate id {value!r}", _join(field, key))
    seen.add(value)
    return value


# ----------------------------------------------------------------------------- build


def build_agreement(raw: Mapping[str, Any], *, path: str | None = None, kinds: KindRegistry) -> Agreement:
    """Validate a resolved agreement mapping and build the frozen :class:`Agreement`; limit
    clauses are validated by their kind in ``kinds``."""
    if not isinstance(raw, LineDict):
        tmp = LineDict(file=path, line=1)
        tmp.update(raw)
        raw = tmp
    ctx = _Ctx(raw, path)
    known = {"id", "title", "parties", "legal_form", "adopted", "adoption_note", "summary", "sources",
             "source", "dates", "categories", "counting", "limits", "freezes", "regime", "conditions",
             "suspensions", "extends", "remove", "vocabulary"}
    for k in raw:
        if k not in known:
            raise ctx.err(raw, k, f"unknown field (known: {', '.join(sorted(known))})", str(k))

    sources = _map(ctx, raw, "sources", "", required=False) or {}
    for name, s in sources.items():
        if not isinstance(s, Mapping):
            raise ctx.err(sources, name, "must be a mapping with at least a document", f"sources.{name}")
        if "ref" in s:
            raise ctx.err(s, "ref", "a named source cannot refer to another", f"sources.{name}.ref")
        ctx.sources[str(name)] = _source(ctx, {"source": s}, "", at=f"sources.{name}")

    agreement_id = _check_id(ctx, raw, "id", "", set())
    title = _str(ctx, raw, "title", "")
    parties = _str_list(ctx, raw, "parties", "")
    if not parties:
        raise ctx.err(raw, "parties", "needs at least one party", "parties")
    legal_form = _str(ctx, raw, "legal_form", "")
    if legal_form not in LEGAL_FORMS:
        raise ctx.err(raw, "legal_form", f"unknown legal form {legal_form!r} (allowed: {', '.join(LEGAL_FORMS)})",
                      "legal_form")
    adopted = raw.get("adopted", True)
    if not isinstance(adopted, bool):
        raise ctx.err(raw, "adopted", "must be true or false", "adopted")
    source = _source(ctx, raw, "")

    dates = _map(ctx, raw, "dates", "")
    assert dates is not None

    def clause(key: str, required: bool) -> DatedClause | None:
        m = _map(ctx, dates, key, "dates", required=required)
        if m is None:
            return None
        d = _date(ctx, m, "date", f"dates.{key}")
        assert d is not None
        return DatedClause(d, _source(ctx, m, f"dates.{key}"), _str(ctx, m, "note", f"dates.{key}", required=False))

    signed = clause("signed", False)
    eif = clause("entry_into_force", True)
    assert eif is not None
    duration = None
    if dates.get("duration_years") is not None:
        dm = _map(ctx, dates, "duration_years", "dates")
        assert dm is not None
        duration = _int(ctx, dm, "value", "dates.duration_years", minimum=1)
        _source(ctx, dm, "dates.duration_years")
    expires = clause("expires", False)
    if expires is None and duration is not None:
        dm = dates["duration_years"]
        expires = DatedClause(add_years(eif.date, duration), _source(ctx, dm, "dates.duration_years"),
                              f"entry into force + {duration} years")
    if signed and signed.date > eif.date:
        raise ctx.err(dates, "signed", f"signed ({signed.date}) after entry into force ({eif.date})",
                      "dates.signed")
    if expires and expires.date <= eif.date:
        raise ctx.err(dates, "expires", f"expires ({expires.date}) on or before entry into force ({eif.date})",
                      "dates.expires")
    extension = None
    em = _map(ctx, dates, "extension", "dates", required=False)
    if em is not None:
        extension = Extension(_int(ctx, em, "max_years", "dates.extension", minimum=0, required=False),
                              _str(ctx, em, "by", "dates.extension") or "", _source(ctx, em, "dates.extension"))
    withdrawal = clause("withdrawal", False)
    notice = None
    wm = _map(ctx, dates, "withdrawal_notice_months", "dates", required=False)
    if wm is not None:
        notice = _int(ctx, wm, "value", "dates.withdrawal_notice_months", minimum=0)
        _source(ctx, wm, "dates.withdrawal_notice_months")
    for k in dates:
        if k not in {"signed", "entry_into_force", "duration_years", "expires", "extension", "withdrawal",
                     "withdrawal_notice_months"}:
            raise ctx.err(dates, k, "unknown date field", f"dates.{k}")

    vocabulary = _vocabulary(ctx, raw)

    # categories
    categories: list[Category] = []
    seen: set[str] = set()
    for f, c in _mappings(ctx, raw, "categories", ""):
        cid = _check_id(ctx, c, "id", f, seen)
        unit = _str(ctx, c, "unit", f, required=False) or vocabulary.units[0]
        if unit not in vocabulary.units:
            raise ctx.err(c, "unit", f"unknown unit {unit!r} (allowed: {', '.join(vocabulary.units)})", f"{f}.unit")
        categories.append(Category(cid, _str(ctx, c, "title", f) or cid, unit, _source(ctx, c, f),
                                   _str(ctx, c, "description", f, required=False)))
    cat_ids = {c.id for c in categories}

    counting = _counting(ctx, raw, cat_ids, vocabulary)
    limits = _limits(ctx, raw, cat_ids, parties, eif.date, legal_form, kinds)

    regime = _regime(ctx, raw)
    limits = [
        lim if lim.verification else replace(lim, verification=regime.verification)
        for lim in limits
    ]
    for lim in limits:
        if lim.verification not in VERIFICATION_LEVELS:
            raise ctx.err(raw, "limits", f"unknown verification {lim.verification!r} for {lim.id} "
                          f"(allowed: {', '.join(VERIFICATION_LEVELS)})", f"limits.{lim.id}.verification")

    conditions = _conditions(ctx, raw)
    end = expires.date if expires else None
    suspensions = _suspensions(ctx, raw, parties, eif.date, end)

    return Agreement(
        id=agreement_id, title=title or agreement_id, parties=parties, legal_form=legal_form, adopted=adopted,
        source=source, entry_into_force=eif, expires=expires, categories=tuple(categories),
        counting=tuple(counting), limits=tuple(limits), regime=regime, signed=signed, duration_years=duration,
        extension=extension, withdrawal=withdrawal, withdrawal_notice_months=notice,
        conditions=tuple(conditions), suspensions=tuple(suspensions),
        summary=_str(ctx, raw, "summary", "", required=False),
        adoption_note=_str(ctx, raw, "adoption_note", "", required=False),
        extends=raw.get("extends"), path=path, vocabulary=vocabulary, raw=raw,
    )


_CONDITION_KEYS = ("id", "text", "source", "outcome")
_OUTCOME_KEYS = ("status", "date", "source", "note")
_SUSPENSION_KEYS = ("id", "party", "from", "until", "stopped", "kept", "text", "source", "note")


def _only(ctx: _Ctx, m: Mapping[str, Any], allowed: tuple[str, ...], field: str) -> None:
    """Every key of ``m`` is in ``allowed``, else an error naming the first unknown one."""
    for k in m:
        if k not in allowed:
            raise ctx.err(m, str(k), f"unknown field (known: {', '.join(allowed)})", _join(field, str(k)))


def _conditions(ctx: _Ctx, raw: LineDict) -> list[Condition]:
    """``conditions:``, each with an optional ``outcome: {status: met|not_met, date, source, note}``."""
    conditions: list[Condition] = []
    seen: set[str] = set()
    for f, c in _mappings(ctx, raw, "conditions", ""):
        _only(ctx, c, _CONDITION_KEYS, f)
        cid = _check_id(ctx, c, "id", f, seen)
        text = _str(ctx, c, "text", f) or ""
        source = _source(ctx, c, f)
        outcome = None
        om = _map(ctx, c, "outcome", f, required=False)
        if om is not None:
            of = f"{f}.outcome"
            _only(ctx, om, _OUTCOME_KEYS, of)
            status = _str(ctx, om, "status", of)
            if status not in OUTCOMES:
                raise ctx.err(om, "status", f"unknown outcome {status!r} (allowed: {', '.join(OUTCOMES)})",
                              f"{of}.status")
            day = _date(ctx, om, "date", of)
            assert status is not None and day is not None
            outcome = Outcome(status, day, _source(ctx, om, of), _str(ctx, om, "note", of, required=False))
        conditions.append(Condition(cid, text, source, outcome))
    return conditions


def _suspensions(ctx: _Ctx, raw: LineDict, parties: tuple[str, ...], start: _dt.date,
                 end: _dt.date | None) -> list[Suspension]:
    """``suspensions:`` — a party stops parts of the regime while the agreement stays in force;
    the period must fall inside the agreement's ``[start, end)``."""
    out: list[Suspension] = []
    seen: set[str] = set()
    for f, m in _mappings(ctx, raw, "suspensions", ""):
        _only(ctx, m, _SUSPENSION_KEYS, f)
        sid = _check_id(ctx, m, "id", f, seen)
        party = _str(ctx, m, "party", f)
        if party not in parties:
            raise ctx.err(m, "party", f"{party!r} is not a party to the agreement (parties: {', '.join(parties)})",
                          f"{f}.party")
        begin = _date(ctx, m, "from", f)
        until = _date(ctx, m, "until", f, required=False)
        assert party is not None and begin is not None
        if not (start <= begin and (end is None or begin < end)):
            raise ctx.err(m, "from", f"from ({begin}) is outside the agreement's period "
                          f"({start} to {end or 'open'}, exclusive)", f"{f}.from")
        if until is not None and until <= begin:
            raise ctx.err(m, "until", f"until ({until}) is not after from ({begin})", f"{f}.until")
        if until is not None and end is not None and until > end:
            raise ctx.err(m, "until", f"until ({until}) is after the agreement ends ({end})", f"{f}.until")
        stopped = _str_list(ctx, m, "stopped", f, allowed=REGIME_PARTS)
        if not stopped:
            raise ctx.err(m, "stopped", f"needs at least one of {', '.join(REGIME_PARTS)}", f"{f}.stopped")
        for other in out:  # one party, one suspension at a time: else who stopped what, when, is ambiguous
            if other.party == party and _overlap(begin, until, other.start, other.end):
                raise ctx.err(m, "from", f"overlaps suspension {other.id!r} of {party} (from {other.start}"
                              f"{f' until {other.end}' if other.end else ', open-ended'}): end the earlier one with "
                              "until, or merge them", f"{f}.from")
        out.append(Suspension(sid, party, begin, stopped, _str(ctx, m, "text", f) or "", _source(ctx, m, f),
                              until, _str(ctx, m, "kept", f, required=False),
                              _str(ctx, m, "note", f, required=False)))
    return out


def _overlap(a: _dt.date, b: _dt.date | None, c: _dt.date, d: _dt.date | None) -> bool:
    """Whether the half-open periods ``[a, b)`` and ``[c, d)`` share a day (None: open-ended)."""
    return (d is None or a < d) and (b is None or c < b)


def _vocabulary(ctx: _Ctx, raw: LineDict) -> Vocabulary:
    """The agreement's vocabulary: a path is relative to the file that named it."""
    if raw.get("vocabulary") is None:
        return EMPTY
    file = raw.file_of("vocabulary")
    return resolve_vocabulary(raw["vocabulary"], relative_to=Path(file).parent if file else None, file=file,
                              line=raw.line_of("vocabulary"))


def _terms(ctx: _Ctx, sel: Mapping[str, Any], key: str, field: str, ids: tuple[str, ...],
           lookup: Callable[[object], str | None], what: str) -> tuple[str, ...]:
    """A rule's item types or statuses as vocabulary ids (aliases accepted)."""
    values = _str_list(ctx, sel, key, field)
    out = []
    for v in values:
        found = lookup(v)
        if found is None:
            raise ctx.err(sel, key, f"unknown {what} {v!r} (allowed: {', '.join(ids) or 'none: declare a vocabulary'})",
                          _join(field, key))
        out.append(found)
    return tuple(dict.fromkeys(out))


def _counting(ctx: _Ctx, raw: LineDict, cat_ids: set[str], vocabulary: Vocabulary) -> list[CountingRule]:
    counting: list[CountingRule] = []
    seen_rules: set[str] = set()
    for f, r in _mappings(ctx, raw, "counting", ""):
        cat = _str(ctx, r, "category", f)
        assert cat is not None
        if cat not in cat_ids:
            raise ctx.err(r, "category", f"unknown category {cat!r}", f"{f}.category")
        if cat in seen_rules:
            raise ctx.err(r, "category", f"duplicate counting rule for {cat!r}", f"{f}.category")
        seen_rules.add(cat)
        sel = _map(ctx, r, "items", f)
        assert sel is not None
        types = _terms(ctx, sel, "type", f"{f}.items", vocabulary.type_ids, vocabulary.type_id, "item type")
        statuses = _terms(ctx, sel, "status", f"{f}.items", vocabulary.status_ids, vocabulary.status_id, "status")
        systems = _str_list(ctx, sel, "system", f"{f}.items", required=False) or None
        mode_id, method = _count_mode(ctx, r, f, vocabulary)
        per_item = method.per_record if method.name == "fixed" else 1
        counting.append(CountingRule(cat, types, statuses, mode_id, _source(ctx, r, f), systems, per_item, method))
    return counting


def _count_mode(ctx: _Ctx, r: Mapping[str, Any], f: str, vocabulary: Vocabulary) -> tuple[str, CountingMethod]:
    """``count: MODE`` or ``count: {MODE: PARAM}`` (a scalar sets the method's main parameter:
    ``per_record`` of a fixed method, ``attribute`` of a sum; a mapping overrides parameters)."""
    count = r.get("count", "items")
    param: Any = None
    if isinstance(count, Mapping):
        if len(count) != 1:
            raise ctx.err(r, "count", "must be a mode or {MODE: PARAMETER}", f"{f}.count")
        count, param = next(iter(count.items()))
    mode = vocabulary.mode(count) if isinstance(count, str) else None
    if mode is None:
        allowed = ", ".join(vocabulary.mode_ids) or "none: declare a vocabulary"
        raise ctx.err(r, "count", f"unknown counting mode {count!r} (allowed: {allowed})", f"{f}.count")
    if param is None:
        return mode.id, mode.method
    where = f"{f}.count.{mode.id}"
    if not isinstance(param, Mapping):
        main = {"fixed": "per_record", "sum": "attribute"}.get(mode.method.name)
        if main is None:
            raise ctx.err(r, "count", f"mode {mode.id!r} takes a mapping of parameters", where)
        param = LineDict({main: param}, file=getattr(r, "file", None), line=r.line_of("count")
                         if isinstance(r, LineDict) else None)
    return mode.id, method_of(param, where, ctx.path, mode.method)


def _limits(ctx: _Ctx, raw: LineDict, cat_ids: set[str], parties: tuple[str, ...], start_default: _dt.date,
            legal_form: str | None, kinds: KindRegistry) -> list[Limit]:
    """The ``limits:`` and ``freezes:`` clauses; each kind's own fields are parsed by ``kinds``."""
    limits: list[Limit] = []
    seen_limits: set[str] = set()
    for section in ("limits", "freezes"):
        for f, m in _mappings(ctx, raw, section, ""):
            lid = _check_id(ctx, m, "id", f, seen_limits)
            kind = _str(ctx, m, "kind", f, required=False) or kinds.default_kind(section)
            if kind not in kinds.kinds():
                raise ctx.err(m, "kind", f"unknown kind {kind!r} (known: {', '.join(kinds.kinds())})", f"{f}.kind")
            cats = _str_list(ctx, m, "categories", f)
            if not cats:
                raise ctx.err(m, "categories", "needs at least one category", f"{f}.categories")
            for c in cats:
                if c not in cat_ids:
                    raise ctx.err(m, "categories", f"limit over undefined category {c!r}", f"{f}.categories")
            spec = kinds.parse(kind, Clause(m, f, parties, cats))
            start = _date(ctx, m, "from", f, required=False) or start_default
            end = _date(ctx, m, "until", f, required=False)
            if end is not None and end <= start:
                raise ctx.err(m, "until", f"until ({end}) is not after from ({start})", f"{f}.until")
            lf = _str(ctx, m, "legal_form", f, required=False) or legal_form
            if lf not in LEGAL_FORMS:
                raise ctx.err(m, "legal_form", f"unknown legal form {lf!r}", f"{f}.legal_form")
            ver = _str(ctx, m, "verification", f, required=False)
            limits.append(Limit(lid, _str(ctx, m, "title", f) or lid, kind, cats, spec.cap, Period(start, end),
                                lf or "", ver or "", _source(ctx, m, f), _str(ctx, m, "note", f, required=False),
                                spec))
    return limits


def _month_day(ctx: _Ctx, m: Mapping[str, Any], value: Any, f: str) -> tuple[int, int]:
    if isinstance(value, str) and len(value) == 5 and value[2] == "-":
        try:
            month, day = int(value[:2]), int(value[3:])
            _dt.date(2001, month, day)
            return month, day
        except ValueError:
            pass
    raise ctx.err(m, "as_of", f"must be a list of MM-DD strings, not {value!r}", f)


def _regime(ctx: _Ctx, raw: Mapping[str, Any]) -> Regime:
    r = _map(ctx, raw, "regime", "")
    assert r is not None
    verification = _str(ctx, r, "verification", "regime")
    if verification not in VERIFICATION_LEVELS:
        raise ctx.err(r, "verification", f"unknown verification {verification!r} "
                      f"(allowed: {', '.join(VERIFICATION_LEVELS)})", "regime.verification")
    exchanges: list[DataExchange] = []
    seen: set[str] = set()
    for f, e in _mappings(ctx, r, "data_exchanges", "regime"):
        as_of = tuple(_month_day(ctx, e, v, f"{f}.as_of") for v in _list(ctx, e, "as_of", f))
        as_of_date = _date(ctx, e, "as_of_date", f, required=False)
        if not as_of and as_of_date is None:
            raise ctx.err(e, None, "needs as_of (MM-DD list) or as_of_date", f)
        exchanges.append(DataExchange(_check_id(ctx, e, "id", f, seen), _str(ctx, e, "title", f) or "",
                                      as_of, _int(ctx, e, "due_days", f) or 0, _source(ctx, e, f), as_of_date))
    notifications: list[NotificationKind] = []
    seen = set()
    for f, n in _mappings(ctx, r, "notifications", "regime"):
        notifications.append(NotificationKind(_check_id(ctx, n, "id", f, seen), _str(ctx, n, "title", f) or "",
                                              _int(ctx, n, "deadline_days", f, required=False),
                                              _source(ctx, n, f), _str(ctx, n, "note", f, required=False)))
    inspections: list[InspectionType] = []
    seen = set()
    for f, n in _mappings(ctx, r, "inspections", "regime"):
        inspections.append(InspectionType(
            _check_id(ctx, n, "id", f, seen), _str(ctx, n, "title", f) or "",
            _int(ctx, n, "quota_per_year", f) or 0, _str_list(ctx, n, "site_types", f),
            _str_list(ctx, n, "activities", f, required=False), _source(ctx, n, f)))
    has_source = "source" in r and r["source"] is not None
    return Regime(
        verification=verification,
        data_exchanges=tuple(exchanges),
        notification_default_days=_int(ctx, r, "notification_deadline_days", "regime", required=False),
        notifications=tuple(notifications),
        inspections=tuple(inspections),
        source=_source(ctx, r, "regime") if has_source else None,
        note=_str(ctx, r, "note", "regime", required=False),
    )
