"""The one compute path: indicator declarations + a base table → the tidy result table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qpv_analytics.indicators.model import (
    LEVEL_COLUMNS,
    REGISTRY,
    RESULT_COLUMNS,
    RESULT_SCHEMA,
    Indicator,
    check_result,
    empty_result,
)
from qpv_analytics.indicators.obligations import context_levels
from qpv_analytics.params import RunParams
from qpv_analytics.thresholds import PARTIAL_STATUS_PCT

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pandas.core.groupby import DataFrameGroupBy

JUDGEMENTS = ("atteint", "partiel", "non_atteint")
"""Statuses that judge a value against its target (a context row has none of them)."""


def status(
    value: float | None, target: float | None, direction: str, partial_pct: float | None
) -> str:
    """Return the status code of a value against its target.

    ``partiel`` means below the target but at least ``partial_pct`` % of it (for a rising
    indicator), or above it by at most the same margin (for a falling one). With
    ``partial_pct=None`` (a legal or national minimum), the target is met or not.
    """
    return str(statuses(pd.Series([value], dtype="Float64"), target, direction, partial_pct)[0])


def statuses(
    values: pd.Series, target: float | None, direction: str, partial_pct: float | None
) -> np.ndarray:
    """:func:`status` of each value of a column, computed on the whole column at once.

    The rule is written here only: :func:`status` judges one value with it.
    """
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(numbers), "sans_donnee", dtype=object)
    given = ~np.isnan(numbers)
    if target is None or pd.isna(target):
        out[given] = "sans_cible"
        return out
    rising = direction == "hausse"
    met = numbers >= target if rising else numbers <= target
    out[given] = "non_atteint"
    if partial_pct is not None:
        if rising:
            partial = numbers >= target * partial_pct / 100
        else:
            partial = numbers <= target * (2 - partial_pct / 100)
        out[given & partial] = "partiel"
    out[given & met] = "atteint"
    return out


def partial_threshold(indicator: Indicator, params: RunParams | None) -> float | None:
    """Share of its target (%) an indicator must reach to be « partiellement atteint ».

    ``None`` for a legal, national or contractual minimum: it is met or not.
    """
    if indicator.binding:
        return None
    return params.cibles_locales.seuil_statut_partiel_pct if params else PARTIAL_STATUS_PCT


def _safe_ratio(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    num = num.astype("Float64")
    den = den.astype("Float64")
    value = num / den.where(den != 0) * scale
    return value.astype("Float64")


def within(base: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Rows of a base table inside an indicator's ``where`` filter (all rows without one)."""
    sub = base
    for column, value in indicator.where.items():
        sub = sub[(sub[column] == value).fillna(False).astype(bool)]
    return sub


