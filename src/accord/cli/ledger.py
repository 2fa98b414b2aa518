"""CLI commands for accord.ledger: ``accord ledger keygen|init|append|checkpoint|cosign|prove|
verify-bundle|audit|export``.

Thin: parse, call accord.ledger (or accord.app.audit), render the result object. A database is
a URL (``sqlite:///path.db``, ``postgresql://…``, ``memory:``) or a plain path to a SQLite file.
User mistakes exit 2 with one line — so does a database that cannot be used (damaged, not a
ledger's); a check that fails (audit not ok, bundle invalid, a checkpoint the cosigner refuses)
exits 1. A URL is always shown with its password as ``***``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ..errors import InputError, IntegrityError, StoreError
from ..render.output import Format
from ._common import AccordGroup, FormatOption, new_app


class _LedgerGroup(AccordGroup):
    """AccordGroup that also reports a database the ledger cannot use as one line, exit 2.

    A StoreError out of a command means the database the user named is damaged or is not a
    ledger's: their input, not a bug (``audit`` reports damage it can read past as problems).
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as err:
            problem = InputError(err.problem, file=err.file or "<database>")
            typer.echo(f"error: {problem.one_line()}", err=True)
            raise typer.Exit(2) from None


ledger_app = new_app(
    "The tamper-evident ledger: signed entries, an RFC 9162 Merkle log, cosigned checkpoints, "
    "offline proof bundles and a full audit."
)

DbArg = Annotated[str, typer.Argument(help="Ledger database: sqlite:///path.db, postgresql://…, memory: or a path.")]
KeyFileOpt = Annotated[Path, typer.Option("--key", help="Private key file (PARTY.key from `ledger keygen`).")]


def _emit(fmt: Format, result: Any, **kw: Any) -> None:
    """Render a result object: its ``to_json()`` as JSON, its ``rows()`` as a table or CSV."""
    from ..render.output import emit

    emit(fmt, json_obj=result.to_json(), rows=result.rows(), **kw)


def _fail(message: str) -> NoReturn:
    """A check failed: one line on stderr, exit 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _specs(specs: list[str], what: str, option: str) -> list[tuple[str, str]]:
    """Split repeated ``NAME=VALUE`` options; ``what`` names the expected form in the error."""
    pairs = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name or not value:
            raise InputError(f"{spec!r} is not {what}", field=option)
        pairs.append((name, value))
    return pairs


def _party_keys(specs: list[str]) -> list[Any]:
    """Verifier keys from repeated ``PARTY=PUBFILE`` options, each named PARTY."""
    from ..ledger.keys import load_public_key

    keys = []
    for party, path in _specs(specs, "PARTY=PUBFILE", "--key"):
        key = load_public_key(path)
        if key.name != party:
            raise InputError(f"key is named {key.name!r}, not {party!r}", file=path, field="--key")
        keys.append(key)
    return keys


def _pinned_keys(specs: list[str]) -> tuple[dict[str, Any], Any]:
    """``(parties, log key)`` from repeated ``NAME=PUBFILE`` options: ``log=PUBFILE`` is the
    log's key (whatever its own name), any other NAME a party's key named NAME."""
    from ..ledger.keys import load_public_key

    parties: dict[str, Any] = {}
    log_key = None
    for name, path in _specs(specs, "NAME=PUBFILE", "--key"):
        key = load_public_key(path)
        if name == "log":
            if log_key is not None:
                raise InputError("the log key is given twice", field="--key")
            log_key = key
            continue
        if key.name != name:
            raise InputError(f"key is named {key.name!r}, not {name!r}", file=path, field="--key")
        if name in parties:
            raise InputError(f"party {name!r} is given twice", field="--key")
        parties[name] = key
    return parties, log_key


def _witness_keys(values: list[str] | None, min_witnesses: int | None) -> list[Any]:
    """Witness verifier keys (cosignature/v1, type 0x04) from repeated ``--witness-key`` options,
    each a vkey or a file holding one; ``--min-witnesses`` needs at least one."""
    from ..ledger.cosignature import WitnessKey, read_vkey

    keys = []
    for value in values or []:
        key = read_vkey(value, field="--witness-key")
        if not isinstance(key, WitnessKey):
            raise InputError(f"{key.name}'s key is an Ed25519 note key (type 0x01), not a witness's cosignature/v1 "
                             "key (type 0x04)", field="--witness-key")
        keys.append(key)
    names = {k.name for k in keys}
    if min_witnesses is not None and not 1 <= min_witnesses <= len(names):
        raise InputError(f"must be at least 1 and at most the {len(names)} witness(es) given by --witness-key",
                         field="--min-witnesses")
    return keys


WitnessKeyOpt = Annotated[list[str] | None, typer.Option("--witness-key", help="A witness's verifier key (cosignature/v1: name+id+base64, or a file holding it); repeatable.")]  # noqa: E501
MinWitnessesOpt = Annotated[int | None, typer.Option("--min-witnesses", help="How many of the --witness-key witnesses must have cosigned (default: all).")]  # noqa: E501


def _open(db: str) -> Any:
    from ..ledger import Ledger

    return Ledger.open(db)


@ledger_app.command()
def keygen(
    party: Annotated[str, typer.Argument(help="Party (or log) name; also the key's name in signatures.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for PARTY.key and PARTY.pub.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing key files.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Make an Ed25519 key pair: OUT/PARTY.key (private, mode 600) and OUT/PARTY.pub."""
    from ..ledger.results import write_key_pair

    _emit(fmt, write_key_pair(party, out, force=force))


