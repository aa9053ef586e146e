"""Statistical disclosure control on small hand-built tables (expected cells computed by hand)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qpv_analytics.disclosure.html_tables import to_html_table
from qpv_analytics.disclosure.indicator_tables import protect_indicator_frame
from qpv_analytics.disclosure.suppression import (
    PRIMAIRE,
    SECONDAIRE,
    mask_count_series,
    mask_counts,
    mask_rate,
    rate_secret,
    recomputable_cells,
    suppression_pattern,
)
from qpv_analytics.labels import SECRET
from qpv_analytics.thresholds import MIN_COUNT, MIN_RATE_BASE

pytestmark = pytest.mark.unit

S = SECRET
P, SEC = PRIMAIRE, SECONDAIRE


def frame(rows: dict[str, list], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def test_thresholds_and_marker():
    assert (SECRET, MIN_COUNT, MIN_RATE_BASE) == ("s", 5, 20)


# ------------------------------------------------------------------------------------------
# 2-D tables
# ------------------------------------------------------------------------------------------


def test_primary_and_secondary_with_margins():
    # X/B = 3 is small (primary). Row X would give it back (35 - 12 - 20), so the smallest
    # other cell of the row, X/A = 12, is masked. Column A then has one masked cell: the
    # smallest other one, Z/A = 9. Column B (X/B alone): Y/B = 10 is smaller, but Z/B = 11
    # closes row Z, which has one masked cell (Z/A) -> Z/B. Every line now has 0 or 2 masks.
    table = frame(
        {
            "X": [12, 3, 20, 35],
            "Y": [15, 10, 8, 33],
            "Z": [9, 11, 25, 45],
            "Total": [36, 24, 53, 113],
        },
        ["A", "B", "C", "Total"],
    )
    expected = frame(
        {
            "X": [S, S, 20, 35],
            "Y": [15, 10, 8, 33],
            "Z": [S, S, 25, 45],
            "Total": [36, 24, 53, 113],
        },
        ["A", "B", "C", "Total"],
    )
    masked = mask_counts(table, total_row="Total", total_col="Total")
    pd.testing.assert_frame_equal(masked, expected.astype(object))
    assert set(masked.dtypes) == {np.dtype(object)}
    assert isinstance(masked.loc["Y", "A"], int)

    pattern = suppression_pattern(table, total_row="Total", total_col="Total")
    assert pattern.loc["X", "B"] == P
    assert {(r, c) for r in pattern.index for c in pattern.columns if pattern.loc[r, c] == SEC} == {
        ("X", "A"),
        ("Z", "A"),
        ("Z", "B"),
    }
    assert recomputable_cells(table, total_row="Total", total_col="Total") == []


def test_same_cells_masked_without_margins():
    # Totals not printed are assumed to be published elsewhere: same masking of the cells.
    inner = frame({"X": [12, 3, 20], "Y": [15, 10, 8], "Z": [9, 11, 25]}, ["A", "B", "C"])
    expected = frame({"X": [S, S, 20], "Y": [15, 10, 8], "Z": [S, S, 25]}, ["A", "B", "C"])
    pd.testing.assert_frame_equal(mask_counts(inner), expected.astype(object))


def test_row_total_would_reveal_a_single_masked_cell():
    # X/A = 2 and Y/A = 3 protect each other in column A, but each is alone in its row:
    # X/A = 72 - 30 - 40. Row X: smallest other cell X/B = 30. Row Y: Y/B = 50 closes
    # column B (which now has one mask), rather than the larger Y/C = 60.
    table = frame(
        {"X": [2, 30, 40, 72], "Y": [3, 50, 60, 113], "Z": [20, 25, 35, 80]},
        ["A", "B", "C", "T"],
    )
    expected = frame(
        {"X": [S, S, 40, 72], "Y": [S, S, 60, 113], "Z": [20, 25, 35, 80]},
        ["A", "B", "C", "T"],
    )
    masked = mask_counts(table, total_col="T")
    pd.testing.assert_frame_equal(masked, expected.astype(object))
    pattern = suppression_pattern(table, total_col="T")
    assert pattern.loc[["X", "Y"], "A"].tolist() == [P, P]
    assert pattern.loc[["X", "Y"], "B"].tolist() == [SEC, SEC]
    assert (pattern.loc[:, "C"] == "").all() and (pattern.loc[:, "T"] == "").all()


def test_column_total_would_reveal_a_single_masked_cell():
    # The same table transposed, with a row of totals: A/X = 72 - 30 - 40 without B/X.
    table = frame(
        {"A": [2, 3, 20], "B": [30, 50, 25], "C": [40, 60, 35], "T": [72, 113, 80]},
        ["X", "Y", "Z"],
    )
    expected = frame(
        {"A": [S, S, 20], "B": [S, S, 25], "C": [40, 60, 35], "T": [72, 113, 80]},
        ["X", "Y", "Z"],
    )
    pd.testing.assert_frame_equal(mask_counts(table, total_row="T"), expected.astype(object))


def test_small_total_is_masked_and_protected():
    # Row X totals 3: X/A, X/B and the total X/T are primary. Column A: Z/A = 8 (smallest).
    # Column B: Z/B closes row Z. Column of totals: 3 = 48 - 22 - 23 would come back, so a
    # second total is masked: Z/T = 23, whose row already has two masks, rather than
    # Y/T = 22, which would force one more cell in row Y.
    table = frame(
        {"X": [1, 2, 3], "Y": [10, 12, 22], "Z": [8, 15, 23], "T": [19, 29, 48]},
        ["A", "B", "T"],
    )
    expected = frame(
        {"X": [S, S, S], "Y": [10, 12, 22], "Z": [S, S, S], "T": [19, 29, 48]},
        ["A", "B", "T"],
    )
    masked = mask_counts(table, total_row="T", total_col="T")
    pd.testing.assert_frame_equal(masked, expected.astype(object))
    pattern = suppression_pattern(table, total_row="T", total_col="T")
    assert pattern.loc["X"].tolist() == [P, P, P]
    assert pattern.loc["Z"].tolist() == [SEC, SEC, SEC]


def test_cell_linking_two_protected_groups_is_protected_too():
    # Every line has 0 or at least 2 masked cells, yet r1/c3 = 3 follows from the totals:
    # (r1) - [(c1) + (c2) - (r2)] = 6 - 3. The final check masks the smallest cell joining
    # the two groups of masked cells: r1/c4 = 30 (tie with r3/c1 = 30, first in reading order).
    table = frame(
        {
            "r1": [1, 2, 3, 30, 40],
            "r2": [4, 1, 50, 60, 70],
            "r3": [30, 40, 2, 3, 50],
            "r4": [60, 70, 4, 1, 80],
        },
        ["c1", "c2", "c3", "c4", "c5"],
    )
    pattern = suppression_pattern(table)
    assert pattern.loc["r1"].tolist() == [P, P, P, SEC, ""]
    assert pattern.loc["r2"].tolist() == [P, P, "", "", ""]
    assert pattern.loc["r3"].tolist() == ["", "", P, P, ""]
    assert pattern.loc["r4"].tolist() == ["", "", P, P, ""]
    assert mask_counts(table).loc["r1"].tolist() == [S, S, S, S, 40]
    assert recomputable_cells(table) == []


def test_no_small_cell_nothing_masked():
    table = frame(
        {"X": [12, 0, 20, 32], "Y": [15, 10, 8, 33], "T": [27, 10, 28, 65]}, ["A", "B", "C", "T"]
    )
    masked = mask_counts(table, total_row="T", total_col="T")
    assert (masked == table).all().all()
    assert not (masked == S).any().any()
    assert (suppression_pattern(table, total_row="T", total_col="T") == "").all().all()


def test_zero_is_shown_and_never_used_as_secondary():
    # Row X: 4 is masked; its only other non-zero cell is X/C = 9 (X/B = 0 stays shown).
    table = frame({"X": [4, 0, 9], "Y": [30, 20, 10]}, ["A", "B", "C"])
    masked = mask_counts(table)
    assert masked.loc["X"].tolist() == [S, 0, S]
    assert masked.loc["Y"].tolist() == [S, 20, S]


def test_missing_cells_stay_missing_and_masking_twice_is_stable():
    table = frame({"X": [12, 3, np.nan], "Y": [15, 10, 8], "T": [27, 13, 8]}, ["A", "B", "T"])
    masked = mask_counts(table, total_row="T", total_col="T")
    assert math.isnan(masked.loc["X", "T"])
    again = mask_counts(masked, total_row="T", total_col="T")
    pd.testing.assert_frame_equal(again, masked)


def test_threshold_is_a_parameter():
    table = frame({"X": [6, 20], "Y": [30, 40]}, ["A", "B"])
    assert not (mask_counts(table) == S).any().any()
    assert mask_counts(table, threshold=10).loc["X"].tolist() == [S, S]


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (frame({"X": [1, "abc"]}, ["A", "B"]), {}, "non numérique"),
        (frame({"X": [-2, 8]}, ["A", "B"]), {}, "effectif impossible"),
        (frame({"X": [2, 8]}, ["A", "B"]), {"total_row": "Total"}, "introuvable"),
        (frame({"X": [2, 8]}, ["A", "B"]), {"threshold": 0}, "Seuil"),
    ],
)
def test_invalid_tables_are_refused_in_french(table, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mask_counts(table, **kwargs)


# ------------------------------------------------------------------------------------------
# 1-D
# ------------------------------------------------------------------------------------------


def test_series_with_total():
    # B = 3 is masked; 43 - 12 - 20 - 8 would give it back, so D = 8 (smallest) is masked.
    series = pd.Series({"A": 12, "B": 3, "C": 20, "D": 8, "Total": 43}, name="menages")
    masked = mask_count_series(series, total="Total")
    assert masked.tolist() == [12, S, 20, S, 43]
    assert masked.name == "menages" and masked.dtype == object
    assert suppression_pattern(series, total_row="Total").tolist() == ["", P, "", SEC, ""]


def test_series_without_total_and_small_total():
    # The total is assumed published elsewhere: same masking without it.
    assert mask_count_series(pd.Series([12, 3, 20, 8])).tolist() == [12, S, 20, S]
    # A total of 3 is itself masked; the zero stays shown.
    small = pd.Series({"A": 2, "B": 1, "C": 0, "Total": 3})
    assert mask_count_series(small, total="Total").tolist() == [S, S, 0, S]
    assert mask_count_series(pd.Series([12, 20, 8])).tolist() == [12, 20, 8]


# ------------------------------------------------------------------------------------------
# Rates
# ------------------------------------------------------------------------------------------


def test_rate_base_19_is_masked_base_20_is_shown():
    assert mask_rate(10, 19) is None
    assert rate_secret(10, 19) is True
    assert mask_rate(10, 20) == 0.5
    assert rate_secret(10, 20) is False


def test_rate_vectorised():
    num = pd.Series([10, 10, 3, 23, 0, 5, 30, None], index=list("abcdefgh"))
    den = pd.Series([19, 20, 40, 25, 30, 0, 30, 40], index=list("abcdefgh"))
    rate = mask_rate(num, den)
    # 3/40 reveals 3 people, 23/25 reveals 2; 0 % and 100 % are shown; 5/0 is undefined.
    expected = [np.nan, 0.5, np.nan, np.nan, 0.0, np.nan, 1.0, np.nan]
    np.testing.assert_array_equal(rate.to_numpy(), np.array(expected))
    assert rate_secret(num, den).tolist() == [True, False, True, True, False, False, False, False]
    assert mask_rate(num, den, complement=False)["d"] == pytest.approx(23 / 25)
    assert math.isnan(mask_rate(num, 40)["c"]) and mask_rate(num, 40)["a"] == 0.25


# ------------------------------------------------------------------------------------------
# Tidy indicator tables
# ------------------------------------------------------------------------------------------


def test_protect_indicator_frame():
    df = pd.DataFrame(
        {
            "indicateur": [
                "taux_ok",
                "effectif_3",
                "effectif_12",
                "taux_base_19",
                "taux_19_sur_20",
                "part_sans_base",
                "moyenne_base_10",
                "non_personnes",
            ],
            "valeur": [50.0, 3.0, 12.0, 40.0, 95.0, 1.5, 230.0, 2.0],
            "numerateur": [10, 3, 12, 8, 19, None, 2300, 2],
            "denominateur": [20, None, None, 19, 20, None, 10, None],
            "unite": ["%", "personnes", "personnes", "%", "%", "%", "€/mois", "logements"],
            "personnes": [True, True, True, True, True, True, True, False],
        }
    )
    out = protect_indicator_frame(df)
    assert out["secret"].tolist() == [False, True, False, True, True, True, True, False]
    assert out.loc[1, ["valeur", "numerateur", "denominateur"]].tolist() == [S, S, S]
    assert out.loc[0, "valeur"] == 50.0 and out.loc[7, "valeur"] == 2.0
    assert (df["valeur"].tolist()[1]) == 3.0  # the input is not modified


def test_protect_indicator_frame_requires_personnes():
    with pytest.raises(ValueError, match="personnes"):
        protect_indicator_frame(pd.DataFrame({"valeur": [1.0]}))


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------


def test_html_people_table_is_always_masked():
    table = frame({"X": [12, 3, 20], "Y": [15, 10, 8], "Z": [9, 11, 25]}, ["A", "B", "C"])
    html = to_html_table(table, "Ménages relogés par destination", people_counts=True)
    assert html.startswith('<table class="qpv-tableau qpv-effectifs">')
    assert "<caption>Ménages relogés par destination</caption>" in html
    assert html.count(">s</td>") == 4
    assert "<td>3</td>" not in html and "<td>9</td>" not in html
    assert "secret statistique" in html


def test_html_french_numbers_and_no_class_for_other_tables():
    table = pd.DataFrame(
        {"Montant (€)": [1234.5, 35200000.0], "Logements": [1234, 7]},
        index=pd.Index(["Bailleur A", "Bailleur B"], name="Bailleur"),
    )
    html = to_html_table(table, "Abattement & actions", people_counts=False)
    assert "qpv-effectifs" not in html
    assert "<td>1\u202f234,5</td>" in html and "<td>35\u202f200\u202f000,0</td>" in html
    assert "<td>1\u202f234</td>" in html and "<td>7</td>" in html
    assert "Abattement &amp; actions" in html and '<th scope="col">Bailleur</th>' in html


def test_html_threshold_cannot_be_lowered():
    with pytest.raises(ValueError, match="Seuil"):
        to_html_table(frame({"X": [3, 8]}, ["A", "B"]), "t", people_counts=True, threshold=2)
