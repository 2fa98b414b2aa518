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
    fmt: FormatOption = Format.table,
) -> None:
    """Sign FILE.json's payload as KEYFILE's party and append it to the ledger."""
    from ..ledger.entries import Entry, utc_now
    from ..ledger.keys import load_private_key
    from ..ledger.results import Appended, read_payload

    signer = load_private_key(key)
    payload = read_payload(file)
    with _open(db) as ledger:
        try:
            (index,) = ledger.sign_and_append(signer, [Entry(kind, signer.name, issued_at or utc_now(), payload)])
        except InputError as err:
            raise err.at(file=str(file)) from None
        _emit(fmt, Appended.of(ledger, index))


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
    fmt: FormatOption = Format.table,
) -> None:
    """Write an offline bundle: the entry, its inclusion proof and the latest covering checkpoint
    that every party cosigned (else the latest covering one, with a note naming who has not)."""
    from ..ledger.results import write_bundle

    with _open(db) as ledger:
        written = write_bundle(ledger, index, out)
    if written.missing_cosigners:
        typer.echo(f"note: no checkpoint covering entry {index} is cosigned by every party; the one at size "
                   f"{written.size} lacks {', '.join(written.missing_cosigners)}", err=True)
    _emit(fmt, written)


@ledger_app.command("verify-bundle")
def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Bundle file from `ledger prove`.")],
    key: Annotated[list[str], typer.Option("--key", help="NAME=PUBFILE for the log and each party whose signature is required.")],  # noqa: E501
    fmt: FormatOption = Format.table,
) -> None:
    """Verify a bundle with public keys only; exit 1 when it does not verify."""
    from ..ledger.bundle import verify_bundle

    keys = _party_keys(key)
    try:
        text = bundle.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc.__class__.__name__}", file=str(bundle)) from None
    report = verify_bundle(text, keys, file=str(bundle))
    _emit(fmt, report)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def audit(
    db: DbArg,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes verifying signatures.")] = 1,
    fmt: FormatOption = Format.table,
) -> None:
    """Re-verify every signature, the tree, every checkpoint and their consistency, then replay
    the exchanged declarations and notifications; exit 1 if not ok."""
    from ..app.audit import audit_ledger
    from ..ledger.audit import PROBLEM_COLUMNS

    report = audit_ledger(db, workers=workers)
    _emit(fmt, report, columns=list(PROBLEM_COLUMNS), footer=report.summary())
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def export(db: DbArg, fmt: FormatOption = Format.table) -> None:
    """Every entry (decoded, with its signature and leaf hash) and every checkpoint note."""
    from ..ledger.results import EXPORT_COLUMNS, LedgerExport

    with _open(db) as ledger:
        _emit(fmt, LedgerExport.of(ledger), columns=list(EXPORT_COLUMNS))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(ledger_app, name="ledger", cls=_LedgerGroup)
