"""Static maps of the QPV and EPCI of a region, embedded in the pages as PNG images.

Library choice: matplotlib alone. The shipped geometries are already simplified (the
national QPV contours, and the IGN GEOFLA simplified departments), so drawing them only needs
their rings, in an equirectangular projection whose horizontal scale is corrected by the
cosine of the map's mean latitude: over a region the distortion stays below 1 %. Geopandas
(GDAL and PROJ wheels, tens of megabytes) or shapely would add a stack for nothing this page
uses. The EPCI have no shipped contour: they are drawn as symbols at the point of their
contrat de ville (ANCT file), the usual choice for a map of values per territory without
polygons. Every map carries a legend with its classes stated in French number format, a
source and vintage line, and an alternative text; images stay well under 300 KB.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.patches
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from qpv_analytics import formatting, style  # noqa: E402
from qpv_analytics.config import Paths  # noqa: E402
from qpv_analytics.geography import DEPARTEMENTS, REGION_DEPARTEMENTS  # noqa: E402
from qpv_analytics.labels import STATUS_LABELS  # noqa: E402

QPV_FILE = "qpv2024-contours-simplifies.geojson"
"""National QPV contours (``data/reference/``)."""
CONTRATS_FILE = "contrats-de-ville-2024.json"
"""Points of the contrats de ville (one per EPCI)."""
DEPARTMENTS_GLOB = "departements-*.geojson"
"""Department contour files shipped in ``data/reference/`` (features ``code``, ``nom``)."""

BACKGROUND_SOURCE = "fond : départements IGN GEOFLA simplifiés (gregoiredavid/france-geojson)"
QPV_SOURCE = "contours des QPV 2024 (liste nationale, version simplifiée)"
MAX_BYTES = 300_000
"""Size limit of one map image."""

_DPI = 100


@dataclass(frozen=True)
class Shape:
    """One territory drawn on a map: code, name and rings (lists of (lon, lat) points)."""

    code: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]

    @property
    def centre(self) -> tuple[float, float]:
        """Mean of the outer ring's points (a QPV is small: this point lies in it or by it)."""
        ring = self.rings[0]
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))


@dataclass(frozen=True)
class Layers:
    """The layers of a region's maps."""

    departments: tuple[Shape, ...]
    qpv: tuple[Shape, ...]
    epci_points: Mapping[str, tuple[float, float]]
    """Point of each EPCI: its contrat de ville's, else the mean of its QPV's centres."""

    @property
    def has_background(self) -> bool:
        """Whether department contours cover the region."""
        return bool(self.departments)


def _rings(geometry: dict) -> tuple:
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return ()
    return tuple(
        tuple((float(x), float(y)) for x, y, *_ in ring) for poly in polygons for ring in poly
    )


