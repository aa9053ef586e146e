"""Obligations judged where they bind, on hand-built tables with hand-computed verdicts."""

import pandas as pd
import pytest

from qpv_analytics import indicators
from qpv_analytics.formatting import NBSP
from qpv_analytics.indicators import REGISTRY, obligations
from qpv_analytics.indicators.compute import partial_threshold
from qpv_analytics.indicators.model import BINDING_KINDS
from qpv_analytics.params import RunParams
from qpv_analytics.report import reporting, sections

pytestmark = pytest.mark.unit

PARAMS = RunParams(annee=2025)
Q1 = "attrib_part_hors_qpv_q1_pct"  # legal minimum 25 %, binds each EPCI
Q234 = "attrib_part_qpv_q234_pct"  # local objective, binds each EPCI
VALO = "tfpb_taux_valorisation_pct"  # national framework 100 %, binds each landlord
ANRU = "clauses_taux_insertion_travaux_anru_pct"  # legal 5 %, binds each project


def _allocations(rows):
    """Allocations at the EPCI × landlord grain: (EPCI, name, landlord, out of QPV, of which Q1)."""
    return pd.DataFrame(
        {
            "annee": 2025,
            "siren_epci": [r[0] for r in rows],
            "bailleur": [r[2] for r in rows],
            "code_departement": "59",
            "attributions_hors_qpv": [float(r[3]) for r in rows],
            "attributions_hors_qpv_q1": [float(r[4]) for r in rows],
            "attributions_qpv": 100.0,
            "attributions_qpv_q234": [float(r[5]) for r in rows],
        }
    )


ROWS = [
    # EPCI, name, landlord, out of QPV, of which Q1, in QPV Q2–4 (of 100)
    ("200000001", "CA du Nord", "Logis A", 100, 30, 60),  # 30 % and 60 %: both met
    ("200000002", "CC des Dunes", "Logis A", 200, 60, 45),  # 30 %; 45 % ≥ 80 % of 50 %
    ("200000003", "CU de l'Est", "Habitat B", 100, 20, 30),  # 20 %: misses 25 %; 30 % < 40 %
]
NAMES = {r[0]: r[1] for r in ROWS}


@pytest.fixture
def allocations():
    base = _allocations(ROWS)
    result = indicators.compute(base, indicators.select(axis=3, tags="attributions"), PARAMS)
    named = result["code"].map(NAMES)
    return result.assign(nom=named.astype("string"), secret=False)


def test_three_epci_one_misses_the_25_pct_rule(allocations):
    # Regional share: (30 + 60 + 20) / 400 = 27.5 %, above 25 %: context only.
    verdict = obligations.judge(allocations, Q1, 2025)
    assert verdict.regional == pytest.approx(27.5)
    assert (verdict.level, verdict.units, verdict.met, verdict.masked) == ("epci", 3, 2, 0)
    assert verdict.failing == (("CU de l'Est", 20.0),)
    assert verdict.status == "non_atteint"
    assert verdict.text() == "2 sur 3 EPCI"
    card = reporting.scorecard(allocations[allocations.indicateur == Q1], 2025, PARAMS).iloc[0]
    assert card["Jugée sur"] == "2 sur 3 EPCI" and card["Statut"] == "Non atteint"
    assert card["Écart à la cible"] == "–"  # the regional value has no status nor distance
    sentence = sections.obligation_sentence(verdict, PARAMS)
    assert "2 sur 3 EPCI l'atteignent" in sentence
    assert f"CU de l'Est (20,0{NBSP}%, -5,0{NBSP}pts)" in sentence
    assert "CA du Nord" not in sentence and "sans statut propre" in sentence
    assert sections.obligation_card(verdict, PARAMS)[0] == "2 sur 3"


