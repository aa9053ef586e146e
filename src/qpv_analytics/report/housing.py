"""Sections of the housing axes: urban renewal (1), TFPB and GUSP (2), social allocations (3)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics import disclosure, formatting, indicators
from qpv_analytics.indicators import axe1, perimeters
from qpv_analytics.report import charts, reporting, sections

# --- Axis 1: urban renewal ------------------------------------------------------------------


def renewal_scope(rep: reporting.Report, operations: pd.DataFrame) -> None:
    """Display how many operations, project owners and QPV are followed in the year."""
    ops = operations[operations["annee"] == rep.annee]
    if ops.empty:
        return
    reporting.paragraph(
        f"En {rep.annee}, {ops['id_operation'].nunique()} opérations de "
        f"{ops['maitre_ouvrage'].nunique()} maîtres d'ouvrage sont suivies dans "
        f"{ops['code_qpv'].nunique()} QPV (sur {rep.qpv['code_qpv'].nunique()} QPV de la région)."
    )


def reconstitution_sentence(public: pd.DataFrame, annee: int) -> None:
    """Display the regional « one for one » balance of rebuilt and demolished housing."""
    row = sections.region_row(public, "ru_taux_reconstitution_pct", annee)
    if row is None:
        reporting.notice(
            f"Aucune démolition programmée n'a été déclarée pour {annee} : le ratio de "
            "reconstitution n'est pas calculable."
        )
        return
    lacking = row["denominateur"] - row["numerateur"]
    outcome = (
        "la règle du « un pour un » est respectée à l'échelle régionale."
        if lacking <= 0
        else f"il manque {formatting.number(lacking)} logements reconstitués pour respecter la "
        "règle du « un pour un »."
    )
    reporting.paragraph(
        f"{formatting.number(row['numerateur'])} logements sociaux reconstitués sont programmés "
        f"pour {formatting.number(row['denominateur'])} logements démolis "
        f"({formatting.percent(row['valeur'])}) : {outcome}"
    )


def nature_table(operations: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Housing programmed, started and delivered by nature of operation, formatted."""
    nat = axe1.operations_by_nature(operations)
    nat = nat[nat["annee"] == annee]
    return pd.DataFrame(
        {
            "Nature": nat["libelle"],
            "Opérations": [formatting.number(x) for x in nat["operations"]],
            "Programmés": [formatting.number(x) for x in nat["logements_programmes"]],
            "Engagés": [formatting.number(x) for x in nat["logements_engages"]],
            "Livrés": [formatting.number(x) for x in nat["logements_livres"]],
            "Taux d'avancement": [formatting.percent(x) for x in nat["taux_livraison_pct"]],
            "Coût total": [formatting.euros(x) for x in nat["cout_total_eur"]],
            "Subvention ANRU": [formatting.euros(x) for x in nat["subvention_anru_eur"]],
        }
    )


def rehousing_tables(
    rep: reporting.Report, public: pd.DataFrame, rehousing: pd.DataFrame, names: dict
) -> None:
    """Display the households rehoused by department and by landlord, counts masked."""
    annee = rep.annee
    table = axe1.rehousing_table(rehousing, rep.qpv, annee, "departement", names["departement"])
    if len(table) > 1:
        # The share rehoused in new housing is Neuf / Total of the row, the count is its Total:
        # where the indicator file masks them, the table masks the cells they come from, and
        # where it shows them, the table never hides those cells to protect another one.
        links = {
            "ru_part_relogement_neuf_pct": axe1.DESTINATION_LABELS["neuf_moins_5_ans"],
            "ru_menages_reloges": sections.TOTAL_LABEL,
        }
        sections.show_people_table(
            table,
            f"Ménages relogés en {annee}, par département d'origine et logement d'arrivée",
            rep.params,
            total_row=sections.TOTAL_LABEL,
            total_col=sections.TOTAL_LABEL,
            forced=sections.linked_cells(public, table, links, "departement", annee),
            published=sections.linked_cells(
                public, table, links, "departement", annee, secret=False
            ),
            indicators=list(links),
        )
    else:
        reporting.notice(f"Aucun relogement déclaré pour {annee}.")
    codes = indicators.codes(axis=1, tags="relogement")
    sections.show_table_or_notice(
        sections.wide_level_table(public, codes, "bailleur", annee),
        caption=f"Relogements par bailleur, {annee} (s : secret statistique)",
        empty=f"Aucun relogement par bailleur à présenter pour {annee}.",
        numeric=[indicators.REGISTRY[c].label for c in codes],
    )


