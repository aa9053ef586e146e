"""Indicators of axes 1, 3, 4, 5, 6 and of the partnership activity, against hand computations.

Every expected value is computed by hand in the test from the small tables written here.
Edge cases: zero denominator, missing year, territory outside the QPV reference, blank
(secret) source values, and regional rates as ratios of sums (never means of rates).
"""

import math

import pandas as pd
import pytest

from qpv_analytics import disclosure, indicators
from qpv_analytics.indicators import activite, axe1, axe3, axe4, axe5, axe6, core
from qpv_analytics.params import LocalTargets, RunParams

pytestmark = pytest.mark.unit

PARAMS = RunParams(annee=2025)
EPCI_1, EPCI_2, EPCI_OUT = "200000001", "200000002", "200099999"
QPV = pd.DataFrame(
    {
        "code_qpv": ["QN05901M", "QN05902M", "QN06201M"],
        "siren_epci": [EPCI_1, EPCI_1, EPCI_2],
        "code_departement": ["59", "59", "62"],
    }
)
NA = pd.NA


def _get(res, code, level="region", territory="region", year=2025):
    row = res[
        (res.indicateur == code)
        & (res.niveau == level)
        & (res.code == territory)
        & (res.annee == year)
    ]
    assert len(row) == 1, (code, level, territory, year, len(row))
    return row.iloc[0]


def _absent(res, code, level="region", territory="region", year=2025):
    row = res[
        (res.indicateur == code)
        & (res.niveau == level)
        & (res.code == territory)
        & (res.annee == year)
    ]
    return row.empty


def _close(value, expected):
    return math.isclose(float(value), expected, rel_tol=1e-9)


# ------------------------------------------------------------------------------------------------
# Axis 1 — operations
# ------------------------------------------------------------------------------------------------

OPS_COLUMNS = [
    "id_operation",
    "annee",
    "code_qpv",
    "maitre_ouvrage",
    "nature",
    "logements_programmes",
    "logements_engages",
    "logements_livres",
    "logements_reconstitues_hors_qpv",
    "cout_total_eur",
    "subvention_anru_eur",
]
OPS = pd.DataFrame(
    [
        ("op1", 2025, "QN05901M", "Bailleur A", "demolition", 100, 80, 50, NA, 1_000_000, 400_000),
        ("op2", 2025, "QN05901M", "Bailleur A", "reconstitution", 60, 30, 10, 40, 6e6, 1e6),
        ("op3", 2025, "QN06201M", "Ville de X", "reconstitution", 50, 50, 20, NA, 5e6, 500_000),
        ("op4", 2025, "QN06201M", "Ville de X", "rehabilitation", 200, 100, 0, NA, 2e6, 100_000),
        # A QPV outside the reference: counted in the region only.
        ("op5", 2025, "QN08001M", "Bailleur A", "demolition", 20, 20, 20, NA, 100_000, 50_000),
        ("op1", 2024, "QN05901M", "Bailleur A", "demolition", 100, 40, 10, NA, 1_000_000, 400_000),
    ],
    columns=OPS_COLUMNS,
).astype(
    {
        "logements_programmes": "Int64",
        "logements_engages": "Int64",
        "logements_livres": "Int64",
        "logements_reconstitues_hors_qpv": "Int64",
        "cout_total_eur": "Float64",
        "subvention_anru_eur": "Float64",
    }
)


def test_operation_rates_are_ratios_of_sums():
    res = axe1.operation_indicators(OPS, QPV, PARAMS)
    eng = _get(res, "ru_taux_engagement_pct")
    assert eng.numerateur == 80 + 30 + 50 + 100 + 20 and eng.denominateur == 430
    assert _close(eng.valeur, 280 / 430 * 100)
    liv = _get(res, "ru_taux_livraison_pct")
    assert _close(liv.valeur, (50 + 10 + 20 + 0 + 20) / 430 * 100)
    sub = _get(res, "ru_part_subvention_anru_pct")
    assert _close(sub.valeur, 2_050_000 / 14_100_000 * 100)
    assert _get(res, "ru_subvention_anru_eur").valeur == 2_050_000
    # Previous year: its own snapshot.
    assert _close(_get(res, "ru_taux_engagement_pct", year=2024).valeur, 40.0)
    # Missing year: no row at all (« sans donnée »), never a zero.
    assert _absent(res, "ru_taux_engagement_pct", year=2023)