@lru_cache(maxsize=4)
def _features(path: Path) -> tuple[dict, ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8"))["features"])


def load_layers(region: str, qpv_epci: Mapping[str, str], paths: Paths) -> Layers:
    """Read the departments of the region, the QPV of the publication and the EPCI points.

    Args:
        region: INSEE region code.
        qpv_epci: QPV code → SIREN of its EPCI, for the QPV of the publication (drawn when
            found in the national contours).
        paths: project folders.
    """
    wanted = set(REGION_DEPARTEMENTS.get(region, ()))
    departments = []
    for file in sorted(paths.reference.glob(DEPARTMENTS_GLOB)):
        for feat in _features(file):
            code = str(feat["properties"].get("code", ""))
            if code in wanted and code not in {d.code for d in departments}:
                name = feat["properties"].get("nom") or DEPARTEMENTS.get(code, code)
                departments.append(Shape(code, name, _rings(feat["geometry"])))
    qpv = []
    contours = paths.reference / QPV_FILE
    if contours.exists():
        for feat in _features(contours):
            prop = feat["properties"]
            if prop.get("code_qp") in qpv_epci and feat.get("geometry"):
                rings = _rings(feat["geometry"])
                if rings:
                    qpv.append(Shape(prop["code_qp"], prop.get("lib_qp") or "", rings))
    points: dict[str, tuple[float, float]] = {}
    contrats = paths.reference / CONTRATS_FILE
    if contrats.exists():
        for feat in _features(contrats):
            geom = feat.get("geometry") or {}
            if geom.get("type") == "Point":
                x, y = geom["coordinates"][:2]
                points[str(feat["properties"]["codgeo"])] = (float(x), float(y))
    centres: dict[str, list[tuple[float, float]]] = {}
    for shape in qpv:
        centres.setdefault(qpv_epci[shape.code], []).append(shape.centre)
    for siren, pts in centres.items():
        if siren not in points:  # a contrat de ville signed by a commune: the QPV's centre
            points[siren] = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    return Layers(tuple(departments), tuple(sorted(qpv, key=lambda s: s.code)), points)


def _patch(shape: Shape, **kw) -> PathPatch:
    vertices, codes = [], []
    for ring in shape.rings:
        vertices += list(ring)
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return PathPatch(MplPath(vertices, codes), **kw)


def _add_shape(ax, patch: PathPatch) -> None:
    """Draw one contour on a map whose view :func:`_frame` sets (the same drawing as ``add_patch``).

    ``add_patch`` also widens the data limits by walking every segment of the contour, which
    took 1.3 s of a profile's 2.5 s; the view of a map never depends on them.
    """
    ax.add_artist(patch)


def _frame(ax, shapes: Sequence[Shape], margin: float = 0.03) -> None:
    xs = [p[0] for s in shapes for r in s.rings for p in r]
    ys = [p[1] for s in shapes for r in s.rings for p in r]
    if not xs:
        ax.set_axis_off()
        return
    dx, dy = max(xs) - min(xs) or 0.05, max(ys) - min(ys) or 0.05
    ax.set_xlim(min(xs) - dx * margin, max(xs) + dx * margin)
    ax.set_ylim(min(ys) - dy * margin, max(ys) + dy * margin)
    ax.set_aspect(1 / math.cos(math.radians((min(ys) + max(ys)) / 2)))
    ax.set_axis_off()


def _background(ax, layers: Layers, labels: bool = True) -> None:
    if not layers.departments:
        return
    patches = [_patch(d) for d in layers.departments]
    ax.add_collection(
        PatchCollection(
            patches, facecolor=style.MAP_LAND, edgecolor=style.MAP_BORDER, linewidth=0.8, zorder=1
        )
    )
    if labels:
        for d in layers.departments:
            x, y = d.centre
            ax.annotate(
                d.name,
                (x, y),
                ha="center",
                va="center",
                fontsize=8,
                color=style.MUTED,
                zorder=5,
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            )


def _figure(layers: Layers, extent: Sequence[Shape]):
    shapes = list(layers.departments) or list(extent)
    xs = [p[0] for s in shapes for r in s.rings for p in r] or [0, 1]
    ys = [p[1] for s in shapes for r in s.rings for p in r] or [0, 1]
    ratio = (max(ys) - min(ys)) / max(
        (max(xs) - min(xs)) * math.cos(math.radians(sum(ys) / len(ys))), 1e-6
    )
    map_width = 4.4  # inches; the legend takes the right-hand side
    fig, ax = plt.subplots(figsize=(map_width + 2.6, min(max(map_width * ratio, 3.0), 7.0)))
    _frame(ax, shapes)
    return fig, ax


def _finish(fig, ax, title: str, source: str, legend_title: str, handles: list) -> None:
    ax.set_title(title, fontsize=11, fontweight="bold", loc="left")
    if handles:
        ax.legend(
            handles=handles,
            title=legend_title,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=8.5,
            title_fontsize=9,
            alignment="left",
        )
    ax.annotate(
        textwrap.fill(source, 110),
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -6),
        textcoords="offset points",
        fontsize=7,
        color=style.MUTED,
        ha="left",
        va="top",
    )


def _handle(fill: str, label: str, marker: str = "o", size: float = 7) -> Line2D:
    """One legend entry: a symbol of the map with its label."""
    return Line2D(
        [],
        [],
        marker=marker,
        linestyle="",
        markersize=size,
        markerfacecolor=fill,
        markeredgecolor=style.INK,
        label=label,
    )


def class_labels(bounds: Sequence[float], unit: str) -> list[str]:
    """French labels of the classes cut at ``bounds`` (``moins de 20 %``, ``20 à 30 %``…)."""
    fmt = {"%": lambda v: formatting.percent(v, 0), "points": lambda v: formatting.number(v, 0)}
    show = fmt.get(unit, lambda v: formatting.number(v, 0))
    suffix = " pts" if unit == "points" else ""
    labels = [f"moins de {show(bounds[0])}{suffix}"]
    labels += [f"{show(a)} à {show(b)}{suffix}" for a, b in zip(bounds, bounds[1:], strict=False)]
    labels.append(f"{show(bounds[-1])}{suffix} et plus")
    return labels


