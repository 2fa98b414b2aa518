"""``accord report``: the treaty families' HTML report of the public record, and its summary.

Each profile evaluates what it shows and writes its sections with the render kit; this module
loads the library, hands both to every profile that has a report (:data:`LEADING` first, then
the others by id), computes the analyses a profile asks for (:class:`~accord.profiles.Analysis`:
cap levels, upload capacity — they live in this layer, above the profiles), puts the parts one
after the other on one page and writes it. The summary opens with what is in force on the day,
and, when nothing is, why (each agreement's standing).
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..errors import InputError
from ..profiles import Analysis, Profile, ReportContent, Section, get_profile, profiles
from ..render.html import KIT, page, write_page
from ._frame import frame
from .library import load_agreement, load_all

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_SCHEMA = "accord.summary/v1"
SUMMARY_COLUMNS = ("question", "party", "answer", "as_of", "source")
#: The profiles whose parts open the page, in this order (what binds now before the record of the
#: treaty that lapsed); every other profile with a report follows, by id.
LEADING = ("after2026",)


@dataclass(frozen=True)
class ReportPage:
    """A built report: the profiles shown (in page order), the page's content (every part's
    sections, analyses computed) and its HTML."""

    profile: str
    content: ReportContent
    html: str
    profiles: tuple[str, ...] = ()

    def summary_rows(self) -> list[dict[str, Any]]:
        return list(self.content.summary)


def report_profiles(profile: str | None = None) -> list[Profile]:
    """The profiles a report shows, in page order: ``profile`` alone when given (an InputError
    when it has no report), else :data:`LEADING` then every other profile with a report, by id."""
    if profile:
        prof = get_profile(profile)
        if prof.report is None:
            raise InputError(f"the {prof.id} profile has no report", field="profile")
        return [prof]
    known = {p.id: p for p in profiles().values() if p.report is not None}
    if not known:
        raise InputError("no installed profile has a report", field="profile")
    order = [pid for pid in LEADING if pid in known] + sorted(pid for pid in known if pid not in LEADING)
    return [known[pid] for pid in order]


def in_force_row(agreements: Sequence[Agreement], day: _dt.date) -> dict[str, Any]:
    """The summary's first line: the agreements in force on ``day``, or ``nothing`` and why: what
    lapsed last (and when) and every conditional offer that never took effect, each in the first
    clause of its standing (:meth:`~accord.agreements.model.Agreement.standing`; the whole sentence
    is in ``accord show ID --at DAY``)."""
    in_force = [a.id + (" (suspended in part)" if s.state == "suspended" else "")
                for a in agreements for s in (a.standing(day),) if s.in_force]
    if in_force:
        return {"question": f"in force on {day.isoformat()}", "party": "all", "answer": ", ".join(in_force),
                "as_of": day, "source": "built-in library"}
    standings = [(a, a.standing(day)) for a in agreements]
    expired = [(a, s) for a, s in standings if s.state == "expired"]
    last = max((s.effective.end for _, s in expired if s.effective.end is not None), default=None)
    why = [s.text.split(" (")[0] for a, s in expired if s.effective.end == last]
    why += [s.text.split(" (")[0] for a, s in standings if s.state == "never_took_effect"]
    return {"question": f"in force on {day.isoformat()}", "party": "all",
            "answer": "nothing" + (": " + "; ".join(why) if why else ""), "as_of": day,
            "source": "built-in library (accord show ID --at DATE)"}


def _escape_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A result's table (plain text cells), its first column in bold: the row's key."""
    e = KIT.text
    return KIT.table([e(h) for h in header],
                     [[f"<strong>{e(row[0])}</strong>", *(e(c) for c in row[1:])] for row in rows if row])


