"""What every scenario shares: the context a profile hands in, parameter declarations and their
validation, and the detection summary every scenario reports.

A scenario's inputs come from two places. The user's choices (how many extra warheads, how many
inspections, the horizon …) are the fields of its frozen ``Params`` dataclass, each declared with
:func:`param` (help, unit, bounds) so the CLI options and the sweep grid can be generated from it.
The facts of one agreement and one party (inspection quotas, deployed missile systems, declared
counts) come in a :class:`Context`, built by a treaty profile or by hand; the scenario code never
names a treaty or a weapon system.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...errors import InputError
from .. import _check

if typing.TYPE_CHECKING:  # pragma: no cover
    from ..year import YearModel

SCHEMA_SCENARIO = "accord.detect.scenario/v1"


# -- the context: what a profile knows about one agreement, party and date ---------------------


@dataclass(frozen=True)
class Figure:
    """A number a profile supplies, with the sentence that says where it comes from.

    ``label`` names the thing counted in prose (e.g. "site inspections"), for assumptions that
    describe it.
    """

    value: int
    sentence: str
    label: str = ""


@dataclass(frozen=True)
class Gap:
    """Why a profile cannot supply an input: the field (option) to give instead, and the reason."""

    field: str
    problem: str


@dataclass(frozen=True)
class MissileSystem:
    """A deployed missile type as the upload scenario sees it: how many are deployed, the warheads
    each is declared to carry, the most each can carry, and where these figures come from."""

    name: str
    deployed: int
    declared_per_missile: int
    max_per_missile: int
    source: str

    def __post_init__(self) -> None:
        for attr in ("deployed", "declared_per_missile", "max_per_missile"):
            value = _check.integer(f"systems[{self.name!r}].{attr}", getattr(self, attr), low=0)
            object.__setattr__(self, attr, value)

    @property
    def headroom(self) -> int:
        """Extra warheads one missile can take beyond its declared loading."""
        return max(self.max_per_missile - self.declared_per_missile, 0)


@dataclass(frozen=True)
class Context:
    """The facts a scenario is evaluated against, for one agreement, party and date.

    ``quotas`` and ``figures`` are keyed by the names each scenario module documents (e.g.
    ``upload.QUOTA``); ``sentences`` holds profile wording for assumptions a scenario would
    otherwise state generically; ``gaps`` says why an input is missing (the error a user sees when a
    scenario needs it). ``regime`` describes the verification provisions in a few words, for
    messages. Every field pickles, so a context can travel to sweep workers.
    """

    agreement: str = "hand-built"
    party: str = ""
    as_of: _dt.date | None = None
    in_force: bool = True
    regime: str = "no verification regime given"
    quotas: Mapping[str, Figure] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)
    systems: tuple[MissileSystem, ...] = ()
    system_notes: tuple[str, ...] = ()
    sentences: Mapping[str, str] = field(default_factory=dict)
    gaps: Mapping[str, Gap] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """A hand-built context is checked like user input: one-line errors naming the field."""
        day: Any = self.as_of
        if isinstance(day, _dt.datetime):
            object.__setattr__(self, "as_of", day.date())
        elif day is not None and not isinstance(day, _dt.date):
            from ...periods import parse_date

            object.__setattr__(self, "as_of", parse_date(day, field="as_of"))
        for name in ("quotas", "figures", "sentences", "gaps"):
            if not isinstance(getattr(self, name), Mapping):
                raise InputError(f"must be a mapping of names, got {type(getattr(self, name)).__name__}", field=name)
        for name, kind in (("quotas", Figure), ("figures", Figure), ("gaps", Gap)):
            for key, value in getattr(self, name).items():
                if not isinstance(value, kind):
                    raise InputError(f"must be a {kind.__name__}, got {value!r}", field=f"{name}[{key!r}]")
        for name in ("quotas", "figures"):  # counts: whole numbers ≥ 0
            checked = {key: dataclasses.replace(f, value=_check.integer(f"{name}[{key!r}]", f.value, low=0))
                       for key, f in getattr(self, name).items()}
            object.__setattr__(self, name, checked)
        object.__setattr__(self, "systems", tuple(self.systems))
        for system in self.systems:
            if not isinstance(system, MissileSystem):
                raise InputError(f"must be MissileSystem values, got {system!r}", field="systems")

    def gap(self, key: str, *, field: str, problem: str) -> InputError:
        """The error for a missing input ``key``: the profile's reason, else the generic one."""
        g = self.gaps.get(key)
        return InputError(g.problem, field=g.field) if g else InputError(problem, field=field)

    def sentence(self, key: str, default: str) -> str:
        """The profile's wording for an assumption, else ``default``."""
        return self.sentences.get(key, default)


