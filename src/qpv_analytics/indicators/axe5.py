"""Axis 5 indicators: insertion clauses in public contracts and their beneficiaries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qpv_analytics.contract import TYPES_MARCHE
from qpv_analytics.indicators.activite import attach_epci_departement
from qpv_analytics.indicators.compute import compute
from qpv_analytics.indicators.core import TOTAL_LABEL
from qpv_analytics.indicators.model import SECRET_NOTE, Indicator, register, select
from qpv_analytics.params import RunParams

MARKET_LEVELS = ("region", "departement", "epci", "qpv", "maitre_ouvrage")
BENEFICIARY_LEVELS = ("region", "departement", "epci", "maitre_ouvrage")
HOURS_RULE = (
    "Rapport de sommes d'heures sur les marchés qui renseignent les deux termes (jamais une "
    "moyenne de taux) : un marché sans l'un des deux est exclu, jamais compté comme zéro."
)
"""Counting rule of the insertion-hour ratios, in their definitions."""
PERSON_RULE = (
    "Une personne qui a eu plusieurs contrats dans l'année compte une seule fois, dans le "
    "territoire et chez le maître d'ouvrage du marché où elle a travaillé le plus d'heures ; "
    "son profil est lu dans le contrat le plus long qui le renseigne."
)
"""Counting rule of every beneficiary indicator (``beneficiary_base``), in the definitions."""
MARKET_LABELS = {
    "travaux_anru": "Travaux ANRU",
    "gusp": "Marchés liés à la GUSP",
    "autre": "Autres marchés",
}
DYNAMIC_EXITS = ("emploi_durable", "emploi_transition", "formation_qualifiante")
"""Situations at 6 months counted as « sorties dynamiques »."""
UNKNOWN_SITUATION = "inconnue"
SITUATION_LABELS = {
    "emploi_durable": "Emploi durable",
    "emploi_transition": "Emploi de transition",
    "formation_qualifiante": "Formation qualifiante",
    "sans_emploi": "Sans emploi",
    "inconnue": "Situation inconnue",
}

register(
    Indicator(
        code="clauses_taux_insertion_travaux_anru_pct",
        label="Part des heures réservées à l'insertion, travaux ANRU",
        axis=5,
        definition="Heures d'insertion réalisées rapportées aux heures travaillées sur les "
        "marchés de travaux financés par l'ANRU. " + HOURS_RULE,
        formula="Σ heures d'insertion réalisées / Σ heures totales (marchés travaux ANRU) × 100",
        unit="%",
        sources=("clauses_marches",),
        target=5.0,
        target_source="charte nationale d'insertion de l'ANRU : au moins 5 % des heures "
        "travaillées",
        scale=100.0,
        numerator="heures_insertion_realisees",
        denominator="heures_totales",
        where={"type_marche": "travaux_anru"},
        target_kind="legal",
        binds="projet",
        short_label="Heures d'insertion, travaux ANRU",
        levels=MARKET_LEVELS,
        tags=frozenset({"marches"}),
    ),
    Indicator(
        code="clauses_taux_insertion_gusp_pct",
        label="Part des heures réservées à l'insertion, marchés GUSP",
        axis=5,
        definition="Heures d'insertion réalisées rapportées aux heures travaillées sur les "
        "marchés liés à la gestion urbaine et sociale de proximité. " + HOURS_RULE,
        formula="Σ heures d'insertion réalisées / Σ heures totales (marchés GUSP) × 100",
        unit="%",
        sources=("clauses_marches",),
        target=10.0,
        target_source="charte nationale d'insertion de l'ANRU : au moins 10 % des heures des "
        "marchés liés à la gestion urbaine de proximité",
        scale=100.0,
        numerator="heures_insertion_realisees",
        denominator="heures_totales",
        where={"type_marche": "gusp"},
        target_kind="legal",
        binds="marche",
        short_label="Heures d'insertion, marchés GUSP",
        levels=MARKET_LEVELS,
        tags=frozenset({"marches"}),
    ),
    Indicator(
        code="clauses_taux_insertion_autre_pct",
        label="Part des heures réservées à l'insertion, autres marchés",
        axis=5,
        definition="Heures d'insertion réalisées rapportées aux heures travaillées sur les "
        "autres marchés avec clause (pas de cible nationale). " + HOURS_RULE,
        formula="Σ heures d'insertion réalisées / Σ heures totales (autres marchés) × 100",
        unit="%",
        sources=("clauses_marches",),
        scale=100.0,
        numerator="heures_insertion_realisees",
        denominator="heures_totales",
        where={"type_marche": "autre"},
        levels=MARKET_LEVELS,
        tags=frozenset({"marches"}),
    ),
    Indicator(
        code="clauses_taux_realisation_pct",
        label="Heures d'insertion réalisées rapportées aux heures prévues",
        axis=5,
        definition="Heures d'insertion réalisées rapportées aux heures inscrites dans les "
        "marchés, tous types de marché. " + HOURS_RULE,
        formula="Σ heures d'insertion réalisées / Σ heures d'insertion prévues × 100",
        unit="%",
        sources=("clauses_marches",),
        target=100.0,
        target_source="engagement inscrit dans chaque marché (heures prévues)",
        scale=100.0,
        numerator="heures_insertion_realisees",
        denominator="heures_insertion_prevues",
        target_kind="contrat",
        binds="marche",
        short_label="Heures d'insertion réalisées / prévues",
        levels=MARKET_LEVELS,
        tags=frozenset({"marches"}),
    ),
    Indicator(
        code="clauses_heures_insertion_realisees",
        label="Heures d'insertion réalisées",
        axis=5,
        definition="Heures travaillées par des personnes en insertion sur les marchés avec "
        "clause, tous types de marché.",
        formula="Σ heures d'insertion réalisées",
        unit="heures",
        sources=("clauses_marches",),
        numerator="heures_insertion_realisees",
        levels=MARKET_LEVELS,
        tags=frozenset({"marches"}),
    ),
    Indicator(
        code="clauses_beneficiaires",
        label="Bénéficiaires des clauses d'insertion",
        axis=5,
        definition="Personnes distinctes ayant travaillé dans l'année au titre d'une clause "
        "d'insertion. " + PERSON_RULE + " " + SECRET_NOTE,
        formula="Nombre de personnes distinctes",
        unit="personnes",
        sources=("clauses_beneficiaires",),
        people=True,
        numerator="personne",
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_residents_qpv_pct",
        label="Part des bénéficiaires résidant en QPV",
        axis=5,
        definition="Bénéficiaires qui résident dans un quartier prioritaire, parmi les "
        "bénéficiaires dont la résidence est connue. "
        "Les bénéficiaires dont la donnée est inconnue sont exclus du calcul. " + PERSON_RULE,
        formula="Bénéficiaires résidant en QPV / bénéficiaires (résidence connue) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="clauses_part_residents_qpv_pct_n",
        denominator="clauses_part_residents_qpv_pct_d",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_femmes_pct",
        label="Part des femmes parmi les bénéficiaires",
        axis=5,
        definition="Femmes parmi les bénéficiaires dont le sexe est connu. "
        "Les bénéficiaires dont la donnée est inconnue sont exclus du calcul. " + PERSON_RULE,
        formula="Bénéficiaires femmes / bénéficiaires (sexe connu) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="clauses_part_femmes_pct_n",
        denominator="clauses_part_femmes_pct_d",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_moins_26_pct",
        label="Part des moins de 26 ans parmi les bénéficiaires",
        axis=5,
        definition="Bénéficiaires de moins de 26 ans parmi les bénéficiaires dont l'âge est connu. "
        "Les bénéficiaires dont la donnée est inconnue sont exclus du calcul. " + PERSON_RULE,
        formula="Bénéficiaires de moins de 26 ans / bénéficiaires (âge connu) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="clauses_part_moins_26_pct_n",
        denominator="clauses_part_moins_26_pct_d",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_50_plus_pct",
        label="Part des 50 ans ou plus parmi les bénéficiaires",
        axis=5,
        definition="Bénéficiaires de 50 ans ou plus parmi les bénéficiaires dont l'âge est connu. "
        "Les bénéficiaires dont la donnée est inconnue sont exclus du calcul. " + PERSON_RULE,
        formula="Bénéficiaires de 50 ans ou plus / bénéficiaires (âge connu) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="clauses_part_50_plus_pct_n",
        denominator="clauses_part_50_plus_pct_d",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_infra_cap_pct",
        label="Part des bénéficiaires de niveau inférieur au CAP",
        axis=5,
        definition="Bénéficiaires sans diplôme ou de niveau inférieur au CAP, parmi les "
        "bénéficiaires dont le niveau est connu. "
        "Les bénéficiaires dont la donnée est inconnue sont exclus du calcul. " + PERSON_RULE,
        formula="Bénéficiaires de niveau infra-CAP / bénéficiaires (niveau connu) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="clauses_part_infra_cap_pct_n",
        denominator="clauses_part_infra_cap_pct_d",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
    Indicator(
        code="clauses_part_sorties_dynamiques_pct",
        label="Part de sorties dynamiques à 6 mois",
        axis=5,
        definition="Bénéficiaires en emploi durable, en emploi de transition ou en formation "
        "qualifiante 6 mois après leur contrat, parmi les bénéficiaires dont la situation à 6 "
        "mois est connue (situation inconnue : exclue). Une personne qui a eu plusieurs contrats "
        "dans l'année compte comme sortie dynamique si au moins un contrat a débouché sur une "
        "telle situation, et sa situation est connue si celle d'au moins un contrat l'est. "
        + PERSON_RULE,
        formula="Bénéficiaires en sortie dynamique / bénéficiaires (situation connue) × 100",
        unit="%",
        sources=("clauses_beneficiaires",),
        scale=100.0,
        people=True,
        numerator="sortie_dynamique",
        denominator="situation_connue",
        required=(),
        levels=BENEFICIARY_LEVELS,
        tags=frozenset({"beneficiaires"}),
    ),
)

RATE_BY_MARKET = {
    ind.where["type_marche"]: ind.code
    for ind in select(axis=5, tags="marches")
    if "type_marche" in ind.where
}
"""Market type → indicator of its insertion rate (from the declarations)."""
PROFILE = {
    # indicator: (column, value counted); its numerator and denominator are
    # ``<code>_n`` and ``<code>_d`` of the beneficiary base.
    "clauses_part_residents_qpv_pct": ("resident_qpv", True),
    "clauses_part_femmes_pct": ("sexe", "F"),
    "clauses_part_moins_26_pct": ("tranche_age", "moins_26"),
    "clauses_part_50_plus_pct": ("tranche_age", "50_plus"),
    "clauses_part_infra_cap_pct": ("niveau_qualification", "infra_cap"),
}


def market_base(markets: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Markets with the department of their EPCI."""
    return attach_epci_departement(markets, qpv)


