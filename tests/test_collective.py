"""Collective view of the synthesis against a small hand-made results table."""

import pandas as pd
import pytest

from qpv_analytics.formatting import NBSP
from qpv_analytics.params import RunParams
from qpv_analytics.report import collective, synthesis

pytestmark = pytest.mark.unit

Q1 = "attrib_part_hors_qpv_q1_pct"  # axis 3, binds each EPCI (and each landlord), 25 %
Q234 = "attrib_part_qpv_q234_pct"  # axis 3, local objective per EPCI, 50 %
VALO = "tfpb_taux_valorisation_pct"  # axis 2, binds each landlord, 100 %
RECONS = "ru_taux_reconstitution_pct"  # axis 1, binds each project (judged per owner)
REALISATION = "clauses_taux_realisation_pct"  # axis 5, binds each market (judged per owner)
TFPB = "tfpb_montant_valorise_eur"
ANRU = "ru_subvention_anru_eur"
AR = "etat_montant_adultes_relais_eur"
FONJEP = "etat_montant_fonjep_eur"
POP = "ctx_population_municipale"
PAUV_QPV = "ctx_taux_pauvrete_60_pct"
PAUV_EPCI = "ter_taux_pauvrete_60_pct"
CHOMAGE = "ter_taux_chomage_15_64_pct"
HEURES = "clauses_heures_insertion_realisees"
EVT1, EVT4 = "activite_evenements_axe1", "activite_evenements_axe4"

AXIS = {Q1: 3, Q234: 3, VALO: 2, RECONS: 1, REALISATION: 5, TFPB: 2, ANRU: 1, HEURES: 5}
AXIS |= {EVT1: 1, EVT4: 4}
TARGETS = {Q1: 25.0, Q234: 50.0, VALO: 100.0, RECONS: 100.0, REALISATION: 100.0}
E1, E2, E3 = "200000001", "200000002", "200000003"
NAMES = {E1: "CA Nord", E2: "CA Sud", E3: "CC Vide"}
EPCIS = pd.DataFrame({"code": [E1, E2, E3], "nom": ["CA Nord", "CA Sud", "CC Vide"]})


def row(code, niveau, territoire, annee, valeur, statut=None, secret=False, nom=None):
    cible = TARGETS.get(code)
    if statut is None:
        statut = "sans_cible" if cible is None else "atteint"
    if secret:
        valeur, statut = None, "secret"
    return {
        "indicateur": code,
        "libelle": code,
        "axe": AXIS.get(code, 0),
        "niveau": niveau,
        "code": territoire,
        "nom": nom or NAMES.get(territoire, territoire),
        "annee": annee,
        "valeur": valeur,
        "numerateur": None,
        "denominateur": None,
        "unite": "%" if code.endswith("_pct") else "€",
        "cible": cible,
        "statut": statut,
        "secret": secret,
        "rapport": "test",
    }