def test_local_objective_partial_when_no_epci_is_below_the_threshold(allocations):
    # Objective 50 %: 60 % met, 45 % partial (≥ 40 %), 30 % not met.
    verdict = obligations.judge(allocations, Q234, 2025)
    assert (verdict.met, verdict.partial, verdict.units) == (1, 1, 3)
    assert verdict.status == "non_atteint"
    kept = allocations[~((allocations.niveau == "epci") & (allocations.code == "200000003"))]
    partial = obligations.judge(kept, Q234, 2025)
    assert (partial.met, partial.partial, partial.units) == (1, 1, 2)
    assert partial.status == "partiel"
    sentence = sections.obligation_sentence(partial, PARAMS)
    assert "1 sur 2 EPCI l'atteignent, 1 en approchent (au moins 80 % de l'objectif)" in sentence
    assert f"N'atteignent pas la cible : CC des Dunes (45,0{NBSP}%, -5,0{NBSP}pts)" in sentence


def test_aggregates_of_the_epci_bound_by_the_25_pct_rule_are_context(allocations):
    # Published rows of the hand-built table: each EPCI and each landlord within it judged,
    # the department and the region (27.5 %, above 25 %) context only.
    q1 = allocations[allocations.indicateur == Q1].set_index(["niveau", "code"])["statut"]
    assert q1["epci"].to_dict() == {
        "200000001": "atteint",
        "200000002": "atteint",
        "200000003": "non_atteint",
    }
    assert q1["bailleur"].to_dict() == {"Logis A": "atteint", "Habitat B": "non_atteint"}
    assert q1[("region", "region")] == q1[("departement", "59")] == "contexte"
    # A local objective keeps a status at every level: 135 / 300 = 45 %, partly met (≥ 40 %).
    q234 = allocations[allocations.indicateur == Q234].set_index(["niveau", "code"])["statut"]
    assert q234[("region", "region")] == q234[("departement", "59")] == "partiel"
    assert obligations.context_levels(REGISTRY[Q234], ["region", "epci"]) == frozenset()


def test_judged_at_says_which_levels_carry_a_status(allocations):
    # What the synthesis' EPCI profile and partner tables count as targets of a unit.
    assert obligations.judged_at(allocations, Q1, "epci")
    assert obligations.judged_at(allocations, Q1, "bailleur")
    assert not obligations.judged_at(allocations, Q1, "region")
    assert obligations.judged_at(allocations, Q234, "region")  # a local objective
    assert not obligations.judged_at(allocations, Q1, "qpv")  # no row at that level


def test_regional_target_keeps_its_status():
    # The share of EPCI meeting the 25 % rule binds the region: its row is judged.
    ind = REGISTRY["attrib_part_epci_cible_q1_pct"]
    assert ind.binding and ind.binds == "region"
    assert obligations.context_levels(ind, ["region", "departement"]) == frozenset()
    res = indicators.compute(_allocations(ROWS), [ind], PARAMS)
    region = res[res.niveau == "region"].iloc[0]
    assert region.statut != "contexte"
    assert region.statut == indicators.status(region.valeur, region.cible, ind.direction, None)


def test_fallback_level_is_judged_and_its_aggregates_are_context():
    # Without QPV rows, the QPV-bound GUSP share is judged by EPCI (the fallback level).
    ind = REGISTRY["gusp_part_qpv_convention_pct"]
    levels = ["region", "departement", "epci"]
    assert obligations.context_levels(ind, levels) == {"region", "departement"}
    assert obligations.context_levels(ind, ["region"]) == frozenset()  # all the data allow


def test_masked_unit_counted_apart_never_guessed(allocations):
    masked = allocations.copy()
    hide = (masked.indicateur == Q1) & (masked.code == "200000003")
    masked.loc[hide, "valeur"] = pd.NA
    masked.loc[hide, "statut"] = "secret"
    masked.loc[hide, "secret"] = True
    verdict = obligations.judge(masked, Q1, 2025)
    assert (verdict.units, verdict.met, verdict.masked) == (2, 2, 1)
    assert verdict.failing == ()
    assert verdict.status == "secret"  # both judged EPCI meet it, the third is unknown
    assert verdict.text() == "2 sur 2 EPCI (+ 1 secret)"