def test_reconstitution_ratio_target_and_zero_denominator():
    res = axe1.operation_indicators(OPS, QPV, PARAMS)
    rec = _get(res, "ru_taux_reconstitution_pct")
    # Rebuilt programmed (60 + 50) over demolished programmed (100 + 20).
    assert rec.numerateur == 110 and rec.denominateur == 120
    assert _close(rec.valeur, 110 / 120 * 100)
    # The legal « un pour un » binds each project: judged by project owner (50 %, not met),
    # the regional ratio is context.
    assert rec.cible == 100 and rec.statut == "contexte"
    owner = _get(res, "ru_taux_reconstitution_pct", "maitre_ouvrage", "Bailleur A")
    assert _close(owner.valeur, 50.0) and owner.statut == "non_atteint"
    assert _close(_get(res, "ru_taux_reconstitution_livree_pct").valeur, 30 / 70 * 100)
    # Department 62 rebuilds without demolishing: zero denominator, blank value.
    dep62 = _get(res, "ru_taux_reconstitution_pct", "departement", "62")
    assert dep62.denominateur == 0 and pd.isna(dep62.valeur) and dep62.statut == "sans_donnee"
    assert _close(_get(res, "ru_taux_reconstitution_pct", "departement", "59").valeur, 60.0)


def test_share_rebuilt_outside_qpv_skips_blank_locations():
    res = axe1.operation_indicators(OPS, QPV, PARAMS)
    hors = _get(res, "ru_part_reconstitution_hors_qpv_pct")
    # op3 leaves the location blank: out of numerator AND denominator (not 40 / 110).
    assert hors.numerateur == 40 and hors.denominateur == 60
    assert _absent(res, "ru_part_reconstitution_hors_qpv_pct", "departement", "62")


def test_operations_levels_territory_outside_reference_and_owner():
    res = axe1.operation_indicators(OPS, QPV, PARAMS)
    deps = set(res.loc[(res.niveau == "departement") & (res.annee == 2025), "code"])
    assert deps == {"59", "62"}
    # The QPV outside the reference still counts in the region (denominator 430 above) and
    # at the QPV level, but in no department or EPCI.
    assert _get(res, "ru_taux_engagement_pct", "qpv", "QN08001M").denominateur == 20
    ville = _get(res, "ru_taux_engagement_pct", "maitre_ouvrage", "Ville de X")
    assert _close(ville.valeur, 150 / 250 * 100)


def test_operations_by_nature():
    nat = axe1.operations_by_nature(OPS)
    dem = nat[(nat.annee == 2025) & (nat.nature == "demolition")].iloc[0]
    assert dem.operations == 2 and dem.logements_programmes == 120
    assert _close(dem.taux_livraison_pct, 70 / 120 * 100)


# ------------------------------------------------------------------------------------------------
# Axis 1 — rehousing (personal data)
# ------------------------------------------------------------------------------------------------

REL = pd.DataFrame(
    [
        ("M-1", 2025, "QN05901M", "A", "neuf_moins_5_ans", True, 20.0, 3, 1),
        ("M-2", 2025, "QN05901M", "A", "parc_existant", False, NA, 2, 2),
        ("M-3", 2025, "QN06201M", "B", NA, True, -10.0, 1, 1),
        ("M-4", 2025, "QN06201M", "B", "neuf_moins_5_ans", NA, 30.0, 4, 3),
    ],
    columns=[
        "id_menage",
        "annee",
        "code_qpv",
        "bailleur",
        "type_destination",
        "hors_qpv",
        "evolution_reste_a_charge_eur_mois",
        "taille_menage",
        "quartile_revenus",
    ],
).astype(
    {
        "type_destination": "string",
        "hors_qpv": "boolean",
        "evolution_reste_a_charge_eur_mois": "Float64",
    }
)


