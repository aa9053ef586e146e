"""Import of per-QPV context indicators (INSEE / SIG Ville and similar files) into ``contexte``."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from qpv_analytics import contract
from qpv_analytics.geography import QPV_PATTERN, REGION_DEPARTEMENTS

CONTEXT_TABLE = contract.TABLES["contexte"]
"""The contract table filled by this module."""

KEY_COLUMNS: tuple[str, ...] = ("code_qpv", "annee", "source")
"""Columns of ``contexte`` that are not indicators."""

INDICATOR_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in CONTEXT_TABLE.columns if c.name not in KEY_COLUMNS
)
"""Indicator columns of the contract table ``contexte``, in contract order."""

COMMUNE_COLUMNS: tuple[str, ...] = (
    "code_qpv",
    "nom_qpv",
    "code_commune",
    "nom_commune",
    "code_departement",
    "code_region",
    "siren_epci",
    "siren_epci_tous",
    "nom_epci",
)
"""Columns of :attr:`ContextImport.communes` (QPV × commune), all nullable strings.

``siren_epci`` is the first EPCI listed for the row, ``siren_epci_tous`` all of them (``"; "``),
``nom_epci`` the name of the first one.
"""

QPV_CODE_PATTERN = re.compile(QPV_PATTERN)
"""2015 codes (``QP059001``) and 2024 codes (``QN05920M``), Corsica (``QN02A01M``) included."""

SECRET_MARKERS = frozenset({"", "s", "nd", "n.d.", "n.d", "nc", "na", "n/a", "nan", "secret", "-"})
"""Cell contents read as a blank (statistical secrecy or missing value), never as zero."""

CODE_ALIASES: tuple[str, ...] = ("code_qp", "code_qpv", "codeqpv", "code_quartier", "codgeo", "qp")
"""Header names recognised as the QPV code column, whatever the source."""


_MAX_LISTED = 10
_HEADER_SEARCH_ROWS = 30


class ContextImportError(ValueError):
    """A context file that cannot be imported; the French message names the file and the fix."""


@dataclass(frozen=True)
class ContextSource:
    """Declared mapping of one kind of context file onto the contract table ``contexte``.

    Column names are matched case-insensitively, ignoring accents, spaces and hyphens. Every
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


@dataclass
class ContextImport:
    """Result of :func:`import_context`.

    Attributes:
        data: one row per QPV with exactly the columns and dtypes of the contract table
            ``contexte``; blank (secret) cells and discarded values are ``<NA>``.
        secret_cells: number of QPV with a blank cell, per indicator present in the file.
        anomalies: French messages on the rows discarded, corrected or set to ``<NA>``.
        communes: QPV × commune table (columns :data:`COMMUNE_COLUMNS`).
        source: the source description used.
        vintage: millésime written in ``annee``.
        path: the file read (never modified).
        region: region filter applied (INSEE code), if any.
        departements: departments kept, if the filter used departments.
        geographie: geography of the codes (``"2015"``, ``"2024"``) or ``None`` if mixed.
        missing_columns: indicator columns of the source absent from the file (left ``<NA>``).
        notes: French caveats of the source and of the file.
        rows_read: data rows read from the file (before any filter).
    """

    data: pd.DataFrame
    secret_cells: dict[str, int]
    anomalies: list[str]
    communes: pd.DataFrame
    source: ContextSource
    vintage: int
    path: Path
    region: str | None = None
    departements: tuple[str, ...] | None = None
    geographie: str | None = None
    missing_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0


@dataclass(frozen=True)
class WeightedMean:
    """A weighted mean with the share of QPV and population it is computed on.

    Attributes:
        value: the weighted mean, ``None`` when no QPV has both a value and a weight.
        n_qpv_used: QPV with both a value and a weight.
        n_qpv_total: QPV (rows) in the table.
        population_coverage_pct: weight of the QPV used / weight of the QPV with a known
            weight × 100; ``None`` when no weight is known.
    """

    value: float | None
    n_qpv_used: int
    n_qpv_total: int
    population_coverage_pct: float | None


@dataclass(frozen=True)
class RegionComparison:
    """Each QPV compared with the mean of the region's QPV.

    Attributes:
        regional: population-weighted mean of the QPV of the table.
        distribution: output of :func:`distribution` for the compared column.
        table: one row per QPV: value, ``moyenne_qpv_region``, ``ecart`` (value − mean, in the
            column's unit, points for a rate), ``rapport`` (value / mean) and ``position``
            (``"au-dessus"``, ``"en dessous"``, ``"égal"`` or ``<NA>``).
    """

    regional: WeightedMean
    distribution: pd.DataFrame
    table: pd.DataFrame


# --------------------------------------------------------------------------------------------
# Small normalisation helpers
# --------------------------------------------------------------------------------------------


def _norm_header(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name).replace("\ufeff", ""))
    text = text.encode("ascii", "ignore").decode().strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _clean_code(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def _strip_float_suffix(text: str) -> str:
    """``"84.0"`` → ``"84"`` (codes written as numbers by a spreadsheet)."""
    return re.sub(r"^(\d+)[.,]0+$", r"\1", text.strip())


def departement_from_code(code: str) -> str | None:
    """Return the department of a QPV code: ``QP059001`` → ``"59"``, ``QN02A01M`` → ``"2A"``.

    Args:
        code: a 2015 (``QP…``) or 2024 (``QN…``) QPV code.

    Returns:
        The INSEE department code (2 characters, 3 for overseas departments), or ``None``
        when the code is not a QPV code.
    """
    code = _clean_code(str(code))
    if not QPV_CODE_PATTERN.match(code):
        return None
    part = code[2:5]
    return part[1:] if part.startswith("0") else part


def normalize_departement(value: object) -> str | None:
    """Return a department code with its leading zero: ``"2"`` → ``"02"``, ``"2a"`` → ``"2A"``.

    Args:
        value: a department code as written in a file (``2``, ``"2.0"``, ``"059"``, ``"971"``).

    Returns:
        The normalised code, or ``None`` for a blank.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = _strip_float_suffix(str(value)).upper()
    if text.lower() in SECRET_MARKERS:
        return None
    if text.isdigit():
        if len(text) <= 2:
            return text.zfill(2)
        if len(text) == 3 and text.startswith("0"):
            return text[1:]
    return text


def normalize_region(value: object) -> str | None:
    """Return an INSEE region code on 2 characters: ``"84.0"`` → ``"84"``, ``1`` → ``"01"``.

    Args:
        value: a region code as written in a file.

    Returns:
        The normalised code, or ``None`` for a blank.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = _strip_float_suffix(str(value))
    if text.lower() in SECRET_MARKERS:
        return None
    return text.zfill(2) if text.isdigit() else text


def _normalize_commune(value: str) -> str | None:
    text = _strip_float_suffix(value).upper()
    if text.lower() in SECRET_MARKERS:
        return None
    return text.zfill(5) if text.isdigit() else text


def _normalize_siren(value: str) -> str | None:
    text = _strip_float_suffix(value).replace(" ", "")
    if text.lower() in SECRET_MARKERS:
        return None
    return text.zfill(9) if text.isdigit() else text


def _region_of(departement: str | None) -> str | None:
    for region, deps in REGION_DEPARTEMENTS.items():
        if departement in deps:
            return region
    return None


def _parse_number(text: str) -> float | None:
    """Parse a French or English formatted number; ``None`` for a blank or secrecy marker.

    Raises:
        ValueError: when the text is not a number.
    """
    s = text.strip()
    if s.lower() in SECRET_MARKERS:
        return None
    s = re.sub(r"[\s\u00a0\u202f]", "", s).removesuffix("%")
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _fr_number(value: float, decimals: int = 2) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _listing(items: Sequence[object], limit: int = _MAX_LISTED) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f"… (+{len(items) - limit})" if len(items) > limit else "")