def _tfpb(pairs):
    """Abatement and valued amounts per landlord × QPV: (landlord, QPV, abatement, valued)."""
    abat = pd.DataFrame(
        {
            "annee": 2025,
            "bailleur": [p[0] for p in pairs],
            "code_qpv": [p[1] for p in pairs],
            "logements_concernes": pd.array([100] * len(pairs), dtype="Int64"),
            "montant_abattement_eur": pd.array([p[2] for p in pairs], dtype="Float64"),
        }
    )
    actions = pd.DataFrame(
        {
            "annee": 2025,
            "bailleur": [p[0] for p in pairs],
            "code_qpv": [p[1] for p in pairs],
            "axe_tfpb": pd.array([3] * len(pairs), dtype="Int64"),
            "montant_valorise_eur": pd.array([p[3] for p in pairs], dtype="Float64"),
        }
    )
    return abat, actions


def test_landlord_below_100_pct_named_while_regional_rate_is_above():
    # Logis A values 15 000 for 10 000 abated (150 %), Habitat B 9 000 for 10 000 (90 %).
    abat, actions = _tfpb(
        [("Logis A", "QN05901M", 10_000, 15_000), ("Habitat B", "QN05902M", 10_000, 9_000)]
    )
    qpv = pd.DataFrame(
        {
            "code_qpv": ["QN05901M", "QN05902M"],
            "siren_epci": "200000001",
            "code_departement": "59",
        }
    )
    res = indicators.tfpb_indicators(abat, actions, qpv, PARAMS)
    res = res.assign(nom=res["code"].astype("string"), secret=False)
    verdict = obligations.judge(res, VALO, 2025)
    assert verdict.regional == pytest.approx(24_000 / 20_000 * 100)  # 120 %
    assert (verdict.level, verdict.units, verdict.met) == ("bailleur", 2, 1)
    assert verdict.failing == (("Habitat B", 90.0),)
    assert verdict.status == "non_atteint"
    # The published rows: each landlord judged; the QPV, EPCI, department and region rows are
    # aggregates of landlords, context with no status of their own (120 % is not « Atteint »).
    rows = res[res.indicateur == VALO].set_index(["niveau", "code"])["statut"]
    assert rows["bailleur"].to_dict() == {"Logis A": "atteint", "Habitat B": "non_atteint"}
    assert set(rows.drop("bailleur", level="niveau")) == {"contexte"}
    assert set(rows.index.get_level_values("niveau")) == {
        "region",
        "departement",
        "epci",
        "qpv",
        "bailleur",
    }


def test_legal_minimum_is_met_or_not_and_shows_its_distance():
    assert indicators.status(21.8, 25.0, "hausse", None) == "non_atteint"
    assert indicators.status(21.8, 25.0, "hausse", 80.0) == "partiel"  # a local objective
    ind = REGISTRY[Q1]
    assert ind.target_kind == "legal" and ind.binding
    assert partial_threshold(ind, PARAMS) is None
    # One EPCI: 218 of its 1 000 allocations out of QPV to the first quartile, 21.8 % < 25 %
    # (87 % of the target: « partiellement atteint » before, now « non atteint »).
    base = _allocations([("200000001", "CA du Nord", "Logis A", 1000, 218, 60)])
    res = indicators.compute(base, [ind], PARAMS)
    res = res.assign(nom=res["code"].map(NAMES).astype("string"), secret=False)
    judged = res["niveau"].isin(["epci", "bailleur"])
    assert set(res.loc[judged, "statut"]) == {"non_atteint"}
    assert set(res.loc[~judged, "statut"]) == {"contexte"}  # the department and the region
    verdict = obligations.judge(res, Q1, 2025)
    assert verdict.status == "non_atteint" and verdict.failing == (("CA du Nord", 21.8),)
    assert f"CA du Nord (21,8{NBSP}%, -3,2{NBSP}pts)" in sections.obligation_sentence(
        verdict, PARAMS
    )
    assert reporting.scorecard(res, 2025, PARAMS).iloc[0]["Statut"] == "Non atteint"
    # A target binding the region keeps its own status, with its distance beside it.
    share = "attrib_part_epci_cible_q1_pct"
    row = res.assign(indicateur=share, valeur=75.0, statut="non_atteint")
    card = reporting.scorecard(row[row.niveau == "region"], 2025, PARAMS).iloc[0]
    assert card["Statut"] == "Non atteint" and card["Jugée sur"] == "Région"
    assert card["Écart à la cible"] == f"-25,0{NBSP}pts"