def classify(value: float | None, bounds: Sequence[float]) -> int | None:
    """Index of the class of a value (``None`` when missing): class i is [b(i-1), b(i))."""
    if value is None or pd.isna(value):
        return None
    return sum(float(value) >= b for b in bounds)


def qpv_map(
    layers: Layers,
    values: Mapping[str, float | None],
    bounds: Sequence[float],
    unit: str,
    title: str,
    legend_title: str,
    source: str,
    colours: Sequence[str] | None = None,
) -> tuple[plt.Figure, dict[str, int]]:
    """Shade each QPV by the class of its value, on the departments of the region.

    A QPV is a few hundred metres wide: at a region's scale it is drawn as its contour plus a
    disc of the class colour, so that none disappears. A QPV without value is a white disc.

    Returns:
        The figure and the number of QPV per class label (``non renseigné`` included).
    """
    colours = list(colours or style.MAP_CLASSES)
    labels = class_labels(bounds, unit)
    fig, ax = _figure(layers, layers.qpv)
    _background(ax, layers)
    counts = dict.fromkeys([*labels, "non renseigné"], 0)
    xs, ys, fills = [], [], []
    for shape in layers.qpv:
        cls = classify(values.get(shape.code), bounds)
        fill = "#ffffff" if cls is None else colours[cls]
        counts["non renseigné" if cls is None else labels[cls]] += 1
        _add_shape(ax, _patch(shape, facecolor=fill, edgecolor=style.INK, linewidth=0.3, zorder=3))
        x, y = shape.centre
        xs.append(x)
        ys.append(y)
        fills.append(fill)
    ax.scatter(xs, ys, s=26, c=fills, edgecolors=style.INK, linewidths=0.5, zorder=4)
    handles = [_handle(c, f"{lab} ({counts[lab]})") for c, lab in zip(colours, labels, strict=True)]
    if counts["non renseigné"]:
        handles.append(_handle("#ffffff", f"non renseigné ({counts['non renseigné']})"))
    _finish(fig, ax, title, source, legend_title, handles)
    return fig, counts


STATUS_SYMBOLS = {
    status: (marker, fill, STATUS_LABELS[status].lower())
    for status, marker, fill in (
        ("atteint", "o", style.STATUS_COLOURS["atteint"]),
        ("non_atteint", "^", style.STATUS_COLOURS["non_atteint"]),
        ("partiel", "s", style.STATUS_COLOURS["partiel"]),
        ("sans_donnee", "o", "#ffffff"),
    )
}
"""Symbol, fill and French label of each status on a map of EPCI (shape and colour differ)."""


def epci_status_map(
    layers: Layers,
    statuses: Mapping[str, str],
    title: str,
    legend_title: str,
    source: str,
) -> tuple[plt.Figure, dict[str, int], list[str]]:
    """Place each EPCI at its contrat de ville's point, symbol and colour by its status.

    Args:
        layers: the region's map layers.
        statuses: SIREN → status code (``atteint``, ``non_atteint``, ``partiel``,
            ``sans_donnee``).
        title: title of the map.
        legend_title: title of the legend.
        source: source and vintage line.

    Returns:
        The figure, the number of EPCI per status label, and the SIREN without a point.
    """
    fig, ax = _figure(layers, layers.qpv)
    _background(ax, layers)
    counts: dict[str, int] = {}
    unplaced = []
    for status, (marker, colour, label) in STATUS_SYMBOLS.items():
        sirens = [s for s, st in statuses.items() if st == status]
        placed = [layers.epci_points[s] for s in sirens if s in layers.epci_points]
        unplaced += [s for s in sirens if s not in layers.epci_points]
        if not sirens:
            continue
        counts[label] = len(sirens)
        if placed:
            ax.scatter(
                [p[0] for p in placed],
                [p[1] for p in placed],
                s=70,
                marker=marker,
                c=colour,
                edgecolors=style.INK,
                linewidths=0.7,
                zorder=4,
            )
    handles = [
        _handle(c, f"{lab} ({counts[lab]})", marker=m, size=8)
        for m, c, lab in STATUS_SYMBOLS.values()
        if lab in counts
    ]
    _finish(fig, ax, title, source, legend_title, handles)
    return fig, counts, sorted(unplaced)


