"""Non-deployed missiles kept beyond the declared number, hidden at declared sites, against
inspections of those sites.

The violator keeps H missiles more than it declares at V of the S declared sites open to site
inspections; each year the inspector visits k distinct sites chosen uniformly at random, and a visit
to a site holding excess missiles finds the discrepancy with the declared count (recognised with
probability q). Detection depends only on how many sites hold the excess, so the violator's best
response is a single site.

Context: the quota ``QUOTA`` (site inspections a year; its ``label`` names them in prose).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InputError
from ..result import Result
from . import _common as c

NAME = "hidden-missiles"
#: The context's quota: inspections a year of declared sites holding non-deployed items.
QUOTA = "site-inspections"


@dataclass(frozen=True, kw_only=True)
class Params(c.CommonParams):
    """The hidden-missiles scenario's parameters."""

    missiles: int = c.param("Missiles hidden beyond the declared number.", "missiles", low=1)
    sites: int = c.param("Declared sites open to site inspections (the bundled data do not list them).",
                         "sites", low=1)
    hiding_sites: int = c.param("Sites used to hide the missiles (at most --sites and --missiles).", "sites",
                                default=1, low=1)
    inspections: int | None = c.param("Site inspections a year (default: the agreement's quota).",
                                      "inspections a year", default=None, low=0)
    item_detection: float = c.param("Probability that a visit to a site holding excess missiles finds them.",
                                    "probability", default=1.0, low=0, high=1, short="q")

    def check(self) -> None:
        """At most one hiding site per missile, and no more hiding sites than sites."""
        from .. import _check

        _check.integer("hiding_sites", self.hiding_sites, low=1, high=self.sites)
        if self.hiding_sites > self.missiles:
            raise InputError(f"cannot hide {self.missiles} missiles at {self.hiding_sites} sites", field="hiding_sites")


def evaluate(params: Params, context: c.Context) -> Result:
    """Detection of the hidden missiles, the single-site best response, and the quota needed."""
    from ..year import YearModel, year_detection_probability

    H, S, V, q = params.missiles, params.sites, params.hiding_sites, params.item_detection
    k, quota_sentence, label = c.quota(context, QUOTA, params.inspections, what="site inspections")
    mdl = YearModel.build([S], [V], min(k, S), item_detection=q)
    best = YearModel.build([S], [1], min(k, S), item_detection=q)
    values = c.base_values(NAME, params, context)
    values.update({"missiles": H, "sites": S, "hiding_sites": V, "inspections_per_year": k})
    values.update(c.summary(mdl, params.years))
    values["best_response_hiding_sites"] = 1
    values["probability_per_year_best_response"] = year_detection_probability(best)
    values["quota_needed"] = c.quota_needed(
        lambda kk: YearModel.build([S], [V], min(kk, S), item_detection=q), params.confidence, S
    )
    assumptions = [
        *c.base_assumptions(context),
        quota_sentence,
        f"{label[:1].upper()}{label[1:]} visit distinct declared sites chosen uniformly at random among {S} "
        "(a user input); a visit to a site holding excess missiles finds the discrepancy with the declared count.",
        c.item_detection_sentence(q),
        f"The {H} hidden missiles are kept at {V} of the sites; detection depends only on how many sites hold "
        "them, so the violator's best response is a single site (if it has room).",
    ]
    values.update(c.monte_carlo(mdl, params.years, params.simulate))
    return Result(c.SCHEMA_SCENARIO, "exact", values, tuple(assumptions))