def test_rehousing_indicators_exclude_unknown_values():
    res = axe1.rehousing_indicators(REL, QPV, PARAMS)
    assert _get(res, "ru_menages_reloges").valeur == 4
    neuf = _get(res, "ru_part_relogement_neuf_pct")
    assert neuf.numerateur == 2 and neuf.denominateur == 3  # M-3: destination unknown
    hors = _get(res, "ru_part_relogement_hors_qpv_pct")
    assert hors.numerateur == 2 and hors.denominateur == 3  # M-4: location unknown
    rac = _get(res, "ru_evolution_reste_a_charge_eur_mois")
    # Blank change excluded, never a zero: (20 - 10 + 30) / 3, not 40 / 4.
    assert rac.denominateur == 3 and _close(rac.valeur, 40 / 3)
    assert _close(_get(res, "ru_evolution_reste_a_charge_eur_mois", "bailleur", "B").valeur, 10.0)
    assert _close(_get(res, "ru_part_relogement_neuf_pct", "bailleur", "B").valeur, 100.0)


def test_rehousing_base_drops_identifiers():
    assert "id_menage" not in axe1.rehousing_base(REL, QPV).columns
    table = axe1.rehousing_table(REL, QPV, 2025)
    assert table.loc[core.TOTAL_LABEL, core.TOTAL_LABEL] == 4
    assert table.loc["59", "Neuf ou moins de 5 ans"] == 1


# ------------------------------------------------------------------------------------------------
# Axis 3 — allocations
# ------------------------------------------------------------------------------------------------

ATT = pd.DataFrame(
    [
        (2025, EPCI_1, "A", 100, 30, 50, 20),
        (2025, EPCI_1, "B", 100, 10, 50, 30),
        (2025, EPCI_2, "A", 20, 10, 0, 0),
        (2025, EPCI_OUT, "B", 0, 0, 10, 8),
    ],
    columns=[
        "annee",
        "siren_epci",
        "bailleur",
        "attributions_hors_qpv",
        "attributions_hors_qpv_q1",
        "attributions_qpv",
        "attributions_qpv_q234",
    ],
).astype(
    {
        c: "Int64"
        for c in (
            "attributions_hors_qpv",
            "attributions_hors_qpv_q1",
            "attributions_qpv",
            "attributions_qpv_q234",
        )
    }
)


def test_allocation_shares_regional_ratio_of_sums_not_mean_of_rates():
    res = axe3.allocation_indicators(ATT, QPV, PARAMS)
    q1 = _get(res, "attrib_part_hors_qpv_q1_pct")
    assert q1.numerateur == 50 and q1.denominateur == 220
    assert _close(q1.valeur, 50 / 220 * 100)
    # Mean of the EPCI rates would be (20 % + 50 %) / 2 = 35 %: not what is published.
    epci_rates = [_get(res, q1.indicateur, "epci", e).valeur for e in (EPCI_1, EPCI_2)]
    assert _close(epci_rates[0], 20.0) and _close(epci_rates[1], 50.0)
    assert not _close(q1.valeur, sum(epci_rates) / 2)
    # Legal minimum judged by EPCI (20 % not met, 50 % met); the 22.7 % of the region is context.
    assert q1.cible == 25 and q1.statut == "contexte"
    assert [_get(res, q1.indicateur, "epci", e).statut for e in (EPCI_1, EPCI_2)] == [
        "non_atteint",
        "atteint",
    ]
    q234 = _get(res, "attrib_part_qpv_q234_pct")
    assert _close(q234.valeur, 58 / 110 * 100) and q234.cible == 50
    assert _get(res, "attrib_attributions_hors_qpv").valeur == 220
    bail = _get(res, "attrib_part_hors_qpv_q1_pct", "bailleur", "A")
    assert _close(bail.valeur, 40 / 120 * 100) and bail.statut == "atteint"  # each landlord too


def test_allocation_zero_denominator_and_epci_outside_reference():
    res = axe3.allocation_indicators(ATT, QPV, PARAMS)
    # EPCI 2 has no allocation in QPV: blank share, not 0 %.
    assert pd.isna(_get(res, "attrib_part_qpv_q234_pct", "epci", EPCI_2).valeur)
    # EPCI outside the QPV reference: in the region, in no department.
    assert _close(_get(res, "attrib_part_qpv_q234_pct", "epci", EPCI_OUT).valeur, 80.0)
    assert set(res.loc[res.niveau == "departement", "code"]) == {"59", "62"}


