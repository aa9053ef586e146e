"""Sections of the axes on people and services: trainings (4), insertion (5), digital (6)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics import disclosure, formatting, indicators
from qpv_analytics.disclosure.indicator_tables import thresholds
from qpv_analytics.disclosure.suppression import suppression_pattern
from qpv_analytics.indicators import axe4, axe5, axe6
from qpv_analytics.ingest import reference
from qpv_analytics.report import reporting, sections

# --- Axis 4: laïcité trainings --------------------------------------------------------------


def training_coverage_sentence(public: pd.DataFrame, annee: int) -> None:
    """Display how many EPCI with a contrat de ville hosted a training session."""
    row = sections.region_row(public, "laicite_couverture_epci_pct", annee)
    if row is None:
        return
    without = int(row["denominateur"] - row["numerateur"])
    reporting.paragraph(
        f"En {annee}, {formatting.number(row['numerateur'])} EPCI sur "
        f"{formatting.number(row['denominateur'])} porteurs d'un QPV ont accueilli une session sur "
        f"leur territoire ; {without} n'en ont accueilli aucune (les sessions départementales ou "
        "régionales leur restent ouvertes mais ne sont attribuées à aucun EPCI)."
    )


def _shared_masks(
    rep: reporting.Report,
    by_type: pd.DataFrame,
    by_territory: pd.DataFrame,
    forced_territory: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Cells to mask in both training tables so that they hide the same year's totals by type.

    The year's column of the table by type and year is the total row of the table by territory
    and type: a type masked in one is masked in the other, until both are stable.
    """
    threshold, _ = thresholds(rep.params)
    year, total = str(rep.annee), sections.TOTAL_LABEL
    forced_type: set[tuple[str, str]] = set()
    forced_terr = set(forced_territory)
    shared = [t for t in by_territory.columns if t != total and t in by_type.index]
    while True:
        size = len(forced_type) + len(forced_terr)
        if year in by_type.columns:
            pattern = suppression_pattern(
                by_type, threshold, total_row=total, forced=sorted(forced_type)
            )
            forced_terr |= {(total, t) for t in shared if pattern.loc[t, year]}
        pattern = suppression_pattern(
            by_territory, threshold, total_row=total, total_col=total, forced=sorted(forced_terr)
        )
        if year in by_type.columns:
            forced_type |= {(t, year) for t in shared if pattern.loc[total, t]}
        if len(forced_type) + len(forced_terr) == size:
            return sorted(forced_type), sorted(forced_terr)


def training_tables(
    rep: reporting.Report, public: pd.DataFrame, events: pd.DataFrame, names: dict
) -> None:
    """Display the people trained by type of organisation, by department and by EPCI, masked.

    Both tables are masked together (their cells on the publication year agree), and the
    departments' totals follow the masks of the exported count of people trained.
    """
    annee = rep.annee
    by_type = axe4.trained_by_type_table(events, rep.params.years)
    by_territory = axe4.trained_by_territory_table(
        events, rep.qpv, annee, "departement", names["departement"]
    )
    forced_type: list[tuple[str, str]] = []
    forced_territory: list[tuple[str, str]] = []
    # A department's total is its count of people trained in the indicator file.
    links = {"laicite_personnes_formees": sections.TOTAL_LABEL}
    if not by_territory.empty:
        forced_territory = sections.linked_cells(public, by_territory, links, "departement", annee)
        if not by_type.empty:
            forced_type, forced_territory = _shared_masks(
                rep, by_type, by_territory, forced_territory
            )
    if by_type.empty:
        reporting.notice("Aucune session de formation de l'axe n'a été déclarée sur la période.")
    else:
        sections.show_people_table(
            by_type,
            "Personnes formées par type d'organisation et par année",
            rep.params,
            total_row=sections.TOTAL_LABEL,
            forced=forced_type,
        )
    if not by_territory.empty:
        sections.show_people_table(
            by_territory,
            f"Personnes formées en {annee}, par département et type d'organisation",
            rep.params,
            total_row=sections.TOTAL_LABEL,
            total_col=sections.TOTAL_LABEL,
            forced=forced_territory,
            indicators=list(links),
        )
    codes = ["laicite_sessions", "laicite_heures", "laicite_personnes_formees"]
    by_epci = sections.wide_level_table(public, codes, "epci", annee)
    if not by_epci.empty:
        reporting.show_table(
            by_epci,
            caption=f"Formations rattachées à un EPCI, {annee} (s : secret statistique ; les "
            "sessions départementales et régionales comptent dans les totaux mais pas ici)",
            numeric=[indicators.REGISTRY[c].label for c in codes],
        )


