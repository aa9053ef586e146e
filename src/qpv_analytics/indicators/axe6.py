"""Axis 6 indicators: digital inclusion in the QPV, landlords' online services, innovation."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.compute import compute
from qpv_analytics.indicators.core import attach_geography
from qpv_analytics.indicators.model import Indicator, register, select
from qpv_analytics.labels import AXES
from qpv_analytics.params import RunParams

PER_10000 = 10_000.0
DIGITAL_LEVELS = ("region", "departement", "epci", "qpv")
ADVISERS_YEAR = 2022
"""Vintage of the public file of digital advisers' host structures."""
STATUS_LABELS = {
    "idee": "Idée",
    "en_cours": "En cours",
    "termine": "Terminé",
    "abandonne": "Abandonné",
}

register(
    Indicator(
        code="num_lieux_mediation_10000_hab",
        label="Lieux de médiation numérique pour 10 000 habitants",
        axis=6,
        definition="Lieux de médiation numérique dans ou à proximité des QPV rapportés à la "
        "population municipale des QPV (QPV dont la population est connue ; une population "
        "couverte par le secret statistique n'est jamais comptée comme zéro).",
        formula="Σ lieux de médiation / Σ population municipale × 10 000",
        unit="pour 10 000 hab.",
        sources=("numerique", "contexte"),
        scale=PER_10000,
        numerator="lieux_mediation",
        denominator="population",
        levels=DIGITAL_LEVELS,
        tags=frozenset({"numerique"}),
    ),
    Indicator(
        code="num_conseillers_10000_hab",
        label="Conseillers numériques pour 10 000 habitants",
        axis=6,
        definition="Conseillers numériques intervenant dans les QPV rapportés à la population "
        "municipale des QPV (QPV dont la population est connue).",
        formula="Σ conseillers numériques / Σ population municipale × 10 000",
        unit="pour 10 000 hab.",
        sources=("numerique", "contexte"),
        scale=PER_10000,
        numerator="conseillers_numeriques",
        denominator="population",
        levels=DIGITAL_LEVELS,
        tags=frozenset({"numerique"}),
    ),
    Indicator(
        code="num_couverture_fibre_pct",
        label="Couverture en fibre des logements des QPV",
        axis=6,
        definition="Part des logements raccordables à la fibre, moyenne des QPV pondérée par "
        "leur population municipale (moyenne simple des QPV si la population n'est pas "
        "disponible). Un QPV sans taux renseigné est exclu, jamais compté comme zéro.",
        formula="Σ (taux de couverture × population) / Σ population des QPV renseignés",
        unit="%",
        sources=("numerique", "contexte"),
        numerator="fibre_pondere",
        denominator="fibre_poids",
        levels=DIGITAL_LEVELS,
        tags=frozenset({"numerique"}),
    ),
    Indicator(
        code="num_part_demandes_en_ligne_pct",
        label="Part des demandes des locataires faites en ligne",
        axis=6,
        definition="Part des demandes des locataires faites en ligne, moyenne simple des "
        "bailleurs déclarants (chaque bailleur compte pour un).",
        formula="Σ part déclarée par chaque bailleur / bailleurs déclarants",
        unit="%",
        sources=("numerique_bailleurs",),
        numerator="en_ligne",
        denominator="en_ligne_d",
        levels=("region", "bailleur"),
        tags=frozenset({"bailleurs"}),
    ),
    Indicator(
        code="num_part_bailleurs_extranet_pct",
        label="Part des bailleurs offrant un extranet locataire",
        axis=6,
        definition="Bailleurs dont l'extranet locataire est en service, parmi les bailleurs "
        "qui ont répondu à la question.",
        formula="Bailleurs avec extranet / bailleurs ayant répondu × 100",
        unit="%",
        sources=("numerique_bailleurs",),
        scale=100.0,
        numerator="extranet",
        denominator="extranet_d",
        levels=("region",),
        tags=frozenset({"bailleurs"}),
    ),
    Indicator(
        code="num_projets_innovation",
        label="Projets d'innovation recensés",
        axis=6,
        definition="Projets d'innovation des partenaires déclarés dans l'année, tous axes et "
        "statuts confondus (y compris abandonnés).",
        formula="Nombre de projets",
        unit="projets",
        sources=("projets_innovation",),
        numerator="un",
        levels=("region",),
        tags=frozenset({"innovation"}),
    ),
    Indicator(
        code="num_budget_innovation_eur",
        label="Budget des projets d'innovation",
        axis=6,
        definition="Somme des budgets renseignés des projets d'innovation de l'année ; un "
        "budget non renseigné est exclu, jamais compté comme zéro.",
        formula="Σ budget (€)",
        unit="€",
        sources=("projets_innovation",),
        numerator="budget",
        levels=("region",),
        tags=frozenset({"innovation"}),
    ),
    Indicator(
        code="num_cnfs_conseillers",
        label="Conseillers numériques France Services (fichier public 2022)",
        axis=6,
        definition="Postes de conseillers numériques France Services attribués aux structures "
        "d'accueil de la région (données publiques réelles, état 2022).",
        formula="Σ postes de conseillers des structures d'accueil",
        unit="conseillers",
        sources=("conseillers-numeriques-2022.json (ANCT, données publiques)",),
        numerator="conseillers",
        levels=("region", "departement"),
        tags=frozenset({"conseillers"}),
    ),
    Indicator(
        code="num_cnfs_part_structures_qpv_pct",
        label="Part des conseillers numériques accueillis par une structure située en QPV "
        "(fichier public 2022)",
        axis=6,
        definition="Postes de conseillers numériques des structures d'accueil situées en QPV, "
        "parmi tous les postes de la région (données publiques réelles, état 2022).",
        formula="Σ postes des structures en QPV / Σ postes × 100",
        unit="%",
        sources=("conseillers-numeriques-2022.json (ANCT, données publiques)",),
        scale=100.0,
        numerator="conseillers_qpv",
        denominator="conseillers",
        levels=("region", "departement"),
        tags=frozenset({"conseillers"}),
    ),
)


