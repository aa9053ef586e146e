"""Great Expectations runs: one checkpoint per table in an ephemeral context, and Data Docs.

This is the only module that imports Great Expectations, always inside a function: importing
it takes seconds, and the rest of the package (and every report) must not pay for it.
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
DATA_DOCS_FOLDER = "data_docs"
"""Folder of the quality pages holding the Data Docs site."""


def gx_modules() -> tuple[Any, Any]:
    """Import Great Expectations (slow) with analytics off; return the package and expectations."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    import great_expectations.expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gxe


def _context(gx: Any, out_dir: Path) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # The expectation suites' pages are built: each validation page links to its suite.
            "site_section_builders": {"profiling": "False"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str((out_dir / DATA_DOCS_FOLDER).resolve()),
            },
        },
    )
    return context


def run_checkpoints(
    frames: dict[str, pd.DataFrame],
    suites: dict[str, list[Expectation]],
    out_dir: Path,
) -> dict[str, Any]:
    """Validate each frame against its suite with Great Expectations; update Data Docs.

    One validation definition and one checkpoint per table (``qualite_<table>``), in a single
    ephemeral context: ``Checkpoint.run`` hands the same ``batch_parameters`` to all its
    validation definitions, and a dataframe asset accepts exactly one ``dataframe``.

    Args:
        frames: frame of each table (``suites.prepare_frame``), passed as batch parameters.
        suites: expectations of each table (``suites.build_suite``).
        out_dir: folder whose ``data_docs/`` receives the Data Docs site.

    Returns:
        The ``ExpectationSuiteValidationResult`` of each table.
    """
    gx, _ = gx_modules()
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = _context(gx, out_dir)
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
                    actions=[UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
                    result_format={
                        "result_format": "COMPLETE",
                        "return_unexpected_index_query": False,
                    },
                )
            )
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            results[name] = next(iter(outcome.run_results.values()))
        if not frames:
            context.build_data_docs(site_names=[SITE_NAME])
    return results
