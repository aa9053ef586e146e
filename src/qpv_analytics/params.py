"""Run parameters of a publication: one validated YAML file per year in ``params/``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.geography import DEFAULT_REGION, REGIONS
from qpv_analytics.ingest.context_sources import SOURCES
from qpv_analytics.labels import os_error_reason
from qpv_analytics.quality.model import DataError
from qpv_analytics.thresholds import MIN_COUNT, MIN_RATE_BASE, PARTIAL_STATUS_PCT

REGION_CODES = {name.casefold(): code for code, name in REGIONS.items()}
"""Region name (case-folded) → INSEE code, to read ``region`` given by name."""


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


class Profiles(_Strict):
    """Which profiles the publication builds (one page per EPCI and per landlord)."""

    epci: Literal["tous"] | tuple[str, ...] = Field(
        "tous", description="SIREN des EPCI dont publier le profil, ou « tous »."
    )
    bailleurs: Literal["tous"] | tuple[str, ...] = Field(
        "tous", description="Noms des bailleurs du registre dont publier le profil, ou « tous »."
    )


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
    donnees_demo: bool | None = Field(
        None,
        description="Écrire les données de démonstration quand data/raw/ est vide : true, "
        "false, ou absent (seulement pour la région de démonstration, Hauts-de-France).",
    )
    rapports: tuple[str, ...] | None = Field(
        None, description="Rapports à publier (tous ceux de notebooks/ par défaut)."
    )
    profils: Profiles = Field(
        Profiles(),
        description="Profils publiés avec la synthèse : EPCI et bailleurs (tous par défaut).",
    )

    @property
    def demo_wanted(self) -> bool:
        """Whether an empty ``data/raw`` gets the demo data.

        Explicit ``donnees_demo`` wins; without it, only the demo region on the national QPV
        list gets them: the demo files hold that region's 2024 QPV codes, which another
        region's list would refuse as unknown codes.
        """
        if self.donnees_demo is not None:
            return self.donnees_demo
        region = self.region.strip()
        code = region.zfill(2) if region.isdigit() else REGION_CODES.get(region.casefold())
        return self.referentiel_qpv == "anct_2024" and code == DEFAULT_REGION

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
        DataError: French message naming the file, the line and column or the faulty key, and
            what to do, when the file is missing or unreadable, not valid YAML (duplicate keys
            included), has an unknown key, a wrong value, or an ``annee`` that differs from its
            name. No English library message is shown.
    """
    paths = paths or get_paths()
    path = params_file(year, paths)
    name = f"params/{path.name}"
    if not path.exists():
        years = ", ".join(map(str, available_years(paths))) or "aucune"
        raise DataError(
            f"Pas de fichier de paramètres pour {year} (params/{year}.yaml). Années "
            f"disponibles : {years}. À faire : copiez un fichier de params/ et adaptez-le."
        )
    text = _read_text(path, name)
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise DataError(yaml_error_text(exc, name, text)) from None
    try:
        params = RunParams.model_validate({} if raw is None else raw)
    except ValidationError as exc:
        lines = _key_lines(text)
        found = []
        for err in exc.errors():
            key = _key_name(err["loc"])
            line = _line_of(err["loc"], lines)
            where = f"ligne {line}, {key}" if line else key
            found.append((line or 0, f"  - {where} : {_pydantic_text(err)}"))
        raise DataError(
            f"Paramètres invalides dans {name} :\n"
            + "\n".join(text for _, text in sorted(found, key=lambda f: f[0]))
            + "\nÀ faire : corrigez ces clés (les clés admises sont décrites dans "
            "params/README.md)."
        ) from None
    if params.annee != year:
        raise DataError(
            f"{name} déclare annee: {params.annee} ; le fichier doit porter "
            f"l'année qu'il publie. À faire : renommez le fichier ou corrigez « annee »."
        )
    return params


