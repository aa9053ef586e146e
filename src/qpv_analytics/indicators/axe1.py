"""Axis 1 indicators: urban renewal (NPNRU) operations and rehousing of households."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.contract import NATURES_RU
from qpv_analytics.indicators.compute import compute
from qpv_analytics.indicators.core import attach_geography, count_table
from qpv_analytics.indicators.model import SECRET_NOTE, Indicator, register, select
from qpv_analytics.params import RunParams

NATURE_LABELS = {
    "demolition": "Démolition",
    "reconstitution": "Reconstitution de l'offre",
    "rehabilitation": "Réhabilitation",
    "residentialisation": "Résidentialisation",
    "equipement": "Équipements",
}
"""French labels of the natures of renewal operations."""

DESTINATION_LABELS = {
    "neuf_moins_5_ans": "Neuf ou moins de 5 ans",
    "parc_existant": "Parc existant",
}
"""French labels of the destination of rehoused households."""

OPERATION_LEVELS = ("region", "departement", "epci", "qpv", "maitre_ouvrage")
REHOUSING_LEVELS = ("region", "departement", "epci", "qpv", "bailleur")

_SNAPSHOT = (
    " Les logements engagés et livrés sont des cumuls depuis le début de l'opération, "
    "déclarés chaque année : la valeur d'une année est l'état d'avancement à sa fin."
)

HOUSEHOLD_RULE = (
    "Chaque ménage relogé est compté dans le territoire de son QPV d'origine (celui de "
    "l'immeuble démoli) ; un ménage dont la donnée est inconnue est exclu du rapport, "
    "jamais compté comme zéro."
)
"""Counting rule of the rehousing indicators, in their definitions."""
OPERATION_RULE = (
    "Rapport de sommes sur les opérations qui renseignent les deux termes (jamais une "
    "moyenne de taux) ; une opération est rattachée au QPV du projet, et un QPV réparti sur "
    "plusieurs EPCI au premier."
)
"""Counting rule of the operation ratios, in their definitions."""

register(
    Indicator(
        code="ru_taux_engagement_pct",
        label="Taux d'engagement des logements programmés",
        axis=1,
        definition="Logements engagés rapportés aux logements programmés, toutes natures "
        "d'opération confondues." + _SNAPSHOT + " " + OPERATION_RULE,
        formula="Σ logements engagés / Σ logements programmés × 100",
        unit="%",
        sources=("ru_operations",),
        scale=100.0,
        numerator="logements_engages",
        denominator="logements_programmes",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_taux_livraison_pct",
        label="Taux d'avancement (logements livrés / programmés)",
        axis=1,
        definition="Logements livrés rapportés aux logements programmés, toutes natures "
        "d'opération confondues." + _SNAPSHOT + " " + OPERATION_RULE,
        formula="Σ logements livrés / Σ logements programmés × 100",
        unit="%",
        sources=("ru_operations",),
        scale=100.0,
        numerator="logements_livres",
        denominator="logements_programmes",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_taux_reconstitution_pct",
        label="Reconstitution programmée de l'offre démolie",
        axis=1,
        definition="Logements sociaux dont la reconstitution est programmée rapportés aux "
        "logements dont la démolition est programmée (règle du « un pour un »). " + OPERATION_RULE,
        formula="Σ logements programmés (reconstitution) / Σ logements programmés (démolition) "
        "× 100",
        unit="%",
        sources=("ru_operations",),
        target=100.0,
        target_source="règlement général de l'ANRU (NPNRU) : un logement social reconstitué "
        "pour un logement démoli",
        scale=100.0,
        numerator="recons_programmes",
        denominator="demol_programmes",
        target_kind="legal",
        binds="projet",
        short_label="Reconstitution de l'offre démolie",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_taux_reconstitution_livree_pct",
        label="Reconstitution livrée rapportée aux démolitions réalisées",
        axis=1,
        definition="Logements reconstitués livrés rapportés aux logements démolis (livrés). "
        "Indicateur de rythme, sans cible : la reconstitution suit souvent la démolition. "
        + OPERATION_RULE,
        formula="Σ logements livrés (reconstitution) / Σ logements livrés (démolition) × 100",
        unit="%",
        sources=("ru_operations",),
        scale=100.0,
        numerator="recons_livres",
        denominator="demol_livres",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_part_reconstitution_hors_qpv_pct",
        label="Part de la reconstitution programmée hors QPV",
        axis=1,
        definition="Logements reconstitués hors QPV parmi les logements de reconstitution "
        "programmés, sur les opérations qui renseignent la localisation (une cellule vide "
        "n'est pas comptée comme zéro). Le NPNRU demande de reconstituer principalement hors "
        "QPV, sans seuil chiffré. " + OPERATION_RULE,
        formula="Σ logements reconstitués hors QPV / Σ logements programmés (reconstitution, "
        "localisation renseignée) × 100",
        unit="%",
        sources=("ru_operations",),
        scale=100.0,
        numerator="hors_qpv",
        denominator="hors_qpv_renseigne",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_part_subvention_anru_pct",
        label="Part du coût financée par l'ANRU",
        axis=1,
        definition="Subventions de l'ANRU rapportées au coût total des opérations. "
        + OPERATION_RULE,
        formula="Σ subvention ANRU (€) / Σ coût total (€) × 100",
        unit="%",
        sources=("ru_operations",),
        scale=100.0,
        numerator="subvention_anru_eur",
        denominator="cout_total_eur",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_cout_total_eur",
        label="Coût total des opérations",
        axis=1,
        definition="Somme des coûts totaux des opérations déclarées dans l'année.",
        formula="Σ coût total (€)",
        unit="€",
        sources=("ru_operations",),
        numerator="cout_total_eur",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_subvention_anru_eur",
        label="Subventions de l'ANRU",
        axis=1,
        definition="Somme des subventions de l'ANRU des opérations déclarées dans l'année.",
        formula="Σ subvention ANRU (€)",
        unit="€",
        sources=("ru_operations",),
        numerator="subvention_anru_eur",
        levels=OPERATION_LEVELS,
        tags=frozenset({"operations"}),
    ),
    Indicator(
        code="ru_menages_reloges",
        label="Ménages relogés",
        axis=1,
        definition="Ménages relogés dans l'année depuis un immeuble voué à la démolition, "
        "comptés dans le territoire de leur QPV d'origine. " + SECRET_NOTE,
        formula="Nombre de ménages relogés",
        unit="ménages",
        sources=("ru_relogements",),
        people=True,
        numerator="menage",
        levels=REHOUSING_LEVELS,
        tags=frozenset({"relogement"}),
    ),
    Indicator(
        code="ru_part_relogement_neuf_pct",
        label="Part des ménages relogés dans le neuf ou le récent",
        axis=1,
        definition="Ménages relogés dans un logement neuf ou de moins de 5 ans, parmi les "
        "ménages relogés dont le logement d'arrivée est connu (parcours résidentiel positif "
        "demandé par le NPNRU, sans seuil national). " + HOUSEHOLD_RULE,
        formula="Ménages relogés dans le neuf ou < 5 ans / ménages relogés (arrivée connue) × 100",
        unit="%",
        sources=("ru_relogements",),
        scale=100.0,
        people=True,
        numerator="neuf",
        denominator="destination_connue",
        required=(),
        levels=REHOUSING_LEVELS,
        tags=frozenset({"relogement"}),
    ),
    Indicator(
        code="ru_part_relogement_hors_qpv_pct",
        label="Part des ménages relogés hors QPV",
        axis=1,
        definition="Ménages relogés hors quartier prioritaire, parmi les ménages relogés dont "
        "la localisation d'arrivée est connue. " + HOUSEHOLD_RULE,
        formula="Ménages relogés hors QPV / ménages relogés (localisation connue) × 100",
        unit="%",
        sources=("ru_relogements",),
        scale=100.0,
        people=True,
        numerator="hors_qpv_n",
        denominator="hors_qpv_connu",
        required=(),
        levels=REHOUSING_LEVELS,
        tags=frozenset({"relogement"}),
    ),
    Indicator(
        code="ru_evolution_reste_a_charge_eur_mois",
        label="Évolution moyenne du reste à charge des ménages relogés",
        axis=1,
        definition="Moyenne de l'évolution du loyer et des charges restant à payer (après "
        "relogement − avant), sur les ménages dont l'évolution est renseignée : une valeur "
        "absente est exclue, jamais comptée comme zéro. Une valeur négative est une baisse. "
        "Chaque ménage est compté dans le territoire de son QPV d'origine.",
        formula="Σ évolution du reste à charge (€/mois) / ménages dont l'évolution est renseignée",
        unit="€/mois",
        sources=("ru_relogements",),
        direction="baisse",
        people=True,
        numerator="rac",
        denominator="rac_connu",
        required=("rac",),
        levels=REHOUSING_LEVELS,
        tags=frozenset({"relogement"}),
    ),
)


def operations_base(operations: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """One row per operation and year, with its geography and nature-specific counts.

    Adds ``siren_epci`` and ``code_departement`` (from the QPV of the project) and, for the
    reconstitution ratio, the programmed and delivered dwellings of demolitions and
    reconstitutions. ``hors_qpv_renseigne`` holds the programmed reconstitution of the rows that
    state how many are outside QPV (blank otherwise).
    """
    base = attach_geography(operations, qpv)
    nature = base["nature"].astype("string")
    prog = base["logements_programmes"].astype("Float64")
    livr = base["logements_livres"].astype("Float64")
    for name, value in (("demolition", "demol"), ("reconstitution", "recons")):
        is_nature = (nature == name).fillna(False).astype(bool)
        base[f"{value}_programmes"] = prog.where(is_nature, 0.0)
        base[f"{value}_livres"] = livr.where(is_nature, 0.0)
    recons = (nature == "reconstitution").fillna(False).astype(bool)
    hors = base["logements_reconstitues_hors_qpv"].astype("Float64")
    known = recons & hors.notna()
    base["hors_qpv"] = hors.where(known)
    base["hors_qpv_renseigne"] = prog.where(known)
    return base


def operation_indicators(
    operations: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the NPNRU operation indicators at every level and year (tidy table)."""
    return compute(operations_base(operations, qpv), select(axis=1, tags="operations"), params)


