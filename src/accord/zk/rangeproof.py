"""An aggregated Bulletproofs range proof: each committed value lies in ``[0, 2^n_j)``.

Bünz et al., "Bulletproofs: Short Proofs for Confidential Transactions and More" (IEEE S&P
2018): §4.1–4.2 (the logarithmic range proof), §4.3 (aggregating m range proofs into one) and
§4.4 (non-interactive by Fiat–Shamir). The paper's ``g, h, g_i, h_i, V^(z²)`` are written here
additively as ``B, H, G_i, H_i, z²·V``; indices start at 0. Its aggregation gives every value
the same bit length n; here value j has its own ``n_j`` (the item counts k bits, the slack
under the cap K bits), the bit vectors are laid end to end and the vector is padded with free
positions up to a power of two N. A free position carries the bit 0 and no value's weight:
the per-position constraints below still hold there, and nothing else reads it.

Statement: commitments ``V_j = v_j·B + γ_j·H`` with ``v_j ∈ [0, 2^n_j)``. Witness: ``v_j, γ_j``.

Prover (with ``a_L`` the bits of all the v_j, least significant first, ``a_R = a_L − 1^N``):

    A = α·H + <a_L, G> + <a_R, H_vec>                   (§4.1, commitment to the bits)
    S = ρ·H + <s_L, G> + <s_R, H_vec>                   (§4.1, commitment to the blinding vectors)
    y, z = challenges
    d_i = z^(2+j)·2^(i−o_j) for position i of value j (offset o_j), 0 on a free position
                                                        (§4.3: z^(1+j)·(0‖2^n‖0), 1-based j)
    l(X) = (a_L − z·1) + s_L·X
    r(X) = yᴺ∘(a_R + z·1 + s_R·X) + d                   (§4.3, the aggregated r(X))
    t(X) = <l(X), r(X)> = t0 + t1·X + t2·X²
    T1 = t1·B + τ1·H,  T2 = t2·B + τ2·H,  x = challenge
    l = l(x), r = r(x), t̂ = <l, r>
    τx = τ2·x² + τ1·x + Σ_j z^(2+j)·γ_j,  μ = α + ρ·x     (§4.3)
    w = challenge; the inner-product argument (Protocol 1: ``U' = w·U``) for l, r on the
    generators G and H'_i = y⁻ⁱ·H_i, against P − μ·H + t̂·U'.

Verifier:

    (range-polynomial)  t̂·B + τx·H = Σ_j z^(2+j)·V_j + δ(y,z)·B + x·T1 + x²·T2
        δ(y,z) = (z − z²)·<1, yᴺ> − Σ_j z^(3+j)·(2^(n_j) − 1)          (§4.3)
    (inner-product)     P = A + x·S − z·<1, G> + Σ_i (z + d_i·y⁻ⁱ)·H_i   (§4.3, P with H')
        and P − μ·H + t̂·U' is what the inner-product argument proves, checked as one
        multi-scalar equation (§6.2, "a single multi-exponentiation"; here one libsodium
        multiplication per term, since libsodium offers no multi-scalar multiplication).

Why it is sound: t0 = Σ_j z^(2+j)·v_j + δ(y,z) holds for random y, z only if every a_L,i is a
bit (a_L∘a_R = 0, a_L − a_R = 1) and the bits of value j sum, weighted by powers of two, to
v_j (§4.1); the range-polynomial check ties t0 to the V_j, and the inner-product check ties l, r
to A and S. A value outside its range (a negative count is ℓ − |v|, far above 2^n_j) has no
such bits, so a prover that tries (``check=False``) produces a proof that fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import innerproduct
from .group import Point, Scalar, msm, point_sum
from .innerproduct import InnerProductProof, inner
from .pedersen import Generators
from .transcript import Transcript

__all__ = ["MAX_VALUE_BITS", "RangeProof", "padded_length", "prove", "verify"]

#: The longest bit length one value may have (so 2^n_j stays far below ℓ).
MAX_VALUE_BITS = 64


@dataclass(frozen=True)
class RangeProof:
    """The proof: four points, three scalars and an inner-product argument."""

    A: Point
    S: Point
    T1: Point
    T2: Point
    tau_x: Scalar
    mu: Scalar
    t_hat: Scalar
    ipa: InnerProductProof


def padded_length(bit_lengths: Sequence[int]) -> int:
    """N: the total bit length rounded up to a power of two."""
    total = sum(bit_lengths)
    return 1 << max(0, (total - 1).bit_length())


def _offsets(bit_lengths: Sequence[int]) -> list[int]:
    out, o = [], 0
    for n in bit_lengths:
        out.append(o)
        o += n
    return out


def _powers(x: Scalar, n: int) -> list[Scalar]:
    out = [Scalar.from_int(1)]
    for _ in range(1, n):
        out.append(out[-1] * x)
    return out[:n]


def _absorb_statement(transcript: Transcript, commitments: Sequence[Point], bit_lengths: Sequence[int]) -> None:
    transcript.append_int("range.values", len(commitments))
    for V, n in zip(commitments, bit_lengths, strict=True):
        transcript.append_int("range.bits", n)
        transcript.append_point("range.V", V)


def _weights(z: Scalar, bit_lengths: Sequence[int], N: int) -> tuple[list[Scalar], list[Scalar]]:
    """``(z^(2+j) for each value j, d)`` — d as in the module docstring."""
    zero = Scalar.from_int(0)
    zj = []
    d = [zero] * N
    w = z * z
    for j, (o, n) in enumerate(zip(_offsets(bit_lengths), bit_lengths, strict=True)):
        if j:
            w = w * z
        zj.append(w)
        for t in range(n):
            d[o + t] = w * Scalar.from_int(1 << t)
    return zj, d


def _delta(y_pow: Sequence[Scalar], z: Scalar, zj: Sequence[Scalar], bit_lengths: Sequence[int]) -> Scalar:
    """δ(y,z) = (z − z²)·<1, yᴺ> − Σ_j z^(3+j)·(2^(n_j) − 1)."""
    sum_y = Scalar.from_int(0)
    for p in y_pow:
        sum_y = sum_y + p
    acc = (z - z * z) * sum_y
    for w, n in zip(zj, bit_lengths, strict=True):
        acc = acc - w * z * Scalar.from_int((1 << n) - 1)
    return acc


def prove(transcript: Transcript, gens: Generators, values: Sequence[int], blindings: Sequence[Scalar],
          bit_lengths: Sequence[int], *, check: bool = True) -> tuple[list[Point], RangeProof]:
    """The commitments ``V_j = v_j·B + γ_j·H`` and a proof that each ``v_j ∈ [0, 2^n_j)``.

    ``check=False`` lets a value lie outside its range: the prover then follows the protocol
    with the low ``n_j`` bits of ``v_j mod ℓ`` — a dishonest prover, whose proof the verifier
    rejects (the tests use it to show that)."""
    if not len(values) == len(blindings) == len(bit_lengths) or not values:
        raise ValueError("one blinding and one bit length per value")
    for v, n in zip(values, bit_lengths, strict=True):
        if not 1 <= n <= MAX_VALUE_BITS:
            raise ValueError(f"bit lengths run from 1 to {MAX_VALUE_BITS}")
        if check and not 0 <= v < 1 << n:
            raise ValueError(f"{v} is outside [0, 2^{n})")
    B, H = gens.B, gens.H
    N = padded_length(bit_lengths)
    G, Hv = gens.vectors(N)
    V = [Scalar.from_int(v) * B + g * H for v, g in zip(values, blindings, strict=True)]
    _absorb_statement(transcript, V, bit_lengths)

    bits = [0] * N
    for o, v, n in zip(_offsets(bit_lengths), values, bit_lengths, strict=True):
        u = v % (1 << n) if check else int(Scalar.from_int(v)) % (1 << n)
        for t in range(n):
            bits[o + t] = (u >> t) & 1
    zero, one = Scalar.from_int(0), Scalar.from_int(1)
    a_l = [one if b else zero for b in bits]
    a_r = [zero if b else -one for b in bits]
    alpha, rho = Scalar.random(), Scalar.random()
    # A = α·H + <a_L, G> + <a_R, H_vec>: a_L is 0/1 and a_R is −1/0, so only additions.
    A = alpha * H + point_sum([G[i] if b else -Hv[i] for i, b in enumerate(bits)])
    s_l = [Scalar.random() for _ in range(N)]
    s_r = [Scalar.random() for _ in range(N)]
    S = msm([rho, *s_l, *s_r], [H, *G, *Hv])
    transcript.append_point("range.A", A)
    transcript.append_point("range.S", S)
    y = transcript.challenge("range.y")
    z = transcript.challenge("range.z")

    y_pow = _powers(y, N)
    zj, d = _weights(z, bit_lengths, N)
    l0 = [al - z for al in a_l]
    r0 = [yp * (ar + z) + di for yp, ar, di in zip(y_pow, a_r, d, strict=True)]
    r1 = [yp * sr for yp, sr in zip(y_pow, s_r, strict=True)]
    t1 = inner(l0, r1) + inner(s_l, r0)
    t2 = inner(s_l, r1)
    tau1, tau2 = Scalar.random(), Scalar.random()
    T1 = t1 * B + tau1 * H
    T2 = t2 * B + tau2 * H
    transcript.append_point("range.T1", T1)
    transcript.append_point("range.T2", T2)
    x = transcript.challenge("range.x")

    l_vec = [a + x * b for a, b in zip(l0, s_l, strict=True)]
    r_vec = [a + x * b for a, b in zip(r0, r1, strict=True)]
    t_hat = inner(l_vec, r_vec)
    tau_x = tau2 * x * x + tau1 * x
    for w, g in zip(zj, blindings, strict=True):
        tau_x = tau_x + w * g
    mu = alpha + rho * x
    transcript.append_scalar("range.tau_x", tau_x)
    transcript.append_scalar("range.mu", mu)
    transcript.append_scalar("range.t_hat", t_hat)
    w_ = transcript.challenge("range.w")
    y_inv_pow = _powers(y.inverse(), N)
    ipa = innerproduct.prove(transcript, G, Hv, w_ * gens.U, l_vec, r_vec, y_inv_pow)
    return V, RangeProof(A, S, T1, T2, tau_x, mu, t_hat, ipa)


def verify(transcript: Transcript, gens: Generators, commitments: Sequence[Point], bit_lengths: Sequence[int],
           proof: RangeProof, *, challenges: dict[str, Scalar] | None = None) -> str | None:
    """``None`` when the proof shows every ``V_j`` commits to a value in ``[0, 2^n_j)``;
    otherwise the name of the check that failed: ``shape`` (not ``log2(N)`` inner-product
    rounds), ``range-polynomial`` or ``inner-product``.

    ``challenges`` (the simulator's programmed oracle, for the tests) replaces ``y, z, x, w``;
    the inner-product challenges still come from the transcript."""
    N = padded_length(bit_lengths)
    if len(commitments) != len(bit_lengths) or not commitments:
        return "shape"
    if len(proof.ipa.L) != len(proof.ipa.R) or 1 << len(proof.ipa.L) != N:
        return "shape"
    B, H = gens.B, gens.H
    _absorb_statement(transcript, commitments, bit_lengths)
    transcript.append_point("range.A", proof.A)
    transcript.append_point("range.S", proof.S)
    y = transcript.challenge("range.y")
    z = transcript.challenge("range.z")
    transcript.append_point("range.T1", proof.T1)
    transcript.append_point("range.T2", proof.T2)
    x = transcript.challenge("range.x")
    transcript.append_scalar("range.tau_x", proof.tau_x)
    transcript.append_scalar("range.mu", proof.mu)
    transcript.append_scalar("range.t_hat", proof.t_hat)
    w = transcript.challenge("range.w")
    if challenges is not None:
        y, z, x, w = challenges["y"], challenges["z"], challenges["x"], challenges["w"]

    y_pow = _powers(y, N)
    zj, d = _weights(z, bit_lengths, N)
    delta = _delta(y_pow, z, zj, bit_lengths)
    lhs = proof.t_hat * B + proof.tau_x * H
    rhs = msm([*zj, delta, x, x * x], [*commitments, B, proof.T1, proof.T2])
    if lhs != rhs:
        return "range-polynomial"

    G, Hv = gens.vectors(N)
    x_sq, x_inv_sq, s = innerproduct.verification_scalars(transcript, proof.ipa, N)
    a, b = proof.ipa.a, proof.ipa.b
    y_inv_pow = _powers(y.inverse(), N)
    g_scalars = [a * si + z for si in s]
    h_scalars = [yi * (b * s[N - 1 - i] - di) - z for i, (yi, di) in enumerate(zip(y_inv_pow, d, strict=True))]
    lhs = msm([*g_scalars, *h_scalars, proof.mu, w * (a * b - proof.t_hat)], [*G, *Hv, H, gens.U])
    rhs = proof.A + msm([x, *x_sq, *x_inv_sq], [proof.S, *proof.ipa.L, *proof.ipa.R])
    if lhs != rhs:
        return "inner-product"
    return None

