"""Run parameters of a publication: one validated YAML file per year in ``params/``."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.geography import DEFAULT_REGION
from qpv_analytics.ingest.context_sources import SOURCES
from qpv_analytics.quality.model import DataError
from qpv_analytics.thresholds import MIN_COUNT, MIN_RATE_BASE, PARTIAL_STATUS_PCT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalTargets(_Strict):
    """Targets set locally (never constants in code); defaults are the usual national values."""

    part_attributions_qpv_q234_pct: float = Field(
        50.0,
        ge=0,
        le=100,
        description="Part des attributions en QPV aux demandeurs des quartiles 2 à 4 "
        "(fixée par la conférence intercommunale du logement ; 50 % par défaut).",
    )
    taux_valorisation_tfpb_pct: float = Field(
        100.0, ge=0, description="Taux de valorisation attendu de l'abattement TFPB."
    )
    seuil_statut_partiel_pct: float = Field(
        PARTIAL_STATUS_PCT,
        ge=0,
        le=100,
        description="En dessous de la cible mais au moins à ce pourcentage de la cible : "
        "« partiellement atteint ».",
    )


class Confidentiality(_Strict):
    """Statistical disclosure thresholds."""

    seuil_effectif: int = Field(
        MIN_COUNT,
        ge=MIN_COUNT,
        description="Effectif de personnes minimal publié (jamais moins de 5).",
    )
    seuil_base_taux: int = Field(
        MIN_RATE_BASE,
        ge=MIN_COUNT,
        description="Base minimale d'un taux publié (jamais moins de 5).",
    )


class ContextFile(_Strict):
    """One context-indicator file to import (sources: ``ingest.context_sources.SOURCES``)."""

    fichier: str = Field(description="Chemin du fichier, relatif à la racine du projet.")
    source: str = Field(pattern=f"^({'|'.join(SOURCES)})$", description="Nommage du fichier.")
    millesime: int | None = Field(None, ge=1990, le=2100, description="Millésime des données.")


DEFAULT_CONTEXT = (
    ContextFile(
        fichier=Paths(Path()).default_context.as_posix(),  # relative to the project root
        source="tiers_2024",
    ),
)


class RunParams(_Strict):
    """Parameters of one yearly publication (``params/<annee>.yaml``)."""

    annee: int = Field(ge=2000, le=2100, description="Année publiée.")
    region: str = Field(DEFAULT_REGION, description="Code INSEE ou nom de la région.")
    geographie_qpv: str = Field("2024", pattern="^(2015|2024)$")
    nb_annees_tendance: int = Field(5, ge=1, le=20, description="Années montrées en tendance.")
    titre: str = Field(
        "Évaluation de la politique de la ville dans les quartiers prioritaires",
        description="Titre de la publication.",
    )
    cibles_locales: LocalTargets = LocalTargets()
    confidentialite: Confidentiality = Confidentiality()
    referentiel_qpv: str = Field(
        "anct_2024",
        pattern="^(anct_2024|contexte)$",
        description="Liste des QPV : référentiel ANCT 2024 livré, ou construite depuis le premier "
        "fichier de contexte (régions sans référentiel).",
    )
    contexte: tuple[ContextFile, ...] = Field(
        DEFAULT_CONTEXT, description="Fichiers d'indicateurs de contexte par QPV à importer."
    )
    donnees_demo: bool = Field(
        True, description="Écrire les données de démonstration quand data/raw/ est vide."
    )
    rapports: tuple[str, ...] | None = Field(
        None, description="Rapports à publier (tous ceux de notebooks/ par défaut)."
    )

    @property
    def years(self) -> list[int]:
        """Years shown in trends, ending with the publication year."""
        return list(range(self.annee - self.nb_annees_tendance + 1, self.annee + 1))


def params_file(year: int, paths: Paths | None = None) -> Path:
    """Return the parameter file of one year."""
    return (paths or get_paths()).params / f"{year}.yaml"


def available_years(paths: Paths | None = None) -> list[int]:
    """Years that have a parameter file."""
    paths = paths or get_paths()
    return sorted(int(p.stem) for p in paths.params.glob("*.yaml") if p.stem.isdigit())


def load_params(year: int, paths: Paths | None = None) -> RunParams:
    """Read and validate ``params/<annee>.yaml``.

    Raises:
        DataError: French message naming the file and the faulty key when the file is missing,
            not YAML, has an unknown key, a wrong value, or an ``annee`` that differs from its name.
    """
    paths = paths or get_paths()
    path = params_file(year, paths)
    if not path.exists():
        years = ", ".join(map(str, available_years(paths))) or "aucune"
        raise DataError(
            f"Pas de fichier de paramètres pour {year} (params/{year}.yaml). Années "
            f"disponibles : {years}. À faire : copiez un fichier de params/ et adaptez-le."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"params/{path.name} n'est pas un YAML valide : {exc}") from None
    try:
        params = RunParams.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(racine)"
            what = "clé inconnue" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"  - {where} : {what}")
        raise DataError(
            f"Paramètres invalides dans params/{path.name} :\n"
            + "\n".join(lines)
            + "\nÀ faire : corrigez ces clés (les clés admises sont décrites dans "
            "params/README.md)."
        ) from None
    if params.annee != year:
        raise DataError(
            f"params/{path.name} déclare annee: {params.annee} ; le fichier doit porter "
            f"l'année qu'il publie. À faire : renommez le fichier ou corrigez « annee »."
        )
    return params
