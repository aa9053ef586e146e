"""Geography facts: departments, regions, and the patterns of QPV and EPCI codes."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_REGION = "32"
"""INSEE code of the demo region (Hauts-de-France), the default of the run parameters."""

NATIONAL_REGION = "FR"
"""``region`` of a publication over the whole national QPV list (``referentiel_qpv: anct_2024``):
every QPV, including the overseas collectivities attached to no region (Saint-Martin, French
Polynesia). Not an INSEE code: the national list has none for France."""

NATIONAL_NAMES = ("france", "france entière", "national", "nationale")
"""Names (case-folded) that also designate :data:`NATIONAL_REGION` in ``region``."""

NATIONAL_LABEL = "France entière"
"""Name of :data:`NATIONAL_REGION` in pages and messages."""

QPV_PATTERN = r"^(QP(\d{3}|02[AB])\d{3}|QN(\d{3}|02[AB])\d{2}[A-Z0-9])$"
"""QPV codes: ``QP059001`` (geography 2015) or ``QN05901M`` (geography 2024)."""

SIREN_PATTERN = r"^\d{9}$"
"""SIREN of an EPCI: nine digits."""

DEPARTEMENT_PATTERN = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-8]|98[0-9])$"
"""INSEE department codes (metropolitan, Corsica, overseas)."""

DEPARTEMENTS = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
}
"""Names of the French departments and overseas collectivities (INSEE COG codes)."""

REGIONS: Mapping[str, str] = MappingProxyType(
    {
        "01": "Guadeloupe",
        "02": "Martinique",
        "03": "Guyane",
        "04": "La Réunion",
        "06": "Mayotte",
        "11": "Île-de-France",
        "24": "Centre-Val de Loire",
        "27": "Bourgogne-Franche-Comté",
        "28": "Normandie",
        "32": "Hauts-de-France",
        "44": "Grand Est",
        "52": "Pays de la Loire",
        "53": "Bretagne",
        "75": "Nouvelle-Aquitaine",
        "76": "Occitanie",
        "84": "Auvergne-Rhône-Alpes",
        "93": "Provence-Alpes-Côte d'Azur",
        "94": "Corse",
    }
)
"""Names of the French regions (INSEE COG codes, regions since 2016)."""

REGION_DEPARTEMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "01": ("971",),
        "02": ("972",),
        "03": ("973",),
        "04": ("974",),
        "06": ("976",),
        "11": ("75", "77", "78", "91", "92", "93", "94", "95"),
        "24": ("18", "28", "36", "37", "41", "45"),
        "27": ("21", "25", "39", "58", "70", "71", "89", "90"),
        "28": ("14", "27", "50", "61", "76"),
        "32": ("02", "59", "60", "62", "80"),
        "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
        "52": ("44", "49", "53", "72", "85"),
        "53": ("22", "29", "35", "56"),
        "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
        "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
        "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
        "93": ("04", "05", "06", "13", "83", "84"),
        "94": ("2A", "2B"),
    }
)
"""Departments of each region (INSEE codes, regions since 2016): used when a file has no region."""

EPCI_CORRESPONDANCES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "245900410": (
            "200093201",
            "Métropole européenne de Lille : nouveau SIREN au 1er janvier 2020, après la fusion "
            "avec la CC de la Haute-Deûle",
        ),
        "245901061": (
            "200093201",
            "CC de la Haute-Deûle : fusionnée dans la Métropole européenne de Lille au 1er janvier "
            "2020",
        ),
    }
)
"""EPCI SIREN of the 2019 geography → (SIREN of the 2024 geography, French reason).

INSEE's commune → EPCI table published under the 2020 label (and Filosofi 2019) still uses the
2019 geography; the 2024 QPV list and Filosofi 2021 use the new codes. Every EPCI code read in
the 2019 geography goes through this table, and nothing else is renamed: an EPCI of the QPV
list still missing afterwards is reported as a missing comparison, never guessed. Add a line
here (with its reason) for another region's changes.
"""
