"""Primary and secondary suppression of counts of people, and secrecy of rates on small bases."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Iterator

import numpy as np
import pandas as pd

from qpv_analytics.labels import SECRET
from qpv_analytics.thresholds import MIN_COUNT, MIN_RATE_BASE

PRIMAIRE = "primaire"
SECONDAIRE = "secondaire"

_SHOWN, _PRIMARY, _SECONDARY = 0, 1, 2
_PATTERN_LABELS = {_SHOWN: "", _PRIMARY: PRIMAIRE, _SECONDARY: SECONDAIRE}

Cell = tuple[int, int]
Line = tuple[list[Cell], Cell]
Labels = tuple[Hashable, Hashable]

# ----------------------------------------------------------------------------------------------
# Tables of counts
# ----------------------------------------------------------------------------------------------


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"Seuil de secret invalide : {threshold!r} (entier ≥ 1 attendu).")


def _parse_cell(value: object) -> tuple[float, bool]:
    """Return ``(value, already_masked)`` of one input cell; missing cells are ``nan``."""
    if isinstance(value, str) and value.strip() == SECRET:
        return math.nan, True
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan, False
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ValueError(
            f"valeur non numérique « {value} » (seuls des nombres, des cellules vides ou "
            f"« {SECRET} » sont admis)"
        )
    number = float(value)
    if math.isnan(number):
        return math.nan, False
    if math.isinf(number) or number < 0:
        raise ValueError(
            f"effectif impossible ({value}) : un effectif de personnes est positif ou nul"
        )
    return number, False


def _line_sum(values: np.ndarray, masked: np.ndarray) -> float:
    """Total of a line of cells, unknown (``nan``) when a cell was already masked or all missing."""
    if masked.any() or np.isnan(values).all():
        return math.nan
    return float(np.nansum(values))


class _Grid:
    """A table of counts with its margins: real ones, or virtual ones computed from the cells.

    Row ``n_rows`` and column ``n_cols`` hold the totals. Virtual totals are never shown but
    are protected as if they were, so that a table is masked the same way whether or not its
    totals are printed with it (they are often printed elsewhere in a report).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        threshold: int,
        total_row: Hashable | None,
        total_col: Hashable | None,
        forced: Collection[Labels] = (),
        published: Collection[Labels] = (),
    ) -> None:
        _check_threshold(threshold)
        if table.index.has_duplicates or table.columns.has_duplicates:
            raise ValueError("Tableau d'effectifs : libellés de lignes ou de colonnes en double.")
        total_r = self._position(table.index, total_row, "ligne")
        total_c = self._position(table.columns, total_col, "colonne")
        inner_r = [i for i in range(table.shape[0]) if i != total_r]
        inner_c = [j for j in range(table.shape[1]) if j != total_c]
        self.n_rows, self.n_cols = len(inner_r), len(inner_c)
        self.row_positions = inner_r + ([total_r] if total_r is not None else [])
        self.col_positions = inner_c + ([total_c] if total_c is not None else [])

        shape = (self.n_rows + 1, self.n_cols + 1)
        self.values = np.full(shape, np.nan)
        self.unknown = np.zeros(shape, dtype=bool)
        """Virtual totals that cannot be known (a cell of their line was already « s »)."""
        premasked = np.zeros(shape, dtype=bool)
        raw = table.to_numpy(dtype=object)
        for gr, pr in enumerate(self.row_positions):
            for gc, pc in enumerate(self.col_positions):
                try:
                    self.values[gr, gc], premasked[gr, gc] = _parse_cell(raw[pr, pc])
                except ValueError as exc:
                    raise ValueError(
                        f"Tableau d'effectifs, ligne « {table.index[pr]} », colonne "
                        f"« {table.columns[pc]} » : {exc}."
                    ) from None

        rows, cols = self.n_rows, self.n_cols
        if total_c is None:
            for r in range(rows + (1 if total_r is not None else 0)):
                self.values[r, cols] = _line_sum(self.values[r, :cols], premasked[r, :cols])
                self.unknown[r, cols] = premasked[r, :cols].any()
        if total_r is None:
            for c in range(cols + 1):
                self.values[rows, c] = _line_sum(self.values[:rows, c], premasked[:rows, c])
                self.unknown[rows, c] = premasked[:rows, c].any() or self.unknown[:rows, c].any()

        small = np.nan_to_num(self.values, nan=0.0)
        self.status = np.where(premasked | ((small > 0) & (small < threshold)), _PRIMARY, _SHOWN)
        grid_row = {table.index[pr]: gr for gr, pr in enumerate(self.row_positions)}
        grid_col = {table.columns[pc]: gc for gc, pc in enumerate(self.col_positions)}

        def cell_of(labels: Labels) -> Cell:
            if labels[0] not in grid_row or labels[1] not in grid_col:
                raise ValueError(
                    f"Tableau d'effectifs : case « {labels[0]} » × « {labels[1]} » introuvable."
                )
            return grid_row[labels[0]], grid_col[labels[1]]

        for labels in forced:
            cell = cell_of(labels)
            if small[cell] > 0:
                self.status[cell] = _PRIMARY
        self.published = {cell_of(labels) for labels in published}
        self.lines: list[Line] = [
            ([(r, c) for c in range(cols)], (r, cols)) for r in range(rows + 1)
        ] + [([(r, c) for r in range(rows)], (rows, c)) for c in range(cols + 1)]

    @staticmethod
    def _position(labels: pd.Index, label: Hashable | None, kind: str) -> int | None:
        if label is None:
            return None
        if label not in labels:
            known = ", ".join(f"« {x} »" for x in labels)
            raise ValueError(
                f"Tableau d'effectifs : {kind} de total « {label} » introuvable "
                f"(libellés : {known})."
            )
        return int(labels.get_loc(label))

    def masked(self, cell: Cell) -> bool:
        return bool(self.status[cell] != _SHOWN)

    def _eligible(self, cell: Cell) -> bool:
        value = self.values[cell]
        shown = not self.masked(cell) and cell not in self.published
        return shown and not math.isnan(value) and value > 0

    def _is_margin(self, cell: Cell) -> bool:
        return cell[0] == self.n_rows or cell[1] == self.n_cols

    def _masked_in(self, line: Line) -> int:
        cells, total = line
        return sum(self.masked(cell) for cell in [*cells, total])

    def _crossing(self, cell: Cell, line_index: int) -> Line:
        """The other line through ``cell``: its column for a row line, its row otherwise."""
        if line_index <= self.n_rows:
            return self.lines[self.n_rows + 1 + cell[1]]
        return self.lines[cell[0]]

    def _smallest(self, cells: list[Cell], line_index: int) -> Cell | None:
        """Cell to mask in a line, by crossing line (one masked, then two or more) then value."""
        eligible = [cell for cell in cells if self._eligible(cell)]
        if not eligible:
            return None

        def key(cell: Cell) -> tuple[int, float, Cell]:
            crossing = self._masked_in(self._crossing(cell, line_index))
            return (0 if crossing == 1 else 1 if crossing > 1 else 2, self.values[cell], cell)

        return min(eligible, key=key)

    def suppress(self) -> None:
        """Add secondary cells until no masked cell can be recomputed from the totals."""
        while True:
            self._secondary_by_lines()
            if not self._break_exposures():
                return

    def _secondary_by_lines(self) -> None:
        """Rows then columns, until stable: a line with one masked cell gets a second one."""
        changed = True
        while changed:
            changed = False
            for index, line in enumerate(self.lines):
                if self._masked_in(line) != 1:
                    continue
                cells, total = line
                pick = self._smallest(cells, index) or self._smallest([total], index)
                if pick is not None:
                    self.status[pick] = _SECONDARY
                    changed = True

    def exposed(self) -> list[Cell]:
        """Masked cells whose value follows from the shown cells, the totals and the zeros.

        A cell is exposed when the additivity equations alone determine it, or when they
        leave it a single possible value once every masked cell is known to be at least 1
        (zeros are always shown, so « s » is never 0).
        """
        exact = self._exactly_determined()
        return exact + [c for c in self._masked_cells() if c not in exact and self._pinned(c)]

    def _masked_cells(self) -> list[Cell]:
        return [
            (r, c)
            for r in range(self.n_rows + 1)
            for c in range(self.n_cols + 1)
            if self.masked((r, c))
        ]

    def _bounded_system(self) -> tuple[list[Cell], np.ndarray, np.ndarray]:
        """Equations of the lines over the masked cells: ``A x = b`` with the shown values moved."""
        unknowns = self._masked_cells()
        column = {cell: k for k, cell in enumerate(unknowns)}
        rows, rhs = [], []
        for cells, total in self.lines:
            coefficients = np.zeros(len(unknowns))
            known = 0.0
            for cell, sign in [*((c, 1.0) for c in cells), (total, -1.0)]:
                if cell in column:
                    coefficients[column[cell]] = sign
                elif self.unknown[cell] or (cell == total and math.isnan(self.values[cell])):
                    break  # a line with an unknown total or virtual cell tells nothing
                elif math.isnan(self.values[cell]):
                    continue  # a missing cell counts for nothing in its line
                else:
                    known += sign * self.values[cell]
            else:
                if coefficients.any():
                    rows.append(coefficients)
                    rhs.append(-known)
        return unknowns, np.array(rows).reshape(-1, len(unknowns)), np.array(rhs)

    def _pinned(self, cell: Cell) -> bool:
        """True when the equations and ``masked ≥ 1`` leave ``cell`` a single possible value."""
        from scipy.optimize import linprog  # a second of import, paid only when a line is solved

        unknowns, system, rhs = self._bounded_system()
        if not len(rhs) or not system[:, unknowns.index(cell)].any():
            return False
        objective = np.zeros(len(unknowns))
        objective[unknowns.index(cell)] = 1.0
        bounds = [(1.0, None)] * len(unknowns)
        low = linprog(objective, A_eq=system, b_eq=rhs, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=system, b_eq=rhs, bounds=bounds, method="highs")
        if low.status != 0 or high.status != 0:
            return False  # unbounded (or inconsistent hand-made input): not a single value
        return bool(-high.fun - low.fun < 0.5)

    def _exactly_determined(self) -> list[Cell]:
        """Masked cells whose value follows exactly from the shown cells and the totals."""
        unknowns = [
            (r, c)
            for r in range(self.n_rows + 1)
            for c in range(self.n_cols + 1)
            if self.masked((r, c))
        ]
        if not unknowns:
            return []
        column = {cell: k for k, cell in enumerate(unknowns)}
        system = np.zeros((len(self.lines), len(unknowns)))
        for i, (cells, total) in enumerate(self.lines):
            for cell in cells:
                if cell in column:
                    system[i, column[cell]] = 1.0
            if total in column:
                system[i, column[total]] = -1.0
        # A cell is determined when every solution of the homogeneous system leaves it at zero.
        _, singular, vh = np.linalg.svd(system)
        rank = int((singular > 1e-9).sum())
        kernel = vh[rank:].T
        if kernel.shape[1] == 0:
            return list(unknowns)
        norms = np.linalg.norm(kernel, axis=1)
        return [cell for cell, norm in zip(unknowns, norms, strict=True) if norm < 1e-9]

    def _break_exposures(self) -> bool:
        """Mask one more cell (and what its lines then need) to free an exposed cell, if any."""
        candidates = sorted(
            (
                (r, c)
                for r in range(self.n_rows + 1)
                for c in range(self.n_cols + 1)
                if self._eligible((r, c))
            ),
            key=lambda cell: (self._is_margin(cell), self.values[cell], cell),
        )
        for cell in self.exposed():
            for candidate in candidates:
                before = self.status.copy()
                self.status[candidate] = _SECONDARY
                self._secondary_by_lines()
                if not self._is_exposed(cell):
                    return True
                self.status = before
        return False

    def _is_exposed(self, cell: Cell) -> bool:
        return cell in self._exactly_determined() or self._pinned(cell)

    def real_cells(self) -> Iterator[tuple[Cell, Cell]]:
        """Yield ``(grid cell, table position)`` of the cells present in the input table."""
        for gr, pr in enumerate(self.row_positions):
            for gc, pc in enumerate(self.col_positions):
                yield (gr, gc), (pr, pc)


