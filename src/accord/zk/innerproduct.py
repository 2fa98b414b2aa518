"""The inner-product argument of Bulletproofs (Bünz, Bootle, Boneh, Poelstra, Wuille, Maxwell,
"Bulletproofs: Short Proofs for Confidential Transactions and More", IEEE S&P 2018, §3).

Given generators ``G, H ∈ 𝔾^n`` (n a power of two), ``U ∈ 𝔾`` and a point
``P = <a, G> + <b, H> + <a, b>·U``, the prover convinces the verifier that it knows ``a, b`` with
``2·log2(n)`` points and two scalars. The paper's notation is multiplicative (``g^a``); this
module writes it additively (``a·G``), as libsodium computes it.

Protocol 2 (the recursion), one round with ``n' = n/2`` (``lo``/``hi`` the two halves):

    c_L = <a_lo, b_hi>,  c_R = <a_hi, b_lo>
    L = <a_lo, G_hi> + <b_hi, H_lo> + c_L·U          R = <a_hi, G_lo> + <b_lo, H_hi> + c_R·U
    x = challenge(L, R)
    G' = x⁻¹·G_lo + x·G_hi    H' = x·H_lo + x⁻¹·H_hi    P' = x²·L + P + x⁻²·R
    a' = x·a_lo + x⁻¹·a_hi    b' = x⁻¹·b_lo + x·b_hi

until ``n = 1``, when the prover sends ``a, b``. The verifier does not fold the generators: it
checks the single equation of §3.1 ("Inner-Product Verification through Multi-Exponentiation"),

    P + Σ_j (x_j²·L_j + x_j⁻²·R_j) = a·<s, G> + b·<s⁻¹, H> + a·b·U,
    s_i = Π_j x_j^(+1 if bit (k−1−j) of i is set, else −1),   k = log2(n),

which :func:`verification_scalars` prepares for the range proof to fold into its own check.
The challenges come from the caller's :class:`~accord.zk.transcript.Transcript` (Fiat–Shamir).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .group import Point, Scalar, msm
from .transcript import Transcript

__all__ = ["InnerProductProof", "batch_invert", "inner", "prove", "verification_scalars", "verify"]


@dataclass(frozen=True)
class InnerProductProof:
    """``L_j, R_j`` for each of the ``log2(n)`` rounds, and the final ``a, b``."""

    L: tuple[Point, ...]
    R: tuple[Point, ...]
    a: Scalar
    b: Scalar


def inner(a: Sequence[Scalar], b: Sequence[Scalar]) -> Scalar:
    """``<a, b> = Σ a_i·b_i`` in Z_ℓ."""
    acc = Scalar.from_int(0)
    for x, y in zip(a, b, strict=True):
        acc = acc + x * y
    return acc


def batch_invert(xs: Sequence[Scalar]) -> list[Scalar]:
    """Every ``x⁻¹`` with one inversion (Montgomery's trick); no ``x`` may be zero."""
    prefix = [Scalar.from_int(1)]
    for x in xs:
        prefix.append(prefix[-1] * x)
    inv = prefix[-1].inverse()
    out = [inv] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        out[i] = inv * prefix[i]
        inv = inv * xs[i]
    return out


def prove(transcript: Transcript, G: Sequence[Point], H: Sequence[Point], U: Point, a: Sequence[Scalar],
          b: Sequence[Scalar], h_factors: Sequence[Scalar] | None = None) -> InnerProductProof:
    """Protocol 2 for ``P = <a, G> + <b, H'> + <a, b>·U`` with ``H'_i = h_factors[i]·H_i``
    (``H`` itself without factors). ``len(G)`` must be a power of two.

    The generators are folded one multiplication per new point instead of two: the prover
    keeps ``G = σ·Ĝ`` (one scalar σ for the whole vector) and ``H'_i = τ_i·Ĥ_i``, and
    ``x⁻¹·G_lo + x·G_hi = σx⁻¹·(Ĝ_lo + x²·Ĝ_hi)``, ``x·H'_lo + x⁻¹·H'_hi =
    xτ_lo·(Ĥ_lo + (x⁻²·τ_hi/τ_lo)·Ĥ_hi)``; the scales ride on the scalars of L and R. The proof
    (every L, R, a, b) is exactly Protocol 2's; the range proof's ``H'_i = y⁻ⁱ·H_i`` are never
    computed as points."""
    n = len(G)
    if n & (n - 1) or not n or not len(H) == len(a) == len(b) == n:
        raise ValueError("the inner-product argument needs vectors of one power-of-two length")
    g, h = list(G), list(H)
    sigma = Scalar.from_int(1)
    tau = list(h_factors) if h_factors is not None else [Scalar.from_int(1)] * n
    a_, b_ = list(a), list(b)
    Ls: list[Point] = []
    Rs: list[Point] = []
    while n > 1:
        m = n // 2
        a_lo, a_hi, b_lo, b_hi = a_[:m], a_[m:], b_[:m], b_[m:]
        g_lo, g_hi, h_lo, h_hi = g[:m], g[m:], h[:m], h[m:]
        t_lo, t_hi = tau[:m], tau[m:]
        c_l, c_r = inner(a_lo, b_hi), inner(a_hi, b_lo)
        L = msm([*(sigma * v for v in a_lo), *(v * t for v, t in zip(b_hi, t_lo, strict=True)), c_l],
                [*g_hi, *h_lo, U])
        R = msm([*(sigma * v for v in a_hi), *(v * t for v, t in zip(b_lo, t_hi, strict=True)), c_r],
                [*g_lo, *h_hi, U])
        transcript.append_point("ipa.L", L)
        transcript.append_point("ipa.R", R)
        x = transcript.challenge("ipa.x")
        xi = x.inverse()
        x2, xi2 = x * x, xi * xi
        Ls.append(L)
        Rs.append(R)
        a_ = [x * lo + xi * hi for lo, hi in zip(a_lo, a_hi, strict=True)]
        b_ = [xi * lo + x * hi for lo, hi in zip(b_lo, b_hi, strict=True)]
        g = [lo + x2 * hi for lo, hi in zip(g_lo, g_hi, strict=True)]
        sigma = sigma * xi
        ratio = [xi2 * th * tli for th, tli in zip(t_hi, batch_invert(t_lo), strict=True)]
        h = [lo + r * hi for lo, hi, r in zip(h_lo, h_hi, ratio, strict=True)]
        tau = [x * t for t in t_lo]
        n = m
    return InnerProductProof(tuple(Ls), tuple(Rs), a_[0], b_[0])


def verification_scalars(transcript: Transcript, proof: InnerProductProof, n: int
                         ) -> tuple[list[Scalar], list[Scalar], list[Scalar]]:
    """``(x_j², x_j⁻², s)`` of the §3.1 check, the challenges replayed from ``transcript``.
    ``proof`` must have ``log2(n)`` rounds (the caller checks)."""
    xs = []
    for L, R in zip(proof.L, proof.R, strict=True):
        transcript.append_point("ipa.L", L)
        transcript.append_point("ipa.R", R)
        xs.append(transcript.challenge("ipa.x"))
    k = len(xs)
    x_sq = [x * x for x in xs]
    x_inv = [x.inverse() for x in xs]
    x_inv_sq = [x * x for x in x_inv]
    s0 = Scalar.from_int(1)
    for xi in x_inv:
        s0 = s0 * xi
    s = [s0]
    for i in range(1, n):
        t = i.bit_length() - 1  # i = 2^t + rest: s_i = s_rest·x_(k−1−t)², the bit t turned on
        s.append(s[i - (1 << t)] * x_sq[k - 1 - t])
    return x_sq, x_inv_sq, s


def verify(transcript: Transcript, G: Sequence[Point], H: Sequence[Point], U: Point, P: Point,
           proof: InnerProductProof) -> bool:
    """The §3.1 check for ``P = <a, G> + <b, H> + <a, b>·U`` on its own (the range proof folds
    it into one equation with its own terms instead)."""
    n = len(G)
    if n & (n - 1) or not n or len(proof.L) != len(proof.R) or 1 << len(proof.L) != n:
        return False
    x_sq, x_inv_sq, s = verification_scalars(transcript, proof, n)
    lhs = msm([proof.a * si for si in s] + [proof.b * s[n - 1 - i] for i in range(n)] + [proof.a * proof.b],
              [*G, *H, U])
    rhs = P + msm(x_sq + x_inv_sq, list(proof.L) + list(proof.R))
    return lhs == rhs
