"""The quality gate: validate every loaded table, collect French findings, write the pages."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qpv_analytics.config import Paths
from qpv_analytics.contract import CONTEXT_CHECKS, TABLES
from qpv_analytics.ingest import reference
from qpv_analytics.params import RunParams
from qpv_analytics.quality import plausibility
from qpv_analytics.quality.findings import registry_findings, table_findings
from qpv_analytics.quality.gx_run import DATA_DOCS_FOLDER, run_checkpoints
from qpv_analytics.quality.model import (
    FEEDBACK_FOLDER,
    SHARED_FOLDER,
    FeedbackRow,
    Issue,
    QualityReport,
)
from qpv_analytics.quality.pages import (
    RESULTS_FILE,
    render_quality_index,
    write_feedback,
    write_shared_pages,
)
from qpv_analytics.quality.suites import ReferenceSets, build_suite, prepare_frame

if TYPE_CHECKING:  # pragma: no cover - typing only
    from great_expectations.expectations import Expectation

    from qpv_analytics.ingest.loaders import LoadResult

__all__ = ["RESULTS_FILE", "run_quality_gate"]


def run_quality_gate(
    results: dict[str, LoadResult],
    qpv: pd.DataFrame,
    params: RunParams,
    out_dir: Path,
    paths: Paths | None = None,
) -> QualityReport:
    """Check every loaded table with Great Expectations and write the quality pages.

    The plausibility of the real sources (context file, State-funded posts) adds warnings
    (:mod:`qpv_analytics.quality.plausibility`): nothing is corrected.

    Args:
        results: loaded tables (``loaders.load_raw``), with the loaders' own findings.
        qpv: QPV reference of the region (``reference.qpv_reference``).
        params: run parameters.
        out_dir: the team's folder, receiving ``resultats.json``, ``index.html``,
            ``data_docs/``, ``retours/`` (one page and one CSV per data producer) and
            ``partage/``, the version shared with the partners (counts only, no file, row
            or value: :func:`pages.write_shared_pages`).
        paths: project paths of the publication, whose public files of State-funded posts
            are checked too; ``None`` checks the loaded tables only.

    Returns:
        The report: findings (loaders' and validation's), status, counts.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (DATA_DOCS_FOLDER, FEEDBACK_FOLDER, SHARED_FOLDER):  # a previous run's pages
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    registry = results["bailleurs"].data if "bailleurs" in results else None
    refs = ReferenceSets.from_inputs(qpv, registry)
    frames: dict[str, pd.DataFrame] = {}
    suites: dict[str, list[Expectation]] = {}
    sources: dict[str, pd.DataFrame] = {}
    for name, result in results.items():
        if result.data.empty:
            continue
        table = TABLES[name]
        sources[name] = result.data.reset_index(drop=True)
        frames[name] = prepare_frame(sources[name], table, refs)
        suites[name] = build_suite(table, refs, params)
    gx_results = run_checkpoints(frames, suites, out_dir, out_dir / SHARED_FOLDER)

    issues: list[Issue] = []
    rows: list[FeedbackRow] = []
    for name, result in results.items():
        data = sources.get(name, result.data.reset_index(drop=True))
        found, found_rows = table_findings(
            result, TABLES[name], data, frames.get(name), gx_results.get(name)
        )
        issues += found
        rows += found_rows
    issues += registry_findings(results, refs)
    context = results["contexte"].data if "contexte" in results else pd.DataFrame()
    issues += plausibility.source_issues(context, CONTEXT_CHECKS)
    if paths is not None:
        posts = reference.state_posts(params.region, params.years, paths)
        issues += plausibility.state_posts_issues(posts)
    order = list(TABLES)
    issues.sort(
        key=lambda i: (not i.blocking, order.index(i.table) if i.table in order else len(order))
    )

    labels = dict(zip(qpv["siren_epci"].astype(str), qpv["nom_epci"].astype(str), strict=True))
    labels |= dict(zip(qpv["code_qpv"].astype(str), qpv["nom_qpv"].astype(str), strict=True))
    report = QualityReport(
        issues=issues,
        out_dir=out_dir,
        year=params.annee,
        rows=rows,
        tables={n: len(f) for n, f in frames.items()},
    )
    report.feedback = write_feedback(rows, out_dir, params.annee, labels)
    report.duration_s = time.perf_counter() - started
    (out_dir / RESULTS_FILE).write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    write_shared_pages(report, results, out_dir / SHARED_FOLDER)
    render_quality_index(report, results, out_dir)
    return report
