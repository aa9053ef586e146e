"""Invented, reproducible demo data for every partner table, written like partners' CSV exports."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from qpv_analytics.config import DEMO_MARKER, Paths, get_paths
from qpv_analytics.contract import (
    PARTNER_TABLES,
    TABLES,
    TYPES_ORGANISATION,
    Column,
    Table,
)
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.ingest.loaders import SUFFIXES
from qpv_analytics.ingest.reference import (
    CONTEXT_2024_FILE,
    QPV_2024_FILE,
    qpv_reference,
    region_code,
    regions,
)
from qpv_analytics.quality.model import DataError

SEED = 20190621
"""Seed of the single random generator: the same files, byte for byte, on every run."""

FIRST_YEAR, LAST_YEAR = 2021, 2025
"""Default years of demo data."""

VARIANT_SHARE = 0.03
"""Share of rows naming their landlord with a variant spelling (harmonised by the loader)."""

SINGLE_FILE_TABLES = ("bailleurs", "bonnes_pratiques")
"""Tables written as one file ``<table>/<table>.csv`` rather than one file per year."""

KEPT_FILES = ("README.md",)
"""Files that may already sit in ``data/raw/`` when the demo is generated."""

Row = dict[str, object]
Rng = np.random.Generator

# ---------------------------------------------------------------------------------------------
# Invented landlords
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Landlord:
    """An invented social landlord."""

    nom: str
    type_bailleur: str
    variantes: tuple[str, ...]
    rangs: tuple[int, ...]
    """Departments where it owns stock, as ranks of the region's departments by number of QPV
    (0 = the department with most QPV), so that the same registry fits any region."""
    taux_valorisation: float
    """Target ratio valued / abatement (below 1 for the landlords that value too little)."""


_LANDLORDS: tuple[_Landlord, ...] = (
    _Landlord(
        "Habitat des Beffrois (fictif)",
        "OPH",
        ("Hab. des Beffrois", "HABITAT DES BEFFROIS"),
        (0,),
        1.40,
    ),
    _Landlord("Logis de l'Opale (fictif)", "ESH", ("Logis de l Opale", "LOGIS OPALE"), (1,), 1.45),
    _Landlord("Toits du Hainaut (fictif)", "ESH", ("Toits du Hainaut",), (0,), 1.38),
    _Landlord(
        "Maisons de la Deûle (fictif)",
        "ESH",
        ("Maisons de la Deule", "Mais. de la Deûle", "Maisons Deûle"),
        (0,),
        0.88,
    ),
    _Landlord(
        "Office des Terrils (fictif)", "OPH", ("Office des Terrils", "OFFICE TERRILS"), (1, 0), 1.36
    ),
    _Landlord(
        "Foyers de la Lys (fictif)", "COOP", ("Foyers de la Lys", "Foyers Lys"), (0, 1), 1.50
    ),
    _Landlord(
        "Moulins de Flandre Habitat (fictif)",
        "ESH",
        ("Moulins de Flandre", "MdF Habitat"),
        (0,),
        1.55,
    ),
    _Landlord(
        "Résidences de l'Escaut (fictif)",
        "SEM",
        ("Residences de l'Escaut", "Résidences Escaut"),
        (0,),
        0.92,
    ),
    _Landlord(
        "Cités de la Sambre (fictif)", "OPH", ("Cites de la Sambre", "CITES SAMBRE"), (0,), 1.36
    ),
    _Landlord(
        "Logis des Marais (fictif)",
        "ESH",
        ("Logis des Marais", "Logis Marais Audomarois"),
        (1,),
        1.40,
    ),
    _Landlord(
        "Toits du Bassin minier (fictif)",
        "ESH",
        ("Toits du Bassin Minier", "TBM (fictif)"),
        (1, 0),
        0.85,
    ),
    _Landlord(
        "Habitat des Hortillonnages (fictif)",
        "OPH",
        ("Habitat Hortillonnages", "HABITAT DES HORTILLONNAGES"),
        (4,),
        1.33,
    ),
    _Landlord("Logis de la Baie (fictif)", "ESH", ("Logis de la Baie", "Logis Baie"), (4, 1), 1.47),
    _Landlord(
        "Maisons du Valois (fictif)", "ESH", ("Maisons du Valois", "Maisons Valois"), (2,), 1.39
    ),
    _Landlord(
        "Logis du Beauvaisis (fictif)",
        "OPH",
        ("Logis du Beauvaisis", "LOGIS BEAUVAISIS"),
        (2,),
        1.44,
    ),
    _Landlord(
        "Foyers de la Thiérache (fictif)",
        "OPH",
        ("Foyers de la Thierache", "Foyers Thiérache"),
        (3,),
        0.94,
    ),
    _Landlord(
        "Habitat du Vermandois (fictif)",
        "ESH",
        ("Habitat Vermandois", "HABITAT DU VERMANDOIS"),
        (3, 4),
        1.37,
    ),
    _Landlord(
        "Coopérative des Trois Vallées (fictif)",
        "COOP",
        ("Coop. des Trois Vallées", "Cooperative des 3 Vallees"),
        (2, 3),
        1.52,
    ),
    _Landlord(
        "Résidences du Littoral (fictif)",
        "SEM",
        ("Residences du Littoral", "Résidences Littoral"),
        (1, 0),
        1.41,
    ),
    _Landlord(
        "Logis de la Scarpe (fictif)",
        "ESH",
        ("Logis de la Scarpe", "LOGIS SCARPE", "Logis Scarpe-Escaut"),
        (0, 1),
        1.46,
    ),
)
_NB_RANGS = 1 + max(r for landlord in _LANDLORDS for r in landlord.rangs)
_BY_NAME = {landlord.nom: landlord for landlord in _LANDLORDS}


# ---------------------------------------------------------------------------------------------
# Texts (French: they appear in the published reports)
# ---------------------------------------------------------------------------------------------

_TFPB_WEIGHTS = {1: 0.30, 2: 0.03, 3: 0.25, 4: 0.10, 5: 0.10, 6: 0.05, 7: 0.10, 8: 0.07}
"""Share of the actions on each axis of the national TFPB framework."""

_TFPB_LABELS: dict[int, tuple[str, ...]] = {
    1: (
        "Gardiennage renforcé en soirée",
        "Médiateurs de proximité",
        "Agents d'entretien supplémentaires le week-end",
        "Présence d'un gardien référent par résidence",
    ),
    2: (
        "Formation des gardiens à la gestion des conflits",
        "Soutien psychologique des personnels de proximité",
        "Formation aux premiers secours des agents de proximité",
    ),
    3: (
        "Nettoyage renforcé des parties communes",
        "Remise en peinture des halls",
        "Enlèvement des tags",
        "Désinsectisation renforcée",
        "Entretien renforcé des espaces verts",
    ),
    4: (
        "Collecte renforcée des encombrants",
        "Enlèvement des épaves",
        "Nettoyage des abords des points de collecte",
        "Brigade verte contre les dépôts sauvages",
    ),
    5: (
        "Vidéoprotection des halls",
        "Médiation de nuit",
        "Sécurisation des caves",
        "Convention de tranquillité avec la police municipale",
    ),
    6: (
        "Réunions de concertation avec les locataires",
        "Sensibilisation au tri des déchets",
        "Accompagnement des amicales de locataires",
        "Enquête de satisfaction des locataires",
    ),
    7: (
        "Jardins partagés",
        "Fête des voisins",
        "Soutien aux associations de quartier",
        "Chantiers éducatifs pour les jeunes",
        "Ateliers d'auto-réhabilitation",
    ),
    8: (
        "Amélioration de l'éclairage des parkings",
        "Remplacement des boîtes aux lettres",
        "Sécurisation des accès aux halls",
        "Reprise des cheminements piétons",
    ),
}

_EVENT_SUBJECTS: dict[int, tuple[str, ...]] = {
    1: (
        "relogement et parcours résidentiels",
        "reconstitution de l'offre hors QPV",
        "concertation dans les projets NPNRU",
        "chantiers en site habité",
    ),
    2: (
        "abattement de TFPB et plans d'actions",
        "diagnostics en marchant",
        "gestion des encombrants",
        "tranquillité résidentielle",
        "conventions GUSP",
    ),
    3: (
        "prévention des discriminations dans l'accès au logement",
        "cotation de la demande et attributions",
        "égalité de traitement des demandeurs",
        "accueil des demandeurs",
    ),
    4: (
        "Valeurs de la République et laïcité",
        "laïcité et relation aux locataires",
        "prévention de la radicalisation",
        "neutralité et posture professionnelle",
    ),
    5: (
        "clauses d'insertion dans les marchés ANRU",
        "insertion dans les marchés de GUSP",
        "parcours des bénéficiaires des clauses",
        "rôle des facilitateurs",
    ),
    6: (
        "inclusion numérique des locataires",
        "services en ligne des bailleurs",
        "innovation sociale dans les quartiers",
        "médiation numérique de proximité",
    ),
}

_EVENT_PREFIX = {
    "reseau": "Réunion du réseau :",
    "co-formation": "Co-formation bailleurs–collectivités :",
    "formation": "Formation :",
    "webinaire": "Webinaire :",
    "visite": "Visite de site :",
    "publication": "Publication :",
}

_EVENT_TYPE_WEIGHTS = {
    "reseau": 0.34,
    "co-formation": 0.20,
    "formation": 0.08,
    "webinaire": 0.16,
    "visite": 0.12,
    "publication": 0.10,
}
_LAICITE_TYPE_WEIGHTS = {"formation": 0.75, "co-formation": 0.15, "reseau": 0.10}

_EVENT_SIZE = {  # participants (min, max), durations in hours
    "reseau": ((10, 35), (2.0, 2.5, 3.0, 3.5)),
    "co-formation": ((12, 25), (3.5, 7.0, 14.0)),
    "formation": ((8, 16), (7.0, 14.0, 21.0)),
    "webinaire": ((20, 80), (1.0, 1.5, 2.0)),
    "visite": ((8, 25), (2.0, 3.0, 4.0)),
    "publication": ((0, 0), ()),
}

_EVENT_AUDIENCE = {  # share of participants by type of organisation
    "reseau": {
        "bailleurs": 0.45,
        "collectivites": 0.30,
        "etat": 0.08,
        "associations": 0.08,
        "habitants": 0.04,
        "autres": 0.05,
    },
    "co-formation": {
        "bailleurs": 0.48,
        "collectivites": 0.42,
        "etat": 0.04,
        "associations": 0.03,
        "autres": 0.03,
    },
    "formation": {
        "bailleurs": 0.40,
        "collectivites": 0.30,
        "etat": 0.03,
        "associations": 0.22,
        "autres": 0.05,
    },
    "webinaire": {
        "bailleurs": 0.38,
        "collectivites": 0.32,
        "etat": 0.08,
        "associations": 0.12,
        "habitants": 0.02,
        "autres": 0.08,
    },
    "visite": {
        "bailleurs": 0.35,
        "collectivites": 0.30,
        "etat": 0.08,
        "associations": 0.10,
        "habitants": 0.12,
        "autres": 0.05,
    },
    "publication": {},
}

_PRACTICES: tuple[tuple[int, str, str, str, str], ...] = (
    (
        1,
        "Une charte du relogement co-construite avec les locataires",
        "Avant les premières démolitions, le bailleur, la ville et l'amicale des locataires ont "
        "rédigé ensemble une charte qui fixe les engagements de chacun : nombre de propositions, "
        "prise en charge du déménagement, maîtrise du reste à charge. Chaque ménage est suivi "
        "par une chargée de relogement unique, de l'enquête sociale jusqu'à six mois après "
        "l'emménagement.",
        "Une interlocutrice unique par ménage ; des engagements écrits et chiffrés ; un bilan "
        "partagé chaque trimestre en comité de pilotage.",
        "L'offre neuve hors QPV arrive souvent après les démolitions : sans calendrier commun, "
        "les ménages sont relogés dans le parc ancien, faute de mieux.",
    ),
    (
        1,
        "Une bourse inter-bailleurs pour élargir l'offre de relogement",
        "Les bailleurs de l'agglomération mettent en commun les logements libérés pour reloger "
        "les ménages des immeubles démolis, y compris hors de leur propre patrimoine. Un tableau "
        "de bord partagé suit les propositions faites, acceptées et refusées.",
        "Un accord signé par les directeurs généraux ; un outil de suivi commun ; des logements "
        "neufs réservés dès la programmation.",
        "Les compensations entre bailleurs doivent être réglées dès le départ, sinon la bourse "
        "s'essouffle au bout d'un an.",
    ),
    (
        1,
        "Associer les habitants à la conception des espaces publics",
        "Des ateliers en pied d'immeuble, des maquettes et des marches exploratoires ont permis "
        "aux habitants, notamment aux femmes et aux jeunes, de peser sur l'aménagement des "
        "futurs espaces publics du quartier.",
        "Des formats courts, sur place et à des horaires variés ; un retour écrit sur ce qui a "
        "été retenu ou écarté, et pourquoi.",
        "Deux à trois ans séparent la concertation des travaux : sans aménagements transitoires "
        "visibles, les habitants se découragent.",
    ),
    (
        1,
        "Un médiateur de chantier pour les réhabilitations en site habité",
        "Pendant la réhabilitation, un médiateur fait le lien entre les entreprises et les "
        "locataires : information préalable, gestion des nuisances, logement témoin et "
        "permanence hebdomadaire dans le quartier.",
        "Un médiateur identifié et joignable ; des plannings affichés dans chaque hall ; une "
        "réponse sous 48 heures à chaque réclamation.",
        "Le poste doit être inscrit au plan de financement de l'opération ; à défaut, il "
        "disparaît au premier dépassement de budget.",
    ),
    (
        2,
        "Un plan d'actions TFPB construit à partir des diagnostics en marchant",
        "Chaque année, les actions financées en contrepartie de l'abattement de TFPB sont "
        "choisies après des diagnostics en marchant réunissant la ville, le bailleur, les "
        "habitants et les acteurs de la tranquillité. Le bilan est présenté au comité de "
        "pilotage du contrat de ville.",
        "Des diagnostics réguliers et tracés ; un bilan chiffré par axe du cadre national ; la "
        "présence effective des habitants.",
        "Valoriser au titre de la TFPB des actions de gestion courante fragilise la confiance "
        "des partenaires : la distinction doit être explicite.",
    ),
    (
        2,
        "Une collecte des encombrants organisée avec les habitants",
        "Le bailleur et l'intercommunalité ont fixé un calendrier mensuel de collecte, affiché "
        "dans les halls et rappelé par SMS. Des ambassadeurs du tri accompagnent les locataires "
        "les jours de collecte.",
        "Un calendrier stable et connu de tous ; une coordination étroite avec le service de "
        "collecte ; des messages dans les langues parlées dans le quartier.",
        "Les dépôts sauvages reprennent vite si la collecte est suspendue l'été : prévoir une "
        "continuité de service.",
    ),
    (
        2,
        "Des gardiens formés à la gestion des situations conflictuelles",
        "Un cycle de formation de trois jours, suivi d'analyses de pratiques trimestrielles, "
        "permet aux gardiens et agents de proximité de mieux gérer les tensions et de savoir à "
        "qui passer le relais.",
        "Des cas tirés du quotidien des équipes ; un encadrement présent à la formation ; un "
        "suivi dans la durée.",
        "Une formation ponctuelle sans analyse de pratiques s'oublie vite ; le temps de "
        "formation doit être remplacé sur le terrain.",
    ),
    (
        2,
        "Un référentiel commun pour valoriser l'abattement de TFPB",
        "Les bailleurs du département ont adopté une méthode commune de calcul des actions "
        "valorisées (coût horaire des personnels, part des prestations) et un modèle de bilan "
        "unique transmis aux collectivités.",
        "Une méthode écrite et partagée ; un modèle de bilan identique pour tous ; une "
        "présentation conjointe aux intercommunalités.",
        "Le référentiel doit être revu chaque année ; sinon, les écarts de pratiques "
        "réapparaissent entre organismes.",
    ),
    (
        2,
        "Des jardins partagés en pied d'immeuble",
        "Sur une pelouse peu utilisée, le bailleur a aménagé des parcelles cultivées par une "
        "vingtaine de familles, avec l'appui d'une association d'éducation à l'environnement.",
        "Une association animatrice présente chaque semaine ; des règles d'usage écrites avec "
        "les jardiniers ; un accès à l'eau prévu dès le départ.",
        "Sans animation au-delà de la première année, les parcelles sont délaissées et la "
        "pelouse redevient un délaissé.",
    ),
    (
        3,
        "Une cotation de la demande expliquée aux demandeurs",
        "L'intercommunalité et les bailleurs ont rédigé une notice simple sur la cotation de la "
        "demande de logement social, remise à chaque demandeur et présentée lors des permanences "
        "d'accueil.",
        "Un langage clair testé auprès de demandeurs ; une diffusion par tous les guichets ; des "
        "agents d'accueil formés pour répondre aux questions.",
        "La notice doit être mise à jour à chaque modification de la grille, sous peine de "
        "nourrir la défiance.",
    ),
    (
        3,
        "Des tests de situation pour vérifier l'égalité de traitement",
        "Un bailleur a fait réaliser par un organisme indépendant des tests de situation sur "
        "l'accueil et le traitement des demandes de logement, puis a corrigé ses procédures.",
        "Un engagement de la direction générale ; un organisme extérieur ; des résultats "
        "partagés avec les équipes sans chercher de coupable.",
        "Publier les résultats sans plan d'action expose le bailleur sans rien améliorer.",
    ),
    (
        3,
        "Des commissions d'attribution qui suivent l'objectif de 25 % hors QPV",
        "Un tableau de bord trimestriel, présenté en conférence intercommunale du logement, suit "
        "la part des attributions hors QPV aux ménages du premier quartile, bailleur par "
        "bailleur.",
        "Des données partagées par tous les bailleurs ; un suivi trimestriel plutôt qu'annuel ; "
        "des objectifs déclinés par organisme.",
        "L'offre à bas loyer hors QPV est rare : sans production adaptée, l'objectif reste hors "
        "d'atteinte malgré la bonne volonté.",
    ),
    (
        3,
        "Former les chargés de clientèle à un accueil sans discrimination",
        "Une co-formation réunit chargés de clientèle des bailleurs et agents des services "
        "logement des communes autour du droit de la non-discrimination et de cas pratiques.",
        "Des binômes bailleur–collectivité ; des cas concrets ; un juriste spécialisé parmi les "
        "intervenants.",
        "Le turn-over des équipes impose de renouveler la formation chaque année.",
    ),
    (
        4,
        "Former ensemble gardiens et agents municipaux aux Valeurs de la République et à la "
        "laïcité",
        "Des sessions du plan « Valeurs de la République et laïcité » accueillent dans le même "
        "groupe gardiens, agents municipaux et animateurs associatifs d'un même quartier.",
        "Des groupes mixtes d'un même territoire ; des formateurs habilités ; des situations "
        "tirées du terrain.",
        "Les gardiens sont difficiles à libérer une journée entière : prévoir des sessions en "
        "demi-journées et un remplacement.",
    ),
    (
        4,
        "Un réseau de référents laïcité entre bailleurs et collectivités",
        "Chaque organisme a désigné un référent laïcité ; le réseau se réunit deux fois par an "
        "pour partager les situations rencontrées et les réponses apportées.",
        "Des référents volontaires et reconnus par leur hiérarchie ; un animateur neutre ; une "
        "fiche de cas partagée.",
        "Sans mandat clair, le référent devient le seul interlocuteur de toutes les questions "
        "sensibles et s'épuise.",
    ),
    (
        4,
        "Des réponses concrètes aux questions des gardiens",
        "Un recueil de situations vécues (affichage dans les halls, usage des salles communes, "
        "relations avec les associations) a été rédigé avec les gardiens, avec la réponse "
        "juridique et la conduite à tenir.",
        "Des questions venues du terrain ; une validation juridique ; un format court, "
        "utilisable sur smartphone.",
        "Un document trop long n'est pas lu ; il faut le présenter en réunion d'équipe.",
    ),
    (
        4,
        "Un guide pratique de la laïcité dans l'habitat social",
        "Le réseau régional a publié un guide illustré sur la laïcité et la neutralité dans "
        "l'habitat social, diffusé à l'ensemble des personnels de proximité.",
        "Une rédaction collective bailleurs–collectivités ; des illustrations ; une diffusion "
        "accompagnée d'une session de présentation.",
        "Un guide sans accompagnement reste dans les tiroirs.",
    ),
    (
        5,
        "Un facilitateur des clauses mutualisé à l'échelle intercommunale",
        "Un facilitateur unique, financé par l'intercommunalité et les bailleurs, rédige les "
        "clauses, repère les candidats avec le service public de l'emploi et suit les heures "
        "réalisées sur tous les marchés du territoire.",
        "Un guichet unique pour les entreprises ; un repérage des publics dans les quartiers ; "
        "un suivi mensuel des heures.",
        "Le financement du poste doit être pérenne ; sinon, le suivi des heures s'interrompt en "
        "cours de programme.",
    ),
    (
        5,
        "Des clauses d'insertion dans les marchés de nettoyage et d'espaces verts",
        "Le bailleur a introduit des clauses d'insertion dans ses marchés de gestion de "
        "proximité, au-delà des seuls marchés de travaux, ce qui ouvre des emplois plus "
        "accessibles aux femmes.",
        "Des marchés pluriannuels ; des volumes d'heures réalistes ; un dialogue avec les "
        "entreprises en amont de la consultation.",
        "Des volumes trop ambitieux conduisent à des heures non réalisées et à des pénalités "
        "jamais appliquées.",
    ),
    (
        5,
        "Un suivi des bénéficiaires six mois après leur contrat",
        "Le facilitateur recontacte chaque bénéficiaire six mois après la fin de son contrat "
        "pour connaître sa situation et lui proposer, si besoin, un nouvel accompagnement.",
        "Un accord de principe recueilli à l'entrée ; un contact par téléphone et SMS ; un "
        "relais vers les conseillers emploi.",
        "Sans relance, près d'un bénéficiaire sur quatre reste en situation inconnue.",
    ),
    (
        5,
        "Des chantiers éducatifs pour les jeunes du quartier",
        "Des jeunes de 16 à 25 ans réalisent de petits travaux de peinture et d'embellissement "
        "dans les résidences, encadrés par un éducateur et un professionnel du bâtiment.",
        "Un encadrement double éducatif et technique ; une rémunération ; une valorisation du "
        "travail réalisé auprès des habitants.",
        "Les chantiers doivent déboucher sur une suite de parcours, sinon l'effet s'arrête avec "
        "le chantier.",
    ),
    (
        6,
        "Des permanences numériques dans les locaux du bailleur",
        "Un conseiller numérique tient deux permanences par semaine dans l'agence de proximité "
        "pour aider les locataires dans leurs démarches en ligne.",
        "Un lieu connu des locataires ; des horaires réguliers ; une orientation par les gardiens.",
        "Le conseiller ne doit pas faire à la place des personnes, sinon leur autonomie ne "
        "progresse pas.",
    ),
    (
        6,
        "Un extranet locataire conçu avec les habitants",
        "Le bailleur a testé les maquettes de son extranet avec un panel de locataires avant sa "
        "mise en service, ce qui a simplifié les parcours les plus utilisés.",
        "Des tests avec des locataires peu familiers du numérique ; des parcours courts ; un "
        "accueil téléphonique maintenu.",
        "Le tout-numérique exclut une partie des locataires : le guichet physique doit rester.",
    ),
    (
        6,
        "Des ateliers de prise en main du smartphone pour les seniors",
        "Des ateliers hebdomadaires en salle commune aident les locataires âgés à utiliser leur "
        "smartphone pour les démarches courantes et les échanges avec leurs proches.",
        "Des petits groupes ; des appareils personnels des participants ; une animation par un "
        "conseiller numérique.",
        "Les inscriptions chutent si les ateliers ont lieu loin du domicile.",
    ),
    (
        6,
        "Un tiers-lieu numérique en rez-de-chaussée d'immeuble",
        "Un local vacant a été transformé en tiers-lieu : accès libre à des ordinateurs, "
        "impression, ateliers et aide aux démarches, géré par une association du quartier.",
        "Un loyer symbolique consenti par le bailleur ; une association implantée ; une "
        "programmation construite avec les habitants.",
        "Le modèle économique reste fragile sans financement pluriannuel.",
    ),
)

_PROJECTS: tuple[tuple[int, str], ...] = (
    (1, "Maquette numérique 3D du projet urbain"),
    (1, "Réemploi des matériaux de démolition"),
    (1, "Urbanisme transitoire sur les emprises démolies"),
    (1, "Application de suivi des ménages à reloger"),
    (1, "Chauffage urbain biomasse du quartier rénové"),
    (2, "Capteurs de remplissage des points d'apport volontaire"),
    (2, "Application de signalement des dysfonctionnements"),
    (2, "Brigade verte d'habitants"),
    (2, "Conciergerie solidaire de quartier"),
    (2, "Loges de gardien connectées"),
    (3, "Outil d'auto-évaluation des pratiques d'attribution"),
    (3, "Plateforme de location choisie"),
    (3, "Simulateur de cotation de la demande"),
    (3, "Accueil des demandeurs en langue des signes"),
    (3, "Parcours de formation en ligne sur la non-discrimination"),
    (4, "Jeu sérieux sur la laïcité pour les gardiens"),
    (4, "Module en ligne « Valeurs de la République et laïcité »"),
    (4, "Théâtre-forum sur le vivre-ensemble"),
    (4, "Podcast de témoignages de professionnels de proximité"),
    (4, "Exposition itinérante sur la laïcité"),
    (5, "Plateforme de mise en relation pour les clauses d'insertion"),
    (5, "Chantier d'insertion en rénovation énergétique"),
    (5, "Passeport de compétences des bénéficiaires"),
    (5, "Groupement d'employeurs pour l'insertion et la qualification"),
    (5, "Auto-école sociale pour les bénéficiaires des clauses"),
    (6, "Bornes numériques en loge de gardien"),
    (6, "Tablettes en prêt pour les locataires âgés"),
    (6, "Wifi gratuit en pied d'immeuble"),
    (6, "Fab lab de quartier"),
    (6, "Espace numérique itinérant"),
)

_ASSOCIATIONS = (
    "Association Quartiers connectés (fictive)",
    "Régie de quartier du Beffroi (fictive)",
    "Association Clés du numérique (fictive)",
)

# ---------------------------------------------------------------------------------------------
# The invented "world" shared by the tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Qpv:
    """One real QPV with its invented social housing stock."""

    code: str
    nom: str
    commune: str
    siren_epci: str
    nom_epci: str
    departement: str
    rang: int
    population: int
    logements: int


@dataclass(frozen=True)
class _Stock:
    """Dwellings of one landlord in one QPV."""

    bailleur: _Landlord
    qpv: _Qpv
    logements: int


@dataclass(frozen=True)
class _Operation:
    """One NPNRU operation and its timetable."""

    id: str
    qpv: _Qpv
    maitre_ouvrage: str
    nature: str
    programmes: int
    hors_qpv: int | None
    cout: float
    subvention: float
    premiere_annee: int
    debut: int
    duree: int
    delai: int

    def engages(self, annee: int) -> int:
        """Dwellings committed at the end of ``annee`` (cumulative)."""
        return math.floor(self.programmes * _ramp(annee, self.debut, self.duree))

    def livres(self, annee: int) -> int:
        """Dwellings delivered at the end of ``annee`` (cumulative, never above committed)."""
        done = math.floor(self.programmes * _ramp(annee, self.debut + self.delai, self.duree))
        return min(self.engages(annee), done)


@dataclass(frozen=True)
class _Tfpb:
    """Abatement and valued actions of one landlord in one QPV for one year."""

    annee: int
    stock: _Stock
    logements: int
    abattement: float
    valorise: float


@dataclass(frozen=True)
class _Market:
    """One market with insertion clauses, for one year."""

    id: str
    annee: int
    maitre_ouvrage: str
    type_marche: str
    qpv: _Qpv | None
    siren_epci: str
    heures_totales: float
    prevues: float
    realisees: float


@dataclass
class _World:
    """Everything the table functions share: the generator, territories and plans."""

    rng: Rng
    years: list[int]
    region: str
    nom_region: str
    qpv: list[_Qpv]
    stock: list[_Stock]
    operations: list[_Operation]
    tfpb: list[_Tfpb]
    markets: list[_Market]
    actions_absentes: tuple[str, int] | None
    """Landlord and year for which no TFPB actions were sent."""
    gusp_absent: tuple[str, int] | None
    """EPCI and year for which no GUSP rows were sent."""

    def epcis(self) -> list[tuple[str, str]]:
        """EPCI (SIREN, name) of the region, sorted by SIREN."""
        return sorted({(q.siren_epci, q.nom_epci) for q in self.qpv})


def _fictitious(actor: str) -> str:
    """Label a real municipality or EPCI acting in invented data, so that it reads as invented."""
    return f"{actor} (données fictives)"


def _ramp(annee: int, debut: int, duree: int) -> float:
    """Share of an operation done at the end of ``annee`` (linear from ``debut``)."""
    return min(1.0, max(0.0, (annee - debut + 1) / duree))


def _pick(rng: Rng, items: list | tuple, weights: list[float] | None = None):
    """Return one item of ``items`` (optionally weighted)."""
    if weights is not None:
        weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return items[int(rng.choice(len(items), p=weights))]


def _pick_key(rng: Rng, weights: dict) -> object:
    """Return one key of ``weights``, drawn with the given weights."""
    return _pick(rng, list(weights), list(weights.values()))


def _populations(paths: Paths) -> dict[str, int]:
    """Municipal population per QPV from the shipped context file (empty if unavailable)."""
    path = paths.reference / CONTEXT_2024_FILE
    try:
        frame = pd.read_csv(path, dtype=str, usecols=["codeQPV", "popMuniQPV"])
    except (OSError, ValueError):
        return {}
    frame = frame.drop_duplicates("codeQPV")
    values = pd.to_numeric(frame["popMuniQPV"], errors="coerce")
    return {c: int(v) for c, v in zip(frame["codeQPV"], values, strict=True) if pd.notna(v)}


def _build_qpv(rng: Rng, region: str, paths: Paths) -> list[_Qpv]:
    """Real QPV of the region (2024 geography) with invented social housing stock."""
    ref = qpv_reference(region, paths)
    first = ref.groupby("code_qpv", sort=True).first()
    counts = first["code_departement"].value_counts()
    ranks = {d: i for i, d in enumerate(sorted(counts.index, key=lambda d: (-counts[d], d)))}
    population = _populations(paths)
    out = []
    for code, row in first.iterrows():
        pop = population.get(str(code)) or int(rng.integers(1000, 6000))
        logements = int(np.clip(round(pop * rng.uniform(0.30, 0.42)), 300, 3000))
        out.append(
            _Qpv(
                str(code),
                str(row["nom_qpv"]),
                str(row["nom_commune"]),
                str(row["siren_epci"]),
                str(row["nom_epci"]),
                str(row["code_departement"]),
                ranks[row["code_departement"]] % _NB_RANGS,
                pop,
                logements,
            )
        )
    return out


def _build_stock(rng: Rng, qpv: list[_Qpv]) -> list[_Stock]:
    """Split each QPV's social dwellings between 1 to 4 landlords of its department."""
    stock = []
    for q in qpv:
        candidates = [b for b in _LANDLORDS if q.rang in b.rangs]
        weights = [3.0 if b.rangs[0] == q.rang else 1.0 for b in candidates]
        most = 2 if q.logements < 700 else (3 if q.logements < 1500 else 4)
        k = min(int(rng.integers(1, most + 1)), len(candidates))
        p = np.asarray(weights) / sum(weights)
        chosen = sorted(rng.choice(len(candidates), size=k, replace=False, p=p))
        shares = rng.dirichlet(np.full(k, 3.0))
        for i, share in zip(chosen, shares, strict=True):
            stock.append(_Stock(candidates[i], q, max(40, round(q.logements * share))))
    return stock