@ledger_app.command()
def init(
    db: DbArg,
    agreement: Annotated[str, typer.Option("--agreement", help="Agreement id, recorded as given.")],
    key: Annotated[list[str], typer.Option("--key", help="PARTY=PUBFILE, once per party.")],
    log_key: Annotated[Path | None, typer.Option("--log-key", help="Public key of the log operator (default: any party may sign checkpoints).")] = None,  # noqa: E501
    restrict: Annotated[list[str] | None, typer.Option("--restrict", help="KIND=PARTY[,PARTY…]: only these parties may file KIND.")] = None,  # noqa: E501
    origin: Annotated[str | None, typer.Option("--origin", help="Checkpoint origin line (default: accord.ledger/AGREEMENT/random).")] = None,  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Create a ledger for an agreement with the parties' public keys (the genesis entry)."""
    from ..ledger import Ledger
    from ..ledger.keys import load_public_key
    from ..ledger.results import LedgerSummary
    from ..ledger.stores import redact_url

    parties = _party_keys(key)
    rules = {kind: [n.strip() for n in names.split(",") if n.strip()]
             for kind, names in _specs(restrict or [], "KIND=PARTY[,PARTY…]", "--restrict")}
    try:
        ledger = Ledger.create(db, agreement=agreement, parties=parties,
                               log_key=load_public_key(log_key) if log_key else None,
                               restrictions=rules, origin=origin)
    except InputError as err:
        raise err.at(file=redact_url(db)) from None
    with ledger:
        _emit(fmt, LedgerSummary.of(ledger, db))


@ledger_app.command()
def append(
    db: DbArg,
    file: Annotated[Path, typer.Argument(help="JSON file with the entry's payload (an object).")],
    key: KeyFileOpt,
    kind: Annotated[str, typer.Option("--kind", help="Entry kind: declaration, notification, inspection-report, …")],
    issued_at: Annotated[str | None, typer.Option("--issued-at", help="UTC time like 2026-02-05T00:00:00Z (default: now).")] = None,  # noqa: E501
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Write the log's signed receipt (accord.ledger.receipt/v1) for the entry to this file; needs --log-key.")] = None,  # noqa: E501
    log_key: Annotated[Path | None, typer.Option("--log-key", help="The log's private key file, which signs the receipt.")] = None,  # noqa: E501
    max_merge_delay: Annotated[int, typer.Option("--max-merge-delay", help="Seconds within which the receipt promises the entry will be in a checkpoint.")] = 86400,  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Sign FILE.json's payload as KEYFILE's party and append it to the ledger (with --receipt,
    the log's signed promise that it is in the log and will be in a checkpoint)."""
    from ..ledger.entries import Entry, utc_now
    from ..ledger.keys import load_private_key
    from ..ledger.receipts import check_max_merge_delay
    from ..ledger.results import Appended, check_writable, read_payload, write_receipt

    if (receipt is None) != (log_key is None):
        raise InputError("--receipt and --log-key go together: the log's key signs the receipt written to the file",
                         field="--receipt" if receipt is None else "--log-key")
    signer = load_private_key(key)
    log_signer = load_private_key(log_key) if log_key is not None else None
    if receipt is not None:
        check_max_merge_delay(max_merge_delay)
        check_writable(receipt, "receipt")  # before anything is appended: nothing half-done
    payload = read_payload(file)
    with _open(db) as ledger:
        entry = Entry(kind, signer.name, issued_at or utc_now(), payload)
        try:
            if log_signer is None:
                (index,) = ledger.sign_and_append(signer, [entry])
                _emit(fmt, Appended.of(ledger, index))
                return
            (issued,) = ledger.sign_and_append_with_receipts(signer, [entry], log_signer,
                                                             max_merge_delay=max_merge_delay)
        except InputError as err:
            if err.field == "log_key":
                raise InputError(err.problem, file=str(log_key), field="--log-key") from None
            raise err.at(file=str(file)) from None
        result = Appended.of(ledger, issued.index, receipt=issued, receipt_file=str(receipt))
    try:
        write_receipt(issued, receipt)  # type: ignore[arg-type]
    except InputError as err:
        # The entry is committed: say so, print the receipt on stdout, and exit 1 (not 2).
        _emit(Format.json, result)
        _fail(f"entry {issued.index} was appended, but its receipt could not be written "
              f"(it is printed above): {err.one_line()}")
    _emit(fmt, result)


@ledger_app.command()
def checkpoint(
    db: DbArg,
    key: Annotated[Path, typer.Option("--key", help="The log's private key file.")],
    fmt: FormatOption = Format.table,
) -> None:
    """Sign a C2SP checkpoint of the ledger's current size with the log key."""
    from ..ledger.keys import load_private_key
    from ..ledger.results import CheckpointView

    signer = load_private_key(key)
    with _open(db) as ledger:
        try:
            cp, note = ledger.checkpoint(signer)
        except StoreError:
            raise  # a database the ledger cannot use: exit 2, like every other command
        except IntegrityError as exc:
            _fail(str(exc))
        _emit(fmt, CheckpointView.of(ledger, cp, note))


@ledger_app.command()
def cosign(
    db: DbArg,
    key: KeyFileOpt,
    state: Annotated[Path | None, typer.Option("--state", help="This party's record of what it cosigned (default: KEYFILE with suffix .cosigned).")] = None,  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Cosign the latest checkpoint — only if it extends the last one this party cosigned.

    The state file is written (atomically) before the cosignature is stored; if it cannot be
    written, nothing is cosigned."""
    from ..errors import InconsistentCheckpoint
    from ..ledger.checkpoint import CosignerState, cosign_ledger
    from ..ledger.keys import load_private_key
    from ..ledger.results import CheckpointView

    signer = load_private_key(key)
    current = CosignerState.load(state or key.with_suffix(".cosigned"))
    with _open(db) as ledger:
        try:
            cp, note, _new_state = cosign_ledger(ledger, signer, current)  # saves the state first
        except InconsistentCheckpoint as exc:
            _fail(f"refusing to cosign: {exc}")
        _emit(fmt, CheckpointView.of(ledger, cp, note, cosigned_by=signer.name))


@ledger_app.command()
def prove(
    db: DbArg,
    index: Annotated[int, typer.Option("--index", help="0-based entry index.")],
    out: Annotated[Path, typer.Option("--out", help="Bundle file to write (C2SP tlog-proof, .tlog-proof).")],
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="Prove against this checkpoint note of the ledger (e.g. the log's witness-cosigned one) instead of a stored one.")] = None,  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Write an offline bundle: the entry, its inclusion proof and the latest covering checkpoint
    that every party cosigned (else the latest covering one, with a note naming who has not)."""
    from ..ledger.note import Note
    from ..ledger.receipts import read_small_text
    from ..ledger.results import write_bundle
    from ..ledger.trust import MAX_TRUST_FILE_BYTES

    note = None
    if checkpoint is not None:
        text = read_small_text(checkpoint, "checkpoint note", MAX_TRUST_FILE_BYTES)
        note = Note.parse(text, file=str(checkpoint))
    with _open(db) as ledger:
        try:
            written = write_bundle(ledger, index, out, note)
        except InputError as err:
            if err.field == "checkpoint":
                raise InputError(err.problem, file=str(checkpoint), field="--checkpoint") from None
            raise
    if written.missing_cosigners:
        typer.echo(f"note: no checkpoint covering entry {index} is cosigned by every party; the one at size "
                   f"{written.size} lacks {', '.join(written.missing_cosigners)}", err=True)
    _emit(fmt, written)


@ledger_app.command("verify-bundle")
def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Bundle file from `ledger prove`.")],
    key: Annotated[list[str], typer.Option("--key", help="log=PUBFILE for the log (required), NAME=PUBFILE for each party whose signature is required.")],  # noqa: E501
    origin: Annotated[str, typer.Option("--origin", help="The log's origin (first line of its checkpoints, shown by `ledger init`): a bundle from another log fails.")],  # noqa: E501
    receipt: Annotated[list[Path] | None, typer.Option("--receipt", help="A receipt from `ledger append --receipt` for this entry; repeatable.")] = None,  # noqa: E501
    witness_key: WitnessKeyOpt = None,
    min_witnesses: MinWitnessesOpt = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Verify a bundle with public keys only, against the pinned origin and log key (and any
    receipts for its entry, and the witnesses that must have cosigned its checkpoint); exit 1
    when it does not verify."""
    from ..ledger.bundle import verify_bundle
    from ..ledger.receipts import load_receipt

    parties, log_key = _pinned_keys(key)
    if log_key is None:
        raise InputError("give the log's key as --key log=PUBFILE: a bundle is only as good as the log that "
                         "signed its checkpoint", field="--key")
    receipts = [(str(path), load_receipt(path)) for path in receipt or []]
    witnesses = _witness_keys(witness_key, min_witnesses)
    try:
        text = bundle.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or ("not UTF-8 text" if isinstance(exc, UnicodeDecodeError)
                                                 else exc.__class__.__name__)
        raise InputError(f"cannot read: {why}", file=str(bundle)) from None
    keys = [*parties.values(), log_key]
    report = verify_bundle(text, keys, origin=origin, log_key=log_key, receipts=receipts, file=str(bundle),
                           witnesses=witnesses, min_witnesses=min_witnesses)
    _emit(fmt, report)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def audit(
    db: DbArg,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes verifying signatures.")] = 1,
    key: Annotated[list[str] | None, typer.Option("--key", help="Pin a key: PARTY=PUBFILE for each party, log=PUBFILE for the log; the genesis must name exactly these.")] = None,  # noqa: E501
    origin: Annotated[str | None, typer.Option("--origin", help="Pin the log's origin.")] = None,
    trusted: Annotated[Path | None, typer.Option("--trusted", help="A checkpoint note you trust (signed by the log key): the log must extend it.")] = None,  # noqa: E501
    cosigner_state: Annotated[Path | None, typer.Option("--cosigner-state", help="A party's cosigner state file (what it last cosigned): the log must extend it.")] = None,  # noqa: E501
    require_cosigners: Annotated[str | None, typer.Option("--require-cosigners", help="PARTY[,PARTY…]: a checkpoint counts only if these parties cosigned it.")] = None,  # noqa: E501
    receipt: Annotated[list[Path] | None, typer.Option("--receipt", help="A receipt from `ledger append --receipt`: it must be honoured; repeatable.")] = None,  # noqa: E501
    witness_key: WitnessKeyOpt = None,
    min_witnesses: MinWitnessesOpt = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Re-verify every signature, the tree, every checkpoint and their consistency — against
    the keys, origin and checkpoint you trust when you pin them, and every receipt you hold —
    then replay the exchanged declarations and notifications; exit 1 if not ok."""
    from ..app.audit import audit_ledger
    from ..ledger.audit import PROBLEM_COLUMNS
    from ..ledger.receipts import load_receipt
    from ..ledger.trust import TrustPolicy, trusted_from_note, trusted_from_state

    if trusted is not None and cosigner_state is not None:
        raise InputError("give one trusted checkpoint: --trusted or --cosigner-state, not both", field="--trusted")
    parties, log_key = _pinned_keys(key or [])
    required = tuple(dict.fromkeys(n.strip() for n in (require_cosigners or "").split(",") if n.strip()))
    if require_cosigners is not None and not required:
        raise InputError("name at least one party", field="--require-cosigners")
    if trusted is not None:
        anchor = trusted_from_note(trusted, parties=parties, log_key=log_key)
    elif cosigner_state is not None:
        anchor = trusted_from_state(cosigner_state, origin=origin)
    else:
        anchor = None
    receipts = tuple((str(path), load_receipt(path)) for path in receipt or [])
    witnesses = tuple(_witness_keys(witness_key, min_witnesses))
    if witnesses and trusted is None:
        raise InputError("witness cosignatures are checked on a trusted checkpoint note: give --trusted NOTE "
                         "(e.g. the log's witness-cosigned checkpoint)", field="--witness-key")
    try:
        policy = TrustPolicy(parties, log_key, origin, anchor, required, receipts, witnesses, min_witnesses)
    except InputError as err:
        field = {"require_cosigners": "--require-cosigners", "key": "--key", "origin": "--origin",
                 "witnesses": "--witness-key", "min_witnesses": "--min-witnesses"}.get(err.field or "", err.field)
        raise InputError(err.problem, file=err.file, line=err.line, field=field) from None
    report = audit_ledger(db, workers=workers, policy=policy)
    _emit(fmt, report, columns=list(PROBLEM_COLUMNS), footer=report.summary())
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def export(db: DbArg, fmt: FormatOption = Format.table) -> None:
    """Every entry (decoded, with its signature and leaf hash) and every checkpoint note."""
    from ..ledger.results import EXPORT_COLUMNS, LedgerExport

    with _open(db) as ledger:
        _emit(fmt, LedgerExport.of(ledger), columns=list(EXPORT_COLUMNS))


@ledger_app.command()
def submit(
    url: Annotated[str, typer.Argument(help="The log server's URL (what `accord serve` printed), e.g. http://127.0.0.1:8080.")],
    file: Annotated[Path, typer.Argument(help="JSON file with the entry's payload (an object).")],
    key: KeyFileOpt,
    kind: Annotated[str, typer.Option("--kind", help="Entry kind: declaration, notification, inspection-report, …")],
    issued_at: Annotated[str | None, typer.Option("--issued-at", help="UTC time like 2026-02-05T00:00:00Z (default: now).")] = None,  # noqa: E501
    origin: Annotated[str | None, typer.Option("--origin", help="The log's origin to sign for (default: the first line of its checkpoint).")] = None,  # noqa: E501
    log_key: Annotated[Path | None, typer.Option("--log-key", help="The log's public key file: its checkpoint and the receipt must be signed by it.")] = None,  # noqa: E501
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Write the log's signed receipt (accord.ledger.receipt/v1) to this file.")] = None,  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Sign FILE.json's payload as KEYFILE's party, here (the key never leaves), and submit it to
    the log server at URL; prints the index the log gave it. Submitting the same signed entry
    again is answered with its first index."""
    from ..ledger.keys import load_private_key, load_public_key
    from ..ledger.results import check_writable, read_payload, write_receipt
    from ..service.client import submit as submit_entry

    signer = load_private_key(key)
    pinned = load_public_key(log_key) if log_key is not None else None
    if receipt is not None:
        check_writable(receipt, "receipt")  # before anything is sent: nothing half-done
    payload = read_payload(file)
    try:
        result = submit_entry(url, signer, kind, payload, origin=origin, issued_at=issued_at, log_key=pinned)
    except InputError as err:
        raise err.at(file=str(file)) if err.file is None else err from None
    if receipt is not None:
        try:
            write_receipt(result.receipt, receipt)
        except InputError as err:  # the entry is in the log: say so, print the answer, exit 1
            _emit(Format.json, result)
            _fail(f"entry {result.index} was submitted, but its receipt could not be written "
                  f"(it is printed above): {err.one_line()}")
    _emit(fmt, result)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(ledger_app, name="ledger", cls=_LedgerGroup)
