"""Great Expectations runs: one checkpoint per table in an ephemeral context, and Data Docs.

This is the only module that imports Great Expectations, always inside a function: importing
it takes seconds, and the rest of the package (and every report) must not pay for it.

Two Data Docs sites are built from the same validation results: the team's, with the values
and row positions of every failed rule, and the one shared with the partners, rendered from
results stripped to their counts (:func:`aggregate_result`).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only, GX is imported lazily
    import pandas as pd
    from great_expectations.expectations import Expectation

SITE_NAME = "qualite"
"""Name of the Data Docs site written under ``<out_dir>/data_docs``."""
SHARED_SITE_NAME = "qualite_partagee"
"""Name of the Data Docs site shared with the partners (counts only)."""
DATA_DOCS_FOLDER = "data_docs"
"""Folder of the quality pages holding the Data Docs site."""

AGGREGATE_KEYS = frozenset(
    {
        "element_count",
        "missing_count",
        "missing_percent",
        "unexpected_count",
        "unexpected_percent",
        "unexpected_percent_total",
        "unexpected_percent_nonmissing",
    }
)
"""Keys of an expectation result kept in the shared Data Docs: counts and shares of rows."""
SCHEMA_EXPECTATIONS = frozenset(
    {"expect_table_columns_to_match_set", "expect_column_values_to_be_in_type_list"}
)
"""Expectations whose observed value describes the file (columns, type), never a row."""
SHARED_EXCEPTION = "contrôle impossible sur ces données (détail sur la page interne de l'équipe)."
"""Message shown in the shared Data Docs instead of an error raised while checking a rule."""


def gx_modules() -> tuple[Any, Any]:
    """Import Great Expectations (slow) with analytics off; return the package and expectations."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    import great_expectations.expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gxe


def _site(folder: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        # The expectation suites' pages are built: each validation page links to its suite.
        "site_section_builders": {"profiling": "False"},
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(folder.resolve()),
        },
    }


def _context(gx: Any, out_dir: Path, shared_dir: Path | None = None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(SITE_NAME, _site(out_dir / DATA_DOCS_FOLDER))
    if shared_dir is not None:
        context.add_data_docs_site(SHARED_SITE_NAME, _site(shared_dir / DATA_DOCS_FOLDER))
    return context


def aggregate_result(suite_result: Any) -> Any:
    """Strip a suite's validation result to counts: no value, no row position, no traceback.

    Each expectation keeps its success, its counts and shares of rows (:data:`AGGREGATE_KEYS`)
    and, for the file's columns and types only, its observed value.

    Args:
        suite_result: an ``ExpectationSuiteValidationResult`` (changed in place).

    Returns:
        The same object.
    """
    for res in suite_result.results:
        kept = {k: v for k, v in (res.result or {}).items() if k in AGGREGATE_KEYS}
        if res.expectation_config.type in SCHEMA_EXPECTATIONS and res.result:
            kept["observed_value"] = res.result.get("observed_value")
        res.result = kept
        info = res.exception_info or {}
        entries = [info] if "raised_exception" in info else list(info.values())
        if any(isinstance(e, dict) and e.get("raised_exception") for e in entries):
            res.exception_info = {
                "raised_exception": True,
                "exception_message": SHARED_EXCEPTION,
                "exception_traceback": None,
            }
    return suite_result


def _build_shared_site(context: Any) -> None:
    """Render the shared Data Docs from the stored results once stripped to their counts."""
    store = context.validation_results_store
    for key in store.list_keys():
        store.set(key, aggregate_result(store.get(key)))
    context.build_data_docs(site_names=[SHARED_SITE_NAME])


def run_checkpoints(
    frames: dict[str, pd.DataFrame],
    suites: dict[str, list[Expectation]],
    out_dir: Path,
    shared_dir: Path | None = None,
) -> dict[str, Any]:
    """Validate each frame against its suite with Great Expectations; update Data Docs.

    One validation definition and one checkpoint per table (``qualite_<table>``), in a single
    ephemeral context: ``Checkpoint.run`` hands the same ``batch_parameters`` to all its
    validation definitions, and a dataframe asset accepts exactly one ``dataframe``.

    Args:
        frames: frame of each table (``suites.prepare_frame``), passed as batch parameters.
        suites: expectations of each table (``suites.build_suite``).
        out_dir: folder whose ``data_docs/`` receives the team's Data Docs site.
        shared_dir: folder whose ``data_docs/`` receives the site shared with the partners,
            with counts only (``None``: no shared site).

    Returns:
        The ``ExpectationSuiteValidationResult`` of each table (complete: values, rows).
    """
    gx, _ = gx_modules()

    context = _context(gx, out_dir, shared_dir)
    source = context.data_sources.add_pandas("donnees_partenaires")
    results: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, frame in frames.items():
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
            suite = context.suites.add_or_update(
                gx.ExpectationSuite(name=f"qualite_{name}", expectations=suites[name])
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"qualite_{name}", data=batch, suite=suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"qualite_{name}",
                    validation_definitions=[definition],
                    actions=[],
                    result_format={
                        "result_format": "COMPLETE",
                        "return_unexpected_index_query": False,
                    },
                )
            )
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            results[name] = next(iter(outcome.run_results.values()))
        # The team's site is built once from the stored results: an UpdateDataDocsAction per
        # checkpoint rebuilt the site's index (and compiled its templates) once per table.
        context.build_data_docs(site_names=[SITE_NAME])
        if shared_dir is not None:
            _build_shared_site(context)
    return results
