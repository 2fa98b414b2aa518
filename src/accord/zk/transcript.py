"""The Fiat–Shamir transcript: every challenge is a hash of everything said before it.

The interactive proofs (Bünz et al. 2018, §4.4: "the protocol can be made non-interactive
using the Fiat–Shamir heuristic") become non-interactive by replacing each verifier challenge
with a hash of the whole conversation so far, *starting with the statement*: the protocol
version, the agreement, the limit, the party, the date, the cap, the bit lengths and every
commitment. A proof made for one statement therefore fails for any other — another cap,
party, date or agreement gives other challenges, and the proof's equations no longer hold.

Encoding (so that another implementation can rebuild the same challenges): one running
SHA-512. The transcript starts with ``label("accord.zk.transcript/v1")``; appending a message
``m`` under the label ``l`` feeds ``len(l) (8 bytes, big-endian) || l || len(m) (8 bytes) || m``;
a challenge under the label ``l`` is ``SHA-512(state so far || len(l) || l || "challenge")``
reduced mod ℓ (``crypto_core_ed25519_scalar_reduce``), and that scalar's 32 bytes are then
appended under ``l`` (so each challenge depends on all those before it). Labels and messages
are ASCII labels and raw bytes: integers as decimal ASCII, points as their 32-byte encodings.
"""

from __future__ import annotations

import hashlib

from .group import Point, Scalar

__all__ = ["Transcript"]

_DOMAIN = b"accord.zk.transcript/v1"


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


class Transcript:
    """A running hash of labelled messages, from which challenges are drawn."""

    def __init__(self) -> None:
        self._h = hashlib.sha512(_frame(_DOMAIN))

    def append(self, label: str, data: bytes) -> None:
        """Absorb ``data`` under ``label``."""
        self._h.update(_frame(label.encode("ascii")) + _frame(data))

    def append_text(self, label: str, text: str) -> None:
        """Absorb the UTF-8 bytes of ``text``."""
        self.append(label, text.encode("utf-8"))

    def append_int(self, label: str, n: int) -> None:
        """Absorb an integer as its decimal digits."""
        self.append(label, str(n).encode("ascii"))

    def append_point(self, label: str, p: Point) -> None:
        self.append(label, p.b)

    def append_scalar(self, label: str, s: Scalar) -> None:
        self.append(label, s.b)

    def challenge(self, label: str) -> Scalar:
        """A scalar that depends on everything absorbed so far; absorbed in turn. A zero
        challenge (probability 2^-252) would make a proof's inverses undefined, so it is an
        error rather than a value."""
        fork = self._h.copy()
        fork.update(_frame(label.encode("ascii")) + b"challenge")
        c = Scalar.from_hash(fork.digest())
        if c.is_zero():  # pragma: no cover - probability 2^-252
            raise ArithmeticError("a Fiat–Shamir challenge is zero")
        self.append_scalar(label, c)
        return c
