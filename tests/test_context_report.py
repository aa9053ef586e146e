"""Tests of the computation helpers of the context report (values computed by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics import contract
from qpv_analytics.indicators import REGISTRY, RESULT_COLUMNS
from qpv_analytics.indicators.context_stats import (
    QPV_FRAME_COLUMNS,
    WeightedMean,
    blank_sentence,
    blank_summary,
    communes_of_qpv,
    context_by_qpv,
    coverage_base,
    latest_values,
    latest_vintage,
    level_summary,
    mean_phrase,
    reference_match,
    value_provenance,
    weighted_by_level,
    weighted_mean,
)
from qpv_analytics.indicators.contexte import CONTEXT_AXIS, CONTEXT_CODES, context_indicators
from qpv_analytics.ingest.context import import_context
from qpv_analytics.ingest.context_sources import INDICATOR_LABELS
from qpv_analytics.report import charts

pytestmark = pytest.mark.unit

CONTEXTE = contract.TABLES["contexte"]
QPV = contract.TABLES["qpv"]
POP = "population_municipale"
PAUV = "taux_pauvrete_60_pct"
EMPL = "taux_emploi_15_64_pct"


def _contexte(rows: list[dict]) -> pd.DataFrame:
    """A ``contexte`` table with the contract columns and dtypes."""
    frame = pd.DataFrame(rows)
    out = pd.DataFrame(index=frame.index)
    for col in CONTEXTE.columns:
        values = frame[col.name] if col.name in frame else [None] * len(frame)
        out[col.name] = pd.array(list(values), dtype=col.dtype)
    return out


@pytest.fixture
def contexte() -> pd.DataFrame:
    # QP048001 has two vintages: its 2019 poverty rate is blank (secret), so the 2017 one is
    # kept; QP015001 has a blank population; QP099999 is not in the reference.
    return _contexte(
        [
            {"code_qpv": "QP048001", "annee": 2017, "source": "sig_ville 2017",
             POP: 2000, PAUV: 40.0, EMPL: 50.0},
            {"code_qpv": "QP048001", "annee": 2019, "source": "sig_ville 2019",
             POP: 2100, PAUV: None, EMPL: 52.0},
            {"code_qpv": "QP048002", "annee": 2019, "source": "sig_ville 2019",
             POP: 1000, PAUV: 30.0, EMPL: None},
            {"code_qpv": "QP015001", "annee": 2019, "source": "sig_ville 2019",
             POP: None, PAUV: 50.0, EMPL: 40.0},
            {"code_qpv": "QP099999", "annee": 2019, "source": "sig_ville 2019",
             POP: 500, PAUV: 10.0, EMPL: 70.0},
        ]
    )  # fmt: skip


@pytest.fixture
def qpv() -> pd.DataFrame:
    # QP048002 spans Mende and Badaroux; QP015001 has no EPCI; QP015002 has no context row.
    rows = [
        ("QP048001", "Les Tilleuls", "48095", "Mende", "200000001", "Cœur de Lozère", "48"),
        ("QP048002", "Le Plateau", "48095", "Mende", "200000001", "Cœur de Lozère", "48"),
        ("QP048002", "Le Plateau", "48017", "Badaroux", "200000001", "Cœur de Lozère", "48"),
        ("QP015001", "Les Hauts", "15014", "Aurillac", None, None, "15"),
        ("QP015002", "Le Val", "15187", "Saint-Flour", "200000002", "Saint-Flour Co", "15"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["code_qpv", "nom_qpv", "code_commune", "nom_commune", "siren_epci", "nom_epci",
                 "code_departement"],
    )  # fmt: skip
    frame["siren_epci_tous"] = frame["siren_epci"]
    frame["code_region"] = "99"
    frame["geographie"] = "2015"
    return frame[QPV.column_names].astype({c.name: c.dtype for c in QPV.columns})


def test_latest_values_takes_the_most_recent_non_blank_value(contexte: pd.DataFrame) -> None:
    out = latest_values(contexte, [POP, PAUV, EMPL])
    assert out["code_qpv"].tolist() == ["QP015001", "QP048001", "QP048002", "QP099999"]
    row = out.set_index("code_qpv").loc["QP048001"]
    assert row[POP] == 2100  # 2019
    assert row[PAUV] == 40.0  # 2019 blank → 2017 value, never a zero
    assert row[EMPL] == 52.0
    assert pd.isna(out.set_index("code_qpv").loc["QP015001", POP])
    assert str(out[POP].dtype) == "Int64" and str(out[PAUV].dtype) == "Float64"
    with pytest.raises(KeyError, match="inconnu"):
        latest_values(contexte, ["pas_un_indicateur"])


def test_value_provenance_and_latest_vintage(contexte: pd.DataFrame) -> None:
    prov = value_provenance(contexte, [POP, PAUV, "demandeurs_emploi_abcde"])
    assert prov.to_dict("records") == [
        {"indicateur": POP, "source": "sig_ville 2019", "millesime": 2019, "nb_qpv": 3},
        {"indicateur": PAUV, "source": "sig_ville 2017", "millesime": 2017, "nb_qpv": 1},
        {"indicateur": PAUV, "source": "sig_ville 2019", "millesime": 2019, "nb_qpv": 3},
    ]
    assert latest_vintage(contexte, PAUV) == 2019
    assert latest_vintage(contexte, "demandeurs_emploi_abcde") is None
    assert value_provenance(contexte.head(0)).empty


def test_context_by_qpv_follows_the_reference(contexte: pd.DataFrame, qpv: pd.DataFrame) -> None:
    frame = context_by_qpv(contexte, qpv, [POP, PAUV, EMPL])
    assert list(frame.columns) == [*QPV_FRAME_COLUMNS, POP, PAUV, EMPL]
    assert frame["code_qpv"].tolist() == ["QP015001", "QP015002", "QP048001", "QP048002"]
    by_code = frame.set_index("code_qpv")
    assert by_code.loc["QP048002", "communes"] == "Badaroux, Mende"
    assert by_code.loc["QP048002", "nb_communes"] == 2
    assert not by_code.loc["QP015002", "dans_contexte"]
    assert by_code.loc["QP015002", [POP, PAUV, EMPL]].isna().all()
    assert pd.isna(by_code.loc["QP015001", "siren_epci"])
    assert reference_match(contexte, qpv) == {
        "absents_du_contexte": ["QP015002"],
        "hors_referentiel": ["QP099999"],
    }


def test_weighted_mean_of_the_region(contexte: pd.DataFrame, qpv: pd.DataFrame) -> None:
    frame = context_by_qpv(contexte, qpv)
    wm = weighted_mean(frame, PAUV, POP)
    # (40 × 2100 + 30 × 1000) / 3100; QP015001 (no population) and QP015002 (no rate) left out.
    assert wm.value == pytest.approx(114_000 / 3_100)
    assert (wm.n_qpv_used, wm.n_qpv_total, wm.population_coverage_pct) == (2, 4, 100.0)


def test_weighted_by_level(contexte: pd.DataFrame, qpv: pd.DataFrame) -> None:
    frame = context_by_qpv(contexte, qpv)
    dep = weighted_by_level(frame, EMPL, POP, "code_departement").set_index("code_departement")
    assert dep.loc["48", "valeur"] == pytest.approx(52.0)  # QP048002 has no employment rate
    assert dep.loc["48", "couverture_pct"] == pytest.approx(2100 / 3100 * 100)
    assert (
        dep.loc["48", "couverture"] == "calculé sur 1 QPV représentant 67,7\u00a0% de la population"
    )
    assert (dep.loc["48", "nb_qpv"], dep.loc["48", "nb_qpv_utilises"]) == (2, 1)
    assert dep.loc["48", "poids"] == 3100
    assert pd.isna(dep.loc["15", "valeur"]) and pd.isna(dep.loc["15", "poids"])
    assert dep.loc["15", "couverture"] == "calculé sur 0 QPV (population non renseignée)"
    epci = weighted_by_level(frame, PAUV, POP, "siren_epci")
    assert epci["siren_epci"].tolist() == ["200000001", "200000002"]  # QP015001: no EPCI


def test_level_summary(contexte: pd.DataFrame, qpv: pd.DataFrame) -> None:
    frame = context_by_qpv(contexte, qpv)
    out = level_summary(frame, "code_departement", [PAUV, EMPL]).set_index("code_departement")
    assert out.loc["48", "population"] == 3100 and pd.isna(out.loc["15", "population"])
    assert out.loc["48", "qpv_sans_population"] == 0 and out.loc["15", "qpv_sans_population"] == 2
    assert out.loc["48", PAUV] == pytest.approx(114_000 / 3_100)
    assert out.loc["48", f"{PAUV}_nb_qpv"] == 2
    assert out.loc["48", f"{EMPL}_couverture_pct"] == pytest.approx(2100 / 3100 * 100)
    assert out.loc["48", f"{PAUV}_couverture"].startswith("calculé sur 2 QPV représentant 100,0")
    only_population = level_summary(frame, "code_departement", [])
    assert only_population["population"].tolist()[1] == 3100


def test_communes_of_qpv(qpv: pd.DataFrame) -> None:
    out = communes_of_qpv(qpv)
    assert out["nom_commune"].tolist() == ["Mende", "Aurillac", "Badaroux", "Saint-Flour"]
    assert out["nb_qpv"].tolist() == [2, 1, 1, 1]
    no_codes = qpv.assign(code_commune=pd.array([None] * len(qpv), dtype="string"))
    assert communes_of_qpv(no_codes)["nb_qpv"].tolist() == [2, 1, 1, 1]


def test_mean_phrase() -> None:
    assert mean_phrase("le taux de pauvreté", WeightedMean(45.26, 3, 4, 80.0)) == (
        "le taux de pauvreté est de 45,3\u00a0% (calculé sur 3 QPV représentant 80,0\u00a0% de la "
        "population)"
    )
    assert mean_phrase("le revenu", WeightedMean(None, 0, 4, None), "€").endswith(
        "n'est connu pour aucun QPV (valeur ou population non renseignée)"
    )


def test_blank_summary_separates_secret_cells_and_discarded_values(tmp_path: Path) -> None:
    path = tmp_path / "sig.csv"
    path.write_text(
        "code_qp;nom_qp;nom_commune;pop_mun;tp60;tx_tot_empl\n"
        "QP048001;Les Tilleuls;Mende;2 000;40,0;s\n"
        "QP048002;Le Plateau;Mende;-5;;45,0\n"
        "QP015001;Les Hauts;Aurillac;1 000;50,0;40,0\n",
        encoding="utf-8",
    )
    imp = import_context(path, "sig_ville", vintage=2019)
    out = blank_summary(imp).set_index("indicateur")
    assert out.loc[POP, ["nb_qpv", "valeurs", "vides", "ecartees"]].tolist() == [3, 2, 0, 1]
    assert out.loc[PAUV, ["valeurs", "vides", "ecartees"]].tolist() == [2, 1, 0]
    assert out.loc[EMPL, ["valeurs", "vides", "ecartees"]].tolist() == [2, 1, 0]
    assert out.loc[PAUV, "colonne_source"] == "tp60"
    absent = out.loc["demandeurs_emploi_abcde"]
    assert absent["statut"] == "absente du fichier" and absent["valeurs"] == 0
    assert pd.isna(absent["vides"]) and pd.isna(absent["ecartees"])
    assert list(out.index) == [  # only what sig_ville maps, in contract order
        POP, PAUV, EMPL, "demandeurs_emploi_abcde", "revenu_median_declare_uc_eur",
        "revenu_median_disponible_uc_eur",
    ]  # fmt: skip
    sentence = blank_sentence(imp)
    pop_label = INDICATOR_LABELS[POP]
    assert sentence.startswith("2 cellules vides au total dans « sig.csv » pour les QPV de la ")
    assert "dont 1 pour «" in sentence
    discarded = f"(hors des bornes du contrat de données, ou illisibles) : 1 pour « {pop_label} »"
    assert discarded in sentence
    assert sentence.endswith("absentes du fichier : abcde, decuc_q2, disp_q2.")


def test_coverage_base_is_the_short_note_of_a_table_cell() -> None:
    assert coverage_base(187, 93.44) == "187 QPV — 93,4\u00a0% de la population"
    assert coverage_base(3, 99.97) == "3 QPV — 99,9\u00a0% de la population"  # never 100
    assert coverage_base(2, None) == "2 QPV (population non renseignée)"


def test_context_indicators_tidy_table(contexte: pd.DataFrame, qpv: pd.DataFrame) -> None:
    out = context_indicators(contexte, qpv)
    assert list(out.columns) == RESULT_COLUMNS
    assert set(out["axe"]) == {CONTEXT_AXIS} and CONTEXT_AXIS == 0
    assert set(CONTEXT_CODES) <= set(REGISTRY)

    def value(code: str, level: str = "region", territory: str = "region") -> pd.Series:
        row = out[(out.indicateur == code) & (out.niveau == level) & (out.code == territory)]
        assert len(row) == 1, (code, level, territory)
        return row.iloc[0]

    n = value("ctx_nombre_qpv")
    assert n["valeur"] == 4 and n["annee"] == 2019  # no params: latest vintage of the files
    pop = value("ctx_population_municipale")
    assert (pop["valeur"], pop["annee"]) == (3100, 2019)
    rate = value("ctx_taux_pauvrete_60_pct")
    assert rate["valeur"] == pytest.approx(114_000 / 3_100)
    assert (rate["numerateur"], rate["denominateur"]) == (114_000, 3_100)
    assert rate["statut"] == "sans_cible" and rate["unite"] == "%"
    dep = value("ctx_taux_emploi_15_64_pct", "departement", "48")
    assert dep["valeur"] == pytest.approx(52.0) and dep["denominateur"] == 2100
    assert value("ctx_nombre_qpv", "departement", "15")["valeur"] == 2
    # A territory without any value has no row; an indicator absent from the files neither.
    assert out[(out.indicateur == "ctx_taux_pauvrete_60_pct") & (out.code == "15")].empty
    assert "ctx_demandeurs_emploi_abcde" not in set(out["indicateur"])
    # Weighted means agree with weighted_mean().
    frame = context_by_qpv(contexte, qpv)
    assert rate["valeur"] == pytest.approx(weighted_mean(frame, PAUV, POP).value)


def test_context_indicators_without_any_context(qpv: pd.DataFrame) -> None:
    out = context_indicators(_contexte([]), qpv)
    assert list(out.columns) == RESULT_COLUMNS
    assert set(out["indicateur"]) <= {"ctx_nombre_qpv"}


def test_histogram_counts_qpv_in_bins_of_five_points() -> None:
    values = pd.Series([12.0, 14.0, 31.0, None], dtype="Float64")
    fig = charts.histogram(
        values, "%", "Taux", median_label="Médiane", mean=20.0, mean_label="Moy."
    )
    ax = fig.axes[0]
    assert [p.get_x() for p in ax.patches] == [10, 15, 20, 25, 30]  # blank left out
    assert [p.get_height() for p in ax.patches] == [2, 0, 0, 0, 1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Médiane", "Moy."]
    assert [line.get_xdata()[0] for line in ax.lines] == [14.0, 20.0]  # median, then the mean


def test_bars_start_at_zero_and_never_show_minus_zero() -> None:
    """All-zero values give a 0–100 % axis, not −0,05 to 0,05 with « -0 % » ticks."""
    from qpv_analytics.report import charts

    zeros = pd.DataFrame({"nom": ["A", "B"], "v": [0.0, 0.0]})
    ax = charts.bars_with_target(zeros, "nom", "v", "%", "Parts").axes[0]
    assert ax.get_xlim() == (0.0, 100.0)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "0\u00a0%" and not any(t.startswith("-") for t in labels)
    assert charts._axis_label(-0.01, "%") == charts._axis_label(-0.3, "%") == "0\u00a0%"
    assert charts._axis_label(-0.3, "ménages") == "-0,3"  # decimals shown: the sign stays
