"""Axis 4 indicators: training in laïcité and the values of the Republic (plan VRL)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.activite import (
    EVENT_LEVELS,
    ORGANISATION_LABELS,
    PARTICIPANT_COLUMNS,
    epci_coverage_base,
    event_base,
    fill_missing_years,
    participations_by_type,
)
from qpv_analytics.indicators.compute import combine, compute
from qpv_analytics.indicators.core import TOTAL_LABEL, count_table
from qpv_analytics.indicators.model import SECRET_NOTE, Indicator, register, select
from qpv_analytics.params import RunParams

AXIS = 4
UNLOCATED = "region"
TRAINING_TYPES = ("formation", "co-formation")
"""Event types counted as training sessions."""

register(
    Indicator(
        code="laicite_sessions",
        label="Sessions de formation laïcité et valeurs de la République",
        axis=AXIS,
        definition="Formations et co-formations de l'axe 4 (plan « Valeurs de la République et "
        "laïcité ») déclarées dans l'année.",
        formula="Nombre d'événements de l'axe 4 de type formation ou co-formation",
        unit="sessions",
        sources=("evenements",),
        numerator="un",
        levels=EVENT_LEVELS,
        tags=frozenset({"formation", "evenements"}),
    ),
    Indicator(
        code="laicite_heures",
        label="Heures de formation dispensées",
        axis=AXIS,
        definition="Durée cumulée des sessions de formation de l'axe 4 ; les sessions sans "
        "durée renseignée sont exclues (jamais comptées comme zéro).",
        formula="Σ durée des sessions (heures)",
        unit="heures",
        sources=("evenements",),
        numerator="heures",
        levels=EVENT_LEVELS,
        tags=frozenset({"formation", "evenements"}),
    ),
    Indicator(
        code="laicite_personnes_formees",
        label="Personnes formées",
        axis=AXIS,
        definition="Participants aux sessions de formation de l'axe 4, tous types "
        "d'organisation ; une personne formée deux fois compte deux fois. " + SECRET_NOTE,
        formula="Σ participants des sessions de formation",
        unit="personnes",
        sources=("evenements",),
        people=True,
        numerator="participations",
        levels=EVENT_LEVELS,
        tags=frozenset({"formation", "evenements"}),
    ),
    Indicator(
        code="laicite_couverture_epci_pct",
        label="Part des EPCI en contrat de ville ayant accueilli une formation",
        axis=AXIS,
        definition="EPCI de la région porteurs d'au moins un QPV sur le territoire desquels au "
        "moins une session de formation de l'axe 4 a eu lieu dans l'année. Les sessions "
        "départementales ou régionales ne sont attribuées à aucun EPCI.",
        formula="EPCI avec au moins une session / EPCI porteurs d'un QPV × 100",
        unit="%",
        sources=("evenements", "qpv"),
        scale=100.0,
        numerator="present",
        denominator="un",
        levels=("region", "departement"),
        tags=frozenset({"formation", "couverture_epci"}),
    ),
)


def training_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """Training sessions of axis 4 (formation and co-formation events)."""
    mask = (events["axe"] == AXIS) & events["type_evenement"].isin(TRAINING_TYPES)
    return events[mask.fillna(False).astype(bool)].reset_index(drop=True)


def training_indicators(
    events: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the axis-4 training indicators (raw counts: mask people before showing them).

    A year of the ``evenements`` table without any axis-4 session counts zero sessions (region
    and departments without a located session); a year absent from the table stays without
    data.
    """
    years = sorted(set(events["annee"].dropna().astype(int)))
    departements = sorted(qpv["code_departement"].dropna().astype(str).unique())
    base = event_base(training_sessions(events), qpv)
    base["heures"] = base["duree_heures"].astype("Float64")
    counts = select(axis=AXIS, tags=("formation", "evenements"))
    coverage = select(axis=AXIS, tags=("formation", "couverture_epci"))
    return combine(
        [
            fill_missing_years(compute(base, counts, params), counts, years, params, departements),
            compute(epci_coverage_base(base, qpv, years), coverage, params),
        ]
    )


def trained_by_type(events: pd.DataFrame) -> pd.DataFrame:
    """People trained per year and type of organisation (raw counts: mask before showing)."""
    return participations_by_type(training_sessions(events))


def trained_by_type_table(events: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """People trained by type of organisation (rows) and year (columns), with a total row.

    Returns:
        Raw counts (mask before showing, e.g. ``show_people_table(..., total_row=TOTAL_LABEL)``);
        a type never filled in a year is blank, not zero.
    """
    long = trained_by_type(events)
    long = long[long["annee"].isin(years)]
    table = long.pivot_table(
        index="libelle", columns="annee", values="participations", aggfunc="sum", sort=False
    )
    table = table.reindex(columns=[y for y in years if y in set(long["annee"])])
    table = table.astype(float)
    table.columns = [str(c) for c in table.columns]
    table.loc[TOTAL_LABEL] = table.sum(axis=0, min_count=1)
    table.index.name = "Type d'organisation"
    return table


def trained_by_territory_table(
    events: pd.DataFrame,
    qpv: pd.DataFrame,
    annee: int,
    level: str = "departement",
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """People trained in one year by territory (rows) and type of organisation, with totals.

    Args:
        events: the ``evenements`` table.
        qpv: QPV reference.
        annee: year.
        level: ``departement`` or ``epci``; sessions not located at that level are grouped in
            the row « Région (non localisé) ».
        names: labels of the territory codes.

    Returns:
        Raw counts with a row and a column :data:`TOTAL_LABEL` (mask before showing them).
    """
    column = {"departement": "code_departement", "epci": "siren_epci"}[level]
    base = event_base(training_sessions(events), qpv)
    base = base[base["annee"] == annee].copy()
    present = [c for c in PARTICIPANT_COLUMNS if c in base.columns]
    if base.empty:
        return pd.DataFrame()
    long = base.melt(id_vars=[column], value_vars=present, var_name="type", value_name="n")
    long["type"] = long["type"].str.removeprefix("participants_")
    long[column] = long[column].astype("string").fillna(UNLOCATED)
    labels = dict(names or {})
    labels[UNLOCATED] = "Région (non localisé)"
    title = {"departement": "Département", "epci": "EPCI"}[level]
    return count_table(
        long.dropna(subset=["n"]),
        column,
        "type",
        values="n",
        row_labels=labels,
        column_labels=ORGANISATION_LABELS,
        row_title=title,
    )
