"""Charts for HTML reports, drawn with matplotlib (Agg) and returned as PNG bytes.

All matplotlib set-up lives here; matplotlib is imported inside each function so that
``accord --help`` stays instant. A chart takes plain series (party → dated values) and knows
nothing of any agreement.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

#: Fixed colours for the parties that recur across agreements; others take the cycle below.
PARTY_COLOURS = {"US": "#1f5fa8", "RU": "#b8352e", "CN": "#d4a017", "UK": "#2e8b57", "FR": "#7b4fa0"}
_CYCLE = ("#555555", "#e07b00", "#008b8b", "#8b4513", "#c71585")

Series = Mapping[str, Sequence[tuple[_dt.date, int | None]]]


def party_colour(party: str, index: int = 0) -> str:
    """A stable colour for a party (its own for the recurring ones, else from a cycle)."""
    return PARTY_COLOURS.get(party, _CYCLE[index % len(_CYCLE)])


def _figure(width: float = 8.0, height: float = 3.6) -> tuple[Any, Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.grid(True, alpha=0.3)
    return plt, fig, ax


def _png(plt: Any, fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def line_chart(
    title: str,
    series: Series,
    cap: int | None,
    events: Sequence[tuple[_dt.date, str]],
) -> bytes:
    """One quantity over time: a line per party (gaps where data are missing), the cap, and
    vertical markers for dated events (limits bind, extension, suspension, expiry …)."""
    plt, fig, ax = _figure()
    for i, (party, points) in enumerate(series.items()):
        xs = [d for d, _ in points]
        ys = [v if v is not None else float("nan") for _, v in points]
        ax.plot(xs, ys, marker="o", markersize=3, label=party, color=party_colour(party, i))
    if cap is not None:
        ax.axhline(cap, color="black", linestyle="--", linewidth=1, label=f"cap {cap:,}")
    _, ymax = ax.get_ylim()
    for day, label in events:
        ax.axvline(day, color="grey", linestyle=":", linewidth=1)
        ax.text(day, ymax, " " + label, rotation=90, va="top", ha="left", fontsize=7, color="dimgrey")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return _png(plt, fig)


def band_chart(
    title: str,
    series: Series,
    caps: Mapping[str, int],
    window: tuple[_dt.date, _dt.date],
    band_label: str,
    *,
    what: str = "",
) -> bytes:
    """Values per party (labelled "PARTY ``what``") with each party's own cap, and a shaded
    window (e.g. a freeze year)."""
    plt, fig, ax = _figure()
    ax.axvspan(window[0], window[1], color="gold", alpha=0.2, label=band_label)
    for i, (party, points) in enumerate(series.items()):
        colour = party_colour(party, i)
        ax.plot([d for d, _ in points], [v if v is not None else float("nan") for _, v in points],
                marker="o", label=f"{party} {what}".rstrip(), color=colour)
        if party in caps:
            ax.axhline(caps[party], color=colour, linestyle="--", linewidth=1, label=f"{party} cap {caps[party]:,}")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    return _png(plt, fig)
