"""Charts of the analyses (cap levels, upload capacity), as inline SVG text.

They follow the report's charts (:mod:`.charts`): matplotlib imported lazily, SVG that scales to
its box with a ``<title>`` and ``aria-label`` (the alternative text, which states the figures the
chart shows), axis labels with their units, fonts legible at a 375 px phone's width. A chart takes
plain numbers and labels and knows nothing of any agreement or weapon system.
"""

from __future__ import annotations

from collections.abc import Sequence

from .charts import figure, party_colour, thousands, title, to_svg

#: A holding as a chart takes it: its label, the party (for the colour) and (low, central, high).
Holding = tuple[str, str, tuple[int, int, int]]
#: Line styles of successive series of the same party (an estimator's series each).
_STYLES = ("-", "--", ":", "-.")


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _legend_below(fig: object, ax: object, n: int) -> None:
    handles, labels = ax.get_legend_handles_labels()  # type: ignore[attr-defined]
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(n, 3), frameon=False)  # type: ignore[attr-defined]


def cap_levels_chart(title_text: str, caps: Sequence[int], holdings: Sequence[Holding], *,
                     agreement_cap: int | None = None, unit: str = "warheads") -> str:
    """The cut each holding needs at each cap: a line at the central value (``max(0, central −
    cap)``) and the range shaded between the cuts of the low and high ends; a dashed vertical at
    the agreement's own cap when it lies in the range. The alternative text says, for each holding,
    from which cap on it is under (its high end) and what it must cut at the lowest cap."""
    xs = list(caps)
    seen: dict[str, int] = {}
    with figure() as (fig, ax):
        for label, party, (low, central, high) in holdings:
            k = seen.get(party, 0)
            seen[party] = k + 1
            colour = party_colour(party, len(seen) - 1)
            ax.fill_between(xs, [max(0, low - c) for c in xs], [max(0, high - c) for c in xs], color=colour,
                            alpha=0.18, linewidth=0, step=None)
            ax.plot(xs, [max(0, central - c) for c in xs], color=colour, linestyle=_STYLES[k % len(_STYLES)],
                    marker="o" if len(xs) <= 25 else None, markersize=3, label=label)
        if agreement_cap is not None and xs and xs[0] <= agreement_cap <= xs[-1]:
            ax.axvline(agreement_cap, color="black", linestyle="--", linewidth=1,
                       label=f"the agreement's cap {agreement_cap:,}")
        title(ax, title_text)
        ax.set_xlabel(f"cap ({unit})")
        ax.set_ylabel(f"cut needed ({unit})")
        ax.set_ylim(bottom=0)
        thousands(ax)
        from matplotlib.ticker import StrMethodFormatter

        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        _legend_below(fig, ax, len(holdings) + (agreement_cap is not None))
        lo, hi = (xs[0], xs[-1]) if xs else (0, 0)
        said = []
        for label, _, (low, central, high) in holdings:
            at_lowest = max(0, central - lo)
            said.append(f"{label} holds {_fmt(central)}" + (f" ({_fmt(low)}–{_fmt(high)})" if low < high else "")
                        + f", under any cap from {_fmt(high)}"
                        + (f", cut {_fmt(at_lowest)} at {_fmt(lo)}" if at_lowest else ""))
        alt = (f"{title_text}. Line chart of the cut needed ({unit}) at caps from {_fmt(lo)} to {_fmt(hi)}, the "
               f"range of each estimate shaded: " + ("; ".join(said) if said else "no holdings with data")
               + (f"; dashed line: the agreement's cap, {agreement_cap:,}" if agreement_cap is not None else "")
               + ".")
        return to_svg(fig, alt)


#: A party's bar as :func:`capacity_chart` takes it: the party, then (low, central, high) of the
#: warheads counted now, after a full upload within the reserve, and the launchers' ceiling.
CapacityBar = tuple[str, tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]


def capacity_chart(title_text: str, bars: Sequence[CapacityBar], caps: Sequence[int], *,
                   counting: str, unit: str = "warheads") -> str:
    """One horizontal bar per party: the warheads counted now (dark), what a full upload within the
    reserve would add (light, its range as a whisker) and, outlined, the launchers' ceiling when the
    reserve binds below it; dashed verticals at the caps. The alternative text gives each figure."""
    with figure() as (fig, ax):
        ys = list(range(len(bars)))[::-1]
        for y, (party, now, level, ceiling) in zip(ys, bars, strict=True):
            colour = party_colour(party)
            if ceiling[1] > level[1]:
                ax.barh(y, ceiling[1], height=0.6, facecolor="none", edgecolor=colour, linestyle=":",
                        label="launchers' ceiling" if y == ys[0] else None)
            ax.barh(y, now[1], height=0.6, color=colour, label="counted now" if y == ys[0] else None)
            ax.barh(y, level[1] - now[1], left=now[1], height=0.6, color=colour, alpha=0.35,
                    label="after a full upload" if y == ys[0] else None)
            if level[0] < level[2]:
                ax.errorbar(level[1], y, xerr=[[level[1] - level[0]], [level[2] - level[1]]], color="black",
                            capsize=3, linewidth=1)
        caps_label = f"cap{'s' if len(caps) > 1 else ''} {', '.join(f'{x:,}' for x in caps)}"
        for i, c in enumerate(caps):
            ax.axvline(c, color="black", linestyle="--", linewidth=1, label=caps_label if i == 0 else None)
        ax.set_yticks(ys, [b[0] for b in bars])
        title(ax, title_text)
        ax.set_xlabel(f"deployed {unit} ({counting})")
        ax.set_xlim(left=0)
        from matplotlib.ticker import StrMethodFormatter

        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.grid(True, axis="x", alpha=0.3)
        ax.grid(False, axis="y")
        _legend_below(fig, ax, 2)
        said = [f"{party}: {_fmt(now[1])} now, {_fmt(level[1])}"
                + (f" ({_fmt(level[0])}–{_fmt(level[2])})" if level[0] < level[2] else "")
                + " after a full upload" + (f", launchers' ceiling {_fmt(ceiling[1])}" if ceiling[1] > level[1] else "")
                for party, now, level, ceiling in bars]
        alt = (f"{title_text}. Bar chart of deployed {unit} ({counting}) per party: " + "; ".join(said)
               + (f"; dashed lines: caps {', '.join(f'{c:,}' for c in caps)}" if caps else "") + ".")
        return to_svg(fig, alt)
