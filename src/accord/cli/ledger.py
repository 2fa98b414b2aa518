"""CLI commands for accord.ledger: ``accord ledger keygen|init|append|checkpoint|cosign|prove|
verify-bundle|audit|export``.

Thin: parse, call accord.ledger, render. A database is a URL (``sqlite:///path.db``,
``postgresql://…``) or a plain path to a SQLite file. User mistakes exit 2 with one line — so
does a database that cannot be used (damaged, not a ledger's); a check that fails (audit not
ok, bundle invalid, a checkpoint the cosigner refuses) exits 1. A URL is always shown with its
password as ``***``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError, IntegrityError
from ..render.output import Format
from ._common import AccordGroup, FormatOption, new_app


class _LedgerGroup(AccordGroup):
    """AccordGroup that also reports a database the ledger cannot use as one line, exit 2.

    A StoreError out of a command means the database the user named is damaged or is not a
    ledger's: their input, not a bug (``audit`` reports damage it can read past as problems).
    """

    def invoke(self, ctx: Any) -> Any:
        from ..ledger.store import StoreError

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

DbArg = Annotated[str, typer.Argument(help="Ledger database: sqlite:///path.db, postgresql://… or a path.")]
KeyFileOpt = Annotated[Path, typer.Option("--key", help="Private key file (PARTY.key from `ledger keygen`).")]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _emit(fmt: Any, obj: dict[str, Any], rows: list[dict[str, Any]] | None = None, **kw: Any) -> None:
    from ..render.output import emit

    emit(fmt, json_obj=obj, rows=rows if rows is not None else [obj], **kw)


def _fail(message: str) -> None:
    """A check failed: one line on stderr, exit 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _party_keys(specs: list[str]) -> list[Any]:
    """Parse repeated ``PARTY=PUBFILE`` options into verifier keys named PARTY."""
    from ..ledger.keys import load_public_key

    keys = []
    for spec in specs:
        party, sep, path = spec.partition("=")
        if not sep or not party or not path:
            raise InputError(f"{spec!r} is not PARTY=PUBFILE", field="--key")
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
    from ..ledger.keys import PARTY_NAME, generate_key, write_atomic

    if not PARTY_NAME.fullmatch(party):
        raise InputError(f"party name {party!r} must be letters, digits, '.', '_' or '-'", field="PARTY")
    out.mkdir(parents=True, exist_ok=True)
    key_file, pub_file = out / f"{party}.key", out / f"{party}.pub"
    for f in (key_file, pub_file):
        if f.exists() and not force:
            raise InputError("already exists (use --force to replace it)", file=str(f))
    key = generate_key(party)
    write_atomic(key_file, (key.skey + "\n").encode(), mode=0o600)
    write_atomic(pub_file, (key.public.vkey + "\n").encode())
    _emit(fmt, {"schema": "accord.ledger.keygen/v1", "party": party, "key_file": str(key_file),
                "pub_file": str(pub_file), "vkey": key.public.vkey})


