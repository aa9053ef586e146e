"""Codes of context files (QPV, department, region, commune, EPCI) and their QPV × commune table."""

from __future__ import annotations

import math
import re

import pandas as pd

from qpv_analytics.geography import QPV_PATTERN, REGION_DEPARTEMENTS
from qpv_analytics.ingest.context_sources import ContextSource
from qpv_analytics.ingest.readers import SECRET_MARKERS

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


def clean_code(value: str) -> str:
    """Return a code without spaces, in capitals (``" qn 05901m"`` → ``"QN05901M"``)."""
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
    code = clean_code(str(code))
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


def file_epci_names(
    records: list[dict], src: ContextSource, col: str | None, name_col: str | None
) -> dict[str, str]:
    """Return SIREN → EPCI name, learnt from the rows of the whole file that list a single EPCI.

    Args:
        records: rows of the file (``"cells"``: header → cell text).
        src: the source, for its EPCI separator.
        col: header of the EPCI SIREN column, if the file has one.
        name_col: header of the EPCI name column, if the file has one.
    """
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


def communes_table(
    records: list[dict],
    src: ContextSource,
    optional: dict[str, str | None],
    region: str | None,
    known_epci: dict[str, str],
) -> pd.DataFrame:
    """Build the QPV × commune table (:data:`COMMUNE_COLUMNS`) from the rows kept.

    Args:
        records: rows kept (``"code"``, ``"departement"``, ``"cells"``: header → cell text).
        src: the source, for its commune and EPCI separators.
        optional: descriptive column key (``"name"``, ``"commune_code"``, ``"region"``…) →
            header in the file, or ``None`` when the file lacks it.
        region: region filter of the import, used when the file has no region column.
        known_epci: SIREN → EPCI name (:func:`file_epci_names`), for QPV over several EPCI.
    """

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
            epci_name = known_epci.get(sirens[0], by_position)
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
