"""Limit kinds as plug-ins: one module per kind, found by :func:`discover`.

Each public module of this package defines one :class:`~.base.Rule` subclass with its YAML
``kind`` (``limit``, ``freeze``, ``ban``, ``coalition`` …). Adding a kind is adding one module:
the registry imports every module here (``pkgutil``) and maps each rule's ``kind`` to it.
:data:`REGISTRY` is what ``accord.app.library`` passes to the agreement loader.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable

from ...agreements.kinds import Clause
from .base import Context, PartyRule, Rule


class Registry:
    """Kind name → rule class; implements the loader's ``KindRegistry`` protocol."""

    def __init__(self, rules: Iterable[type[Rule]]) -> None:
        self._rules: dict[str, type[Rule]] = {}
        self._defaults: dict[str, str] = {}
        for rule in rules:
            if rule.kind in self._rules:
                raise ValueError(f"two rules for kind {rule.kind!r}")
            self._rules[rule.kind] = rule
            if rule.default_for is not None:
                if rule.default_for in self._defaults:
                    raise ValueError(f"two default kinds for {rule.default_for!r}")
                self._defaults[rule.default_for] = rule.kind

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._rules))

    def with_rules(self, *rules: type[Rule]) -> Registry:
        """This registry plus ``rules`` (e.g. a kind defined outside the package, in a test)."""
        return Registry([*self._rules.values(), *rules])

    def default_kind(self, section: str) -> str | None:
        return self._defaults.get(section)

    def rule(self, kind: str) -> type[Rule]:
        return self._rules[kind]

    def parse(self, kind: str, clause: Clause) -> Rule:
        return self._rules[kind].parse(clause)


def discover() -> Registry:
    """A registry of the concrete rules defined in this package's modules."""
    found: list[type[Rule]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, Rule) and obj.__module__ == module.__name__ and not inspect.isabstract(obj)]
    return Registry(found)


REGISTRY = discover()

__all__ = ["REGISTRY", "Context", "PartyRule", "Registry", "Rule", "discover"]
