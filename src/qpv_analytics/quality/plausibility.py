"""Plausibility of real sources: French warnings for artefacts, never silent corrections."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.contract import SourceChecks
from qpv_analytics.ingest import reference
from qpv_analytics.quality.model import Issue
from qpv_analytics.thresholds import MAX_YEAR_CHANGE_PCT, UNIFORM_AMOUNT_MIN_RECORDS

RULE_PREFIX = "plausibilite_source:"
"""Prefix of the ``rule`` of every finding of this module."""

KEEP = "le rapport publie la valeur du fichier telle quelle, avec cet avertissement."
"""What the publication does with a flagged value (nothing is corrected)."""


def _files(records: pd.DataFrame) -> str | None:
    if "_fichier" not in records.columns:
        return None
    names = sorted(records["_fichier"].dropna().astype(str).unique())
    return ", ".join(names) or None


def uniform_amounts(
    records: pd.DataFrame, checks: SourceChecks, hint: Callable[[int, float], str] | None = None
) -> list[Issue]:
    """Years where every record of a source carries one identical amount.

    Args:
        records: one row per record, with ``annee``, the amount column and ``_fichier``.
        checks: the source's rules (``amount``).
        hint: year, amount → French sentence added to the message (``""``: nothing).
    """
    if checks.amount is None or records.empty:
        return []
    issues = []
    for year, sub in records.groupby("annee", sort=True):
        amounts = pd.to_numeric(sub[checks.amount], errors="coerce").dropna()
        if len(amounts) < UNIFORM_AMOUNT_MIN_RECORDS or amounts.nunique() != 1:
            continue
        amount = float(amounts.iloc[0])
        issues.append(
            Issue(
                "avertissement",
                checks.source,
                f"les {len(amounts)} {checks.record_label} de {year} portent tous le même "
                f"montant, {formatting.euros(amount, 2)} : le fichier donne un montant "
                "forfaitaire, pas le montant versé à chacun ; le total publié "
                f"({formatting.euros(amount * len(amounts))}) n'est que ce montant multiplié "
                f"par le nombre de {checks.record_label}."
                + (hint(int(year), amount) if hint else ""),
                f"vérifiez auprès du producteur le montant réellement attribué en {year} ; " + KEEP,
                file=_files(sub),
                column=checks.amount_in_file or checks.amount,
                rule=RULE_PREFIX + "montant_unique",
            )
        )
    return issues


def _change_pct(before: float, after: float) -> float | None:
    return None if not before else (after - before) / abs(before) * 100


def year_changes(records: pd.DataFrame, checks: SourceChecks) -> list[Issue]:
    """Changes of more than ``MAX_YEAR_CHANGE_PCT`` of the yearly records or amount.

    Args:
        records: one row per record, with ``annee`` (and the amount column).
        checks: the source's rules (``year_change``, ``amount``).
    """
    if not checks.year_change or records.empty:
        return []
    yearly = records.groupby("annee", sort=True).size().to_frame("n")
    measures = [("n", f"nombre de {checks.record_label}", formatting.number)]
    if checks.amount is not None:
        yearly["total"] = records.groupby("annee", sort=True)[checks.amount].sum(min_count=1)
        measures.append(("total", "montant total", formatting.euros))
    issues = []
    years = [int(y) for y in yearly.index]
    for before, after in zip(years, years[1:], strict=False):
        if after != before + 1:
            continue
        for column, label, shown in measures:
            a, b = yearly.loc[before, column], yearly.loc[after, column]
            change = None if pd.isna(a) or pd.isna(b) else _change_pct(float(a), float(b))
            if change is None or abs(change) <= MAX_YEAR_CHANGE_PCT:
                continue
            sign = "+" if change > 0 else "−"
            issues.append(
                Issue(
                    "avertissement",
                    checks.source,
                    f"le {label} passe de {shown(float(a))} en {before} à {shown(float(b))} en "
                    f"{after} ({sign}{formatting.percent(abs(change), 0)}) : une variation de "
                    f"plus de {formatting.percent(MAX_YEAR_CHANGE_PCT, 0)} en un an vient plus "
                    "souvent d'un changement de fichier (périmètre, barème, postes en cours de "
                    "conventionnement) que d'un changement réel.",
                    f"vérifiez que les fichiers {before} et {after} sont complets et comparables "
                    "avant de commenter l'évolution ; " + KEEP,
                    file=_files(records[records["annee"].isin([before, after])]),
                    column=(checks.amount_in_file or checks.amount) if column == "total" else None,
                    rule=RULE_PREFIX + "variation_annuelle",
                )
            )
    return issues


def zero_counts(records: pd.DataFrame, checks: SourceChecks) -> list[Issue]:
    """Counts at zero in populated QPV, where a positive count is expected.

    Args:
        records: rows of the table ``contexte`` (``code_qpv``, ``_fichier``, ``_ligne``).
        checks: the source's rules (``positive``, ``population``).
    """
    if not checks.positive or checks.population not in records.columns or records.empty:
        return []
    populated = pd.to_numeric(records[checks.population], errors="coerce") > 0
    issues = []
    for column in checks.positive:
        if column not in records.columns:
            continue
        zero = populated & (pd.to_numeric(records[column], errors="coerce") == 0)
        flagged = records[zero.fillna(False).astype(bool)]
        files = (
            flagged["_fichier"].astype("string").fillna("")
            if "_fichier" in flagged.columns
            else pd.Series("", index=flagged.index)
        )
        for name, sub in flagged.groupby(files, sort=True):
            codes = sorted(sub["code_qpv"].astype(str).unique())
            lines = sub["_ligne"].dropna().astype(int).tolist() if "_ligne" in sub.columns else []
            issues.append(
                Issue(
                    "avertissement",
                    checks.source,
                    f"{len(codes)} QPV peuplé(s) ont 0 dans la colonne « {column} », où un "
                    "effectif positif est attendu (un QPV habité compte toujours quelques "
                    "personnes à ce titre) : " + ", ".join(codes) + ".",
                    "vérifiez ces valeurs auprès du producteur du fichier (un secret statistique "
                    "ou une donnée absente codés en zéro ?) ; " + KEEP,
                    file=str(name) or None,
                    column=column,
                    rows=lines,
                    values=codes,
                    rule=RULE_PREFIX + "zero_qpv_peuple",
                )
            )
    return issues


def source_issues(
    records: pd.DataFrame, checks: SourceChecks, hint: Callable[[int, float], str] | None = None
) -> list[Issue]:
    """Every plausibility finding of one source's records (``hint``: see uniform_amounts)."""
    return (
        uniform_amounts(records, checks, hint)
        + year_changes(records, checks)
        + zero_counts(records, checks)
    )


def state_posts_issues(posts: pd.DataFrame) -> list[Issue]:
    """Plausibility findings of the State-funded posts (:func:`reference.state_posts`).

    A scheme whose amounts are all identical in a year is also compared with the amounts of
    the other schemes that year: the same amount there points to a file that took the other
    scheme's unit amount.
    """
    issues = []
    for key, checks in reference.POST_CHECKS.items():

        def hint(year: int, amount: float, key: str = key) -> str:
            others = posts[
                (posts["annee"] == year)
                & (posts["dispositif"] != key)
                & (posts["montant_eur"] == amount)
            ]
            if others.empty:
                return ""
            schemes = ", ".join(reference.SCHEMES[k] for k in sorted(set(others["dispositif"])))
            return (
                f" Ce montant est aussi celui de {len(others)} postes {schemes} de la même "
                "année : le fichier a pu reprendre le barème d'un autre dispositif."
            )

        issues += source_issues(posts[posts["dispositif"] == key], checks, hint)
    return issues


def source_titles() -> dict[str, str]:
    """Sources checked here that are no contract table: key → French title."""
    return {key: checks.title for key, checks in reference.POST_CHECKS.items()}
