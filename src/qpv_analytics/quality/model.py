"""Data-quality findings (loader and validation problems) with their French messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from qpv_analytics.labels import SEVERITY_LABELS

Severity = Literal["bloquant", "avertissement"]

MAX_SHOWN = 8
"""How many rows or values a message lists before summarising the rest."""


class DataError(Exception):
    """A data problem that stops the run; its message is French and meant for the user."""

    def __init__(self, message: str, issues: Sequence[Issue] | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


@dataclass
class Issue:
    """One problem found in a file: where it is, what was found, what to do."""

    severity: Severity
    table: str
    message: str
    action: str
    fichier: str | None = None
    feuille: str | None = None
    colonne: str | None = None
    lignes: list[int] = field(default_factory=list)
    valeurs: list[str] = field(default_factory=list)
    attendu: str | None = None
    producteur: str | None = None
    regle: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether the problem stops the run."""
        return self.severity == "bloquant"

    def where(self) -> str:
        """French description of the location: file, sheet, column, rows."""
        parts = []
        if self.fichier:
            parts.append(f"fichier « {self.fichier} »")
        if self.feuille:
            parts.append(f"feuille « {self.feuille} »")
        if self.colonne:
            parts.append(f"colonne « {self.colonne} »")
        if self.lignes:
            parts.append(_plural_rows(self.lignes))
        return ", ".join(parts) if parts else f"table « {self.table} »"

    def text(self) -> str:
        """Full French message: location, problem, values, expectation, action."""
        label = SEVERITY_LABELS[self.severity]
        out = f"[{label}] {self.where()} : {self.message}"
        if self.valeurs:
            out += f" Valeurs trouvées : {_shorten([repr(v) for v in self.valeurs])}."
        if self.attendu:
            out += f" Attendu : {self.attendu}."
        out += f" À faire : {self.action}"
        return out

    def to_dict(self) -> dict:
        """Plain dict for JSON files."""
        return asdict(self)


def _shorten(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_SHOWN])
    if len(items) > MAX_SHOWN:
        shown += f" … (+{len(items) - MAX_SHOWN})"
    return shown


def _plural_rows(rows: list[int]) -> str:
    rows = sorted(set(rows))
    word = "ligne" if len(rows) == 1 else "lignes"
    return f"{word} {_shorten([str(r) for r in rows])}"


def summarise(issues: Iterable[Issue]) -> tuple[int, int]:
    """Return the number of blocking issues and of warnings."""
    issues = list(issues)
    blocking = sum(1 for i in issues if i.blocking)
    return blocking, len(issues) - blocking
