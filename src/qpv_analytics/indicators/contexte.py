"""Context indicators of the QPV (INSEE / SIG Ville figures), outside the six roadmap axes.

They describe the neighbourhoods rather than an action, so they carry ``axis=0``, which is
not a key of ``labels.AXES``: axis 0 means "contexte" (report ``notebooks/contexte.ipynb``).
They have no target: their status is always ``sans_cible`` (or ``sans_donnee``).

In the tidy table, ``annee`` is the vintage (millésime) of the values, not the publication
year; when several files are combined, the most recent vintage used for the indicator (the
report lists every source and vintage). ``nombre de QPV`` carries the publication year.
"""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.compute import combine, compute
from qpv_analytics.indicators.context_stats import context_by_qpv, latest_vintage
from qpv_analytics.indicators.model import REGISTRY, Indicator, codes, register
from qpv_analytics.params import RunParams

CONTEXT_AXIS = 0
"""Axis number of the context indicators ("contexte"; not one of the six roadmap axes)."""

LEVELS = ("region", "departement", "epci", "qpv")
"""Levels of the tidy table (a QPV without EPCI is only left out of the EPCI level)."""

RATES = {
    "ctx_taux_pauvrete_60_pct": "taux_pauvrete_60_pct",
    "ctx_taux_emploi_15_64_pct": "taux_emploi_15_64_pct",
}
"""Population-weighted rates: indicator code → column of the table ``contexte``."""

TOTALS = ("ctx_population_municipale", "ctx_demandeurs_emploi_abcde")
"""Sums over the QPV of the column of the table ``contexte`` named by their numerator."""

_SOURCES = ("contexte", "qpv")

register(
    Indicator(
        code="ctx_nombre_qpv",
        label="Nombre de QPV",
        axis=CONTEXT_AXIS,
        definition="Quartiers prioritaires de la liste retenue pour la publication (référentiel "
        "ANCT 2024, ou liste construite depuis le fichier de contexte).",
        formula="nombre de codes QPV distincts",
        unit="QPV",
        sources=("qpv",),
        numerator="un",
        levels=LEVELS,
        tags=frozenset({"contexte"}),
    ),
    Indicator(
        code="ctx_population_municipale",
        label="Population municipale des QPV",
        axis=CONTEXT_AXIS,
        definition="Somme des populations municipales des QPV dont la population est connue "
        "(une population couverte par le secret statistique n'est pas comptée, ni comme zéro "
        "ni autrement : la somme est alors partielle).",
        formula="Σ population municipale des QPV renseignés",
        unit="habitants",
        sources=_SOURCES,
        numerator="population_municipale",
        required=("population_municipale",),
        levels=LEVELS,
        tags=frozenset({"contexte"}),
    ),
    Indicator(
        code="ctx_taux_pauvrete_60_pct",
        label="Taux de pauvreté (seuil de 60 %)",
        axis=CONTEXT_AXIS,
        definition="Taux de pauvreté au seuil de 60 % du revenu médian, moyenne des QPV "
        "pondérée par leur population municipale, sur les QPV qui ont un taux et une "
        "population ; un QPV au taux secret est exclu, jamais compté comme zéro.",
        formula="Σ (taux × population) / Σ population des QPV renseignés",
        unit="%",
        sources=_SOURCES,
        direction="baisse",
        numerator="pondere",
        denominator="poids",
        levels=LEVELS,
        tags=frozenset({"contexte"}),
    ),
    Indicator(
        code="ctx_taux_emploi_15_64_pct",
        label="Taux d'emploi des 15–64 ans",
        axis=CONTEXT_AXIS,
        definition="Taux d'emploi des 15–64 ans, moyenne des QPV pondérée par leur population "
        "municipale (approximation : la population des 15–64 ans n'est pas fournie), sur les "
        "QPV qui ont un taux et une population.",
        formula="Σ (taux × population) / Σ population des QPV renseignés",
        unit="%",
        sources=_SOURCES,
        numerator="pondere",
        denominator="poids",
        levels=LEVELS,
        tags=frozenset({"contexte"}),
    ),
    Indicator(
        code="ctx_demandeurs_emploi_abcde",
        label="Demandeurs d'emploi inscrits (cat. A à E)",
        axis=CONTEXT_AXIS,
        definition="Somme des demandeurs d'emploi inscrits des QPV renseignés (un QPV au chiffre "
        "secret n'est pas compté : la somme est alors partielle).",
        formula="Σ demandeurs d'emploi des QPV renseignés",
        unit="personnes",
        sources=_SOURCES,
        direction="baisse",
        numerator="demandeurs_emploi_abcde",
        required=("demandeurs_emploi_abcde",),
        levels=LEVELS,
        tags=frozenset({"contexte"}),
    ),
)

CONTEXT_CODES = tuple(codes(axis=CONTEXT_AXIS, tags="contexte"))
"""Codes of the context indicators, in report order."""


def context_indicators(
    data: pd.DataFrame,
    qpv: pd.DataFrame,
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Compute the context indicators at every level (tidy table, ``RESULT_COLUMNS``).

    Values are those of :func:`~qpv_analytics.indicators.context_stats.context_by_qpv` (for each
    QPV of the reference, the most recent non-blank value of each indicator). Rates are weighted
    by the municipal population: ``numerateur`` = Σ (taux × population), ``denominateur`` =
    Σ population, both over the QPV that have a rate and a population.

    Args:
        data: the table ``contexte`` (every vintage).
        qpv: the contract table ``qpv`` of the publication.
        params: run parameters (publication year of ``ctx_nombre_qpv``).

    Returns:
        The tidy table. An indicator without any value in the context files is absent (the
        report says so); a territory whose QPV all have a blank value is absent from it.
    """
    totals = {code: REGISTRY[code].numerator for code in TOTALS}
    columns = list(RATES.values()) + list(totals.values())
    frame = context_by_qpv(data, qpv, columns)
    population = frame["population_municipale"].astype("Float64")

    base = frame.assign(annee=params.annee if params else _any_vintage(data), un=1.0)
    parts = [compute(base, [REGISTRY["ctx_nombre_qpv"]], params)]

    for code, column in totals.items():
        vintage = latest_vintage(data, column)
        if vintage is not None:
            base = frame.assign(annee=vintage, **{column: frame[column].astype("Float64")})
            parts.append(compute(base, [REGISTRY[code]], params))

    for code, column in RATES.items():
        vintage = latest_vintage(data, column)
        if vintage is not None:
            rate = frame[column].astype("Float64")
            base = frame.assign(annee=vintage, pondere=rate * population, poids=population)
            parts.append(compute(base, [REGISTRY[code]], params))

    return combine(parts)


def _any_vintage(data: pd.DataFrame) -> int | None:
    years = pd.to_numeric(data["annee"], errors="coerce").dropna() if len(data) else []
    return int(max(years)) if len(years) else None
