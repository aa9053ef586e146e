"""Import of per-QPV context indicators (INSEE / SIG Ville and similar files) into ``contexte``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qpv_analytics import contract, formatting
from qpv_analytics.geography import REGION_DEPARTEMENTS
from qpv_analytics.ingest import readers
from qpv_analytics.ingest.context_codes import (
    QPV_CODE_PATTERN,
    clean_code,
    communes_table,
    departement_from_code,
    file_epci_names,
    normalize_departement,
    normalize_region,
)
from qpv_analytics.ingest.context_sources import (
    CODE_ALIASES,
    CONTEXT_TABLE,
    INDICATOR_COLUMNS,
    SOURCES,
    ContextImportError,
    ContextSource,
    get_source,
)

_MAX_LISTED = 10
_HEADER_SEARCH_ROWS = 30


@dataclass
class ContextImport:
    """Result of :func:`import_context`.

    Attributes:
        data: one row per QPV with exactly the columns and dtypes of the contract table
            ``contexte``; blank (secret) cells and discarded values are ``<NA>``.
        secret_cells: number of QPV with a blank cell, per indicator present in the file.
        anomalies: French messages on the rows discarded, corrected or set to ``<NA>``.
        communes: QPV × commune table (columns
            :data:`~qpv_analytics.ingest.context_codes.COMMUNE_COLUMNS`).
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
        if any(readers.normalise_label(c) in names for c in row):
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
    text, encoding = readers.decode(raw) or (raw.decode("latin-1"), "latin-1")
    best: tuple[tuple[bool, bool, int], _RawTable] | None = None
    for separator in readers.separators(text):
        rows, lines = readers.csv_rows(text, separator)
        shown = "tabulation" if separator == "\t" else separator
        detail = f"CSV, séparateur « {shown} », encodage {encoding}"
        table = _build_table(rows, lines, names, detail)
        width = len(table.header)
        consistent = table.ragged <= 0.05 * len(table.rows)
        score = (table.header_found, width > 1 and consistent, width)
        if best is None or score > best[0]:
            best = (score, table)
    assert best is not None
    return best[1]


def _read_xlsx(path: Path, names: set[str]) -> _RawTable:
    try:
        sheets = readers.read_workbook(path, header=False)
    except readers.UnreadableWorkbook as exc:  # any unreadable workbook gets the same advice
        raise ContextImportError(
            f"Fichier « {path.name} » : classeur Excel illisible ({exc}). Que faire : ouvrez-le "
            "dans Excel ou LibreOffice et enregistrez-le à nouveau au format .xlsx ou .csv."
        ) from exc
    tables = []
    for title, cells in sheets.items():
        rows = cells.to_numpy().tolist()
        lines = list(range(1, len(rows) + 1))
        table = _build_table(rows, lines, names, f"XLSX, feuille « {title} »")
        if table.header_found:
            return table
        tables.append(table)
    if not tables:
        raise ContextImportError(f"Fichier « {path.name} » : classeur sans feuille.")
    return tables[0]


def _read_file(path: Path, names: set[str]) -> _RawTable:
    suffix = path.suffix.lower()
    if suffix in readers.EXCEL_SUFFIXES:
        return _read_xlsx(path, names)
    return _read_csv(path, names)


def _resolve(header: Sequence[str], wanted: str | None) -> str | None:
    if wanted is None:
        return None
    key = readers.normalise_label(wanted)
    return next((h for h in header if readers.normalise_label(h) == key), None)


def _detect_code_column(table: _RawTable) -> str | None:
    best, best_hits = None, 0
    for j, name in enumerate(table.header):
        values = [r[j] for r in table.rows if r[j].strip()]
        hits = sum(1 for v in values if QPV_CODE_PATTERN.match(clean_code(v)))
        if values and hits >= 0.8 * len(values) and hits > best_hits:
            best, best_hits = name, hits
    return best


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
            'la clé « region » de params/<année>.yaml (code INSEE entre guillemets, ex. « "76" » '
            "pour l'Occitanie)."
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
            "écrivez l'année des indicateurs sous ce fichier dans la clé « contexte » de "
            "params/<année>.yaml, par exemple « millesime: 2019 » (une extraction SIG Ville "
            "donne son millésime dans son nom, son titre ou l'intitulé de ses colonnes ; voir "
            "docs/autre_region.md)."
        )
    if not (annee.min or 0) <= int(year) <= (annee.max or 9999):
        raise ContextImportError(
            f"Fichier « {path.name} » : millésime {year} invalide (clé « millesime ») : "
            f"attendu entre {annee.min:g} et {annee.max:g}."
        )
    if not path.is_file():
        raise ContextImportError(
            f"Fichier introuvable : « {path} ». Que faire : vérifiez le chemin et le nom du "
            "fichier."
        )
    region = normalize_region(region) if region is not None else None
    deps = tuple(d for d in (normalize_departement(x) for x in departements or ()) if d)
    deps_filter: tuple[str, ...] | None = deps or None

    names = {readers.normalise_label(n) for n in (src.code_column, *CODE_ALIASES)}
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
                "inconnue. Que faire : donnez un code INSEE de région connu dans la clé "
                "« region », ou écrivez « referentiel_qpv: contexte » pour prendre tout le fichier."
            )

    anomalies: list[str] = []
    index = {name: j for j, name in enumerate(header)}
    records: list[dict] = []
    blank_code_lines: list[int] = []
    bad_codes: list[tuple[str, int]] = []
    seen: set[tuple[str, ...]] = set()
    duplicate_lines: list[int] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        code = clean_code(row[index[code_col]])
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

    known_epci = file_epci_names(records, src, optional["epci"], optional["epci_name"])
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
    communes = communes_table(records, src, optional, region, known_epci)
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
                    number = readers.parse_number(text)
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
                f"{formatting.short_number(bound)} ({_plural(len(lines), 'ligne')} du fichier, "
                f"valeurs de {formatting.short_number(min(vals))} à "
                f"{formatting.short_number(max(vals))} ; "
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
            "Que faire : QP… = géographie 2015, QN… = géographie 2024 ; écrivez la géographie "
            'des codes du fichier dans la clé « geographie_qpv » ("2015" ou "2024").'
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
