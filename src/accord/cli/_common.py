"""What every command shares: the ``--format`` option and the one-line error convention.

Errors: any :class:`accord.errors.InputError` raised below a command is printed as one line
``file:line: field: problem`` on standard error and exits with code 2 (see :class:`AccordGroup`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ..errors import InputError
from ..render.output import Format

FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table, json or csv.", case_sensitive=False),
]


class AccordGroup(TyperGroup):
    """A Typer group that turns InputError into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except InputError as err:
            typer.echo(f"error: {err.one_line()}", err=True)
            raise typer.Exit(2) from None


def new_app(help: str) -> typer.Typer:
    """A sub-application with accord's conventions."""
    return typer.Typer(
        cls=AccordGroup,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
