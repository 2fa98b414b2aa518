"""Charts for the HTML report, drawn with matplotlib (Agg) and returned as PNG bytes.

matplotlib is imported inside each function so that ``accord --help`` stays instant.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Sequence

PARTY_COLOURS = {"US": "#1f5fa8", "RU": "#b8352e"}


def _figure(width: float = 8.0, height: float = 3.6):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.grid(True, alpha=0.3)
    return plt, fig, ax


def _png(plt, fig) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def limit_chart(
    title: str,
    series: dict[str, list[tuple[_dt.date, int | None]]],
    cap: int | None,
    events: Sequence[tuple[_dt.date, str]],
) -> bytes:
    """One limit over time: a line per party (gaps where data are missing), the cap, and
    vertical markers for dated events (limits bind, extension, suspension, expiry)."""
    plt, fig, ax = _figure()
    for party, points in series.items():
        xs = [d for d, v in points]
        ys = [v if v is not None else float("nan") for d, v in points]
        ax.plot(xs, ys, marker="o", markersize=3, label=party, color=PARTY_COLOURS.get(party))
    if cap is not None:
        ax.axhline(cap, color="black", linestyle="--", linewidth=1, label=f"cap {cap:,}")
    ymin, ymax = ax.get_ylim()
    for day, label in events:
        ax.axvline(day, color="grey", linestyle=":", linewidth=1)
        ax.text(day, ymax, " " + label, rotation=90, va="top", ha="left", fontsize=7, color="dimgrey")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return _png(plt, fig)


def freeze_chart(
    series: dict[str, list[tuple[_dt.date, int]]],
    caps: dict[str, int],
    window: tuple[_dt.date, _dt.date],
) -> bytes:
    """Stockpile estimates per party with each party's freeze cap, the freeze year shaded."""
    plt, fig, ax = _figure()
    ax.axvspan(window[0], window[1], color="gold", alpha=0.2, label="freeze year (hypothetical)")
    for party, points in series.items():
        colour = PARTY_COLOURS.get(party)
        ax.plot([d for d, _ in points], [v for _, v in points], marker="o", label=f"{party} stockpile",
                color=colour)
        if party in caps:
            ax.axhline(caps[party], color=colour, linestyle="--", linewidth=1, label=f"{party} cap {caps[party]:,}")
    ax.set_title("All nuclear warheads (military stockpile), with a freeze at the 5 Feb 2021 level", fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    return _png(plt, fig)
