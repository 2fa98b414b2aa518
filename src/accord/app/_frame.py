"""Tabular results as pandas DataFrames (pandas is imported only when one is asked for)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with one row per mapping and exactly ``columns``, in that order."""
    import pandas as pd

    return pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=list(columns))
