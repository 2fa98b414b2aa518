"""The analysts' questions: ``caps`` (holdings against a range of caps) and ``capacity`` (how many
warheads each party could upload, and how fast).

Thin: parse the options, call :mod:`accord.app.caps` and :mod:`accord.app.capacity`, render. The
table people read is a pivot (a column per party); CSV and JSON carry the long rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..render.output import Format, emit
from ._common import FormatOption

AgreementArg = Annotated[str, typer.Argument(help="A built-in agreement id (see `accord list`) or a YAML file.")]
PartiesOption = Annotated[list[str] | None, typer.Option(
    "--parties", "-p", help="Parties, comma-separated or repeated (any case; default: the agreement's).")]
ChartOption = Annotated[Path | None, typer.Option(
    "--chart", help="Also write the chart as an SVG file (with its alternative text as <title>).")]
AtOption = Annotated[str | None, typer.Option(
    "--at", help="Holdings as of this date: the latest data on or before it (YYYY-MM-DD; default: today).")]
SeriesOption = Annotated[str | None, typer.Option(
    "--series", help="Only this estimator's series of the bundled record (e.g. FAS, SIPRI).")]


def _split(values: list[str] | None) -> list[str] | None:
    """``["US,RU", "cn"]`` → ``["US", "RU", "cn"]`` (``None`` when nothing was given)."""
    if not values:
        return None
    return [v.strip() for text in values for v in text.split(",") if v.strip()]


def _emit(fmt: Format, result: Any) -> None:
    """The pivot for a table, the long rows for CSV, the contract for JSON."""
    if Format(fmt) is Format.table:
        header, body = result.pivot()
        emit(fmt, json_obj=None, rows=[dict(zip(header, row, strict=True)) for row in body], columns=header,
             title=result.title(), footer=result.footer())
    else:
        emit(fmt, json_obj=result.to_json(), rows=result.rows(), columns=result.columns, title=result.title(),
             footer=result.footer())


def register(app: typer.Typer) -> None:
    """Add caps and capacity to the main app."""

    @app.command("caps")
    def caps_cmd(
        agreement: AgreementArg,
        cap_range: Annotated[list[str], typer.Option(
            "--range", "-r", help="Caps: START:STOP:STEP (STOP included, e.g. 500:4000:250) or one cap N; "
                                  "repeatable.")],
        limit: Annotated[str | None, typer.Option(
            "--limit", "-l", help="The limit whose scope and rule are used (default: the agreement's only one).")
        ] = None,
        scope: Annotated[list[str] | None, typer.Option(
            "--scope", help="Categories to count instead of the limit's, comma-separated or repeated.")] = None,
        parties: PartiesOption = None,
        at: AtOption = None,
        series: SeriesOption = None,
        data: Annotated[Path | None, typer.Option(
            "--data", "-d", help="Holdings file (CSV, JSON or YAML; ranges allowed) instead of the bundled record.")
        ] = None,
        chart: ChartOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Each party's holding against a range of caps: who is under, who must cut and by how much,
        and where an estimate's range straddles the cap (uncertain)."""
        from ..app._inputs import parse_cap_range, parse_optional_date
        from ..app.caps import cap_levels
        from ..app.charts import check_chart_path, write_chart

        caps = parse_cap_range(cap_range, "--range")
        if chart is not None:
            check_chart_path(chart)
        result = cap_levels(agreement, caps, limit=limit, scope=_split(scope), parties=_split(parties),
                            at=parse_optional_date(at, "--at"), series=series, data=data)
        if chart is not None:
            write_chart(chart, result.chart())
        _emit(fmt, result)

    @app.command("capacity")
    def capacity_cmd(
        parties: PartiesOption = None,
        cap: Annotated[list[str] | None, typer.Option(
            "--cap", help="A cap to time the upload against (besides New START's 1,550); N or START:STOP:STEP, "
                          "repeatable.")] = None,
        at: AtOption = None,
        bombers: Annotated[str, typer.Option(
            "--bombers", help="How bombers count: one (each bomber one warhead, New START's rule) or weapons "
                              "(the weapons loaded, as the estimators count).", case_sensitive=False)] = "one",
        series: Annotated[str | None, typer.Option(
            "--series", help="The estimator whose reserve (stored warheads) bounds the upload (default: FAS).")
        ] = None,
        chart: ChartOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """How many warheads each party could upload onto its deployed launchers (within its reserve),
        how fast at the sourced rates, when it would pass each cap, and how that compares with
        the analysts' published estimates."""
        from ..app._inputs import parse_cap_range, parse_optional_date
        from ..app.capacity import upload_capacity
        from ..app.charts import check_chart_path, write_chart

        caps = parse_cap_range(cap, "--cap") if cap else ()
        if chart is not None:
            check_chart_path(chart)
        result = upload_capacity(parties=_split(parties), caps=caps, at=parse_optional_date(at, "--at"),
                                 bombers=bombers.lower(), series=series)
        if chart is not None:
            write_chart(chart, result.chart())
        _emit(fmt, result)
