"""The input tables: every table declared once (loaders, validation, demo, docs derive from it)."""

from __future__ import annotations

from qpv_analytics.contract.schema import Column, Plausibility, Rule, Table
from qpv_analytics.contract.vocabularies import (
    AXES_TFPB,
    NATURES_RU,
    SITUATIONS_6_MOIS,
    TYPES_EVENEMENT,
    TYPES_MARCHE,
    TYPES_ORGANISATION,
)
from qpv_analytics.geography import DEPARTEMENT_PATTERN, QPV_PATTERN, SIREN_PATTERN
from qpv_analytics.labels import AXES


def _annee(description: str = "Année de référence des données.") -> Column:
    return Column("annee", "entier", description, unit="année", min=2000, max=2100)


def _qpv(description: str = "Code du quartier prioritaire (QPV).", **kw) -> Column:
    return Column("code_qpv", "code", description, pattern=QPV_PATTERN, references="qpv", **kw)


def _epci(description: str = "SIREN de l'EPCI (9 chiffres).", **kw) -> Column:
    return Column(
        "siren_epci", "code", description, pattern=SIREN_PATTERN, width=9, references="epci", **kw
    )


def _bailleur(description: str = "Nom du bailleur social.", **kw) -> Column:
    return Column("bailleur", "texte", description, references="bailleur", **kw)


def _count(name: str, description: str, unit: str = "nombre", **kw) -> Column:
    return Column(name, "entier", description, unit=unit, min=0, **kw)


def _euros(name: str, description: str, **kw) -> Column:
    return Column(name, "decimal", description, unit="€", min=0, **kw)


def _pct(name: str, description: str, **kw) -> Column:
    return Column(name, "decimal", description, unit="%", min=0, max=100, **kw)


