"""Plain data of the quality gate: findings, feedback rows, the report and its French texts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from qpv_analytics.contract import TABLES
from qpv_analytics.labels import MASKED_ID, SEVERITY_LABELS

Severity = Literal["bloquant", "avertissement"]

MAX_SHOWN = 8
"""How many rows or values a message lists before summarising the rest."""

FEEDBACK_FOLDER = "retours"
"""Folder of the quality pages holding one page and one CSV per data producer."""
SHARED_FOLDER = "partage"
"""Folder of the team's quality pages holding the version shared with the partners.

It holds counts only (per table, column, rule and producer): the publication takes it as its
``qualite/`` folder, and the team sees there exactly what the partners receive.
"""

STATUS_OK = "valide"
STATUS_WARN = "valide avec avertissements"
STATUS_REFUSED = "refusé"

ISSUE_KEYS: dict[str, str] = {
    "severity": "severity",
    "table": "table",
    "message": "message",
    "action": "action",
    "file": "fichier",
    "sheet": "feuille",
    "column": "colonne",
    "rows": "lignes",
    "values": "valeurs",
    "expected": "attendu",
    "producer": "producteur",
    "rule": "regle",
}
"""French key written in ``resultats.json`` for each field of :class:`Issue`."""


_ROW_NUMBERS = re.compile(
    r"\b(lignes?|line)\s+(?:n°\s*)?\d+(?:\s*(?:,|et|à|-|–|and)\s*\d+)*"
    r"(?:\s*…\s*\(\+\d+\))?",
    re.IGNORECASE,
)
"""Row numbers written inside a message (« dès la ligne 2 », pandas' « in line 12 »)."""


def without_row_numbers(message: str) -> str:
    """Return a message with the row numbers it names replaced by « … » (shared pages)."""
    return _ROW_NUMBERS.sub(lambda m: f"{m.group(1)} …", message)


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
    file: str | None = None
    sheet: str | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    expected: str | None = None
    producer: str | None = None
    rule: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether the problem stops the run."""
        return self.severity == "bloquant"

    def where(self) -> str:
        """French description of the location: file, sheet, column, rows."""
        parts = []
        if self.file:
            parts.append(f"fichier « {self.file} »")
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        if self.rows:
            parts.append(_plural_rows(self.rows))
        return ", ".join(parts) if parts else f"table « {self.table} »"

    def text(self) -> str:
        """Full French message: location, problem, values, expectation, action."""
        label = SEVERITY_LABELS[self.severity]
        out = f"[{label}] {self.where()} : {self.message}"
        if self.values:
            out += f" Valeurs trouvées : {_shorten([repr(v) for v in self.values])}."
        if self.expected:
            out += f" Attendu : {self.expected}."
        out += f"{ACTION_MARK}{self.action}"
        return out

    def to_dict(self) -> dict:
        """Plain dict for JSON files, with the French keys of :data:`ISSUE_KEYS`."""
        return {ISSUE_KEYS[key]: value for key, value in asdict(self).items()}

    @property
    def personal(self) -> bool:
        """Whether the finding is about a table of persons or households (contract)."""
        table = TABLES.get(self.table)
        return bool(table and table.personal)

    def shared_text(self) -> str:
        """French message without file, rows or values: table, column, problem, row count."""
        label = SEVERITY_LABELS[self.severity]
        where = f"table « {self.table} »" + (f", colonne « {self.column} »" if self.column else "")
        out = f"[{label}] {where} : {without_row_numbers(self.message)}"
        if self.rows:
            out += f" {len(set(self.rows))} ligne(s) concernée(s)."
        if self.expected:
            out += f" Attendu : {without_row_numbers(self.expected)}."
        return out + f" À faire : {without_row_numbers(self.action)}"


@dataclass(frozen=True)
class FeedbackRow:
    """One cell or line a data producer must correct or check."""

    producer: str | None
    table: str
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: str
    problem: str
    expected: str | None
    action: str
    severity: str

    @property
    def blocking(self) -> bool:
        """Whether the row stops the publication."""
        return self.severity == "bloquant"

    def safe(self) -> FeedbackRow:
        """Return the row with any pseudonymous identifier value masked."""
        table = TABLES.get(self.table)
        if table and self.column in table.identifiers and self.value:
            return replace(self, value=MASKED_ID)
        return self


@dataclass
class QualityReport:
    """Outcome of the quality gate: every finding, the status and where the pages are."""

    issues: list[Issue]
    out_dir: Path
    year: int
    rows: list[FeedbackRow] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    """Rows validated per table (non-empty tables only)."""
    feedback: list[dict] = field(default_factory=list)
    """One entry per data producer: name, slug, counts, page and CSV file names."""
    duration_s: float = 0.0

    @property
    def blocking(self) -> bool:
        """Whether at least one finding stops the publication."""
        return any(i.blocking for i in self.issues)

    @property
    def counts(self) -> tuple[int, int]:
        """Number of blocking findings and of warnings."""
        return summarise(self.issues)

    @property
    def status(self) -> str:
        """``valide``, ``valide avec avertissements`` or ``refusé``."""
        blocking, warning = self.counts
        if blocking:
            return STATUS_REFUSED
        return STATUS_WARN if warning else STATUS_OK

    def summary_text(self, max_lines: int = 15) -> str:
        """Short French summary for the terminal: status, counts, first errors, where to look.

        Args:
            max_lines: maximum number of lines of the summary.
        """
        blocking, warning = self.counts
        lines = [
            f"Contrôle qualité des données {self.year} : {self.status.upper()} — "
            f"{blocking} erreur(s) bloquante(s), {warning} avertissement(s), "
            f"{sum(self.tables.values())} ligne(s) contrôlée(s) dans {len(self.tables)} table(s)."
        ]
        footer = [f"Résultats complets : {self.out_dir / 'index.html'}"]
        if self.feedback:
            footer.append(f"Retours par producteur de données : {self.out_dir / FEEDBACK_FOLDER}/")
        room = max(max_lines - len(lines) - len(footer), 0)
        shown = [i for i in self.issues if i.blocking] or [i for i in self.issues]
        if shown and room:
            if len(shown) > room:
                room -= 1
            for issue in shown[:room]:
                lines.append("  " + one_line(issue.text()))
            if len(shown) > room:
                kind = "erreur(s)" if shown[0].blocking else "avertissement(s)"
                lines.append(f"  … et {len(shown) - room} autre(s) {kind}.")
        return "\n".join((lines + footer)[: max(max_lines, 1)])

    def summary_dict(self) -> dict:
        """Summary read by the reports: status, number of blocking findings, warnings.

        It is shared (publication index, manifest): a warning about a table of persons or
        households gives its row count, never its file, rows or values.
        """
        return {
            "statut": self.status,
            "bloquants": self.counts[0],
            "avertissements": [
                {
                    "table": i.table,
                    "probleme": i.message,
                    "texte": i.shared_text() if i.personal else i.text(),
                }
                for i in self.issues
                if not i.blocking
            ],
        }

    def shared_dict(self) -> dict:
        """The shared ``resultats.json``: status, counts per table, column, rule and producer.

        No file, row number or value of any finding, and no link to a producer's own page.
        """
        return {
            **self._status_dict(),
            "producteurs": [
                {k: e[k] for k in ("producteur", "libelle", "bloquants", "avertissements")}
                for e in self.feedback
            ],
            "constats": finding_counts(self.issues),
        }

    def _status_dict(self) -> dict:
        """Year, status, counts of findings and rows checked: the head of ``resultats.json``."""
        blocking, warning = self.counts
        return {
            "annee": self.year,
            "statut": self.status,
            "bloquant": self.blocking,
            "bloquants": blocking,
            "avertissements": warning,
            "lignes_controlees": self.tables,
        }

    def to_dict(self) -> dict:
        """Everything written in ``resultats.json`` (French keys)."""
        return {
            **self._status_dict(),
            "producteurs": self.feedback,
            "duree_secondes": round(self.duration_s, 2),
            "issues": [i.to_dict() for i in self.issues],
        }


ACTION_MARK = " À faire : "
"""What precedes the advice in :meth:`Issue.text`: the part a shortened line always keeps."""


def finding_counts(issues: Iterable[Issue]) -> list[dict]:
    """Count the findings per severity, table, column, rule, problem and producer.

    The counts are what the shared quality pages show: no file, row number or value (the
    row numbers a message names are replaced by « … »).

    Returns:
        One dict per group (French keys): ``gravite``, ``table``, ``colonne``, ``regle``,
        ``producteur``, ``probleme``, ``attendu``, ``a_faire``, ``constats`` (findings) and
        ``lignes_concernees`` (rows named by the findings; 0 for file-level findings).
    """
    groups: dict[tuple, dict] = {}
    for issue in issues:
        message, action = without_row_numbers(issue.message), without_row_numbers(issue.action)
        expected = without_row_numbers(issue.expected) if issue.expected else issue.expected
        key = (
            issue.severity,
            issue.table,
            issue.column,
            issue.rule,
            message,
            issue.producer,
            expected,
            action,
        )
        entry = groups.setdefault(
            key,
            {
                "gravite": issue.severity,
                "table": issue.table,
                "colonne": issue.column,
                "regle": issue.rule,
                "producteur": issue.producer,
                "probleme": message,
                "attendu": expected,
                "a_faire": action,
                "constats": 0,
                "lignes_concernees": 0,
            },
        )
        entry["constats"] += 1
        entry["lignes_concernees"] += len(issue.rows)
    return list(groups.values())


def one_line(text: str, width: int = 300) -> str:
    """Return ``text`` on one line, within ``width`` characters, never cutting the advice.

    When the text is too long, the part before :data:`ACTION_MARK` (location, problem,
    values) is cut with an ellipsis, keeping at least its first 80 characters; the advice is
    kept whole, even if the line then exceeds ``width``. A text without advice is cut at
    ``width``.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head, mark, action = text.rpartition(ACTION_MARK)
    if not mark:
        return text[: width - 1] + "…"
    room = max(width - len(mark) - len(action), 80)
    if len(head) > room:
        head = head[: room - 1].rstrip() + "…"
    return head + mark + action


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
