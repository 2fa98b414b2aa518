"""The scenario use case: would this violation be caught under this agreement?

Load the agreement, ask the treaty profile that serves it for the scenario context (quotas from
the regime, per-system holdings, declared counts from its bundled record), build the scenario's
``Params`` and evaluate. A profile provides its context in a module ``scenario_inputs`` with a
function ``scenario_context(agreement, party, day) -> Context``; an agreement no profile serves
gets a context with the agreement's facts only (the user then gives every figure).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.util
import pkgutil
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..detection import scenarios
from ..detection.result import Result
from ..detection.scenarios import Context, MissileSystem
from ..errors import InputError
from ..periods import parse_date
from ..profiles import Profile, profile_for
from .library import load_agreement

if TYPE_CHECKING:  # pragma: no cover
    from ..detection.sweep import SweepResult

DEFAULT_AGREEMENT = "newstart-2021"
DEFAULT_PARTY = "RU"


def scenario_context(
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str = DEFAULT_PARTY,
    as_of: str | _dt.date | None = None,
    *,
    systems: Sequence[MissileSystem] | None = None,
) -> Context:
    """The context of ``party`` under ``agreement`` as of ``as_of`` (default: entry into force).

    ``systems`` replaces the profile's deployed missile systems (for a party it has none for).
    An unknown party or a bad date is an InputError naming the field.
    """
    ag = agreement if isinstance(agreement, Agreement) else load_agreement(agreement)
    if party not in ag.parties:
        raise InputError(f"unknown party {party!r} (parties of {ag.id}: {', '.join(ag.parties)})", field="party")
    day = ag.entry_into_force.date if as_of is None else parse_date(as_of, field="as_of")
    context = _profile_context(ag, party, day)
    if systems is not None:
        gaps = {k: g for k, g in context.gaps.items() if k != "systems"}
        context = _replace(context, systems=tuple(systems), system_notes=(), gaps=gaps)
    return context


def run_scenario(
    name: str,
    *,
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str = DEFAULT_PARTY,
    as_of: str | _dt.date | None = None,
    systems: Sequence[MissileSystem] | None = None,
    **params: Any,
) -> Result:
    """Evaluate scenario ``name`` with its parameters given by name (``warheads=100``; ``None``
    means not given) for ``party`` under ``agreement`` as of ``as_of``."""
    scenario = scenarios.get(name)
    built = scenario.build(params)
    return scenario.evaluate(built, scenario_context(agreement, party, as_of, systems=systems))


def sweep_scenario(
    name: str,
    grid: Mapping[str, Sequence[Any]],
    *,
    agreement: str | Agreement = DEFAULT_AGREEMENT,
    party: str = DEFAULT_PARTY,
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

    question = scenarios.ScenarioQuestion(name, scenario_context(agreement, party, as_of, systems=systems),
                                          dict(fixed or {}))
    question.check(grid_points(grid))
    ctx = question.context
    return sweep(question, grid, workers=workers, scheduler=scheduler, client=client, chunk_size=chunk_size,
                 label="scenario", method="exact",
                 inputs={"scenario": name, "agreement": ctx.agreement, "party": ctx.party, "as_of": ctx.as_of})


def _profile_context(agreement: Agreement, party: str, day: _dt.date) -> Context:
    """The serving profile's context, or the agreement's bare facts when no profile serves it."""
    profile = profile_for(agreement)
    package = _package_of(profile) if profile is not None else None
    if package is not None and importlib.util.find_spec(f"{package}.scenario_inputs") is not None:
        module = importlib.import_module(f"{package}.scenario_inputs")
        return module.scenario_context(agreement, party, day)  # type: ignore[no-any-return]
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
