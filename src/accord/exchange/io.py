"""Read and write declarations (JSON) and notifications (JSON lines).

A malformed file — bad JSON, a missing or mistyped field, a value outside the vocabulary, a
file over its size limit, nesting or integers beyond the limits of :mod:`accord.limits` — is
an :class:`~accord.errors.InputError` naming the file, the line (for JSON lines, and for
JSON syntax errors) and the field. Problems in well-formed data (an unknown identifier, an
impossible transition) are not errors here: :mod:`.replay` and :mod:`.reconcile` report them
as findings. Writes are atomic: a temporary file in the same folder, then a rename.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import limits
from ..agreements.model import Agreement
from ..errors import InputError
from .model import DECLARATION_SCHEMA, Declaration, Facility, Item, Notification
from .rules import REQUIRED_FIELDS, Action, ExchangeRules

_DECL_KEYS = {"schema", "synthetic", "party", "as_of", "agreement", "facilities", "items", "notes"}


@dataclass(frozen=True)
class _Terms:
    """The words a file may use: the agreement's item types and statuses (``None``: any
    non-empty string), status spellings accepted on input, and the rules' facility types
    and notification kinds."""

    types: tuple[str, ...] | None
    statuses: tuple[str, ...] | None
    aliases: Mapping[str, str]  # other spellings of types and statuses → their ids
    rules: ExchangeRules


def _terms(agreement: Agreement | None, rules: ExchangeRules | None) -> _Terms:
    rules = rules or ExchangeRules.generic()
    if agreement is None:
        return _Terms(None, None, {}, rules)
    vocab = agreement.vocabulary  # an agreement without one declares no words: accept any
    return _Terms(vocab.type_ids or None, vocab.status_ids or None, vocab.aliases, rules)


# --- small validators -------------------------------------------------------------------

def _show(value: Any) -> str:
    """``repr(value)`` cut to 60 characters: an error stays one short line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _str(obj: Mapping[str, Any], key: str, where: str, err: dict[str, Any], *, required: bool = True
         ) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise InputError("is missing", field=f"{where}{key}", **err)
        return None
    if not isinstance(value, str) or not value:
        raise InputError(f"must be a non-empty string, not {_show(value)}", field=f"{where}{key}", **err)
    return value


def _date(value: Any, field: str, err: dict[str, Any]) -> _dt.date:
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    if value is None:
        raise InputError("is missing", field=field, **err)
    raise InputError(f"not an ISO date (YYYY-MM-DD): {_show(value)}", field=field, **err)


def _status(value: Any, field: str, err: dict[str, Any], terms: _Terms) -> str:
    s = terms.aliases.get(value, value) if isinstance(value, str) else value
    allowed = terms.statuses
    if not isinstance(s, str) or not s or (allowed is not None and s not in allowed):
        listed = f" (allowed: {', '.join(allowed)})" if allowed is not None else ""
        raise InputError(f"unknown status {_show(value)}{listed}", field=field, **err)
    return s


def _type(value: Any, field: str, err: dict[str, Any], terms: _Terms) -> str:
    t = terms.aliases.get(value, value) if isinstance(value, str) else value
    allowed = terms.types
    if not isinstance(t, str) or not t or (allowed is not None and t not in allowed):
        listed = f" (allowed: {', '.join(allowed)})" if allowed is not None else ""
        raise InputError(f"unknown item type {_show(value)}{listed}", field=field, **err)
    return t