def counted_rows(base: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Rows of a base table that count for an indicator (its ``where`` and ``required``)."""
    sub = within(base, indicator)
    required = indicator.required
    if required is None:
        required = (indicator.numerator, indicator.denominator) if indicator.denominator else ()
    return sub.dropna(subset=list(required)) if required else sub


EXACT_INTEGERS = 2.0**53
"""Below this, whole numbers are added exactly in floating point, in any order."""

DYADIC_BITS = 10
"""Values that are multiples of 2**-10 (halves, quarters of an hour) add exactly like whole
numbers, below :data:`EXACT_INTEGERS` × 2**-10 (8.8e12 hours)."""

_CHECKED_GROUPS = 20
"""Groups whose sum :func:`group_sums` also takes the slow way, to check its own."""


def _per_group(
    numbers: np.ndarray, masked: bool, order: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> list:
    """``Series.sum(min_count=1)`` of groups of rows, with NumPy on each group's slice.

    This is the reduction pandas runs for the sum of a Series, on the same values in the same
    order (a group's rows in row order): ``np.sum(values, where=~mask)`` for a nullable
    ``Float64`` column, missing values replaced by 0 then ``values.sum()`` for a NumPy
    ``float64`` one; a group without value is blank. Without the cost of a Series per group.

    Args:
        numbers: the column's values (NaN for a blank).
        masked: whether the column is nullable ``Float64`` (else NumPy ``float64``).
        order: row positions sorted by group, in row order within a group.
        starts: first position in ``order`` of each group summed.
        ends: position after the last.
    """
    given = ~np.isnan(numbers[order])
    values = numbers[order] if masked else np.where(given, numbers[order], 0.0)
    blank = pd.NA if masked else np.nan
    out = []
    # ``ndarray.sum`` is the ufunc reduction ``np.sum`` calls (``np.add.reduce``, same
    # arguments), without its Python dispatch: it matters for 10⁵ groups.
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if not given[a:b].any():
            out.append(blank)
        elif masked:
            out.append(values[a:b].sum(where=given[a:b]))
        else:
            out.append(values[a:b].sum())
    return out


def _same(a: object, b: object) -> bool:
    """Whether two sums are the same number, to the sign of a zero (or both blank)."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(np.float64(a) == np.float64(b) and np.signbit(a) == np.signbit(b))


def group_sums(groups: DataFrameGroupBy, column: str) -> pd.Series:
    """Sum of a column per group (blanks skipped, a group of blanks stays blank).

    The result is that of ``lambda s: s.sum(min_count=1)`` on each group, to the last digit
    and to the sign of a zero (the published CSV files must not change), without its Series
    per group (minutes on national data). pandas' grouped sum (``sum(min_count=1)``, compiled)
    adds a group's values from 0 in row order with a compensation term, ``Series.sum`` in
    NumPy's pairwise order: both give the exact sum, hence the same number, for integer
    columns, for groups of at most two values (``0 + a + b`` in any order) and for groups of
    whole numbers whose total stays below :data:`EXACT_INTEGERS`; the same holds for a column
    whose values are all multiples of 2**-:data:`DYADIC_BITS` (half or quarter hours) with a
    total below ``EXACT_INTEGERS`` × 2**-``DYADIC_BITS`` (every partial sum is such a multiple,
    exact in floating point). Both start from +0, but ``Series.sum`` of a NumPy ``float64``
    column from its first value: a zero sum may be -0.0 there. The other
    groups (three values or more with a fraction: euros and cents; for ``float64``, a
    zero sum with a -0.0 in it) are summed as ``Series.sum`` does, with NumPy on each group's
    slice (:func:`_per_group`); a few of them are checked against ``Series.sum`` itself, and
    on any difference every group is summed by ``Series.sum``, as before.

    Args:
        groups: rows grouped by their keys (``rows.groupby(keys, observed=True)``, all keys
            given).
        column: numeric column to sum.

    Returns:
        One sum per group, indexed by the group keys (sorted, observed values only).
    """
    column_groups = groups[column]
    sums = column_groups.sum(min_count=1)
    series = groups.obj[column]
    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return sums  # exact whatever the order
    masked = isinstance(dtype, pd.Float64Dtype)
    if not masked and dtype != np.float64:
        return column_groups.agg(lambda s: s.sum(min_count=1))
    numbers = series.to_numpy(dtype="float64", na_value=np.nan)
    given = ~np.isnan(numbers)
    fraction = given & (numbers != np.round(numbers))
    large = np.abs(numbers[given]).sum() >= EXACT_INTEGERS
    negative_zero = None if masked else given & (numbers == 0) & np.signbit(numbers)
    no_negative_zero = masked or not negative_zero.any()
    if not large and not fraction.any() and no_negative_zero:
        return sums  # whole numbers, small total, no -0.0: no group is summed again below
    if no_negative_zero and fraction.any():
        scaled = numbers * 2.0**DYADIC_BITS  # exact: a power of two
        if not (given & (scaled != np.round(scaled))).any() and (
            np.abs(numbers[given]).sum() < EXACT_INTEGERS / 2.0**DYADIC_BITS
        ):
            return sums  # multiples of 2**-DYADIC_BITS, small total: every sum is exact
    codes = groups.ngroup().to_numpy()
    size = len(sums)
    count = np.bincount(codes, weights=given, minlength=size)
    inexact = np.bincount(codes, weights=fraction, minlength=size) > 0
    if large:
        inexact[:] = True
    redo = (count >= 3) & inexact
    if not masked:
        zero = sums.to_numpy(dtype="float64", na_value=np.nan) == 0
        redo |= zero & (np.bincount(codes, weights=negative_zero, minlength=size) > 0)
    wanted = np.flatnonzero(redo)
    if not len(wanted):
        return sums
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], wanted, side="left")
    ends = np.searchsorted(codes[order], wanted, side="right")
    done = _per_group(numbers, masked, order, starts, ends)
    for pos in range(min(len(wanted), _CHECKED_GROUPS)):
        expected = series.iloc[order[starts[pos] : ends[pos]]].sum(min_count=1)
        if not _same(done[pos], expected):
            return column_groups.agg(lambda s: s.sum(min_count=1))
    sums.iloc[wanted] = done
    return sums


GROUP_KEY = "__cle_groupe__"
"""Column of the one integer group key :func:`aggregate` groups rows by (year and code)."""


