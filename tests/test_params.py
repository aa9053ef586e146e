"""Run parameters are validated before anything runs, with French messages; project folders."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from qpv_analytics.config import BUILD_ENV, Paths
from qpv_analytics.params import RunParams, load_params
from qpv_analytics.quality.model import DataError

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[1] / "src"


def test_shipped_params_are_valid(project):
    params = load_params(2025, project)
    assert params.years == [2021, 2022, 2023, 2024, 2025]
    assert params.cibles_locales.part_attributions_qpv_q234_pct == 50


def test_unknown_key_is_an_error(project):
    (project.params / "2024.yaml").write_text("annee: 2024\nregoin: '32'\n", encoding="utf-8")
    with pytest.raises(DataError, match="regoin : clé inconnue"):
        load_params(2024, project)


def test_wrong_type_and_missing_file(project):
    (project.params / "2024.yaml").write_text(
        "annee: 2024\nconfidentialite:\n  seuil_effectif: zero\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match="confidentialite.seuil_effectif"):
        load_params(2024, project)
    with pytest.raises(DataError, match="Pas de fichier de paramètres pour 2019"):
        load_params(2019, project)


def test_year_must_match_file_name(project):
    (project.params / "2024.yaml").write_text("annee: 2023\n", encoding="utf-8")
    with pytest.raises(DataError, match="doit porter"):
        load_params(2024, project)


def test_models_are_frozen_and_strict():
    with pytest.raises(ValidationError):
        RunParams(annee=2025, inconnu=1)


def test_paths_own_every_folder(monkeypatch):
    """The folders named in the README, each built by one ``Paths`` member."""
    paths = Paths(Path("/projet"))
    assert paths.report_year(2025) == Path("/projet/reports/2025")
    assert paths.indicators_dir(2025) == Path("/projet/reports/2025/indicateurs")
    assert paths.audit_year(2025) == Path("/projet/reports/audit/2025")
    assert paths.failed_runs_dir(2025) == Path("/projet/reports/audit/echecs/2025")
    assert paths.quality_dir(2025) == Path("/projet/reports/qualite/2025")
    assert paths.quality_summary(2025) == Path("/projet/data/processed/qualite_2025.json")
    assert paths.draft_dir(2025) == Path("/projet/reports/brouillon/2025")
    assert paths.contract_doc == Path("/projet/data/README.md")
    assert paths.blank_templates == Path("/projet/data/modeles")
    assert paths.default_context == Path("/projet/data/reference/qpv2024-indicateurs.csv")
    assert RunParams(annee=2025).contexte[0].fichier == "data/reference/qpv2024-indicateurs.csv"
    assert Paths.quality_in(Path("/b")) == Path("/b/qualite")
    monkeypatch.delenv(BUILD_ENV, raising=False)
    assert paths.output_indicators_dir(2025) == Path("/projet/reports/brouillon/2025/indicateurs")
    monkeypatch.setenv(BUILD_ENV, "/tmp/construction")
    assert paths.output_indicators_dir(2025) == Path("/tmp/construction/indicateurs")


def test_build_folders_are_found_when_stale(tmp_path: Path):
    paths = Paths(tmp_path)
    assert paths.stale_build_dirs() == []
    build = paths.new_build_dir(2025)
    assert build.is_dir() and build.parent == paths.reports
    assert paths.stale_build_dirs() == [build]


ENGLISH = (
    "Input should",
    "mapping values",
    "found character",
    "could not find",
    "expected",
    "while scanning",
    "while parsing",
    "line ",
    "column ",
    "Field required",
    "Extra inputs",
)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("annee: 2024\ntitre: Bilan: quartiers\n", "ligne 2, colonne 13", "un « : » inattendu"),
        (
            "annee: 2024\nconfidentialite:\n\tseuil_effectif: 5\n",
            "ligne 3, colonne 1",
            "tabulation",
        ),
        ("annee: 2024\ntitre: \"Bilan\nregion: '32'\n", "ligne 2, colonne 8", "guillemet"),
        ("annee: 2024\nregion '32'\n", "ligne 2, colonne 1", "une clé sans « : »"),
        (
            "annee: 2024\nconfidentialite:\n  seuil_effectif: 5\n seuil_base_taux: 20\n",
            "ligne 4, colonne 2",
            "retrait",
        ),
        ("annee: 2024\nrapports: [axe1, axe2\n", "ligne 2, colonne 11", "crochet « [ »"),
        ('annee: 2024\ntitre: "C:\\dossier"\n', "ligne 2, colonne 12", "chemin Windows"),
        ("annee: 2024\ntitre: *important*\n", "ligne 2, colonne 8", "« * »"),
        ("annee: 2024\nregion: '32'\nannee: 2023\n", "ligne 3, colonne 1", "écrite deux fois"),
        ("annee: 2024\n---\nannee: 2023\n", "ligne 2, colonne 1", "plusieurs documents"),
        ("annee: 2024\ntitre: a\x07b\n", "ligne 2", "caractère de contrôle"),
    ],
)
def test_yaml_syntax_errors_are_told_in_french_with_line_and_column(project, text, where, fragment):
    (project.params / "2024.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_params(2024, project)
    message = str(refused.value)
    assert message.startswith(f"params/2024.yaml, {where} : ")
    assert fragment in message and "À faire : " in message
    assert not [e for e in ENGLISH if e in message], message


def test_duplicate_key_names_both_lines(project):
    (project.params / "2024.yaml").write_text(
        "annee: 2024\nconfidentialite:\n  seuil_effectif: 5\n  seuil_effectif: 10\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"ligne 4, .*« seuil_effectif ».*déjà ligne 3"):
        load_params(2024, project)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("annee: 2024\nregion: 32\n", ["ligne 2, region : texte attendu", 'region: "32"']),
        (
            "annee: 2024\nconfidentialite:\n  seuil_effectif: 2\n",
            ["ligne 3, confidentialite.seuil_effectif : la valeur doit être au moins 5"],
        ),
        (
            "annee: 2024\nconfidentialite:\n  seuil_efectif: 6\n",
            ["ligne 3, confidentialite.seuil_efectif : clé inconnue", "« seuil_effectif » ?"],
        ),
        (
            "annee: 2024\ngeographie_qpv: '2020'\n",
            ["ligne 2, geographie_qpv : valeur non admise", "valeurs admises : 2015, 2024"],
        ),
        (
            "annee: 2024\ncontexte:\n  - fichier: a.csv\n    source: insee\n"
            "  - source: tiers_2024\n",
            [
                "ligne 4, contexte[1].source : valeur non admise",
                "sig_ville, tiers_2024",
                "ligne 5, contexte[2].fichier : clé obligatoire absente",
            ],
        ),
        ("annee: 2024\nrapports: synthese\n", ["ligne 2, rapports : une liste est attendue"]),
        ("annee: 2024\ndonnees_demo: peut-être\n", ["donnees_demo : true ou false attendu"]),
        ("annee: 2024\nconfidentialite: 5\n", ["confidentialite : une rubrique est attendue"]),
        ("annee: deux mille\n", ["ligne 1, annee : nombre entier attendu", "'deux mille'"]),
        ("annee 2024\n", ["(fichier entier) : le fichier doit être une suite de lignes"]),
        ("", ["annee : clé obligatoire absente"]),
    ],
)
def test_invalid_values_name_the_key_in_yaml_terms_never_pydantic_english(project, text, expected):
    (project.params / "2024.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_params(2024, project)
    message = str(refused.value)
    assert message.startswith("Paramètres invalides dans params/2024.yaml :")
    for fragment in expected:
        assert fragment in message, message
    assert "À faire" in message
    assert not [e for e in ENGLISH if e in message], message


def test_findings_are_listed_in_file_order(project):
    (project.params / "2024.yaml").write_text(
        "annee: 2024\nrapports: synthese\nregoin: '32'\ndonnees_demo: peut-être\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as refused:
        load_params(2024, project)
    lines = [line for line in str(refused.value).splitlines() if line.startswith("  - ")]
    assert [line.split(",")[0] for line in lines] == ["  - ligne 2", "  - ligne 3", "  - ligne 4"]


def test_file_not_in_utf8_is_named_with_its_line(project):
    (project.params / "2024.yaml").write_bytes("annee: 2024\ntitre: Évaluation\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"params/2024.yaml, ligne 2 : .*UTF-8.*À faire"):
        load_params(2024, project)


def test_cli_shows_a_broken_parameter_file_without_traceback(project):
    import os
    import subprocess
    import sys

    (project.params / "2025.yaml").write_text("annee: 2025\n\tregion: '32'\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "qpv_analytics", "publier", "--annee", "2025"],
        capture_output=True,
        text=True,
        env={**os.environ, "QPV_ROOT": str(project.root), "PYTHONPATH": str(SRC)},
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "ScannerError" not in done.stderr
    assert "params/2025.yaml, ligne 2, colonne 1 : une tabulation" in done.stderr
