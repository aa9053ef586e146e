"""Run parameters are validated before anything runs, with French messages; project folders."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from qpv_analytics.config import BUILD_ENV, Paths
from qpv_analytics.params import RunParams, load_params
from qpv_analytics.quality.model import DataError

pytestmark = pytest.mark.unit


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
