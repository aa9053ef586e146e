"""Report charts: sorted bars with a target line, trends, small multiples, all grey-scale safe."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from qpv_analytics import formatting  # noqa: E402
from qpv_analytics.style import LIGHT, MAIN, TARGET  # noqa: E402  (colours declared once)

sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
plt.rcParams.update(
    {
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _axis_label(value: float, unit: str) -> str:
    short = unit.split("/")[0]
    whole = 0.0 if abs(value) < 0.5 else value  # shown without decimals: never « -0 % »
    if short == "%":
        return formatting.percent(whole, 0)
    if short == "€":
        return formatting.euros(whole)
    return formatting.number(value, 0 if float(value).is_integer() else 1)


def _formatter(unit: str) -> FuncFormatter:
    """Tick labels: whole numbers and a short unit (``250 €`` rather than ``250,0 €/logement``)."""
    return FuncFormatter(lambda v, _pos: _axis_label(v, unit))


def bars_with_target(
    data: pd.DataFrame,
    label: str,
    value: str,
    unit: str,
    title: str,
    target: float | None = None,
    target_label: str = "Cible",
    max_bars: int = 40,
) -> plt.Figure:
    """Horizontal bars sorted by value, with a dashed target line; bars below target are light.

    Args:
        data: one row per territory or partner.
        label: column of bar labels.
        value: column of values.
        unit: unit of the values (axis formatting).
        title: chart title.
        target: target value (a vertical dashed line), or ``None``.
        target_label: legend text of the target line.
        max_bars: maximum number of bars (the largest ones).
    """
    df = data.dropna(subset=[value]).sort_values(value, ascending=False).head(max_bars)
    height = max(2.5, 0.28 * len(df) + 1.2)
    fig, ax = plt.subplots(figsize=(8.5, height))
    colors = [LIGHT if target is not None and v < target else MAIN for v in df[value].astype(float)]
    ax.barh(
        df[label].astype(str),
        df[value].astype(float),
        color=colors,
        edgecolor="#333333",
        linewidth=0.4,
    )
    ax.invert_yaxis()
    for y, v in enumerate(df[value].astype(float)):
        ax.annotate(
            formatting.with_unit(v, unit).split("/")[0],
            (v, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
        )
    ax.margins(x=0.12)
    values = df[value].astype(float)
    if values.empty or values.min() >= 0:  # counts, rates, amounts: the axis starts at zero
        top = max([*values, target or 0])
        ax.set_xlim(left=0, right=top * 1.12 if top > 0 else (100 if unit == "%" else 10))
    if target is not None:
        ax.axvline(
            target,
            color=TARGET,
            linestyle="--",
            linewidth=1.5,
            label=f"{target_label} : {formatting.with_unit(target, unit)}",
        )
        ax.legend(loc="lower right", frameon=True)
    ax.xaxis.set_major_formatter(_formatter(unit))
    ax.set_title(title, loc="left")
    ax.set_ylabel("")
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def trend(
    data: pd.DataFrame,
    year: str,
    value: str,
    unit: str,
    title: str,
    series: str | None = None,
    target: float | None = None,
    references: dict[str, float] | None = None,
    marks: dict[int, str] | None = None,
) -> plt.Figure:
    """Line chart over years (every year labelled), optional target and reference lines.

    Args:
        data: one row per year (and series).
        year: column of years.
        value: column of values.
        unit: unit of the values.
        title: chart title.
        series: column naming the series, if several.
        target: target line, if any.
        references: reference lines (label → value).
        marks: year → footnote mark (« (1) ») added to the value label of that year's
            points, drawn with an open marker (a point computed on a partial perimeter).
    """
    marks = marks or {}
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D"]
    groups = [(None, data)] if series is None else list(data.groupby(series, sort=True))
    for i, (name, sub) in enumerate(groups):
        sub = sub.sort_values(year)
        ax.plot(
            sub[year].astype(int),
            sub[value].astype(float),
            linestyle=styles[i % 4],
            marker=markers[i % 4],
            color=MAIN if i == 0 else "#555555",
            label=name,
        )
        for x, y in zip(sub[year].astype(int), sub[value].astype(float), strict=True):
            if pd.notna(y):
                if x in marks:
                    ax.plot(x, y, marker="o", markersize=11, fillstyle="none", color=TARGET)
                ax.annotate(
                    " ".join(filter(None, [formatting.with_unit(y, unit), marks.get(x)])),
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                )
    if target is not None:
        ax.axhline(
            target,
            color=TARGET,
            linestyle="--",
            linewidth=1.3,
            label=f"Cible : {formatting.with_unit(target, unit)}",
        )
    for j, (lab, ref) in enumerate((references or {}).items()):
        ax.axhline(
            ref,
            color="#7f7f7f",
            linestyle=[":", "-."][j % 2],
            linewidth=1.2,
            label=f"{lab} : {formatting.with_unit(ref, unit)}",
        )
    years = sorted(data[year].dropna().astype(int).unique())
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years])
    ax.yaxis.set_major_formatter(_formatter(unit))
    ax.set_title(title, loc="left")
    ax.set_xlabel("")
    ax.margins(y=0.2)
    if series is not None or target is not None or references:
        ax.legend(loc="best", fontsize=8, frameon=True)
    fig.tight_layout()
    return fig


def small_multiples(
    data: pd.DataFrame,
    facet: str,
    year: str,
    value: str,
    unit: str,
    title: str,
    target: float | None = None,
    cols: int = 4,
) -> plt.Figure:
    """One small trend chart per territory, sharing the vertical scale."""
    facets = sorted(data[facet].dropna().unique())
    rows = max(1, -(-len(facets) // cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.3 * cols, 1.9 * rows), sharey=True, squeeze=False
    )
    for ax, name in zip(axes.flat, facets, strict=False):
        sub = data[data[facet] == name].sort_values(year)
        ax.plot(
            sub[year].astype(int), sub[value].astype(float), marker="o", color=MAIN, markersize=3
        )
        if target is not None:
            ax.axhline(target, color=TARGET, linestyle="--", linewidth=1)
        ax.set_title(str(name)[:28], fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
        ax.set_xticks(sorted(sub[year].astype(int).unique()))
        ax.set_xticklabels([f"{int(y) % 100:02d}" for y in sorted(sub[year].astype(int).unique())])
        ax.yaxis.set_major_formatter(_formatter(unit))
    for ax in list(axes.flat)[len(facets) :]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def figure_html(fig: plt.Figure, alt: str, caption: str | None = None) -> str:
    """Render a figure as an embedded PNG ``<figure>`` with alt text, and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="qpv-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt)}" style="max-width:100%">{cap}</figure>'
    )


