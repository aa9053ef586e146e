"""The one reader of input files: encodings, separators, workbooks, French numbers, headers.

Workbooks (``.xlsx``, ``.xlsm``, old binary ``.xls`` and OpenDocument ``.ods``) are read with
python-calamine, the Rust calamine reader that pandas also uses as ``engine="calamine"``: one
maintained, fast reader for the three formats partners send, which returns each cell with its
type (text, number, date, boolean). Cells are turned into text here, the same way for every
format (a date cell reads ``14/03/2025``, a number cell ``172345.5``), so that the loaders
check them like the cells of a CSV file. It is called directly rather than through
``pandas.read_excel`` to see which sheets are hidden (lists behind drop-down menus) and to open
a workbook from its bytes whatever its extension. openpyxl (still a dependency: the
disclosure scanner reads ``.xlsx`` with it, the tests write workbooks with it) reads ``.xlsx``
only and was 7 times slower on a 50,000-row sheet; pandas announces calamine as its next
default ``.xlsx`` reader. Error cells (``#DIV/0!``) come back blank from calamine.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Callable, Set
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
"""Suffixes of the workbooks read: Excel (recent and old binary) and OpenDocument."""

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
"""Suffixes of the text tables read (CSV, Excel's "Texte Unicode" and tab-separated exports)."""

SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES
"""File suffixes read as tables."""

SEPARATORS = (";", "\t", ",", "|")
"""Column separators recognised in CSV files, the French ``;`` first."""

SECRET_MARKERS = frozenset({"", "s", "nd", "n.d.", "n.d", "nc", "na", "n/a", "nan", "secret", "-"})
"""Cell contents read as a blank (statistical secrecy or missing value), never as zero."""

SPACES = re.compile(r"[\s\u00a0\u202f]+")
"""Runs of spaces, including the no-break spaces of French number formatting."""

LABEL_FILLERS = frozenset(
    {"de", "des", "du", "d", "la", "le", "les", "l", "en", "et", "a", "au", "aux", "n", "no", "num"}
)
"""Words a header may add to a column name without changing it (``Comités de pilotage``)."""

LABEL_SYNONYMS = {"euro": "eur", "euros": "eur", "pourcent": "pct", "pourcentage": "pct"}
"""Words a header may write for the unit suffix of a column name."""

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
"""A number :func:`parse_number` reads unchanged, in RE2 syntax (ASCII digits, ``$`` = end)."""
_COMMA_NUMBER = r"^[+-]?[0-9]+,[0-9]+$"
"""A number with a decimal comma only: :func:`parse_number` reads it with a point instead."""
_SNIFFED_LINES = 20
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


class UnreadableWorkbook(ValueError):
    """A workbook that cannot be opened; the message is the reason, in French."""


def normalise_label(text: object) -> str:
    """Fold a header or name to ``snake_case`` ASCII (``Montant (€)`` → ``montant_eur``).

    Args:
        text: a column header or a name as written in a file (accents, spaces, ``€``, ``%``,
            byte order mark).

    Returns:
        The folded label: lowercase ASCII letters, digits and single underscores.
    """
    text = str(text).replace("€", " eur ").replace("%", " pct ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip().lower())
    return text.strip("_")


def column_key(text: object) -> str:
    """Fold a header further than :func:`normalise_label`, to match it to a column name.

    Filler words (:data:`LABEL_FILLERS`) are dropped, unit words replaced by the suffix of the
    contract (:data:`LABEL_SYNONYMS`) and each word put in the singular, so that
    ``Comités de pilotage`` and ``comites_pilotage`` share the key ``comite_pilotage``.

    Args:
        text: a column header or a column name.
    """
    words = []
    for word in normalise_label(text).split("_"):
        if not word or word in LABEL_FILLERS:
            continue
        word = LABEL_SYNONYMS.get(word, word)
        if len(word) > 3 and word.endswith("aux"):
            word = word[:-3] + "al"
        elif len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return "_".join(words)


def closest_label(name: str, candidates: list[str], cutoff: float = 0.8) -> str | None:
    """Return the candidate header that looks most like a column name, if one is close enough.

    Args:
        name: the column name of the contract.
        candidates: headers of a file, as written.
        cutoff: similarity (0 to 1, :func:`difflib.get_close_matches`) below which no
            candidate is returned.
    """
    keys = {column_key(c): c for c in reversed(candidates) if column_key(c)}
    found = get_close_matches(column_key(name), list(keys), n=1, cutoff=cutoff)
    return keys[found[0]] if found else None


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _bomless_utf16(raw: bytes) -> str | None:
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(raw: bytes) -> tuple[str, str] | None:
    """Decode the bytes of a text file: its byte order mark, else UTF-8, else cp1252.

    UTF-16 (Excel's "Texte Unicode" export) is recognised by its byte order mark, or without
    one by the zero bytes of its ASCII characters.

    Args:
        raw: the file content.

    Returns:
        The text and the encoding used (``"utf-8-sig"``, ``"utf-16"``, ``"utf-16-le"``,
        ``"utf-16-be"`` or ``"cp1252"``), or ``None`` when the bytes are not text in any of
        them (a binary file holds zero bytes, which no text table has).
    """
    encodings = [e for bom, e in _BOMS if raw.startswith(bom)]
    encodings += [e for e in (_bomless_utf16(raw),) if e] + ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (text, encoding) if "\x00" not in text else None
    return None


def _first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]``, without splitting the whole text."""
    size = 4096
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:  # the line ``count`` ends inside the prefix: the first are whole
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def separators(text: str) -> tuple[str, ...]:
    """Return the candidate column separators of a CSV text, the most likely first.

    The most likely one is found by :class:`csv.Sniffer` on the first lines (``;`` when it
    cannot tell); the other separators of :data:`SEPARATORS` follow in their usual order.

    Args:
        text: the decoded CSV text.
    """
    head = "\n".join(_first_lines(text, _SNIFFED_LINES))
    try:
        sniffed = csv.Sniffer().sniff(head, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = ";"
    return (sniffed, *(s for s in SEPARATORS if s != sniffed))


def header_cells(text: str, separator: str) -> list[str]:
    """Return the cells of the first line of a CSV text, stripped.

    Args:
        text: the decoded CSV text.
        separator: the column separator.
    """
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).rstrip("\r")  # text.split("\n", 1)[0], no copy
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=separator), [])]
    except csv.Error:
        return [c.strip() for c in first.split(separator)]


def separator_name(separator: str) -> str:
    """French name of a separator as shown in messages (``« ; »``, ``tabulation``)."""
    return "tabulation" if separator == "\t" else f"« {separator} »"


def csv_rows(text: str, separator: str) -> tuple[list[list[str]], list[int]]:
    """Split a CSV text into rows of stripped cells, with the file line where each row starts.

    Args:
        text: the decoded CSV text.
        separator: the column separator.

    Returns:
        The rows and their 1-based line numbers (a quoted cell may span several lines).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    for row in reader:
        rows.append([c.strip() for c in row])
        lines.append(previous + 1)
        previous = reader.line_num
    return rows, lines


def csv_frame(text: str, separator: str) -> pd.DataFrame:
    """Read a CSV text with its first line as header, every cell as text (blanks as ``""``).

    Blank lines are kept, so that row ``i`` of the frame is line ``i + 2`` of the file.

    Args:
        text: the decoded CSV text.
        separator: the column separator.

    Raises:
        pandas.errors.EmptyDataError: the text is empty.
        pandas.errors.ParserError: a line has more cells than the others (see
            :func:`csv_faults` for where).
    """
    return pd.read_csv(
        io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, skip_blank_lines=False
    )


@dataclass(frozen=True)
class CsvFaults:
    """Where a CSV text cannot be cut into columns: lines too long, a quote never closed."""

    width: int
    """Number of header cells."""
    long_lines: list[tuple[int, int]]
    """Line and number of cells of each row longer than the header."""
    open_quote: int | None
    """Line where a quoted cell starts that runs to the end of the file."""


def csv_faults(text: str, separator: str) -> CsvFaults:
    """Find what stops a CSV text from being cut into columns (for the French message).

    Args:
        text: the decoded CSV text.
        separator: the column separator.
    """
    try:
        rows, lines = csv_rows(text, separator)
    except csv.Error:
        rows, lines = [], []
    width = len(rows[0]) if rows else 0
    long_lines = [(n, len(r)) for r, n in zip(rows[1:], lines[1:], strict=True) if len(r) > width]
    open_quote = None  # a well-formed last row holds an even number of quotes
    if rows and "\n".join(text.splitlines()[lines[-1] - 1 :]).count('"') % 2:
        open_quote = lines[-1]
    return CsvFaults(width, long_lines, open_quote)


def is_workbook(raw: bytes) -> bool:
    """Whether bytes are a workbook (a ZIP container or an old binary OLE2 file), by content."""
    return raw.startswith((_ZIP_MAGIC, _OLE_MAGIC))


def _not_a_workbook(raw: bytes) -> str:
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and (b"<html" in head or b"<table" in head or b"<!doctype" in head):
        return "c'est une page web (HTML) enregistrée avec une extension de classeur"
    if head.startswith(b"<?xml") and b"spreadsheet" in head:
        return "c'est un classeur « XML 2003 », un format que l'outil ne lit pas"
    if not raw.strip():
        return "le fichier est vide"
    if decode(raw) is not None:
        return "il contient du texte, pas un classeur (un CSV renommé ?)"
    return "ce n'est pas un classeur, ou il est endommagé"


def _damaged(raw: bytes, error: Exception) -> str:
    reason = str(error).lower()
    if _ENCRYPTED_MARK in raw[:65536] or "password" in reason or "encrypt" in reason:
        return "il est protégé par un mot de passe"
    return "il est endommagé (fichier tronqué, mal copié ou d'un format de classeur non reconnu)"


def cell_text(value: object) -> str:
    """Write a workbook cell as the text a partner would have typed in a CSV file.

    Dates read ``jj/mm/aaaa`` (``jj/mm/aaaa hh:mm:ss`` with a time of day), whole numbers
    without decimals (``200071892``), other numbers with a decimal point and no exponent
    (``0.00001``), booleans ``oui`` / ``non``; a blank or an error cell (``#DIV/0!``, which
    the reader gives as blank) is ``""``.

    Args:
        value: a cell as returned by python-calamine.
    """
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return np.format_float_positional(value, trim="-")
    if isinstance(value, dt.datetime):
        day = value.strftime("%d/%m/%Y")
        return day if value.time() == dt.time() else f"{day} {value:%H:%M:%S}"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value)