def market_indicators(
    markets: pd.DataFrame, qpv: pd.DataFrame, params: RunParams | None = None
) -> pd.DataFrame:
    """Compute the insertion-hour indicators per market type, level and year (tidy table)."""
    return compute(market_base(markets, qpv), select(axis=5, tags="marches"), params)


def hours_by_market_type(markets: pd.DataFrame) -> pd.DataFrame:
    """Total, planned and realised insertion hours per year and market type, with rates.

    Returns:
        Columns ``annee, type_marche, libelle, marches, heures_totales,
        heures_insertion_prevues, heures_insertion_realisees, taux_insertion_pct,
        taux_realisation_pct`` as plain floats (rates ``NaN`` on a zero base).
    """
    columns = [
        "annee",
        "type_marche",
        "libelle",
        "marches",
        "heures_totales",
        "heures_insertion_prevues",
        "heures_insertion_realisees",
        "taux_insertion_pct",
        "taux_realisation_pct",
    ]
    if markets.empty:
        return pd.DataFrame(columns=columns)
    out = markets.groupby(["annee", "type_marche"], as_index=False, observed=True).agg(
        marches=("id_marche", "nunique"),
        **{
            c: (c, lambda s: s.astype("Float64").sum(min_count=1))
            for c in ("heures_totales", "heures_insertion_prevues", "heures_insertion_realisees")
        },
    )
    real = out["heures_insertion_realisees"].astype("Float64")
    total = out["heures_totales"].astype("Float64")
    planned = out["heures_insertion_prevues"].astype("Float64")
    out["taux_insertion_pct"] = (real / total.where(total != 0) * 100).astype("Float64")
    out["taux_realisation_pct"] = (real / planned.where(planned != 0) * 100).astype("Float64")
    for column in columns[3:]:
        out[column] = out[column].astype(float)
    out["libelle"] = out["type_marche"].map(MARKET_LABELS).fillna(out["type_marche"])
    out["ordre"] = out["type_marche"].map({t: i for i, t in enumerate(TYPES_MARCHE)})
    out = out.sort_values(["annee", "ordre"])
    return out[columns].reset_index(drop=True)


