"""Commands about agreements and compliance: list, show, diff, check, timeline, report.

Thin: parse the options, call :mod:`accord.app`, render the result. Heavy modules are imported
inside the commands so that ``accord --help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render.output import Format, emit_result
from ._common import FormatOption

AgreementArg = Annotated[str, typer.Argument(help="A built-in agreement id (see `accord list`) or a YAML file.")]
PartyOption = Annotated[str | None, typer.Option("--party", "-p", help="Only this party (e.g. US, RU; any case).")]
SeriesOption = Annotated[str | None, typer.Option(
    "--series", help="Only this estimator's series of the bundled record (e.g. FAS, SIPRI), where it has several.")]
CapOption = Annotated[
    list[str] | None,
    typer.Option("--cap", help="Set a parameter cap: LIMIT=N or LIMIT:PARTY=N (repeatable)."),
]


def register(app: typer.Typer) -> None:
    """Add list, show, diff, check, timeline and report to the main app."""

    @app.command("list")
    def list_cmd(fmt: FormatOption = Format.table) -> None:
        """List the built-in agreements."""
        from ..app.agreements import list_agreements

        emit_result(fmt, list_agreements())

    @app.command("show")
    def show_cmd(
        agreement: AgreementArg,
        at: Annotated[str | None, typer.Option("--at", help="Show what binds on this date (YYYY-MM-DD).")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Show an agreement: whether it is in force, and which limits bind (on a date)."""
        from ..app._inputs import parse_optional_date
        from ..app.agreements import show

        emit_result(fmt, show(agreement, parse_optional_date(at, "--at")))

    @app.command("diff")
    def diff_cmd(
        a: AgreementArg,
        b: AgreementArg,
        all_fields: Annotated[bool, typer.Option("--all", help="Also list the clauses that are the same.")] = False,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Compare two agreements clause by clause (scope, caps, dates, verification, legal form)."""
        from ..app.agreements import compare

        emit_result(fmt, compare(a, b, all_fields=all_fields))

    @app.command("check")
    def check_cmd(
        agreement: AgreementArg,
        data: Annotated[Path | None, typer.Option(
            "--data", "-d", help="Holdings: CSV, JSON or YAML; aggregate or itemized (default: the bundled record "
                                 "of the agreement's treaty family).")] = None,
        party: PartyOption = None,
        at: Annotated[str | None, typer.Option(
            "--at", help="Evaluate on this date (YYYY-MM-DD; default: every date of the data).")] = None,
        cap: CapOption = None,
        series: SeriesOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Check holdings against an agreement's limits. Exit 1 when a binding limit is exceeded.

        Without --data, the bundled record is checked (each estimator's series separately)."""
        from ..app._inputs import parse_caps, parse_optional_date
        from ..app.compliance import check

        caps = parse_caps(cap)
        result = check(agreement, data, party=party, at=parse_optional_date(at, "--at"), caps=caps, series=series)
        emit_result(fmt, result)
        if result.exceeded:
            raise typer.Exit(1)

    @app.command("timeline")
    def timeline_cmd(
        agreement: AgreementArg,
        party: PartyOption = None,
        cap: CapOption = None,
        series: SeriesOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Evaluate an agreement over every bundled exchange and estimate (the public record)."""
        from ..app._inputs import parse_caps
        from ..app.compliance import timeline

        emit_result(fmt, timeline(agreement, party=party, caps=parse_caps(cap), series=series))

    @app.command("report")
    def report_cmd(
        out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write index.html into.")] = Path("report"),
        fmt: FormatOption = Format.table,
    ) -> None:
        """Write the HTML report (charts embedded, works offline) and print a short summary."""
        from ..app.report import report

        emit_result(fmt, report(out))