def test_share_of_epci_meeting_each_rule():
    res = axe3.allocation_indicators(ATT, QPV, PARAMS)
    # Rule 1: EPCI 1 (20 %) fails, EPCI 2 (50 %) meets; EPCI_OUT has no value and is left out.
    r1 = _get(res, "attrib_part_epci_cible_q1_pct")
    assert r1.numerateur == 1 and r1.denominateur == 2 and _close(r1.valeur, 50.0)
    assert _close(_get(res, r1.indicateur, "departement", "59").valeur, 0.0)
    # Rule 2 (default 50 %): EPCI 1 (50 %) and EPCI_OUT (80 %) meet; EPCI 2 has no value.
    r2 = _get(res, "attrib_part_epci_cible_q234_pct")
    assert r2.numerateur == 2 and r2.denominateur == 2


def test_local_target_comes_from_parameters():
    params = RunParams(annee=2025, cibles_locales=LocalTargets(part_attributions_qpv_q234_pct=60))
    res = axe3.allocation_indicators(ATT, QPV, params)
    q234 = _get(res, "attrib_part_qpv_q234_pct")
    assert q234.cible == 60 and q234.statut == "partiel"  # 52.7 % >= 80 % of 60 %
    r2 = _get(res, "attrib_part_epci_cible_q234_pct")
    assert r2.numerateur == 1 and r2.denominateur == 2  # EPCI 1 (50 %) now fails


# ------------------------------------------------------------------------------------------------
# Axis 4 and partnership activity — events
# ------------------------------------------------------------------------------------------------


def _event(ident, annee, axe, kind, territoire, heures, parts, orgs):
    row = {
        "id_evenement": ident,
        "annee": annee,
        "axe": axe,
        "type_evenement": kind,
        "territoire": territoire,
        "duree_heures": heures,
        "organisations_distinctes": orgs,
    }
    row.update({f"participants_{t}": v for t, v in parts.items()})
    return row


_ZERO = {"bailleurs": 0, "collectivites": 0, "etat": 0, "associations": 0, "autres": 0}
EVENTS = pd.DataFrame(
    [
        _event(
            "e1",
            2025,
            4,
            "formation",
            EPCI_1,
            7.0,
            {**_ZERO, "bailleurs": 6, "collectivites": 4},
            3,
        ),
        _event("e2", 2025, 4, "co-formation", "62", NA, {"bailleurs": 2, "collectivites": 3}, 2),
        _event("e3", 2025, 4, "reseau", EPCI_2, 2.0, {**_ZERO, "etat": 10}, 4),
        _event("e4", 2024, 2, "reseau", "region", 2.0, {**_ZERO, "bailleurs": 8}, 5),
        _event("e5", 2025, 4, "formation", "region", 3.5, {**_ZERO, "bailleurs": 1}, 1),
    ]
)
EVENTS["habitants"] = NA
EVENTS = EVENTS.rename(columns={"habitants": "participants_habitants"})
for _col in activite.PARTICIPANT_COLUMNS:
    EVENTS[_col] = EVENTS[_col].astype("Int64")
EVENTS["duree_heures"] = EVENTS["duree_heures"].astype("Float64")
EVENTS["territoire"] = EVENTS["territoire"].astype("string")


def test_training_counts_hours_people_and_blank_duration():
    res = axe4.training_indicators(EVENTS, QPV, PARAMS)
    assert _get(res, "laicite_sessions").valeur == 3  # e3 is a network meeting
    # e2 has no duration: excluded from the hours, never counted as zero hours.
    assert _get(res, "laicite_heures").valeur == 10.5
    # e2 has blank participant columns: its filled ones still count (2 + 3).
    assert _get(res, "laicite_personnes_formees").valeur == 10 + 5 + 1
    assert _get(res, "laicite_sessions", "departement", "59").valeur == 1  # through EPCI 1
    assert _get(res, "laicite_sessions", "departement", "62").valeur == 1  # department event
    assert _get(res, "laicite_personnes_formees", "epci", EPCI_1).valeur == 10


def test_training_year_without_session_is_zero_missing_year_absent():
    res = axe4.training_indicators(EVENTS, QPV, PARAMS)
    # 2024 is in the events table (an axis-2 meeting) without any axis-4 session: zero.
    assert _get(res, "laicite_sessions", year=2024).valeur == 0
    assert _get(res, "laicite_sessions", "departement", "59", year=2024).valeur == 0
    # 2023 is not in the table at all: no data.
    assert _absent(res, "laicite_sessions", year=2023)


