"""Cross-axis synthesis against small tidy tables and hand-computed expectations."""

from types import SimpleNamespace

import pandas as pd
import pytest

from qpv_analytics.formatting import NBSP, THOUSANDS_SEPARATOR
from qpv_analytics.indicators.model import RESULT_COLUMNS
from qpv_analytics.params import RunParams
from qpv_analytics.report import receipts, sections, synthesis

pytestmark = pytest.mark.unit

VALO = "tfpb_taux_valorisation_pct"  # axis 2, target 100 %
Q1 = "attrib_part_hors_qpv_q1_pct"  # axis 3, target 25 %
RECONS = "ru_taux_reconstitution_pct"  # axis 1, target 100 %
REALISATION = "clauses_taux_realisation_pct"  # axis 5, target 100 %, absent from the tables
MONTANT = "tfpb_montant_valorise_eur"  # axis 2, no target, €
RELOGES = "ru_part_relogement_hors_qpv_pct"  # axis 1, no target, person-based
CTX = "ctx_taux_pauvrete_60_pct"  # axis 0: context, not in the scorecard

LABELS = {
    VALO: ("Taux de valorisation", 2, "%"),
    Q1: ("Attributions Q1", 3, "%"),
    RECONS: ("Reconstitution", 1, "%"),
    MONTANT: ("Montant valorisé", 2, "€"),
    RELOGES: ("Relogés hors QPV", 1, "%"),
    CTX: ("Pauvreté", 0, "%"),
}
PARAMS = RunParams(annee=2025)
TARGETS = {VALO: 100.0, Q1: 25.0, RECONS: 100.0}


def row(code, niveau, territoire, annee, valeur, statut=None, nom=None, secret=False, src="a"):
    label, axe, unit = LABELS[code]
    cible = TARGETS.get(code)
    if statut is None:
        statut = "sans_cible" if cible is None else "atteint"
    if secret:
        valeur, statut = None, "secret"
    return {
        "indicateur": code,
        "libelle": label,
        "axe": axe,
        "niveau": niveau,
        "code": territoire,
        "nom": nom or territoire,
        "annee": annee,
        "valeur": valeur,
        "numerateur": None,
        "denominateur": None,
        "unite": unit,
        "cible": cible,
        "statut": statut,
        "secret": secret,
        "rapport": src,
    }


def frame(rows):
    out = pd.DataFrame(rows)
    for col in ("valeur", "numerateur", "denominateur", "cible"):
        out[col] = out[col].astype("Float64")
    out["annee"] = out["annee"].astype("Int64")
    return out


@pytest.fixture
def results():
    return frame(
        [
            row(VALO, "region", "region", 2024, 98.0, "partiel", src="axe2"),
            row(VALO, "region", "region", 2025, 120.0, "atteint", src="axe2"),
            row(VALO, "epci", "200000001", 2025, 130.0, "atteint", "CA Nord", src="axe2"),
            row(VALO, "epci", "200000002", 2025, 60.0, "non_atteint", "CA Sud", src="axe2"),
            row(VALO, "bailleur", "Logis A", 2025, 110.0, "atteint", src="axe2"),
            row(VALO, "bailleur", "Habitat B", 2025, 90.0, "partiel", src="axe2"),
            row(MONTANT, "region", "region", 2024, 1000.0, src="axe2"),
            row(MONTANT, "region", "region", 2025, 1100.0, src="axe2"),
            row(MONTANT, "bailleur", "Logis A", 2025, 600.0, src="axe2"),
            row(Q1, "region", "region", 2023, 20.0, "partiel", src="axe3"),
            row(Q1, "region", "region", 2025, 18.0, "non_atteint", src="axe3"),
            row(Q1, "epci", "200000001", 2025, 22.0, "partiel", "CA Nord", src="axe3"),
            row(Q1, "epci", "200000002", 2025, None, "secret", "CA Sud", True, src="axe3"),
            row(Q1, "bailleur", "Logis A", 2025, 30.0, "atteint", src="axe3"),
            row(RECONS, "region", "region", 2025, None, secret=True, src="axe1"),
            row(RELOGES, "region", "region", 2024, 40.0, src="axe1"),
            row(RELOGES, "region", "region", 2025, 43.5, src="axe1"),
            row(RELOGES, "bailleur", "Habitat B", 2025, None, secret=True, src="axe1"),
            row(CTX, "region", "region", 2025, 40.0, src="contexte"),
        ]
    )


