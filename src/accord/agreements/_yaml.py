"""YAML with positions: every mapping remembers its file and the line of each key.

PyYAML drops positions after parsing; accord's errors must name the line, so the loader
builds :class:`LineDict` mappings instead of plain dicts. Duplicate keys are an error
(PyYAML would silently keep the last one). Hostile files are one-line errors too, within the
limits of :mod:`accord.limits`: a file over its size limit, nesting deeper than
``MAX_DEPTH`` (PyYAML's composer recurses), an alias to the node that contains it, aliases that
expand to more than ``MAX_ALIAS_NODES`` nodes (a "billion laughs" file is a few hundred bytes
that every later walk of the data would expand), an integer of more than ``MAX_INT_DIGITS``
digits, and characters YAML does not allow (control characters).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .. import limits
from ..errors import InputError


def _cut(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters (a 5,000-digit number stays one short line)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class LineDict(dict[Any, Any]):
    """A dict that knows the file and line it came from, and the line of each key."""

    file: str | None
    line: int | None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, file: str | None = None, line: int | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.file = file
        self.line = line
        self.key_lines = {}
        self.key_files: dict[str, str | None] = {}

    def file_of(self, key: str | None) -> str | None:
        """The file that set ``key`` (a derived agreement mixes two files)."""
        return self.key_files.get(key, self.file) if key is not None else self.file

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` if known, else the line of the mapping itself."""
        return self.key_lines.get(key, self.line)

    def error(self, key: str | None, problem: str, field: str | None = None) -> InputError:
        """An InputError located at ``key`` of this mapping."""
        line = self.line_of(key) if key is not None else self.line
        return InputError(problem, file=self.file_of(key), line=line, field=field or key)


def _construct(loader: yaml.SafeLoader, node: yaml.Node, filename: str, field: str | None) -> Any:
    """Build one value; PyYAML raises plain ValueErrors for impossible dates (2020-02-30)."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"invalid value {_cut(repr(node.value), 60)}: {_cut(str(err))}"
                         if isinstance(node, yaml.ScalarNode) else f"invalid value: {_cut(str(err))}",
                         file=filename, line=node.start_mark.line + 1, field=field) from None


def _make_loader(filename: str) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        """Composes with a depth limit, no recursive aliases and a bound on alias expansion."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0
            self._open: set[str] = set()  # anchors whose node is being composed
            self._sizes: dict[str, int] = {}  # anchor -> nodes in its expanded node
            self._nodes = 0  # nodes composed so far, aliases expanded
            self._alias_nodes = 0  # of which added by aliases

        def _fail(self, problem: str, mark: Any) -> InputError:
            return InputError(problem, file=filename, line=mark.line + 1 if mark else None)

        def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            anchor: str | None = event.anchor
            if self.check_event(yaml.AliasEvent):
                if anchor in self._open:
                    raise self._fail(f"alias *{anchor} refers to the node that contains it", event.start_mark)
                node = super().compose_node(parent, index)
                size = self._sizes.get(anchor or "", 1)
                self._nodes += size
                self._alias_nodes += size
                if self._alias_nodes > limits.MAX_ALIAS_NODES:
                    raise self._fail(f"aliases expand to more than {limits.MAX_ALIAS_NODES:,} nodes",
                                     event.start_mark)
                return node
            if self._depth >= limits.MAX_DEPTH:
                raise self._fail(f"nested too deeply (more than {limits.MAX_DEPTH} levels deep)", event.start_mark)
            if anchor is not None:
                self._open.add(anchor)
            before = self._nodes
            self._depth += 1
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
            self._nodes += 1
            if anchor is not None:
                self._open.discard(anchor)
                self._sizes[anchor] = self._nodes - before
            return node

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
        loader.flatten_mapping(node)
        out = LineDict(file=filename, line=node.start_mark.line + 1)
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = _construct(loader, key_node, filename, None)
            try:
                hash(key)
            except TypeError:
                raise InputError("a mapping key must be a plain value", file=filename, line=line) from None
            if isinstance(key, str) and not key.isprintable():  # a field name is one line of text
                raise InputError(f"a mapping key may not hold control characters: {_cut(repr(key), 60)}",
                                 file=filename, line=line)
            if key in out:
                raise InputError(f"duplicate key {_cut(repr(key), 60)}", file=filename, line=line,
                                 field=_cut(str(key), 80))
            out[key] = _construct(loader, value_node, filename, str(key))
            out.key_lines[str(key)] = line
        return out

    def construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        value = None if digits > 4 * limits.MAX_INT_DIGITS else loader.construct_yaml_int(node)
        if value is None or len(str(abs(value))) > limits.MAX_INT_DIGITS:
            raise InputError(f"an integer of more than {limits.MAX_INT_DIGITS} digits ({_cut(str(node.value), 40)})",
                             file=filename, line=node.start_mark.line + 1)
        return value

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return Loader


def _one_line(text: str) -> str:
    """``text`` with its whitespace runs (newlines too) as single spaces."""
    return " ".join(text.split())


def load_yaml_text(text: str, filename: str) -> Any:
    """Parse YAML text; a syntax error becomes an InputError naming file and line."""
    try:
        return yaml.load(text, Loader=_make_loader(filename))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = _one_line(err.problem or err.context or "malformed YAML")
        raise InputError(f"malformed YAML: {_cut(problem)}", file=filename, line=line) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow (a control character)
        line = text.count("\n", 0, err.position) + 1
        char = f"#x{err.character:04x}" if isinstance(err.character, int) else repr(err.character)
        raise InputError(f"malformed YAML: character {char} is not allowed in YAML", file=filename,
                         line=line) from None
    except yaml.YAMLError as err:
        raise InputError(f"malformed YAML: {_cut(_one_line(str(err)))}", file=filename) from None
    except RecursionError:  # defence in depth: the composer's depth limit comes first
        raise InputError(f"nested too deeply (more than {limits.MAX_DEPTH} levels deep)", file=filename) from None


def load_yaml_file(path: Path | str, limit: str = "AGREEMENT_BYTES") -> Any:
    """Read and parse a YAML file of at most ``MAX_<limit>`` bytes (:mod:`accord.limits`); an
    unreadable file, one over the limit and text that is not UTF-8 are InputErrors."""
    text = limits.read_text(path, limit, encoding="utf-8")
    return load_yaml_text(text, str(path))


def locate(ref: str, directory: Path, what: str, *, relative_to: Path | None = None, file: str | None = None,
           line: int | None = None, field: str | None = None) -> Path:
    """The YAML file ``ref`` names: a path (it ends in ``.yaml``/``.yml`` or holds a slash;
    relative to ``relative_to`` when given) or a built-in id, ``directory/ID.yaml``. A missing
    file is an InputError naming where it was referred to; an unknown id lists the built-in ones."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        p = Path(ref)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        if not _is_file(p):
            raise InputError(f"no {what} file {_cut(ref, 80)!r}", file=file, line=line, field=field)
        return p
    p = directory / f"{ref}.yaml"
    if not _is_file(p):
        known = ", ".join(sorted(q.stem for q in directory.glob("*.yaml")))
        raise InputError(f"unknown {what} {_cut(ref, 80)!r} (built-in: {known})", file=file, line=line, field=field)
    return p


def _is_file(p: Path) -> bool:
    """``p.is_file()``, false for a name the system refuses (too long, a NUL byte) rather than
    an OSError."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False