def operations_by_nature(operations: pd.DataFrame) -> pd.DataFrame:
    """Dwellings programmed, committed and delivered per nature and year, with their rates.

    Returns:
        Columns ``annee, nature, libelle, operations, logements_programmes,
        logements_engages, logements_livres, taux_engagement_pct, taux_livraison_pct,
        cout_total_eur, subvention_anru_eur``, as plain floats (``NaN`` when missing). Rates
        are blank when nothing is programmed.
    """
    columns = [
        "annee",
        "nature",
        "libelle",
        "operations",
        "logements_programmes",
        "logements_engages",
        "logements_livres",
        "taux_engagement_pct",
        "taux_livraison_pct",
        "cout_total_eur",
        "subvention_anru_eur",
    ]
    if operations.empty:
        return pd.DataFrame(columns=columns)
    out = operations.groupby(["annee", "nature"], as_index=False, observed=True).agg(
        operations=("id_operation", "nunique"),
        **{
            c: (c, lambda s: s.astype("Float64").sum(min_count=1))
            for c in (
                "logements_programmes",
                "logements_engages",
                "logements_livres",
                "cout_total_eur",
                "subvention_anru_eur",
            )
        },
    )
    prog = out["logements_programmes"].astype("Float64")
    prog = prog.where(prog != 0)
    out["taux_engagement_pct"] = (out["logements_engages"].astype("Float64") / prog * 100).astype(
        float
    )
    out["taux_livraison_pct"] = (out["logements_livres"].astype("Float64") / prog * 100).astype(
        float
    )
    for column in columns[3:]:
        out[column] = out[column].astype(float)
    out["libelle"] = out["nature"].map(NATURE_LABELS).fillna(out["nature"])
    out["ordre"] = out["nature"].map({n: i for i, n in enumerate(NATURES_RU)})
    out = out.sort_values(["annee", "ordre"])
    return out[columns].reset_index(drop=True)


