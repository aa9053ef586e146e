"""Tests of the context importer (qpv_analytics.ingest.context and its sources, codes)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics import contract
from qpv_analytics.geography import REGION_DEPARTEMENTS
from qpv_analytics.indicators.context_stats import (
    WeightedMean,
    compare_with_region,
    coverage_sentence,
    distribution,
    weighted_mean,
)
from qpv_analytics.ingest.context import import_context, reference_from_context
from qpv_analytics.ingest.context_codes import (
    COMMUNE_COLUMNS,
    departement_from_code,
    normalize_departement,
    normalize_region,
)
from qpv_analytics.ingest.context_sources import SOURCES, ContextImportError, ContextSource

pytestmark = pytest.mark.unit

REAL_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "qpv2024-indicateurs.csv"
CONTEXTE = contract.TABLES["contexte"]

# SIG Ville naming, French export: ";" separator, decimal commas, thousands with spaces, cp1252.
# Blank cells = statistical secrecy; "s" is also a secrecy marker. QP059002 spans two communes
# (names in one cell, as in SIG Ville extracts). QP075001 is outside Hauts-de-France.
SIG_VILLE_CSV = (
    "code_qp;nom_qp;nom_commune;pop_mun;tp60;tx_tot_empl;abcde;decuc_q2;disp_q2;brev\n"
    "QP059001;Lille Sud;Lille;10 000;45,2;40,5;1 200;9 500;12 800;60,1\n"
    'QP059002;Les Épis;"Lomme, Lille";4 000;;38,0;;8 000;11 500;\n'
    "QP062001;Quartier Témoin;Arras;2 000;30,0;;300;s;13 500;44,0\n"
    "QP080001;Étouvie;Amiens;3 000;50,5;35,0;600;7 000;11 000;66,0\n"
    "QP075001;Paris Test;Paris;5 000;20,0;60,0;400;15 000;17 000;30,0\n"
)

# An older vintage with fewer columns.
SIG_VILLE_FEW_COLUMNS_CSV = (
    "code_qp;nom_qp;nom_commune;pop_mun;tp60\n"
    "QP059001;Lille Sud;Lille;9 800;47,0\n"
    "QP059002;Les Épis;Lomme, Lille;3 900;\n"
)

TIERS_HEADER = (
    "COG,lib_com,codeQPV,lib_qp,insee_reg,lib_reg,insee_dep,lib_dep,siren_epci,lib_epci,"
    "popMuniQPV,nombre_menages,nombre_logements_sociaux,taux_logements_sociaux,taux_d_emploi,"
    "taux_pauvrete_60%\n"
)
# Leading zeros lost (COG 2691, insee_dep 2), insee_reg written 32.0, a rate above 100,
# QN05901M repeated on two commune rows, a blank poverty rate, a QPV of another region.
TIERS_ROWS = [
    "2691,Saint-Quentin,QN00201M,Europe,32.0,Hauts-de-France,2,Aisne,200071892,"
    "CA du Saint-Quentinois,3000,1200.0,1500.0,125.0,40.0,50.0\n",
    "59350,Lille,QN05901M,Lille Sud,32.0,Hauts-de-France,59,Nord,200093201,"
    "Métropole Européenne de Lille,10000,4000.0,3000.0,75.0,45.0,\n",
    "59360,Loos,QN05901M,Lille Sud,32.0,Hauts-de-France,59,Nord,200093201,"
    "Métropole Européenne de Lille,10000,4000.0,3000.0,75.0,45.0,\n",
    "1053,Bourg-en-Bresse,QN00101M,Grande Reyssouze,84.0,Auvergne-Rhône-Alpes,1,Ain,200071751,"
    "CA du Bassin de Bourg-en-Bresse,6399,3004.0,2466.0,82.09,48.8,46.0\n",
]


@pytest.fixture
def sig_ville_file(tmp_path: Path) -> Path:
    path = tmp_path / "sig_ville_2017.csv"
    path.write_bytes(SIG_VILLE_CSV.encode("cp1252"))
    return path


@pytest.fixture
def tiers_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiers.csv"
    path.write_text(TIERS_HEADER + "".join(TIERS_ROWS), encoding="utf-8")
    return path


def _row(df: pd.DataFrame, code: str) -> pd.Series:
    return df.set_index("code_qpv").loc[code]


def _assert_contract_frame(df: pd.DataFrame) -> None:
    assert list(df.columns) == CONTEXTE.column_names
    for col in CONTEXTE.columns:
        assert str(df[col.name].dtype) == str(pd.Series([], dtype=col.dtype).dtype), col.name


# ------------------------------------------------------------------------------------------
# SIG Ville naming
# ------------------------------------------------------------------------------------------


def test_sig_ville_region_filter_types_and_secret_cells(sig_ville_file: Path) -> None:
    imp = import_context(sig_ville_file, "sig_ville", region="32", vintage=2017)
    _assert_contract_frame(imp.data)
    assert imp.data["code_qpv"].tolist() == ["QP059001", "QP059002", "QP062001", "QP080001"]
    assert imp.data["annee"].unique().tolist() == [2017]
    assert imp.data["source"].unique().tolist() == ["sig_ville 2017"]
    assert imp.data["population_municipale"].tolist() == [10000, 4000, 2000, 3000]
    assert _row(imp.data, "QP059001")["taux_pauvrete_60_pct"] == pytest.approx(45.2)
    assert _row(imp.data, "QP059001")["revenu_median_disponible_uc_eur"] == 12800
    assert imp.geographie == "2015"
    assert imp.departements == ("02", "59", "60", "62", "80")


def test_sig_ville_blank_cells_stay_missing_never_zero(sig_ville_file: Path) -> None:
    imp = import_context(sig_ville_file, "sig_ville", region="32", vintage=2017)
    epis = _row(imp.data, "QP059002")
    assert pd.isna(epis["taux_pauvrete_60_pct"])
    assert pd.isna(epis["demandeurs_emploi_abcde"])
    assert pd.isna(_row(imp.data, "QP062001")["revenu_median_declare_uc_eur"])  # "s"
    assert pd.isna(_row(imp.data, "QP062001")["taux_emploi_15_64_pct"])
    assert imp.secret_cells == {
        "population_municipale": 0,
        "taux_pauvrete_60_pct": 1,
        "taux_emploi_15_64_pct": 1,
        "demandeurs_emploi_abcde": 1,
        "revenu_median_declare_uc_eur": 1,
        "revenu_median_disponible_uc_eur": 0,
    }
    # Columns the source does not provide are missing, not zero.
    for col in ("nombre_menages", "nombre_logements_sociaux", "taux_logements_sociaux_pct"):
        assert imp.data[col].isna().all()
    assert imp.anomalies == []


def test_sig_ville_qpv_over_two_communes(sig_ville_file: Path) -> None:
    imp = import_context(sig_ville_file, "sig_ville", region="32", vintage=2017)
    assert list(imp.communes.columns) == list(COMMUNE_COLUMNS)
    epis = imp.communes[imp.communes["code_qpv"] == "QP059002"]
    assert sorted(epis["nom_commune"]) == ["Lille", "Lomme"]
    assert epis["code_commune"].isna().all()  # SIG Ville extracts give names only
    assert epis["code_departement"].tolist() == ["59", "59"]
    assert epis["code_region"].tolist() == ["32", "32"]
    assert epis["nom_qpv"].tolist() == ["Les Épis", "Les Épis"]  # cp1252 decoded
    assert len(imp.communes) == 5


def test_sig_ville_without_region_and_with_departements(sig_ville_file: Path) -> None:
    everything = import_context(sig_ville_file, "sig_ville", vintage=2017)
    assert len(everything.data) == 5
    somme = import_context(sig_ville_file, "sig_ville", vintage=2017, departements=["80"])
    assert somme.data["code_qpv"].tolist() == ["QP080001"]


def test_sig_ville_vintage_with_fewer_columns(tmp_path: Path) -> None:
    path = tmp_path / "sig_ville_2013.csv"
    path.write_bytes(SIG_VILLE_FEW_COLUMNS_CSV.encode("cp1252"))
    imp = import_context(path, "sig_ville", vintage=2013)
    _assert_contract_frame(imp.data)
    assert imp.data["annee"].tolist() == [2013, 2013]
    assert imp.secret_cells == {"population_municipale": 0, "taux_pauvrete_60_pct": 1}
    assert imp.missing_columns == [
        "taux_emploi_15_64_pct",
        "demandeurs_emploi_abcde",
        "revenu_median_declare_uc_eur",
        "revenu_median_disponible_uc_eur",
    ]
    assert imp.data["taux_emploi_15_64_pct"].isna().all()
    assert pd.isna(_row(imp.data, "QP059002")["taux_pauvrete_60_pct"])
    assert any("laissées vides" in n for n in imp.notes)


def test_sig_ville_xlsx_with_title_rows(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Indicateurs par quartier prioritaire – source INSEE"])
    ws.append([])
    ws.append(["code_qp", "nom_qp", "nom_commune", "pop_mun", "tp60"])
    ws.append(["QP059001", "Lille Sud", "Lille", 10000, 45.2])
    ws.append(["QP002001", "Europe", "Saint-Quentin", 3000, None])
    path = tmp_path / "sig_ville.xlsx"
    wb.save(path)
    imp = import_context(path, "sig_ville", region="32", vintage=2017)
    assert imp.data["code_qpv"].tolist() == ["QP002001", "QP059001"]
    assert imp.data["population_municipale"].tolist() == [3000, 10000]
    assert pd.isna(_row(imp.data, "QP002001")["taux_pauvrete_60_pct"])
    assert imp.secret_cells["taux_pauvrete_60_pct"] == 1
    assert _row(imp.communes, "QP002001")["code_departement"] == "02"


def test_weighted_mean_with_a_missing_value(sig_ville_file: Path) -> None:
    imp = import_context(sig_ville_file, "sig_ville", region="32", vintage=2017)
    wm = weighted_mean(imp.data, "taux_pauvrete_60_pct", "population_municipale")
    # Les Épis (4 000 inhabitants) has a secret poverty rate: excluded, never read as 0.
    expected = (45.2 * 10000 + 30.0 * 2000 + 50.5 * 3000) / (10000 + 2000 + 3000)  # 44.2333…
    assert wm.value == pytest.approx(expected)
    assert wm.n_qpv_used == 3
    assert wm.n_qpv_total == 4
    assert wm.population_coverage_pct == pytest.approx(15000 / 19000 * 100)  # 78.947…
    assert coverage_sentence(wm) == "calculé sur 3 QPV représentant 78,9\u00a0% de la population"

    emploi = weighted_mean(imp.data, "taux_emploi_15_64_pct", "population_municipale")
    assert emploi.value == pytest.approx((40.5 * 10000 + 38 * 4000 + 35 * 3000) / 17000)
    assert (
        coverage_sentence(emploi) == "calculé sur 3 QPV représentant 89,5\u00a0% de la population"
    )


def test_reference_from_context_sig_ville(sig_ville_file: Path) -> None:
    imp = import_context(sig_ville_file, "sig_ville", region="32", vintage=2017)
    ref = reference_from_context(imp, "2015")
    table = contract.TABLES["qpv"]
    assert list(ref.columns) == table.column_names
    assert len(ref) == 5
    assert ref["geographie"].unique().tolist() == ["2015"]
    assert ref["siren_epci"].isna().all() and ref["nom_epci"].isna().all()
    assert ref["code_region"].unique().tolist() == ["32"]
    assert sorted(ref["code_departement"].unique()) == ["59", "62", "80"]
    with pytest.raises(ContextImportError, match="géographie 2024"):
        reference_from_context(imp, "2024")
    with pytest.raises(ContextImportError, match="Géographie « 2020 » inconnue"):
        reference_from_context(imp, "2020")


# ------------------------------------------------------------------------------------------
# Third-party 2024 file
# ------------------------------------------------------------------------------------------


def test_tiers_collapse_leading_zeros_and_rate_above_100(tiers_file: Path) -> None:
    imp = import_context(tiers_file, "tiers_2024", region="32")
    _assert_contract_frame(imp.data)
    assert imp.data["code_qpv"].tolist() == ["QN00201M", "QN05901M"]  # one row per QPV
    assert imp.data["annee"].tolist() == [2024, 2024]
    lille = _row(imp.data, "QN05901M")
    assert lille["population_municipale"] == 10000  # not 20 000: repeated rows collapsed
    assert lille["taux_logements_sociaux_pct"] == pytest.approx(75.0)
    assert pd.isna(lille["taux_pauvrete_60_pct"])
    europe = _row(imp.data, "QN00201M")
    assert pd.isna(europe["taux_logements_sociaux_pct"])  # 125 > 100: discarded
    assert europe["nombre_logements_sociaux"] == 1500
    assert imp.secret_cells["taux_pauvrete_60_pct"] == 1
    assert imp.secret_cells["taux_logements_sociaux_pct"] == 0  # discarded ≠ secret
    [message] = [a for a in imp.anomalies if a.startswith("taux_logements_sociaux_pct")]
    assert "1 QPV a une valeur > 100" in message
    assert "QN00201M" in message and "ligne 2" in message
    assert message.endswith("valeur écartée (logements sociaux par ménage, pas une part)")
    assert len(imp.anomalies) == 1


def test_tiers_communes_zero_padded(tiers_file: Path) -> None:
    imp = import_context(tiers_file, "tiers_2024")
    communes = imp.communes.set_index(["code_qpv", "code_commune"])
    assert sorted(communes.index.tolist()) == [
        ("QN00101M", "01053"),
        ("QN00201M", "02691"),
        ("QN05901M", "59350"),
        ("QN05901M", "59360"),
    ]
    assert communes.loc[("QN00101M", "01053"), "code_departement"] == "01"
    assert communes.loc[("QN00101M", "01053"), "code_region"] == "84"
    assert communes.loc[("QN00201M", "02691"), "code_departement"] == "02"
    assert communes.loc[("QN05901M", "59360"), "nom_commune"] == "Loos"
    assert communes.loc[("QN05901M", "59360"), "siren_epci"] == "200093201"


def test_tiers_weighted_mean_and_reference(tiers_file: Path) -> None:
    imp = import_context(tiers_file, "tiers_2024", region="32")
    wm = weighted_mean(imp.data, "taux_emploi_15_64_pct", "population_municipale")
    assert wm.value == pytest.approx((40.0 * 3000 + 45.0 * 10000) / 13000)  # 43.846…
    assert coverage_sentence(wm) == "calculé sur 2 QPV représentant 100,0\u00a0% de la population"
    ref = reference_from_context(imp, "2024")
    assert len(ref) == 3
    assert ref.loc[ref["code_qpv"] == "QN05901M", "siren_epci_tous"].unique().tolist() == [
        "200093201"
    ]
    assert ref["nom_epci"].notna().all()


def test_tiers_differing_values_on_commune_rows_are_reported(tmp_path: Path) -> None:
    rows = list(TIERS_ROWS)
    rows[2] = rows[2].replace(",10000,", ",9999,")
    path = tmp_path / "tiers.csv"
    path.write_text(TIERS_HEADER + "".join(rows), encoding="utf-8")
    imp = import_context(path, "tiers_2024", region="32")
    assert _row(imp.data, "QN05901M")["population_municipale"] == 10000  # first row kept
    [message] = [a for a in imp.anomalies if a.startswith("population_municipale")]
    assert "1 QPV a des valeurs différentes" in message and "QN05901M" in message


def test_custom_source_with_scale(tmp_path: Path) -> None:
    source = ContextSource(
        name="essai",
        label="Essai",
        columns={"pauvrete": "taux_pauvrete_60_pct"},
        code_column="CODE",
        scale={"taux_pauvrete_60_pct": 100},
        vintage=2020,
    )
    path = tmp_path / "essai.csv"
    path.write_text("CODE,pauvrete\nQN05901M,0.452\nQN05902M,1.7\n", encoding="utf-8")
    imp = import_context(path, source)
    assert _row(imp.data, "QN05901M")["taux_pauvrete_60_pct"] == pytest.approx(45.2)
    assert pd.isna(_row(imp.data, "QN05902M")["taux_pauvrete_60_pct"])  # 170 % > 100
    assert "1 QPV a une valeur > 100" in imp.anomalies[0]
    with pytest.raises(ValueError, match="absentes de la table contexte"):
        ContextSource(name="x", label="x", columns={"a": "inconnue"}, code_column="c")


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


def test_error_no_qpv_code_column(tmp_path: Path) -> None:
    path = tmp_path / "sans_code.csv"
    path.write_text("nom;population\nLille Sud;10000\n", encoding="utf-8")
    with pytest.raises(ContextImportError) as err:
        import_context(path, "sig_ville", vintage=2017)
    message = str(err.value)
    assert "sans_code.csv" in message
    assert "aucune colonne de codes QPV" in message
    assert "« code_qp »" in message and "nom, population" in message
    assert "Que faire" in message


def test_error_no_mapped_indicator_suggests_the_right_source(tiers_file: Path) -> None:
    with pytest.raises(ContextImportError) as err:
        import_context(tiers_file, "sig_ville", vintage=2017)
    message = str(err.value)
    assert "tiers.csv" in message
    assert "aucune colonne d'indicateur" in message
    assert "pop_mun" in message and "tp60" in message
    assert "ressemble à la source « tiers_2024 »" in message


def test_error_missing_vintage_unknown_source_missing_file(sig_ville_file: Path) -> None:
    with pytest.raises(ContextImportError, match="millésime inconnu"):
        import_context(sig_ville_file, "sig_ville")
    with pytest.raises(ContextImportError, match="Source de contexte inconnue « insee »"):
        import_context(sig_ville_file, "insee", vintage=2017)
    with pytest.raises(ContextImportError, match="Fichier introuvable"):
        import_context(sig_ville_file.with_name("absent.csv"), "sig_ville", vintage=2017)
    with pytest.raises(ContextImportError, match="aucune ligne pour la région 84"):
        import_context(sig_ville_file, "sig_ville", region="84", vintage=2017)
    assert isinstance(ContextImportError("x"), ValueError)


def test_rows_without_code_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "avec_total.csv"
    text = SIG_VILLE_FEW_COLUMNS_CSV + ";Total;;13 700;\nXX12;Inconnu;;1;\n"
    path.write_bytes(text.encode("cp1252"))
    imp = import_context(path, "sig_ville", vintage=2013)
    assert len(imp.data) == 2
    assert any("sans code QPV" in a and "ligne 4" in a for a in imp.anomalies)
    assert any("« XX12 » ligne 5" in a for a in imp.anomalies)


# ------------------------------------------------------------------------------------------
# Codes and helpers
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "dep"),
    [
        ("QP059001", "59"),
        ("QN05920M", "59"),
        ("QP002001", "02"),
        ("QN02A01M", "2A"),
        ("QN02B02M", "2B"),
        ("QP971001", "971"),
        ("QN97101M", "971"),
        ("qn 05920m", "59"),
        ("59350", None),
    ],
)
def test_departement_from_code(code: str, dep: str | None) -> None:
    assert departement_from_code(code) == dep


def test_normalizers() -> None:
    assert normalize_departement("2") == "02"
    assert normalize_departement("2.0") == "02"
    assert normalize_departement("2a") == "2A"
    assert normalize_departement("971") == "971"
    assert normalize_departement("") is None
    assert normalize_region("84.0") == "84"
    assert normalize_region("1.0") == "01"
    assert normalize_region(32) == "32"


def test_distribution_ignores_blanks() -> None:
    df = pd.DataFrame({"x": pd.array([1, 2, 3, 4, None], dtype="Float64")})
    out = distribution(df, "x")
    assert out.loc["x"].to_dict() == {
        "min": 1.0,
        "Q1": 1.75,
        "median": 2.5,
        "Q3": 3.25,
        "max": 4.0,
        "n": 4,
    }
    empty = distribution(pd.DataFrame({"y": pd.array([None], dtype="Float64")}), "y")
    assert empty.loc["y", "n"] == 0 and pd.isna(empty.loc["y", "median"])


def test_weighted_mean_edge_cases() -> None:
    df = pd.DataFrame(
        {
            "v": pd.array([10.0, None, 30.0], dtype="Float64"),
            "w": pd.array([1, 1, None], dtype="Int64"),
        }
    )
    wm = weighted_mean(df, "v", "w")
    assert wm == WeightedMean(10.0, 1, 3, 50.0)
    no_weight = weighted_mean(df.assign(w=pd.array([None] * 3, dtype="Int64")), "v", "w")
    assert no_weight.value is None and no_weight.population_coverage_pct is None
    assert coverage_sentence(no_weight) == "calculé sur 0 QPV (population non renseignée)"
    assert (
        coverage_sentence(WeightedMean(45.0, 187, 204, 93.4))
        == "calculé sur 187 QPV représentant 93,4\u00a0% de la population"
    )
    assert "99,9\u00a0%" in coverage_sentence(WeightedMean(45.0, 203, 204, 99.97))
    with pytest.raises(ValueError, match="Poids négatif"):
        weighted_mean(df.assign(w=pd.array([-1, 1, 1], dtype="Int64")), "v", "w")


def test_compare_with_region() -> None:
    df = pd.DataFrame(
        {
            "code_qpv": ["QN05901M", "QN05902M", "QN05903M"],
            "taux": pd.array([50.0, 40.0, None], dtype="Float64"),
            "pop": pd.array([100, 300, 600], dtype="Int64"),
        }
    )
    cmp = compare_with_region(df, "taux", "pop")
    mean = (50 * 100 + 40 * 300) / 400  # 42.5
    assert cmp.regional.value == pytest.approx(mean)
    assert cmp.regional.population_coverage_pct == pytest.approx(40.0)
    assert cmp.table["ecart"].tolist()[:2] == pytest.approx([7.5, -2.5])
    assert pd.isna(cmp.table["ecart"].iloc[2])
    assert cmp.table["position"].tolist()[:2] == ["au-dessus", "en dessous"]
    assert pd.isna(cmp.table["position"].iloc[2])
    assert cmp.distribution.loc["taux", "n"] == 2


# ------------------------------------------------------------------------------------------
# Real file
# ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not REAL_FILE.exists(), reason="fichier de référence absent")
def test_real_tiers_file_hauts_de_france() -> None:
    imp = import_context(REAL_FILE, "tiers_2024", region="32")
    _assert_contract_frame(imp.data)
    assert imp.rows_read == 1713
    assert len(imp.data) == 204
    assert imp.data["code_qpv"].is_unique
    assert int(imp.data["population_municipale"].sum()) == 753115
    assert len(imp.communes) == 286
    assert imp.secret_cells == {
        "population_municipale": 0,
        "taux_pauvrete_60_pct": 7,
        "taux_emploi_15_64_pct": 0,
        "nombre_menages": 6,
        "nombre_logements_sociaux": 6,
        "taux_logements_sociaux_pct": 11,
        # checked against the raw file (blank cells of the 204 HdF QPV rows)
        "allocataires_caf": 1,
        "personnes_couvertes_caf": 1,
        "indice_jeunesse": 8,
    }
    [message] = [a for a in imp.anomalies if a.startswith("taux_logements_sociaux_pct")]
    assert "22 QPV ont une valeur > 100" in message
    assert "25 lignes du fichier" in message
    assert "(logements sociaux par ménage, pas une part)" in message
    # 11 secret + 22 discarded: never published, never zero.
    assert int(imp.data["taux_logements_sociaux_pct"].isna().sum()) == 33
    assert float(imp.data["taux_logements_sociaux_pct"].max()) <= 100
    ref = reference_from_context(imp, "2024")
    per_dep = ref.drop_duplicates("code_qpv")["code_departement"].value_counts().to_dict()
    assert per_dep == {"59": 94, "62": 64, "60": 19, "02": 17, "80": 10}
    assert ref["siren_epci"].str.fullmatch(r"\d{9}").all()
    # The file lists several EPCI in one cell ("200042190;245901160"): 8 QPV over 2 EPCI.
    qpv = ref.drop_duplicates("code_qpv")
    assert int(qpv["siren_epci_tous"].str.contains(";").sum()) == 8
    assert len({s for cell in ref["siren_epci_tous"] for s in cell.split("; ")}) == 39
    verrerie = qpv.set_index("code_qpv").loc["QN05920M"]
    assert verrerie["siren_epci_tous"] == "200042190; 245901160"
    assert verrerie["nom_epci"] == "Communauté d'agglomération de la Porte du Hainaut"
    # Names cannot be split on ";" (the file writes "…Béthune-Bruay; Artois-Lys Romane" for
    # one EPCI): the name of the first EPCI is learnt from the rows that list it alone.
    fosse_13 = qpv.set_index("code_qpv").loc["QN06216M"]
    assert fosse_13["siren_epci"] == "200072460"
    assert fosse_13["nom_epci"] == "Communauté d'agglomération de Béthune-Bruay; Artois-Lys Romane"


@pytest.mark.skipif(not REAL_FILE.exists(), reason="fichier de référence absent")
def test_region_departements_match_the_real_file() -> None:
    with REAL_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region = normalize_region(row["insee_reg"])
            assert normalize_departement(row["insee_dep"]) in REGION_DEPARTEMENTS[region]
            assert departement_from_code(row["codeQPV"]) == normalize_departement(row["insee_dep"])


def test_declared_sources() -> None:
    assert set(SOURCES) == {"sig_ville", "tiers_2024"}
    for source in SOURCES.values():
        assert set(source.columns.values()) <= set(CONTEXTE.column_names)
        assert source.provenance
