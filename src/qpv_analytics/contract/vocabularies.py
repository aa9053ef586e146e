"""Closed vocabularies of the contract's coded columns (TFPB axes, event and market types…)."""

from __future__ import annotations

AXES_TFPB: dict[int, str] = {
    1: "Renforcement de la présence du personnel de proximité",
    2: "Formation / soutien des personnels de proximité",
    3: "Sur-entretien",
    4: "Gestion des déchets, encombrants et épaves",
    5: "Tranquillité résidentielle",
    6: "Concertation / sensibilisation des locataires",
    7: "Animation, lien social, vivre ensemble",
    8: "Petits travaux d'amélioration de la qualité de service",
}
"""The 8 action axes of the national TFPB abatement framework."""

TYPES_EVENEMENT = ("reseau", "co-formation", "formation", "webinaire", "visite", "publication")
TYPES_ORGANISATION = ("bailleurs", "collectivites", "etat", "associations", "habitants", "autres")
NATURES_RU = ("demolition", "reconstitution", "rehabilitation", "residentialisation", "equipement")
TYPES_MARCHE = ("travaux_anru", "gusp", "autre")
SITUATIONS_6_MOIS = (
    "emploi_durable",
    "emploi_transition",
    "formation_qualifiante",
    "sans_emploi",
    "inconnue",
)