def qpv_population(contexte: pd.DataFrame | None, years: list[int]) -> pd.DataFrame:
    """Municipal population of each QPV for each year, from the ``contexte`` table.

    For a year, the most recent vintage of that year or before is used, otherwise the oldest
    later one (population changes slowly; the vintage used is kept in ``millesime``). Blank
    (secret) populations are skipped, never read as zero.

    Returns:
        Columns ``annee, code_qpv, population, millesime``; empty when the context table or its
        population column is missing.
    """
    columns = ["annee", "code_qpv", "population", "millesime"]
    if contexte is None or "population_municipale" not in contexte.columns:
        return pd.DataFrame(columns=columns)
    pop = contexte.dropna(subset=["population_municipale", "annee", "code_qpv"])
    pop = (
        pop.groupby(["code_qpv", "annee"], as_index=False)["population_municipale"]
        .first()
        .rename(columns={"annee": "millesime", "population_municipale": "population"})
    )
    rows = []
    for year in years:
        before = pop[pop["millesime"] <= year].sort_values("millesime").groupby("code_qpv").tail(1)
        after = pop[~pop["code_qpv"].isin(before["code_qpv"])]
        after = after.sort_values("millesime").groupby("code_qpv").head(1)
        chosen = pd.concat([before, after], ignore_index=True)
        chosen["annee"] = year
        rows.append(chosen)
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.concat(rows, ignore_index=True)
    out["population"] = out["population"].astype("Float64")
    return out[columns]


