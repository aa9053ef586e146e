"""Axis 2 indicators: TFPB abatement and GUSP (gestion urbaine et sociale de proximité)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.contract import AXES_TFPB
from qpv_analytics.indicators.compute import compute, group_sums
from qpv_analytics.indicators.core import attach_geography
from qpv_analytics.indicators.model import Indicator, register, select
from qpv_analytics.params import RunParams

PAIR_RULE = (
    "Rapport de sommes calculé sur les seuls couples bailleur × QPV qui ont déclaré les deux "
    "termes dans l'année (jamais une moyenne de taux) : un couple qui n'a déclaré que l'un des "
    "deux est écarté, jamais compté comme zéro, alors que les totaux publiés l'additionnent ; "
    "les années où le périmètre diffère sont signalées."
)
"""Counting rule of the TFPB ratios, in their definitions."""

register(
    Indicator(
        code="tfpb_taux_valorisation_pct",
        label="Taux de valorisation de l'abattement TFPB",
        axis=2,
        definition="Montant des actions valorisées rapporté au montant de l'abattement de TFPB. "
        + PAIR_RULE,
        formula="Σ montant valorisé (€) / Σ montant de l'abattement (€) × 100",
        unit="%",
        sources=("tfpb_actions", "tfpb_abattement"),
        target_param="taux_valorisation_tfpb_pct",
        target_source="cadre national de l'abattement (les actions doivent au moins couvrir "
        "l'abattement) ; valeur fixée dans les paramètres",
        references={"Bilan URH Hauts-de-France 2016–2019": 100 / 0.74},
        scale=100.0,
        numerator="montant_valorise_eur",
        denominator="montant_abattement_eur",
        target_kind="national",
        binds="bailleur",
        short_label="Valorisation de l'abattement TFPB",
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="tfpb_couverture_abattement_pct",
        label="Part des actions couverte par l'abattement",
        axis=2,
        definition="Montant de l'abattement rapporté au montant des actions valorisées. "
        + PAIR_RULE,
        formula="Σ montant de l'abattement (€) / Σ montant valorisé (€) × 100",
        unit="%",
        sources=("tfpb_actions", "tfpb_abattement"),
        direction="baisse",
        references={"Bilan URH Hauts-de-France 2016–2019": 74.0},
        scale=100.0,
        numerator="montant_abattement_eur",
        denominator="montant_valorise_eur",
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="tfpb_valorise_par_logement_eur",
        label="Montant valorisé par logement et par an",
        axis=2,
        definition="Montant des actions valorisées rapporté aux logements concernés par "
        "l'abattement. " + PAIR_RULE,
        formula="Σ montant valorisé (€) / Σ logements concernés",
        unit="€/logement",
        sources=("tfpb_actions", "tfpb_abattement"),
        references={
            "Bilan URH Hauts-de-France 2016–2019": 233.0,
            "Bilan national 2017–2019": 183.0,
        },
        numerator="montant_valorise_eur",
        denominator="logements_concernes",
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="tfpb_abattement_par_logement_eur",
        label="Abattement par logement et par an",
        axis=2,
        definition="Montant de l'abattement de TFPB rapporté aux logements concernés, sur les "
        "couples bailleur × QPV qui déclarent les deux.",
        formula="Σ montant de l'abattement (€) / Σ logements concernés",
        unit="€/logement",
        sources=("tfpb_abattement",),
        numerator="montant_abattement_eur",
        denominator="logements_concernes",
        required=("montant_abattement_eur",),
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="tfpb_montant_valorise_eur",
        label="Montant total valorisé",
        axis=2,
        definition="Somme des montants des actions valorisées en contrepartie de l'abattement.",
        formula="Σ montant valorisé (€)",
        unit="€",
        sources=("tfpb_actions",),
        numerator="montant_valorise_eur",
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="tfpb_montant_abattement_eur",
        label="Montant total de l'abattement",
        axis=2,
        definition="Somme des montants d'abattement de TFPB déclarés par les bailleurs.",
        formula="Σ montant de l'abattement (€)",
        unit="€",
        sources=("tfpb_abattement",),
        numerator="montant_abattement_eur",
        tags=frozenset({"tfpb"}),
    ),
    Indicator(
        code="gusp_part_qpv_convention_pct",
        label="Part des QPV couverts par une convention GUSP",
        axis=2,
        definition="QPV dont la convention de gestion urbaine et sociale de proximité est "
        "signée, parmi les QPV renseignés (un QPV sans réponse est exclu, jamais compté comme "
        "sans convention).",
        formula="QPV avec convention signée / QPV renseignés × 100",
        unit="%",
        sources=("gusp",),
        target=100.0,
        target_source="convention annexée au contrat de ville pour chaque QPV",
        scale=100.0,
        numerator="signee",
        denominator="renseigne",
        required=(),
        levels=("region", "departement", "epci"),
        target_kind="national",
        binds="qpv",
        short_label="QPV en convention GUSP",
        tags=frozenset({"gusp"}),
    ),
)


def tfpb_base(abattement: pd.DataFrame, actions: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Join abatement and valued actions at the landlord × QPV × year grain.

    Returns:
        Columns ``annee, bailleur, code_qpv, siren_epci, code_departement,
        logements_concernes, montant_abattement_eur, montant_valorise_eur``. A landlord × QPV
        with actions but no abatement row (or the reverse) keeps a blank on the missing side.
    """
    keys = ["annee", "bailleur", "code_qpv"]
    abat_groups = abattement.dropna(subset=keys).groupby(keys, observed=True)
    abat = pd.DataFrame(
        {c: group_sums(abat_groups, c) for c in ("logements_concernes", "montant_abattement_eur")}
    ).reset_index()
    act_groups = actions.dropna(subset=keys).groupby(keys, observed=True)
    act = pd.DataFrame(
        {"montant_valorise_eur": group_sums(act_groups, "montant_valorise_eur")}
    ).reset_index()
    base = abat.merge(act, on=keys, how="outer")
    return attach_geography(base, qpv)


