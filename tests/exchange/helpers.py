"""Shared for the exchange tests: cached synthetic data (synth is deterministic)."""

from __future__ import annotations

import datetime as _dt
from functools import cache

from accord.agreements import load_agreement
from accord.profiles.newstart.synth import SynthResult, synthesize


@cache
def agreement():
    return load_agreement("newstart-2021")


@cache
def synth(party: str = "US", as_of: str = "2020-09-01", seed: int = 1, months: int = 6) -> SynthResult:
    return synthesize(agreement(), party, _dt.date.fromisoformat(as_of), seed=seed, months=months)
