"""``accord demo network``: a whole accord network on 127.0.0.1 — a log, two parties' witnesses,
a monitor — fed six months of SYNTHETIC exchanges over HTTP (:mod:`accord.service.demo`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..render.output import Format
from ._common import FormatOption, new_app

demo_app = new_app("Demonstrations that run on this machine alone.")


@demo_app.command("network")
def network(
    directory: Annotated[Path | None, typer.Option("--dir", help="Folder for keys, ledger, witness and monitor state (default: a new temporary folder, kept).")] = None,  # noqa: E501
    db: Annotated[str | None, typer.Option("--db", help="Ledger database URL (default: DIR/log.db; postgresql://… for the server backend).")] = None,  # noqa: E501
    exit_: Annotated[bool, typer.Option("--exit", help="Stop once the run is done instead of serving until Ctrl-C.")] = False,  # noqa: E501
    as_of: Annotated[str, typer.Option("--as-of", help="Date of the first synthetic declarations (ISO).")] = "2020-09-01",  # noqa: E501
    months: Annotated[int, typer.Option("--months", min=1, max=24, help="Months of synthetic notifications.")] = 6,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the synthetic data.")] = 1,
    fmt: FormatOption = Format.table,
) -> None:
    """Start a log, a witness per party and a monitor on 127.0.0.1; both parties submit six
    months of synthetic notifications (accord synth) over HTTP; print the URLs, the cosigned
    checkpoint and what the monitor found. Serves until Ctrl-C (or stops with --exit);
    exit 1 if the monitor found a problem."""
    import tempfile

    from ..periods import parse_date
    from ..render.output import emit
    from ..service.demo import DemoResult, Network, run_demo

    day = parse_date(as_of, field="--as-of")
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="accord-network-"))
    elif directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InputError("exists and is not an empty folder (the demo makes new keys and a new ledger)",
                         file=str(directory), field="--dir")

    def say(message: str) -> None:
        typer.echo(f"accord demo: {message}", err=True)

    def show(net: Network, result: DemoResult) -> None:
        emit(fmt, json_obj=result.to_json(), rows=result.rows(), columns=list(result.columns), title=result.title(),
             footer=result.footer())
        if exit_:
            return
        say("running — Ctrl-C to stop")
        with net.following():
            try:
                while True:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                say("stopping")

    result = run_demo(directory, db=db, as_of=day, months=months, seed=seed, progress=say, keep_running=show)
    if not result.monitor.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``accord demo …`` to the main app."""
    app.add_typer(demo_app, name="demo")
