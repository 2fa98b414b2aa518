"""Treaty families: one package per family, holding everything specific to it (bundled data and
its columns, synthetic-data targets, per-system loadings, report sections, exchange vocabulary,
scenario inputs).

Each subpackage of ``accord.profiles`` defines ``PROFILE``, a :class:`Profile`; the registry
finds them by walking this package, so a new family is one new package. The app layer asks the
registry which profile serves an agreement (:func:`profile_for`) and takes the family's data and
report sections from it; the generic core never imports a profile.

The report sections are written against :class:`ReportKit`, which ``accord.render`` implements
and the app layer hands in: the profile says *what* to show, render *how* (HTML, charts).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from ..agreements.model import Agreement
from ..compliance import Finding
from ..errors import InputError
from ..exchange.model import Declaration, Notification
from ..exchange.rules import ExchangeRules
from ..forces.holdings import Holdings
from ..sources import Source

#: A chart series: party → [(date, value or None for a gap)].
Series = Mapping[str, Sequence[tuple[_dt.date, int | None]]]


class ReportKit(Protocol):
    """What a profile's report sections may use to write HTML and draw charts (``accord.render``
    implements it). Every method escapes what it is given; returned strings are HTML."""

    def text(self, value: Any) -> str:
        """``value`` escaped for HTML (integers with thousands separators, ``None`` as a dash)."""

    def source(self, source: Source | Mapping[str, Any] | None) -> str:
        """A citation, linked to its URL, with its reliability when it is not ``official``."""

    def named(self, title: str | None, ident: str) -> str:
        """A human title with its id in small type after it."""

    def chart(self, svg: str | None) -> str:
        """A chart from :meth:`line_chart` or :meth:`band_chart` in a figure box (inline SVG: the
        page needs no network); empty without one."""

    def findings_table(self, findings: Sequence[Finding]) -> str:
        """Findings with their values, caps, statuses, traces and sources."""

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, row_headers: bool = False,
              numeric: Sequence[int] = ()) -> str:
        """A table of HTML cells (already escaped) in a box that scrolls by itself; ``row_headers``:
        the first cell of a row is a header; ``numeric``: indices of right-aligned columns."""

    def line_chart(self, title: str, series: Series, cap: int | None,
                   events: Sequence[tuple[_dt.date, str]], *, y_label: str,
                   x_label: str = "date of the figures") -> str:
        """One quantity over time, a line per party, a cap and dated event markers; the y axis
        labelled ``y_label`` (the unit). SVG text with its alternative text."""

    def band_chart(self, title: str, series: Series, caps: Mapping[str, int],
                   window: tuple[_dt.date, _dt.date], band_label: str, *, what: str = "", y_label: str,
                   x_label: str = "date of the figures") -> str:
        """Values per party (labelled "PARTY ``what``") with each party's cap and a shaded window;
        the y axis labelled ``y_label``. SVG text with its alternative text."""

    def range_chart(self, title: str, rows: Sequence[tuple[str, str, int, int, int]], *, x_label: str,
                    log: bool = False) -> str:
        """Estimates side by side, one row per ``(label, party, low, central, high)``: a dot at the
        central value, a bar over the range; the x axis labelled ``x_label`` (the unit). SVG text."""


@dataclass(frozen=True)
class Section:
    """One section of a report page: a title and its HTML body."""

    title: str
    html: str


@dataclass(frozen=True)
class Analysis:
    """A section a profile asks for but cannot compute itself: an analysis of the app layer (above
    this one), such as ``caps`` (holdings against a range of caps) or ``capacity`` (upload
    capacity), with its arguments in ``params``. The app computes it and puts a :class:`Section`
    titled ``title`` in its place, ``intro`` (HTML) before the result."""

    kind: str
    title: str
    params: Mapping[str, Any] = field(default_factory=dict)
    intro: str = ""


@dataclass(frozen=True)
class ReportContent:
    """What a profile puts on the report page: the page title and heading, an introduction
    (HTML), the summary rows (also printed in the terminal: ``question``, ``party``,
    ``answer``, ``as_of``, ``source``) and the sections, in order (an :class:`Analysis` where the
    app is to compute one)."""

    title: str
    heading: str
    intro: str
    summary: list[dict[str, Any]]
    sections: list[Section | Analysis]


class ReportBuilder(Protocol):
    """A profile's report: evaluate what it shows and write its sections."""

    def __call__(self, load: Callable[[str], Agreement], agreements: Sequence[Agreement], today: _dt.date,
                 kit: ReportKit, *, charts: bool) -> ReportContent: ...