def _read_text(path: Path, name: str) -> str:
    """The text of the parameter file, or a French DataError (rights, encoding)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(
            f"{name} ne peut pas être lu ({os_error_reason(exc)}). À faire : donnez-vous le "
            f"droit de lecture (chmod u+r {name}) ou demandez-le à l'administrateur du poste."
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{name}, ligne {line} : le fichier n'est pas enregistré en UTF-8 (accents "
            "illisibles). "
            "À faire : enregistrez-le en UTF-8 (dans le Bloc-notes : « Enregistrer sous », "
            "codage UTF-8)."
        ) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key written twice (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"la clé « {key} » est écrite deux fois (déjà ligne {seen[key] + 1})",
                    problem_mark=key_node.start_mark,
                )
            if isinstance(key, str | int | float | bool):
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


_QUOTE_IT = 'mettez la valeur entre guillemets (titre: "…")'


@dataclass(frozen=True)
class _YamlProblem:
    """A PyYAML problem recognised by a fragment of its English text, told in French."""

    fragment: str
    problem: str
    action: str
    at_opening: bool = False
    """Point at where the quote, bracket or key opened rather than where PyYAML stopped."""


_YAML_PROBLEMS = (
    _YamlProblem("écrite deux fois", "{problem}", "gardez une seule fois chaque clé"),
    _YamlProblem(
        "found character '\\t'",
        "une tabulation sert de retrait ; YAML n'accepte que des espaces",
        "remplacez les tabulations par des espaces (deux par niveau)",
    ),
    _YamlProblem(
        "mapping values are not allowed here",
        "un « : » inattendu (une valeur qui contient « : », ou une ligne trop en retrait)",
        f"{_QUOTE_IT}, et alignez chaque clé sur ses voisines",
    ),
    _YamlProblem(
        "could not find expected ':'",
        "une clé sans « : » (ou une ligne de texte coupée)",
        "écrivez « clé: valeur », ou mettez un long texte sur une ligne entre guillemets",
        at_opening=True,
    ),
    _YamlProblem(
        "unknown escape character",
        "une barre oblique inverse « \\ » entre guillemets doubles (chemin Windows ?)",
        "écrivez les chemins avec « / », ou entre apostrophes simples",
    ),
    _YamlProblem(
        "quoted scalar",
        "un guillemet ouvert n'est jamais refermé",
        "refermez le guillemet (dans un texte entre apostrophes, doublez l'apostrophe : "
        "'l''Avesnois')",
        at_opening=True,
    ),
    _YamlProblem(
        "expected <block end>",
        "le retrait (indentation) est incohérent",
        "alignez les clés d'une même rubrique sur la même colonne, avec des espaces",
    ),
    _YamlProblem(
        "flow sequence",
        "un crochet « [ » n'est pas refermé (ou il manque une virgule)",
        "écrivez la liste sur une ligne : [axe1_renouvellement_urbain, synthese]",
        at_opening=True,
    ),
    _YamlProblem(
        "flow mapping",
        "une accolade « { » n'est pas refermée (ou il manque une virgule)",
        "refermez l'accolade, ou écrivez une clé par ligne",
        at_opening=True,
    ),
    _YamlProblem("alias", "un « * » en début de valeur (alias YAML)", _QUOTE_IT, True),
    _YamlProblem("anchor", "un « & » en début de valeur (ancre YAML)", _QUOTE_IT, True),
    _YamlProblem("block scalar", "un « | » ou « > » en début de valeur", _QUOTE_IT, True),
    _YamlProblem("constructor for the tag", "un « ! » en début de valeur (étiquette)", _QUOTE_IT),
    _YamlProblem(
        "that cannot start any token",
        "un caractère qui ne peut pas commencer une valeur",
        _QUOTE_IT,
    ),
    _YamlProblem(
        "expected a single document",
        "le fichier contient plusieurs documents (ligne « --- »)",
        "gardez un seul jeu de paramètres par fichier",
    ),
    _YamlProblem(
        "special characters are not allowed",
        "un caractère de contrôle invisible (souvent venu d'un copier-coller)",
        "supprimez-le en retapant la ligne",
    ),
)


def yaml_error_text(exc: yaml.YAMLError, name: str, text: str) -> str:
    """French message for a PyYAML error: file, line, column, problem, what to do."""
    told = " ".join(str(getattr(exc, a, "") or "") for a in ("problem", "context", "reason"))
    known = next((p for p in _YAML_PROBLEMS if p.fragment in told), None)
    problem = (
        known.problem.replace("{problem}", str(getattr(exc, "problem", "")))
        if known
        else "la syntaxe YAML est invalide"
    )
    action = (
        known.action
        if known
        else "comparez la ligne avec params/README.md et un fichier de params/ qui fonctionne"
    )
    mark = getattr(exc, "problem_mark", None)
    if known and known.at_opening and getattr(exc, "context_mark", None) is not None:
        mark = exc.context_mark
    if mark is not None:
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}"
    elif isinstance(exc, yaml.reader.ReaderError):
        where = f"ligne {text[: exc.position].count(chr(10)) + 1}"
    else:
        where = "position inconnue"
    return f"{name}, {where} : {problem}. À faire : {action}."


def _key_lines(text: str) -> dict[tuple, int]:
    """Line (1-based) of each key and list item of a valid YAML text, by pydantic location."""
    lines: dict[tuple, int] = {}

    def walk(node, loc: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*loc, key.value)
                lines[here] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + 1
                walk(item, (*loc, i))

    try:
        walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    except yaml.YAMLError:
        pass
    return lines


def _line_of(loc: tuple, lines: dict[tuple, int]) -> int | None:
    """Line of the deepest part of ``loc`` written in the file (a missing key: its parent)."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _key_name(loc: tuple) -> str:
    """A pydantic location in the YAML's terms: ``confidentialite.seuil_effectif``, ``contexte[1]``.

    List items are numbered from 1, as a reader counts them.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif "[" not in str(part):  # pydantic's name of a union branch, not a key
            out += f".{part}" if out else str(part)
    return out or "(fichier entier)"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The parameter model holding the last key of ``loc`` (for the list of admitted keys)."""
    model: type[BaseModel] | None = RunParams
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        model = _nested_model(field.annotation) if field else None
    return model


