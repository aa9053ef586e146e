"""Declared context sources: how each kind of per-QPV indicator file maps onto ``contexte``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from qpv_analytics import contract

CONTEXT_TABLE = contract.TABLES["contexte"]
"""The contract table filled by this module."""

KEY_COLUMNS: tuple[str, ...] = ("code_qpv", "annee", "source")
"""Columns of ``contexte`` that are not indicators."""

INDICATOR_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in CONTEXT_TABLE.columns if c.name not in KEY_COLUMNS
)
"""Indicator columns of the contract table ``contexte``, in contract order."""

CODE_ALIASES: tuple[str, ...] = ("code_qp", "code_qpv", "codeqpv", "code_quartier", "codgeo", "qp")
"""Header names recognised as the QPV code column, whatever the source."""


class ContextImportError(ValueError):
    """A context file that cannot be imported; the French message names the file and the fix."""


@dataclass(frozen=True)
class ContextSource:
    """Declared mapping of one kind of context file onto the contract table ``contexte``.

    Column names are compared once folded by :func:`~qpv_analytics.ingest.readers.normalise_label`
    (case, accents, spaces and punctuation ignored; ``%`` read as ``pct``). Every
    descriptive column (name, commune, department, region, EPCI) is optional in the file: it is
    used when present.

    Attributes:
        name: identifier of the source (``"sig_ville"``).
        label: French label shown in reports.
        columns: source column → contract column of ``contexte``. A file may hold any subset.
        code_column: column of QPV codes.
        name_column: column of QPV names.
        commune_code_column: column of INSEE commune codes (zero-padded on import).
        commune_name_column: column of commune names.
        department_column: column of department codes, cross-checked with the QPV code.
        region_column: column of INSEE region codes, used by the region filter.
        epci_column: column of EPCI SIREN codes (several joined by ``epci_separator``).
        epci_name_column: column of EPCI names.
        commune_separator: separator of several communes written in one cell (``","``).
        epci_separator: separator of several EPCI written in one cell (``";"``).
        scale: contract column → factor applied to the source value (``100`` for a share in
            ``[0, 1]`` read into a ``_pct`` column).
        vintage: millésime of the indicators, or ``None`` when it must be given at import.
        geographie: expected QPV geography of the codes (``"2015"`` or ``"2024"``).
        provenance: free text: where the file comes from, licence, caveats.
        range_notes: contract column → French explanation appended to the message when values
            fall outside the contract range.
        notes: French caveats copied into every import of this source.
    """

    name: str
    label: str
    columns: Mapping[str, str]
    code_column: str
    name_column: str | None = None
    commune_code_column: str | None = None
    commune_name_column: str | None = None
    department_column: str | None = None
    region_column: str | None = None
    epci_column: str | None = None
    epci_name_column: str | None = None
    commune_separator: str | None = None
    epci_separator: str | None = None
    scale: Mapping[str, float] = field(default_factory=dict)
    vintage: int | None = None
    geographie: str | None = None
    provenance: str = ""
    range_notes: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns.values()) - set(INDICATOR_COLUMNS))
        if unknown:
            raise ValueError(
                f"Source « {self.name} » : colonnes absentes de la table contexte du contrat : "
                f"{', '.join(unknown)}. Colonnes possibles : {', '.join(INDICATOR_COLUMNS)}."
            )
        if len(set(self.columns.values())) != len(self.columns):
            raise ValueError(f"Source « {self.name} » : deux colonnes alimentent la même colonne.")
        unscaled = sorted(set(self.scale) - set(self.columns.values()))
        if unscaled:
            raise ValueError(
                f"Source « {self.name} » : facteur d'échelle sur une colonne non alimentée : "
                f"{', '.join(unscaled)}."
            )
        for attr in ("columns", "scale", "range_notes"):
            object.__setattr__(self, attr, MappingProxyType(dict(getattr(self, attr))))


SIG_VILLE = ContextSource(
    name="sig_ville",
    label="Indicateurs INSEE / SIG Ville par QPV",
    columns={
        "pop_mun": "population_municipale",
        "tp60": "taux_pauvrete_60_pct",
        "tx_tot_empl": "taux_emploi_15_64_pct",
        "abcde": "demandeurs_emploi_abcde",
        "decuc_q2": "revenu_median_declare_uc_eur",
        "disp_q2": "revenu_median_disponible_uc_eur",
    },
    code_column="code_qp",
    name_column="nom_qp",
    commune_name_column="nom_commune",
    commune_separator=",",
    vintage=None,
    geographie="2015",
    provenance=(
        "Extractions INSEE / SIG Ville (sig.ville.gouv.fr) par QPV, nommage décrit dans "
        "data/reference/sig-ville-indicateurs-metadonnees.csv (ToulouseDataViz/Hackaviz2021, "
        "meta/meta_qp.csv, commit a054acb ; jeu bâti sur « démographie 2015 » et "
        "« revenus 2017 » de l'INSEE). Codes QPV 2015 (QP + département sur 3 chiffres + "
        "numéro). Cellules vides = secret statistique. Le millésime dépend de l'extraction : "
        "il est à préciser à chaque import."
    ),
)
"""INSEE / SIG Ville naming (``code_qp``, ``pop_mun``, ``tp60``…), 2015 QPV codes."""

TIERS_2024 = ContextSource(
    name="tiers_2024",
    label="Compilation tierce d'indicateurs par QPV 2024",
    columns={
        "popMuniQPV": "population_municipale",
        "taux_pauvrete_60%": "taux_pauvrete_60_pct",
        "taux_d_emploi": "taux_emploi_15_64_pct",
        "nombre_menages": "nombre_menages",
        "nombre_logements_sociaux": "nombre_logements_sociaux",
        "taux_logements_sociaux": "taux_logements_sociaux_pct",
        "indiceJeunesse": "indice_jeunesse",
        "allocataires_CAF": "allocataires_caf",
        "personnes_couvertes_CAF": "personnes_couvertes_caf",
    },
    code_column="codeQPV",
    name_column="lib_qp",
    commune_code_column="COG",
    commune_name_column="lib_com",
    department_column="insee_dep",
    region_column="insee_reg",
    epci_column="siren_epci",
    epci_name_column="lib_epci",
    epci_separator=";",
    vintage=2024,
    geographie="2024",
    provenance=(
        "RemiG1984/MaFrance, setup/inputFiles/analyse_qpv.csv, commit "
        "8ecb4e38ae6b093d21580376f42b976e31286e3e (licence MIT), copié dans "
        "data/reference/qpv2024-indicateurs.csv. Compilation qui cite SIG Ville et la liste "
        "nationale des QPV sans donner de millésime : 2024 est l'année de la géographie, pas "
        "celle des indicateurs. Une ligne par QPV et par commune (indicateurs répétés)."
    ),
    range_notes={"taux_logements_sociaux_pct": "logements sociaux par ménage, pas une part"},
    notes=(
        "Millésime non documenté par le fichier : « 2024 » est l'année de la géographie "
        "prioritaire, pas celle des indicateurs.",
        "taux_logements_sociaux_pct : dans ce fichier, la valeur rapporte les logements sociaux "
        "aux ménages (logements sociaux / ménages × 100), ce n'est pas une part des logements ; "
        "les valeurs supérieures à 100 sont écartées.",
    ),
)
"""Third-party compilation ``qpv2024-indicateurs.csv`` (one row per QPV and commune)."""

SOURCES: Mapping[str, ContextSource] = MappingProxyType(
    {s.name: s for s in (SIG_VILLE, TIERS_2024)}
)
"""Declared context sources, by name."""


INDICATOR_LABELS: Mapping[str, str] = MappingProxyType(
    {
        c.name: c.description.rstrip(".")
        for c in CONTEXT_TABLE.columns
        if c.name in INDICATOR_COLUMNS
    }
)
"""French label of each indicator column of ``contexte`` (from the data contract)."""

INDICATOR_UNITS: Mapping[str, str] = MappingProxyType(
    {c.name: c.unit or "" for c in CONTEXT_TABLE.columns if c.name in INDICATOR_COLUMNS}
)
"""Unit of each indicator column of ``contexte`` (``%``, ``€``, ``habitants``…)."""


def get_source(source: str | ContextSource) -> ContextSource:
    """Return a declared source by name (or the source itself).

    Args:
        source: a name of :data:`SOURCES` or a :class:`ContextSource`.

    Raises:
        ContextImportError: when the name is unknown.
    """
    if isinstance(source, ContextSource):
        return source
    try:
        return SOURCES[source]
    except KeyError:
        raise ContextImportError(
            f"Source de contexte inconnue « {source} ». Sources déclarées : "
            f"{', '.join(SOURCES)} ; ou déclarez un ContextSource pour un autre format."
        ) from None
