"""French labels shown to users: axes, reports, levels, statuses, severities, marks."""

from __future__ import annotations

AXES: dict[int, str] = {
    1: "Renouvellement urbain",
    2: "GUSP et abattement TFPB",
    3: "Prévention des discriminations",
    4: "Laïcité et radicalisation",
    5: "Accès à l'emploi et clauses d'insertion",
    6: "Numérique et innovation",
}
"""The six axes of the IREV–URH roadmap."""

REPORT_TITLES = {
    "contexte": "Contexte des quartiers prioritaires",
    "axe1_renouvellement_urbain": "Axe 1 — Renouvellement urbain",
    "axe2_gusp_tfpb": "Axe 2 — GUSP et abattement TFPB",
    "axe3_discriminations": "Axe 3 — Prévention des discriminations",
    "axe4_laicite": "Axe 4 — Laïcité et radicalisation",
    "axe5_emploi_insertion": "Axe 5 — Accès à l'emploi et clauses d'insertion",
    "axe6_numerique": "Axe 6 — Numérique et innovation",
    "synthese": "Synthèse transversale de l'évaluation",
}
"""Titles and order of the reports on the index page (unlisted notebooks come last)."""

LEVEL_LABELS = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "qpv": "QPV",
    "bailleur": "Bailleur",
    "maitre_ouvrage": "Maître d'ouvrage",
    "axe_tfpb": "Axe TFPB",
}
"""Name of each level at which indicators are published."""

STATUS_LABELS = {
    "atteint": "Atteint",
    "partiel": "Partiellement atteint",
    "non_atteint": "Non atteint",
    "sans_donnee": "Sans donnée",
    "sans_cible": "Sans cible",
    "secret": "Secret statistique",
    "contexte": "Contexte",
}
"""Name of each status of an indicator against its target (``contexte``: an aggregate of the
units a binding target binds, shown with no status of its own)."""

TARGET_KIND_LABELS = {
    "legal": "Minimum légal",
    "national": "Cadre national",
    "contrat": "Engagement contractuel",
    "local": "Objectif local",
    "feuille_de_route": "Objectif de la feuille de route",
}
"""Name of each kind of target."""

UNIT_PLURALS = {
    "region": "région",
    "departement": "départements",
    "epci": "EPCI",
    "qpv": "QPV",
    "bailleur": "bailleurs",
    "maitre_ouvrage": "maîtres d'ouvrage",
    "projet": "projets",
    "marche": "marchés",
}
"""Plural name of the units a target binds (« 2 sur 3 EPCI »)."""

UNIT_BY = {
    "region": "à l'échelle régionale",
    "departement": "par département",
    "epci": "par EPCI",
    "qpv": "par QPV",
    "bailleur": "par bailleur",
    "maitre_ouvrage": "par maître d'ouvrage",
    "projet": "par projet",
    "marche": "par marché",
}
"""Where a target is judged (« jugé par maître d'ouvrage »)."""

EACH_UNIT = {
    "region": "la région",
    "departement": "chaque département",
    "epci": "chaque EPCI",
    "qpv": "chaque QPV",
    "bailleur": "chaque bailleur",
    "maitre_ouvrage": "chaque maître d'ouvrage",
    "projet": "chaque projet",
    "marche": "chaque marché",
}
"""Who a target binds, in French (« la cible engage chaque EPCI »)."""

SEVERITY_LABELS = {"bloquant": "ERREUR", "avertissement": "AVERTISSEMENT"}
"""Console label of each severity of a quality finding."""

SEVERITY_ADVICE = {"bloquant": "à corriger (bloquant)", "avertissement": "à vérifier"}
"""What a data producer is asked to do, by severity of the finding."""

SECRET = "s"
"""Mark of a value masked by the statistical secrecy."""

MISSING = "–"
"""Mark of a value without data (or not applicable)."""

MASKED_ID = "(identifiant masqué)"
"""Shown instead of an identifier of a personal table in the quality pages."""

MASKED_CONTACT = "[coordonnées masquées]"
"""Shown in the reports instead of an e-mail address or a phone number typed in free text."""

MASKED_NAME = "[nom masqué]"
"""Shown in the reports instead of a person's name (civility and name) typed in free text."""

PERSONAL_KIND_LABELS = {
    "email": "adresse e-mail",
    "telephone": "numéro de téléphone",
    "nom": "nom précédé d'une civilité",
}
"""French name of each kind of personal detail found in free text."""

EXPORT_TITLES = {**REPORT_TITLES, "ressources_etat": "Contexte — ressources de l'État"}
"""Title of the report behind each exported indicator table (``contexte`` also exports
``ressources_etat``)."""


def axis_title(axis: int) -> str:
    """Title of an axis: ``Axe 2 — GUSP et abattement TFPB``."""
    return f"Axe {axis} — {AXES[axis]}" if axis in AXES else f"Axe {axis}"


OS_ERRORS = {
    "EACCES": "droits d'accès insuffisants",
    "EPERM": "opération non permise",
    "EROFS": "disque ou dossier en lecture seule",
    "ENOSPC": "disque plein",
    "EDQUOT": "quota disque dépassé",
    "ENOENT": "fichier ou dossier introuvable",
    "EISDIR": "c'est un dossier, pas un fichier",
    "ENOTDIR": "un élément du chemin est un fichier, pas un dossier",
    "ELOOP": "liens symboliques en boucle",
    "ENAMETOOLONG": "chemin trop long",
    "EBUSY": "fichier ou dossier occupé par un autre programme",
    "ENOLCK": "verrouillage de fichiers non disponible sur ce disque",
}
"""French reason of the system errors a run may meet on files, by ``errno`` name."""


def os_error_reason(exc: OSError) -> str:
    """French reason of a system error on a file (never the English ``strerror``)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return OS_ERRORS.get(name, f"erreur système {name or exc.errno or 'inconnue'}")