def _build_operations(
    rng: Rng, qpv: list[_Qpv], stock: list[_Stock], years: list[int]
) -> list[_Operation]:
    """About 40 NPNRU projects in about 35 of the largest QPV."""
    big = [q for q in qpv if q.logements >= 500] or qpv
    n_sites = min(35, len(big))
    weights = np.array([q.logements for q in big], dtype=float)
    sites = sorted(rng.choice(len(big), size=n_sites, replace=False, p=weights / weights.sum()))
    doubles = set(rng.choice(n_sites, size=n_sites // 7, replace=False).tolist())
    ratios = {}
    for siren in sorted({big[i].siren_epci for i in sites}):
        low = rng.random() < 0.2
        ratios[siren] = rng.uniform(0.55, 0.85) if low else rng.uniform(1.0, 1.15)
    operations = []
    for n, i in enumerate(sites):
        q = big[i]
        owners = [s.bailleur.nom for s in stock if s.qpv.code == q.code]
        for numero in range(1, 3 if n in doubles else 2):
            operations += _project(rng, q, numero, owners, ratios[q.siren_epci], years)
    return operations


_UNIT_COSTS = {  # € per dwelling (equipment: € per operation), share subsidised by ANRU
    "demolition": ((22_000, 38_000), (0.60, 0.85)),
    "reconstitution": ((145_000, 185_000), (0.08, 0.18)),
    "rehabilitation": ((25_000, 60_000), (0.12, 0.30)),
    "residentialisation": ((4_000, 12_000), (0.30, 0.50)),
    "equipement": ((800_000, 6_000_000), (0.20, 0.40)),
}
_DELIVERY_DELAY = {
    "demolition": (1, 1),
    "reconstitution": (2, 3),
    "rehabilitation": (1, 2),
    "residentialisation": (1, 1),
    "equipement": (2, 2),
}


def _project(
    rng: Rng, q: _Qpv, numero: int, owners: list[str], ratio: float, years: list[int]
) -> list[_Operation]:
    """Operations of one NPNRU project: demolitions, reconstitution (mostly outside QPV), etc."""
    most = max(31, min(220, q.logements // 5))
    demolitions = [int(rng.integers(30, most + 1)) for _ in range(int(rng.integers(1, 4)))]
    rebuilt = max(1, round(sum(demolitions) * ratio))
    parts = int(rng.integers(1, 4))
    rebuilt_parts = np.maximum(1, np.round(rng.dirichlet(np.full(parts, 4.0)) * rebuilt))
    plan: list[tuple[str, int]] = [("demolition", d) for d in demolitions]
    plan += [("reconstitution", int(r)) for r in rebuilt_parts]
    plan += [("rehabilitation", int(rng.integers(60, 401))) for _ in range(int(rng.integers(1, 3)))]
    plan += [
        ("residentialisation", int(rng.integers(40, 251))) for _ in range(int(rng.integers(0, 3)))
    ]
    plan += [("equipement", 0) for _ in range(int(rng.integers(0, 3)))]
    first, last = years[0], years[-1]
    operations = []
    for n, (nature, dwellings) in enumerate(plan, start=1):
        (cost_lo, cost_hi), (sub_lo, sub_hi) = _UNIT_COSTS[nature]
        unit = rng.uniform(cost_lo, cost_hi)
        cost = float(round(unit if nature == "equipement" else unit * dwellings))
        subsidy = float(math.floor(cost * rng.uniform(sub_lo, sub_hi)))
        if nature == "equipement" or (nature == "residentialisation" and rng.random() < 0.3):
            owner = _fictitious(f"Ville de {q.commune}")
        else:
            owner = _pick(rng, owners)
        listed = first if rng.random() < 0.85 else int(rng.integers(first + 1, last + 1))
        start = max(int(rng.integers(first - 3, last)), listed - 1)
        if nature == "reconstitution":
            share = 1.0 if rng.random() < 0.1 else rng.uniform(0.55, 0.9)
            hors_qpv: int | None = round(dwellings * share)
        else:
            hors_qpv = None
        delay = int(rng.integers(_DELIVERY_DELAY[nature][0], _DELIVERY_DELAY[nature][1] + 1))
        operations.append(
            _Operation(
                f"PRU-{q.code}-{numero}-{n:02d}",
                q,
                owner,
                nature,
                dwellings,
                hors_qpv,
                cost,
                subsidy,
                listed,
                start,
                int(rng.integers(2, 5)),
                delay,
            )
        )
    return operations


def _build_tfpb(rng: Rng, stock: list[_Stock], years: list[int]) -> list[_Tfpb]:
    """Abatement ≈ 172 €/dwelling, valued actions ≈ 1.35 × abatement, slowly rising."""
    middle = (years[0] + years[-1]) / 2
    lines = []
    for s in stock:
        per_dwelling = rng.uniform(135, 210)
        effort = s.bailleur.taux_valorisation * rng.uniform(0.90, 1.14)
        for annee in years:
            logements = round(s.logements * rng.uniform(0.98, 1.02))
            trend = 1 + 0.02 * (annee - middle)
            abattement = round(logements * per_dwelling * trend * rng.uniform(0.97, 1.03), 2)
            valorise = round(abattement * effort * rng.uniform(0.95, 1.05), 2)
            lines.append(_Tfpb(annee, s, logements, abattement, valorise))
    return lines


_MARKET_TYPES = {  # new markets per year, yearly hours, insertion rate of the hours
    "travaux_anru": ((8, 13), (4_000, 40_000)),
    "gusp": ((6, 11), (2_000, 12_000)),
    "autre": ((4, 9), (1_500, 15_000)),
}


def _insertion_rate(rng: Rng, type_marche: str) -> float:
    """Insertion share of the hours: ANRU mostly 5–9 %, GUSP 7–14 %, others 3–8 %."""
    if type_marche == "travaux_anru":
        return rng.uniform(0.05, 0.09) if rng.random() < 0.88 else rng.uniform(0.03, 0.05)
    if type_marche == "gusp":
        return rng.uniform(0.07, 0.14)
    return rng.uniform(0.03, 0.08)


def _build_markets(
    rng: Rng, stock: list[_Stock], operations: list[_Operation], years: list[int]
) -> list[_Market]:
    """Markets with insertion clauses, each running 1 to 3 years."""
    nru = sorted({op.qpv.code: op.qpv for op in operations}.values(), key=lambda q: q.code)
    markets = []
    for start in range(years[0] - 1, years[-1] + 1):
        number = 0
        for type_marche, ((lo, hi), (h_lo, h_hi)) in _MARKET_TYPES.items():
            for _ in range(int(rng.integers(lo, hi))):
                number += 1
                site = _pick(rng, nru) if type_marche == "travaux_anru" else None
                local = [x for x in stock if site is None or x.qpv.code == site.code]
                s = _pick(rng, local, [x.logements for x in local])
                q: _Qpv | None = s.qpv
                if type_marche == "autre" and rng.random() < 0.6:
                    q = None
                owner = s.bailleur.nom
                if type_marche == "travaux_anru" and rng.random() < 0.3:
                    owner = _fictitious(f"Ville de {q.commune}")
                elif type_marche == "autre":
                    owner = _fictitious(s.qpv.nom_epci)
                rate = _insertion_rate(rng, type_marche)
                size = rng.uniform(h_lo, h_hi)
                for annee in range(start, start + int(rng.integers(1, 4))):
                    total = round(size * rng.uniform(0.7, 1.3))
                    done = round(total * rate * rng.uniform(0.92, 1.08) * 2) / 2
                    planned = round(done / rng.uniform(0.85, 1.12) * 2) / 2
                    if annee in years:
                        markets.append(
                            _Market(
                                f"CL-{start}-{number:03d}",
                                annee,
                                owner,
                                type_marche,
                                q,
                                s.qpv.siren_epci,
                                float(total),
                                planned,
                                done,
                            )
                        )
    return markets


def _build_world(region: str, years: list[int], paths: Paths) -> _World:
    """Draw the territories, stock and plans every table is derived from."""
    rng = np.random.default_rng(SEED)
    qpv = _build_qpv(rng, region, paths)
    stock = _build_stock(rng, qpv)
    operations = _build_operations(rng, qpv, stock, years)
    tfpb = _build_tfpb(rng, stock, years)
    markets = _build_markets(rng, stock, operations, years)
    landlords = [b for b in _LANDLORDS if b.taux_valorisation > 1]
    absent_year = years[min(2, len(years) - 1)]
    actions_absentes = (_pick(rng, landlords).nom, absent_year) if len(years) > 1 else None
    epcis = sorted(
        {q.siren_epci for q in qpv if 2 <= sum(x.siren_epci == q.siren_epci for x in qpv) <= 6}
    )
    gusp_absent = (_pick(rng, epcis), years[1]) if len(years) > 1 and epcis else None
    code = region_code(region, paths)
    return _World(
        rng,
        years,
        code,
        regions(paths)[code],
        qpv,
        stock,
        operations,
        tfpb,
        markets,
        actions_absentes,
        gusp_absent,
    )


# ---------------------------------------------------------------------------------------------
# One function per table: each returns the rows (dicts keyed by contract column names)
# ---------------------------------------------------------------------------------------------


def _bailleurs(world: _World) -> list[Row]:
    """Registry of the invented landlords, with their variant spellings."""
    return [
        {
            "bailleur": b.nom,
            "type_bailleur": b.type_bailleur,
            "variantes_nom": "|".join(b.variantes),
        }
        for b in _LANDLORDS
    ]


def _event_day(rng: Rng, annee: int) -> date:
    """A working day of ``annee`` outside August and the Christmas holidays."""
    while True:
        day = date(annee, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
        if day.year == annee and day.weekday() < 5 and day.month != 8 and day < date(annee, 12, 20):
            return day


def _event_territory(world: _World) -> tuple[str, str]:
    """Territory code of an event (EPCI SIREN, department or « region ») and its label."""
    rng = world.rng
    draw = rng.random()
    if draw < 0.35:
        return "region", world.nom_region
    if draw < 0.60:
        dep = _pick(rng, [q.departement for q in world.qpv])
        return dep, DEPARTEMENTS.get(dep, f"département {dep}")
    q = _pick(rng, world.qpv, [q.logements for q in world.qpv])
    return q.siren_epci, q.nom_epci


def _evenements(world: _World) -> list[Row]:
    """Network meetings, co-trainings, trainings, webinars, visits and publications."""
    rng = world.rng
    rows = []
    for annee in world.years:
        events = []
        for _ in range(int(rng.integers(40, 71))):
            axe = int(_pick_key(rng, {1: 0.18, 2: 0.22, 3: 0.15, 4: 0.18, 5: 0.14, 6: 0.13}))
            kind = str(_pick_key(rng, _LAICITE_TYPE_WEIGHTS if axe == 4 else _EVENT_TYPE_WEIGHTS))
            territoire, lieu = _event_territory(world)
            subject = _pick(rng, _EVENT_SUBJECTS[axe])
            if axe == 4 and kind == "formation":
                subject = "plan « Valeurs de la République et laïcité »"
            if len(territoire) == 9 and rng.random() < 0.35:
                organisateur = _fictitious(lieu)
            elif rng.random() < 0.12:
                organisateur = _pick(rng, _LANDLORDS).nom
            else:
                organisateur = "URH" if rng.random() < (0.6 if axe in (2, 3) else 0.3) else "IREV"
            (lo, hi), durations = _EVENT_SIZE[kind]
            total = int(rng.integers(lo, hi + 1))
            audience = _EVENT_AUDIENCE[kind]
            counts = rng.multinomial(total, list(audience.values())) if audience else []
            by_type = dict(zip(audience, (int(c) for c in counts), strict=True))
            row: Row = {
                "annee": annee,
                "date_evenement": _event_day(rng, annee),
                "axe": axe,
                "type_evenement": kind,
                "intitule": f"{_EVENT_PREFIX[kind]} {subject} – {lieu}",
                "organisateur": organisateur,
                "territoire": territoire,
                "duree_heures": float(_pick(rng, durations)) if durations else None,
            }
            for t in TYPES_ORGANISATION:
                row[f"participants_{t}"] = by_type.get(t, 0)
            if total:
                row["organisations_distinctes"] = min(
                    total, max(1, round(total * rng.uniform(0.3, 0.6)))
                )
            else:
                row["organisations_distinctes"] = int(rng.integers(1, 7))
            events.append(row)
        events.sort(key=lambda r: r["date_evenement"])
        for n, row in enumerate(events, start=1):
            rows.append({"id_evenement": f"EV-{annee}-{n:03d}", **row})
    return rows


def _bonnes_pratiques(world: _World) -> list[Row]:
    """About 25 good practices spread over the years, in the roadmap's six axes."""
    rng = world.rng
    order = rng.permutation(len(_PRACTICES))
    rows = []
    for rank, i in enumerate(order):
        axe, titre, resume, facteurs, ecueils = _PRACTICES[int(i)]
        annee = world.years[rank * len(world.years) // len(_PRACTICES)]
        s = _pick(rng, world.stock, [x.logements for x in world.stock])
        q = s.qpv
        porteurs = {
            4: f"IREV, {s.bailleur.nom}, {_fictitious(q.nom_epci)}",
            5: f"{_fictitious(q.nom_epci)}, {s.bailleur.nom}",
            6: f"{s.bailleur.nom}, {_pick(rng, _ASSOCIATIONS)}",
        }.get(axe, f"{s.bailleur.nom}, {_fictitious(f'Ville de {q.commune}')}")
        rows.append(
            {
                "annee": annee,
                "axe": axe,
                "titre": titre,
                "territoire": f"{q.commune}, quartier {q.nom} ({q.nom_epci})",
                "porteurs": porteurs,
                "resume": resume,
                "facteurs_cles_succes": facteurs,
                "ecueils": ecueils,
            }
        )
    rows.sort(key=lambda r: (r["annee"], r["axe"], r["titre"]))
    counters: dict[int, int] = {}
    for row in rows:
        counters[row["annee"]] = counters.get(row["annee"], 0) + 1
        row["id_pratique"] = f"BP-{row['annee']}-{counters[row['annee']]:02d}"
    return rows


def _ru_operations(world: _World) -> list[Row]:
    """NPNRU operations, one row per year, committed and delivered dwellings cumulative."""
    rows = []
    for annee in world.years:
        for op in world.operations:
            if annee < op.premiere_annee:
                continue
            rows.append(
                {
                    "id_operation": op.id,
                    "annee": annee,
                    "code_qpv": op.qpv.code,
                    "maitre_ouvrage": op.maitre_ouvrage,
                    "nature": op.nature,
                    "logements_programmes": op.programmes,
                    "logements_engages": op.engages(annee),
                    "logements_livres": op.livres(annee),
                    "logements_reconstitues_hors_qpv": op.hors_qpv,
                    "cout_total_eur": op.cout,
                    "subvention_anru_eur": op.subvention,
                }
            )
    return rows


def _pseudonym(rng: Rng, prefix: str, used: set[str]) -> str:
    """A new pseudonymous identifier: ``prefix`` + 8 hexadecimal characters."""
    while True:
        ident = f"{prefix}{int(rng.integers(0, 2**32)):08x}"
        if ident not in used:
            used.add(ident)
            return ident


def _rehousing_weights(world: _World, annee: int) -> dict[str, float]:
    """Households to rehouse per QPV in ``annee``: demolitions about to start weigh most."""
    weights: dict[str, float] = {}
    for op in world.operations:
        if op.nature != "demolition" or annee < op.premiere_annee:
            continue
        active = op.debut - 1 <= annee <= op.debut + op.duree
        weights[op.qpv.code] = weights.get(op.qpv.code, 0) + op.programmes * (
            1.0 if active else 0.15
        )
    return dict(sorted(weights.items()))


def _ru_relogements(world: _World) -> list[Row]:
    """300–500 rehoused households a year (fewer in small regions); a few QPV with 1–4."""
    rng = world.rng
    scale = min(1.0, len({op.qpv.code for op in world.operations}) / 35)
    owners: dict[str, list[_Stock]] = {}
    for s in world.stock:
        owners.setdefault(s.qpv.code, []).append(s)
    profile = {
        code: (rng.uniform(0.15, 0.40), rng.uniform(0.35, 0.60))
        for code in sorted({op.qpv.code for op in world.operations})
    }
    small = sorted(
        str(c) for c in rng.choice(sorted(profile), size=min(3, len(profile)), replace=False)
    )
    used: set[str] = set()
    rows = []
    for annee in world.years:
        weights = _rehousing_weights(world, annee)
        if not weights:
            continue
        p = np.array(list(weights.values()))
        total = round(int(rng.integers(300, 500)) * scale)
        counts = dict(zip(weights, rng.multinomial(total, p / p.sum()), strict=True))
        for code in small:
            if code in counts:
                counts[code] = int(rng.integers(1, 5))
        for code, n in counts.items():
            p_new, p_out = profile[code]
            stock = owners[code]
            for _ in range(int(n)):
                neuf = rng.random() < p_new
                charge = rng.normal(45 if neuf else 15, 20)
                rows.append(
                    {
                        "id_menage": _pseudonym(rng, "M-", used),
                        "annee": annee,
                        "code_qpv": code,
                        "bailleur": _pick(rng, stock, [s.logements for s in stock]).bailleur.nom,
                        "type_destination": "neuf_moins_5_ans" if neuf else "parc_existant",
                        "hors_qpv": bool(rng.random() < p_out),
                        "evolution_reste_a_charge_eur_mois": None
                        if rng.random() < 0.07
                        else round(float(np.clip(charge, -30, 80)), 2),
                        "taille_menage": int(
                            _pick(rng, range(1, 8), [0.30, 0.22, 0.17, 0.14, 0.09, 0.05, 0.03])
                        ),
                        "quartile_revenus": None
                        if rng.random() < 0.04
                        else int(_pick(rng, (1, 2, 3, 4), [0.58, 0.24, 0.12, 0.06])),
                    }
                )
    return rows


def _tfpb_abattement(world: _World) -> list[Row]:
    """Dwellings and abatement per landlord × QPV × year."""
    return [
        {
            "annee": t.annee,
            "bailleur": t.stock.bailleur.nom,
            "code_qpv": t.stock.qpv.code,
            "logements_concernes": t.logements,
            "montant_abattement_eur": t.abattement,
        }
        for t in world.tfpb
    ]


def _tfpb_actions(world: _World) -> list[Row]:
    """3 to 12 valued actions per landlord × QPV × year, over the 8 national axes."""
    rng = world.rng
    index = {s: i for i, s in enumerate(world.stock)}
    axes = list(_TFPB_WEIGHTS)
    rows = []
    for t in world.tfpb:
        if (t.stock.bailleur.nom, t.annee) == world.actions_absentes:
            continue
        n = int(rng.integers(3, 13))
        shares = rng.dirichlet(np.full(n, 2.0))
        for k, share in enumerate(shares, start=1):
            axe = int(_pick(rng, axes, list(_TFPB_WEIGHTS.values())))
            amount = round(t.valorise * float(share), 2)
            draw = rng.random()
            cofunding = (
                None
                if draw < 0.65
                else (0.0 if draw < 0.75 else round(amount * rng.uniform(0.1, 0.6), 2))
            )
            rows.append(
                {
                    "id_action": f"ACT-{t.annee}-{index[t.stock]:03d}-{k:02d}",
                    "annee": t.annee,
                    "bailleur": t.stock.bailleur.nom,
                    "code_qpv": t.stock.qpv.code,
                    "axe_tfpb": axe,
                    "intitule": _pick(rng, _TFPB_LABELS[axe]),
                    "montant_valorise_eur": amount,
                    "cofinancement_eur": cofunding,
                }
            )
    return rows


def _gusp(world: _World) -> list[Row]:
    """One row per QPV × year; signed conventions rising from about 73 % to 85 %."""
    rng = world.rng
    draws = {q.code: rng.random() for q in world.qpv}
    rows = []
    for t, annee in enumerate(world.years):
        for q in world.qpv:
            if (q.siren_epci, annee) == world.gusp_absent:
                continue
            signed = draws[q.code] < 0.73 + 0.03 * t
            rows.append(
                {
                    "annee": annee,
                    "code_qpv": q.code,
                    "siren_epci": q.siren_epci,
                    "convention_gusp_signee": signed,
                    "diagnostics_en_marchant": int(
                        rng.integers(1, 7) if signed else rng.integers(0, 2)
                    ),
                    "comites_pilotage": int(rng.integers(1, 4)) if signed else 0,
                }
            )
    return rows


def _attributions(world: _World) -> list[Row]:
    """Allocations per EPCI × landlord × year: several EPCI miss the 25 % first-quartile rule."""
    rng = world.rng
    pairs: dict[tuple[str, str], int] = {}
    for s in world.stock:
        key = (s.qpv.siren_epci, s.bailleur.nom)
        pairs[key] = pairs.get(key, 0) + s.logements
    pairs = dict(sorted(pairs.items()))
    targets = {
        siren: (rng.uniform(0.14, 0.29), rng.uniform(0.40, 0.65)) for siren, _ in world.epcis()
    }
    rows = []
    for t, annee in enumerate(world.years):
        for (siren, bailleur), dwellings in pairs.items():
            q1, q234 = targets[siren]
            in_qpv = max(1, round(dwellings * rng.uniform(0.05, 0.09)))
            outside = max(1, round(in_qpv * rng.uniform(1.2, 2.8)))
            p_q1 = float(np.clip(q1 + 0.008 * t + rng.normal(0, 0.02), 0.02, 0.6))
            p_q234 = float(np.clip(q234 + rng.normal(0, 0.03), 0.2, 0.9))
            rows.append(
                {
                    "annee": annee,
                    "siren_epci": siren,
                    "bailleur": bailleur,
                    "attributions_hors_qpv": outside,
                    "attributions_hors_qpv_q1": int(rng.binomial(outside, p_q1)),
                    "attributions_qpv": in_qpv,
                    "attributions_qpv_q234": int(rng.binomial(in_qpv, p_q234)),
                }
            )
    return rows


def _clauses_marches(world: _World) -> list[Row]:
    """Hours worked and insertion hours per market × year."""
    return [
        {
            "id_marche": m.id,
            "annee": m.annee,
            "maitre_ouvrage": m.maitre_ouvrage,
            "type_marche": m.type_marche,
            "code_qpv": m.qpv.code if m.qpv else None,
            "siren_epci": m.siren_epci,
            "heures_totales": m.heures_totales,
            "heures_insertion_prevues": m.prevues,
            "heures_insertion_realisees": m.realisees,
        }
        for m in world.markets
    ]


_WOMEN_SHARE = {"travaux_anru": 0.12, "gusp": 0.35, "autre": 0.28}


def _beneficiary_profile(rng: Rng, world: _World, market: _Market) -> Row:
    """Profile of a new insertion beneficiary (stable across the person's contracts)."""
    resident = bool(rng.random() < 0.68)
    local = [q for q in world.qpv if q.siren_epci == market.siren_epci] or world.qpv
    age = str(_pick_key(rng, {"moins_26": 0.30, "26_49": 0.52, "50_plus": 0.18}))
    qualification = str(
        _pick_key(rng, {"infra_cap": 0.45, "cap_bep": 0.33, "bac": 0.17, "superieur": 0.05})
    )
    status = {"de_longue_duree": 0.38, "rsa": 0.27, "travailleur_handicape": 0.08, "autre": 0.15}
    if age == "moins_26" and qualification in ("infra_cap", "cap_bep"):
        status["jeune_sans_qualification"] = 0.60
    return {
        "resident_qpv": resident,
        "code_qpv": _pick(rng, local).code if resident else None,
        "sexe": "F" if rng.random() < _WOMEN_SHARE[market.type_marche] else "H",
        "tranche_age": age,
        "niveau_qualification": qualification,
        "statut_entree": str(_pick_key(rng, status)),
    }


def _clauses_beneficiaires(world: _World) -> list[Row]:
    """Beneficiaries of each market × year, sharing its insertion hours; some in several."""
    rng = world.rng
    people: list[tuple[str, Row]] = []
    used: set[str] = set()
    outcomes = {
        "emploi_durable": 0.20,
        "emploi_transition": 0.23,
        "formation_qualifiante": 0.12,
        "sans_emploi": 0.33,
        "inconnue": 0.12,
    }
    rows = []
    for market in world.markets:
        if market.realisees <= 0:
            continue
        n = max(1, round(market.realisees / rng.uniform(200, 450)))
        hours = np.maximum(7.0, np.round(rng.dirichlet(np.full(n, 3.0)) * market.realisees * 2) / 2)
        here: set[str] = set()
        for h in hours:
            if people and rng.random() < 0.12:
                ident, profile = people[int(rng.integers(0, len(people)))]
                if ident in here:
                    continue
            else:
                ident, profile = (
                    _pseudonym(rng, "P-", used),
                    _beneficiary_profile(rng, world, market),
                )
                people.append((ident, profile))
            here.add(ident)
            rows.append(
                {
                    "id_personne": ident,
                    "id_marche": market.id,
                    "annee": market.annee,
                    **profile,
                    "heures_realisees": float(h),
                    "situation_6_mois": str(_pick_key(rng, outcomes)),
                }
            )
    return rows


_ADVISERS_BY_YEAR = {2021: 0.8, 2022: 1.2, 2023: 1.1, 2024: 0.9, 2025: 0.75}
"""Rise then decline of the State-funded digital advisers programme."""


def _numerique(world: _World) -> list[Row]:
    """Mediation places, digital advisers and fibre coverage (rising to about 95 %) per QPV."""
    rng = world.rng
    base = {q.code: (min(4.0, q.population / 2500), rng.uniform(40, 80)) for q in world.qpv}
    rows = []
    for t, annee in enumerate(world.years):
        for q in world.qpv:
            places, fibre_start = base[q.code]
            fibre = 100 - (100 - fibre_start) * 0.595**t
            advisers = rng.poisson(places * 0.6 * _ADVISERS_BY_YEAR.get(annee, 1.0))
            rows.append(
                {
                    "annee": annee,
                    "code_qpv": q.code,
                    "lieux_mediation": int(min(6, rng.poisson(places * (0.9 + 0.05 * t)))),
                    "conseillers_numeriques": int(min(4, advisers)),
                    "couverture_fibre_pct": None if rng.random() < 0.05 else round(fibre, 1),
                }
            )
    return rows


def _numerique_bailleurs(world: _World) -> list[Row]:
    """Online requests rising from about 20 % to 55 %; most landlords have a tenant extranet."""
    rng = world.rng
    first, last = world.years[0], world.years[-1]
    never = _pick(rng, _LANDLORDS)
    rows = []
    for b in _LANDLORDS:
        start, end = rng.uniform(15, 26), rng.uniform(45, 65)
        late = rng.random() < 0.25 and last > first
        opening = int(rng.integers(first + 1, last + 1)) if late else first - 1
        if b is never:
            opening = None
        for annee in world.years:
            share = start + (end - start) * (annee - first) / max(1, last - first)
            rows.append(
                {
                    "annee": annee,
                    "bailleur": b.nom,
                    "part_demandes_en_ligne_pct": round(
                        float(np.clip(share + rng.normal(0, 2), 0, 100)), 1
                    ),
                    "extranet_locataire": opening is not None and annee >= opening,
                }
            )
    rows.sort(key=lambda r: (r["annee"], r["bailleur"]))
    return rows


def _projets_innovation(world: _World) -> list[Row]:
    """Innovation projects moving from idea to running, then finished or dropped."""
    rng = world.rng
    carriers = (
        [b.nom for b in _LANDLORDS]
        + [_fictitious(name) for _, name in world.epcis()]
        + list(_ASSOCIATIONS)
    )
    rows = []
    for n, (axe, intitule) in enumerate(_PROJECTS, start=1):
        start = int(rng.integers(world.years[0] - 3, world.years[-1] + 1))
        idea = int(rng.random() < 0.4)
        running = int(rng.integers(2, 5))
        outcome = "abandonne" if rng.random() < 0.2 else "termine"
        budget = float(round(rng.uniform(8_000, 350_000), -2))
        porteur = _pick(rng, carriers)
        for annee in range(start, start + idea + running + 1):
            statut = (
                "idee"
                if annee < start + idea
                else ("en_cours" if annee < start + idea + running else outcome)
            )
            if annee in world.years:
                rows.append(
                    {
                        "id_projet": f"INNO-{n:03d}",
                        "annee": annee,
                        "axe": axe,
                        "porteur": porteur,
                        "intitule": intitule,
                        "statut": statut,
                        "budget_eur": None if statut == "idee" else budget,
                    }
                )
    rows.sort(key=lambda r: (r["annee"], r["id_projet"]))
    return rows


_BUILDERS: dict[str, Callable[[_World], list[Row]]] = {
    "bailleurs": _bailleurs,
    "evenements": _evenements,
    "bonnes_pratiques": _bonnes_pratiques,
    "ru_operations": _ru_operations,
    "ru_relogements": _ru_relogements,
    "tfpb_abattement": _tfpb_abattement,
    "tfpb_actions": _tfpb_actions,
    "gusp": _gusp,
    "attributions": _attributions,
    "clauses_marches": _clauses_marches,
    "clauses_beneficiaires": _clauses_beneficiaires,
    "numerique": _numerique,
    "numerique_bailleurs": _numerique_bailleurs,
    "projets_innovation": _projets_innovation,
}

# ---------------------------------------------------------------------------------------------
# Writing files the way French partners' tools export them
# ---------------------------------------------------------------------------------------------


def _cell(col: Column, value: object) -> str:
    """Format one value as a French spreadsheet would export it."""
    if value is None:
        return ""
    if col.kind == "booleen":
        return "oui" if value else "non"
    if col.kind == "date":
        return value.strftime("%d/%m/%Y")  # type: ignore[attr-defined]
    if col.kind == "decimal":
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text.replace(".", ",")
    if col.kind == "entier":
        return str(int(value))  # type: ignore[call-overload]
    return str(value)


def _with_variants(rows: list[Row], rng: Rng) -> list[Row]:
    """Spell the landlord with one of its variants in about 3 % of the rows."""
    out = []
    for row in rows:
        landlord = _BY_NAME.get(str(row.get("bailleur")))
        if landlord and rng.random() < VARIANT_SHARE:
            row = {**row, "bailleur": _pick(rng, landlord.variantes)}
        out.append(row)
    return out


def _write_csv(table: Table, rows: list[Row], path: Path) -> Path:
    """Write rows as ``;``-separated UTF-8 CSV with BOM, decimal commas and LF line endings."""
    unknown = sorted({k for row in rows for k in row} - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.name} : colonnes hors contrat {unknown}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow(
            [_cell(c, row[c.name] if c.required else row.get(c.name)) for c in table.columns]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _write_table(table: Table, rows: list[Row], raw_dir: Path) -> list[Path]:
    """Write one table: a single file, or one file per year."""
    folder = raw_dir / table.name
    if table.name in SINGLE_FILE_TABLES:
        return [_write_csv(table, rows, folder / f"{table.name}.csv")]
    written = []
    for annee in sorted({int(r["annee"]) for r in rows}):
        part = [r for r in rows if r["annee"] == annee]
        written.append(_write_csv(table, part, folder / f"{table.name}_{annee}.csv"))
    return written


def _marker_text(region: str, first_year: int, last_year: int) -> str:
    """French notice written beside the demo files."""
    return (
        "DONNÉES DE DÉMONSTRATION — INVENTÉES\n"
        "\n"
        "Les fichiers de ce dossier ont été fabriqués par le générateur de démonstration de "
        f"qpv_analytics (module qpv_analytics.ingest.demo, graine {SEED}), pour la région "
        f"{region} et les années {first_year} à {last_year}.\n"
        "Seuls les codes et noms des quartiers prioritaires (géographie 2024), des communes et "
        "des EPCI sont réels. Les bailleurs (marqués « fictif »), les montants, les opérations, "
        "les événements, les ménages relogés et les bénéficiaires sont inventés.\n"
        "Ne citez pas ces chiffres et ne les publiez pas comme des résultats.\n"
        "\n"
        "Pour travailler sur les vraies données : videz ce dossier (y compris ce fichier) et "
        "déposez-y les fichiers envoyés par les partenaires.\n"
    )


def _existing_files(raw_dir: Path) -> list[Path]:
    """Files already in ``raw_dir`` apart from README.md, hidden files and the demo marker."""
    if not raw_dir.exists():
        return []
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.name not in KEPT_FILES
        and not p.name.startswith(".")
        and p != raw_dir / DEMO_MARKER
    )


def generate(
    raw_dir: Path | None = None,
    region: str = "32",
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
) -> list[Path]:
    """Write invented demo files for every partner table of the contract.

    The QPV, communes and EPCI are the real ones of the region (2024 geography, read from the
    project's ``data/reference``); everything else is invented, drawn from one generator with
    a fixed seed, so two runs give the same bytes. A French notice (``config.DEMO_MARKER``) is
    written beside the files.

    Args:
        raw_dir: folder to fill (default: the project's ``data/raw``).
        region: INSEE code or name of the region.
        first_year: first year of data.
        last_year: last year of data.

    Returns:
        The files written, the marker last.

    Raises:
        DataError: when ``raw_dir`` already holds files other than README.md (partners' files
            are never overwritten), or when the region or the years are invalid.
    """
    paths = get_paths()
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw
    return _generate(raw_dir, paths, region, first_year, last_year)


def _generate(
    raw_dir: Path, paths: Paths, region: str, first_year: int, last_year: int
) -> list[Path]:
    """Check ``raw_dir`` is free, then draw the world and write every table and the marker."""
    if last_year < first_year:
        raise DataError(
            f"Années de démonstration incohérentes : {first_year} à {last_year}. À faire : "
            "donnez une première année inférieure ou égale à la dernière."
        )
    existing = _existing_files(raw_dir)
    if existing:
        listed = ", ".join(str(p.relative_to(raw_dir)) for p in existing[:5])
        more = f" et {len(existing) - 5} autre(s)" if len(existing) > 5 else ""
        raise DataError(
            f"Le dossier {raw_dir} contient déjà des fichiers ({listed}{more}) : les données de "
            "démonstration ne sont écrites que dans un dossier vide, pour ne jamais écraser les "
            "fichiers des partenaires. À faire : choisissez un autre dossier, ou déplacez "
            "ailleurs ces fichiers si vous voulez vraiment la démonstration."
        )
    missing = sorted(set(PARTNER_TABLES) - set(_BUILDERS))
    if missing:
        raise DataError(f"Tables du contrat sans générateur de démonstration : {missing}.")
    world = _build_world(region, list(range(first_year, last_year + 1)), paths)
    written = []
    for name in PARTNER_TABLES:
        table = TABLES[name]
        rows = _BUILDERS[name](world)
        if any(c.references == "bailleur" for c in table.columns):
            rows = _with_variants(rows, world.rng)
        written += _write_table(table, rows, raw_dir)
    marker = raw_dir / DEMO_MARKER
    marker.write_bytes(_marker_text(world.region, first_year, last_year).encode("utf-8"))
    return [*written, marker]


def _data_files(raw_dir: Path) -> list[Path]:
    """Files the loaders could read in ``raw_dir`` (CSV, text, Excel)."""
    return [p for p in _existing_files(raw_dir) if p.suffix.lower() in SUFFIXES]


def ensure_demo(paths: Paths | None = None, region: str = "32") -> bool:
    """Generate the demo data when ``data/raw`` holds no data file.

    Args:
        paths: project paths (default: current project).
        region: INSEE code or name of the region.

    Returns:
        True if the demo files were written, False if partners' data were already there.

    Raises:
        DataError: when ``data/raw`` holds no data file but other files (never overwritten).
    """
    paths = paths or get_paths()
    if _data_files(paths.raw):
        return False
    reference = paths if (paths.reference / QPV_2024_FILE).exists() else get_paths()
    _generate(paths.raw, reference, region, FIRST_YEAR, LAST_YEAR)
    return True
