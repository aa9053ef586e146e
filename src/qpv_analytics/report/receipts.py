"""Data received for a publication: partner tables, files and producers, landlords' tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from qpv_analytics.contract import PARTNER_TABLES, TABLES
from qpv_analytics.labels import MISSING

YES = "oui"
"""Mark of a table received from a landlord."""
PRODUCER_LABELS = {
    "bailleur": "bailleurs",
    "siren_epci": "EPCI",
    "maitre_ouvrage": "maîtres d'ouvrage",
    "organisateur": "organisateurs",
    "porteurs": "porteurs",
    "porteur": "porteurs",
    "id_marche": "marchés",
    "code_qpv": "QPV",
}
"""French name of what the ``producer`` column of a table counts."""


def years_text(years: Iterable[int]) -> str:
    """``2021–2023, 2025`` (consecutive years as ranges)."""
    years = sorted({int(y) for y in years})
    if not years:
        return MISSING
    parts, start, prev = [], years[0], years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def completeness_table(frames: Mapping[str, pd.DataFrame], annee: int) -> pd.DataFrame:
    """Which partner tables arrived, from how many files and producers, this year and last.

    Args:
        frames: processed tables by name, with their ``_fichier`` source column (a table
            missing from the mapping counts as not received).
        annee: publication year.

    Returns:
        One row per partner table of the contract except the landlord registry: « Table »,
        « Années reçues », « Fichiers <annee> », « Producteurs <annee> », « Producteurs
        <annee-1> », « Producteurs comptés » (what the producer column counts).
    """
    rows = []
    for name in PARTNER_TABLES:
        if name == "bailleurs":
            continue
        table = TABLES[name]
        frame = frames.get(name, pd.DataFrame())
        if "annee" in frame.columns:
            years = frame["annee"].dropna()
            this, last = frame[frame["annee"] == annee], frame[frame["annee"] == annee - 1]
        else:
            years, this, last = pd.Series(dtype=int), frame.iloc[0:0], frame.iloc[0:0]
        files = this["_fichier"].nunique() if "_fichier" in this.columns else None
        producer = table.producer

        def producers(part: pd.DataFrame, producer=producer) -> str:
            if producer is None:
                return MISSING
            if producer not in part.columns:
                return "0"
            return str(part[producer].dropna().nunique())

        rows.append(
            {
                "Table": f"{table.title} ({name})",
                "Années reçues": years_text(years),
                f"Fichiers {annee}": MISSING if not files else str(files),
                f"Producteurs {annee}": producers(this),
                f"Producteurs {annee - 1}": producers(last),
                "Producteurs comptés": PRODUCER_LABELS.get(producer or "", producer or MISSING),
            }
        )
    return pd.DataFrame(rows)


def _landlords_sent(
    frames: Mapping[str, pd.DataFrame], registry: pd.DataFrame, annee: int
) -> tuple[list[str], dict[str, set[str]], list[str], list[str]]:
    """Tables landlords send, the landlords who sent each this year, known and other landlords."""
    names = [n for n in PARTNER_TABLES if TABLES[n].producer == "bailleur"]
    sent: dict[str, set[str]] = {}
    for name in names:
        frame = frames.get(name, pd.DataFrame())
        if "bailleur" not in frame.columns or "annee" not in frame.columns:
            sent[name] = set()
            continue
        sent[name] = set(frame.loc[frame["annee"] == annee, "bailleur"].dropna().astype(str))
    known = sorted(set(registry["bailleur"].dropna().astype(str))) if len(registry) else []
    extra = sorted(set().union(*sent.values()) - set(known)) if sent else []
    return names, sent, known, extra


def landlord_matrix(
    frames: Mapping[str, pd.DataFrame], registry: pd.DataFrame, annee: int
) -> pd.DataFrame:
    """Landlords of the registry × the tables landlords send: « oui » if rows arrived this year.

    Args:
        frames: processed tables by name (names already harmonised with the registry).
        registry: the ``bailleurs`` table.
        annee: publication year.

    Returns:
        « Bailleur », one column per table whose producer is the landlord (its name), and
        « Tables reçues » (``n / total``); landlords sorted by name. A landlord met in the
        tables but absent from the registry is listed too, marked « (hors registre) ».
    """
    names, sent, known, extra = _landlords_sent(frames, registry, annee)
    rows = []
    for landlord in [*known, *extra]:
        row = {"Bailleur": landlord if landlord in known else f"{landlord} (hors registre)"}
        got = 0
        for name in names:
            row[name] = YES if landlord in sent[name] else MISSING
            got += landlord in sent[name]
        row["Tables reçues"] = f"{got} / {len(names)}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["Bailleur", *names, "Tables reçues"])


def complete_landlords(
    frames: Mapping[str, pd.DataFrame], registry: pd.DataFrame, annee: int
) -> int:
    """Number of landlords (of :func:`landlord_matrix`) who sent every table asked of them."""
    names, sent, known, extra = _landlords_sent(frames, registry, annee)
    return sum(all(landlord in sent[n] for n in names) for landlord in [*known, *extra])


def processed_frames(report) -> dict[str, pd.DataFrame]:
    """Processed partner tables of an open report by name (empty when not loaded)."""
    from qpv_analytics.ingest.loaders import read_processed
    from qpv_analytics.quality.model import DataError

    frames = {}
    for name in PARTNER_TABLES:
        try:
            frames[name] = read_processed(name, report.paths)
        except DataError:
            frames[name] = pd.DataFrame()
    return frames


def data_completeness(report) -> pd.DataFrame:
    """:func:`completeness_table` of the processed tables of an open report."""
    return completeness_table(processed_frames(report), report.annee)


def landlord_tables(report) -> tuple[pd.DataFrame, int]:
    """:func:`landlord_matrix` of an open report, with the number of complete landlords."""
    frames = processed_frames(report)
    registry = frames.get("bailleurs", pd.DataFrame())
    return (
        landlord_matrix(frames, registry, report.annee),
        complete_landlords(frames, registry, report.annee),
    )