def rehousing_base(rehousing: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """One row per rehoused household with 0/1 flags and the geography of its origin QPV.

    Identifiers are dropped here: nothing downstream can publish them.
    """
    base = rehousing.drop(columns=[c for c in ("id_menage",) if c in rehousing.columns])
    base = attach_geography(base, qpv)
    dest = base["type_destination"].astype("string")
    base["menage"] = 1.0
    base["neuf"] = (dest == "neuf_moins_5_ans").astype("Float64").where(dest.notna())
    base["destination_connue"] = dest.notna().astype(float)
    hors = base["hors_qpv"].astype("boolean")
    base["hors_qpv_n"] = hors.astype("Float64")
    base["hors_qpv_connu"] = hors.notna().astype(float)
    rac = base["evolution_reste_a_charge_eur_mois"].astype("Float64")
    base["rac"] = rac
    base["rac_connu"] = rac.notna().astype("Float64").where(rac.notna())
    return base


def rehousing_indicators(
    rehousing: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the rehousing indicators (raw values: apply disclosure control before showing).

    The mean change of the remaining charge only uses households whose change is filled in.
    """
    return compute(rehousing_base(rehousing, qpv), select(axis=1, tags="relogement"), params)


def rehousing_table(
    rehousing: pd.DataFrame,
    qpv: pd.DataFrame,
    annee: int,
    level: str = "departement",
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Households rehoused in one year by territory of origin and destination, with totals.

    Args:
        rehousing: the ``ru_relogements`` table.
        qpv: QPV reference.
        annee: year.
        level: ``departement`` or ``epci`` (of the origin QPV), or ``bailleur``.
        names: labels of the territory codes.

    Returns:
        Raw counts of households (mask before showing them).
    """
    column = {"departement": "code_departement", "epci": "siren_epci", "bailleur": "bailleur"}
    base = rehousing_base(rehousing, qpv)
    base = base[base["annee"] == annee]
    title = {"departement": "Département d'origine", "epci": "EPCI d'origine"}
    return count_table(
        base,
        column[level],
        "type_destination",
        row_labels=names,
        column_labels=DESTINATION_LABELS,
        row_title=title.get(level, "Bailleur"),
    )
