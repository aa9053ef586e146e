"""Perimeters and units in plain words: partial perimeters per point, rules, points not %."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from qpv_analytics import indicators
from qpv_analytics.indicators import perimeters
from qpv_analytics.indicators.model import RESULT_COLUMNS
from qpv_analytics.report import housing, reporting, sections

pytestmark = pytest.mark.unit

RATE = "tfpb_taux_valorisation_pct"
QPV = pd.DataFrame(
    {
        "code_qpv": ["QN05901M", "QN05902M"],
        "siren_epci": ["200000001", "200000001"],
        "code_departement": ["59", "59"],
    }
)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """HTML fragments the sections display, in order."""
    markup: list[str] = []
    monkeypatch.setattr(reporting, "_display_html", markup.append)
    return markup


def _declarations() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two landlords on two QPV in 2023 and 2024; « Sud Habitat » sent no actions in 2023."""
    pairs = [
        (y, b, q) for y in (2023, 2024) for b in ("Nord Logis", "Sud Habitat") for q in QPV.code_qpv
    ]
    abattement = pd.DataFrame(
        [
            {
                "annee": y,
                "bailleur": b,
                "code_qpv": q,
                "logements_concernes": 100.0,
                "montant_abattement_eur": 10000.0,
            }
            for y, b, q in pairs
        ]
    )
    actions = pd.DataFrame(
        [
            {"annee": y, "bailleur": b, "code_qpv": q, "montant_valorise_eur": 12000.0}
            for y, b, q in pairs
            if not (y == 2023 and b == "Sud Habitat")
        ]
    )
    return abattement, actions


def test_the_perimeter_of_a_ratio_is_computed_per_year_from_the_data():
    abattement, actions = _declarations()
    perimeter = housing.tfpb_perimeter(abattement, actions, QPV, RATE)
    assert perimeter[["annee", "unites", "retenues", "ecartees"]].values.tolist() == [
        [2023, 4, 2, 2],
        [2024, 4, 4, 0],
    ]
    assert perimeter.loc[0, "detail"] == "Sud Habitat (2 QPV sans actions déclarées)"
    notes = perimeters.perimeter_notes(perimeter, housing.TFPB_UNITS)
    assert notes == {
        2023: "calculé sur 2 des 4 couples bailleur × QPV déclarés ; écartés : Sud Habitat "
        "(2 QPV sans actions déclarées)"
    }


def _public() -> pd.DataFrame:
    abattement, actions = _declarations()
    result = indicators.tfpb_indicators(abattement, actions, QPV)
    return result.assign(secret=False)[[*RESULT_COLUMNS, "secret"]]


def test_the_trend_marks_each_point_on_a_partial_perimeter(shown):
    abattement, actions = _declarations()
    notes = perimeters.perimeter_notes(
        housing.tfpb_perimeter(abattement, actions, QPV, RATE), housing.TFPB_UNITS
    )
    public = _public()
    sections.trend_sentence(public, RATE, "Le taux", perimeter=notes)
    sections.show_trend(public, [RATE], "Taux", alt="Courbe.", perimeter=notes)
    text = html.unescape(" ".join(shown))
    assert "Le taux passe de 120,0\xa0% en 2023 à 120,0\xa0% en 2024." in text
    assert "diffère de celui des totaux publiés en 2023" in text
    assert (
        "Périmètre partiel, différent de celui des totaux publiés : (1) 2023 : calculé sur 2 "
        in text
    )
    assert "(2)" not in text


def test_a_trend_on_the_full_perimeter_has_no_footnote(shown):
    public = _public()
    sections.trend_sentence(public, RATE, "Le taux", perimeter={})
    sections.show_trend(public, [RATE], "Taux", alt="Courbe.", perimeter={})
    text = html.unescape(" ".join(shown))
    assert "Périmètre partiel" not in text and "diffère" not in text


def test_the_perimeter_table_lists_the_pairs_left_out(shown):
    abattement, actions = _declarations()
    housing.perimeter_table(housing.tfpb_perimeter(abattement, actions, QPV, RATE), RATE)
    text = html.unescape(" ".join(shown))
    assert "Sud Habitat (2 QPV sans actions déclarées)" in text
    assert "aucun" in text  # 2024: nothing left out


def test_the_gap_of_a_rate_to_its_reference_is_in_points():
    public = _public()
    table = housing.references_table(public, ["tfpb_couverture_abattement_pct"], 2024)
    gap = table.loc[0, "Écart"]
    assert gap.endswith("pts") and "%" not in gap  # 83,3 % − 74 % = +9,3 points
    per_dwelling = housing.references_table(public, ["tfpb_valorise_par_logement_eur"], 2024)
    assert per_dwelling["Écart"].str.contains("€").all()


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("clauses_beneficiaires", "le plus d'heures"),
        ("clauses_part_femmes_pct", "le plus d'heures"),
        ("clauses_part_sorties_dynamiques_pct", "au moins un contrat"),
        ("clauses_taux_insertion_travaux_anru_pct", "renseignent les deux termes"),
        ("tfpb_taux_valorisation_pct", "qui ont déclaré les deux"),
        ("tfpb_valorise_par_logement_eur", "qui ont déclaré les deux"),
        ("attrib_part_hors_qpv_q1_pct", "jamais une moyenne de taux"),
        ("ru_part_relogement_neuf_pct", "QPV d'origine"),
        ("ru_taux_reconstitution_pct", "renseignent les deux termes"),
        ("gusp_part_qpv_convention_pct", "sans réponse est exclu"),
    ],
)
def test_every_counting_rule_is_in_the_published_definition(code, rule):
    assert rule in indicators.REGISTRY[code].definition


def test_the_perimeter_keeps_to_the_indicator_rows_and_to_partial_declarations():
    base = pd.DataFrame(
        {
            "annee": [2025] * 4,
            "maitre_ouvrage": ["Ville A", "Ville A", "Ville B", "Ville C"],
            "id_marche": ["M1", "M2", "M3", "M4"],
            "type_marche": ["gusp", "gusp", "gusp", "travaux_anru"],
            "heures_insertion_realisees": [100.0, 50.0, None, 10.0],
            "heures_totales": [1000.0, None, None, None],
        }
    )
    blanks = {
        "heures_insertion_realisees": "marché sans heures d'insertion",
        "heures_totales": "marché sans heures totales",
    }
    perimeter = perimeters.ratio_perimeter(
        base, "clauses_taux_insertion_gusp_pct", ["maitre_ouvrage", "id_marche"], blanks
    )
    # M4 is no GUSP market and M3 declares neither side: neither is a unit of this ratio.
    assert perimeter[["unites", "retenues", "ecartees"]].values.tolist() == [[2, 1, 1]]
    assert perimeter.loc[0, "detail"] == "Ville A (1 marché sans heures totales)"
