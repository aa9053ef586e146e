"""Quality pages: the French summary page and one correction list per data producer."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpv_analytics.config import DEMO_MARKER, TEMPLATES_DIR, get_paths
from qpv_analytics.contract import TABLES
from qpv_analytics.labels import MASKED_ID as MASKED
from qpv_analytics.labels import SEVERITY_ADVICE as GRAVITE

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qpv_analytics.ingest.loaders import LoadResult
    from qpv_analytics.quality.validation import QualityReport

UNKNOWN_PRODUCER = "Producteur non identifié"
"""Page of the findings whose producer cannot be told from the rows (unreadable files…)."""
CSV_COLUMNS = (
    "table",
    "fichier",
    "feuille",
    "ligne",
    "colonne",
    "valeur",
    "gravite",
    "probleme",
    "attendu",
    "a_faire",
)


@dataclass(frozen=True)
class FeedbackRow:
    """One cell or line a data producer must correct or check."""

    producteur: str | None
    table: str
    fichier: str | None
    feuille: str | None
    ligne: int | None
    colonne: str | None
    valeur: str
    probleme: str
    attendu: str | None
    action: str
    severite: str

    @property
    def blocking(self) -> bool:
        """Whether the row stops the publication."""
        return self.severite == "bloquant"

    def safe(self) -> FeedbackRow:
        """Return the row with any pseudonymous identifier value masked."""
        table = TABLES.get(self.table)
        if table and self.colonne in table.identifiers and self.valeur:
            return FeedbackRow(**{**asdict(self), "valeur": MASKED})
        return self


def slugify(name: str) -> str:
    """Return a file-name-safe ASCII slug of a producer name (``Habitat Évolution`` → ``habitat-evolution``)."""  # noqa: E501
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-zA-Z]+", "-", text.strip().lower()).strip("-")
    return text[:60].strip("-") or "producteur"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Pages built from the demo data say so, like every report.
    env.globals["demo"] = (get_paths().raw / DEMO_MARKER).exists()
    return env


def _sort_key(row: FeedbackRow) -> tuple:
    where = (row.fichier or "", row.feuille or "", row.ligne or 0, row.colonne or "")
    return (not row.blocking, *where)


def write_feedback(
    rows: list[FeedbackRow], out_dir: Path, annee: int, labels: dict[str, str] | None = None
) -> list[dict]:
    """Write ``retours/<slug>.html`` and ``retours/<slug>.csv`` for each data producer.

    The CSV uses ``;`` and UTF-8 with BOM (opens directly in a French Excel). Identifier
    values are never written: the row is located by file and line instead.

    Args:
        rows: every row to correct or check, with its producer (``None`` if unknown).
        out_dir: quality folder; pages go to ``out_dir / "retours"``.
        annee: publication year (page title).
        labels: display names of producer codes (EPCI SIREN → name, QPV code → name).

    Returns:
        One dict per producer: ``producteur``, ``libelle``, ``slug``, ``page``, ``csv``,
        ``bloquants``, ``avertissements``.
    """
    labels = labels or {}
    by_producer: dict[str, list[FeedbackRow]] = defaultdict(list)
    seen: set[FeedbackRow] = set()
    for row in rows:
        row = row.safe()
        if row in seen:
            continue
        seen.add(row)
        by_producer[row.producteur or UNKNOWN_PRODUCER].append(row)
    folder = out_dir / "retours"
    if by_producer:
        folder.mkdir(parents=True, exist_ok=True)
    template = _environment().get_template("qualite_retour.html.j2")
    entries: list[dict] = []
    used: set[str] = set()
    order = sorted(by_producer, key=lambda p: (p == UNKNOWN_PRODUCER, p.casefold()))
    for producer in order:
        found = sorted(by_producer[producer], key=_sort_key)
        slug = base = slugify(producer)
        n = 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        label = labels.get(producer)
        libelle = f"{label} ({producer})" if label else producer
        with (folder / f"{slug}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(CSV_COLUMNS)
            for r in found:
                writer.writerow(
                    [
                        r.table,
                        r.fichier or "",
                        r.feuille or "",
                        "" if r.ligne is None else r.ligne,
                        r.colonne or "",
                        r.valeur,
                        GRAVITE.get(r.severite, r.severite),
                        r.probleme,
                        r.attendu or "",
                        r.action,
                    ]
                )
        blocking = sum(r.blocking for r in found)
        entry = {
            "producteur": producer,
            "libelle": libelle,
            "slug": slug,
            "page": f"retours/{slug}.html",
            "csv": f"retours/{slug}.csv",
            "bloquants": blocking,
            "avertissements": len(found) - blocking,
        }
        by_file: dict[tuple, list[FeedbackRow]] = defaultdict(list)
        for r in found:
            by_file[(r.table, r.fichier or "(fichier non précisé)", r.feuille)].append(r)
        html = template.render(
            annee=annee,
            entry=entry,
            groups=[
                {"table": TABLES[t].title, "nom": t, "fichier": f, "feuille": s, "rows": rs}
                for (t, f, s), rs in by_file.items()
            ],
            gravite=GRAVITE,
            unknown=producer == UNKNOWN_PRODUCER,
        )
        (folder / f"{slug}.html").write_text(html, encoding="utf-8")
        entries.append(entry)
    return entries


def render_index(
    report: QualityReport, results: dict[str, LoadResult], out_dir: Path, shared: bool = False
) -> Path:
    """Write the French quality page ``index.html``: status, counts, findings by table.

    Args:
        report: the quality report.
        results: loaded tables (files received per table).
        out_dir: quality folder.
        shared: version for the shared publication: counts per producer, no links to the
            producers' own pages (each producer receives only its page from the team).
    """
    blocking, warning = report.counts
    tables = []
    for name, table in TABLES.items():
        found = [i for i in report.issues if i.table == name]
        result = results.get(name)
        if result is None and not found:
            continue
        tables.append(
            {
                "nom": name,
                "titre": table.title,
                "fichiers": [p.name for p in result.files] if result else [],
                "lignes": report.tables.get(name, 0),
                "issues": found,
                "bloquants": sum(i.blocking for i in found),
            }
        )
    html = (
        _environment()
        .get_template("qualite.html.j2")
        .render(
            report=report,
            annee=report.annee,
            statut=report.status,
            bloquants=blocking,
            avertissements=warning,
            tables=tables,
            producteurs=report.feedback,
            partage=shared,
            data_docs=(out_dir / "data_docs" / "index.html").exists(),
        )
    )
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target
