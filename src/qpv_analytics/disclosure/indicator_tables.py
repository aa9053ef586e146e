"""Disclosure control of tidy indicator tables: counts of people and rates on small bases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from qpv_analytics.params import RunParams

from qpv_analytics.disclosure.suppression import (
    Points,
    Relation,
    pinned_rows,
    rate_secret_array,
)
from qpv_analytics.labels import SECRET
from qpv_analytics.thresholds import MIN_COUNT, MIN_RATE_BASE

_SHARE_UNITS = {"%", "part", "taux", "ratio", "proportion", "pourcentage"}

# ----------------------------------------------------------------------------------------------
# Tidy indicator tables
# ----------------------------------------------------------------------------------------------


def is_share(unit: object) -> bool:
    """True for the unit of a share (``%``, ``part``, ``taux``, ``ratio``…)."""
    if not isinstance(unit, str):
        return False
    unit = unit.strip().lower()
    return "%" in unit or unit in _SHARE_UNITS


def protect_indicator_frame(
    df: pd.DataFrame,
    threshold_count: int = MIN_COUNT,
    threshold_base: int = MIN_RATE_BASE,
) -> pd.DataFrame:
    """Mask the person-based rows of a tidy indicator table before it is shown or exported.

    Only rows with ``personnes`` true (a missing flag counts as true) are touched. Such a
    row is secret when:

    - it has a denominator (a rate, a share or a mean over people): the base is below
      ``threshold_base``; for shares (unit ``%``, ``part``, ``taux``, ``ratio``…) also when
      the numerator or the rest of the base is a count from 1 to ``threshold_count - 1``
      (see :func:`mask_rate`); when the numerator is missing it cannot be checked and the
      row is secret;
    - it has no denominator: its count (``numerateur``, else ``valeur``) is between 1 and
      ``threshold_count - 1``; a share (unit ``%``…) without a base cannot be checked and is
      secret.

    A secret row gets ``"s"`` in ``valeur``, ``numerateur`` and ``denominateur`` (showing the
    base alone would let a reader rebuild the rate from another table). Counts by category
    that add up to a total shown elsewhere need :func:`mask_counts` (secondary suppression),
    not this row-by-row function.

    Args:
        df: tidy indicator table with ``valeur`` and ``personnes`` (bool), and optionally
            ``numerateur``, ``denominateur`` and ``unite``.
        threshold_count: smallest count of people that may be shown.
        threshold_base: smallest base for which a rate is shown.

    Returns:
        A copy of ``df`` with masked cells set to ``"s"`` (those columns become object dtype)
        and a boolean column ``secret``.

    Raises:
        ValueError: ``valeur`` or ``personnes`` is missing.
    """
    missing = [c for c in ("valeur", "personnes") if c not in df.columns]
    if missing:
        raise ValueError(
            "Table d'indicateurs : colonne(s) absente(s) : " + ", ".join(missing) + ". À faire : "
            "ajoutez « personnes » (vrai pour les indicateurs qui comptent des personnes, "
            "cf. Indicator.people) avant de protéger la table."
        )

    def numbers(column: str) -> np.ndarray:
        if column not in df.columns:
            return np.full(len(df), np.nan)
        return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    value, num, den = numbers("valeur"), numbers("numerateur"), numbers("denominateur")
    units = df["unite"] if "unite" in df.columns else pd.Series(None, index=df.index)
    # is_share once per distinct unit; a missing unit (code -1, the last flag) is no share.
    unit_codes, distinct = pd.factorize(units)
    share = np.array([is_share(u) for u in distinct] + [False], dtype=bool)[unit_codes]
    people = df["personnes"].astype("boolean").fillna(True).to_numpy(dtype=bool)

    has_den = ~np.isnan(den)
    base_secret = has_den & (den > 0) & (den < threshold_base)
    share_secret = rate_secret_array(num, den, threshold_base, threshold_count, complement=True)
    with_den = base_secret | (share & share_secret) | (has_den & np.isnan(num))
    count = np.where(np.isnan(num), value, num)
    without_den = ((count > 0) & (count < threshold_count)) | share
    secret = people & np.where(has_den, with_den, without_den)

    out = df.copy()
    for column in ("valeur", "numerateur", "denominateur"):
        if column in out.columns:
            out[column] = out[column].astype(object).where(~secret, SECRET)
    out["secret"] = secret
    return out


# ----------------------------------------------------------------------------------------------
# Tidy indicator tables: primary and hierarchical secondary suppression
# ----------------------------------------------------------------------------------------------


def thresholds(params: RunParams | None) -> tuple[int, int]:
    """Return the count and rate-base thresholds of the run (defaults without parameters)."""
    if params is None:
        return MIN_COUNT, MIN_RATE_BASE
    conf = params.confidentialite
    return conf.seuil_effectif, conf.seuil_base_taux


ParentMaps = dict[str, tuple[str, dict[str, str]]]
"""Level → (parent level, code → parent code): EPCI in departments, QPV in EPCI."""


def parent_maps(qpv: pd.DataFrame | None) -> ParentMaps:
    """The nesting :func:`additive_lines` follows, read once from the QPV reference."""
    from qpv_analytics.indicators.core import epci_departements

    if qpv is None:
        return {}
    return {
        "epci": ("departement", epci_departements(qpv)),
        "qpv": (
            "epci",
            dict(zip(qpv["code_qpv"].astype(str), qpv["siren_epci"].astype(str), strict=True)),
        ),
    }


def _lines(
    positions: list[int], levels: list[object], codes: list[str], parents: ParentMaps
) -> list[tuple[int, list[int]]]:
    """Additive lines between rows given by position, level and code (see additive_lines)."""
    index = {(lvl, code): i for i, lvl, code in zip(positions, levels, codes, strict=True)}
    by_level: dict[object, list[tuple[str, int]]] = {}
    for (lvl, code), i in index.items():
        by_level.setdefault(lvl, []).append((code, i))
    lines: list[tuple[int, list[int]]] = []
    region = index.get(("region", "region"))
    if region is not None:
        for lvl, members in by_level.items():
            if lvl != "region":
                lines.append((region, [i for _, i in members]))
    for lvl, (parent_level, mapping) in parents.items():
        groups: dict[int, list[int]] = {}
        for code, i in by_level.get(lvl, []):
            parent = index.get((parent_level, mapping.get(code, "")))
            if parent is not None:
                groups.setdefault(parent, []).append(i)
        lines += list(groups.items())
    return lines


def additive_lines(rows: pd.DataFrame, qpv: pd.DataFrame | None) -> list[tuple[int, list[int]]]:
    """Additive relations (parent row, child rows) between the rows of one indicator × year."""
    codes = [str(code) for code in rows["code"]]
    return _lines(list(rows.index), list(rows["niveau"]), codes, parent_maps(qpv))


def _already_masked(result: pd.DataFrame) -> np.ndarray:
    """Rows a previous pass masked (``secret`` true or status ``secret``): they stay masked."""
    masked = np.zeros(len(result), dtype=bool)
    if "secret" in result.columns:
        masked |= result["secret"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if "statut" in result.columns:
        masked |= (result["statut"] == "secret").fillna(False).to_numpy(dtype=bool)
    return masked


def _secondary_by_lines(
    lines: list[tuple[int, list[int]]], secret: np.ndarray, size: np.ndarray
) -> None:
    """A line with exactly one masked row gets a second one (the smallest base), until stable.

    The lines are visited in their order, pass after pass, each decision seen by the next line.
    The part chosen is the first, in the line's order, of the shown parts of smallest positive
    size (``argmin`` keeps the first of equal sizes, as a stable sort on the size did); the
    parent only when no part can be masked.
    """
    arrays = [(parent, np.asarray(children, dtype=np.intp)) for parent, children in lines]
    changed = True
    while changed:
        changed = False
        for parent, children in arrays:
            masked = secret[children]
            if int(masked.sum()) + int(secret[parent]) != 1:
                continue
            candidates = children[~masked & (size[children] > 0)]
            if len(candidates):
                secret[candidates[np.argmin(size[candidates])]] = True
                changed = True
            elif not secret[parent] and size[parent] > 0:
                secret[parent] = True
                changed = True


def _relations(lines: list[tuple[int, list[int]]], values: np.ndarray) -> list[Relation]:
    """Lines of counts as relations: exact when the parts add up to the parent, else a bound.

    A line whose parts add up to more than the parent (people counted in several parts) is
    no additive relation and is left out; a line with an unknown value (masked by a previous
    pass) is taken as a bound, what a reader can assume.
    """
    relations = []
    for parent, children in lines:
        line = values[[parent, *children]]
        if np.isnan(line).any():
            relations.append((parent, children, False))
            continue
        total = float(line[1:].sum())
        if abs(total - line[0]) < 1e-9:
            relations.append((parent, children, True))
        elif total < line[0]:
            relations.append((parent, children, False))
    return relations


def _unpin(
    relations: list[Relation],
    values: np.ndarray,
    secret: np.ndarray,
    size: np.ndarray,
    points: Points | None = None,
) -> bool:
    """Mask one more row for the first masked row the lines pin down (« s » ≥ 1); say if any.

    The first pinned row that is in a relation with a row left to mask gets, in its first such
    relation, the shown part of smallest size (then position), else the parent. Rows with no
    such relation are skipped without solving their LPs, and no LP is solved past the row acted
    on (:func:`~qpv_analytics.disclosure.suppression.pinned_rows`): the row masked is the one
    the list of every pinned row would give.
    """
    containing: dict[int, list[int]] = {}
    for n, (parent, children, _) in enumerate(relations):
        for row in dict.fromkeys((parent, *children)):
            containing.setdefault(row, []).append(n)

    choices: dict[int, int | None] = {}  # relation → row it would mask (secret is fixed here)

    def choice(n: int) -> int | None:
        if n not in choices:
            parent, children, _ = relations[n]
            kids = np.asarray(children, dtype=np.intp)
            shown = kids[~secret[kids] & (size[kids] > 0)]
            if len(shown):  # the smallest (size, position), as min(key=(size, position))
                choices[n] = int(shown[size[shown] == size[shown].min()].min())
            elif not secret[parent] and size[parent] > 0:
                choices[n] = parent
            else:
                choices[n] = None
        return choices[n]

    def target(row: int) -> int | None:
        for n in containing.get(row, ()):
            if (chosen := choice(n)) is not None:
                return chosen
        return None

    wanted = lambda r: target(r) is not None  # noqa: E731
    for row in pinned_rows(values, secret, relations, wanted, points):
        chosen = target(row)
        if chosen is not None:
            secret[chosen] = True
            return True
    return False


def protect_people(
    result: pd.DataFrame, params: RunParams | None = None, qpv: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return a tidy indicator table safe to show and export (person-based rows protected).

    Primary masking is :func:`protect_indicator_frame` (counts of
    people below the threshold, rates on small bases or revealing a small group). Secondary
    masking then treats every indicator × year as additive lines: the region and each level
    below it, each department and its EPCI, each EPCI and its QPV (``qpv`` gives the nesting).
    A line with exactly one masked row gets a second one (the smallest base), so that no
    masked value can be recomputed by subtraction; this repeats until stable. For counts of
    people, a masked row that the lines still leave a single possible value once every « s »
    is known to be at least 1 (zeros are shown: a region of 7 with a shown part of 5 and two
    « s » gives 1 and 1) gets one more masked row in its line
    (:func:`~qpv_analytics.disclosure.suppression.pinned_in_lines`).

    Rows of indicators without ``people`` are untouched. Masked rows keep their indicator,
    level, code and year, get blank values and the status ``secret``, and ``secret``
    is true. A row already masked by a previous pass (``secret`` true or status ``secret``)
    stays masked, so protecting a protected table gives it back unchanged (flags included).

    Args:
        result: tidy indicator table (``RESULT_COLUMNS``).
        params: run parameters (thresholds of ``confidentialite``; defaults otherwise).
        qpv: QPV reference, to protect QPV within EPCI and EPCI within departments.
    """
    from qpv_analytics.indicators.model import REGISTRY

    count_threshold, base_threshold = thresholds(params)
    out = result.reset_index(drop=True).copy()
    people = out["indicateur"].map(lambda c: REGISTRY[c].people).astype(bool)
    flagged = out.assign(personnes=people)
    primary = protect_indicator_frame(flagged, count_threshold, base_threshold)
    secret = primary["secret"].to_numpy(dtype=bool) | _already_masked(out)

    size = out["denominateur"].astype("Float64")
    size = size.fillna(out["numerateur"].astype("Float64")).fillna(out["valeur"].astype("Float64"))
    size = size.fillna(0).to_numpy(dtype=float)
    groups = out[people].groupby(["indicateur", "annee"], sort=False).groups
    counts = {c for c in out["indicateur"].unique() if REGISTRY[c].denominator is None}
    values = out["valeur"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    levels, codes = out["niveau"].tolist(), [str(c) for c in out["code"].tolist()]
    parents = parent_maps(qpv)
    for (code, _), index in groups.items():
        positions = list(index)
        lines = _lines(
            positions, [levels[i] for i in positions], [codes[i] for i in positions], parents
        )
        relations = _relations(lines, values) if code in counts else []
        points = Points()
        while True:
            _secondary_by_lines(lines, secret, size)
            if not relations or not _unpin(relations, values, secret, size, points):
                break
    mask = pd.Series(secret, index=out.index)
    for column in ("valeur", "numerateur", "denominateur"):
        out[column] = out[column].astype("Float64").mask(mask)
    out["statut"] = out["statut"].mask(mask, "secret")
    out["secret"] = mask
    return out
