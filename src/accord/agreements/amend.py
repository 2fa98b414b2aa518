"""``extends``: derive an agreement from another, as a pure function of two mappings.

Rules (documented in docs/agreement-format.md):

- ``remove: {section: [ids]}`` first drops items by id (sections: ``categories``,
  ``counting`` (by category), ``limits``, ``freezes``, ``conditions``, ``suspensions`` and
  ``regime.data_exchanges``, ``regime.notifications``, ``regime.inspections``);
- then mappings merge key by key, recursively;
- lists of items with ids merge by id: an item with a known id updates that item field by
  field, a new id is appended;
- any other value (a scalar, a list of scalars such as a limit's ``categories``) replaces
  the base value;
- a ``source`` (of any clause) and each entry of ``sources:`` is replaced whole, never merged
  field by field with the base's (a new ``document`` must not keep the base's URL).

A derived clause owns its provenance: a child that changes a clause of its base (any field
other than ``source``, ``legal_form`` and ``note``) must give that clause its own ``source``,
and its own ``legal_form`` where the clause has one (limits, freezes and the agreement
itself). Inheriting the base's is an InputError naming the file, line and field; so is a
clause's ``source`` that restates the base clause's word for word, and so is removing a clause and
adding it back changed (it is compared with the clause removed). A derived agreement has its
own ``id``, never its base's.

The base is never modified; the result is a new mapping.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ._yaml import LineDict

#: The key that identifies items in each id-keyed list.
ITEM_KEYS: dict[str, str] = {
    "categories": "id",
    "counting": "category",
    "limits": "id",
    "freezes": "id",
    "conditions": "id",
    "suspensions": "id",
    "data_exchanges": "id",
    "notifications": "id",
    "inspections": "id",
}

#: Keys of a derived file that describe the derivation itself and are not inherited.
NOT_INHERITED = ("extends", "remove")

#: Fields that say where a clause comes from rather than what it says: a child that sets only
#: these has not changed the clause.
PROVENANCE_FIELDS = ("source", "legal_form", "note")

#: Top-level keys that hold clauses of their own (checked clause by clause), not fields of the
#: agreement's own top-level clause.
CONTAINERS = ("sources", "dates", "categories", "counting", "limits", "freezes", "conditions", "suspensions",
              "regime", *NOT_INHERITED)

#: Id-keyed sections whose clauses state a legal form of their own.
WITH_LEGAL_FORM = ("limits", "freezes")


def _key_of(section: str) -> str | None:
    return ITEM_KEYS.get(section)


def _copy_dict(src: Mapping[str, Any]) -> LineDict:
    out = LineDict(file=getattr(src, "file", None), line=getattr(src, "line", None))
    out.update(src)
    out.key_lines = dict(getattr(src, "key_lines", {}))
    out.key_files = dict(getattr(src, "key_files", {}))
    return out


def _merge(base: Any, child: Any, section: str | None) -> Any:
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        out = _copy_dict(base)
        for k, v in child.items():
            # a source is one citation: merging it with the base's would mix two documents
            whole = k == "source" or section == "sources"
            out[k] = _merge(base[k], v, str(k)) if k in base and not whole else copy.deepcopy(v)
            if isinstance(child, LineDict) and str(k) in child.key_lines:
                out.key_lines[str(k)] = child.key_lines[str(k)]
                out.key_files[str(k)] = child.file_of(str(k))
        # positions of keys the child did not mention stay those of the base file
        return out
    key = _key_of(section or "")
    if (key and isinstance(base, list) and isinstance(child, list)
            and all(isinstance(x, Mapping) for x in (*base, *child))):
        out_list = list(base)
        index = {item.get(key): i for i, item in enumerate(out_list) if isinstance(item, Mapping)}
        seen_in_child: set[Any] = set()
        for item in child:
            if isinstance(item, Mapping) and item.get(key) is not None:
                if item.get(key) in seen_in_child:
                    raise InputError(f"duplicate id {item.get(key)!r}", file=getattr(item, "file", None),
                                     line=getattr(item, "line", None), field=f"{section}.{key}")
                seen_in_child.add(item.get(key))
            if isinstance(item, Mapping) and item.get(key) in index:
                i = index[item.get(key)]
                out_list[i] = _merge(out_list[i], item, None)
            else:
                out_list.append(copy.deepcopy(item))
                if isinstance(item, Mapping):
                    index[item.get(key)] = len(out_list) - 1
        return out_list
    return copy.deepcopy(child)


def _remove(base: LineDict, removals: Any, file: str | None) -> LineDict:
    if not isinstance(removals, Mapping):
        raise InputError("must map section names to lists of ids", file=file, field="remove")
    out = _copy_dict(base)
    for section, ids in removals.items():
        line = getattr(removals, "key_lines", {}).get(str(section))
        path = str(section).split(".")
        parent: Any = out
        for part in path[:-1]:
            if not isinstance(parent.get(part), Mapping):
                raise InputError(f"no section {section!r} in the base agreement", file=file,
                                 line=line, field=f"remove.{section}")
            parent[part] = _copy_dict(parent[part])
            parent = parent[part]
        last = path[-1]
        key = _key_of(last)
        items = parent.get(last)
        if key is None or not isinstance(items, list):
            raise InputError(f"no id-keyed section {section!r} in the base agreement",
                             file=file, line=line, field=f"remove.{section}")
        if not isinstance(ids, list):
            raise InputError("must be a list of ids", file=file, line=line, field=f"remove.{section}")
        present = {item.get(key) for item in items if isinstance(item, Mapping)}
        for rid in ids:
            if rid not in present:
                raise InputError(f"cannot remove unknown id {rid!r}", file=file, line=line,
                                 field=f"remove.{section}")
        parent[last] = [item for item in items if item.get(key) not in set(ids)]
    return out


def derive(base: Mapping[str, Any], child: Mapping[str, Any]) -> LineDict:
    """The resolved mapping of ``child`` applied to ``base`` (both left unchanged)."""
    file = getattr(child, "file", None)
    _check_id(base, child, file)
    resolved = _copy_dict(base)
    if "remove" in child:
        resolved = _remove(resolved, child["remove"], file)
    for k in NOT_INHERITED:
        resolved.pop(k, None)
    body = {k: v for k, v in child.items() if k not in NOT_INHERITED}
    child_body = _copy_dict(child)
    child_body.clear()
    child_body.update(body)
    merged: LineDict = _merge(resolved, child_body, None)
    merged["extends"] = child.get("extends")
    # against the base as it was before `remove`: removing a clause and adding it back changed
    # is changing it
    _check_provenance(base, child, merged)
    return merged


def _check_id(base: Mapping[str, Any], child: Mapping[str, Any], file: str | None) -> None:
    """A derived agreement is another agreement: it may not go by its base's id (its findings
    would be reported as the base's, under the base's title, source and legal form)."""
    lines = getattr(child, "key_lines", {})
    if child.get("id") is None:
        raise InputError(f"a derived agreement needs its own id (it extends {base.get('id')!r})", file=file,
                         line=lines.get("extends", getattr(child, "line", None)), field="id")
    if child.get("id") == base.get("id"):
        raise InputError(f"a derived agreement needs its own id, not its base's ({base.get('id')!r})",
                         file=file, line=lines.get("id"), field="id")


# ----------------------------------------------------------------------------- provenance


def _differs(base: Any, child: Any) -> bool:
    """Whether merging ``child`` over ``base`` changes the value (a mapping changes when any
    key the child gives differs)."""
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        return any(k not in base or _differs(base[k], v) for k, v in child.items())
    return bool(_plain(base) != _plain(child))


def _plain(value: Any) -> Any:
    """A date as its ISO text (``2018-02-05`` and ``'2018-02-05'`` say the same)."""
    return value.isoformat() if isinstance(value, _dt.date) else value


def _changed_fields(base: Mapping[str, Any], child: Mapping[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    """The fields of one clause that the child changes, in the child's order."""
    return [str(k) for k, v in child.items()
            if k not in PROVENANCE_FIELDS and k not in skip and (k not in base or _differs(base[k], v))]