def test_local_objective_below_but_within_threshold_stays_partial():
    ind = REGISTRY[Q234]
    assert ind.target_kind == "local" and not ind.binding
    threshold = partial_threshold(ind, PARAMS)
    assert threshold == PARAMS.cibles_locales.seuil_statut_partiel_pct
    target = ind.target_value(PARAMS)
    value = target * (threshold + 5) / 100
    assert indicators.status(value, target, "hausse", threshold) == "partiel"
    rule = reporting.target_rule(ind, PARAMS)
    assert "Objectif local" in rule and "partiellement atteint" in rule
    assert "partiellement" not in reporting.target_rule(REGISTRY[Q1], PARAMS)
    assert reporting.target_rule(REGISTRY[Q1], PARAMS).endswith(
        "; lignes Région, Département : contexte, sans statut propre"
    )
    assert "contexte" not in rule  # a local objective is judged at every level


def test_project_target_judged_by_project_owner_and_said_so():
    marches = pd.DataFrame(
        {
            "annee": 2025,
            "maitre_ouvrage": ["Ville de Lille", "Logis A"],
            "code_qpv": ["QN59001M", "QN59002M"],
            "siren_epci": "200000001",
            "code_departement": "59",
            "type_marche": "travaux_anru",
            "heures_totales": [10_000.0, 10_000.0],
            "heures_insertion_prevues": [600.0, 600.0],
            "heures_insertion_realisees": [600.0, 300.0],
        }
    )
    res = indicators.compute(marches, [REGISTRY[ANRU]], PARAMS)
    res = res.assign(nom=res["code"].astype("string"), secret=False)
    verdict = obligations.judge(res, ANRU, 2025)
    assert verdict.binds == "projet" and verdict.level == "maitre_ouvrage" and verdict.fallback
    assert verdict.failing == (("Logis A", 3.0),)
    sentence = sections.obligation_sentence(verdict, PARAMS)
    assert "jugée par maître d'ouvrage, faute de résultats par projet" in sentence
    assert "1 sur 2 maîtres d'ouvrage" in sentence
    rows = res.set_index(["niveau", "code"])["statut"]
    assert rows["maitre_ouvrage"].to_dict() == {
        "Ville de Lille": "atteint",
        "Logis A": "non_atteint",
    }
    assert set(rows.drop("maitre_ouvrage", level="niveau")) == {"contexte"}


def test_every_target_declares_its_kind_and_unit():
    for ind in REGISTRY.values():
        assert ind.targeted == (ind.target_kind is not None) == (ind.binds is not None), ind.code
    binding = {c for c, i in REGISTRY.items() if i.target_kind in BINDING_KINDS}
    assert {Q1, VALO, ANRU, "clauses_taux_insertion_gusp_pct"} <= binding
    assert REGISTRY["clauses_taux_insertion_gusp_pct"].binds == "marche"
    with pytest.raises(ValueError, match="kind and unit"):
        indicators.register(
            indicators.Indicator(
                code="toy_sans_nature",
                label="Jouet",
                axis=3,
                definition="Pour les tests.",
                formula="a",
                unit="%",
                sources=("test",),
                numerator="a",
                target=10.0,
            )
        )
