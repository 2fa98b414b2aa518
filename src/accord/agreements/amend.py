"""``extends``: derive an agreement from another, as a pure function of two mappings.

Rules (documented in docs/agreement-format.md):

- ``remove: {section: [ids]}`` first drops items by id (sections: ``categories``,
  ``counting`` (by category), ``limits``, ``freezes``, ``conditions`` and
  ``regime.data_exchanges``, ``regime.notifications``, ``regime.inspections``);
- then mappings merge key by key, recursively;
- lists of items with ids merge by id: an item with a known id updates that item field by
  field, a new id is appended;
- any other value (a scalar, a list of scalars such as a limit's ``categories``) replaces
  the base value.

The base is never modified; the result is a new mapping.
"""

from __future__ import annotations

import copy
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
    "data_exchanges": "id",
    "notifications": "id",
    "inspections": "id",
}

#: Keys of a derived file that describe the derivation itself and are not inherited.
NOT_INHERITED = ("extends", "remove")


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
            out[k] = _merge(base[k], v, str(k)) if k in base else copy.deepcopy(v)
            if hasattr(child, "key_lines") and str(k) in child.key_lines:
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
    resolved = _copy_dict(base)
    if "remove" in child:
        resolved = _remove(resolved, child["remove"], file)
    for k in NOT_INHERITED:
        resolved.pop(k, None)
    body = {k: v for k, v in child.items() if k not in NOT_INHERITED}
    child_body = _copy_dict(child)
    child_body.clear()
    child_body.update(body)
    merged = _merge(resolved, child_body, None)
    merged["extends"] = child.get("extends")
    return merged
