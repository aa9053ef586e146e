"""Invented social landlords of the demo region, with their spelling variants."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Landlord:
    """An invented social landlord."""

    nom: str
    type_bailleur: str
    variantes: tuple[str, ...]
    rangs: tuple[int, ...]
    """Departments where it owns stock, as ranks of the region's departments by number of QPV
    (0 = the department with most QPV), so that the same registry fits any region."""
    taux_valorisation: float
    """Target ratio valued / abatement (below 1 for the landlords that value too little)."""


LANDLORDS: tuple[Landlord, ...] = (
    Landlord(
        "Habitat des Beffrois (fictif)",
        "OPH",
        ("Hab. des Beffrois", "HABITAT DES BEFFROIS"),
        (0,),
        1.40,
    ),
    Landlord("Logis de l'Opale (fictif)", "ESH", ("Logis de l Opale", "LOGIS OPALE"), (1,), 1.45),
    Landlord("Toits du Hainaut (fictif)", "ESH", ("Toits du Hainaut",), (0,), 1.38),
    Landlord(
        "Maisons de la Deûle (fictif)",
        "ESH",
        ("Maisons de la Deule", "Mais. de la Deûle", "Maisons Deûle"),
        (0,),
        0.88,
    ),
    Landlord(
        "Office des Terrils (fictif)", "OPH", ("Office des Terrils", "OFFICE TERRILS"), (1, 0), 1.36
    ),
    Landlord("Foyers de la Lys (fictif)", "COOP", ("Foyers de la Lys", "Foyers Lys"), (0, 1), 1.50),
    Landlord(
        "Moulins de Flandre Habitat (fictif)",
        "ESH",
        ("Moulins de Flandre", "MdF Habitat"),
        (0,),
        1.55,
    ),
    Landlord(
        "Résidences de l'Escaut (fictif)",
        "SEM",
        ("Residences de l'Escaut", "Résidences Escaut"),
        (0,),
        0.92,
    ),
    Landlord(
        "Cités de la Sambre (fictif)", "OPH", ("Cites de la Sambre", "CITES SAMBRE"), (0,), 1.36
    ),
    Landlord(
        "Logis des Marais (fictif)",
        "ESH",
        ("Logis des Marais", "Logis Marais Audomarois"),
        (1,),
        1.40,
    ),
    Landlord(
        "Toits du Bassin minier (fictif)",
        "ESH",
        ("Toits du Bassin Minier", "TBM (fictif)"),
        (1, 0),
        0.85,
    ),
    Landlord(
        "Habitat des Hortillonnages (fictif)",
        "OPH",
        ("Habitat Hortillonnages", "HABITAT DES HORTILLONNAGES"),
        (4,),
        1.33,
    ),
    Landlord("Logis de la Baie (fictif)", "ESH", ("Logis de la Baie", "Logis Baie"), (4, 1), 1.47),
    Landlord(
        "Maisons du Valois (fictif)", "ESH", ("Maisons du Valois", "Maisons Valois"), (2,), 1.39
    ),
    Landlord(
        "Logis du Beauvaisis (fictif)",
        "OPH",
        ("Logis du Beauvaisis", "LOGIS BEAUVAISIS"),
        (2,),
        1.44,
    ),
    Landlord(
        "Foyers de la Thiérache (fictif)",
        "OPH",
        ("Foyers de la Thierache", "Foyers Thiérache"),
        (3,),
        0.94,
    ),
    Landlord(
        "Habitat du Vermandois (fictif)",
        "ESH",
        ("Habitat Vermandois", "HABITAT DU VERMANDOIS"),
        (3, 4),
        1.37,
    ),
    Landlord(
        "Coopérative des Trois Vallées (fictif)",
        "COOP",
        ("Coop. des Trois Vallées", "Cooperative des 3 Vallees"),
        (2, 3),
        1.52,
    ),
    Landlord(
        "Résidences du Littoral (fictif)",
        "SEM",
        ("Residences du Littoral", "Résidences Littoral"),
        (1, 0),
        1.41,
    ),
    Landlord(
        "Logis de la Scarpe (fictif)",
        "ESH",
        ("Logis de la Scarpe", "LOGIS SCARPE", "Logis Scarpe-Escaut"),
        (0, 1),
        1.46,
    ),
)
NB_RANGS = 1 + max(r for landlord in LANDLORDS for r in landlord.rangs)
BY_NAME = {landlord.nom: landlord for landlord in LANDLORDS}
