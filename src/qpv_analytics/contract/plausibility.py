"""Plausibility rules of real sources: artefacts warned about, never corrected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceChecks:
    """The plausibility rules of one real source, checked on its records (one row each).

    Every rule gives a warning on the quality page and beside the figure in the reports; the
    values stay as the source gives them.
    """

    source: str
    """Key of the source: a contract table (``contexte``) or a public file (``fonjep``)."""
    title: str
    """French name of the source."""
    record_label: str = "lignes"
    """French name of the records, plural (« postes »)."""
    amount: str | None = None
    """Amount column: a year where every record carries one identical amount is flagged."""
    amount_in_file: str | None = None
    """Name of the amount column in the source file, when the records renamed it."""
    year_change: bool = False
    """Flag a change of the yearly number of records, or of the yearly total of ``amount``,
    larger than ``thresholds.MAX_YEAR_CHANGE_PCT`` from one year to the next."""
    positive: tuple[str, ...] = ()
    """Count columns expected positive in a populated QPV: a zero there is flagged."""
    population: str | None = None
    """Population column telling whether a QPV is populated (with ``positive``)."""


CONTEXT_CHECKS = SourceChecks(
    source="contexte",
    title="Indicateurs de contexte par QPV",
    positive=(
        "demandeurs_emploi_abcde",
        "allocataires_caf",
        "personnes_couvertes_caf",
        "nombre_menages",
    ),
    population="population_municipale",
)
"""Counts of the table ``contexte`` that a QPV with inhabitants cannot have at zero."""
