"""French number formatting for reports (``1 234,5``, ``12,3 %``, ``1 234 €``)."""

from __future__ import annotations

import math

import pandas as pd

from qpv_analytics.labels import MISSING

NBSP = "\u00a0"
"""Non-breaking space: thousands separator and space before units."""


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0, missing: str = MISSING) -> str:
    """Format a number the French way: ``1 234,5`` (non-breaking thousands space, decimal comma)."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(value, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a percentage already expressed in % (``12,3 %``)."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    return f"{number(value, decimals)}{NBSP}%"


def euros(value, decimals: int = 0, missing: str = MISSING) -> str:
    """Format an amount in euros (``1 234 €``); millions as ``12,3 M€`` when large."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    if abs(float(value)) >= 1_000_000:
        return f"{number(float(value) / 1_000_000, 1)}{NBSP}M€"
    return f"{number(value, decimals)}{NBSP}€"


def with_unit(value, unit: str, missing: str = MISSING) -> str:
    """Format a value according to its indicator unit (``%``, ``€``, ``€/logement``, counts)."""
    if isinstance(value, str):
        return value
    if unit == "%":
        return percent(value, missing=missing)
    if unit == "€":
        return euros(value, missing=missing)
    if unit.startswith("€/"):
        return f"{euros(value, missing=missing)}{unit[1:]}" if not _is_missing(value) else missing
    decimals = 0 if _is_missing(value) or float(value).is_integer() else 1
    return number(value, decimals, missing=missing)
