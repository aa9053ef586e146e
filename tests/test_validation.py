"""The quality gate: suites generated from the contract, severities, pages and Data Docs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES
from qpv_analytics.ingest.loaders import LoadResult, load_raw
from qpv_analytics.ingest.reference import qpv_reference
from qpv_analytics.params import RunParams
from qpv_analytics.quality import findings, gate, model, pages, suites

REPO = Path(__file__).resolve().parents[1]
VALID = Path(__file__).resolve().parent / "corpus" / "valide"
PARAMS = RunParams(annee=2025)
REFS = suites.ReferenceSets(
    qpv=frozenset({"QN00201M", "QN00202M"}),
    epci=frozenset({"200071892"}),
    landlords=frozenset({"Habitat Flandre Opale"}),
)
unit = pytest.mark.unit
integration = pytest.mark.integration


@lru_cache(maxsize=1)
def region_qpv() -> pd.DataFrame:
    return qpv_reference("32", Paths(REPO))


def suite(name: str, refs: suites.ReferenceSets = REFS) -> list:
    return suites.build_suite(TABLES[name], refs, PARAMS)


def find(expectations: list, kind: str, **kwargs) -> list:
    """Expectations of one GX type whose arguments include ``kwargs``."""
    return [
        e
        for e in expectations
        if type(e).__name__ == kind and all(getattr(e, k, None) == v for k, v in kwargs.items())
    ]


def valid_project(root: Path) -> Paths:
    raw = root / "data" / "raw"
    for path in VALID.glob("*.csv"):
        (raw / path.stem).mkdir(parents=True)
        shutil.copyfile(path, raw / path.stem / path.name)
    return Paths(root)


def append_line(paths: Paths, table: str, line: str) -> None:
    target = paths.raw / table / f"{table}.csv"
    target.write_text(target.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- suites (unit)


@unit
@pytest.mark.parametrize("name", list(TABLES))
def test_suite_follows_the_contract(name: str):
    table = TABLES[name]
    exps = suite(name)
    presence = find(exps, "ExpectTableColumnsToMatchSet")
    assert len(presence) == 1 and presence[0].column_set == table.column_names
    for col in table.columns:
        if col.required:
            assert find(exps, "ExpectColumnValuesToNotBeNull", column=col.name), col.name
        else:
            assert not find(exps, "ExpectColumnValuesToNotBeNull", column=col.name), col.name
        if col.allowed:
            assert find(
                exps, "ExpectColumnValuesToBeInSet", column=col.name, value_set=list(col.allowed)
            ), col.name
        if col.pattern:
            assert find(exps, "ExpectColumnValuesToMatchRegex", column=col.name, regex=col.pattern)
        if col.name != "annee" and (col.min is not None or col.max is not None):
            assert find(
                exps,
                "ExpectColumnValuesToBeBetween",
                column=col.name,
                min_value=col.min,
                max_value=col.max,
            ), col.name
        if col.kind not in ("texte", "code"):
            assert find(exps, "ExpectColumnValuesToBeInTypeList", column=col.name), col.name
        if col.references:
            derived = suites.reference_column(col)
            (check,) = find(exps, "ExpectColumnValuesToBeNull", column=derived)
            assert check.meta["colonnes"] == [derived, col.name]
            assert check.meta["regle"] == f"referentiel_{col.references}"
            assert not find(exps, "ExpectColumnValuesToBeInSet", column=col.name)
    if len(table.key) == 1:
        assert find(exps, "ExpectColumnValuesToBeUnique", column=table.key[0])
    else:
        assert find(exps, "ExpectCompoundColumnsToBeUnique", column_list=list(table.key))
    for rule in table.rules:
        pair = find(
            exps,
            "ExpectColumnPairValuesAToBeGreaterThanB",
            column_A=rule.right,
            column_B=rule.left,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
        assert pair and rule.message in pair[0].meta["probleme"]


@unit
def test_every_allowed_values_column_has_an_in_set_expectation():
    checked = 0
    for name, table in TABLES.items():
        exps = suite(name)
        for col in table.columns:
            if col.allowed:
                assert find(exps, "ExpectColumnValuesToBeInSet", column=col.name), (name, col.name)
                checked += 1
    assert checked >= 10


@unit
@pytest.mark.parametrize("name", PARTNER_TABLES)
def test_every_expectation_carries_french_message_and_severity(name: str):
    for exp in suite(name):
        meta = exp.meta
        assert meta["severite"] in ("bloquant", "avertissement")
        assert exp.severity.value == suites.GX_SEVERITY[meta["severite"]]
        assert meta["probleme"] and meta["attendu"] and meta["action"] and meta["regle"]
        assert meta["table"] == name


@unit
def test_reference_severities():
    exps = suite("tfpb_abattement")
    (qpv,) = find(exps, "ExpectColumnValuesToBeNull", column="_code_qpv_hors_referentiel")
    (landlord,) = find(exps, "ExpectColumnValuesToBeNull", column="_bailleur_hors_referentiel")
    assert qpv.meta["severite"] == "bloquant" and qpv.severity.value == "critical"
    assert landlord.meta["severite"] == "avertissement" and landlord.severity.value == "warning"
    (epci,) = find(
        suite("gusp"), "ExpectColumnValuesToBeNull", column="_siren_epci_hors_referentiel"
    )
    assert epci.meta["severite"] == "bloquant"


@unit
def test_no_landlord_check_without_registry():
    refs = suites.ReferenceSets(REFS.qpv, REFS.epci, frozenset())
    exps = suite("tfpb_abattement", refs)
    assert not find(exps, "ExpectColumnValuesToBeNull", column="_bailleur_hors_referentiel")
    data = pd.DataFrame({"bailleur": pd.array(["Inconnu"], dtype="string")})
    frame = suites.prepare_frame(data, TABLES["tfpb_abattement"], refs)
    assert "_bailleur_hors_referentiel" not in frame.columns


@unit
def test_prepare_frame_keeps_the_values_missing_from_their_reference():
    table = TABLES["tfpb_abattement"]
    data = pd.DataFrame(
        {
            "code_qpv": pd.array(["QN00201M", "QP059001", None, "QN00202M", "qn00201m"], "string"),
            "bailleur": pd.array(["Habitat Flandre Opale", None, "HFO", "X", "X"], "string"),
        }
    )
    frame = suites.prepare_frame(data, table, REFS)
    qpv = frame["_code_qpv_hors_referentiel"]
    assert qpv.dtype == "string"
    assert qpv.tolist() == [pd.NA, "QP059001", pd.NA, pd.NA, "qn00201m"]
    assert frame["_bailleur_hors_referentiel"].tolist() == [pd.NA, pd.NA, "HFO", "X", "X"]


@unit
def test_year_window():
    years = find(suite("tfpb_abattement"), "ExpectColumnValuesToBeBetween", column="annee")
    by_severity = {e.meta["severite"]: e for e in years}
    assert by_severity["bloquant"].max_value == PARAMS.annee
    assert by_severity["avertissement"].min_value == PARAMS.years[0]
    assert by_severity["avertissement"].max_value is None


@unit
def test_plausibility_is_a_warning():
    exps = suite("tfpb_abattement")
    (check,) = find(exps, "ExpectColumnValuesToBeBetween", column="_abattement_eur_par_logement")
    assert check.meta["severite"] == "avertissement"
    assert (check.min_value, check.max_value) == (20, 2000)
    assert check.meta["colonnes"] == [
        "_abattement_eur_par_logement",
        "montant_abattement_eur",
        "logements_concernes",
    ]


@unit
def test_plausibility_is_declared_beside_its_columns():
    found = {t.name: t.plausibility for t in TABLES.values() if t.plausibility}
    assert set(found) == {
        "tfpb_abattement",
        "tfpb_actions",
        "ru_operations",
        "ru_relogements",
        "clauses_marches",
        "clauses_beneficiaires",
    }
    names = [check.name for checks in found.values() for _, check in checks]
    assert len(names) == len(set(names)) and all(n.startswith("_") for n in names)
    for name, checks in found.items():
        for col, check in checks:
            assert check.per is None or check.per in TABLES[name].column_names
            assert set(check.total_by) <= set(TABLES[name].column_names)
            assert check.min is not None or check.max is not None
            assert col.kind in ("entier", "decimal")


@unit
def test_prepare_frame_adds_the_plausibility_ratio():
    data = pd.DataFrame(
        {
            "montant_abattement_eur": [1000.0, 50.0, 10.0],
            "logements_concernes": pd.array([10, 0, None], dtype="Int64"),
        }
    )
    frame = suites.prepare_frame(data, TABLES["tfpb_abattement"], REFS)
    ratio = frame["_abattement_eur_par_logement"]
    assert ratio[0] == 100 and pd.isna(ratio[1]) and pd.isna(ratio[2])


@unit
def test_prepare_frame_resets_index_and_hides_identifiers():
    table = TABLES["ru_relogements"]
    data = pd.DataFrame(
        {"id_menage": pd.array(["SECRET-1", "SECRET-2", "SECRET-1", None], dtype="string")},
        index=[7, 3, 9, 1],
    )
    frame = suites.prepare_frame(data, table, REFS)
    assert isinstance(frame.index, pd.RangeIndex)
    values = frame["id_menage"].tolist()
    assert values[0] == values[2] != values[1] and pd.isna(values[3])
    assert not any("SECRET" in str(v) for v in values)


@unit
def test_every_rate_column_gets_the_blocking_fraction_check():
    checked = 0
    for name, table in TABLES.items():
        exps = suite(name)
        for col in table.columns:
            found = find(exps, "ExpectColumnValuesToBeNull", column=suites.fraction_column(col))
            assert bool(found) == (col.unit == "%" and (col.min, col.max) == (0, 100)), col.name
            if found:
                (check,) = found
                assert check.meta["severite"] == "bloquant"
                assert check.meta["regle"] == suites.FRACTION_RULE
                assert check.meta["colonnes"] == [suites.fraction_column(col), col.name]
                assert check.meta[suites.WHOLE_FILE] is True
                assert "fraction ?" in check.meta["probleme"]
                assert "par 100" in check.meta["action"]
                checked += 1
    assert checked >= 3


@unit
def test_prepare_frame_keeps_the_rates_of_files_written_in_fractions():
    table = TABLES["numerique_bailleurs"]
    data = pd.DataFrame(
        {
            "part_demandes_en_ligne_pct": pd.array(
                [0.452, 0.3, None, 0.51, 45.0, 0.2, 0.5, 0.0, 0.9, 0.0, 1.0, 0.4, 0.7],
                dtype="Float64",
            ),
            "_fichier": ["a.csv"] * 4 + ["b.csv"] * 2 + ["c.csv"] * 4 + ["d.xlsx"] * 3,
            "_feuille": [None] * 10 + ["2024", "2024", "2025"],
        }
    )
    flagged = suites.prepare_frame(data, table, REFS)[
        suites.fraction_column(table.column("part_demandes_en_ligne_pct"))
    ]
    # a.csv: three rates out of four in [0, 1] (one blank) -> fractions
    assert flagged[:4].tolist() == [0.452, 0.3, pd.NA, 0.51]
    # b.csv: one rate above 1; c.csv: only two non-zero rates; d.xlsx: sheets judged apart
    assert flagged[4:].isna().all()


@unit
def test_prepare_frame_sums_a_persons_hours_over_their_contracts():
    table = TABLES["clauses_beneficiaires"]
    (col, check) = table.plausibility[0]
    assert (col.name, check.total_by, check.max) == (
        "heures_realisees",
        ("id_personne", "annee"),
        1607,
    )
    data = pd.DataFrame(
        {
            "id_personne": pd.array(["P-1", "P-1", "P-1", "P-2", None], dtype="string"),
            "annee": [2025, 2025, 2024, 2025, 2025],
            "heures_realisees": pd.array([900.0, 800.0, 1000.0, None, 10.0], dtype="Float64"),
        }
    )
    totals = suites.prepare_frame(data, table, REFS)[check.name].tolist()
    assert totals[:3] == [1700.0, 1700.0, 1000.0]
    assert pd.isna(totals[3]) and pd.isna(totals[4])


@unit
def test_shared_results_are_counts_without_file_row_or_value(tmp_path: Path):
    from qpv_analytics.quality.model import Issue

    issues = [
        Issue(
            "avertissement",
            "ru_relogements",
            "valeurs peu vraisemblables (taille du ménage).",
            "vérifiez.",
            file=name,
            column="taille_menage",
            rows=rows,
            values=values,
            producer="Cités Picardes",
            rule="vraisemblance:taille_menage",
            expected="une valeur entre 1 et 15 personnes",
        )
        for name, rows, values in (("a.csv", [61, 67], ["64", "87"]), ("b.csv", [73], ["93"]))
    ] + [Issue("bloquant", "gusp", "colonnes absentes.", "ajoutez-les.", file="g.csv")]
    report = model.QualityReport(issues, tmp_path, 2025)
    report.feedback = [
        {
            "producteur": "Cités Picardes",
            "libelle": "Cités Picardes",
            "slug": "cites-picardes",
            "page": "retours/cites-picardes.html",
            "csv": "retours/cites-picardes.csv",
            "bloquants": 0,
            "avertissements": 3,
        }
    ]
    shared = report.shared_dict()
    text = json.dumps(shared, ensure_ascii=False)
    for private in ("61", "67", "73", "64", "87", "93", "a.csv", "b.csv", "retours/"):
        assert private not in text, private
    relogements, gusp = shared["constats"]
    assert relogements["constats"] == 2 and relogements["lignes_concernees"] == 3
    assert (
        relogements["producteur"] == "Cités Picardes" and relogements["colonne"] == "taille_menage"
    )
    assert gusp["gravite"] == "bloquant" and gusp["lignes_concernees"] == 0
    assert shared["producteurs"] == [
        {
            "producteur": "Cités Picardes",
            "libelle": "Cités Picardes",
            "bloquants": 0,
            "avertissements": 3,
        }
    ]
    assert shared != report.to_dict()
    # the warnings shown on the publication's index and in its manifest
    texts = [w["texte"] for w in report.summary_dict()["avertissements"]]
    assert texts == [
        "[AVERTISSEMENT] table « ru_relogements », colonne « taille_menage » : valeurs peu "
        "vraisemblables (taille du ménage). 2 ligne(s) concernée(s). Attendu : une valeur entre "
        "1 et 15 personnes. À faire : vérifiez.",
        "[AVERTISSEMENT] table « ru_relogements », colonne « taille_menage » : valeurs peu "
        "vraisemblables (taille du ménage). 1 ligne(s) concernée(s). Attendu : une valeur entre "
        "1 et 15 personnes. À faire : vérifiez.",
    ]


@unit
def test_row_numbers_inside_a_message_are_not_shared(tmp_path: Path):
    from qpv_analytics.quality.model import Issue

    message = "trop de colonnes dès la ligne 12 (séparateur « ; »), puis lignes 14, 15 et 17."
    issue = Issue("bloquant", "ru_relogements", message, "corrigez la ligne 12.", file="r.csv")
    report = model.QualityReport([issue], tmp_path, 2025)
    (count,) = report.shared_dict()["constats"]
    assert count["probleme"] == "trop de colonnes dès la ligne … (séparateur « ; »), puis lignes …."
    assert count["a_faire"] == "corrigez la ligne …."
    assert "12" not in issue.shared_text() and "14" not in issue.shared_text()
    assert model.without_row_numbers("Expected 5 fields in line 3, saw 7") == (
        "Expected 5 fields in line …, saw 7"
    )
    assert model.without_row_numbers("Lignes concernées : 3.") == "Lignes concernées : 3."
    assert model.without_row_numbers("(lignes 2, 5, 9 … (+15))") == "(lignes …)"
    assert issue.message == message  # the team's pages keep every detail


@unit
def test_great_expectations_is_imported_lazily():
    code = (
        "import importlib, pkgutil, sys, qpv_analytics.quality as q\n"
        "for m in pkgutil.iter_modules(q.__path__):\n"
        "    importlib.import_module(f'qpv_analytics.quality.{m.name}')\n"
        "print(len(list(pkgutil.iter_modules(q.__path__))), 'great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported, loaded = out.stdout.split()
    assert int(imported) >= 6 and loaded == "False"


@unit
def test_summary_text_is_short_and_french(tmp_path: Path):
    from qpv_analytics.quality.model import Issue

    issues = [
        Issue("bloquant", "tfpb_abattement", f"problème {n}.", "corrigez.", file="a.csv")
        for n in range(40)
    ] + [Issue("avertissement", "gusp", "à vérifier.", "rien.", file="g.csv")]
    report = model.QualityReport(issues, tmp_path, 2025)
    text = report.summary_text(max_lines=15)
    assert len(text.splitlines()) <= 15
    assert "REFUSÉ" in text and "40 erreur(s)" in text and "index.html" in text
    assert "autre(s) erreur(s)" in text
    summary = report.summary_dict()
    assert summary["statut"] == "refusé" and summary["bloquants"] == 40
    assert summary["avertissements"] == [
        {"table": "gusp", "probleme": "à vérifier.", "texte": issues[-1].text()}
    ]


@unit
def test_feedback_slug_and_masking(tmp_path: Path):
    assert pages.slugify("Cités Picardes (fictif)") == "cites-picardes-fictif"
    row = model.FeedbackRow(
        None, "ru_relogements", "r.csv", None, 4, "id_menage", "MEN-1", "clé", None, "x", "bloquant"
    )
    entries = pages.write_feedback([row], tmp_path, 2025)
    assert entries[0]["producteur"] == pages.UNKNOWN_PRODUCER
    written = (tmp_path / entries[0]["csv"]).read_text(encoding="utf-8-sig")
    assert "MEN-1" not in written and "r.csv;;4;id_menage" in written


# --------------------------------------------------------------------------- end to end (GX)


@integration
def test_valid_dataset_passes_and_writes_pages(tmp_path: Path):
    paths = valid_project(tmp_path / "projet")
    results = load_raw(paths)
    out = tmp_path / "qualite"
    report = gate.run_quality_gate(results, region_qpv(), PARAMS, out)
    assert [i.text() for i in report.issues] == []
    assert report.status == "valide" and not report.blocking
    assert set(report.tables) == set(PARTNER_TABLES)
    assert (out / "data_docs" / "index.html").exists()
    assert list((out / "data_docs" / "validations").rglob("*.html"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "valide" in page and 'href="data_docs/index.html"' in page
    saved = json.loads((out / "resultats.json").read_text(encoding="utf-8"))
    assert saved["statut"] == "valide" and saved["issues"] == []
    assert report.summary_dict() == {"statut": "valide", "bloquants": 0, "avertissements": []}
    assert not (out / "retours").exists()
    assert "MEN-7F3A" not in "".join(
        p.read_text(encoding="utf-8") for p in (out / "data_docs").rglob("*.html")
    )


@integration
def test_the_gate_warns_about_the_real_state_posts_files(tmp_path: Path):
    from tests.conftest import REPO

    paths = valid_project(tmp_path / "projet")
    shutil.copytree(REPO / "data" / "reference", paths.reference)
    params = RunParams(annee=2025)
    out = tmp_path / "qualite"
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), params, out, paths)
    found = [i for i in report.issues if i.table in ("adultes_relais", "fonjep")]
    assert found and not report.blocking and report.status == "valide avec avertissements"
    uniform = [i for i in found if i.rule.endswith("montant_unique") and "2025" in i.file]
    assert len(uniform) == 1 and "postes FONJEP" in uniform[0].message
    assert any("(−71\xa0%)" in i.message for i in found)
    saved = json.loads((out / "resultats.json").read_text(encoding="utf-8"))
    assert any(i["fichier"] == "adulte-relais-2025.json" for i in saved["issues"])
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Postes Adultes-relais financés par l" in page and "montant forfaitaire" in page


@integration
def test_severity_split(tmp_path: Path):
    paths = valid_project(tmp_path / "avertissement")
    append_line(paths, "numerique_bailleurs", "2025;Logis Inconnu;20;non")
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), PARAMS, tmp_path / "q1")
    assert not report.blocking and report.status == "valide avec avertissements"
    (warning,) = report.summary_dict()["avertissements"]
    assert warning["table"] == "numerique_bailleurs" and "Logis Inconnu" in warning["texte"]

    paths = valid_project(tmp_path / "bloquant")
    append_line(paths, "numerique_bailleurs", "2025;Logis de l'Avesnois;120;non")
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), PARAMS, tmp_path / "q2")
    assert report.blocking and report.status == "refusé"
    assert report.summary_dict()["bloquants"] == 1
    (entry,) = report.feedback
    assert entry["producteur"] == "Logis de l'Avesnois" and entry["bloquants"] == 1
    assert (tmp_path / "q2" / entry["page"]).exists()

    fixed = valid_project(tmp_path / "corrige")
    report = gate.run_quality_gate(load_raw(fixed), region_qpv(), PARAMS, tmp_path / "q2")
    assert report.status == "valide"
    assert not (tmp_path / "q2" / "retours").exists()
    assert len(list((tmp_path / "q2" / "data_docs" / "validations").rglob("*.html"))) == len(
        PARTNER_TABLES
    )


@integration
def test_hand_made_frame_with_wrong_types_and_index(tmp_path: Path):
    """Frames that did not come from the loaders: wrong dtypes, non-range index, missing column."""
    table = TABLES["numerique_bailleurs"]
    data = pd.DataFrame(
        {
            "annee": [2025, 2025],
            "bailleur": ["Habitat Flandre Opale", "Habitat Flandre Opale"],
            "part_demandes_en_ligne_pct": ["45", "140"],
            "_fichier": ["main.csv", "main.csv"],
            "_feuille": [None, None],
            "_ligne": [10, 11],
        },
        index=[5, 3],
    )
    results = {
        "bailleurs": LoadResult("bailleurs", pd.read_csv(VALID / "bailleurs.csv", sep=";")),
        "numerique_bailleurs": LoadResult(table.name, data),
    }
    results["bailleurs"].data[["_fichier", "_feuille", "_ligne"]] = ["bailleurs.csv", None, 2]
    report = gate.run_quality_gate(results, region_qpv(), PARAMS, tmp_path / "q")
    texts = [i.text() for i in report.issues if i.blocking]
    assert any("extranet_locataire" in t and "absentes" in t for t in texts), texts
    assert any("part_demandes_en_ligne_pct" in t and "type" in t for t in texts), texts
    assert report.status == "refusé"


@unit
def test_personal_details_of_free_text_are_warnings_without_the_value():
    """One warning per file, column and kinds, naming the rows; producers are named masked."""
    data = pd.DataFrame(
        {
            "id_evenement": ["EV-1", "EV-2", "EV-3", "EV-4"],
            "intitule": [
                "Réseau GUSP (inscription : c.martin@lens.fr)",
                "Co-formation",
                "Visite (inscription : c.martin@lens.fr)",
                "Webinaire du 03/01/2025, 172 345,50 €",
            ],
            "organisateur": ["IREV", "Mme Claire Martin, 06 12 34 56 78", "IREV", "URH"],
            "territoire": ["M. Dupont", "region", "region", "region"],  # a code column
            "_fichier": ["ev.csv", "ev.csv", "ev.csv", "ev2.csv"],
            "_feuille": [None, None, None, None],
            "_ligne": [2, 3, 4, 2],
        }
    )
    table = TABLES["evenements"]
    issues = findings.personal_text_issues(table, data)
    assert [(i.file, i.column, i.rows, i.severity, i.rule) for i in issues] == [
        ("ev.csv", "intitule", [2, 4], "avertissement", "donnee_personnelle"),
        ("ev.csv", "organisateur", [3], "avertissement", "donnee_personnelle"),
    ]
    assert "(adresse e-mail)" in issues[0].message
    assert "(numéro de téléphone, nom précédé d'une civilité)" in issues[1].message
    text = " ".join(i.text() for i in issues)
    assert "c.martin" not in text and "Claire" not in text and "06 12" not in text
    result = LoadResult("evenements", data, [], [])
    found, rows = findings.table_findings(result, table, data, None, None)
    assert [i.rule for i in found] == ["donnee_personnelle", "donnee_personnelle"]
    assert sorted((r.file, r.row, r.producer, r.value) for r in rows) == [
        ("ev.csv", 2, "IREV", ""),
        ("ev.csv", 3, "[nom masqué], [coordonnées masquées]", ""),
        ("ev.csv", 4, "IREV", ""),
    ]


@integration
def test_only_the_file_written_in_fractions_is_refused(tmp_path: Path):
    paths = valid_project(tmp_path / "projet")
    folder = paths.raw / "numerique_bailleurs"
    (folder / "fractions.csv").write_text(
        "annee;bailleur;part_demandes_en_ligne_pct;extranet_locataire\n"
        "2024;Habitat Flandre Opale;0,452;oui\n"
        "2024;Cités Picardes;0,385;non\n"
        "2024;Logis de l'Avesnois;0,51;oui\n",
        encoding="utf-8",
    )
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), PARAMS, tmp_path / "q")
    assert report.status == "refusé"
    (issue,) = [i for i in report.issues if i.blocking]
    assert (issue.file, issue.column, issue.rows) == (
        "fractions.csv",
        "part_demandes_en_ligne_pct",
        [2, 3, 4],
    )
    assert issue.rule == suites.FRACTION_RULE and issue.producer is None
    text = issue.text()
    assert "valeurs en fraction ?" in text and "Lignes concernées : 3." in text
    assert "multipliez par 100" in text
    # each landlord's feedback page lists its own row of the file
    assert sorted(e["producteur"] for e in report.feedback) == [
        "Cités Picardes",
        "Habitat Flandre Opale",
        "Logis de l'Avesnois",
    ]


@integration
def test_a_persons_hours_over_several_contracts_warn(tmp_path: Path):
    paths = valid_project(tmp_path / "projet")
    append_line(
        paths,
        "clauses_beneficiaires",
        "P-9A1;M-02;2025;oui;QN00201M;F;moins_26;cap_bep;jeune_sans_qualification;1300;"
        "emploi_durable",
    )
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), PARAMS, tmp_path / "q")
    assert not report.blocking and report.status == "valide avec avertissements"
    found = [i for i in report.issues if i.table == "clauses_beneficiaires"]
    assert sorted(line for i in found for line in i.rows) == [2, 4]  # 400 h + 1 300 h
    assert all("1 700" in i.values for i in found)
    assert all(i.rule == "vraisemblance:heures_par_personne_et_an" for i in found)
    assert all("P-9A1" not in i.text() for i in found)


@integration
def test_shared_data_docs_give_counts_and_the_teams_give_rows(tmp_path: Path):
    from qpv_analytics.quality.gx_run import DATA_DOCS_FOLDER
    from qpv_analytics.quality.model import SHARED_FOLDER

    paths = valid_project(tmp_path / "projet")
    append_line(
        paths,
        "ru_relogements",
        "MEN-9Z9Z;2025;QN00201M;Habitat Flandre Opale;parc_existant;non;10;87;1",
    )
    out = tmp_path / "q"
    report = gate.run_quality_gate(load_raw(paths), region_qpv(), PARAMS, out)
    (issue,) = report.issues
    assert issue.values == ["87"] and issue.rows == [4]  # the findings keep every detail

    def page(folder: Path) -> str:
        (path,) = (folder / DATA_DOCS_FOLDER / "validations").rglob("*ru_relogements.html")
        return path.read_text(encoding="utf-8")

    team, shared = page(out), page(out / SHARED_FOLDER)
    assert "87.0" in team and "Unexpected Value" in team
    assert "87.0" not in shared and "Unexpected Value" not in shared
    assert "1 unexpected values found" in shared
    assert 'href="partage/index.html"' in (out / "index.html").read_text(encoding="utf-8")
    shared_index = (out / SHARED_FOLDER / "index.html").read_text(encoding="utf-8")
    assert 'href="data_docs/index.html"' in shared_index and "retours/" not in shared_index

    pages.share_quality_pages(report, load_raw(paths), out)
    assert sorted(p.name for p in out.iterdir()) == [
        DATA_DOCS_FOLDER,
        "index.html",
        gate.RESULTS_FILE,
    ]
    assert page(out) == shared
