"""Indicator framework: declaration, registry, aggregation by level, target status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from qpv_analytics.params import RunParams
from qpv_analytics.thresholds import PARTIAL_STATUS_PCT

Level = Literal["region", "departement", "epci", "qpv", "bailleur", "maitre_ouvrage"]
LEVEL_COLUMNS: dict[str, str | None] = {
    "region": None,
    "departement": "code_departement",
    "epci": "siren_epci",
    "qpv": "code_qpv",
    "bailleur": "bailleur",
    "maitre_ouvrage": "maitre_ouvrage",
}
"""Column holding the code of each level in a base table (the region is the whole table)."""


RESULT_COLUMNS = [
    "indicateur",
    "libelle",
    "axe",
    "niveau",
    "code",
    "nom",
    "annee",
    "valeur",
    "numerateur",
    "denominateur",
    "unite",
    "cible",
    "statut",
]
"""Columns of the tidy indicator table written with every report."""


@dataclass(frozen=True)
class Indicator:
    """One indicator: its public definition, unit, sources and target."""

    code: str
    label: str
    axis: int
    definition: str
    formula: str
    unit: str
    sources: tuple[str, ...]
    direction: Literal["hausse", "baisse"] = "hausse"
    target: float | None = None
    target_param: str | None = None
    """Name of the field of ``RunParams.cibles_locales`` holding a local target."""
    target_source: str | None = None
    """Where the target comes from (law, national framework, local decision)."""
    references: dict[str, float] = field(default_factory=dict)
    """Public reference figures to compare with (label → value)."""
    scale: float = 1.0
    people: bool = False
    """Counts of persons: subject to disclosure control."""

    def target_value(self, params: RunParams | None) -> float | None:
        """Return the target, reading local targets from the run parameters."""
        if self.target_param:
            if params is None:
                return None
            return float(getattr(params.cibles_locales, self.target_param))
        return self.target


REGISTRY: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    """Add indicators to the registry (codes are unique)."""
    for ind in indicators:
        if ind.code in REGISTRY:
            raise ValueError(f"duplicate indicator {ind.code}")
        REGISTRY[ind.code] = ind


def indicators_for_axis(axis: int) -> list[Indicator]:
    """Return the registered indicators of one axis, in declaration order."""
    return [i for i in REGISTRY.values() if i.axis == axis]


def status(value: float | None, target: float | None, direction: str, partial_pct: float) -> str:
    """Return the status code of a value against its target.

    ``partiel`` means below the target but at least ``partial_pct`` % of it (for a rising
    indicator), or above it by at most the same margin (for a falling one).
    """
    if value is None or pd.isna(value):
        return "sans_donnee"
    if target is None or pd.isna(target):
        return "sans_cible"
    if direction == "hausse":
        if value >= target:
            return "atteint"
        return "partiel" if value >= target * partial_pct / 100 else "non_atteint"
    if value <= target:
        return "atteint"
    return "partiel" if value <= target * (2 - partial_pct / 100) else "non_atteint"


def _safe_ratio(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    num = num.astype("Float64")
    den = den.astype("Float64")
    value = num / den.where(den != 0) * scale
    return value.astype("Float64")


def aggregate(
    base: pd.DataFrame,
    indicator: Indicator,
    levels: Iterable[str] = ("region", "departement", "epci", "qpv", "bailleur"),
    numerator: str = "numerateur",
    denominator: str | None = "denominateur",
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Aggregate a base table into the tidy indicator table, one row per level, code and year.

    Numerators and denominators are summed (blank values are skipped, never counted as zero;
    a group with only blanks stays blank), then the value is their ratio times the scale.
    Without a denominator, the value is the sum itself.

    Args:
        base: one row per elementary unit, with ``annee``, the level columns and the
            numerator (and denominator) columns.
        indicator: the registered indicator.
        levels: levels to compute (a level whose column is absent from ``base`` is skipped).
        numerator: column summed as numerator.
        denominator: column summed as denominator, or ``None`` for a plain total.
        params: run parameters (local targets, partial threshold).

    Returns:
        A DataFrame with ``RESULT_COLUMNS`` (``nom`` left blank for the caller to label).
    """
    frames = []
    for level in levels:
        col = LEVEL_COLUMNS[level]
        if col is not None and col not in base.columns:
            continue
        keys = ["annee"] if col is None else ["annee", col]
        sub = base.dropna(subset=keys)
        agg = {"numerateur": (numerator, lambda s: s.sum(min_count=1))}
        if denominator:
            agg["denominateur"] = (denominator, lambda s: s.sum(min_count=1))
        grouped = sub.groupby(keys, as_index=False, observed=True).agg(**agg)
        grouped["niveau"] = level
        grouped["code"] = "region" if col is None else grouped[col].astype(str)
        frames.append(grouped)
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    if denominator:
        out["valeur"] = _safe_ratio(out["numerateur"], out["denominateur"], indicator.scale)
    else:
        out["denominateur"] = pd.NA
        out["valeur"] = out["numerateur"].astype("Float64")
    return finish(out, indicator, params)


def finish(out: pd.DataFrame, indicator: Indicator, params: RunParams | None) -> pd.DataFrame:
    """Add the indicator's label, unit, target and status columns, in ``RESULT_COLUMNS`` order."""
    target = indicator.target_value(params)
    partial = params.cibles_locales.seuil_statut_partiel_pct if params else PARTIAL_STATUS_PCT
    out = out.copy()
    out["indicateur"] = indicator.code
    out["libelle"] = indicator.label
    out["axe"] = indicator.axis
    out["unite"] = indicator.unit
    out["cible"] = target
    out["statut"] = [status(v, target, indicator.direction, partial) for v in out["valeur"]]
    if "nom" not in out.columns:
        out["nom"] = pd.NA
    out["annee"] = out["annee"].astype("Int64")
    for col in ("valeur", "numerateur", "denominateur", "cible"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64")
    return out[RESULT_COLUMNS].reset_index(drop=True)


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
