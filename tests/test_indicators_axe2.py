"""Axis-2 indicators against values computed by hand."""

import math

import pandas as pd
import pytest

from qpv_analytics import indicators
from qpv_analytics.params import RunParams

pytestmark = pytest.mark.unit

QPV = pd.DataFrame(
    {
        "code_qpv": ["QN05901M", "QN05902M", "QN06201M"],
        "siren_epci": ["200000001", "200000001", "200000002"],
        "code_departement": ["59", "59", "62"],
    }
)


def _abattement(rows):
    return pd.DataFrame(
        rows,
        columns=["annee", "bailleur", "code_qpv", "logements_concernes", "montant_abattement_eur"],
    ).astype({"logements_concernes": "Int64", "montant_abattement_eur": "Float64"})


def _actions(rows):
    return pd.DataFrame(
        rows, columns=["annee", "bailleur", "code_qpv", "axe_tfpb", "montant_valorise_eur"]
    ).astype({"montant_valorise_eur": "Float64", "axe_tfpb": "Int64"})


def _get(res, code, level, territory, year=2025):
    row = res[
        (res.indicateur == code)
        & (res.niveau == level)
        & (res.code == territory)
        & (res.annee == year)
    ]
    assert len(row) == 1, (code, level, territory, year)
    return row.iloc[0]


ABAT = _abattement(
    [
        (2025, "A", "QN05901M", 100, 10_000.0),
        (2025, "A", "QN06201M", 50, 5_000.0),
        (2025, "B", "QN05902M", 200, 30_000.0),
        (2024, "A", "QN05901M", 100, 9_000.0),
    ]
)
ACT = _actions(
    [
        (2025, "A", "QN05901M", 1, 8_000.0),
        (2025, "A", "QN05901M", 3, 6_000.0),  # A/QN05901M: 14 000 valued for 10 000 abated
        (2025, "A", "QN06201M", 5, 2_500.0),  # A/QN06201M: 2 500 for 5 000
        (2025, "B", "QN05902M", 3, 30_000.0),  # B: 30 000 for 30 000
        (2024, "A", "QN05901M", 1, 9_900.0),
    ]
)


def test_valuation_rate_is_ratio_of_sums_at_every_level():
    params = RunParams(annee=2025)
    res = indicators.tfpb_indicators(ABAT, ACT, QPV, params)
    code = "tfpb_taux_valorisation_pct"
    # Region: (14000 + 2500 + 30000) / (10000 + 5000 + 30000) = 46500 / 45000
    region = _get(res, code, "region", "region")
    assert region.numerateur == 46_500 and region.denominateur == 45_000
    assert math.isclose(region.valeur, 46_500 / 45_000 * 100)
    assert region.statut == "contexte"  # the target binds each landlord: the region is context
    # Landlord A: 16500 / 15000 = 110 %; department 62: 2500 / 5000 = 50 %, context too
    landlord = _get(res, code, "bailleur", "A")
    assert math.isclose(landlord.valeur, 110.0) and landlord.statut == "atteint"
    dep62 = _get(res, code, "departement", "62")
    assert math.isclose(dep62.valeur, 50.0) and dep62.statut == "contexte"
    # EPCI 200000001 holds QN05901M and QN05902M: (14000 + 30000) / (10000 + 30000) = 110 %
    assert math.isclose(_get(res, code, "epci", "200000001").valeur, 110.0)
    # 2024: 9900 / 9000
    assert math.isclose(_get(res, code, "region", "region", 2024).valeur, 110.0)


def test_per_dwelling_and_coverage():
    res = indicators.tfpb_indicators(ABAT, ACT, QPV, RunParams(annee=2025))
    # 46 500 € valued over 350 dwellings
    assert math.isclose(
        _get(res, "tfpb_valorise_par_logement_eur", "region", "region").valeur, 46_500 / 350
    )
    # coverage = abatement / valued = 45 000 / 46 500
    assert math.isclose(
        _get(res, "tfpb_couverture_abattement_pct", "region", "region").valeur,
        45_000 / 46_500 * 100,
    )
    assert _get(res, "tfpb_montant_abattement_eur", "region", "region").valeur == 45_000


def test_national_minimum_is_never_partial_whatever_the_local_threshold():
    params = RunParams(
        annee=2025,
        cibles_locales={"taux_valorisation_tfpb_pct": 120, "seuil_statut_partiel_pct": 40},
    )
    res = indicators.tfpb_indicators(ABAT, ACT, QPV, params)
    row = _get(res, "tfpb_taux_valorisation_pct", "bailleur", "A")  # 110 % of 120 %
    assert row.valeur >= 40 * 120 / 100 and row.valeur < 120
    assert row.statut == "non_atteint"


