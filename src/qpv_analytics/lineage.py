"""What a report run read from the pipeline's tables, recorded for incremental builds.

The library's readers call :func:`record`; when a publication runs a notebook it names a file in
:data:`~qpv_analytics.config.LINEAGE_ENV`, and each read appends one line ``kind<TAB>name``.
The runner then hashes the content of everything listed (:mod:`qpv_analytics.publish.build_plan`)
and rebuilds the report only when one of these contents changed. Outside a publication
(JupyterLab, tests) nothing is written.
"""

from __future__ import annotations

import os

from qpv_analytics.config import LINEAGE_ENV

TABLE = "table"
"""A processed table, ``data/processed/<name>.parquet``."""
INDICATORS = "indicateurs"
"""A file of the run's ``indicateurs`` folder, written by an earlier report of the run."""
QUALITY = "qualite"
"""The quality warnings of one table in the summary of the quality gate."""
KINDS = (TABLE, INDICATORS, QUALITY)
"""What a report depends on."""
OUTPUT = "sortie"
"""A file the report wrote in the run's ``indicateurs`` folder (carried over when it is reused)."""


def record(kind: str, name: str) -> None:
    """Note that the running report read ``name`` (:data:`KINDS`) or wrote it (:data:`OUTPUT`)."""
    target = os.environ.get(LINEAGE_ENV)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"{kind}\t{name}\n")


def read_records(path: str | os.PathLike) -> set[tuple[str, str]]:
    """The distinct ``(kind, name)`` a run recorded (empty when the file is absent)."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return set()
    return {tuple(line.split("\t", 1)) for line in lines if "\t" in line}  # type: ignore[misc]
