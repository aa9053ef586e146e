"""Invented, reproducible demo data for every partner table, written like partners' CSV exports.

The package draws one invented world (:mod:`.world`, from the landlords of :mod:`.landlords`
and the French texts of :mod:`.texts`), derives each table's rows from it (:mod:`.tables`) and
writes them as French CSV exports (:mod:`.writer`).
"""

from qpv_analytics.ingest.demo.writer import (
    FIRST_YEAR,
    LAST_YEAR,
    SINGLE_FILE_TABLES,
    data_files,
    ensure_demo,
    generate,
)

__all__ = ["FIRST_YEAR", "LAST_YEAR", "SINGLE_FILE_TABLES", "data_files", "ensure_demo", "generate"]