def _n_qpv(n: int, singular: str, plural: str) -> str:
    return f"{n} QPV {singular if n == 1 else plural}"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _lines_text(lines: Sequence[int]) -> str:
    word = "ligne" if len(lines) == 1 else "lignes"
    return f"{word} {_listing(sorted(lines))}"


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


@dataclass
class _RawTable:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    detail: str
    header_found: bool = False
    ragged: int = 0


def _find_header(rows: Sequence[Sequence[str]], names: set[str]) -> int | None:
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if any(_norm_header(c) in names for c in row):
            return i
    return None


def _build_table(
    rows: list[list[str]], lines: list[int], names: set[str], detail: str
) -> _RawTable:
    found = _find_header(rows, names)
    start = found
    if start is None:
        start = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0)
    header_row = rows[start] if rows else []
    header: list[str] = []
    for j, name in enumerate(header_row):
        name = str(name).replace("\ufeff", "").strip() or f"colonne_{j + 1}"
        while name in header:
            name = f"{name}_{j + 1}"
        header.append(name)
    width = len(header)
    data, data_lines, ragged = [], [], 0
    for row, line in zip(rows[start + 1 :], lines[start + 1 :], strict=True):
        if not any(c.strip() for c in row):
            continue
        ragged += len(row) != width
        data.append((list(row) + [""] * width)[:width])
        data_lines.append(line)
    return _RawTable(header, data, data_lines, detail, found is not None, ragged)


def _read_csv(path: Path, names: set[str]) -> _RawTable:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    best: tuple[tuple[bool, bool, int], _RawTable] | None = None
    for delimiter in (";", "\t", ",", "|"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[list[str]] = []
        lines: list[int] = []
        previous = 0
        for row in reader:
            rows.append([c.strip() for c in row])
            lines.append(previous + 1)
            previous = reader.line_num
        shown = "tabulation" if delimiter == "\t" else delimiter
        detail = f"CSV, séparateur « {shown} », encodage {encoding}"
        table = _build_table(rows, lines, names, detail)
        width = len(table.header)
        consistent = table.ragged <= 0.05 * len(table.rows)
        score = (table.header_found, width > 1 and consistent, width)
        if best is None or score > best[0]:
            best = (score, table)
    assert best is not None
    return best[1]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path, names: set[str]) -> _RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook gets the same advice
        raise ContextImportError(
            f"Fichier « {path.name} » : classeur Excel illisible ({exc}). Que faire : ouvrez-le "
            "dans Excel ou LibreOffice et enregistrez-le à nouveau au format .xlsx ou .csv."
        ) from exc
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            lines = list(range(1, len(rows) + 1))
            table = _build_table(rows, lines, names, f"XLSX, feuille « {sheet.title} »")
            if table.header_found:
                return table
            tables.append(table)
    finally:
        workbook.close()
    if not tables:
        raise ContextImportError(f"Fichier « {path.name} » : classeur sans feuille.")
    return tables[0]


def _read_file(path: Path, names: set[str]) -> _RawTable:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, names)
    if suffix in (".xls", ".ods"):
        raise ContextImportError(
            f"Fichier « {path.name} » : format {suffix} non lu. Que faire : ouvrez-le dans Excel "
            "ou LibreOffice et enregistrez-le au format .xlsx ou .csv (le fichier d'origine est "
            "conservé tel quel)."
        )
    return _read_csv(path, names)


def _resolve(header: Sequence[str], wanted: str | None) -> str | None:
    if wanted is None:
        return None
    key = _norm_header(wanted)
    return next((h for h in header if _norm_header(h) == key), None)


def _detect_code_column(table: _RawTable) -> str | None:
    best, best_hits = None, 0
    for j, name in enumerate(table.header):
        values = [r[j] for r in table.rows if r[j].strip()]
        hits = sum(1 for v in values if QPV_CODE_PATTERN.match(_clean_code(v)))
        if values and hits >= 0.8 * len(values) and hits > best_hits:
            best, best_hits = name, hits
    return best


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


def _guess_source(header: Sequence[str], exclude: str) -> str:
    scores = []
    for other in SOURCES.values():
        if other.name == exclude:
            continue
        hits = sum(1 for c in [other.code_column, *other.columns] if _resolve(header, c))
        if hits >= 2:
            scores.append((hits, other.name))
    if not scores:
        return ""
    return f" Ce fichier ressemble à la source « {max(scores)[1]} »."


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def _region_filter(
    records: list[dict],
    src: ContextSource,
    region_col: str | None,
    region: str | None,
    departements: tuple[str, ...] | None,
    path: Path,
) -> list[dict]:
    kept = records
    if region is not None and region_col is not None:
        kept = [r for r in kept if normalize_region(r["cells"][region_col]) == region]
    if departements is not None:
        kept = [r for r in kept if r["departement"] in departements]
    if not kept:
        found = sorted({r["departement"] or "?" for r in records})
        where = f"la région {region}" if region else "les départements demandés"
        deps = f" (départements {', '.join(departements)})" if departements else ""
        raise ContextImportError(
            f"Fichier « {path.name} » (source « {src.name} ») : aucune ligne pour {where}{deps}. "
            f"Départements présents dans le fichier : {_listing(found, 20)}. Que faire : vérifiez "
            "le code région (INSEE, ex. « 32 ») ou la liste des départements passée en paramètre."
        )
    return kept