def rest_to_pay_sentence(public: pd.DataFrame, annee: int) -> None:
    """Display the average change of the rent left to pay by rehoused households."""
    change = reporting.value_of(public, "ru_evolution_reste_a_charge_eur_mois", annee)
    if change is None:
        return
    trend = "une hausse" if change > 0 else "une baisse" if change < 0 else "une stabilité"
    reporting.paragraph(
        f"En {annee}, le reste à charge des ménages relogés évolue en moyenne de "
        f"{formatting.with_unit(change, '€/mois')} ({trend}), sur les ménages dont l'évolution "
        "est renseignée."
    )


def renewal_completeness(
    rep: reporting.Report, operations: pd.DataFrame, rehousing: pd.DataFrame
) -> str:
    """Completeness of the year's declarations of operations and rehousing (French sentence)."""
    annee, thresholds = rep.annee, rep.params.confidentialite
    ops = operations[operations["annee"] == annee]
    rebuilt = ops[ops["nature"] == "reconstitution"]
    unlocated = int(rebuilt["logements_reconstitues_hors_qpv"].isna().sum())
    owners_before = operations.loc[operations["annee"] == annee - 1, "maitre_ouvrage"].nunique()
    year = rehousing[rehousing["annee"] == annee]
    share = disclosure.mask_rate(
        year["evolution_reste_a_charge_eur_mois"].notna().sum(),
        len(year),
        thresholds.seuil_base_taux,
        thresholds.seuil_effectif,
    )
    rest = (
        f"{formatting.percent(share * 100)} des ménages relogés en {annee} ont une évolution du "
        "reste à charge renseignée"
        if share is not None
        else f"la part des ménages relogés en {annee} dont l'évolution du reste à charge est "
        "renseignée n'est pas publiable"
    )
    return (
        f"Complétude {annee} : {ops['maitre_ouvrage'].nunique()} maîtres d'ouvrage ont déclaré des "
        f"opérations ({owners_before} en {annee - 1}) ; {unlocated} opération(s) de "
        f"reconstitution sur {len(rebuilt)} ne précisent pas la part reconstituée hors QPV et "
        f"sont exclues de cet indicateur ; {rest}. Une valeur absente n'est jamais comptée "
        "comme un zéro."
    )


# --- Axis 2: TFPB and GUSP ------------------------------------------------------------------


