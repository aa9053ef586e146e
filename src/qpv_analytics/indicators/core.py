"""Helpers of the axis modules: geography of base tables, names of codes, count tables."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def attach_geography(frame: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Add ``siren_epci`` and ``code_departement`` of each ``code_qpv`` from the QPV list."""
    geo = qpv[["code_qpv", "siren_epci", "code_departement"]].drop_duplicates("code_qpv")
    drop = [c for c in ("siren_epci", "code_departement") if c in frame.columns]
    return frame.drop(columns=drop).merge(geo, on="code_qpv", how="left")


def epci_departements(qpv: pd.DataFrame) -> dict[str, str]:
    """Map each EPCI SIREN of the QPV reference to its department (the first one met)."""
    ref = qpv.dropna(subset=["siren_epci", "code_departement"]).drop_duplicates("siren_epci")
    return dict(
        zip(ref["siren_epci"].astype(str), ref["code_departement"].astype(str), strict=True)
    )


def label_codes(result: pd.DataFrame, names: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Fill ``nom`` from a mapping level → {code: name}; landlords are their own name."""
    result = result.copy()
    noms = []
    for level, code in zip(result["niveau"], result["code"], strict=True):
        if level == "bailleur":
            noms.append(code)
        else:
            noms.append(names.get(level, {}).get(code, code))
    result["nom"] = pd.Series(noms, dtype="string", index=result.index)
    return result


def completeness(expected: Iterable[str], received: Iterable[str]) -> float:
    """Share (%) of expected codes that were received (``nan`` when nothing is expected)."""
    expected = set(expected)
    if not expected:
        return float(np.nan)
    return len(expected & set(received)) / len(expected) * 100


TOTAL_LABEL = "Total"
"""Label of the margins of the count tables."""


def count_table(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    values: str | None = None,
    row_labels: dict | None = None,
    column_labels: dict | None = None,
    row_title: str = "",
) -> pd.DataFrame:
    """Cross-table of counts (of people) with a row and a column of totals.

    Args:
        frame: one row per unit, or rows with a count column ``values``.
        rows: column giving the table rows (blank values are grouped as « Non renseigné »).
        columns: column giving the table columns (blank: « Non renseigné »).
        values: column of counts to sum (default: one per row).
        row_labels: labels of the row codes (codes without label are kept as they are).
        column_labels: labels of the column codes, in the order wanted (others follow).
        row_title: header of the row labels.

    Returns:
        Raw counts with margins labelled :data:`TOTAL_LABEL` (mask before showing: e.g.
        :func:`show_people_table` with ``total_row=TOTAL_LABEL, total_col=TOTAL_LABEL``).
    """
    data = frame.copy()
    missing = "Non renseigné"
    data["_r"] = data[rows].astype("string").fillna(missing)
    data["_c"] = data[columns].astype("string").fillna(missing)
    data["_n"] = 1.0 if values is None else data[values].astype("Float64")
    table = data.pivot_table(index="_r", columns="_c", values="_n", aggfunc="sum", fill_value=0)
    order = [c for c in (column_labels or {}) if c in table.columns]
    order += [c for c in table.columns if c not in order]
    table = table[order].astype(float)
    table.index = [(row_labels or {}).get(r, r) for r in table.index]
    table = table.sort_index()
    table.columns = [(column_labels or {}).get(c, c) for c in table.columns]
    table[TOTAL_LABEL] = table.sum(axis=1)
    table.loc[TOTAL_LABEL] = table.sum(axis=0)
    table.index.name = row_title
    return table
