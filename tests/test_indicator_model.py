"""The indicator model: declarations, selection by axis and tags, the compute path, the schema."""

import math
from dataclasses import replace

import pandas as pd
import pytest

from qpv_analytics import indicators
from qpv_analytics.indicators import REGISTRY, check_result, codes, compute, select
from qpv_analytics.indicators.model import LEVEL_COLUMNS, RESULT_SCHEMA, SECRET_NOTE
from qpv_analytics.labels import AXES
from qpv_analytics.params import RunParams
from qpv_analytics.thresholds import MIN_COUNT
from tests.conftest import toy_indicator

pytestmark = pytest.mark.unit

PARAMS = RunParams(annee=2025)
TAGS = {
    1: {"operations", "relogement"},
    2: {"tfpb", "gusp"},
    3: {"attributions"},
    4: {"formation"},
    5: {"marches", "beneficiaires"},
    6: {"numerique", "bailleurs", "innovation", "conseillers"},
    0: {"contexte", "ressources_etat", "territoire"},
}
"""Tags the reports select by, per axis (the activity of every axis carries ``activite``)."""


def test_every_axis_has_its_tags_and_every_indicator_one_known_tag():
    for axis, tags in TAGS.items():
        for tag in tags:
            assert select(axis=axis, tags=tag), (axis, tag)
    known = set().union(*TAGS.values(), {"activite", "evenements", "couverture_epci"})
    for ind in REGISTRY.values():
        assert ind.tags, ind.code
        assert ind.tags <= known, (ind.code, ind.tags)
    assert codes(tags="activite") == [c for c in REGISTRY if c.startswith("activite_")]
    assert codes(tags="ressources_etat") == [c for c in REGISTRY if c.startswith("etat_")]


def test_select_matches_all_tags_axis_and_target_in_declaration_order():
    both = [i.code for i in select(axis=4, tags=("formation", "evenements"))]
    assert both == ["laicite_sessions", "laicite_heures", "laicite_personnes_formees"]
    assert codes(axis=4, tags="formation")[-1] == "laicite_couverture_epci_pct"
    assert codes(axis=3, tags="attributions", targeted=True) == [
        "attrib_part_hors_qpv_q1_pct",
        "attrib_part_qpv_q234_pct",
        "attrib_part_epci_cible_q1_pct",
        "attrib_part_epci_cible_q234_pct",
    ]
    untargeted = codes(axis=3, tags="attributions", targeted=False)
    assert untargeted == ["attrib_attributions_hors_qpv", "attrib_attributions_qpv"]
    assert codes(axis=7) == []
    assert codes() == list(REGISTRY)


def test_declarations_are_complete():
    for ind in REGISTRY.values():
        assert ind.axis == 0 or ind.axis in AXES, ind.code
        assert set(ind.levels) <= set(LEVEL_COLUMNS), ind.code
        if ind.compliance_of:
            parent = REGISTRY[ind.compliance_of]
            assert parent.targeted and ind.compliance_level in parent.levels, ind.code
        else:
            assert ind.numerator, ind.code
        # A target always says which unit it binds; no target, no unit.
        assert (ind.binds is not None) == ind.targeted, ind.code
        assert ind.header == (ind.short_label or ind.label)


def test_binding_units_of_the_obligations():
    assert REGISTRY["attrib_part_hors_qpv_q1_pct"].binds == "epci"
    assert REGISTRY["tfpb_taux_valorisation_pct"].binds == "bailleur"
    assert REGISTRY["clauses_taux_insertion_travaux_anru_pct"].binds == "projet"
    assert REGISTRY["gusp_part_qpv_convention_pct"].binds == "qpv"
    assert REGISTRY["attrib_part_epci_cible_q1_pct"].binds == "region"


def test_secret_sentence_follows_the_threshold():
    assert SECRET_NOTE == f"Effectif soumis au secret (moins de {MIN_COUNT} : masqué)."
    people_counts = [i for i in REGISTRY.values() if i.people and SECRET_NOTE in i.definition]
    assert {i.code for i in people_counts} >= {
        "ru_menages_reloges",
        "laicite_personnes_formees",
        "clauses_beneficiaires",
    }


