"""Commands for the exchanged database: ``exchange replay``, ``exchange reconcile`` and ``synth``.

Thin: parse, call :mod:`accord.app.exchange` / :mod:`accord.app.synth`, render. Heavy modules
are imported inside the commands so that ``accord --help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render.output import Format, emit_result
from ._common import FormatOption, new_app

AgreementOption = Annotated[
    str | None,
    typer.Option("--agreement", "-a", help="Agreement id or YAML file (default: the declaration's own)."),
]


def replay_cmd(
    declaration: Annotated[Path, typer.Argument(help="Declaration (accord.declaration/v1 JSON).")],
    notifications: Annotated[Path, typer.Argument(help="Notifications (JSON lines).")],
    at: Annotated[str, typer.Option("--at", help="The instant: state as of the start of this date (YYYY-MM-DD).")],
    agreement: AgreementOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the replayed state as a declaration file.")
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The state as of a date: counts under the agreement's rules, and what the replay found."""
    from ..app._inputs import parse_date
    from ..app.exchange import replay_files

    emit_result(fmt, replay_files(declaration, notifications, parse_date(at, "--at"), agreement=agreement, out=out))


def reconcile_cmd(
    declaration: Annotated[Path, typer.Argument(help="Declaration at the start of the period.")],
    notifications: Annotated[Path, typer.Argument(help="Notifications (JSON lines).")],
    next_declaration: Annotated[Path, typer.Argument(help="The next declaration.")],
    agreement: AgreementOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Replay the notifications and compare with the next declaration. Exit 1 when there are findings."""
    from ..app.exchange import reconcile_files

    result = reconcile_files(declaration, notifications, next_declaration, agreement=agreement)
    emit_result(fmt, result)
    if result.findings:
        raise typer.Exit(1)


def synth(
    party: Annotated[str, typer.Option("--party", "-p", help="A party with published figures (e.g. US or RU).")],
    as_of: Annotated[str, typer.Option("--as-of", help="A published exchange date (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the three files (created if missing).")],
    months: Annotated[int, typer.Option("--months", help="Months of activity.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    scale: Annotated[int, typer.Option("--scale", help="Multiply items and events (benchmarks).")] = 1,
    agreement: Annotated[
        str | None,
        typer.Option("--agreement", "-a", help="Agreement whose counting rules to match (default: newstart-2021, "
                                               "the default profile's)."),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Write a SYNTHETIC declaration matching the published figures, its notifications and the next declaration."""
    from ..app._inputs import parse_date
    from ..app.synth import synth as run_synth

    emit_result(fmt, run_synth(party, parse_date(as_of, "--as-of"), out, months=months, seed=seed, scale=scale,
                               agreement=agreement))


def register(app: typer.Typer) -> None:
    """Add ``exchange replay``, ``exchange reconcile`` and ``synth`` to the main app."""
    exchange_app = new_app("The exchanged database: replay notifications, reconcile declarations.")
    exchange_app.command("replay")(replay_cmd)
    exchange_app.command("reconcile")(reconcile_cmd)
    app.add_typer(exchange_app, name="exchange")
    app.command("synth")(synth)
