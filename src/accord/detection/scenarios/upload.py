"""Extra warheads loaded onto deployed missiles, against inspections that count the warheads on
randomly selected missiles.

The violator adds W warheads beyond the declared loadings, up to each missile's maximum;
it may concentrate them (fill missiles to their maximum) or spread them (one extra warhead per
missile), and by default plays its best response: the fill order and loading that minimise the
exact yearly detection probability. Each inspection examines one missile chosen uniformly among
all deployed missiles of the listed systems; inspections in one year pick different missiles.

Context: ``systems`` (the deployed missile systems with declared and maximum loadings, and
``system_notes`` saying where they come from), the quota ``QUOTA`` (loading inspections a
year), and optionally the wording ``INSPECTION_SENTENCE`` and ``SELECTION_SENTENCE``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import InputError
from ..result import Result
from . import _common as c

if TYPE_CHECKING:  # pragma: no cover
    from ..year import YearModel

NAME = "upload"
#: The context's quota: inspections a year that count the warheads on one deployed missile.
QUOTA = "loading-inspections"
#: Context sentences: how an inspection examines a missile, and how the missile is selected.
INSPECTION_SENTENCE = "upload.inspection"
SELECTION_SENTENCE = "upload.selection"

SPREADS = ("best", "concentrated", "spread")
#: Most missile systems the best response searches over (it tries every fill order: n! of them).
MAX_SYSTEMS = 8


@dataclass(frozen=True, kw_only=True)
class Params(c.CommonParams):
    """The upload scenario's parameters."""

    warheads: int = c.param("Extra warheads loaded beyond the declared loadings.", "warheads", low=1, short="W")
    spread: str = c.param("How the violator loads them: concentrated (fill missiles to their maximum), spread "
                          "(one extra warhead per missile) or best (its best response).", "loading policy",
                          default="best", choices=SPREADS)
    inspections: int | None = c.param("Loading inspections a year (default: the agreement's quota).",
                                      "inspections a year", default=None, low=0)
    item_detection: float = c.param("Probability that an inspected falsified missile is recognised.",
                                    "probability", default=1.0, low=0, high=1, short="q")


def _allocation(
    systems: Sequence[c.MissileSystem], warheads: int, order: tuple[int, ...], concentrated: bool
) -> list[int]:
    """Missiles uploaded per system when the violator fills systems in ``order``: concentrated
    loads each missile to its maximum; spread adds one warhead per missile, round after round."""
    uploaded = [0] * len(systems)
    left = warheads
    for s in order:
        sys = systems[s]
        take = min(left, sys.deployed * sys.headroom)
        if take <= 0:
            continue
        uploaded[s] = math.ceil(take / sys.headroom) if concentrated else min(take, sys.deployed)
        left -= take
        if left == 0:
            break
    if left > 0:
        raise InputError(
            f"{warheads} extra warheads exceed the upload capacity of the deployed missiles "
            f"({sum(s.deployed * s.headroom for s in systems)})",
            field="warheads",
        )
    return uploaded


