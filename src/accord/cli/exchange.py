"""Commands for the Protocol database: ``exchange replay``, ``exchange reconcile`` and ``synth``.

Thin: parse, call :mod:`accord.exchange`, render. Heavy modules are imported inside the
commands so that ``accord --help`` stays instant.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..render.output import Format, emit
from ._common import FormatOption, new_app

AgreementOption = Annotated[
    str | None,
    typer.Option("--agreement", "-a", help="Agreement id or YAML file (default: the declaration's own)."),
]
FINDING_COLUMNS = ["kind", "items", "notifications", "facility", "detail"]


def _date(value: str, name: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}", field=name) from None


def _agreement(ref: str | None, decl: Any) -> Any:
    from ..agreements import load_agreement

    return load_agreement(ref or decl.agreement)


def _counts(agreement: Any, decl: Any) -> dict[str, int]:
    from ..forces import ItemTable, count_items

    return count_items(agreement, ItemTable.from_records(decl.records(), file=None))


def _finding_rows(findings: list[Any]) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "items": " ".join(f.items), "notifications": " ".join(f.notifications),
             "facility": f.facility or "", "detail": f.detail} for f in findings]


def replay_cmd(
    declaration: Annotated[Path, typer.Argument(help="Declaration (accord.declaration/v1 JSON).")],
    notifications: Annotated[Path, typer.Argument(help="Notifications (JSON lines).")],
    at: Annotated[str, typer.Option("--at", help="The instant: state as of the start of this date (YYYY-MM-DD).")],
    agreement: AgreementOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the replayed state as a declaration file.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The state as of a date: counts under the agreement's rules, and what the replay found."""
    from ..exchange import read_declaration, read_notifications, replay, write_declaration

    day = _date(at, "--at")
    decl = read_declaration(declaration)
    notes = read_notifications(notifications)
    ag = _agreement(agreement, decl)
    if day < decl.as_of:
        raise InputError(f"--at {day} is before the declaration's as-of date {decl.as_of}", field="--at")
    r = replay(decl, notes, ag, at=day)
    state = r.declaration()
    counts = _counts(ag, state)
    if out is not None:
        write_declaration(out, state)
    titles = {c.id: c.title for c in ag.categories}
    rows = [{"category": k, "title": titles.get(k, k), "count": v} for k, v in counts.items()]
    emit(fmt, json_obj={
        "schema": "accord.replay/v1", "synthetic": decl.synthetic, "party": decl.party,
        "from": decl.as_of, "as_of": day, "agreement": ag.id, "notifications_applied": r.applied,
        "counts": counts, "findings": [f.to_json() for f in r.findings], "declaration": state.to_json(),
    }, rows=rows, columns=["category", "title", "count"],
        title=f"{decl.party} as of {day} (replayed from {decl.as_of}, {r.applied} notifications)",
        footer=f"{len(r.findings)} finding(s) in the replay; run `accord exchange reconcile` for the "
               "comparison with the next declaration." if r.findings else None)


def reconcile_cmd(
    declaration: Annotated[Path, typer.Argument(help="Declaration at the start of the period.")],
    notifications: Annotated[Path, typer.Argument(help="Notifications (JSON lines).")],
    next_declaration: Annotated[Path, typer.Argument(help="The next declaration.")],
    agreement: AgreementOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Replay the notifications and compare with the next declaration. Exit 1 when there are findings."""
    from ..exchange import read_declaration, read_notifications, reconcile
    from ..exchange.reconcile import findings_json

    decl = read_declaration(declaration)
    notes = read_notifications(notifications)
    nxt = read_declaration(next_declaration)
    if nxt.party != decl.party:
        raise InputError(f"party {nxt.party!r} differs from the first declaration's {decl.party!r}",
                         file=str(next_declaration), field="party")
    if nxt.as_of < decl.as_of:
        raise InputError(f"as of {nxt.as_of}, before the first declaration ({decl.as_of})",
                         file=str(next_declaration), field="as_of")
    ag = _agreement(agreement, decl)
    findings = reconcile(decl, notes, nxt, ag)
    doc = findings_json(findings)
    doc.update({"party": decl.party, "from": decl.as_of.isoformat(), "to": nxt.as_of.isoformat(),
                "agreement": ag.id, "notifications": len(notes)})
    by_kind: dict[str, int] = {}
    for f in findings:
        by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
    emit(fmt, json_obj=doc, rows=_finding_rows(findings), columns=FINDING_COLUMNS,
         title=f"{decl.party}: {decl.as_of} → {nxt.as_of}, {len(notes)} notifications",
         footer=("No findings: the notifications account for every change." if not findings else
                 "Findings: " + ", ".join(f"{k} {n}" for k, n in by_kind.items())))
    if findings:
        raise typer.Exit(1)


def synth(
    party: Annotated[str, typer.Option("--party", "-p", help="US or RU.")],
    as_of: Annotated[str, typer.Option("--as-of", help="A published exchange date (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the three files (created if missing).")],
    months: Annotated[int, typer.Option("--months", help="Months of activity.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    scale: Annotated[int, typer.Option("--scale", help="Multiply items and events (benchmarks).")] = 1,
    agreement: Annotated[str, typer.Option("--agreement", "-a", help="Agreement whose counting rules to match.")] = "newstart-2021",
    fmt: FormatOption = Format.table,
) -> None:
    """Write a SYNTHETIC declaration matching the published figures, its notifications and the next declaration."""
    from ..agreements import load_agreement
    from ..exchange.io import write_atomic
    from ..profiles.newstart.synth import synth_files, synthesize

    day = _date(as_of, "--as-of")
    ag = load_agreement(agreement)
    result = synthesize(ag, party, day, months=months, seed=seed, scale=scale)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", file=str(out), field="--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror or exc}", file=str(out), field="--out") from None
    files = synth_files(result)
    write_atomic([(out / name, text) for name, text in files.items()])

    first = _counts(ag, result.declaration)
    second = _counts(ag, result.next_declaration)
    rows = []
    for lim in ag.limits:
        rows.append({"limit": lim.id, "published": result.targets.published.get(lim.id),
                     "declaration": sum(first.get(c, 0) for c in lim.categories),
                     "next_declaration": sum(second.get(c, 0) for c in lim.categories)})
    emit(fmt, json_obj={
        "schema": "accord.synth/v1", "synthetic": True, "party": party, "as_of": day,
        "next_as_of": result.next_declaration.as_of, "seed": seed, "scale": scale, "months": months,
        "agreement": ag.id, "files": {name: str(out / name) for name in files},
        "items": len(result.declaration.items), "notifications": len(result.notifications),
        "limits": rows, "published_counts": dict(result.targets.published_counts),
        "notes": list(result.notes),
    }, rows=rows, columns=["limit", "published", "declaration", "next_declaration"],
        title=f"SYNTHETIC {party} database as of {day} → {out}",
        footer="\n".join([f"{len(result.declaration.items):,} items, {len(result.notifications):,} notifications "
                          f"to {result.next_declaration.as_of}.", *result.notes[1:]]))


def register(app: typer.Typer) -> None:
    """Add ``exchange replay``, ``exchange reconcile`` and ``synth`` to the main app."""
    exchange_app = new_app("The Protocol database: replay notifications, reconcile declarations.")
    exchange_app.command("replay")(replay_cmd)
    exchange_app.command("reconcile")(reconcile_cmd)
    app.add_typer(exchange_app, name="exchange")
    app.command("synth")(synth)
