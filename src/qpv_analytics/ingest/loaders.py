"""Read partners' CSV and Excel files into typed tables following the data contract."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qpv_analytics import lineage
from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, Column, Table
from qpv_analytics.contract.template import TEMPLATE_SHEETS, example_row
from qpv_analytics.ingest import headers, readers
from qpv_analytics.quality.model import DataError, Issue

SOURCE_COLUMNS = ("_fichier", "_feuille", "_ligne")
"""Columns added to every loaded row: original file, sheet and line number (never published)."""

_TRUE = {"oui", "o", "vrai", "true", "1", "x", "yes", "y"}
_FALSE = {"non", "n", "faux", "false", "0", "no"}
_TOTAL = re.compile(r"^\s*(sous[- ]?)?total\b", re.IGNORECASE)
_TOTAL_WITNESS = re.compile(r"(?:\A|\x00)\s*(sous[- ]?)?total\b", re.IGNORECASE)
"""Found in the cells joined by NUL where :data:`_TOTAL` matches one of them."""
_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
"""Time of day after a date (``2025-01-03 00:00:00``, ``14/03/2025 14:30``): the day is kept."""
_NO_BLANK_MARKER: frozenset[str] = frozenset()
"""Partner tables have no secrecy marker: a non-empty cell of a number column must be a number."""


@dataclass
class LoadResult:
    """A loaded table, the files it came from and the problems met."""

    table: str
    data: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def table_files(table: Table, raw_dir: Path) -> list[Path]:
    """Files of one table in ``raw_dir``: ``<table>.csv|xlsx|…`` or any file in ``<table>/``."""
    files = [
        raw_dir / f"{table.name}{s}"
        for s in readers.SUFFIXES
        if (raw_dir / f"{table.name}{s}").exists()
    ]
    folder = raw_dir / table.name
    if folder.is_dir():
        files += sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in readers.SUFFIXES and not p.name.startswith((".", "~$"))
        )
    return files


def outside_link(path: Path, folder: Path) -> bool:
    """Whether ``path`` leads, through a symbolic link, to a file outside ``folder``."""
    try:
        return not path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def outside_link_message(link: str, folder: str) -> str:
    """French refusal of a symbolic link ``link`` whose target lies outside ``folder``."""
    return (
        f"« {link} » est un lien symbolique qui mène hors de {folder}/ : il n'est pas suivi "
        f"(l'outil ne lit que les fichiers déposés dans {folder}/). À faire : remplacez le lien "
        "par une copie du fichier lui-même."
    )


def ignored_files(table: Table, raw_dir: Path) -> list[Path]:
    """Files of a table's folder that are not read: a format the loaders do not know."""
    folder = raw_dir / table.name
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() not in readers.SUFFIXES
        and not p.name.startswith((".", "~$"))
    )


_Parts = tuple[list[tuple[str | None, pd.DataFrame, int]], list[Issue]]


def _choose_separator(text: str, table: Table) -> str:
    """The separator whose header cells name the most contract columns (sniffed one on a tie)."""
    own = {readers.column_key(n) for n in table.column_names}
    known = {readers.column_key(c.name) for t in PARTNER_TABLES for c in TABLES[t].columns}

    def score(sep: str) -> tuple[int, int]:
        keys = [readers.column_key(c) for c in readers.header_cells(text, sep)]
        return sum(k in own for k in keys), sum(k in known for k in keys)

    candidates = readers.separators(text)
    return max(candidates, key=lambda s: (score(s), -candidates.index(s)))


