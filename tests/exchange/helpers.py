"""Shared for the exchange tests: cached synthetic data (synth is deterministic)."""

from __future__ import annotations

import datetime as _dt
from functools import cache

from accord.app.library import load_agreement
from accord.exchange import ExchangeRules
from accord.profiles.newstart.exchange_rules import RULES
from accord.profiles.newstart.synth import SynthResult, synthesize


@cache
def agreement():
    return load_agreement("newstart-2021")


def rules() -> ExchangeRules:
    """New START's exchange vocabulary (the profile's): what each notification kind does."""
    return RULES


@cache
def synth(party: str = "US", as_of: str = "2020-09-01", seed: int = 1, months: int = 6) -> SynthResult:
    return synthesize(agreement(), party, _dt.date.fromisoformat(as_of), seed=seed, months=months)