def test_training_coverage_of_region_epci():
    res = axe4.training_indicators(EVENTS, QPV, PARAMS)
    cov = _get(res, "laicite_couverture_epci_pct")
    # Region's EPCI: 1 and 2; only EPCI 1 hosted a session (e3 in EPCI 2 is not training).
    assert cov.numerateur == 1 and cov.denominateur == 2 and _close(cov.valeur, 50.0)
    assert _get(res, "laicite_couverture_epci_pct", year=2024).valeur == 0


def test_trained_by_type_blank_type_stays_blank():
    long = axe4.trained_by_type(EVENTS)
    year = long[long.annee == 2025].set_index("type_organisation")["participations"]
    assert year["bailleurs"] == 6 + 2 + 1 and year["collectivites"] == 4 + 3
    assert pd.isna(year["habitants"])  # never filled: blank, not zero
    table = axe4.trained_by_type_table(EVENTS, [2024, 2025])
    assert table.loc[core.TOTAL_LABEL, "2025"] == 16


def test_activity_indicators_per_axis():
    res = activite.activity_indicators(EVENTS, QPV, PARAMS, axes=[2, 4])
    assert _get(res, "activite_evenements_axe4").valeur == 4
    assert _get(res, "activite_coformations_axe4").valeur == 1
    assert _get(res, "activite_participations_axe4").valeur == 10 + 5 + 10 + 1
    assert _get(res, "activite_organisations_axe4").valeur == 3 + 2 + 4 + 1
    # Axis 2 has no event in 2025 although the table covers 2025: zero.
    assert _get(res, "activite_evenements_axe2").valeur == 0
    assert _get(res, "activite_evenements_axe2", year=2024).valeur == 1
    share = _get(res, "activite_part_epci_axe4")
    assert share.numerateur == 2 and share.denominateur == 2
    assert indicators.REGISTRY["activite_participations_axe4"].people


def test_event_geography_reads_territory():
    terr = pd.Series([EPCI_2, "2", "region", NA], dtype="string")
    geo = activite.event_geography(pd.DataFrame({"territoire": terr}), QPV)
    # An EPCI gets its department; a department code lost its leading zero; region: none.
    assert geo["siren_epci"].iloc[0] == EPCI_2 and geo["code_departement"].iloc[0] == "62"
    assert pd.isna(geo["siren_epci"].iloc[1]) and geo["code_departement"].iloc[1] == "02"
    assert geo["code_departement"].iloc[2:].isna().all() and geo["siren_epci"].iloc[2:].isna().all()


# ------------------------------------------------------------------------------------------------
# Axis 5 — insertion clauses
# ------------------------------------------------------------------------------------------------

MARKETS = pd.DataFrame(
    [
        ("m1", 2025, "MO A", "travaux_anru", "QN05901M", EPCI_1, 10_000.0, 600.0, 500.0),
        ("m2", 2025, "MO B", "travaux_anru", "QN06201M", EPCI_2, 1_000.0, 50.0, 100.0),
        ("m3", 2025, "MO A", "gusp", NA, EPCI_1, 2_000.0, 200.0, 150.0),
        ("m4", 2025, "MO C", "autre", NA, EPCI_1, 0.0, 0.0, 0.0),
    ],
    columns=[
        "id_marche",
        "annee",
        "maitre_ouvrage",
        "type_marche",
        "code_qpv",
        "siren_epci",
        "heures_totales",
        "heures_insertion_prevues",
        "heures_insertion_realisees",
    ],
).astype(
    {
        "heures_totales": "Float64",
        "heures_insertion_prevues": "Float64",
        "heures_insertion_realisees": "Float64",
    }
)


