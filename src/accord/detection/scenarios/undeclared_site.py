"""A facility never declared: on-site inspections visit only declared sites, so only discovery by
other means (national technical means, a yearly probability the user gives) can find it.

Context: nothing beyond the agreement, party and date.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..result import Result
from . import _common as c

NAME = "undeclared-site"


@dataclass(frozen=True, kw_only=True)
class Params(c.CommonParams):
    """The undeclared-site scenario's parameters."""

    discovery_per_year: float = c.param("Probability that national technical means discover the site in a year.",
                                        "probability a year", low=0, high=1)


def evaluate(params: Params, context: c.Context) -> Result:
    """Detection by other means alone: 1 − (1 − ρ)^T within T years; no quota helps."""
    from ..year import YearModel

    rho = params.discovery_per_year
    mdl = YearModel.build([1], [1], 0, other_detection=rho)
    values = c.base_values(NAME, params, context)
    values.update({"discovery_per_year": rho, "inspections_per_year": 0})
    values.update(c.summary(mdl, params.years))
    values["quota_needed"] = None
    assumptions = [
        *c.base_assumptions(context),
        "On-site inspections visit only declared sites, so they never reach an undeclared facility.",
        f"National technical means discover it with probability {rho:g} each year, independently "
        "(a user input, not a sourced figure).",
    ]
    values.update(c.monte_carlo(mdl, params.years, params.simulate))
    return Result(c.SCHEMA_SCENARIO, "exact", values, tuple(assumptions),
                  notes=("No inspection quota helps against an undeclared site.",))