def _as_frame(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        return table.to_frame(name=table.name if table.name is not None else "effectif")
    return table


def _solve(
    table: pd.DataFrame | pd.Series,
    threshold: int,
    total_row: Hashable | None,
    total_col: Hashable | None,
    forced: Collection[Labels] = (),
    published: Collection[Labels] = (),
) -> _Grid:
    grid = _Grid(_as_frame(table), threshold, total_row, total_col, forced, published)
    grid.suppress()
    return grid


def mask_counts(
    table: pd.DataFrame,
    threshold: int = MIN_COUNT,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    *,
    forced: Collection[Labels] = (),
    published: Collection[Labels] = (),
) -> pd.DataFrame:
    """Mask a 2-D table of counts of people (primary and secondary suppression).

    Primary suppression masks every cell, total included, with ``0 < value < threshold``.
    Secondary suppression then works on each row and each column of the table with its
    margins: the rows from top to bottom, then the columns from left to right, again until
    stable, a line (its cells and its total) with exactly one masked cell gets a second
    masked cell, its total only if no other cell is available. The cell chosen is the
    smallest non-zero shown cell, preferring a cell whose crossing line (its column, for a
    row) has exactly one masked cell (one mask then protects two lines), then one whose
    crossing line already has two or more (no new line to protect); ties go to the first
    cell in reading order. A final check solves the additivity equations of the table and
    masks further cells (smallest first, totals last) while a masked cell can still be
    recomputed exactly (e.g. a cell linking two otherwise separate groups of masked cells),
    or bounded to a single value knowing that a masked cell is at least 1 (zeros are shown:
    two « s » in a line whose shown cells leave 2 are both 1).

    Totals stay exact and shown unless they are themselves below the threshold, or needed
    to protect such a small total (a second total of the same margin is then masked). When
    the totals are not part of ``table``, they are assumed to be published elsewhere and
    are protected as if they were in the table: the inner cells are masked the same way with
    or without their margins.

    Zeros are shown and never used as secondary cells; missing cells (``NaN``) are kept as
    they are. A cell already equal to ``"s"`` counts as masked, so masking twice is safe
    (without margins in ``table`` it may mask a few more cells: give raw counts).

    Args:
        table: counts of people, categories in the index and in the columns, optionally with
            a row and/or a column of totals.
        threshold: smallest count that may be shown (``MIN_COUNT`` by default).
        total_row: index label of the row of totals, if any.
        total_col: column label of the column of totals, if any.
        forced: ``(row label, column label)`` of cells to mask as primary whatever their
            value (e.g. the counts a rate masked elsewhere in the publication is computed
            from); a zero stays shown.
        published: cells whose value is published elsewhere (e.g. the numerator of a rate
            shown in the indicator file): never chosen to protect another cell, since
            masking them here would hide nothing.

    Returns:
        A copy of ``table`` with object dtype: numbers stay numbers, masked cells are ``"s"``.

    Raises:
        ValueError: a non-numeric or negative cell, an unknown total label or cell, or
            duplicate labels.
    """
    grid = _solve(table, threshold, total_row, total_col, forced, published)
    out = table.astype(object)
    for cell, (pr, pc) in grid.real_cells():
        if grid.masked(cell):
            out.iat[pr, pc] = SECRET
    return out


def suppression_pattern(
    table: pd.DataFrame | pd.Series,
    threshold: int = MIN_COUNT,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    *,
    forced: Collection[Labels] = (),
    published: Collection[Labels] = (),
) -> pd.DataFrame | pd.Series:
    """Explain the masking of :func:`mask_counts` (or :func:`mask_count_series`), cell by cell.

    Args:
        table: the table of counts given to :func:`mask_counts`, or a Series given to
            :func:`mask_count_series` (then ``total_row`` is the label of its total).
        threshold: smallest count that may be shown.
        total_row: index label of the row of totals (of the Series' total), if any.
        total_col: column label of the column of totals, if any (tables only).
        forced: cells masked as primary whatever their value (see :func:`mask_counts`).
        published: cells published elsewhere, never secondary (see :func:`mask_counts`).

    Returns:
        Same shape as ``table``: ``""`` for a shown cell, ``"primaire"`` for a cell masked
        because it is small, ``"secondaire"`` for a cell masked to protect another one.
    """
    grid = _solve(table, threshold, total_row, total_col, forced, published)
    frame = _as_frame(table)
    labels = np.full(frame.shape, "", dtype=object)
    for cell, position in grid.real_cells():
        labels[position] = _PATTERN_LABELS[int(grid.status[cell])]
    out = pd.DataFrame(labels, index=frame.index, columns=frame.columns)
    if isinstance(table, pd.Series):
        return out.iloc[:, 0].rename(table.name)
    return out


def recomputable_cells(
    table: pd.DataFrame | pd.Series,
    threshold: int = MIN_COUNT,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    *,
    forced: Collection[Labels] = (),
    published: Collection[Labels] = (),
) -> list[tuple[Hashable, Hashable]]:
    """List the masked cells that could still be recomputed after masking.

    A cell is recomputable when the shown cells and totals give it exactly, or leave it a
    single possible value once every « s » is known to be at least 1 (zeros are shown). The
    list is empty except for degenerate tables where only zero cells could protect a small
    count (e.g. a single non-zero cell in a line whose total is published elsewhere); such
    tables should be aggregated further before publication.

    Args:
        table: the table of counts (or Series) before masking.
        threshold: smallest count that may be shown.
        total_row: index label of the row of totals (of the Series' total), if any.
        total_col: column label of the column of totals, if any.
        forced: cells masked as primary whatever their value (see :func:`mask_counts`).
        published: cells published elsewhere, never secondary (see :func:`mask_counts`).

    Returns:
        ``(row label, column label)`` of each exposed cell present in ``table``.
    """
    grid = _solve(table, threshold, total_row, total_col, forced, published)
    frame = _as_frame(table)
    positions = dict(grid.real_cells())
    return [
        (frame.index[positions[cell][0]], frame.columns[positions[cell][1]])
        for cell in grid.exposed()
        if cell in positions
    ]


def mask_count_series(
    series: pd.Series,
    threshold: int = MIN_COUNT,
    total: Hashable | None = None,
) -> pd.Series:
    """Mask a 1-D list of counts of people, with its total if any.

    Same rules as :func:`mask_counts`: counts with ``0 < value < threshold`` are masked; if
    exactly one value (total included) is masked, the smallest other non-zero count is masked
    too, since the total (shown, or published elsewhere) would reveal it by subtraction.

    Args:
        series: counts of people by category.
        threshold: smallest count that may be shown.
        total: index label of the total, if the Series holds one.

    Returns:
        A copy of ``series`` with object dtype, masked values replaced by ``"s"``.
    """
    frame = mask_counts(_as_frame(series), threshold, total_row=total)
    return frame.iloc[:, 0].rename(series.name)


# ----------------------------------------------------------------------------------------------
# Rates
# ----------------------------------------------------------------------------------------------


def _rate_inputs(numerator, denominator) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    if isinstance(numerator, pd.Series) or isinstance(denominator, pd.Series):
        frame = pd.DataFrame({"n": numerator, "d": denominator})
        num = pd.to_numeric(frame["n"]).to_numpy(dtype="float64", na_value=np.nan)
        den = pd.to_numeric(frame["d"]).to_numpy(dtype="float64", na_value=np.nan)
        return num, den, frame.index
    num = np.array([np.nan if pd.isna(numerator) else float(numerator)])
    den = np.array([np.nan if pd.isna(denominator) else float(denominator)])
    return num, den, None


def rate_secret_array(
    num: np.ndarray, den: np.ndarray, threshold_base: int, threshold_count: int, complement: bool
) -> np.ndarray:
    """Boolean mask of the rates to hide, on arrays (see :func:`rate_secret` for the rule)."""
    defined = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
    with np.errstate(invalid="ignore"):
        secret = den < threshold_base
        secret |= (num > 0) & (num < threshold_count)
        if complement:
            rest = den - num
            secret |= (rest > 0) & (rest < threshold_count)
    return defined & secret


def rate_secret(
    numerator,
    denominator,
    threshold_base: int = MIN_RATE_BASE,
    threshold_count: int = MIN_COUNT,
    *,
    complement: bool = True,
):
    """Tell which rates :func:`mask_rate` masks (``False`` where the rate is merely undefined).

    Args:
        numerator: count(s) of people in the group (Series or scalar).
        denominator: count(s) of people in the base (Series or scalar).
        threshold_base: smallest base for which a rate is shown.
        threshold_count: smallest count of people that may be revealed by the rate.
        complement: also mask when ``denominator - numerator`` is a small count.

    Returns:
        A boolean Series (if an input is a Series) or a bool.
    """
    num, den, index = _rate_inputs(numerator, denominator)
    secret = rate_secret_array(num, den, threshold_base, threshold_count, complement)
    if index is None:
        return bool(secret[0])
    return pd.Series(secret, index=index, dtype=bool)


def mask_rate(
    numerator,
    denominator,
    threshold_base: int = MIN_RATE_BASE,
    threshold_count: int = MIN_COUNT,
    *,
    complement: bool = True,
):
    """Compute ``numerator / denominator`` for counts of people, masking the disclosive rates.

    A rate is masked when its base is below ``threshold_base`` (20 people by default), or
    when it would reveal a small group of people given its base: ``0 < numerator <
    threshold_count``, or (with ``complement``) ``0 < denominator - numerator <
    threshold_count`` (19 out of 25 reveals the 6 others; 23 out of 25 reveals 2 people).
    Rates of 0 and 100 % are shown. Use :func:`rate_secret` to tell a masked rate (to display
    as ``"s"``) from an undefined one (missing input, zero base).

    Args:
        numerator: count(s) of people in the group (Series or scalar).
        denominator: count(s) of people in the base (Series or scalar).
        threshold_base: smallest base for which a rate is shown.
        threshold_count: smallest count of people that may be revealed by the rate.
        complement: also mask when ``denominator - numerator`` is a small count.

    Returns:
        The ratio (between 0 and 1, not in %): a float Series with ``NaN`` where masked or
        undefined, or for scalars a float, ``None`` when masked or undefined.
    """
    num, den, index = _rate_inputs(numerator, denominator)
    secret = rate_secret_array(num, den, threshold_base, threshold_count, complement)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(secret | (den == 0), np.nan, num / den)
    if index is None:
        return None if np.isnan(rate[0]) else float(rate[0])
    return pd.Series(rate, index=index, dtype="float64")


def published_recomputable(
    table: pd.DataFrame,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
) -> list[tuple[Hashable, Hashable]]:
    """List the « s » cells of an already published table that its shown figures give back.

    Only what the table shows is used: its shown cells, its own totals (none is assumed
    published elsewhere) and the fact that an « s » is at least 1 (zeros are shown).

    Args:
        table: the published table: numbers, ``"s"`` and missing cells.
        total_row: index label of its row of totals, if any.
        total_col: column label of its column of totals, if any.

    Returns:
        ``(row label, column label)`` of each « s » cell left a single possible value.
    """
    grid = _Grid(_as_frame(table), 1, total_row, total_col)
    frame = _as_frame(table)
    positions = dict(grid.real_cells())
    return [
        (frame.index[positions[cell][0]], frame.columns[positions[cell][1]])
        for cell in grid._masked_cells()
        if cell in positions and grid._pinned(cell)
    ]


# ----------------------------------------------------------------------------------------------
# Additive lines between the rows of a tidy table (a parent and its parts)
# ----------------------------------------------------------------------------------------------

Relation = tuple[int, list[int], bool]
"""``(parent row, child rows, exact)``: the parent is (``exact``) or bounds the parts' sum."""


_MARGIN = 1e-3
"""How much more than 0.5 two feasible points must differ on a row to skip its two LPs.

The LPs solve to HiGHS' tolerances (about 1e-7 on these small systems of counts), far below it:
a row the points show to range over more than ``0.5 + _MARGIN`` is one the LPs, run, would find
ranging over more than 0.5 too.
"""

_FEASIBLE = 1e-6
"""Largest violation of a constraint for a point carried over from a previous system."""

_ROUNDS = 8
"""Most rounds of random objectives spent looking for feasible points (two LPs each)."""


class Points:
    """Feasible points met while solving the line systems of one group of rows.

    Each point gives a value to the rows that were unknown then. Carried over to the system of
    a later state of ``secret`` (more rows masked), a point gives each newly masked row its
    true value and is kept only when it satisfies the new system: it is then a feasible point
    of that system too.
    """

    def __init__(self) -> None:
        self.items: list[tuple[np.ndarray, np.ndarray]] = []


class _LineSystem:
    """The system of :func:`pinned_in_lines` for one state of ``secret``, with feasible points.

    The matrices are built as they always were (same unknowns in increasing order, same rows in
    the order of the relations), so the two LPs of a row get exactly the same input as before.

    Feasible points of the system settle most rows without their LPs: when two feasible points
    give a row values more than 0.5 apart, the row's minimum is at most the smaller and its
    maximum at least the larger, so the row is not pinned, whatever the LPs would say up to
    their tolerances (see :data:`_MARGIN`). The points are the optimal solutions of every LP
    solved (a row's two LPs included), the points of ``points`` that still satisfy the system,
    and those of a few LPs with random objectives over the rows not settled yet, within a box
    (a point of the system in a box is a point of the system). Only the rows no point settles
    (the pinned ones among them) get their two LPs, exactly as before. So a row is pinned
    here exactly when the two LPs say it is.
    """

    def __init__(
        self,
        values: np.ndarray,
        secret: np.ndarray,
        relations: Collection[Relation],
        points: Points | None = None,
    ) -> None:
        self.unknowns = sorted({i for p, kids, _ in relations for i in [p, *kids] if secret[i]})
        n = len(self.unknowns)
        equalities: list[np.ndarray] = []
        eq_rhs: list[float] = []
        bounds_rows: list[np.ndarray] = []
        ub_rhs: list[float] = []
        self.rows = np.array(self.unknowns, dtype=np.intp)
        for parent, children, exact in relations if n else ():
            # The loop over [parent, *children] of old, on arrays: a shown row without a value
            # makes the line unusable; masked rows add their sign to their column; the shown
            # values are added in the same order from 0.0 (cumsum adds one by one, as `+=`).
            line = np.array([parent, *children], dtype=np.intp)
            signs = np.ones(len(line))
            signs[0] = -1.0
            masked = secret[line]
            if not masked.any():
                continue  # no unknown: coefficients all zero
            shown = values[line[~masked]]
            if np.isnan(shown).any():
                continue  # an unknown shown row (e.g. masked by a previous pass)
            coefficients = np.zeros(n)
            np.add.at(coefficients, np.searchsorted(self.rows, line[masked]), signs[masked])
            if not coefficients.any():
                continue
            known = float(np.cumsum(np.concatenate([[0.0], signs[~masked] * shown]))[-1])
            # Σ children − parent  = 0 (exact) or ≤ 0: move the shown values to the right side.
            if exact:
                equalities.append(coefficients)
                eq_rhs.append(-known)
            else:
                bounds_rows.append(coefficients)
                ub_rhs.append(-known)
        self.a_eq = np.array(equalities).reshape(-1, n) if equalities else None
        self.a_ub = np.array(bounds_rows).reshape(-1, n) if bounds_rows else None
        self.b_eq = np.array(eq_rhs) if equalities else None
        self.b_ub = np.array(ub_rhs) if bounds_rows else None
        self.constrained = np.zeros(n, dtype=bool)
        for matrix in (self.a_eq, self.a_ub):
            if matrix is not None:
                self.constrained |= (matrix != 0).any(axis=0)
        self.points = points if points is not None else Points()
        self._low: np.ndarray | None = None  # smallest value of each unknown among the points
        self._high: np.ndarray | None = None  # largest value of each unknown among the points
        self._searched = False
        carried = [self._carried(rows, x, values) for rows, x in self.points.items]
        self.points.items = []
        for point in carried:
            if point is not None:
                self._keep(point)

    def _carried(self, rows: np.ndarray, x: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """A point of an earlier system, completed with the true values, if it fits this one."""
        point = values[self.rows].astype(float)
        where = np.searchsorted(self.rows, rows)
        if (where >= len(self.rows)).any() or (
            self.rows[np.minimum(where, len(self.rows) - 1)] != rows
        ).any():
            return None  # a row unknown then is shown now: not a point of this system
        point[where] = x
        if np.isnan(point).any() or (point < 1.0 - _FEASIBLE).any():
            return None
        if self.a_eq is not None and (np.abs(self.a_eq @ point - self.b_eq) > _FEASIBLE).any():
            return None
        if self.a_ub is not None and (self.a_ub @ point - self.b_ub > _FEASIBLE).any():
            return None
        return point

    def _keep(self, point: np.ndarray) -> None:
        self.points.items.append((self.rows, point))
        if self._low is None or self._high is None:
            self._low, self._high = point.copy(), point.copy()
        else:
            np.minimum(self._low, point, out=self._low)
            np.maximum(self._high, point, out=self._high)

    def _settled(self) -> np.ndarray:
        """Rows two feasible points show to range over more than 0.5 (not pinned)."""
        if self._low is None or self._high is None:
            return np.zeros(len(self.unknowns), dtype=bool)
        return self._high - self._low > 0.5 + _MARGIN

    def _linprog(self, objective: np.ndarray, bounds: list[tuple[float, float | None]]):
        from scipy.optimize import linprog  # a second of import, paid only when a line is solved

        return linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=bounds,
            method="highs",
        )

    def _box(self) -> list[tuple[float, float | None]]:
        """Bounds of the unknowns for the search: at least 1, at most more than any total."""
        scale = sum(float(np.abs(b).sum()) for b in (self.b_eq, self.b_ub) if b is not None)
        return [(1.0, 2.0 + scale)] * len(self.unknowns)

    def _random_pair(self, open_rows: np.ndarray, rng: np.random.Generator) -> bool:
        """Minimise then maximise a random mix of the open rows: two vertices, far apart."""
        weights = np.where(open_rows, rng.uniform(-1.0, 1.0, len(self.unknowns)), 0.0)
        for sign in (1.0, -1.0):
            solved = self._linprog(sign * weights, self._box())
            if solved.status != 0:
                return False  # no point in the box (an inconsistent system): the LPs will tell
            self._keep(np.asarray(solved.x, dtype=float))
        return True

    def _shift(self, open_rows: np.ndarray, up: bool) -> bool:
        """A point moving as many open rows as possible by 1 past their lowest (highest) value.

        Maximises Σ t over the points ``x`` of the system and ``0 ≤ t ≤ 1`` with
        ``t ≤ x − low`` (``t ≤ high − x`` downwards) for each open row: many rows at once,
        where random vertices move only one row of a long line.
        """
        n, opened = len(self.unknowns), np.flatnonzero(open_rows)
        if self._low is None or self._high is None:
            return False
        m = len(opened)
        link = np.zeros((m, n + m))
        link[np.arange(m), opened] = -1.0 if up else 1.0
        link[np.arange(m), n + np.arange(m)] = 1.0
        rhs = -self._low[opened] if up else self._high[opened]
        a_ub = (
            link
            if self.a_ub is None
            else np.vstack([np.hstack([self.a_ub, np.zeros((len(self.a_ub), m))]), link])
        )
        b_ub = rhs if self.b_ub is None else np.concatenate([self.b_ub, rhs])
        a_eq = None if self.a_eq is None else np.hstack([self.a_eq, np.zeros((len(self.a_eq), m))])
        objective = np.concatenate([np.zeros(n), -np.ones(m)])
        from scipy.optimize import linprog

        solved = linprog(
            objective,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=self.b_eq,
            bounds=self._box() + [(0.0, 1.0)] * m,
            method="highs",
        )
        if solved.status != 0:
            return False
        self._keep(np.asarray(solved.x[:n], dtype=float))
        return True

    def _search(self) -> None:
        """Look for feasible points settling the constrained rows (a few LPs for all rows)."""
        self._searched = True
        rng = np.random.default_rng(0)
        for round_ in range(_ROUNDS):
            open_rows = self.constrained & ~self._settled()
            if not open_rows.any():
                return
            before = int(open_rows.sum())
            if round_ == 0:
                found = self._random_pair(open_rows, rng)
            else:
                found = self._shift(open_rows, up=True)
                found = found and self._shift(self.constrained & ~self._settled(), up=False)
            if not found or int((self.constrained & ~self._settled()).sum()) == before:
                return  # what is left is pinned, or nearly so: each row gets its LPs

    def pinned(self, k: int) -> bool:
        """True when the shown values leave unknown ``k`` a single value (within less than 1)."""
        if not self.constrained[k]:
            return False
        if not self._settled()[k] and not self._searched:
            self._search()
        if self._settled()[k]:
            return False  # two feasible points more than 0.5 apart on this row
        objective = np.zeros(len(self.unknowns))
        objective[k] = 1.0
        extremes = []
        for sign in (1.0, -1.0):
            solved = self._linprog(sign * objective, [(1.0, None)] * len(self.unknowns))
            if solved.status != 0:
                break  # unbounded, or inconsistent input: not a single value
            self._keep(np.asarray(solved.x, dtype=float))
            extremes.append(sign * solved.fun)
        return len(extremes) == 2 and extremes[1] - extremes[0] < 0.5


def pinned_rows(
    values: np.ndarray,
    secret: np.ndarray,
    relations: Collection[Relation],
    wanted: Callable[[int], bool] | None = None,
    points: Points | None = None,
) -> Iterator[int]:
    """Yield the rows of :func:`pinned_in_lines` one by one, solving only what is asked for.

    Rows come in increasing order and each is decided only when the caller asks for the next
    one, so a caller stopping at the first row it can act on solves no LP for the rows after
    it. ``wanted`` (called with a row, on the current state of the caller) leaves out the rows
    the caller has no use for, without solving their LPs: the rows yielded are exactly those of
    ``[r for r in pinned_in_lines(values, secret, relations) if wanted(r)]``, in that order,
    as long as ``values``, ``secret`` and ``relations`` do not change while iterating.

    Args:
        values: value of each row (``nan`` when unknown); only shown rows' values are used.
        secret: whether each row is masked.
        relations: the additive lines between the rows (see :func:`pinned_in_lines`).
        wanted: rows to decide (all of them when ``None``).
        points: feasible points of earlier systems of the same relations, to start from; the
            points found here are added (they only save LPs, never change the rows yielded).
    """
    system = _LineSystem(values, secret, relations, points)
    for k, row in enumerate(system.unknowns):
        if (wanted is None or wanted(row)) and system.pinned(k):
            yield row


def pinned_in_lines(
    values: np.ndarray, secret: np.ndarray, relations: Collection[Relation]
) -> list[int]:
    """Masked rows that the shown rows of additive lines leave a single possible value.

    Each relation says that a parent row is the sum of its child rows (``exact``), or at least
    that sum (rows without a known part, such as people not located in any department). Every
    masked row is known to be at least 1 (zeros are shown). A masked row is pinned when the
    shown values and these relations leave it one possible value (within less than 1), as a
    reader subtracting the shown parts from the published total would find it: its smallest
    and largest values (two LPs) are less than 0.5 apart. The LPs of a row are skipped when two
    solutions already found give it values more than 0.5 apart (see :class:`_LineSystem`).

    Args:
        values: value of each row (``nan`` when unknown); only shown rows' values are used.
        secret: whether each row is masked.
        relations: the additive lines between the rows (see above).

    Returns:
        Positions of the pinned masked rows, in increasing order.
    """
    return list(pinned_rows(values, secret, relations))
