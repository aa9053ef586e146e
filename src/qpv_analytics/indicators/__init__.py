"""Indicator library: the framework (``core``) and one module per roadmap axis."""

from qpv_analytics.indicators import axe2
from qpv_analytics.indicators.axe2 import gusp_indicators, tfpb_base, tfpb_by_axis, tfpb_indicators
from qpv_analytics.indicators.core import (
    LEVEL_COLUMNS,
    REGISTRY,
    RESULT_COLUMNS,
    Indicator,
    aggregate,
    attach_geography,
    completeness,
    finish,
    indicators_for_axis,
    label_codes,
    register,
    status,
)

__all__ = [
    "LEVEL_COLUMNS",
    "REGISTRY",
    "RESULT_COLUMNS",
    "Indicator",
    "aggregate",
    "attach_geography",
    "axe2",
    "completeness",
    "finish",
    "gusp_indicators",
    "indicators_for_axis",
    "label_codes",
    "register",
    "status",
    "tfpb_base",
    "tfpb_by_axis",
    "tfpb_indicators",
]

# Axis modules (importing them registers their indicators).
from qpv_analytics.indicators import activite, axe1, axe3, axe4, axe5, axe6  # noqa: E402

__all__ += ["activite", "axe1", "axe3", "axe4", "axe5", "axe6"]

# Context indicators (axis 0 = "contexte", outside the six roadmap axes).
from qpv_analytics.indicators import contexte  # noqa: E402

__all__ += ["contexte"]

# State resources in the contrats de ville (real ANCT files, axis 0 as well).
from qpv_analytics.indicators import ressources  # noqa: E402

__all__ += ["ressources"]
