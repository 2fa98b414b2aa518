"""``accord witness keygen|serve``: a C2SP tlog-witness that cosigns a log's checkpoints.

Thin: check the options (one line, exit 2, before anything listens), build the app
(:func:`accord.service.witness.create_witness_app`), bind the socket, hand it to uvicorn.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError
from ..render.output import Format
from ._common import AccordGroup, FormatOption, new_app

if TYPE_CHECKING:
    from ..ledger.keys import PublicKey

witness_app = new_app(
    "A witness (C2SP tlog-witness): cosigns a log's checkpoint (cosignature/v1) only if it is consistent "
    "with the last one it cosigned for that log."
)


@witness_app.command()
def keygen(
    name: Annotated[str, typer.Argument(help="The witness's name, also its key's name (e.g. witness.example/us).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for NAME.key and NAME.pub (characters other than letters, digits, '.', '_', '-' become '_').")] = Path("."),  # noqa: E501
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing key files.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Make a witness key pair (Ed25519, cosignature/v1 type 0x04): OUT/NAME.key (private, mode
    600) and OUT/NAME.pub (its verifier key, for logs and verifiers)."""
    from ..ledger.cosignature import write_witness_key_pair
    from ..render.output import emit

    written = write_witness_key_pair(name, out, force=force)
    emit(fmt, json_obj=written.to_json(), rows=written.rows())


def _logs(specs: list[str]) -> dict[str, list[PublicKey]]:
    """``--log ORIGIN=VKEY`` options (repeatable, several keys per origin allowed): origin → the
    log's Ed25519 note keys. The origin ends at the first '='."""
    from ..ledger.cosignature import read_vkey
    from ..ledger.keys import PublicKey

    logs: dict[str, list[PublicKey]] = {}
    for spec in specs:
        origin, sep, value = spec.partition("=")
        if not sep or not origin or not value:
            raise InputError(f"{spec[:80]!r} is not ORIGIN=VKEY", field="--log")
        key = read_vkey(value, field="--log")
        if not isinstance(key, PublicKey):
            raise InputError(f"{key.name}'s key is a witness key (type 0x04); a log signs with an Ed25519 note "
                             "key (type 0x01)", field="--log")
        logs.setdefault(origin, []).append(key)
    return logs


@witness_app.command()
def serve(
    key: Annotated[Path, typer.Option("--key", help="The witness's private key file (from `accord witness keygen`).")],
    log: Annotated[list[str], typer.Option("--log", help="ORIGIN=VKEY: a log to witness, with its verifier key (or a file holding it); repeatable.")],  # noqa: E501
    state: Annotated[Path, typer.Option("--state", help="SQLite file where the witness keeps what it cosigned (created if missing).")],  # noqa: E501
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port, printed).")] = 8081,
) -> None:
    """Serve POST /add-checkpoint (C2SP tlog-witness) and GET /logs; stops on Ctrl-C."""
    from ..ledger.cosignature import load_witness_signer
    from ..service.connections import listen, run_server
    from ..service.witness import create_witness_app

    if not 0 <= port <= 65535:
        raise InputError("must be a port number from 0 to 65535", field="--port")
    signer = load_witness_signer(key)
    logs = _logs(log)
    app = create_witness_app(signer, logs, state)
    sock = listen(host, port, backlog=256, nodelay=True)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"accord: witness {signer.name} at http://{shown}:{sock.getsockname()[1]}/ for "
               f"{len(logs)} log{'s' if len(logs) != 1 else ''}; vkey {signer.public.vkey}", err=True)
    sys.stderr.flush()
    # A connection that sends no request in time is closed, so idle sockets cannot hold all 256
    # places and lock the log out (uvicorn alone waits for ever).
    run_server(app, sock, limit_concurrency=256)


def register(app: typer.Typer) -> None:
    """Add ``accord witness …`` to the main app."""
    app.add_typer(witness_app, name="witness", cls=AccordGroup)
