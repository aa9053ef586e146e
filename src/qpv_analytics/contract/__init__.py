"""The data contract: every input table declared once (loaders, validation, demo, docs)."""

from qpv_analytics.contract.plausibility import CONTEXT_CHECKS, SourceChecks
from qpv_analytics.contract.schema import (
    KIND_LABELS,
    PANDAS_DTYPES,
    PLAUSIBILITY_ACTION,
    Column,
    Kind,
    Plausibility,
    Rule,
    Table,
)
from qpv_analytics.contract.tables import PARTNER_TABLES, TABLES, get_table, tables_for_axis
from qpv_analytics.contract.vocabularies import (
    AXES_TFPB,
    NATURES_RU,
    SITUATIONS_6_MOIS,
    TYPES_EVENEMENT,
    TYPES_MARCHE,
    TYPES_ORGANISATION,
)

__all__ = [
    "AXES_TFPB",
    "CONTEXT_CHECKS",
    "KIND_LABELS",
    "NATURES_RU",
    "PANDAS_DTYPES",
    "PARTNER_TABLES",
    "PLAUSIBILITY_ACTION",
    "SITUATIONS_6_MOIS",
    "TABLES",
    "TYPES_EVENEMENT",
    "TYPES_MARCHE",
    "TYPES_ORGANISATION",
    "Column",
    "Kind",
    "Plausibility",
    "Rule",
    "SourceChecks",
    "Table",
    "get_table",
    "tables_for_axis",
]