class Loading(Protocol):
    """A delivery system's maximum loading, with its source (a profile's per-system data)."""

    @property
    def party(self) -> str: ...
    @property
    def system(self) -> str: ...
    @property
    def max_warheads(self) -> int: ...
    @property
    def source(self) -> Source: ...


class SynthOutput(Protocol):
    """What a profile's synthetic-data generator returns."""

    @property
    def declaration(self) -> Declaration: ...
    @property
    def notifications(self) -> tuple[Notification, ...]: ...
    @property
    def next_declaration(self) -> Declaration: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def published(self) -> Mapping[str, int]: ...
    @property
    def published_counts(self) -> Mapping[str, int]: ...


class Synthesizer(Protocol):
    """Makes a synthetic itemized database matching the profile's published figures."""

    def __call__(self, agreement: Agreement, party: str, as_of: _dt.date, *, months: int, seed: int,
                 scale: int) -> SynthOutput: ...


@dataclass(frozen=True)
class Profile:
    """One treaty family.

    ``agreements`` are the library agreements it serves; ``vocabularies`` the vocabulary ids
    whose agreements it also serves (a user's file that declares the family's vocabulary);
    ``default_agreement`` is the one a data file that names none is read under. ``holdings``
    returns the bundled record; ``exchange_rules`` the family's exchange vocabulary;
    ``loadings`` its per-system maximum loadings; ``report`` its report; ``synthesize`` its
    synthetic-data generator (each ``None`` when the family has none). ``default`` marks the
    profile used when a question names no agreement.

    A family whose record is several estimators' figures has ``series``: one Holdings per
    estimator (e.g. "FAS Nuclear Notebook", "SIPRI Yearbook"), never merged; ``holdings`` then
    returns no figures (a question must name its series). ``systems`` returns its per-system
    holdings and maximum loadings, ``upload_rates`` its sourced upload-rate assumptions and
    ``upload_estimates`` analysts' published upload estimates (the cross-check).
    """

    id: str
    title: str
    agreements: tuple[str, ...]
    default_agreement: str
    holdings: Callable[[], Holdings]
    vocabularies: tuple[str, ...] = ()
    exchange_rules: ExchangeRules | None = None
    loadings: Callable[[], Sequence[Loading]] | None = None
    report: ReportBuilder | None = None
    synthesize: Synthesizer | None = None
    default: bool = False
    notes: tuple[str, ...] = field(default=())
    series: Callable[[], Mapping[str, Holdings]] | None = None
    systems: Callable[[], Sequence[Any]] | None = None
    upload_rates: Callable[[], Sequence[Any]] | None = None
    upload_estimates: Callable[[], Sequence[Any]] | None = None

    def serves(self, agreement: Agreement) -> bool:
        """True when ``agreement`` is one of the family's, derives from one, or declares its vocabulary."""
        return (agreement.id in self.agreements or (agreement.extends or "") in self.agreements
                or agreement.vocabulary.id in self.vocabularies)


@cache
def profiles() -> dict[str, Profile]:
    """Every profile, by id: one per subpackage of ``accord.profiles`` that defines ``PROFILE``."""
    found: dict[str, Profile] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        profile = getattr(module, "PROFILE", None)
        if isinstance(profile, Profile):
            if profile.id in found:
                raise RuntimeError(f"two profiles with the id {profile.id!r}")
            found[profile.id] = profile
    return found


def get_profile(profile_id: str) -> Profile:
    """The profile with this id; an unknown id is an InputError listing the known ones."""
    known = profiles()
    if profile_id not in known:
        raise InputError(f"unknown profile {profile_id!r} (profiles: {', '.join(sorted(known))})", field="profile")
    return known[profile_id]


def profile_for(agreement: Agreement) -> Profile | None:
    """The profile that serves ``agreement`` (see :meth:`Profile.serves`), or ``None``."""
    return next((p for p in profiles().values() if p.serves(agreement)), None)


def default_profile() -> Profile:
    """The profile marked ``default`` (the first one when none is)."""
    known = list(profiles().values())
    if not known:
        raise RuntimeError("no treaty profile is installed")
    return next((p for p in known if p.default), known[0])


__all__ = [
    "Analysis", "Loading", "Profile", "ReportBuilder", "ReportContent", "ReportKit", "Section", "Series", "SynthOutput",
    "Synthesizer", "default_profile", "get_profile", "profile_for", "profiles",
]
