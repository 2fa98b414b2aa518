"""Zero-knowledge cap proofs as use cases: prove from a declaration, verify a proof file, open
items for an inspection and check the openings.

The pure proof is :mod:`accord.zk`; this module reads the files, counts the declaration under
the agreement's rules (:func:`accord.forces.contributions.item_contributions`), asks the
compliance engine for the cap, signs with the party's ledger key and writes the files. Each
command's outcome is a result object with ``to_json()`` (documented in docs/json.md),
``rows()``, ``columns``, ``title()`` and ``footer()``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import limits
from ..agreements.model import Agreement, Limit
from ..errors import InputError
from ..forces.contributions import item_contributions
from ..forces.holdings import Holdings
from ..forces.items import ItemTable
from ..zk.opening import (
    ItemOpening,
    Witness,
    check_opening,
    item_blinding,
    new_salt,
    openings_json,
    parse_openings,
    parse_witness,
)
from ..zk.proof import CapProof, Signature, Statement, canonical_json, prove_cap, read_proof, verify_cap

__all__ = [
    "DEFAULT_BITS",
    "OpeningsCheck",
    "OpeningsWritten",
    "ProofCheck",
    "ProofMade",
    "ProofRefused",
    "check_openings",
    "open_items",
    "prove_declaration",
    "verify_file",
    "witness_path",
]

#: Bits per item count when ``--bits`` is not given: counts up to 4,095 per item.
DEFAULT_BITS = 12


def witness_path(out: Path) -> Path:
    """Where ``prove`` writes the secret witness by default: ``X.json`` → ``X.witness.json``."""
    return out.with_suffix(".witness.json") if out.suffix == ".json" else out.with_name(out.name + ".witness.json")


def _limit(ag: Agreement, limit_id: str) -> Limit:
    for lim in ag.limits:
        if lim.id == limit_id:
            return lim
    raise InputError(f"unknown limit {limit_id!r} in {ag.id} (limits: {', '.join(lim.id for lim in ag.limits)})",
                     field="--limit")


def _cap_on(ag: Agreement, lim: Limit, party: str, day: _dt.date, holdings: Holdings,
            caps: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """``(value, cap)`` of ``lim`` for ``party`` on ``day`` as the compliance engine finds them."""
    from ..compliance import evaluate

    report = evaluate(ag, holdings, parties=[party], at=day, caps=dict(caps))
    for f in report.findings:
        if f.limit == lim.id and f.party == party:
            return f.value, f.cap
    return None, None


def _read(path: Path, what: str) -> Any:
    return limits.parse_json(limits.read_text(path, "ZK_PROOF_BYTES"), file=str(path), what=f"{what} is not valid JSON")


def _read_proof(path: Path) -> CapProof:
    """The proof in ``path``, read byte for byte (a byte-order mark is not dropped: it is another
    spelling of the proof, which :func:`read_proof` refuses)."""
    return read_proof(limits.read_text(path, "ZK_PROOF_BYTES", encoding="utf-8"), file=str(path))


def _write(files: Sequence[tuple[Path, bytes, int]]) -> None:
    """Write every file atomically, or none: one that fails removes those written before it."""
    from ..ledger.keys import write_atomic

    done: list[Path] = []
    try:
        for path, data, mode in files:
            write_atomic(path, data, mode=mode)
            done.append(path)
    except OSError as exc:
        for path in done:
            path.unlink(missing_ok=True)
        where = exc.filename if isinstance(exc.filename, str) else str(files[len(done)][0])
        raise InputError(f"cannot write: {exc.strerror or exc.__class__.__name__}", file=where) from None


def _check_writable(path: Path, what: str) -> None:
    from ..ledger.results import check_writable

    check_writable(path, what)


# ------------------------------------------------------------------------------------ prove

@dataclass(frozen=True)
class ProofMade:
    """A proof written by ``accord zk prove``: ``accord.zk.prove/v1``. It says nothing of the
    counts or the total (they stay with the prover, in the witness file)."""

    statement: Statement
    out: str
    witness: str
    signer: str
    proof_bytes: int
    proof_sha256: str
    columns = ("agreement", "limit", "party", "date", "cap", "items", "bits", "out", "witness")

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.zk.prove/v1", "statement": self.statement.to_json(), "out": self.out,
                "witness": self.witness, "signer": self.signer, "proof_bytes": self.proof_bytes,
                "proof_sha256": self.proof_sha256}

    def rows(self) -> list[dict[str, Any]]:
        return [{**self.statement.to_json(), "out": self.out, "witness": self.witness}]

    def title(self) -> str:
        return "Cap proof written"

    def footer(self) -> str:
        return (f"{self.witness} opens every commitment: keep it private. "
                f"The proof ({self.proof_bytes:,} bytes) reveals no count and no total.")


@dataclass(frozen=True)
class ProofRefused:
    """``prove`` refused: the total is over the cap (no proof can exist); nothing was written."""

    reason: str


def prove_declaration(declaration: Path, *, agreement: str, limit: str, key: Path, out: Path,
                      witness: Path | None = None, bits: int = DEFAULT_BITS,
                      caps: Mapping[str, Any] | None = None) -> ProofMade | ProofRefused:
    """Count the itemized ``declaration`` under ``agreement``'s rules for ``limit``, commit to
    each item's share of the total and prove that every share is in ``[0, 2^bits)`` and the
    total at most the cap the compliance engine finds for the declaration's party and date;
    sign the proof with ``key`` (the party's ledger key) and write it to ``out`` and the secret
    witness to ``witness`` (default :func:`witness_path`, mode 600).

    Items are committed in a random order, each with a fresh 32-byte salt. A total over the cap
    gives :class:`ProofRefused` and writes nothing; every input mistake is an InputError."""
    from ..forces import load_holdings
    from ..ledger.keys import load_private_key
    from .compliance import resolve
    from .exchange import read_declaration

    if type(bits) is not int or not 1 <= bits <= 64:
        raise InputError("must be a whole number from 1 to 64", field="--bits")
    witness = witness or witness_path(out)
    if witness == out:
        raise InputError("the witness and the proof must be two files", field="--witness")
    for path, what in ((out, "proof"), (witness, "witness")):
        _check_writable(path, what)
    signer = load_private_key(key)
    decl, ag, _rules = read_declaration(declaration, agreement)
    q = resolve(ag, decl.party, caps)
    lim = _limit(ag, limit)
    records = decl.records()
    if not records:
        raise InputError("the declaration lists no items: nothing to commit", file=str(declaration), field="items")
    table = ItemTable.from_records(records, vocabulary=ag.vocabulary, file=str(declaration))
    shares = [int(v) for v in item_contributions(ag, table, lim.categories)]
    party = q.party or decl.party
    if signer.name != party:
        raise InputError(f"key is {signer.name}'s, but the declaration is {party}'s", file=str(key), field="--key")
    value, cap = _cap_on(ag, lim, party, decl.as_of, load_holdings(declaration, ag), q.caps)
    if cap is None:
        raise InputError(f"{lim.id} sets no cap for {party} on {decl.as_of} (not binding then, or a cap "
                         "that needs --cap)", field="--limit")
    if value != sum(shares):  # the engine and the per-item shares must count alike
        raise InputError(f"{lim.id}: the items' shares add up to {sum(shares):,} but the agreement's rules count "
                         f"{value}: the declaration has counts the items do not explain", file=str(declaration))
    total = sum(shares)
    if total > cap:
        return ProofRefused(f"the total counted under {lim.id} ({total:,}) is over the cap ({cap:,}) for "
                            f"{party} on {decl.as_of}: no proof exists, nothing was written")
    widest = max(shares)
    if widest >= 1 << bits:
        i = shares.index(widest)
        raise InputError(f"item {records[i].get('id')!r} adds {widest:,} to {lim.id}, more than {bits} bits hold "
                         f"(at most {(1 << bits) - 1:,}): raise --bits", field="--bits")
    statement = Statement(ag.id, lim.id, party, decl.as_of, cap, bits, len(records))
    statement.check(file=str(declaration))

    order = list(range(len(records)))
    secrets.SystemRandom().shuffle(order)  # the committed order must not follow the declaration's
    committed = [records[i] for i in order]
    counts = [shares[i] for i in order]
    salts = [new_salt() for _ in order]
    proof = prove_cap(statement, counts, [item_blinding(s, r) for s, r in zip(salts, committed, strict=True)])
    proof = proof.with_signature(Signature(signer.public.vkey, signer.sign(proof.signed_bytes())))
    secret = Witness(statement, tuple(committed), tuple(salts), tuple(counts))
    text = proof.encode().encode("utf-8")
    _write([(witness, (canonical_json(secret.to_json()) + "\n").encode("utf-8"), 0o600), (out, text, 0o644)])
    return ProofMade(statement, str(out), str(witness), signer.public.vkey, len(text),
                     hashlib.sha256(text).hexdigest())


# ----------------------------------------------------------------------------------- verify

@dataclass(frozen=True)
class ProofCheck:
    """``accord zk verify``: ``accord.zk.verify/v1``. ``checks`` lists each check as
    ``{"check", "status" (ok | failed | skipped), "detail"}``; ``ok`` is true when none failed."""

    file: str
    statement: Statement
    signer: str | None
    key_pinned: bool
    checks: tuple[dict[str, str], ...]
    columns = ("check", "status", "detail")

    @property
    def ok(self) -> bool:
        return all(c["status"] != "failed" for c in self.checks)

    @property
    def failed(self) -> dict[str, str] | None:
        return next((c for c in self.checks if c["status"] == "failed"), None)

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.zk.verify/v1", "ok": self.ok, "file": self.file,
                "statement": self.statement.to_json(), "signer": self.signer, "key_pinned": self.key_pinned,
                "checks": list(self.checks)}

    def rows(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.checks]

    def title(self) -> str:
        s = self.statement
        return f"{self.file}: {s.party} under {s.agreement} {s.limit} on {s.date.isoformat()}, cap {s.cap:,}"

    def footer(self) -> str:
        if self.ok:
            return (f"ok: each of the {self.statement.items:,} committed counts is in [0, 2^{self.statement.bits}) "
                    f"and their total is at most {self.statement.cap:,}")
        failed = self.failed or {}
        return f"NOT OK: {failed.get('check')} failed"


def _check(name: str, status: str, detail: str) -> dict[str, str]:
    return {"check": name, "status": status, "detail": detail}


def _signature_check(proof: CapProof, pinned: Sequence[Any], file: str) -> dict[str, str]:
    from ..ledger.keys import PublicKey

    st = proof.statement
    mine = [k for k in pinned if k.name == st.party]
    if proof.signature is None:
        if mine:
            return _check("signature", "failed", f"the proof is not signed, and a key for {st.party} was given")
        return _check("signature", "skipped", "the proof is not signed")
    signer = PublicKey.parse(proof.signature.signer, file=file, field="signature.signer")
    if signer.name != st.party:
        return _check("signature", "failed", f"signed by {signer.name}, not by {st.party}")
    if not signer.verify(proof.signed_bytes(), proof.signature.signature):
        return _check("signature", "failed", f"the signature does not verify with the key it names ({signer.vkey})")
    if mine and signer not in mine:
        return _check("signature", "failed", f"signed by {signer.vkey}, not by the key given for {st.party}")
    pin = "the key given" if mine else "the key it names (give --key PARTY=PUBFILE to pin it)"
    return _check("signature", "ok", f"signed by {st.party} with {pin}")


def _cap_check(st: Statement, ag: Agreement | None, caps: Mapping[str, Any]) -> dict[str, str]:
    if ag is None:
        return _check("cap", "skipped", f"agreement {st.agreement!r} is not known here: give --agreement FILE to "
                                        "check the cap")
    if ag.id != st.agreement:
        return _check("cap", "failed", f"the proof is about {st.agreement!r}, not {ag.id!r}")
    if st.party not in ag.parties:
        return _check("cap", "failed", f"{st.party} is not a party of {ag.id}")
    if st.limit not in {lim.id for lim in ag.limits}:
        return _check("cap", "failed", f"{ag.id} has no limit {st.limit!r}")
    _value, cap = _cap_on(ag, _limit(ag, st.limit), st.party, st.date, Holdings(()), caps)
    if cap is None:
        return _check("cap", "skipped", f"{st.limit} sets no stated cap for {st.party} on {st.date} (a freeze's "
                                        "level needs the holdings; a parameter needs --cap)")
    if cap != st.cap:
        return _check("cap", "failed", f"the proof's cap {st.cap:,} is not {ag.id}'s cap {cap:,} for {st.limit} "
                                       f"on {st.date}")
    return _check("cap", "ok", f"{st.cap:,} is {ag.id}'s cap for {st.limit} on {st.date}")


def _agreement(st: Statement, agreement: str | None) -> Agreement | None:
    """The agreement given (an id or a file), else the statement's when it is a bundled id
    (never a path a proof names: a file to read is the user's choice), else None."""
    from .library import library_ids, load_agreement

    if agreement is not None:
        return load_agreement(agreement)
    if st.agreement in library_ids():
        return load_agreement(st.agreement)
    return None  # not a bundled id, and no file given: the cap cannot be checked here


def verify_file(path: Path, *, keys: Sequence[Any] = (), agreement: str | None = None,
                caps: Mapping[str, Any] | None = None) -> ProofCheck:
    """Verify the proof in ``path``: its signature (against ``keys``, the verifier keys given,
    when one is the party's), the proof itself (``group``, ``shape``, ``range-polynomial``,
    ``inner-product``) and that its cap is the agreement's (``agreement`` is an id or file,
    default the statement's; ``caps`` sets parameter caps). A malformed file is an InputError."""
    proof = _read_proof(path)
    st = proof.statement
    checks = [_signature_check(proof, keys, str(path))]
    verdict = verify_cap(proof)
    checks.append(_check("proof", "ok" if verdict.ok else "failed",
                         "the commitments and range proof verify" if verdict.ok
                         else f"{verdict.check}: {verdict.detail}"))
    checks.append(_cap_check(st, _agreement(st, agreement), caps or {}))
    signer = proof.signature.signer if proof.signature else None
    return ProofCheck(str(path), st, signer, any(k.name == st.party for k in keys), tuple(checks))


# ------------------------------------------------------------------------------------ open

@dataclass(frozen=True)
class OpeningsWritten:
    """``accord zk open``: ``accord.zk.open/v1``; ``opened`` lists ``{"index", "id"}``."""

    out: str
    statement: Statement
    opened: tuple[dict[str, Any], ...]
    columns = ("index", "id")

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.zk.open/v1", "out": self.out, "statement": self.statement.to_json(),
                "opened": list(self.opened)}

    def rows(self) -> list[dict[str, Any]]:
        return [dict(o) for o in self.opened]

    def title(self) -> str:
        return f"Openings written to {self.out}"

    def footer(self) -> str:
        return f"{len(self.opened)} of {self.statement.items:,} items opened; the others stay hidden"


def _proof_and_witness(proof_path: Path, witness_path_: Path) -> tuple[CapProof, Witness]:
    proof = _read_proof(proof_path)
    secret = parse_witness(_read(witness_path_, "witness"), file=str(witness_path_))
    if secret.statement != proof.statement:
        raise InputError("this witness is not the one made with the proof (the statements differ)",
                         file=str(witness_path_), field="statement")
    return proof, secret


def open_items(proof_path: Path, witness: Path, item_ids: Sequence[str], out: Path) -> OpeningsWritten:
    """Openings of the items whose record ``id`` is in ``item_ids``, from the prover's witness,
    each checked against the proof's commitments before ``out`` is written."""
    if not item_ids:
        raise InputError("name at least one item to open", field="--item")
    _check_writable(out, "openings")
    proof, secret = _proof_and_witness(proof_path, witness)
    where: dict[str, int] = {}
    for i, record in enumerate(secret.records):
        rid = record.get("id")
        if isinstance(rid, str):
            where.setdefault(rid, i)
    openings: list[ItemOpening] = []
    for rid in dict.fromkeys(item_ids):
        if rid not in where:
            raise InputError(f"no committed item has id {rid!r}", field="--item")
        opening = secret.opening(where[rid])
        problem = check_opening(proof, opening)
        if problem is not None:
            raise InputError(f"item {rid!r}: {problem}: the witness does not match the proof", file=str(witness))
        openings.append(opening)
    _write([(out, (canonical_json(openings_json(proof.statement, openings)) + "\n").encode("utf-8"), 0o644)])
    return OpeningsWritten(str(out), proof.statement, tuple({"index": o.index, "id": o.record.get("id")}
                                                            for o in openings))


# ---------------------------------------------------------------------------- check-opening

@dataclass(frozen=True)
class OpeningsCheck:
    """``accord zk check-opening``: ``accord.zk.openings/v1``. ``openings`` lists
    ``{"index", "id", "count", "ok", "problem"}``; ``proof`` is the aggregate proof's check."""

    file: str
    statement: Statement
    proof: dict[str, str]
    openings: tuple[dict[str, Any], ...] = field(default=())
    columns = ("index", "id", "count", "ok", "problem")

    @property
    def ok(self) -> bool:
        return self.proof["status"] == "ok" and all(o["ok"] for o in self.openings)

    def to_json(self) -> dict[str, Any]:
        return {"schema": "accord.zk.openings/v1", "ok": self.ok, "file": self.file,
                "statement": self.statement.to_json(), "proof": self.proof, "openings": list(self.openings)}

    def rows(self) -> list[dict[str, Any]]:
        return [dict(o) for o in self.openings]

    def title(self) -> str:
        return f"Openings of {self.file}"

    def footer(self) -> str:
        bad = sum(1 for o in self.openings if not o["ok"])
        proof = "the aggregate proof still verifies" if self.proof["status"] == "ok" else \
            f"the aggregate proof FAILS ({self.proof['detail']})"
        return f"{len(self.openings) - bad} of {len(self.openings)} openings match; {proof}"


def _rule_problem(opening: ItemOpening, ag: Agreement | None, lim: Limit | None) -> str | None:
    """Why the opened count is not what the agreement's rules give the opened record (None
    when it is, or when the agreement is not known here)."""
    if ag is None or lim is None:
        return None
    try:
        table = ItemTable.from_records([opening.record], vocabulary=ag.vocabulary)
    except InputError as err:
        return f"the opened record is not a valid item of {ag.id}: {err.one_line()}"
    share = int(item_contributions(ag, table, lim.categories)[0])
    if share != opening.count:
        return f"the record counts {share} under {lim.id}, but {opening.count} was committed"
    return None


def check_openings(proof_path: Path, openings_path: Path, *, agreement: str | None = None) -> OpeningsCheck:
    """Check each opening in ``openings_path`` against the proof's commitment at its index and,
    when the agreement is known (``agreement``, or the statement's if bundled), that its count
    is what the agreement's rules give its record; and that the proof itself still verifies."""
    proof = _read_proof(proof_path)
    statement, openings = parse_openings(_read(openings_path, "openings"), file=str(openings_path))
    if statement != proof.statement:
        raise InputError("these openings are for another proof (the statements differ)", file=str(openings_path),
                         field="statement")
    ag = _agreement(statement, agreement)
    lim = next((x for x in ag.limits if x.id == statement.limit), None) if ag is not None else None
    # An opening passes only when its count was checked against the rules of the agreement the
    # proof is about: another agreement's rules, or none, must not pass it silently.
    unchecked = None
    if ag is None:
        unchecked = (f"count not checked: agreement {statement.agreement!r} is not known here (give --agreement "
                     "FILE to check each count against its rules)")
    elif ag.id != statement.agreement:
        unchecked = f"count not checked: the proof is about {statement.agreement!r}, not {ag.id!r}"
    elif lim is None:
        unchecked = f"count not checked: {ag.id} has no limit {statement.limit!r}"
    rows = []
    for o in openings:
        problem = check_opening(proof, o) or unchecked or _rule_problem(o, ag, lim)
        rows.append({"index": o.index, "id": o.record.get("id"), "count": o.count, "ok": problem is None,
                     "problem": problem or ""})
    verdict = verify_cap(proof)
    proof_row = _check("proof", "ok" if verdict.ok else "failed",
                       "the commitments and range proof verify" if verdict.ok else f"{verdict.check}: {verdict.detail}")
    return OpeningsCheck(str(openings_path), statement, proof_row, tuple(rows))