def pct(text):
    return f"{text}{NBSP}%"


def test_load_indicator_tables_reads_all_but_excluded(tmp_path, results):
    one = results[results["rapport"] == "axe2"].drop(columns=["rapport", "secret"])
    two = results[results["rapport"] == "axe3"].drop(columns="rapport")
    one.to_parquet(tmp_path / "axe2.parquet", index=False)
    two.to_parquet(tmp_path / "axe3.parquet", index=False)
    one.iloc[:1].to_parquet(tmp_path / "zz_doublon.parquet", index=False)
    two.to_parquet(tmp_path / "synthese.parquet", index=False)
    (tmp_path / "axe2.csv").write_text("ignored", encoding="utf-8")
    out = synthesis.load_indicator_tables(tmp_path, exclude=["synthese"])
    assert list(out.columns) == [*RESULT_COLUMNS, "secret", "rapport"]
    assert len(out) == len(one) + len(two)  # the duplicate row of zz_doublon is dropped
    assert set(out["rapport"]) == {"axe2", "axe3"}
    assert not out.loc[out["rapport"] == "axe2", "secret"].any()  # absent column: false
    assert out.loc[out["rapport"] == "axe3", "secret"].sum() == 1


def test_load_indicator_tables_empty_folder(tmp_path):
    out = synthesis.load_indicator_tables(tmp_path)
    assert out.empty
    assert {"indicateur", "secret", "rapport"} <= set(out.columns)
    card = synthesis.target_scorecard(out, 2025, {VALO: 100.0})
    assert card["statut"].tolist() == ["sans_donnee"]


def test_expected_targets_reads_local_targets():
    params = RunParams(annee=2025)
    expected = synthesis.expected_targets(params)
    assert expected[VALO] == params.cibles_locales.taux_valorisation_tfpb_pct
    assert expected[Q1] == 25.0
    assert MONTANT not in expected
    assert all(synthesis.REGISTRY[c].axis in range(1, 7) for c in expected)


def test_scorecard_statuses_values_and_missing(results):
    card = synthesis.target_scorecard(results, 2025, {VALO: 100.0, REALISATION: 100.0})
    assert card["indicateur"].tolist() == [RECONS, VALO, Q1, REALISATION]  # by axis
    by = card.set_index("indicateur")
    # The regional rate (120 %) is context: the target binds each landlord, and Habitat B
    # (90 %) misses it.
    assert by.loc[VALO, "statut"] == "non_atteint"
    assert by.loc[VALO, "jugement"].text() == "1 sur 2 bailleurs"
    assert by.loc[VALO, "jugement"].failing == (("Habitat B", 90.0),)
    assert by.loc[VALO, "valeur"] == 120.0
    assert by.loc[VALO, "valeur_prec"] == 98.0
    assert by.loc[Q1, "statut"] == "non_atteint"  # CA Nord at 22 %, CA Sud masked
    assert by.loc[Q1, "jugement"].text() == "0 sur 1 EPCI (+ 1 secret)"
    assert pd.isna(by.loc[Q1, "valeur_prec"])  # no 2024 row
    assert by.loc[RECONS, "statut"] == "secret"  # only the (masked) regional row
    assert by.loc[RECONS, "jugement"].text() == "Région"
    assert pd.isna(by.loc[RECONS, "valeur"])
    assert by.loc[REALISATION, "statut"] == "sans_donnee"
    assert by.loc[REALISATION, "cible"] == 100.0
    assert by.loc[REALISATION, "libelle"] == synthesis.REGISTRY[REALISATION].label
    assert by.loc[VALO, "rapport"] == "axe2"