@pytest.fixture
def results():
    rows = [
        # obligations: EPCI, landlords, project owners (CA Sud's Q1 value is masked)
        row(Q1, "region", "region", 2025, 24.0, "non_atteint"),
        row(Q1, "epci", E1, 2025, 30.0, "atteint"),
        row(Q1, "epci", E2, 2025, None, secret=True),
        row(Q1, "bailleur", "Logis A", 2025, 30.0, "atteint"),
        row(Q1, "bailleur", "Habitat B", 2025, 20.0, "non_atteint"),
        row(Q234, "epci", E1, 2025, 40.0, "partiel"),
        row(Q234, "epci", E2, 2025, 60.0, "atteint"),
        row(VALO, "epci", E1, 2025, 130.0, "contexte"),
        row(VALO, "epci", E2, 2025, 60.0, "contexte"),
        row(VALO, "bailleur", "Logis A", 2025, 110.0, "atteint"),
        row(VALO, "bailleur", "Habitat B", 2025, 90.0, "non_atteint"),
        row(VALO, "bailleur", "Logis A", 2024, 80.0, "non_atteint"),
        row(RECONS, "maitre_ouvrage", "Ville X", 2025, 120.0, "atteint"),
        row(RECONS, "maitre_ouvrage", "Office Y", 2025, None, "sans_donnee"),
        row(REALISATION, "maitre_ouvrage", "Ville X", 2025, 80.0, "non_atteint"),
        row(REALISATION, "maitre_ouvrage", "Coop Z", 2025, 100.0, "atteint"),
        # effort per EPCI
        row(TFPB, "epci", E1, 2025, 100_000.0),
        row(TFPB, "epci", E1, 2024, 999_999.0),
        row(TFPB, "epci", E2, 2025, 50_000.0),
        row(ANRU, "epci", E1, 2025, 1_000_000.0),
        row(AR, "epci", E1, 2025, 20_000.0),
        row(AR, "epci", E2, 2025, 5_000.0),
        row(FONJEP, "epci", E1, 2025, 10_000.0),
        row(POP, "epci", E1, 2024, 10_000.0),
        row(POP, "epci", E2, 2024, 5_000.0),
        row(POP, "epci", E3, 2024, 2_000.0),
        row(PAUV_QPV, "epci", E1, 2024, 40.0),
        row(PAUV_QPV, "epci", E2, 2024, 50.0),
        row(PAUV_QPV, "epci", E3, 2024, 30.0),
        row(PAUV_EPCI, "epci", E1, 2021, 15.0),
        row(PAUV_EPCI, "epci", E2, 2021, 20.0),
        # renewal and TFPB per QPV (QN6's valuation rate is masked)
        *[
            row(ANRU, "qpv", f"QN{i}", 2025, v * 1e6, nom=f"Quartier {i}")
            for i, v in ((1, 10), (2, 20), (3, 30), (4, 40), (6, 50))
        ],
        *[
            row(VALO, "qpv", f"QN{i}", 2025, v, "contexte", nom=f"Quartier {i}")
            for i, v in ((1, 150), (2, 130), (3, 140), (4, 90), (5, 200))
        ],
        row(VALO, "qpv", "QN6", 2025, None, secret=True, nom="Quartier 6"),
        # insertion hours, unemployment, network events
        row(HEURES, "epci", E1, 2025, 1_000.0),
        row(HEURES, "epci", E2, 2025, 1_000.0),
        row(CHOMAGE, "epci", E1, 2018, 12.0),
        row(CHOMAGE, "epci", E2, 2018, 18.0),
        row(EVT1, "epci", E1, 2025, 2.0),
        row(EVT4, "epci", E1, 2025, 1.0),
    ]
    out = pd.DataFrame(rows)
    for col in ("valeur", "numerateur", "denominateur", "cible"):
        out[col] = out[col].astype("Float64")
    out["annee"] = out["annee"].astype("Int64")
    return out


def eur(text):
    return f"{text}{NBSP}€"


def pct(text):
    return f"{text}{NBSP}%"


def test_obligation_codes_are_the_targets_judged_at_each_partner_level(results):
    assert collective.obligation_codes(results, "epci") == [Q1, Q234]  # VALO per EPCI: context
    assert collective.obligation_codes(results, "bailleur") == [VALO, Q1]
    assert collective.obligation_codes(results, "maitre_ouvrage") == [RECONS, REALISATION]


def test_epci_matrix_counts_a_masked_value_as_without_data(results):
    matrix = collective.obligation_matrix(results, 2025, "epci", members=EPCIS)
    assert matrix.columns.tolist() == ["code", "nom", Q1, Q234]
    assert matrix[Q1].tolist() == ["atteint", "sans_donnee", "sans_donnee"]
    assert matrix[Q234].tolist() == ["partiel", "atteint", "sans_donnee"]
    assert collective.masked_cells(results, 2025, "epci", [Q1, Q234]) == 1
    assert collective.matrix_summary(matrix) == {
        "partenaires": 3,
        "juges": 2,
        "toutes": 1,  # CA Sud: its only status met; CA Nord: 1 of 2
        "aucune_donnee": 1,
    }
    table = collective.format_obligation_matrix(matrix, "epci")
    q1 = "Attributions hors QPV au 1er quartile (axe 3)"
    q234 = "Attributions en QPV aux quartiles 2–4 (axe 3)"
    assert table.columns.tolist() == ["EPCI", q1, q234, "Atteintes"]
    assert table.iloc[0].tolist() == ["CA Nord", "Atteint", "Partiellement atteint", "1 / 2"]
    assert table.iloc[1].tolist() == ["CA Sud", "Sans donnée", "Atteint", "1 / 1"]
    assert table.iloc[2].tolist() == ["CC Vide", "Sans donnée", "Sans donnée", "–"]
    assert table.iloc[3].tolist() == ["Qui l'atteignent", "1 sur 1", "1 sur 2", "1 sur 2"]
    assert not table.isin(["s", "0"]).any().any()