def _lines(text: str) -> str:
    return "".join(f"<p class='small'>{_html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _caps_section(a: Analysis, day: _dt.date, charts: bool) -> Section:
    from .caps import cap_levels

    p = a.params
    result = cap_levels(p["agreement"], p["caps"], limit=p.get("limit"), scope=p.get("scope"),
                        parties=p.get("parties"), at=p.get("at") or day, series=p.get("series"))
    header, rows = result.pivot()
    body = _escape_table(header, rows)
    chart = KIT.chart(result.chart()) if charts else ""
    return Section(a.title, a.intro + body + chart + _lines(result.footer()))


def _capacity_section(a: Analysis, day: _dt.date, charts: bool) -> Section:
    from .capacity import upload_capacity

    p = a.params
    result = upload_capacity(parties=p.get("parties"), caps=p.get("caps", ()), at=p.get("at") or day,
                             bombers=p.get("bombers", "one"), series=p.get("series"))
    header, rows = result.pivot()
    chart = KIT.chart(result.chart()) if charts else ""
    return Section(a.title, a.intro + _escape_table(header, rows) + chart + _lines(result.footer()))


def resolve(content: ReportContent, day: _dt.date, *, charts: bool) -> ReportContent:
    """``content`` with every :class:`Analysis` computed into a :class:`Section`."""
    out: list[Section | Analysis] = []
    for s in content.sections:
        if isinstance(s, Analysis):
            if s.kind == "caps":
                out.append(_caps_section(s, day, charts))
            elif s.kind == "capacity":
                out.append(_capacity_section(s, day, charts))
            else:
                raise ValueError(f"unknown analysis {s.kind!r} (analyses: caps, capacity)")
        else:
            out.append(s)
    return replace(content, sections=out)


def compose(parts: Sequence[ReportContent], day: _dt.date, agreements: Sequence[Agreement]) -> ReportContent:
    """One page's content from several parts: a single part keeps its title, heading and
    introduction; several get a heading and contents of their own, each part opening with its
    heading and introduction. The summary starts with :func:`in_force_row`, then each part's rows
    (a part's own "in force on" row is dropped: there is one, for the whole library)."""
    first = in_force_row(agreements, day)
    summary = [first] + [r for c in parts for r in c.summary if r.get("question") != first["question"]]
    if len(parts) == 1:
        return replace(parts[0], summary=summary)
    sections: list[Section | Analysis] = []
    contents = ""
    for n, c in enumerate(parts, start=1):
        heading = KIT.text(c.heading.removeprefix("accord report: "))
        sections.append(Section(f"Part {n}. {heading}", c.intro))
        contents += f"<li><a href='#section-{len(sections)}'>{heading}</a></li>"  # page() numbers sections from 1
        sections += c.sections
    intro = (f"<p>Generated {KIT.text(day)} by accord from its built-in library and bundled records. "
             f"The page has {len(parts)} parts:</p><ol>{contents}</ol>")
    title = "accord report — " + "; ".join(c.title.removeprefix("accord — ") for c in parts)
    return ReportContent(title, "accord report", intro, summary, sections)


def build_report(today: _dt.date | None = None, *, charts: bool = True, profile: str | None = None) -> ReportPage:
    """The report as of ``today`` (default: today): every profile with a report, in page order
    (:func:`report_profiles`), or ``profile`` alone; without charts when ``charts=False`` (faster;
    for tests and text-only use)."""
    day = today or _dt.date.today()
    chosen = report_profiles(profile)
    agreements = load_all()
    parts = []
    for prof in chosen:
        assert prof.report is not None  # report_profiles keeps only profiles with one
        parts.append(resolve(prof.report(load_agreement, agreements, day, KIT, charts=charts), day, charts=charts))
    content = compose(parts, day, agreements)
    sections = [(s.title, s.html) for s in content.sections if isinstance(s, Section)]
    html = page(content.title, content.heading, content.intro, content.summary, sections)
    return ReportPage(chosen[0].id, content, html, tuple(p.id for p in chosen))


@dataclass(frozen=True)
class ReportSummary:
    """A written report: where it is and its summary rows (``accord.summary/v1``)."""

    path: Path
    summary: tuple[dict[str, Any], ...]
    columns = SUMMARY_COLUMNS

    def rows(self) -> list[dict[str, Any]]:
        return list(self.summary)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SUMMARY_SCHEMA, "path": str(self.path), "rows": self.rows()}

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return "accord report"

    def footer(self) -> str:
        return f"Report written to {self.path}"


def write_report(report: ReportPage, out: str | Path) -> Path:
    """Write ``out/index.html`` atomically; returns its path."""
    return write_page(report.html, out)


def report(out: str | Path, *, today: _dt.date | None = None, charts: bool = True,
           profile: str | None = None) -> ReportSummary:
    """Build the report and write it into the directory ``out``."""
    if Path(out).exists() and not Path(out).is_dir():  # say so before the (slow) build
        raise InputError("exists and is not a directory", file=str(out), field="--out")
    built = build_report(today, charts=charts, profile=profile)
    return ReportSummary(write_report(built, out), tuple(built.summary_rows()))
