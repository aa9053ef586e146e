"""Group keys factorized once per base table give the rows a plain groupby per level gives."""

import numpy as np
import pandas as pd
import pytest

from qpv_analytics.indicators import REGISTRY, Indicator, compute
from qpv_analytics.indicators.compute import (
    GroupCodes,
    _safe_ratio,
    aggregate,
    counted_rows,
    finish,
    group_sums,
)
from qpv_analytics.indicators.model import LEVEL_COLUMNS
from qpv_analytics.params import RunParams
from tests.conftest import toy_indicator

pytestmark = pytest.mark.unit

PARAMS = RunParams(annee=2025)

LEVELS = ("region", "departement", "epci", "qpv", "bailleur")


def _toy(**fields) -> Indicator:
    return toy_indicator(**{"levels": LEVELS, **fields})


def _plain(base: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The indicator's rows the former way: one ``dropna`` and ``groupby`` of the keys per level."""
    sub = counted_rows(base, indicator)
    frames = []
    for level in indicator.levels:
        col = LEVEL_COLUMNS[level]
        if col is not None and col not in sub.columns:
            continue
        keys = ["annee"] if col is None else ["annee", col]
        groups = sub.dropna(subset=keys).groupby(keys, observed=True)
        sums = {"numerateur": group_sums(groups, indicator.numerator)}
        if indicator.denominator:
            sums["denominateur"] = group_sums(groups, indicator.denominator)
        grouped = pd.DataFrame(sums).reset_index()
        grouped["niveau"] = level
        grouped["code"] = "region" if col is None else grouped[col].astype(str)
        frames.append(grouped)
    out = pd.concat(frames, ignore_index=True)
    if indicator.denominator:
        out["valeur"] = _safe_ratio(out["numerateur"], out["denominateur"], indicator.scale)
    else:
        out["denominateur"] = pd.NA
        out["valeur"] = out["numerateur"].astype("Float64")
    return finish(out, indicator, PARAMS)


def _messy(rows: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Unsorted rows over several years, blank keys of every kind, cents, blanks and -0.0."""
    rng = np.random.default_rng(seed)

    def pick(values: list, blank: object) -> list:
        drawn = rng.choice(len(values) + 1, size=rows)
        return [blank if i == len(values) else values[i] for i in drawn]

    years = pd.array(pick([2025, 2021, 2023, 2024, 2022], pd.NA), dtype="Int64")
    a = rng.choice([0.1, 2.35, 7.0, -0.0, 0.0, 12.99, np.nan], size=rows)
    b = pd.array(rng.choice([1.0, 3.5, 10.0, 0.25], size=rows), dtype="Float64")
    b[rng.random(rows) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "annee": years,
            "code_departement": pd.array(pick(["93", "2A", "75", "13", "971"], pd.NA), "string"),
            "siren_epci": pd.Series(
                pick(["200054781", "200058519", "245900410"], None), dtype=object
            ),
            "code_qpv": pd.array(pick(["QN09301M", "QN07501M", "QN01301M"], pd.NA), "string"),
            "bailleur": pd.Categorical(
                pick(["Zèbre Habitat", "Alpha", "béton", "Alpha "], np.nan),
                categories=["béton", "Zèbre Habitat", "Alpha", "Alpha "],
            ),
            "filtre": pick(["oui", "non"], None),
            "a": a,
            "b": b,
        }
    )


@pytest.mark.parametrize(
    "indicator",
    [
        _toy(),
        _toy(denominator=None, scale=1.0, unit="nombre"),
        _toy(where={"filtre": "oui"}, required=("a",)),
        _toy(numerator="b", denominator="b"),
    ],
)
def test_factorized_keys_give_the_plain_groupby_rows(indicator, monkeypatch):
    monkeypatch.setitem(REGISTRY, indicator.code, indicator)
    base = _messy()
    expected = _plain(base, indicator)
    assert expected["niveau"].nunique() == len(LEVELS)  # every level has groups
    for got in (
        aggregate(base, indicator, PARAMS),
        aggregate(
            base,
            indicator,
            PARAMS,
            GroupCodes.of(base, ["siren_epci", "bailleur", "code_qpv", "code_departement"]),
        ),
        compute(base, [indicator], PARAMS),
    ):
        assert got.equals(expected)
        assert got.dtypes.equals(expected.dtypes)


def test_factorized_keys_of_a_table_without_rows_or_level_columns(monkeypatch):
    base = _messy().drop(columns=["code_qpv", "bailleur"])
    indicator = _toy()
    monkeypatch.setitem(REGISTRY, indicator.code, indicator)
    assert compute(base, [indicator], PARAMS).equals(_plain(base, indicator))
    empty = base.iloc[:0]
    got, expected = aggregate(empty, indicator, PARAMS), _plain(empty, indicator)
    assert got.empty
    assert got.equals(expected)
    assert got.dtypes.equals(expected.dtypes)


def _series_sums(groups, column: str) -> pd.Series:
    """``Series.sum(min_count=1)`` of each group: what :func:`group_sums` must give."""
    return groups[column].agg(lambda s: s.sum(min_count=1))


@pytest.mark.parametrize(
    "values",
    [
        [0.1, 0.2, 0.3, 2.35, np.nan, 12.99],  # cents: groups summed again one by one
        [1.0, 2.0, 0.0, 7.0, np.nan],  # whole numbers: the compiled sum as it is
        [-0.0, -0.0, 0.0, np.nan, 3.0, -3.0],  # a zero sum that may be -0.0
        [2.0**52, 2.0**52, 1.0, 3.0],  # whole numbers past 2**53 in total
        [0.5, 1.25, 3.75, 7.0, np.nan],  # half and quarter hours: exact sums
        [0.5, 2.0**44, 1.0],  # halves past 2**53 × 2**-10 in total
        [0.5, 0.25, 0.1],  # halves and a decimal fraction
        [np.nan],  # blank groups only
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "Float64"])
def test_group_sums_are_those_of_series_sum_to_the_sign_of_zero(values, dtype):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "cle": rng.choice([3, 1, 2, 5], size=400),
            "v": pd.array(rng.choice(values, size=400), dtype=dtype),
        }
    ).sample(frac=1.0, random_state=1)
    zeros = pd.DataFrame({"cle": [7, 7, 7, 8, 8, 9, 9], "v": [-0.0, -0.0, -0.0, -0.0, 0, -0.0, 1]})
    frame = pd.concat([frame, zeros.astype({"v": dtype})], ignore_index=True)
    if dtype == "Float64":
        frame.loc[frame["v"].isna(), "v"] = pd.NA
    groups = frame.groupby("cle")
    got, expected = group_sums(groups, "v"), _series_sums(groups, "v")
    assert got.index.equals(expected.index)
    for a, b in zip(got.tolist(), expected.tolist(), strict=True):
        if pd.isna(b):
            assert pd.isna(a)
        else:
            assert a == b and np.signbit(a) == np.signbit(b), (a, b)