def tfpb_indicators(
    abattement: pd.DataFrame,
    actions: pd.DataFrame,
    qpv: pd.DataFrame,
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Compute every TFPB indicator at every level and year (tidy table).

    A ratio needs both sides: units sending only one of them are left out of the ratios.
    """
    return compute(tfpb_base(abattement, actions, qpv), select(axis=2, tags="tfpb"), params)


def tfpb_by_axis(actions: pd.DataFrame) -> pd.DataFrame:
    """Valued amount per TFPB action axis and year, with its share of the year's total (%)."""
    if actions.empty:
        return pd.DataFrame(
            columns=["annee", "axe_tfpb", "libelle_axe", "montant_valorise_eur", "part_pct"]
        )
    grid = pd.MultiIndex.from_product(
        [sorted(actions["annee"].dropna().unique()), list(AXES_TFPB)], names=["annee", "axe_tfpb"]
    )
    sums = (
        actions.groupby(["annee", "axe_tfpb"])["montant_valorise_eur"]
        .sum()
        .reindex(grid, fill_value=0)
        .reset_index()
    )
    totals = sums.groupby("annee")["montant_valorise_eur"].transform("sum")
    sums["part_pct"] = (sums["montant_valorise_eur"] / totals.where(totals != 0) * 100).astype(
        "Float64"
    )
    sums["libelle_axe"] = sums["axe_tfpb"].map(AXES_TFPB)
    return sums[["annee", "axe_tfpb", "libelle_axe", "montant_valorise_eur", "part_pct"]]


def gusp_indicators(
    gusp: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Share of reported QPV with a signed GUSP convention, per region, department, EPCI."""
    base = gusp[["annee", "code_qpv", "convention_gusp_signee"]].copy()
    base["signee"] = base["convention_gusp_signee"].astype("Float64")
    base["renseigne"] = base["convention_gusp_signee"].notna().astype("Float64")
    base = attach_geography(base, qpv)
    return compute(base, select(axis=2, tags="gusp"), params)
