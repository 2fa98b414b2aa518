"""Attribute sampling: exact detection probabilities and sample sizes.

Expected values come from published worked examples or from independent formulas (exact
rational arithmetic with math.comb), never from accord's own output.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.detection import (
    Stratum,
    detection_probability,
    iaea_sample_size,
    no_alarm_probability,
    sample_size,
    stratified_detection_probability,
    within_years,
)
from accord.detection.sampling import defects_from_goal, sample_size_report
from accord.errors import InputError


def exact_miss(N: int, r: int, n: int, q: Fraction = Fraction(1)) -> Fraction:
    """Σ_j C(r, j) C(N−r, n−j) / C(N, n) · (1−q)^j in exact rationals (the textbook formula)."""
    total = Fraction(0)
    for j in range(0, min(r, n) + 1):
        total += Fraction(math.comb(r, j) * math.comb(N - r, n - j), math.comb(N, n)) * (1 - q) ** j
    return total


def test_published_batch_example():
    # math.growingswe.com "Quality control" lesson (https://math.growingswe.com/lessons/quality-control):
    # a batch of 100 chips with 5 defective, 10 tested: "P(detect) 41.6%".
    assert detection_probability(100, 5, 10) == pytest.approx(0.416, abs=5e-4)


@pytest.mark.parametrize("N,r,n", [(400, 5, 10), (1550, 50, 20), (30, 1, 29), (10, 10, 1), (200, 3, 150)])
def test_hypergeometric_equals_exact_rational_formula(N, r, n):
    # β = C(N−r, n)/C(N, n) (Avenhaus & Canty, Compliance Quantified, ch. 2; IAEA attribute sampling)
    expected = 1 - Fraction(math.comb(N - r, n), math.comb(N, n))
    assert detection_probability(N, r, n) == pytest.approx(float(expected), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("N,r,n,q", [(100, 5, 10, Fraction(1, 2)), (60, 7, 20, Fraction(9, 10)),
                                     (20, 20, 3, Fraction(1, 3))])
def test_imperfect_test_equals_mixture_formula(N, r, n, q):
    # β = Σ_j Hyp(j; N, r, n)(1 − q)^j (verification-models.md §2.2, imperfect attribute test)
    expected = 1 - exact_miss(N, r, n, q)
    assert detection_probability(N, r, n, item_detection=float(q)) == pytest.approx(float(expected), rel=1e-12)


def test_false_alarms_raise_the_alarm_probability_not_the_detection_probability():
    N, r, n, q, f = 50, 4, 10, 0.8, 0.01
    # P(no alarm) = Σ_j Hyp(j)(1−q)^j (1−f)^(n−j)
    expected = sum(
        math.comb(r, j) * math.comb(N - r, n - j) / math.comb(N, n) * (1 - q) ** j * (1 - f) ** (n - j)
        for j in range(0, min(r, n) + 1)
    )
    assert no_alarm_probability(N, r, n, item_detection=q, false_alarm=f) == pytest.approx(expected, rel=1e-12)
    assert 1 - expected > detection_probability(N, r, n, item_detection=q)


def test_with_replacement_is_binomial():
    # J ~ Binomial(n, r/N): miss = (1 − q·r/N)^n
    assert detection_probability(400, 5, 10, replacement=True) == pytest.approx(1 - (1 - 5 / 400) ** 10, rel=1e-14)
    assert detection_probability(400, 5, 10, replacement=True, item_detection=0.5) == pytest.approx(
        1 - (1 - 0.5 * 5 / 400) ** 10, rel=1e-14
    )


def test_stratified_is_one_minus_product_of_stratum_misses():
    strata = [Stratum(100, 2, 10), Stratum(50, 0, 5), Stratum(30, 3, 3)]
    expected = 1 - float(exact_miss(100, 2, 10) * exact_miss(50, 0, 5) * exact_miss(30, 3, 3))
    assert stratified_detection_probability(strata) == pytest.approx(expected, rel=1e-12)


def test_sample_size_is_the_smallest_reaching_the_confidence():
    for N, r, c in [(400, 5, 0.9), (1000, 1, 0.5), (60, 12, 0.95), (25, 25, 0.99)]:
        n = sample_size(N, r, c)
        assert n is not None
        assert detection_probability(N, r, n) >= c
        assert n == 0 or detection_probability(N, r, n - 1) < c


def test_sample_size_unreachable_with_imperfect_test_is_none():
    # even inspecting all 10 items finds one defect with probability only q = 0.5
    assert sample_size(10, 1, 0.9, item_detection=0.5) is None
    report = sample_size_report(10, 1, 0.9, item_detection=0.5)
    assert report["exact"] is None and report.notes


def test_iaea_formula():
    # n_IAEA = N(1 − β^(1/r)) (verification-models.md §2.2); Rivest's rule N(1 − e^(−3/b)) is the
    # same formula with β = e^−3 ≈ 0.05 (Rivest, "On estimating the size of a statistical audit", 2006).
    assert iaea_sample_size(1000, 10, 1 - math.exp(-3)) == pytest.approx(1000 * (1 - math.exp(-3 / 10)), rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    N=st.integers(2, 10_000),
    frac=st.floats(0.0, 0.5),
    c=st.sampled_from([0.2, 0.5, 0.8, 0.9, 0.95, 0.99]),
)
def test_exact_size_within_published_bounds(N, frac, c):
    r = max(1, int(N * frac))
    exact = sample_size(N, r, c)
    # Krieger (JNMM, https://staging-resources.inmm.org/node/58924): the exact minimal sample lies in
    # {n_IAEA − 3, …, n_IAEA} for safeguards-relevant cases.
    n_iaea = math.ceil(iaea_sample_size(N, r, c) - 1e-9)
    assert n_iaea - 3 <= exact <= n_iaea
    # Aslam, Popa & Rivest, "On estimating the size and confidence of a statistical audit" (EVT 2007):
    # U3 = ⌈(N − (b−1)/2)(1 − (1−c)^(1/b))⌉ is never too small and, for N ≤ 10,000, b ≤ N/2,
    # c ≤ 0.99, never more than one too large.
    u3 = math.ceil((N - (r - 1) / 2) * (1 - (1 - c) ** (1 / r)))
    assert exact <= u3 <= exact + 1


@settings(max_examples=100, deadline=None)
@given(N=st.integers(1, 500), data=st.data())
def test_detection_grows_with_sample_and_defects(N, data):
    r = data.draw(st.integers(0, N))
    n = data.draw(st.integers(0, N))
    q = data.draw(st.sampled_from([1.0, 0.7, 0.3]))
    p = detection_probability(N, r, n, item_detection=q)
    assert 0.0 <= p <= 1.0
    if n < N:
        assert detection_probability(N, r, n + 1, item_detection=q) >= p - 1e-12
    if r < N:
        assert detection_probability(N, r + 1, n, item_detection=q) >= p - 1e-12


def test_within_years_and_goal_quantity():
    assert within_years(0.2, 3) == pytest.approx(1 - 0.8**3)
    # r = ⌈M / x̄⌉: 8 kg Pu significant quantity (verification-models.md §2.1) in 3 kg items → 3 items
    assert defects_from_goal(8.0, 3.0) == 3
    assert defects_from_goal(8.0, 4.0) == 2


@pytest.mark.parametrize(
    "args,field",
    [((10, 5, 11), "sample"), ((10, 11, 1), "defects"), ((0, 0, 0), "population"), ((10, -1, 1), "defects")],
)
def test_bad_input_is_an_input_error(args, field):
    with pytest.raises(InputError) as err:
        detection_probability(*args)
    assert err.value.field == field


def test_probability_outside_unit_interval_is_an_input_error():
    with pytest.raises(InputError):
        detection_probability(10, 1, 1, item_detection=1.5)
    with pytest.raises(InputError):
        sample_size(10, 1, 1.0)
