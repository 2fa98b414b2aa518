"""The inspection game with false alarms, and inspector leadership.

Model (Avenhaus, von Stengel & Zamir, "Inspection games", Handbook of Game Theory vol. 3, ch. 51,
2002; Avenhaus & Canty, *Compliance Quantified*, ch. 9): the inspector chooses a test with
false-alarm probability α; against a violation the best test is Neyman–Pearson with
non-detection probability β(α) = Φ(U_{1−α} − δ) for a normal mean shift of δ standard deviations.

Inspectee payoffs: legal, no alarm 0; legal, false alarm −g; violation detected −b; undetected +d.
Inspector payoffs: 0, −e, −a, −c with 0 < a < c, e > 0.

* Equilibrium false-alarm level α*: the inspectee is indifferent, −g·α* = −b + (b + d)·β(α*).
* Simultaneous game: the inspectee violates with probability q* = e / (e − (c − a)·β′(α*)),
  from the inspector's first-order condition (β′ < 0).
* Inspector leadership: the inspector announces α* and the inspectee, now strictly deterred by any
  α ≥ α*, stays legal (q = 0).
* Deterrence as α → 0 (g → 0): detection probability ≥ d / (b + d) = gain / (gain + sanction).
"""

from __future__ import annotations

import math
import sys

from ...errors import InputError
from .. import _check
from ..result import Result

SCHEMA_FALSE_ALARM = "accord.detect.game.false-alarm/v1"
SCHEMA_DETERRENCE = "accord.detect.game.deterrence/v1"


def deterrence_threshold(gain: float, sanction: float) -> float:
    """The detection probability that deters a violator who gains ``gain`` if undetected and
    loses ``sanction`` if caught: d / (b + d)."""
    d = _check.positive("gain", gain)
    b = _check.positive("sanction", sanction)
    return d / (b + d)


def is_deterred(detection: float, gain: float, sanction: float) -> bool:
    """True when a violation's expected payoff (1−DP)·d − DP·b is not positive."""
    p = _check.probability("detection", detection)
    return p >= deterrence_threshold(gain, sanction)


def _indifference(t: float, delta: float, b: float, d: float, g: float) -> float:
    """The inspectee's payoff of violating minus that of complying, as a function of
    t = U_{1−α} − δ (so α = Φ(−δ − t), β = Φ(t), DP = Φ(−t)):

        H(t) = (b + d)·Φ(−t) − d − g·Φ(−δ − t) = b − g·Φ(−δ − t) − (b + d)·Φ(t).

    H falls from b − g > 0 (t → −∞) to −d < 0 (t → ∞) with one root. The two forms are equal;
    each is written so that the probability it subtracts from is not rounded to 1.
    """
    from scipy.special import ndtr

    alpha = float(ndtr(-delta - t))
    if d + g <= b:  # detection probability below about ½: keep Φ(−t) as it is
        return (b + d) * float(ndtr(-t)) - d - g * alpha
    return b - g * alpha - (b + d) * float(ndtr(t))


def _solve_threshold(delta: float, b: float, d: float, g: float) -> float:
    """t* = U_{1−α*} − δ, the root of :func:`_indifference`.

    Solving for t rather than α keeps every digit for any shift: α = Φ(−δ − t) may be far below
    1e-16 (for δ ≳ 8), where 1 − α rounds to 1 and U_{1−α} computed from α would be lost.
    """
    from scipy.optimize import brentq

    if not (_indifference(-40.0, delta, b, d, g) > 0.0 > _indifference(40.0, delta, b, d, g)):
        raise InputError(
            "the sanction exceeds the false-alarm cost by too little to solve for α accurately",
            field="sanction",
        )
    # H(−40) = b − g·Φ(40 − δ) − (b + d)·Φ(−40) ≥ b − g > 0 and H(40) = −d − g·α < 0.
    return float(brentq(_indifference, -40.0, 40.0, args=(delta, b, d, g), xtol=1e-15, rtol=1e-15,
                        maxiter=500))


