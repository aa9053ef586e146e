"""Headers of partner files: contract columns matched, near misses named, wrong folders told."""

from __future__ import annotations

import re

import pandas as pd

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, Table
from qpv_analytics.ingest import readers
from qpv_analytics.quality.model import DataError, Issue


def _raw_folder(table_name: str, paths: Paths | None) -> str:
    paths = paths or get_paths()
    return (paths.raw / table_name).relative_to(paths.root).as_posix() + "/"


def _unmangled(label: str, earlier: list[str]) -> str:
    """The header as written, before the ``.1`` suffix readers add to a repeated one."""
    found = re.fullmatch(r"(.+)\.\d+", label)
    return found.group(1) if found and found.group(1) in earlier else label


def _match_columns(headers: list[str], table: Table) -> tuple[dict[int, str], list[int]]:
    """Contract column of each header position: same folded label, else same column key.

    A header whose :func:`~qpv_analytics.ingest.readers.column_key` is that of exactly one
    column not named otherwise in the file (``Comités de pilotage`` for ``comites_pilotage``)
    is read as that column; the positions so matched are returned too, to be reported.
    """
    names = table.column_names
    matched: dict[int, str] = {}
    for pos, header in enumerate(headers):
        folded = readers.normalise_label(header)
        if folded in names and folded not in matched.values():
            matched[pos] = folded
    by_key: dict[str, list[str]] = {}
    for name in names:
        by_key.setdefault(readers.column_key(name), []).append(name)
    claims: dict[str, list[int]] = {}
    for pos, header in enumerate(headers):
        if pos in matched or header.startswith("Unnamed: "):
            continue
        targets = by_key.get(readers.column_key(header), [])
        if len(targets) == 1 and targets[0] not in matched.values():
            claims.setdefault(targets[0], []).append(pos)
    loose = []
    for name, positions in claims.items():
        if len(positions) == 1:
            matched[positions[0]] = name
            loose.append(positions[0])
    return matched, sorted(loose)


def _other_table(headers: list[str], table: Table) -> str | None:
    """The partner table whose required columns the headers hold, when not this table's."""
    keys = {readers.column_key(h) for h in headers}

    def coverage(other: Table) -> float:
        required = [c.name for c in other.columns if c.required]
        return sum(readers.column_key(n) in keys for n in required) / max(len(required), 1)

    own = coverage(table)
    scores = [(coverage(TABLES[n]), n) for n in PARTNER_TABLES if n != table.name]
    best = max(scores, default=(0.0, None))
    return best[1] if best[0] >= 0.8 and best[0] > own else None