@dataclass(frozen=True)
class GroupCodes:
    """The year and level columns of a base table, factorized once for every indicator.

    ``rows.groupby(keys, observed=True)`` factorizes its key columns (strings, slow) each time
    it is called: once per indicator and level. Here each column is factorized once per base
    table with the same call, ``pd.factorize(column, sort=True)`` (the codes of a blank are
    -1), so that the code of a value orders as the value itself: grouping by the integer key
    ``code of the year × number of codes + code of the level column`` gives the same groups,
    in the same order (sorted by year, then code), with each group's rows in row order, hence
    the same grouped sums, as grouping by the two columns.

    Attributes:
        frame: the base table with one column of codes per factorized column.
        uniques: factorized column → its distinct values, sorted (code ``i`` is ``uniques[i]``).
    """

    frame: pd.DataFrame
    uniques: dict[str, pd.Index]

    @classmethod
    def of(cls, base: pd.DataFrame, columns: Iterable[str]) -> GroupCodes:
        """Factorize ``annee`` and those of ``columns`` that ``base`` has."""
        wanted = [c for c in dict.fromkeys(["annee", *columns]) if c in base.columns]
        codes, uniques = {}, {}
        for column in wanted:
            codes[code_column(column)], uniques[column] = pd.factorize(base[column], sort=True)
        return cls(base.assign(**codes), uniques)


def code_column(column: str) -> str:
    """Name of the column holding the codes of ``column`` in :attr:`GroupCodes.frame`."""
    return f"__code__{column}"