def _split_error(path: Path, table: Table, text: str, sep: str, error: Exception) -> DataError:
    """French finding for a CSV text pandas cannot cut into columns (never its own message)."""
    faults = readers.csv_faults(text, sep)
    shown = readers.separator_name(sep)
    where = f"Le fichier « {path.name} » (table « {table.name} »)"
    if faults.long_lines:
        lines = [n for n, _ in faults.long_lines]
        counts = sorted({k for _, k in faults.long_lines})
        message = (
            f"lignes avec plus de valeurs ({', '.join(map(str, counts))}) que de noms de "
            f"colonnes ({faults.width}, séparateur {shown}) : les valeurs seraient décalées."
        )
        action = (
            "supprimez les cellules en trop au bout de ces lignes, ou mettez entre guillemets "
            f"les textes qui contiennent le séparateur {shown}."
        )
    elif faults.open_quote:
        lines = [faults.open_quote]
        message = (
            "un guillemet ouvert sur cette ligne n'est jamais refermé : toute la suite du fichier "
            "se lirait comme une seule cellule."
        )
        action = "refermez le guillemet (ou retirez-le), puis renvoyez le fichier."
    else:
        found = re.search(r"\b(?:line|ligne) (\d+)", str(error))
        lines = [int(found.group(1))] if found else []
        message = f"le fichier ne peut pas être découpé en colonnes (séparateur {shown})."
        action = (
            "vérifiez que chaque ligne a le même nombre de colonnes, séparées par « ; », et que "
            "les guillemets vont par paires."
        )
    issue = Issue("bloquant", table.name, message, action, file=path.name, rows=lines)
    return DataError(f"{where} : {issue.where()} : {message} À faire : {action}", [issue])


def _read_csv(path: Path, raw: bytes, table: Table) -> _Parts:
    decoded = readers.decode(raw)
    if decoded is None:
        raise DataError(
            f"Le fichier « {path.name} » (table « {table.name} ») n'est pas un fichier texte "
            "lisible (ni UTF-8, ni UTF-16, ni Windows-1252) ni un classeur : fichier binaire ou "
            "endommagé ? À faire : réenregistrez-le depuis Excel en « CSV UTF-8 (délimité par des "
            "points-virgules) » ou envoyez le classeur .xlsx."
        )
    text, encoding = decoded
    issues = []
    if encoding == "cp1252":
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "fichier encodé en Windows-1252 (cp1252), lu comme tel.",
                "rien d'obligatoire ; de préférence, envoyer le fichier en « CSV UTF-8 ».",
                file=path.name,
            )
        )
    sep = _choose_separator(text, table)
    try:
        frame = readers.csv_frame(text, sep)
    except pd.errors.EmptyDataError:
        raise DataError(
            f"Le fichier « {path.name} » (table « {table.name} ») est vide. À faire : "
            "renvoyez-le rempli, ou retirez-le de data/raw/ s'il est en trop."
        ) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise _split_error(path, table, text, sep, exc) from None
    if not isinstance(frame.index, pd.RangeIndex) and len(frame.columns) <= 1:
        raise DataError(
            f"Le fichier « {path.name} » (table « {table.name} ») n'a pas ses noms de colonnes "
            "sur la première ligne (titre au-dessus du tableau ?). À faire : supprimez les lignes "
            f"au-dessus de l'en-tête ; colonnes attendues : {', '.join(table.column_names)}."
        )
    if not isinstance(frame.index, pd.RangeIndex):  # first data row longer than the header
        raise DataError(
            f"Le fichier « {path.name} » (table « {table.name} ») a plus de valeurs que de noms "
            f"de colonnes dès la ligne 2 (séparateur {readers.separator_name(sep)}). À faire : "
            "supprimez les cellules en trop au bout des lignes, ou mettez entre guillemets les "
            f"textes qui contiennent « {sep} »."
        )
    return [(None, frame, 2)], issues


def _filled(frame: pd.DataFrame) -> bool:
    named = any(not str(c).startswith("Unnamed: ") for c in frame.columns)
    return named or bool((frame.astype(str) != "").to_numpy().any())


def _read_excel(path: Path, raw: bytes, table: Table) -> _Parts:
    try:
        sheets = readers.read_workbook(path, raw=raw)
    except readers.UnreadableWorkbook as exc:
        raise DataError(
            f"Le classeur « {path.name} » (table « {table.name} ») ne s'ouvre pas : {exc}. "
            "À faire : ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau au format "
            ".xlsx, sans mot de passe (ou en CSV)."
        ) from None
    wanted = {readers.normalise_label(n): n for n in sheets}
    if table.name in wanted:
        names = [wanted[table.name]]
    else:
        names = [
            n
            for n, f in sheets.items()
            if _filled(f) and readers.normalise_label(n) not in TEMPLATE_SHEETS
        ]
    if not names:
        raise DataError(
            f"Le classeur « {path.name} » n'a ni feuille remplie ni feuille « {table.name} ». "
            f"À faire : copiez le tableau dans une feuille nommée « {table.name} »."
        )
    if len(names) != 1:
        listed = ", ".join(f"« {n} »" for n in names)
        raise DataError(
            f"Le classeur « {path.name} » a plusieurs feuilles remplies ({listed}) et aucune ne "
            f"s'appelle « {table.name} ». À faire : nommez « {table.name} » la feuille à lire."
        )
    return [(names[0], sheets[names[0]], 2)], []