def test_insertion_rates_per_market_type():
    res = axe5.market_indicators(MARKETS, QPV, PARAMS)
    anru = _get(res, "clauses_taux_insertion_travaux_anru_pct")
    # (500 + 100) / (10 000 + 1 000) = 5.45 %, not the mean of 5 % and 10 %.
    assert anru.numerateur == 600 and anru.denominateur == 11_000
    # The charter binds each market: judged by project owner, the regional rates are context.
    assert _close(anru.valeur, 600 / 11_000 * 100) and anru.cible == 5
    assert anru.statut == "contexte"
    owner = "maitre_ouvrage", "MO A"
    assert _get(res, "clauses_taux_insertion_travaux_anru_pct", *owner).statut == "atteint"
    gusp = _get(res, "clauses_taux_insertion_gusp_pct")
    assert _close(gusp.valeur, 7.5) and gusp.cible == 10 and gusp.statut == "contexte"
    assert _get(res, "clauses_taux_insertion_gusp_pct", *owner).statut == "non_atteint"
    # Other markets: zero hours worked, blank rate.
    assert pd.isna(_get(res, "clauses_taux_insertion_autre_pct").valeur)
    real = _get(res, "clauses_taux_realisation_pct")
    assert _close(real.valeur, 750 / 850 * 100) and real.cible == 100
    assert _get(res, "clauses_heures_insertion_realisees").valeur == 750
    dep = _get(res, "clauses_taux_insertion_travaux_anru_pct", "departement", "62")
    assert _close(dep.valeur, 10.0)
    mo = _get(res, "clauses_taux_realisation_pct", "maitre_ouvrage", "MO A")
    assert _close(mo.valeur, 650 / 800 * 100)


BENEF = pd.DataFrame(
    [
        (
            "P-1",
            "m1",
            2025,
            True,
            "QN05901M",
            "F",
            "moins_26",
            "infra_cap",
            "rsa",
            300.0,
            "emploi_durable",
        ),
        (
            "P-1",
            "m3",
            2025,
            True,
            "QN05901M",
            "F",
            "moins_26",
            "infra_cap",
            "rsa",
            100.0,
            "sans_emploi",
        ),
        ("P-2", "m2", 2025, False, NA, "H", "50_plus", "bac", "autre", 200.0, "inconnue"),
        ("P-3", "m1", 2025, NA, NA, "H", "26_49", "cap_bep", "autre", 50.0, "sans_emploi"),
    ],
    columns=[
        "id_personne",
        "id_marche",
        "annee",
        "resident_qpv",
        "code_qpv",
        "sexe",
        "tranche_age",
        "niveau_qualification",
        "statut_entree",
        "heures_realisees",
        "situation_6_mois",
    ],
).astype({"resident_qpv": "boolean", "heures_realisees": "Float64"})


def test_beneficiaries_counted_once_with_known_values_only():
    res = axe5.beneficiary_indicators(BENEF, MARKETS, QPV, PARAMS)
    assert _get(res, "clauses_beneficiaires").valeur == 3  # P-1 has two contracts
    res_qpv = _get(res, "clauses_part_residents_qpv_pct")
    assert res_qpv.numerateur == 1 and res_qpv.denominateur == 2  # P-3 unknown
    assert _close(_get(res, "clauses_part_femmes_pct").valeur, 100 / 3)
    assert _close(_get(res, "clauses_part_moins_26_pct").valeur, 100 / 3)
    assert _close(_get(res, "clauses_part_50_plus_pct").valeur, 100 / 3)
    assert _close(_get(res, "clauses_part_infra_cap_pct").valeur, 100 / 3)
    sorties = _get(res, "clauses_part_sorties_dynamiques_pct")
    # P-1: one dynamic exit; P-3: none; P-2 unknown and excluded.
    assert sorties.numerateur == 1 and sorties.denominateur == 2
    # P-1 belongs to the market where they worked most (m1, EPCI 1) — counted once.
    assert _get(res, "clauses_beneficiaires", "epci", EPCI_1).valeur == 2
    assert _get(res, "clauses_beneficiaires", "epci", EPCI_2).valeur == 1


def test_beneficiary_base_has_no_identifier():
    base = axe5.beneficiary_base(BENEF, MARKETS, QPV)
    assert "id_personne" not in base.columns and len(base) == 3


def test_hours_by_market_type():
    hours = axe5.hours_by_market_type(MARKETS).set_index("type_marche")
    assert hours.loc["travaux_anru", "marches"] == 2
    assert _close(hours.loc["travaux_anru", "taux_insertion_pct"], 600 / 11_000 * 100)
    assert math.isnan(hours.loc["autre", "taux_insertion_pct"])
    assert list(hours.index) == ["travaux_anru", "gusp", "autre"]


# ------------------------------------------------------------------------------------------------
# Axis 6 — digital inclusion
# ------------------------------------------------------------------------------------------------

