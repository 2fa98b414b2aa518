"""Zero knowledge, checked statistically: proofs made by the simulator, which knows no count,
and real proofs have the same distribution in every public field (docs/zk.md).

Each field of a proof (a point's encoding or a scalar) is mapped to a number in [0, 1) and the
two samples are compared with the two-sample Kolmogorov–Smirnov test. A test of this size would
see a field that depends on the counts: the last test shows it separates real commitments to
small counts made *without* blinding from blinded ones at once."""

from __future__ import annotations

import random

import pytest
from scipy.stats import ks_2samp

from accord.zk.group import ORDER, Point, Scalar
from accord.zk.pedersen import generators
from accord.zk.proof import CapProof, verify_cap
from accord.zk.simulator import simulate

from .conftest import make, statement

SAMPLES = 150
#: Per-field significance: 17 fields, so a false alarm is about 2 in 10,000 runs.
ALPHA = 1e-5
POINTS = ("A", "S", "T1", "T2")
SCALARS = ("tau_x", "mu", "t_hat", "a", "b")


def _fields(proof: CapProof) -> dict[str, float]:
    rp = proof.range_proof
    out = {name: int.from_bytes(rp[name][:8], "little") / 2**64 for name in POINTS}
    out.update({name: int.from_bytes(rp[name], "little") / ORDER for name in SCALARS})
    for side in ("L", "R"):
        for j, p in enumerate(rp[side]):
            out[f"{side}{j}"] = int.from_bytes(p[:8], "little") / 2**64
    return out


@pytest.fixture(scope="module")
def samples() -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    rng = random.Random(12)
    st = statement(2, cap=5, bits=2)
    real, simulated = [], []
    for _ in range(SAMPLES):
        counts = [rng.randrange(4), rng.randrange(2)]  # totals 0..4: every one under the cap
        proof, *_ = make(counts, st)
        real.append(_fields(proof))
        # The simulator sees only the statement and the commitments.
        sim, challenges = simulate(st, [Point(c) for c in proof.commitments])
        assert verify_cap(sim, challenges=challenges).ok  # it is an accepting transcript
        simulated.append(_fields(sim))
    return real, simulated


def test_every_public_field_has_the_same_distribution(samples) -> None:
    real, simulated = samples
    assert len(real[0]) == 4 + 5 + 6  # N = 8: three inner-product rounds
    for name in real[0]:
        p = ks_2samp([r[name] for r in real], [s[name] for s in simulated]).pvalue
        assert p > ALPHA, f"{name}: the simulator's distribution differs from the real one (p = {p:.2g})"


def test_fields_look_uniform(samples) -> None:
    # Both are uniform in the group or in Z_ℓ (what the simulation argument says).
    real, _ = samples
    for name in real[0]:
        rng = random.Random(name)
        uniform = [rng.random() for _ in range(SAMPLES)]
        assert ks_2samp([r[name] for r in real], uniform).pvalue > ALPHA, name


def test_the_check_sees_a_field_that_depends_on_the_counts() -> None:
    # Not zero knowledge: committing to the count with a fixed blinding. The same test rejects it.
    g = generators()
    rng = random.Random(3)
    blinded = [int.from_bytes((Scalar.from_int(rng.randrange(4)) * g.B + Scalar.random() * g.H).b[:8], "little")
               / 2**64 for _ in range(SAMPLES)]
    fixed = Scalar.from_int(7)
    leaky = [int.from_bytes((Scalar.from_int(rng.randrange(4)) * g.B + fixed * g.H).b[:8], "little") / 2**64
             for _ in range(SAMPLES)]
    assert ks_2samp(blinded, leaky).pvalue < ALPHA