def check_header(
    frame: pd.DataFrame,
    table: Table,
    fichier: str,
    feuille: str | None,
    paths: Paths | None = None,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Rename a partner file's columns to the contract's, or refuse the file in French.

    Headers are matched to the contract's columns (exactly, or by a near-miss name, with a
    warning); unknown and repeated columns are reported; missing required columns refuse the
    file, with the closest header suggested, or the table and folder it belongs to when its
    columns are another table's.

    Args:
        frame: the file as read, with its header row as columns.
        table: the table of the folder the file was found in.
        fichier: file name, for the findings.
        feuille: sheet name of a workbook, if any.
        paths: project paths (folders named in the advice).

    Returns:
        The frame with the contract's column names, and the warnings found.

    Raises:
        DataError: the header row is missing or required columns are absent.
    """
    issues: list[Issue] = []
    labels = [str(c) for c in frame.columns]
    unnamed = [c for c in labels if c.startswith("Unnamed") or not c.strip()]
    if unnamed and len(unnamed) >= len(labels) / 2:
        raise DataError(
            f"Le fichier « {fichier} »"
            + (f" (feuille « {feuille} »)" if feuille else "")
            + " n'a pas ses noms de colonnes sur la première ligne (cellules fusionnées ou "
            "titre au-dessus du tableau ?). À faire : laissez une seule ligne d'en-tête, "
            f"en première ligne, avec les colonnes : {', '.join(table.column_names)}."
        )
    headers = [_unmangled(c, labels[:i]).strip() for i, c in enumerate(labels)]
    matched, loose = _match_columns(headers, table)
    cells = frame.set_axis(range(len(labels)), axis=1)
    if loose:
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "colonnes lues sous le nom du contrat le plus proche : "
                + ", ".join(f"« {headers[p]} » → {matched[p]}" for p in loose)
                + ".",
                "rien ; à l'avenir, reprenez les noms de colonnes des modèles de data/modeles/.",
                file=fichier,
                sheet=feuille,
                values=[headers[p] for p in loose],
            )
        )
    repeated: dict[int, int] = {}
    for pos, header in enumerate(headers):
        folded = readers.normalise_label(header)
        first = next((q for q, n in matched.items() if n == folded and q < pos), None)
        if pos not in matched and first is not None:
            repeated[pos] = first
    for pos, first in repeated.items():
        same = cells[pos].astype(str).str.strip().equals(cells[first].astype(str).str.strip())
        issues.append(
            Issue(
                "avertissement" if same else "bloquant",
                table.name,
                f"colonne « {headers[pos]} » en double, "
                + (
                    "au même contenu : lue une seule fois."
                    if same
                    else "aux valeurs différentes de la première : impossible de savoir "
                    "laquelle lire."
                ),
                "rien ; à l'avenir, supprimez la colonne en double."
                if same
                else "gardez une seule colonne de ce nom (supprimez ou renommez l'autre).",
                file=fichier,
                sheet=feuille,
                column=matched[first],
            )
        )
    extra = [
        headers[p]
        for p in range(len(headers))
        if p not in matched and p not in repeated and not labels[p].startswith("Unnamed")
    ]
    missing = [n for n in table.column_names if n not in matched.values()]
    hints = {n: readers.closest_label(n, extra) for n in missing}
    hints = {n: h for n, h in hints.items() if h}
    optional_hints = {n: h for n, h in hints.items() if not table.column(n).required}
    if extra:
        near = "".join(
            f" « {h} » ressemble à {n} : renommez-la." for n, h in optional_hints.items()
        )
        issues.append(
            Issue(
                "avertissement",
                table.name,
                "colonnes inconnues du contrat, ignorées." + near,
                "rien, ou renommez-les si ce sont des colonnes du contrat mal nommées.",
                file=fichier,
                sheet=feuille,
                values=extra,
                expected=", ".join(table.column_names),
            )
        )
    required_missing = [n for n in missing if table.column(n).required]
    if required_missing:
        raise _missing_columns(
            table, fichier, feuille, required_missing, headers, hints, issues, paths
        )
    data = pd.DataFrame({name: cells[pos] for pos, name in matched.items()}, index=frame.index)
    for name in missing:
        data[name] = ""
    return data[[*table.column_names]], issues


def _missing_columns(
    table: Table,
    fichier: str,
    feuille: str | None,
    missing: list[str],
    headers: list[str],
    hints: dict[str, str],
    issues: list[Issue],
    paths: Paths | None,
) -> DataError:
    """Blocking finding for required columns absent: near-miss headers, or the right folder."""
    where = f"Le fichier « {fichier} »" + (f" (feuille « {feuille} »)" if feuille else "")
    other = _other_table(headers, table)
    if other:
        message = (
            f"colonnes obligatoires absentes ({', '.join(missing)}) ; ce fichier a les colonnes "
            f"de la table « {other} » "
            f"({TABLES[other].title}), pas celles de « {table.name} » : il a sans doute été "
            "déposé dans le mauvais dossier."
        )
        action = (
            f"déplacez-le dans le dossier {_raw_folder(other, paths)} ; s'il est bien de la table "
            f"« {table.name} », ajoutez-lui les colonnes manquantes (voir data/README.md)."
        )
    else:
        message = f"colonnes obligatoires absentes : {', '.join(missing)}."
        renames = [f"renommez « {hints[n]} » en {n}" for n in missing if n in hints]
        if len(renames) < len(missing):
            renames.append(
                "ajoutez les colonnes manquantes (voir data/README.md, qui décrit chaque colonne)"
            )
        action = " ; ".join(renames) + "."
    blocking = Issue(
        "bloquant",
        table.name,
        message,
        action,
        file=fichier,
        sheet=feuille,
    )
    return DataError(
        f"{where} (table « {table.name} ») : {message} À faire : {action}",
        [*issues, blocking],
    )