def valued_level_table(public: pd.DataFrame, code: str, level: str, annee: int) -> pd.DataFrame:
    """:func:`reporting.level_table` of the rows that have a value."""
    return reporting.level_table(public.dropna(subset=["valeur"]), code, level, annee)


def training_completeness(events: pd.DataFrame, annee: int) -> str:
    """Completeness of the year's training sessions (French sentence)."""
    sessions = axe4.training_sessions(events)
    year = sessions[sessions["annee"] == annee]
    no_duration = int(year["duree_heures"].isna().sum())
    located = int(year["territoire"].astype("string").str.fullmatch(r"\d{9}").fillna(False).sum())
    return (
        f"Complétude {annee} : {len(year)} sessions déclarées, dont {located} rattachées à un "
        f"EPCI ; {no_duration} session(s) sans durée renseignée, exclue(s) du total des heures "
        "(jamais comptée(s) comme zéro)."
    )


# --- Axis 5: insertion clauses --------------------------------------------------------------


def markets_scope(markets: pd.DataFrame, annee: int) -> None:
    """Display how many markets with a clause, project owners and EPCI are followed."""
    year = markets[markets["annee"] == annee]
    if year.empty:
        return
    reporting.paragraph(
        f"En {annee}, {year['id_marche'].nunique()} marchés avec clause d'insertion de "
        f"{year['maitre_ouvrage'].nunique()} maîtres d'ouvrage sont suivis dans "
        f"{year['siren_epci'].nunique()} EPCI."
    )


def _hours(markets: pd.DataFrame, annee: int) -> pd.DataFrame:
    hours = axe5.hours_by_market_type(markets)
    return hours[hours["annee"] == annee]


def hours_sentence(markets: pd.DataFrame, annee: int) -> None:
    """Display the insertion hours of each type of market against its target."""
    parts = []
    for _, h in _hours(markets, annee).iterrows():
        code = axe5.RATE_BY_MARKET.get(h["type_marche"], "clauses_taux_insertion_autre_pct")
        ind = indicators.REGISTRY[code]
        target = (
            f" pour une cible de {formatting.percent(ind.target, 0)}"
            if ind.target is not None
            else ""
        )
        parts.append(
            f"{h['libelle']} : {formatting.number(h['heures_insertion_realisees'])} heures "
            f"d'insertion sur {formatting.number(h['heures_totales'])} heures travaillées, soit "
            f"{formatting.percent(h['taux_insertion_pct'])}{target}"
        )
    if parts:
        reporting.paragraph(f"En {annee}, " + " ; ".join(parts) + ".")


def show_clause_trend(public: pd.DataFrame, code: str) -> None:
    """Display the regional trend of an insertion rate with its target."""
    ind = indicators.REGISTRY[code]
    sections.show_trend(
        public,
        [code],
        f"{ind.label} (région)",
        target=ind.target,
        alt=f"Courbe de l'indicateur « {ind.label} » par année, avec la cible de "
        f"{formatting.percent(ind.target, 0)} en pointillés.",
    )