def _warheads(value: Any, field: str, err: dict[str, Any]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limits.MAX_WARHEADS:
        raise InputError(f"must be a whole number from 0 to {limits.MAX_WARHEADS:,}, not {_show(value)}",
                         field=field, **err)
    return value


# --- declarations -----------------------------------------------------------------------

def declaration_from_json(
    obj: Any,
    *,
    file: str | None = None,
    agreement: Agreement | None = None,
    rules: ExchangeRules | None = None,
    default_agreement: str | None = None,
) -> Declaration:
    """A :class:`Declaration` from a parsed ``accord.declaration/v1`` document.

    Raises InputError naming the field (``items[12].status``) for anything malformed:
    wrong schema, an item type or status outside ``agreement``'s vocabulary, a facility type
    outside ``rules``' (with neither, any non-empty string), a duplicate item or facility id,
    a negative warhead count, no ``agreement`` id when there is no ``default_agreement``. An
    item at an undeclared facility is *not* an error here (reconciliation reports it).
    """
    err: dict[str, Any] = {"file": file}
    terms = _terms(agreement, rules)
    facility_types = terms.rules.facility_types
    if not isinstance(obj, Mapping):
        raise InputError("a declaration must be a JSON object", **err)
    schema = obj.get("schema")
    if schema != DECLARATION_SCHEMA:
        raise InputError(f"expected {DECLARATION_SCHEMA!r}, got {_show(schema)}", field="schema", **err)
    party = _str(obj, "party", "", err)
    as_of = _date(obj.get("as_of"), "as_of", err)
    agreement_id = _str(obj, "agreement", "", err, required=default_agreement is None) or default_agreement
    synthetic = obj.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(f"must be true or false, not {_show(synthetic)}", field="synthetic", **err)
    notes = obj.get("notes", [])
    if isinstance(notes, str):
        notes = [notes]
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise InputError("must be a list of strings", field="notes", **err)

    raw_fac = obj.get("facilities", [])
    if not isinstance(raw_fac, list):
        raise InputError("must be a list", field="facilities", **err)
    facilities: list[Facility] = []
    fac_ids: set[str] = set()
    for i, f in enumerate(raw_fac):
        where = f"facilities[{i}]."
        if not isinstance(f, Mapping):
            raise InputError("must be an object", field=where[:-1], **err)
        fid = _str(f, "id", where, err)
        if fid in fac_ids:
            raise InputError(f"duplicate facility id {_show(fid)}", field=f"{where}id", **err)
        fac_ids.add(fid)  # type: ignore[arg-type]
        ftype = f.get("type")
        if not isinstance(ftype, str) or not ftype or (facility_types is not None and ftype not in facility_types):
            listed = f" (allowed: {', '.join(facility_types)})" if facility_types is not None else ""
            raise InputError(f"unknown facility type {_show(ftype)}{listed}", field=f"{where}type", **err)
        facilities.append(Facility(fid, ftype, _str(f, "name", where, err, required=False) or fid,  # type: ignore[arg-type]
                                   _str(f, "source", where, err, required=False),
                                   _str(f, "notes", where, err, required=False)))

    raw_items = obj.get("items")
    if not isinstance(raw_items, list):
        raise InputError("must be a list of items", field="items", **err)
    items: list[Item] = []
    seen: set[str] = set()
    for i, it in enumerate(raw_items):
        where = f"items[{i}]."
        if not isinstance(it, Mapping):
            raise InputError("must be an object", field=where[:-1], **err)
        iid = _str(it, "id", where, err)
        if iid in seen:
            raise InputError(f"duplicate item id {_show(iid)}", field=f"{where}id", **err)
        seen.add(iid)  # type: ignore[arg-type]
        items.append(Item(
            id=iid,  # type: ignore[arg-type]
            type=_type(it.get("type"), f"{where}type", err, terms),
            system=_str(it, "system", where, err, required=False) or "",
            status=_status(it.get("status"), f"{where}status", err, terms),
            facility=_str(it, "facility", where, err),  # type: ignore[arg-type]
            warheads=_warheads(it.get("warheads", 0), f"{where}warheads", err),
            launcher=_str(it, "launcher", where, err, required=False),
            host=_str(it, "host", where, err, required=False),
        ))
    extra = {k: v for k, v in obj.items() if k not in _DECL_KEYS}
    return Declaration(party, as_of, agreement_id, tuple(facilities), tuple(items), synthetic,  # type: ignore[arg-type]
                       tuple(notes), extra)


def read_json(path: str | os.PathLike[str], limit: str = "DECLARATION_BYTES") -> Any:
    """A JSON file's parsed content, within the limits of :mod:`accord.limits` (size
    ``MAX_<limit>``); an unreadable file or bad JSON is an InputError (with the line of a
    syntax error)."""
    name = str(path)
    text = limits.read_text(path, limit)  # a byte-order mark is not an error
    return _loads(text, file=name)


def _loads(text: str, *, file: str | None, line: int | None = None) -> Any:
    """``json.loads`` within the limits: bad JSON, nesting deeper than ``MAX_DEPTH`` and
    integers longer than ``MAX_INT_DIGITS`` are InputErrors (with the line of a syntax error)."""
    return limits.parse_json(text, file=file, line=line, what="not valid JSON")


def read_declaration(
    path: str | os.PathLike[str],
    *,
    agreement: Agreement | None = None,
    rules: ExchangeRules | None = None,
    default_agreement: str | None = None,
) -> Declaration:
    """Read and validate a declaration file (see :func:`declaration_from_json`)."""
    return declaration_from_json(read_json(path), file=str(path), agreement=agreement, rules=rules,
                                 default_agreement=default_agreement)


def dump_declaration(decl: Declaration) -> str:
    """The declaration as JSON text: one facility and one item per line, so that a diff or
    an error's line number points at one record."""
    doc = decl.to_json()
    facilities, items = doc.pop("facilities"), doc.pop("items")
    head = json.dumps(doc, ensure_ascii=False, indent=2)[:-2]  # drop the closing "\n}"
    parts = [head + ',\n  "facilities": [\n']
    parts.append(",\n".join("    " + json.dumps(f, ensure_ascii=False) for f in facilities))
    parts.append('\n  ],\n  "items": [\n')
    parts.append(",\n".join("    " + json.dumps(i, ensure_ascii=False) for i in items))
    parts.append("\n  ]\n}\n")
    return "".join(parts)


# --- notifications ----------------------------------------------------------------------

def notification_from_json(
    obj: Any,
    *,
    file: str | None = None,
    line: int | None = None,
    agreement: Agreement | None = None,
    rules: ExchangeRules | None = None,
    terms: _Terms | None = None,
) -> Notification:
    """A :class:`Notification` from one parsed JSON object; InputError names file, line and field.

    The kind must be one of ``rules``' kinds (generic ones by default) and carry the fields
    its action needs; item types and statuses are checked against ``agreement``'s vocabulary
    when it is given.
    """
    err: dict[str, Any] = {"file": file, "line": line}
    terms = terms or _terms(agreement, rules)
    if not isinstance(obj, dict):
        raise InputError("each line must be a JSON object", **err)
    kind = obj.get("kind")
    action = terms.rules.action(kind) if isinstance(kind, str) else None
    if action is None:
        raise InputError(f"unknown notification kind {kind!r} (allowed: {', '.join(terms.rules.kinds)})",
                         field="kind", **err)
    for key in REQUIRED_FIELDS.get(action, ()):
        if obj.get(key) is None:
            raise InputError(f"is missing (a {kind} notification needs it)", field=key, **err)
    converted = terms.rules.converted
    if (action is Action.CONVERT and obj.get("status") is None and terms.statuses is not None
            and converted not in terms.statuses):
        raise InputError(f"is missing: a {kind} sets status {converted!r} unless it names one, and the "
                         f"agreement's vocabulary has no {converted!r} (allowed: {', '.join(terms.statuses)})",
                         field="status", **err)
    get = obj.get
    status = get("status")
    from_status = get("from_status")
    ntype = get("type")
    warheads = get("warheads")
    synthetic = get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(f"must be true or false, not {synthetic!r}", field="synthetic", **err)
    return Notification(
        id=_str(obj, "id", "", err),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        party=_str(obj, "party", "", err),  # type: ignore[arg-type]
        date=_date(get("date"), "date", err),
        sent=_date(get("sent"), "sent", err),
        item=_str(obj, "item", "", err),  # type: ignore[arg-type]
        type=None if ntype is None else _type(ntype, "type", err, terms),
        system=_str(obj, "system", "", err, required=False),
        status=None if status is None else _status(status, "status", err, terms),
        from_status=None if from_status is None else _status(from_status, "from_status", err, terms),
        facility=_str(obj, "facility", "", err, required=False),
        from_facility=_str(obj, "from_facility", "", err, required=False),
        launcher=_str(obj, "launcher", "", err, required=False),
        host=_str(obj, "host", "", err, required=False),
        warheads=None if warheads is None else _warheads(warheads, "warheads", err),
        synthetic=synthetic,
        note=_str(obj, "note", "", err, required=False),
        line=line or 0,
    )


def parse_notifications(lines: Iterable[str], *, file: str | None = None, agreement: Agreement | None = None,
                        rules: ExchangeRules | None = None) -> Iterator[Notification]:
    """Notifications from JSON lines (blank lines skipped), each tagged with its line number."""
    terms = _terms(agreement, rules)
    loads = limits.json_decoder().decode  # refuses integers over the limit
    for n, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = loads(text)
        except (ValueError, RecursionError):  # bad JSON: parse again to say what, on which line
            obj = _loads(text, file=file, line=n)
        if text.count("{") + text.count("[") > limits.MAX_DEPTH:  # might nest too deeply
            obj = _loads(text, file=file, line=n)
        yield notification_from_json(obj, file=file, line=n, terms=terms)


def read_notifications(path: str | os.PathLike[str], *, agreement: Agreement | None = None,
                       rules: ExchangeRules | None = None) -> list[Notification]:
    """Read and validate a notifications file (JSON lines), in file order."""
    lines = limits.read_lines(path, "NOTIFICATIONS_BYTES")  # a byte-order mark is not an error
    with contextlib.closing(lines):
        return list(parse_notifications(lines, file=str(path), agreement=agreement, rules=rules))


def dump_notifications(notes: Iterable[Notification]) -> str:
    """Notifications as JSON lines."""
    dumps = json.dumps
    return "".join(dumps(n.to_json(), ensure_ascii=False) + "\n" for n in notes)


# --- atomic writes ----------------------------------------------------------------------

def write_atomic(files: Sequence[tuple[str | os.PathLike[str], str]]) -> None:
    """Write each ``(path, text)``: every text goes to a temporary file beside its target
    first, and only when all are written are they renamed into place, so that a failure
    leaves no half-written file behind."""
    temps: list[tuple[str, Path]] = []
    target: Path | None = None
    try:
        for path, text in files:
            target = Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temps.append((tmp, target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        for tmp, target in temps:
            os.replace(tmp, target)
        temps = []
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}",
                         file=str(target if target is not None else exc.filename or "")) from None
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_declaration(path: str | os.PathLike[str], decl: Declaration) -> None:
    """Write a declaration atomically."""
    write_atomic([(path, dump_declaration(decl))])


def write_notifications(path: str | os.PathLike[str], notes: Iterable[Notification]) -> None:
    """Write notifications (JSON lines) atomically."""
    write_atomic([(path, dump_notifications(notes))])