def _header(cells: list[str]) -> list[str]:
    names: list[str] = []
    for j, cell in enumerate(cells):
        name = cell or f"Unnamed: {j}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    return names


def read_workbook(
    path: Path, header: bool = True, raw: bytes | None = None
) -> dict[str, pd.DataFrame]:
    """Read every visible worksheet of a workbook as text cells (see :func:`cell_text`).

    The format (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) is told by the content, not by the
    extension. Hidden sheets (often the lists behind drop-down menus) and chart sheets are
    left out.

    Args:
        path: the workbook.
        header: take the first row of each sheet as column names (row ``i`` of the frame is
            line ``i + 2`` of the sheet); otherwise every row is data (row ``i`` is line
            ``i + 1``). Cells are stripped of surrounding spaces.
        raw: the bytes of the file, when already read.

    Returns:
        Sheet name → cells, in workbook order.

    Raises:
        UnreadableWorkbook: the file is not a workbook or cannot be opened; the message says
            why, in French.
    """
    raw = path.read_bytes() if raw is None else raw
    if not is_workbook(raw):
        raise UnreadableWorkbook(_not_a_workbook(raw))
    sheets: dict[str, pd.DataFrame] = {}
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(raw)) as book:
            for meta in book.sheets_metadata:
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue
                if meta.visible != SheetVisibleEnum.Visible:
                    continue
                rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                cells = [[cell_text(v).strip() for v in row] for row in rows]
                width = max((len(r) for r in cells), default=0)
                cells = [r + [""] * (width - len(r)) for r in cells]
                if header:
                    names = _header(cells[0]) if cells else []
                    sheets[meta.name] = pd.DataFrame(cells[1:], columns=names, dtype=object)
                else:
                    sheets[meta.name] = pd.DataFrame(cells, dtype=object)
    except Exception as exc:  # calamine raises its own error types, and panics, for bad files
        raise UnreadableWorkbook(_damaged(raw, exc)) from exc
    return sheets


