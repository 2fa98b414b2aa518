"""Warheads above a freeze cap, hidden among declared warhead containers, against sampled
authentication of containers.

The violator keeps X warheads above the cap in containers declared as something else (e.g.
empty), one per container, among N declared containers; each year n containers are drawn
uniformly at random without replacement and authenticated, and a falsified one is recognised
with probability q (a template protocol of k rounds of soundness ½ gives q = 1 − 2^−k).

Context: the figure ``CONTAINERS`` (declared containers, used when ``--containers`` is not given)
and the quota ``QUOTA`` (authentications a year, used when ``--authentications`` is not given).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InputError
from ..result import Result
from . import _common as c

NAME = "freeze-excess"
#: The context's figure: declared warhead containers (e.g. a stockpile estimate).
CONTAINERS = "declared-containers"
#: The context's quota: containers authenticated a year, where an agreement sets one.
QUOTA = "authentications"
#: Why q < 1 is realistic for container authentication.
TEMPLATE_NOTE = (" (For a template protocol with k rounds of per-round soundness ½, q = 1 − 2^−k; "
                 "Glaser, Barak & Goldston, Nature 510, 2014.)")


@dataclass(frozen=True, kw_only=True)
class Params(c.CommonParams):
    """The freeze-excess scenario's parameters."""

    excess: int = c.param("Warheads above the cap, one per falsified container.", "warheads", low=1, short="X")
    authentications: int | None = c.param("Containers authenticated a year (default: the agreement's quota; no bundled "
                                          "agreement sets one, so give it for them).",
                                          "containers a year", default=None, low=0)
    containers: int | None = c.param("Declared warhead containers (default: the profile's figure).", "containers",
                                     default=None, low=1)
    item_detection: float = c.param("Probability that an authenticated falsified container is recognised.",
                                    "probability", default=1.0, low=0, high=1, short="q")


def evaluate(params: Params, context: c.Context) -> Result:
    """Detection of the excess by sampled authentication, and the authentications needed."""
    from ..year import YearModel

    X, q = params.excess, params.item_detection
    n = params.authentications
    if n is None:
        found = context.quotas.get(QUOTA)
        if found is None:
            raise context.gap(QUOTA, field="authentications",
                              problem=f"{context.agreement} sets no authentication quota ({context.regime}); "
                                      "give --authentications")
        n = found.value
    stock_sentence = None
    Nc = params.containers
    if Nc is None:
        figure = context.figures.get(CONTAINERS)
        if figure is None:
            raise context.gap(CONTAINERS, field="containers",
                              problem="the context gives no declared containers; give --containers")
        Nc, stock_sentence = figure.value, figure.sentence
    if Nc < X:
        raise InputError(f"{X} falsified containers exceed the {Nc} declared", field="excess")
    if n > Nc:
        raise InputError(f"cannot authenticate {n} of {Nc} containers", field="authentications")
    mdl = YearModel.build([Nc], [X], n, item_detection=q)
    values = c.base_values(NAME, params, context)
    values.update({"excess": X, "containers": Nc, "authentications_per_year": n})
    values.update(c.summary(mdl, params.years))
    values["quota_needed"] = c.quota_needed(
        lambda kk: YearModel.build([Nc], [X], min(kk, Nc), item_detection=q), params.confidence, Nc
    )
    assumptions = [
        *c.base_assumptions(context),
        f"The {X} warheads above the cap sit in containers declared as something else (e.g. empty), "
        f"one per container, among {Nc} declared containers.",
        f"{n} containers a year are drawn uniformly at random without replacement and authenticated.",
        c.item_detection_sentence(q) + (TEMPLATE_NOTE if q < 1.0 else ""),
        "Declared containers are not moved to evade the draw once it is announced.",
    ]
    if stock_sentence:
        assumptions.insert(0, stock_sentence)
    values.update(c.monte_carlo(mdl, params.years, params.simulate))
    return Result(c.SCHEMA_SCENARIO, "exact", values, tuple(assumptions))