NUM = pd.DataFrame(
    {
        "annee": [2025, 2025, 2025],
        "code_qpv": ["QN05901M", "QN05902M", "QN06201M"],
        "lieux_mediation": pd.array([2, 1, 3], dtype="Int64"),
        "conseillers_numeriques": pd.array([1, 0, 2], dtype="Int64"),
        "couverture_fibre_pct": pd.array([80.0, NA, 50.0], dtype="Float64"),
    }
)
CONTEXTE = pd.DataFrame(
    {
        "code_qpv": ["QN05901M", "QN05902M", "QN05902M", "QN06201M", "QN06201M"],
        "annee": [2024, 2024, 2025, 2020, 2026],
        "population_municipale": pd.array([10_000, 5_000, NA, 20_000, 25_000], dtype="Int64"),
    }
)


def test_population_vintage_and_secret_cells():
    pop = axe6.qpv_population(CONTEXTE, [2025]).set_index("code_qpv")
    assert pop.loc["QN05901M", "population"] == 10_000
    # 2025 vintage blank (secret): the 2024 value is used, never a zero.
    assert pop.loc["QN05902M", "population"] == 5_000
    # Most recent vintage up to the year (2020), not the later one (2026).
    assert pop.loc["QN06201M", "population"] == 20_000 and pop.loc["QN06201M", "millesime"] == 2020
    assert axe6.qpv_population(None, [2025]).empty


def test_digital_rates_per_10000_and_weighted_fibre():
    pop = axe6.qpv_population(CONTEXTE, [2025])
    res = axe6.digital_indicators(NUM, QPV, pop, PARAMS)
    lieux = _get(res, "num_lieux_mediation_10000_hab")
    assert lieux.numerateur == 6 and lieux.denominateur == 35_000
    assert _close(lieux.valeur, 6 / 35_000 * 10_000)
    assert _close(_get(res, "num_conseillers_10000_hab").valeur, 3 / 35_000 * 10_000)
    fibre = _get(res, "num_couverture_fibre_pct")
    # Blank coverage of QN05902M stays out: (80 × 10 000 + 50 × 20 000) / 30 000 = 60 %.
    assert fibre.denominateur == 30_000 and _close(fibre.valeur, 60.0)
    assert _close(_get(res, "num_couverture_fibre_pct", "qpv", "QN06201M").valeur, 50.0)
    assert _absent(res, "num_couverture_fibre_pct", "qpv", "QN05902M")


def test_digital_without_population_and_blank_population():
    res = axe6.digital_indicators(NUM, QPV, None, PARAMS)
    assert res[res.indicateur == "num_lieux_mediation_10000_hab"].empty
    assert _close(_get(res, "num_couverture_fibre_pct").valeur, 65.0)  # simple mean
    pop = pd.DataFrame(
        {
            "annee": [2025, 2025, 2025],
            "code_qpv": ["QN05901M", "QN05902M", "QN06201M"],
            "population": pd.array([10_000, 5_000, NA], dtype="Float64"),
        }
    )
    res = axe6.digital_indicators(NUM, QPV, pop, PARAMS)
    lieux = _get(res, "num_lieux_mediation_10000_hab")
    assert lieux.denominateur == 15_000 and _close(lieux.valeur, 3 / 15_000 * 10_000)


def test_landlords_innovation_and_public_advisers():
    landlords = pd.DataFrame(
        {
            "annee": [2025, 2025, 2025],
            "bailleur": ["A", "B", "C"],
            "part_demandes_en_ligne_pct": pd.array([40.0, 60.0, NA], dtype="Float64"),
            "extranet_locataire": pd.array([True, NA, False], dtype="boolean"),
        }
    )
    res = axe6.landlord_indicators(landlords, PARAMS)
    assert _close(_get(res, "num_part_demandes_en_ligne_pct").valeur, 50.0)
    ext = _get(res, "num_part_bailleurs_extranet_pct")
    assert ext.numerateur == 1 and ext.denominateur == 2
    projects = pd.DataFrame(
        {
            "id_projet": ["p1", "p2", "p3"],
            "annee": [2025, 2025, 2025],
            "axe": [1, 6, 6],
            "statut": ["en_cours", "idee", "en_cours"],
            "budget_eur": pd.array([100.0, NA, 50.0], dtype="Float64"),
        }
    )
    res = axe6.innovation_indicators(projects, PARAMS)
    assert _get(res, "num_projets_innovation").valeur == 3
    assert _get(res, "num_budget_innovation_eur").valeur == 150
    summary = axe6.innovation_summary(projects, 2025).set_index(["axe", "statut"])
    assert math.isnan(summary.loc[(6, "idee"), "budget_eur"])
    advisers = pd.DataFrame(
        {"insee_dep": ["59", "59", "62"], "nb_cnfs": [2, 3, 1], "en_qpv": [True, False, True]}
    )
    res = axe6.adviser_indicators(advisers, PARAMS)
    assert _get(res, "num_cnfs_conseillers", year=2022).valeur == 6
    share = _get(res, "num_cnfs_part_structures_qpv_pct", year=2022)
    assert share.numerateur == 3 and _close(share.valeur, 50.0)
    assert _close(
        _get(res, "num_cnfs_part_structures_qpv_pct", "departement", "59", 2022).valeur, 40.0
    )