def digital_base(
    numerique: pd.DataFrame, qpv: pd.DataFrame, population: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per QPV and year with geography, population and the fibre-weighting columns."""
    base = attach_geography(numerique, qpv)
    if population is not None and not population.empty:
        base = base.merge(
            population[["annee", "code_qpv", "population"]], on=["annee", "code_qpv"], how="left"
        )
        weight = base["population"].astype("Float64")
    else:
        base["population"] = pd.array([pd.NA] * len(base), dtype="Float64")
        weight = pd.Series(1.0, index=base.index, dtype="Float64")
    fibre = base["couverture_fibre_pct"].astype("Float64")
    usable = fibre.notna() & weight.notna()
    base["fibre_pondere"] = (fibre * weight).where(usable)
    base["fibre_poids"] = weight.where(usable)
    return base


def digital_indicators(
    numerique: pd.DataFrame,
    qpv: pd.DataFrame,
    population: pd.DataFrame | None = None,
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Mediation places and advisers per 10,000 inhabitants, fibre coverage (tidy table).

    Without population (no ``contexte`` table yet), the per-10,000 indicators are not computed
    and fibre coverage is the simple mean of the QPV.
    """
    base = digital_base(numerique, qpv, population)
    return compute(base, select(axis=6, tags="numerique"), params)


def landlord_indicators(landlords: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """Online requests (mean of landlords) and share of landlords with an extranet."""
    base = landlords.copy()
    online = base["part_demandes_en_ligne_pct"].astype("Float64")
    base["en_ligne"] = online
    base["en_ligne_d"] = online.notna().astype("Float64").where(online.notna())
    extranet = base["extranet_locataire"].astype("boolean")
    base["extranet"] = extranet.astype("Float64")
    base["extranet_d"] = extranet.notna().astype("Float64").where(extranet.notna())
    return compute(base, select(axis=6, tags="bailleurs"), params)


def innovation_indicators(projects: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """Number of innovation projects and their total budget per year (region)."""
    base = projects.copy()
    base["un"] = 1.0
    base["budget"] = base["budget_eur"].astype("Float64")
    return compute(base, select(axis=6, tags="innovation"), params)


def innovation_summary(projects: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Projects of one year by axis and status, with their number and budget.

    Returns:
        Columns ``axe, libelle_axe, statut, libelle_statut, projets, budget_eur,
        budget_renseigne`` (budget blank when no project of the group states one).
    """
    columns = [
        "axe",
        "libelle_axe",
        "statut",
        "libelle_statut",
        "projets",
        "budget_eur",
        "budget_renseigne",
    ]
    year = projects[projects["annee"] == annee]
    if year.empty:
        return pd.DataFrame(columns=columns)
    out = year.groupby(["axe", "statut"], as_index=False, observed=True).agg(
        projets=("id_projet", "nunique"),
        budget_eur=("budget_eur", lambda s: s.astype("Float64").sum(min_count=1)),
        budget_renseigne=("budget_eur", lambda s: int(s.notna().sum())),
    )
    out["budget_eur"] = out["budget_eur"].astype(float)
    out["libelle_axe"] = out["axe"].map(AXES)
    out["libelle_statut"] = out["statut"].map(STATUS_LABELS).fillna(out["statut"])
    return out[columns].sort_values(["axe", "statut"]).reset_index(drop=True)


def adviser_base(advisers: pd.DataFrame) -> pd.DataFrame:
    """Host structures of digital advisers (public file) at the department × year grain."""
    base = pd.DataFrame(
        {
            "annee": ADVISERS_YEAR,
            "code_departement": advisers["insee_dep"].astype(str).str.zfill(2),
            "conseillers": pd.to_numeric(advisers["nb_cnfs"], errors="coerce").astype("Float64"),
            "en_qpv": advisers["en_qpv"].astype(bool),
        }
    )
    base["conseillers_qpv"] = base["conseillers"].where(base["en_qpv"], 0.0)
    return base


def adviser_indicators(advisers: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """Real public data: digital advisers' posts (2022) and the share hosted in a QPV."""
    return compute(adviser_base(advisers), select(axis=6, tags="conseillers"), params)


def advisers_by_departement(advisers: pd.DataFrame) -> pd.DataFrame:
    """Real public data: host structures and advisers' posts per department, in and out of QPV."""
    base = adviser_base(advisers)
    base["structure"] = 1
    base["structure_qpv"] = base["en_qpv"].astype(int)
    return (
        base.groupby("code_departement", as_index=False)
        .agg(
            structures=("structure", "sum"),
            structures_qpv=("structure_qpv", "sum"),
            conseillers=("conseillers", lambda s: float(s.sum())),
            conseillers_qpv=("conseillers_qpv", lambda s: float(s.sum())),
        )
        .sort_values("code_departement", ignore_index=True)
    )


def report_population(rep) -> tuple[pd.DataFrame, str | None]:
    """QPV population for a report's trend window, and a French notice when it is missing.

    Args:
        rep: the open report (``reporting.Report``), whose ``contexte`` table is read if it
            was loaded.

    Returns:
        ``(population, notice)``: the output of :func:`qpv_population` and ``None``, or an
        empty population and the text explaining that per-10,000 rates are not computed.
    """
    from qpv_analytics.quality.model import DataError

    try:
        contexte = rep.table("contexte", all_years=True)
    except DataError:
        contexte = None
    population = qpv_population(contexte, rep.params.years)
    if population.empty:
        return population, (
            "La population des QPV n'est pas disponible (table de contexte non chargée ou sans "
            "population municipale) : les indicateurs pour 10 000 habitants ne sont pas "
            "calculés et la couverture en fibre est la moyenne simple des QPV. À faire : "
            "charger un fichier de contexte (clé « contexte » des paramètres)."
        )
    return population, None