@dataclass(frozen=True)
class _Distinct:
    """A column as its distinct cells and, for each row, the position of its cell among them.

    Columns repeat their values (codes, names, years): each step of the loading works on the
    distinct cells once, then spreads its results to the rows (``-1``: a missing cell, NaN).
    """

    uniques: pd.Series
    codes: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _Distinct:
        """Split a column into its distinct cells (in the column's dtype) and their codes."""
        codes, uniques = column.factorize()
        return cls(pd.Series(uniques, dtype=column.dtype), codes)

    def subset(self, keep: np.ndarray) -> _Distinct:
        """The rows where ``keep`` is true, with only the distinct cells they use."""
        codes = self.codes[keep]
        used = np.zeros(len(self.uniques), dtype=bool)
        used[codes[codes >= 0]] = True
        if used.all():
            return _Distinct(self.uniques, codes)
        position = np.cumsum(used) - 1
        codes = np.where(codes >= 0, position[codes], -1)
        return _Distinct(self.uniques[used].reset_index(drop=True), codes)

    def blanked(self, values: pd.Series, blank: np.ndarray) -> _Distinct:
        """``values`` (one per distinct cell) as the cells, missing where ``blank`` is true."""
        position = np.where(blank, -1, np.cumsum(~blank) - 1)
        return _Distinct(values[~blank].reset_index(drop=True), np.append(position, -1)[self.codes])

    def spread(self, values: pd.Series, index: pd.Index) -> pd.Series:
        """Values computed on the distinct cells, row by row (a missing cell: ``<NA>``)."""
        return pd.Series(values.array.take(self.codes, allow_fill=True), index=index)

    def rows(self, mask: pd.Series | np.ndarray) -> np.ndarray:
        """A mask of the distinct cells, row by row (a missing cell: false)."""
        return np.append(np.asarray(mask, dtype=bool), False)[self.codes]


_SPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character :data:`readers.SPACES` matches, the ones ``str.isspace`` and numpy's strip
take for spaces (a test checks the list)."""


def _regex_class(chars: str) -> str:
    """A regex class of these characters, written the same way for Python's ``re`` and RE2."""
    return "[" + "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else c for c in chars) + "]"


_SPACES_WITNESS = _regex_class(_SPACE_CHARS.replace(" ", "")) + "| {2}"
"""Found in a cell where :data:`readers.SPACES` changes something: a space other than the plain
one, or two plain ones in a row. Listed characters only, written the same way for Python's
``re`` and for RE2 (pyarrow): whichever engine pandas uses finds the same cells."""


