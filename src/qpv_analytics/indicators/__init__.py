"""Indicator library: the model, the one compute path and one module per roadmap axis.

Declarations live in the axis modules (``axe1`` … ``axe6``, ``activite``, ``contexte``,
``ressources``); importing this package registers them all. Reports pick indicators with
:func:`select` / :func:`codes` by axis and tags, never by a code prefix.
"""

from qpv_analytics.indicators import axe2
from qpv_analytics.indicators.axe2 import gusp_indicators, tfpb_base, tfpb_by_axis, tfpb_indicators
from qpv_analytics.indicators.compute import aggregate, combine, compute, finish, status
from qpv_analytics.indicators.core import attach_geography, completeness, label_codes
from qpv_analytics.indicators.model import (
    LEVEL_COLUMNS,
    REGISTRY,
    RESULT_COLUMNS,
    RESULT_SCHEMA,
    Indicator,
    check_result,
    codes,
    empty_result,
    register,
    select,
)

__all__ = [
    "LEVEL_COLUMNS",
    "REGISTRY",
    "RESULT_COLUMNS",
    "RESULT_SCHEMA",
    "Indicator",
    "aggregate",
    "attach_geography",
    "axe2",
    "check_result",
    "codes",
    "combine",
    "completeness",
    "compute",
    "empty_result",
    "finish",
    "gusp_indicators",
    "label_codes",
    "register",
    "select",
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

# Englobing territories (INSEE values of the communes, EPCI, departments and region).
from qpv_analytics.indicators import territoires  # noqa: E402

__all__ += ["territoires"]