def histogram(
    values: pd.Series,
    unit: str,
    title: str,
    bin_width: int = 5,
    ylabel: str = "Nombre de QPV",
    median_label: str = "Médiane",
    mean: float | None = None,
    mean_label: str = "Moyenne",
) -> plt.Figure:
    """Histogram of values in bins of ``bin_width``, with the median and an optional mean.

    Args:
        values: one value per territory; blanks are left out.
        unit: unit of the values (axis formatting).
        title: chart title.
        bin_width: width of the bins, which start at a multiple of it.
        ylabel: label of the count axis.
        median_label: legend text of the median (dotted line).
        mean: a mean drawn as a dashed line (e.g. population-weighted), or ``None``.
        mean_label: legend text of the mean.
    """
    from matplotlib.ticker import MaxNLocator

    data = values.dropna().astype(float)
    low = int(data.min() // bin_width * bin_width)
    high = int(data.max() // bin_width * bin_width) + 2 * bin_width
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    ax.hist(data, bins=range(low, high, bin_width), color=MAIN, edgecolor="white")
    ax.axvline(data.median(), color="#333333", linestyle=":", linewidth=1.5, label=median_label)
    if mean is not None:
        ax.axvline(mean, color=TARGET, linestyle="--", linewidth=1.5, label=mean_label)
    ax.xaxis.set_major_formatter(_formatter(unit))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
