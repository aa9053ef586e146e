"""French number formatting of every figure shown: U+202F groups thousands, U+00A0 precedes units.

French typography, applied to every figure of the reports and pages: the thousands are
grouped with a narrow no-break space (U+202F, ``1 234,5``), the decimal mark is a comma, and
a no-break space (U+00A0) separates a number from its unit or percent sign (``12,3 %``,
``1 234 €``). Tidy CSV files hold raw numbers, never these texts.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from qpv_analytics.labels import MISSING

THOUSANDS_SEPARATOR = "\u202f"
"""Narrow no-break space (U+202F) grouping the thousands: ``1 234 567``."""

NBSP = "\u00a0"
"""No-break space (U+00A0) between a number and its unit or percent sign: ``12,3 %``."""


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0, missing: str = MISSING) -> str:
    """Format a number the French way: ``1 234,5`` (U+202F between thousands, decimal comma).

    Args:
        value: the number (a text is returned unchanged).
        decimals: decimals shown.
        missing: text shown for a missing value.
    """
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", THOUSANDS_SEPARATOR).replace(".", ",")


def short_number(value, max_decimals: int = 2, missing: str = MISSING) -> str:
    """Format a number with at most ``max_decimals`` decimals and no trailing zero.

    ``125.0`` → ``125``, ``82.09`` → ``82,09``, ``1234.5`` → ``1 234,5``.

    Args:
        value: the number (a text is returned unchanged).
        max_decimals: most decimals shown.
        missing: text shown for a missing value.
    """
    text = number(value, max_decimals, missing)
    if isinstance(value, str) or _is_missing(value) or "," not in text:
        return text
    return text.rstrip("0").rstrip(",")


def percent(value, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a percentage already expressed in % (``12,3 %``)."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    return f"{number(value, decimals)}{NBSP}%"


def points(value, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a signed difference of rates in percentage points (``+3,5 pts``, ``-1,0 pt``).

    Args:
        value: the difference, in points.
        decimals: decimals shown.
        missing: text shown for a missing value.
    """
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    return f"{_signed(float(value), decimals)}{NBSP}pt{'s' if abs(float(value)) >= 2 else ''}"


def relative_change(value, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a signed relative change, already in % (``+2,1 %``, ``-10,0 %``, ``0,0 %``)."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return missing
    return f"{_signed(float(value), decimals)}{NBSP}%"


def _signed(value: float, decimals: int) -> str:
    """``+1,2`` or ``-1,2``; a difference that rounds to zero is written ``0,0``, unsigned."""
    text = number(value, decimals)
    if not text.lstrip("-").strip("0,"):
        return number(0.0, decimals)
    return f"+{text}" if value > 0 else text


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


NNBSP = THOUSANDS_SEPARATOR
"""Narrow no-break space (U+202F), also before « ; », « ! » and « ? »."""

_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+(?=[:»])")
_BEFORE_TALL = re.compile(r"[ \u00a0\u202f]+(?=[;!?])")
_AFTER_OPENING_QUOTE = re.compile(r"«[ \u00a0\u202f]+")


def french_spacing(text: str) -> str:
    """Make the spaces of French punctuation unbreakable, so no line starts with « : » or « ».

    A no-break space (U+00A0) goes before « : » and inside the guillemets « », a narrow one
    (U+202F) before « ; », « ! » and « ? ». Only existing spaces are changed: a colon with
    no space before it (``http://``, ``10:30``) is left alone.
    """
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _BEFORE_TALL.sub(NNBSP, text)
    return _AFTER_OPENING_QUOTE.sub("«" + NBSP, text)
