"""Perimeters of ratios: per year, the units a ratio leaves out, and the French notes saying so."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qpv_analytics.indicators.compute import counted_rows, within
from qpv_analytics.indicators.model import REGISTRY


def ratio_perimeter(
    base: pd.DataFrame, code: str, units: list[str], blanks: Mapping[str, str]
) -> pd.DataFrame:
    """Per year, the units of a base table that a ratio leaves out, and why.

    A ratio counts only the rows that fill its required columns (both sides by default),
    while the totals published beside it add every row that fills one of them: this table
    says, year by year, how many units declared at least one side (within the indicator's
    ``where``), how many the ratio keeps and which ones it leaves out.

    Args:
        base: the base table of the indicator (one row per unit and year).
        code: the ratio indicator.
        units: columns naming a unit (``["bailleur", "code_qpv"]``); the first one groups
            the units left out in the notes (e.g. per landlord).
        blanks: each side of the ratio (column) → French reason when it is blank (« sans
            actions déclarées »).

    Returns:
        Columns ``annee, unites, retenues, ecartees, detail`` (``detail``: French list of the
        units left out, grouped by the first unit column).
    """
    indicator = REGISTRY[code]
    base = within(base, indicator)
    required = [c for c in blanks if c in base.columns]
    declared = base[base[required].notna().any(axis=1)] if required else base
    kept = counted_rows(declared, indicator).index
    left = declared.drop(index=kept)
    rows = []
    for year, sub in declared.groupby("annee", sort=True):
        out = left[left["annee"] == year]
        parts = []
        for name, group in out.groupby(units[0], sort=True):
            reasons = [
                f"{int(group[col].isna().sum())} {reason}"
                for col, reason in blanks.items()
                if group[col].isna().any()
            ]
            parts.append(f"{name} ({', '.join(reasons)})")
        rows.append(
            {
                "annee": int(year),
                "unites": len(sub.drop_duplicates(units)),
                "retenues": len(sub.drop(index=out.index).drop_duplicates(units)),
                "ecartees": len(out.drop_duplicates(units)),
                "detail": " ; ".join(parts),
            }
        )
    return pd.DataFrame(rows, columns=["annee", "unites", "retenues", "ecartees", "detail"])


def perimeter_notes(perimeter: pd.DataFrame, unit_label: str) -> dict[int, str]:
    """French note for each year whose ratio leaves units out (:func:`ratio_perimeter`).

    Args:
        perimeter: output of :func:`ratio_perimeter`.
        unit_label: French name of the units, plural (« couples bailleur × QPV »).
    """
    return {
        int(r.annee): f"calculé sur {r.retenues} des {r.unites} {unit_label} déclarés ; "
        f"écartés : {r.detail}"
        for r in perimeter.itertuples()
        if r.ecartees
    }