def test_verdict_trend_counts_units_year_by_year(results):
    table = synthesis.verdict_trend_table(results, [VALO, Q1, RECONS], [2024, 2025])
    by = table.set_index("Indicateur")
    assert by.loc["Taux de valorisation"].tolist() == ["–", "1 sur 2 bailleurs"]  # none in 2024
    assert by.loc["Attributions Q1"].tolist() == ["–", "0 sur 1 EPCI (+ 1 secret)"]
    assert "Reconstitution" not in by.index  # only a (masked) regional row: nothing by unit
    card = synthesis.target_scorecard(results, 2025)
    assert sections.obligation_card(card.iloc[1]["jugement"], PARAMS)[0] == "1 sur 2"


def test_status_counts_per_axis(results):
    card = synthesis.target_scorecard(results, 2025, {REALISATION: 100.0})
    counts = synthesis.status_counts(card)
    assert counts.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert counts.loc[1].to_dict() == {
        "atteint": 0,
        "partiel": 0,
        "non_atteint": 0,
        "sans_donnee": 0,
        "secret": 1,
        "total": 1,
    }
    assert counts.loc[2, ["atteint", "non_atteint"]].tolist() == [0, 1]  # per landlord
    assert counts.loc[3, "non_atteint"] == 1
    assert counts.loc[5, "sans_donnee"] == 1
    assert counts.loc[4, "total"] == 0
    table = synthesis.format_status_counts(counts)
    total = table.iloc[-1]
    assert total["Axe"] == "Total"
    assert total["Indicateurs avec cible"] == "4"
    assert total["Secret statistique"] == "1"


def test_format_scorecard_french(results):
    card = synthesis.target_scorecard(results, 2025)
    table = synthesis.format_target_scorecard(card, 2025, {"axe2": "Axe 2 — GUSP"}).set_index(
        "Indicateur"
    )
    assert table.loc["Taux de valorisation", "2025"] == pct("120,0")
    assert table.loc["Taux de valorisation", "2024"] == pct("98,0")
    assert table.loc["Taux de valorisation", "Cible"] == pct("100,0")
    assert table.loc["Taux de valorisation", "Statut"] == "Non atteint"
    assert table.loc["Taux de valorisation", "Jugée sur"] == "1 sur 2 bailleurs"
    assert table.loc["Taux de valorisation", "Rapport"] == "Axe 2 — GUSP"
    assert table.loc["Reconstitution", "2025"] == "s"
    assert table.loc["Reconstitution", "Statut"] == "Secret statistique"
    assert table.loc["Attributions Q1", "2024"] == "–"


def test_untargeted_and_change(results):
    free = synthesis.untargeted(results, 2025)
    assert free["indicateur"].tolist() == [RELOGES, MONTANT]  # axis 0 (context) left out
    table = synthesis.format_untargeted(free, 2025).set_index("Indicateur")
    assert table.loc["Montant valorisé", "2025"] == f"1{THOUSANDS_SEPARATOR}100{NBSP}€"
    assert table.loc["Montant valorisé", "Évolution"] == f"+10,0{NBSP}%"  # 1100 / 1000 - 1
    assert table.loc["Relogés hors QPV", "Évolution"] == f"+3,5{NBSP}pts"  # 43.5 - 40


@pytest.mark.parametrize(
    ("current", "previous", "unit", "secret", "expected"),
    [
        (50.0, 51.0, "%", False, f"-1,0{NBSP}pt"),
        (50.0, 50.0, "%", False, f"0,0{NBSP}pt"),
        (99.99, 100.0, "€", False, f"0,0{NBSP}%"),
        (90.0, 100.0, "heures", False, f"-10,0{NBSP}%"),
        (5.0, 0.0, "heures", False, "–"),
        (5.0, None, "%", False, "–"),
        (None, 3.0, "%", True, "s"),
    ],
)
def test_change_text(current, previous, unit, secret, expected):
    assert synthesis.change_text(current, previous, unit, secret) == expected


