"""The limits on what accord reads: one place for every bound on an input.

A real file never comes near these numbers; a hostile or broken one is refused with one line
``file:line: field: problem`` (exit code 2 in the CLI) before anything is written. Each limit is
a module constant, read once when this module is first imported, and each can be overridden by
an environment variable ``ACCORD_MAX_<NAME>`` (a whole number >= 1), e.g.
``ACCORD_MAX_DECLARATION_BYTES=1073741824 accord exchange replay ...``. docs/limits.md lists
them. An override that is not a whole number >= 1 is an InputError naming the variable.

Code reads the constants through the module (``limits.MAX_DEPTH``), never by copying them at
import time, so that one value holds everywhere.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InputError

MiB = 1 << 20


@dataclass(frozen=True)
class Limit:
    """One limit: its ``name`` (the environment variable is ``ACCORD_MAX_<name>``), its default
    and what it bounds."""

    name: str
    default: int
    what: str
    #: The largest value an override may take (Python itself refuses longer integers).
    ceiling: int | None = None

    @property
    def env(self) -> str:
        return f"ACCORD_MAX_{self.name}"

    def value(self, environ: Mapping[str, str] | None = None) -> int:
        """The default, or the override in ``environ`` (``os.environ`` by default)."""
        raw = (os.environ if environ is None else environ).get(self.env)
        if raw is None or not raw.strip():
            return self.default
        text = raw.strip().replace("_", "")
        if not text.isdigit() or len(text) > 19 or int(text) < 1:
            raise InputError(f"must be a whole number >= 1, not {raw[:40]!r}", field=self.env)
        n = int(text)
        if self.ceiling is not None and n > self.ceiling:
            raise InputError(f"must be at most {self.ceiling:,}, not {n:,}", field=self.env)
        return n


#: Every limit, in the order docs/limits.md lists them.
LIMITS: tuple[Limit, ...] = (
    Limit("AGREEMENT_BYTES", 4 * MiB, "size of an agreement file (YAML), each file of an `extends:` chain"),
    Limit("VOCABULARY_BYTES", 1 * MiB, "size of a vocabulary file (YAML)"),
    Limit("HOLDINGS_BYTES", 256 * MiB, "size of a holdings file (`accord check --data`: CSV, JSON or YAML)"),
    Limit("DECLARATION_BYTES", 256 * MiB, "size of a declaration file (accord.declaration/v1 JSON)"),
    Limit("NOTIFICATIONS_BYTES", 256 * MiB, "size of a notifications file (JSON lines)"),
    Limit("DEPTH", 64, "nesting of mappings and lists in a JSON or YAML file"),
    Limit("ALIAS_NODES", 100_000, "nodes that YAML aliases (`*name`) may add to a document once expanded"),
    Limit("INT_DIGITS", 100, "digits of an integer in a JSON or YAML file", ceiling=4300),
    Limit("COUNT", 1_000_000, "one count in a holdings file (items or warheads of one category)"),
    Limit("WARHEADS", 1_000_000, "warheads on one item record (declarations, notifications, itemized holdings)"),
    Limit("PAYLOAD_BYTES", 1 * MiB, "canonical bytes of one ledger entry's payload (refused before it is signed)"),
    Limit("PAYLOAD_DEPTH", 100, "nesting of a ledger entry's payload, counted as RFC 8785 containers"),
    Limit("REQUEST_BYTES", 2 * MiB, "body of one HTTP request to a log server or witness (add-entry, add-checkpoint)"),
    Limit("REQUEST_SECONDS", 30, "seconds a log server or witness gives a connection to send a whole request head and "
          "a request its body (408), and a log server itself to commit an entry (503)"),
    Limit("CAPS", 1_000, "caps in one cap-level or capacity analysis (`accord caps --range`, `accord capacity --cap`)"),
    Limit("ZK_PROOF_BYTES", 16 * MiB, "size of a zero-knowledge cap proof, witness or openings file (`accord zk`)"),
    Limit("ZK_BITS", 65_536, "bits one cap proof covers: items × bits per item + the cap's bits (bounds the work)"),
)

_BY_NAME = {lim.name: lim for lim in LIMITS}

MAX_AGREEMENT_BYTES = _BY_NAME["AGREEMENT_BYTES"].value()
MAX_VOCABULARY_BYTES = _BY_NAME["VOCABULARY_BYTES"].value()
MAX_HOLDINGS_BYTES = _BY_NAME["HOLDINGS_BYTES"].value()
MAX_DECLARATION_BYTES = _BY_NAME["DECLARATION_BYTES"].value()
MAX_NOTIFICATIONS_BYTES = _BY_NAME["NOTIFICATIONS_BYTES"].value()
MAX_DEPTH = _BY_NAME["DEPTH"].value()
MAX_ALIAS_NODES = _BY_NAME["ALIAS_NODES"].value()
MAX_INT_DIGITS = _BY_NAME["INT_DIGITS"].value()
MAX_COUNT = _BY_NAME["COUNT"].value()
MAX_WARHEADS = _BY_NAME["WARHEADS"].value()
MAX_PAYLOAD_BYTES = _BY_NAME["PAYLOAD_BYTES"].value()
MAX_PAYLOAD_DEPTH = _BY_NAME["PAYLOAD_DEPTH"].value()
MAX_REQUEST_BYTES = _BY_NAME["REQUEST_BYTES"].value()
MAX_REQUEST_SECONDS = _BY_NAME["REQUEST_SECONDS"].value()
MAX_CAPS = _BY_NAME["CAPS"].value()
MAX_ZK_PROOF_BYTES = _BY_NAME["ZK_PROOF_BYTES"].value()
MAX_ZK_BITS = _BY_NAME["ZK_BITS"].value()


def limit(name: str) -> Limit:
    """The :class:`Limit` called ``name`` (``"DEPTH"``, ``"COUNT"`` …)."""
    return _BY_NAME[name]


def _maximum(name: str) -> int:
    value: int = globals()[f"MAX_{name}"]
    return value


def _too_big(maximum: int, name: str, file: str, size: int | None = None) -> InputError:
    have = f"{size:,} bytes, " if size is not None else ""
    return InputError(f"file is {have}over the limit of {maximum:,} bytes (set ACCORD_MAX_{name} to raise it)",
                      file=file)


def _cannot_read(err: OSError | ValueError, file: str) -> InputError:
    reason = err.strerror if isinstance(err, OSError) and err.strerror else "not a usable file name" \
        if isinstance(err, ValueError) else "not readable"
    return InputError(f"cannot read file: {reason}", file=file)


def read_text(path: str | os.PathLike[str], name: str, *, encoding: str = "utf-8-sig") -> str:
    """The text of the file at ``path``, at most ``MAX_<name>`` bytes (``name`` is
    ``"HOLDINGS_BYTES"``, ``"DECLARATION_BYTES"`` …). A missing or unreadable file (a directory,
    a name too long, a NUL byte in the name), a file over the limit and text that is not UTF-8
    are one-line InputErrors naming the file. A byte-order mark is dropped."""
    file = str(path)
    maximum = _maximum(name)
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > maximum:
                raise _too_big(maximum, name, file, st.st_size)
            data = f.read(maximum + 1)
    except (OSError, ValueError) as err:
        raise _cannot_read(err, file) from None
    if len(data) > maximum:
        raise _too_big(maximum, name, file)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(f"not UTF-8 text: {err.reason} (byte {err.start:,})", file=file, line=line) from None


def read_lines(path: str | os.PathLike[str], name: str) -> Generator[str, None, None]:
    """The lines of the text file at ``path`` (split at ``\\n``; a byte-order mark dropped),
    streamed; the file may hold at most ``MAX_<name>`` bytes. Errors as :func:`read_text`, text
    that is not UTF-8 naming its line."""
    file = str(path)
    maximum = _maximum(name)
    n = 0
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > maximum:
                raise _too_big(maximum, name, file, st.st_size)
            total = 0
            for raw in f:
                n += 1
                total += len(raw)
                if total > maximum:
                    raise _too_big(maximum, name, file)
                try:
                    yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
                except UnicodeDecodeError as err:
                    raise InputError(f"not UTF-8 text: {err.reason} (byte {err.start:,} of the line)", file=file,
                                     line=n) from None
    except (OSError, ValueError) as err:
        raise _cannot_read(err, file) from None


class _LongInteger(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text) - (text[:1] == "-") > MAX_INT_DIGITS:
        raise _LongInteger(text)
    return int(text)


_DECODER = json.JSONDecoder(parse_int=_parse_int)


def json_decoder() -> json.JSONDecoder:
    """A JSON decoder that refuses integers of more than ``MAX_INT_DIGITS`` digits (raising a
    ValueError; :func:`parse_json` says which line); nesting is left to the caller."""
    return _DECODER
_DIGITS = re.compile(r"(?<=[\[:,\s])-?\d+")


def parse_json(text: str, *, file: str | None, line: int | None = None, what: str = "malformed JSON") -> Any:
    """``json.loads(text)`` within the limits: an integer of more than ``MAX_INT_DIGITS`` digits
    and nesting deeper than ``MAX_DEPTH`` are refused, like bad JSON, with one line
    ``what: problem`` naming ``file`` and the line (``line`` for a line of JSON lines)."""
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: {exc.msg} (column {exc.colno})", file=file,
                         line=exc.lineno if line is None else line) from None
    except _LongInteger:
        at = next((m.start() for m in _DIGITS.finditer(text) if len(m.group()) > MAX_INT_DIGITS), 0)
        raise InputError(f"{what}: an integer of more than {MAX_INT_DIGITS} digits", file=file,
                         line=text.count("\n", 0, at) + 1 if line is None else line) from None
    except RecursionError:
        raise InputError(f"{what}: nested too deeply (more than {MAX_DEPTH} levels deep)", file=file,
                         line=line) from None
    except ValueError as exc:  # an integer Python itself will not convert
        raise InputError(f"{what}: {str(exc).split(';')[0]}", file=file, line=line) from None
    if (text.count("[") + text.count("{") > MAX_DEPTH) and too_deep(value, MAX_DEPTH):
        raise InputError(f"{what}: nested too deeply (more than {MAX_DEPTH} levels deep)", file=file, line=line)
    return value


def too_deep(value: object, maximum: int) -> bool:
    """Whether ``value`` (parsed JSON: dicts, lists and scalars) nests more than ``maximum``
    containers deep. Iterative: a value of any depth is measured without recursion."""
    stack: list[tuple[object, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        if depth > maximum:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                push((child, depth + 1))
    return False


__all__ = [
    "LIMITS", "MAX_AGREEMENT_BYTES", "MAX_ALIAS_NODES", "MAX_CAPS", "MAX_COUNT", "MAX_DECLARATION_BYTES", "MAX_DEPTH",
    "MAX_HOLDINGS_BYTES", "MAX_INT_DIGITS", "MAX_NOTIFICATIONS_BYTES", "MAX_VOCABULARY_BYTES", "MAX_WARHEADS",
    "Limit", "json_decoder", "limit", "parse_json", "read_lines", "read_text", "too_deep",
]
