"""Charts for HTML reports, drawn with matplotlib and returned as SVG text to inline in a page.

All matplotlib set-up lives here; matplotlib is imported inside each function so that
``accord --help`` stays instant. A chart takes plain series (party → dated values) and knows
nothing of any agreement.

Every chart is an ``<svg>`` that scales to its box (``viewBox`` kept, no fixed width or
height), carries ``role="img"``, an ``aria-label`` and a ``<title>`` (its alternative text), keeps
its text as text (selectable, sharp at every zoom) and labels both axes with their units. Fonts are
sized so that, drawn at the narrowest width a report page gives a chart on a 375 px phone
(:data:`NARROWEST_PX`), no text is smaller than :data:`MIN_TEXT_PX` CSS pixels. Ids inside a chart
are prefixed with a digest of the chart, so several charts inline in one page never share an id.
The output is deterministic: the same data give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import io
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

#: Fixed colours for the parties that recur across agreements; others take the cycle below.
PARTY_COLOURS = {"US": "#1f5fa8", "RU": "#b8352e", "CN": "#d4a017", "UK": "#2e8b57", "FR": "#7b4fa0"}
_CYCLE = ("#555555", "#e07b00", "#008b8b", "#8b4513", "#c71585")

Series = Mapping[str, Sequence[tuple[_dt.date, int | None]]]

#: A chart's size in inches (its viewBox is 72 units an inch: 432 × 281).
WIDTH_IN, HEIGHT_IN = 6.0, 3.9
#: The narrowest a report page draws a chart: a 375 px viewport less the page's 1 em margins.
NARROWEST_PX = 343
#: The smallest text, in CSS pixels, at :data:`NARROWEST_PX` (a promise the browser test checks).
MIN_TEXT_PX = 9.0
#: Font sizes in points (viewBox units): the smallest, 11.5, is 9.1 px at 343 px wide.
_TEXT_PT = 11.5
_TITLE_PT = 12.5
_RC: dict[Any, Any] = {  # rcParams keys are typed as literals; these are checked by matplotlib at use
    "svg.fonttype": "none",  # text stays text: sharp, searchable, and a fraction of the size of paths
    "svg.hashsalt": "accord",  # deterministic ids (prefixed per chart below)
    "font.size": _TEXT_PT,
    "axes.titlesize": _TITLE_PT,
    "axes.labelsize": _TEXT_PT,
    "xtick.labelsize": _TEXT_PT,
    "ytick.labelsize": _TEXT_PT,
    "legend.fontsize": _TEXT_PT,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def party_colour(party: str, index: int = 0) -> str:
    """A stable colour for a party (its own for the recurring ones, else from a cycle)."""
    return PARTY_COLOURS.get(party, _CYCLE[index % len(_CYCLE)])


@contextmanager
def figure(width: float = WIDTH_IN, height: float = HEIGHT_IN) -> Iterator[tuple[Any, Any]]:
    """A matplotlib ``(figure, axes)`` with the report's fonts and layout, closed on exit.

    Draw on it, then call :func:`to_svg` inside the ``with`` block."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def thousands(ax: Any) -> None:
    """Label the y axis ``1,550`` rather than ``1550``."""
    from matplotlib.ticker import StrMethodFormatter

    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def thousands_x(ax: Any) -> None:
    """Label the x axis ``1,550`` rather than ``1550`` (plain numbers on a log axis too)."""
    from matplotlib.ticker import NullFormatter, StrMethodFormatter

    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def title(ax: Any, text: str, width: int = 48) -> None:
    """A chart title wrapped to fit the chart's width."""
    ax.set_title(textwrap.fill(text, width), fontsize=_TITLE_PT)


_ID = re.compile(r'\bid="([^"]+)"')