def import_context(
    path: str | Path,
    source: str | ContextSource,
    region: str | None = None,
    vintage: int | None = None,
    *,
    departements: Iterable[str] | None = None,
) -> ContextImport:
    """Read a context file into the contract table ``contexte`` (one row per QPV).

    The raw file is only read. Blank cells (statistical secrecy) stay ``<NA>`` and are counted;
    values outside the contract range are set to ``<NA>`` and reported, never published. A file
    with one row per QPV and commune is collapsed to one row per QPV (first row kept, differing
    values reported).

    Args:
        path: CSV (``;`` or ``,``, decimal comma or point, UTF-8, UTF-8 with BOM or cp1252) or
            XLSX file.
        source: name of a declared source (``"sig_ville"``, ``"tiers_2024"``) or a
            :class:`ContextSource`.
        region: INSEE region code (``"32"``): keeps the rows of that region, through the
            file's region column, or else through the department in the QPV code.
        vintage: millésime of the indicators (overrides the source's one).
        departements: departments to keep (``["02", "59"]``); for a file without region
            column it replaces the built-in list of the region's departments.

    Returns:
        The imported table, its secret cells, anomalies and the QPV × commune table.

    Raises:
        ContextImportError: file missing or unreadable, no recognisable QPV code column, no
            mapped indicator, no vintage, or no row left after the region filter.
    """
    path = Path(path)
    src = get_source(source)
    year = vintage if vintage is not None else src.vintage
    annee = CONTEXT_TABLE.column("annee")
    if year is None:
        raise ContextImportError(
            f"Fichier « {path.name} » (source « {src.name} ») : millésime inconnu. Que faire : "
            "indiquez l'année des indicateurs, par exemple import_context(..., vintage=2017)."
        )
    if not (annee.min or 0) <= int(year) <= (annee.max or 9999):
        raise ContextImportError(
            f"Millésime {year} invalide : attendu entre {annee.min:g} et {annee.max:g}."
        )
    if not path.is_file():
        raise ContextImportError(
            f"Fichier introuvable : « {path} ». Que faire : vérifiez le chemin et le nom du "
            "fichier."
        )
    region = normalize_region(region) if region is not None else None
    deps = tuple(d for d in (normalize_departement(x) for x in departements or ()) if d)
    deps_filter: tuple[str, ...] | None = deps or None

    names = {_norm_header(n) for n in (src.code_column, *CODE_ALIASES)}
    table = _read_file(path, names)
    header = table.header
    shown_cols = _listing(header, 40) or "aucune"

    code_col = _resolve(header, src.code_column)
    if code_col is None:
        code_col = next((h for a in CODE_ALIASES if (h := _resolve(header, a))), None)
    if code_col is None:
        code_col = _detect_code_column(table)
    if code_col is None:
        raise ContextImportError(
            f"Fichier « {path.name} » (source « {src.name} », {table.detail}) : aucune colonne "
            f"de codes QPV reconnue (colonne attendue « {src.code_column} », codes du type "
            f"QP059001 ou QN05920M ; colonnes lues : {shown_cols}). Que faire : renommez la "
            f"colonne des codes QPV en « {src.code_column} » ou choisissez la source qui "
            f"correspond au fichier ({', '.join(SOURCES)}).{_guess_source(header, src.name)}"
        )
    mapped = {
        target: col
        for source_col, target in src.columns.items()
        if (col := _resolve(header, source_col)) is not None
    }
    if not mapped:
        expected = ", ".join(src.columns)
        raise ContextImportError(
            f"Fichier « {path.name} » (source « {src.name} ») : aucune colonne d'indicateur "
            f"reconnue (colonnes attendues, au moins une : {expected} ; colonnes lues : "
            f"{shown_cols}). Que faire : vérifiez que le fichier est bien un export "
            f"« {src.label} », ou renommez ses colonnes selon ce dictionnaire."
            f"{_guess_source(header, src.name)}"
        )
    optional = {
        key: _resolve(header, getattr(src, attr))
        for key, attr in (
            ("name", "name_column"),
            ("commune_code", "commune_code_column"),
            ("commune_name", "commune_name_column"),
            ("departement", "department_column"),
            ("region", "region_column"),
            ("epci", "epci_column"),
            ("epci_name", "epci_name_column"),
        )
    }
    if region is not None and optional["region"] is None and deps_filter is None:
        deps_filter = REGION_DEPARTEMENTS.get(region)
        if deps_filter is None:
            raise ContextImportError(
                f"Fichier « {path.name} » : pas de colonne région et région « {region} » "
                "inconnue. Que faire : passez la liste des départements (departements=[...])."
            )

    anomalies: list[str] = []
    index = {name: j for j, name in enumerate(header)}
    records: list[dict] = []
    blank_code_lines: list[int] = []
    bad_codes: list[tuple[str, int]] = []
    seen: set[tuple[str, ...]] = set()
    duplicate_lines: list[int] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        code = _clean_code(row[index[code_col]])
        if not code:
            blank_code_lines.append(line)
            continue
        if not QPV_CODE_PATTERN.match(code):
            bad_codes.append((row[index[code_col]], line))
            continue
        signature = tuple(row)
        if signature in seen:
            duplicate_lines.append(line)
            continue
        seen.add(signature)
        records.append(
            {
                "code": code,
                "line": line,
                "departement": departement_from_code(code),
                "cells": {name: row[j] for name, j in index.items()},
            }
        )
    rows_read = len(table.rows)
    if not records:
        raise ContextImportError(
            f"Fichier « {path.name} » : aucune ligne avec un code QPV valide dans la colonne "
            f"« {code_col} » ({len(bad_codes)} codes non reconnus, par exemple "
            f"{_listing([c for c, _ in bad_codes], 5) or 'aucun'}). Que faire : les codes "
            "attendus ressemblent à QP059001 (géographie 2015) ou QN05920M (géographie 2024)."
        )
    if blank_code_lines:
        anomalies.append(
            f"{code_col} : {_plural(len(blank_code_lines), 'ligne')} sans code QPV "
            f"ignorée(s) (totaux, notes ou lignes vides ? {_lines_text(blank_code_lines)})"
        )
    if bad_codes:
        anomalies.append(
            f"{code_col} : {_plural(len(bad_codes), 'ligne')} avec un code QPV non reconnu "
            f"ignorée(s) ({_listing([f'« {c} » ligne {n}' for c, n in bad_codes])}) : "
            "codes attendus du type QP059001 ou QN05920M"
        )
    if duplicate_lines:
        anomalies.append(
            f"{_plural(len(duplicate_lines), 'ligne')} en double ignorée(s) "
            f"({_lines_text(duplicate_lines)})"
        )

    epci_names = _epci_names(records, src, optional["epci"], optional["epci_name"])
    records = _region_filter(records, src, optional["region"], region, deps_filter, path)

    if optional["departement"] is not None:
        mismatch = sorted(
            {
                r["code"]
                for r in records
                if (d := normalize_departement(r["cells"][optional["departement"]])) is not None
                and d != r["departement"]
            }
        )
        if mismatch:
            anomalies.append(
                f"{optional['departement']} : {_n_qpv(len(mismatch), 'a', 'ont')} un département "
                f"différent de celui de leur code ({_listing(mismatch)}) : département du code "
                "retenu"
            )

    prefixes = sorted({r["code"][:2] for r in records})
    geographie = {"QP": "2015", "QN": "2024"}.get(prefixes[0]) if len(prefixes) == 1 else None
    if geographie is None:
        anomalies.append(
            "code_qpv : le fichier mêle des codes de la géographie 2015 (QP…) et 2024 (QN…)"
        )

    data, secret_cells, value_anomalies = _indicators(records, src, mapped, int(year))
    anomalies.extend(value_anomalies)
    communes = _communes(records, src, optional, region, epci_names)
    missing = [c for c in src.columns.values() if c not in mapped]
    notes = list(src.notes)
    if missing:
        notes.append(
            f"Colonnes absentes du fichier (laissées vides, pas à zéro) : {', '.join(missing)}."
        )
    return ContextImport(
        data=data,
        secret_cells=secret_cells,
        anomalies=anomalies,
        communes=communes,
        source=src,
        vintage=int(year),
        path=path,
        region=region,
        departements=deps_filter,
        geographie=geographie,
        missing_columns=missing,
        notes=notes,
        rows_read=rows_read,
    )