def string_rank(values: pd.Series) -> pd.Series:
    """Rank of each value among the distinct values (blank: ``<NA>``), to sort rows by it.

    Sorting rows by this rank gives the order sorting them by the values gives: pandas sorts
    a column by the codes of its sorted distinct values (``Categorical(values, ordered=True)``),
    and the rank is that code. The distinct values are sorted by Python's ``sorted`` instead of
    NumPy's sort of objects (the same comparison of strings, a total order on distinct values,
    hence the same ranks), several times faster on 10⁵ identifiers. Values other than strings
    are returned as they are (sorted by pandas itself).
    """
    if not pd.api.types.is_string_dtype(values):  # a string dtype, or objects all strings
        return values
    codes, uniques = pd.factorize(values)  # first-seen order, -1 for a blank
    distinct = uniques.tolist()
    rank = np.empty(len(distinct), dtype="int64")
    rank[sorted(range(len(distinct)), key=distinct.__getitem__)] = np.arange(len(distinct))
    ranks = rank[codes] if len(distinct) else np.zeros(len(codes), dtype="int64")
    return pd.Series(pd.arrays.IntegerArray(ranks, codes < 0), index=values.index)


def beneficiary_base(
    beneficiaries: pd.DataFrame, markets: pd.DataFrame, qpv: pd.DataFrame
) -> pd.DataFrame:
    """One row per person and year, without identifiers, with 0/1 flags and a geography.

    A person with several contracts in a year is counted once: profile fields are taken from
    the first contract where they are filled; the territory and project owner are those of
    the market where the person worked the most hours. Exit flags: ``sortie_dynamique`` is 1
    when at least one contract led to a dynamic exit, ``situation_connue`` when at least one
    situation is known.
    """
    columns = [
        "annee",
        "siren_epci",
        "code_departement",
        "maitre_ouvrage",
        "personne",
        "sortie_dynamique",
        "situation_connue",
    ]
    for code in PROFILE:
        columns += [f"{code}_n", f"{code}_d"]
    if beneficiaries.empty:
        return pd.DataFrame(columns=columns)
    geo = markets.sort_values("annee").drop_duplicates("id_marche", keep="last")[
        ["id_marche", "siren_epci", "maitre_ouvrage"]
    ]
    rows = beneficiaries.merge(geo, on="id_marche", how="left")
    situation = rows["situation_6_mois"].astype("string")
    rows["_dyn"] = situation.isin(DYNAMIC_EXITS).astype(float)
    rows["_known"] = (situation.notna() & (situation != UNKNOWN_SITUATION)).astype(float)
    rows["_hours"] = rows["heures_realisees"].astype("Float64").fillna(0)
    rows["_rank"] = string_rank(rows["id_personne"])
    rows = rows.sort_values(["annee", "_rank", "_hours"], ascending=[True, True, False])
    keys = ["annee", "_rank"]  # one rank per identifier: the same groups, integers to group by
    profile_cols = sorted({col for col, _ in PROFILE.values()})
    person = rows.groupby(keys, as_index=False, sort=False).agg(
        siren_epci=("siren_epci", "first"),
        maitre_ouvrage=("maitre_ouvrage", "first"),
        sortie_dynamique=("_dyn", "max"),
        situation_connue=("_known", "max"),
        **{c: (c, "first") for c in profile_cols},
    )
    person["personne"] = 1.0
    person["sortie_dynamique"] = person["sortie_dynamique"].where(person["situation_connue"] > 0)
    for code, (col, value) in PROFILE.items():
        known = person[col].notna()
        person[f"{code}_n"] = (person[col] == value).astype("Float64").where(known)
        person[f"{code}_d"] = known.astype(float)
    person = attach_epci_departement(person, qpv)
    return person[columns].reset_index(drop=True)


