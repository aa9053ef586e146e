"""Axis 3 indicators: fair access to social housing (loi Égalité et Citoyenneté, per EPCI)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.activite import attach_epci_departement
from qpv_analytics.indicators.compute import compute
from qpv_analytics.indicators.model import Indicator, register, select
from qpv_analytics.params import RunParams

ALLOCATION_LEVELS = ("region", "departement", "epci", "bailleur")

ALLOCATION_RULE = (
    "Rapport de sommes sur les déclarations bailleur × EPCI qui renseignent les deux termes "
    "(jamais une moyenne de taux) ; un EPCI sans attribution au dénominateur n'a pas de "
    "valeur."
)
"""Counting rule of the allocation shares, in their definitions."""

register(
    Indicator(
        code="attrib_part_hors_qpv_q1_pct",
        label="Part des attributions hors QPV au 1er quartile",
        axis=3,
        definition="Attributions de logements sociaux situés hors QPV à des demandeurs du "
        "premier quartile de revenus (ou à des ménages relogés par le renouvellement urbain), "
        "parmi les attributions hors QPV. L'obligation s'apprécie par EPCI ; la valeur "
        "régionale est donnée pour information. " + ALLOCATION_RULE,
        formula="Σ attributions hors QPV au 1er quartile / Σ attributions hors QPV × 100",
        unit="%",
        sources=("attributions",),
        target=25.0,
        target_source="loi Égalité et Citoyenneté du 27 janvier 2017 (art. L. 441-1 du code de "
        "la construction et de l'habitation), par EPCI",
        scale=100.0,
        numerator="attributions_hors_qpv_q1",
        denominator="attributions_hors_qpv",
        levels=ALLOCATION_LEVELS,
        target_kind="legal",
        binds="epci",
        short_label="Attributions hors QPV au 1er quartile",
        tags=frozenset({"attributions"}),
    ),
    Indicator(
        code="attrib_part_qpv_q234_pct",
        label="Part des attributions en QPV aux quartiles 2 à 4",
        axis=3,
        definition="Attributions de logements sociaux situés en QPV à des demandeurs des "
        "quartiles de revenus 2 à 4, parmi les attributions en QPV. " + ALLOCATION_RULE,
        formula="Σ attributions en QPV aux quartiles 2 à 4 / Σ attributions en QPV × 100",
        unit="%",
        sources=("attributions",),
        target_param="part_attributions_qpv_q234_pct",
        target_source="objectif fixé par la conférence intercommunale du logement (50 % à "
        "défaut) ; valeur fixée dans les paramètres",
        scale=100.0,
        numerator="attributions_qpv_q234",
        denominator="attributions_qpv",
        levels=ALLOCATION_LEVELS,
        target_kind="local",
        binds="epci",
        short_label="Attributions en QPV aux quartiles 2–4",
        tags=frozenset({"attributions"}),
    ),
    Indicator(
        code="attrib_part_epci_cible_q1_pct",
        label="Part des EPCI atteignant 25 % d'attributions hors QPV au 1er quartile",
        axis=3,
        definition="EPCI dont la part des attributions hors QPV au premier quartile atteint "
        "la cible légale, parmi les EPCI ayant déclaré au moins une attribution hors QPV.",
        formula="EPCI au-dessus de la cible / EPCI avec attributions hors QPV × 100",
        unit="%",
        sources=("attributions",),
        target=100.0,
        target_source="obligation légale applicable à chaque EPCI concerné",
        scale=100.0,
        compliance_of="attrib_part_hors_qpv_q1_pct",
        levels=("region", "departement"),
        target_kind="legal",
        binds="region",
        tags=frozenset({"attributions"}),
    ),
    Indicator(
        code="attrib_part_epci_cible_q234_pct",
        label="Part des EPCI atteignant l'objectif d'attributions en QPV aux quartiles 2 à 4",
        axis=3,
        definition="EPCI dont la part des attributions en QPV aux quartiles 2 à 4 atteint "
        "l'objectif local, parmi les EPCI ayant déclaré au moins une attribution en QPV.",
        formula="EPCI au-dessus de l'objectif / EPCI avec attributions en QPV × 100",
        unit="%",
        sources=("attributions",),
        target=100.0,
        target_source="objectif applicable à chaque EPCI concerné",
        scale=100.0,
        compliance_of="attrib_part_qpv_q234_pct",
        levels=("region", "departement"),
        target_kind="local",
        binds="region",
        tags=frozenset({"attributions"}),
    ),
    Indicator(
        code="attrib_attributions_hors_qpv",
        label="Attributions de logements situés hors QPV",
        axis=3,
        definition="Attributions de logements sociaux situés hors QPV déclarées par les bailleurs.",
        formula="Σ attributions hors QPV",
        unit="attributions",
        sources=("attributions",),
        numerator="attributions_hors_qpv",
        levels=ALLOCATION_LEVELS,
        tags=frozenset({"attributions"}),
    ),
    Indicator(
        code="attrib_attributions_qpv",
        label="Attributions de logements situés en QPV",
        axis=3,
        definition="Attributions de logements sociaux situés en QPV déclarées par les bailleurs.",
        formula="Σ attributions en QPV",
        unit="attributions",
        sources=("attributions",),
        numerator="attributions_qpv",
        levels=ALLOCATION_LEVELS,
        tags=frozenset({"attributions"}),
    ),
)


def allocation_base(allocations: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Allocations at the EPCI × landlord × year grain, with the department of the EPCI."""
    return attach_epci_departement(allocations, qpv)


def allocation_indicators(
    allocations: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the allocation shares, totals and the share of EPCI meeting each rule."""
    base = allocation_base(allocations, qpv)
    return compute(base, select(axis=3, tags="attributions"), params)