def test_landlord_and_owner_matrices(results):
    landlords = collective.obligation_matrix(results, 2025, "bailleur")
    assert landlords["nom"].tolist() == ["Habitat B", "Logis A"]
    assert landlords[VALO].tolist() == ["non_atteint", "atteint"]  # 2024 row not read
    assert landlords[Q1].tolist() == ["non_atteint", "atteint"]
    owners = collective.obligation_matrix(
        results, 2025, "maitre_ouvrage", absent=collective.NOT_CONCERNED
    )
    assert owners["nom"].tolist() == ["Coop Z", "Office Y", "Ville X"]
    table = collective.format_obligation_matrix(owners, "maitre_ouvrage")
    assert table.iloc[:, [0, 1, 2, 3]].values.tolist() == [
        ["Coop Z", "–", "Atteint", "1 / 1"],
        ["Office Y", "Sans donnée", "–", "–"],  # a blank value is « sans donnée », not met
        ["Ville X", "Atteint", "Non atteint", "1 / 2"],
        ["Qui l'atteignent", "1 sur 1", "1 sur 2", "1 sur 2"],
    ]


def test_responsibility_table_names_the_unit_each_target_binds(results):
    params = RunParams(annee=2025)
    card = synthesis.target_scorecard(results, 2025, synthesis.expected_targets(params))
    table = collective.responsibility_table(card, params).set_index("Indicateur")
    assert table.columns.tolist() == [
        "Axe",
        "Cible",
        "Origine",
        "Engage",
        "Atteinte par",
        "Statut",
    ]
    q1 = table.loc["Attributions hors QPV au 1er quartile"]
    assert q1["Axe"] == "3" and q1["Cible"] == f"{pct('25,0')} (minimum légal)"
    assert q1["Origine"].startswith("loi Égalité et Citoyenneté")
    assert q1["Engage"] == "chaque EPCI"
    assert q1["Atteinte par"] == "1 sur 1 EPCI (+ 1 secret)"
    assert q1["Statut"] == "Secret statistique"  # never « atteint » with a masked EPCI
    valo = table.loc["Valorisation de l'abattement TFPB"]
    assert valo["Engage"] == "chaque bailleur" and valo["Atteinte par"] == "1 sur 2 bailleurs"
    assert valo["Statut"] == "Non atteint"
    recons = table.loc["Reconstitution de l'offre démolie"]
    assert recons["Engage"] == "chaque projet (jugée par maître d'ouvrage)"
    assert recons["Atteinte par"] == "1 sur 1 maîtres d'ouvrage"
    q234 = table.loc["Attributions en QPV aux quartiles 2–4"]
    assert q234["Cible"] == f"{pct('50,0')} (objectif local)"
    assert q234["Atteinte par"] == "1 sur 2 EPCI" and q234["Statut"] == "Partiellement atteint"
    regional = table.loc["Part des EPCI atteignant 25 % d'attributions hors QPV au 1er quartile"]
    assert regional["Engage"] == "la région"
    assert regional["Atteinte par"] == "–" and regional["Statut"] == "Sans donnée"