def _nested_model(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found:
            return found
    return None


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _pydantic_text(err: dict) -> str:
    """French text of one pydantic error (never pydantic's English message)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    key = str(err["loc"][-1]) if err["loc"] else ""
    found = f"valeur trouvée : {_shown(value)}"
    if kind == "extra_forbidden":
        model = _model_at(err["loc"])
        admitted = list(model.model_fields) if model else []
        near = get_close_matches(key, admitted, n=1, cutoff=0.6)
        hint = f" ; vouliez-vous dire « {near[0]} » ?" if near else ""
        return f"clé inconnue{hint} (clés admises ici : {', '.join(admitted)})"
    if kind == "missing":
        return "clé obligatoire absente"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"nombre entier attendu ({found})"
    if kind in ("float_parsing", "float_type"):
        return f"nombre attendu, avec un point décimal : 12.5 ({found})"
    if kind in ("bool_parsing", "bool_type"):
        return f"true ou false attendu ({found})"
    if kind == "string_type":
        return (
            f"texte attendu ({found}) : écrivez la valeur entre guillemets, "
            f'par exemple {key}: "{value}"'
        )
    if kind == "string_pattern_mismatch":
        choices = re.fullmatch(r"\^\((.*)\)\$", ctx.get("pattern", ""))
        allowed = ", ".join(choices.group(1).split("|")) if choices else "voir params/README.md"
        return f"valeur non admise ({found}) ; valeurs admises : {allowed}"
    bounds = {
        "greater_than_equal": ("au moins", "ge"),
        "greater_than": ("plus de", "gt"),
        "less_than_equal": ("au plus", "le"),
        "less_than": ("moins de", "lt"),
    }
    if kind in bounds:
        word, bound = bounds[kind]
        return f"la valeur doit être {word} {ctx.get(bound)} ({found})"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not err["loc"]:
            return "le fichier doit être une suite de lignes « clé: valeur »"
        return f"une rubrique est attendue : des clés en retrait sous « {key}: » ({found})"
    if kind in ("tuple_type", "list_type"):
        return f"une liste est attendue, par exemple {key}: [valeur1, valeur2] ({found})"
    return f"valeur non admise ({found})"
