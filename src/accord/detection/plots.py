"""Plots of detection results, written as PNG (or PDF, SVG, … by the file's extension) with the Agg
backend.

matplotlib is imported only when a plot is drawn, so ``accord --help`` stays instant. What a plot
can show is checked before any work (:func:`check_plot_path`, :func:`curve_axes`,
:func:`check_curve_count`): an unsupported extension, a folder that does not exist or more curves
than a plot can tell apart are one-line errors, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The file types a plot is written as (matplotlib's Agg formats that need nothing else installed).
FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp")
#: Most curves in one plot: beyond this no legend or colour scale tells them apart.
MAX_CURVES = 40
#: Curves up to this count get a legend inside the axes; more get one beside them (or a colour bar).
_INSIDE_LEGEND = 10


def check_plot_path(path: str | Path, *, field: str = "plot") -> Path:
    """``path`` if a plot can be written there: a supported extension and an existing folder;
    else a one-line InputError naming ``field`` (the CLI option)."""
    out = Path(path)
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        got = f"'.{suffix}'" if suffix else "no extension"
        raise InputError(f"{out}: a plot is written as {', '.join('.' + f for f in FORMATS)} (by the file's "
                         f"extension), not {got}", field=field)
    parent = out.parent
    if not parent.is_dir():
        why = "No such file or directory" if not parent.exists() else "Not a directory"
        raise InputError(f"{out}: cannot write the plot into {parent}: {why}", field=field)
    if out.is_dir():
        raise InputError(f"{out}: is a directory; give a file name such as {out / 'plot.png'}", field=field)
    return out


def curve_axes(
    grid: Mapping[str, Sequence[Any]], *, x: str | None = None, hue: str | None = None, field: str = "plot"
) -> tuple[str, list[str]]:
    """The x axis and the parameters that split the curves of a detection-vs-parameter plot.

    Default x: the grid variable with the most distinct values (the first of equals), so a sweep of
    ``uploaded=10,25`` and ``inspections=1:20`` draws detection against the 20 quotas, one curve per
    upload. Every other varying variable splits the curves (``hue`` first when given), so each curve
    is a function of x. An unknown name is an InputError."""
    if not grid:
        raise InputError("the grid is empty", field=field)
    counts = {name: len(set(map(repr, values))) for name, values in grid.items()}
    for option, name in (("--x", x), ("--hue", hue)):
        if name is not None and name not in grid:
            raise InputError(f"{name!r} is not a grid variable (the grid has {', '.join(grid)})", field=option)
    if x is None:
        x = max(grid, key=lambda n: (counts[n], -list(grid).index(n)))
    if hue == x:
        raise InputError(f"{hue!r} is already the x axis", field="--hue")
    others = [n for n in grid if n != x and n != hue and counts[n] > 1]
    lines = ([hue] if hue is not None else []) + others
    return x, lines


def curve_count(grid: Mapping[str, Sequence[Any]], lines: Sequence[str]) -> int:
    """How many curves splitting by ``lines`` draws."""
    return math.prod(len(set(map(repr, grid[n]))) for n in lines)


def check_curve_count(count: int, *, field: str, what: str) -> None:
    """A one-line InputError when ``count`` curves are more than a plot can show."""
    if count > MAX_CURVES:
        raise InputError(f"a plot shows at most {MAX_CURVES} curves; {what} gives {count:,}: narrow the grid",
                         field=field)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _colours(n: int) -> list[Any]:
    """Distinct colours for ``n`` curves: the default cycle up to 10, else a sequential scale (curves
    come in grid order, so neighbouring values get neighbouring colours)."""
    import matplotlib

    if n <= 10:
        return [f"C{i}" for i in range(n)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]


def _legend(fig: Any, ax: Any, n: int) -> None:
    """A legend that fits: inside the axes for a few curves, beside them in columns for more."""
    if n <= 1:
        return
    if n <= _INSIDE_LEGEND:
        ax.legend(fontsize=8)
        return
    ncol = math.ceil(n / 20)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width + 1.9 * ncol, height)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=ncol, frameon=False)


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def plot_detection_curve(
    df: pd.DataFrame,
    path: str | Path,
    *,
    x: str,
    y: str = "probability",
    hue: str | Sequence[str] | None = None,
    title: str | None = None,
) -> Path:
    """Detection (``y``) against a parameter (``x``, e.g. the quota), one curve per value of ``hue``
    (a column, or several: one curve per combination). More than 10 curves of one numeric ``hue``
    are coloured on a scale with a colour bar; others get a legend beside the axes."""
    split = [hue] if isinstance(hue, str) else list(hue or ())
    for option, col in (("--x", x), ("--y", y), *(("--hue", h) for h in split)):
        if col not in df.columns:
            raise InputError(f"no column {col!r} in the sweep (columns: {', '.join(map(str, df.columns))})",
                             field=option)
    check_plot_path(path)
    groups: list[tuple[Any, Any]] = [(None, df)] if not split else list(
        df.groupby(split if len(split) > 1 else split[0], sort=True))
    check_curve_count(len(groups), field="plot", what=f"one curve per value of {', '.join(split)}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    colours = _colours(len(groups))
    keys = [key for key, _ in groups]
    scale = len(split) == 1 and len(groups) > _INSIDE_LEGEND and _numeric(keys)
    if scale:
        import matplotlib

        norm = matplotlib.colors.Normalize(vmin=min(keys), vmax=max(keys))
        cmap = matplotlib.colormaps["viridis"]
        colours = [cmap(norm(k)) for k in keys]
    for colour, (key, part) in zip(colours, groups, strict=True):
        part = part.sort_values(x)
        label = None
        if key is not None:
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{h} = {v!s}" for h, v in zip(split, values, strict=False))
        ax.plot(part[x], part[y], marker="o", ms=3, color=colour, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(y.replace("_", " "))
    if y.startswith("probability"):
        ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if scale:
        mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(mappable, ax=ax, label=split[0])
    else:
        _legend(fig, ax, len(groups))
    ax.set_title(title or f"{y.replace('_', ' ')} vs {x}")
    return _save(plt, fig, path)


def plot_time_to_detection_cdf(
    curves: Mapping[str, Sequence[float]], path: str | Path, *, title: str | None = None
) -> Path:
    """P(detected within t years), t = 1..T, as steps; one curve per label (at most
    :data:`MAX_CURVES`, all drawn)."""
    check_plot_path(path, field="cdf_plot")
    check_curve_count(len(curves), field="cdf_plot", what="one curve per grid point")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for colour, (label, probs) in zip(_colours(len(curves)), curves.items(), strict=True):
        t = list(range(0, len(probs) + 1))
        ax.step(t, [0.0, *probs], where="post", label=label, color=colour)
    ax.set_xlabel("years")
    ax.set_ylabel("P(detected within t years)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    _legend(fig, ax, len(curves))
    ax.set_title(title or "time to detection (CDF)")
    return _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) and close it; InputError if unwritable."""
    out = Path(path)
    try:
        fig.tight_layout()
        fig.savefig(out, bbox_inches="tight")
    except OSError as err:
        raise InputError(f"cannot write the plot: {err.strerror or err}", file=str(out)) from None
    finally:
        plt.close(fig)
    return out