def test_trend_table(results):
    table = synthesis.trend_table(results, [Q1, RECONS, REALISATION], [2023, 2024, 2025])
    assert table.columns.tolist() == ["Indicateur", "2023", "2024", "2025", "Cible"]
    q1, recons, absent = (table.iloc[i] for i in range(3))
    assert [q1["2023"], q1["2024"], q1["2025"], q1["Cible"]] == [
        pct("20,0"),
        "–",
        pct("18,0"),
        pct("25,0"),
    ]
    assert recons["2025"] == "s"
    assert absent["Indicateur"] == synthesis.REGISTRY[REALISATION].label
    assert absent["2025"] == "Sans donnée"
    assert absent["Cible"] == pct("100,0")


EPCIS = pd.DataFrame(
    {
        "code": ["200000002", "200000001", "200000003"],
        "nom": ["CA Sud", "CA Nord", "CC Vide"],
        "departement": ["62", "59", "59"],
    }
)


def test_epci_reference():
    qpv = pd.DataFrame(
        {
            "code_qpv": ["Q1", "Q2", "Q3"],
            "siren_epci": ["200000001", "200000001", "200000002"],
            "nom_epci": ["CA Nord", "CA Nord", None],
            "code_departement": ["59", "59", "62"],
        }
    )
    ref = synthesis.epci_reference(qpv)
    assert ref.to_dict("list") == {
        "code": ["200000001", "200000002"],
        "nom": ["CA Nord", "200000002"],
        "departement": ["59", "62"],
    }


def test_epci_status_counts(results):
    counts = synthesis.epci_status_counts(results, 2025, [VALO, Q1], EPCIS).set_index("code")
    assert counts.loc["200000001", ["atteint", "partiel", "non_atteint"]].tolist() == [1, 1, 0]
    assert counts.loc["200000002", ["non_atteint", "secret"]].tolist() == [1, 1]
    assert counts.loc["200000003", "sans_donnee"] == 2


def test_epci_profile_sorted_by_department_with_marks(results):
    """Departments are shown by their name (sorted by code), never as a bare code."""
    table = synthesis.epci_profile(results, 2025, [VALO, Q1], EPCIS)
    assert table.columns.tolist() == [
        "Dép.",
        "EPCI",
        "Valorisation de l'abattement TFPB (axe 2)",
        "Attributions hors QPV au 1er quartile (axe 3)",
        "Atteintes",
    ]
    assert table["EPCI"].tolist() == ["CA Nord", "CC Vide", "CA Sud"]
    nord, vide, sud = (table.iloc[i].tolist() for i in range(3))
    assert nord == ["Nord", "CA Nord", f"{pct('130,0')} ✓", f"{pct('22,0')} ≈", "1 / 2"]
    assert vide == ["Nord", "CC Vide", "–", "–", "–"]
    assert sud == ["Pas-de-Calais", "CA Sud", f"{pct('60,0')} ✗", "s", "0 / 1"]


def test_partner_profile_and_axes(results):
    table = synthesis.partner_profile(results, 2025, "bailleur")
    assert table.columns.tolist() == [
        "Bailleur",
        "Relogés hors QPV",
        "Taux de valorisation",
        "Montant valorisé",
        "Attributions Q1",
    ]
    assert table["Bailleur"].tolist() == ["Habitat B", "Logis A"]
    habitat, logis = table.iloc[0], table.iloc[1]
    assert habitat["Relogés hors QPV"] == "s"
    assert habitat["Taux de valorisation"] == f"{pct('90,0')} ≈"
    assert habitat["Attributions Q1"] == "–"
    assert logis["Montant valorisé"] == f"600{NBSP}€"
    axes = synthesis.partner_axes(results, 2025, "bailleur").set_index("Bailleur")
    assert axes.columns.tolist() == [
        "Axe 1",
        "Axe 2",
        "Axe 3",
        "Axes couverts",
        "Cibles atteintes",
    ]
    assert axes.loc["Logis A"].tolist() == ["–", "2", "1", "2", "2 / 2"]
    assert axes.loc["Habitat B"].tolist() == ["–", "1", "–", "1", "0 / 1"]  # masked: not counted


