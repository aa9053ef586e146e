"""French texts of the demo data (they appear in the published reports): labels, subjects."""

from __future__ import annotations

TFPB_WEIGHTS = {1: 0.30, 2: 0.03, 3: 0.25, 4: 0.10, 5: 0.10, 6: 0.05, 7: 0.10, 8: 0.07}
"""Share of the actions on each axis of the national TFPB framework."""

TFPB_LABELS: dict[int, tuple[str, ...]] = {
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

EVENT_SUBJECTS: dict[int, tuple[str, ...]] = {
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

EVENT_PREFIX = {
    "reseau": "Réunion du réseau :",
    "co-formation": "Co-formation bailleurs–collectivités :",
    "formation": "Formation :",
    "webinaire": "Webinaire :",
    "visite": "Visite de site :",
    "publication": "Publication :",
}

EVENT_TYPE_WEIGHTS = {
    "reseau": 0.34,
    "co-formation": 0.20,
    "formation": 0.08,
    "webinaire": 0.16,
    "visite": 0.12,
    "publication": 0.10,
}
LAICITE_TYPE_WEIGHTS = {"formation": 0.75, "co-formation": 0.15, "reseau": 0.10}

EVENT_SIZE = {  # participants (min, max), durations in hours
    "reseau": ((10, 35), (2.0, 2.5, 3.0, 3.5)),
    "co-formation": ((12, 25), (3.5, 7.0, 14.0)),
    "formation": ((8, 16), (7.0, 14.0, 21.0)),
    "webinaire": ((20, 80), (1.0, 1.5, 2.0)),
    "visite": ((8, 25), (2.0, 3.0, 4.0)),
    "publication": ((0, 0), ()),
}

EVENT_AUDIENCE = {  # share of participants by type of organisation
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

PRACTICES: tuple[tuple[int, str, str, str, str], ...] = (
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

PROJECTS: tuple[tuple[int, str], ...] = (
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

ASSOCIATIONS = (
    "Association Quartiers connectés (fictive)",
    "Régie de quartier du Beffroi (fictive)",
    "Association Clés du numérique (fictive)",
)