_INVALID = object()


def _indicators(
    records: list[dict], src: ContextSource, mapped: dict[str, str], year: int
) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """Parse, collapse to one row per QPV, check ranges, and type the indicator columns."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(r["code"], []).append(r)
    anomalies: list[str] = []
    columns: dict[str, list] = {}
    secret_cells: dict[str, int] = {}
    for target in INDICATOR_COLUMNS:
        if target not in mapped:
            columns[target] = [None] * len(groups)
            continue
        col = CONTEXT_TABLE.column(target)
        source_col = mapped[target]
        factor = src.scale.get(target, 1)
        values: list = []
        invalid: list[tuple[str, int, str]] = []
        differing: list[str] = []
        low: list[tuple[str, float, list[int]]] = []
        high: list[tuple[str, float, list[int]]] = []
        rounded: list[str] = []
        secret = 0
        for code, rows in groups.items():
            parsed = []
            for r in rows:
                text = r["cells"][source_col]
                try:
                    number = _parse_number(text)
                except ValueError:
                    number = _INVALID
                    invalid.append((code, r["line"], text))
                if isinstance(number, float):
                    number *= factor
                parsed.append(number)
            if len({id(p) if p is _INVALID else p for p in parsed}) > 1:
                differing.append(code)
            value = parsed[0]
            if value is None:
                secret += 1
            elif value is _INVALID:
                value = None
            elif col.min is not None and value < col.min:
                low.append(
                    (
                        code,
                        value,
                        [
                            r["line"]
                            for r, p in zip(rows, parsed, strict=True)
                            if isinstance(p, float) and p < col.min
                        ],
                    )
                )
                value = None
            elif col.max is not None and value > col.max:
                high.append(
                    (
                        code,
                        value,
                        [
                            r["line"]
                            for r, p in zip(rows, parsed, strict=True)
                            if isinstance(p, float) and p > col.max
                        ],
                    )
                )
                value = None
            elif col.kind == "entier" and abs(value - round(value)) > 1e-9:
                rounded.append(code)
            if value is not None and col.kind == "entier":
                value = math.floor(value + 0.5)
            values.append(value)
        columns[target] = values
        secret_cells[target] = secret
        label = f"{target} (colonne « {source_col} »)"
        if invalid:
            anomalies.append(
                f"{label} : {_plural(len(invalid), 'valeur')} illisible(s) "
                f"({_listing([f'« {t} » ligne {n}' for _, n, t in invalid])}) : laissée(s) vide(s)"
            )
        if differing:
            anomalies.append(
                f"{label} : {_n_qpv(len(differing), 'a', 'ont')} des valeurs différentes selon "
                f"les lignes du fichier ({_listing(differing)}) : première ligne retenue"
            )
        for found, bound, sign in ((low, col.min, "<"), (high, col.max, ">")):
            if not found:
                continue
            lines = [n for _, _, ls in found for n in ls]
            vals = [v for _, v, _ in found]
            note = src.range_notes.get(target)
            anomalies.append(
                f"{label} : {_n_qpv(len(found), 'a', 'ont')} une valeur {sign} "
                f"{_fr_number(bound)} ({_plural(len(lines), 'ligne')} du fichier, valeurs de "
                f"{_fr_number(min(vals))} à {_fr_number(max(vals))} ; "
                f"{_listing([c for c, _, _ in found])} ; {_lines_text(lines)}) : valeur écartée"
                + (f" ({note})" if note else "")
            )
        if rounded:
            anomalies.append(
                f"{label} : {_n_qpv(len(rounded), 'a', 'ont')} une valeur non entière "
                f"({_listing(rounded)}) : effectif estimé, arrondi à l'unité"
            )
    frame = pd.DataFrame(
        {
            "code_qpv": list(groups),
            "annee": [year] * len(groups),
            "source": [f"{src.name} {year}"] * len(groups),
            **columns,
        }
    )
    frame = _typed(frame, CONTEXT_TABLE)
    frame = frame.sort_values("code_qpv", ignore_index=True)
    return frame, secret_cells, anomalies


def _typed(frame: pd.DataFrame, table: contract.Table) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in table.columns:
        values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame))
        out[col.name] = pd.array(list(values), dtype=col.dtype)
    return out


def _epci_names(
    records: list[dict], src: ContextSource, col: str | None, name_col: str | None
) -> dict[str, str]:
    """SIREN → EPCI name, learnt from the rows of the whole file that list a single EPCI."""
    names: dict[str, str] = {}
    if col is None or name_col is None:
        return names
    for r in records:
        sirens = _split(r["cells"][col], src.epci_separator)
        name = r["cells"][name_col].strip()
        if len(sirens) == 1 and name:
            names.setdefault(_normalize_siren(sirens[0]) or "", name)
    return names


def _split(text: str, separator: str | None) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if separator:
        return [p.strip() for p in text.split(separator) if p.strip()]
    return [text]


def _communes(
    records: list[dict],
    src: ContextSource,
    optional: dict[str, str | None],
    region: str | None,
    epci_names: dict[str, str],
) -> pd.DataFrame:
    """Build the QPV × commune table from the rows kept."""

    def cell(r: dict, key: str) -> str:
        col = optional[key]
        return r["cells"][col].strip() if col is not None else ""

    out = []
    for r in records:
        raw_codes = _split(cell(r, "commune_code"), src.commune_separator)
        codes = [_normalize_commune(c) for c in raw_codes]
        names = _split(cell(r, "commune_name"), src.commune_separator)
        if codes and len(names) != len(codes):
            names = [cell(r, "commune_name") or None] * len(codes)
        pairs = list(zip(codes, names, strict=True)) if codes else [(None, n) for n in names]
        pairs = pairs or [(None, None)]
        reg = normalize_region(cell(r, "region")) if optional["region"] else None
        reg = reg or region or _region_of(r["departement"])
        sirens = [
            s
            for s in (_normalize_siren(x) for x in _split(cell(r, "epci"), src.epci_separator))
            if s
        ]
        epci_name = cell(r, "epci_name") or None
        if len(sirens) > 1:
            parts = _split(epci_name or "", src.epci_separator)
            by_position = parts[0] if len(parts) == len(sirens) else epci_name
            epci_name = epci_names.get(sirens[0], by_position)
        for code_commune, nom_commune in pairs:
            out.append(
                {
                    "code_qpv": r["code"],
                    "nom_qpv": cell(r, "name") or None,
                    "code_commune": code_commune,
                    "nom_commune": nom_commune or None,
                    "code_departement": r["departement"],
                    "code_region": reg,
                    "siren_epci": sirens[0] if sirens else None,
                    "siren_epci_tous": "; ".join(sirens) or None,
                    "nom_epci": epci_name,
                }
            )
    frame = pd.DataFrame(out, columns=list(COMMUNE_COLUMNS)).astype("string")
    frame = frame.drop_duplicates(subset=["code_qpv", "code_commune", "nom_commune"])
    return frame.sort_values(["code_qpv", "code_commune", "nom_commune"], ignore_index=True)


def reference_from_context(imp: ContextImport, geographie: str) -> pd.DataFrame:
    """Build a QPV reference (contract table ``qpv``) from a context file's own columns.

    Useful when no official QPV list covers the geography of the context file (2015 codes).
    ``siren_epci`` is the first EPCI listed for the QPV, ``siren_epci_tous`` all of them;
    EPCI columns are ``<NA>`` when the file has none, and ``code_commune`` when it only has
    commune names.

    Args:
        imp: a :class:`ContextImport`.
        geographie: QPV geography of the codes, ``"2015"`` or ``"2024"``.

    Returns:
        The table with the columns and dtypes of the contract table ``qpv``.

    Raises:
        ContextImportError: unknown geography, or codes of another geography.
    """
    table = contract.TABLES["qpv"]
    geographie = str(geographie).strip()
    allowed = [str(a) for a in table.column("geographie").allowed or ()]
    if geographie not in allowed:
        raise ContextImportError(
            f"Géographie « {geographie} » inconnue : valeurs possibles {', '.join(allowed)}."
        )
    expected_prefix = {"2015": "QP", "2024": "QN"}.get(geographie)
    communes = imp.communes
    wrong = sorted(
        {
            c
            for c in communes["code_qpv"].dropna()
            if expected_prefix and not c.startswith(expected_prefix)
        }
    )
    if wrong:
        raise ContextImportError(
            f"Fichier « {imp.path.name} » : {len(wrong)} codes QPV ne sont pas de la géographie "
            f"{geographie} (codes {expected_prefix}… attendus ; trouvés {_listing(wrong, 5)}). "
            "Que faire : QP… = géographie 2015, QN… = géographie 2024 ; passez la bonne valeur."
        )
    frame = communes.copy()
    per_qpv: dict[str, tuple[object, object, str | None]] = {}
    for code, group in frame.groupby("code_qpv", sort=False):
        listed = group[group["siren_epci"].notna()]
        sirens = [s for cell in listed["siren_epci_tous"].dropna() for s in cell.split("; ")]
        names = group["nom_epci"].dropna()
        per_qpv[code] = (
            listed["siren_epci"].iloc[0] if len(listed) else None,
            listed["nom_epci"].iloc[0] if len(listed) else (names.iloc[0] if len(names) else None),
            "; ".join(dict.fromkeys(sirens)) or None,
        )
    frame["siren_epci"] = [per_qpv[c][0] for c in frame["code_qpv"]]
    frame["nom_epci"] = [per_qpv[c][1] for c in frame["code_qpv"]]
    frame["siren_epci_tous"] = [per_qpv[c][2] for c in frame["code_qpv"]]
    frame["geographie"] = geographie
    frame = frame.reindex(columns=table.column_names)
    return _typed(frame, table).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Pure computation helpers for the context report
# --------------------------------------------------------------------------------------------


def _numeric(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        known = ", ".join(map(str, df.columns))
        raise KeyError(f"Colonne « {col} » absente du tableau (colonnes : {known}).")
    return pd.to_numeric(df[col], errors="raise").astype("Float64")


def weighted_mean(df: pd.DataFrame, value_col: str, weight_col: str) -> WeightedMean:
    """Return the weighted mean of a column, on the QPV that have both a value and a weight.

    A blank value or weight excludes the QPV (it is never read as zero); the coverage says
    how much of the known weight (population) the mean stands for.

    Args:
        df: one row per QPV.
        value_col: column averaged (a rate, an income…).
        weight_col: weight column (population, households).

    Returns:
        The mean, the number of QPV used and the population coverage.

    Raises:
        KeyError: when a column is missing.
        ValueError: when a weight is negative.
    """
    values = _numeric(df, value_col)
    weights = _numeric(df, weight_col)
    if (weights.dropna() < 0).any():
        raise ValueError(f"Poids négatif dans la colonne « {weight_col} ».")
    used = values.notna() & weights.notna()
    known_weight = float(weights.dropna().sum())
    used_weight = float(weights[used].sum())
    value = None
    if used.any() and used_weight > 0:
        value = float((values[used] * weights[used]).sum()) / used_weight
    coverage = used_weight / known_weight * 100 if known_weight > 0 else None
    return WeightedMean(
        value=value,
        n_qpv_used=int(used.sum()),
        n_qpv_total=len(df),
        population_coverage_pct=coverage,
    )


def _fr_decimal(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def coverage_sentence(wm: WeightedMean) -> str:
    """Return the French coverage note of a weighted mean.

    Example: ``"calculé sur 187 QPV représentant 93,4 % de la population"``. A coverage below
    100 % is never rounded up to ``100,0``.

    Args:
        wm: a :class:`WeightedMean`.
    """
    head = f"calculé sur {wm.n_qpv_used} QPV"
    pct = wm.population_coverage_pct
    if pct is None:
        return f"{head} (population non renseignée)"
    if pct < 100 and round(pct, 1) >= 100:
        pct = 99.9
    return f"{head} représentant {_fr_decimal(pct)} % de la population"


def distribution(df: pd.DataFrame, col: str | Sequence[str]) -> pd.DataFrame:
    """Return min, quartiles, max and count of non-blank values of one or more columns.

    Args:
        df: one row per QPV.
        col: a column name or several.

    Returns:
        One row per column (index = column name), columns ``min``, ``Q1``, ``median``, ``Q3``,
        ``max`` (Float64, ``<NA>`` when no value) and ``n`` (Int64, values used).
    """
    cols = [col] if isinstance(col, str) else list(col)
    rows = {}
    for name in cols:
        s = _numeric(df, name).dropna().astype(float)
        if s.empty:
            rows[name] = [None] * 5 + [0]
        else:
            q = s.quantile([0.25, 0.5, 0.75])
            rows[name] = [s.min(), q[0.25], q[0.5], q[0.75], s.max(), len(s)]
    out = pd.DataFrame.from_dict(
        rows, orient="index", columns=["min", "Q1", "median", "Q3", "max", "n"]
    )
    out = out.astype({c: "Float64" for c in ["min", "Q1", "median", "Q3", "max"]} | {"n": "Int64"})
    out.index.name = "indicateur"
    return out


def compare_with_region(
    df: pd.DataFrame, col: str, weight_col: str, code_col: str = "code_qpv"
) -> RegionComparison:
    """Compare each QPV with the population-weighted mean of the QPV of the table.

    The reference is the mean of the region's QPV (the rows of ``df``), not the region as a
    whole. A QPV with a blank value gets ``<NA>`` deviations.

    Args:
        df: one row per QPV (typically :attr:`ContextImport.data` of one region).
        col: indicator compared.
        weight_col: weight of the mean (population).
        code_col: QPV code column kept in the table when present.

    Returns:
        The regional mean, the distribution and the per-QPV table.
    """
    regional = weighted_mean(df, col, weight_col)
    values = _numeric(df, col)
    table = pd.DataFrame(index=df.index)
    if code_col in df.columns:
        table[code_col] = df[code_col]
    table[col] = values
    mean = regional.value
    table["moyenne_qpv_region"] = pd.array([mean] * len(df), dtype="Float64")
    table["ecart"] = values - table["moyenne_qpv_region"]
    table["rapport"] = (values / mean) if mean else pd.array([None] * len(df), dtype="Float64")
    position = pd.Series(pd.NA, index=df.index, dtype="string")
    ecart = table["ecart"]
    position[(ecart > 0).fillna(False)] = "au-dessus"
    position[(ecart < 0).fillna(False)] = "en dessous"
    position[(ecart == 0).fillna(False)] = "égal"
    table["position"] = position
    return RegionComparison(regional, distribution(df, col), table.reset_index(drop=True))


# --------------------------------------------------------------------------------------------
# Helpers of the context report (notebooks/contexte.ipynb)
# --------------------------------------------------------------------------------------------

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

QPV_FRAME_COLUMNS: tuple[str, ...] = (
    "code_qpv",
    "nom_qpv",
    "code_departement",
    "siren_epci",
    "nom_epci",
    "communes",
    "nb_communes",
    "dans_contexte",
)
"""Descriptive columns of :func:`context_by_qpv`, followed by the indicator columns."""

_LONG_COLUMNS = ["code_qpv", "indicateur", "valeur", "annee", "source"]


def _indicator_list(data: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    cols = list(INDICATOR_COLUMNS if columns is None else columns)
    unknown = [c for c in cols if c not in INDICATOR_COLUMNS]
    if unknown:
        raise KeyError(
            f"Indicateur(s) inconnu(s) de la table contexte : {', '.join(unknown)} "
            f"(indicateurs possibles : {', '.join(INDICATOR_COLUMNS)})."
        )
    return cols


def _latest_long(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """One row per QPV × indicator: the non-blank value of the most recent vintage."""
    present = [c for c in columns if c in data.columns]
    if data.empty or not present:
        return pd.DataFrame(
            {
                "code_qpv": pd.Series(dtype="string"),
                "indicateur": pd.Series(dtype="string"),
                "valeur": pd.Series(dtype="Float64"),
                "annee": pd.Series(dtype="Int64"),
                "source": pd.Series(dtype="string"),
            }
        )
    parts = []
    for col in present:
        part = pd.DataFrame(
            {
                "code_qpv": data["code_qpv"].astype("string"),
                "indicateur": col,
                "valeur": pd.to_numeric(data[col], errors="raise").astype("Float64"),
                "annee": data["annee"].astype("Int64"),
                "source": data["source"].astype("string"),
            }
        )
        parts.append(part[part["valeur"].notna()])
    long = pd.concat(parts, ignore_index=True)
    long = long.sort_values(["code_qpv", "indicateur", "annee", "source"], kind="stable")
    long = long.drop_duplicates(["code_qpv", "indicateur"], keep="last")
    long["indicateur"] = long["indicateur"].astype("string")
    return long[_LONG_COLUMNS].reset_index(drop=True)


def latest_values(data: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return one row per QPV with, for each indicator, its most recent non-blank value.

    Several context files (or vintages) may describe the same QPV: each indicator is taken
    from the most recent vintage (``annee``) where it is not blank; at equal vintage, from the
    last source in alphabetical order. A value blank in every file stays ``<NA>`` (never zero).
    Use :func:`value_provenance` to say where the values come from.

    Args:
        data: the table ``contexte`` (one row per QPV × vintage × source).
        columns: indicator columns to keep (default: every indicator of the contract).

    Returns:
        ``code_qpv`` (every QPV of ``data``, sorted) and the indicator columns with their
        contract dtypes.

    Raises:
        KeyError: a column is not an indicator of the table ``contexte``.
    """
    cols = _indicator_list(data, columns)
    codes = sorted(data["code_qpv"].dropna().astype(str).unique()) if len(data) else []
    long = _latest_long(data, cols)
    wide = long.pivot(index="code_qpv", columns="indicateur", values="valeur")
    out = pd.DataFrame({"code_qpv": pd.array(codes, dtype="string")})
    for col in cols:
        values = wide[col].reindex(codes) if col in wide.columns else [None] * len(codes)
        dtype = CONTEXT_TABLE.column(col).dtype
        out[col] = pd.array(
            [
                None if pd.isna(v) else (round(float(v)) if dtype == "Int64" else float(v))
                for v in values
            ],
            dtype=dtype,
        )
    return out