def _frames():
    return {
        "tfpb_abattement": pd.DataFrame(
            {
                "annee": [2024, 2025, 2025, 2025],
                "bailleur": ["Logis A", "Logis A", "Habitat B", "Habitat B"],
                "_fichier": ["a24.csv", "a25.csv", "b25.csv", "b25.csv"],
            }
        ),
        "gusp": pd.DataFrame(
            {
                "annee": [2021, 2022, 2024],
                "siren_epci": ["200000001", "200000001", "200000002"],
                "_fichier": ["g.csv", "g.csv", "g.csv"],
            }
        ),
        "attributions": pd.DataFrame(
            {"annee": [2025], "bailleur": ["Inconnu"], "_fichier": ["x.csv"]}
        ),
    }


def test_completeness_table():
    table = receipts.completeness_table(_frames(), 2025).set_index("Table")
    assert not any("(bailleurs)" in t for t in table.index)
    tfpb = table.loc["Abattement de TFPB (tfpb_abattement)"]
    assert tfpb.tolist() == ["2024–2025", "2", "2", "1", "bailleurs"]
    gusp = next(t for t in table.index if t.endswith("(gusp)"))
    assert table.loc[gusp].tolist() == ["2021–2022, 2024", "–", "0", "1", "EPCI"]
    ops = next(t for t in table.index if t.endswith("(ru_operations)"))
    assert table.loc[ops].tolist()[:4] == ["–", "–", "0", "0"]


def test_landlord_matrix():
    registry = pd.DataFrame({"bailleur": ["Logis A", "Habitat B", "Toits C"]})
    table = receipts.landlord_matrix(_frames(), registry, 2025).set_index("Bailleur")
    tables = [c for c in table.columns if c != "Tables reçues"]
    assert "tfpb_abattement" in tables and "attributions" in tables
    assert table.loc["Habitat B", "tfpb_abattement"] == "oui"
    assert table.loc["Logis A", "tfpb_abattement"] == "oui"
    assert table.loc["Toits C", "tfpb_abattement"] == "–"
    assert table.loc["Toits C", "Tables reçues"] == f"0 / {len(tables)}"
    assert table.loc["Inconnu (hors registre)", "attributions"] == "oui"
    assert table.index.tolist()[:3] == ["Habitat B", "Logis A", "Toits C"]


def test_completeness_reads_processed_tables(tmp_path):
    for name, data in _frames().items():
        data.to_parquet(tmp_path / f"{name}.parquet", index=False)
    pd.DataFrame({"bailleur": ["Logis A"]}).to_parquet(tmp_path / "bailleurs.parquet")
    report = SimpleNamespace(paths=SimpleNamespace(processed=tmp_path), annee=2025)
    table = receipts.data_completeness(report).set_index("Table")
    assert table.loc["Abattement de TFPB (tfpb_abattement)", "Fichiers 2025"] == "2"
    matrix, complete = receipts.landlord_tables(report)
    assert matrix["Bailleur"].tolist() == [
        "Logis A",
        "Habitat B (hors registre)",
        "Inconnu (hors registre)",
    ]
    assert complete == 0


def test_complete_landlords_counts_those_who_sent_every_table():
    registry = pd.DataFrame({"bailleur": ["Logis A", "Habitat B"]})
    names = [c for c in receipts.landlord_matrix({}, registry, 2025).columns[1:-1]]
    frames = {n: pd.DataFrame({"annee": [2025], "bailleur": ["Logis A"]}) for n in names}
    assert receipts.complete_landlords(frames, registry, 2025) == 1
    frames[names[0]] = pd.DataFrame({"annee": [2024], "bailleur": ["Logis A"]})
    assert receipts.complete_landlords(frames, registry, 2025) == 0


def test_sources_table(results):
    table = synthesis.sources_table(results, 2025, {"axe2": "Axe 2"}).set_index("Rapport")
    assert table.loc["Axe 2"].tolist() == ["2", "2", "2024–2025", "0"]
    assert table.loc["axe1", "Valeurs masquées 2025"] == "2"
    assert table.loc["contexte", "Axes"] == "contexte"
