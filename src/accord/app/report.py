"""``accord report``: a treaty family's HTML report of the public record, and its summary.

The profile evaluates what it shows and writes its sections with the render kit; this module
loads the library, hands both to the profile, lays the page out and writes it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..profiles import Profile, ReportContent, default_profile, get_profile
from ..render.html import KIT, page, write_page
from ._frame import frame
from .library import load_agreement, load_all

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_SCHEMA = "accord.summary/v1"
SUMMARY_COLUMNS = ("question", "party", "answer", "as_of", "source")


@dataclass(frozen=True)
class ReportPage:
    """A built report: the profile's content and the page's HTML."""

    profile: str
    content: ReportContent
    html: str

    def summary_rows(self) -> list[dict[str, Any]]:
        return list(self.content.summary)


def build_report(today: _dt.date | None = None, *, charts: bool = True, profile: str | None = None) -> ReportPage:
    """The report of ``profile`` (the default profile when ``None``) as of ``today``; without
    charts when ``charts=False`` (faster; for tests and text-only use)."""
    prof: Profile = get_profile(profile) if profile else default_profile()
    if prof.report is None:
        raise InputError(f"the {prof.id} profile has no report", field="profile")
    content = prof.report(load_agreement, load_all(), today or _dt.date.today(), KIT, charts=charts)
    html = page(content.title, content.heading, content.intro, content.summary,
                [(s.title, s.html) for s in content.sections])
    return ReportPage(prof.id, content, html)


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