def _citation(source: Any) -> Any:
    """A source as it is cited, for comparison: ``treaty`` is ``{ref: treaty}``; empty fields
    are left out."""
    if isinstance(source, str):
        return {"ref": source}
    if isinstance(source, Mapping):
        return {str(k): v for k, v in source.items() if v is not None}
    return source


def _require_own(child: Mapping[str, Any], changed: list[str], needs: tuple[str, ...], *, what: str,
                 field: str, base_ref: Any, file: str | None, line: int | None = None,
                 base: Mapping[str, Any] | None = None) -> None:
    """Raise when a clause the child changed lacks a field of ``needs`` of its own; the error
    points at the first changed field (or at ``line`` when the clause is not in the file). A
    ``source`` that restates the ``base`` clause's word for word is the base's, not its own."""
    lines = getattr(child, "key_lines", {})
    for need in needs:
        if need in child and child[need] is not None:
            if (need == "source" and base is not None and base.get("source") is not None
                    and _citation(child["source"]) == _citation(base["source"])):
                raise InputError(
                    f"{what} differs from its base ({base_ref}) in {', '.join(changed)} but cites the base's "
                    f"source unchanged: a changed clause needs its own source",
                    file=getattr(child, "file", None) or file, line=lines.get("source", line),
                    field=_dot(field, need))
            continue
        line = lines.get(changed[0], getattr(child, "line", None) or line)
        raise InputError(
            f"{what} differs from its base ({base_ref}) in {', '.join(changed)} but inherits the base's "
            f"{need}: a changed clause needs its own {need}",
            file=getattr(child, "file", None) or file, line=line, field=_dot(field, need))