BASE = pd.DataFrame(
    {
        "annee": [2025, 2025, 2025, 2025],
        "siren_epci": ["E1", "E1", "E2", "E2"],
        "code_departement": ["59", "59", "62", "62"],
        "kind": ["x", "y", "x", "x"],
        "a": [1.0, 4.0, None, 3.0],
        "b": [4.0, 4.0, 2.0, 6.0],
    }
)


def test_compute_ratio_skips_rows_missing_a_side_and_is_typed(monkeypatch):
    toy = toy_indicator()
    monkeypatch.setitem(REGISTRY, toy.code, toy)
    res = compute(BASE, [toy], PARAMS)
    region = res[res["niveau"] == "region"].iloc[0]
    # The E2 row with a blank numerator is left out of both sides of the ratio.
    assert math.isclose(region["valeur"], (1 + 4 + 3) / (4 + 4 + 6) * 100)
    assert region["denominateur"] == 14
    assert list(res["niveau"]) == ["region", "epci", "epci"]
    assert {c: str(res[c].dtype) for c in res.columns} == RESULT_SCHEMA


def test_compute_where_required_and_sum(monkeypatch):
    only_x = toy_indicator(code="toy_x", where={"kind": "x"}, required=())
    total = toy_indicator(code="toy_total", numerator="b", denominator=None, unit="u", scale=1.0)
    for ind in (only_x, total):
        monkeypatch.setitem(REGISTRY, ind.code, ind)
    res = compute(BASE, [only_x, total], PARAMS)
    x = res[(res["indicateur"] == "toy_x") & (res["niveau"] == "region")].iloc[0]
    # required=(): the blank numerator is skipped but its denominator still counts.
    assert math.isclose(x["valeur"], (1 + 3) / (4 + 2 + 6) * 100)
    tot = res[(res["indicateur"] == "toy_total") & (res["code"] == "E2")].iloc[0]
    assert tot["valeur"] == 8 and pd.isna(tot["denominateur"])


def test_compliance_share_counts_units_meeting_the_target(monkeypatch):
    share = toy_indicator(target=50.0, binds="epci")
    meets = toy_indicator(
        code="toy_epci_pct",
        numerator=None,
        denominator=None,
        compliance_of=share.code,
        levels=("region", "departement"),
        target=100.0,
        binds="region",
    )
    for ind in (share, meets):
        monkeypatch.setitem(REGISTRY, ind.code, ind)
    res = compute(BASE, [meets], PARAMS)  # the share is computed on the way, not returned
    assert set(res["indicateur"]) == {"toy_epci_pct"}
    # E1: 5 / 8 = 62.5 % meets 50 %; E2: 3 / 6 = 50 % meets it too (a target is reached).
    region = res[res["niveau"] == "region"].iloc[0]
    assert region["numerateur"] == 2 and region["denominateur"] == 2
    lower = replace(share, target=60.0)
    monkeypatch.setitem(REGISTRY, share.code, lower)
    res = compute(BASE, [lower, meets], PARAMS)
    dep = res[(res["indicateur"] == "toy_epci_pct") & (res["code"] == "62")].iloc[0]
    assert dep["valeur"] == 0 and dep["statut"] == "non_atteint"


def test_check_result_names_what_is_wrong():
    res = indicators.axe2.gusp_indicators(
        pd.DataFrame({"annee": [2025], "code_qpv": ["QN05901M"], "convention_gusp_signee": [True]}),
        pd.DataFrame(
            {"code_qpv": ["QN05901M"], "siren_epci": ["200000001"], "code_departement": ["59"]}
        ),
        PARAMS,
    )
    assert check_result(res) is res
    with pytest.raises(ValueError, match="missing columns \\['statut'\\]"):
        check_result(res.drop(columns="statut"))
    with pytest.raises(ValueError, match="wrong dtypes \\{'valeur': 'object'\\}"):
        check_result(res.assign(valeur=res["valeur"].astype(object)))
    with pytest.raises(ValueError, match="undeclared indicators \\['inconnu'\\]"):
        check_result(res.assign(indicateur="inconnu"))
    with pytest.raises(ValueError, match="unexpected columns \\['secret'\\]"):
        check_result(res.assign(secret=False))
