"""``accord monitor URL --state DIR``: follow a remote accord log and verify everything it serves.

Thin: parse, call :mod:`accord.service.monitor`, render each report. Exit codes: 0 when every
check held; 1 when the log misbehaved (a split view — its evidence saved under DIR/evidence —,
a checkpoint not signed by the pinned key, entries that do not hash to the signed root, an
entry the ledger's rules refuse, an unreachable log with ``--once``); 2 for a usage mistake.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..render.output import Format
from ._common import FormatOption


def _log_key(value: str | None) -> Any:
    if value is None:
        return None
    from ..ledger.cosignature import read_vkey
    from ..ledger.keys import PublicKey

    key = read_vkey(value, field="--log-key")
    if not isinstance(key, PublicKey):
        raise InputError("that is a witness's cosignature key; the log's key is an Ed25519 note key (type 0x01)",
                         field="--log-key")
    return key


def monitor(
    url: Annotated[str, typer.Argument(help="The log's URL (what `accord serve` prints): URL/checkpoint is its checkpoint.")],  # noqa: E501
    state: Annotated[Path, typer.Option("--state", help="Folder for what this monitor pinned and verified (created on first use).")],  # noqa: E501
    log_key: Annotated[str | None, typer.Option("--log-key", help="The log's verifier key (vkey text or .pub file); required the first time, pinned after.")] = None,  # noqa: E501
    origin: Annotated[str | None, typer.Option("--origin", help="Pin the log's origin (default: the first verified checkpoint's).")] = None,  # noqa: E501
    witness: Annotated[list[str] | None, typer.Option("--witness", help="A witness to compare views with: URL or WITNESS_VKEY@URL; repeatable.")] = None,  # noqa: E501
    peer: Annotated[list[Path] | None, typer.Option("--peer", help="Another monitor's --state folder to compare views with; repeatable.")] = None,  # noqa: E501
    once: Annotated[bool, typer.Option("--once", help="Check what is there now and exit (0 when all holds).")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks when following.")] = 5.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each HTTP answer.")] = 10.0,
    fmt: FormatOption = Format.table,
) -> None:
    """Follow a remote log: verify each checkpoint's signature and its consistency with the last
    one (hash tiles), every new entry (signature, admission rules), replay what was declared,
    and compare the checkpoints witnesses and other monitors saw; a split view stops it with
    exit 1 and its evidence in STATE/evidence."""
    from ..service.monitor import MonitorReport, parse_witness, run

    witnesses = [parse_witness(w) for w in witness or []]
    seen: set[tuple[str, str]] = set()
    header = [False]

    def show(report: MonitorReport) -> None:
        if once:
            _emit(fmt, report)
            return
        _follow_line(fmt, report, seen, header)

    try:
        report = run(url, state, log_key=_log_key(log_key), origin=origin, witnesses=witnesses, peers=peer or [],
                     once=once, interval=interval, timeout=timeout, on_report=show)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    if not report.ok:
        for f in report.split_views:
            typer.echo(f"error: split view: {f.detail}; evidence in {f.evidence}", err=True)
        raise typer.Exit(1)


def _emit(fmt: Format, report: Any) -> None:
    from ..render.output import emit

    emit(fmt, json_obj=report.to_json(), rows=report.rows(), columns=list(report.columns), title=report.title(),
         footer=report.summary())


def _follow_line(fmt: Format, report: Any, seen: set[tuple[str, str]], header: list[bool]) -> None:
    """Following: a JSON line per check, or only what is new (a status line and new findings)."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    new = [r for r in report.rows() if (r["kind"], r["detail"]) not in seen]
    seen.update((r["kind"], r["detail"]) for r in new)
    if fmt is Format.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        if not header[0]:
            writer.writerow(report.columns)
            header[0] = True
        for r in new:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in report.columns])
        sys.stdout.flush()
        return
    typer.echo(f"{report.checked_at} {report.title()} — {report.summary()}")
    for r in new:
        where = f" [entry {r['index']}]" if r.get("index") is not None else ""
        evidence = f" (evidence: {r['evidence']})" if r.get("evidence") else ""
        typer.echo(f"  {r['severity']}: {r['kind']}{where}: {r['detail']}{evidence}")


def register(app: typer.Typer) -> None:
    """Add ``monitor`` to the main app."""
    app.command("monitor")(monitor)
