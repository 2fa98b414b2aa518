"""The log server's web dashboard: a few self-contained HTML pages, each with a JSON twin.

Mounted by the log app (``app.include_router(dashboard_router(), prefix="/dashboard")``); it
reads the running :class:`~accord.service.log_service.LogService` from ``app.state.log`` and an
optional monitor state folder from ``app.state.monitor_state``.

- ``/dashboard/`` — the log (size, published checkpoint and its signers), entries by kind and
  party, the most recent entries, each party's latest declaration checked against the log's
  agreement (as ``accord check`` does) and the monitor's last findings;
- ``/dashboard/entries?kind=&party=`` — the most recent entries, filtered;
- ``/dashboard/entries/{index}`` — one entry;
- ``?format=json`` on each: the same data (``accord.dashboard/v1``).

No external asset of any kind: styles are inline, there is no script, and a Content-Security-
Policy forbids the browser from loading anything from elsewhere. Laid out for a 375 px phone
to a wide screen: tables scroll in their own box, long hashes break.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..ledger.cosignature import WitnessKey
from ..render.html import CSS
from ..render.output import to_jsonable
from .dashboard_data import DashboardData, collect, entry_detail

__all__ = ["CSP", "dashboard_router"]

#: Nothing from elsewhere: inline styles, data: images (the empty favicon), forms to this server.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'"
_EXTRA_CSS = """
header.top{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:baseline}
nav a{margin-right:1em}
.hash{font-family:ui-monospace,monospace;font-size:.85em;overflow-wrap:anywhere;word-break:break-all}
.grid{display:flex;flex-wrap:wrap;gap:1em}
.grid>div{flex:1 1 16em;min-width:0}
.ok{background:#d9f2d9}.error{background:#f8caca}.warning{background:#fde2b8}.info{background:#eee}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;padding:.5em;max-height:40em;overflow:auto}
form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end}
form.filters label{display:flex;flex-direction:column;font-size:.85em}
table.wide{min-width:44em} table.wide td{white-space:nowrap} table.wide td.t{white-space:normal;min-width:14em}
"""
_LIMIT_MAX = 500


def _e(value: Any) -> str:
    return "—" if value is None else html.escape(str(value))


def _table(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, raw: Sequence[str] = (),
           caption: str | None = None, wide: bool = False, wrap: Sequence[str] = ()) -> str:
    """An HTML table in its own scrolling box; cells escaped except the ``raw`` columns (HTML).
    A ``wide`` table keeps a readable width on a phone and scrolls in its box instead of
    squeezing every cell into a column of fragments; only its ``wrap`` columns (long text) wrap."""
    head = "".join(f"<th scope=col>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = "".join(f"<td{' class=t' if c in wrap else ''}>{row.get(c, '') if c in raw else _e(row.get(c))}</td>"
                        for c in columns)
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f"<tr><td colspan={len(columns)}>none</td></tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (f'<div class=scroll tabindex=0><table{" class=wide" if wide else ""}>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f'<meta name=viewport content="width=device-width, initial-scale=1">'
            f'<link rel=icon href="data:,"><title>{_e(title)}</title>'
            f"<style>{CSS}{_EXTRA_CSS}</style></head><body>{body}</body></html>")


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


def _json(obj: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(to_jsonable(obj), status, headers={"Cache-Control": "no-cache"})


def _nav(prefix: str) -> str:
    return (f'<nav><a href="{prefix}/">overview</a><a href="{prefix}/entries">entries</a>'
            f'<a href="/checkpoint">checkpoint</a></nav>')


def _entry_link(prefix: str, index: int) -> str:
    return f'<a href="{prefix}/entries/{index}">{index}</a>'


def _entries_table(prefix: str, data: DashboardData) -> str:
    rows = [{**e.to_json(), "index": _entry_link(prefix, e.index)} for e in data.recent]
    return _table(("index", "kind", "party", "issued_at", "summary"), rows, raw=("index",), wide=True,
                  wrap=("summary",))


def _counts(title: str, counts: Mapping[str, int], prefix: str, key: str) -> str:
    rows = [{key: f'<a href="{prefix}/entries?{urlencode({key: k})}">{html.escape(k)}</a>', "entries": f"{n:,}"}
            for k, n in counts.items()]
    return f"<div><h3>{_e(title)}</h3>{_table((key, 'entries'), rows, raw=(key,))}</div>"


def _when(timestamp: str | None) -> str | None:
    """A cosignature/v1 timestamp (POSIX seconds) as UTC time."""
    if timestamp is None or not str(timestamp).isdigit() or len(str(timestamp)) > 12:
        return None
    return _dt.datetime.fromtimestamp(int(timestamp), _dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _checkpoint_section(data: DashboardData) -> str:
    cp = data.checkpoint
    if cp is None:
        return "<p>No checkpoint yet.</p>"
    signers = [{"name": s["name"], "role": s["role"], "cosigned at": _when(s.get("timestamp"))}
               for s in cp["signers"]]
    return (f"<p>Size <strong>{cp['size']:,}</strong>, root <span class=hash>{_e(cp['root'])}</span></p>"
            f"{_table(('name', 'role', 'cosigned at'), signers, caption='signed by')}"
            f"<details><summary>the signed note</summary><pre>{_e(cp['note'])}</pre></details>")


def _compliance_section(data: DashboardData) -> str:
    if not data.compliance:
        return "<p>No declaration in the log yet.</p>"
    out = []
    for c in data.compliance:
        head = f"<h3>{_e(c.party)}: declaration as of {_e(c.as_of)} (entry {c.index})</h3>"
        if c.error:
            out.append(f"{head}<p class=note>{_e(c.error)}</p>")
            continue
        rows = [{**r, "status": f'<span class="st {html.escape(str(r.get("status", "")).split(" ")[0])}">'
                                f'{_e(r.get("status"))}</span>'} for r in c.rows]
        out.append(head + _table(("limit", "value", "cap", "headroom", "status", "date", "source"), rows,
                                 raw=("status",), wide=True, wrap=("source",)) + f"<p class=small>{_e(c.footer)}</p>")
    return "".join(out)


def _monitor_section(report: Mapping[str, Any] | None) -> str:
    if report is None:
        return "<p>No monitor is configured for this server (<code>accord serve --monitor-state DIR</code>).</p>"
    if "error" in report and "schema" not in report:
        return f"<p class=note>{_e(report['error'])}</p>"
    ok = bool(report.get("ok"))
    head = (f"<p><span class='st {'ok' if ok else 'error'}'>{'ok' if ok else 'NOT OK'}</span> "
            f"{_e(report.get('url'))}: size {_e(report.get('size'))}, checked {_e(report.get('checked_at'))}; "
            f"cosigned by {_e(', '.join(report.get('cosigners') or []) or 'nobody')}</p>")
    rows = [{**f, "severity": f"<span class='st {html.escape(str(f.get('severity')))}'>{_e(f.get('severity'))}</span>"}
            for f in report.get("findings") or []]
    views = _table(("source", "size", "status"), report.get("witnesses") or [], caption="witness and peer views")
    exchange = report.get("exchange") or {}
    replay = f"<p>Exchange replay: {_e(exchange.get('status'))}, {_e(exchange.get('detail'))}.</p>"
    return head + _table(("severity", "kind", "index", "detail", "evidence"), rows, raw=("severity",),
                         wide=bool(rows), wrap=("detail", "evidence")) + views + replay


def _overview(prefix: str, data: DashboardData) -> str:
    body = (f"<header class=top><h1>accord log</h1>{_nav(prefix)}</header>"
            f"<p>Origin <code>{_e(data.origin)}</code>, agreement <code>{_e(data.agreement)}</code>, "
            f"<strong>{data.size:,}</strong> entries.</p>"
            f"<h2>Latest checkpoint</h2>{_checkpoint_section(data)}"
            f"<h2>Entries</h2><div class=grid>{_counts('by kind', data.by_kind, prefix, 'kind')}"
            f"{_counts('by party', data.by_party, prefix, 'party')}</div>"
            f"<h3>Most recent</h3>{_entries_table(prefix, data)}"
            f"<h2>Latest declarations against {_e(data.agreement)}</h2>{_compliance_section(data)}"
            f"<h2>Monitor</h2>{_monitor_section(data.monitor)}")
    return _page(f"accord log {data.origin}", body)


def _entries_page(prefix: str, data: DashboardData) -> str:
    kind, party = data.filters.get("kind"), data.filters.get("party")

    def options(name: str, values: Iterable[str], chosen: str | None) -> str:
        opts = ["<option value=''>any</option>"]
        opts += [f"<option{' selected' if v == chosen else ''}>{_e(v)}</option>" for v in values]
        return f"<label>{name}<select name={name}>{''.join(opts)}</select></label>"

    form = (f"<form class=filters method=get action='{prefix}/entries'>"
            f"{options('kind', data.by_kind, kind)}{options('party', data.by_party, party)}"
            "<button type=submit>filter</button></form>")
    shown = f"{len(data.recent)} most recent" + (f" of kind {kind}" if kind else "") + (
        f" by {party}" if party else "")
    body = (f"<header class=top><h1>Entries</h1>{_nav(prefix)}</header>{form}<p>{_e(shown)} "
            f"(of {data.size:,}).</p>{_entries_table(prefix, data)}")
    return _page("accord log entries", body)


def _entry_page(prefix: str, detail: Mapping[str, Any]) -> str:
    fields = [{"field": k, "value": detail.get(k)} for k in ("index", "kind", "party", "issued_at", "leaf_hash",
                                                              "signature")]
    payload = json.dumps(detail.get("payload"), indent=1, ensure_ascii=False)
    if len(payload) > 200_000:
        payload = payload[:200_000] + "\n… (truncated; the JSON twin has it all)"
    body = (f"<header class=top><h1>Entry {detail['index']}</h1>{_nav(prefix)}</header>"
            f"{_table(('field', 'value'), fields)}<h2>Payload</h2><pre>{_e(payload)}</pre>")
    return _page(f"accord log entry {detail['index']}", body)


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json"


def dashboard_router() -> APIRouter:
    """The dashboard's routes (mount under a prefix, e.g. ``/dashboard``)."""
    router = APIRouter(include_in_schema=False)

    def service(request: Request) -> Any:
        return request.app.state.log

    def monitor_dir(request: Request) -> Path | None:
        found = getattr(request.app.state, "monitor_state", None)
        return Path(found) if found else None

    def witness_keys(svc: Any) -> list[WitnessKey]:
        return [w.key for w in getattr(svc.config, "witnesses", ())]

    async def data(request: Request, *, kind: str | None, party: str | None, limit: int) -> DashboardData:
        svc = service(request)
        published = svc.published.text() if svc.published is not None else None
        keys, mon = witness_keys(svc), monitor_dir(request)
        found: DashboardData = await svc.read(lambda store: collect(
            store, published=published, witness_keys=keys, kind=kind, party=party, limit=limit, monitor_state=mon))
        return found

    def _filter(value: str | None) -> str | None:
        return value if value else None

    def _limit(raw: str | None, default: int) -> int:
        try:
            n = int(raw) if raw is not None else default
        except ValueError:
            n = default
        return max(1, min(_LIMIT_MAX, n))

    @router.get("/")
    async def overview(request: Request) -> Response:
        found = await data(request, kind=None, party=None, limit=_limit(request.query_params.get("limit"), 15))
        if _wants_json(request):
            return _json(found.to_json())
        return _html(_overview(str(request.url.path).rstrip("/"), found))

    @router.get("/entries")
    async def entries(request: Request) -> Response:
        q = request.query_params
        found = await data(request, kind=_filter(q.get("kind")), party=_filter(q.get("party")),
                           limit=_limit(q.get("limit"), 100))
        if _wants_json(request):
            return _json(found.to_json())
        return _html(_entries_page(str(request.url.path).rsplit("/entries", 1)[0], found))

    @router.get("/entries/{index}")
    async def entry(request: Request, index: str) -> Response:
        prefix = str(request.url.path).rsplit("/entries", 1)[0]
        if not index.isascii() or not index.isdigit() or len(index) > 18:
            return _problem(request, prefix, 400, f"entry index {index[:40]!r} is not a whole number")
        found = await service(request).read(lambda store: entry_detail(store, int(index)))
        if found is None:
            return _problem(request, prefix, 404, f"no entry {int(index)}")
        if _wants_json(request):
            return _json({"schema": "accord.dashboard.entry/v1", **found})
        return _html(_entry_page(prefix, found))

    def _problem(request: Request, prefix: str, status: int, message: str) -> Response:
        if _wants_json(request):
            return _json({"schema": "accord.service.error/v1", "ok": False, "status": status, "error": message},
                         status)
        body = f"<header class=top><h1>{status}</h1>{_nav(prefix)}</header><p>{_e(message)}</p>"
        return _html(_page(f"{status}", body), status)

    return router
