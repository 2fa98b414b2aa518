"""The scenario use case: would this violation be caught under this agreement?

Load the agreement, ask the treaty profile that serves it for the scenario context (quotas from
the regime, per-system holdings, declared counts from its bundled record), build the scenario's
``Params`` and evaluate. A profile provides its context in a module ``scenario_inputs`` with a
function ``scenario_context(agreement, party, day) -> Context``; an agreement no profile serves
gets a context with the agreement's facts only (the user then gives every figure).

Defaults: a scenario runs for ``DEFAULT_PARTY`` as of entry into force, unless the profile says
otherwise for that scenario (optional functions ``default_party(scenario)`` and
``default_date(agreement, party, scenario) -> (date, why)`` of its ``scenario_inputs``: New START's
upload scenario runs for the US, the one party with bundled per-system holdings, as of the first
date that has them). A default date that is not entry into force is said in the result.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.util
import pkgutil
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..detection import scenarios
from ..detection.result import Result
from ..detection.scenarios import Context, Gap, MissileSystem, upload
from ..periods import parse_date
from ..profiles import Profile, profile_for
from ._inputs import canonical_party
from .library import load_agreement
from .systems import missile_systems, system_dates

if TYPE_CHECKING:  # pragma: no cover
    from ..detection.sweep import SweepResult

DEFAULT_AGREEMENT = "newstart-2021"
DEFAULT_PARTY = "RU"


def scenario_context(
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str | None = None,
    as_of: str | _dt.date | None = None,
    *,
    systems: Sequence[MissileSystem] | None = None,
    scenario: str | None = None,
) -> Context:
    """The context of ``party`` under ``agreement`` as of ``as_of``.

    Defaults (``None``): ``DEFAULT_PARTY`` and entry into force, or what the agreement's profile
    sets for ``scenario`` (see the module docstring). ``systems`` replaces the profile's deployed
    missile systems (for a party it has none for). An unknown party or a bad date is an InputError
    naming the field.
    """
    ag = agreement if isinstance(agreement, Agreement) else load_agreement(agreement)
    inputs = _profile_inputs(ag)
    if party is None:
        given = getattr(inputs, "default_party", None) if scenario and systems is None else None
        party = (given(scenario) if given else None) or DEFAULT_PARTY
    party = canonical_party(party, ag.parties, field="party", where=f"parties of {ag.id}")
    note: str | None = None
    if as_of is None:
        day = ag.entry_into_force.date
        dated = getattr(inputs, "default_date", None) if scenario and systems is None else None
        found = dated(ag, party, scenario) if dated else None
        if found is not None:
            day, note = found
    else:
        day = parse_date(as_of, field="as_of")
    if as_of is None and note is None and scenario == upload.NAME and systems is None:
        found = _first_system_date(party, day)
        if found is not None and not _profile_context(ag, party, day, inputs).systems:
            day, note = found
    context = _profile_context(ag, party, day, inputs)
    if systems is None and not context.systems:
        context = _with_bundled_systems(context, party, day)
    if systems is not None:
        gaps = {k: g for k, g in context.gaps.items() if k != "systems"}
        context = _replace(context, systems=tuple(systems), system_notes=(), gaps=gaps)
    if note is not None:
        context = _replace(context, system_notes=(note, *context.system_notes))
    return context


def run_scenario(
    name: str,
    *,
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str | None = None,
    as_of: str | _dt.date | None = None,
    systems: Sequence[MissileSystem] | None = None,
    **params: Any,
) -> Result:
    """Evaluate scenario ``name`` with its parameters given by name (``warheads=100``; ``None``
    means not given) for ``party`` under ``agreement`` as of ``as_of`` (``None``: the scenario's
    defaults, see :func:`scenario_context`)."""
    scenario = scenarios.get(name)
    built = scenario.build(params)
    return scenario.evaluate(built, scenario_context(agreement, party, as_of, systems=systems, scenario=name))


def sweep_scenario(
    name: str,
    grid: Mapping[str, Sequence[Any]],
    *,
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str | None = None,
    as_of: str | _dt.date | None = None,
    systems: Sequence[MissileSystem] | None = None,
    fixed: Mapping[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> SweepResult:
    """Evaluate scenario ``name`` at every point of ``grid`` (its parameters by name; the others
    from ``fixed`` or their defaults), in-process, on a process pool or on Dask. Every point is
    validated before any is evaluated."""
    from ..detection.sweep import grid_points, sweep

    scenarios.get(name)  # an unknown name is an InputError before anything is loaded
    context = scenario_context(agreement, party, as_of, systems=systems, scenario=name)
    question = scenarios.ScenarioQuestion(name, context, dict(fixed or {}))
    question.check(grid_points(grid))
    ctx = question.context
    return sweep(question, grid, workers=workers, scheduler=scheduler, client=client, chunk_size=chunk_size,
                 label="scenario", method="exact",
                 inputs={"scenario": name, "agreement": ctx.agreement, "party": ctx.party, "as_of": ctx.as_of})


def _first_system_date(party: str, start: _dt.date) -> tuple[_dt.date, str] | None:
    """The first date on or after ``start`` with bundled per-system holdings of ``party`` (any
    profile's), and the sentence that says why the scenario runs as of it."""
    later = [d for d in system_dates(party) if d >= start]
    if not later:
        return None
    return later[0], (f"As of {later[0].isoformat()}: no date was given, and the bundled {party} per-system "
                      f"holdings begin then, after entry into force ({start.isoformat()}).")


def _with_bundled_systems(context: Context, party: str, day: _dt.date) -> Context:
    """``context`` with ``party``'s missile systems from any profile's per-system holdings
    (estimates) when its own profile has none; a gap naming the bundled dates otherwise."""
    found, notes = missile_systems(party, day)
    if found:
        gaps = {k: g for k, g in context.gaps.items() if k != "systems"}
        return _replace(context, systems=tuple(found), system_notes=(*context.system_notes, *notes), gaps=gaps)
    dates = system_dates(party)
    if not dates:
        return context
    old = context.gaps.get("systems")
    gap = Gap("as_of", (f"{old.problem}; " if old else "") + f"the bundled per-system estimates for {party} are "
                       f"dated {', '.join(d.isoformat() for d in dates)}, none on or before {day.isoformat()}: "
                       "give --as-of")
    return _replace(context, gaps={**context.gaps, "systems": gap})


def _profile_inputs(agreement: Agreement) -> ModuleType | None:
    """The ``scenario_inputs`` module of the profile that serves ``agreement``, if it has one."""
    profile = profile_for(agreement)
    package = _package_of(profile) if profile is not None else None
    if package is not None and importlib.util.find_spec(f"{package}.scenario_inputs") is not None:
        return importlib.import_module(f"{package}.scenario_inputs")
    return None


def _profile_context(agreement: Agreement, party: str, day: _dt.date, inputs: ModuleType | None) -> Context:
    """The serving profile's context, or the agreement's bare facts when no profile serves it."""
    if inputs is not None:
        return inputs.scenario_context(agreement, party, day)  # type: ignore[no-any-return]
    insp = agreement.regime.inspections
    regime = f"verification: {agreement.regime.verification}" + (
        f", inspections: {', '.join(i.id for i in insp)}" if insp else "")
    return Context(agreement=agreement.id, party=party, as_of=day, in_force=agreement.in_force(day), regime=regime)


def _package_of(profile: Profile) -> str | None:
    """The package of ``accord.profiles`` that defines ``profile``."""
    from .. import profiles as _profiles

    for info in pkgutil.iter_modules(_profiles.__path__):
        name = f"{_profiles.__name__}.{info.name}"
        if info.ispkg and getattr(importlib.import_module(name), "PROFILE", None) is profile:
            return name
    return None


def _replace(context: Context, **changes: Any) -> Context:
    import dataclasses

    return dataclasses.replace(context, **changes)
