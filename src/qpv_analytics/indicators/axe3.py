"""Axis 3 indicators: fair access to social housing (loi Égalité et Citoyenneté, per EPCI)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.activite import attach_epci_departement
from qpv_analytics.indicators.core import REGISTRY, Indicator, aggregate, register, status
from qpv_analytics.params import RunParams

ALLOCATION_LEVELS = ("region", "departement", "epci", "bailleur")

register(
    Indicator(
        code="attrib_part_hors_qpv_q1_pct",
        label="Part des attributions hors QPV au 1er quartile",
        axis=3,
        definition="Attributions de logements sociaux situés hors QPV à des demandeurs du "
        "premier quartile de revenus (ou à des ménages relogés par le renouvellement urbain), "
        "parmi les attributions hors QPV. L'obligation s'apprécie par EPCI ; la valeur "
        "régionale est donnée pour information.",
        formula="Σ attributions hors QPV au 1er quartile / Σ attributions hors QPV × 100",
        unit="%",
        sources=("attributions",),
        target=25.0,
        target_source="loi Égalité et Citoyenneté du 27 janvier 2017 (art. L. 441-1 du code de "
        "la construction et de l'habitation), par EPCI",
        scale=100.0,
    ),
    Indicator(
        code="attrib_part_qpv_q234_pct",
        label="Part des attributions en QPV aux quartiles 2 à 4",
        axis=3,
        definition="Attributions de logements sociaux situés en QPV à des demandeurs des "
        "quartiles de revenus 2 à 4, parmi les attributions en QPV.",
        formula="Σ attributions en QPV aux quartiles 2 à 4 / Σ attributions en QPV × 100",
        unit="%",
        sources=("attributions",),
        target_param="part_attributions_qpv_q234_pct",
        target_source="objectif fixé par la conférence intercommunale du logement (50 % à "
        "défaut) ; valeur fixée dans les paramètres",
        scale=100.0,
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
    ),
    Indicator(
        code="attrib_attributions_hors_qpv",
        label="Attributions de logements situés hors QPV",
        axis=3,
        definition="Attributions de logements sociaux situés hors QPV déclarées par les bailleurs.",
        formula="Σ attributions hors QPV",
        unit="attributions",
        sources=("attributions",),
    ),
    Indicator(
        code="attrib_attributions_qpv",
        label="Attributions de logements situés en QPV",
        axis=3,
        definition="Attributions de logements sociaux situés en QPV déclarées par les bailleurs.",
        formula="Σ attributions en QPV",
        unit="attributions",
        sources=("attributions",),
    ),
)

RULES = {
    "attrib_part_epci_cible_q1_pct": "attrib_part_hors_qpv_q1_pct",
    "attrib_part_epci_cible_q234_pct": "attrib_part_qpv_q234_pct",
}
"""EPCI-compliance indicator → the per-EPCI share it checks."""


def allocation_base(allocations: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Allocations at the EPCI × landlord × year grain, with the department of the EPCI."""
    return attach_epci_departement(allocations, qpv)


def epci_compliance_base(shares: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """One row per EPCI and year with a value: ``atteint`` is 1 when the EPCI meets its target.

    Args:
        shares: tidy result of one share indicator, EPCI level included.
        params: run parameters (the local target of the QPV rule).
    """
    epci = shares[(shares["niveau"] == "epci") & shares["valeur"].notna()].copy()
    if epci.empty:
        return pd.DataFrame(columns=["annee", "siren_epci", "atteint", "un"])
    ind = REGISTRY[epci["indicateur"].iloc[0]]
    target = ind.target_value(params)
    epci["siren_epci"] = epci["code"].astype("string")
    epci["atteint"] = [
        1.0 if status(v, target, ind.direction, 100.0) == "atteint" else 0.0 for v in epci["valeur"]
    ]
    epci["un"] = 1.0
    return epci[["annee", "siren_epci", "atteint", "un"]].reset_index(drop=True)


def allocation_indicators(
    allocations: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the allocation shares, totals and the share of EPCI meeting each rule."""
    base = allocation_base(allocations, qpv)
    r = REGISTRY
    specs = [
        ("attrib_part_hors_qpv_q1_pct", "attributions_hors_qpv_q1", "attributions_hors_qpv"),
        ("attrib_part_qpv_q234_pct", "attributions_qpv_q234", "attributions_qpv"),
        ("attrib_attributions_hors_qpv", "attributions_hors_qpv", None),
        ("attrib_attributions_qpv", "attributions_qpv", None),
    ]
    parts = {}
    for code, num, den in specs:
        sub = base.dropna(subset=[num, den]) if den else base
        parts[code] = aggregate(
            sub, r[code], levels=ALLOCATION_LEVELS, numerator=num, denominator=den, params=params
        )
    for code, share in RULES.items():
        comp = attach_epci_departement(epci_compliance_base(parts[share], params), qpv)
        parts[code] = aggregate(
            comp,
            r[code],
            levels=("region", "departement"),
            numerator="atteint",
            denominator="un",
            params=params,
        )
    frames = [parts[c] for c in r if c in parts and not parts[c].empty]
    if not frames:
        return parts["attrib_part_hors_qpv_q1_pct"]
    return pd.concat(frames, ignore_index=True)
