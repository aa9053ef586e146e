"""HTML tables of counts of people, masked, with their secrecy note."""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Hashable

import numpy as np
import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.disclosure.suppression import mask_counts
from qpv_analytics.labels import SECRET
from qpv_analytics.thresholds import MIN_COUNT

INDICATORS_ATTRIBUTE = "data-indicateurs"
"""Attribute of a people table listing the indicators computed from its counts."""
PEOPLE_TABLE_CLASS = "qpv-effectifs"
"""CSS class of HTML tables of counts of people; the publication scanner checks these tables."""

_NOTE_SECRET = (
    "s : secret statistique (effectif de moins de {seuil} personnes, ou valeur masquée pour "
    "qu'il ne puisse pas être recalculé à partir des totaux)."
)

# ----------------------------------------------------------------------------------------------
# HTML rendering
# ----------------------------------------------------------------------------------------------


def _cell_text(value: object, decimals: int, counts: bool) -> str:
    """French text of one cell (masked cells stay ``"s"``, missing ones are a dash)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if value is None or value is pd.NA or value is pd.NaT:
        return formatting.number(None)
    if isinstance(value, (int, np.integer)):
        return formatting.number(value, 0)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return formatting.number(None)
        return formatting.number(value, 0 if counts and float(value).is_integer() else decimals)
    return str(value)


def to_html_table(
    df: pd.DataFrame,
    caption: str,
    people_counts: bool,
    *,
    threshold: int = MIN_COUNT,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    decimals: int = 1,
    forced: Collection[tuple[Hashable, Hashable]] = (),
    published: Collection[tuple[Hashable, Hashable]] = (),
    indicators: Collection[str] = (),
) -> str:
    """Render a table as an HTML ``<table>`` with French number formatting.

    With ``people_counts=True`` the table always goes through :func:`mask_counts` (there is
    no way around it) and the ``<table>`` gets the CSS class ``qpv-effectifs``, which the
    publication scanner checks; a note explains ``s`` when a cell is masked.

    Args:
        df: the table (index = row labels, shown as row headers).
        caption: French title of the table.
        people_counts: the cells are counts of people.
        threshold: smallest count shown (never below ``MIN_COUNT``).
        total_row: index label of the row of totals, if any (for the masking).
        total_col: column label of the column of totals, if any (for the masking).
        decimals: decimals of non-integer numbers.
        forced: cells of counts of people masked whatever their value (see
            :func:`mask_counts`), e.g. the counts a rate masked elsewhere is computed from.
        published: cells of counts of people published elsewhere, never masked to protect
            another cell (see :func:`mask_counts`).
        indicators: codes of the indicators computed from the table's counts, written in the
            ``data-indicateurs`` attribute: the publication scanner checks that none of them,
            masked in any indicator file, can be recomputed from this table.

    Returns:
        The HTML of the table.

    Raises:
        ValueError: ``threshold`` below ``MIN_COUNT`` for counts of people.
    """
    classes = "qpv-tableau"
    shown = df
    if people_counts:
        if threshold < MIN_COUNT:
            raise ValueError(
                f"Seuil de secret {threshold} refusé : les effectifs de personnes publiés "
                f"doivent être masqués en dessous d'au moins {MIN_COUNT}."
            )
        shown = mask_counts(
            df,
            threshold,
            total_row=total_row,
            total_col=total_col,
            forced=forced,
            published=published,
        )
        classes += f" {PEOPLE_TABLE_CLASS}"

    esc = html.escape
    linked = f' {INDICATORS_ATTRIBUTE}="{esc(" ".join(indicators))}"' if indicators else ""
    parts = [f'<table class="{classes}"{linked}>', f"<caption>{esc(caption)}</caption>"]
    parts.append("<thead><tr>")
    parts.append(f'<th scope="col">{esc(str(df.index.name or ""))}</th>')
    parts += [f'<th scope="col">{esc(str(col))}</th>' for col in shown.columns]
    parts.append("</tr></thead>")
    parts.append("<tbody>")
    any_secret = False
    for label, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        is_total = total_row is not None and label == total_row
        parts.append('<tr class="qpv-total">' if is_total else "<tr>")
        parts.append(f'<th scope="row">{esc(str(label))}</th>')
        for value in row:
            if isinstance(value, str) and value == SECRET:
                any_secret = True
                parts.append(f'<td class="qpv-secret" title="secret statistique">{SECRET}</td>')
            else:
                parts.append(f"<td>{esc(_cell_text(value, decimals, people_counts))}</td>")
        parts.append("</tr>")
    parts.append("</tbody>")
    if any_secret:
        note = _NOTE_SECRET.format(seuil=threshold)
        parts.append(
            f'<tfoot><tr><td class="qpv-note" colspan="{shown.shape[1] + 1}">{esc(note)}</td>'
            "</tr></tfoot>"
        )
    parts.append("</table>")
    return "\n".join(parts)