def _convert(
    cells: _Distinct,
    frame: pd.DataFrame,
    col: Column,
    table: Table,
    fichier: str,
    feuille: str | None,
    issues: list[Issue],
) -> pd.Series:
    # Every step works on the distinct cells (``cells.uniques``), then spreads to the rows.
    stripped = cells.uniques.astype("string").str.strip()
    cells = cells.blanked(stripped, np.asarray((stripped == "").fillna(False), dtype=bool))
    distinct = cells.uniques  # a cell left empty by the strip reads <NA>, as a missing one
    lines = frame["_ligne"]

    def bad(mask: pd.Series | np.ndarray, message: str, attendu: str, action: str) -> None:
        rows = cells.rows(mask)
        if rows.any():
            raw = cells.spread(distinct, frame.index)
            issues.append(
                Issue(
                    "bloquant",
                    table.name,
                    message,
                    action,
                    file=fichier,
                    sheet=feuille,
                    column=col.name,
                    rows=lines[rows].tolist(),
                    values=raw[rows].astype(str).tolist(),
                    expected=attendu,
                )
            )

    if col.kind in ("entier", "decimal"):
        values, invalid = readers.parse_numbers(distinct, blanks=_NO_BLANK_MARKER)
        bad(
            invalid,
            "valeurs non numériques.",
            KIND_ATTENDU[col.kind],
            "corrigez ces cellules (un nombre, sans texte ; une cellule vide si la donnée manque).",
        )
        if col.kind == "entier":
            frac = values.notna() & (values % 1 != 0)
            bad(
                frac,
                "nombres décimaux dans une colonne de nombres entiers.",
                "un nombre entier",
                "corrigez ces cellules.",
            )
            values = values.where(~frac)
            return cells.spread(values.round().astype("Int64"), frame.index)
        return cells.spread(values.astype("Float64"), frame.index)
    if col.kind == "date":
        day = distinct.str.replace(_TIME_OF_DAY, "", regex=True)
        parsed = pd.to_datetime(day, format="%d/%m/%Y", errors="coerce")
        iso = pd.to_datetime(day.where(parsed.isna()), format="%Y-%m-%d", errors="coerce")
        parsed = parsed.fillna(iso)
        bad(
            distinct.notna() & parsed.isna(),
            "dates illisibles.",
            "une date jj/mm/aaaa",
            "écrivez ces dates au format jj/mm/aaaa.",
        )
        return cells.spread(parsed.astype("datetime64[ns]"), frame.index)
    if col.kind == "booleen":
        low = distinct.str.lower()
        ok = low.isin(_TRUE | _FALSE) | ~distinct.notna()
        bad(~ok, "valeurs oui/non illisibles.", "oui ou non", "écrivez « oui » ou « non ».")
        flags = low.map(lambda v: True if v in _TRUE else (False if v in _FALSE else pd.NA))
        return cells.spread(flags.astype("boolean"), frame.index)
    text = distinct
    if text.str.contains(_SPACES_WITNESS, regex=True).any():  # else nothing would change
        text = text.str.replace(readers.SPACES, " ", regex=True)
    if col.kind == "code":
        if text.str.endswith((".0", ".0\n")).any():  # where ``$`` matches after ".0"
            text = text.str.replace(r"\.0$", "", regex=True)
        if col.width:
            short = text.str.fullmatch(r"\d+") & (text.str.len() < col.width)
            if short.any():
                rows = cells.rows(short.fillna(False))
                issues.append(
                    Issue(
                        "avertissement",
                        table.name,
                        f"codes numériques raccourcis (zéros en tête perdus, souvent par Excel) : "
                        f"complétés à {col.width} caractères.",
                        "rien d'obligatoire ; au format texte dans Excel, les zéros restent.",
                        file=fichier,
                        sheet=feuille,
                        column=col.name,
                        rows=lines[rows].tolist(),
                        values=cells.spread(text, frame.index)[rows].astype(str).tolist(),
                    )
                )
                text = text.where(~short.fillna(False), text.str.zfill(col.width))
        if col.name in ("code_qpv",):
            text = text.str.upper()
    return cells.spread(text.astype("string"), frame.index)


KIND_ATTENDU = {"entier": "un nombre entier", "decimal": "un nombre (virgule décimale acceptée)"}


_EDGE_WITNESS = f"^{_regex_class(_SPACE_CHARS)}|{_regex_class(_SPACE_CHARS)}$|\\x00"
"""Found in a cell numpy's strip may change: a space at either end, or a NUL character (which
numpy's fixed-width text drops at the end)."""


def _strip_distinct(uniques: pd.Series) -> np.ndarray:
    """Each distinct cell read as text and stripped by numpy, then ``""`` for a missing cell."""
    if uniques.dtype == object or uniques.str.contains(_EDGE_WITNESS, regex=True).any():
        stripped = np.char.strip(uniques.to_numpy(dtype=object).astype(str)).astype(object)
    else:  # text cells that numpy's strip would leave as they are
        stripped = uniques.to_numpy(dtype=object)
    return np.append(stripped, "").astype(object)


