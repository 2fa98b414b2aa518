"""The ``cap-proof`` entry kind: a party's zero-knowledge proof that a count is under its cap.

The payload is an ``accord.zk-proof/v1`` object (:mod:`accord.zk.proof`). Admission, the audit
and ``verify-bundle`` all apply :func:`check_cap_proof`, which needs nothing but public data:
the proof must parse, be the filing party's (``statement.party``), be about this ledger's
agreement (``statement.agreement``), carry a valid signature by the key that signs the entry
when it carries one, and verify. A proof made for another party or agreement is refused —
and one whose statement was edited no longer verifies, since its challenges hash the statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .keys import PublicKey

if TYPE_CHECKING:
    from ..zk.proof import Verdict

__all__ = ["CAP_PROOF", "check_cap_proof", "proof_verdict"]

CAP_PROOF = "cap-proof"


def proof_verdict(payload: Mapping[str, Any]) -> Verdict | None:
    """The range proof's own verdict (:func:`accord.zk.proof.verify_cap`: the costly part, which
    needs no ledger state), or ``None`` when ``payload`` is not a proof. The ledger computes it
    before taking its write lock and hands it to :func:`check_cap_proof`."""
    from ..zk.proof import parse_proof, verify_cap

    try:
        return verify_cap(parse_proof(payload, file=None))
    except InputError:
        return None


def check_cap_proof(payload: Mapping[str, Any], party: str | None, agreement: str | None,
                    keys: Iterable[PublicKey], *, verdict: Verdict | None = None) -> None:
    """:class:`InputError` saying why ``payload`` is not a valid cap proof by ``party`` for
    ``agreement`` (``None``: not checked); its own signature, if any, must verify with one of
    ``keys`` (the keys that may sign ``party``'s entries). ``verdict``: the range proof's verdict
    from :func:`proof_verdict` on this very payload (computed here when not given)."""
    from ..zk.proof import parse_proof, verify_cap

    try:
        proof = parse_proof(payload, file=None)
    except InputError as err:  # the proof's fields, named as the entry's
        raise InputError(err.problem, field=f"payload.{err.field}" if err.field else "payload") from None
    st = proof.statement
    if party is not None and st.party != party:
        raise InputError(f"the proof is {st.party}'s, not {party}'s", field="payload.statement.party")
    if agreement is not None and st.agreement != agreement:
        raise InputError(f"the proof is about {st.agreement!r}, not this ledger's agreement {agreement!r}",
                         field="payload.statement.agreement")
    if proof.signature is not None:
        message = proof.signed_bytes()
        if not any(k.vkey == proof.signature.signer and k.verify(message, proof.signature.signature) for k in keys):
            raise InputError(f"its signature is not by {st.party}'s key", field="payload.signature")
    if verdict is None:
        verdict = verify_cap(proof)
    if not verdict.ok:
        raise InputError(f"the proof does not verify ({verdict.check}): {verdict.detail}", field="payload")