# ------------------------------------------------------------------------------------------------
# Disclosure control of the tidy tables
# ------------------------------------------------------------------------------------------------


def _households(n, qpv, neuf):
    return [
        (
            f"M-{qpv}-{i}",
            2025,
            qpv,
            "A",
            "neuf_moins_5_ans" if i < neuf else "parc_existant",
            False,
            10.0,
            2,
            1,
        )
        for i in range(n)
    ]


def test_protect_people_primary_and_secondary_masking():
    rows = _households(30, "QN05901M", 15) + _households(3, "QN06201M", 1)
    rel = pd.DataFrame(rows, columns=REL.columns).astype(REL.dtypes.to_dict())
    res = axe1.rehousing_indicators(rel, QPV, PARAMS)
    public = disclosure.protect_people(res, PARAMS, QPV)
    count = "ru_menages_reloges"
    # Region: 33 households, shown.
    assert _get(public, count).valeur == 33 and not _get(public, count).secret
    # Department 62: 3 households (primary); department 59 masked too, or 33 - 30 = 3.
    for dep in ("62", "59"):
        row = _get(public, count, "departement", dep)
        assert row.secret and pd.isna(row.valeur) and pd.isna(row.numerateur)
    # The same protection holds EPCI by EPCI and QPV by QPV.
    assert _get(public, count, "epci", EPCI_1).secret and _get(public, count, "epci", EPCI_2).secret
    # Rates: base 3 < 20 (primary), and its sibling (secondary); status hidden as well.
    share = _get(public, "ru_part_relogement_neuf_pct", "departement", "62")
    assert share.secret and share.statut == "secret"
    assert _get(public, "ru_part_relogement_neuf_pct", "departement", "59").secret
    assert not _get(public, "ru_part_relogement_neuf_pct").secret
    # Indicators that do not count people are untouched.
    ops = disclosure.protect_people(axe1.operation_indicators(OPS, QPV, PARAMS), PARAMS, QPV)
    assert not ops["secret"].any()


@pytest.mark.parametrize("dtype", ["string", "str", "object", "Int64", "mixed"])
def test_rows_sorted_by_the_rank_of_an_identifier_are_sorted_by_the_identifier(dtype):
    ids = ["b-10", "B-2", "é-1", "a", None, "b-10", "Z", "a ", "ä", None, "b-9", "10", "9"]
    if dtype == "Int64":
        ids = [None if i is None else len(i) * 7 % 5 for i in ids]
    if dtype == "mixed":
        ids, dtype = [i if i is None or i[0] != "b" else 3 for i in ids], "object"
    rows = pd.DataFrame(
        {
            "annee": pd.array([2024, 2025] * 6 + [2024], dtype="Int64"),
            "id": pd.Series(ids, dtype=dtype),
            "heures": [3.0, 1.0, 2.0, 2.0, 5.0, 1.0, 2.0, 0.0, 4.0, 4.0, 1.0, 2.0, 2.0],
        }
    )
    by_id = rows.sort_values(["annee", "id", "heures"], ascending=[True, True, False])
    ranked = rows.assign(_rank=axe5.string_rank(rows["id"]))
    by_rank = ranked.sort_values(["annee", "_rank", "heures"], ascending=[True, True, False])
    assert by_rank.index.tolist() == by_id.index.tolist()
