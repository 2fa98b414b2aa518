"""Violation scenarios as plug-ins: each module of this package is one scenario.

A scenario module defines ``NAME`` (the name users type), a frozen ``Params`` dataclass extending
:class:`CommonParams` whose fields are declared with :func:`param` (help, unit, bounds), and a pure
``evaluate(params, context) -> Result``; its docstring's first paragraph is its summary. The
registry below discovers every public module of the package, so adding a scenario is one new file
(plus its docs). The CLI options of ``accord detect scenario NAME`` and the grid variables of
``accord detect sweep scenario NAME`` are generated from ``Params``.

The facts of one agreement and party (quotas, deployed systems, declared counts) come in a
:class:`Context`, built by a treaty profile (``accord.profiles.<family>.scenario_inputs``) or by
hand; nothing here names a treaty or a weapon system.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ...errors import InputError
from ..result import Result
from ._common import (
    SCHEMA_SCENARIO,
    Bounds,
    CommonParams,
    Context,
    Figure,
    Gap,
    MissileSystem,
    ParamInfo,
    describe,
    param,
)

__all__ = [
    "SCHEMA_SCENARIO", "Bounds", "CommonParams", "Context", "Figure", "Gap", "MissileSystem", "ParamInfo",
    "Scenario", "ScenarioQuestion", "describe", "evaluate", "get", "names", "param", "registry",
]

#: Result fields that describe the run or repeat a parameter (left out of sweep rows).
_RUN_FIELDS = ("scenario", "agreement", "party", "as_of", "confidence_target")
#: The headline figures, first in a sweep row (the first is the default y axis of a plot).
_HEADLINE = ("probability_per_year", "probability_within_years", "probability_per_inspection",
             "expected_years_to_detection", "quota_needed")


@dataclass(frozen=True)
class Scenario:
    """One registered scenario: its name, summary, parameter class and evaluation."""

    name: str
    summary: str
    params: type[CommonParams]
    evaluate: Callable[[Any, Context], Result]
    module: str

    def parameters(self) -> tuple[ParamInfo, ...]:
        """Its declared parameters (scenario-specific first)."""
        return describe(self.params)

    def build(self, values: Mapping[str, Any]) -> CommonParams:
        """Its ``Params`` from named values; ``None`` means "not given". Unknown names, missing
        required fields and values out of bounds are one-line InputErrors naming the field."""
        from ._common import build_params

        return build_params(self.params, self.name, values)  # type: ignore[no-any-return]


def _load(module: ModuleType) -> Scenario:
    for attr in ("NAME", "Params", "evaluate"):
        if not hasattr(module, attr):
            raise TypeError(f"scenario module {module.__name__} has no {attr}")
    if not (isinstance(module.Params, type) and issubclass(module.Params, CommonParams)):
        raise TypeError(f"{module.__name__}.Params must extend CommonParams")
    doc = (module.__doc__ or "").strip().split("\n\n")[0]
    return Scenario(module.NAME, " ".join(doc.split()), module.Params, module.evaluate, module.__name__)


@functools.cache
def registry() -> dict[str, Scenario]:
    """Every scenario module of this package (those not starting with ``_``), by name, sorted."""
    found: dict[str, Scenario] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        s = _load(importlib.import_module(f"{__name__}.{info.name}"))
        if s.name in found:
            raise TypeError(f"two scenarios named {s.name!r}: {found[s.name].module} and {s.module}")
        found[s.name] = s
    return dict(sorted(found.items()))


def names() -> tuple[str, ...]:
    """The registered scenario names."""
    return tuple(registry())


def get(name: str) -> Scenario:
    """The scenario called ``name``; an unknown name is an InputError listing the known ones."""
    try:
        return registry()[name]
    except KeyError:
        raise InputError(f"unknown scenario {name!r}; choose one of {', '.join(names())}",
                         field="scenario") from None


def evaluate(name: str, params: CommonParams | Mapping[str, Any], context: Context) -> Result:
    """Evaluate scenario ``name`` with ``params`` (its ``Params``, or named values) against
    ``context``. Pure: everything it needs is in its arguments."""
    scenario = get(name)
    if not isinstance(params, scenario.params):
        if isinstance(params, CommonParams):
            raise InputError(f"{type(params).__module__}.Params given to the {name} scenario", field="params")
        params = scenario.build(params)
    return scenario.evaluate(params, context)


# -- sweeps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioQuestion:
    """A scenario as a sweep question: called with one grid point (named parameter values), it
    evaluates the scenario against ``context`` and returns the scalar figures of the result.

    ``fixed`` holds the parameters that are not swept. Everything pickles, so the question runs on
    a process pool or a Dask cluster (``accord.detection.sweep.run_sweep``).
    """

    name: str
    context: Context
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def params(self, point: Mapping[str, Any]) -> CommonParams:
        """The ``Params`` of one grid point (an InputError naming the field if out of bounds)."""
        return get(self.name).build({**self.fixed, **point})

    def check(self, points: Sequence[Mapping[str, Any]]) -> None:
        """Validate every grid point before any is dispatched (errors stay one line)."""
        for p in points:
            self.params(p)

    def __call__(self, **point: Any) -> dict[str, Any]:
        result = get(self.name).evaluate(self.params(point), self.context)
        skip = set(_RUN_FIELDS) | {i.name for i in get(self.name).parameters()}
        values = result.values
        keys = [k for k in _HEADLINE if k in values] + [k for k in values if k not in _HEADLINE]
        return {k: values[k] for k in keys if k not in skip and not isinstance(values[k], (list, tuple, dict))}