def year_rows(table: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Rows of a partner table for one year."""
    return table[table["annee"] == annee]


TFPB_UNITS = "couples bailleur × QPV"
"""French name of the units of the TFPB ratios."""


def tfpb_perimeter(
    abattement: pd.DataFrame, actions: pd.DataFrame, qpv: pd.DataFrame, code: str
) -> pd.DataFrame:
    """Per year, the landlord × QPV pairs a TFPB ratio keeps and those it leaves out.

    The ratio counts only the pairs that declared both files, while the published totals add
    every declaration (see :func:`perimeters.ratio_perimeter`).
    """
    return perimeters.ratio_perimeter(
        indicators.tfpb_base(abattement, actions, qpv),
        code,
        ["bailleur", "code_qpv"],
        {
            "montant_valorise_eur": "QPV sans actions déclarées",
            "montant_abattement_eur": "QPV sans abattement déclaré",
            "logements_concernes": "QPV sans logements déclarés",
        },
    )


def perimeter_table(perimeter: pd.DataFrame, code: str) -> None:
    """Display, per year, how many units a ratio keeps and which ones it leaves out."""
    if perimeter.empty or not perimeter["ecartees"].any():
        return
    table = pd.DataFrame(
        {
            "Année": perimeter["annee"].astype(str),
            "Couples déclarés": [formatting.number(v) for v in perimeter["unites"]],
            "Couples retenus": [formatting.number(v) for v in perimeter["retenues"]],
            "Couples écartés": [formatting.number(v) for v in perimeter["ecartees"]],
            "Écartés (bailleur, motif)": perimeter["detail"].replace("", "aucun"),
        }
    )
    reporting.show_table(
        table,
        caption=f"Périmètre de l'indicateur « {indicators.REGISTRY[code].label} », par année : "
        "seuls les couples bailleur × QPV qui ont déclaré les deux côtés du rapport sont retenus, "
        "alors que les totaux publiés additionnent toutes les déclarations",
        numeric=["Couples déclarés", "Couples retenus", "Couples écartés"],
    )


def references_table(public: pd.DataFrame, codes: list[str], annee: int) -> pd.DataFrame:
    """Regional value of some indicators beside their public references, with the gap.

    The gap of a rate is a difference of rates: it is printed in points, never in %.
    """
    rows = []
    for code in codes:
        ind = indicators.REGISTRY[code]
        value = reporting.value_of(public, code, annee)
        for source, ref in ind.references.items():
            gap = None if value is None else value - ref
            rows.append(
                {
                    "Indicateur": ind.label,
                    "Référence": source,
                    "Valeur de référence": formatting.with_unit(ref, ind.unit),
                    f"Région {annee}": formatting.with_unit(value, ind.unit),
                    "Écart": formatting.points(gap)
                    if ind.unit == "%"
                    else formatting.with_unit(gap, ind.unit),
                }
            )
    return pd.DataFrame(rows)


def tfpb_axes_section(actions: pd.DataFrame, annee: int) -> None:
    """Display how the valued amount splits between the 8 axes of the TFPB framework."""
    axes = indicators.tfpb_by_axis(actions)
    year = axes[axes["annee"] == annee].sort_values("montant_valorise_eur", ascending=False)
    if year.empty:
        reporting.notice(f"Aucune action valorisée déclarée pour {annee} : pas de répartition.")
        return
    table = pd.DataFrame(
        {
            "Axe": [
                f"{a}. {lib}" for a, lib in zip(year["axe_tfpb"], year["libelle_axe"], strict=True)
            ],
            "Montant valorisé": [formatting.euros(x) for x in year["montant_valorise_eur"]],
            "Part": [formatting.percent(x) for x in year["part_pct"]],
        }
    )
    reporting.show_table(
        table,
        caption=f"Répartition du montant valorisé entre les 8 axes, {annee}",
        numeric=["Montant valorisé", "Part"],
    )
    first = year.iloc[0]
    reporting.paragraph(
        f"L'axe le plus mobilisé est « {first['libelle_axe']} » avec "
        f"{formatting.percent(first['part_pct'])} du montant valorisé."
    )
    fig = charts.bars_with_target(
        year.assign(nom=year["libelle_axe"]),
        "nom",
        "part_pct",
        "%",
        f"Part de chaque axe dans le montant valorisé, {annee}",
    )
    reporting.show_figure(
        fig, alt="Barres horizontales de la part de chacun des 8 axes dans le montant valorisé."
    )


def gusp_section(rep: reporting.Report, public: pd.DataFrame, gusp: pd.DataFrame) -> None:
    """Display the share of QPV under a GUSP agreement, regionally and by EPCI."""
    annee = rep.annee
    code = "gusp_part_qpv_convention_pct"
    rows = public[
        (public["indicateur"] == code) & (public["niveau"] == "region") & (public["annee"] == annee)
    ]
    if rows.empty:
        reporting.notice(f"Aucune donnée GUSP reçue pour {annee}.")
        return
    row = rows.iloc[0]
    coverage = indicators.completeness(rep.qpv["code_qpv"], year_rows(gusp, annee)["code_qpv"])
    reporting.paragraph(
        f"En {annee}, {formatting.number(row['numerateur'])} QPV sur "
        f"{formatting.number(row['denominateur'])} renseignés ont une convention GUSP signée "
        f"({formatting.percent(row['valeur'])}). Les données couvrent "
        f"{formatting.percent(coverage)} des QPV de la région."
    )
    reporting.show_table(
        reporting.level_table(public, code, "epci", annee),
        caption=f"Part des QPV renseignés couverts par une convention GUSP, par EPCI, {annee}",
        numeric=[indicators.REGISTRY[code].label],
        status_col="Statut",
    )


# --- Axis 3: allocations --------------------------------------------------------------------


def allocation_scope(rep: reporting.Report, allocations: pd.DataFrame) -> None:
    """Display how many landlords declared allocations in how many EPCI."""
    year = year_rows(allocations, rep.annee)
    if year.empty:
        return
    reporting.paragraph(
        f"En {rep.annee}, {year['bailleur'].nunique()} bailleurs ont déclaré leurs attributions "
        f"dans {year['siren_epci'].nunique()} EPCI (sur {rep.qpv['siren_epci'].nunique()} EPCI "
        "de la région porteurs d'un QPV)."
    )


def allocation_rule_section(
    public: pd.DataFrame, code: str, target: float | None, annee: int
) -> None:
    """Display how many EPCI meet one allocation rule, the farthest one and the bars by EPCI."""
    ind = indicators.REGISTRY[code]
    epci = sections.level_rows(public, code, "epci", annee)
    below = epci[epci["statut"] != "atteint"].sort_values("valeur")
    text = (
        f"{len(epci) - len(below)} EPCI sur {len(epci)} atteignent "
        f"{formatting.percent(target, 0)} pour l'indicateur « {ind.label} » en {annee}."
    )
    if not below.empty:
        text += (
            f" Le plus éloigné de la cible : {below['nom'].iloc[0]} "
            f"({formatting.percent(below['valeur'].iloc[0])})."
        )
    if not epci.empty:
        reporting.paragraph(text)
    sections.show_bars(
        public,
        code,
        "epci",
        annee,
        f"{ind.label}, par EPCI, {annee}",
        target=target,
        alt=f"Barres horizontales triées de l'indicateur « {ind.label} » par EPCI en {annee}, "
        "avec la cible en pointillés ; les barres claires sont sous la cible.",
    )


def allocation_rules_table(public: pd.DataFrame, annee: int) -> None:
    """Display both allocation rules side by side for every EPCI."""
    valued = public.dropna(subset=["valeur"])
    q1, q234 = "attrib_part_hors_qpv_q1_pct", "attrib_part_qpv_q234_pct"
    table = reporting.level_table(valued, q1, "epci", annee).rename(
        columns={"Statut": "Statut (25 %)"}
    )
    other = reporting.level_table(valued, q234, "epci", annee).rename(
        columns={"Statut": "Statut (objectif QPV)"}
    )
    sections.show_table_or_notice(
        table.merge(other, on="EPCI", how="outer"),
        caption=f"Respect des deux règles d'attribution par EPCI (ordre alphabétique), {annee}",
        empty=f"Aucune attribution par EPCI à présenter pour {annee}.",
        status_col="Statut (25 %)",
        numeric=[indicators.REGISTRY[q1].label, indicators.REGISTRY[q234].label],
    )


def allocation_completeness(rep: reporting.Report, allocations: pd.DataFrame) -> str:
    """Completeness of the year's allocation declarations (French sentence)."""
    annee, qpv = rep.annee, rep.qpv
    year = year_rows(allocations, annee)
    coverage = indicators.completeness(qpv["siren_epci"], year["siren_epci"])
    before = allocations.loc[allocations["annee"] == annee - 1, "bailleur"].nunique()
    outside = sorted(set(year["siren_epci"].dropna()) - set(qpv["siren_epci"]))
    return (
        f"Complétude {annee} : les déclarations couvrent {formatting.percent(coverage)} des EPCI "
        f"de la région porteurs d'un QPV ; {year['bailleur'].nunique()} bailleurs ont déclaré "
        f"({before} en {annee - 1})."
        + (
            f" {len(outside)} EPCI déclaré(s) hors du référentiel des QPV comptent dans la valeur "
            "régionale mais pas dans les départements."
            if outside
            else ""
        )
    )
