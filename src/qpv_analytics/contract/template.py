"""Excel template of a partner table: its sheets and example row (skipped when loaded)."""

from __future__ import annotations

import datetime as dt

from qpv_analytics.contract.schema import Column, Table

DESCRIPTION_SHEET = "description"
"""Sheet of a template describing each column."""

REGISTRY_SHEET = "registre_bailleurs"
"""Sheet of a template listing the registry's landlords, behind the landlord drop-down."""

LISTS_SHEET = "listes"
"""Hidden sheet of a template holding the values behind its drop-down lists."""

TEMPLATE_SHEETS = frozenset({DESCRIPTION_SHEET, REGISTRY_SHEET, LISTS_SHEET})
"""Sheets of a template that never hold data (the data sheet is named after the table)."""

ExampleValue = str | int | float | bool | dt.date
"""A typed example cell: text, whole number, decimal, yes/no or date."""

EXAMPLE_YEAR = 2025
"""Year of the example rows (any year of the contract's range would do)."""

EXAMPLE_QPV = "QN99901A"
"""A QPV code of the right form that no quartier has (department 999): never real data."""

EXAMPLE_SIREN = "200099999"
"""An EPCI SIREN of the right form that no EPCI has."""

EXAMPLE_LANDLORD = "Exemple Habitat"
"""A landlord name that no registry holds."""

EXAMPLES: dict[str, ExampleValue] = {
    "variantes_nom": "EXEMPLE HABITAT | Exemple Hab.",
    "date_evenement": dt.date(EXAMPLE_YEAR, 3, 14),
    "intitule": "Exemple : réunion du réseau GUSP",
    "organisateur": "IREV",
    "territoire": "region",
    "duree_heures": 3.5,
    "participants_bailleurs": 12,
    "participants_collectivites": 8,
    "participants_etat": 2,
    "participants_associations": 5,
    "participants_habitants": 0,
    "participants_autres": 1,
    "organisations_distinctes": 14,
    "titre": "Exemple : une bourse inter-bailleurs pour le relogement",
    "porteurs": "Exemple Habitat, Ville d'Exemple",
    "resume": "Exemple : les bailleurs mettent en commun les logements libérés.",
    "facteurs_cles_succes": "Un comité de suivi mensuel.",
    "ecueils": "Des délais de remise en location.",
    "maitre_ouvrage": "Ville d'Exemple",
    "porteur": "Ville d'Exemple",
    "logements_programmes": 120,
    "logements_engages": 80,
    "logements_livres": 40,
    "logements_reconstitues_hors_qpv": 30,
    "cout_total_eur": 2_450_000.5,
    "subvention_anru_eur": 980_000.0,
    "evolution_reste_a_charge_eur_mois": -12.5,
    "taille_menage": 3,
    "logements_concernes": 450,
    "montant_abattement_eur": 112_500.0,
    "montant_valorise_eur": 15_000.0,
    "cofinancement_eur": 2_500.0,
    "diagnostics_en_marchant": 4,
    "comites_pilotage": 2,
    "attributions_hors_qpv": 210,
    "attributions_hors_qpv_q1": 38,
    "attributions_qpv": 160,
    "attributions_qpv_q234": 85,
    "heures_totales": 12_000.0,
    "heures_insertion_prevues": 840.0,
    "heures_insertion_realisees": 910.5,
    "heures_realisees": 455.0,
    "lieux_mediation": 3,
    "conseillers_numeriques": 2,
    "couverture_fibre_pct": 87.5,
    "part_demandes_en_ligne_pct": 42.5,
    "budget_eur": 35_000.0,
}
"""Example of the columns whose kind alone would give a poor or inconsistent example."""


def example_value(col: Column) -> ExampleValue:
    """Return the example cell of one column: declared above, else derived from the contract."""
    if col.name in EXAMPLES:
        return EXAMPLES[col.name]
    if col.allowed:
        return col.allowed[0]
    if col.name == "annee":
        return EXAMPLE_YEAR
    if col.references == "qpv":
        return EXAMPLE_QPV
    if col.references == "epci":
        return EXAMPLE_SIREN
    if col.references == "bailleur" or col.name == "bailleur":
        return EXAMPLE_LANDLORD
    if col.kind == "booleen":
        return True
    if col.kind == "date":
        return dt.date(EXAMPLE_YEAR, 1, 15)
    if col.kind == "entier":
        return 10
    if col.kind == "decimal":
        return 1_234.5
    if col.kind == "code":
        return f"EX-{col.name.removeprefix('id_').upper()}-001"
    return f"Exemple : {col.description.rstrip('.').lower()}"


def example_row(table: Table) -> dict[str, ExampleValue]:
    """Return the example row of a table: one value per column, optional columns included."""
    return {col.name: example_value(col) for col in table.columns}