def upload_scenario(
    systems: Sequence[c.MissileSystem],
    warheads: int,
    inspections: int,
    *,
    spread: str = "best",
    item_detection: float = 1.0,
    missiles_per_inspection: int = 1,
    site_probabilities: list[float] | None = None,
) -> tuple[YearModel, list[int], str]:
    """The year model of an upload of ``warheads`` against ``inspections`` loading inspections,
    the missiles uploaded per system, and a label of the violator's allocation.

    ``spread``: ``concentrated`` (fill missiles to their maximum, systems in the given order),
    ``spread`` (one extra warhead per missile) or ``best`` (the violator's best response: the
    fill order and loading that minimise the exact yearly detection probability).
    """
    from .. import _check
    from ..year import YearModel, year_detection_probability

    W = _check.integer("warheads", warheads, low=1)
    if spread not in SPREADS:
        raise InputError("must be best, concentrated or spread", field="spread")
    if len(systems) > MAX_SYSTEMS:
        raise InputError(f"at most {MAX_SYSTEMS} deployed missile systems (the violator's best response tries "
                         f"every fill order), got {len(systems)}", field="systems")
    pops = [s.deployed for s in systems]

    def model(uploaded: list[int]) -> YearModel:
        return YearModel.build(pops, uploaded, inspections, site_probabilities,
                               items_per_inspection=missiles_per_inspection, item_detection=item_detection)

    orders = list(itertools.permutations(range(len(systems))))
    candidates: list[tuple[float, list[int], str]] = []
    # Many fill orders give the same allocation (systems after the last one filled do not
    # matter): evaluate each allocation once.
    evaluated: dict[tuple[int, ...], float] = {}
    loadings = {"best": (True, False), "concentrated": (True,), "spread": (False,)}[spread]
    for concentrated in loadings:
        for order in orders if spread == "best" else orders[:1]:
            try:
                up = _allocation(systems, W, order, concentrated)
            except InputError:
                continue
            key = tuple(up)
            if key not in evaluated:
                evaluated[key] = year_detection_probability(model(up))
            p = evaluated[key]
            label = ("concentrated" if concentrated else "spread") + " in order " + " → ".join(
                systems[i].name for i in order if up[i] > 0
            )
            candidates.append((p, up, label))
    if not candidates:
        _allocation(systems, W, orders[0], True)  # raises the capacity error
    p, up, label = min(candidates, key=lambda cand: cand[0])
    return model(up), up, label


def evaluate(params: Params, context: c.Context) -> Result:
    """Detection of the upload, per inspection, per year and within ``params.years``; the quota
    needed for ``params.confidence``; the violator's allocation; optionally a Monte Carlo check."""
    from ..year import MAX_INSPECTIONS, YearModel

    k, quota_sentence, _ = c.quota(context, QUOTA, params.inspections, what="loading inspections")
    systems = context.systems
    if not systems:
        raise context.gap("systems", field="systems", problem="the context lists no deployed missile systems")
    q = params.item_detection
    mdl, uploaded, label = upload_scenario(systems, params.warheads, k, spread=params.spread, item_detection=q)
    values = c.base_values(NAME, params, context)
    values.update({
        "warheads": params.warheads,
        "inspections_per_year": k,
        "systems": [
            {"name": s.name, "deployed": s.deployed, "declared_per_missile": s.declared_per_missile,
             "max_per_missile": s.max_per_missile, "uploaded_missiles": u}
            for s, u in zip(systems, uploaded, strict=False)
        ],
        "violator_allocation": label,
    })
    values.update(c.summary(mdl, params.years))

    def build(kk: int) -> YearModel:
        return YearModel.build(mdl.populations, mdl.defects, kk, mdl.site_probabilities,
                               items_per_inspection=1, item_detection=q)

    values["quota_needed"] = c.quota_needed(build, params.confidence, min(sum(mdl.populations), MAX_INSPECTIONS))
    assumptions = [
        *c.base_assumptions(context),
        quota_sentence,
        context.sentence(INSPECTION_SENTENCE,
                         "Every loading inspection counts the warheads on one randomly selected deployed missile."),
        context.sentence(SELECTION_SENTENCE,
                         "Each inspection picks a missile uniformly among all deployed missiles of the listed "
                         "systems (a base in proportion to its missiles); inspections in one year pick different "
                         "missiles."),
        *context.system_notes,
        f"The violator's allocation is its best response among fill orders and loadings: {label}."
        if params.spread == "best" else f"The violator's allocation is fixed: {label}.",
        c.item_detection_sentence(q),
        "The upload stays in place for all years and each year's inspections are independent.",
    ]
    values.update(c.monte_carlo(mdl, params.years, params.simulate))
    return Result(c.SCHEMA_SCENARIO, "exact", values, tuple(assumptions))