_PARTICIPANTS = tuple(
    _count(f"participants_{t}", f"Participants : {t.replace('_', ' ')}.", unit="personnes")
    for t in TYPES_ORGANISATION
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            name="qpv",
            title="Référentiel des quartiers prioritaires",
            grain="QPV × commune",
            description="Liste officielle des QPV (géographie 2024, ANCT), filtrée sur la région.",
            reference=True,
            key=("code_qpv", "code_commune"),
            columns=(
                Column("code_qpv", "code", "Code du QPV.", pattern=QPV_PATTERN),
                Column("nom_qpv", "texte", "Nom du QPV."),
                Column("code_commune", "code", "Code INSEE de la commune.", width=5),
                Column("nom_commune", "texte", "Nom de la commune."),
                _epci("SIREN de l'EPCI porteur du contrat de ville (le premier si plusieurs)."),
                Column("siren_epci_tous", "texte", "Tous les EPCI du QPV, séparés par « ; »."),
                Column("nom_epci", "texte", "Nom de l'EPCI ou du contrat de ville."),
                Column(
                    "code_departement",
                    "code",
                    "Code du département.",
                    width=2,
                    pattern=DEPARTEMENT_PATTERN,
                ),
                Column("code_region", "code", "Code INSEE de la région.", width=2),
                Column(
                    "geographie",
                    "code",
                    "Version de la géographie prioritaire.",
                    allowed=("2015", "2024"),
                ),
            ),
        ),
        Table(
            name="contexte",
            title="Indicateurs de contexte par QPV",
            grain="QPV × millésime",
            description=(
                "Indicateurs INSEE / SIG Ville par QPV. Une cellule vide est un secret "
                "statistique ou une donnée absente : jamais un zéro."
            ),
            reference=True,
            key=("code_qpv", "annee", "source"),
            columns=(
                _qpv(),
                _annee("Millésime de l'indicateur."),
                Column("source", "texte", "Source et millésime du fichier importé."),
                _count(
                    "population_municipale",
                    "Population municipale.",
                    unit="habitants",
                    required=False,
                ),
                _pct(
                    "taux_pauvrete_60_pct",
                    "Taux de pauvreté au seuil de 60 % du revenu médian.",
                    required=False,
                ),
                _pct("taux_emploi_15_64_pct", "Taux d'emploi des 15–64 ans.", required=False),
                _count(
                    "demandeurs_emploi_abcde",
                    "Demandeurs d'emploi inscrits (cat. A, B, C, D, E).",
                    unit="personnes",
                    required=False,
                ),
                _euros(
                    "revenu_median_declare_uc_eur",
                    "Revenu déclaré médian par unité de consommation.",
                    required=False,
                ),
                _euros(
                    "revenu_median_disponible_uc_eur",
                    "Revenu disponible médian par unité de consommation.",
                    required=False,
                ),
                Column(
                    "nombre_menages",
                    "decimal",
                    "Nombre de ménages (estimation).",
                    unit="ménages",
                    min=0,
                    required=False,
                ),
                _count(
                    "nombre_logements_sociaux",
                    "Logements sociaux.",
                    unit="logements",
                    required=False,
                ),
                _pct("taux_logements_sociaux_pct", "Part des logements sociaux.", required=False),
                _pct("taux_bas_revenus_pct", "Taux de bas revenus.", required=False),
                _pct(
                    "part_emploi_precaire_pct",
                    "Part des emplois précaires parmi les personnes en emploi.",
                    required=False,
                ),
                _count(
                    "allocataires_caf",
                    "Foyers allocataires d'au moins une prestation CAF.",
                    unit="foyers",
                    required=False,
                ),
                _count(
                    "personnes_couvertes_caf",
                    "Personnes couvertes par au moins une prestation CAF.",
                    unit="personnes",
                    required=False,
                ),
                Column(
                    "indice_jeunesse",
                    "decimal",
                    "Indice de jeunesse (moins de 20 ans / 60 ans et plus).",
                    min=0,
                    required=False,
                ),
            ),
        ),
        Table(
            name="territoires",
            title="Indicateurs des territoires englobants (INSEE)",
            grain="territoire × source",
            description=(
                "Valeurs publiées par l'INSEE pour les communes, EPCI, départements et régions "
                "autour des QPV (comparateur de territoires, Filosofi), une ligne par territoire "
                "et par source déclarée. Une cellule vide ou marquée « s » est un secret "
                "statistique ou une donnée absente : jamais un zéro."
            ),
            reference=True,
            key=("niveau", "code_territoire", "source"),
            columns=(
                Column(
                    "niveau",
                    "code",
                    "Niveau du territoire.",
                    allowed=("commune", "epci", "departement", "region", "france"),
                ),
                Column("code_territoire", "code", "Code INSEE du territoire (SIREN pour un EPCI)."),
                Column("nom_territoire", "texte", "Nom du territoire.", required=False),
                Column("source", "texte", "Source déclarée (fichier INSEE et millésime)."),
                _annee("Millésime des valeurs de la ligne."),
                Column(
                    "geographie",
                    "code",
                    "Millésime de la géographie des codes (EPCI : 2019 ou 2024).",
                    required=False,
                ),
                Column(
                    "derive",
                    "booleen",
                    "Valeur calculée par le projet depuis d'autres territoires (pas publiée "
                    "telle quelle par l'INSEE).",
                ),
                _count(
                    "population_municipale",
                    "Population municipale.",
                    unit="habitants",
                    required=False,
                ),
                Column(
                    "personnes_menages_fiscaux",
                    "decimal",
                    "Personnes des ménages fiscaux (Filosofi).",
                    unit="personnes",
                    min=0,
                    required=False,
                ),
                _pct(
                    "taux_pauvrete_60_pct",
                    "Taux de pauvreté au seuil de 60 % du revenu médian.",
                    required=False,
                ),
                _euros(
                    "revenu_median_disponible_uc_eur",
                    "Revenu disponible médian par unité de consommation.",
                    required=False,
                ),
                Column(
                    "population_15_64",
                    "decimal",
                    "Population de 15 à 64 ans (recensement, effectif pondéré).",
                    unit="habitants",
                    min=0,
                    required=False,
                ),
                Column(
                    "actifs_15_64",
                    "decimal",
                    "Actifs de 15 à 64 ans (recensement, effectif pondéré).",
                    unit="personnes",
                    min=0,
                    required=False,
                ),
                Column(
                    "chomeurs_15_64",
                    "decimal",
                    "Chômeurs de 15 à 64 ans au sens du recensement (effectif pondéré).",
                    unit="personnes",
                    min=0,
                    required=False,
                ),
            ),
        ),
        Table(
            name="bailleurs",
            title="Registre des bailleurs sociaux",
            grain="bailleur",
            description=(
                "Liste des bailleurs partenaires tenue par l'équipe, avec les variantes de nom "
                "rencontrées dans les fichiers reçus."
            ),
            key=("bailleur",),
            columns=(
                Column("bailleur", "texte", "Nom de référence du bailleur."),
                Column(
                    "type_bailleur",
                    "code",
                    "Famille du bailleur.",
                    allowed=("OPH", "ESH", "SEM", "COOP"),
                ),
                Column(
                    "variantes_nom",
                    "texte",
                    "Autres graphies du nom, séparées par « | ».",
                    required=False,
                ),
            ),
        ),
        Table(
            name="evenements",
            title="Activité partenariale (réseaux, co-formations, formations)",
            grain="événement",
            description=(
                "Réunions de réseau, co-formations, formations, webinaires, visites, publications."
            ),
            key=("id_evenement",),
            producer="organisateur",
            columns=(
                Column("id_evenement", "code", "Identifiant de l'événement."),
                _annee(),
                Column("date_evenement", "date", "Date de l'événement."),
                Column("axe", "entier", "Axe de la feuille de route (1 à 6).", allowed=tuple(AXES)),
                Column("type_evenement", "code", "Type d'événement.", allowed=TYPES_EVENEMENT),
                Column("intitule", "texte", "Intitulé."),
                Column("organisateur", "texte", "Organisateur (IREV, URH, bailleur, EPCI…)."),
                Column(
                    "territoire",
                    "code",
                    "Territoire : SIREN de l'EPCI, code département ou « region ».",
                    required=False,
                ),
                Column(
                    "duree_heures",
                    "decimal",
                    "Durée.",
                    unit="heures",
                    min=0,
                    max=200,
                    required=False,
                ),
                *_PARTICIPANTS,
                _count(
                    "organisations_distinctes",
                    "Nombre d'organisations distinctes représentées.",
                    unit="organisations",
                ),
            ),
        ),
        Table(
            name="bonnes_pratiques",
            title="Catalogue des bonnes pratiques",
            grain="pratique",
            description="Pratiques repérées par le réseau, à valoriser dans les rapports.",
            key=("id_pratique",),
            producer="porteurs",
            columns=(
                Column("id_pratique", "code", "Identifiant de la pratique."),
                _annee(),
                Column("axe", "entier", "Axe de la feuille de route (1 à 6).", allowed=tuple(AXES)),
                Column("titre", "texte", "Titre."),
                Column("territoire", "texte", "Territoire (commune, EPCI, QPV)."),
                Column("porteurs", "texte", "Porteurs de l'action."),
                Column("resume", "texte", "Résumé."),
                Column("facteurs_cles_succes", "texte", "Facteurs clés de succès."),
                Column("ecueils", "texte", "Écueils et risques, sans concession.", required=False),
            ),
        ),
        Table(
            name="ru_operations",
            title="Opérations de renouvellement urbain (NPNRU)",
            grain="opération × année",
            description="Avancement des opérations par nature, coûts et subventions ANRU.",
            axis=1,
            key=("id_operation", "annee"),
            producer="maitre_ouvrage",
            rules=(
                Rule(
                    "logements_engages",
                    "logements_programmes",
                    "les logements engagés dépassent les logements programmés",
                ),
                Rule(
                    "logements_livres",
                    "logements_engages",
                    "les logements livrés dépassent les logements engagés",
                ),
                Rule(
                    "logements_reconstitues_hors_qpv",
                    "logements_programmes",
                    "les logements reconstitués hors QPV dépassent les logements programmés",
                ),
                Rule(
                    "subvention_anru_eur",
                    "cout_total_eur",
                    "la subvention ANRU dépasse le coût total",
                ),
            ),
            columns=(
                Column("id_operation", "code", "Identifiant de l'opération."),
                _annee(),
                _qpv("QPV du projet."),
                Column("maitre_ouvrage", "texte", "Maître d'ouvrage."),
                Column("nature", "code", "Nature de l'opération.", allowed=NATURES_RU),
                _count("logements_programmes", "Logements programmés.", unit="logements"),
                _count("logements_engages", "Logements engagés (cumul).", unit="logements"),
                _count("logements_livres", "Logements livrés (cumul).", unit="logements"),
                _count(
                    "logements_reconstitues_hors_qpv",
                    "Dont logements reconstitués hors QPV (reconstitution).",
                    unit="logements",
                    required=False,
                ),
                _euros(
                    "cout_total_eur",
                    "Coût total de l'opération.",
                    plausible=Plausibility(
                        "_cout_eur_par_logement",
                        "coût de l'opération par logement programmé",
                        min=1_000,
                        max=400_000,
                        unit="€/logement",
                        per="logements_programmes",
                    ),
                ),
                _euros("subvention_anru_eur", "Subvention ANRU."),
            ),
        ),
        Table(
            name="ru_relogements",
            title="Relogements de ménages (NPNRU)",
            grain="ménage relogé",
            description="Parcours résidentiels des ménages relogés. Données personnelles.",
            axis=1,
            key=("id_menage",),
            producer="bailleur",
            personal=True,
            columns=(
                Column("id_menage", "code", "Identifiant pseudonyme du ménage.", identifier=True),
                _annee("Année du relogement."),
                _qpv("QPV d'origine.", required=True),
                _bailleur("Bailleur qui reloge."),
                Column(
                    "type_destination",
                    "code",
                    "Logement d'arrivée.",
                    allowed=("neuf_moins_5_ans", "parc_existant"),
                ),
                Column("hors_qpv", "booleen", "Relogé hors QPV."),
                Column(
                    "evolution_reste_a_charge_eur_mois",
                    "decimal",
                    "Évolution du reste à charge (après – avant).",
                    unit="€/mois",
                    min=-2000,
                    max=2000,
                    required=False,
                ),
                _count(
                    "taille_menage",
                    "Nombre de personnes du ménage.",
                    unit="personnes",
                    plausible=Plausibility(
                        "_taille_menage", "taille du ménage", min=1, max=15, unit="personnes"
                    ),
                ),
                Column(
                    "quartile_revenus",
                    "entier",
                    "Quartile de revenus du ménage.",
                    allowed=(1, 2, 3, 4),
                    required=False,
                ),
            ),
        ),
        Table(
            name="tfpb_abattement",
            title="Abattement de TFPB",
            grain="bailleur × QPV × année",
            description="Logements concernés et montant de l'abattement de 30 % de la TFPB.",
            axis=2,
            key=("annee", "bailleur", "code_qpv"),
            producer="bailleur",
            columns=(
                _annee(),
                _bailleur(),
                _qpv(),
                _count(
                    "logements_concernes", "Logements concernés par l'abattement.", unit="logements"
                ),
                _euros(
                    "montant_abattement_eur",
                    "Montant de l'abattement.",
                    plausible=Plausibility(
                        "_abattement_eur_par_logement",
                        "abattement par logement",
                        min=20,
                        max=2000,
                        unit="€/logement",
                        per="logements_concernes",
                    ),
                ),
            ),
        ),
        Table(
            name="tfpb_actions",
            title="Actions valorisées en contrepartie de l'abattement TFPB",
            grain="action",
            description="Actions du bailleur, rattachées à un des 8 axes du cadre national.",
            axis=2,
            key=("id_action",),
            producer="bailleur",
            columns=(
                Column("id_action", "code", "Identifiant de l'action."),
                _annee(),
                _bailleur(),
                _qpv(),
                Column(
                    "axe_tfpb", "entier", "Axe du cadre national (1 à 8).", allowed=tuple(AXES_TFPB)
                ),
                Column("intitule", "texte", "Intitulé de l'action."),
                _euros("montant_valorise_eur", "Montant valorisé."),
                _euros(
                    "cofinancement_eur",
                    "Cofinancements obtenus.",
                    required=False,
                    plausible=Plausibility(
                        "_part_cofinancement_pct",
                        "cofinancement rapporté au montant valorisé",
                        max=500,
                        unit="%",
                        per="montant_valorise_eur",
                        factor=100,
                    ),
                ),
            ),
        ),
        Table(
            name="gusp",
            title="Gestion urbaine et sociale de proximité",
            grain="QPV × année",
            description="Conventions GUSP, diagnostics en marchant, comités de pilotage.",
            axis=2,
            key=("annee", "code_qpv"),
            producer="siren_epci",
            columns=(
                _annee(),
                _qpv(),
                _epci(),
                Column("convention_gusp_signee", "booleen", "Convention GUSP signée."),
                _count("diagnostics_en_marchant", "Diagnostics en marchant réalisés."),
                _count("comites_pilotage", "Comités de pilotage réunis."),
            ),
        ),
        Table(
            name="attributions",
            title="Attributions de logements sociaux",
            grain="EPCI × bailleur × année",
            description=(
                "Attributions hors QPV et en QPV, par quartile de revenus "
                "(loi Égalité et Citoyenneté)."
            ),
            axis=3,
            key=("annee", "siren_epci", "bailleur"),
            producer="bailleur",
            rules=(
                Rule(
                    "attributions_hors_qpv_q1",
                    "attributions_hors_qpv",
                    "les attributions hors QPV au 1er quartile dépassent les attributions hors QPV",
                ),
                Rule(
                    "attributions_qpv_q234",
                    "attributions_qpv",
                    "les attributions en QPV aux quartiles 2 à 4 dépassent les attributions en QPV",
                ),
            ),
            columns=(
                _annee(),
                _epci(),
                _bailleur(),
                _count(
                    "attributions_hors_qpv",
                    "Attributions de logements situés hors QPV.",
                    unit="attributions",
                ),
                _count(
                    "attributions_hors_qpv_q1",
                    "Dont demandeurs du 1er quartile ou relogés du renouvellement urbain.",
                    unit="attributions",
                ),
                _count(
                    "attributions_qpv",
                    "Attributions de logements situés en QPV.",
                    unit="attributions",
                ),
                _count(
                    "attributions_qpv_q234",
                    "Dont demandeurs des quartiles 2 à 4.",
                    unit="attributions",
                ),
            ),
        ),
        Table(
            name="clauses_marches",
            title="Marchés avec clauses d'insertion",
            grain="marché × année",
            description="Heures totales et heures d'insertion prévues et réalisées.",
            axis=5,
            key=("id_marche", "annee"),
            producer="maitre_ouvrage",
            rules=(
                Rule(
                    "heures_insertion_realisees",
                    "heures_totales",
                    "les heures d'insertion réalisées dépassent les heures totales",
                ),
                Rule(
                    "heures_insertion_prevues",
                    "heures_totales",
                    "les heures d'insertion prévues dépassent les heures totales",
                ),
            ),
            columns=(
                Column("id_marche", "code", "Identifiant du marché."),
                _annee(),
                Column("maitre_ouvrage", "texte", "Maître d'ouvrage."),
                Column("type_marche", "code", "Type de marché.", allowed=TYPES_MARCHE),
                _qpv("QPV concerné (si le marché en concerne un).", required=False),
                _epci(),
                Column(
                    "heures_totales",
                    "decimal",
                    "Heures travaillées sur le marché.",
                    unit="heures",
                    min=0,
                ),
                Column(
                    "heures_insertion_prevues",
                    "decimal",
                    "Heures d'insertion prévues.",
                    unit="heures",
                    min=0,
                ),
                Column(
                    "heures_insertion_realisees",
                    "decimal",
                    "Heures d'insertion réalisées.",
                    unit="heures",
                    min=0,
                    plausible=Plausibility(
                        "_part_insertion_realisee_pct",
                        "part des heures d'insertion dans les heures totales",
                        max=60,
                        unit="%",
                        per="heures_totales",
                        factor=100,
                    ),
                ),
            ),
        ),
        Table(
            name="clauses_beneficiaires",
            title="Bénéficiaires des clauses d'insertion",
            grain="bénéficiaire × contrat",
            description="Profil et situation à 6 mois des bénéficiaires. Données personnelles.",
            axis=5,
            key=("id_personne", "id_marche", "annee"),
            producer="id_marche",
            personal=True,
            columns=(
                Column(
                    "id_personne", "code", "Identifiant pseudonyme de la personne.", identifier=True
                ),
                Column("id_marche", "code", "Identifiant du marché."),
                _annee(),
                Column("resident_qpv", "booleen", "Réside en QPV."),
                _qpv("QPV de résidence.", required=False),
                Column("sexe", "code", "Sexe.", allowed=("F", "H")),
                Column(
                    "tranche_age",
                    "code",
                    "Tranche d'âge.",
                    allowed=("moins_26", "26_49", "50_plus"),
                ),
                Column(
                    "niveau_qualification",
                    "code",
                    "Niveau de qualification.",
                    allowed=("infra_cap", "cap_bep", "bac", "superieur"),
                ),
                Column(
                    "statut_entree",
                    "code",
                    "Statut à l'entrée.",
                    allowed=(
                        "de_longue_duree",
                        "rsa",
                        "jeune_sans_qualification",
                        "travailleur_handicape",
                        "autre",
                    ),
                ),
                Column(
                    "heures_realisees",
                    "decimal",
                    "Heures réalisées.",
                    unit="heures",
                    min=0,
                    plausible=Plausibility(
                        "_heures_par_personne_et_an",
                        "heures d'une personne dans l'année, tous contrats confondus : au plus "
                        "une année à temps plein",
                        max=1607,  # legal working time of a full-time year
                        unit="heures",
                        total_by=("id_personne", "annee"),
                    ),
                ),
                Column(
                    "situation_6_mois",
                    "code",
                    "Situation 6 mois après le contrat.",
                    allowed=SITUATIONS_6_MOIS,
                ),
            ),
        ),
        Table(
            name="numerique",
            title="Inclusion numérique par QPV",
            grain="QPV × année",
            description="Lieux de médiation, conseillers numériques et fibre.",
            axis=6,
            key=("annee", "code_qpv"),
            producer="code_qpv",
            columns=(
                _annee(),
                _qpv(),
                _count(
                    "lieux_mediation",
                    "Lieux de médiation numérique dans ou à proximité du QPV.",
                    unit="lieux",
                ),
                _count(
                    "conseillers_numeriques",
                    "Conseillers numériques intervenant dans le QPV.",
                    unit="conseillers",
                ),
                _pct(
                    "couverture_fibre_pct",
                    "Part des logements raccordables à la fibre.",
                    required=False,
                ),
            ),
        ),
        Table(
            name="numerique_bailleurs",
            title="Services numériques des bailleurs",
            grain="bailleur × année",
            description="Demandes en ligne, extranet locataire.",
            axis=6,
            key=("annee", "bailleur"),
            producer="bailleur",
            columns=(
                _annee(),
                _bailleur(),
                _pct(
                    "part_demandes_en_ligne_pct",
                    "Part des demandes des locataires faites en ligne.",
                ),
                Column("extranet_locataire", "booleen", "Extranet locataire en service."),
            ),
        ),
        Table(
            name="projets_innovation",
            title="Projets d'innovation",
            grain="projet × année",
            description="Projets d'innovation des partenaires, par axe, porteur, statut et budget.",
            axis=6,
            key=("id_projet", "annee"),
            producer="porteur",
            columns=(
                Column("id_projet", "code", "Identifiant du projet."),
                _annee(),
                Column("axe", "entier", "Axe de la feuille de route (1 à 6).", allowed=tuple(AXES)),
                Column("porteur", "texte", "Porteur du projet."),
                Column("intitule", "texte", "Intitulé."),
                Column(
                    "statut",
                    "code",
                    "Statut.",
                    allowed=("idee", "en_cours", "termine", "abandonne"),
                ),
                _euros("budget_eur", "Budget.", required=False),
            ),
        ),
    )
}
"""Every table of the contract, by name."""

PARTNER_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.reference)
"""Tables sent by partners (read from ``data/raw/<table>/``)."""


def get_table(name: str) -> Table:
    """Return the table called ``name`` or raise a French error listing the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise KeyError(f"Table inconnue « {name} » : tables du contrat : {known}.") from None


def tables_for_axis(axis: int) -> list[Table]:
    """Return the partner tables of one roadmap axis."""
    return [t for t in TABLES.values() if t.axis == axis]