def test_epci_effort_per_qpv_inhabitant(results):
    years = collective.effort_years(results, 2025)
    assert years == {
        "tfpb": 2025,
        "anru": 2025,
        "population": 2024,
        "pauvrete_qpv": 2024,
        "pauvrete_epci": 2021,
        "etat": 2025,
    }
    effort = collective.epci_effort(results, 2025, EPCIS)
    assert effort["nom"].tolist() == ["CA Nord", "CA Sud", "CC Vide"]
    nord, sud, vide = (effort.iloc[i] for i in range(3))
    # CA Nord: 100 000 / 10 000 = 10 ; 1 000 000 / 10 000 = 100 ; (20 000 + 10 000) / 10 000 = 3
    assert (nord["tfpb_hab"], nord["anru_hab"], nord["etat_hab"]) == (10.0, 100.0, 3.0)
    assert nord["total_hab"] == 113.0 and bool(nord["complet"])
    # CA Sud: 50 000 / 5 000 = 10 ; no ANRU row ; 5 000 / 5 000 = 1 (no FONJEP row)
    assert sud["tfpb_hab"] == 10.0 and pd.isna(sud["anru_hab"]) and sud["etat_hab"] == 1.0
    assert sud["total_hab"] == 11.0 and not bool(sud["complet"])
    assert pd.isna(vide["total_hab"]) and pd.isna(vide["tfpb_hab"])  # never 0
    table = collective.format_epci_effort(effort, years)
    assert table.columns.tolist() == [
        "EPCI",
        "TFPB valorisée 2025",
        "Subv. ANRU 2025",
        "Postes État 2025",
        "Total",
        "Pauvreté QPV 2024",
        "Pauvreté EPCI 2021",
    ]
    assert table.iloc[0].tolist() == [
        "CA Nord", eur("10"), eur("100"), eur("3"), eur("113"), pct("40,0"), pct("15,0")
    ]  # fmt: skip
    assert table.iloc[1].tolist() == [
        "CA Sud", eur("10"), "–", eur("1"), eur("11") + " *", pct("50,0"), pct("20,0")
    ]  # fmt: skip
    assert table.iloc[2].tolist() == ["CC Vide", "–", "–", "–", "–", pct("30,0"), "–"]


def test_renewal_top_quartile_with_low_tfpb_valuation(results):
    found = collective.renewal_low_tfpb(results, 2025)
    # ANRU 10, 20, 30, 40, 50 M€: third quartile 40 M€; rates 90, 130, 140, 150, 200 (QN6
    # masked, left out): first quartile 130 %. QN4 (40 M€, 90 %) meets both; QN6 has no rate.
    assert found.attrs["seuils"] == (40e6, 130.0)
    assert found["code"].tolist() == ["QN4"]
    assert found["nom"].tolist() == ["Quartier 4"]
    assert found[["anru_eur", "valorisation_pct"]].values.tolist() == [[40e6, 90.0]]


def test_spearman_is_the_correlation_of_ranks():
    x = pd.Series([1.0, 2.0, 3.0, 4.0, None])
    y = pd.Series([10.0, 30.0, 20.0, 40.0, 50.0])
    rho, n = collective.spearman(x, y)
    # ranks 1 2 3 4 and 1 3 2 4: deviations ±1.5, ±0.5 → covariance 4, variances 5 → 0.8
    assert n == 4 and rho == pytest.approx(0.8)
    assert collective.spearman(pd.Series([1.0]), pd.Series([2.0])) == (None, 1)
    assert collective.strength(0.05) == "quasi nulle" and collective.strength(-0.45) == "modérée"


def test_insertion_hours_per_inhabitant_beside_unemployment(results):
    table = collective.insertion_and_unemployment(results, 2025, EPCIS)
    # 1 000 h / 5 000 inhabitants = 0.2 (CA Sud); 1 000 / 10 000 = 0.1 (CA Nord); CC Vide: none
    assert table["nom"].tolist() == ["CA Sud", "CA Nord"]
    assert table["heures_hab"].tolist() == [0.2, 0.1]
    assert table["chomage_epci"].tolist() == [18.0, 12.0]
    assert table["pauvrete_qpv"].tolist() == [50.0, 40.0]


def test_network_and_targets_by_group(results):
    frame = collective.network_and_targets(results, 2025, [Q1, Q234], EPCIS)
    assert frame["evenements"].tolist() == [3, 0, 0]
    assert frame["jugees"].tolist() == [2, 1, 0]  # CA Sud's masked Q1 is not judged
    assert frame["atteintes"].tolist() == [1, 1, 0]
    groups = collective.network_groups(frame)
    assert groups.values.tolist() == [
        ["Associés au réseau", "1", "2", "1", pct("50,0"), "0"],
        ["Sans événement", "2", "1", "1", pct("100,0"), "1"],
    ]
