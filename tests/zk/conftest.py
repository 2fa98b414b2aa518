"""Small cap proofs for the zk tests (a few items of a few bits: milliseconds each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from accord.zk.group import Scalar
from accord.zk.opening import item_blinding, new_salt
from accord.zk.proof import CapProof, Statement, prove_cap


def statement(items: int, *, cap: int = 5, bits: int = 2, party: str = "US", agreement: str = "newstart-2021",
              limit: str = "deployed_warheads", date: dt.date = dt.date(2020, 9, 1)) -> Statement:
    return Statement(agreement, limit, party, date, cap, bits, items)


def records(n: int) -> list[dict]:
    return [{"id": f"item-{i}", "type": "icbm", "status": "deployed", "facility": "F", "warheads": 1}
            for i in range(n)]


def make(counts: Sequence[int], st: Statement | None = None, *, check: bool = True
         ) -> tuple[CapProof, list[dict], list[bytes], list[Scalar]]:
    """A proof over ``counts`` with per-item records and salts (as `accord zk prove` makes them)."""
    st = st or statement(len(counts))
    recs = records(len(counts))
    salts = [new_salt() for _ in counts]
    blindings = [item_blinding(s, r) for s, r in zip(salts, recs, strict=True)]
    return prove_cap(st, counts, blindings, check=check), recs, salts, blindings


@pytest.fixture(scope="module")
def small() -> tuple[CapProof, list[dict], list[bytes], list[Scalar]]:
    """Two items counting 2 and 1 under a cap of 5 (bits 2): 2·2 + 3 = 7 bits, padded to 8."""
    return make([2, 1])
