"""Tests with measurement error: the Neyman–Pearson material-balance test and Page's CUSUM.

* Neyman–Pearson one-sided test of a balance with standard deviation σ at false-alarm α:
  alarm when MUF > U_{1−α}·σ, detection probability DP = Φ(M/σ − U_{1−α}); the smallest loss
  detected with probability DP is M = (U_{1−α} + U_{DP})·σ (Avenhaus & Canty, *Compliance
  Quantified*; the "σ_MUF ≤ SQ/3.3" rule for α = β = 0.05).
* Page's CUSUM S_i = max(0, S_{i−1} + y_i − k), alarm when S_i > h, for y_i ~ N(μ, 1): the average
  run length (ARL) by the Brook–Evans Markov chain (Brook & Evans, *Biometrika* 59, 1972) and by
  the Nyström solution of the ARL integral equation (Goel & Wu 1971; Vance 1986); the two-sided
  scheme by 1/ARL = 1/ARL⁺ + 1/ARL⁻ (Kemp 1961; Lucas & Crosier 1982); the threshold h that gives
  a target false-alarm probability per year from the run-length distribution of the chain.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from ..errors import ArlTooLarge, InputError
from . import _check
from .result import Result

SCHEMA_NP = "accord.detect.balance/v1"
SCHEMA_CUSUM = "accord.detect.cusum/v1"
SCHEMA_CUSUM_THRESHOLD = "accord.detect.cusum-threshold/v1"

#: Default Brook–Evans chain size; with Richardson extrapolation over (states, states/2) the ARL
#: agrees with the integral equation to about 1e-5 relative for h ≤ 10 (see the tests).
DEFAULT_STATES = 400
#: Default Gauss–Legendre nodes for the integral equation (Knoth's spc package uses 30).
DEFAULT_NODES = 64

#: Largest ARL reported. The ARL equations (I − R)L = 1 have ‖(I − R)⁻¹‖∞ = max L (the inverse is
#: Σ Rⁿ ≥ 0), so their condition number is about 2·ARL and a double-precision solve keeps about
#: 16 − log10(ARL) digits: ~1e-4 relative at 1e12, nothing at 1e16 (k = 3, h = 10 gave −2.8e18).
ARL_LIMIT = 1e12
#: Accepted ranges (standard deviations). Beyond them the chain degenerates (R = 0 or I − R
#: singular in floating point) and nothing of practical use lies there.
K_LIMIT = 20.0
H_LIMIT = 30.0  # beyond it the 64-node integral equation drifts (1.6e-3 off at h = 50)
SHIFT_LIMIT = 20.0
#: Most observations a year for the yearly false-alarm probability (one a second is 3.2e7).
MAX_OBSERVATIONS_PER_YEAR = 1_000_000_000
#: Most run lengths :func:`no_alarm_probabilities` tabulates (one matrix-vector product each).
MAX_OBSERVATIONS_TABLE = 100_000


def _ndtri(p: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(p))


def _ndtr(x: Any) -> Any:
    from scipy.special import ndtr

    return ndtr(x)


# -- Neyman–Pearson -----------------------------------------------------------------------------


def np_detection_probability(loss: float, sigma: float, false_alarm: float) -> float:
    """DP = Φ(M/σ − U_{1−α}) of the one-sided test MUF > U_{1−α}σ against a loss M."""
    M = _check.finite("loss", loss)
    s = _check.positive("sigma", sigma)
    a = _check.probability("false_alarm", false_alarm, open_low=True, open_high=True)
    return float(_ndtr(M / s - _ndtri(1.0 - a)))


def smallest_detectable_loss(sigma: float, false_alarm: float, detection: float) -> float:
    """M = (U_{1−α} + U_{DP})·σ: the smallest loss the test detects with probability DP."""
    s = _check.positive("sigma", sigma)
    a = _check.probability("false_alarm", false_alarm, open_low=True, open_high=True)
    d = _check.probability("detection", detection, open_low=True, open_high=True)
    return (_ndtri(1.0 - a) + _ndtri(d)) * s


def balance_report(
    sigma: float, false_alarm: float, *, loss: float | None = None, detection: float = 0.95
) -> Result:
    """The Neyman–Pearson balance test: DP for ``loss`` and the smallest detectable loss."""
    values: dict[str, object] = {
        "sigma": float(sigma),
        "false_alarm": float(false_alarm),
        "threshold": _ndtri(1.0 - _check.probability("false_alarm", false_alarm, open_low=True, open_high=True))
        * float(sigma),
        "detection_target": float(detection),
        "smallest_detectable_loss": smallest_detectable_loss(sigma, false_alarm, detection),
    }
    if loss is not None:
        values["loss"] = float(loss)
        values["probability"] = np_detection_probability(loss, sigma, false_alarm)
    assumptions = (
        "The material balance (MUF) is normally distributed with known standard deviation σ and "
        "mean equal to the loss.",
        "The test is the one-sided Neyman–Pearson test: alarm when MUF exceeds U_{1−α}·σ.",
    )
    return Result(SCHEMA_NP, "exact", values, assumptions)


# -- CUSUM: Brook–Evans Markov chain ------------------------------------------------------------


def _be_matrix(k: float, h: float, shift: float, states: int) -> np.ndarray:
    """The transient transition matrix R of the Brook–Evans chain with ``states`` states.

    State 0 stands for S ∈ [0, w/2), state i ≥ 1 for S ∈ [(i−½)w, (i+½)w) with w = 2h/(2t−1),
    so the alarm region S > h starts at the upper edge of the last state.
    """
    t = states
    w = 2.0 * h / (2 * t - 1)
    i = np.arange(t)[:, None]
    j = np.arange(t)[None, :]
    upper = _ndtr((j - i) * w + w / 2 + k - shift)
    lower = _ndtr((j - i) * w - w / 2 + k - shift)
    R = upper - lower
    R[:, 0] = upper[:, 0]  # everything below w/2, including the reflection at 0
    return np.asarray(R)


def _solve_arl(A: np.ndarray) -> float:
    """L[0] of A·L = 1, where A = I − (a non-negative kernel); refuses inaccurate answers.

    Every entry of the true L is ≥ 1 and max L is the system's condition number (÷ 2), so a
    singular A, a non-finite or sub-1 entry, or max L above :data:`ARL_LIMIT` means the digits are
    not there: an :class:`ArlTooLarge` rather than a wrong number.
    """
    try:
        L = np.linalg.solve(A, np.ones(A.shape[0]))
    except np.linalg.LinAlgError:
        L = np.array([np.inf])
    if not np.all(np.isfinite(L)) or L.min() < 1.0 - 1e-6 or L.max() > ARL_LIMIT:
        raise ArlTooLarge(
            f"the average run length exceeds {ARL_LIMIT:.0e} observations, beyond what can be "
            "computed accurately in double precision; lower h or k",
            field="h",
        )
    return float(L[0])


def _arl_markov_once(k: float, h: float, shift: float, states: int) -> float:
    R = _be_matrix(k, h, shift, states)
    return _solve_arl(np.eye(states) - R)


def arl_markov_chain(
    k: float, h: float, shift: float, *, states: int = DEFAULT_STATES, extrapolate: bool = True
) -> float:
    """One-sided zero-start ARL by the Brook–Evans chain.

    With ``extrapolate`` the chain is solved with t and t/2 states and combined by Richardson
    extrapolation (the discretisation error falls as 1/t²), which removes most of the error.
    """
    t = _check.integer("states", states, low=4)
    if not extrapolate:
        return _arl_markov_once(k, h, shift, t)
    fine = _arl_markov_once(k, h, shift, t)
    coarse = _arl_markov_once(k, h, shift, t // 2)
    ratio = (t / (t // 2)) ** 2
    return (ratio * fine - coarse) / (ratio - 1.0)


# -- CUSUM: integral equation ---------------------------------------------------------------------


def arl_integral_equation(k: float, h: float, shift: float, *, nodes: int = DEFAULT_NODES) -> float:
    """One-sided zero-start ARL from L(z) = 1 + L(0)Φ(k−z−μ) + ∫₀ʰ L(y) φ(y−z+k−μ) dy,
    solved by the Nyström method with Gauss–Legendre nodes (Vance 1986)."""
    r = _check.integer("nodes", nodes, low=2)
    x, wts = np.polynomial.legendre.leggauss(r)
    y = h / 2.0 * (x + 1.0)
    wy = h / 2.0 * wts
    z = np.concatenate(([0.0], y))  # unknowns: L(0), L(y_1..y_r)
    dens = np.exp(-0.5 * (y[None, :] - z[:, None] + k - shift) ** 2) / math.sqrt(2.0 * math.pi)
    A = np.zeros((r + 1, r + 1))
    A[:, 0] = _ndtr(k - z - shift)
    A[:, 1:] = dens * wy[None, :]
    return _solve_arl(np.eye(r + 1) - A)


Method = Literal["markov-chain", "integral-equation"]


def _validate_cusum(k: float, h: float, shift: float) -> tuple[float, float, float]:
    kk, hh, mu = _check.finite("k", k), _check.positive("h", h), _check.finite("shift", shift)
    for name, x, lo, hi in (("k", kk, -K_LIMIT, K_LIMIT), ("h", hh, 0.0, H_LIMIT),
                            ("shift", mu, -SHIFT_LIMIT, SHIFT_LIMIT)):
        if not lo <= x <= hi:
            raise InputError(f"must lie in [{lo:g}, {hi:g}] standard deviations, got {x:g}", field=name)
    return kk, hh, mu


def cusum_arl(
    k: float,
    h: float,
    shift: float = 0.0,
    *,
    two_sided: bool = False,
    method: Method = "markov-chain",
    states: int = DEFAULT_STATES,
    nodes: int = DEFAULT_NODES,
) -> float:
    """Zero-start average run length of Page's CUSUM for N(shift, 1) observations.

    One-sided: the upper scheme S_i = max(0, S_{i−1} + y_i − k), alarm when S_i > h.
    Two-sided: upper and lower schemes with the same k and h, 1/ARL = 1/ARL⁺ + 1/ARL⁻.
    """
    k, h, shift = _validate_cusum(k, h, shift)
    if method not in ("markov-chain", "integral-equation"):
        raise InputError(f"unknown method {method!r}", field="method")

    def one(mu: float) -> float:
        if method == "markov-chain":
            return arl_markov_chain(k, h, mu, states=states)
        return arl_integral_equation(k, h, mu, nodes=nodes)

    up = one(shift)
    if not two_sided:
        return up
    try:
        down = one(-shift)  # the lower scheme on y is the upper scheme on −y
    except ArlTooLarge:
        # 1/ARL⁻ < 1/ARL_LIMIT: dropping it changes 1/ARL by less than up/ARL_LIMIT relative.
        if up > 1e-6 * ARL_LIMIT:
            raise
        return up
    return 1.0 / (1.0 / up + 1.0 / down)


def no_alarm_probabilities(
    k: float, h: float, shift: float, observations: int, *, states: int = DEFAULT_STATES
) -> np.ndarray:
    """P(RL > m) for m = 1..observations, one-sided zero-start scheme, from the Brook–Evans
    chain: P(RL > m) = e₀ᵀ Rᵐ 1."""
    k, h, shift = _validate_cusum(k, h, shift)
    m = _check.integer("observations", observations, low=1, high=MAX_OBSERVATIONS_TABLE)
    R = _be_matrix(k, h, shift, states)
    v = np.ones(states)
    out = np.empty(m)
    for i in range(m):  # v = R^(i+1) 1
        v = R @ v
        out[i] = v[0]
    return out


def _no_alarm_after(k: float, h: float, shift: float, observations: int, states: int) -> float:
    """P(RL > m) = e₀ᵀ Rᵐ 1 alone: m matrix-vector products for small m, else binary powers of R
    (log₂ m products; R ≥ 0, so squaring has no cancellation)."""
    R = _be_matrix(k, h, shift, states)
    v = np.ones(states)
    m = observations
    if m <= 4096:
        for _ in range(m):
            v = R @ v
        return float(v[0])
    while m:
        if m & 1:
            v = R @ v
        m >>= 1
        if m:
            R = R @ R
    return float(v[0])


def false_alarm_per_year(
    k: float, h: float, observations_per_year: int, *, two_sided: bool = False,
    states: int = DEFAULT_STATES,
) -> float:
    """P(at least one alarm within a year of in-control observations) from the chain.

    Two-sided: 1 − P⁺(no alarm)·P⁻(no alarm), treating the two one-sided schemes as
    independent (they are symmetric at shift 0)."""
    k, h, _ = _validate_cusum(k, h, 0.0)
    m = _check.integer("observations_per_year", observations_per_year, low=1,
                       high=MAX_OBSERVATIONS_PER_YEAR)
    p = _no_alarm_after(k, h, 0.0, m, states)
    return 1.0 - (p * p if two_sided else p)


def cusum_threshold(
    k: float,
    false_alarm_per_year_target: float,
    observations_per_year: int,
    *,
    two_sided: bool = False,
    states: int = DEFAULT_STATES,
) -> float:
    """The threshold h whose false-alarm probability per year equals the target (bisection;
    the probability decreases as h grows)."""
    kk, _, _ = _validate_cusum(k, 1.0, 0.0)
    a = _check.probability("false_alarm", false_alarm_per_year_target, open_low=True, open_high=True)
    m = _check.integer("observations_per_year", observations_per_year, low=1,
                       high=MAX_OBSERVATIONS_PER_YEAR)

    def fa(h: float) -> float:
        return false_alarm_per_year(kk, h, m, two_sided=two_sided, states=states)

    lo, hi = 1e-6, 1.0
    while fa(hi) > a:
        if hi >= H_LIMIT:
            raise InputError(f"no threshold up to {H_LIMIT:g} reaches that false-alarm rate",
                             field="false_alarm")
        hi = min(2.0 * hi, H_LIMIT)
    if fa(lo) <= a:
        return lo
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if fa(mid) > a:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-6:
            break
    return hi


def cusum_report(
    k: float,
    h: float,
    shift: float = 0.0,
    *,
    two_sided: bool = False,
    method: Method = "markov-chain",
    observations_per_year: int | None = None,
) -> Result:
    """ARL (and, with observations per year, the yearly false-alarm probability) with assumptions."""
    arl = cusum_arl(k, h, shift, two_sided=two_sided, method=method)
    notes: list[str] = []
    try:
        arl0: float | None = cusum_arl(k, h, 0.0, two_sided=two_sided, method=method)
    except ArlTooLarge:
        # The ARL asked for is fine; only the in-control one is out of reach: say so, not fail.
        arl0 = None
        notes.append(f"The in-control ARL exceeds {ARL_LIMIT:.0e} observations, beyond what can be "
                     "computed accurately; arl_in_control is null.")
    values: dict[str, object] = {
        "k": float(k),
        "h": float(h),
        "shift": float(shift),
        "two_sided": two_sided,
        "arl": arl,
        "arl_in_control": arl0,
    }
    if method == "markov-chain":
        values["states"] = DEFAULT_STATES
    else:
        values["nodes"] = DEFAULT_NODES
    assumptions = [
        "Observations are independent and normal with unit variance (standardised, e.g. SITMUF); "
        "'shift' is the mean in standard deviations, constant from the first observation.",
        "The CUSUM starts at zero and alarms when the sum exceeds h.",
    ]
    if method == "markov-chain":
        assumptions.append(
            f"Brook–Evans Markov chain with {DEFAULT_STATES} states, Richardson-extrapolated "
            f"against {DEFAULT_STATES // 2} states."
        )
    if two_sided:
        assumptions.append(
            "Two-sided ARL from 1/ARL = 1/ARL⁺ + 1/ARL⁻ (Kemp 1961; Lucas & Crosier 1982), an "
            "approximation of the two-sided scheme (0.1 % off Waldmann's 1986 exact value at "
            "k = 0.6, h = 3, μ = −0.2)."
        )
    if observations_per_year is not None:
        m = _check.integer("observations_per_year", observations_per_year, low=1,
                           high=MAX_OBSERVATIONS_PER_YEAR)
        values["observations_per_year"] = m
        values["false_alarm_per_year"] = false_alarm_per_year(k, h, m, two_sided=two_sided)
        if two_sided:
            assumptions.append(
                "The yearly false-alarm probability of the two-sided scheme treats the upper and "
                "lower sums as independent."
            )
    return Result(SCHEMA_CUSUM, method, values, tuple(assumptions), notes=tuple(notes))
