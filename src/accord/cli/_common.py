"""What every command shares: the ``--format`` option and the one-line error convention.

Errors: any :class:`accord.errors.InputError` raised below a command is printed as one line
``file:line: field: problem`` on standard error and exits with code 2 (see :class:`AccordGroup`).
An error about a command-line value names the option (``--at: not an ISO date …``): a field
that is the Python name of one of the command's options (``item_detection``) is shown as that
option (``--item-detection``). Usage mistakes (a missing option, a value that is not a number,
an unknown option or command) and a file the system cannot open are one line too.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer._click import exceptions as click_exceptions
from typer.core import TyperGroup

from ..errors import InputError
from ..render.output import Format

FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table, json or csv.", case_sensitive=False),
]


def option_name(param: Any) -> str | None:
    """The name a user types for a click parameter: its long option (``--item-detection``), else
    its first option, else (an argument) its name."""
    opts = [str(o) for o in getattr(param, "opts", None) or ()]
    if not opts:
        name = getattr(param, "name", None)
        return None if name is None else str(name)
    return next((o for o in opts if o.startswith("--")), opts[0])


def with_option_names(err: InputError, command: Any) -> InputError:
    """``err`` with its field renamed to the option of ``command`` it names (a field that is the
    Python name of an option: ``as_of`` → ``--as-of``). Errors about a file are left alone."""
    if err.file is not None or not err.field or command is None:
        return err
    for param in getattr(command, "params", ()):
        if param.name == err.field and getattr(param, "opts", None) and param.opts[0].startswith("-"):
            shown = option_name(param)
            if shown and shown != err.field:
                return InputError(err.problem, line=err.line, field=shown)
    return err


#: How pydantic (which typer uses to convert values) says a value has the wrong type, in our words.
_TYPE_WORDS = {
    "Input should be a valid integer": "not a whole number",
    "Input should be a valid number": "not a number",
    "Input should be a valid boolean": "not true or false",
    "Input should be a finite number": "not a finite number",
}


def usage_line(err: click_exceptions.UsageError) -> str:
    """A usage mistake as one line ``--option: problem`` (no usage screen, no library wording)."""
    ctx = getattr(err, "ctx", None)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    if isinstance(err, click_exceptions.BadParameter):
        param = err.param
        field = option_name(param) if param is not None else None
        if isinstance(err, click_exceptions.MissingParameter):
            problem = "missing: this " + ("option" if field and field.startswith("-") else "argument") + " is required"
            return f"{field}: {problem}{hint}" if field else f"{err.format_message()}{hint}"
        problem = err.message.removeprefix("Value error, ").rstrip(".")
        for words, ours in _TYPE_WORDS.items():
            if problem.startswith(words):
                problem = ours
        cause = err.__cause__
        errors = getattr(cause, "errors", None)
        if callable(errors):
            try:
                value = errors()[0].get("input")
            except (IndexError, TypeError, AttributeError):  # pragma: no cover - defensive
                value = None
            if isinstance(value, str) and repr(value) not in problem:
                problem = f"{problem}: {value!r}"
        return f"{field}: {problem}" if field else f"{problem}{hint}"
    return f"{err.format_message().rstrip('.')}{hint}"


def _os_line(err: OSError) -> str | None:
    """A file the system could not open or write, as ``path: No such file or directory``."""
    if err.filename is None:
        return None
    why = err.strerror or "cannot be opened"
    return f"{err.filename}: {why}"


class AccordGroup(TyperGroup):
    """A Typer group that turns InputError, usage mistakes and unopenable files into one line on
    stderr and exit code 2."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        # The top-level group parses its own options here, outside invoke().
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click_exceptions.NoArgsIsHelpError:
            raise
        except click_exceptions.UsageError as err:
            if parent is not None:
                raise  # the parent group's invoke() prints it
            typer.echo(f"error: {usage_line(err)}", err=True)
            raise typer.Exit(2) from None

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except InputError as err:
            name = ctx.invoked_subcommand
            command = self.get_command(ctx, name) if name else None
            typer.echo(f"error: {with_option_names(err, command).one_line()}", err=True)
            raise typer.Exit(2) from None
        except click_exceptions.NoArgsIsHelpError:
            raise
        except click_exceptions.UsageError as err:
            typer.echo(f"error: {usage_line(err)}", err=True)
            raise typer.Exit(2) from None
        except OSError as err:
            line = _os_line(err)
            if line is None:
                raise
            typer.echo(f"error: {line}", err=True)
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


def package_version(distribution: str = "accord") -> str:
    """The installed version of ``distribution`` from its package metadata (what ``pip`` installed),
    or the source tree's ``accord.__version__`` when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        from .. import __version__

        return f"{__version__} (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"accord {package_version()}")
        raise typer.Exit()


def add_version_option(app: typer.Typer) -> None:
    """Give ``app`` a ``--version`` option that prints ``accord VERSION`` and exits 0."""

    @app.callback()
    def _options(
        version: Annotated[bool, typer.Option(
            "--version", help="Print the version (from the installed package) and exit.", callback=_print_version,
            is_eager=True)] = False,
    ) -> None:
        pass
