"""CLI commands for zero-knowledge cap proofs: ``accord zk prove|verify|open|check-opening``.

Thin: parse, call :mod:`accord.app.zk`, render the result object. Exit codes: 0 when the proof
was made or verifies; 1 when ``prove`` refuses (the total is over the cap: nothing is written)
or a well-formed proof or opening fails a check (the check is named); 2 for a malformed file or
any other input mistake (one line, ``file:line: field: problem``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render.output import Format, emit_result
from ._common import FormatOption, new_app

zk_app = new_app(
    "Zero-knowledge cap proofs: prove that a party's total under a limit is at most the cap without "
    "revealing any count; open chosen items on inspection."
)

ProofArg = Annotated[Path, typer.Argument(help="A cap proof (accord.zk-proof/v1, from `accord zk prove`).")]
AgreementOpt = Annotated[str | None, typer.Option(
    "--agreement", "-a", help="Agreement id or YAML file (default: the one the proof names, if bundled).")]
CapOpt = Annotated[list[str] | None, typer.Option(
    "--cap", help="Set a parameter cap: LIMIT=N or LIMIT:PARTY=N (repeatable).")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@zk_app.command()
def prove(
    declaration: Annotated[Path, typer.Argument(help="Itemized declaration (accord.declaration/v1 JSON).")],
    agreement: Annotated[str, typer.Option("--agreement", "-a", help="Agreement id or YAML file.")],
    limit: Annotated[str, typer.Option("--limit", "-l", help="The limit whose total is proved under its cap.")],
    key: Annotated[Path, typer.Option("--key", help="The party's private key (PARTY.key from `ledger keygen`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the proof.")],
    witness: Annotated[Path | None, typer.Option(
        "--witness", help="Where to write the secret witness (default: OUT with .witness.json).")] = None,
    bits: Annotated[int, typer.Option("--bits", help="Bits per item count (public): counts up to 2^bits − 1.")] = 12,
    cap: CapOpt = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Prove that the declaration's total under LIMIT is at most the cap, revealing no count.

    Exit 1, writing nothing, when the total is over the cap."""
    from ..app._inputs import parse_caps
    from ..app.zk import ProofRefused, prove_declaration

    result = prove_declaration(declaration, agreement=agreement, limit=limit, key=key, out=out, witness=witness,
                               bits=bits, caps=parse_caps(cap))
    if isinstance(result, ProofRefused):
        _fail(result.reason)
        return
    emit_result(fmt, result)


@zk_app.command()
def verify(
    proof: ProofArg,
    key: Annotated[list[str] | None, typer.Option(
        "--key", help="PARTY=PUBFILE: the party's verifier key the proof must be signed with (repeatable).")] = None,
    agreement: AgreementOpt = None,
    cap: CapOpt = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Verify a cap proof: its signature, the proof, and that its cap is the agreement's. Exit 1
    naming the failed check."""
    from ..app._inputs import parse_caps
    from ..app.zk import verify_file
    from .ledger import _party_keys

    result = verify_file(proof, keys=_party_keys(key or []), agreement=agreement, caps=parse_caps(cap))
    emit_result(fmt, result)
    failed = result.failed
    if failed is not None:
        _fail(f"{failed['check']}: {failed['detail']}")


@zk_app.command("open")
def open_cmd(
    proof: ProofArg,
    witness: Annotated[Path, typer.Option("--witness", help="The secret witness written by `zk prove`.")],
    item: Annotated[list[str], typer.Option("--item", help="Id of an item to open (repeatable).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the openings.")],
    fmt: FormatOption = Format.table,
) -> None:
    """Open chosen items for an inspection (the others stay hidden)."""
    from ..app.zk import open_items

    emit_result(fmt, open_items(proof, witness, item, out))


@zk_app.command("check-opening")
def check_opening(
    proof: ProofArg,
    openings: Annotated[Path, typer.Argument(help="Openings (accord.zk-opening/v1, from `accord zk open`).")],
    agreement: AgreementOpt = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Check openings against the proof's commitments and the agreement's counting rules, and
    that the proof still verifies. Exit 1 when any does not."""
    from ..app.zk import check_openings

    result = check_openings(proof, openings, agreement=agreement)
    emit_result(fmt, result)
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``accord zk …`` to the top-level app."""
    app.add_typer(zk_app, name="zk")