# -- parameter declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """The allowed interval of a numeric parameter; ``high`` None means no upper bound."""

    low: float
    high: float | None = None
    open_high: bool = False

    def text(self) -> str:
        """The interval as a reader writes it: ``[0, 1)``, ``[1, ∞)``."""
        hi = "∞)" if self.high is None else f"{_num(self.high)}{')' if self.open_high else ']'}"
        return f"[{_num(self.low)}, {hi}"


def _num(x: float) -> str:
    """A bound as a reader writes it: ``0.5``, ``200``, ``10,000,000``."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def param(
    help: str,
    unit: str,
    *,
    default: Any = dataclasses.MISSING,
    low: float | None = None,
    high: float | None = None,
    open_high: bool = False,
    choices: tuple[str, ...] = (),
    short: str | None = None,
) -> Any:
    """A ``Params`` field with its help text, unit and bounds (numbers) or choices (text).

    ``short`` is an optional one-letter CLI alias (``-W``). A field without ``default`` is required.
    """
    meta = {
        "help": help,
        "unit": unit,
        "bounds": None if low is None else Bounds(low, high, open_high),
        "choices": choices,
        "short": short,
    }
    if default is dataclasses.MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class ParamInfo:
    """One declared parameter, as the CLI, the sweep and the docs see it."""

    name: str
    type: type  # int, float or str
    optional: bool  # None is allowed (the context or a default decides)
    required: bool  # no default: the user must give it
    default: Any
    help: str
    unit: str
    bounds: Bounds | None
    choices: tuple[str, ...]
    short: str | None

    @property
    def option(self) -> str:
        """The CLI option: ``--hiding-sites`` for ``hiding_sites``."""
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """Help text with the unit and the allowed values, for ``--help``."""
        allowed = self.bounds.text() if self.bounds else ", ".join(self.choices)
        return f"{self.help} ({self.unit}; {allowed})"


#: describe() by class: get_type_hints is slow, and every Params construction needs the declarations.
_DESCRIBED: dict[type[Any], tuple[ParamInfo, ...]] = {}


def describe(params: type[Any]) -> tuple[ParamInfo, ...]:
    """The declared parameters of a ``Params`` class, scenario-specific fields first."""
    if params in _DESCRIBED:
        return _DESCRIBED[params]
    hints = typing.get_type_hints(params)
    infos = []
    for f in dataclasses.fields(params):
        kinds = typing.get_args(hints[f.name]) or (hints[f.name],)
        base = next(k for k in kinds if k is not type(None))
        infos.append(ParamInfo(
            name=f.name, type=base, optional=type(None) in kinds, required=f.default is dataclasses.MISSING,
            default=None if f.default is dataclasses.MISSING else f.default,
            help=f.metadata.get("help", ""), unit=f.metadata.get("unit", ""),
            bounds=f.metadata.get("bounds"), choices=f.metadata.get("choices", ()),
            short=f.metadata.get("short"),
        ))
    common = {f.name for f in dataclasses.fields(CommonParams)}
    _DESCRIBED[params] = tuple(sorted(infos, key=lambda i: i.name in common))
    return _DESCRIBED[params]


def _valid(info: ParamInfo, value: Any) -> Any:
    """``value`` checked against ``info``: the normalised value, or a one-line InputError."""
    if value is None:
        if info.optional:
            return None
        raise InputError("is required", field=info.name)
    b = info.bounds
    if info.type is int:
        assert b is not None
        return _check.integer(info.name, value, low=int(b.low), high=None if b.high is None else int(b.high))
    if info.type is float:
        assert b is not None
        if isinstance(value, (bool, str)):
            raise InputError(f"must be a number, got {value!r}", field=info.name)
        if b.low == 0 and b.high == 1:
            return _check.probability(info.name, value, open_high=b.open_high) + 0.0  # -0.0 → 0.0
        x = _check.finite(info.name, value) + 0.0
        if x < b.low or (b.high is not None and (x > b.high or (b.open_high and x == b.high))):
            raise InputError(f"must be in {b.text()}, got {value!r}", field=info.name)
        return x
    if info.choices and value not in info.choices:
        names = ", ".join(info.choices[:-1]) + " or " + info.choices[-1]
        raise InputError(f"must be {names}", field=info.name)
    return value


#: Bounds on the Monte Carlo check (work and memory): trials, and trials × years (≈ 15 s).
MAX_TRIALS = 10_000_000
MAX_TRIAL_YEARS = 100_000_000


@dataclass(frozen=True, kw_only=True)
class CommonParams:
    """The parameters every scenario takes; each scenario's ``Params`` extends it.

    Construction validates every field against its declaration (a one-line InputError naming the
    field), then calls :meth:`check` for rules that join several fields.
    """

    years: int = param("Horizon over which detection is reported.", "years", default=5, low=1, high=200, short="T")
    confidence: float = param("Target detection probability per year, for the quota needed.", "probability",
                              default=0.9, low=0, high=1, open_high=True)
    simulate: int | None = param("Also run a Monte Carlo check with this many trials.", "trials",
                                 default=None, low=100, high=MAX_TRIALS)

    SCENARIO: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for info in describe(type(self)):
            object.__setattr__(self, info.name, _valid(info, getattr(self, info.name)))
        if self.simulate is not None and self.simulate * self.years > MAX_TRIAL_YEARS:
            raise InputError(f"{self.simulate} trials × {self.years} years exceed {MAX_TRIAL_YEARS:,} simulated "
                             "trial-years", field="simulate")
        self.check()

    def check(self) -> None:
        """Rules across fields (override; raise InputError)."""


def build_params(params: type[Any], scenario: str, values: Mapping[str, Any]) -> Any:
    """``params(**values)``, with unknown names and missing required fields as InputErrors.

    ``None`` in ``values`` means "not given" (the field's default applies).
    """
    infos = {i.name: i for i in describe(params)}
    unknown = sorted(set(values) - set(infos))
    if unknown:
        raise InputError(f"the {scenario} scenario takes no {unknown[0]!r} (it takes {', '.join(infos)})",
                         field=unknown[0])
    given = {k: v for k, v in values.items() if v is not None}
    missing = [i for i in infos.values() if i.required and i.name not in given]
    if missing:
        raise InputError(f"the {scenario} scenario needs " + " and ".join(i.option for i in missing),
                         field=missing[-1].name)
    return params(**given)


# -- what every scenario reports -----------------------------------------------------------------


def item_detection_sentence(q: float) -> str:
    """The assumption about recognising an inspected falsified item."""
    if q == 1.0:
        return "An inspected falsified item is always recognised."
    return f"An inspected falsified item is recognised with probability {q:g}."


def quota(
    context: Context, key: str, override: int | None, *, what: str, field: str = "inspections"
) -> tuple[int, str, str]:
    """The yearly quota: the user's override, else the context's figure; with its sentence and
    the label of the inspections in prose (``what`` when the context has none). ``field`` is the
    scenario's parameter that overrides the quota (the option a missing quota asks for)."""
    found = context.quotas.get(key)
    label = found.label if found and found.label else what
    if override is not None:
        return override, f"The yearly quota is set to {override} by the user.", label
    if found is None:
        option = "--" + field.replace("_", "-")
        raise context.gap(key, field=field,
                          problem=f"{context.agreement} sets no quota of {what} ({context.regime}); give {option}")
    return found.value, found.sentence, label


def base_values(scenario: str, params: CommonParams, context: Context) -> dict[str, Any]:
    """The fields every scenario result starts with."""
    return {"scenario": scenario, "agreement": context.agreement, "party": context.party, "as_of": context.as_of,
            "years": params.years, "confidence_target": params.confidence}


def base_assumptions(context: Context) -> list[str]:
    """Assumptions every scenario states first."""
    if context.in_force or context.as_of is None:
        return []
    return [f"{context.agreement} is not in force on {context.as_of.isoformat()}; its provisions are applied "
            "hypothetically."]


def summary(model: YearModel, years: int) -> dict[str, Any]:
    """Detection per inspection, per year and within ``years``, and the expected years to detection."""
    from ..year import detection_within

    within = detection_within(model, years)
    p_year = float(within[0])
    k = model.inspections
    per_insp = 1.0 - (1.0 - p_year) ** (1.0 / k) if k > 0 and model.other_detection == 0.0 else None
    return {
        "probability_per_inspection": per_insp,
        "probability_per_year": p_year,
        "probability_within_years": float(within[-1]),
        "within_years_curve": within.tolist(),
        "expected_years_to_detection": math.inf if p_year <= 0 else 1.0 / p_year,
    }


def quota_needed(build: Callable[[int], YearModel], confidence: float, upper: int) -> int | None:
    """Smallest yearly quota k with P(detect in a year) ≥ confidence (None if above ``upper``)."""
    from ..year import year_detection_probability

    if year_detection_probability(build(upper)) < confidence:
        return None
    lo, hi = -1, upper
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if year_detection_probability(build(max(mid, 0))) >= confidence:
            hi = mid
        else:
            lo = mid
    return max(hi, 0)


def monte_carlo(model: YearModel, years: int, trials: int | None) -> dict[str, Any]:
    """The ``monte_carlo`` block of a result (empty without ``trials``)."""
    if not trials:
        return {}
    from ..simulate import simulate

    sim = simulate(model, years=years, trials=trials, seed=None)
    return {
        "monte_carlo": {
            "trials": sim.trials,
            "probability_per_year": sim.per_year,
            "probability_per_year_se": sim.per_year_se,
            "probability_within_years": float(sim.within[-1]),
            "probability_within_years_se": float(sim.within_se[-1]),
            "method": "monte-carlo",
        }
    }
