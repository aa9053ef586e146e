"""The one reader of input files: encodings, separators, Excel sheets, French numbers, headers."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Set
from pathlib import Path

import pandas as pd

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
"""File suffixes read as tables (CSV or text, Excel workbooks)."""

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
"""Suffixes of the Excel workbooks read (``.xls`` and ``.ods`` are not)."""

SEPARATORS = (";", "\t", ",", "|")
"""Column separators recognised in CSV files, the French ``;`` first."""

SECRET_MARKERS = frozenset({"", "s", "nd", "n.d.", "n.d", "nc", "na", "n/a", "nan", "secret", "-"})
"""Cell contents read as a blank (statistical secrecy or missing value), never as zero."""

SPACES = re.compile(r"[\s\u00a0\u202f]+")
"""Runs of spaces, including the no-break spaces of French number formatting."""

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_SNIFFED_LINES = 20


class UnreadableWorkbook(ValueError):
    """A workbook that cannot be opened; the message is the reason given by the Excel reader."""


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


def decode(raw: bytes) -> tuple[str, str] | None:
    """Decode the bytes of a text file: UTF-8 (with or without byte order mark), else cp1252.

    Args:
        raw: the file content.

    Returns:
        The text and the encoding used (``"utf-8-sig"`` or ``"cp1252"``), or ``None`` when
        the bytes are neither valid UTF-8 nor valid Windows-1252.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def separators(text: str) -> tuple[str, ...]:
    """Return the candidate column separators of a CSV text, the most likely first.

    The most likely one is found by :class:`csv.Sniffer` on the first lines (``;`` when it
    cannot tell); the other separators of :data:`SEPARATORS` follow in their usual order.

    Args:
        text: the decoded CSV text.
    """
    head = "\n".join(text.splitlines()[:_SNIFFED_LINES])
    try:
        sniffed = csv.Sniffer().sniff(head, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = ";"
    return (sniffed, *(s for s in SEPARATORS if s != sniffed))


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
        pandas.errors.ParserError: a line has more cells than the others.
    """
    return pd.read_csv(
        io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, skip_blank_lines=False
    )


def read_workbook(path: Path, header: bool = True) -> dict[str, pd.DataFrame]:
    """Read every sheet of an Excel workbook as text cells (never converted, blanks as ``""``).

    Args:
        path: ``.xlsx`` or ``.xlsm`` workbook.
        header: take the first row of each sheet as column names; otherwise every row is data
            (row ``i`` of the frame is line ``i + 1`` of the sheet) and cells are stripped.

    Returns:
        Sheet name → cells, in workbook order.

    Raises:
        UnreadableWorkbook: the workbook cannot be opened (damaged, not a workbook).
    """
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, dtype=str, keep_default_na=False, header=0 if header else None
        )
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise UnreadableWorkbook(str(exc)) from exc
    if header:
        return sheets
    return {name: frame.apply(lambda col: col.str.strip()) for name, frame in sheets.items()}


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


def parse_numbers(
    cells: pd.Series, blanks: Set[str] = SECRET_MARKERS
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of cells with :func:`parse_number`.

    Args:
        cells: text cells; ``<NA>`` is a blank.
        blanks: cell contents read as blanks (see :func:`parse_number`).

    Returns:
        The values (``Float64``, ``<NA>`` for blanks and unreadable cells) and a boolean mask
        of the unreadable cells.
    """
    values: list[float | None] = []
    invalid: list[bool] = []
    for cell in cells:
        if cell is None or cell is pd.NA:
            values.append(None)
            invalid.append(False)
            continue
        try:
            values.append(parse_number(str(cell), blanks))
            invalid.append(False)
        except ValueError:
            values.append(None)
            invalid.append(True)
    return (
        pd.Series(pd.array(values, dtype="Float64"), index=cells.index),
        pd.Series(invalid, index=cells.index, dtype=bool),
    )
