"""Mutation strategies and a watchdog shared by the fuzz tests (tests/test_fuzz_inputs.py,
tests/ledger/test_ledger_fuzz.py).

``mutants(seed, kind)`` mutates a valid file byte by byte (``byte_mutant``) or value by value
(``value_mutant``: ``kind`` is ``yaml``, ``json``, ``jsonl``, ``csv`` or ``text``, the last for
line- and ``+``-separated formats such as keys, checkpoint notes and proof bundles). ``Hang``
is what the ``SIGALRM`` watchdog raises inside a command that has not ended after
``WATCHDOG_S`` seconds.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import strategies as st

#: Seconds one command may run before it counts as hung (each takes well under one second).
WATCHDOG_S = 60

#: Byte strings that break parsers and validators: bad UTF-8, control characters, brackets,
#: huge and negative numbers, YAML tags, aliases and anchors, a byte-order mark.
TOKENS = [b"\xff", b"\xc3", b"\x00", b"\x01", b"\x1b", b"\t", b"\r", b"\n", b"\xef\xbb\xbf", "\u2028".encode(),
          b"[", b"]", b"{", b"}", b"[" * 200, b"{\"a\":" * 120, b"-1", b"0", b"9" * 5000, b"9" * 40, b"1e400",
          b"NaN", b"-Infinity", b"true", b"null", b"~", b'"', b"'", b",", b":", b": ", b"- ", b"&a ", b"*a",
          b"*zz", b"!!python/object/apply:os.system ['true']", b"!!binary", b"<<: *a", b"? ", b"%YAML 1.1\n",
          b"---\n", b"2020-02-30", b"0001-01-01", b"9999-12-31", b"\xe2\x80\xae", b"a" * 300]

#: Values that a mutated JSON or YAML structure may take in place of any value.
VALUES: list[Any] = [None, True, False, 0, -1, 7, 10**7, 10**30, 2**63, 1.5, 1e300, -0.0, "", " ", "x", "\x00",
                     "a\nb", "\u00e9\u4e2d", "9" * 120, "2020-02-30", "2020-09-01", "1000-01-01", "US", "RU",
                     "deployed", "icbm", "x" * 5000, [], {}, ["a"], [1, 2], {"a": 1}, {"id": "x"}, [["a"]],
                     {"1": {"2": {"3": {"4": [5]}}}}]


def _deep(n: int) -> Any:
    v: Any = 1
    for _ in range(n):
        v = [v]
    return v


VALUES.append(_deep(70))  # deeper than the limit (the byte mutations insert deeper nesting still)


@st.composite
def byte_mutant(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "replace"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 64))]
        elif op == "duplicate":
            data[i:i] = data[i:i + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[i:]
        else:  # a token in place of the word at i
            j = i
            while j < len(data) and data[j:j + 1] not in (b" ", b",", b"\n", b"}", b"]"):
                j += 1
            data[i:j] = draw(st.sampled_from(TOKENS))
    return bytes(data)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for k, v in enumerate(value):
            yield from _paths(v, (*path, k))


def _mutate_value(draw: st.DrawFn, doc: Any) -> Any:
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        new = copy.deepcopy(draw(st.sampled_from(VALUES)))  # a fresh copy: later mutations must not reach VALUES
        if not path:
            doc = new
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["set", "set", "delete", "rename"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["", "x", "id", "items", "a\nb", "9" * 50]))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = new
    return doc


@st.composite
def value_mutant(draw: st.DrawFn, seed: bytes, kind: str) -> bytes:
    """The seed parsed, some of its values replaced, deleted or renamed, and written back."""
    if kind == "yaml":
        doc = _mutate_value(draw, yaml.safe_load(seed))
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()
    if kind == "jsonl":
        lines = _mutate_value(draw, [json.loads(x) for x in seed.decode().splitlines()])
        return "\n".join(json.dumps(x) for x in (lines if isinstance(lines, list) else [lines])).encode() + b"\n"
    if kind == "csv":
        rows = [r.split(",") for r in seed.decode().splitlines()]
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        cell = draw(st.sampled_from(["", "-1", "1.0", "10000001", "9" * 40, "x", "US", "2020-02-30", '"', "a,b",
                                     "\x00", "1,457", " 12 "]))
        if draw(st.booleans()):
            rows[r][c] = cell
        else:
            del rows[r][c:]
        return "\n".join(",".join(row) for row in rows).encode() + b"\n"
    if kind == "text":
        return _mutate_text(draw, seed)
    return json.dumps(_mutate_value(draw, json.loads(seed))).encode()


#: Fields that a mutated line-based file (a key, a checkpoint note, a proof bundle) may take in
#: place of any field: non-ASCII, short, long or wrongly typed base64, bad hex, huge and negative
#: numbers, signature-line prefixes, a header of another format.
TEXT_FIELDS: list[bytes] = [*TOKENS, b"", "\u00e9".encode() * 44, "\u00e9\u4e2d".encode(), b"AAAA", b"A" * 43 + b"=",
                            b"Ag" + b"A" * 42, b"AQ" + b"A" * 42, b"=" * 8, b"ffffffff", b"zzzzzzzz", b"0" * 7,
                            b"18446744073709551616", b"-0", b"1e3", b"0x10", "\u2014 ".encode(), "\u2014 log ".encode(),
                            b"PRIVATE+KEY+", b"c2sp.org/tlog-proof@v1", b"A" * 70_000]


def _mutate_text(draw: st.DrawFn, seed: bytes) -> bytes:
    """Fields (between newlines, spaces and ``+``) replaced, deleted or duplicated; lines
    swapped, duplicated or dropped."""
    parts = re.split(rb"([\n +])", seed)  # fields at even, separators at odd positions
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(parts) - 1))
        op = draw(st.sampled_from(["set", "set", "delete", "duplicate", "lines"]))
        if op == "set":
            parts[i] = draw(st.sampled_from(TEXT_FIELDS))
        elif op == "delete":
            del parts[i]
        elif op == "duplicate":
            parts[i:i] = [parts[i]]
        else:
            lines = b"".join(parts).split(b"\n")
            j, k = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            how = draw(st.sampled_from(["swap", "copy", "drop"]))
            if how == "swap":
                lines[j], lines[k] = lines[k], lines[j]
            elif how == "copy":
                lines.insert(k, lines[j])
            elif len(lines) > 1:
                del lines[j]
            parts = re.split(rb"([\n +])", b"\n".join(lines))
        if not parts:
            parts = [b""]
    return b"".join(parts)


def mutants(seed: bytes, kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(byte_mutant(seed), value_mutant(seed, kind))


class Hang(Exception):
    """Raised by the watchdog inside a command that does not end."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"no result after {WATCHDOG_S} s")