def test_unpaired_units_and_blank_values_are_not_zero():
    abat = _abattement(
        [
            (2025, "A", "QN05901M", 100, 10_000.0),
            (2025, "C", "QN05902M", 80, None),  # blank abatement: must not count as 0
        ]
    )
    act = _actions(
        [
            (2025, "A", "QN05901M", 1, 12_000.0),
            (2025, "C", "QN05902M", 1, 4_000.0),
            (2025, "D", "QN06201M", 1, 1_000.0),  # actions without any abatement row
        ]
    )
    res = indicators.tfpb_indicators(abat, act, QPV, RunParams(annee=2025))
    rate = _get(res, "tfpb_taux_valorisation_pct", "region", "region")
    # Only A is paired: 12 000 / 10 000
    assert rate.numerateur == 12_000 and rate.denominateur == 10_000
    # The total valued still includes every action
    assert _get(res, "tfpb_montant_valorise_eur", "region", "region").valeur == 17_000
    # C has no abatement amount: its own rate does not exist (no row), not 0 or infinite
    assert res[(res.indicateur == "tfpb_taux_valorisation_pct") & (res.code == "C")].empty


def test_zero_denominator_gives_blank_and_no_data_status():
    abat = _abattement([(2025, "A", "QN05901M", 0, 0.0)])
    act = _actions([(2025, "A", "QN05901M", 1, 500.0)])
    res = indicators.tfpb_indicators(abat, act, QPV, RunParams(annee=2025))
    row = _get(res, "tfpb_taux_valorisation_pct", "region", "region")
    assert pd.isna(row.valeur) and row.statut == "sans_donnee"


def test_missing_year_and_territory_have_no_rows():
    res = indicators.tfpb_indicators(ABAT, ACT, QPV, RunParams(annee=2025))
    assert res[(res.annee == 2023)].empty
    assert res[(res.niveau == "qpv") & (res.code == "QN99999Z")].empty


def test_by_axis_shares_sum_to_100_and_list_all_8_axes():
    out = indicators.tfpb_by_axis(ACT)
    y = out[out.annee == 2025]
    assert len(y) == 8
    assert math.isclose(float(y.part_pct.sum()), 100.0)
    # axis 3: 6 000 + 30 000 out of 46 500
    assert math.isclose(float(y[y.axe_tfpb == 3].part_pct.iloc[0]), 36_000 / 46_500 * 100)
    assert float(y[y.axe_tfpb == 8].montant_valorise_eur.iloc[0]) == 0


def test_gusp_share_counts_only_reported_qpv():
    gusp = pd.DataFrame(
        {
            "annee": [2025, 2025, 2025],
            "code_qpv": ["QN05901M", "QN05902M", "QN06201M"],
            "convention_gusp_signee": pd.array([True, False, pd.NA], dtype="boolean"),
        }
    )
    res = indicators.gusp_indicators(gusp, QPV, RunParams(annee=2025))
    region = _get(res, "gusp_part_qpv_convention_pct", "region", "region")
    assert region.numerateur == 1 and region.denominateur == 2 and region.valeur == 50
    dep62 = _get(res, "gusp_part_qpv_convention_pct", "departement", "62")
    assert dep62.denominateur == 0 and pd.isna(dep62.valeur)


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (100, 100, "hausse", "atteint"),
        (85, 100, "hausse", "partiel"),
        (79.9, 100, "hausse", "non_atteint"),
        (None, 100, "hausse", "sans_donnee"),
        (50, None, "hausse", "sans_cible"),
        (70, 74, "baisse", "atteint"),
        (80, 74, "baisse", "partiel"),
        (95, 74, "baisse", "non_atteint"),
    ],
)
def test_status(value, target, direction, expected):
    assert indicators.status(value, target, direction, 80) == expected


def test_scorecard_formats_values_and_drops_target_columns_without_targets():
    from qpv_analytics.report import reporting

    params = RunParams(annee=2025)
    res = indicators.tfpb_indicators(ABAT, ACT, QPV, params)
    card = reporting.scorecard(res, 2025, params).set_index("Indicateur")
    rate = card.loc["Taux de valorisation de l'abattement TFPB"]
    assert rate["2025"] == "103,3\u00a0%"  # 46 500 / 45 000
    assert rate["2024"] == "110,0\u00a0%" and rate["Cible"] == "100,0\u00a0%"
    assert rate["Statut"] == "Atteint"
    totals = res[res.indicateur == "tfpb_montant_abattement_eur"]
    assert list(reporting.scorecard(totals, 2025, params).columns) == ["Indicateur", "2025", "2024"]
