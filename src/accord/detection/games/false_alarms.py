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

from .. import _check
from ...errors import InputError
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


def _beta(alpha: float, delta: float) -> float:
    from scipy.special import ndtr, ndtri

    return float(ndtr(ndtri(1.0 - alpha) - delta))


def _beta_prime(alpha: float, delta: float) -> float:
    from scipy.special import ndtri

    u = float(ndtri(1.0 - alpha))
    # β′(α) = −φ(U_{1−α} − δ)/φ(U_{1−α}) = −exp(uδ − δ²/2)
    return -math.exp(u * delta - 0.5 * delta * delta)


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
    from scipy.optimize import brentq

    # h(α) = b − gα − (b + d)β(α) is concave with h(0) = −d < 0 < h(1) = b − g: one root.
    def h(alpha: float) -> float:
        return b - g * alpha - (b + d) * _beta(alpha, delta)

    alpha = brentq(h, 1e-300, 1.0 - 1e-15, xtol=1e-15, rtol=1e-14, maxiter=500)
    beta = _beta(alpha, delta)
    bprime = _beta_prime(alpha, delta)
    q = e / (e - (c - a) * bprime)
    values = {
        "shift": delta,
        "gain": d,
        "sanction": b,
        "false_alarm_cost": g,
        "false_alarm": alpha,
        "detection_probability": 1.0 - beta,
        "violation_probability_simultaneous": q,
        "violation_probability_leadership": 0.0,
        "deterrence_threshold": deterrence_threshold(d, b),
        "inspector_payoff_simultaneous": -(1 - q) * e * alpha - q * (a * (1 - beta) + c * beta),
        "inspector_payoff_leadership": -e * alpha,
        "inspectee_payoff": -g * alpha,
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
    return Result(SCHEMA_FALSE_ALARM, "exact", values, assumptions)


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