def _row_key(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One integer per row, equal for two rows exactly when all their codes are equal.

    The codes (``-1`` to ``size - 1``) are the digits of a number in a mixed base; when the
    number would overflow 64 bits, the key so far is first renumbered densely.
    """
    key = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    bound = 1
    for k, size in zip(codes, sizes, strict=True):
        if bound * (size + 1) >= 2**63:
            key = pd.factorize(key)[0].astype(np.int64)
            bound = int(key.max()) + 1 if len(key) else 1
        key = key * (size + 1) + (k + 1)
        bound *= size + 1
    return key


def _may_say_total(cells: np.ndarray) -> bool:
    """Whether :data:`_TOTAL` may match one of the cells (false: it matches none)."""
    joined = "\x00".join(cells)
    if joined.isascii():  # ASCII text: IGNORECASE only pairs ASCII letters
        return "total" in joined.lower()
    return _TOTAL_WITNESS.search(joined) is not None


def _drop_noise(
    frame: pd.DataFrame,
    cells: dict[str, _Distinct],
    table: Table,
    fichier: str,
    feuille: str | None,
    issues: list[Issue],
) -> np.ndarray:
    """Rows to keep: not empty, not a total line, not a repeat of an earlier row."""
    # Each distinct cell of a column is stripped once (numpy's strip), "" for a missing cell.
    stripped = [_strip_distinct(cells[c].uniques) for c in table.column_names]
    codes = [cells[c].codes for c in table.column_names]
    n = len(frame)
    present = np.zeros((n, len(stripped)), dtype=bool)
    for j, (s, k) in enumerate(zip(stripped, codes, strict=True)):
        present[:, j] = (s != "")[k]
    empty = ~present.any(axis=1)
    first = present.argmax(axis=1)
    total = np.zeros(n, dtype=bool)
    for j in np.unique(first[~empty]):  # the first non-empty cell of a row says "total"
        if not _may_say_total(stripped[j]):
            continue
        found = np.fromiter((_TOTAL.match(v) is not None for v in stripped[j]), bool)
        rows = ~empty & (first == j)
        total[rows] = found[codes[j][rows]]
    lines = frame["_ligne"]
    if total.any():
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "ligne(s) de total retirée(s) (le total est recalculé).",
                "rien ; à l'avenir, envoyez le tableau sans ligne de total.",
                file=fichier,
                sheet=feuille,
                rows=lines[total].tolist(),
            )
        )
    keep = ~empty & ~total
    dup = np.zeros(n, dtype=bool)
    if keep.any():  # the same cells as an earlier row: the same codes in every column
        key = _row_key(
            [k[keep] for k in codes], [len(cells[c].uniques) for c in table.column_names]
        )
        dup[keep] = pd.Series(key).duplicated(keep="first").to_numpy()
    if dup.any():
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "lignes en double (identiques à une ligne précédente), gardées une seule fois.",
                "rien ; vérifiez que ce n'est pas une ligne mal recopiée.",
                file=fichier,
                sheet=feuille,
                rows=lines[dup].tolist(),
            )
        )
    return keep & ~dup


def _drop_example(
    typed: pd.DataFrame, table: Table, fichier: str, feuille: str | None, issues: list[Issue]
) -> pd.DataFrame:
    """Drop the example row of the Excel template, left as it was (every cell unchanged)."""
    same = pd.Series(True, index=typed.index)
    for name, value in example_row(table).items():
        if isinstance(value, dt.date):
            value = pd.Timestamp(value)
        same &= (typed[name] == value).fillna(False).astype(bool)
        if not same.any():  # no row left that could be the example
            break
    if not same.any():
        return typed
    issues.append(
        Issue(
            "avertissement",
            table.name,
            "ligne d'exemple du modèle (valeurs fictives) laissée telle quelle : ignorée.",
            "rien ; à l'avenir, supprimez-la ou remplacez-la par vos données.",
            file=fichier,
            sheet=feuille,
            rows=typed.loc[same, "_ligne"].tolist(),
        )
    )
    return typed[~same]


def read_partner_file(
    path: Path, table: Table, paths: Paths | None = None
) -> tuple[pd.DataFrame, list[Issue]]:
    """Read one partner file into a typed DataFrame with source columns.

    Args:
        path: text table (CSV ``;``, ``,`` or tab-separated; UTF-8 with or without BOM,
            UTF-16 as Excel's "Texte Unicode", or cp1252) or workbook (``.xlsx``, ``.xlsm``,
            ``.xls``, ``.ods``; a workbook is recognised by its content, whatever its name).
        table: contract table the file belongs to.
        paths: project folders, to name the right folder of a file dropped in the wrong one
            (default: :func:`~qpv_analytics.config.get_paths`).

    Returns:
        The typed rows (contract columns plus ``_fichier``, ``_feuille``, ``_ligne``; the
        example row of a template of ``data/modeles/`` left unchanged is not one of them) and
        the problems found. Blocking problems are returned as issues, not raised, so that every
        problem of every file can be reported at once.

    Raises:
        DataError: when the file cannot be read at all (encoding, layout, missing columns).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = (
            "droits de lecture insuffisants"
            if isinstance(exc, PermissionError)
            else ("erreur du système de fichiers")
        )
        raise DataError(
            f"Le fichier « {path.name} » (table « {table.name} ») ne peut pas être lu ({reason}). "
            "À faire : vérifiez qu'il est lisible par l'utilisateur qui lance la publication, ou "
            "copiez-le à nouveau."
        ) from None
    workbook = readers.is_workbook(raw) or path.suffix.lower() in readers.EXCEL_SUFFIXES
    parts, issues = (_read_excel if workbook else _read_csv)(path, raw, table)
    out = []
    for feuille, frame, first_line in parts:
        frame, header_issues = headers.check_header(frame, table, path.name, feuille, paths)
        issues += header_issues
        frame = frame.assign(
            _fichier=path.name, _feuille=feuille, _ligne=range(first_line, first_line + len(frame))
        )
        cells = {c: _Distinct.of(frame[c]) for c in table.column_names}
        keep = _drop_noise(frame, cells, table, path.name, feuille, issues)
        frame = frame[keep]
        cells = {c: d.subset(keep) for c, d in cells.items()}
        typed = pd.DataFrame(
            {
                c.name: _convert(cells[c.name], frame, c, table, path.name, feuille, issues)
                for c in table.columns
            },
            index=frame.index,
        )
        for c in SOURCE_COLUMNS:
            typed[c] = frame[c]
        out.append(_drop_example(typed, table, path.name, feuille, issues))
    data = pd.concat(out, ignore_index=True) if out else empty_table(table)
    data["_feuille"] = data["_feuille"].astype("string")
    data["_fichier"] = data["_fichier"].astype("string")
    data["_ligne"] = data["_ligne"].astype("Int64")
    return data, issues


def empty_table(table: Table) -> pd.DataFrame:
    """Return an empty DataFrame with the contract columns, dtypes and source columns."""
    frame = pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in table.columns})
    frame["_fichier"] = pd.Series(dtype="string")
    frame["_feuille"] = pd.Series(dtype="string")
    frame["_ligne"] = pd.Series(dtype="Int64")
    return frame


