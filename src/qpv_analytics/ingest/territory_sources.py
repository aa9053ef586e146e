"""Declared INSEE files of the englobing territories and their reading into ``territoires``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import TABLES
from qpv_analytics.geography import EPCI_CORRESPONDANCES, REGION_DEPARTEMENTS
from qpv_analytics.quality.model import DataError, Issue

TERRITORY_TABLE = TABLES["territoires"]
"""The contract table filled by this module."""

KEY_COLUMNS: tuple[str, ...] = (
    "niveau",
    "code_territoire",
    "nom_territoire",
    "source",
    "annee",
    "geographie",
    "derive",
)
"""Columns of ``territoires`` that say which territory and source a row is."""

MEASURE_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in TERRITORY_TABLE.columns if c.name not in KEY_COLUMNS
)
"""Value columns of ``territoires``, in contract order (from the data contract)."""


@dataclass(frozen=True)
class TerritorySource:
    """Declared mapping of one INSEE file (at one vintage) onto the contract table ``territoires``.

    Attributes:
        name: identifier of the source (``"filosofi_2021_communes"``).
        label: French label shown in reports, with the vintage.
        file: file name in ``data/reference/insee/``.
        level: ``commune``, ``epci``, ``departement``, ``region`` or ``france``.
        code_column: column of territory codes.
        columns: source column → column of ``territoires``.
        vintage: millésime of the values.
        separator: field separator of the file.
        decimal: decimal mark of the file.
        name_column: column of territory names, if any.
        geographie: geography of EPCI codes (``"2019"``, ``"2024"``), for EPCI files.
        code_width: codes are zero-padded to this width (``"2"`` → ``"02"``).
        secret_markers: cell values meaning "secret" (blank cells always do).
        provenance: where the file comes from, licence, caveats (French).
    """

    name: str
    label: str
    file: str
    level: str
    code_column: str
    columns: Mapping[str, str]
    vintage: int
    separator: str = ";"
    decimal: str = "."
    name_column: str | None = None
    geographie: str | None = None
    code_width: int | None = None
    secret_markers: tuple[str, ...] = ("s",)
    provenance: str = ""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns.values()) - set(MEASURE_COLUMNS))
        if unknown:
            raise ValueError(f"Source « {self.name} » : colonnes inconnues {unknown}.")
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))


@dataclass(frozen=True)
class CompositionSource:
    """Declared commune → EPCI, department and region table (one geography)."""

    file: str
    label: str
    geographie: str
    commune: str = "CODGEO"
    commune_name: str = "LIBGEO"
    epci: str = "EPCI"
    epci_name: str = "LIBEPCI"
    departement: str = "DEP"
    region: str = "REG"
    separator: str = ";"


_AUBRY = (
    "aubryprieur/streamlit_data_territoire, commit 7618e8e946ed4a83af2706d48335db333f06e32b "
    "(données publiques INSEE, sans fichier de licence)"
)
_NTD = "tonybego33/NTD, commit c25769d3159c6d1cfd73596c0405e7469fe8356f (licence MIT)"
_SOLO = (
    "solo800/solomon-ph125.9x-capstone, commit 83057625db310c7faa57bab082983232a6dc13b9 "
    "(données publiques INSEE, sans fichier de licence)"
)
_KLOP = (
    "klopstock-dviz/dataviz_elections, data/base_cc_comparateur_csv.zip, commit "
    "357aa24609acb65b1d1d3c556cc52a5593affaaa (données publiques INSEE, sans fichier de licence)"
)
_COMPARATEUR = "comparateur-2022-communes-hdf.csv"

SOURCES: Mapping[str, TerritorySource] = MappingProxyType(
    {
        s.name: s
        for s in (
            TerritorySource(
                name="rp_2018_communes",
                label="INSEE, recensement 2018 (comparateur de territoires, édition 2022)",
                file=_COMPARATEUR,
                level="commune",
                code_column="CODGEO",
                columns={
                    "P18_POP": "population_municipale",
                    "P18_POP1564": "population_15_64",
                    "P18_ACT1564": "actifs_15_64",
                    "P18_CHOM1564": "chomeurs_15_64",
                },
                vintage=2018,
                provenance=_KLOP,
            ),
            TerritorySource(
                name="filosofi_2019_communes",
                label="INSEE, Filosofi 2019 (comparateur de territoires, édition 2022)",
                file=_COMPARATEUR,
                level="commune",
                code_column="CODGEO",
                columns={
                    "MED19": "revenu_median_disponible_uc_eur",
                    "TP6019": "taux_pauvrete_60_pct",
                },
                vintage=2019,
                provenance=_KLOP,
            ),
            TerritorySource(
                name="filosofi_2021_communes",
                label="INSEE, Filosofi 2021 (communes)",
                file="filosofi-2021-communes-hdf.csv",
                level="commune",
                code_column="codgeo",
                columns={
                    "revenu_median": "revenu_median_disponible_uc_eur",
                    "taux_pauvrete": "taux_pauvrete_60_pct",
                    "nb_personnes": "personnes_menages_fiscaux",
                },
                vintage=2021,
                separator=",",
                code_width=5,
                provenance=_NTD + " ; colonnes renommées par ce tiers, secret retiré (case vide)",
            ),
            TerritorySource(
                name="filosofi_2021_epci",
                label="INSEE, Filosofi 2021 (EPCI)",
                file="filosofi-2021-epci-hdf.csv",
                level="epci",
                code_column="codgeo",
                columns={
                    "revenu_median": "revenu_median_disponible_uc_eur",
                    "taux_pauvrete": "taux_pauvrete_60_pct",
                    "nb_personnes": "personnes_menages_fiscaux",
                },
                vintage=2021,
                separator=",",
                geographie="2024",
                provenance=_NTD + " ; géographie des EPCI récente (SIREN de la liste des QPV 2024)",
            ),
            TerritorySource(
                name="filosofi_2019_epci",
                label="INSEE, Filosofi 2019 (EPCI, géographie 2019)",
                file="filosofi-2019-disp-epci-hdf.csv",
                level="epci",
                code_column="CODGEO",
                name_column="LIBGEO",
                columns={
                    "Q219": "revenu_median_disponible_uc_eur",
                    "NBPERS19": "personnes_menages_fiscaux",
                },
                vintage=2019,
                decimal=",",
                geographie="2019",
                provenance=_AUBRY,
            ),
            TerritorySource(
                name="filosofi_2019_departements",
                label="INSEE, Filosofi 2019 (départements)",
                file="filosofi-2019-disp-dep-hdf.csv",
                level="departement",
                code_column="CODGEO",
                name_column="LIBGEO",
                columns={
                    "Q219": "revenu_median_disponible_uc_eur",
                    "NBPERS19": "personnes_menages_fiscaux",
                },
                vintage=2019,
                decimal=",",
                provenance=_AUBRY,
            ),
            TerritorySource(
                name="filosofi_2020_departements",
                label="INSEE, Filosofi 2020 (départements)",
                file="filosofi-2020-disp-dep-hdf.csv",
                level="departement",
                code_column="CODGEO",
                columns={
                    "Q220": "revenu_median_disponible_uc_eur",
                    "NBPERS20": "personnes_menages_fiscaux",
                },
                vintage=2020,
                decimal=",",
                provenance=_SOLO,
            ),
            TerritorySource(
                name="filosofi_2020_pauvrete_departements",
                label="INSEE, Filosofi 2020, pauvreté (départements)",
                file="filosofi-2020-disp-pauvres-dep-hdf.csv",
                level="departement",
                code_column="CODGEO",
                columns={"TP6020": "taux_pauvrete_60_pct"},
                vintage=2020,
                decimal=",",
                provenance=_SOLO,
            ),
            TerritorySource(
                name="filosofi_2019_regions",
                label="INSEE, Filosofi 2019 (régions)",
                file="filosofi-2019-disp-reg.csv",
                level="region",
                code_column="CODGEO",
                name_column="LIBGEO",
                columns={
                    "Q219": "revenu_median_disponible_uc_eur",
                    "NBPERS19": "personnes_menages_fiscaux",
                },
                vintage=2019,
                decimal=",",
                code_width=2,
                provenance=_AUBRY,
            ),
            TerritorySource(
                name="filosofi_2019_france",
                label="INSEE, Filosofi 2019 (France métropolitaine)",
                file="filosofi-2019-disp-metropole.csv",
                level="france",
                code_column="CODGEO",
                name_column="LIBGEO",
                columns={
                    "Q219": "revenu_median_disponible_uc_eur",
                    "NBPERS19": "personnes_menages_fiscaux",
                },
                vintage=2019,
                decimal=",",
                provenance=_AUBRY,
            ),
        )
    }
)
"""Declared INSEE sources of ``territoires``, by name (files in ``data/reference/insee/``)."""

COMPOSITION = CompositionSource(
    file="epci-composition-2020-hdf.csv",
    label="INSEE, composition communale des EPCI (publiée en 2020, géographie 2019)",
    geographie="2019",
)
"""Commune → EPCI table used to add census counts up to the EPCI (codes mapped to 2024)."""


def _path(paths: Paths, file: str) -> Path:
    return paths.insee / file


def _shown(paths: Paths, file: str) -> str:
    """Path of an INSEE file as shown in messages (relative to the project)."""
    return _path(paths, file).relative_to(paths.root).as_posix()


def _read(paths: Paths, file: str, separator: str) -> pd.DataFrame:
    """Read an INSEE CSV as text (BOM removed, blank cells as empty strings)."""
    path = _path(paths, file)
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        return pd.read_csv(
            path,
            sep=separator,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(
            f"Fichier INSEE illisible : {_shown(paths, file)} ({type(exc).__name__})."
            " À faire : restaurez-le depuis le dépôt (git checkout -- data/reference)."
        ) from None


def _numbers(
    values: pd.Series, source: TerritorySource, column: str, shown: str
) -> tuple[pd.Series, int]:
    """Convert text cells to numbers; blank and secret cells stay missing (with their count)."""
    text = values.str.strip()
    secret = text.eq("") | text.isin(source.secret_markers)
    cleaned = text.where(~secret)
    if source.decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = numbers.isna() & ~secret
    if bad.any():
        rows = ", ".join(str(i + 2) for i in bad[bad].index[:5])
        raise DataError(
            f"{shown}, colonne « {column} » : valeurs non "
            f"numériques (lignes {rows}). À faire : restaurez le fichier depuis le dépôt ou "
            "corrigez la déclaration de la source (séparateur décimal)."
        )
    return numbers.astype("Float64"), int(secret.sum())


def read_source(source: TerritorySource, paths: Paths | None = None) -> tuple[pd.DataFrame, dict]:
    """Read one declared source into rows of ``territoires`` (all territories of the file).

    Returns:
        The rows, and the number of blank or secret cells per source column.

    Raises:
        FileNotFoundError: when the file is not in ``Paths.insee``.
        DataError: when a declared column is missing or a value is not a number.
    """
    paths = paths or get_paths()
    raw = _read(paths, source.file, source.separator)
    wanted = [source.code_column, *source.columns] + (
        [source.name_column] if source.name_column else []
    )
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise DataError(
            f"{_shown(paths, source.file)} : colonne(s) absente(s) "
            f"{', '.join(missing)} (source « {source.name} »). À faire : restaurez le fichier ou "
            "corrigez la déclaration dans ingest/territory_sources.py."
        )
    codes = raw[source.code_column].str.strip()
    if source.code_width:
        codes = codes.str.zfill(source.code_width)
    frame = pd.DataFrame(
        {
            "niveau": source.level,
            "code_territoire": codes,
            "nom_territoire": raw[source.name_column] if source.name_column else pd.NA,
            "source": source.label,
            "annee": source.vintage,
            "geographie": source.geographie,
            "derive": False,
        }
    )
    blanks = {}
    for column in MEASURE_COLUMNS:
        frame[column] = pd.Series(pd.NA, index=raw.index, dtype="Float64")
    for src, target in source.columns.items():
        frame[target], blanks[src] = _numbers(raw[src], source, src, _shown(paths, source.file))
    return frame, blanks


def read_composition(paths: Paths | None = None) -> pd.DataFrame:
    """Return the commune → EPCI table, EPCI codes mapped to the 2024 geography.

    Columns: ``code_commune``, ``nom_commune``, ``siren_epci`` (2024 code), ``siren_epci_2019``,
    ``nom_epci_2019``, ``code_departement``, ``code_region``. Empty when the file is absent.
    """
    paths = paths or get_paths()
    c = COMPOSITION
    try:
        raw = _read(paths, c.file, c.separator)
    except FileNotFoundError:
        return pd.DataFrame(
            columns=[
                "code_commune",
                "nom_commune",
                "siren_epci",
                "siren_epci_2019",
                "nom_epci_2019",
                "code_departement",
                "code_region",
            ]
        )
    old = raw[c.epci].str.strip()
    return pd.DataFrame(
        {
            "code_commune": raw[c.commune].str.strip(),
            "nom_commune": raw[c.commune_name],
            "siren_epci": old.map(lambda s: EPCI_CORRESPONDANCES.get(s, (s, ""))[0]),
            "siren_epci_2019": old,
            "nom_epci_2019": raw[c.epci_name],
            "code_departement": raw[c.departement].str.strip(),
            "code_region": raw[c.region].str.strip().str.zfill(2),
        }
    )


def _in_region(frame: pd.DataFrame, region: str, epci: set[str]) -> pd.Series:
    deps = set(REGION_DEPARTEMENTS.get(region, ()))
    level, code = frame["niveau"], frame["code_territoire"]
    commune_dep = code.str[:3].where(code.str.startswith("97"), code.str[:2])
    return (
        ((level == "commune") & commune_dep.isin(deps))
        | ((level == "epci") & code.isin(epci))
        | ((level == "departement") & code.isin(deps))
        | ((level == "region") & (code == region))
        | (level == "france")
    )


def load_territories(
    region: str, qpv_epci: set[str], paths: Paths | None = None
) -> tuple[pd.DataFrame, list[Path], list[Issue]]:
    """Read every declared source present and keep the territories of one region.

    Args:
        region: INSEE region code.
        qpv_epci: SIREN of the EPCI of the publication's QPV (kept whatever the composition).
        paths: project folders.

    Returns:
        The ``territoires`` table (contract columns and dtypes, plus ``_fichier``: the file
        of each row), the files read, and the warnings (blank or secret cells, files absent).
    """
    paths = paths or get_paths()
    composition = read_composition(paths)
    in_region = composition[composition["code_region"] == region]
    epci = set(qpv_epci) | set(in_region["siren_epci"]) | set(in_region["siren_epci_2019"])
    frames, files, issues = [], [], []
    for source in SOURCES.values():
        try:
            frame, blanks = read_source(source, paths)
        except FileNotFoundError:
            issues.append(
                Issue(
                    "avertissement",
                    "territoires",
                    f"source INSEE « {source.label} » absente ({_shown(paths, source.file)} non "
                    "trouvé) : la comparaison qu'elle permet manque.",
                    "voir docs/autre_region.md, « Territoires englobants ».",
                    file=source.file,
                )
            )
            continue
        keep = _in_region(frame, region, epci)
        frames.append(frame[keep].assign(_fichier=source.file))
        files.append(_path(paths, source.file))
        kept_blanks = {k: v for k, v in blanks.items() if v}
        if kept_blanks and keep.any():
            detail = ", ".join(f"{k} : {v}" for k, v in kept_blanks.items())
            issues.append(
                Issue(
                    "avertissement",
                    "territoires",
                    f"{source.label} : cellules vides ou « s » (secret statistique ou donnée "
                    f"absente), laissées vides et jamais comptées comme zéro — {detail} (fichier "
                    "entier, toutes régions).",
                    "rien ; les comparaisons le disent territoire par territoire.",
                    file=source.file,
                )
            )
    names = dict(zip(composition["code_commune"], composition["nom_commune"], strict=True))
    table = TERRITORY_TABLE
    if frames:
        data = pd.concat(frames, ignore_index=True)
        communes = data["niveau"] == "commune"
        data.loc[communes, "nom_territoire"] = data.loc[communes, "code_territoire"].map(names)
    else:
        data = pd.DataFrame(columns=[*table.column_names, "_fichier"])
    source_file = data["_fichier"].astype("string")
    data = data[list(table.column_names)].astype({c.name: c.dtype for c in table.columns})
    data["_fichier"] = source_file
    return data.reset_index(drop=True), sorted(set(files)), issues