_SINGULAR = {"categories": "category", "counting": "counting rule", "limits": "limit", "freezes": "freeze",
             "conditions": "condition", "suspensions": "suspension", "data_exchanges": "data exchange",
             "notifications": "notification", "inspections": "inspection type"}


def _dot(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _check_items(base_items: Any, child_items: Any, merged_items: Any, section: str, path: str,
                 needs: tuple[str, ...], base_ref: Any, file: str | None) -> None:
    key = ITEM_KEYS[section]
    if not isinstance(base_items, list) or not isinstance(child_items, list):
        return
    known = {item.get(key): item for item in base_items if isinstance(item, Mapping)}
    order = [item.get(key) if isinstance(item, Mapping) else None for item in merged_items or ()]
    for item in child_items:
        if not isinstance(item, Mapping) or item.get(key) not in known:
            continue  # a new clause: the loader requires its source like any other
        changed = _changed_fields(known[item.get(key)], item, skip=(key,))
        if changed:
            where = f"{path}[{order.index(item.get(key))}]" if item.get(key) in order else path
            _require_own(item, changed, needs, what=f"{_SINGULAR[section]} {item.get(key)!r}", field=where,
                         base_ref=base_ref, file=file, base=known[item.get(key)])


def _check_provenance(base: Mapping[str, Any], child: Mapping[str, Any], merged: Mapping[str, Any]) -> None:
    """Every clause ``child`` changes in ``base`` has its own source (and legal form)."""
    file = getattr(child, "file", None)
    ref = child.get("extends")
    removals: Mapping[str, Any] = child["remove"] if isinstance(child.get("remove"), Mapping) else {}
    # the agreement itself: its own fields, and the top-level sections it removes from
    changed = _changed_fields(base, child, skip=CONTAINERS)
    changed += [f"remove: {k}" for k in removals if "." not in str(k)]
    if changed:
        # (the agreement itself may cite its base's document: two variants of one proposal)
        _require_own(child, changed, ("source", "legal_form"), what="the derived agreement", field="",
                     base_ref=ref, file=file)
    for section in ("categories", "counting", "limits", "freezes", "conditions", "suspensions"):
        needs = ("source", "legal_form") if section in WITH_LEGAL_FORM else ("source",)
        _check_items(base.get(section), child.get(section), merged.get(section), section, section, needs,
                     ref, file)
    dates, child_dates = base.get("dates"), child.get("dates")
    if isinstance(dates, Mapping) and isinstance(child_dates, Mapping):
        for k, clause in child_dates.items():
            if k in dates and isinstance(clause, Mapping) and isinstance(dates[k], Mapping):
                changed = _changed_fields(dates[k], clause)
                if changed:
                    _require_own(clause, changed, ("source",), what=f"date {k!r}", field=f"dates.{k}",
                                 base_ref=ref, file=file, base=dates[k])
    regime, child_regime = base.get("regime"), child.get("regime")
    if isinstance(regime, Mapping):
        mine: Mapping[str, Any] = child_regime if isinstance(child_regime, Mapping) else {}
        lists = ("data_exchanges", "notifications", "inspections")
        changed = _changed_fields(regime, mine, skip=lists)
        changed += [f"remove: {k}" for k in removals if str(k).startswith("regime.")]
        if changed:
            line = getattr(child, "key_lines", {}).get("regime" if mine else "remove")
            _require_own(mine, changed, ("source",), what="the regime", field="regime", base_ref=ref,
                         file=file, line=line, base=regime)
        merged_regime: Mapping[str, Any] = merged["regime"] if isinstance(merged.get("regime"), Mapping) else {}
        for section in lists:
            _check_items(regime.get(section), mine.get(section), merged_regime.get(section), section,
                         f"regime.{section}", ("source",), ref, file)