def landlord_aliases(bailleurs: pd.DataFrame, issues: list[Issue] | None = None) -> dict[str, str]:
    """Map every folded spelling of a landlord (name and variants) to its reference name.

    A spelling claimed by two landlords is ambiguous: it is left out of the mapping and, when
    ``issues`` is given, reported as a blocking problem of the registry.
    """
    claims: dict[str, set[str]] = {}
    lines: dict[str, list[int]] = {}
    for _, row in bailleurs.iterrows():
        name = str(row["bailleur"])
        variants = [name]
        if pd.notna(row.get("variantes_nom")):
            variants += [v for v in str(row["variantes_nom"]).split("|") if v.strip()]
        for v in variants:
            key = readers.normalise_label(v)
            claims.setdefault(key, set()).add(name)
            if "_ligne" in row and pd.notna(row["_ligne"]):
                lines.setdefault(key, []).append(int(row["_ligne"]))
    aliases = {k: next(iter(v)) for k, v in claims.items() if len(v) == 1}
    for key, names in sorted(claims.items()):
        if len(names) > 1 and issues is not None:
            issues.append(
                Issue(
                    "bloquant",
                    "bailleurs",
                    f"la graphie « {key} » désigne plusieurs bailleurs "
                    f"({', '.join(sorted(names))}).",
                    "gardez cette graphie pour un seul bailleur dans la colonne variantes_nom.",
                    column="variantes_nom",
                    rows=lines.get(key, []),
                )
            )
    return aliases


