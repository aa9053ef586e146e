"""Quality pages: the French summary page and one correction list (HTML, CSV) per producer.

The team's pages list files, rows and values; the version shared with the partners
(:func:`write_shared_pages`, in the ``partage/`` folder, then the publication's ``qualite/``)
gives counts per table, column, rule and producer only.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpv_analytics.config import DEMO_MARKER, TEMPLATES_DIR, get_paths
from qpv_analytics.contract import TABLES
from qpv_analytics.disclosure import scanner
from qpv_analytics.labels import SEVERITY_ADVICE, SEVERITY_LABELS
from qpv_analytics.quality import plausibility
from qpv_analytics.quality.gx_run import DATA_DOCS_FOLDER
from qpv_analytics.quality.model import (
    FEEDBACK_FOLDER,
    MAX_SHOWN,
    SHARED_FOLDER,
    FeedbackRow,
    QualityReport,
    finding_counts,
)
from qpv_analytics.thresholds import MIN_COUNT

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qpv_analytics.ingest.loaders import LoadResult

UNKNOWN_PRODUCER = "Producteur non identifié"
"""Page of the findings whose producer cannot be told from the rows (unreadable files…)."""
RESULTS_FILE = "resultats.json"
"""Every finding of the run (the team's) or their counts (shared), beside the quality pages."""
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
    from markupsafe import Markup

    from qpv_analytics import style

    env.globals["stylesheet"] = Markup(style.stylesheet())  # the publication's identity
    # Pages built from the demo data say so, like every report.
    env.globals["demo"] = (get_paths().raw / DEMO_MARKER).exists()
    return env


def _sort_key(row: FeedbackRow) -> tuple:
    where = (row.file or "", row.sheet or "", row.row or 0, row.column or "")
    return (not row.blocking, *where)


def write_feedback(
    rows: list[FeedbackRow], out_dir: Path, year: int, labels: dict[str, str] | None = None
) -> list[dict]:
    """Write ``retours/<slug>.html`` and ``retours/<slug>.csv`` for each data producer.

    The CSV uses ``;`` and UTF-8 with BOM (opens directly in a French Excel). Identifier
    values are never written: the row is located by file and line instead.

    Args:
        rows: every row to correct or check, with its producer (``None`` if unknown).
        out_dir: quality folder; pages go to ``out_dir / "retours"``.
        year: publication year (page title).
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
        by_producer[row.producer or UNKNOWN_PRODUCER].append(row)
    folder = out_dir / FEEDBACK_FOLDER
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
        display = f"{label} ({producer})" if label else producer
        with (folder / f"{slug}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(CSV_COLUMNS)
            for r in found:
                writer.writerow(
                    [
                        r.table,
                        r.file or "",
                        r.sheet or "",
                        "" if r.row is None else r.row,
                        r.column or "",
                        r.value,
                        SEVERITY_ADVICE.get(r.severity, r.severity),
                        r.problem,
                        r.expected or "",
                        r.action,
                    ]
                )
        blocking = sum(r.blocking for r in found)
        entry = {
            "producteur": producer,
            "libelle": display,
            "slug": slug,
            "page": f"{FEEDBACK_FOLDER}/{slug}.html",
            "csv": f"{FEEDBACK_FOLDER}/{slug}.csv",
            "bloquants": blocking,
            "avertissements": len(found) - blocking,
        }
        by_file: dict[tuple, list[FeedbackRow]] = defaultdict(list)
        for r in found:
            by_file[(r.table, r.file or "(fichier non précisé)", r.sheet)].append(r)
        html = template.render(
            year=year,
            entry=entry,
            groups=[
                {"table": TABLES[t].title, "name": t, "file": f, "sheet": s, "rows": rs}
                for (t, f, s), rs in by_file.items()
            ],
            severity_advice=SEVERITY_ADVICE,
            unknown=producer == UNKNOWN_PRODUCER,
        )
        (folder / f"{slug}.html").write_text(html, encoding="utf-8")
        entries.append(entry)
    return entries


def render_quality_index(
    report: QualityReport, results: dict[str, LoadResult], out_dir: Path, shared: bool = False
) -> Path:
    """Write the French quality page ``index.html``: status, counts, findings by table.

    Args:
        report: the quality report.
        results: loaded tables (files received per table).
        out_dir: quality folder.
        shared: version for the partners: counts of findings per table, column, rule and
            producer, no file, row or value, no link to the producers' own pages (each
            producer receives only its page from the team).
    """
    blocking, warning = report.counts
    tables = _table_entries(report, results)
    if shared:
        for entry in tables:
            entry["counts"] = finding_counts(entry.pop("issues"))
    html = (
        _environment()
        .get_template("qualite_partage.html.j2" if shared else "qualite.html.j2")
        .render(
            report=report,
            year=report.year,
            status=report.status,
            blocking=blocking,
            warnings=warning,
            tables=tables,
            producers=report.feedback,
            data_docs=(out_dir / DATA_DOCS_FOLDER / "index.html").exists(),
            shared_version=(out_dir / SHARED_FOLDER / "index.html").exists(),
            severity_labels=SEVERITY_LABELS,
            severity_advice=SEVERITY_ADVICE,
            max_shown=MAX_SHOWN,
        )
    )
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target


def _table_entries(report: QualityReport, results: dict[str, LoadResult]) -> list[dict]:
    """One entry per table received or with findings: files, rows checked, findings."""
    tables = []
    for name, table in TABLES.items():
        found = [i for i in report.issues if i.table == name]
        result = results.get(name)
        if result is None and not found:
            continue
        tables.append(
            {
                "name": name,
                "title": table.title,
                "files": [p.name for p in result.files] if result else [],
                "rows": report.tables.get(name, 0),
                "issues": found,
                "blocking": sum(i.blocking for i in found),
            }
        )
    for name, title in plausibility.source_titles().items():
        found = [i for i in report.issues if i.table == name]
        if found:
            files = sorted({f for i in found if i.file for f in i.file.split(", ")})
            tables.append(
                {
                    "name": name,
                    "title": title,
                    "files": files,
                    "rows": "–",
                    "issues": found,
                    "blocking": 0,
                }
            )
    return tables


def write_shared_pages(
    report: QualityReport, results: dict[str, LoadResult], shared_dir: Path
) -> Path:
    """Write the version of the quality pages shared with the partners: counts only.

    ``index.html`` and ``resultats.json`` give the status and the number of findings and of
    rows concerned per table, column, rule and producer; no file, row number or value of any
    finding, no producer's page. The Data Docs of ``shared_dir / "data_docs"`` (written by
    :func:`gx_run.run_checkpoints`, counts only) are linked when present.

    Args:
        report: the quality report.
        results: loaded tables (files received per table).
        shared_dir: folder of the shared version (``<quality folder>/partage``).

    Returns:
        The shared ``index.html``.
    """
    shared_dir.mkdir(parents=True, exist_ok=True)
    (shared_dir / RESULTS_FILE).write_text(
        json.dumps(report.shared_dict(), ensure_ascii=False, indent=2, default=str),
        encoding="utf-8",
    )
    return render_quality_index(report, results, shared_dir, shared=True)


def share_quality_pages(
    report: QualityReport, results: dict[str, LoadResult], out_dir: Path
) -> None:
    """Replace the team's quality pages of a folder by their shared version (counts only).

    The team's pages (rows, values, Data Docs listing them, each producer's page) go; the
    shared version written beside them by the gate (``partage/``) takes their place, or is
    written now if missing. Each producer receives only its own page from the team.

    Args:
        report: the quality report.
        results: loaded tables (files received per table).
        out_dir: quality folder of the publication being built.
    """
    out_dir = Path(out_dir)
    preview = out_dir / SHARED_FOLDER
    if not (preview / "index.html").exists():
        write_shared_pages(report, results, preview)
    for child in out_dir.iterdir():
        if child.name == SHARED_FOLDER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in preview.iterdir():
        child.rename(out_dir / child.name)
    preview.rmdir()


def scan_shared_quality(
    folder: Path, identifiers: set[str], threshold: int = MIN_COUNT
) -> list[scanner.Finding]:
    """Run the confidentiality scan on a shared quality folder.

    Args:
        folder: the shared quality folder (``Paths.quality_in(<publication or build>)``).
        identifiers: pseudonymous identifiers of persons and households never to publish.
        threshold: smallest count of people that may be shown.

    Returns:
        The scanner's findings (empty: the folder may be shared).
    """
    return scanner.scan_publication(folder, identifiers, threshold)
