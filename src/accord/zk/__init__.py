"""accord.zk — prove that a count is under its cap without revealing it.

A party commits to what each of its items adds to a limit's total (Pedersen commitments over
edwards25519) and proves, with one aggregated Bulletproofs range proof made non-interactive by
Fiat–Shamir, that every item's count is in ``[0, 2^k)`` and that the total is at most the cap.
The verifier learns the statement (agreement, limit, party, date, cap, k and the number of
items) and nothing else; an inspection can open chosen items while the rest stay hidden.

Modules, one job each: ``group`` (the prime-order group and its scalars, hash-to-point — all
through libsodium), ``pedersen`` (commitments, generators), ``transcript`` (Fiat–Shamir),
``innerproduct`` (Bulletproofs §3), ``rangeproof`` (§4), ``proof`` (the statement and the JSON
contract ``accord.zk-proof/v1``), ``opening`` (inspection openings, the prover's witness) and
``simulator`` (the zero-knowledge simulator). Pure: no I/O. docs/zk.md is the security argument.
"""

from __future__ import annotations

from .opening import ItemOpening, Witness, check_opening, item_blinding, parse_openings, parse_witness
from .proof import SCHEMA, CapProof, Signature, Statement, Verdict, parse_proof, prove_cap, read_proof, verify_cap

__all__ = [
    "SCHEMA",
    "CapProof",
    "ItemOpening",
    "Signature",
    "Statement",
    "Verdict",
    "Witness",
    "check_opening",
    "item_blinding",
    "parse_openings",
    "parse_proof",
    "parse_witness",
    "prove_cap",
    "read_proof",
    "verify_cap",
]