def harmonise_landlords(
    frame: pd.DataFrame, table: Table, aliases: dict[str, str], issues: list[Issue]
) -> pd.DataFrame:
    """Replace free-text landlord spellings by their reference name (reported as a warning)."""
    if "bailleur" not in frame.columns or not aliases or table.name == "bailleurs":
        return frame
    folded = readers.by_value(
        frame["bailleur"].astype(object),
        lambda s: s.map(lambda v: aliases.get(readers.normalise_label(v)) if pd.notna(v) else None),
    )
    changed = folded.notna() & (folded != frame["bailleur"])
    for fichier, rows in frame[changed].groupby("_fichier", sort=True):
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "noms de bailleur écrits autrement que dans le registre, harmonisés.",
                "rien ; la correspondance est dans data/raw/bailleurs (colonne variantes_nom).",
                column="bailleur",
                file=str(fichier),
                rows=rows["_ligne"].tolist(),
                values=sorted(set(rows["bailleur"].astype(str))),
            )
        )
    if changed.any():
        frame = frame.assign(bailleur=frame["bailleur"].where(~changed, folded).astype("string"))
    return frame


def load_table(
    name: str, paths: Paths | None = None, aliases: dict[str, str] | None = None
) -> LoadResult:
    """Load every raw file of one table (no file: an empty table, which is not an error)."""
    paths = paths or get_paths()
    table = TABLES[name]
    files = table_files(table, paths.raw)
    frames, issues = [], []
    for path in ignored_files(table, paths.raw):
        issues.append(
            Issue(
                "avertissement",
                table.name,
                f"fichier ignoré : le format « {path.suffix or 'sans extension'} » n'est pas lu.",
                "si ce fichier contient des données de la table, enregistrez-le en CSV, .xlsx, "
                ".xls ou .ods ; sinon, retirez-le du dossier.",
                file=path.name,
            )
        )
    for path in files:
        try:
            if outside_link(path, paths.raw):
                link, raw = (p.relative_to(paths.root).as_posix() for p in (path, paths.raw))
                raise DataError(outside_link_message(link, raw))
            frame, found = read_partner_file(path, table, paths)
        except DataError as exc:
            message, _, action = str(exc).partition(" À faire : ")
            issues += exc.issues or [
                Issue(
                    "bloquant",
                    table.name,
                    message,
                    action or "voir le message.",
                    file=path.name,
                )
            ]
            continue
        frames.append(frame)
        issues += found
    data = pd.concat(frames, ignore_index=True) if frames else empty_table(table)
    data = harmonise_landlords(data, table, aliases or {}, issues)
    return LoadResult(name, data, files, issues)


def load_raw(paths: Paths | None = None) -> dict[str, LoadResult]:
    """Load every partner table from ``data/raw/`` (landlord registry first, for name variants)."""
    paths = paths or get_paths()
    results = {"bailleurs": load_table("bailleurs", paths)}
    aliases = landlord_aliases(results["bailleurs"].data, results["bailleurs"].issues)
    for name in PARTNER_TABLES:
        if name != "bailleurs":
            results[name] = load_table(name, paths, aliases)
    return results


def write_processed(results: dict[str, LoadResult], paths: Paths | None = None) -> list[Path]:
    """Write each loaded table to ``data/processed/<table>.parquet`` (raw files are untouched).

    The fingerprint of the tables' last publication (``Paths.data_stamp``) is removed first:
    a publication reuses ``data/processed/`` only if nothing rewrote it since.
    """
    paths = paths or get_paths()
    paths.data_stamp.unlink(missing_ok=True)
    paths.processed.mkdir(parents=True, exist_ok=True)
    written = []
    for name, result in results.items():
        target = paths.processed / f"{name}.parquet"
        tmp = target.with_suffix(".parquet.tmp")
        result.data.to_parquet(tmp, index=False)
        tmp.replace(target)
        written.append(target)
    return written


def read_processed(name: str, paths: Paths | None = None) -> pd.DataFrame:
    """Read one processed table (an empty typed table if the partners sent none)."""
    paths = paths or get_paths()
    target = paths.processed / f"{name}.parquet"
    lineage.record(lineage.TABLE, name)
    if not target.exists():
        raise DataError(
            f"La table « {name} » n'a pas encore été chargée ({target.name} absent de "
            "data/processed/). À faire : lancez « make donnees » (ou « make reports »)."
        )
    frame = pd.read_parquet(target)
    # pyarrow-backed strings of an empty table break multi-key groupby + merge (pandas 3):
    # read them back as plain Python strings, the dtype the loaders produce.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    return frame.astype({c: pd.StringDtype("python") for c in text})