@ledger_app.command()
def init(
    db: DbArg,
    agreement: Annotated[str, typer.Option("--agreement", help="Agreement id, recorded as given.")],
    key: Annotated[list[str], typer.Option("--key", help="PARTY=PUBFILE, once per party.")],
    log_key: Annotated[Path | None, typer.Option("--log-key", help="Public key of the log operator (default: any party may sign checkpoints).")] = None,
    restrict: Annotated[list[str] | None, typer.Option("--restrict", help="KIND=PARTY[,PARTY…]: only these parties may file KIND.")] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="Checkpoint origin line (default: accord.ledger/AGREEMENT/random).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Create a ledger for an agreement with the parties' public keys (the genesis entry)."""
    from ..ledger import Ledger
    from ..ledger.keys import load_public_key
    from ..ledger.store import redact_url

    parties = _party_keys(key)
    rules: dict[str, list[str]] = {}
    for spec in restrict or []:
        kind, sep, names = spec.partition("=")
        if not sep or not kind or not names:
            raise InputError(f"{spec!r} is not KIND=PARTY[,PARTY…]", field="--restrict")
        rules[kind] = [n.strip() for n in names.split(",") if n.strip()]
    try:
        ledger = Ledger.create(db, agreement=agreement, parties=parties,
                               log_key=load_public_key(log_key) if log_key else None,
                               restrictions=rules, origin=origin)
    except InputError as err:
        raise err.at(file=redact_url(db)) from None
    obj = {"schema": "accord.ledger.init/v1", "db": redact_url(db), "agreement": ledger.info.agreement, "origin": ledger.origin,
           "parties": {n: k.vkey for n, k in sorted(ledger.info.parties.items())},
           "log_key": ledger.info.log_key.vkey if ledger.info.log_key else None,
           "size": ledger.size(), "root": _b64(ledger.root())}
    _emit(fmt, obj, [{"agreement": obj["agreement"], "origin": obj["origin"], "parties": ", ".join(obj["parties"]),
                      "size": obj["size"], "root": obj["root"]}])


@ledger_app.command()
def append(
    db: DbArg,
    file: Annotated[Path, typer.Argument(help="JSON file with the entry's payload (an object).")],
    key: KeyFileOpt,
    kind: Annotated[str, typer.Option("--kind", help="Entry kind: declaration, notification, inspection-report, …")],
    issued_at: Annotated[str | None, typer.Option("--issued-at", help="UTC time like 2026-02-05T00:00:00Z (default: now).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Sign FILE.json's payload as KEYFILE's party and append it to the ledger."""
    from ..ledger.entries import Entry, utc_now
    from ..ledger.keys import load_private_key

    signer = load_private_key(key)
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.__class__.__name__}", file=str(file)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(file), line=exc.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(file)) from None
    if not isinstance(payload, dict):
        raise InputError("the payload must be a JSON object", file=str(file))
    ledger = _open(db)
    try:
        entry = Entry(kind, signer.name, issued_at or utc_now(), payload)
        (index,) = ledger.sign_and_append(signer, [entry])
    except InputError as err:
        raise err.at(file=str(file)) from None
    signed = ledger.entry(index)
    _emit(fmt, {"schema": "accord.ledger.append/v1", "index": index, "kind": kind, "party": signer.name,
                "issued_at": entry.issued_at, "leaf_hash": _b64(signed.leaf_hash), "size": index + 1})


@ledger_app.command()
def checkpoint(
    db: DbArg,
    key: Annotated[Path, typer.Option("--key", help="The log's private key file.")],
    fmt: FormatOption = Format.table,
) -> None:
    """Sign a C2SP checkpoint of the ledger's current size with the log key."""
    from ..ledger.keys import load_private_key

    signer = load_private_key(key)
    ledger = _open(db)
    try:
        cp, note = ledger.checkpoint(signer)
    except IntegrityError as exc:
        _fail(str(exc))
    obj = _checkpoint_json(cp, note, ledger)
    _emit(fmt, obj, [{k: obj[k] for k in ("origin", "size", "root", "signers")}])


def _checkpoint_json(cp: Any, note: Any, ledger: Any) -> dict[str, Any]:
    # Only signatures that count for this size are listed (no rotated-out key).
    history = ledger.keys()
    keys = ledger.log_signers(cp.size, history) + list(history.signing_keys(cp.size).values())
    signers = [k.name for k in note.verified_keys(keys)]
    return {"schema": "accord.ledger.checkpoint/v1", "origin": cp.origin, "size": cp.size, "root": _b64(cp.root),
            "signers": sorted(set(signers)), "note": note.encode()}


@ledger_app.command()
def cosign(
    db: DbArg,
    key: KeyFileOpt,
    state: Annotated[Path | None, typer.Option("--state", help="This party's record of what it cosigned (default: KEYFILE with suffix .cosigned).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Cosign the latest checkpoint — only if it extends the last one this party cosigned.

    The state file is written (atomically) before the cosignature is stored; if it cannot be
    written, nothing is cosigned."""
    from ..ledger.checkpoint import CosignerState, InconsistentCheckpoint, cosign_ledger
    from ..ledger.keys import load_private_key

    signer = load_private_key(key)
    state_file = state or key.with_suffix(".cosigned")
    current = CosignerState.load(state_file)
    ledger = _open(db)
    try:
        cp, note, _new_state = cosign_ledger(ledger, signer, current)  # saves the state first
    except InconsistentCheckpoint as exc:
        _fail(f"refusing to cosign: {exc}")
    obj = _checkpoint_json(cp, note, ledger)
    obj["cosigned_by"] = signer.name
    _emit(fmt, obj, [{k: obj[k] for k in ("origin", "size", "root", "signers", "cosigned_by")}])


@ledger_app.command()
def prove(
    db: DbArg,
    index: Annotated[int, typer.Option("--index", help="0-based entry index.")],
    out: Annotated[Path, typer.Option("--out", help="Bundle file to write (C2SP tlog-proof, .tlog-proof).")],
    fmt: FormatOption = Format.table,
) -> None:
    """Write an offline bundle: the entry, its inclusion proof and the latest covering checkpoint
    that every party cosigned (else the latest covering one, with a note naming who has not)."""
    from ..ledger.bundle import bundle_checkpoint, make_bundle, parse_bundle
    from ..ledger.keys import write_atomic
    from ..ledger.note import Checkpoint

    ledger = _open(db)
    _, _, missing = bundle_checkpoint(ledger, index)
    text = make_bundle(ledger, index)
    write_atomic(out, text.encode())
    cp = Checkpoint.from_text(parse_bundle(text).note.text)
    if missing:
        typer.echo(f"note: no checkpoint covering entry {index} is cosigned by every party; the one at size "
                   f"{cp.size} lacks {', '.join(missing)}", err=True)
    _emit(fmt, {"schema": "accord.ledger.prove/v1", "index": index, "size": cp.size, "root": _b64(cp.root), "out": str(out),
                "missing_cosigners": missing})


@ledger_app.command("verify-bundle")
def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Bundle file from `ledger prove`.")],
    key: Annotated[list[str], typer.Option("--key", help="NAME=PUBFILE for the log and each party whose signature is required.")],
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
    rows = [{"check": "bundle", "ok": report.ok, "index": report.index, "size": report.size,
             "signers": ", ".join(report.signers), "problem": p} for p in (report.problems or ("",))]
    _emit(fmt, report.to_json(), rows)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def audit(
    db: DbArg,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes verifying signatures.")] = 1,
    fmt: FormatOption = Format.table,
) -> None:
    """Re-verify every signature, the tree, every checkpoint and their consistency; exit 1 if not ok."""
    from ..ledger.audit import audit as run_audit

    report = run_audit(db, workers=workers)
    rows = [p.to_json() for p in report.problems]
    footer = f"{'ok' if report.ok else 'NOT OK'}: {report.size} entries, {len(report.checkpoints)} checkpoints"
    if report.notes:
        footer += "\n" + "\n".join(f"note: {n}" for n in report.notes)
    _emit(fmt, report.to_json(), rows, columns=["index", "kind", "detail"], footer=footer)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def export(db: DbArg, fmt: FormatOption = Format.table) -> None:
    """Every entry (decoded, with its signature and leaf hash) and every checkpoint note."""
    from ..ledger.entries import SignedEntry

    ledger = _open(db)
    entries = []
    for row in ledger.store.rows():
        e = SignedEntry.from_body(row.body, check_canonical=False)
        entries.append({"index": row.index, **e.entry.to_json(), "signature": _b64(e.signature), "leaf_hash": _b64(row.leaf)})
    obj = {"schema": "accord.ledger.export/v1", "origin": ledger.origin, "agreement": ledger.info.agreement,
           "size": len(entries), "root": _b64(ledger.root()), "entries": entries,
           "checkpoints": [note.encode() for _, note in ledger.checkpoint_notes()]}
    _emit(fmt, obj, entries, columns=["index", "kind", "party", "issued_at", "payload", "leaf_hash"])


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(ledger_app, name="ledger", cls=_LedgerGroup)
