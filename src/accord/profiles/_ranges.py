"""From an estimator's words to a range: the rule every profile's bundled estimates follow.

Estimators write "approximately 3,700", "nearly 4,500", "more than 200", "130–140"; none states a
± for a figure, so no profile invents one. The range is the span the words themselves give
(documented, with examples, in ``profiles/after2026/datafiles/README.md``, "From words to ranges",
and applied to the New START profile's FAS rows in ``profiles/newstart/datafiles/README.md``).
The rule is mechanical, so loaders recompute every row's range from its figure and rule and refuse
a row it does not reproduce. It expresses only the precision the figure was written with; the
estimators' real uncertainty is larger and unstated.

Shared here (not in one profile) so that profiles do not import each other.
"""

from __future__ import annotations

from ..forces.estimates import Estimate

#: How a figure's words become a range (see :func:`range_of`).
RANGE_RULES = ("as_published", "rounding", "nearly", "more_than", "perhaps", "span", "up_to")
#: The rules whose range needs its published high end (the others follow from the figure alone).
TWO_ENDED = ("span", "up_to")


def place_value(n: int) -> int:
    """The place value of ``n``'s last non-zero digit: 100 for 3,700, 10 for 1,770, 1 for 5,177
    (and for 0)."""
    unit = 1
    while n and n % (unit * 10) == 0:
        unit *= 10
    return unit


def range_of(rule: str, value: int, high: int | None = None) -> Estimate:
    """The range a figure's words give:

    - ``as_published``: the figure itself;
    - ``rounding`` ("approximately", "about", "roughly", and every figure of a table whose
      publisher says all are approximate): the figure plus or minus half the place value of its
      last non-zero digit (3,700 → 3,650–3,750; 1,770 → 1,765–1,775; 5,177 stays 5,177);
    - ``nearly`` N: one place value below N up to N; ``more_than`` N: N up to one place value above;
    - ``perhaps`` N: from 0 (perhaps none) to N;
    - ``span`` (``value``–``high``, as published): central is the midpoint, rounded down;
    - ``up_to`` (a published count ``value`` that may be as high as a stated maximum ``high``):
      central and low are the count.

    An unknown rule, or a two-ended rule without ``high``, is a ValueError.
    """
    if rule in TWO_ENDED:
        if high is None:
            raise ValueError(f"a {rule} range needs its high end")
        return Estimate(value, (value + high) // 2 if rule == "span" else value, high)
    unit = place_value(value)
    if rule == "as_published" or (rule == "rounding" and unit == 1):
        return Estimate.exact(value)
    if rule == "rounding":
        return Estimate(value - unit // 2, value, value + unit // 2)
    if rule == "nearly":
        return Estimate(value - unit, value, value)
    if rule == "more_than":
        return Estimate(value, value, value + unit)
    if rule == "perhaps":
        return Estimate(0, value, value)
    raise ValueError(f"unknown range rule {rule!r} (known: {', '.join(RANGE_RULES)})")


def expected_range(rule: str, published: Estimate) -> Estimate:
    """What ``rule`` gives for a row whose published figure is ``published.central`` (and, for a
    two-ended rule, whose published ends are ``published.low`` and ``published.high``): compare
    it with the row's recorded range to check the row. ValueError as :func:`range_of`."""
    if rule in TWO_ENDED:
        return range_of(rule, published.low, published.high)
    return range_of(rule, published.central)
