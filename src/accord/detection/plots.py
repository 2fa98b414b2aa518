"""Plots of detection results, written as PNG (or any matplotlib format) with the Agg backend.

matplotlib is imported only when a plot is drawn, so ``accord --help`` stays instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_detection_curve(
    df: pd.DataFrame,
    path: str | Path,
    *,
    x: str,
    y: str = "probability",
    hue: str | None = None,
    title: str | None = None,
) -> Path:
    """Detection (``y``) against a parameter (``x``, e.g. the quota), one line per ``hue`` value."""
    for col in (x, y) + ((hue,) if hue else ()):
        if col not in df.columns:
            raise InputError(f"no column {col!r} in the sweep", field="plot")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    for key, part in groups:
        part = part.sort_values(x)
        ax.plot(part[x], part[y], marker="o", ms=3, label=None if key is None else f"{hue} = {key!s}")
    ax.set_xlabel(x)
    ax.set_ylabel(y.replace("_", " "))
    if y.startswith("probability"):
        ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize=8)
    ax.set_title(title or f"{y.replace('_', ' ')} vs {x}")
    return _save(plt, fig, path)


def plot_time_to_detection_cdf(
    curves: Mapping[str, Sequence[float]], path: str | Path, *, title: str | None = None
) -> Path:
    """P(detected within t years), t = 1..T, as steps; one curve per label."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for label, probs in curves.items():
        t = list(range(0, len(probs) + 1))
        ax.step(t, [0.0, *probs], where="post", label=label)
    ax.set_xlabel("years")
    ax.set_ylabel("P(detected within t years)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend(fontsize=8)
    ax.set_title(title or "time to detection (CDF)")
    return _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) and close it; InputError if unwritable."""
    fig.tight_layout()
    out = Path(path)
    try:
        fig.savefig(out)
    except OSError as err:
        raise InputError(f"cannot write the plot: {err}", file=str(out)) from None
    finally:
        plt.close(fig)
    return out