def parse_number(text: str, blanks: Set[str] = SECRET_MARKERS) -> float | None:
    """Parse a number written the French or the English way.

    Spaces (no-break ones too), ``€`` and ``%`` are ignored: ``"1 234,5"``, ``"1.234,5"``,
    ``"1,234.5"`` and ``"1234.5"`` all read ``1234.5``; ``"12,3 %"`` reads ``12.3``.

    Args:
        text: the cell.
        blanks: cell contents (lowercase) that mean "no value": statistical secrecy or missing
            data. They are read as ``None``, never as zero.

    Returns:
        The number, or ``None`` for a blank.

    Raises:
        ValueError: the text is not a number.
    """
    s = text.strip()
    if s.lower() in blanks:
        return None
    s = SPACES.sub("", s).replace("€", "").replace("%", "")
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        raise ValueError(text)
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def by_value(cells: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply an element-wise ``transform`` once per distinct cell, then spread the results.

    Columns repeat their values (codes, names, years): transforming the distinct values only
    gives the same result, much faster. ``<NA>`` cells stay ``<NA>``.

    Args:
        cells: a column.
        transform: element-wise function of a Series (each output cell depends on its own
            input cell only), e.g. ``lambda s: s.str.strip()``.

    Returns:
        ``transform(cells)``, computed on the distinct values.
    """
    codes, uniques = cells.factorize()
    if len(uniques) * 2 > len(cells):
        return transform(cells)
    done = transform(pd.Series(uniques, dtype=cells.dtype))
    return pd.Series(done.array.take(codes, allow_fill=True), index=cells.index, name=cells.name)


def _parse_distinct(
    texts: list[str], blanks: Set[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse distinct cells as :func:`parse_number` does: values, blank mask, unreadable mask.

    Cells written as plain ASCII numbers (``-12``, ``3.25``, ``12,5``) are converted together:
    :func:`parse_number` would leave them unchanged (the comma turned into a point) and call
    ``float`` on them; ``numpy``'s cast of Python objects to ``float64`` calls that same
    ``float`` on each cell, so the values are the same, bit for bit. Every other cell goes
    through :func:`parse_number` itself.
    """
    n = len(texts)
    values = np.zeros(n, dtype=np.float64)
    blank = np.zeros(n, dtype=bool)
    invalid = np.zeros(n, dtype=bool)
    if not n:
        return values, blank, invalid
    cells = pa.array(texts, type=pa.string())
    plain = pc.match_substring_regex(cells, _PLAIN_NUMBER).to_numpy(zero_copy_only=False)
    comma = pc.match_substring_regex(cells, _COMMA_NUMBER).to_numpy(zero_copy_only=False)
    objects = np.asarray(texts, dtype=object)
    # A marker written like a number (none by default) is a blank, not a number: left to
    # parse_number. Plain numbers have no letters, so lowercasing them changes nothing.
    numeric = [b for b in blanks if re.fullmatch(r"[+-]?[0-9]+([.,][0-9]+)?", b, re.ASCII)]
    if numeric:
        marked = np.isin(objects, np.asarray(numeric, dtype=object))
        plain &= ~marked
        comma &= ~marked
    if plain.any():
        values[plain] = objects[plain].astype(np.float64)
    if comma.any():
        dotted = [t.replace(",", ".") for t in objects[comma]]
        values[comma] = np.asarray(dotted, dtype=object).astype(np.float64)
    fast = plain | comma
    infinite = fast & ~np.isfinite(values)  # more than 308 digits: parse_number refuses it
    invalid |= infinite
    values[infinite] = 0.0
    for i in np.flatnonzero(~fast):
        try:
            value = parse_number(texts[i], blanks)
        except ValueError:
            invalid[i] = True
            continue
        if value is None:
            blank[i] = True
        else:
            values[i] = value
    return values, blank, invalid


def parse_numbers(
    cells: pd.Series, blanks: Set[str] = SECRET_MARKERS
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of cells with :func:`parse_number`.

    Each distinct cell is parsed once; plain numbers (``-12``, ``3.25``, ``12,5``) are
    converted together, to the same values as :func:`parse_number`.

    Args:
        cells: text cells; ``<NA>`` is a blank.
        blanks: cell contents read as blanks (see :func:`parse_number`).

    Returns:
        The values (``Float64``, ``<NA>`` for blanks and unreadable cells) and a boolean mask
        of the unreadable cells.
    """
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=True)
    values, blank, invalid = _parse_distinct([str(c) for c in uniques], blanks)
    missing = np.append(blank | invalid, True)  # code -1, a blank, reads the last one
    parsed = pd.arrays.FloatingArray(np.append(values, 0.0), missing).take(codes)
    unreadable = np.append(invalid, False)[codes]
    return (
        pd.Series(parsed, index=cells.index),
        pd.Series(unreadable, index=cells.index, dtype=bool),
    )