def epci_value_map(
    layers: Layers,
    values: Mapping[str, float | None],
    bounds: Sequence[float],
    unit: str,
    title: str,
    legend_title: str,
    source: str,
) -> tuple[plt.Figure, dict[str, int]]:
    """Place each EPCI at its contrat de ville's point, coloured by the class of its value."""
    colours = list(style.MAP_CLASSES)
    labels = class_labels(bounds, unit)
    fig, ax = _figure(layers, layers.qpv)
    _background(ax, layers)
    counts = dict.fromkeys([*labels, "sans donnée"], 0)
    for siren, value in values.items():
        cls = classify(value, bounds)
        counts["sans donnée" if cls is None else labels[cls]] += 1
        if siren in layers.epci_points:
            x, y = layers.epci_points[siren]
            ax.scatter(
                [x],
                [y],
                s=70,
                c="#ffffff" if cls is None else colours[cls],
                edgecolors=style.INK,
                linewidths=0.7,
                zorder=4,
            )
    handles = [
        _handle(c, f"{lab} ({counts[lab]})", size=8)
        for c, lab in zip([*colours, "#ffffff"], [*labels, "sans donnée"], strict=True)
        if counts[lab]
    ]
    _finish(fig, ax, title, source, legend_title, handles)
    return fig, counts


def locator_map(
    layers: Layers,
    qpv_codes: Sequence[str],
    title: str,
    source: str,
) -> tuple[plt.Figure, dict[str, int]]:
    """Locate a territory's QPV (numbered) among the others.

    The view is the QPV's extent widened to at least 12 km, so that the neighbouring QPV
    (light) and the department borders give the context. The numbers follow the order of
    ``qpv_codes``; the page lists them (a legend of thirty names would not fit).

    Returns:
        The figure and the number of each QPV found in the contours.
    """
    wanted = set(qpv_codes)
    by_code = {s.code: s for s in layers.qpv}
    mine = [by_code[c] for c in dict.fromkeys(qpv_codes) if c in by_code]
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    _background(ax, layers, labels=False)
    for shape in layers.qpv:
        ours = shape.code in wanted
        _add_shape(
            ax,
            _patch(
                shape,
                facecolor=style.MAP_CLASSES[3] if ours else style.LIGHT,
                edgecolor=style.INK,
                linewidth=0.5 if ours else 0.2,
                zorder=3 if ours else 2,
            ),
        )
    numbers = {}
    for number, shape in enumerate(mine, start=1):
        x, y = shape.centre
        ax.annotate(
            str(number),
            (x, y),
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="bottom",
            xytext=(0, 5),
            textcoords="offset points",
            zorder=6,
        )
        numbers[shape.code] = number
    _frame(ax, mine or layers.qpv, margin=0.1)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    half = 0.08  # degrees of latitude, about 9 km
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hy = max((y1 - y0) / 2, half)
    hx = max((x1 - x0) / 2, half / math.cos(math.radians(cy)))
    ax.set_xlim(cx - hx, cx + hx)
    ax.set_ylim(cy - hy, cy + hy)
    if layers.departments:  # where the view lies in the region
        inset = ax.inset_axes((0.72, 0.0, 0.28, 0.36))
        inset.add_collection(
            PatchCollection(
                [_patch(d) for d in layers.departments],
                facecolor=style.MAP_LAND,
                edgecolor=style.MAP_BORDER,
                linewidth=0.4,
            )
        )
        _frame(inset, layers.departments, margin=0.02)
        inset.add_patch(
            matplotlib.patches.Rectangle(
                (cx - hx, cy - hy),
                2 * hx,
                2 * hy,
                fill=False,
                edgecolor=style.TARGET,
                linewidth=1.2,
            )
        )
        inset.set_facecolor("white")
    _finish(fig, ax, title, source, "", [])
    return fig, numbers


def figure_html(fig: plt.Figure, alt: str, caption: str | None = None) -> str:
    """Render a map as an embedded PNG ``<figure>`` with its alternative text, and close it.

    Raises:
        ValueError: when the image exceeds :data:`MAX_BYTES`.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", pil_kwargs={"optimize": True})
    plt.close(fig)
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"map image of {len(data)} bytes, above {MAX_BYTES}")
    encoded = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="qpv-figure qpv-carte"><img src="data:image/png;base64,{encoded}" '
        f'alt="{html.escape(alt)}" style="max-width:100%">{cap}</figure>'
    )