def beneficiary_indicators(
    beneficiaries: pd.DataFrame,
    markets: pd.DataFrame,
    qpv: pd.DataFrame,
    params: RunParams | None = None,
) -> pd.DataFrame:
    """Compute beneficiary counts and profile shares (raw values: apply disclosure control)."""
    base = beneficiary_base(beneficiaries, markets, qpv)
    return compute(base, select(axis=5, tags="beneficiaires"), params)


def situations_at_6_months(beneficiaries: pd.DataFrame) -> pd.DataFrame:
    """Contracts per year and situation at 6 months (raw counts: mask before showing)."""
    if beneficiaries.empty:
        return pd.DataFrame(columns=["annee", "situation_6_mois", "contrats"])
    situation = beneficiaries["situation_6_mois"].astype("string").fillna(UNKNOWN_SITUATION)
    return (
        beneficiaries.assign(situation_6_mois=situation)
        .groupby(["annee", "situation_6_mois"], as_index=False)
        .size()
        .rename(columns={"size": "contrats"})
    )


def situations_table(beneficiaries: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Contracts by situation at 6 months (rows) and year (columns), with a total row.

    Returns:
        Raw counts of contracts (mask before showing, e.g. ``show_people_table(...,
        total_row=TOTAL_LABEL)``).
    """
    long = situations_at_6_months(beneficiaries)
    long = long[long["annee"].isin(years)]
    if long.empty:
        return pd.DataFrame()
    table = long.pivot_table(
        index="situation_6_mois", columns="annee", values="contrats", aggfunc="sum", fill_value=0
    )
    order = [s for s in SITUATION_LABELS if s in table.index]
    table = table.reindex(order + [s for s in table.index if s not in order]).astype(float)
    table.index = [SITUATION_LABELS.get(s, s) for s in table.index]
    table.columns = [str(c) for c in table.columns]
    table.loc[TOTAL_LABEL] = table.sum(axis=0)
    table.index.name = "Situation 6 mois après le contrat"
    return table