def hours_table(markets: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Insertion hours by type of market for one year, formatted."""
    year = _hours(markets, annee)
    return pd.DataFrame(
        {
            "Type de marché": year["libelle"],
            "Marchés": [formatting.number(x) for x in year["marches"]],
            "Heures travaillées": [formatting.number(x) for x in year["heures_totales"]],
            "Heures d'insertion prévues": [
                formatting.number(x) for x in year["heures_insertion_prevues"]
            ],
            "Heures d'insertion réalisées": [
                formatting.number(x) for x in year["heures_insertion_realisees"]
            ],
            "Part des heures en insertion": [
                formatting.percent(x) for x in year["taux_insertion_pct"]
            ],
            "Réalisées / prévues": [formatting.percent(x) for x in year["taux_realisation_pct"]],
        }
    )


def situations_section(rep: reporting.Report, beneficiaries: pd.DataFrame) -> None:
    """Display the contracts by situation six months after, counts masked."""
    situations = axe5.situations_table(beneficiaries, rep.params.years)
    if not situations.empty:
        sections.show_people_table(
            situations,
            "Contrats par situation du bénéficiaire six mois après le contrat",
            rep.params,
            total_row=sections.TOTAL_LABEL,
        )


def exits_by_owner(public: pd.DataFrame, annee: int) -> None:
    """Display the dynamic exits by project owner, or say why they cannot be published."""
    ind = indicators.REGISTRY["clauses_part_sorties_dynamiques_pct"]
    rows = public[
        (public["indicateur"] == ind.code)
        & (public["niveau"] == "maitre_ouvrage")
        & (public["annee"] == annee)
    ]
    shown = rows.dropna(subset=["valeur"])
    if len(shown) >= 3:
        sections.show_bars(
            public,
            ind.code,
            "maitre_ouvrage",
            annee,
            f"{ind.label}, par maître d'ouvrage, {annee}",
            alt=f"Barres horizontales triées de la part de sorties dynamiques par maître d'ouvrage "
            f"en {annee}.",
        )
    elif not rows.empty and shown.empty:
        reporting.paragraph(
            f"Aucune part de sorties dynamiques par maître d'ouvrage n'est publiable en {annee} : "
            "chacun compte trop peu de bénéficiaires (secret statistique). La part régionale et "
            "celle des départements figurent plus haut."
        )
    elif not shown.empty:
        reporting.paragraph(
            f"La part de sorties dynamiques n'est publiable que pour {len(shown)} maîtres "
            f"d'ouvrage en {annee} ({', '.join(shown['nom'])}) : les autres comptent trop peu de "
            "bénéficiaires (secret statistique)."
        )


def clauses_completeness(
    rep: reporting.Report, public: pd.DataFrame, markets: pd.DataFrame, beneficiaries: pd.DataFrame
) -> str:
    """Completeness of the year's markets and beneficiaries (French sentence)."""
    annee, thresholds = rep.annee, rep.params.confidentialite
    year = beneficiaries[beneficiaries["annee"] == annee]
    unmatched = int((~year["id_marche"].isin(markets["id_marche"])).sum())
    known = public[
        (public["indicateur"] == "clauses_part_sorties_dynamiques_pct")
        & (public["niveau"] == "region")
        & (public["annee"] == annee)
    ]
    count = reporting.value_of(public, "clauses_beneficiaires", annee)
    known_text = " Les situations inconnues sont exclues du calcul des sorties dynamiques."
    if not known.empty and count and pd.notna(known["denominateur"].iloc[0]):
        share = disclosure.mask_rate(
            known["denominateur"].iloc[0],
            count,
            thresholds.seuil_base_taux,
            thresholds.seuil_effectif,
        )
        if share is not None:
            known_text = (
                f" La situation à six mois est connue pour {formatting.percent(share * 100)} des "
                "bénéficiaires ; les situations inconnues sont exclues du calcul des sorties "
                "dynamiques."
            )
    owners = markets.loc[markets["annee"] == annee, "maitre_ouvrage"].nunique()
    return (
        f"Complétude {annee} : {owners} maîtres d'ouvrage ont déclaré des marchés ; "
        + (
            "tous les contrats de bénéficiaires sont rattachés à un marché déclaré."
            if unmatched == 0
            else "une partie des contrats de bénéficiaires renvoie à un marché non déclaré : ils "
            "comptent dans la région mais dans aucun territoire."
        )
        + known_text
    )


# --- Axis 6: digital inclusion and innovation -----------------------------------------------


def digital_scope(rep: reporting.Report, digital: pd.DataFrame, landlords: pd.DataFrame) -> None:
    """Display how many QPV and landlords described their digital offer this year."""
    annee = rep.annee
    year = digital[digital["annee"] == annee]
    if year.empty:
        return
    blank = int(year["couverture_fibre_pct"].isna().sum())
    reporting.paragraph(
        f"En {annee}, {year['code_qpv'].nunique()} QPV sur {rep.qpv['code_qpv'].nunique()} sont "
        f"décrits ; la couverture en fibre n'est pas renseignée pour {blank} d'entre eux (cases "
        "laissées vides, jamais comptées comme zéro). "
        f"{landlords.loc[landlords['annee'] == annee, 'bailleur'].nunique()} bailleurs ont décrit "
        "leurs services en ligne."
    )


def advisers_by_epci(public: pd.DataFrame, annee: int) -> None:
    """Display the EPCI below the regional rate of digital advisers, with the bars by EPCI."""
    code = "num_conseillers_10000_hab"
    epci = sections.level_rows(public, code, "epci", annee)
    if epci.empty:
        return
    region = reporting.value_of(public, code, annee)
    below = epci[epci["valeur"] < region] if region is not None else epci.iloc[0:0]
    reporting.paragraph(
        f"{len(below)} EPCI sur {len(epci)} ont moins de conseillers numériques par habitant des "
        f"QPV que la moyenne régionale ({formatting.number(region, 1)} pour 10 000 habitants) en "
        f"{annee}."
    )
    sections.show_bars(
        public,
        code,
        "epci",
        annee,
        f"Conseillers numériques pour 10 000 habitants des QPV, par EPCI, {annee}",
        target=region,
        target_label="Moyenne régionale",
        alt=f"Barres horizontales triées du nombre de conseillers numériques pour 10 000 "
        f"habitants des QPV par EPCI en {annee}, avec la moyenne régionale en pointillés.",
    )


def lowest_fibre_table(public: pd.DataFrame, qpv: pd.DataFrame, annee: int) -> None:
    """Display the 10 QPV with the lowest fibre coverage (QPV without a rate left out)."""
    low = sections.level_rows(public, "num_couverture_fibre_pct", "qpv", annee)
    low = low.nsmallest(10, "valeur")
    if low.empty:
        return
    communes = reference.qpv_list(qpv).set_index("code_qpv")["communes"]
    reporting.show_table(
        pd.DataFrame(
            {
                "QPV": low["nom"].to_numpy(),
                "Commune(s)": [communes.get(c, "") for c in low["code"]],
                "Logements raccordables à la fibre": [
                    formatting.percent(x) for x in low["valeur"].astype(float)
                ],
            }
        ),
        caption=f"Les 10 QPV les moins couverts en fibre, {annee} (QPV sans taux renseigné exclus)",
        numeric=["Logements raccordables à la fibre"],
    )


def innovation_section(public: pd.DataFrame, projects: pd.DataFrame, annee: int) -> None:
    """Display the innovation projects of the year by roadmap axis and status."""
    summary = axe6.innovation_summary(projects, annee)
    if summary.empty:
        reporting.notice(f"Aucun projet d'innovation n'a été déclaré pour {annee}.")
        return
    by_axis = summary.groupby(["axe", "libelle_axe"], as_index=False)["projets"].sum()
    first = by_axis.sort_values("projets", ascending=False).iloc[0]
    ongoing = int(summary.loc[summary["statut"] == "en_cours", "projets"].sum())
    budget = reporting.value_of(public, "num_budget_innovation_eur", annee)
    reporting.paragraph(
        f"En {annee}, {int(summary['projets'].sum())} projets d'innovation sont recensés, dont "
        f"{ongoing} en cours ; l'axe le plus représenté est « {first['libelle_axe']} » "
        f"({int(first['projets'])} projets). Budget renseigné total : {formatting.euros(budget)}."
    )
    axes = zip(summary["axe"], summary["libelle_axe"], strict=True)
    reporting.show_table(
        pd.DataFrame(
            {
                "Axe": [f"{a}. {lib}" for a, lib in axes],
                "Statut": summary["libelle_statut"],
                "Projets": [formatting.number(x) for x in summary["projets"]],
                "Budget renseigné": [formatting.euros(x) for x in summary["budget_eur"]],
                "Projets avec budget": [formatting.number(x) for x in summary["budget_renseigne"]],
            }
        ),
        caption=f"Projets d'innovation par axe de la feuille de route et par statut, {annee}",
        numeric=["Projets", "Budget renseigné", "Projets avec budget"],
    )


def advisers_section(public: pd.DataFrame, advisers: pd.DataFrame, names: dict) -> None:
    """Display the real public file of France Services digital advisers, by department."""
    year = axe6.ADVISERS_YEAR
    codes = indicators.codes(axis=6, tags="conseillers")
    regional = public[public["indicateur"].isin(codes) & (public["niveau"] == "region")]
    if advisers.empty or regional.empty:
        reporting.notice(
            "Le fichier public des conseillers numériques ne contient aucune structure d'accueil "
            "pour cette région."
        )
        return
    total = reporting.value_of(public, "num_cnfs_conseillers", year)
    share = reporting.value_of(public, "num_cnfs_part_structures_qpv_pct", year)
    reporting.paragraph(
        f"Contrairement au reste de ce rapport, ces chiffres sont réels : selon le fichier public "
        f"de l'ANCT (état {year}), {len(advisers)} structures de la région accueillaient "
        f"{formatting.number(total)} postes de conseillers numériques France Services, dont "
        f"{formatting.percent(share)} dans une structure située en quartier prioritaire."
    )
    dep = axe6.advisers_by_departement(advisers)
    posts = zip(dep["conseillers_qpv"], dep["conseillers"], strict=True)
    reporting.show_table(
        pd.DataFrame(
            {
                "Département": [names["departement"].get(c, c) for c in dep["code_departement"]],
                "Structures d'accueil": [formatting.number(x) for x in dep["structures"]],
                "dont structures en QPV": [formatting.number(x) for x in dep["structures_qpv"]],
                "Postes de conseillers": [formatting.number(x) for x in dep["conseillers"]],
                "dont postes en QPV": [formatting.number(x) for x in dep["conseillers_qpv"]],
                "Part des postes en QPV": [
                    formatting.percent(q / t * 100 if t else None) for q, t in posts
                ],
            }
        ),
        caption="Conseillers numériques France Services par département (données publiques "
        f"réelles, {year})",
        numeric=[
            "Structures d'accueil",
            "dont structures en QPV",
            "Postes de conseillers",
            "dont postes en QPV",
            "Part des postes en QPV",
        ],
    )


def digital_completeness(
    rep: reporting.Report, digital: pd.DataFrame, population: pd.DataFrame
) -> str:
    """Completeness of the year's digital descriptions and of the QPV population (French)."""
    annee = rep.annee
    year = digital[digital["annee"] == annee]
    if population.empty:
        text = (
            "la population des QPV n'est pas disponible : les indicateurs pour 10 000 habitants "
            "ne sont pas calculés."
        )
    else:
        vintages = sorted(population["millesime"].dropna().astype(int).unique())
        known = population.loc[population["annee"] == annee, "code_qpv"]
        unknown = year.loc[~year["code_qpv"].isin(known), "code_qpv"]
        text = (
            "la population municipale des QPV vient de la table de contexte (millésime(s) "
            f"{', '.join(str(m) for m in vintages)}, le plus récent jusqu'à l'année observée) ; "
            f"{unknown.nunique()} QPV sans population connue sont exclus des indicateurs pour "
            "10 000 habitants et de la moyenne pondérée de la fibre."
        )
    return (
        f"Complétude {annee} : {year['code_qpv'].nunique()} QPV décrits sur "
        f"{rep.qpv['code_qpv'].nunique()} ; " + text
    )