def false_alarm_game(
    *,
    shift: float,
    gain: float,
    sanction: float,
    false_alarm_cost: float,
    inspector_false_alarm_cost: float = 1.0,
    inspector_detected_loss: float = 1.0,
    inspector_undetected_loss: float = 2.0,
) -> Result:
    """Equilibrium of the inspection game with a Neyman–Pearson test of a mean shift ``shift``
    (δ = μ/σ): α*, detection probability, violation probability in the simultaneous game, and
    the inspector-leadership outcome.

    Inspectee: gain d, sanction b, false-alarm cost g (needs b > g, else no α deters).
    Inspector: false-alarm cost e, loss a if the violation is detected, c if not (a < c).
    """
    delta = _check.positive("shift", shift)
    d = _check.positive("gain", gain)
    b = _check.positive("sanction", sanction)
    g = _check.positive("false_alarm_cost", false_alarm_cost, allow_zero=True)
    e = _check.positive("inspector_false_alarm_cost", inspector_false_alarm_cost)
    a = _check.positive("inspector_detected_loss", inspector_detected_loss, allow_zero=True)
    c = _check.positive("inspector_undetected_loss", inspector_undetected_loss)
    if not a < c:
        raise InputError(
            "the inspector must lose less from a detected violation than an undetected one",
            field="inspector_detected_loss",
        )
    if not b > g:
        raise InputError(
            "the sanction must exceed the cost of a false alarm to the inspectee, or no test deters",
            field="sanction",
        )
    from scipy.special import expit, ndtr

    t = _solve_threshold(delta, b, d, g)
    alpha = float(ndtr(-delta - t))
    # At the root the inspectee is indifferent, −gα = −b + (b + d)β, so β = (b − gα)/(b + d)
    # exactly; taking β from there keeps DP = (d + gα)/(b + d) ≥ d/(b + d) also in floating
    # point (Φ(t) agrees with it to the root's tolerance).
    beta = (b - g * alpha) / (b + d)
    # β′(α) = −φ(U_{1−α} − δ)/φ(U_{1−α}) = −exp(L) with L = U_{1−α}δ − δ²/2 = δ²/2 + tδ; the
    # violation probability e/(e + (c − a)exp(L)) is evaluated as a logistic, which neither
    # overflows nor divides by zero for large shifts.
    log_slope = 0.5 * delta * delta + t * delta
    q = float(expit(-(log_slope + math.log((c - a) / e))))
    values = {
        "shift": delta,
        "gain": d,
        "sanction": b,
        "false_alarm_cost": g,
        "false_alarm": alpha,
        "test_threshold": delta + t,
        "detection_probability": (d + g * alpha) / (b + d),
        "violation_probability_simultaneous": q,
        "violation_probability_leadership": 0.0,
        "deterrence_threshold": deterrence_threshold(d, b),
        "inspector_payoff_simultaneous": -(1 - q) * e * alpha - q * (a * (1 - beta) + c * beta),
        "inspector_payoff_leadership": 0.0 - e * alpha,
        "inspectee_payoff": 0.0 - g * alpha,
    }
    assumptions = (
        f"The inspector tests a normal mean shift of {delta:g} standard deviations with the "
        "one-sided Neyman–Pearson test; it chooses only the false-alarm probability α.",
        "Inspectee payoffs: 0 legal, −g legal with a false alarm, −b detected violation, +d "
        "undetected violation; inspector payoffs 0, −e, −a, −c (Avenhaus, von Stengel & Zamir 2002).",
        "Simultaneous game: neither side sees the other's choice; the violation probability "
        "comes from the inspector's first-order condition.",
        "Leadership: the inspector credibly announces α*; the inspectee, indifferent at α*, is "
        "assumed to act legally (any slightly larger α makes legality strict).",
    )
    notes: tuple[str, ...] = ()
    if alpha < sys.float_info.min:
        notes = (
            f"α* = Φ(−{delta + t:.6g}) is below the smallest normal double and printed as "
            f"{alpha:g}; test_threshold gives U_(1−α*) in standard deviations.",
        )
    return Result(SCHEMA_FALSE_ALARM, "exact", values, assumptions, notes=notes)


def deterrence_report(detection: float, gain: float, sanction: float) -> Result:
    """Whether a detection probability deters, given gain and sanction (α → 0 limit)."""
    p = _check.probability("detection", detection)
    t = deterrence_threshold(gain, sanction)
    values = {
        "detection_probability": p,
        "gain": float(gain),
        "sanction": float(sanction),
        "deterrence_threshold": t,
        "deterred": p >= t,
        "expected_violation_payoff": (1.0 - p) * float(gain) - p * float(sanction),
    }
    assumptions = (
        "A violation pays the violator +gain if undetected and −sanction if detected; complying "
        "pays 0 and false alarms are neglected.",
        "Deterrence holds when the detection probability is at least gain / (gain + sanction).",
    )
    return Result(SCHEMA_DETERRENCE, "exact", values, assumptions)
