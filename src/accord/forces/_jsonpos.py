"""The line of a field in JSON text, found after the fact.

``json`` keeps no positions; an error found while reading parsed JSON knows only its field
path (``snapshots[0].counts.deployed_warheads.low``). :func:`line_of` walks the text along that
path, skipping every other value with the decoder itself, so the error can name its line too.
It runs only when there is an error to report: one pass over the text, no second parse tree.
A key in a path is written as :func:`field_name` writes it (control characters escaped).
"""

from __future__ import annotations

import json
import re

_WS = re.compile(r"[ \t\n\r]*")
_SEGMENT = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")
_DECODER = json.JSONDecoder()


def _ws(text: str, i: int) -> int:
    """The position after the whitespace at ``i``."""
    m = _WS.match(text, i)
    return m.end() if m else i


def field_name(name: object) -> str:
    """A key as a field path writes it: control characters escaped, cut to 80 characters."""
    text = str(name)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= 80 else text[:77] + "..."


def _path(field: str) -> list[tuple[str | int, str]] | None:
    """``a[0].b.c`` → ``[('a', 'a[0].b.c'), (0, …), ('b', 'b.c'), ('c', 'c')]``: each part, and
    the rest of the field from it on (a key may hold dots); None when the field is not a path."""
    out: list[tuple[str | int, str]] = []
    pos = 0
    while pos < len(field):
        m = _SEGMENT.match(field, pos)
        if m is None:
            return None
        rest = field[pos + 1:] if field[pos] == "." else field[pos:]
        out.append((int(m.group(1)) if m.group(1) is not None else m.group(2), rest))
        pos = m.end()
    return out


def line_of(text: str, field: str) -> int | None:
    """The 1-based line where ``field`` (a dotted path with ``[i]`` indices) starts in the JSON
    ``text``: the key's line for an object member, the element's for a list item. A key given
    twice is found where json reads it, at its last place; a key holding dots (``name.low``) is
    found whole. Where the path ends early (a missing key), the line of the deepest part found;
    None when not even the first part is there."""
    path = _path(field)
    if not path:
        return None
    found: int | None = None  # the position of the deepest part found so far
    i = _ws(text, 0)
    try:
        for seg, rest in path:
            if isinstance(seg, int):
                at = _element(text, i, seg)
            else:  # the rest of the field as one key first (a key holding dots, below which no list is)
                whole = _member(text, i, rest) if rest != seg and "[" not in rest else None
                if whole is not None:
                    found = whole[0]
                    break
                at = _member(text, i, seg)
            if at is None:
                break
            found, i = at
    except (IndexError, ValueError):  # text that is not the JSON it was parsed from
        pass
    return None if found is None else text.count("\n", 0, found) + 1


def _skip(text: str, i: int) -> int:
    """The position after the value at ``i`` and the whitespace that follows it."""
    return _ws(text, _DECODER.raw_decode(text, i)[1])


def _element(text: str, i: int, index: int) -> tuple[int, int] | None:
    """(where element ``index`` starts, the same) in the list at ``i``; None when absent."""
    if text[i] != "[":
        return None
    i = _ws(text, i + 1)
    for _ in range(index):
        i = _skip(text, i)
        if text[i] != ",":
            return None
        i = _ws(text, i + 1)
    return None if text[i] == "]" else (i, i)


def _member(text: str, i: int, name: str) -> tuple[int, int] | None:
    """(where key ``name`` starts, where its value starts) in the object at ``i``, for the last
    key of that name (the one json keeps); None when absent."""
    if text[i] != "{":
        return None
    found = None
    i = _ws(text, i + 1)
    while text[i] == '"':
        start = i
        key, i = _DECODER.raw_decode(text, i)
        i = _ws(text, _ws(text, i) + 1)  # past the colon, at the value
        if key == name or field_name(key) == name:
            found = start, i
        i = _skip(text, i)
        if text[i] != ",":
            break
        i = _ws(text, i + 1)
    return found
