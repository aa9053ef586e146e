"""Quality pages: the French summary page and one correction list (HTML, CSV) per producer."""

from __future__ import annotations

import csv
import re
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpv_analytics.config import DEMO_MARKER, TEMPLATES_DIR, get_paths
from qpv_analytics.contract import TABLES
from qpv_analytics.labels import SEVERITY_ADVICE, SEVERITY_LABELS
from qpv_analytics.quality import plausibility
from qpv_analytics.quality.gx_run import DATA_DOCS_FOLDER
from qpv_analytics.quality.model import FEEDBACK_FOLDER, MAX_SHOWN, FeedbackRow, QualityReport

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qpv_analytics.ingest.loaders import LoadResult

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
    html = (
        _environment()
        .get_template("qualite.html.j2")
        .render(
            report=report,
            year=report.year,
            status=report.status,
            blocking=blocking,
            warnings=warning,
            tables=tables,
            producers=report.feedback,
            shared=shared,
            data_docs=(out_dir / DATA_DOCS_FOLDER / "index.html").exists(),
            severity_labels=SEVERITY_LABELS,
            max_shown=MAX_SHOWN,
        )
    )
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target


def share_quality_pages(
    report: QualityReport, results: dict[str, LoadResult], out_dir: Path
) -> None:
    """Turn the quality pages into their shared version: counts per producer, no producer rows.

    Each producer receives only its own page from the team, never the others'.

    Args:
        report: the quality report.
        results: loaded tables (files received per table).
        out_dir: quality folder of the publication being built.
    """
    shutil.rmtree(out_dir / FEEDBACK_FOLDER, ignore_errors=True)
    render_quality_index(report, results, out_dir, shared=True)