def aggregate(
    base: pd.DataFrame,
    indicator: Indicator,
    params: RunParams | None = None,
    codes: GroupCodes | None = None,
) -> pd.DataFrame:
    """Aggregate a base table into one indicator's rows, one per level, code and year.

    Numerators and denominators are summed over the rows that count (blank values are
    skipped, never counted as zero; a group with only blanks stays blank), then the value is
    their ratio times the scale. Without a denominator, the value is the sum itself.

    Args:
        base: one row per elementary unit, with ``annee``, the level columns and the
            indicator's numerator (and denominator) columns.
        indicator: the declaration (numerator, denominator, rows required, levels).
        params: run parameters (local targets, partial threshold).
        codes: ``base`` with its year and level columns factorized (:class:`GroupCodes`,
            built once by :func:`compute` for all its indicators); factorized here if ``None``.

    Returns:
        The indicator's rows with ``RESULT_COLUMNS`` (``nom`` left blank for the caller).
    """
    level_columns = [LEVEL_COLUMNS[level] for level in indicator.levels]
    wanted = [c for c in level_columns if c is not None and c in base.columns]
    if codes is None or any(c not in codes.uniques for c in wanted):
        codes = GroupCodes.of(base, wanted)
    sub = counted_rows(codes.frame, indicator)
    numerator, denominator = indicator.numerator, indicator.denominator
    values = list(dict.fromkeys([numerator, denominator] if denominator else [numerator]))
    years = codes.uniques["annee"]
    year_codes = sub[code_column("annee")].to_numpy()
    frames = []
    for level, col in zip(indicator.levels, level_columns, strict=True):
        if col is not None and col not in sub.columns:
            continue
        # One integer key per (year, code), ordered as the pair: the rows with a blank year
        # or code (-1) are left out, as ``dropna(subset=keys)`` did.
        if col is None:
            key, size, kept = year_codes, 1, year_codes >= 0
        else:
            level_codes = sub[code_column(col)].to_numpy()
            size = len(codes.uniques[col])
            key = year_codes * size + level_codes
            kept = (year_codes >= 0) & (level_codes >= 0)
        rows = sub[values].assign(**{GROUP_KEY: key})[kept]
        groups = rows.groupby(GROUP_KEY)
        sums = {"numerateur": group_sums(groups, numerator)}
        if denominator:
            sums["denominateur"] = group_sums(groups, denominator)
        grouped = pd.DataFrame(sums).reset_index(drop=True)
        found = sums["numerateur"].index.to_numpy()
        grouped.insert(0, "annee", years.take(found // size))
        grouped["niveau"] = level
        if col is None:
            grouped["code"] = "region"
        else:
            grouped["code"] = pd.Series(codes.uniques[col].take(found % size)).astype(str)
        frames.append(grouped)
    if not frames:
        return empty_result()
    out = pd.concat(frames, ignore_index=True)
    if denominator:
        out["valeur"] = _safe_ratio(out["numerateur"], out["denominateur"], indicator.scale)
    else:
        out["denominateur"] = pd.NA
        out["valeur"] = out["numerateur"].astype("Float64")
    return finish(out, indicator, params)


def finish(out: pd.DataFrame, indicator: Indicator, params: RunParams | None) -> pd.DataFrame:
    """Add the indicator's label, unit, target and status columns, typed as the schema.

    Rows at a level that only aggregates the units a binding target binds
    (:func:`~qpv_analytics.indicators.obligations.context_levels`) get ``contexte`` instead of
    a status of their own; a row without value stays ``sans_donnee``.
    """
    target = indicator.target_value(params)
    partial = partial_threshold(indicator, params)
    out = out.copy()
    out["indicateur"] = indicator.code
    out["libelle"] = indicator.label
    out["axe"] = indicator.axis
    out["unite"] = indicator.unit
    out["cible"] = target
    context = context_levels(indicator, out["niveau"].unique())
    judged = statuses(out["valeur"], target, indicator.direction, partial)
    in_context = out["niveau"].isin(list(context)).to_numpy(dtype=bool) & np.isin(
        judged, JUDGEMENTS
    )
    judged[in_context] = "contexte"
    out["statut"] = judged
    if "nom" not in out.columns:
        out["nom"] = pd.NA
    for col in ("valeur", "numerateur", "denominateur", "cible"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out[RESULT_COLUMNS].astype(RESULT_SCHEMA).reset_index(drop=True)


def compliance_base(
    base: pd.DataFrame, shares: pd.DataFrame, indicator: Indicator, params: RunParams | None
) -> pd.DataFrame:
    """One row per unit and year with a share: ``atteint`` is 1 when the unit meets its target.

    Args:
        base: the base table the shares were computed from (it gives the geography of each
            unit: the first department met, for instance).
        shares: tidy result of the indicator named by ``indicator.compliance_of``.
        indicator: the compliance indicator (``compliance_of``, ``compliance_level``).
        params: run parameters (local targets).

    Returns:
        Columns ``annee``, the unit's level column, the columns of the indicator's other
        levels found in ``base``, ``atteint`` and ``un``.
    """
    parent = REGISTRY[indicator.compliance_of]
    unit = LEVEL_COLUMNS[indicator.compliance_level]
    target = parent.target_value(params)
    units = shares[(shares["niveau"] == indicator.compliance_level) & shares["valeur"].notna()]
    frame = pd.DataFrame(
        {
            "annee": units["annee"].to_numpy(),
            unit: units["code"].astype("string").to_numpy(),
            "atteint": (
                statuses(units["valeur"], target, parent.direction, 100.0) == "atteint"
            ).astype(float),
            "un": 1.0,
        }
    )
    geography = [
        LEVEL_COLUMNS[level]
        for level in indicator.levels
        if LEVEL_COLUMNS[level] not in (None, unit) and LEVEL_COLUMNS[level] in base.columns
    ]
    geo = base[[unit, *geography]].dropna(subset=[unit]).drop_duplicates(unit)
    geo[unit] = geo[unit].astype("string")
    return frame.merge(geo, on=unit, how="left")


def _compliance(
    base: pd.DataFrame,
    indicator: Indicator,
    results: dict[str, pd.DataFrame],
    params: RunParams | None,
    codes: GroupCodes | None = None,
) -> pd.DataFrame:
    parent = indicator.compliance_of
    if parent in results:
        shares = results[parent]
    else:
        shares = aggregate(base, REGISTRY[parent], params, codes)
    comp = compliance_base(base, shares, indicator, params)
    counted = replace(indicator, numerator="atteint", denominator="un")
    return aggregate(comp, counted, params)


def compute(
    base: pd.DataFrame, indicators: Iterable[Indicator], params: RunParams | None = None
) -> pd.DataFrame:
    """Compute indicators from their declarations on one base table (the tidy result table).

    Each indicator is aggregated with :func:`aggregate`; a ``compliance_of`` share is computed
    from the result of the indicator it checks (computed from ``base`` if not listed). The year
    and level columns of ``base`` are factorized once for all of them (:class:`GroupCodes`).

    Args:
        base: the base table built by the axis module (one row per elementary unit).
        indicators: declarations, e.g. ``select(axis=3, tags="attributions")``.
        params: run parameters (local targets, partial threshold).

    Returns:
        The rows of every indicator, in the given order, checked against ``RESULT_SCHEMA``.
    """
    indicators = list(indicators)
    checked = [REGISTRY[i.compliance_of] for i in indicators if i.compliance_of in REGISTRY]
    levels = {level for ind in [*indicators, *checked] for level in ind.levels}
    codes = GroupCodes.of(base, [c for lv, c in LEVEL_COLUMNS.items() if lv in levels and c])
    results: dict[str, pd.DataFrame] = {}
    for ind in indicators:
        if ind.compliance_of:
            results[ind.code] = _compliance(base, ind, results, params, codes)
        else:
            results[ind.code] = aggregate(base, ind, params, codes)
    return combine(results.values())


def combine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate indicator tables (empty ones are skipped), checked against the schema."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return empty_result()
    return check_result(pd.concat(frames, ignore_index=True))