def value_provenance(data: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return which source and vintage supply the values kept by :func:`latest_values`.

    Args:
        data: the table ``contexte``.
        columns: indicator columns (default: every indicator of the contract).

    Returns:
        One row per indicator × source × vintage actually used, columns ``indicateur``,
        ``source``, ``millesime`` (Int64) and ``nb_qpv`` (Int64, QPV whose value comes from it),
        in contract order of the indicators then by vintage. Indicators without any value
        are absent.
    """
    cols = _indicator_list(data, columns)
    long = _latest_long(data, cols)
    grouped = (
        long.groupby(["indicateur", "source", "annee"], observed=True)
        .size()
        .reset_index(name="nb_qpv")
        .rename(columns={"annee": "millesime"})
    )
    order = {c: i for i, c in enumerate(cols)}
    grouped["_ordre"] = grouped["indicateur"].map(order)
    grouped = grouped.sort_values(["_ordre", "millesime", "source"], ignore_index=True)
    out = grouped.drop(columns="_ordre")
    return out.astype(
        {
            "indicateur": "string",
            "source": "string",
            "millesime": "Int64",
            "nb_qpv": "Int64",
        }
    )


def latest_vintage(data: pd.DataFrame, column: str) -> int | None:
    """Return the most recent vintage among the values kept for one indicator (``None``: none)."""
    prov = value_provenance(data, [column])
    return int(prov["millesime"].max()) if len(prov) else None


def _join_names(values: pd.Series) -> str | None:
    names = sorted({str(v) for v in values.dropna()})
    return ", ".join(names) or None


def context_by_qpv(
    data: pd.DataFrame, qpv: pd.DataFrame, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return one row per QPV of the reference with its geography and latest context values.

    The QPV of the reference define the region: a QPV absent from the context files keeps
    blank values (``dans_contexte`` is false), a QPV of the context files absent from the
    reference is left out (see :func:`reference_match`).

    Args:
        data: the table ``contexte``.
        qpv: the contract table ``qpv`` (QPV × commune) of the publication.
        columns: indicator columns (default: every indicator of the contract).

    Returns:
        Columns :data:`QPV_FRAME_COLUMNS` (``communes``: names of the englobing communes
        joined by ``", "``, ``nb_communes``: number of communes, by code or else by name), then
        the indicator columns; sorted by ``code_qpv``.
    """
    cols = _indicator_list(data, columns)
    ref = qpv.copy()
    ref["_commune"] = (
        ref["code_commune"].astype("string").fillna(ref["nom_commune"].astype("string"))
    )
    rows = []
    for code, group in ref.groupby("code_qpv", sort=True):

        def first(col: str, group: pd.DataFrame = group) -> object:
            values = group[col].dropna() if col in group.columns else pd.Series(dtype=object)
            return values.iloc[0] if len(values) else None

        rows.append(
            {
                "code_qpv": code,
                "nom_qpv": first("nom_qpv"),
                "code_departement": first("code_departement"),
                "siren_epci": first("siren_epci"),
                "nom_epci": first("nom_epci"),
                "communes": _join_names(group["nom_commune"]),
                "nb_communes": int(group["_commune"].dropna().nunique()),
            }
        )
    frame = pd.DataFrame(rows, columns=list(QPV_FRAME_COLUMNS[:-1]))
    for col in QPV_FRAME_COLUMNS[:6]:
        frame[col] = frame[col].astype("string")
    frame["nb_communes"] = frame["nb_communes"].astype("Int64")
    values = latest_values(data, cols)
    frame["dans_contexte"] = frame["code_qpv"].isin(set(values["code_qpv"])).astype("boolean")
    frame = frame.merge(values, on="code_qpv", how="left")
    return frame.sort_values("code_qpv", ignore_index=True)


def reference_match(data: pd.DataFrame, qpv: pd.DataFrame) -> dict[str, list[str]]:
    """Compare the QPV of the context files with those of the reference.

    Returns:
        ``{"absents_du_contexte": [...], "hors_referentiel": [...]}``: sorted codes of the
        reference missing from the context files, and of the context files missing from the
        reference.
    """
    ref = set(qpv["code_qpv"].dropna().astype(str))
    ctx = set(data["code_qpv"].dropna().astype(str)) if len(data) else set()
    return {"absents_du_contexte": sorted(ref - ctx), "hors_referentiel": sorted(ctx - ref)}


def weighted_by_level(
    frame: pd.DataFrame,
    value_col: str,
    weight_col: str,
    level_col: str,
) -> pd.DataFrame:
    """Population-weighted mean of an indicator for each territory, with its coverage.

    Args:
        frame: one row per QPV (typically :func:`context_by_qpv`).
        value_col: indicator averaged.
        weight_col: weight (population).
        level_col: territory code column (``code_departement``, ``siren_epci``); QPV with a
            blank code are left out.

    Returns:
        One row per territory (sorted by code): ``level_col``, ``nb_qpv``, ``nb_qpv_utilises``
        (QPV with a value and a weight), ``poids`` (sum of the known weights, ``<NA>`` if
        none), ``valeur``, ``couverture_pct`` (share of the known weight used) and
        ``couverture`` (French sentence of :func:`coverage_sentence`).
    """
    rows = []
    known = frame.dropna(subset=[level_col])
    for code, group in known.groupby(level_col, sort=True):
        wm = weighted_mean(group, value_col, weight_col)
        weights = _numeric(group, weight_col)
        rows.append(
            {
                level_col: code,
                "nb_qpv": wm.n_qpv_total,
                "nb_qpv_utilises": wm.n_qpv_used,
                "poids": float(weights.sum()) if weights.notna().any() else None,
                "valeur": wm.value,
                "couverture_pct": wm.population_coverage_pct,
                "couverture": coverage_sentence(wm),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            level_col,
            "nb_qpv",
            "nb_qpv_utilises",
            "poids",
            "valeur",
            "couverture_pct",
            "couverture",
        ],
    )
    return out.astype(
        {
            level_col: "string",
            "nb_qpv": "Int64",
            "nb_qpv_utilises": "Int64",
            "poids": "Float64",
            "valeur": "Float64",
            "couverture_pct": "Float64",
            "couverture": "string",
        }
    )


def blank_summary(imp: ContextImport) -> pd.DataFrame:
    """Count, per indicator of an imported file, values, blank (secret) cells and discarded values.

    Only indicators the source maps are listed. ``vides`` counts QPV whose cell is blank in the
    file (statistical secrecy or missing value, never read as zero); ``ecartees`` counts values
    set aside on import (outside the contract range, unreadable).

    Args:
        imp: an import (:func:`import_context`).

    Returns:
        Columns ``indicateur``, ``libelle``, ``colonne_source``, ``nb_qpv``, ``valeurs``,
        ``vides``, ``ecartees`` (Int64, ``<NA>`` when the column is absent from the file) and
        ``statut`` (``"lue"`` or ``"absente du fichier"``), in contract order.
    """
    by_target = {target: col for col, target in imp.source.columns.items()}
    n_qpv = len(imp.data)
    rows = []
    for target in INDICATOR_COLUMNS:
        if target not in by_target:
            continue
        absent = target in imp.missing_columns
        values = int(imp.data[target].notna().sum())
        secret = imp.secret_cells.get(target)
        rows.append(
            {
                "indicateur": target,
                "libelle": INDICATOR_LABELS[target],
                "colonne_source": by_target[target],
                "nb_qpv": n_qpv,
                "valeurs": values,
                "vides": None if absent else secret,
                "ecartees": None if absent else n_qpv - values - (secret or 0),
                "statut": "absente du fichier" if absent else "lue",
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "indicateur",
            "libelle",
            "colonne_source",
            "nb_qpv",
            "valeurs",
            "vides",
            "ecartees",
            "statut",
        ],
    )
    return out.astype(
        {
            "indicateur": "string",
            "libelle": "string",
            "colonne_source": "string",
            "nb_qpv": "Int64",
            "valeurs": "Int64",
            "vides": "Int64",
            "ecartees": "Int64",
            "statut": "string",
        }
    )


def communes_of_qpv(qpv: pd.DataFrame) -> pd.DataFrame:
    """Return the englobing communes of the QPV with their number of QPV.

    Args:
        qpv: the contract table ``qpv`` (QPV × commune).

    Returns:
        One row per commune (code, or name when the code is unknown): ``code_commune``,
        ``nom_commune``, ``nb_qpv`` (Int64); sorted by decreasing ``nb_qpv`` then name. Rows
        without commune are left out.
    """
    ref = qpv.copy()
    ref["_cle"] = ref["code_commune"].astype("string").fillna(ref["nom_commune"].astype("string"))
    ref = ref.dropna(subset=["_cle"])
    grouped = ref.groupby("_cle", sort=True).agg(
        code_commune=("code_commune", "first"),
        nom_commune=("nom_commune", "first"),
        nb_qpv=("code_qpv", "nunique"),
    )
    out = grouped.reset_index(drop=True)
    out = out.sort_values(["nb_qpv", "nom_commune"], ascending=[False, True], ignore_index=True)
    return out.astype({"code_commune": "string", "nom_commune": "string", "nb_qpv": "Int64"})


def level_summary(
    frame: pd.DataFrame,
    level_col: str,
    value_cols: Sequence[str],
    weight_col: str = "population_municipale",
) -> pd.DataFrame:
    """Population and population-weighted means of several indicators, per territory.

    Args:
        frame: one row per QPV (typically :func:`context_by_qpv`).
        level_col: territory code column (``code_departement``, ``siren_epci``); QPV with a
            blank code are left out.
        value_cols: indicators averaged.
        weight_col: weight (population), also summed into ``population``.

    Returns:
        One row per territory (sorted by code): ``level_col``, ``nb_qpv``, ``population``
        (sum of the known populations, ``<NA>`` if none), ``qpv_sans_population`` and, for each
        indicator ``c``: ``c`` (weighted mean), ``c_nb_qpv`` (QPV used), ``c_couverture_pct``
        and ``c_couverture`` (coverage sentence).
    """
    base: pd.DataFrame | None = None
    for col in value_cols:
        part = weighted_by_level(frame, col, weight_col, level_col)
        if base is None:
            base = part[[level_col, "nb_qpv"]].copy()
            base["population"] = part["poids"]
        base[col] = part["valeur"].to_numpy()
        base[f"{col}_nb_qpv"] = part["nb_qpv_utilises"].to_numpy()
        base[f"{col}_couverture_pct"] = part["couverture_pct"].to_numpy()
        base[f"{col}_couverture"] = part["couverture"].to_numpy()
    if base is None:
        part = weighted_by_level(frame, weight_col, weight_col, level_col)
        base = part[[level_col, "nb_qpv"]].copy()
        base["population"] = part["poids"]
    known = frame.dropna(subset=[level_col])
    missing = _numeric(known, weight_col).isna().groupby(known[level_col]).sum()
    base.insert(
        3,
        "qpv_sans_population",
        pd.array([int(missing.get(c, 0)) for c in base[level_col]], dtype="Int64"),
    )
    return base.reset_index(drop=True)


def mean_phrase(label: str, wm: WeightedMean, unit: str = "%") -> str:
    """Return a French phrase stating a weighted mean and its coverage.

    Example: ``"le taux de pauvreté moyen des QPV est de 45,2 % (calculé sur 187 QPV
    représentant 93,4 % de la population)"``; without value: ``"le taux de pauvreté moyen des
    QPV n'est connu pour aucun QPV (valeur ou population non renseignée)"``.

    Args:
        label: subject of the phrase (``"le taux de pauvreté moyen des QPV"``).
        wm: a :class:`WeightedMean`.
        unit: unit of the value (``"%"``, ``"€"``…), formatted the French way.
    """
    from qpv_analytics import formatting

    if wm.value is None:
        return f"{label} n'est connu pour aucun QPV (valeur ou population non renseignée)"
    return f"{label} est de {formatting.with_unit(wm.value, unit)} ({coverage_sentence(wm)})"
