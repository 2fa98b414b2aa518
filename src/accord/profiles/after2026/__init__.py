"""After New START (2026–): the record since the treaty expired and the agreements on the table.

Five nuclear-weapon states' holdings (India, Pakistan, Israel and North Korea for context) as the
two public estimators publish them, each figure a range with its source, kept as two series that
are never merged; per-system holdings and maximum loadings of the US, Russia and China; sourced
upload-rate assumptions and published upload estimates; and the all-warhead agreements: the US
aim, the Russian coalition position and a freeze of the three largest arsenals.
"""

from .. import Profile
from .data import (
    FAS,
    SIPRI,
    EstimateRow,
    PublishedUpload,
    SystemHolding,
    UploadRate,
    estimate_rows,
    estimate_series,
    no_single_record,
    published_upload_estimates,
    system_holdings,
    upload_rates,
)
from .report import build as build_report

PROFILE = Profile(
    id="after2026",
    title="After New START (2026–): five states' holdings as estimates, all-warhead and coalition limits",
    agreements=("us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads"),
    default_agreement="us-2026-all-warheads",
    holdings=no_single_record,
    vocabularies=("allwarheads",),
    series=estimate_series,
    systems=system_holdings,
    upload_rates=upload_rates,
    upload_estimates=published_upload_estimates,
    report=build_report,
    notes=(
        "The record is two estimators' series (FAS, SIPRI), evaluated one by one and never merged.",
        "newstart-bridge-2026 counts New START's categories, so the New START profile serves it with "
        "the treaty's published record.",
    ),
)

__all__ = [
    "FAS", "PROFILE", "SIPRI", "EstimateRow", "PublishedUpload", "SystemHolding", "UploadRate", "estimate_rows",
    "estimate_series", "no_single_record", "published_upload_estimates", "system_holdings", "upload_rates",
]
