"""Commands about agreements and compliance: list, show, diff, check, timeline, report."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..render.output import Format, emit
from ._common import FormatOption

AgreementArg = Annotated[str, typer.Argument(help="A built-in agreement id (see `accord list`) or a YAML file.")]
PartyOption = Annotated[str | None, typer.Option("--party", "-p", help="Only this party (e.g. US, RU).")]
CapOption = Annotated[
    list[str] | None,
    typer.Option("--cap", help="Set a parameter cap: LIMIT=N or LIMIT:PARTY=N (repeatable)."),
]

FINDING_COLUMNS = ["party", "date", "limit", "value", "cap", "headroom", "status", "data_as_of", "source"]


def _date_option(value: str | None, name: str) -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}", field=name) from None


def _caps(values: list[str] | None) -> dict[str, Any]:
    caps: dict[str, Any] = {}
    for v in values or []:
        key, sep, number = v.partition("=")
        if not sep or not number.strip().isdigit():
            raise InputError(f"expected LIMIT=N or LIMIT:PARTY=N, got {v!r}", field="--cap")
        limit, _, party = key.partition(":")
        if party:
            caps.setdefault(limit, {})[party] = int(number)
        else:
            caps[limit] = int(number)
    return caps


def _check_caps(agreement: Any, caps: dict[str, Any]) -> None:
    ids = {lim.id for lim in agreement.limits}
    for limit in caps:
        if limit not in ids:
            raise InputError(f"unknown limit {limit!r} in {agreement.id} (limits: {', '.join(sorted(ids))})",
                             field="--cap")


def _check_party(agreement: Any, party: str | None) -> None:
    if party is not None and party not in agreement.parties:
        raise InputError(f"unknown party {party!r} (parties of {agreement.id}: {', '.join(agreement.parties)})",
                         field="--party")


def _agreement_and_caps(ref: str, party: str | None, cap: list[str] | None) -> tuple[Any, dict[str, Any]]:
    """The agreement named by ``ref``, with ``--party`` and ``--cap`` checked against it."""
    from ..agreements import load_agreement

    ag = load_agreement(ref)
    _check_party(ag, party)
    caps = _caps(cap)
    _check_caps(ag, caps)
    return ag, caps


def _evaluate_and_emit(ag: Any, holdings: Any, party: str | None, day: _dt.date | None,
                       caps: dict[str, Any], fmt: Format, title: str) -> Any:
    """Evaluate and print the report (accord.report/v1); returns it for the exit code."""
    from ..compliance import evaluate

    report = evaluate(ag, holdings, parties=[party] if party else None, at=day, caps=caps)
    emit(fmt, json_obj=report, rows=_finding_rows(report), columns=FINDING_COLUMNS, title=title,
         footer=_summary_line(report))
    return report


def _finding_rows(report: Any) -> list[dict[str, Any]]:
    return [
        {"party": f.party, "date": f.date, "limit": f.limit, "value": f.value, "cap": f.cap,
         "headroom": f.headroom,
         "status": f.status + (" (estimate)" if f.estimate else "")
         + (" (synthetic data)" if f.trace.get("data", {}).get("synthetic") else ""),
         "data_as_of": f.data_as_of, "source": f.source.cite()}
        for f in report.findings
    ]


def register(app: typer.Typer) -> None:
    """Add list, show, diff, check, timeline and report to the main app."""

    @app.command("list")
    def list_cmd(fmt: FormatOption = Format.table) -> None:
        """List the built-in agreements."""
        from ..agreements import load_all

        rows = []
        for a in load_all():
            eff = a.effective
            rows.append({"id": a.id, "title": a.title, "legal_form": a.legal_form, "adopted": a.adopted,
                         "in_force_from": eff.start, "until": eff.end, "extends": a.extends})
        emit(fmt, json_obj={"schema": "accord.agreements/v1", "agreements": rows}, rows=rows,
             columns=["id", "legal_form", "adopted", "in_force_from", "until", "extends", "title"],
             title="Built-in agreements")

    @app.command("show")
    def show_cmd(
        agreement: AgreementArg,
        at: Annotated[str | None, typer.Option("--at", help="Show what binds on this date (YYYY-MM-DD).")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Show an agreement: whether it is in force, and which limits bind (on a date)."""
        from ..agreements import load_agreement
        from ..agreements.show import describe

        ag = load_agreement(agreement)
        day = _date_option(at, "--at")
        info = describe(ag, day)
        rows = [
            {"limit": lim["id"], "kind": lim["kind"], "cap": lim["cap"], "scope": ", ".join(lim["categories"]),
             "binding": f"{lim['binding']['start']} – {lim['binding']['end'] or 'expiry'}",
             "binds": "" if day is None else ("yes" if lim["binds"] else "no"),
             "legal_form": lim["legal_form"], "verification": lim["verification"], "source": lim["source_cite"]}
            for lim in info["limits"]
        ]
        footer = info["headline"]
        emit(fmt, json_obj=info, rows=rows,
             columns=["limit", "kind", "cap", "binding", "binds", "legal_form", "verification", "scope", "source"],
             title=f"{ag.id}: {ag.title}", footer=footer)

    @app.command("diff")
    def diff_cmd(
        a: AgreementArg,
        b: AgreementArg,
        all_fields: Annotated[bool, typer.Option("--all", help="Also list the clauses that are the same.")] = False,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Compare two agreements clause by clause (scope, caps, dates, verification, legal form)."""
        from ..agreements import load_agreement
        from ..agreements.diff import diff

        ag_a, ag_b = load_agreement(a), load_agreement(b)
        diffs = diff(ag_a, ag_b)
        shown = diffs if all_fields else [d for d in diffs if d.changed]
        rows = [{"section": d.section, "clause": d.clause, "field": d.field, "a": d.a, "b": d.b} for d in shown]
        emit(fmt, json_obj={"schema": "accord.diff/v1", "a": ag_a.id, "b": ag_b.id,
                            "differences": [d.to_json() for d in shown]},
             rows=rows, columns=["section", "clause", "field", "a", "b"],
             title=f"a = {ag_a.id}, b = {ag_b.id}",
             footer=None if shown else "No differences.")

    @app.command("check")
    def check_cmd(
        agreement: AgreementArg,
        data: Annotated[Path, typer.Option("--data", "-d", help="Holdings: CSV, JSON or YAML; aggregate or itemized.")],
        party: PartyOption = None,
        at: Annotated[str | None, typer.Option("--at", help="Evaluate on this date (YYYY-MM-DD).")] = None,
        cap: CapOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Check holdings against an agreement's limits. Exit 1 when a binding limit is exceeded."""
        from ..forces import load_holdings

        ag, caps = _agreement_and_caps(agreement, party, cap)
        day = _date_option(at, "--at")
        report = _evaluate_and_emit(ag, load_holdings(data, ag), party, day, caps, fmt, f"{ag.id}: {data}")
        if report.exceeded:
            raise typer.Exit(1)

    @app.command("timeline")
    def timeline_cmd(
        agreement: AgreementArg,
        party: PartyOption = None,
        cap: CapOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Evaluate an agreement over every bundled exchange and estimate (the public record)."""
        from ..profiles.newstart import bundled_holdings

        ag, caps = _agreement_and_caps(agreement, party, cap)
        _evaluate_and_emit(ag, bundled_holdings(), party, None, caps, fmt, f"{ag.id}: the public record")

    @app.command("report")
    def report_cmd(
        out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write index.html into.")] = Path("report"),
        fmt: FormatOption = Format.table,
    ) -> None:
        """Write the HTML report (charts embedded, works offline) and print a short summary."""
        from ..render.report import build_report, write_report

        report = build_report()
        path = write_report(report, out)
        summary = report.summary_rows()
        emit(fmt, json_obj={"schema": "accord.summary/v1", "path": str(path), "rows": summary},
             rows=summary, columns=["question", "party", "answer", "as_of", "source"],
             title="accord report", footer=f"Report written to {path}")


def _summary_line(report: Any) -> str:
    from collections import Counter

    counts = Counter(f.status for f in report.findings)
    text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return f"{len(report.findings)} findings: {text}" if report.findings else "No findings."
