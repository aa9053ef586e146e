"""Visual identity of every page: colours (one per axis), their contrast, the shared stylesheets.

The colours are declared here once. The stylesheets (``templates/qpv-*.css``) only use the
CSS variables written by :func:`css_variables`, and the charts take their colours from this
module, so a colour changed here changes everywhere. Every colour used for text, and every
background holding text, is checked against the WCAG 2.1 AA contrast ratio (4.5:1) by
``tests/test_style.py`` and, on the rendered pages, by the browser test.
"""

from __future__ import annotations

import re
from functools import cache

from qpv_analytics.config import TEMPLATES_DIR
from qpv_analytics.labels import AXES

INK = "#1e1e1e"
"""Body text."""
MUTED = "#555555"
"""Secondary text (metadata, captions, notes)."""
PAPER = "#ffffff"
"""Page background."""
MAIN = "#1f4e79"
"""Colour of the publication (dark blue, reads as dark grey in print): table headers, the
index, the cross-axis reports (context, synthesis)."""
LIGHT = "#9dc3e6"
"""Secondary chart colour (light blue: reads as light grey in print); never holds text."""
TARGET = "#c00000"
"""Target lines of the charts."""
TINT = "#f5f8fc"
"""Pale background of key-figure cards and table row headers."""
RULE = "#cccccc"
"""Thin table rules; never holds text."""

AXIS_COLOURS: dict[int, str] = {
    1: "#9a4a00",
    2: "#1e6b3a",
    3: "#7b2f8e",
    4: "#00677f",
    5: "#b0144f",
    6: "#2b59c3",
}
"""One colour per roadmap axis (title band, headings, table of contents, index), each dark
enough for text on white and for white text on it."""

STATUS_COLOURS = {"atteint": "#1b5e20", "partiel": "#8a5a00", "non_atteint": "#b00020"}
"""Text colour of each status against a target (the status is also written out)."""

MAP_CLASSES = ("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f")
"""Fill of the classes of a shaded map, lightest to darkest (ColorBrewer OrRd, 4 classes:
distinct in grey-scale print and for the common colour-vision deficiencies); never holds text."""
MAP_NEGATIVE = "#6baed6"
"""Fill of the class below zero of a map of gaps (a QPV better off than its territory)."""
MAP_LAND, MAP_BORDER = "#f2f2f2", "#7a7a7a"
"""Fill and outline of the departments under a map."""

DEMO_BACKGROUND, DEMO_BORDER = "#fff3cd", "#b8860b"
"""Banner of a demonstration publication."""
WARNING_BACKGROUND, WARNING_BORDER = "#fdecea", "#c00000"
"""Box of a missing-data or quality warning."""
INFO_BACKGROUND = "#eef3f8"
"""Box of neutral information."""

TEXT_PAIRS: list[tuple[str, str, str]] = [
    ("texte", INK, PAPER),
    ("texte secondaire", MUTED, PAPER),
    ("titres et liens", MAIN, PAPER),
    ("en-têtes de tableau", PAPER, MAIN),
    ("cartes de chiffres clés", MAIN, TINT),
    ("notes sur fond pâle", MUTED, TINT),
    ("bandeau de démonstration", INK, DEMO_BACKGROUND),
    ("avertissement", INK, WARNING_BACKGROUND),
    ("information", INK, INFO_BACKGROUND),
    *((f"axe {a}", c, PAPER) for a, c in AXIS_COLOURS.items()),
    *((f"axe {a} (texte blanc)", PAPER, c) for a, c in AXIS_COLOURS.items()),
    *((f"axe {a} sur fond pâle", c, TINT) for a, c in AXIS_COLOURS.items()),
    *((f"statut {s}", c, PAPER) for s, c in STATUS_COLOURS.items()),
    *((f"statut {s} sur fond pâle", c, TINT) for s, c in STATUS_COLOURS.items()),
    ("statut avec avertissements", STATUS_COLOURS["partiel"], DEMO_BACKGROUND),
    ("statut refusé", STATUS_COLOURS["non_atteint"], WARNING_BACKGROUND),
]
"""Every (use, text colour, background) pair of the stylesheets, for the contrast test."""

AA_TEXT = 4.5
"""Minimum contrast ratio of normal text (WCAG 2.1, level AA, criterion 1.4.3)."""


def accent(axis: int | None) -> str:
    """Colour of a report: its axis colour, or the publication colour for cross-axis reports."""
    return AXIS_COLOURS.get(axis, MAIN) if axis is not None else MAIN


def report_axis(name: str) -> int | None:
    """Axis of a report from its notebook name (``axe2_gusp_tfpb`` → 2), ``None`` if cross-axis."""
    found = re.match(r"axe(\d+)_", name)
    axis = int(found.group(1)) if found else None
    return axis if axis in AXES else None


def relative_luminance(colour: str) -> float:
    """Relative luminance of an ``#rrggbb`` colour (WCAG 2.1 definition)."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    high, low = sorted((relative_luminance(foreground), relative_luminance(background)))[::-1]
    return (high + 0.05) / (low + 0.05)


def css_variables(axis: int | None = None) -> str:
    """The ``:root`` CSS variables of the stylesheets, with the accent colour of a report."""
    values = {
        "encre": INK,
        "discret": MUTED,
        "papier": PAPER,
        "principal": MAIN,
        "accent": accent(axis),
        "teinte": TINT,
        "filet": RULE,
        "demo-fond": DEMO_BACKGROUND,
        "demo-bord": DEMO_BORDER,
        "alerte-fond": WARNING_BACKGROUND,
        "alerte-bord": WARNING_BORDER,
        "info-fond": INFO_BACKGROUND,
        **{f"statut-{s}": c for s, c in STATUS_COLOURS.items()},
        **{f"axe-{a}": c for a, c in AXIS_COLOURS.items()},
    }
    return ":root{" + "".join(f"--qpv-{k}:{v};" for k, v in values.items()) + "}"


@cache
def _css(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def report_css() -> str:
    """Classes of the report blocks (``qpv-*``), shown in JupyterLab as in the exported page."""
    return _css("qpv-rapport.css")


def page_css() -> str:
    """Page layout of every shared page: width, typography, table of contents, print (A4)."""
    return _css("qpv-page.css")


def stylesheet(axis: int | None = None) -> str:
    """The whole ``<style>`` element of a shared page (variables, report blocks, page layout)."""
    return f"<style>\n{css_variables(axis)}\n{report_css()}\n{page_css()}</style>"
