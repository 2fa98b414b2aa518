"""``accord serve``: the ledger over HTTP (C2SP tlog-tiles, ``POST /add-entry``), served by uvicorn.

Thin: check the options (one line, exit 2, before anything listens), build the app
(:func:`accord.service.app.create_log_app`), bind the socket, and hand it to uvicorn.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, StoreError


def serve(
    db: Annotated[str, typer.Argument(help="Ledger: sqlite:///path.db, postgresql://…, memory:NAME or a path.")],
    log_key: Annotated[Path, typer.Option("--log-key", help="The log's private key file (its key named in the genesis).")],  # noqa: E501
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port, printed).")] = 8080,
    checkpoint_interval: Annotated[float, typer.Option("--checkpoint-interval", help="Seconds from a commit to the checkpoint covering it (at most one checkpoint per interval).")] = 1.0,  # noqa: E501
    witness: Annotated[list[str] | None, typer.Option("--witness", help="NAME=VKEY@URL: a witness asked to cosign each checkpoint (VKEY: its cosignature/v1 verifier key or a file holding it). Repeatable.")] = None,  # noqa: E501
    max_entry_bytes: Annotated[int, typer.Option("--max-entry-bytes", help="Largest entry accepted (signature + statement). Default: 65,535, what a tlog-tiles entry bundle can frame; larger entries are served at /accord/entries/ only.")] = 65535,  # noqa: E501
    max_merge_delay: Annotated[int, typer.Option("--max-merge-delay", help="Seconds within which each receipt promises a checkpoint.")] = 86400,  # noqa: E501
    monitor_state: Annotated[Path | None, typer.Option("--monitor-state", help="A monitor's state folder (`accord monitor --state`) whose findings the dashboard shows.")] = None,  # noqa: E501
) -> None:
    """Serve a ledger over HTTP: the checkpoint, tiles and entry bundles (C2SP tlog-tiles) and
    POST /add-entry for the parties; checkpoints are signed with the log key and cosigned by the
    witnesses that answer, within --checkpoint-interval of each commit; a dashboard at /dashboard/.
    Stops on Ctrl-C."""
    from .. import limits
    from ..ledger.keys import load_private_key
    from ..ledger.stores import redact_url
    from ..service.app import create_log_app
    from ..service.config import LogConfig, durable_url, parse_witness
    from ..service.connections import listen, run_server

    if not 0 <= port <= 65535:
        raise InputError("must be a port number from 0 to 65535", field="--port")
    if max_entry_bytes > limits.MAX_REQUEST_BYTES:
        raise InputError(f"must be at most ACCORD_MAX_REQUEST_BYTES ({limits.MAX_REQUEST_BYTES:,})",
                         field="--max-entry-bytes")
    key = load_private_key(log_key)
    witnesses = tuple(parse_witness(w) for w in witness or [])
    try:
        config = LogConfig(durable_url(db), key, checkpoint_interval=checkpoint_interval, witnesses=witnesses,
                           max_entry_bytes=max_entry_bytes, max_merge_delay=max_merge_delay)
        app = create_log_app(config, monitor_state=monitor_state)
    except StoreError as err:
        raise InputError(err.problem, file=err.file or redact_url(db)) from None
    except InputError as err:
        if err.field in ("log_key", "checkpoint_interval", "max_entry_bytes", "max_merge_delay"):
            field = "--" + err.field.replace("_", "-")
            raise InputError(err.problem, file=err.file if err.field != "log_key" else str(log_key),
                             field=field) from None
        raise err.at(file=redact_url(db)) from None
    sock = listen(host, port, backlog=1024)
    service = app.state.log
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"accord: serving {service.origin} at http://{shown_host}:{sock.getsockname()[1]}/ "
               f"({len(witnesses)} witness{'es' if len(witnesses) != 1 else ''})", err=True)
    sys.stderr.flush()
    # A connection that sends no whole request head in time is closed: idle sockets cannot fill
    # limit_concurrency and lock the parties and witnesses out (as with `accord witness serve`).
    run_server(app, sock, limit_concurrency=1024)


def register(app: typer.Typer) -> None:
    """Add ``accord serve`` to the main app."""
    app.command("serve")(serve)
