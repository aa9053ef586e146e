"""Sections of the cross-axis synthesis report, built from the axis reports' indicator tables."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators import REGISTRY, obligations
from qpv_analytics.labels import AXES, MISSING, axis_title
from qpv_analytics.report import receipts, reporting, sections, synthesis

EPCI_EXPORT = "synthese_epci"
"""Name of the exported count of targets met, missed and without data per EPCI."""


def no_results_notice(results: pd.DataFrame, rep: reporting.Report | None = None) -> None:
    """Say what to do when no axis report has exported its indicators for this run.

    With ``rep``, a publication without any partner data (a region publishing its context
    only) gets one sentence saying so instead of tables of « Sans donnée ».
    """
    if not results.empty and rep is not None and not rep.has_partner_data():
        years = rep.params.years
        reporting.notice(
            f"Aucune donnée des partenaires n'a été reçue pour {years[0]}–{years[-1]} : la "
            "synthèse des cibles, des territoires et des partenaires sera présentée dès "
            "réception. Seule la complétude des données reçues est présentée ci-dessous ; le "
            "rapport « Contexte des quartiers prioritaires » décrit les quartiers."
        )
    if results.empty:
        reporting.notice(
            "Aucun tableau d'indicateurs des rapports par axe n'a été trouvé pour cette "
            "exécution : la synthèse lit les indicateurs que ces rapports viennent de calculer, "
            "elle ne les recalcule pas. À faire : lancez « make reports » (qui exécute les "
            "rapports par axe puis cette synthèse), ou exécutez d'abord les notebooks des axes. "
            "Seule la complétude des données reçues est présentée ci-dessous."
        )


def targets_dashboard(rep: reporting.Report, card: pd.DataFrame) -> None:
    """Display the key figures, sentences and tables of the targets met where they bind."""
    annee = rep.annee
    counts = synthesis.status_counts(card)
    total = counts.sum()
    by_unit = synthesis.obligation_counts(card)
    reporting.key_figures(
        [sections.obligation_card(v, rep.params) for v in by_unit]
        + [
            (f"{total['atteint']} / {total['total']}", f"cibles atteintes en {annee}"),
            (str(total["non_atteint"] + total["partiel"]), "cibles non ou partiellement atteintes"),
            (str(total["sans_donnee"] + total["secret"]), "sans donnée publiable"),
        ]
    )
    without = [axis_title(a) for a in counts.index if counts.loc[a, "total"] == 0]
    text = (
        f"En {annee}, {total['atteint']} des {total['total']} indicateurs assortis d'une cible "
        f"l'atteignent là où elle s'applique, {total['partiel']} l'atteignent partiellement "
        f"et {total['non_atteint']} ne l'atteignent pas. Une cible qui engage chaque EPCI, "
        "bailleur, projet ou marché est jugée unité par unité : la valeur régionale n'est "
        "alors qu'un contexte, sans statut propre."
    )
    if without:
        text += f" Sans cible chiffrée : {', '.join(without)} (suivis ci-dessous sans statut)."
    reporting.paragraph(text)
    table = synthesis.format_status_counts(counts)
    reporting.show_table(
        table,
        caption=f"Nombre d'indicateurs assortis d'une cible par axe et par statut, jugés là où "
        f"la cible s'applique, {annee}",
        numeric=[c for c in table.columns if c != "Axe"],
    )
    reporting.show_table(
        synthesis.format_target_scorecard(card, annee).drop(columns="Rapport"),
        caption=f"Indicateurs assortis d'une cible, {annee} : valeurs régionales ({annee} et "
        f"{annee - 1}), unités qui atteignent la cible",
        numeric=[str(annee), str(annee - 1), "Cible"],
        status_col="Statut",
    )
    for verdict in card["jugement"]:
        if verdict.binds != "region":
            reporting.paragraph(sections.obligation_sentence(verdict, rep.params))
    rule = sections.status_rule([REGISTRY[c] for c in card["indicateur"]], rep.params)
    if rule:
        reporting.paragraph(rule)


def untargeted_tables(rep: reporting.Report, results: pd.DataFrame) -> None:
    """Display, axis by axis, the regional values of the indicators without a target."""
    annee = rep.annee
    free = synthesis.untargeted(results, annee)
    for axe in AXES:
        sub = free[free["axe"] == axe]
        if sub.empty:
            continue
        reporting.show_table(
            synthesis.format_untargeted(sub, annee).drop(columns="Rapport"),
            caption=f"{axis_title(axe)} — valeurs régionales",
            numeric=[str(annee), str(annee - 1), "Évolution"],
        )


def target_trends(rep: reporting.Report, results: pd.DataFrame, targets: dict) -> None:
    """Display, axis by axis, the regional values by year of the indicators with a target."""
    years = [a for a in rep.params.years if (results["annee"] == a).any()] or rep.params.years
    for axe in AXES:
        codes = [c for c in targets if REGISTRY[c].axis == axe]
        reporting.heading(axis_title(axe), level=3, axis=axe)
        if not codes:
            reporting.paragraph(
                "Pas d'indicateur assorti d'une cible sur cet axe : voir son rapport."
            )
            continue
        reporting.show_table(
            synthesis.trend_table(results, codes, years),
            caption=f"Valeurs régionales par année, {years[0]}–{years[-1]}",
            numeric=[str(a) for a in years] + ["Cible"],
        )
        by_unit = synthesis.verdict_trend_table(results, codes, years)
        if not by_unit.empty:
            reporting.show_table(
                by_unit,
                caption=f"Unités qui atteignent la cible là où elle s'applique, par année, "
                f"{years[0]}–{years[-1]}",
                numeric=[str(a) for a in years],
            )


def epci_section(rep: reporting.Report, results: pd.DataFrame, targets: dict) -> None:
    """Display the profile of each EPCI across the axes and export its count of targets met."""
    annee = rep.annee
    if not rep.epci_known:
        reporting.paragraph(
            "Les EPCI des quartiers prioritaires ne sont pas connus : la liste des QPV de cette "
            f"publication ({rep.qpv_source}) ne les donne pas. Aucun profil par EPCI n'est donc "
            "présenté, et aucune cible qui s'apprécie par EPCI n'est jugée."
        )
        return
    epcis = synthesis.epci_reference(rep.qpv).sort_values(["departement", "nom"], ignore_index=True)
    codes = [c for c in targets if obligations.judged_at(results, c, "epci")]
    counts = synthesis.epci_status_counts(results, annee, codes, epcis)
    assessed = counts[["atteint", "partiel", "non_atteint"]].sum(axis=1)
    all_met = int(((counts["atteint"] == assessed) & (assessed > 0)).sum())
    reporting.paragraph(
        f"{len(epcis)} EPCI ont un contrat de ville dans la région. Pour chacun, les {len(codes)} "
        f"indicateurs dont la cible s'apprécie par EPCI en {annee}, tous axes confondus (une cible "
        "qui s'apprécie par bailleur, projet ou marché n'est pas jugée sur le total d'un EPCI). "
        f"{all_met} EPCI atteignent toutes les cibles qui les concernent ; "
        f"{int((assessed == 0).sum())} n'ont aucun de ces indicateurs renseigné."
    )
    profile = synthesis.epci_profile(results, annee, codes, epcis)
    reporting.show_table(
        profile,
        caption=f"Indicateurs assortis d'une cible par EPCI, {annee} — "
        f"{synthesis.MARKS_LEGEND}, « – » non concerné ou sans donnée. « Atteintes » : cibles "
        "atteintes sur cibles renseignées",
        numeric=list(profile.columns[2:]),
    )
    export = counts.rename(
        columns={"code": "siren_epci", "nom": "nom_epci", "departement": "code_departement"}
    )
    export.insert(0, "annee", annee)
    rep.export_table(export, EPCI_EXPORT)


def completeness_section(rep: reporting.Report) -> None:
    """Display which partner tables arrived, and which landlords sent all of theirs."""
    annee = rep.annee
    received = receipts.data_completeness(rep)
    absent = received[received[f"Fichiers {annee}"] == MISSING]
    if not rep.has_partner_data():
        reporting.paragraph(
            f"Aucune des {len(received)} tables attendues des partenaires n'a été reçue pour "
            f"{rep.params.years[0]}–{annee} : leur liste, avec le contenu de chacune, est sur la "
            "page d'accueil de la publication (« Données reçues »)."
        )
        return
    reporting.paragraph(
        f"{len(received) - len(absent)} des {len(received)} tables attendues des partenaires ont "
        f"été reçues pour {annee}. Les producteurs sont comptés d'après la colonne qui identifie "
        "l'expéditeur de chaque table (bailleur, EPCI, maître d'ouvrage…)."
    )
    if not absent.empty:
        reporting.notice(f"Tables sans donnée {annee} : " + " ; ".join(absent["Table"]) + ".")
    reporting.show_table(
        received,
        caption=f"Tables reçues, fichiers et producteurs, {annee} et {annee - 1}",
        numeric=list(received.columns[2:5]),
    )
    matrix, complete = receipts.landlord_tables(rep)
    if matrix.empty:
        reporting.notice("Le registre des bailleurs est vide : pas de suivi par bailleur.")
        return
    reporting.paragraph(
        f"{complete} des {len(matrix)} bailleurs ont envoyé en {annee} toutes les tables "
        "qui leur sont demandées."
    )
    reporting.show_table(
        matrix,
        caption=f"Tables envoyées par chaque bailleur du registre, {annee}",
        numeric=list(matrix.columns[1:]),
    )


def method_tables(rep: reporting.Report, results: pd.DataFrame, card: pd.DataFrame) -> None:
    """Display the reports the figures come from and the origin of each target followed."""
    annee = rep.annee
    reporting.show_table(
        synthesis.sources_table(results, annee),
        caption="Rapports dont proviennent les chiffres de cette synthèse",
        numeric=["Indicateurs", f"Valeurs masquées {annee}"],
    )
    origins = [REGISTRY[c].target_source or MISSING for c in card["indicateur"]]
    rules = [reporting.target_rule(REGISTRY[c], rep.params) for c in card["indicateur"]]
    table = synthesis.format_target_scorecard(card, annee)[
        ["Axe", "Indicateur", "Cible", "Rapport"]
    ]
    reporting.show_table(
        table.assign(**{"Origine de la cible": origins, "Appréciation de la cible": rules}),
        caption="Cibles suivies et rapport qui calcule chaque indicateur",
    )


RULE_25_PCT = "attrib_part_hors_qpv_q1_pct"
"""The legal 25 % rule, judged on each EPCI (mapped by its status)."""
TFPB_VALUATION = "tfpb_taux_valorisation_pct"
"""TFPB valuation rate, mapped by class for each EPCI."""
TFPB_BOUNDS = (100.0, 125.0, 150.0)
"""Classes of the map of TFPB valuation rates (%); 100 % is the local target."""


def _epci_rows(results: pd.DataFrame, code: str, annee: int) -> pd.DataFrame:
    return results[
        (results["indicateur"] == code)
        & (results["niveau"] == "epci")
        & (results["annee"] == annee)
    ]


def epci_maps(rep: reporting.Report, results: pd.DataFrame) -> None:
    """Two maps of the EPCI: their standing on the 25 % rule, and their TFPB valuation rate.

    Each EPCI is a symbol at its contrat de ville's point (:mod:`~qpv_analytics.report.maps`);
    an EPCI without value, or whose value is masked, is drawn as « sans donnée ».
    """
    from qpv_analytics.report import maps

    if not rep.epci_known:
        return
    annee = rep.annee
    layers = maps.load_layers(
        rep.params.region,
        dict(zip(rep.qpv["code_qpv"], rep.qpv["siren_epci"], strict=True)),
        rep.paths,
    )
    sirens = sorted(set(rep.qpv["siren_epci"].dropna()))
    background = maps.BACKGROUND_SOURCE if layers.has_background else "sans fond"
    rule = REGISTRY[RULE_25_PCT]
    rows = _epci_rows(results, RULE_25_PCT, annee)
    known = {
        c: s
        for c, s, secret in zip(rows["code"], rows["statut"], rows["secret"], strict=True)
        if not secret and s in maps.STATUS_SYMBOLS
    }
    statuses = {s: known.get(s, "sans_donnee") for s in sirens}
    fig, counts, _ = maps.epci_status_map(
        layers,
        statuses,
        f"{rule.header} : règle des 25 % par EPCI, {annee}",
        "Statut de l'EPCI",
        "Sources : rapport « Discriminations » de cette publication (attributions des "
        f"bailleurs) ; points des contrats de ville 2024 (ANCT) ; {background}.",
    )
    counted = ", ".join(f"{n} EPCI {label}" for label, n in counts.items())
    reporting.show_map(
        maps.figure_html(
            fig,
            alt=f"Carte des {len(sirens)} EPCI à contrat de ville de la région, chacun marqué au "
            f"point de son contrat de ville selon qu'il atteint la règle des 25 % d'attributions "
            f"hors QPV au premier quartile en {annee} : {counted}.",
            caption="Disque vert : atteint ; triangle rouge : non atteint ; disque blanc : sans "
            "donnée ou valeur masquée. Le symbole est placé au point du contrat de ville (ANCT), "
            "ou au centre des QPV de l'EPCI quand le contrat est signé par une commune.",
        )
    )
    rows = _epci_rows(results, TFPB_VALUATION, annee)
    values = {
        c: (None if secret or pd.isna(v) else float(v))
        for c, v, secret in zip(rows["code"], rows["valeur"], rows["secret"], strict=True)
    }
    values = {s: values.get(s) for s in sirens}
    tfpb = REGISTRY[TFPB_VALUATION]
    fig, counts = maps.epci_value_map(
        layers,
        values,
        TFPB_BOUNDS,
        "%",
        f"{tfpb.header} par EPCI, {annee}",
        "Actions valorisées / abattement",
        f"Sources : rapport « GUSP et abattement de TFPB » de cette publication (bilans des "
        f"bailleurs) ; points des contrats de ville 2024 (ANCT) ; {background}.",
    )
    counted = ", ".join(f"{n} EPCI {label}" for label, n in counts.items() if n)
    reporting.show_map(
        maps.figure_html(
            fig,
            alt=f"Carte des EPCI de la région, chacun coloré selon le taux de valorisation de "
            f"l'abattement de TFPB de ses QPV en {annee} : {counted}.",
            caption="Classes : moins de 100 % (actions valorisées inférieures à l'abattement), "
            "100 à 125 %, 125 à 150 %, 150 % et plus ; la cible locale est de 100 %. La cible "
            "engage chaque bailleur : la valeur d'un EPCI décrit l'ensemble de ses bailleurs.",
        )
    )