def to_svg(fig: Any, alt: str) -> str:
    """``fig`` as an inline-ready ``<svg>``: responsive (``viewBox``, no fixed size), ``role="img"``,
    ``aria-label`` and ``<title>`` set to ``alt``, ids prefixed so it can share a page, no XML
    prolog, no metadata. Also valid as a standalone ``.svg`` file."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):  # text as text and stable ids, however the figure was made
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE: not allowed inline
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    prefix = "c" + hashlib.sha256(text.encode()).hexdigest()[:8] + "-"
    ids = set(_ID.findall(text))
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(href="#|url\(#)([^")]+)',
                  lambda m: m.group(1) + (prefix + m.group(2) if m.group(2) in ids else m.group(2)), text)
    open_tag = re.match(r"<svg[^>]*>", text)
    assert open_tag is not None  # matplotlib always writes one
    tag = re.sub(r'\s(width|height)="[^"]*"', "", open_tag.group(0))
    label = html.escape(alt, quote=True)
    tag = tag[:-1] + f' role="img" aria-label="{label}" class="chart">'
    return tag + f"\n <title>{html.escape(alt, quote=False)}</title>" + text[open_tag.end():].rstrip() + "\n"


def _span(series: Series) -> str:
    days = [d for points in series.values() for d, v in points if v is not None]
    if not days:
        return "no data"
    first, last = min(days).year, max(days).year
    return f"{first}" if first == last else f"{first}–{last}"


def _lines(ax: Any, series: Series, *, what: str = "") -> None:
    for i, (party, points) in enumerate(series.items()):
        xs = [d for d, _ in points]
        ys = [v if v is not None else float("nan") for _, v in points]
        ax.plot(xs, ys, marker="o", markersize=3.5, label=f"{party} {what}".rstrip(), color=party_colour(party, i))


def _events(ax: Any, events: Sequence[tuple[_dt.date, str]]) -> None:
    """Dotted verticals with their labels along the top, on a light box, above room made for them."""
    if not events:
        return
    ymin, ymax = ax.get_ylim()
    top = ymax + 0.3 * (ymax - ymin)  # room above the data for the labels
    ax.set_ylim(ymin, top)
    for day, label in events:
        ax.axvline(day, color="grey", linestyle=":", linewidth=1)
        ax.text(day, top, label, rotation=90, va="top", ha="right", fontsize=_TEXT_PT, color="#444",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})


def _legend(fig: Any, ax: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        # As many columns as fit the width: a label is about 0.6 em a character, plus the line sample.
        column = max(len(label) for label in labels) * 0.6 * _TEXT_PT + 40
        ncols = max(1, min(len(labels), int(fig.get_figwidth() * 72 // column)))
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols, frameon=False)


def line_chart(
    title_text: str,
    series: Series,
    cap: int | None,
    events: Sequence[tuple[_dt.date, str]],
    *,
    y_label: str,
    x_label: str = "date of the figures",
) -> str:
    """One quantity over time: a line per party (gaps where data are missing), the cap, and
    vertical markers for dated events (limits bind, extension, suspension, expiry …). The y axis
    is labelled ``y_label`` (its unit), the x axis ``x_label``; the alternative text names the
    parties, the span of years, the cap and the events."""
    with figure() as (fig, ax):
        _lines(ax, series)
        if cap is not None:
            ax.axhline(cap, color="black", linestyle="--", linewidth=1, label=f"cap {cap:,}")
        _events(ax, events)
        title(ax, title_text)
        ax.set_ylabel(y_label)
        ax.set_xlabel(x_label)
        thousands(ax)
        _legend(fig, ax)
        alt = (f"{title_text}. Line chart of {y_label} by {x_label}, {_span(series)}, for "
               f"{', '.join(series) or 'no party'}"
               + (f"; dashed line: the cap, {cap:,}" if cap is not None else "")
               + ("; dotted lines: " + ", ".join(f"{label} ({day.isoformat()})" for day, label in events)
                  if events else "") + ".")
        return to_svg(fig, alt)


def band_chart(
    title_text: str,
    series: Series,
    caps: Mapping[str, int],
    window: tuple[_dt.date, _dt.date],
    band_label: str,
    *,
    what: str = "",
    y_label: str,
    x_label: str = "date of the figures",
) -> str:
    """Values per party (labelled "PARTY ``what``") with each party's own cap (dashed, in the
    party's colour), and a shaded window (e.g. a freeze year); axes labelled with their units."""
    with figure() as (fig, ax):
        ax.axvspan(window[0], window[1], color="gold", alpha=0.2, label=band_label)
        _lines(ax, series, what=what)
        for i, party in enumerate(series):
            if party in caps:
                ax.axhline(caps[party], color=party_colour(party, i), linestyle="--", linewidth=1,
                           label=f"{party} cap {caps[party]:,}")
        title(ax, title_text)
        ax.set_ylabel(y_label)
        ax.set_xlabel(x_label)
        thousands(ax)
        _legend(fig, ax)
        alt = (f"{title_text}. Line chart of {y_label} by {x_label}, {_span(series)}, for "
               f"{', '.join(series) or 'no party'}; shaded: {band_label} ({window[0].isoformat()} to "
               f"{window[1].isoformat()})"
               + ("; dashed lines: caps " + ", ".join(f"{p} {c:,}" for p, c in caps.items()) if caps else "") + ".")
        return to_svg(fig, alt)


def range_chart(
    title_text: str,
    rows: Sequence[tuple[str, str, int, int, int]],
    *,
    x_label: str,
    log: bool = False,
) -> str:
    """Estimates side by side: one row per ``(label, party, low, central, high)``, the central
    value as a dot and the range as a bar from low to high (a dot alone for an exact figure),
    in the party's colour, top to bottom in the order given. ``log``: a logarithmic x axis, for
    holdings that differ a hundredfold. The alternative text lists every row's figures."""
    height = max(HEIGHT_IN, 1.2 + 0.32 * len(rows))
    with figure(WIDTH_IN, height) as (fig, ax):
        ys = list(range(len(rows)))[::-1]
        order: dict[str, int] = {}
        for y, (_, party, low, central, high) in zip(ys, rows, strict=True):
            colour = party_colour(party, order.setdefault(party, len(order)))
            ax.plot([low, high], [y, y], color=colour, linewidth=3, solid_capstyle="butt", alpha=0.6)
            ax.plot([central], [y], marker="o", markersize=5, color=colour)
        ax.set_yticks(ys, [label for label, *_ in rows])
        ax.grid(True, axis="x", alpha=0.3)
        ax.grid(False, axis="y")
        if log:
            from matplotlib.ticker import LogLocator

            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        else:
            ax.set_xlim(left=0)
        thousands_x(ax)
        title(ax, title_text)
        ax.set_xlabel(x_label + (" (log scale)" if log else ""))
        figures = "; ".join(f"{label} {central:,}" + (f" ({low:,}–{high:,})" if low < high else "")
                            for label, _, low, central, high in rows)
        alt = (f"{title_text}. Range chart of {x_label}" + (", logarithmic scale" if log else "")
               + f": dot the central estimate, bar the range. {figures}.")
        return to_svg(fig, alt)
