"""Run parameters are validated before anything runs, with French messages."""

import pytest
from pydantic import ValidationError

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
