"""The zero-knowledge simulator: accepting cap proofs made without knowing any count.

Zero knowledge means that whatever a verifier sees, it could have produced itself from the
public statement alone. The evidence is a *simulator*, as in Bünz et al.'s (2018) proof that the
range proof is perfect special honest-verifier zero knowledge (§4.2, aggregated in §4.3): given
the challenges in advance, it picks ``l, r, τx, μ`` uniformly at random, sets ``t̂ = <l, r>``,
picks ``S`` and ``T2`` as uniform points, and *solves the verifier's two equations* for ``T1``
and ``A``:

    T1 = x⁻¹·(t̂·B + τx·H − Σ_j z^(2+j)·V_j − δ(y,z)·B − x²·T2)
    A  = μ·H + Σ_i (l_i + z)·G_i + Σ_i (y⁻ⁱ·(r_i − d_i) − z)·H_i − x·S

then runs the inner-product argument honestly on ``l, r`` (which are already random). In a
real proof every one of these fields is uniformly distributed too (``τx, μ`` and ``l, r`` are
masked by the uniform ``τ1, τ2, α, ρ, s_L, s_R``), and ``T1, A`` are the unique values the
equations allow — so simulated and real transcripts have the same distribution, and a proof
reveals nothing about the counts beyond the statement. With Fiat–Shamir the challenges are
hashes; the simulator instead *programs* them (the random-oracle model's simulator), so its
proofs verify with :func:`~accord.zk.proof.verify_cap` given ``challenges=``, and not
otherwise. tests/zk/test_zero_knowledge.py compares the two distributions field by field.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import innerproduct
from .group import Point, Scalar, msm
from .pedersen import generators
from .proof import CapProof, Statement, _encode_range_proof, slack_commitment
from .rangeproof import RangeProof, _absorb_statement, _delta, _powers, _weights, padded_length
from .transcript import Transcript

__all__ = ["simulate"]


def simulate(statement: Statement, commitments: Sequence[Point]) -> tuple[CapProof, dict[str, Scalar]]:
    """A cap proof for ``statement`` over ``commitments`` made without any opening, and the
    challenges ``{"y", "z", "x", "w"}`` it was made for."""
    gens = generators()
    B, H = gens.B, gens.H
    bit_lengths = statement.bit_lengths()
    N = padded_length(bit_lengths)
    G, Hv = gens.vectors(N)
    V = [*commitments, slack_commitment(statement, commitments)]
    y, z, x, w = (Scalar.random() for _ in range(4))
    y_pow = _powers(y, N)
    y_inv_pow = _powers(y.inverse(), N)
    zj, d = _weights(z, bit_lengths, N)
    delta = _delta(y_pow, z, zj, bit_lengths)

    l_vec = [Scalar.random() for _ in range(N)]
    r_vec = [Scalar.random() for _ in range(N)]
    tau_x, mu = Scalar.random(), Scalar.random()
    t_hat = innerproduct.inner(l_vec, r_vec)
    T2 = Scalar.random() * B
    S = Scalar.random() * B
    rest = msm([*zj, delta, x * x], [*V, B, T2])
    T1 = x.inverse() * (t_hat * B + tau_x * H - rest)
    A = msm([mu, *(li + z for li in l_vec), *(yi * (ri - di) - z for yi, ri, di in zip(y_inv_pow, r_vec, d,
                                                                                         strict=True)), x],
            [H, *G, *Hv, -S])

    # The transcript as the verifier replays it; its y, z, x, w are replaced by the programmed
    # ones, but the inner-product challenges are drawn from it as in a real proof.
    transcript = Transcript()
    statement.absorb(transcript)
    for c in commitments:
        transcript.append_point("commitment", c)
    _absorb_statement(transcript, V, bit_lengths)
    transcript.append_point("range.A", A)
    transcript.append_point("range.S", S)
    transcript.challenge("range.y")
    transcript.challenge("range.z")
    transcript.append_point("range.T1", T1)
    transcript.append_point("range.T2", T2)
    transcript.challenge("range.x")
    transcript.append_scalar("range.tau_x", tau_x)
    transcript.append_scalar("range.mu", mu)
    transcript.append_scalar("range.t_hat", t_hat)
    transcript.challenge("range.w")
    ipa = innerproduct.prove(transcript, G, Hv, w * gens.U, l_vec, r_vec, y_inv_pow)
    rp = RangeProof(A, S, T1, T2, tau_x, mu, t_hat, ipa)
    proof = CapProof(statement, tuple(c.b for c in commitments), _encode_range_proof(rp))
    return proof, {"y": y, "z": z, "x": x, "w": w}
