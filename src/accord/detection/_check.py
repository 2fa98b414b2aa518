"""Validation of user-supplied parameters: every bad value becomes one clear InputError."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError


def integer(name: str, value: Any, *, low: int | None = 0, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]``; anything else is an InputError naming ``name``."""
    if isinstance(value, bool) or (not isinstance(value, (int,)) and not (
        isinstance(value, float) and value.is_integer()
    )):
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise InputError(f"must be a whole number, got {value!r}", field=name) from None
    value = int(value)
    assert isinstance(value, int)
    if low is not None and value < low:
        raise InputError(f"must be at least {low}, got {value}", field=name)
    if high is not None and value > high:
        raise InputError(f"must be at most {high}, got {value}", field=name)
    return value


def probability(name: str, value: Any, *, open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a float in [0, 1] (ends excluded where asked); else an InputError."""
    try:
        p = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"must be a probability, got {value!r}", field=name) from None
    if math.isnan(p) or p < 0.0 or p > 1.0 or (open_low and p == 0.0) or (open_high and p == 1.0):
        lo = "(0" if open_low else "[0"
        hi = "1)" if open_high else "1]"
        raise InputError(f"must be a probability in {lo}, {hi}, got {value!r}", field=name)
    return p


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (or ≥ 0); else an InputError."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"must be a number, got {value!r}", field=name) from None
    if not math.isfinite(x) or x < 0.0 or (x == 0.0 and not allow_zero):
        raise InputError(f"must be {'≥' if allow_zero else '>'} 0, got {value!r}", field=name)
    return x


def finite(name: str, value: Any) -> float:
    """``value`` as a finite float; else an InputError."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"must be a number, got {value!r}", field=name) from None
    if not math.isfinite(x):
        raise InputError(f"must be a finite number, got {value!r}", field=name)
    return x
